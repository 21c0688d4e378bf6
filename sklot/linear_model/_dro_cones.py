"""The dual-norm cone ``||w||_q <= lam`` for the interior-point solver.

Three shapes, one per feature transport norm ``p``: the second-order cone
(``p = 2``), and two polyhedral cones given by linear inequalities
(``p = 1``: ``max_j |w_j| <= lam``; ``p = inf``: ``sum_j |w_j| <= lam``).
Each keeps its own dual variables ``lc`` and supplies its block of the
primal-dual Newton system. ``target`` is the complementarity aimed at (the
barrier parameter, plus Mehrotra's second-order term in the corrector).
"""

import math

import numpy as np

__all__ = ["make_cone", "linear_max_step"]


def linear_max_step(f, df):
    """Largest step keeping ``f + s df < 0`` (``f < 0``)."""
    pos = df > 0
    if not np.any(pos):
        return np.inf
    return float(np.min(-f[pos] / df[pos]))


def _positive_max_step(v, dv):
    neg = dv < 0
    if not np.any(neg):
        return np.inf
    return float(np.min(-v[neg] / dv[neg]))


def make_cone(p, d, iw, il, iu=None):
    """Build the cone for feature norm ``p`` (``iu``: the l1 auxiliaries)."""
    if p == 2:
        return _SecondOrderCone(d, iw, il)
    if p == 1:
        return _MaxCone(d, iw, il)
    return _SumCone(d, iw, il, iu)


class _SecondOrderCone:
    """``x = (lam, w)`` with ``||w||_2 <= lam``, dual ``z`` in the same cone.

    Nesterov-Todd scaling ``W`` (``W x = W^-1 z``): the Newton block is
    ``H = W^2``, the step aims at ``(W x) o (W^-1 z) = target * e`` in the
    cone's Jordan algebra, whose barrier parameter is 2.
    """

    nu = 2.0

    def __init__(self, d, iw, il):
        self.idx = np.append(il, np.arange(iw.start, iw.stop))
        self.n = d + 1
        self.J = np.ones(self.n)
        self.J[1:] = -1.0

    @staticmethod
    def _det(x):
        return x[0] * x[0] - x[1:] @ x[1:]

    def x(self, th):
        return th[self.idx]

    def feasible(self, th):
        x = self.x(th)
        return bool(x[0] > 0.0 and self._det(x) > 0.0)

    def init_dual(self, th, scale):
        z = np.zeros(self.n)
        z[0] = scale
        return z

    def gap(self, th, lc):
        return float(self.x(th) @ lc)

    def dual_grad(self, th, lc, out):
        out[self.idx] -= lc

    def barrier(self, th):
        return -math.log(self._det(self.x(th)))

    def barrier_slope(self, th, dth):
        x = self.x(th)
        dx = dth[self.idx]
        return -2.0 * (x[0] * dx[0] - x[1:] @ dx[1:]) / self._det(x)

    def scaling(self, th, lc):
        x = self.x(th)
        xn = math.sqrt(self._det(x))
        zn = math.sqrt(self._det(lc))
        xb, zb = x / xn, lc / zn
        gamma = math.sqrt(0.5 * (1.0 + xb @ zb))
        wb = (zb + self.J * xb) / (2.0 * gamma)
        beta = math.sqrt(zn / xn)
        # W = beta * B with B the hyperbolic rotation taking e to wb
        B = np.outer(wb[1:], wb[1:]) / (1.0 + wb[0])
        B[np.diag_indices(self.n - 1)] += 1.0
        B = np.block([[wb[:1, None], wb[None, 1:]], [wb[1:, None], B]])
        W = beta * B
        W_inv = (self.J[:, None] * B * self.J[None, :]) / beta
        H = W @ W
        lam = W @ x
        return W, W_inv, H, lam

    def centrality(self, th, lc, target, scaling):
        W, W_inv, _, _ = scaling
        a = W @ self.x(th)
        b = W_inv @ lc
        return np.concatenate([[a @ b - target], a[0] * b[1:] + b[0] * a[1:]])

    def add_matrix(self, th, lc, scaling, M):
        M[np.ix_(self.idx, self.idx)] += scaling[2]

    def _g(self, target, scaling, corr):
        # g = W Arw(lam)^-1 (target e - corr), the constant of dz = -H dx - z + g
        W, _, _, lam = scaling
        v = -corr if corr is not None else np.zeros(self.n)
        v[0] += target
        det = self._det(lam)
        u0 = (lam[0] * v[0] - lam[1:] @ v[1:]) / det
        u = np.concatenate([[u0], (v[1:] - lam[1:] * u0) / lam[0]])
        return W @ u

    def add_rhs(self, th, lc, target, scaling, rhs, corr=None):
        rhs[self.idx] += self._g(target, scaling, corr)

    def dual_direction(self, th, lc, dth, target, scaling, corr=None):
        H = scaling[2]
        return -H @ dth[self.idx] - lc + self._g(target, scaling, corr)

    def second_order(self, th, lc, dth, dlc, scaling):
        """Mehrotra's term ``(W dx) o (W^-1 dz)`` of an affine direction."""
        W, W_inv, _, _ = scaling
        a = W @ dth[self.idx]
        b = W_inv @ dlc
        return np.concatenate([[a @ b], a[0] * b[1:] + b[0] * a[1:]])

    def max_step(self, th, lc, dth, dlc):
        return min(_soc_max_step(self.x(th), dth[self.idx]), _soc_max_step(lc, dlc))


