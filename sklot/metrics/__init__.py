"""Distances, kernels and domain-adaptation scorers."""

from ..solvers import (
    bures_distance,
    bures_wasserstein_distance,
    empirical_bures_wasserstein_distance,
)
from ._da_scorers import (
    circular_validation_scorer,
    importance_weighted_scorer,
    prediction_balance_scorer,
    prediction_entropy_scorer,
)
from ._sliced import pairwise_sliced_wasserstein, sliced_wasserstein_kernel
from ._transport_scorer import transport_consistency_scorer

__all__ = [
    "circular_validation_scorer",
    "importance_weighted_scorer",
    "prediction_balance_scorer",
    "prediction_entropy_scorer",
    "transport_consistency_scorer",
    "bures_distance",
    "bures_wasserstein_distance",
    "empirical_bures_wasserstein_distance",
    "pairwise_sliced_wasserstein",
    "sliced_wasserstein_kernel",
]
