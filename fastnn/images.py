"""Your own handwriting as an MNIST digit: any picture of one digit, made 28x28 the way
MNIST's digits were.

MNIST's digits are white ink on black, cropped to the ink, scaled (anti-aliased) so that
the longer side is 20 pixels, and placed in 28x28 so that their centre of mass is at the
centre. A photographed digit resized to 28x28 is none of that, and networks trained on
MNIST misread it. :func:`to_mnist` does MNIST's preparation on a greyscale array,
:func:`read_digit` on an image file (PNG, JPEG, BMP, GIF, ...; Pillow reads it, from the
``images`` extra)::

    digit = fastnn.images.read_digit("seven.png")     # uint8 (28, 28), as load_mnist gives
    net.predict(digit[None])

Steps, in order: the image becomes intensities in 0..1; it is inverted when its
background is light (detected from its border, or forced with ``invert=``); background and
ink are stretched to 0 and 1; it is cropped to the ink; scaled with Lanczos resampling so
that its longer side is 20 pixels, keeping its aspect ratio; and placed in 28x28 with its
centre of mass at pixel (14, 14) (rows and columns counted from 0; MNIST's test set has
its mean at (13.99, 14.01)). A blank image is an error; a faint one, or one whose ink
reaches its edges, gets an :class:`UnreliableDigitWarning`.
"""

from __future__ import annotations

import numpy as np

from fastnn.inputs import warn_caller

__all__ = ["to_mnist", "read_digit", "read_grey", "center_of_mass", "require_pillow",
           "ImageError", "UnreliableDigitWarning", "BOX", "SIZE"]

#: The side of an MNIST image, and of the box its digit is scaled into.
SIZE, BOX = 28, 20

#: What to tell a user who reads an image file without Pillow.
INSTALL_HINT = "pip install 'fastnn[images]'"

#: After background and ink are stretched to 0 and 1: what counts as ink (for cropping),
#: and the least contrast that is not called faint.
INK, FAINT = 0.1, 0.3


class ImageError(ValueError):
    """An image that makes no digit: not an image, unreadable, blank, or of a wrong shape."""


class UnreliableDigitWarning(UserWarning):
    """The digit was made, but from a faint image or one whose ink reaches its edges."""


def _intensities(image, name) -> np.ndarray:
    """``image`` as float64 intensities in 0..1 (uint8 and integers: / 255; floats above 1:
    / 255; floats in 0..1 as they are)."""
    array = np.asarray(image)
    if array.ndim != 2:
        raise ImageError(f"{name} has shape {array.shape}: to_mnist takes one greyscale image "
                         "of shape (H, W); read a colour file with read_digit, or convert it "
                         "to grey first")
    if min(array.shape) < 2:
        raise ImageError(f"{name} has shape {array.shape}: too small to hold a digit")
    if array.dtype.kind == "b":
        return array.astype(np.float64)
    if array.dtype.kind not in "iuf":
        raise ImageError(f"{name} holds {array.dtype}, not numbers")
    values = array.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise ImageError(f"{name} holds NaN or inf")
    if values.min() < 0 or values.max() > 255:
        raise ImageError(f"{name} holds values from {values.min():g} to {values.max():g}; pass "
                         "0..255 grey levels (or 0..1 floats)")
    return values / 255.0 if array.dtype.kind in "iu" or values.max() > 1 else values