def _soc_max_step(x, dx):
    """Largest ``s`` with ``x + s dx`` in the second-order cone (``x`` inside)."""
    a = dx[0] * dx[0] - dx[1:] @ dx[1:]
    b = 2.0 * (x[0] * dx[0] - x[1:] @ dx[1:])
    c = x[0] * x[0] - x[1:] @ x[1:]
    # det(x + s dx) = a s^2 + b s + c, positive at s = 0
    step = np.inf
    if a != 0.0:
        disc = b * b - 4.0 * a * c
        if disc >= 0.0:
            sq = math.sqrt(disc)
            roots = [r for r in ((-b - sq) / (2 * a), (-b + sq) / (2 * a)) if r > 0]
            if roots:
                step = min(roots)
    elif b < 0.0:
        step = -c / b
    if dx[0] < 0.0:
        step = min(step, -x[0] / dx[0])
    return step


class _LinearCone:
    """A cone written as linear inequalities ``f(theta) <= 0``, duals ``lc``."""

    def feasible(self, th):
        return bool(np.all(self.values(th) < 0.0))


    def gap(self, th, lc):
        return float(lc @ -self.values(th))

    def scaling(self, th, lc):
        return None

    def barrier(self, th):
        return -float(np.log(-self.values(th)).sum())

    def barrier_slope(self, th, dth):
        return float((self.lin(dth) / -self.values(th)).sum())

    def centrality(self, th, lc, target, scaling):
        return -lc * self.values(th) - target

    def add_rhs(self, th, lc, target, scaling, rhs, corr=None):
        f = self.values(th)
        tg = target if corr is None else target - corr
        self.add_barrier_gradient(th, -tg / -f, rhs)

    def dual_direction(self, th, lc, dth, target, scaling, corr=None):
        f = self.values(th)
        tg = target if corr is None else target - corr
        return lc / -f * self.lin(dth) - (lc - tg / -f)

    def second_order(self, th, lc, dth, dlc, scaling):
        # complementarity is lc * (-f): its second-order term is dlc * (-df)
        return -dlc * self.lin(dth)

    def max_step(self, th, lc, dth, dlc):
        step = linear_max_step(self.values(th), self.lin(dth))
        return min(step, _positive_max_step(lc, dlc))


class _MaxCone(_LinearCone):
    """``max_j |w_j| <= lam`` (cost ``p = 1``): ``+-w_j - lam <= 0``."""

    def __init__(self, d, iw, il):
        self.iw, self.il, self.n = iw, il, 2 * d
        self.nu = float(self.n)
        self._iw = np.arange(iw.start, iw.stop)

    def init_dual(self, th, scale):
        # stationary in lam when the rest of the Lagrangian pulls with `scale`
        return np.full(self.n, scale / self.n)

    def values(self, th):
        w, lam = th[self.iw], th[self.il]
        return np.concatenate([w - lam, -w - lam])

    def lin(self, dth):
        dw, dl = dth[self.iw], dth[self.il]
        return np.concatenate([dw - dl, -dw - dl])

    def dual_grad(self, th, lc, out):
        d = lc.size // 2
        lp, lm = lc[:d], lc[d:]
        out[self.iw] += lp - lm
        out[self.il] -= lp.sum() + lm.sum()

    add_barrier_gradient = dual_grad

    def add_matrix(self, th, lc, scaling, M):
        f = self.values(th)
        D = lc / -f
        d = D.size // 2
        Dp, Dm = D[:d], D[d:]
        iw, il = self._iw, self.il
        M[iw, iw] += Dp + Dm
        M[iw, il] += Dm - Dp
        M[il, iw] += Dm - Dp
        M[il, il] += Dp.sum() + Dm.sum()


class _SumCone(_LinearCone):
    """``sum_j |w_j| <= lam`` (cost ``p = inf``) with ``|w_j| <= u_j``."""

    def __init__(self, d, iw, il, iu):
        self.iw, self.il, self.iu, self.n = iw, il, iu, 2 * d + 1
        self.nu = float(self.n)
        self._iw = np.arange(iw.start, iw.stop)
        self._iu = np.arange(iu.start, iu.stop)

    def init_dual(self, th, scale):
        # stationary in lam and u when the rest pulls lam with `scale`
        d = (self.n - 1) // 2
        return np.concatenate([np.full(2 * d, 0.5 * scale), [scale]])

    def values(self, th):
        w, lam, u = th[self.iw], th[self.il], th[self.iu]
        return np.concatenate([w - u, -w - u, [u.sum() - lam]])

    def lin(self, dth):
        dw, dl, du = dth[self.iw], dth[self.il], dth[self.iu]
        return np.concatenate([dw - du, -dw - du, [du.sum() - dl]])

    def dual_grad(self, th, lc, out):
        d = (lc.size - 1) // 2
        lp, lm, ls = lc[:d], lc[d : 2 * d], lc[-1]
        out[self.iw] += lp - lm
        out[self.iu] += ls - lp - lm
        out[self.il] -= ls

    add_barrier_gradient = dual_grad

    def add_matrix(self, th, lc, scaling, M):
        f = self.values(th)
        D = lc / -f
        d = (D.size - 1) // 2
        Dp, Dm, Ds = D[:d], D[d : 2 * d], D[-1]
        iw, iu, il = self._iw, self._iu, self.il
        M[iw, iw] += Dp + Dm
        M[iw, iu] += Dm - Dp
        M[iu, iw] += Dm - Dp
        M[iu, iu] += Dp + Dm
        M[self.iu, self.iu] += Ds
        M[iu, il] -= Ds
        M[il, iu] -= Ds
        M[il, il] += Ds
