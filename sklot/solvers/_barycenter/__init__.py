r"""Wasserstein barycenters of measures given by histograms or samples.

The barycenter of distributions :math:`\mu_1, \dots, \mu_K` with weights
:math:`\lambda_k` (summing to one) minimises
:math:`\sum_k \lambda_k \mathrm{OT}(\mu_k, \nu)` over distributions
:math:`\nu`. One module per case:

- ``_fixed_support``: :math:`\nu` lives on given points (an image grid);
  entropic by iterative Bregman projections, or exact by linear programming;
- ``_free_support``: the points of :math:`\nu` move (Cuturi-Doucet fixed
  point for the squared Euclidean cost);
- ``_one_d``: on the line, averaging quantile functions is exact.

Each returns an :class:`~sklot.solvers.OTResult` with ``plan=None``; the
barycenter itself is in ``extra["support"]`` and ``extra["weights"]``.
Gaussian barycenters (closed forms) live in ``sklot.solvers._gaussian``.
A new barycenter solver goes here as its own module.
"""

from ._fixed_support import barycenter_fixed_support
from ._free_support import barycenter_free_support
from ._one_d import barycenter_1d

__all__ = ["barycenter_1d", "barycenter_fixed_support", "barycenter_free_support"]
