"""Interior-point solver for Wasserstein distributionally robust linear classifiers.

For labels ``y_i`` in {-1, +1}, probability weights ``s_i``, a margin
``m_i = y_i (w . x_i + b)`` and a 1-Lipschitz margin loss ``L`` (logistic or
hinge), the worst-case expected loss over the type-1 Wasserstein ball of
radius ``r`` around the weighted empirical distribution, with transport cost
``||x - x'||_p + kappa 1[y != y']``, equals (Shafieezadeh-Abadeh, Kuhn and
Mohajerin Esfahani, 2019)::

    min_{lam >= ||w||_q}  r lam + sum_i s_i max(L(m_i), L(-m_i) - kappa lam)

with ``q`` the dual exponent of ``p``. The classifier minimises it jointly in
``(w, b, lam)``. Slack variables ``t_i`` turn every ``max`` into linear
inequalities ("pieces" ``a + alpha m_i + beta lam - t_i <= 0``), which leaves
a smooth objective (the logistic part, if any) under linear constraints and
one dual-norm cone. A primal-dual interior-point method solves it: the slacks
are eliminated sample by sample, so one Newton step costs one weighted Gram
matrix ``X^T diag(.) X`` (BLAS) and a dense solve of size about ``d``.
"""

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import linalg
from scipy.special import expit, log_expit
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from ._dro_cones import linear_max_step, make_cone

__all__ = ["DROFit", "fit_binary_dro", "robust_objective", "optimal_multiplier"]


@dataclass(frozen=True)
class DROFit:
    """Result of one binary fit."""

    coef: np.ndarray
    intercept: float
    multiplier: float
    value: float
    n_iter: int
    converged: bool
    gap: float


def dual_norm(w, p):
    """Dual norm ``||w||_q`` of the feature transport norm ``||.||_p``."""
    if p == 2:
        return float(np.sqrt(w @ w))
    if p == 1:
        return float(np.max(np.abs(w), initial=0.0))
    return float(np.sum(np.abs(w)))


def _loss(m, loss):
    if loss == "logistic":
        return -log_expit(m)
    return np.maximum(0.0, 1.0 - m)


def optimal_multiplier(m, s, w, radius, kappa, loss, p):
    """Exact minimiser ``lam`` and value of the reformulation for fixed (w, b).

    The objective in ``lam`` is ``r lam + sum_i s_i max(A_i, B_i - kappa lam)``
    with ``A_i = L(m_i)``, ``B_i = L(-m_i)``: convex and piecewise linear with
    kinks at ``tau_i = (B_i - A_i) / kappa`` and slope
    ``r - kappa * (weight of the samples with tau_i > lam)``. Its smallest
    minimiser above ``||w||_q`` is a weighted quantile of ``tau``.
    """
    norm = dual_norm(w, p)
    A = _loss(m, loss)
    if math.isinf(kappa):
        return norm, radius * norm + float(s @ A)
    B = _loss(-m, loss)
    if kappa == 0.0:
        return norm, radius * norm + float(s @ np.maximum(A, B))
    tau = (B - A) / kappa
    order = np.argsort(-tau, kind="stable")
    mass = np.cumsum(s[order])
    # smallest k with kappa * (mass of the k largest tau) > r: lam = tau of it
    k = int(np.searchsorted(kappa * mass, radius, side="right"))
    lam = norm if k >= tau.size else max(norm, float(tau[order[k]]))
    value = radius * lam + float(s @ np.maximum(A, B - kappa * lam))
    return lam, value


def robust_objective(X, y, s, coef, intercept, *, radius, kappa, loss, p):
    """Worst-case expected loss of the linear classifier ``(coef, intercept)``.

    Minimises the reformulation exactly over ``lam``; the value is the
    supremum of the expected loss over the Wasserstein ball.
    """
    m = y * (X @ coef + intercept)
    return optimal_multiplier(m, s, coef, radius, kappa, loss, p)


def _pieces(loss, kappa, with_lam):
    """Linear pieces ``(a, alpha, beta)``: ``a + alpha m + beta lam <= t``."""
    flip = with_lam and not math.isinf(kappa)
    if loss == "logistic":
        # max(L(m), L(-m) - kappa lam) = L(m) + max(0, m - kappa lam)
        return [(0.0, 0.0, 0.0), (0.0, 1.0, -kappa)] if flip else []
    pieces = [(0.0, 0.0, 0.0), (1.0, -1.0, 0.0)]
    if flip:
        pieces.append((1.0, 1.0, -kappa))
    return pieces


