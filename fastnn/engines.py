"""How each backend runs a network's epochs and forward passes.

An engine takes a :class:`NetworkState` (weights stored input-major as ``WT`` of shape
(n_in, n_out), biases, optimizer state and the option codes) and runs

* ``train(state, X, T, labels, order)``: one pass over ``X[order]``, updating the state
  in place; returns ``(loss_sum, correct, seen)``;
* ``predict_proba(state, X)``: the output activations of every row of X.

The ``numba`` engine calls the compiled loops of :mod:`fastnn.kernels._loops` (a whole
chunk of samples per call, no Python per sample); the ``python`` engine calls the same
loops uncompiled, on Python lists; the ``numpy`` engine is a vectorised NumPy version of
the same algorithm (per sample when the tutorial trains per sample, per mini-batch with
matrix products otherwise).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from fastnn.kernels import _loops as codes
from fastnn.memory import aligned_copy, cache_aligned_zeros


@dataclass
class NetworkState:
    """The arrays and option codes an engine works on (all arrays C-contiguous)."""

    weights_t: list  # (n_in, n_out) per layer
    biases: list  # (n_out,) per layer; zeros and never updated when use_bias is False
    activations: np.ndarray  # int64 codes, one per layer
    use_bias: bool
    loss: int
    backprop: int
    optimizer: int
    learning_rate: float
    rho: float
    epsilon: float
    batch_size: int
    dtype: np.dtype
    threads: int | None = None
    mean_square_w: list = field(default_factory=list)
    mean_square_b: list = field(default_factory=list)

    @property
    def sizes(self):
        return [self.weights_t[0].shape[0]] + [w.shape[1] for w in self.weights_t]

    @property
    def per_sample(self):
        """True for per-sample SGD: every sample updates the weights at once."""
        return self.batch_size == 1 and self.optimizer == codes.SGD

    def mean_squares(self):
        """RMSprop's running mean squares, per layer: (for weights, for biases).

        Made at the first mini-batch (v starts at 0; SGD reads but never changes them).
        """
        if not self.mean_square_w:
            self.mean_square_w = [aligned_copy(np.zeros_like(w)) for w in self.weights_t]
            self.mean_square_b = [np.zeros_like(b) for b in self.biases]
        return self.mean_square_w, self.mean_square_b

    def input_table(self, inputs):
        """``(use_table, table)`` for the kernels' :func:`load_input_into`."""
        if inputs.array.dtype == np.uint8:
            return True, inputs.table(self.dtype)
        return False, np.zeros(1, dtype=self.dtype)

    def scalars(self):
        """learning_rate, rho, 1 - rho and epsilon, in the state's dtype."""
        cast = self.dtype.type
        return cast(self.learning_rate), cast(self.rho), cast(1.0 - self.rho), cast(self.epsilon)


# ---------------------------------------------------------------------------------------
# numba
# ---------------------------------------------------------------------------------------
def column_bounds(sizes, n_threads, multiple=16):
    """Column ranges per layer: row 0 splits the first layer among ``n_threads``.

    Returns a (layers, n_threads + 1) uint64 array; the inner bounds of row 0 are
    multiples of ``multiple``; the other rows run from 0 to the layer's size.
    """
    bounds = np.zeros((len(sizes) - 1, n_threads + 1), dtype=np.uint64)
    for layer, n_columns in enumerate(sizes[1:]):
        bounds[layer, 1:] = n_columns
    n_columns = sizes[1]
    for t in range(1, n_threads):
        share = round(n_columns * t / n_threads / multiple) * multiple
        bounds[0, t] = min(max(share, int(bounds[0, t - 1])), n_columns)
    return bounds


def new_barrier_state():
    """``(sync, stop)``: the zeroed barrier counters a per-sample kernel's threads share."""
    return np.zeros(2, dtype=np.int64), np.zeros(1, dtype=np.int64)


