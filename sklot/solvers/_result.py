"""The result object shared by every solver."""

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple

import numpy as np

__all__ = ["OTResult", "marginal_violation"]


def marginal_violation(row_mass, col_mass, a, b) -> float:
    """Return the ``marginal_error`` of a plan with these row and column sums.

    The largest absolute violation of either marginal,
    ``max(max_i |row_mass_i - a_i|, max_j |col_mass_j - b_j|)``, where
    ``a`` and ``b`` are the marginals the plan must have. Every solver
    computes its ``marginal_error`` with this function.
    """
    with np.errstate(invalid="ignore"):
        rows = float(np.max(np.abs(np.asarray(row_mass) - a), initial=0.0))
        cols = float(np.max(np.abs(np.asarray(col_mass) - b), initial=0.0))
    return max(rows, cols)


@dataclass(frozen=True, repr=False)
class OTResult:
    """Outcome of an optimal transport solve.

    The solvers of a transport or barycenter problem in
    :mod:`sklot.solvers` return one (distances return a float). It is
    frozen: solvers build it once and nothing downstream changes it.

    Parameters
    ----------
    plan : ndarray of shape (n, m) or None
        The transport plan (coupling). ``None`` when the solver did not form
        it, for example a matrix-free Sinkhorn run.
    potentials : tuple of ndarray or None
        The dual pair ``(f, g)``, of shapes ``(n,)`` and ``(m,)``. ``None``
        for the barycenter solvers.
    value : float
        The optimal (or final) objective value of the problem solved.
    n_iter : int
        Iterations performed.
    converged : bool
        Whether the solver met its stopping criterion before ``max_iter``.
    marginal_error : float
        The largest absolute violation of a marginal by the returned plan
        (or plans): ``max(max_i |(P 1)_i - a_i|, max_j |(P^T 1)_j - b_j|)``,
        in the units of the weights, where ``a`` and ``b`` are the marginals
        the plan must have at the solution. For ``emd``, ``sinkhorn`` and
        ``class_regularized_ot`` they are the input weights; for
        ``sinkhorn_unbalanced`` a marginal with a finite KL penalty
        ``lambda`` must equal ``a * exp(-f / lambda)`` (its optimality
        condition, ``f`` the returned potential); for the barycenter solvers
        each plan between an input and the barycenter must have that input
        and the barycenter weights as marginals. ``0.0`` where the coupling
        meets its marginals by construction (``barycenter_1d``, the Gaussian
        barycenters). It is finite, never NaN.
    value_linear : float or None, default=None
        The linear part ``<plan, M>`` when ``value`` includes a regularizer.
    extra : mapping, default={}
        Solver-specific information, documented by each solver.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import OTResult
    >>> res = OTResult(plan=np.eye(2) / 2, potentials=None, value=0.0,
    ...                n_iter=1, converged=True, marginal_error=0.0)
    >>> res.converged
    True
    """

    plan: Optional[np.ndarray]
    potentials: Optional[Tuple[np.ndarray, np.ndarray]]
    value: float
    n_iter: int
    converged: bool
    marginal_error: float
    value_linear: Optional[float] = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self):
        shape = None if self.plan is None else self.plan.shape
        return (
            f"OTResult(value={self.value!r}, converged={self.converged}, "
            f"n_iter={self.n_iter}, marginal_error={self.marginal_error:.3g}, "
            f"plan_shape={shape})"
        )
