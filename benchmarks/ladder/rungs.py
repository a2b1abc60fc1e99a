"""Rungs 2 to 9 of the ladder, built on fastnn's loops, and the process that times them.

Every rung trains Rashid's 784-H-10 sigmoid network per sample, from the same initial
weights, on the same inputs (``pixels / 255 * 0.99 + 0.01``, as float64) and targets
(0.01 / 0.99). A rung is a class with ``train(start, count)`` (the timed part) and
``trained_weights()`` (W_ih, W_ho of shapes (H, 784) and (10, H)).

``python -m benchmarks.ladder.rungs GROUP OUT_DIR [--quick]`` runs the rungs of one
group (:data:`GROUPS`) in this process: the update-only bound before and after, then
per rung a short run whose weights go to ``OUT_DIR/<rung>.npz`` (for the comparison with
the rung before) and the timed runs; it prints one JSON object.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from benchmarks.ladder import pure_lists, rashid_numpy
from fastnn.jit import jit
from fastnn.kernels import codes, per_sample, tutorial
from fastnn.kernels.bundles import Layers, Work
from fastnn.kernels.fast import four_rows, input_major
from fastnn.kernels.fast.zero_inputs import load_input_into, multiply_rows_into, update_rows
from fastnn.kernels.plain import plain

HIDDEN = 200
LEARNING_RATE = 0.1
#: Samples each rung trains before its weights are compared with the rung before.
COMPARE_SAMPLES = {"full": 50, "quick": 10}


# -- rung 2 and 3: the tutorial's step, plain and compiled -----------------------------------
def _layers(weights_ih, weights_ho, as_lists):
    weights = (weights_ih.tolist(), weights_ho.tolist()) if as_lists else (
        weights_ih.copy(), weights_ho.copy())
    zeros = tuple([0.0] * len(w) if as_lists else np.zeros(len(w)) for w in weights)
    activations = [codes.SIGMOID] * 2 if as_lists else np.full(2, codes.SIGMOID)
    return Layers(weights, zeros, activations, False, codes.SQUARED_ERROR, codes.BACKPROP_ERROR)


def _work(weights_ih, weights_ho, as_lists):
    make = (lambda n: [0.0] * n) if as_lists else np.zeros  # noqa: E731
    return Work(*((make(len(weights_ih)), make(len(weights_ho))) for _ in range(4)))


class TutorialPlain:
    name = "tutorial.py, plain Python"

    def __init__(self, weights_ih, weights_ho, X, T, learning_rate):
        self.net = _layers(weights_ih, weights_ho, True)
        self.work = _work(weights_ih, weights_ho, True)
        self.X, self.T, self.learning_rate = X.tolist(), T.tolist(), float(learning_rate)
        self.train_sample = plain(tutorial).train_sample

    def train(self, start, count):
        for k in range(start, start + count):
            self.train_sample(self.net, self.X[k], self.T[k], self.learning_rate, self.work)

    def trained_weights(self):
        return self.net.weights


@jit
def tutorial_epoch(net, X, T, learning_rate, work, start, count):
    """``tutorial.train_sample`` on samples start..start+count-1, compiled."""
    for k in range(start, start + count):
        tutorial.train_sample(net, X[k], T[k], learning_rate, work)


class TutorialCompiled(TutorialPlain):
    name = "tutorial.py, compiled"

    def __init__(self, weights_ih, weights_ho, X, T, learning_rate):
        self.net = _layers(weights_ih, weights_ho, False)
        self.work = _work(weights_ih, weights_ho, False)
        self.X, self.T, self.learning_rate = X, T, float(learning_rate)

    def train(self, start, count):
        tutorial_epoch(self.net, self.X, self.T, self.learning_rate, self.work, start, count)


# -- rungs 4 to 6: Rashid's step on the loops of one step of fastnn.kernels.fast --------------
class RashidWork(NamedTuple):
    """Buffers of one Rashid step, for the weights stored input-major."""

    x: np.ndarray  # the sample (784,)
    rows: np.ndarray  # its nonzero inputs (784,) int64
    all_rows: np.ndarray  # 0 .. H-1
    h: np.ndarray  # hidden outputs (H,)
    o: np.ndarray  # outputs (10,)
    e_o: np.ndarray  # o - t
    e_h: np.ndarray  # W_ho.T e_o
    d_o: np.ndarray  # e_o * o * (1 - o)
    d_h: np.ndarray  # e_h * h * (1 - h)


@jit
def sigmoid_delta_into(error, y, out):
    """``out = error * y * (1 - y)``, as the tutorial's ``times_derivative_into``."""
    for j in range(len(out)):
        out[j] = error[j] * y[j] * (1.0 - y[j])


@jit
def output_error_into(o, t, out):
    for j in range(len(o)):
        out[j] = o[j] - t[j]