@dataclass
class _State:
    th: np.ndarray  # (w, [b], [lam], [u])
    m: np.ndarray  # margins y (X w + b)
    t: np.ndarray  # slacks, one per sample
    f: np.ndarray  # piece values (K, n), all < 0
    lp: np.ndarray  # piece duals (K, n), all > 0
    lc: np.ndarray  # cone duals


@dataclass
class _Direction:
    th: np.ndarray
    m: np.ndarray
    t: np.ndarray
    f: np.ndarray
    lp: np.ndarray
    lc: np.ndarray


class _InteriorPoint:
    """Primal-dual interior-point method with Mehrotra's predictor-corrector.

    Variables ``theta = (w, [b], [lam], [u])`` and slacks ``t`` (one per
    sample); constraints: the sample pieces and the cone. The Newton system
    is reduced to ``theta`` by eliminating each ``t_i`` in closed form; the
    predictor and the corrector share one Cholesky factorisation.
    """

    def __init__(self, X, y, s, *, radius, kappa, loss, p, fit_intercept):
        self.X, self.y, self.s = X, y, s
        n, d = X.shape
        self.n, self.d = n, d
        self.radius = radius
        self.with_lam = radius > 0.0
        self.smooth = loss == "logistic"
        k = d
        self.iw = slice(0, d)
        self.ib = None
        if fit_intercept:
            self.ib = k
            k += 1
        self.il = None
        self.cone = None
        if self.with_lam:
            self.il = k
            k += 1
            iu = None
            if p == np.inf:
                iu = slice(k, k + d)
                k += d
            self.cone = make_cone(p, d, self.iw, self.il, iu)
        self.n_theta = k
        pieces = _pieces(loss, kappa, self.with_lam)
        self.K = len(pieces)
        self.a = np.array([q[0] for q in pieces])
        self.alpha = np.array([q[1] for q in pieces])
        self.beta = np.array([q[2] for q in pieces])
        self.nu = self.K * n + (self.cone.nu if self.cone is not None else 0.0)

    # -- evaluation -----------------------------------------------------------

    def margins(self, th):
        z = self.X @ th[self.iw]
        if self.ib is not None:
            z += th[self.ib]
        return self.y * z

    def lam(self, th):
        return th[self.il] if self.il is not None else 0.0

    def piece_values(self, m, lam, t):
        # f[k, i] = a_k + alpha_k m_i + beta_k lam - t_i
        return (
            self.a[:, None]
            + self.alpha[:, None] * m[None, :]
            + (self.beta * lam)[:, None]
            - t[None, :]
        )

    def objective(self, st):
        val = self.radius * self.lam(st.th) if self.with_lam else 0.0
        if self.smooth:
            val += float(self.s @ -log_expit(st.m))
        if self.K:
            val += float(self.s @ st.t)
        return val

    def gap(self, st):
        g = float(-(st.lp * st.f).sum()) if self.K else 0.0
        if self.cone is not None:
            g += self.cone.gap(st.th, st.lc)
        return g

    def dual_residual(self, st):
        """Gradient of the Lagrangian in theta, and in t."""
        cz = np.zeros(self.n)
        if self.smooth:
            cz -= self.s * expit(-st.m)
        if self.K:
            cz += self.alpha @ st.lp
        rt = np.zeros(self.n_theta)
        yc = self.y * cz
        rt[self.iw] = self.X.T @ yc
        if self.ib is not None:
            rt[self.ib] = yc.sum()
        if self.with_lam:
            rt[self.il] = self.radius
            if self.K:
                rt[self.il] += (self.beta @ st.lp).sum()
            self.cone.dual_grad(st.th, st.lc, rt)
        rs = self.s - st.lp.sum(axis=0) if self.K else np.zeros(0)
        return rt, rs

    def merit(self, st, target, scaling):
        rt, rs = self.dual_residual(st)
        total = rt @ rt + rs @ rs
        if self.K:
            rc = -st.lp * st.f - target
            total += float((rc * rc).sum())
        if self.cone is not None:
            rc = self.cone.centrality(st.th, st.lc, target, scaling)
            total += rc @ rc
        return math.sqrt(total)

    # -- Newton system -------------------------------------------------------

    def factorize(self, st, scaling):
        """Reduced Newton matrix and the per-sample quantities it came from."""
        X, s = self.X, self.s
        sys = {}
        Szz = np.zeros(self.n)
        if self.smooth:
            Szz += s * expit(st.m) * expit(-st.m)
        if self.K:
            inv_f = 1.0 / -st.f
            D = st.lp * inv_f
            Ctt = D.sum(axis=0)
            Szl = np.zeros(self.n)
            Sll = np.zeros(self.n)
            # Schur complements written as sums over pairs of pieces, which
            # keeps them accurate when two pieces are active at once
            for k in range(self.K):
                for j in range(k + 1, self.K):
                    pair = D[k] * D[j] / Ctt
                    da = self.alpha[k] - self.alpha[j]
                    db = self.beta[k] - self.beta[j]
                    if da:
                        Szz += pair * (da * da)
                    if da and db:
                        Szl += pair * (da * db)
                    if db:
                        Sll += pair * (db * db)
            sys.update(
                inv_f=inv_f, D=D, Ctt=Ctt,
                Czt=-(self.alpha @ D), Clt=-(self.beta @ D),
            )
        M = np.zeros((self.n_theta, self.n_theta))
        iw = self.iw
        M[iw, iw] = _weighted_gram(X, Szz)
        if self.ib is not None:
            xs = X.T @ Szz
            M[iw, self.ib] = M[self.ib, iw] = xs
            M[self.ib, self.ib] = Szz.sum()
        if self.with_lam:
            il = self.il
            if self.K:
                ys = self.y * Szl
                M[iw, il] = M[il, iw] = X.T @ ys
                if self.ib is not None:
                    M[self.ib, il] = M[il, self.ib] = ys.sum()
                M[il, il] = Sll.sum()
            self.cone.add_matrix(st.th, st.lc, scaling, M)
        sys["factor"] = _cholesky(M)
        return sys

    def solve(self, st, sys, target, scaling, corr_p=None, corr_c=None):
        """Newton direction aiming at complementarity ``target``.

        ``corr_p`` / ``corr_c``: Mehrotra's second-order terms (pieces, cone).
        """
        X, y, s = self.X, self.y, self.s
        rhs = np.zeros(self.n_theta)
        Rz = np.zeros(self.n)
        if self.smooth:
            Rz += s * expit(-st.m)
        if self.K:
            inv_f = sys["inv_f"]
            tg = target if corr_p is None else target - corr_p
            tf = tg * inv_f
            et = s - tf.sum(axis=0)
            Ctt, Czt, Clt = sys["Ctt"], sys["Czt"], sys["Clt"]
            Rz += -(self.alpha @ tf) + Czt * et / Ctt
            Rl = -(self.beta @ tf) + Clt * et / Ctt
        yr = y * Rz
        rhs[self.iw] = X.T @ yr
        if self.ib is not None:
            rhs[self.ib] = yr.sum()
        if self.with_lam:
            rhs[self.il] = -self.radius + (Rl.sum() if self.K else 0.0)
            self.cone.add_rhs(st.th, st.lc, target, scaling, rhs, corr_c)
        dth = _cho_solve(sys["factor"], rhs)
        dz = X @ dth[self.iw]
        if self.ib is not None:
            dz += dth[self.ib]
        dm = y * dz
        if self.K:
            dlam = dth[self.il] if self.with_lam else 0.0
            dt = (-et - Czt * dm - Clt * dlam) / Ctt
            df = (
                self.alpha[:, None] * dm[None, :]
                + (self.beta * dlam)[:, None]
                - dt[None, :]
            )
            dlp = sys["D"] * df - (st.lp - tf)
        else:
            dt = np.zeros(0)
            df = dlp = np.zeros((0, self.n))
        if self.cone is not None:
            dlc = self.cone.dual_direction(st.th, st.lc, dth, target, scaling, corr_c)
        else:
            dlc = np.zeros(0)
        return _Direction(dth, dm, dt, df, dlp, dlc)

    def max_step(self, st, dr):
        step = np.inf
        if self.K:
            step = min(
                linear_max_step(st.f.ravel(), dr.f.ravel()),
                _positive_max_step(st.lp.ravel(), dr.lp.ravel()),
            )
        if self.cone is not None:
            step = min(step, self.cone.max_step(st.th, st.lc, dr.th, dr.lc))
        return step

    def move(self, st, dr, step):
        return _State(
            st.th + step * dr.th,
            st.m + step * dr.m,
            st.t + step * dr.t,
            st.f + step * dr.f,
            st.lp + step * dr.lp,
            st.lc + step * dr.lc,
        )

    # -- main loop ----------------------------------------------------------

    def initial_state(self):
        th = np.zeros(self.n_theta)
        if self.with_lam:
            th[self.il] = 1.0
            if self.cone is not None and hasattr(self.cone, "iu"):
                th[self.cone.iu] = 0.5 / self.d
        m = np.zeros(self.n)
        if self.K:
            base = self.piece_values(m, self.lam(th), np.zeros(self.n))
            t = base.max(axis=0) + 1.0
            f = self.piece_values(m, self.lam(th), t)
            inv_f = 1.0 / -f
            lp = self.s * inv_f / inv_f.sum(axis=0)
        else:
            t = np.zeros(0)
            f = lp = np.zeros((0, self.n))
        lc = np.zeros(0)
        if self.cone is not None:
            # balance the multiplier: r = kappa * (flip duals) + (cone's pull)
            pull = self.radius + (self.beta @ lp).sum() if self.K else self.radius
            if pull < 0.5 * self.radius:
                flip = self.beta != 0.0
                lp[flip] *= 0.5 * self.radius / (self.radius - pull)
                pull = 0.5 * self.radius
            lc = self.cone.init_dual(th, pull)
        return _State(th, m, t, f, lp, lc)

    def run(self, *, max_iter, tol, verbose=0):
        start = time.perf_counter()
        st = self.initial_state()
        scale = None
        converged = False
        gap = np.inf
        n_iter = 0
        for n_iter in range(1, max_iter + 1):
            gap = self.gap(st)
            rt, rs = self.dual_residual(st)
            dual_inf = max(np.abs(rt).max(initial=0.0), np.abs(rs).sum())
            if scale is None:
                scale = max(1.0, dual_inf)
            value = self.objective(st)
            if verbose:
                print(
                    f"  iteration {n_iter:3d}  objective {value:.10g}  "
                    f"gap {gap:.3g}  dual residual {dual_inf:.3g}  "
                    f"{time.perf_counter() - start:.2f} s"
                )
            if gap <= tol * max(1.0, abs(value)) and dual_inf <= tol * scale:
                converged = True
                break
            scaling = self.cone.scaling(st.th, st.lc) if self.cone is not None else None
            sys = self.factorize(st, scaling)
            mu = gap / self.nu if self.nu else 0.0
            corr_p = corr_c = None
            target = 0.0
            if self.nu:
                # predictor: pure Newton (affine) step, then Mehrotra's centring
                aff = self.solve(st, sys, 0.0, scaling)
                a_aff = min(1.0, self.max_step(st, aff))
                gap_aff = self.gap(self.move(st, aff, a_aff))
                sigma = min(1.0, max(gap_aff / gap, 0.0) ** 3)
                target = sigma * mu
                # keep the barrier from collapsing before dual feasibility
                # (the reduced system loses accuracy once the gap is tiny):
                # the gap stays above what the dual residual costs in value
                floor = 0.1 * dual_inf * max(1.0, np.abs(st.th).max()) / self.nu
                target = max(target, min(0.5 * mu, floor))
                if self.K:
                    corr_p = -aff.lp * aff.f  # dlp * (-df)
                if self.cone is not None:
                    corr_c = self.cone.second_order(
                        st.th, st.lc, aff.th, aff.lc, scaling
                    )
            dr = self.solve(st, sys, target, scaling, corr_p, corr_c)
            step = min(1.0, 0.99 * self.max_step(st, dr))
            new = self._line_search(
                st, dr, step, target, scaling,
                lambda: self.solve(st, sys, target, scaling),
            )
            if new is None:
                break
            st, step = new
            if verbose > 1:
                print(f"    sigma {target / mu if mu else 0:.3g}  step {step:.3g}")
        return st, n_iter, converged, float(gap)

    def _line_search(self, st, dr, step, target, scaling, fallback):
        """Backtrack from ``step`` to a strictly feasible, acceptable point.

        Without a smooth loss the problem is linear up to the cone, and the
        fraction-to-boundary step is taken as is. With the logistic loss the
        step must decrease the barrier potential ``F + target * barrier``
        (Armijo), for which the uncorrected Newton direction is a descent
        direction; Mehrotra's corrected direction is tried first, and
        ``fallback()`` gives the uncorrected one when it does not descend.
        """
        if not self.smooth:
            while step > 1e-12:
                trial = self.move(st, dr, step)
                if self._feasible(trial):
                    return trial, step
                step *= 0.5
            return None
        phi0 = self.potential(st, target)
        for attempt in range(2):
            slope = self.potential_slope(st, dr, target)
            if slope < 0.0:
                s = step
                while s > 1e-12:
                    trial = self.move(st, dr, s)
                    if self._feasible(trial) and (
                        self.potential(trial, target) <= phi0 + 1e-4 * s * slope
                    ):
                        return trial, s
                    s *= 0.5
                    if attempt == 0 and s < 0.1 * step:
                        break
            if attempt == 0:
                dr = fallback()
                step = min(1.0, 0.99 * self.max_step(st, dr))
        return None

    def potential(self, st, target):
        val = self.objective(st)
        if target > 0.0:
            if self.K:
                val -= target * float(np.log(-st.f).sum())
            if self.cone is not None:
                val += target * self.cone.barrier(st.th)
        return val

    def potential_slope(self, st, dr, target):
        slope = self.radius * dr.th[self.il] if self.with_lam else 0.0
        if self.smooth:
            slope -= float(self.s @ (expit(-st.m) * dr.m))
        if self.K:
            slope += float(self.s @ dr.t)
            slope += target * float((dr.f / -st.f).sum())
        if self.cone is not None and target > 0.0:
            slope += target * self.cone.barrier_slope(st.th, dr.th)
        return slope

    def _feasible(self, st):
        if self.K and not np.all(st.f < 0.0):
            return False
        if self.K and not np.all(st.lp > 0.0):
            return False
        return self.cone is None or self.cone.feasible(st.th)


