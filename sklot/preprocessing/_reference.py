"""Reference samples of the multivariate quantile transformer.

The center-outward grid of Hallin et al. (2021): ``n_R`` radii times
``n_S`` directions (``n_R`` about ``sqrt(n)``, at most ``n / (2 dim)``),
plus ``n_0 < n_R`` copies of the origin, so that the
radius of a grid point drawn at random is (up to the origin copies) uniform
on ``(0, 1)``. The Gaussian reference is the same grid pushed radially
through the quantile function of the chi distribution, so its norms are the
chi_d quantiles of the same levels and a rank computed against one reference
is a radial function of the rank against the other.
"""

import numpy as np
from scipy import stats
from scipy.stats import qmc

__all__ = ["reference_sample"]


def _directions(n_directions, dim):
    """Quasi-uniform unit vectors, deterministic."""
    if dim == 2:
        angles = 2.0 * np.pi * (np.arange(n_directions) + 0.5) / n_directions
        return np.column_stack([np.cos(angles), np.sin(angles)])
    # Halton points sent through the Gaussian quantile function are spread
    # evenly in angle; scrambled with a fixed seed, since the unscrambled
    # sequence is nearly collinear in high dimension for the first points.
    halton = qmc.Halton(dim, scramble=True, seed=0)
    z = stats.norm.ppf(halton.random(n_directions))
    return z / np.linalg.norm(z, axis=1, keepdims=True)


def _radial_profile(levels, dim, output_distribution):
    if output_distribution == "uniform_ball":
        return levels
    return stats.chi.ppf(levels, dim)


def reference_sample(n, dim, output_distribution="uniform_ball"):
    """Center-outward reference grid of ``n`` points in dimension ``dim``.

    Parameters
    ----------
    n : int
        Number of points.
    dim : int
        Dimension.
    output_distribution : {"uniform_ball", "normal"}, default="uniform_ball"
        ``"uniform_ball"``: radii at the levels ``(j - 1/2) / n_R``;
        ``"normal"``: radii at the chi_dim quantiles of those levels.

    Returns
    -------
    grid : ndarray of shape (n, dim)
        In dimension 1, the midpoints ``2 (i - 1/2) / n - 1`` (or their
        Gaussian quantiles ``Phi^{-1}((i - 1/2) / n)``), so that ranks against
        the grid are the univariate quantile transform.
    """
    if dim == 1:
        p = (np.arange(n) + 0.5) / n
        values = 2.0 * p - 1.0 if output_distribution == "uniform_ball" else (
            stats.norm.ppf(p)
        )
        return values[:, None]
    # about sqrt(n) radii, as Hallin et al., but never fewer than 2 * dim
    # directions: fewer do not span the space and the ranks degenerate
    # (measured: ROC AUC 0.04 instead of 0.80 on breast cancer, 30D)
    n_radii = max(1, min(int(round(np.sqrt(n))), n // (2 * dim)))
    n_directions = n // n_radii
    n_origin = n - n_radii * n_directions
    levels = (np.arange(n_radii) + 0.5) / n_radii
    radii = _radial_profile(levels, dim, output_distribution)
    directions = _directions(n_directions, dim)
    grid = (radii[:, None, None] * directions[None, :, :]).reshape(-1, dim)
    return np.vstack([grid, np.zeros((n_origin, dim))])
