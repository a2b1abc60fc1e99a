"""Curves of training: per-epoch history (mean and spread over runs) and the learning curve.

matplotlib is imported inside the functions only (see :mod:`fastnn.plots._figure`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from fastnn.plots._figure import check_writable_path, figure_and_axes, finish, new_figure

__all__ = ["history", "learning_curve", "history_series", "LINEAR_BLOG_POINTS"]

#: The linear blog's published test accuracy after each number of training images of its
#: one pass over MNIST (shared/specs/networks.md, section 1): (images seen, accuracy),
#: accuracy as a fraction. The linear recipe's learning curve is drawn against these.
LINEAR_BLOG_POINTS = (
    (0, 100, 1_000, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000),
    (0.1256, 0.1835, 0.3129, 0.5694, 0.5709, 0.6719, 0.5761, 0.6901, 0.6928),
)


def _is_epoch_records(value):
    """True for ``net.history_``: a list of per-epoch dicts of numbers."""
    return (isinstance(value, Sequence) and not isinstance(value, str) and len(value) > 0
            and all(isinstance(record, Mapping) for record in value)
            and all(np.isscalar(v) for v in value[0].values()))


def history_series(run):
    """One run's history as a dict of metric name -> float64 array, one value per epoch.

    Parameters
    ----------
    run : fastnn.training.History, dict or list of dict
        What :meth:`Network.fit` returns, its ``.history`` dict of lists, or a
        network's ``history_`` (a list of per-epoch dicts).
    """
    if hasattr(run, "history") and isinstance(run.history, Mapping):
        run = run.history
    if _is_epoch_records(run):
        keys = [key for key in run[0] if all(key in record for record in run)]
        return {key: np.array([record[key] for record in run], dtype=np.float64) for key in keys}
    if isinstance(run, Mapping):
        return {key: np.asarray(values, dtype=np.float64) for key, values in run.items()}
    raise ValueError(f"history: a run must be a History, its .history dict or a network's "
                     f"history_ list, got {type(run).__name__}")


def _runs(histories):
    """``histories`` as a list of runs (each a dict from :func:`history_series`)."""
    single = (hasattr(histories, "history") or isinstance(histories, Mapping)
              or _is_epoch_records(histories))
    runs = [histories] if single else list(histories)
    if not runs:
        raise ValueError("history: no runs given; pass a History or a list of them")
    return [history_series(run) for run in runs]


def history(histories, metrics=("loss", "accuracy"), validation_label="validation", axes=None,
            title=None, path=None):
    """Per-epoch training and validation curves, one axes per metric.

    Parameters
    ----------
    histories : History, dict, list of dict, or a list of those
        One run (what ``fit`` returns, its ``.history``, or ``net.history_``), or
        several runs of the same number of epochs (e.g. several seeds).
    metrics : sequence of str
        History keys such as 'loss', 'accuracy' or 'seconds'; each gets one axes with
        its training curve and, where the history has ``'val_' + key``, its validation
        curve.
    validation_label : str
        The legend entry of the ``val_`` curves (e.g. 'test' when the test set served as
        validation data).
    axes : sequence of matplotlib.axes.Axes, optional
        One per metric, to draw on instead of a new figure (a single Axes for one metric).
    title : str, optional
        The figure's title.
    path : str or os.PathLike, optional
        Save the figure here as a PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        For one run, its values per epoch. For several, the mean per epoch with a band of
        plus or minus one standard deviation (ddof=1) across the runs.

    Raises
    ------
    ValueError
        For a metric that a run does not have (naming those it has), runs of different
        numbers of epochs, or no runs.
    """
    if path is not None:
        check_writable_path(path)
    if isinstance(metrics, str):
        metrics = (metrics,)
    runs = _runs(histories)
    lengths = {len(next(iter(run.values()), ())) for run in runs}
    if len(lengths) > 1:
        raise ValueError(f"history: the runs have different numbers of epochs, {sorted(lengths)}; "
                         "the mean needs runs of the same length")
    for metric in metrics:
        for index, run in enumerate(runs):
            if metric not in run:
                raise ValueError(f"history: run {index} has no metric {metric!r}; it has "
                                 f"{', '.join(map(repr, sorted(run)))}")
    if axes is None:
        figure = new_figure(4.4 * len(metrics), 3.6)
        axes = list(figure.subplots(1, len(metrics), squeeze=False)[0])
    else:
        axes = [axes] if hasattr(axes, "plot") else list(axes)
        if len(axes) != len(metrics):
            raise ValueError(f"history: {len(axes)} axes given for {len(metrics)} metrics")
        figure = axes[0].get_figure()
    epochs = np.arange(1, lengths.pop() + 1)
    for ax, metric in zip(axes, metrics):
        for prefix, name in (("", "training"), ("val_", validation_label)):
            if metric.startswith("val_") and not prefix:  # e.g. metrics=["val_loss"]
                name = validation_label
            key = prefix + metric
            if not all(key in run for run in runs):
                continue
            values = np.stack([run[key] for run in runs])
            mean = values.mean(axis=0)
            (line,) = ax.plot(epochs, mean, marker="o", markersize=4, label=name)
            if len(runs) > 1:
                spread = values.std(axis=0, ddof=1)
                ax.fill_between(epochs, mean - spread, mean + spread, alpha=0.25,
                                color=line.get_color(), linewidth=0)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        runs_note = f" (mean ± 1 s.d. of {len(runs)} runs)" if len(runs) > 1 else ""
        ax.set_title(metric + runs_note)
    if title:
        figure.suptitle(title)
    return finish(figure, path)


def _curve(images_seen, accuracy, name):
    seen = np.asarray(images_seen, dtype=np.float64)
    values = np.asarray(accuracy, dtype=np.float64)
    if seen.ndim != 1 or values.ndim != 1 or len(seen) != len(values):
        raise ValueError(f"learning_curve: {name} needs as many images-seen counts as "
                         f"accuracies, got shapes {seen.shape} and {values.shape}")
    if not len(seen):
        raise ValueError(f"learning_curve: {name} has no points")
    if not np.all(np.isfinite(seen)) or np.any(seen < 0):
        raise ValueError(f"learning_curve: {name}'s images seen must be counts >= 0, got "
                         f"{seen[~np.isfinite(seen) | (seen < 0)][0]:g}")
    outside = ~np.isfinite(values) | (values < 0) | (values > 1)
    if outside.any():
        raise ValueError(f"learning_curve: {name}'s accuracy must be fractions 0..1, got "
                         f"{values[outside][0]:g} (for percentages, divide by 100)")
    return seen, values


def learning_curve(images_seen, accuracy, reference=None, label="fastnn",
                   reference_label="published", xscale="symlog", title=None, ax=None,
                   path=None):
    """Test accuracy against the number of training images seen, beside published points.

    Parameters
    ----------
    images_seen : array_like of int, shape (m,)
        Training images seen at each measurement, counted over all epochs (what
        ``fastnn train --eval-every N`` prints, or ``(epoch - 1) * n + seen`` in a
        ``fit(..., callback=f, callback_every=N)`` callback).
    accuracy : array_like of float, shape (m,)
        Test accuracy at each, as a fraction 0..1 (what ``net.score`` returns).
    reference : pair of sequences, optional
        ``(images_seen, accuracy)`` drawn as separate points, e.g.
        :data:`LINEAR_BLOG_POINTS`.
    label, reference_label : str
        Legend entries.
    xscale : {'symlog', 'linear'}
        'symlog' is linear up to 100 images and logarithmic beyond, so that the first
        hundreds of images (where the net learns most) are as visible as the last ten
        thousands.
    title : str, optional
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.
    path : str or os.PathLike, optional
        Save the figure here as a PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        The y axis in percent.

    Raises
    ------
    ValueError
        For sequences of different lengths, no points, negative counts, accuracies
        outside 0..1 (quoting the first), or another ``xscale``.
    """
    if path is not None:
        check_writable_path(path)
    if xscale not in ("symlog", "linear"):
        raise ValueError(f"learning_curve: xscale must be 'symlog' or 'linear', got {xscale!r}")
    seen, values = _curve(images_seen, accuracy, label)
    points = None
    if reference is not None:
        if len(reference) != 2:
            raise ValueError("learning_curve: reference must be a pair (images_seen, accuracy), "
                             f"got {len(reference)} items")
        points = _curve(reference[0], reference[1], reference_label)
    figure, ax = figure_and_axes(ax, 6.4, 4.0)
    ax.plot(seen, 100 * values, marker="o" if len(seen) <= 100 else None, markersize=3,
            label=label)
    if points is not None:
        ax.plot(points[0], 100 * points[1], linestyle="--", marker="s", markersize=6,
                color="black", markerfacecolor="none", label=reference_label)
    if xscale == "symlog":
        ax.set_xscale("symlog", linthresh=100, linscale=0.5)
    ax.set_xlim(left=0)
    ax.set_xlabel("training images seen" + (" (linear to 100, then log)"
                                             if xscale == "symlog" else ""))
    ax.set_ylabel("test accuracy (%)")
    ax.grid(True, alpha=0.3, which="both")
    ax.legend(loc="lower right")
    ax.set_title(title or "learning curve: test accuracy against images seen")
    return finish(figure, path)
