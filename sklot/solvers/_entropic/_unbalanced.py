"""Unbalanced entropic optimal transport (KL-relaxed marginals)."""

from __future__ import annotations

import numbers

from numpy.typing import ArrayLike, DTypeLike

from .._constraints import solver_params
from .._result import OTResult
from ._common import ENTROPIC_PARAMS, check_positive, check_reg, solve_entropic

__all__ = ["sinkhorn_unbalanced"]


def _check_reg_marginals(reg_marginals):
    if reg_marginals is None:
        raise TypeError(
            "reg_marginals is required: the strength of the KL penalties on "
            "the marginals, a number or a pair (source, target); inf keeps a "
            "marginal exact."
        )
    if isinstance(reg_marginals, numbers.Real) and not isinstance(
        reg_marginals, bool
    ):
        pair = (reg_marginals, reg_marginals)
    else:
        try:
            pair = tuple(reg_marginals)
        except TypeError:
            pair = ()
        if len(pair) != 2:
            raise ValueError(
                "reg_marginals must be a positive number or a pair of them "
                f"(inf allowed), got {reg_marginals!r}."
            )
    return tuple(
        check_positive(lam, f"reg_marginals[{k}]", allow_inf=True)
        for k, lam in enumerate(pair)
    )


@solver_params(ENTROPIC_PARAMS)
def sinkhorn_unbalanced(
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
    M: ArrayLike | None = None,
    reg: float | None = None,
    reg_marginals: float | tuple[float, float] | None = None,
    *,
    X: ArrayLike | None = None,
    Y: ArrayLike | None = None,
    metric: str = "sqeuclidean",
    max_iter: int = 1000,
    tol: float = 1e-9,
    epsilon_scaling: str | bool | float = "auto",
    init: tuple[ArrayLike, ArrayLike] | ArrayLike | None = None,
    dtype: DTypeLike | None = None,
    warn: bool = True,
) -> OTResult:
    r"""Entropic transport between measures of any mass, with KL marginals.

    Solves

    .. math::
        \min_{P \ge 0} \langle P, M \rangle
        + \mathrm{reg}\, \mathrm{KL}(P \,|\, a b^T)
        + \lambda_a \mathrm{KL}(P 1 \,|\, a)
        + \lambda_b \mathrm{KL}(P^T 1 \,|\, b)

    where ``KL(p | q) = sum p log(p / q) - p + q`` and
    ``(lambda_a, lambda_b) = reg_marginals``. A marginal with ``lambda = inf``
    is kept exact; both infinite gives :func:`sinkhorn`. Mass is created or
    destroyed where moving it costs more than the penalty.

    Parameters
    ----------
    a : array-like of shape (n,), default=None
        Source weights (any positive mass); ``None`` means uniform.
    b : array-like of shape (m,), default=None
        Target weights; ``None`` means uniform.
    M : array-like of shape (n, m), default=None
        Cost matrix; leave ``None`` and pass ``X`` and ``Y`` for the
        matrix-free form.
    reg : float
        Entropic regularization, in the units of ``M``.
    reg_marginals : float or pair of float
        KL penalties ``(lambda_a, lambda_b)`` on the source and target
        marginals, in the units of ``M``; one number sets both. ``inf`` keeps
        that marginal exact.
    X, Y : array-like of shape (n, d) and (m, d), default=None
        Points of the matrix-free form (costs recomputed on the fly).
    metric : {"sqeuclidean", "euclidean"}, default="sqeuclidean"
        Ground cost of the matrix-free form.
    max_iter : int, default=1000
        Maximum number of iterations, all epsilon stages included.
    tol : float, default=1e-9
        Stop when the weighted relative change of the scalings (for exact
        marginals, the L1 marginal violation) divided by the mass of ``a``
        falls below ``tol``.
    epsilon_scaling : "auto", bool or float, default="auto"
        As in :func:`sinkhorn`.
    init : tuple of ndarray, default=None
        Starting potentials ``(f, g)``.
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Precision of the plan and potentials; ``None`` keeps float32 input.
    warn : bool, default=True
        Warn with a :class:`~sklearn.exceptions.ConvergenceWarning` when the
        tolerance is not reached.

    Returns
    -------
    result : OTResult
        As for :func:`sinkhorn`: ``value`` is the objective above,
        ``value_linear`` is ``<P, M>``, ``potentials`` give
        ``P_ij = a_i b_j exp((f_i + g_j - M_ij) / reg)`` and
        ``marginal_error`` the largest absolute violation of the marginals
        the optimal plan has, ``a exp(-f / lambda_a)`` and
        ``b exp(-g / lambda_b)`` (``a`` and ``b`` for an infinite penalty);
        ``extra["violation"]`` is the stopping measure,
        ``extra["dual"]`` the dual objective and ``extra["row_mass"]``,
        ``extra["col_mass"]`` the plan's marginals.

    See Also
    --------
    sinkhorn : Exact marginals.

    Notes
    -----
    The first-order conditions make the row update
    ``f = lambda_a / (lambda_a + reg) * (c-transform of g)`` (Chizat, Peyre,
    Schmitzer and Vialard, 2018); it runs in the stabilized kernel domain of
    :func:`sinkhorn` with the scalings raised to that power.

    References
    ----------
    .. [1] L. Chizat, G. Peyre, B. Schmitzer and F.-X. Vialard, "Scaling
       algorithms for unbalanced optimal transport problems", Mathematics of
       Computation 87(314), 2018.
    .. [2] T. Sejourne, J. Feydy, F.-X. Vialard, A. Trouve and G. Peyre,
       "Sinkhorn divergences for unbalanced optimal transport", 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import sinkhorn_unbalanced
    >>> M = np.array([[0.0, 4.0], [4.0, 0.0]])
    >>> res = sinkhorn_unbalanced([1.0, 1.0], [2.0, 0.5], M, 0.1, 1.0)
    >>> res.plan.round(2)  # between the two masses on each diagonal pair
    array([[1.44, 0.  ],
           [0.  , 0.7 ]])
    >>> exact_rows = sinkhorn_unbalanced([1.0, 1.0], [2.0, 0.5], M, 0.1,
    ...                                  (np.inf, 1.0))
    >>> exact_rows.plan.sum(axis=1).round(6)
    array([1., 1.])
    """
    reg = check_reg(reg)
    lam_a, lam_b = _check_reg_marginals(reg_marginals)
    return solve_entropic(
        a, b, M, reg, X=X, Y=Y, metric=metric, max_iter=max_iter, tol=tol,
        epsilon_scaling=epsilon_scaling, init=init, dtype=dtype, warn=warn,
        lam_a=lam_a, lam_b=lam_b, name="sinkhorn_unbalanced",
    )
