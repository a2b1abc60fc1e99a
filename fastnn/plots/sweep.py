"""A sweep's figure: mean test accuracy with error bars against a parameter.

Drawn from the table of :meth:`fastnn.SweepResult.summary`; one line per value of the
hue parameter, and, optionally, published reference points beside the measured ones.
"""

from __future__ import annotations

import math

from fastnn.plots._figure import figure_and_axes, finish

__all__ = ["plot_sweep"]

#: Integer x values up to this many get a tick each (epochs, hidden sizes).
MAX_TICKS = 12


def _sort_key(value):
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


def plot_sweep(summary, x, hue=None, *, reference=None, path=None, ax=None, title=None,
               xscale=None, ylabel="test accuracy"):
    """Plot ``mean`` +- ``std`` against ``x``, one line per value of ``hue``.

    Parameters
    ----------
    summary : list of dict
        Rows with keys ``x``, ``hue`` (when given), ``mean``, ``std`` and ``count``, as
        :meth:`fastnn.SweepResult.summary` returns them. Groups with no successful run
        (``count`` 0) are left out; a single run has no error bar.
    x : str
        The column on the horizontal axis (numbers, or strings as categories).
    hue : str, optional
        The column whose values get one line each.
    reference : list of dict, optional
        Published figures, each ``{"x": value or (low, high), "accuracy": value or
        (low, high), "hue": value (optional), "label": str (optional)}``: a point, or
        a shaded box for a range.
    path : str or os.PathLike, optional
        Save the figure there as a PNG (atomically).
    ax : matplotlib.axes.Axes, optional
        Draw there instead of on a new figure.
    title : str, optional
    xscale : {'linear', 'log'}, optional
    ylabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not summary:
        raise ValueError("the summary is empty: there is nothing to plot")
    for name in (x, hue):
        if name is not None and name not in summary[0]:
            raise ValueError(f"the summary has no column {name!r}; its columns are "
                             f"{', '.join(summary[0])}")
    figure, ax = figure_and_axes(ax)
    hues = sorted({row[hue] for row in summary}, key=_sort_key) if hue else [None]
    xs = sorted({row[x] for row in summary}, key=_sort_key)
    categorical = not all(isinstance(v, (int, float)) for v in xs)
    position = {v: i for i, v in enumerate(xs)} if categorical else {v: v for v in xs}
    colors = {}
    for value in hues:
        rows = [row for row in summary if (hue is None or row[hue] == value) and row["count"]]
        rows.sort(key=lambda row: _sort_key(row[x]))
        label = f"{hue}={value}" if hue else "measured"
        errors = [0.0 if math.isnan(row["std"]) else row["std"] for row in rows]
        line = ax.errorbar([position[row[x]] for row in rows], [row["mean"] for row in rows],
                           yerr=errors, marker="o", markersize=4, capsize=3, label=label)
        colors[value] = line.lines[0].get_color()
    for point in reference or []:
        color = colors.get(point["hue"], "black") if "hue" in point else "black"
        label = point.get("label", "published")
        px, py = point["x"], point["accuracy"]
        if isinstance(px, tuple) or isinstance(py, tuple):
            x0, x1 = px if isinstance(px, tuple) else (px, px)
            y0, y1 = py if isinstance(py, tuple) else (py, py)
            ax.fill_between([x0, x1], [y0, y0], [y1, y1], color=color, alpha=0.2,
                            edgecolor=color, linestyle="--", label=label)
        else:
            ax.plot([position.get(px, px)], [py], linestyle="none", marker="x", markersize=8,
                    markeredgewidth=2, color=color, label=label)
    if categorical:
        ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    else:
        if xscale:
            ax.set_xscale(xscale)
        if xscale == "log" or (len(xs) <= MAX_TICKS and all(isinstance(v, int) for v in xs)):
            ax.set_xticks(xs, [f"{v:g}" for v in xs])
            ax.minorticks_off()
    ax.set_xlabel(x)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize="small")
    if title:
        ax.set_title(title, fontsize="medium")
    return finish(figure, path)
