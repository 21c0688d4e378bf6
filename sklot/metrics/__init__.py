"""Distances, kernels and domain-adaptation scorers."""

from ..solvers._gaussian import (
    bures_distance,
    bures_wasserstein_distance,
    empirical_bures_wasserstein_distance,
)

__all__ = [
    "bures_distance",
    "bures_wasserstein_distance",
    "empirical_bures_wasserstein_distance",
]
