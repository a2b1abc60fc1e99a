"""Experiments: grids of training runs with repeats, run anywhere, resumable.

Modules: :mod:`~fastnn.experiments.grid` (grid checks, runs, seeds),
:mod:`~fastnn.experiments.results` (the JSON Lines results file),
:mod:`~fastnn.experiments.worker` (what a worker process does for one run),
:mod:`~fastnn.experiments.executors` (local pool, Dask), :mod:`~fastnn.experiments.runner`
(:func:`sweep`), :mod:`~fastnn.experiments.result` (:class:`SweepResult`) and
:mod:`~fastnn.experiments.presets` (Rashid's three experiments).
"""

from fastnn.experiments.presets import PRESETS, get_preset
from fastnn.experiments.result import SweepResult
from fastnn.experiments.runner import sweep

__all__ = ["sweep", "SweepResult", "PRESETS", "get_preset"]
