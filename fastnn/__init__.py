"""fastnn: the classic from-scratch MNIST networks on loop-level kernels.

Importing ``fastnn`` is cheap: the names below are imported on first use (PEP 562), so
``import fastnn`` loads neither NumPy nor Numba.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Public name -> (module, attribute in it, or None for the module itself), loaded lazily.
_LAZY = {
    "load_mnist": ("fastnn.datasets", "load_mnist"),
    "load_fashion_mnist": ("fastnn.datasets", "load_fashion_mnist"),
    "datasets": ("fastnn.datasets", None),
    "preprocessing": ("fastnn.preprocessing", None),
    "images": ("fastnn.images", None),
    "Network": ("fastnn.network", "Network"),
    "TrainingDivergedError": ("fastnn.training", "TrainingDivergedError"),
    "InputScaleWarning": ("fastnn.inputs", "InputScaleWarning"),
    "NetworkFileError": ("fastnn.network_file", "NetworkFileError"),
    "load": ("fastnn.persistence", "load"),
    "recipes": ("fastnn.recipes", None),
    "kernels": ("fastnn.kernels", None),
    "config": ("fastnn.config", None),
    "metrics": ("fastnn.metrics", None),
    "plots": ("fastnn.plots", None),
    "sweep": ("fastnn.experiments.runner", "sweep"),
    "SweepResult": ("fastnn.experiments.result", "SweepResult"),
    "compile": ("fastnn.compilation", "compile"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'fastnn' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
