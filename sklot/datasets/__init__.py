"""Data generators and small embedded data sets (nothing is downloaded)."""

from ._domain_shift import make_domain_shift
from ._photos import load_photo

__all__ = ["load_photo", "make_domain_shift"]
