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
import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import linalg
from sklearn.exceptions import ConvergenceWarning

from ...utils._validation import check_finite_array, check_marginal
from .._constraints import ARRAY, ITER, TOL, solver_params
from .._result import OTResult

__all__ = [
    "bures_distance",
    "bures_wasserstein_distance",
    "empirical_bures_wasserstein_distance",
    "empirical_gaussian_barycenter",
    "empirical_gaussian_monge_map",
    "gaussian_barycenter",
    "gaussian_monge_map",
]

# Eigenvalues below RCOND times the largest one count as zero: beyond a
# condition number of ~1e12 an inverse square root in float64 has no correct
# digits left, so such a covariance is treated as singular.
RCOND = 1e-12
# Elements per block when accumulating a covariance: the centred copy is made
# block by block (32 MiB at most) instead of as a second full copy of X;
# blocks stay large because many small BLAS calls were measured slow on a
# busy machine.
_CHUNK_ELEMENTS = 2**22


# --------------------------------------------------------------------------
# validation


def _check_reg(reg):
    if not isinstance(reg, numbers.Real) or isinstance(reg, bool) or not reg >= 0:
        raise ValueError(
            f"reg must be a non-negative number (a ridge added to the "
            f"covariances), got {reg!r}."
        )
    if not np.isfinite(reg):
        raise ValueError(f"reg must be finite, got {reg!r}.")
    return float(reg)


def _check_mean(m, name, d=None) -> np.ndarray:
    m = np.atleast_1d(check_finite_array(np.atleast_1d(m), name, ensure_2d=False))
    m = m.astype(np.float64, copy=False)
    if d is not None and m.shape[0] != d:
        raise ValueError(
            f"{name} has {m.shape[0]} entries but the covariances are "
            f"{d} x {d}; pass a mean of the same dimension."
        )
    return m


def _check_covariance(S, name) -> np.ndarray:
    S = np.asarray(S, dtype=np.float64) if np.isscalar(S) else S
    S = check_finite_array(np.atleast_2d(S), name).astype(np.float64, copy=False)
    if S.shape[0] != S.shape[1]:
        raise ValueError(
            f"{name} must be a square (d, d) covariance matrix, got shape "
            f"{S.shape}."
        )
    scale = np.abs(S).max()
    if np.abs(S - S.T).max() > 1e-8 * scale:
        raise ValueError(
            f"{name} is not symmetric (largest asymmetry "
            f"{np.abs(S - S.T).max():.3g}); pass a covariance matrix, for "
            f"example (S + S.T) / 2."
        )
    w = linalg.eigvalsh(S, check_finite=False)
    if w[0] < -1e-8 * max(scale, np.finfo(np.float64).tiny):
        raise ValueError(
            f"{name} is not positive semi-definite (smallest eigenvalue "
            f"{w[0]:.3g}); pass a covariance matrix."
        )
    return (S + S.T) / 2


def _add_ridge(S, reg):
    if reg > 0:
        S = S + reg * np.eye(S.shape[0])
    return S


# --------------------------------------------------------------------------
# symmetric matrix functions


def _eigh_psd(S):
    """Eigendecomposition of a symmetric PSD matrix, negatives clipped."""
    w, V = linalg.eigh(S, check_finite=False)
    np.maximum(w, 0.0, out=w)
    return w, V


def _from_eig(w, V):
    out = (V * w) @ V.T
    return (out + out.T) / 2


def _sqrtm(S):
    w, V = _eigh_psd(S)
    return _from_eig(np.sqrt(w), V)


def _trace_sqrtm(S):
    return float(np.sqrt(_eigh_psd(S)[0]).sum())


def _is_singular(w):
    return not w[0] > RCOND * w[-1]


def _singular_source_error(name, w):
    return ValueError(
        f"The {name} covariance is singular (eigenvalues from {w[0]:.3g} to "
        f"{w[-1]:.3g}): the data lie in a lower-dimensional subspace, as "
        f"happens with fewer samples than features or a constant feature, and "
        f"no optimal map from a degenerate Gaussian exists. Pass reg > 0 "
        f"(a ridge reg * I added to both covariances; 1e-6 suits standardized "
        f"features) or drop the constant features."
    )


