"""``fastnn train``, ``fastnn evaluate`` and ``fastnn predict`` on the real MNIST files."""

from __future__ import annotations

import re
import time

import pytest

from fastnn.cli import main

pytestmark = pytest.mark.realdata


def test_train_save_evaluate_predict(mnist_dir, tmp_path, capsys):
    saved = tmp_path / "linear.npz"
    code = main(["train", "--recipe", "linear", "--limit", "600", "--eval-every", "200",
                 "--quiet", "--seed", "1", "--save", str(saved), "--data-dir", str(mnist_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert [int(n) for n in re.findall(r"after +(\d+) images: test accuracy", out)] == [0, 200, 400, 600]
    assert re.search(r"Epoch 1/1 - 600 samples", out)
    accuracy = float(re.search(r"test accuracy: (0\.\d+)", out).group(1))
    assert re.search(r"JIT compilation [\d.]+ s \+ training [\d.]+ s", out)
    assert saved.exists()

    assert main(["evaluate", str(saved), "--data-dir", str(mnist_dir)]) == 0
    out = capsys.readouterr().out
    assert f"test accuracy {accuracy:.4f}" in out

    assert main(["predict", str(saved), "--index", "0", "--data-dir", str(mnist_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(len(line) == 28 for line in lines[:28])
    assert lines[28].startswith("test image 0: label 7, prediction ")
    assert lines[29].startswith("output: 0:")


def time_split(out):
    """The seconds of train's line ``time: W s = JIT compilation C s + training T s (...) +
    evaluation and overhead O s``: (W, C, T, O)."""
    match = re.search(r"time: ([\d.]+) s = JIT compilation ([\d.]+) s \+ training ([\d.]+) s .*"
                      r"\+ evaluation and overhead (-?[\d.]+) s", out)
    return tuple(map(float, match.groups()))


def test_time_split_adds_up_when_the_first_prediction_compiles(mnist_dir, capsys, monkeypatch):
    """The prediction kernel compiles at the evaluation, after training: the total counts it."""
    from fastnn.network import Network

    evaluate = Network.evaluate

    def slow_first_prediction(self, *args, **kwargs):
        time.sleep(0.3)  # as a cold compile of the prediction kernel would take
        self.compile_seconds_ += 0.3
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(Network, "evaluate", slow_first_prediction)
    assert main(["train", "--recipe", "linear", "--limit", "300", "--quiet",
                 "--data-dir", str(mnist_dir)]) == 0
    out = capsys.readouterr().out
    wall, compile_seconds, train_seconds, rest = time_split(out)
    assert compile_seconds >= 0.3
    assert rest >= 0
    assert wall == pytest.approx(compile_seconds + train_seconds + rest, abs=0.011)


def test_time_split_adds_up_when_eval_every_compiles_first(mnist_dir, capsys, monkeypatch):
    """--eval-every evaluates before training starts: a compile there is inside the total."""
    from fastnn.network import Network

    score = Network.score
    calls = []

    def slow_first_score(self, *args, **kwargs):
        if not calls:
            time.sleep(1.0)  # as a cold compile of the prediction kernel would take
            self.compile_seconds_ += 1.0
        calls.append(1)
        return score(self, *args, **kwargs)

    monkeypatch.setattr(Network, "score", slow_first_score)
    assert main(["train", "--recipe", "linear", "--limit", "300", "--eval-every", "150",
                 "--quiet", "--data-dir", str(mnist_dir)]) == 0
    out = capsys.readouterr().out
    wall, compile_seconds, train_seconds, rest = time_split(out)
    assert len(calls) == 3 and compile_seconds >= 1.0
    assert rest >= 0
    assert wall >= 1.0 + train_seconds


def test_train_options_reach_the_network(mnist_dir, capsys):
    code = main(["train", "--recipe", "rashid", "--hidden", "20", "--lr", "0.2", "--epochs", "2",
                 "--batch-size", "1", "--backend", "numpy", "--dtype", "float32", "--limit", "100",
                 "--quiet", "--data-dir", str(mnist_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "rashid: [784, 20, 10], learning_rate=0.2, batch_size=1, backend=numpy, dtype=float32, 100 training images, 2 epoch(s)" in out
    assert "Epoch 2/2" in out


def test_a_diverging_run_fails_cleanly_and_saves_nothing(mnist_dir, tmp_path, capsys):
    saved = tmp_path / "blown.npz"
    code = main(["train", "--recipe", "linear", "--lr", "100", "--limit", "500", "--quiet",
                 "--save", str(saved), "--data-dir", str(mnist_dir)])
    err = capsys.readouterr().err
    assert code == 1
    assert "learning_rate=100.0" in err and "Nothing was saved" in err
    assert not saved.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_limit_beyond_the_training_set_is_refused(mnist_dir, capsys):
    code = main(["train", "--recipe", "linear", "--limit", "70000", "--quiet",
                 "--data-dir", str(mnist_dir)])
    err = capsys.readouterr().err
    assert code == 1
    assert "--limit 70000 is more than the 60,000 training images" in err


def test_bad_index_is_reported(mnist_dir, tmp_path, capsys):
    saved = tmp_path / "net.npz"
    from fastnn import recipes

    recipes.linear().save(saved)
    assert main(["predict", str(saved), "--index", "10000", "--data-dir", str(mnist_dir)]) == 1
    assert "--index must be from 0 to 9999, got 10000" in capsys.readouterr().err