def _border(values) -> np.ndarray:
    """The pixels of the outer twentieth of the image (at least one pixel wide)."""
    rows, cols = values.shape
    r, c = max(1, rows // 20), max(1, cols // 20)
    return np.concatenate([values[:r].ravel(), values[-r:].ravel(), values[:, :c].ravel(),
                           values[:, -c:].ravel()])


def _stretch(values, invert, name) -> np.ndarray:
    """White ink on black, background at 0 and ink at 1 (clipped)."""
    background = float(np.median(_border(values)))
    if invert is None:
        invert = background > 0.5
    if invert:
        values, background = 1.0 - values, 1.0 - background
    strokes = values[values > background + INK]
    if strokes.size == 0:
        raise ImageError(f"{name} is blank: no pixel stands out from its background "
                         f"(grey level {background:.2f}{', inverted' if invert else ''}); is "
                         "the digit there, and is invert= right?")
    ink = float(np.percentile(strokes, 90))
    contrast = ink - background
    if contrast < FAINT:
        warn_caller(f"{name}: the ink is faint (contrast {contrast:.2f} of the full range): the "
                    "digit may come out wrong; a darker pen or more light helps",
                    UnreliableDigitWarning)
    return np.clip((values - background) / contrast, 0.0, 1.0)


def _crop(values, name) -> np.ndarray:
    rows = np.flatnonzero((values > INK).any(axis=1))
    cols = np.flatnonzero((values > INK).any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    height, width = values.shape
    if bottom - top >= 0.97 * height and right - left >= 0.97 * width:
        warn_caller(f"{name}: the ink reaches the image's edges on every side: the digit may be "
                    "cut off, or the background not told apart from it; leave a margin "
                    "around the digit", UnreliableDigitWarning)
    return values[top:bottom, left:right]


def _scale_into_box(values) -> np.ndarray:
    """``values`` resized (Lanczos, anti-aliased) so that its longer side is BOX pixels."""
    from PIL import Image

    height, width = values.shape
    factor = BOX / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    resampling = getattr(Image, "Resampling", Image).LANCZOS
    scaled = Image.fromarray(values.astype(np.float32), mode="F").resize(size, resampling)
    return np.clip(np.asarray(scaled, dtype=np.float64), 0.0, 1.0)


def center_of_mass(image) -> tuple:
    """The (row, column) centre of mass of ``image``'s intensities, from 0."""
    values = np.asarray(image, dtype=np.float64)
    total = values.sum()
    if total <= 0:
        raise ImageError("the image has no ink, so no centre of mass")
    rows, cols = np.indices(values.shape)
    return float((rows * values).sum() / total), float((cols * values).sum() / total)


def _place(digit) -> np.ndarray:
    """``digit`` (at most BOX x BOX) in a SIZE x SIZE frame, its centre of mass at the
    frame's centre pixel, shifted by whole pixels and kept inside the frame."""
    row, col = center_of_mass(digit)
    height, width = digit.shape
    top = min(max(round(SIZE // 2 - row), 0), SIZE - height)
    left = min(max(round(SIZE // 2 - col), 0), SIZE - width)
    frame = np.zeros((SIZE, SIZE))
    frame[top:top + height, left:left + width] = digit
    return frame


def to_mnist(image, invert=None, name="the image") -> np.ndarray:
    """An MNIST-style digit from a greyscale picture of one digit.

    Parameters
    ----------
    image : (H, W) array
        Grey levels of any size: uint8 (or integers) 0..255, or floats in 0..1 (floats
        above 1 are taken as 0..255).
    invert : bool, optional
        True for dark ink on a light background (a photo of paper), False for light ink on
        dark; by default decided from the image's border.
    name : str
        What to call the image in errors and warnings.

    Returns
    -------
    (28, 28) uint8
        White ink on black, 0..255, as :func:`fastnn.load_mnist` gives its images.

    Raises
    ------
    ImageError
        For an image of the wrong shape or values, or a blank one.
    ImportError
        Without Pillow (``pip install 'fastnn[images]'``).
    """
    require_pillow()
    values = _stretch(_intensities(image, name), invert, name)
    digit = _place(_scale_into_box(_crop(values, name)))
    return np.round(digit * 255).astype(np.uint8)


def require_pillow():
    try:
        import PIL.Image  # noqa: F401
    except ImportError as error:
        raise ImportError(f"reading and preparing images needs Pillow, which is not installed: "
                          f"{INSTALL_HINT}") from error


def _greyscale(image) -> np.ndarray:
    """A Pillow image as grey levels (0..255 floats): transparent parts laid on white."""
    from PIL import Image

    if image.mode in ("I;16", "I;16B", "I;16L"):
        return np.asarray(image, dtype=np.float64) * (255.0 / 65535.0)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"), dtype=np.float64)


def read_grey(path) -> np.ndarray:
    """The image file ``path`` as (H, W) float64 grey levels in 0..1 (PNG, JPEG, BMP, GIF:
    what Pillow reads; colour is turned to grey, transparency laid on white).

    Raises
    ------
    ImageError
        Naming the file: it is missing or unreadable, not an image, or damaged.
    ImportError
        Without Pillow (``pip install 'fastnn[images]'``).
    """
    require_pillow()
    from PIL import Image, UnidentifiedImageError

    name = str(path)
    try:
        with Image.open(path) as image:
            image.load()
            return _greyscale(image) / 255.0
    except UnidentifiedImageError as error:
        raise ImageError(f"{name} is not an image that Pillow can read (PNG, JPEG, BMP, GIF, "
                         "...)") from error
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise ImageError(f"{name}: cannot read it: {error.strerror}") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(f"{name}: the image is damaged or truncated: {error}") from error


def read_digit(path, invert=None) -> np.ndarray:
    """:func:`to_mnist` of the image file ``path`` (see :func:`read_grey`): a uint8
    (28, 28) digit, as :func:`fastnn.load_mnist` gives its images.

    Raises
    ------
    ImageError
        Naming the file: it is missing or unreadable, not an image, damaged, or blank.
    ImportError
        Without Pillow (``pip install 'fastnn[images]'``).
    """
    return to_mnist(read_grey(path), invert=invert, name=str(path))
