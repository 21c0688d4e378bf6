r"""Barycenter of point clouds with moving support points (Cuturi-Doucet)."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import ArrayLike
from sklearn.exceptions import ConvergenceWarning

from ...utils._validation import check_finite_array, check_seed
from .._constraints import ARRAY, COUNT, ITER, REG, TOL, solver_params
from .._cost import _sqeuclidean
from .._result import OTResult, marginal_violation
from ._checks import (
    _check_reg,
    _check_simplex_weights,
)

__all__ = ["barycenter_free_support"]


def _inner_plan(b, a, C, reg):
    if reg is None:
        from .._exact import _emd_valid

        return _emd_valid(b, a, C).plan
    from .._entropic import sinkhorn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return sinkhorn(b, a, C, reg).plan


def _free_support_step(X, b, Y, a, reg):
    C = _sqeuclidean(X, Y)
    P = _inner_plan(b, a, C, reg)
    if not np.all(np.isfinite(P)):
        raise ValueError(
            "An inner transport plan of barycenter_free_support is not finite; "
            "increase reg or use reg=None for exact plans."
        )
    return P @ Y, P


def _check_clouds(points_list, weights_list):
    if not isinstance(points_list, (list, tuple)) or len(points_list) == 0:
        raise TypeError(
            "points_list must be a non-empty list of arrays of shape "
            "(n_points, d)."
        )
    Ys = []
    for k, Y in enumerate(points_list):
        Y = np.asarray(Y)
        if Y.ndim == 1:
            Y = Y[:, None]
        Ys.append(check_finite_array(Y, f"points_list[{k}]", dtype=(np.float64,)))
    if len({Y.shape[1] for Y in Ys}) > 1:
        raise ValueError("All arrays of points_list must have the same dimension.")
    if weights_list is None:
        weights_list = [None] * len(Ys)
    if len(weights_list) != len(Ys):
        raise ValueError(
            f"weights_list has {len(weights_list)} entries for {len(Ys)} point "
            f"clouds; pass one weight vector (or None) per cloud."
        )
    As = [
        _check_simplex_weights(w, Y.shape[0], f"weights_list[{k}]")
        for k, (Y, w) in enumerate(zip(Ys, weights_list))
    ]
    return Ys, As


@solver_params(
    {
        "points_list": ["array-like"],
        "weights_list": ARRAY,
        "X_init": ARRAY,
        "weights": ARRAY,
        "reg": REG,
        "b": ARRAY,
        "n_support": [COUNT, None],
        "max_iter": ITER,
        "tol": TOL,
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
    }
)
def barycenter_free_support(
    points_list: Sequence[ArrayLike],
    weights_list: Sequence[ArrayLike | None] | None = None,
    X_init: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    reg: float | None = None,
    *,
    b: ArrayLike | None = None,
    n_support: int | None = None,
    max_iter: int = 100,
    tol: float = 1e-9,
    n_jobs: int | None = None,
    random_state: int | np.random.RandomState | None = None,
) -> OTResult:
    r"""Wasserstein-2 barycenter of point clouds, with moving support points.

    Minimises :math:`\sum_k \lambda_k W_2^2(\mu_k, \nu)` over
    :math:`\nu = \sum_i b_i \delta_{x_i}` with fixed masses :math:`b` and
    free points :math:`x_i` by the fixed point of Cuturi and Doucet: solve
    the transport plans :math:`P_k` from :math:`\nu` to every
    :math:`\mu_k`, then move each point to the weighted average of where its
    mass goes,

    .. math::
        x_i \leftarrow \frac{1}{b_i} \sum_k \lambda_k \sum_j
        (P_k)_{ij}\, y^{(k)}_j .

    For the squared Euclidean cost each sweep does not increase the
    objective. The plans are exact (network simplex, ``reg=None``) or
    entropic (``reg`` set).

    Parameters
    ----------
    points_list : list of array-like of shape (n_k, d)
        The support of each input distribution.
    weights_list : list of array-like of shape (n_k,), default=None
        The masses of each input (normalised); uniform if None or for a
        None entry.
    X_init : array-like of shape (n_support, d), default=None
        Initial barycenter points. Default: ``n_support`` points drawn from
        the inputs (by mass, with ``random_state``) if ``n_support`` is set,
        otherwise the points of the first input of largest weight.
    weights : array-like of shape (n_inputs,), default=None
        Barycentric weights :math:`\lambda_k` (normalised); uniform if None.
    reg : float or None, default=None
        Entropic regularization of the inner plans, in units of the squared
        distances between points (absolute; :func:`relative_reg` converts a
        relative one); None for exact plans.
    b : array-like of shape (n_support,), default=None
        Masses of the barycenter points; uniform if None (or, with the
        default ``X_init``, the masses of that input).
    n_support : int, default=None
        Number of barycenter points when ``X_init`` is None.
    max_iter : int, default=100
        Maximum number of fixed-point sweeps.
    tol : float, default=1e-9
        Stop when the mean squared displacement of the points,
        :math:`\sum_i b_i \|\Delta x_i\|^2`, is at most ``tol`` times the
        objective.
    n_jobs : int, default=None
        Inner plans of one sweep are solved in parallel with joblib.
    random_state : int, RandomState instance or None, default=None
        Seed for drawing the initial points with ``n_support``.

    Returns
    -------
    result : OTResult
        ``extra["support"]`` holds the barycenter points of shape
        ``(n_support, d)`` and ``extra["weights"]`` their masses; ``value``
        is the objective and ``marginal_error`` the largest marginal
        violation of the last inner plans (:class:`OTResult`). ``plan`` is
        None.

    See Also
    --------
    barycenter_fixed_support : Barycenter on given points.
    barycenter_1d : Exact barycenter on the line.

    References
    ----------
    .. [1] M. Cuturi and A. Doucet. Fast computation of Wasserstein
       barycenters. ICML 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import barycenter_free_support
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> Y = np.array([[0.0, 2.0], [1.0, 2.0]])
    >>> res = barycenter_free_support([X, Y])
    >>> res.extra["support"]
    array([[0., 1.],
           [1., 1.]])
    >>> res.value
    1.0
    """
    Ys, As = _check_clouds(points_list, weights_list)
    lo = np.min([Y.min(axis=0) for Y in Ys], axis=0)
    hi = np.max([Y.max(axis=0) for Y in Ys], axis=0)
    with np.errstate(over="ignore"):
        diam2 = float(np.sum((hi - lo) ** 2))
    if not np.isfinite(diam2):
        raise ValueError(
            "the squared distances between the points of points_list overflow "
            "float64; rescale points_list (for example divide every cloud by "
            "the largest absolute value)."
        )
    lam = _check_simplex_weights(weights, len(Ys))
    reg = _check_reg(reg)
    max_iter = int(max_iter)
    tol = float(tol)
    d = Ys[0].shape[1]
    if X_init is not None:
        X = check_finite_array(X_init, "X_init", dtype=(np.float64,)).copy()
        if X.shape[1] != d:
            raise ValueError(
                f"X_init has dimension {X.shape[1]} but the clouds have {d}."
            )
        init_mass = None
    elif n_support is not None:
        n_support = int(n_support)
        rng = check_seed(random_state)
        pool = np.vstack(Ys)
        mass = np.concatenate([lk * a for lk, a in zip(lam, As)])
        pick = rng.choice(pool.shape[0], size=n_support, p=mass / mass.sum(),
                          replace=n_support > np.count_nonzero(mass))
        X = pool[pick].copy()
        init_mass = None
    else:
        first = int(np.argmax(lam))
        X = Ys[first].copy()
        init_mass = As[first]
    if b is None:
        b = init_mass if init_mass is not None else np.full(len(X), 1.0 / len(X))
    else:
        b = _check_simplex_weights(b, X.shape[0], "b")

    parallel = Parallel(n_jobs=n_jobs, prefer="threads")
    converged = False
    value = np.inf
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        steps = parallel(
            delayed(_free_support_step)(X, b, Y, a, reg) for Y, a in zip(Ys, As)
        )
        T = sum(lk * s[0] for lk, s in zip(lam, steps)) / b[:, None]
        # Objective of the same plans at the moved points: it bounds the new
        # objective from above and equals it at a fixed point.
        value = float(sum(
            lk * np.sum(s[1] * _sqeuclidean(T, Y))
            for lk, s, Y in zip(lam, steps, Ys)
        ))
        shift = float(np.sum(b * np.sum((T - X) ** 2, axis=1)))
        X = T
        if shift <= tol * value:
            converged = True
            break
    if not converged:
        warnings.warn(
            f"barycenter_free_support stopped after {n_iter} sweeps without "
            f"reaching tol={tol:g}; increase max_iter.",
            ConvergenceWarning,
        )
    # the largest marginal violation of the last inner plans
    marginal_error = max(
        marginal_violation(P.sum(axis=1), P.sum(axis=0), b, a)
        for (_, P), a in zip(steps, As)
    )
    return OTResult(
        plan=None, potentials=None, value=value, n_iter=n_iter,
        converged=converged, marginal_error=marginal_error,
        value_linear=value, extra={"support": X, "weights": b},
    )
