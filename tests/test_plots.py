"""``fastnn.plots``: every figure on the real MNIST and a small trained network, read back
from its PNG; the bad-input errors; atomic saves; matplotlib only on demand.

Figures are made with the Figure API and saved with Agg: no test opens a window.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from matplotlib.artist import Artist
from matplotlib.figure import Figure

import fastnn
from fastnn import plots
from fastnn.metrics import confusion_matrix as count_confusions
from fastnn.plots._figure import new_figure, save_png


def titles(figure):
    return [ax.get_title() for ax in figure.axes]


@pytest.fixture(scope="module")
def trained(mnist):
    """A small Rashid net (784-16-10, NumPy backend) trained 2 epochs on 2,000 images."""
    (x_train, y_train), (x_test, y_test) = mnist
    net = fastnn.recipes.rashid(hidden=16, backend="numpy", seed=0)
    history = net.fit(x_train[:2000], y_train[:2000], epochs=2,
                      validation_data=(x_test[:1000], y_test[:1000]))
    return net, history


# -- digits ----------------------------------------------------------------------------------
def cell_pixels(pixels, figure, ax):
    """The 28x28 grey levels the PNG shows at the centres of an image cell's pixels."""
    x0, y0, x1, y1 = ax.get_window_extent().extents
    height = pixels.shape[0]
    columns = (x0 + (np.arange(28) + 0.5) * (x1 - x0) / 28).astype(int)
    rows = (height - (y1 - (np.arange(28) + 0.5) * (y1 - y0) / 28)).astype(int)
    return pixels[np.ix_(rows, columns)][..., :3].mean(axis=-1)


def test_digits_draw_the_given_images_with_their_labels(mnist, tmp_path, read_png):
    _, (x_test, y_test) = mnist
    path = tmp_path / "digits.png"
    figure = plots.digits(x_test[:12], y_test[:12], ncols=5, path=path)
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 12
    assert titles(figure) == [str(label) for label in y_test[:12]]
    for ax, image in zip(figure.axes, x_test[:12]):
        np.testing.assert_array_equal(ax.images[0].get_array(), image)
    pixels = read_png(path, figure)
    # In the PNG itself: ink (255) is dark and paper (0) light, pixel by pixel.
    for ax, image in zip(figure.axes, x_test[:12]):
        shown = cell_pixels(pixels, figure, ax)
        assert np.corrcoef(shown.ravel(), image.ravel())[0, 1] < -0.95
        assert np.median(shown[image == 0]) > 0.95 and np.median(shown[image >= 250]) < 0.05


def test_digits_mark_wrong_predictions(mnist, trained, tmp_path, read_png):
    _, (x_test, y_test) = mnist
    net, _ = trained
    predicted = net.predict(x_test[:40])
    assert (predicted != y_test[:40]).any()
    figure = plots.digits(x_test[:40], y_test[:40], predicted, path=tmp_path / "d.png")
    for ax, label, guess in zip(figure.axes, y_test[:40], predicted):
        if guess == label:
            assert ax.get_title() == str(label)
        else:
            assert ax.get_title() == f"pred {guess} (true {label})"
            assert ax.title.get_color() == plots.images.WRONG_COLOR
    read_png(tmp_path / "d.png", figure)


def test_digits_accept_flat_and_scaled_images(mnist):
    _, (x_test, _) = mnist
    flat = x_test[:3].reshape(3, 784)
    scaled = x_test[:3] / 255.0
    for images, vmax in ((flat, 255.0), (scaled, 1.0)):
        figure = plots.digits(images, ncols=3)
        assert titles(figure) == ["", "", ""]
        for ax, image in zip(figure.axes, np.asarray(images).reshape(3, 28, 28)):
            np.testing.assert_array_equal(ax.images[0].get_array(), image)
            assert ax.images[0].get_clim() == (0.0, vmax)