@jit
def input_major_epoch(WT_ih, WT_ho, X, T, learning_rate, w, start, count, four):
    """Rashid's step with W stored as WT: one row per pass (rung 4), or four (rung 5)."""
    for k in range(start, start + count):
        x = X[k]
        if four:
            four_rows.multiply_into(WT_ih, x, w.h)
        else:
            input_major.multiply_into(WT_ih, x, w.h)
        tutorial.sigmoid_into(w.h, w.h)
        if four:
            four_rows.multiply_into(WT_ho, w.h, w.o)
        else:
            input_major.multiply_into(WT_ho, w.h, w.o)
        tutorial.sigmoid_into(w.o, w.o)
        output_error_into(w.o, T[k], w.e_o)
        if four:
            four_rows.multiply_transposed_into(WT_ho, w.e_o, w.e_h)
        else:
            input_major.multiply_transposed_into(WT_ho, w.e_o, w.e_h)
        sigmoid_delta_into(w.e_o, w.o, w.d_o)
        sigmoid_delta_into(w.e_h, w.h, w.d_h)
        input_major.update_weights(WT_ho, w.d_o, w.h, learning_rate)
        input_major.update_weights(WT_ih, w.d_h, x, learning_rate)


@jit
def zero_inputs_epoch(WT_ih, WT_ho, X, T, learning_rate, w, start, count):
    """Rung 6: rung 5, with the first layer over the sample's nonzero inputs only."""
    hidden = np.uint64(len(w.h))
    outputs = np.uint64(len(w.o))
    for k in range(start, start + count):
        n = load_input_into(X[k], w.x, False, X[k], w.rows)
        multiply_rows_into(WT_ih, w.x, w.rows, n, w.h, np.uint64(0), hidden)
        tutorial.sigmoid_into(w.h, w.h)
        multiply_rows_into(WT_ho, w.h, w.all_rows, len(w.h), w.o, np.uint64(0), outputs)
        tutorial.sigmoid_into(w.o, w.o)
        output_error_into(w.o, T[k], w.e_o)
        four_rows.multiply_transposed_into(WT_ho, w.e_o, w.e_h)
        sigmoid_delta_into(w.e_o, w.o, w.d_o)
        sigmoid_delta_into(w.e_h, w.h, w.d_h)
        update_rows(WT_ho, w.h, w.all_rows, len(w.h), w.d_o, learning_rate, np.uint64(0),
                    outputs)
        update_rows(WT_ih, w.x, w.rows, n, w.d_h, learning_rate, np.uint64(0), hidden)


class InputMajor:
    name = "input-major storage"
    four = False

    def __init__(self, weights_ih, weights_ho, X, T, learning_rate):
        self.WT = (weights_ih.T.copy(order="C"), weights_ho.T.copy(order="C"))
        self.X, self.T, self.learning_rate = X, T, float(learning_rate)
        hidden, outputs = len(weights_ih), len(weights_ho)
        vectors = [np.zeros(n) for n in (hidden, outputs, outputs, hidden, outputs, hidden)]
        self.work = RashidWork(np.zeros(X.shape[1]), np.zeros(X.shape[1], dtype=np.int64),
                               np.arange(hidden, dtype=np.int64), *vectors)

    def train(self, start, count):
        input_major_epoch(*self.WT, self.X, self.T, self.learning_rate, self.work, start, count,
                          self.four)

    def trained_weights(self):
        return tuple(WT.T for WT in self.WT)


class FourRows(InputMajor):
    name = "four rows per pass"
    four = True


class ZeroInputs(InputMajor):
    name = "zero inputs skipped"

    def train(self, start, count):
        zero_inputs_epoch(*self.WT, self.X, self.T, self.learning_rate, self.work, start, count)


# -- rungs 7 to 9: the engine ---------------------------------------------------------------
class EngineLoop:
    """The engine's per-sample loop (:func:`fastnn.kernels.per_sample.train_epoch_per_sample`)
    called once over the samples: the fused update, and the vector width of the process."""

    name = "fused update"

    def __init__(self, weights_ih, weights_ho, X, T, learning_rate, images=None, labels=None,
                 dtype="float64"):
        from fastnn import recipes

        self.net = recipes.rashid(hidden=len(weights_ih), learning_rate=learning_rate, threads=1,
                                  dtype=dtype)
        self.net.weights = [weights_ih, weights_ho]
        self.inputs, self.T = self.net._prepare_x(X), np.asarray(T, dtype=dtype)
        self.labels = np.argmax(T, axis=1)
        self.images, self.image_labels = images, labels

    def train(self, start, count):
        order = np.arange(start, start + count, dtype=np.int64)
        self.net._engine.train(self.net._state, self.inputs, self.T, self.labels, order)

    def trained_weights(self):
        return tuple(self.net.weights)


