"""Wasserstein barycenters of measures given by samples or histograms.

Gaussian barycenters (closed forms) live in ``sklot.solvers._gaussian``.
"""

from ._fixed_support import (
    barycenter_1d,
    barycenter_fixed_support,
    barycenter_free_support,
)

__all__ = ["barycenter_1d", "barycenter_fixed_support", "barycenter_free_support"]
