"""docs/notebooks/rashid.ipynb runs headless (nbclient), shows its figures as images
without %matplotlib, and writes no warning; fit's progress in a notebook warns of nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient", reason="the dev extra installs nbclient")
nbformat = pytest.importorskip("nbformat")

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "notebooks" / "rashid.ipynb"


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    """A Jupyter kernel of this Python (the one with fastnn), as kernelspec 'fastnn-test'."""
    pytest.importorskip("ipykernel", reason="the dev extra installs ipykernel")
    spec = tmp_path / "jupyter" / "kernels" / "fastnn-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fastnn test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.chdir(tmp_path)
    return "fastnn-test"


def run(notebook, kernel):
    client = nbclient.NotebookClient(notebook, kernel_name=kernel, timeout=600)
    client.execute()
    return notebook


def stderr_of(cell):
    return "".join(output.get("text", "") for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream" and output.get("name") == "stderr")


@pytest.mark.realdata
def test_the_notebook_runs_and_shows_its_figures(mnist_dir, kernel, monkeypatch):
    monkeypatch.setenv("FASTNN_DATA", str(mnist_dir))
    notebook = run(nbformat.read(NOTEBOOK, as_version=4), kernel)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    figures = [cell for cell in code if "plots." in cell.source or ".plot(" in cell.source]
    assert len(figures) == 3
    for cell in figures:
        kinds = [set(output.get("data", {})) for output in cell.outputs]
        assert any("image/png" in kind for kind in kinds), cell.source
    for cell in code:
        assert not any(output.get("output_type") == "error" for output in cell.outputs)
        assert "warn" not in stderr_of(cell).lower(), (cell.source, stderr_of(cell))
    score = next(cell for cell in code if "net.score" in cell.source)
    accuracy = float(score.outputs[0]["data"]["text/plain"])
    assert 0.93 < accuracy < 0.97  # the book: 0.9523 after one epoch at lr 0.1


def test_fit_in_a_notebook_without_widgets_warns_of_nothing(kernel):
    """verbose=0 prints nothing at all; verbose=1 shows a text bar (no ipywidgets here)
    and the epoch lines, and no TqdmWarning."""
    source = ("import numpy as np, fastnn\n"
              "x = np.random.default_rng(0).integers(0, 256, (300, 28, 28), dtype=np.uint8)\n"
              "y = np.arange(300) % 10\n"
              "net = fastnn.recipes.linear(seed=0, backend='numpy')\n")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(source),
        nbformat.v4.new_code_cell("net.fit(x, y, verbose=0);"),
        nbformat.v4.new_code_cell("net.fit(x, y, verbose=1);"),
    ])
    run(notebook, kernel)
    quiet, shown = notebook.cells[1], notebook.cells[2]
    assert quiet.outputs == []
    assert "warn" not in stderr_of(shown).lower()
    stdout = "".join(o.get("text", "") for o in shown.outputs if o.get("name") == "stdout")
    assert "Epoch 2/2" in stdout
