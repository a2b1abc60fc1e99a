"""The command line checks before it works, keeps logs clean, and keeps finished epochs.

* every option and output path is checked before data is loaded or anything compiles;
* with stderr not a terminal there is no progress bar, only the epoch lines;
* Ctrl-C during ``fastnn train --save`` saves the network of the last finished epoch;
* float pixels in 0-255 given to a network that scales them to 0-1 get one warning.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

import fastnn
from fastnn import recipes
from fastnn.cli import main


@pytest.fixture
def no_data(tmp_path):
    """A data directory with nothing in it: a command that loads data fails on it."""
    empty = tmp_path / "empty"
    empty.mkdir()
    return ["--data-dir", str(empty), "--no-download"]


@pytest.mark.parametrize("arguments, message", [
    (["--epochs", "0"], "--epochs must be at least 1, got 0"),
    (["--threads", "64"], "--threads 64: Numba runs at most"),
    (["--limit", "0"], "--limit must be at least 1, got 0"),
    (["--plots", "/proc/fastnn-plots"], "--plots '/proc/fastnn-plots' cannot be made in '/proc'"),
    (["--save", "{tmp}/missing/net.npz"], "the directory '{tmp}/missing' does not exist; "
                                          "create it first"),
    (["--plots", "{tmp}/a/b"], "its parent '{tmp}/a' does not exist"),
    (["--save", "{tmp}"], "is a directory; give a file name"),
    (["--lr", "-1"], "learning_rate must be > 0, got -1"),
    (["--validation-split", "2"], "validation_split must be in (0, 1)"),
])
def test_train_refuses_a_bad_option_before_loading_data(arguments, message, no_data, tmp_path,
                                                         capsys):
    arguments = [a.replace("{tmp}", str(tmp_path)) for a in arguments]
    code = main(["train", "--recipe", "rashid", *arguments, *no_data])
    captured = capsys.readouterr()
    assert code == 1
    assert message.replace("{tmp}", str(tmp_path)) in captured.err, captured.err
    assert "MNIST" not in captured.err and "compiling" not in captured.out
    assert not (tmp_path / "missing").exists() and not (tmp_path / "a").exists()


def test_sweep_names_a_wrong_recipe_first(tmp_path, capsys):
    assert main(["sweep", "--recipe", "mlp", "--out", str(tmp_path / "d")]) == 1
    assert "--recipe must be one of linear, grokking, rashid, nielsen, keras, got 'mlp'" in (
        capsys.readouterr().err)
    assert main(["sweep", "--recipe", "rashid", "--grid", "hidden=10", "--out",
                 str(tmp_path / "x" / "y")]) == 1
    assert "its parent" in capsys.readouterr().err and not (tmp_path / "x").exists()


def default_sigint():
    """In the child: SIGINT's default action. A shell's background job (``pytest ... &``)
    starts with SIGINT ignored, which its children inherit, and then Python installs no
    KeyboardInterrupt handler at all."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_train(*arguments, **popen):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "fastnn", "train", *arguments],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=default_sigint, **popen)


@pytest.mark.realdata
def test_a_log_gets_the_epoch_lines_and_no_progress_frames(mnist_dir):
    process = run_train("--recipe", "linear", "--limit", "3000", "--epochs", "2",
                        "--data-dir", str(mnist_dir))
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert "\r" not in err and "\r" not in out
    assert out.count("Epoch ") == 2


@pytest.mark.realdata
def test_ctrl_c_saves_the_last_finished_epoch(mnist, mnist_dir, tmp_path):
    """SIGINT once an epoch has finished: exit 130, one line, and the saved network is,
    bit for bit, the one that the finished epochs trained."""
    (x, y), _ = mnist
    path = tmp_path / "net.npz"
    process = run_train("--recipe", "rashid", "--hidden", "40", "--limit", "20000", "--epochs",
                        "50", "--seed", "3", "--save", str(path), "--data-dir", str(mnist_dir))
    for line in process.stdout:  # wait for the first epoch's line
        if line.startswith("Epoch 1/"):
            break
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "interrupted in epoch" in lines[0] and str(path) in lines[0], err
    saved = fastnn.load(path)
    finished = len(saved.history_)
    assert 1 <= finished < 50
    assert f"as it was after epoch {finished} " in lines[0]
    straight = recipes.rashid(hidden=40, seed=3)
    straight.fit(x[:20000], y[:20000], epochs=finished)
    for got, expected in zip(saved.weights, straight.weights):
        np.testing.assert_array_equal(got, expected)


def test_float_pixels_for_a_scaling_network_warn_once(tiny_data):
    x, y = tiny_data
    net = recipes.rashid(hidden=10, seed=0, backend="numpy")
    with pytest.warns(fastnn.InputScaleWarning, match="from 0 to 250.*pass the uint8 images"):
        net.fit(x.astype(float), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.fit(x.astype(float), y)  # once per network
        recipes.rashid(hidden=10, seed=0, backend="numpy").fit(x / 255 * 0.99 + 0.01, y)
        recipes.rashid(hidden=10, seed=0, backend="numpy").fit(x, y)
        recipes.grokking(seed=0, backend="numpy").fit(x.astype(float), y)  # raw: 0-255 is right
