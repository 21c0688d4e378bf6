r"""Wasserstein barycenter of Gaussian distributions (the Bures fixed point)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.exceptions import ConvergenceWarning

from ...utils._validation import check_finite_array, check_marginal
from .._constraints import ARRAY, ITER, TOL, solver_params
from .._result import OTResult
from ._linalg import (
    RCOND,
    _add_ridge,
    _bures_squared,
    _check_bias,
    _check_covariance,
    _check_reg,
    _check_samples,
    _eigh_psd,
    _empirical_moments,
    _finite_value,
    _from_eig,
    _sqrtm,
)

__all__ = ["empirical_gaussian_barycenter", "gaussian_barycenter"]



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
        ``converged`` describe the iteration; ``marginal_error`` is 0 (the
        Gaussian Monge maps meet their marginals by construction).
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
    max_iter, tol = int(max_iter), float(tol)

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
