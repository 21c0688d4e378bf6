"""The batched entropic engine: many small problems on one ground cost.

Histograms given as CSR rows (``_as_csr``) against target histograms on the
same support, with a shared Gibbs kernel (``_gibbs``) when it does not
underflow. :func:`_entropic_costs` serves the Wasserstein k-means assignment
step; the iterative Bregman projections of the fixed-support barycenter use
the same kernel and schedule.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..._kernels._sinkhorn_batch import sinkhorn_batch
from ._core import _gibbs, _schedule


def _as_csr(H):
    S = sp.csr_matrix(np.asarray(H, dtype=np.float64))
    S.eliminate_zeros()
    S.sort_indices()
    return (
        S.indptr.astype(np.intp),
        S.indices.astype(np.intp),
        np.ascontiguousarray(S.data, dtype=np.float64),
    )


def _entropic_costs(H, B, C, reg, *, logv=None, max_iter=1000, tol=1e-9):
    """Entropic transport costs <P, C> from each row of H to each row of B.

    ``logv`` (N, K, m) warm-starts the target-side scalings and is updated in
    place; from a cold start (None or zeros) small ``reg`` are reached by
    epsilon scaling, as in :func:`_ibp`. Returns ``(cost, n_iter, error)``.
    """
    C = np.ascontiguousarray(C, dtype=np.float64)
    B = np.ascontiguousarray(B, dtype=np.float64)
    csr = _as_csr(H)
    N, K, m = H.shape[0], B.shape[0], C.shape[1]
    if logv is None:
        logv = np.zeros((N, K, m))
    schedule = _schedule(C, reg) if not np.any(logv) else [reg]
    total = np.zeros((N, K), dtype=np.intp)
    previous = schedule[0]
    for stage in schedule:
        if stage != previous:
            logv *= previous / stage
        final = stage == reg
        cost, n_iter, error = _sinkhorn_stage(
            csr, B, C, stage, logv, max_iter, tol if final else max(tol, 1e-5)
        )
        total += n_iter
        previous = stage
    return cost, total, error


def _sinkhorn_stage(csr, B, C, reg, logv, max_iter, tol):
    N, K = csr[0].shape[0] - 1, B.shape[0]
    cost = np.empty((N, K))
    n_iter = np.empty((N, K), dtype=np.intp)
    error = np.empty((N, K))
    G, shift = _gibbs(C, reg)
    sinkhorn_batch(
        C, G, shift, *csr, B, reg, int(max_iter), float(tol), logv, cost,
        n_iter, error,
    )
    return cost, n_iter, error
