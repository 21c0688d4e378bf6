"""Data generators and small embedded data sets (nothing is downloaded)."""

from ._domain_shift import make_domain_shift

__all__ = ["make_domain_shift"]
