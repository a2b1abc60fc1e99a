"""The networks whose training epochs are benchmarked, and how one epoch is timed.

Shared by ``test_epochs_bench.py`` (pytest-benchmark) and ``measure.py`` (fresh
processes), so that both time exactly the same thing:

* :data:`NETWORKS`: benchmark name -> recipe and overrides (``"rashid-200"`` is
  ``recipes.make("rashid", hidden=200)``);
* :func:`make_network`: a fresh, seeded network of that name;
* :func:`warm_up`: a short fit of a throw-away network of the same configuration, so
  that Numba compiles (or loads its cache) before anything is timed.

Networks are fitted on what :func:`fastnn.load_mnist` returns (uint8 images, integer
labels), as a user would. The figure compared is the engine's time for the epoch,
``History.history["seconds"]``: the training pass alone, without what ``fit`` does once
per call (input checks and conversion, target encoding, compilation), the progress bar
or callbacks.
"""

from __future__ import annotations

MNIST_TRAIN_SAMPLES = 60_000
SEED = 0
WARMUP_SAMPLES = 256

#: Benchmark name -> ``(recipe, overrides)`` for :func:`fastnn.recipes.make`.
NETWORKS = {
    "linear": ("linear", {}),
    "grokking": ("grokking", {}),
    "rashid-100": ("rashid", {"hidden": 100}),
    "rashid-200": ("rashid", {"hidden": 200}),
    "rashid-200-b128": ("rashid", {"hidden": 200, "batch_size": 128}),
    "nielsen": ("nielsen", {}),
    "keras": ("keras", {}),
}


def make_network(name: str, **overrides):
    """A fresh network called ``name`` in :data:`NETWORKS`, seeded with :data:`SEED`.

    Parameters
    ----------
    name : str
        A key of :data:`NETWORKS`.
    **overrides
        Constructor arguments (``backend``, ``dtype``, ``threads``, ...) on top of the
        recipe's and the benchmark's.

    Returns
    -------
    fastnn.Network
    """
    from fastnn import recipes

    recipe, preset = NETWORKS[name]
    return recipes.make(recipe, **{"seed": SEED, **preset, **overrides})


def warm_up(name: str, images, labels, **overrides) -> float:
    """Fit a throw-away network on the first :data:`WARMUP_SAMPLES` samples.

    Numba compiles the training and prediction loops for the network's types here (or
    loads them from its cache). Returns the network's ``compile_seconds_``.
    """
    net = make_network(name, **overrides)
    net.fit(images[:WARMUP_SAMPLES], labels[:WARMUP_SAMPLES], epochs=1)
    return net.compile_seconds_