@pytest.mark.parametrize("images, message", [
    (np.zeros((3, 27, 27), np.uint8), r"shape \(n, 28, 28\) or \(n, 784\), got shape \(3, 27, 27\)"),
    (np.zeros((28, 28), np.uint8), r"got shape \(28, 28\); for a single image pass images\[None\]"),
    (np.zeros((2, 100)), r"got shape \(2, 100\)"),
    (np.full((1, 28, 28), 300), "0-255 pixels, but they hold 300"),
    (np.full((1, 28, 28), np.nan), "images hold nan at index"),
    (np.zeros((0, 28, 28)), "no images to draw"),
    (np.zeros((401, 28, 28), np.uint8), "401 images are too many"),
])
def test_digits_bad_images(images, message):
    with pytest.raises(ValueError, match=message):
        plots.digits(images)


def test_digits_bad_labels_and_columns():
    images = np.zeros((3, 28, 28), np.uint8)
    with pytest.raises(ValueError, match=r"labels must have one value per image, shape \(3,\); got shape \(2,\)"):
        plots.digits(images, labels=[1, 2])
    with pytest.raises(ValueError, match="ncols must be an integer >= 1, got 0"):
        plots.digits(images, ncols=0)


# -- weights ---------------------------------------------------------------------------------
def test_weights_of_the_linear_net_are_ten_templates(mnist, tmp_path, read_png):
    (x_train, y_train), _ = mnist
    net = fastnn.recipes.linear(backend="numpy", seed=0)
    net.fit(x_train[:1000], y_train[:1000])
    path = tmp_path / "weights.png"
    figure = plots.weights(net, path=path)
    image_axes = [ax for ax in figure.axes if ax.images]
    assert [ax.get_title() for ax in image_axes] == [str(k) for k in range(10)]
    bound = np.abs(net.weights[0]).max()
    for k, ax in enumerate(image_axes):
        np.testing.assert_allclose(ax.images[0].get_array(), net.weights[0][k].reshape(28, 28))
        assert ax.images[0].get_clim() == (-bound, bound)  # centred on zero
        assert ax.images[0].get_cmap().name == "RdBu_r"
    assert len(figure.axes) == 11  # and the colour bar
    read_png(path, figure)


def test_weights_of_a_hidden_layer(trained, tmp_path, read_png):
    net, _ = trained
    figure = plots.weights(net, layer=0, vmax=0.5, path=tmp_path / "hidden.png")
    image_axes = [ax for ax in figure.axes if ax.images]
    assert [ax.get_title() for ax in image_axes] == [f"unit {j}" for j in range(16)]
    assert image_axes[3].images[0].get_clim() == (-0.5, 0.5)
    np.testing.assert_allclose(image_axes[3].images[0].get_array(),
                               net.weights[0][3].reshape(28, 28))
    assert "layer 0 weights (hidden): 16 units x 784 inputs" in figure.get_suptitle()
    read_png(tmp_path / "hidden.png", figure)


def test_weights_bad_layers():
    net = fastnn.Network([784, 8, 10], backend="numpy", seed=0)
    with pytest.raises(ValueError, match=r"layer must be 0..1 for a network of sizes \[784, 8, 10\], got 2"):
        plots.weights(net, layer=2)
    with pytest.raises(ValueError, match="got -1"):
        plots.weights(net, layer=-1)
    with pytest.raises(ValueError, match="layer 1 has 8 inputs, not 784 = 28 x 28"):
        plots.weights(net, layer=1)
    with pytest.raises(ValueError, match="vmax must be a finite number > 0, got 0"):
        plots.weights(net, vmax=0)


