"""The dense network every fastnn recipe is made of, with a scikit-learn/Keras-style API.

>>> import fastnn
>>> (x_train, y_train), (x_test, y_test) = fastnn.load_mnist()
>>> net = fastnn.Network([784, 100, 10], activations="sigmoid", learning_rate=0.1)
>>> history = net.fit(x_train, y_train, epochs=1)        # doctest: +SKIP
>>> net.score(x_test, y_test)                              # doctest: +SKIP
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from fastnn import inputs, network_file
from fastnn.engines import NetworkState, make_engine
from fastnn.kernels import codes
from fastnn.memory import aligned_copy
from fastnn.training import TrainingDivergedError, run_fit

ACTIVATIONS = {"identity": codes.IDENTITY, "sigmoid": codes.SIGMOID, "relu": codes.RELU,
               "softmax": codes.SOFTMAX}
LOSSES = {"squared_error": codes.SQUARED_ERROR, "cross_entropy": codes.CROSS_ENTROPY}
OPTIMIZERS = {"sgd": codes.SGD, "rmsprop": codes.RMSPROP}
BACKPROPS = {"gradient": codes.BACKPROP_GRADIENT, "error": codes.BACKPROP_ERROR}
INITS = ("normal", "normal_by_receiving", "glorot_uniform", "uniform", "grokking")
BACKENDS = ("python", "numpy", "numba")
DTYPES = {"float64": np.float64, "float32": np.float32}

__all__ = ["Network", "TrainingDivergedError"]


def _choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")
    return value


def _positive_number(name, value, upper=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    if value <= 0 or (upper is not None and value >= upper):
        bound = f" and < {upper}" if upper is not None else ""
        raise ValueError(f"{name} must be > 0{bound}, got {value!r}")
    return float(value)


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


class Network:
    """A fully connected network trained by SGD or RMSprop on fastnn's kernels.

    Parameters
    ----------
    sizes : sequence of int
        Layer sizes from input to output, e.g. ``[784, 100, 10]`` (any depth >= 2).
    activations : str or sequence of str
        Per layer after the input: 'identity', 'sigmoid', 'relu' or 'softmax' (softmax
        only on the output layer). One name applies to every layer.
    loss : {'squared_error', 'cross_entropy'}
        'squared_error' is ``0.5 * sum((y - t)**2)`` per sample, whose gradient with
        respect to the output is ``y - t``, the tutorials' ``delta = pred - target``.
        'cross_entropy' is ``-sum(t * log(y))`` and needs a softmax output layer.
    optimizer : {'sgd', 'rmsprop'}
        SGD: ``W -= learning_rate / m * (sum of the m gradients of a batch)``.
        RMSprop as Keras defines it, with ``rho`` and ``epsilon`` (inside the root).
    learning_rate : float
        The tutorials' alpha or lr; > 0.
    batch_size : int
        1 trains per sample (the weights change after every image).
    use_bias : bool
        Biases on every layer (they start at zero unless ``init`` draws them).
    init : str
        'normal' (weights and biases N(0, 1), Nielsen), 'normal_by_receiving'
        (N(0, n_out**-0.5), no bias draw, Rashid), 'glorot_uniform' (Keras; zero
        biases), 'uniform' (U[0, 1), the linear blog) or 'grokking' (row k constant
        ``k * 0.0001``).
    backprop : {'gradient', 'error'}
        What hidden layers receive through ``W.T``: the output delta (backpropagation of
        the gradient) or the output error ``t - y`` (Rashid's ``W_ho.T e_o``).
    input_scaling : {'unit', 'rashid', 'raw'}
        How uint8 images are turned into inputs: ``pixels / 255``, Rashid's
        ``pixels / 255 * 0.99 + 0.01``, or the raw 0-255 values. Float inputs are taken
        as already prepared and used as they are (after a check that they are finite).
    target_off, target_on : float
        Target values for integer labels: one-hot 0/1 by default, Rashid's 0.01/0.99.
    rho, epsilon : float
        RMSprop's decay and epsilon (Keras: 0.9 and 1e-7).
    dtype : {'float64', 'float32'}
        Of the weights and of every computation.
    backend : {'numba', 'numpy', 'python'}
        Which kernels run the network. Every backend computes the same numbers.
    seed : int or None
        Seeds the one ``numpy.random.Generator`` that draws the initial weights and the
        shuffles: the same seed gives the same run.
    threads : int or None
        Threads for the numba backend's per-sample training: each owns a block of the
        first layer's columns, thread 0 does the rest of every sample between two spin
        barriers, and the result is the same, bit for bit, as with one thread.
        Mini-batches and inference run on one thread. Spin barriers need cores that run
        at once: on the 2-vCPU machine fastnn is measured on, two busy processes each run
        at half speed, and 2 threads are slower than 1 (see the README's benchmarks).

    Attributes
    ----------
    weights : list of ndarray
        Layer l has shape (n_out, n_in); ``W[j, i]`` connects input i to output j.
    biases : list of ndarray or None
        (n_out,) per layer, or None when ``use_bias`` is False.
    history_ : list of dict
        One entry per epoch trained so far (see :meth:`fit`).
    compile_seconds_ : float
        Seconds spent compiling (or loading from Numba's cache) the kernels this
        network has called: the training kernel at the start of :meth:`fit`, the
        prediction kernel at the first prediction.
    """

    def __init__(self, sizes=(784, 100, 10), activations="sigmoid", loss="squared_error",
                 optimizer="sgd", learning_rate=0.1, batch_size=1, use_bias=False,
                 init="normal_by_receiving", backprop="gradient", input_scaling="unit",
                 target_off=0.0, target_on=1.0, rho=0.9, epsilon=1e-7, dtype="float64",
                 backend="numba", seed=None, threads=None):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least an input and an output layer, got {sizes!r}")
        self.sizes = [_positive_int("every layer size", n) for n in sizes]
        n_layers = len(self.sizes) - 1
        if isinstance(activations, str):
            activations = [activations] * n_layers
        activations = list(activations)
        if len(activations) != n_layers:
            raise ValueError(
                f"activations names {len(activations)} layers but sizes {self.sizes} has "
                f"{n_layers} (one per layer after the input)"
            )
        for name in activations:
            _choice("each activation", name, ACTIVATIONS)
        if "softmax" in activations[:-1]:
            raise ValueError("softmax is supported only on the output layer, got "
                             f"activations={activations!r}")
        self.activations = activations
        self.loss = _choice("loss", loss, LOSSES)
        if loss == "cross_entropy" and activations[-1] != "softmax":
            raise ValueError("loss='cross_entropy' needs a softmax output layer, got "
                             f"{activations[-1]!r}; use activations=[..., 'softmax']")
        if loss == "squared_error" and activations[-1] == "softmax":
            raise ValueError("a softmax output layer goes with loss='cross_entropy', "
                             "not 'squared_error'")
        self.optimizer = _choice("optimizer", optimizer, OPTIMIZERS)
        self.learning_rate = _positive_number("learning_rate", learning_rate)
        self.batch_size = _positive_int("batch_size", batch_size)
        if not isinstance(use_bias, (bool, np.bool_)):
            raise ValueError(f"use_bias must be True or False, got {use_bias!r}")
        self.use_bias = bool(use_bias)
        self.init = _choice("init", init, INITS)
        self.backprop = _choice("backprop", backprop, BACKPROPS)
        self.input_scaling = _choice("input_scaling", input_scaling, inputs.SCALINGS)
        self.target_off = float(target_off)
        self.target_on = float(target_on)
        self.rho = _positive_number("rho", rho, upper=1.0)
        self.epsilon = _positive_number("epsilon", epsilon)
        self.dtype = _choice("dtype", np.dtype(dtype).name, DTYPES)
        self.backend = _choice("backend", backend, BACKENDS)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
                                 or seed < 0):
            raise ValueError(f"seed must be None or an integer >= 0, got {seed!r}")
        self.seed = seed
        if threads is not None:
            _positive_int("threads", threads)
        self.threads = threads

        self.rng = np.random.default_rng(seed)
        self._state = self._initial_state()
        self._engine = make_engine(self.backend)
        self.history_ = []
        self.compile_seconds_ = 0.0

    # -- hyper-parameters and persistence ------------------------------------------------
    def get_params(self):
        """The constructor's arguments, as a dict (what :meth:`save` stores)."""
        return {name: getattr(self, name) for name in (
            "sizes", "activations", "loss", "optimizer", "learning_rate", "batch_size",
            "use_bias", "init", "backprop", "input_scaling", "target_off", "target_on",
            "rho", "epsilon", "dtype", "backend", "seed", "threads")}

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def save(self, path):
        """Write the network to ``path`` (.npz), atomically; see :func:`fastnn.load`.

        The file holds the hyper-parameters, weights, biases, RMSprop's state, the history
        and the random generator's state (:mod:`fastnn.network_file`), so that the loaded
        network predicts exactly as this one and goes on training as it would. The
        directory must exist. Returns the path.
        """
        return network_file.write(self._saved(), path)

    def _saved(self):
        """This network as a :class:`fastnn.network_file.SavedNetwork`."""
        state = self._state
        return network_file.SavedNetwork(
            params=self.get_params(), weights=self.weights, biases=state.biases,
            history=self.history_, rng_state=self.rng.bit_generator.state,
            mean_square_w=state.mean_square_w or None, mean_square_b=state.mean_square_b or None)

    @classmethod
    def _from_saved(cls, saved, name):
        """The network that ``saved`` (checked by :func:`fastnn.network_file.read`) holds;
        ``name`` names its file in errors."""
        try:
            net = cls(**saved.params)
        except (TypeError, ValueError) as error:
            raise network_file.NetworkFileError(
                f"{name}: its parameters make no fastnn network: {error}") from error
        net.weights = saved.weights
        for target, value in zip(net._state.biases, saved.biases):
            target[...] = value
        if saved.mean_square_w is not None:
            net._state.mean_square_w = [aligned_copy(m) for m in saved.mean_square_w]
            net._state.mean_square_b = [m.copy() for m in saved.mean_square_b]
        net.history_ = saved.history
        try:
            net.rng.bit_generator.state = saved.rng_state
        except (TypeError, ValueError, KeyError) as error:
            raise network_file.NetworkFileError(
                f"{name}: its 'rng_state' entry is not a state of NumPy's "
                f"{type(net.rng.bit_generator).__name__} generator: {error!r}") from error
        return net

    # -- weights ------------------------------------------------------------------------------
    def _initial_state(self):
        dt = np.dtype(self.dtype)
        weights_t, biases = [], []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            W, b = self._draw_layer(n_in, n_out)
            weights_t.append(aligned_copy(W.T, dt))
            biases.append(np.asarray(b, dtype=dt))
        return NetworkState(
            weights_t=weights_t, biases=biases,
            activations=np.array([ACTIVATIONS[a] for a in self.activations], dtype=np.int64),
            use_bias=self.use_bias, loss=LOSSES[self.loss], backprop=BACKPROPS[self.backprop],
            optimizer=OPTIMIZERS[self.optimizer], learning_rate=self.learning_rate,
            rho=self.rho, epsilon=self.epsilon, batch_size=self.batch_size, dtype=dt,
            threads=self.threads,
        )

    def _draw_layer(self, n_in, n_out):
        """One layer's (W, b) in float64, W of shape (n_out, n_in), from ``self.rng``."""
        zeros = np.zeros(n_out)
        if self.init == "normal":
            W = self.rng.standard_normal((n_out, n_in))
            b = self.rng.standard_normal(n_out) if self.use_bias else zeros
            return W, b
        if self.init == "normal_by_receiving":
            return self.rng.normal(0.0, n_out ** -0.5, (n_out, n_in)), zeros
        if self.init == "glorot_uniform":
            limit = math.sqrt(6.0 / (n_in + n_out))
            return self.rng.uniform(-limit, limit, (n_out, n_in)), zeros
        if self.init == "uniform":
            return self.rng.random((n_out, n_in)), zeros
        # grokking: row k is the constant k * 0.0001
        return np.repeat((np.arange(n_out) * 0.0001)[:, None], n_in, axis=1), zeros

    @property
    def weights(self):
        """Per layer, (n_out, n_in) views of the weights (``W[j, i]``: input i -> output j)."""
        return [w.T for w in self._state.weights_t]

    @weights.setter
    def weights(self, values):
        values = list(values)
        if len(values) != len(self._state.weights_t):
            raise ValueError(f"weights needs {len(self._state.weights_t)} arrays, got {len(values)}")
        for layer, (target, value) in enumerate(zip(self._state.weights_t, values)):
            value = np.asarray(value)
            if value.shape != target.T.shape:
                raise ValueError(f"weights[{layer}] must have shape {target.T.shape} "
                                 f"(n_out, n_in), got {value.shape}")
            target[...] = value.T

    @property
    def biases(self):
        """Per layer (n_out,) bias vectors, or None when the network has no biases."""
        return list(self._state.biases) if self.use_bias else None

    @biases.setter
    def biases(self, values):
        if not self.use_bias:
            raise ValueError("this network has use_bias=False, so it has no biases to set")
        values = list(values)
        if len(values) != len(self._state.biases):
            raise ValueError(f"biases needs {len(self._state.biases)} arrays, got {len(values)}")
        for layer, (target, value) in enumerate(zip(self._state.biases, values)):
            value = np.asarray(value)
            if value.shape != target.shape:
                raise ValueError(f"biases[{layer}] must have shape {target.shape}, got {value.shape}")
            target[...] = value

    # -- data ---------------------------------------------------------------------------------
    def _prepare_x(self, x):
        X = inputs.prepare_images(x, self.sizes[0], self.input_scaling, np.dtype(self.dtype))
        if X.array.dtype.kind == "f" and not getattr(self, "_scale_warned", False):
            problem = inputs.scale_mismatch(X.array, self.input_scaling)
            if problem:  # once per network
                self._scale_warned = True
                inputs.warn_caller(problem, inputs.InputScaleWarning)
        return X

    def _prepare_xy(self, x, y):
        X = self._prepare_x(x)
        T, labels = inputs.prepare_targets(y, self.sizes[-1], self.target_off, self.target_on,
                                           np.dtype(self.dtype))
        if len(X) != len(labels):
            raise ValueError(f"x has {len(X)} samples but y has {len(labels)}; they must match")
        return X, T, labels

    # -- training ----------------------------------------------------------------------------
    def fit(self, x, y, epochs=1, batch_size=None, validation_split=0.0, validation_data=None,
            shuffle=None, verbose=0, callback=None, callback_every=None, initial_epoch=None,
            rotations=None):
        """Train for ``epochs`` passes over (x, y), with Keras's ``fit`` keywords.

        Parameters
        ----------
        x : (n, 784) or (n, 28, 28) array
            uint8 images are scaled by ``input_scaling``; float inputs are used as given.
        y : (n,) int labels or (n, n_classes) targets
        epochs : int
            Epochs to train; with ``initial_epoch``, the number of the last one (Keras).
        batch_size : int, optional
            The mini-batch size of this call only (1: per sample); default the
            constructor's ``batch_size``, which this does not change.
        validation_split : float
            A fraction in (0, 1): the last ``n - floor(n * (1 - validation_split))``
            samples of (x, y), taken before any shuffling, are held out and evaluated
            after every epoch instead of trained on, as in Keras. 0 (the default) holds
            out nothing. Cannot be combined with ``validation_data``.
        validation_data : (x_val, y_val), optional
            Evaluated after every epoch.
        shuffle : bool, optional
            Shuffle the sample order every epoch (drawn from the network's generator).
            Default: True for mini-batches (batch_size > 1), False for per-sample
            training, as the per-sample tutorials take the images in file order.
        verbose : int
            0 silent; 1 a progress bar per epoch and a line per epoch; 2 the lines only
            (as in Keras).
        callback : callable, optional
            ``callback(net, epoch, seen)`` is called after every ``callback_every``
            samples of an epoch (a multiple of the batch size).
        callback_every : int, optional
        initial_epoch : int, optional
            Keras's resume marker: the number of epochs this network has already trained
            (``len(net.history_)``, which fastnn keeps, also through save and load). Then
            ``epochs`` is the last epoch's number and ``epochs - initial_epoch`` epochs
            are trained. Without it, ``epochs`` more are trained.
        rotations : sequence of float, optional
            Angles in degrees, e.g. ``(10, -10)``: each sample is trained on, then on its
            copy rotated by each angle in turn, each a sample of its own (as *Make Your
            Own Neural Network* does; see :mod:`fastnn.augmentation`). The rotation is of
            the scaled input, bilinear, the corners filled with what a blank pixel scales
            to. An epoch then has ``len(x) * (1 + len(rotations))`` samples. Needs SciPy
            (``pip install 'fastnn[images]'``).

        Returns
        -------
        History
            ``history.history`` maps 'loss', 'accuracy', 'val_loss', 'val_accuracy',
            'seconds' and 'samples_per_second' to one value per epoch. 'loss' and
            'accuracy' are averaged over the epoch's samples, each measured just before
            that sample's update. ``history.epoch`` numbers the epochs over the
            network's life, from 1.

        Raises
        ------
        ValueError
            For a bad keyword value (quoted), ``validation_split`` together with
            ``validation_data``, or an ``initial_epoch`` that is not the number of
            epochs trained so far.
        TrainingDivergedError
            If the loss stops being finite; the weights are restored to what they were
            at the start of that epoch, and the message names the learning rate.
        KeyboardInterrupt
            Passed on (as any other exception raised during an epoch, by a callback for
            instance) after the network is put back as it was after its last finished
            epoch (weights, optimizer state, generator), the one its history ends with: a
            later ``fit(..., initial_epoch=len(net.history_))`` trains what an
            uninterrupted run would have.
        """
        epochs = self._epochs_to_train(epochs, initial_epoch)
        batch_size = self.batch_size if batch_size is None else _positive_int("batch_size",
                                                                               batch_size)
        split = inputs.validation_fraction(validation_split)
        if split and validation_data is not None:
            raise ValueError(
                f"validation_split={validation_split!r} and validation_data were both given: "
                "pass one of them (validation_split holds out the end of x and y, "
                "validation_data is a separate (x_val, y_val) pair)")
        X, T, labels = self._prepare_xy(x, y)
        validation = None
        if split:
            X, T, labels, validation = inputs.hold_out(X, T, labels, split, validation_split)
        elif validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (x_val, y_val)")
            validation = self._prepare_xy(*validation_data)
        if shuffle is None:
            shuffle = batch_size > 1
        state = self._state
        state.batch_size = batch_size  # for this call only: the engines read it here
        try:
            return run_fit(self, ((X, T, labels), self._rotations(rotations, X)), epochs,
                           validation, bool(shuffle), verbose, callback, callback_every)
        finally:
            state.batch_size = self.batch_size

    def _rotations(self, rotations, X):
        """The :class:`fastnn.augmentation.Rotations` of ``fit(rotations=...)``, or None."""
        from fastnn.augmentation import Rotations, check_rotations

        angles = check_rotations(rotations)
        if not angles:
            return None
        blank = float(X.table(np.dtype(np.float64))[0]) if X.array.dtype == np.uint8 else (
            (inputs.SCALINGS[self.input_scaling] or (0.0,))[0])
        return Rotations(angles, self.sizes[0], blank, np.dtype(self.dtype))

    def _epochs_to_train(self, epochs, initial_epoch):
        """How many epochs a fit call trains, from its ``epochs`` and ``initial_epoch``."""
        if initial_epoch is None:
            return _positive_int("epochs", epochs)
        trained = len(self.history_)
        if (isinstance(initial_epoch, bool) or not isinstance(initial_epoch, numbers.Integral)
                or initial_epoch != trained):
            raise ValueError(
                f"initial_epoch={initial_epoch!r}, but this network has trained {trained} "
                f"epoch(s) (len(net.history_)): pass initial_epoch={trained} to resume from "
                "there, or leave initial_epoch out to train `epochs` more")
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs <= trained:
            raise ValueError(
                f"epochs={epochs!r} with initial_epoch={trained}: with initial_epoch, epochs "
                f"is the number of the last epoch to train, so it must be an integer > {trained}")
        return int(epochs) - trained

    def partial_fit(self, x, y, **kwargs):
        """Train one more pass over (x, y); takes :meth:`fit`'s keywords but ``epochs`` and
        ``initial_epoch``."""
        for name in ("epochs", "initial_epoch"):
            if name in kwargs:
                raise TypeError(f"partial_fit trains exactly one epoch, so it takes no {name}= "
                                f"(got {name}={kwargs[name]!r}); use fit for that")
        return self.fit(x, y, epochs=1, **kwargs)

    # -- inference -----------------------------------------------------------------------------
    def _proba(self, X):
        from fastnn.config import threads

        with threads(self.threads if self.backend == "numba" else None):
            self.compile_seconds_ += self._engine.compile(self._state, X)
            return self._engine.predict_proba(self._state, X)

    def predict_proba(self, x):
        """Output activations for every sample (the tutorial's ``query``): (n, n_classes)."""
        return self._proba(self._prepare_x(x))

    def predict(self, x):
        """Predicted labels: (n,) int64, the index of each sample's largest output."""
        return np.argmax(self.predict_proba(x), axis=1)

    def evaluate(self, x, y):
        """Mean loss and accuracy on (x, y), as a dict {'loss': ..., 'accuracy': ...}."""
        X, T, labels = self._prepare_xy(x, y)
        return self._evaluate_prepared(X, T, labels)

    def _evaluate_prepared(self, X, T, labels):
        Y = self._proba(X).astype(np.float64)
        if self.loss == "cross_entropy":
            losses = -np.sum(np.where(T != 0, T * np.log(np.maximum(Y, 1e-300)), 0.0), axis=1)
        else:
            losses = 0.5 * np.sum((Y - T) ** 2, axis=1)
        n = max(len(labels), 1)
        return {"loss": float(np.sum(losses) / n),
                "accuracy": float(np.sum(np.argmax(Y, axis=1) == labels) / n)}

    def backquery(self, label=None):
        """What the network imagines a digit as: its outputs run backwards to its inputs.

        The book's backquery (see :mod:`fastnn.backquery`): the target vector (the
        network's ``target_on`` at the label and ``target_off`` elsewhere, 0.99 and 0.01
        for Rashid; 0.99 and 0.01 too where those are 1 and 0, whose ``logit`` is
        infinite), its ``logit``, times the transposed weights of the last layer, rescaled
        into 0.01..0.99, ``logit`` of that, and so on down to the inputs. With biases, each
        layer's are subtracted before the transposed product.

        Parameters
        ----------
        label : int, optional
            The class to imagine; all of them when None.

        Returns
        -------
        (n_inputs,) float64, or (n_classes, n_inputs) for every label, in 0.01..0.99
            For MNIST, ``.reshape(28, 28)`` shows it.

        Raises
        ------
        ValueError
            For a label out of range, or a layer whose activation has no inverse (relu,
            softmax): the message names the layer.
        """
        from fastnn.backquery import backquery

        n_classes = self.sizes[-1]
        labels = range(n_classes) if label is None else [label]
        for value in labels:
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not (
                    0 <= value < n_classes):
                raise ValueError(f"label must be an integer from 0 to {n_classes - 1}, got "
                                 f"{value!r}")
        off, on = (0.01, 0.99) if self.target_off <= 0 or self.target_on >= 1 else (
            self.target_off, self.target_on)
        targets = np.full((len(labels), n_classes), off)
        targets[np.arange(len(labels)), list(labels)] = on
        images = backquery(self.weights, self.biases, self.activations, targets)
        return images if label is None else images[0]

    def score(self, x, y):
        """Accuracy on (x, y): the fraction of samples whose prediction is their label."""
        return self.evaluate(x, y)["accuracy"]

    # -- used by training and persistence -----------------------------------------------------
    def _snapshot(self):
        """What :meth:`_restore` puts back: weights, biases, RMSprop's state, the generator."""
        s = self._state
        arrays = [a.copy() for a in s.weights_t + s.biases + s.mean_square_w + s.mean_square_b]
        return arrays, bool(s.mean_square_w), self.rng.bit_generator.state

    def _restore(self, snapshot):
        arrays, had_mean_squares, rng_state = snapshot
        s = self._state
        if not had_mean_squares:  # made during the epoch being undone
            s.mean_square_w, s.mean_square_b = [], []
        for target, saved in zip(s.weights_t + s.biases + s.mean_square_w + s.mean_square_b,
                                 arrays):
            target[...] = saved
        self.rng.bit_generator.state = rng_state
