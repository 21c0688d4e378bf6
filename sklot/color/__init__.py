"""Colour transfer between images."""

from ._io import read_image, write_image
from ._space import lab_to_rgb, luma, rgb_to_lab
from ._transfer import ColorTransferer

__all__ = [
    "ColorTransferer",
    "lab_to_rgb",
    "luma",
    "read_image",
    "rgb_to_lab",
    "write_image",
]
