"""One-dimensional and sliced optimal transport.

``_distance`` holds the exact 1D distance and the sliced and max-sliced
distances between two measures, ``_pairwise`` the batched pairwise form and
the quantile embedding, ``_transfer`` the iterative sliced distribution
transfer (the colour transfer engine).
"""

from ._distance import (
    max_sliced_wasserstein,
    random_projections,
    sliced_wasserstein,
    wasserstein_1d,
)
from ._pairwise import projected_quantiles, sliced_wasserstein_pairwise

__all__ = [
    "max_sliced_wasserstein",
    "projected_quantiles",
    "random_projections",
    "sliced_wasserstein",
    "sliced_wasserstein_pairwise",
    "wasserstein_1d",
]
