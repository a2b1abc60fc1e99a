"""A sweep's grid: checked against the recipe's keywords, expanded into runs, seeded.

A *combination* is one value per grid key; a *run* is one combination times one repeat.
Each run's seed is derived from ``(seed, combination, repeat)`` with
:class:`numpy.random.SeedSequence`, over a stable text encoding of the combination, so it
depends neither on the order in which runs are submitted nor on the executor, the number
of workers or Python's ``hash()``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import numbers
from dataclasses import dataclass

__all__ = ["Run", "check_grid", "check_epochs", "check_positive_int", "parameter_types",
           "expand", "encode_params", "derive_seed", "FIT_KEYS", "split_params"]

#: Grid keys that are ``fit``'s, not the recipe's: ``rotations`` is an angle A in degrees,
#: trained as ``fit(rotations=(A, -A))`` (0: none), the book's rotated copies.
FIT_KEYS = {"rotations": float}


def split_params(params):
    """``(the recipe's keywords, fit's keywords)`` of a combination."""
    recipe = {key: value for key, value in params.items() if key not in FIT_KEYS}
    angle = params.get("rotations")
    return recipe, ({"rotations": (angle, -angle)} if angle else {})


#: Keys a grid may not hold, with the reason.
RESERVED = {"seed": "each run's seed is derived from the sweep's seed=, the combination and "
                    "the repeat; give seed= (--seed) instead"}


@dataclass(frozen=True)
class Run:
    """One training run of a sweep.

    Attributes
    ----------
    params : dict
        The grid's values for this run, in the grid's key order.
    repeat : int
        0-based repeat number.
    seed : int
        The recipe's ``seed=``, derived by :func:`derive_seed`.
    """

    params: dict
    repeat: int
    seed: int

    @property
    def key(self):
        """What identifies the run in a results file: ``(encoded params, repeat, seed)``."""
        return encode_params(self.params), self.repeat, self.seed


def encode_params(params):
    """A stable text encoding of a combination: JSON with sorted keys, no spaces."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


def derive_seed(seed, params, repeat):
    """The seed of run ``repeat`` of combination ``params`` in a sweep seeded with ``seed``.

    The combination's encoding is hashed with SHA-256; its first four 32-bit words, the
    sweep's seed and the repeat make the entropy of a :class:`numpy.random.SeedSequence`,
    whose first 32-bit state word is the run's seed (an int in [0, 2**32)).
    """
    import numpy as np

    digest = hashlib.sha256(encode_params(params).encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    return int(np.random.SeedSequence([seed, repeat, *words]).generate_state(1)[0])


def check_positive_int(name, value):
    """``value`` as an int >= 1, else a ValueError that quotes it (the Network's check)."""
    from fastnn.network import _positive_int

    return _positive_int(name, value)


def check_epochs(epochs):
    """The listed epochs as a sorted tuple of distinct ints >= 1.

    ``epochs`` is an int (record after that epoch only) or a sequence of ints.
    """
    values = [epochs] if isinstance(epochs, numbers.Integral) else epochs
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"epochs must be a positive integer or a list of them, got {epochs!r}")
    values = list(values)
    if not values:
        raise ValueError("epochs is empty: give a positive integer or a list of them, e.g. [1, 2, 3]")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"epochs must be positive integers, got {value!r} in {epochs!r}")
    return tuple(sorted({int(v) for v in values}))


def parameter_types(recipe):
    """The type of each keyword that ``recipe`` takes, from its defaults.

    Returns a dict name -> one of ``int``, ``float``, ``bool``, ``str`` or ``list``
    (``sizes`` and per-layer ``activations``, which also take a str). ``seed`` is left
    out (see :data:`RESERVED`).
    """
    from fastnn import recipes

    defaults = recipes.make(recipe).get_params()
    types = {}
    for name in recipes.parameters(recipe):
        if name in RESERVED:
            continue
        default = defaults.get(name)
        if name == "hidden" or (default is None and name == "threads"):
            types[name] = int
        elif isinstance(default, (list, tuple)):
            types[name] = list
        else:
            types[name] = type(default)
    return {**types, **FIT_KEYS}


def _typed(recipe, key, value, kind):
    """``value`` converted to ``kind`` (an int is a valid float), or a ValueError."""
    if kind is float and isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if kind is bool and isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    if kind is list and isinstance(value, (list, tuple, str)):
        return value if isinstance(value, str) else list(value)
    wanted = {list: "list (or str)"}.get(kind, kind.__name__)
    raise ValueError(f"grid[{key!r}] for recipe {recipe!r} takes {wanted} values, got "
                     f"{value!r} ({type(value).__name__})")


def check_grid(recipe, grid):
    """The grid with its keys checked against ``recipe`` and its values typed.

    Parameters
    ----------
    recipe : str
        A name of :data:`fastnn.recipes.RECIPES`.
    grid : dict
        Keyword -> list of values. Every combination is built once as a network, so
        that a value the network refuses (``learning_rate=-1``) fails here, before any
        training.

    Returns
    -------
    dict
        Keyword -> list of typed values (ints become floats for float keywords).

    Raises
    ------
    ValueError
        Unknown recipe, unknown or reserved key (the message lists the valid ones),
        empty list, or a value of the wrong type or refused by the network.
    """
    from fastnn import recipes

    types = parameter_types(recipe)  # raises for an unknown recipe
    if not isinstance(grid, dict):
        raise ValueError(f"grid must be a dict from keyword to a list of values, got {grid!r}")
    checked = {}
    for key, values in grid.items():
        if key in RESERVED:
            raise ValueError(f"grid key {key!r} is not allowed: {RESERVED[key]}")
        if key not in types:
            raise ValueError(f"recipe {recipe!r} takes no keyword {key!r}; its keywords are "
                             f"{', '.join(sorted(types))}")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise ValueError(f"grid[{key!r}] must be a list of values, got {values!r}; "
                             f"write [{values!r}] for a single value")
        values = [_typed(recipe, key, value, types[key]) for value in values]
        if not values:
            raise ValueError(f"grid[{key!r}] is an empty list: give at least one value")
        if len({encode_params(v) for v in values}) != len(values):
            raise ValueError(f"grid[{key!r}] lists a value twice: {values!r}")
        checked[key] = values
    for angle in checked.get("rotations", []):
        if not (0 <= angle < 360):
            raise ValueError(f"grid['rotations'] takes angles in degrees from 0 (none) to 360, "
                             f"got {angle!r}")
    for params in combinations(checked):
        try:
            recipes.make(recipe, **split_params(params)[0])
        except (ValueError, TypeError) as exc:
            raise ValueError(f"recipe {recipe!r} refuses the grid's combination {params!r}: "
                             f"{exc}") from None
    return checked


def combinations(grid):
    """Every combination of a grid, as dicts in the grid's key order (the last key varies fastest)."""
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*grid.values())]


def expand(grid, repeats, seed):
    """The runs of a checked grid: every combination times ``repeats``, each with its seed."""
    return [Run(params, repeat, derive_seed(seed, params, repeat))
            for params in combinations(grid) for repeat in range(repeats)]
