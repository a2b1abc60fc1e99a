"""The ladder: Rashid's network from the tutorial's code to today's engine, one step a rung.

``python -m benchmarks.ladder`` (see :mod:`benchmarks.ladder.__main__`). The rungs that
use no fastnn code are :mod:`~benchmarks.ladder.pure_lists` and
:mod:`~benchmarks.ladder.rashid_numpy`; the others are in :mod:`~benchmarks.ladder.rungs`.
"""
