"""The three experiments of *Make Your Own Neural Network*, with its published figures.

From ``shared/specs/networks.md``: Rashid's 784 -> H -> 10 sigmoid network on the full
training set, tried at five learning rates, for 1 to 10 epochs, and with five hidden
layer sizes; and its last experiment, copies of the training images rotated by +-10
degrees (``rotations`` is fit's, see :data:`fastnn.experiments.grid.FIT_KEYS`). The book
ran each point once; a preset runs it :data:`DEFAULT_REPEATS` times.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Preset", "PRESETS", "DEFAULT_REPEATS", "get_preset"]

#: Repeats per combination when a preset is run without repeats=.
DEFAULT_REPEATS = 5


@dataclass(frozen=True)
class Preset:
    """A named sweep and how to draw it.

    Attributes
    ----------
    name, description : str
    recipe : str
    grid : dict
    epochs : tuple of int
    x, hue : str or None
        The figure's horizontal axis and line parameter.
    xscale : str
    reference : list of dict
        The book's figures, in :func:`fastnn.plots.sweep.plot_sweep`'s format.
    """

    name: str
    description: str
    recipe: str
    grid: dict
    epochs: tuple
    x: str
    hue: str | None = None
    xscale: str = "linear"
    reference: list = field(default_factory=list)


def _published(points):
    """Reference points ``{x: accuracy}`` of a one-line figure, the book's single runs."""
    return [{"x": x, "accuracy": accuracy, "label": "published (one run each)"}
            for x, accuracy in points.items()]


PRESETS = {preset.name: preset for preset in (
    Preset(
        "rashid-learning-rate",
        "Rashid's 784-100-10 network after 1 epoch, by learning rate",
        "rashid", {"learning_rate": [0.01, 0.1, 0.2, 0.3, 0.6], "hidden": [100]}, (1,),
        x="learning_rate", xscale="log",
        reference=_published({0.01: 0.9241, 0.1: 0.9523, 0.2: 0.9537, 0.3: 0.9473, 0.6: 0.9047}),
    ),
    Preset(
        "rashid-epochs",
        "Rashid's 784-100-10 network after 1 to 10 epochs",
        "rashid", {"learning_rate": [0.1, 0.2], "hidden": [100]}, tuple(range(1, 11)),
        x="epoch", hue="learning_rate",
        reference=[
            {"x": 1, "hue": 0.1, "accuracy": 0.9523, "label": "published, learning_rate=0.1"},
            {"x": 1, "hue": 0.2, "accuracy": 0.9537, "label": "published, learning_rate=0.2"},
            {"x": 2, "hue": 0.2, "accuracy": 0.9579, "label": "published, learning_rate=0.2"},
            {"x": (5, 7), "hue": 0.1, "accuracy": (0.9628, 0.9689),
             "label": "published, learning_rate=0.1, 5-7 epochs: 0.9628-0.9689"},
        ],
    ),
    Preset(
        "rashid-hidden",
        "Rashid's 784-H-10 network, learning rate 0.1, 5 epochs",
        "rashid", {"hidden": [5, 10, 100, 200, 500], "learning_rate": [0.1]}, (5,),
        x="hidden", xscale="log",
        reference=_published({5: 0.7001, 10: 0.8998, 200: 0.9751, 500: 0.9762}),
    ),
    Preset(
        "rashid-rotations",
        "Rashid's 784-200-10 network, lr 0.01, with and without +-10 degree rotated copies",
        "rashid", {"hidden": [200], "learning_rate": [0.01], "rotations": [0.0, 10.0]},
        tuple(range(1, 11)), x="epoch", hue="rotations",
        reference=[
            {"x": 10, "hue": 10.0, "accuracy": 0.9781,
             "label": "published, rotations=10 (2016)"},
            {"x": 10, "hue": 10.0, "accuracy": 0.975,
             "label": "published, rotations=10 (2024)"},
        ],
    ),
)}


def get_preset(name):
    """The preset called ``name``, or a ValueError listing them."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"preset must be one of {', '.join(map(repr, PRESETS))}, got {name!r}") from None
