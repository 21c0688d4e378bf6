"""Closed forms of optimal transport between Gaussian measures.

Bures-Wasserstein distances, Monge maps and barycenters, from means and
covariances or estimated from samples.
"""

from ._closed_form import (
    bures_distance,
    bures_wasserstein_distance,
    empirical_bures_wasserstein_distance,
    empirical_gaussian_barycenter,
    empirical_gaussian_monge_map,
    gaussian_barycenter,
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
