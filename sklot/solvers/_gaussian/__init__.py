"""Closed forms of optimal transport between Gaussian measures.

Bures-Wasserstein distances and Monge maps (``_closed_form``) and
barycenters (``_barycenter``), from means and covariances or estimated from
samples; ``_linalg`` holds the checks and matrix functions they share.
"""

from ._barycenter import empirical_gaussian_barycenter, gaussian_barycenter
from ._closed_form import (
    bures_distance,
    bures_wasserstein_distance,
    empirical_bures_wasserstein_distance,
    empirical_gaussian_monge_map,
    gaussian_monge_map,
)

__all__ = [
    "bures_distance",
    "bures_wasserstein_distance",
    "empirical_bures_wasserstein_distance",
    "empirical_gaussian_barycenter",
    "empirical_gaussian_monge_map",
    "gaussian_barycenter",
    "gaussian_monge_map",
]
