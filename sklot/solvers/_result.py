"""The result object shared by every solver."""

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple

import numpy as np

__all__ = ["OTResult"]


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
        What it measures depends on the solver (each documents it): the
        largest absolute violation of the marginal constraints by ``plan``
        (or by the plan implied by the potentials) for ``emd``,
        ``sinkhorn`` and ``class_regularized_ot``; the stopping measure for
        ``sinkhorn_unbalanced`` (whose marginals are not meant to match) and
        the entropic ``barycenter_fixed_support`` (an L1 discrepancy);
        ``0.0`` where nothing is measured (``barycenter_1d``, the Gaussian
        barycenters, the exact fixed- and free-support barycenters) and
        ``nan`` for the entropic ``barycenter_free_support``.
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
