"""Image files in and out, through Pillow (the optional ``image`` extra)."""

from __future__ import annotations

import os
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["read_image", "write_image"]


def _pillow():
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "Reading and writing images needs Pillow: pip install 'sklot[image]' "
            "(or pip install pillow)."
        ) from exc
    return Image


@validate_params({"path": [str, os.PathLike]}, prefer_skip_nested_validation=True)
def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file into a NumPy array.

    Parameters
    ----------
    path : str or path-like
        Any format Pillow reads (PNG, JPEG, TIFF, ...).

    Returns
    -------
    image : ndarray of shape (height, width, channels)
        ``uint8`` (``uint16`` for 16-bit grey files) with 1 channel for grey
        images, 3 for colour, 4 for colour with alpha. Palette and other
        modes are converted to RGB or RGBA.

    See Also
    --------
    write_image : The reverse.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklot.color import read_image, write_image
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.png")
    >>> write_image(path, np.zeros((2, 3, 3), dtype=np.uint8))
    >>> read_image(path).shape
    (2, 3, 3)
    """
    Image = _pillow()
    if not os.path.exists(path):
        raise FileNotFoundError(f"No image file at {os.fspath(path)!r}.")
    try:
        img = Image.open(path)
        img.load()
    except Image.UnidentifiedImageError:
        raise ValueError(
            f"path {os.fspath(path)!r} is not an image file Pillow can read "
            "(PNG, JPEG, TIFF, ...)."
        ) from None
    except OSError:
        if os.path.isdir(path):
            raise ValueError(
                f"path {os.fspath(path)!r} is a directory; pass an image file."
            ) from None
        raise
    with img:
        if img.mode in ("L", "I;16", "I;16B", "I;16L"):
            arr = np.asarray(img)
            if arr.dtype != np.uint8:
                arr = arr.astype(np.uint16)
            return arr[:, :, None].copy()
        if img.mode == "LA":
            img = img.convert("RGBA")
        elif img.mode == "P":
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        elif img.mode not in ("RGB", "RGBA"):
            img = img.convert("RGB")
        return np.array(img)


@validate_params(
    {
        "path": [str, os.PathLike],
        "image": ["array-like"],
        "quality": [Interval(Integral, 1, 100, closed="both")],
    },
    prefer_skip_nested_validation=True,
)
def write_image(
    path: str | os.PathLike, image: ArrayLike, *, quality: int = 95
) -> None:
    """Write an image array to a file.

    Parameters
    ----------
    path : str or path-like
        Output file; the format follows the extension (PNG, JPEG, ...).
    image : array-like of shape (height, width) or (height, width, channels)
        ``uint8`` values, or floats in [0, 1] (clipped, scaled to 0..255).
        1, 3 or 4 channels.
    quality : int, default=95
        JPEG quality from 1 to 100 (ignored by the other formats).

    Returns
    -------
    None

    See Also
    --------
    read_image : The reverse.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklot.color import read_image, write_image
    >>> path = os.path.join(tempfile.mkdtemp(), "grey.png")
    >>> write_image(path, np.full((4, 4), 0.5))
    >>> int(read_image(path)[0, 0, 0])
    128
    """
    Image = _pillow()
    try:
        arr = np.asarray(image)
    except ValueError:
        raise ValueError(
            "image must be an array of shape (height, width) or (height, "
            "width, channels); got a ragged sequence."
        ) from None
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise ValueError(
            "image must have shape (height, width) or (height, width, c) with "
            f"c in (1, 3, 4), got {arr.shape}."
        )
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(
                "image has NaN or infinite values; fill or clip them first."
            )
        arr = np.round(np.clip(arr, 0.0, 1.0) * 255.0).astype(np.uint8)
    elif arr.dtype == np.uint16 and arr.ndim == 2:
        pass
    elif arr.dtype != np.uint8:
        raise ValueError(
            f"image must be uint8 or float in [0, 1], got dtype {arr.dtype}."
        )
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in Image.registered_extensions():
        Image.init()
    if ext not in Image.registered_extensions():
        raise ValueError(
            f"path {os.fspath(path)!r} has the extension {ext!r}, which names "
            "no image format Pillow writes; use .png, .jpg, .tif, ..."
        )
    img = Image.fromarray(arr)
    options = {"quality": int(quality)} if ext in (".jpg", ".jpeg") else {}
    if ext in (".jpg", ".jpeg") and img.mode == "RGBA":
        img = img.convert("RGB")
    img.save(path, **options)