class Fit(EngineLoop):
    """``Network.fit`` on the uint8 images, as a user calls it."""

    name = "today's engine, fit"

    def train(self, start, count):
        self.net.fit(self.images[start:start + count], self.image_labels[start:start + count])


# -- the ladder -----------------------------------------------------------------------------
class Step(NamedTuple):
    """A rung: its class, the samples it is timed on (full, quick), whether it claims
    the bits of the rung before, and the process group it runs in."""

    rung: type
    samples: tuple
    bitwise: bool
    group: str
    name: str = ""


def ladder():
    from fastnn import config

    width = config.vector_width()
    return [
        Step(pure_lists.Rung, (200, 40), False, "reference"),
        Step(rashid_numpy.Rung, (10_000, 2_000), False, "reference"),
        Step(TutorialPlain, (200, 40), False, "reference"),
        Step(TutorialCompiled, (10_000, 3_000), True, "llvm-width"),
        Step(InputMajor, (60_000, 20_000), True, "llvm-width"),
        Step(FourRows, (60_000, 20_000), True, "llvm-width"),
        Step(ZeroInputs, (60_000, 20_000), True, "llvm-width"),
        Step(EngineLoop, (60_000, 20_000), True, "llvm-width",
             "fused update (LLVM's vector width)"),
        Step(EngineLoop, (60_000, 20_000), True, "engine",
             f"{width}-bit vectors" if width else "vector width (LLVM's: no AVX-512)"),
        Step(Fit, (60_000, 20_000), True, "engine"),
    ]


#: Process groups: environment variables set (value) or removed (None) for each.
GROUPS = {
    # NumPy's BLAS on one thread, as fastnn runs, on the CPU's own kernel
    "reference": {"OPENBLAS_CORETYPE": None, "OPENBLAS_NUM_THREADS": "1",
                  "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    # the loops before the vector-width step: no width hint
    "llvm-width": {"FASTNN_VECTOR_WIDTH": "llvm"},
    "engine": {},
}


def problem(n):
    """Rashid's initial weights (seed 0), inputs, targets, images and labels of the first n
    training images."""
    from fastnn import recipes
    from fastnn.datasets import load_mnist

    (images, labels), _ = load_mnist(download=False)
    images, labels = images[:n], labels[:n]
    net = recipes.rashid(hidden=HIDDEN, seed=0)
    X = net._prepare_x(images).scaled(slice(None), np.dtype(np.float64))
    T = np.where(np.eye(10)[labels] > 0, 0.99, 0.01)
    return [np.array(w, order="C") for w in net.weights], X, T, images, labels


def run_group(group, out_dir, quick):
    """Time the rungs of ``group`` in this process; see the module's docstring.

    The timings go round the rungs, repeat after repeat, so that a slow spell of the
    machine hits every rung of the process alike.
    """
    from fastnn.calibration import update_only_bound

    mode = "quick" if quick else "full"
    (weights_ih, weights_ho), X, T, images, labels = problem(60_000)
    bound = update_only_bound((784, HIDDEN, 10), "float64")
    timed = []  # (index, step, count, make a fresh rung, seconds)
    for index, step in enumerate(ladder()):
        if step.group != group:
            continue
        count = step.samples[mode == "quick"]
        needed = max(count, COMPARE_SAMPLES[mode], 16)  # plain Python copies its rows
        extra = (images, labels) if issubclass(step.rung, EngineLoop) else ()
        data = (X, T) if extra else (X[:needed], T[:needed])

        def fresh(step=step, data=data, extra=extra):
            return step.rung(weights_ih, weights_ho, *data, LEARNING_RATE, *extra)

        compared = fresh()
        compared.train(0, COMPARE_SAMPLES[mode])
        np.savez(Path(out_dir) / f"{index}.npz",
                 *[np.asarray(w, dtype=np.float64) for w in compared.trained_weights()])
        fresh().train(0, 16)  # compiles, or loads Numba's cache, untimed
        timed.append((index, step, count, fresh, []))
    repeats = 5 if mode == "full" else 3
    for repeat in range(repeats):
        for index, step, count, fresh, seconds in timed:
            if repeat and count < 20_000:
                continue  # slow rungs: one timing
            rung = fresh()
            start = time.perf_counter()
            rung.train(0, count)
            seconds.append(time.perf_counter() - start)
    after = update_only_bound((784, HIDDEN, 10), "float64")
    rungs = [{"index": index, "name": step.name or step.rung.name, "samples": count,
              "seconds": seconds, "bitwise": step.bitwise,
              "samples_per_s": count / statistics.median(seconds)}
             for index, step, count, _, seconds in timed]
    return {"group": group, "rungs": rungs,
            "bound_samples_per_s": max(bound.samples_per_second, after.samples_per_second)}


if __name__ == "__main__":
    group, out_dir = sys.argv[1], sys.argv[2]
    print(json.dumps(run_group(group, out_dir, "--quick" in sys.argv[3:])))