def _monge_matrix(S_s, S_t, name="source"):
    """Return the symmetric PSD A with A S_s A = S_t (S_s nonsingular)."""
    w, V = _eigh_psd(S_s)
    if _is_singular(w):
        raise _singular_source_error(name, w)
    root = np.sqrt(w)
    S_half = _from_eig(root, V)
    S_inv_half = _from_eig(1.0 / root, V)
    middle = _sqrtm(S_half @ S_t @ S_half)
    A = S_inv_half @ middle @ S_inv_half
    return (A + A.T) / 2


def _finite_value(value, names):
    """Return ``value``, or raise when it overflowed float64."""
    if not np.isfinite(value):
        raise ValueError(
            f"the squared distance between the Gaussians of {names} overflows "
            f"float64; rescale {names}."
        )
    return value


def _bures_squared(S1, S2):
    S1_half = _sqrtm(S1)
    cross = _trace_sqrtm(S1_half @ S2 @ S1_half)
    return max(float(np.trace(S1) + np.trace(S2) - 2.0 * cross), 0.0)


# --------------------------------------------------------------------------
# sample moments


def _empirical_moments(X, weights=None, bias=True, name="X"):
    """Mean and covariance (divided by the total weight) of the rows of X.

    Computed in float64 whatever the dtype of X, block by block so that no
    second full copy of X is made. With ``bias=False`` the mean is taken to
    be zero and the covariance is the second-moment matrix.
    """
    n, d = X.shape
    if weights is None:
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X.mean(axis=0, dtype=np.float64) if bias else np.zeros(d)
    else:
        weights = np.asarray(weights, dtype=np.float64)
        weights = weights / weights.sum()
        mean = weights @ X if bias else np.zeros(d)
        mean = np.asarray(mean, dtype=np.float64)
    cov = np.zeros((d, d))
    rows = max(256, _CHUNK_ELEMENTS // max(d, 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n, rows):
            block = X[start : start + rows].astype(np.float64, copy=True)
            block -= mean
            if weights is None:
                cov += block.T @ block
            else:
                cov += (block * weights[start : start + rows, None]).T @ block
    if weights is None:
        cov /= n
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))):
        raise ValueError(
            f"the mean or covariance of {name} overflows float64 (values of "
            f"size {float(np.max(np.abs(X))):.3g}); rescale {name}."
        )
    return mean, (cov + cov.T) / 2


def _check_samples(X, name, d=None) -> np.ndarray:
    X = check_finite_array(X, name)
    if d is not None and X.shape[1] != d:
        raise ValueError(
            f"{name} has {X.shape[1]} features but the first sample has {d}; "
            f"pass samples of the same dimension."
        )
    return X


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


def _check_bias(bias):
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(
            "bias must be True (centre the samples at their means) or False "
            f"(take the means to be zero), got {bias!r}."
        )
    return bool(bias)


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


# --------------------------------------------------------------------------
# barycenter


def _check_weights(weights, k):
    if weights is None:
        return np.full(k, 1.0 / k)
    weights = check_marginal(weights, k, "weights")
    return weights / weights.sum()


def _pinv_sqrt_pair(S):
    # The iterate stays inside the common range of the inputs' covariances;
    # directions outside it (shared null space) are left at zero.
    w, V = _eigh_psd(S)
    keep = w > RCOND * w[-1] if w[-1] > 0 else np.zeros_like(w, dtype=bool)
    root = np.sqrt(w)
    inv_root = np.zeros_like(root)
    inv_root[keep] = 1.0 / root[keep]
    root[~keep] = 0.0
    return _from_eig(root, V), _from_eig(inv_root, V)


