"""Entropic optimal transport: Sinkhorn and the Sinkhorn divergence."""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.typing import ArrayLike, DTypeLike
from sklearn.exceptions import ConvergenceWarning

from ..._kernels._config import use_parallel
from ..._kernels._sinkhorn import row_lse
from ...utils._validation import (
    _check_spread,
    check_equal_mass,
    check_marginal,
    check_point_pair,
)
from .._constraints import ARRAY, ITER, REG, TOL, solver_params
from .._cost import POWERS, cost_matrix, read_only_cost
from .._result import OTResult
from ._common import ENTROPIC_PARAMS, check_positive, solve_entropic
from ._core import log_weights
from ._dense import n_chunks
from ._matrix_free import (
    c_transform_points,
    prepare_points,
)

__all__ = ["sinkhorn", "sinkhorn_divergence"]

# Above this many cost entries sinkhorn_divergence switches to the
# matrix-free form (a float64 cost of this size takes 128 MB).
_DENSE_MAX_ENTRIES = 1 << 24


@solver_params(ENTROPIC_PARAMS)
def sinkhorn(
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
    M: ArrayLike | None = None,
    reg: float | None = None,
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
    r"""Entropic optimal transport by a stabilized Sinkhorn algorithm.

    Solves

    .. math::
        \min_{P \ge 0,\ P 1 = a,\ P^T 1 = b}
        \langle P, M \rangle + \mathrm{reg}\, \mathrm{KL}(P \,|\, a b^T)

    either for a dense cost matrix ``M`` or, in the matrix-free form, for
    points ``X`` and ``Y`` whose cost is recomputed on the fly (memory
    O(n + m), no plan returned: evaluate it or the entropic map from the
    potentials with :func:`entropic_plan`, :func:`barycentric_map` or
    :func:`entropic_c_transform`).

    Parameters
    ----------
    a : array-like of shape (n,), default=None
        Source weights; ``None`` means uniform.
    b : array-like of shape (m,), default=None
        Target weights, same total mass as ``a``; ``None`` means uniform.
    M : array-like of shape (n, m), default=None
        Cost matrix. Leave ``None`` and pass ``X`` and ``Y`` for the
        matrix-free form.
    reg : float
        Entropic regularization, in the units of ``M`` (absolute, not
        relative to the scale of the costs; :func:`relative_reg` converts
        the relative ``reg`` of sklot's estimators). Any value down to 1e-12
        times the spread of the costs (``max - min``) works: small values are
        reached by epsilon scaling (at most 64 stages) and stay free of
        overflow. Below that float64 cannot resolve the plan and a
        ValueError says so; use :func:`emd` for unregularized transport.
    X : array-like of shape (n, d), default=None
        Source points (matrix-free form).
    Y : array-like of shape (m, d), default=None
        Target points (matrix-free form).
    metric : {"sqeuclidean", "euclidean"}, default="sqeuclidean"
        Ground cost of the matrix-free form.
    max_iter : int, default=1000
        Maximum number of iterations, all epsilon stages included.
    tol : float, default=1e-9
        Stop when the L1 norm of the marginal violation, divided by the
        total mass, falls below ``tol``.
    epsilon_scaling : "auto", bool or float, default="auto"
        Solve a decreasing sequence of regularizations first, starting from
        the spread of the costs divided by 100 and halving (a float in
        (0, 1) sets the factor) while above ``2 * reg``, each stage
        warm-starting the next. Moderate regularizations (above a 200th of
        the spread) are solved directly.
    init : tuple of ndarray, default=None
        Starting potentials ``(f, g)``, for example from a previous solve.
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Precision of the plan and potentials. ``None`` keeps float32 input
        in float32 (sums and scalings are accumulated in float64 either
        way).
    warn : bool, default=True
        Emit a :class:`~sklearn.exceptions.ConvergenceWarning` when the
        tolerance is not reached.

    Returns
    -------
    result : OTResult
        ``plan`` (``None`` in the matrix-free form), ``potentials`` ``(f, g)``
        with ``P_ij = a_i b_j exp((f_i + g_j - M_ij) / reg)``, ``value`` the
        objective above at the returned plan, ``value_linear`` its part
        ``<P, M>``, ``marginal_error`` the largest absolute marginal
        violation (:class:`OTResult`), and in ``extra``: ``"dual"`` (the dual objective
        ``<a, f> + <b, g> - reg (sum P - 1)``), ``"eps_schedule"``,
        ``"n_absorb"`` (kernel rebuilds), ``"violation"`` (the stopping
        measure), ``"row_mass"`` and ``"col_mass"``.

    See Also
    --------
    sinkhorn_unbalanced : KL-relaxed marginals.
    sinkhorn_divergence : The debiased Sinkhorn divergence between clouds.
    barycentric_map : The entropic map from potentials.

    Notes
    -----
    The dense form keeps a kernel ``K = b_j exp((f_i + g_j - M_ij)/reg)``
    built from absorbed potentials and iterates the scalings ``u, v`` of
    ``P = diag(a u) K diag(v)``, fusing the row and column updates in one
    pass over ``K``. When a scaling leaves a safe range (``exp(+-200)`` in
    float64, ``exp(+-20)`` for a float32 kernel) it is absorbed into the
    potentials and the kernel is rebuilt by an exact log-domain iteration
    (Schmitzer, 2019), so that no overflow happens at any regularization
    while most iterations run at memory speed. Besides ``M`` it allocates
    one array of the same size, the kernel, which becomes the returned plan.
    The matrix-free form runs log-domain iterations directly, each a
    log-sum-exp over the cost recomputed blockwise (one exponential per pair
    and half-iteration, so it is slower per iteration than the dense form).

    Updates are over-relaxed adaptively (Thibault et al., 2017), which
    typically halves the iteration count at moderate ``reg`` and helps much
    more at small ``reg``; the stopping test counts both marginals. When
    the last stage of a balanced float64 dense problem still stalls (small
    ``reg``), the solver switches to Newton steps on the dual with a
    sparsified Hessian, solved by conjugate gradient with a line search
    (Tang et al., 2024), then back to scaling steps; each Newton step counts
    as one iteration in ``n_iter``. The returned plan and the ``converged``
    flag are checked as for plain Sinkhorn. Unbalanced, float32 and
    matrix-free problems do not use this stage.

    References
    ----------
    .. [1] M. Cuturi, "Sinkhorn distances: lightspeed computation of optimal
       transport", NeurIPS 2013.
    .. [2] B. Schmitzer, "Stabilized sparse scaling algorithms for entropy
       regularized transport problems", SIAM J. Sci. Comput. 41(3), 2019.
    .. [3] G. Peyre and M. Cuturi, "Computational optimal transport",
       Foundations and Trends in Machine Learning 11(5-6), 2019.
    .. [4] A. Thibault, L. Chizat, C. Dossal and N. Papadakis, "Overrelaxed
       Sinkhorn-Knopp algorithm for regularized optimal transport",
       Algorithms 14(5), 2021 (arXiv:1711.01851, 2017).
    .. [5] X. Tang, M. Shavlovsky, H. Rahmanian, E. Tardini, K. K.
       Thekumparampil, T. Xiao and L. Ying, "Accelerating Sinkhorn algorithm
       with sparse Newton iterations", ICLR 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import sinkhorn
    >>> M = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> res = sinkhorn([0.5, 0.5], [0.5, 0.5], M, reg=0.1)
    >>> res.plan.round(4)
    array([[0.5, 0. ],
           [0. , 0.5]])
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.normal(size=(50, 2)), rng.normal(size=(40, 2)) + 1
    >>> free = sinkhorn(reg=0.5, X=X, Y=Y)
    >>> dense = sinkhorn(None, None, np.square(X[:, None] - Y).sum(-1), 0.5)
    >>> bool(abs(free.value - dense.value) < 1e-8)
    True
    """
    return solve_entropic(
        a, b, M, reg, X=X, Y=Y, metric=metric, max_iter=max_iter, tol=tol,
        epsilon_scaling=epsilon_scaling, init=init, dtype=dtype, warn=warn,
    )


def _sinkhorn_checked(
    a, b, M, reg, spread, *, max_iter=1000, tol=1e-9, epsilon_scaling="auto",
    init=None,
):
    """:func:`sinkhorn` on a cost matrix already checked, without scanning it.

    For callers that solve many problems on one cost matrix (the candidates
    of a grid search): ``M`` must be a finite, C-contiguous float64 array and
    ``spread`` its ``cost_spread`` (``max - min``), which the validation
    and the epsilon schedule of :func:`sinkhorn` would otherwise recompute
    with two passes over ``M`` per solve. The result is that of
    ``sinkhorn(a, b, M, reg, ...)``, to the last bit.
    """
    return solve_entropic(
        a, b, M, reg, X=None, Y=None, metric="sqeuclidean", max_iter=max_iter,
        tol=tol, epsilon_scaling=epsilon_scaling, init=init, dtype=None,
        warn=True, spread=spread,
    )


@solver_params(
    {
        "X": ["array-like"],
        "Y": ["array-like"],
        "a": ARRAY,
        "b": ARRAY,
        "reg": REG,
        "metric": [str],
        "max_iter": ITER,
        "tol": TOL,
    }
)
def sinkhorn_divergence(
    X: ArrayLike,
    Y: ArrayLike,
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
    *,
    reg: float,
    metric: str = "sqeuclidean",
    max_iter: int = 1000,
    tol: float = 1e-9,
    matrix_free: str | bool = "auto",
) -> float:
    r"""Debiased Sinkhorn divergence between two weighted point clouds.

    .. math::
        S_\varepsilon(\alpha, \beta) = \mathrm{OT}_\varepsilon(\alpha, \beta)
        - \tfrac12 \mathrm{OT}_\varepsilon(\alpha, \alpha)
        - \tfrac12 \mathrm{OT}_\varepsilon(\beta, \beta)

    with :math:`\mathrm{OT}_\varepsilon` the entropic transport cost of
    :func:`sinkhorn` (regularized by ``reg * KL(P | a b^T)``). It is
    non-negative, zero when the two distributions coincide, and
    interpolates between the Wasserstein cost (``reg -> 0``) and an MMD
    (``reg -> inf``).

    Parameters
    ----------
    X : array-like of shape (n, d)
        Source points.
    Y : array-like of shape (m, d)
        Target points.
    a : array-like of shape (n,), default=None
        Source weights; ``None`` means uniform.
    b : array-like of shape (m,), default=None
        Target weights (same total mass as ``a``); ``None`` means uniform.
    reg : float
        Entropic regularization, in the units of the cost.
    metric : str, default="sqeuclidean"
        Ground cost, any metric of :func:`cost_matrix` (the matrix-free form
        needs "sqeuclidean" or "euclidean").
    max_iter : int, default=1000
        Maximum iterations of each of the three solves.
    tol : float, default=1e-9
        Marginal tolerance of each solve.
    matrix_free : "auto" or bool, default="auto"
        Recompute costs on the fly instead of storing them. ``"auto"`` does
        so when a cost matrix would exceed 2**24 entries.

    Returns
    -------
    divergence : float

    See Also
    --------
    sinkhorn : The entropic transport problem.

    References
    ----------
    .. [1] J. Feydy, T. Sejourne, F.-X. Vialard, S. Amari, A. Trouve and
       G. Peyre, "Interpolating between optimal transport and MMD using
       Sinkhorn divergences", AISTATS 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import sinkhorn_divergence
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 2))
    >>> round(sinkhorn_divergence(X, X, reg=1.0), 8)
    0.0
    >>> round(sinkhorn_divergence(X, X + 1.0, reg=1.0), 6)  # |shift|^2 = 2
    2.0
    """
    reg = check_positive(reg, "reg")
    X, Y = check_point_pair(X, Y)
    # Costs within and between the clouds overflow before a solver sees them.
    _check_spread([X, Y], "X and Y")
    a = check_marginal(a, X.shape[0], "a")
    b = check_marginal(b, Y.shape[0], "b")
    check_equal_mass(a, b)
    if matrix_free == "auto":
        big = max(X.shape[0], Y.shape[0]) ** 2 > _DENSE_MAX_ENTRIES
        matrix_free = big and metric in POWERS
    elif not isinstance(matrix_free, (bool, np.bool_)):
        raise ValueError(
            f"matrix_free must be 'auto', True or False, got {matrix_free!r}."
        )
    opts = dict(max_iter=max_iter, tol=tol)
    if matrix_free:
        ab = sinkhorn(a, b, reg=reg, X=X, Y=Y, metric=metric, **opts)
    else:
        ab = sinkhorn(a, b, cost_matrix(X, Y, metric=metric), reg, **opts)
    aa = _self_transport(X, a, reg, metric, matrix_free, max_iter, tol)
    bb = _self_transport(Y, b, reg, metric, matrix_free, max_iter, tol)
    return float(ab.extra["dual"] - 0.5 * (aa + bb))


def _self_transport(X, a, reg, metric, matrix_free, max_iter, tol):
    """Entropic cost of ``a`` to itself by the symmetric iteration.

    ``f <- (f + T f) / 2`` with ``T`` the c-transform against ``(a, f)``
    (Feydy et al., 2019). For costs with a positive definite Gibbs kernel
    (squared Euclidean, Euclidean) the linearized iteration contracts by a
    factor 1/2 or better, so a few dozen steps reach ``tol``. Returns the
    dual objective ``2 <a, f> - reg (sum P - (sum a)^2)``.
    """
    la = log_weights(a)
    n = len(a)
    mass = float(a.sum())
    if matrix_free:
        pts = prepare_points(X, X)[0]
        power = POWERS[metric]

        def transform(f, out):
            c_transform_points(pts, pts, la, f, reg, power, guess=out)
    else:
        M = read_only_cost(cost_matrix(X, metric=metric))
        dummy = np.empty((1, 1), dtype=M.dtype)
        par = use_parallel(n * n)

        def transform(f, out):
            row_lse(M, la, f, reg, out, dummy, False, n_chunks(n), par)

    f = np.zeros(n)
    Tf = np.zeros(n)
    err = math.inf
    for _ in range(max_iter):
        transform(f, Tf)
        with np.errstate(over="ignore"):
            ratio = np.exp(np.minimum((f - Tf) / reg, 700.0))
        err = float(np.abs(ratio - 1.0) @ a) / mass
        if err <= tol:
            break
        f = 0.5 * (f + Tf)
    else:
        warnings.warn(
            f"the symmetric Sinkhorn iteration did not converge in "
            f"max_iter={max_iter} iterations (violation {err:.3g} > "
            f"tol={tol:g}); increase max_iter or reg.",
            ConvergenceWarning,
            stacklevel=3,
        )
    plan_mass = float(a @ ratio) * mass
    return 2.0 * float(a @ f) - reg * (plan_mass - mass * mass)
