"""Independent oracles for the test suite (never used by the library)."""

import numpy as np
from scipy.optimize import linprog


def linprog_ot_value(a, b, M):
    """Exact OT cost ``min <P, M>`` by HiGHS on the dense transport LP.

    An oracle written independently of sklot's solvers: the ``n + m``
    marginal constraints are spelled out row by row.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    M = np.asarray(M, dtype=float)
    n, m = M.shape
    A = np.zeros((n + m, n * m))
    for i in range(n):
        A[i, i * m:(i + 1) * m] = 1.0
    for j in range(m):
        A[n + j, j::m] = 1.0
    res = linprog(M.ravel(), A_eq=A, b_eq=np.r_[a, b], bounds=(0, None),
                  method="highs")
    if res.status != 0:
        raise RuntimeError(f"HiGHS did not solve the transport LP: {res.message}")
    return res.fun