@solver_params(
    {
        "means": ["array-like"],
        "covs": ["array-like"],
        "weights": ARRAY,
        "max_iter": ITER,
        "tol": TOL,
        "verbose": ["verbose"],
    }
)
def gaussian_barycenter(
    means: ArrayLike,
    covs: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    max_iter: int = 1000,
    tol: float = 1e-9,
    verbose: bool = False,
) -> OTResult:
    r"""Wasserstein barycenter of Gaussian distributions (Bures fixed point).

    The barycenter of ``N(m_i, S_i)`` with weights ``w_i`` is the Gaussian
    ``N(sum_i w_i m_i, S)`` whose covariance solves

    .. math::

        S = \sum_i w_i (S^{1/2} S_i S^{1/2})^{1/2}.

    ``S`` is found by the fixed-point iteration of Alvarez-Esteban et al.
    (2016), started from the arithmetic mean of the covariances:

    .. math::

        S_{k+1} = S_k^{-1/2} \Big(\sum_i w_i (S_k^{1/2} S_i S_k^{1/2})^{1/2}
        \Big)^2 S_k^{-1/2},

    which converges to the barycenter when the covariances are nonsingular.

    Parameters
    ----------
    means : array-like of shape (k, d)
        Means of the ``k`` Gaussians.
    covs : array-like of shape (k, d, d)
        Their covariances (symmetric positive semi-definite). Directions in
        which every covariance is zero stay zero in the barycenter.
    weights : array-like of shape (k,), default=None
        Non-negative weights, normalized to sum to one (uniform when None).
    max_iter : int, default=1000
        Maximum number of fixed-point iterations.
    tol : float, default=1e-9
        Stop when the relative change of the covariance in Frobenius norm,
        ``||S_{k+1} - S_k|| / ||S_k||``, is at most ``tol``.
    verbose : bool, default=False
        Print the relative change at each iteration.

    Returns
    -------
    result : OTResult
        ``plan`` and ``potentials`` are None; ``value`` is the barycenter
        objective ``sum_i w_i W_2^2(N(m, S), N(m_i, S_i))``; ``n_iter`` and
        ``converged`` describe the iteration; ``marginal_error`` is 0.
        ``extra`` holds ``"mean"`` (shape ``(d,)``), ``"covariance"``
        (shape ``(d, d)``) and ``"residual"`` (the last relative change).
        A :class:`~sklearn.exceptions.ConvergenceWarning` is raised when
        ``max_iter`` is reached first.

    See Also
    --------
    empirical_gaussian_barycenter : The same from samples.
    bures_wasserstein_distance : The distance the barycenter averages.

    References
    ----------
    .. [1] Alvarez-Esteban, P. C., del Barrio, E., Cuesta-Albertos, J. A. and
       Matran, C. (2016). A fixed-point approach to barycenters in
       Wasserstein space. Journal of Mathematical Analysis and Applications,
       441(2), 744-762.
    .. [2] Agueh, M. and Carlier, G. (2011). Barycenters in the Wasserstein
       space. SIAM Journal on Mathematical Analysis, 43(2), 904-924.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import gaussian_barycenter
    >>> res = gaussian_barycenter([[0.0, 0.0], [2.0, 2.0]],
    ...                           [np.eye(2), 9 * np.eye(2)])
    >>> res.extra["mean"]
    array([1., 1.])
    >>> res.extra["covariance"]  # ((1 + 3) / 2)^2 I
    array([[4., 0.],
           [0., 4.]])
    >>> res.converged
    True
    """
    if np.iscomplexobj(covs):
        raise TypeError("covs has complex values; pass real covariance matrices.")
    try:
        covs = np.asarray(covs, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"covs must be an array of numbers of shape (k, d, d): {exc}"
        ) from None
    if covs.ndim != 3 or covs.shape[1] != covs.shape[2] or covs.shape[0] == 0:
        raise ValueError(
            f"covs must have shape (k, d, d) with k >= 1, got {covs.shape}; "
            f"stack one covariance matrix per Gaussian."
        )
    k, d = covs.shape[:2]
    covs = np.stack([_check_covariance(S, f"covs[{i}]") for i, S in enumerate(covs)])
    means = check_finite_array(np.atleast_2d(means), "means").astype(np.float64)
    if means.shape != (k, d):
        raise ValueError(
            f"means must have shape ({k}, {d}) to match covs, got {means.shape}."
        )
    weights = _check_weights(weights, k)
    if not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}.")
    if not isinstance(tol, numbers.Real) or not tol >= 0:
        raise ValueError(f"tol must be a non-negative number, got {tol!r}.")

    mean = weights @ means
    # The fixed point is homogeneous (covariances scaled by c give the
    # barycenter scaled by c): iterate on covariances of unit size, so that
    # the stopping test is the same at any scale and no norm overflows.
    unit = float(np.abs(covs).max())
    if unit == 0.0:
        unit = 1.0
    covs_unit = covs / unit
    S = np.einsum("i,ijk->jk", weights, covs_unit)
    converged = False
    residual = np.inf
    n_iter = 0
    if np.abs(S).max() == 0:
        converged, residual = True, 0.0
    while not converged and n_iter < max_iter:
        n_iter += 1
        S_half, S_inv_half = _pinv_sqrt_pair(S)
        total = np.zeros((d, d))
        for w_i, S_i in zip(weights, covs_unit):
            total += w_i * _sqrtm(S_half @ S_i @ S_half)
        S_new = S_inv_half @ total @ total @ S_inv_half
        S_new = (S_new + S_new.T) / 2
        residual = float(np.linalg.norm(S_new - S) / np.linalg.norm(S))
        S = S_new
        if verbose:
            print(f"gaussian_barycenter: iteration {n_iter}, change {residual:.3e}")
        converged = residual <= tol
    if not converged:
        warnings.warn(
            f"gaussian_barycenter stopped after max_iter={max_iter} iterations "
            f"with relative change {residual:.3g} > tol={tol:g}; increase "
            f"max_iter.",
            ConvergenceWarning,
        )
    with np.errstate(over="ignore"):
        value = float(
            sum(
                w_i * (np.sum((mean - m_i) ** 2) + unit * _bures_squared(S, S_i))
                for w_i, m_i, S_i in zip(weights, means, covs_unit)
            )
        )
    _finite_value(value, "means and covs")
    S = S * unit
    return OTResult(
        plan=None,
        potentials=None,
        value=value,
        n_iter=n_iter,
        converged=converged,
        marginal_error=0.0,
        extra={"mean": mean, "covariance": S, "residual": residual},
    )


