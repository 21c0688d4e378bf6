"""Two small colour photographs stored as arrays (no image library needed)."""

import os

import numpy as np

__all__ = ["load_photo"]

_PHOTOS = os.path.join(os.path.dirname(__file__), "data", "photos.npz")
PHOTO_NAMES = ("china", "flower")


def load_photo(name: str) -> np.ndarray:
    """Load one of the two small colour photographs that ship with sklot.

    The photographs are scikit-learn's sample images ``china.jpg`` and
    ``flower.jpg`` (CC BY 2.0, attribution in ``sklot/datasets/data/README``),
    averaged over blocks of 3 x 3 pixels and stored as compressed NumPy
    arrays, so that reading them needs neither Pillow nor a download.

    Parameters
    ----------
    name : {"china", "flower"}
        Which photograph.

    Returns
    -------
    image : ndarray of shape (142, 213, 3), dtype uint8
        RGB intensities 0..255. A new array on every call.

    See Also
    --------
    sklot.color.ColorTransferer : Colour transfer between two images.

    Examples
    --------
    >>> from sklot.datasets import load_photo
    >>> china = load_photo("china")
    >>> china.shape, china.dtype
    ((142, 213, 3), dtype('uint8'))
    """
    if name not in PHOTO_NAMES:
        raise ValueError(
            f"name must be one of {list(PHOTO_NAMES)}, got {name!r}."
        )
    with np.load(_PHOTOS, allow_pickle=False) as photos:
        return np.array(photos[name])