def run_threads(kernel, args, n_threads, bounds):
    """Run ``kernel(*args, thread, n_threads, bounds, sync, stop)`` on ``n_threads`` threads.

    The kernel releases the GIL (``nogil=True``), so the threads run at once; thread 0
    runs in the calling thread and its result is returned.
    """
    sync, stop = new_barrier_state()
    if n_threads == 1:
        return kernel(*args, 0, 1, bounds, sync, stop)
    import threading

    errors = []

    def worker(thread):
        try:
            kernel(*args, thread, n_threads, bounds, sync, stop)
        except BaseException as error:  # pragma: no cover - a compiled kernel does not raise
            errors.append(error)

    workers = [threading.Thread(target=worker, args=(t,), daemon=True)
               for t in range(1, n_threads)]
    for w in workers:
        w.start()
    try:
        return kernel(*args, 0, n_threads, bounds, sync, stop)
    finally:
        for w in workers:
            w.join()
        if errors:
            raise errors[0]


class NumbaEngine:
    """Compiled loops; buffers are allocated once per engine, outside the hot loops."""

    name = "numba"

    def __init__(self):
        self._buffers = None
        self._key = None

    def _prepare(self, state):
        n_threads = self.thread_count(state)
        key = (tuple(state.sizes), state.dtype, n_threads)
        if self._key != key:
            sizes, dt = state.sizes, state.dtype
            rows = max(codes.BLOCK, n_threads + 1)
            # Threads write neighbouring column slices of these: start them on cache lines.
            layer = lambda: tuple(cache_aligned_zeros((rows, n), dt) for n in sizes[1:])  # noqa: E731
            self._buffers = {
                "x_block": cache_aligned_zeros((rows, sizes[0]), dt),
                # Nonzero inputs per sample (per thread, plus the pending sample's).
                "input_rows": cache_aligned_zeros((rows, sizes[0]), np.int64),
                "input_counts": np.zeros(rows, dtype=np.int64),
                "union_rows": cache_aligned_zeros((n_threads, sizes[0]), np.int64),
                "all_rows": np.arange(max(sizes[:-1]), dtype=np.int64),
                "pre": layer(), "act": layer(), "error": layer(), "delta": layer(),
                "pending_input": tuple(np.zeros(n, dtype=dt) for n in sizes[:-1]),
                "grad_w": tuple(aligned_copy(np.zeros_like(w)) for w in state.weights_t),
                "grad_b": tuple(np.zeros_like(b) for b in state.biases),
                "scalar": np.zeros(1, dtype=dt),
            }
            self._key = key
        return self._buffers

    def _training_call(self, state, X, T, labels, order):
        """``(kernel, args, bounds)``: the compiled loop that trains on ``X[order]``.

        Per-sample training runs ``kernel(*args, thread, n_threads, bounds, sync, stop)``
        on each thread (:func:`run_threads`); mini-batch training ``kernel(*args)``, and
        ``bounds`` is None.
        """
        b = self._prepare(state)
        lr, rho, one_minus_rho, eps = state.scalars()
        weights_t, biases = tuple(state.weights_t), tuple(state.biases)
        use_table, table = state.input_table(X)
        if state.per_sample:
            bounds = column_bounds(state.sizes, self.thread_count(state))
            blocks = self._first_layer_blocks(state, bounds)
            args = (weights_t, biases, state.activations, state.use_bias, state.loss,
                    state.backprop, lr, X.array, use_table, table, T, labels, order,
                    b["x_block"], b["input_rows"], b["input_counts"], b["pre"], b["act"],
                    b["error"], b["delta"], b["pending_input"], b["union_rows"], b["all_rows"],
                    blocks)
            return codes.train_epoch_per_sample, args, bounds
        ms_w, ms_b = (tuple(m) for m in state.mean_squares())
        args = (weights_t, biases, state.activations, state.use_bias, state.loss, state.backprop,
                state.optimizer, lr, rho, one_minus_rho, eps, state.batch_size, X.array,
                use_table, table, T, labels, order, b["x_block"], b["input_rows"],
                b["input_counts"], b["pre"], b["act"], b["error"], b["delta"], b["grad_w"],
                b["grad_b"], ms_w, ms_b, b["scalar"])
        return codes.train_epoch_batches, args, None

    def _prediction_call(self, state, X, out):
        """``(kernel, args)``: the compiled loop that writes the outputs of X into out.

        A network trained per sample predicts one sample at a time, with the loops its
        training compiles (:func:`~fastnn.kernels._loops.predict_per_sample_into`); one
        trained in mini-batches BLOCK samples at a time, with its training's loops
        (:func:`~fastnn.kernels._loops.predict_into`). Both give the same outputs.
        """
        b = self._prepare(state)
        use_table, table = state.input_table(X)
        head = (tuple(state.weights_t), tuple(state.biases), state.activations, state.use_bias,
                X.array, use_table, table, b["x_block"], b["input_rows"])
        if state.per_sample:
            return codes.predict_per_sample_into, (*head, b["all_rows"], b["pre"], b["act"], out)
        return codes.predict_into, (*head, b["input_counts"], b["pre"], b["act"], out)

    def train(self, state, X, T, labels, order):
        kernel, args, bounds = self._training_call(state, X, T, labels, order)
        if bounds is None:
            return kernel(*args)
        n_threads = bounds.shape[1] - 1
        try:
            return run_threads(kernel, args, n_threads, bounds)
        finally:
            if n_threads > 1:
                blocks = args[-1]
                for block, start, stop in zip(blocks, bounds[0, :-1], bounds[0, 1:]):
                    state.weights_t[0][:, start:stop] = block

    def predict_proba(self, state, X):
        out = np.empty((len(X), state.sizes[-1]), dtype=state.dtype)
        kernel, args = self._prediction_call(state, X, out)
        kernel(*args)
        return out

    def kernel_call(self, state, X, T=None, labels=None):
        """``(kernel, args)``: the compiled function and the arguments (on no samples) that
        training on X (prediction when T is None) calls it with, for looking up whether
        Numba has it compiled or cached for these types; nothing is run.
        """
        X = X.head(0)
        if T is None:
            return self._prediction_call(state, X, np.empty((0, state.sizes[-1]), state.dtype))
        kernel, args, bounds = self._training_call(state, X, T[:0], labels[:0],
                                                   np.zeros(0, dtype=np.int64))
        if bounds is not None:  # thread 0's arguments, as run_threads passes them
            args = (*args, 0, bounds.shape[1] - 1, bounds, *new_barrier_state())
        return kernel, args

    def _first_layer_blocks(self, state, bounds):
        """Per thread, its columns of the first layer's weights as a contiguous block.

        With one thread that is the weight matrix itself; with several, copies (in
        buffers kept between calls) that are written back after training.
        """
        WT = state.weights_t[0]
        if bounds.shape[1] == 2:
            return (WT,)
        key = (WT.shape, WT.dtype, tuple(bounds[0]))
        if getattr(self, "_blocks_key", None) != key:
            self._blocks = tuple(aligned_copy(WT[:, start:stop])
                                 for start, stop in zip(bounds[0, :-1], bounds[0, 1:]))
            self._blocks_key = key
        for block, start, stop in zip(self._blocks, bounds[0, :-1], bounds[0, 1:]):
            block[...] = WT[:, start:stop]
        return self._blocks

    @staticmethod
    def thread_count(state):
        """Threads for per-sample training: ``state.threads``, where they can share the work.

        The first layer's columns are shared out, so it needs an element-wise activation
        and at least 16 columns a thread.
        """
        if state.threads is None or state.threads < 2:
            return 1
        if state.activations[0] == codes.SOFTMAX:
            return 1
        return max(1, min(state.threads, state.sizes[1] // 16))

    def compile(self, state, X, T=None, labels=None):
        """Compile (or load from cache) the training kernel for these types, or the
        prediction kernel when T is None, by calling it on no samples; returns seconds."""
        start = time.perf_counter()
        if T is None:
            self.predict_proba(state, X.head(0))
        else:
            self.train(state, X.head(0), T[:0], labels[:0], np.zeros(0, dtype=np.int64))
        return time.perf_counter() - start


# ---------------------------------------------------------------------------------------
# python
# ---------------------------------------------------------------------------------------
class _RowsAsLists:
    """``rows[s]`` is ``array[s].tolist()``: one sample at a time, as Python floats."""

    def __init__(self, array):
        self.array = array

    def __len__(self):
        return len(self.array)

    def __getitem__(self, s):
        return self.array[s].tolist()


class PythonEngine:
    """The loops of :mod:`fastnn.kernels._loops` uncompiled, on Python lists."""

    name = "python"

    def __init__(self):
        from fastnn.kernels.python import loops

        self.loops = loops

    def _lists(self, state):
        rows = codes.BLOCK
        blocks = lambda: [[[0.0] * n for _ in range(rows)] for n in state.sizes[1:]]  # noqa: E731
        return {
            "weights_t": [w.tolist() for w in state.weights_t],
            "biases": [b.tolist() for b in state.biases],
            "x_block": [[0.0] * state.sizes[0] for _ in range(rows)],
            "input_rows": [[0] * state.sizes[0] for _ in range(rows)],
            "input_counts": [0] * rows,
            "pre": blocks(), "act": blocks(), "error": blocks(), "delta": blocks(),
            "all_rows": list(range(max(state.sizes[:-1]))),
        }

    @staticmethod
    def _table(X):
        """The input lookup table as Python floats (plain Python computes in float64)."""
        if X.array.dtype == np.uint8:
            return True, X.table(np.dtype(np.float64)).tolist()
        return False, [0.0]

    def _store(self, state, lists):
        for w, w_list in zip(state.weights_t, lists["weights_t"]):
            w[...] = w_list
        for b, b_list in zip(state.biases, lists["biases"]):
            b[...] = b_list

    def train(self, state, X, T, labels, order):
        lists = self._lists(state)
        use_table, table = self._table(X)
        rows = (_RowsAsLists(X.array), use_table, table, _RowsAsLists(T), labels.tolist(),
                order.tolist(), lists["x_block"], lists["input_rows"], lists["input_counts"],
                lists["pre"], lists["act"], lists["error"], lists["delta"])
        if state.per_sample:
            pending_input = [[0.0] * n for n in state.sizes[:-1]]
            result = self.loops.train_epoch_per_sample(
                lists["weights_t"], lists["biases"], state.activations.tolist(), state.use_bias,
                state.loss, state.backprop, float(state.learning_rate), *rows, pending_input,
                [[0] * state.sizes[0]], lists["all_rows"],
                [lists["weights_t"][0]], 0, 1, [[0, n] for n in state.sizes[1:]], [0, 0], [0])
            self._store(state, lists)
            return result
        mean_square_w, mean_square_b = state.mean_squares()
        ms_w = [m.tolist() for m in mean_square_w]
        ms_b = [m.tolist() for m in mean_square_b]
        grad_w = [[[0.0] * w.shape[1] for _ in range(w.shape[0])] for w in state.weights_t]
        grad_b = [[0.0] * len(b) for b in state.biases]
        result = self.loops.train_epoch_batches(
            lists["weights_t"], lists["biases"], state.activations.tolist(), state.use_bias,
            state.loss, state.backprop, state.optimizer, float(state.learning_rate),
            float(state.rho), float(1.0 - state.rho), float(state.epsilon), state.batch_size,
            *rows, grad_w, grad_b, ms_w, ms_b, [0.0])
        self._store(state, lists)
        for m, m_list in zip(state.mean_square_w + state.mean_square_b, ms_w + ms_b):
            m[...] = m_list
        return result

    def predict_proba(self, state, X):
        lists = self._lists(state)
        out = [[0.0] * state.sizes[-1] for _ in range(len(X))]
        head = (lists["weights_t"], lists["biases"], state.activations.tolist(), state.use_bias,
                _RowsAsLists(X.array), *self._table(X), lists["x_block"], lists["input_rows"])
        if state.per_sample:  # as the numba engine chooses
            self.loops.predict_per_sample_into(*head, lists["all_rows"], lists["pre"],
                                               lists["act"], out)
        else:
            self.loops.predict_into(*head, lists["input_counts"], lists["pre"], lists["act"], out)
        return np.asarray(out, dtype=state.dtype).reshape(len(X), state.sizes[-1])

    def compile(self, state, X, T=None, labels=None):
        return 0.0


# ---------------------------------------------------------------------------------------
# numpy
# ---------------------------------------------------------------------------------------
def _activate(Z, code):
    from fastnn.kernels.numpy import sigmoid_array, softmax_array

    if code == codes.SIGMOID:
        return sigmoid_array(Z)
    if code == codes.RELU:
        return np.maximum(Z, 0)
    if code == codes.SOFTMAX:
        return softmax_array(Z)
    return Z


def _times_derivative(E, Z, Y, code):
    if code == codes.SIGMOID:
        return E * Y * (1 - Y)
    if code == codes.RELU:
        return np.where(Z > 0, E, 0)
    return E


class NumpyEngine:
    """Vectorised NumPy: per-sample vectors for per-sample SGD, matrices per mini-batch."""

    name = "numpy"

    def _forward(self, state, A):
        """Pre-activations and activations of every layer; A is (n_in,) or (m, n_in)."""
        pre, act = [], []
        for WT, b, code in zip(state.weights_t, state.biases, state.activations):
            Z = A @ WT
            if state.use_bias:
                Z = Z + b
            A = _activate(Z, code)
            pre.append(Z)
            act.append(A)
        return pre, act

    def _backward(self, state, T, pre, act):
        last = len(state.weights_t) - 1
        E = act[last] - T
        if state.loss == codes.CROSS_ENTROPY:
            D = E
        else:
            D = _times_derivative(E, pre[last], act[last], state.activations[last])
        deltas = [D]
        for layer in range(last, 0, -1):
            sent = E if state.backprop == codes.BACKPROP_ERROR else D
            E = sent @ state.weights_t[layer].T
            D = _times_derivative(E, pre[layer - 1], act[layer - 1], state.activations[layer - 1])
            deltas.append(D)
        return deltas[::-1]

    @staticmethod
    def _loss_and_correct(state, Y, T, labels):
        if state.loss == codes.CROSS_ENTROPY:
            losses = -np.sum(np.where(T != 0, T * np.log(np.maximum(Y, 1e-300)), 0.0), axis=-1)
        else:
            losses = 0.5 * np.sum((Y - T) ** 2, axis=-1)
        return float(np.sum(losses)), int(np.sum(np.argmax(Y, axis=-1) == labels))

    def train(self, state, X, T, labels, order):
        # A diverging run overflows; the training loop detects that from the loss.
        with np.errstate(over="ignore", invalid="ignore"):
            return self._train(state, X, T, labels, order)

    def _train(self, state, X, T, labels, order):
        lr, rho, one_minus_rho, eps = state.scalars()
        per_sample = state.per_sample
        if state.optimizer == codes.RMSPROP:
            state.mean_squares()
        loss_sum, correct, n = 0.0, 0, len(order)
        step = 1 if per_sample else state.batch_size
        for start in range(0, n, step):
            idx = order[start:start + step]
            A0, T_batch = X.scaled(idx, state.dtype), T[idx]
            if per_sample:
                A0, T_batch = A0[0], T_batch[0]
            pre, act = self._forward(state, A0)
            batch_loss, batch_correct = self._loss_and_correct(state, act[-1], T_batch, labels[idx])
            loss_sum += batch_loss
            correct += batch_correct
            deltas = self._backward(state, T_batch, pre, act)
            inputs = [A0] + act[:-1]
            for layer, (A, D) in enumerate(zip(inputs, deltas)):
                WT, b = state.weights_t[layer], state.biases[layer]
                if per_sample:
                    WT -= lr * np.outer(A, D)
                    if state.use_bias:
                        b -= lr * D
                    continue
                m = len(idx)
                G, g = A.T @ D, D.sum(axis=0)
                if state.optimizer == codes.RMSPROP:
                    inv = state.dtype.type(1.0 / m)
                    pairs = [(WT, G, state.mean_square_w[layer])]
                    if state.use_bias:
                        pairs.append((b, g, state.mean_square_b[layer]))
                    for w, grad_sum, v in pairs:
                        grad = grad_sum * inv
                        v *= rho
                        v += one_minus_rho * (grad * grad)
                        w -= lr * grad / np.sqrt(v + eps)
                else:
                    scale = state.dtype.type(lr / m)
                    WT -= scale * G
                    if state.use_bias:
                        b -= scale * g
            if not loss_sum < np.inf:
                return loss_sum, correct, min(start + step, n)
        return loss_sum, correct, n

    def predict_proba(self, state, X):
        return self._forward(state, X.scaled(slice(None), state.dtype))[1][-1]

    def compile(self, state, X, T=None, labels=None):
        return 0.0


ENGINES = {"python": PythonEngine, "numpy": NumpyEngine, "numba": NumbaEngine}


def make_engine(backend: str):
    """A new engine for ``backend`` ('python', 'numpy' or 'numba')."""
    try:
        return ENGINES[backend]()
    except KeyError:
        raise ValueError(
            f"backend must be one of {', '.join(map(repr, ENGINES))}, got {backend!r}"
        ) from None