@solver_params(
    {
        "X_list": ["array-like"],
        "weights": ARRAY,
        "max_iter": ITER,
        "tol": TOL,
        "verbose": ["verbose"],
    }
)
def empirical_gaussian_barycenter(
    X_list: Sequence[ArrayLike],
    weights: ArrayLike | None = None,
    *,
    reg: float = 0.0,
    bias: bool = True,
    max_iter: int = 1000,
    tol: float = 1e-9,
    verbose: bool = False,
) -> OTResult:
    """Wasserstein barycenter of Gaussians fitted to several samples.

    Each sample's mean and covariance (divided by its number of rows, plus
    ``reg * I``) are passed to :func:`gaussian_barycenter`.

    Parameters
    ----------
    X_list : list of array-like of shape (n_i, d)
        The samples.
    weights : array-like of shape (k,), default=None
        Weights of the samples in the barycenter (uniform when None).
    reg : float, default=0.0
        Ridge added to every sample covariance.
    bias : bool, default=True
        Estimate the means; with False every sample is taken as centred.
    max_iter : int, default=1000
        Maximum number of fixed-point iterations.
    tol : float, default=1e-9
        Tolerance on the relative change of the covariance.
    verbose : bool, default=False
        Print the relative change at each iteration.

    Returns
    -------
    result : OTResult
        As returned by :func:`gaussian_barycenter`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import empirical_gaussian_barycenter
    >>> rng = np.random.default_rng(0)
    >>> samples = [rng.normal(size=(100, 2)), 3 * rng.normal(size=(100, 2)) + 4]
    >>> res = empirical_gaussian_barycenter(samples)
    >>> res.extra["covariance"].shape
    (2, 2)
    """
    reg = _check_reg(reg)
    if isinstance(X_list, np.ndarray) and X_list.ndim == 2:
        raise ValueError(
            "X_list must be a list of samples (2D arrays), got one 2D array; "
            "wrap it in a list."
        )
    if len(X_list) == 0:
        raise ValueError("X_list is empty; pass at least one sample.")
    samples = [_check_samples(X_list[0], "X_list[0]")]
    d = samples[0].shape[1]
    samples += [
        _check_samples(X, f"X_list[{i}]", d) for i, X in enumerate(X_list[1:], 1)
    ]
    bias = _check_bias(bias)
    moments = [
        _empirical_moments(X, None, bias, f"X_list[{k}]")
        for k, X in enumerate(samples)
    ]
    means = np.array([m for m, _ in moments])
    covs = np.array([_add_ridge(S, reg) for _, S in moments])
    return gaussian_barycenter(
        means, covs, weights, max_iter=max_iter, tol=tol, verbose=verbose
    )
