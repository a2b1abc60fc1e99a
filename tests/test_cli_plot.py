"""``fastnn plot``, ``fastnn train --plots`` and ``fastnn predict --out`` write their PNGs."""

from __future__ import annotations

import re

import numpy as np
import pytest

import fastnn
from fastnn.cli import main
from fastnn.cli.plot import TRAINING_PLOTS, describe, parse_index
from fastnn.cli.train import VALIDATION_LABEL

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def model(mnist, tmp_path_factory):
    """A small Rashid net (784-16-10) trained on 2,000 images, saved as fastnn does."""
    (x_train, y_train), _ = mnist
    net = fastnn.recipes.rashid(hidden=16, backend="numpy", seed=0)
    net.fit(x_train[:2000], y_train[:2000])
    return net.save(tmp_path_factory.mktemp("model") / "rashid-16.npz")


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_train_plots_writes_the_figures_and_prints_their_paths(mnist_dir, tmp_path, capsys,
                                                              read_png):
    directory = tmp_path / "pictures"  # made by the command; its parent exists
    code, out, _ = run(capsys, "train", "--recipe", "linear", "--limit", "600", "--eval-every",
                       "200", "--quiet", "--seed", "1", "--plots", directory,
                       "--data-dir", mnist_dir)
    assert code == 0
    written = re.findall(r"^wrote (.*)$", out, re.MULTILINE)
    expected = [str(directory / TRAINING_PLOTS[k]) for k in
                ("history", "confusion", "misclassified", "learning_curve")]
    assert written == expected
    assert sorted(p.name for p in directory.iterdir()) == sorted(TRAINING_PLOTS.values())
    for path in written:
        read_png(path)
    assert "val_accuracy" in out  # the test set was the history's validation data


def test_train_plots_labels_a_validation_split_as_held_out(mnist, mnist_dir, tmp_path, capsys,
                                                          read_png):
    """With --validation-split the history's val_ curves are of the held-out images, not of
    the test set: the CLI's picture is the API's with that legend, pixel for pixel."""
    code, _, err = run(capsys, "train", "--recipe", "linear", "--limit", "600", "--seed", "1",
                       "--backend", "numpy", "--validation-split", "0.1", "--quiet",
                       "--plots", tmp_path / "cli", "--data-dir", mnist_dir)
    assert code == 0, err
    (x_train, y_train), _ = mnist
    net = fastnn.recipes.linear(seed=1, backend="numpy")
    history = net.fit(x_train[:600], y_train[:600], validation_split=0.1)
    title = f"linear {describe(net)}"
    pictures = {label: fastnn.plots.history(history, validation_label=label, title=title,
                                            path=tmp_path / f"{label}.png")
                for label in (VALIDATION_LABEL, "test")}
    shown = read_png(tmp_path / "cli" / TRAINING_PLOTS["history"])
    np.testing.assert_array_equal(shown, read_png(tmp_path / f"{VALIDATION_LABEL}.png",
                                                  pictures[VALIDATION_LABEL]))
    assert not np.array_equal(shown, read_png(tmp_path / "test.png", pictures["test"]))


def test_train_plots_refuses_a_file_before_training(mnist_dir, tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("a file")
    code, out, err = run(capsys, "train", "--recipe", "linear", "--limit", "100", "--plots",
                         target, "--data-dir", mnist_dir)
    assert code == 1
    assert f"--plots {str(target)!r} is a file; give a directory" in err
    assert "Epoch" not in out


def test_a_diverging_run_leaves_no_plot_directory(mnist_dir, tmp_path, capsys):
    directory = tmp_path / "pictures"
    code, _, err = run(capsys, "train", "--recipe", "linear", "--lr", "100", "--limit", "500",
                       "--quiet", "--plots", directory, "--data-dir", mnist_dir)
    assert code == 1 and "learning_rate=100.0" in err
    assert list(tmp_path.iterdir()) == []


def test_plot_commands_write_their_files(mnist_dir, model, tmp_path, capsys, read_png):
    source = ("--data-dir", mnist_dir)
    commands = {
        "digits.png": ("plot", "digits", "--index", "0:12", *source),
        "wrong.png": ("plot", "digits", "--where", "wrong", "--model", model, "-n", "8", *source),
        "confusion.png": ("plot", "confusion", model, "--normalize", "true", *source),
        "misclassified.png": ("plot", "misclassified", model, "-n", "10", *source),
        "weights.png": ("plot", "weights", model, "--layer", "0"),
        "prediction.png": ("predict", model, "--index", "8", *source),
    }
    for name, argv in commands.items():
        path = tmp_path / name
        code, out, err = run(capsys, *argv, "--out", path)
        assert code == 0, err
        assert f"wrote {path}" in out
        read_png(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(commands)


def test_plot_digits_where_wrong_draws_the_first_mistakes(mnist, mnist_dir, model, tmp_path,
                                                          capsys, read_png):
    _, (x_test, y_test) = mnist
    predicted = fastnn.load(model).predict(x_test)
    first_wrong = np.flatnonzero(predicted != y_test)[:3]
    code, _, err = run(capsys, "plot", "digits", "--where", "wrong", "--model", model, "-n", 3,
                       "--out", tmp_path / "cli.png", "--data-dir", mnist_dir)
    assert code == 0, err
    # The same three images through the Python API give the same picture, pixel for pixel.
    figure = fastnn.plots.digits(x_test[first_wrong], y_test[first_wrong],
                                 predicted[first_wrong], path=tmp_path / "api.png",
                                 title=f"test images {model} gets wrong (the first 3)")
    assert [ax.get_title() for ax in figure.axes] == [
        f"pred {predicted[i]} (true {y_test[i]})" for i in first_wrong]
    np.testing.assert_array_equal(read_png(tmp_path / "cli.png"),
                                  read_png(tmp_path / "api.png", figure))


@pytest.mark.parametrize("argv, message", [
    (("plot", "digits", "--where", "wrong"), "--where wrong needs --model PATH"),
    (("plot", "digits", "--index", "3:x"), "--index must be I or START:STOP (e.g. 0:25), got '3:x'"),
    (("plot", "digits", "--index", "9990:10010"), "--index '9990:10010' is outside the 10,000 test images"),
    (("plot", "weights", "MODEL", "--layer", "1"), "layer 1 has 16 inputs, not 784 = 28 x 28"),
    (("plot", "weights", "MODEL", "--layer", "7"), "layer must be 0..1 for a network of sizes [784, 16, 10], got 7"),
])
def test_plot_bad_input(argv, message, mnist_dir, model, tmp_path, capsys):
    argv = [model if arg == "MODEL" else arg for arg in argv]
    code, _, err = run(capsys, *argv, "--out", tmp_path / "x.png",
                       *(("--data-dir", mnist_dir) if argv[1] != "weights" else ()))
    assert code == 1
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_plot_into_a_missing_directory(model, tmp_path, capsys):
    out = tmp_path / "no" / "such" / "w.png"
    code, _, err = run(capsys, "plot", "weights", model, "--out", out)
    assert code == 1
    assert f"the directory {str(out.parent)!r} does not exist" in err
    assert not (tmp_path / "no").exists()


def test_parse_index():
    assert parse_index("7", 10) == slice(7, 8)
    assert parse_index("0:25", 100) == slice(0, 25)
    for bad in ("", "1:2:3", "a", "5:5", "-1:3"):
        with pytest.raises(ValueError, match=re.escape(repr(bad))):
            parse_index(bad, 100)
