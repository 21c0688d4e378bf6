"""Maps built from a transport plan: barycentric, entropic and joint (Perrot).

Private helpers of :class:`~sklot.adaptation.OTDomainAdapter`. Everything
here is plain NumPy on validated float64 arrays.
"""

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar

from ..solvers import cost_matrix
from ..solvers._api import pairwise_median

# Memory budget of one block of a chunked n x m evaluation.
_CHUNK_BYTES = 2**25


def row_chunks(n_rows, n_cols, budget=_CHUNK_BYTES):
    """Slices over ``n_rows`` whose (rows x n_cols) float64 block fits ``budget``."""
    step = max(1, budget // (8 * max(n_cols, 1)))
    return [slice(i, min(i + step, n_rows)) for i in range(0, n_rows, step)]


def plan_operator(plan):
    """``plan`` as CSR when under 1% of its entries are nonzero, else unchanged.

    Exact plans have at most n + m - 1 nonzeros. The entries are counted by
    blocks of rows, stopping once 1% is reached: a dense (entropic) plan is
    known as such after its first hundredth.
    """
    limit = 0.01 * plan.size
    step = int(limit // max(plan.shape[1], 1)) + 1
    nnz = 0
    for start in range(0, plan.shape[0], step):
        nnz += np.count_nonzero(plan[start:start + step])
        if nnz >= limit:
            return plan
    return sparse.csr_matrix(plan)


def barycentric_images(plan, Y, fallback):
    """Rows ``sum_j P_ij Y_j / sum_j P_ij``; rows without mass keep ``fallback``.

    ``plan`` is dense or a scipy sparse matrix (see plan_operator).
    """
    mass = np.asarray(plan.sum(axis=1)).ravel()
    images = np.asarray(plan @ Y, dtype=np.float64)
    has_mass = mass > 0
    images[has_mass] /= mass[has_mass, None]
    images[~has_mass] = fallback[~has_mass]
    return images


def entropic_map(X, Y, potential, reg, metric, scale, values=None):
    """Evaluate the entropic map ``T(x) = sum_j w_j(x) v_j``.

    The weights ``w_j(x) = softmax_j(log b_j + (g_j - c(x, y_j) / s) / reg)``
    (uniform ``b``) come from the potential ``g`` of the fitted rows ``Y``
    in a plan ``P_ij = a_i b_j exp((f_i + g_j - c_ij / s) / reg)`` of the
    cost scaled by ``s``: on the rows of the solve this is the barycentric
    projection of the plan, on new rows it extends it through the
    c-transform (Pooladian and Niles-Weed, 2021). ``v`` is ``Y`` unless
    ``values`` is given. Blocks of rows of bounded memory, costs by matrix
    products, log-sum-exp shifts, so no overflow at any ``reg``. Same
    values as :func:`sklot.solvers.barycentric_map`, which computes the
    costs on the fly in O(n + m) memory; the matrix-product blocks are
    faster when the number of features is not tiny.
    """
    V = Y if values is None else values
    out = np.empty((X.shape[0], V.shape[1]), dtype=np.float64)
    log_w = potential / reg - np.log(Y.shape[0])
    for rows in row_chunks(X.shape[0], Y.shape[0]):
        logits = cost_matrix(X[rows], Y, metric=metric)
        logits *= -1.0 / (scale * reg)
        logits += log_w[None, :]
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        out[rows] = logits @ V
    return out


def gaussian_kernel(X, Y, bandwidth):
    """``exp(-|x - y|^2 / bandwidth)``."""
    K = cost_matrix(X, Y, metric="sqeuclidean")
    K *= -1.0 / bandwidth
    return np.exp(K, out=K)


class JointMap:
    """A map regressed jointly with the plan (Perrot et al., 2016).

    Solves, by block coordinate descent,

    ``min_{T, P} |T(X_s) - n_s P X_t|^2 / (n_s s) + <P, C> + reg H(P)
    + map_reg R(T)``

    over couplings ``P`` with uniform marginals and maps ``T`` that are
    affine (``kind="linear"``, ``R`` pulls ``T`` towards the identity) or a
    displacement in a Gaussian RKHS (``kind="kernel"``, ``T(x) = x + k(x,
    X_s) Phi``). ``s`` is the cost scale and ``H`` the negative entropy
    (only when ``reg`` is set). For fixed ``T`` the plan step is a quadratic
    transport problem solved by (generalized) conditional gradient, each step
    calling the linear solver ``solve(cost) -> plan``; for fixed ``P`` the
    map step is a ridge (or kernel ridge) regression in closed form.
    """

    def __init__(self, kind, map_reg, n_outer=10, n_inner=10, tol=1e-4):
        self.kind = kind
        self.map_reg = map_reg
        self.n_outer = n_outer
        self.n_inner = n_inner
        self.tol = tol

    # -- map step ---------------------------------------------------------
    def _fit_map(self, Xs, Z):
        n, d = Xs.shape
        if self.kind == "linear":
            X1 = np.hstack([Xs, np.ones((n, 1))])
            shrink = self.map_reg * n * self._variance
            D = np.eye(d + 1)
            D[-1, -1] = 0.0
            lhs = X1.T @ X1 + shrink * D
            rhs = X1.T @ Z + shrink * D[:, :d]
            self.coef_ = np.linalg.lstsq(lhs, rhs, rcond=None)[0]
            return X1 @ self.coef_
        lhs = self._K + self.map_reg * np.eye(n)
        self.dual_coef_ = np.linalg.solve(lhs, Z - Xs)
        return Xs + self._K @ self.dual_coef_

    def predict(self, X):
        """Apply the fitted map to rows of ``X``."""
        if self.kind == "linear":
            return X @ self.coef_[:-1] + self.coef_[-1]
        out = np.empty_like(X)
        for rows in row_chunks(X.shape[0], self._Xs.shape[0]):
            out[rows] = X[rows] + gaussian_kernel(
                X[rows], self._Xs, self._bandwidth
            ) @ self.dual_coef_
        return out

    def inverse_linear(self, Y):
        """Invert the affine map (least squares when it is singular)."""
        A, b = self.coef_[:-1], self.coef_[-1]
        return np.linalg.lstsq(A.T, (Y - b).T, rcond=None)[0].T

    # -- plan step --------------------------------------------------------
    def _objective(self, TX, P, Xt, C, reg):
        n = TX.shape[0]
        fit = ((TX - n * (P @ Xt)) ** 2).sum() / (n * self._scale)
        value = fit + (P * C).sum()
        if reg is not None:
            value += reg * _neg_entropy(P)
        return value

    def _plan_step(self, TX, P, Xt, C, reg, solve):
        n = TX.shape[0]
        for _ in range(self.n_inner):
            R = TX - n * (P @ Xt)
            grad = (-2.0 / self._scale) * (R @ Xt.T)
            grad += C
            Q = solve(grad)
            dP = Q - P
            E = dP @ Xt
            a = n * (E * E).sum() / self._scale
            b = -2.0 * (R * E).sum() / self._scale + (C * dP).sum()
            if reg is None:
                step = 1.0 if a <= 0 else float(np.clip(-b / (2 * a), 0.0, 1.0))
            else:
                def line(t):
                    return a * t * t + b * t + reg * _neg_entropy(P + t * dP)

                step = minimize_scalar(
                    line, bounds=(0.0, 1.0), method="bounded",
                    options={"xatol": 1e-4},
                ).x
            if step <= 0:
                break
            P = P + step * dP
            if step * np.abs(dP).max() < 1e-12:
                break
        return P

    def fit(self, Xs, Xt, C, P, reg, solve, scale):
        """Alternate map and plan steps from the initial plan ``P``."""
        self._scale = scale
        self._variance = max(Xs.var(axis=0).mean(), np.finfo(float).tiny)
        n = Xs.shape[0]
        if self.kind == "kernel":
            self._Xs = Xs
            sq = cost_matrix(Xs, Xs, metric="sqeuclidean")
            # Median heuristic for the Gaussian bandwidth.
            median = pairwise_median(sq)
            self._bandwidth = median if median > 0 else 1.0
            np.multiply(sq, -1.0 / self._bandwidth, out=sq)
            self._K = np.exp(sq, out=sq)
        TX = self._fit_map(Xs, n * (P @ Xt))
        value = self._objective(TX, P, Xt, C, reg)
        self.history_ = [value]
        self.n_iter_ = 0
        for it in range(self.n_outer):
            P = self._plan_step(TX, P, Xt, C, reg, solve)
            TX = self._fit_map(Xs, n * (P @ Xt))
            new = self._objective(TX, P, Xt, C, reg)
            self.history_.append(new)
            self.n_iter_ = it + 1
            if abs(value - new) <= self.tol * max(abs(value), 1e-300):
                value = new
                break
            value = new
        self.objective_ = value
        self.plan_ = P
        self.images_ = TX
        if self.kind == "kernel":
            del self._K
        return self


def _neg_entropy(P):
    positive = P[P > 0]
    return float((positive * np.log(positive)).sum())