# -- confusion matrix ------------------------------------------------------------------------
def test_confusion_matrix_writes_the_counts_and_the_accuracy(mnist, trained, tmp_path, read_png):
    _, (x_test, y_test) = mnist
    net, _ = trained
    predicted = net.predict(x_test)
    counts = count_confusions(y_test, predicted)
    path = tmp_path / "confusion.png"
    figure = plots.confusion_matrix(y_test, predicted, title="small net", path=path)
    ax = figure.axes[0]
    correct = int(np.sum(predicted == y_test))
    assert ax.get_title() == (f"small net\naccuracy {100 * correct / len(y_test):.2f} % "
                              f"({correct:,} / 10,000)")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    np.testing.assert_array_equal(ax.images[0].get_array(), counts)
    cells = {(int(t.get_position()[1]), int(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert cells == {(i, j): str(counts[i, j]) for i in range(10) for j in range(10)}
    read_png(path, figure)


@pytest.mark.parametrize("normalize, axis", [("true", 1), ("pred", 0), ("all", None)])
def test_confusion_matrix_normalized(mnist, trained, normalize, axis):
    _, (x_test, y_test) = mnist
    predicted = trained[0].predict(x_test[:2000])
    counts = count_confusions(y_test[:2000], predicted).astype(float)
    expected = counts / (counts.sum() if axis is None else counts.sum(axis=axis, keepdims=True))
    figure = plots.confusion_matrix(y_test[:2000], predicted, normalize=normalize)
    np.testing.assert_allclose(figure.axes[0].images[0].get_array(), expected)
    assert figure.axes[0].texts[0].get_text() == f"{expected[0, 0]:.2f}"


def test_confusion_matrix_on_given_axes():
    figure = new_figure()
    ax = figure.add_subplot()
    assert plots.confusion_matrix([0, 1, 2], [0, 1, 1], n_classes=3, ax=ax) is figure
    assert ax.get_title() == "accuracy 66.67 % (2 / 3)"


@pytest.mark.parametrize("kwargs, message", [
    (dict(y_true=[1, 2, 3], y_pred=[1, 2]), "y_true has 3 labels but y_pred has 2"),
    (dict(y_true=[1, 12], y_pred=[1, 2]), "label 12 at index 1 is outside 0-9"),
    (dict(y_true=[1], y_pred=[1], normalize="rows"), "normalize must be None, 'true', 'pred' or 'all', got 'rows'"),
])
def test_confusion_matrix_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plots.confusion_matrix(**kwargs)


# -- misclassified ---------------------------------------------------------------------------
def test_misclassified_are_the_most_confident_mistakes(mnist, trained, tmp_path, read_png):
    _, (x_test, y_test) = mnist
    net, _ = trained
    outputs = net.predict_proba(x_test[:3000])
    predicted = outputs.argmax(axis=1)
    wrong = [i for i in range(3000) if predicted[i] != y_test[i]]
    wrong.sort(key=lambda i: (-outputs[i, predicted[i]], i))
    path = tmp_path / "misclassified.png"
    figure = plots.misclassified(net, x_test[:3000], y_test[:3000], n=12, path=path)
    assert titles(figure) == [f"pred {predicted[i]} (true {y_test[i]})\n"
                              f"output {outputs[i, predicted[i]]:.3f}" for i in wrong[:12]]
    for ax, i in zip(figure.axes, wrong[:12]):
        np.testing.assert_array_equal(ax.images[0].get_array(), x_test[i])
    assert figure.get_suptitle().startswith(f"{len(wrong):,} of 3,000 images misclassified")
    read_png(path, figure)


def test_misclassified_when_nothing_is_wrong(mnist, trained):
    _, (x_test, _) = mnist
    net, _ = trained
    images = x_test[:20]
    figure = plots.misclassified(net, images, net.predict(images))
    assert figure.axes[0].texts[0].get_text() == "all 20 images are classified correctly"


def test_misclassified_bad_input(mnist, trained):
    _, (x_test, y_test) = mnist
    net, _ = trained
    with pytest.raises(ValueError, match="y has 4 labels but x has 5 images; give one label "
                                         "per image"):
        plots.misclassified(net, x_test[:5], y_test[:4])
    with pytest.raises(ValueError, match=r"y_true: labels must have shape \(n,\); got shape "
                                         r"\(5, 1\)"):
        plots.misclassified(net, x_test[:5], y_test[:5, None])
    with pytest.raises(ValueError, match="y_true: label 10 at index 0 is outside 0-9"):
        plots.misclassified(net, x_test[:2], [10, 0])
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 0"):
        plots.misclassified(net, x_test[:5], y_test[:5], n=0)
    with pytest.raises(ValueError, match=r"got shape \(5, 14, 14\)"):
        plots.misclassified(net, x_test[:5, ::2, ::2], y_test[:5])


# -- history ---------------------------------------------------------------------------------
def test_history_of_one_run(trained, tmp_path, read_png):
    net, history = trained
    path = tmp_path / "history.png"
    figure = plots.history(history, path=path)
    assert titles(figure) == ["loss", "accuracy"]
    for ax, metric in zip(figure.axes, ("loss", "accuracy")):
        training, validation = ax.get_lines()
        assert (training.get_label(), validation.get_label()) == ("training", "validation")
        np.testing.assert_array_equal(training.get_xdata(), [1, 2])
        np.testing.assert_allclose(training.get_ydata(), history.history[metric])
        np.testing.assert_allclose(validation.get_ydata(), history.history["val_" + metric])
    read_png(path, figure)
    # The network's own record (a list of per-epoch dicts) draws the same curves.
    again = plots.history(net.history_, metrics=["accuracy"])
    np.testing.assert_allclose(again.axes[0].get_lines()[0].get_ydata(),
                               history.history["accuracy"])
    # A validation metric asked for by name is labelled as validation, not as training.
    (line,) = plots.history(history, metrics="val_loss").axes[0].get_lines()
    assert line.get_label() == "validation"
    np.testing.assert_allclose(line.get_ydata(), history.history["val_loss"])


def test_history_of_several_seeds_is_a_mean_and_a_band(mnist, tmp_path, read_png):
    (x_train, y_train), _ = mnist
    runs = [fastnn.recipes.rashid(hidden=8, backend="numpy", seed=seed)
            .fit(x_train[:500], y_train[:500], epochs=3) for seed in range(3)]
    path = tmp_path / "seeds.png"
    figure = plots.history(runs, metrics=("accuracy",), path=path)
    ax = figure.axes[0]
    assert ax.get_title() == "accuracy (mean ± 1 s.d. of 3 runs)"
    values = np.array([run.history["accuracy"] for run in runs])
    mean = values.mean(axis=0)
    spread = np.sqrt(((values - mean) ** 2).sum(axis=0) / 2)  # ddof=1, by hand
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), mean)
    band = ax.collections[0].get_paths()[0].vertices
    np.testing.assert_allclose(band[:, 1].min(), (mean - spread).min())
    np.testing.assert_allclose(band[:, 1].max(), (mean + spread).max())
    read_png(path, figure)


def test_history_bad_input(trained):
    _, history = trained
    with pytest.raises(ValueError, match="run 0 has no metric 'precision'; it has 'accuracy'"):
        plots.history(history, metrics=["precision"])
    short = {"loss": [1.0], "accuracy": [0.5]}
    with pytest.raises(ValueError, match=r"different numbers of epochs, \[1, 2\]"):
        plots.history([history, short])
    with pytest.raises(ValueError, match="no runs given"):
        plots.history([])


# -- learning curve --------------------------------------------------------------------------
def test_learning_curve_against_the_published_points(mnist, tmp_path, read_png):
    (x_train, y_train), (x_test, y_test) = mnist
    net = fastnn.recipes.linear(backend="numpy", seed=0)
    seen, accuracy = [0], [net.score(x_test[:1000], y_test[:1000])]

    def record(network, epoch, count):
        seen.append(count)
        accuracy.append(network.score(x_test[:1000], y_test[:1000]))

    net.fit(x_train[:2000], y_train[:2000], callback=record, callback_every=250)
    assert seen == list(range(0, 2001, 250))
    path = tmp_path / "curve.png"
    figure = plots.learning_curve(seen, accuracy, reference=plots.LINEAR_BLOG_POINTS, path=path)
    ax = figure.axes[0]
    ours, published = ax.get_lines()
    np.testing.assert_allclose(ours.get_ydata(), 100 * np.array(accuracy))
    np.testing.assert_array_equal(published.get_xdata(), plots.LINEAR_BLOG_POINTS[0])
    np.testing.assert_allclose(published.get_ydata(),
                               [12.56, 18.35, 31.29, 56.94, 57.09, 67.19, 57.61, 69.01, 69.28])
    assert ax.get_ylabel() == "test accuracy (%)" and ax.get_xscale() == "symlog"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["fastnn", "published"]
    read_png(path, figure)


@pytest.mark.parametrize("args, kwargs, message", [
    (([0, 100], [0.1]), {}, r"as many images-seen counts as accuracies, got shapes \(2,\) and \(1,\)"),
    (([0, 100], [12.5, 18.3]), {}, r"accuracy must be fractions 0..1, got 12.5 \(for percentages, divide by 100\)"),
    (([-5, 100], [0.1, 0.2]), {}, "images seen must be counts >= 0, got -5$"),
    (([], []), {}, "has no points"),
    (([0], [0.1]), {"reference": ([0],)}, "reference must be a pair"),
    (([0], [0.1]), {"xscale": "log"}, "xscale must be 'symlog' or 'linear', got 'log'"),
])
def test_learning_curve_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plots.learning_curve(*args, **kwargs)


# -- one prediction --------------------------------------------------------------------------
def test_prediction_shows_the_image_and_the_output_vector(mnist, trained, tmp_path, read_png):
    _, (x_test, y_test) = mnist
    net, _ = trained
    output = net.predict_proba(x_test[:1])[0]
    path = tmp_path / "prediction.png"
    figure = plots.prediction(x_test[0], output, label=int(y_test[0]), path=path)
    picture, bars = figure.axes
    np.testing.assert_array_equal(picture.images[0].get_array(), x_test[0])
    heights = [patch.get_height() for patch in bars.patches[:10]]
    np.testing.assert_allclose(heights, output)
    assert picture.get_title().startswith(f"prediction {int(np.argmax(output))}")
    read_png(path, figure)
    with pytest.raises(ValueError, match=r"output must be a finite vector .* got shape \(2, 5\)"):
        plots.prediction(x_test[0], np.zeros((2, 5)))


# -- saving ----------------------------------------------------------------------------------
def test_an_unusable_output_path_fails_before_drawing(tmp_path):
    images = np.zeros((2, 28, 28), np.uint8)
    with pytest.raises(FileNotFoundError, match="the directory '.*missing' does not exist"):
        plots.digits(images, path=tmp_path / "missing" / "d.png")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="'.*file' is a file, not a directory"):
        plots.digits(images, path=tmp_path / "file" / "d.png")
    with pytest.raises(ValueError, match="is a directory; give a file name"):
        plots.digits(images, path=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root may write into any directory, whatever its mode")
def test_a_read_only_directory_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(PermissionError, match="'.*locked' is not writable"):
            plots.confusion_matrix([0, 1], [0, 1], path=locked / "c.png")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


class Exploding(Artist):
    def draw(self, renderer):
        raise RuntimeError("the renderer failed half-way")


def test_a_failed_save_leaves_no_partial_png(tmp_path):
    figure = plots.digits(np.zeros((2, 28, 28), np.uint8))
    figure.add_artist(Exploding())
    fresh, existing = tmp_path / "fresh.png", tmp_path / "existing.png"
    existing.write_bytes(b"the previous picture")
    for path in (fresh, existing):
        with pytest.raises(RuntimeError, match="half-way"):
            save_png(figure, path)
    assert not fresh.exists()
    assert existing.read_bytes() == b"the previous picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.png"]


