"""Pairwise sliced Wasserstein distances and kernels between distributions."""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import Interval, validate_params

from ..solvers import sliced_wasserstein_pairwise

__all__ = ["pairwise_sliced_wasserstein", "sliced_wasserstein_kernel"]


_COMMON_CONSTRAINTS = {
    "X": ["array-like", list],
    "Y": ["array-like", list, None],
    "n_projections": [Interval(numbers.Integral, 1, None, closed="left")],
    "projections": ["array-like", None],
    "support": ["array-like", None],
    "random_state": ["random_state"],
    "n_jobs": [numbers.Integral, None],
    "diagrams": ["boolean"],
}


@validate_params(
    {**_COMMON_CONSTRAINTS, "p": [Interval(numbers.Real, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def pairwise_sliced_wasserstein(
    X: ArrayLike,
    Y: ArrayLike | None = None,
    *,
    n_projections: int = 50,
    p: float = 2,
    projections: ArrayLike | None = None,
    support: ArrayLike | None = None,
    random_state: int | np.random.RandomState | None = None,
    n_jobs: int | None = None,
    diagrams: bool = False,
) -> np.ndarray:
    r"""Sliced Wasserstein distance matrix between two batches of distributions.

    The distribution-valued counterpart of
    :func:`sklearn.metrics.pairwise_distances`: the result can be passed to
    any estimator that takes ``metric="precomputed"`` (k-nearest
    neighbours, DBSCAN, agglomerative clustering, ...). The same directions
    serve every pair, so the matrix is that of a true pseudo-metric.

    Parameters
    ----------
    X : list of array-like, list of (points, weights) pairs, or 2D array-like
        The distributions: point clouds of shape ``(n_points_i, d)`` (sizes
        may differ), ``(points, weights)`` pairs, rows of histograms over
        ``support``, or (a 2D array without ``support``) one 1D sample per
        row. See :func:`sklot.utils.check_distributions`.
    Y : same forms as X, default=None
        The second batch; None means ``Y = X`` (symmetric, zero diagonal,
        each pair computed once).
    n_projections : int, default=50
        Number of random directions; ignored when ``projections`` is given.
    p : float, default=2
        The order, ``p >= 1``.
    projections : array-like of shape (n_projections, d), default=None
        The directions, one per row, used as given. None draws them
        uniformly on the sphere from ``random_state``.
    support : array-like of shape (n_bins, d), default=None
        Shared support when the rows of ``X`` and ``Y`` are histograms.
    random_state : int, RandomState instance or None, default=None
        Seed of the directions. Pass the same seed (or the same
        ``projections``) to compare matrices computed separately.
    n_jobs : int, default=None
        None computes in this process on all of numba's threads; an integer
        splits the rows into blocks for ``n_jobs`` joblib workers (a joblib
        backend such as dask or ray can then spread them). The result is
        the same either way.
    diagrams : bool, default=False
        ``X`` and ``Y`` are persistence diagrams, arrays of (birth, death)
        rows; needs ``p=1`` (see
        :func:`sklot.solvers.sliced_wasserstein_pairwise`).

    Returns
    -------
    D : ndarray of shape (n_X, n_Y)
        :math:`SW_p` between each distribution of ``X`` and each of ``Y``.

    See Also
    --------
    sliced_wasserstein_kernel : The Gaussian kernel of these distances.
    sklot.solvers.sliced_wasserstein : One pair of point clouds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklot.metrics import pairwise_sliced_wasserstein
    >>> rng = np.random.default_rng(0)
    >>> clouds = [rng.normal(size=(20, 2)) + 3 * (i % 2) for i in range(6)]
    >>> y = [i % 2 for i in range(6)]
    >>> D = pairwise_sliced_wasserstein(clouds, random_state=0)
    >>> knn = KNeighborsClassifier(n_neighbors=1, metric="precomputed").fit(D, y)
    >>> new = [rng.normal(size=(9, 2)) + 3]
    >>> knn.predict(pairwise_sliced_wasserstein(new, clouds, random_state=0))
    array([1])
    """
    return sliced_wasserstein_pairwise(
        X,
        Y,
        support=support,
        n_projections=n_projections,
        p=p,
        projections=projections,
        random_state=random_state,
        n_jobs=n_jobs,
        diagrams=diagrams,
    )


@validate_params(
    {
        **_COMMON_CONSTRAINTS,
        "gamma": [Interval(numbers.Real, 0, None, closed="neither")],
        # p > 2 gets its own message below (the kernel is then not positive
        # definite)
        "p": [Interval(numbers.Real, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def sliced_wasserstein_kernel(
    X: ArrayLike,
    Y: ArrayLike | None = None,
    *,
    gamma: float = 1.0,
    n_projections: int = 50,
    p: float = 2,
    projections: ArrayLike | None = None,
    support: ArrayLike | None = None,
    random_state: int | np.random.RandomState | None = None,
    n_jobs: int | None = None,
    diagrams: bool = False,
) -> np.ndarray:
    r"""Sliced Wasserstein Gaussian kernel between two batches of distributions.

    .. math::
        K(\mu, \nu) = \exp(-\gamma \, SW_p^p(\mu, \nu)),

    positive definite for ``1 <= p <= 2`` (see
    :class:`sklot.kernels.SlicedWassersteinKernel`, the transformer form).

    Parameters
    ----------
    X : list of array-like, list of (points, weights) pairs, or 2D array-like
        The distributions (see :func:`pairwise_sliced_wasserstein`).
    Y : same forms as X, default=None
        The second batch; None means ``Y = X``.
    gamma : float, default=1.0
        Bandwidth, ``gamma > 0``.
    n_projections : int, default=50
        Number of random directions; ignored when ``projections`` is given.
    p : float, default=2
        The order, ``1 <= p <= 2``.
    projections : array-like of shape (n_projections, d), default=None
        The directions, one per row, used as given.
    support : array-like of shape (n_bins, d), default=None
        Shared support when the rows are histograms.
    random_state : int, RandomState instance or None, default=None
        Seed of the directions.
    n_jobs : int, default=None
        As in :func:`pairwise_sliced_wasserstein`.
    diagrams : bool, default=False
        ``X`` and ``Y`` are persistence diagrams (needs ``p=1``).

    Returns
    -------
    K : ndarray of shape (n_X, n_Y)
        Kernel values in (0, 1]; exactly 1 between a distribution and itself.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.metrics import sliced_wasserstein_kernel
    >>> clouds = [np.zeros((2, 2)), np.ones((3, 2))]
    >>> K = sliced_wasserstein_kernel(clouds, gamma=0.1, random_state=0)
    >>> np.diag(K).tolist(), bool(0 < K[0, 1] < 1)
    ([1.0, 1.0], True)
    """
    if (
        isinstance(gamma, bool)
        or not isinstance(gamma, numbers.Real)
        or not np.isfinite(gamma)
        or gamma <= 0
    ):
        raise ValueError(f"gamma must be a positive real number, got {gamma!r}.")
    if isinstance(p, numbers.Real) and not isinstance(p, bool) and p > 2:
        raise ValueError(
            f"p must be between 1 and 2 for a positive definite kernel, got {p!r}."
        )
    costs = sliced_wasserstein_pairwise(
        X,
        Y,
        support=support,
        n_projections=n_projections,
        p=p,
        projections=projections,
        random_state=random_state,
        n_jobs=n_jobs,
        pth_power=True,
        diagrams=diagrams,
    )
    return np.exp(-gamma * costs)
