"""What a sweep returns: its rows, their summary over the repeats, CSV and a figure."""

from __future__ import annotations

import csv
import io
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from fastnn.experiments.results import RESULT_KEYS

__all__ = ["SweepResult", "SUMMARY_KEYS"]

#: The statistics of a summary group, after its key columns.
SUMMARY_KEYS = ("mean", "std", "count", "min", "max", "failed")


@dataclass
class SweepResult:
    """The rows of a sweep, and their summary over the repeats.

    Attributes
    ----------
    recipe : str
    grid : dict
        Keyword -> list of values, as checked.
    epochs : tuple of int
        The epochs recorded.
    repeats : int
    rows : list of dict
        One per (run, epoch), in grid order; the keys of
        :data:`fastnn.experiments.results.RESULT_KEYS`.
    trained : int
        Runs trained by this call (the others' rows came from the results file).
    wall_seconds : float
        Wall time of this call's training, workers' start-up included.
    workers : list of dict
        Per worker process that started in this call: ``pid``, ``host``,
        ``start_seconds`` (local pool only: from making the pool to the process's
        initializer), ``import_seconds``, ``data_seconds`` (dataset load) and
        ``compile_seconds`` (its first configuration's kernels compiled or loaded from
        Numba's cache).
    path : pathlib.Path or None
        The results file.
    """

    recipe: str
    grid: dict
    epochs: tuple
    repeats: int
    rows: list
    trained: int = 0
    wall_seconds: float = 0.0
    workers: list = field(default_factory=list)
    path: Path | None = None

    @property
    def failures(self):
        """The number of failed runs (each has one failed row)."""
        return sum(row["status"] == "failed" for row in self.rows)

    def summary(self, by=None):
        """Test accuracy over the repeats, per group of rows.

        Parameters
        ----------
        by : list of str, optional
            Grid keys and/or ``"epoch"`` to group by (default: every grid key, then
            ``"epoch"``).

        Returns
        -------
        list of dict
            One per group, in the order the groups first appear: the ``by`` values, then
            ``mean``, ``std`` (sample standard deviation; NaN for one run), ``count``
            (ok rows), ``min``, ``max`` (NaN when no row is ok) and ``failed`` (failed
            rows).
        """
        by = [*self.grid, "epoch"] if by is None else list(by)
        for name in by:
            if name != "epoch" and name not in self.grid:
                raise ValueError(f"summary(by=...) takes grid keys and 'epoch'; {name!r} is "
                                 f"neither (grid keys: {', '.join(self.grid)})")
        groups = {}
        for row in self.rows:
            key = tuple(row["epoch"] if name == "epoch" else row["params"][name] for name in by)
            groups.setdefault(repr(key), (key, []))[1].append(row)
        table = []
        for key, rows in groups.values():
            values = [row["test_accuracy"] for row in rows if row["status"] == "ok"]
            nan = math.nan
            table.append({
                **dict(zip(by, key)),
                "mean": statistics.fmean(values) if values else nan,
                "std": statistics.stdev(values) if len(values) > 1 else nan,
                "count": len(values),
                "min": min(values, default=nan), "max": max(values, default=nan),
                "failed": len(rows) - len(values),
            })
        return table

    def to_csv(self, path=None, summary=True, by=None):
        """Write the summary (or, with ``summary=False``, every row) as CSV, atomically.

        Parameters
        ----------
        path : str or os.PathLike, optional
            The file; None returns the CSV text instead.
        summary : bool
            The table of :meth:`summary` (grouped ``by``), else one line per row with
            the grid's values in columns of their own.
        """
        if summary:
            table = self.summary(by)
            columns = list(table[0]) if table else [*(by or [*self.grid, "epoch"]), *SUMMARY_KEYS]
        else:
            table = [{**row["params"], **{k: row[k] for k in RESULT_KEYS if k != "params"}}
                     for row in self.rows]
            columns = [*self.grid, *(k for k in RESULT_KEYS if k != "params")]
        text = io.StringIO()
        writer = csv.DictWriter(text, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
        if path is None:
            return text.getvalue()
        from fastnn.fileio import atomic_write

        path = Path(path)
        with atomic_write(path) as file:
            file.write(text.getvalue().encode())
        return path

    def plot(self, x, hue=None, path=None, *, epoch=None, reference=None, ax=None, title=None,
             xscale=None):
        """The mean test accuracy with error bars (standard deviation) against ``x``.

        Parameters
        ----------
        x : str
            A grid key or ``"epoch"``.
        hue : str, optional
            A grid key: one line per value.
        path : str or os.PathLike, optional
            Save the figure there as a PNG.
        epoch : int, optional
            The epoch to draw when ``x`` is not ``"epoch"`` (default: the last one).
        reference : list of dict, optional
            Published points, see :func:`fastnn.plots.sweep.plot_sweep`.
        ax, title, xscale
            See :func:`fastnn.plots.sweep.plot_sweep`.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from fastnn.plots.sweep import plot_sweep

        by = [name for name in (x, hue) if name is not None]
        if len(set(by)) != len(by):
            raise ValueError(f"x and hue must differ, got {x!r} for both")
        others = [name for name, values in self.grid.items() if name not in by and len(values) > 1]
        if others:
            raise ValueError(f"the grid also varies {', '.join(others)}: a plot shows x and hue "
                             "only; sweep those one value at a time, or plot against them")
        rows = self.rows
        if "epoch" not in by:
            epoch = self.epochs[-1] if epoch is None else epoch
            if epoch not in self.epochs:
                raise ValueError(f"epoch={epoch!r} is not among the sweep's epochs {list(self.epochs)}")
            rows = [row for row in rows if row["epoch"] == epoch]
        part = SweepResult(self.recipe, self.grid, self.epochs, self.repeats, rows)
        label = f"{self.recipe}, mean and std over {self.repeats} repeat(s)"
        if "epoch" not in by and len(self.epochs) > 1:
            label += f", epoch {epoch}"
        return plot_sweep(part.summary(by), x, hue, reference=reference, path=path, ax=ax,
                          title=title or label, xscale=xscale)