# -- matplotlib on demand --------------------------------------------------------------------
def run_python(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})


def test_importing_plots_and_metrics_does_not_import_matplotlib():
    result = run_python("""
        import sys
        import fastnn.plots, fastnn.metrics, fastnn.cli
        import fastnn.plots.images, fastnn.plots.evaluation, fastnn.plots.curves
        fastnn.cli.build_parser()
        fastnn.metrics.confusion_matrix([0, 1], [1, 1])
        print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_without_matplotlib_the_error_names_the_extra(tmp_path):
    result = run_python(f"""
        import sys
        sys.modules['matplotlib'] = None  # as if it were not installed
        import numpy as np
        import fastnn
        print(fastnn.metrics.confusion_matrix([0], [0], 2).tolist())
        try:
            fastnn.plots.digits(np.zeros((1, 28, 28), np.uint8))
        except ImportError as error:
            print(error)
        from fastnn.cli import main
        fastnn.Network([784, 10], backend='numpy').save({str(tmp_path / 'net.npz')!r})
        print('exit', main(['plot', 'weights', {str(tmp_path / 'net.npz')!r},
                            '--out', {str(tmp_path / 'w.png')!r}]))
    """)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "[[1, 0], [0, 0]]"
    assert "need matplotlib, which is not installed: pip install 'fastnn[plot]'" in lines[1]
    assert lines[2] == "exit 1"
    assert "fastnn plot: error: fastnn's pictures need matplotlib" in result.stderr
    assert "pip install 'fastnn[plot]'" in result.stderr
    assert not (tmp_path / "w.png").exists()
