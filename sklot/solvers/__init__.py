"""Optimal transport solvers: NumPy in, NumPy (or :class:`OTResult`) out.

The functional core shared by every sklot estimator. Each solver validates
its input and calls the private numba kernels. Solvers of a transport or
barycenter problem (``emd``, ``sinkhorn``, ``sinkhorn_unbalanced``,
``class_regularized_ot``, ``barycenter_1d``, ``barycenter_fixed_support``,
``barycenter_free_support``, ``gaussian_barycenter`` and
``empirical_gaussian_barycenter``) return a frozen :class:`OTResult`;
distances (``emd2``, ``wasserstein_1d``, ``sliced_wasserstein``,
``max_sliced_wasserstein``, ``sinkhorn_divergence``, the ``bures_*``
functions) return a float; the Gaussian Monge maps return a tuple and the
helpers (``cost_matrix``, ``entropic_plan``, ``barycentric_map``,
``sliced_wasserstein_pairwise``, ``projected_quantiles``) return arrays. A
solver that stops before convergence says so with a
:class:`~sklearn.exceptions.ConvergenceWarning`.
"""

from ._barycenter import (
    barycenter_1d,
    barycenter_fixed_support,
    barycenter_free_support,
)
from ._cost import cost_matrix, relative_reg
from ._entropic import (
    barycentric_map,
    class_regularized_ot,
    entropic_c_transform,
    entropic_plan,
    sinkhorn,
    sinkhorn_divergence,
    sinkhorn_unbalanced,
)
from ._exact import emd, emd2
from ._gaussian import (
    bures_distance,
    bures_wasserstein_distance,
    empirical_bures_wasserstein_distance,
    empirical_gaussian_barycenter,
    empirical_gaussian_monge_map,
    gaussian_barycenter,
    gaussian_monge_map,
)
from ._result import OTResult
from ._sliced import (
    max_sliced_wasserstein,
    projected_quantiles,
    random_projections,
    sliced_wasserstein,
    sliced_wasserstein_pairwise,
    wasserstein_1d,
)

__all__ = [
    "OTResult",
    "barycenter_1d",
    "barycenter_fixed_support",
    "barycenter_free_support",
    "barycentric_map",
    "bures_distance",
    "bures_wasserstein_distance",
    "class_regularized_ot",
    "cost_matrix",
    "relative_reg",
    "emd",
    "emd2",
    "entropic_c_transform",
    "entropic_plan",
    "empirical_bures_wasserstein_distance",
    "empirical_gaussian_barycenter",
    "empirical_gaussian_monge_map",
    "gaussian_barycenter",
    "gaussian_monge_map",
    "max_sliced_wasserstein",
    "projected_quantiles",
    "random_projections",
    "sinkhorn",
    "sinkhorn_divergence",
    "sinkhorn_unbalanced",
    "sliced_wasserstein",
    "sliced_wasserstein_pairwise",
    "wasserstein_1d",
]
