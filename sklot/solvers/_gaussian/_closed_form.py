"""Closed forms of optimal transport between Gaussian distributions.

Between ``N(m_s, S_s)`` and ``N(m_t, S_t)`` the quadratic-cost optimal map is
affine, the squared 2-Wasserstein distance is the squared distance of the
means plus the squared Bures distance of the covariances, and the barycenter
of several Gaussians is the Gaussian whose covariance solves a fixed-point
equation. Every matrix square root is taken by a symmetric eigendecomposition
(:func:`scipy.linalg.eigh`) with tiny negative eigenvalues, left by rounding,
clipped to zero.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from ...utils._validation import check_marginal
from .._constraints import ARRAY, solver_params
from ._linalg import (
    _add_ridge,
    _bures_squared,
    _check_bias,
    _check_covariance,
    _check_mean,
    _check_reg,
    _check_samples,
    _empirical_moments,
    _finite_value,
    _monge_matrix,
)

__all__ = [
    "bures_distance",
    "bures_wasserstein_distance",
    "empirical_bures_wasserstein_distance",
    "empirical_gaussian_monge_map",
    "gaussian_monge_map",
]


# --------------------------------------------------------------------------
# public closed forms


@solver_params(
    {
        "S1": ["array-like", numbers.Real],
        "S2": ["array-like", numbers.Real],
        "squared": ["boolean"],
    }
)
def bures_distance(
    S1: ArrayLike | float, S2: ArrayLike | float, *, squared: bool = False
) -> float:
    """Bures distance between two covariance matrices.

    ``B(S1, S2)^2 = tr S1 + tr S2 - 2 tr (S1^{1/2} S2 S1^{1/2})^{1/2}``: the
    2-Wasserstein distance between the centred Gaussians ``N(0, S1)`` and
    ``N(0, S2)``.

    Parameters
    ----------
    S1, S2 : array-like of shape (d, d)
        Symmetric positive semi-definite matrices (singular ones are fine).
    squared : bool, default=False
        Return ``B^2`` instead of ``B``.

    Returns
    -------
    distance : float
        The Bures distance (or its square).

    See Also
    --------
    bures_wasserstein_distance : Adds the distance between the means.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import bures_distance
    >>> bures_distance(np.eye(2), 4 * np.eye(2), squared=True)
    2.0
    """
    S1 = _check_covariance(S1, "S1")
    S2 = _check_covariance(S2, "S2")
    if S1.shape != S2.shape:
        raise ValueError(
            f"S1 and S2 must have the same shape, got {S1.shape} and {S2.shape}."
        )
    value = _finite_value(_bures_squared(S1, S2), "S1 and S2")
    return value if squared else float(np.sqrt(value))


@solver_params(
    {
        "m1": ["array-like", numbers.Real],
        "S1": ["array-like", numbers.Real],
        "m2": ["array-like", numbers.Real],
        "S2": ["array-like", numbers.Real],
        "squared": ["boolean"],
    }
)
def bures_wasserstein_distance(
    m1: ArrayLike | float,
    S1: ArrayLike | float,
    m2: ArrayLike | float,
    S2: ArrayLike | float,
    *,
    squared: bool = False,
) -> float:
    r"""2-Wasserstein distance between two Gaussian distributions.

    For ``N(m1, S1)`` and ``N(m2, S2)`` the quadratic-cost optimal transport
    cost has the closed form

    .. math::

        W_2^2 = \|m_1 - m_2\|^2 + \operatorname{tr} S_1 + \operatorname{tr} S_2
        - 2 \operatorname{tr} (S_1^{1/2} S_2 S_1^{1/2})^{1/2}.

    Parameters
    ----------
    m1 : array-like of shape (d,)
        Mean of the first Gaussian (a scalar when ``d = 1``).
    S1 : array-like of shape (d, d)
        Covariance of the first Gaussian, symmetric positive semi-definite
        (singular covariances are fine: the distance needs no inverse).
    m2 : array-like of shape (d,)
        Mean of the second Gaussian.
    S2 : array-like of shape (d, d)
        Covariance of the second Gaussian.
    squared : bool, default=False
        Return the squared distance ``W_2^2`` (the optimal transport cost)
        instead of the distance ``W_2``.

    Returns
    -------
    distance : float
        ``W_2`` (or ``W_2^2`` with ``squared=True``); never negative.

    See Also
    --------
    bures_distance : The covariance part alone.
    empirical_bures_wasserstein_distance : The same from samples.

    Notes
    -----
    The value is also a lower bound on ``W_2`` between any two distributions
    with these means and covariances (Gelbrich's bound). The trace of the
    matrix square root is the sum of the square roots of the eigenvalues of
    the symmetric matrix ``S1^{1/2} S2 S1^{1/2}``, with rounding negatives
    clipped to zero.

    References
    ----------
    .. [1] Dowson, D. C. and Landau, B. V. (1982). The Frechet distance between
       multivariate normal distributions. Journal of Multivariate Analysis,
       12(3), 450-455.
    .. [2] Givens, C. R. and Shortt, R. M. (1984). A class of Wasserstein
       metrics for probability distributions. Michigan Mathematical Journal,
       31(2), 231-240.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import bures_wasserstein_distance
    >>> bures_wasserstein_distance([0, 0], np.eye(2), [3, 4], np.eye(2))
    5.0
    >>> bures_wasserstein_distance(0.0, 1.0, 0.0, 4.0)  # 1D: |sigma1 - sigma2|
    1.0
    """
    S1 = _check_covariance(S1, "S1")
    S2 = _check_covariance(S2, "S2")
    if S1.shape != S2.shape:
        raise ValueError(
            f"S1 and S2 must have the same shape, got {S1.shape} and {S2.shape}."
        )
    m1 = _check_mean(m1, "m1", S1.shape[0])
    m2 = _check_mean(m2, "m2", S1.shape[0])
    with np.errstate(over="ignore"):
        value = float(np.sum((m1 - m2) ** 2)) + _bures_squared(S1, S2)
    _finite_value(value, "m1, S1, m2 and S2")
    return value if squared else float(np.sqrt(value))


@solver_params(
    {
        "m_s": ["array-like", numbers.Real],
        "S_s": ["array-like", numbers.Real],
        "m_t": ["array-like", numbers.Real],
        "S_t": ["array-like", numbers.Real],
    }
)
def gaussian_monge_map(
    m_s: ArrayLike,
    S_s: ArrayLike,
    m_t: ArrayLike,
    S_t: ArrayLike,
    *,
    reg: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Optimal transport map between two Gaussian distributions.

    The quadratic-cost optimal map from ``N(m_s, S_s)`` to ``N(m_t, S_t)`` is
    affine, ``T(x) = m_t + A (x - m_s)``, with

    .. math::

        A = S_s^{-1/2} (S_s^{1/2} S_t S_s^{1/2})^{1/2} S_s^{-1/2},

    the unique symmetric positive semi-definite matrix with
    ``A S_s A = S_t``. For row vectors, ``T(X) = X @ A + b``.

    Parameters
    ----------
    m_s : array-like of shape (d,)
        Source mean (a scalar when ``d = 1``).
    S_s : array-like of shape (d, d)
        Source covariance; must be nonsingular once ``reg`` is added.
    m_t : array-like of shape (d,)
        Target mean.
    S_t : array-like of shape (d, d)
        Target covariance (may be singular: the map then collapses the
        source onto the target's subspace and has no inverse).
    reg : float, default=0.0
        Ridge ``reg * I`` added to both covariances.

    Returns
    -------
    A : ndarray of shape (d, d)
        The symmetric positive semi-definite linear part.
    b : ndarray of shape (d,)
        The offset ``m_t - A m_s``.

    Raises
    ------
    ValueError
        If ``S_s + reg * I`` is singular (numerically: its smallest eigenvalue
        is at most 1e-12 times its largest), with advice on ``reg``.

    See Also
    --------
    empirical_gaussian_monge_map : The same from samples.
    sklot.adaptation.GaussianMongeMapper : The map as a domain adapter.

    References
    ----------
    .. [1] Knott, M. and Smith, C. S. (1984). On the optimal mapping of
       distributions. Journal of Optimization Theory and Applications,
       43(1), 39-49.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import gaussian_monge_map
    >>> A, b = gaussian_monge_map([0, 0], np.eye(2), [1, 1], 4 * np.eye(2))
    >>> A
    array([[2., 0.],
           [0., 2.]])
    >>> b
    array([1., 1.])
    """
    reg = _check_reg(reg)
    S_s = _check_covariance(S_s, "S_s")
    S_t = _check_covariance(S_t, "S_t")
    if S_s.shape != S_t.shape:
        raise ValueError(
            f"S_s and S_t must have the same shape, got {S_s.shape} and "
            f"{S_t.shape}."
        )
    m_s = _check_mean(m_s, "m_s", S_s.shape[0])
    m_t = _check_mean(m_t, "m_t", S_s.shape[0])
    A = _monge_matrix(_add_ridge(S_s, reg), _add_ridge(S_t, reg), "source (S_s)")
    return A, m_t - m_s @ A


def _empirical_pair(Xs, Xt, reg, bias, ws, wt):
    reg = _check_reg(reg)
    bias = _check_bias(bias)
    Xs = _check_samples(Xs, "Xs")
    Xt = _check_samples(Xt, "Xt", Xs.shape[1])
    ws = None if ws is None else check_marginal(ws, Xs.shape[0], "ws")
    wt = None if wt is None else check_marginal(wt, Xt.shape[0], "wt")
    m_s, S_s = _empirical_moments(Xs, ws, bias, "Xs")
    m_t, S_t = _empirical_moments(Xt, wt, bias, "Xt")
    return m_s, _add_ridge(S_s, reg), m_t, _add_ridge(S_t, reg)


@solver_params(
    {
        "Xs": ["array-like"],
        "Xt": ["array-like"],
        "ws": ARRAY,
        "wt": ARRAY,
        "squared": ["boolean"],
    }
)
def empirical_bures_wasserstein_distance(
    Xs: ArrayLike,
    Xt: ArrayLike,
    *,
    reg: float = 0.0,
    bias: bool = True,
    ws: ArrayLike | None = None,
    wt: ArrayLike | None = None,
    squared: bool = False,
) -> float:
    """2-Wasserstein distance between Gaussians fitted to two samples.

    The sample means and covariances (divided by the total weight, not
    ``n - 1``) are plugged into :func:`bures_wasserstein_distance`.

    Parameters
    ----------
    Xs : array-like of shape (n_source, d)
        Source sample.
    Xt : array-like of shape (n_target, d)
        Target sample.
    reg : float, default=0.0
        Ridge ``reg * I`` added to both sample covariances.
    bias : bool, default=True
        Estimate the means; with False both samples are taken as centred
        (zero means, second-moment matrices as covariances).
    ws : array-like of shape (n_source,), default=None
        Sample weights of the source rows (uniform when None).
    wt : array-like of shape (n_target,), default=None
        Sample weights of the target rows (uniform when None).
    squared : bool, default=False
        Return ``W_2^2`` instead of ``W_2``.

    Returns
    -------
    distance : float
        ``W_2`` (or ``W_2^2``) between the two fitted Gaussians.

    See Also
    --------
    bures_wasserstein_distance : From means and covariances.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import empirical_bures_wasserstein_distance
    >>> Xs = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    >>> empirical_bures_wasserstein_distance(Xs, Xs + [3.0, 4.0])
    5.0
    """
    m_s, S_s, m_t, S_t = _empirical_pair(Xs, Xt, reg, bias, ws, wt)
    with np.errstate(over="ignore"):
        value = float(np.sum((m_s - m_t) ** 2)) + _bures_squared(S_s, S_t)
    _finite_value(value, "Xs and Xt")
    return value if squared else float(np.sqrt(value))


@solver_params(
    {
        "Xs": ["array-like"],
        "Xt": ["array-like"],
        "ws": ARRAY,
        "wt": ARRAY,
    }
)
def empirical_gaussian_monge_map(
    Xs: ArrayLike,
    Xt: ArrayLike,
    *,
    reg: float = 0.0,
    bias: bool = True,
    ws: ArrayLike | None = None,
    wt: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian optimal transport map between Gaussians fitted to samples.

    The sample means and covariances are plugged into
    :func:`gaussian_monge_map`. The map pushes the source sample to a sample
    with exactly the target's mean and covariance.

    Parameters
    ----------
    Xs : array-like of shape (n_source, d)
        Source sample.
    Xt : array-like of shape (n_target, d)
        Target sample.
    reg : float, default=0.0
        Ridge ``reg * I`` added to both sample covariances; needed when the
        source sample spans fewer than ``d`` dimensions (``n_source <= d`` or
        a constant feature).
    bias : bool, default=True
        Estimate the means (the map has an offset); with False both samples
        are taken as centred and ``b`` is zero.
    ws : array-like of shape (n_source,), default=None
        Sample weights of the source rows (uniform when None).
    wt : array-like of shape (n_target,), default=None
        Sample weights of the target rows (uniform when None).

    Returns
    -------
    A : ndarray of shape (d, d)
        The symmetric positive semi-definite linear part.
    b : ndarray of shape (d,)
        The offset: ``T(Xs) = Xs @ A + b``.

    See Also
    --------
    gaussian_monge_map : From means and covariances.
    sklot.adaptation.GaussianMongeMapper : The map as a domain adapter.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import empirical_gaussian_monge_map
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(200, 2))
    >>> Xt = rng.normal(size=(300, 2)) @ [[2.0, 0.5], [0.0, 1.0]] + 5.0
    >>> A, b = empirical_gaussian_monge_map(Xs, Xt)
    >>> mapped = Xs @ A + b
    >>> bool(np.allclose(np.cov(mapped.T, bias=True), np.cov(Xt.T, bias=True)))
    True
    """
    m_s, S_s, m_t, S_t = _empirical_pair(Xs, Xt, reg, bias, ws, wt)
    A = _monge_matrix(S_s, S_t, "source (Xs)")
    return A, m_t - m_s @ A