def _weighted_gram(X, weights, chunk=4096):
    """``X^T diag(weights) X`` by row blocks that stay in cache."""
    n, d = X.shape
    G = np.zeros((d, d))
    root = np.sqrt(weights)
    buf = np.empty((min(chunk, n), d))
    for start in range(0, n, chunk):
        block = X[start : start + chunk]
        scaled = buf[: block.shape[0]]
        np.multiply(block, root[start : start + chunk, None], out=scaled)
        G += scaled.T @ scaled
    return G


def _positive_max_step(v, dv):
    neg = dv < 0
    if not np.any(neg):
        return np.inf
    return float(np.min(-v[neg] / dv[neg]))


def _cholesky(M):
    try:
        return ("cho", linalg.cho_factor(M, check_finite=False))
    except linalg.LinAlgError:
        jitter = 1e-12 * max(1.0, float(np.abs(np.diag(M)).max()))
        return ("lstsq", M + jitter * np.eye(M.shape[0]))


def _cho_solve(factor, rhs):
    kind, data = factor
    if kind == "cho":
        return linalg.cho_solve(data, rhs, check_finite=False)
    return linalg.lstsq(data, rhs, check_finite=False)[0]


def fit_binary_dro(
    X,
    y,
    s,
    *,
    radius,
    kappa,
    loss,
    p,
    fit_intercept=True,
    max_iter=100,
    tol=1e-6,
    verbose=0,
):
    """Solve one binary Wasserstein-robust classification problem.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), values in {-1, +1}
    s : ndarray of shape (n_samples,), positive, sums to one
    radius, kappa : float
        Ball radius and label-flip cost (``inf``: labels never move).
    loss : {"logistic", "hinge"}
    p : {1, 2, inf}
        Norm of the feature transport cost.

    Returns
    -------
    DROFit
        ``value`` is the exact worst-case expected loss of the returned
        classifier (``lam`` re-optimised in closed form).
    """
    ipm = _InteriorPoint(
        X, y, s, radius=radius, kappa=kappa, loss=loss, p=p,
        fit_intercept=fit_intercept,
    )
    # single-threaded BLAS: the tall-and-thin products here gain little from
    # threads, and threaded OpenBLAS slows down badly on a busy machine
    with threadpool_limits(limits=1, user_api="blas"):
        st, n_iter, converged, gap = ipm.run(
            max_iter=max_iter, tol=tol, verbose=verbose
        )
    coef = st.th[ipm.iw].copy()
    intercept = float(st.th[ipm.ib]) if ipm.ib is not None else 0.0
    m = y * (X @ coef + intercept)
    lam, value = optimal_multiplier(m, s, coef, radius, kappa, loss, p)
    if not converged:
        warnings.warn(
            f"the interior-point solver stopped after {n_iter} iterations with "
            f"duality gap {gap:.3g} above tol={tol:g}; increase max_iter",
            ConvergenceWarning,
            stacklevel=3,
        )
    return DROFit(coef, intercept, lam, value, n_iter, converged, gap)
