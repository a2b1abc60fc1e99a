"""Your own handwriting (fastnn.images): each step of MNIST's preparation, the errors and
warnings, and a round trip from the test set through image files and back."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fastnn
from fastnn import recipes
from fastnn.cli import main
from fastnn.images import (ImageError, UnreliableDigitWarning, center_of_mass, read_digit,
                           to_mnist)

Image = pytest.importorskip("PIL.Image", reason="the images extra installs Pillow")


def bar(height=200, width=120, thickness=30, background=255, ink=0):
    """A dark vertical bar on a light canvas: a '1' as a phone photographs it."""
    image = np.full((height * 2, width * 3), background, dtype=np.uint8)
    top, left = height // 2, width
    image[top:top + height, left + width // 2 - thickness // 2:
          left + width // 2 + thickness // 2] = ink
    return image


def test_light_backgrounds_are_inverted_and_dark_ones_not():
    light = to_mnist(bar())
    dark = to_mnist(255 - bar())
    np.testing.assert_array_equal(light, dark)
    assert light.dtype == np.uint8 and light.shape == (28, 28)
    assert light.max() == 255 and light[0].max() == 0  # white ink on black
    # white chalk on a mid-grey board: its border looks light, so by default it is
    # inverted and nothing stands out; invert=False says the ink is the light part
    chalk = bar(background=140, ink=255)
    with pytest.raises(ImageError, match="is blank"):
        to_mnist(chalk)
    np.testing.assert_array_equal(to_mnist(chalk, invert=False), light)


def test_the_digit_is_cropped_and_its_longer_side_scaled_to_20_pixels():
    digit = to_mnist(bar(height=200, thickness=40))
    rows = np.flatnonzero(digit.max(axis=1) > 0)
    assert rows[-1] - rows[0] + 1 == 20  # 200 tall -> 20, whatever the canvas
    wide = to_mnist(bar(height=40, width=400, thickness=40).T)  # a bar on its side
    cols = np.flatnonzero(wide.max(axis=0) > 0)
    assert cols[-1] - cols[0] + 1 == 20


def test_the_aspect_ratio_is_kept():
    image = np.zeros((300, 300), dtype=np.uint8)
    image[50:250, 100:200] = 255  # a 200 x 100 block
    digit = to_mnist(image)
    rows = np.flatnonzero(digit.max(axis=1) > 127)
    cols = np.flatnonzero(digit.max(axis=0) > 127)
    assert (len(rows), len(cols)) == (20, 10)


def test_the_centre_of_mass_is_at_pixel_14_14():
    image = np.zeros((400, 500), dtype=np.uint8)
    image[20:120, 30:60] = 255  # a block in a corner, and a lighter tail
    image[120:220, 30:200] = 90
    row, col = center_of_mass(to_mnist(image))
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_floats_in_0_1_and_uint8_agree():
    np.testing.assert_array_equal(to_mnist(bar() / 255.0), to_mnist(bar()))


@pytest.mark.parametrize("image, message", [
    (np.full((50, 50), 200, np.uint8), "is blank: no pixel stands out"),
    (np.zeros((3, 28, 28)), "one greyscale image of shape"),
    (np.full((40, 40), np.nan), "NaN or inf"),
    (np.full((40, 40), 300.0), "values from 300 to 300"),
])
def test_bad_images_are_refused_by_name(image, message):
    with pytest.raises(ImageError, match=message):
        to_mnist(image, name="my digit")


def test_faint_ink_and_ink_at_the_edges_warn():
    faint = bar(background=200, ink=150)
    with pytest.warns(UnreliableDigitWarning, match="the ink is faint"):
        to_mnist(faint, name="faint.png")
    rows, cols = np.indices((60, 40))
    ring = np.abs(((rows - 29.5) / 29.5) ** 2 + ((cols - 19.5) / 19.5) ** 2 - 1) < 0.3
    cropped = np.where(ring, 0, 255).astype(np.uint8)  # a '0' cropped to its ink
    with pytest.warns(UnreliableDigitWarning, match="reaches the image's edges"):
        to_mnist(cropped)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_mnist(bar())


def test_files_are_read_in_colour_and_with_transparency(tmp_path):
    grey = bar()
    Image.fromarray(grey).convert("RGB").save(tmp_path / "colour.jpg", quality=95)
    rgba = np.zeros(grey.shape + (4,), np.uint8)
    rgba[..., 3] = 255 - grey  # black ink, fully transparent paper: laid on white
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "ink.png")
    Image.fromarray(grey).save(tmp_path / "grey.bmp")
    Image.fromarray(grey).convert("P").save(tmp_path / "grey.gif")
    expected = to_mnist(grey)
    for name in ("ink.png", "grey.bmp", "grey.gif"):
        np.testing.assert_array_equal(read_digit(tmp_path / name), expected, err_msg=name)
    assert np.abs(read_digit(tmp_path / "colour.jpg").astype(int) - expected).max() <= 40


def test_unreadable_files_are_named(tmp_path):
    (tmp_path / "notes.png").write_text("not an image")
    Image.fromarray(bar()).save(tmp_path / "whole.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "whole.png").read_bytes()[:200])
    Image.fromarray(np.full((40, 40), 255, np.uint8)).save(tmp_path / "blank.png")
    for name, message in [("notes.png", "is not an image that Pillow can read"),
                          ("cut.png", "damaged or truncated"),
                          ("missing.png", "cannot read it"),
                          ("blank.png", "is blank")]:
        with pytest.raises(ImageError, match=message) as raised:
            read_digit(tmp_path / name)
        assert str(tmp_path / name) in str(raised.value)


def test_one_image_gets_the_fix(tiny_data):
    x, y = tiny_data
    net = recipes.rashid(hidden=10, seed=0, backend="numpy")
    with pytest.raises(ValueError, match=r"one image\. Pass a batch of images: x\[None\]"):
        net.predict(x[0])
    with pytest.raises(ValueError, match=r"x\[None\] \(shape \(1, 784\)\)"):
        net.predict_proba(x[0].reshape(-1))
    with pytest.raises(ValueError, match=r"fastnn\.images\.to_mnist\(x\)"):
        net.predict(np.zeros((200, 200), np.uint8))
    assert net.predict(to_mnist(bar())[None]).shape == (1,)


@pytest.fixture(scope="module")
def rashid_200(mnist):
    (x, y), _ = mnist
    net = recipes.rashid(hidden=200, seed=0)
    net.fit(x, y, epochs=1)
    return net


def photographed(image, rng):
    """A test image as a phone would see it: black on white, 4 to 9 times as large, at a
    random place on a light canvas of random size."""
    side = int(round(28 * rng.uniform(4, 9)))
    big = np.asarray(Image.fromarray(255 - image).resize((side, side), Image.BICUBIC))
    height, width = rng.integers(side + 10, 2 * side + 20, size=2)
    canvas = np.full((height, width), rng.integers(200, 256), dtype=np.uint8)
    top, left = rng.integers(0, height - side), rng.integers(0, width - side)
    canvas[top:top + side, left:left + side] = np.minimum(canvas[top:top + side,
                                                                 left:left + side], big)
    return canvas


@pytest.mark.realdata
def test_test_images_through_png_and_jpeg_files_keep_their_accuracy(mnist, rashid_200, tmp_path):
    _, (x_test, y_test) = mnist
    rng = np.random.default_rng(1)
    n = 400
    read = []
    for k in range(n):
        path = tmp_path / f"{k}.{'png' if k % 2 else 'jpg'}"
        Image.fromarray(photographed(x_test[k], rng)).save(path, quality=90)
        read.append(read_digit(path))
    original = rashid_200.score(x_test[:n], y_test[:n])
    round_trip = rashid_200.score(np.stack(read), y_test[:n])
    print(f"\nread back from PNG/JPEG: accuracy {round_trip:.4f}, on the original images "
          f"{original:.4f} ({n} test images)")
    assert abs(round_trip - original) <= 0.02, (original, round_trip)
    centres = np.array([center_of_mass(digit) for digit in read])
    np.testing.assert_allclose(centres.mean(axis=0), (14, 14), atol=0.1)


@pytest.mark.realdata
def test_fastnn_predict_reads_image_files(mnist, rashid_200, tmp_path, capsys, read_png):
    _, (x_test, y_test) = mnist
    model = rashid_200.save(tmp_path / "rashid.npz")
    rng = np.random.default_rng(2)
    paths = []
    for k in range(3):
        paths.append(tmp_path / f"digit{k}.png")
        Image.fromarray(photographed(x_test[k], rng)).save(paths[-1])
    (tmp_path / "broken.png").write_text("no")
    out_png = tmp_path / "predictions.png"
    code = main(["predict", str(model), *map(str, paths), str(tmp_path / "broken.png"),
                 "--out", str(out_png)])
    captured = capsys.readouterr()
    assert code == 1  # one file could not be read; the others were predicted
    lines = captured.out.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == [str(p) for p in paths]
    for line, digit in zip(lines, fastnn.load(model).predict(
            np.stack([read_digit(p) for p in paths]))):
        assert line.split(": ")[1].startswith(f"{digit} (") and "; then " in line
        assert line.count("(") == 3  # the digit and the next two candidates
    assert "broken.png is not an image" in captured.err
    read_png(out_png)
