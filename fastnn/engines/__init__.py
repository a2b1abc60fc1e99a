"""How each backend runs a network's epochs and forward passes.

An engine takes a :class:`~fastnn.engines.state.NetworkState` (weights stored
input-major as ``WT`` of shape (n_in, n_out), biases, optimizer state and the option
codes) and runs

* ``train(state, X, T, labels, order)``: one pass over ``X[order]``, updating the state
  in place; returns ``(loss_sum, correct, seen)``;
* ``predict_proba(state, X)``: the output activations of every row of X;
* ``compile(state, X, T=None, labels=None)``: compiles (or loads) what those call.

The engines, one module each:

* ``numba`` (:mod:`~fastnn.engines.numba_engine`): the engine's compiled loops
  (:mod:`fastnn.kernels.per_sample`, :mod:`fastnn.kernels.mini_batch`), a whole chunk of
  samples per call;
* ``python`` (:mod:`~fastnn.engines.python_engine`): the tutorial's loops
  (:mod:`fastnn.kernels.tutorial`) run as plain Python, sample by sample, on lists;
* ``numpy`` (:mod:`~fastnn.engines.numpy_engine`): the same algorithm vectorised (per
  sample when the tutorial trains per sample, per mini-batch with matrix products
  otherwise).
"""

from __future__ import annotations

from fastnn.engines.state import NetworkState

__all__ = ["ENGINES", "NetworkState", "make_engine"]

#: Backend name -> the module and class of its engine (imported when first made).
ENGINES = {"python": ("fastnn.engines.python_engine", "PythonEngine"),
           "numpy": ("fastnn.engines.numpy_engine", "NumpyEngine"),
           "numba": ("fastnn.engines.numba_engine", "NumbaEngine")}


def make_engine(backend: str):
    """A new engine for ``backend`` ('python', 'numpy' or 'numba')."""
    import importlib

    try:
        module, name = ENGINES[backend]
    except KeyError:
        raise ValueError(
            f"backend must be one of {', '.join(map(repr, ENGINES))}, got {backend!r}"
        ) from None
    return getattr(importlib.import_module(module), name)()
