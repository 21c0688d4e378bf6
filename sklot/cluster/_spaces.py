"""The Wasserstein spaces the k-means loop works in, one per input form.

Each space turns parsed distributions into what Lloyd's iterations need:
the transport costs from every sample to a set of centroids, the barycenter
of a group of samples, a sample as a centroid, and the public form of the
centroids. The loop itself (:mod:`._wasserstein_kmeans`) is the same for
all of them.

- :class:`QuantileSpace` (rows of values, clouds on the line): every sample
  is its quantile function on a common grid of levels; W_2^2 is a weighted
  squared Euclidean distance between them and the barycenter their mean,
  both exact.
- :class:`HistogramSpace` (histograms over a shared support): entropic
  costs and iterative Bregman projections (``reg`` set), or exact network
  simplex costs and the barycenter linear program.
- :class:`CloudSpace` (point clouds in any dimension): exact or entropic
  costs per pair and free-support barycenters.
"""

import copy
import warnings

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.exceptions import ConvergenceWarning

from ..solvers import barycenter_free_support, cost_matrix, sinkhorn
from ..solvers._api import (
    _emd_valid,
    _entropic_costs,
    _exact_fixed_support,
    _ibp,
    _merge_levels,
    _quantiles_at,
    _sorted_cdf,
    _sqeuclidean,
    single_threaded,
)

__all__ = ["CloudSpace", "HistogramSpace", "QuantileSpace", "make_space"]

# Inner solves of the Lloyd loop: L1 marginal errors of 1e-4 move the costs
# far less than the gaps that decide assignments, and cost a third of the
# scaling iterations of 1e-7 on the digits (bench_defaults.py).
_INNER_TOL = 1e-4
# Barycenters to an L1 marginal error of 1e-3 (the largest over the
# members' plans): on the digits the same labels and inertia as 1e-4 for a
# third of the Bregman sweeps (bench_defaults.py).
_BARYCENTER_TOL = 1e-3
_INNER_MAX_ITER = 10_000
_FREE_SUPPORT_SWEEPS = 3
# Relative decrease of the barycenter objective that ends the sweeps; the
# next Lloyd iteration resumes from the centroid anyway.
_FREE_SUPPORT_TOL = 1e-4
# Largest number of stored warm-start potentials (samples x centroids x bins).
_WARM_START_MAX = 20_000_000
# Entropic histogram clustering first runs Lloyd at this multiple of reg
# (cheap, blurred costs; k-means++ seeding too), then refines at reg from
# those centroids and potentials: the potentials are then never stale. On
# the digits, 2 gave a lower inertia and higher ARI than 4 or 8 on three
# seeds at about the same cost (bench_defaults.py).
_ANNEAL = 2.0
_ANNEAL_TOL = 1e-3
# Warm starts only while (cost spread) / reg is at most this: at smaller reg
# a cold start with epsilon scaling is faster than stale potentials, whose
# errors shrink at a rate that vanishes with reg (and far beyond it the
# warm-started barycenters lose mass to underflow). The default reg on
# the digits sits at about 290.
_WARM_START_MAX_RATIO = 1000.0
# Points pooled from all clouds to estimate their median squared distance.
_SCALE_SAMPLE = 1000
# Entries of the temporary (rows x centroids x levels) array per block of
# the quantile-space cost computation.
_BLOCK = 4_000_000
# Largest quantile grid (samples x levels) before the exact union of the
# cumulative levels of 1D clouds is replaced by evenly spaced levels.
_QUANTILE_GRID_MAX = 20_000_000
_QUANTILE_MIN_LEVELS = 256

_ONE_D_POWERS = {"sqeuclidean": 2, "euclidean": 1, "cityblock": 1, "minkowski": 1}


def _chunks(n, n_jobs):
    """Split range(n) into one contiguous block per joblib worker."""
    parts = max(1, min(n, effective_n_jobs(n_jobs)))
    return [c for c in np.array_split(np.arange(n), parts) if c.size]


def _emd_cost(a, b, C):
    return float(_emd_valid(a, b, C).value)


def _sinkhorn_cost(a, b, C, reg):
    res = sinkhorn(a, b, C, reg)
    if res.value_linear is not None:
        return float(res.value_linear), bool(res.converged)
    return float(np.sum(res.plan * C)), bool(res.converged)


# --------------------------------------------------------------------------


class _Space:
    # Training data a fitted estimator does not need to keep.
    _training = ()
    # Divisor of the ground cost that makes ``reg`` relative (1 if unused).
    cost_scale = 1.0
    reg = None

    def stages(self):
        """Absolute regularizations of the successive Lloyd runs."""
        return [self.reg]

    def set_reg(self, reg, state):
        """Switch to ``reg``, rescaling the stored log-scalings."""
        logv = None if state is None else state.get("logv")
        if logv is not None and self.reg is not None:
            logv *= self.reg / reg
        self.reg = reg

    def for_prediction(self):
        """Return a copy without the training data, for a light fitted estimator."""
        light = copy.copy(self)
        for name in self._training:
            setattr(light, name, None)
        return light


class QuantileSpace(_Space):
    """Distributions on the line as quantile functions on a common grid."""

    _training = ("samples", "Q", "_extra")

    def __init__(self, dist, metric, extra=()):
        self.kind = dist.kind
        self.p = _ONE_D_POWERS[metric]
        self.samples = [
            _sorted_cdf(pts[:, 0].astype(np.float64), w)
            for pts, w in zip(dist.points, dist.weights)
        ]
        extra_samples = [
            _sorted_cdf(pts[:, 0].astype(np.float64), w)
            for pts, w in zip(extra.points, extra.weights)
        ] if extra else []
        self.levels = _merge_levels(
            [cum for _, cum in self.samples + extra_samples]
        )
        most = max(_QUANTILE_MIN_LEVELS, _QUANTILE_GRID_MAX // len(self.samples))
        if self.kind == "clouds" and self.levels.size > most:
            # Clouds of many different sizes: the union of their levels
            # would not fit; use evenly spaced levels instead (approximate).
            self.levels = np.arange(1, most + 1) / most
        self.dt = np.diff(self.levels, prepend=0.0)
        mid = self.levels - self.dt / 2
        self.mid = mid
        self.Q = np.vstack([_quantiles_at(v, c, mid) for v, c in self.samples])
        self.n = self.Q.shape[0]
        self._extra = extra_samples

    def new_state(self):
        return {}

    def _costs_on_grid(self, Q, centers):
        out = np.empty((Q.shape[0], centers.shape[0]))
        block = max(1, _BLOCK // max(1, centers.size))
        for lo in range(0, Q.shape[0], block):
            diff = np.abs(Q[lo:lo + block, None, :] - centers[None, :, :])
            if self.p == 2:
                diff *= diff
            out[lo:lo + block] = diff @ self.dt
        return out

    def costs(self, centers, state=None, n_jobs=None, warn=None):
        return self._costs_on_grid(self.Q, np.asarray(centers))

    def sample_costs(self, idx, state=None, n_jobs=None, warn=None):
        return self._costs_on_grid(self.Q, self.Q[idx])

    def sample_center(self, i):
        return self.Q[i].copy()

    def barycenters(self, members, centers, state=None, warn=None, n_jobs=None):
        out = []
        for group, center in zip(members, centers):
            if group is None or group.size == 0:
                out.append(center)
            elif self.p == 2:
                out.append(self.Q[group].mean(axis=0))
            else:
                out.append(np.median(self.Q[group], axis=0))
        return out

    def import_centers(self, dist):
        return [_quantiles_at(v, c, self.mid) for v, c in self._extra]

    def new_costs(self, dist, centers, n_jobs=None):
        centers = np.asarray(centers)
        if self.kind == "rows":
            Q = np.sort(np.vstack([pts[:, 0] for pts in dist.points]), axis=1)
            return self._costs_on_grid(Q.astype(np.float64), centers)
        # Exact: merge each sample's levels with the centroids' grid.
        out = np.empty((len(dist), centers.shape[0]))
        for i, (pts, w) in enumerate(zip(dist.points, dist.weights)):
            v, cum = _sorted_cdf(pts[:, 0].astype(np.float64), w)
            levels = _merge_levels([cum, self.levels])
            dt = np.diff(levels, prepend=0.0)
            mid = levels - dt / 2
            q = _quantiles_at(v, cum, mid)
            pos = np.minimum(np.searchsorted(self.levels, mid), self.levels.size - 1)
            diff = np.abs(centers[:, pos] - q)
            if self.p == 2:
                diff *= diff
            out[i] = diff @ dt
        return out

    def export(self, centers):
        centers = np.asarray(centers)
        if self.kind == "rows":
            return centers.copy()
        return [(c[:, None].copy(), self.dt.copy()) for c in centers]


# --------------------------------------------------------------------------


class HistogramSpace(_Space):
    """Histograms over one shared support, compared with a ground cost."""

    _training = ("H", "_extra")

    def __init__(self, dist, metric, reg, extra=()):
        self.H = dist.histograms()
        self.n = self.H.shape[0]
        self.support = dist.support
        self.C = np.ascontiguousarray(
            cost_matrix(dist.support, dist.support, metric=metric), dtype=np.float64
        )
        if reg is not None:
            self.cost_scale = _positive_scale(np.median(self.C))
            self.reg = reg * self.cost_scale
        self._extra = extra.histograms() if extra else None

    def new_state(self):
        return {"logv": None}

    def stages(self):
        if self.reg is None:
            return [None]
        return [_ANNEAL * self.reg, self.reg]

    def _warm(self, state, k):
        if (
            state is None
            or self.reg is None
            or self.n * k * self.H.shape[1] > _WARM_START_MAX
            or (self.C.max() - self.C.min()) / self.reg > _WARM_START_MAX_RATIO
        ):
            return None
        logv = state.get("logv")
        if logv is None or logv.shape[1] != k:
            logv = np.zeros((self.n, k, self.H.shape[1]))
            state["logv"] = logv
        return logv

    def _costs(self, H, B, logv, n_jobs, warn, state=None):
        B = np.ascontiguousarray(np.vstack(B), dtype=np.float64)
        blocks = _chunks(H.shape[0], n_jobs)
        if self.reg is None:
            C = self.C
            rows = Parallel(n_jobs=n_jobs)(
                delayed(_exact_block)(H[blk], B, C) for blk in blocks
            )
            return np.vstack(rows)
        single = len(blocks) > 1 or bool(state and state.get("single_thread"))
        results = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(_entropic_block)(
                H[blk], B, self.C, self.reg,
                None if logv is None else logv[blk], single,
            )
            for blk in blocks
        )
        out = np.empty((H.shape[0], B.shape[0]))
        for blk, (cost, lv, unconverged) in zip(blocks, results):
            out[blk] = cost
            if logv is not None:
                logv[blk] = lv
            if warn is not None:
                warn.add(unconverged)
        return out

    def costs(self, centers, state=None, n_jobs=None, warn=None):
        return self._costs(self.H, centers, self._warm(state, len(centers)),
                           n_jobs, warn, state)

    def sample_costs(self, idx, state=None, n_jobs=None, warn=None):
        return self._costs(self.H, self.H[idx], None, n_jobs, warn, state)

    def sample_center(self, i):
        return self.H[i].copy()

    def barycenters(self, members, centers, state=None, warn=None, n_jobs=None):
        out = list(centers)
        todo = [j for j, g in enumerate(members) if g is not None and g.size]
        if not todo:
            return out
        if self.reg is None:
            for j in todo:
                H = self.H[members[j]]
                lam = np.full(H.shape[0], 1.0 / H.shape[0])
                out[j] = _exact_fixed_support(H, self.C, lam)[0]
            return out
        rows = np.concatenate([members[j] for j in todo])
        groups = np.concatenate([[0], np.cumsum([members[j].size for j in todo])])
        lam = np.concatenate(
            [np.full(members[j].size, 1.0 / members[j].size) for j in todo]
        )
        logv = None
        if state is not None and state.get("logv") is not None:
            logv = np.vstack([state["logv"][members[j], j] for j in todo])
        with single_threaded(bool(state and state.get("single_thread"))):
            P, _, _, _, _, err = _ibp(
                self.H[rows], self.C, self.reg, lam, groups=groups, logv=logv,
                max_iter=_INNER_MAX_ITER, tol=_BARYCENTER_TOL,
            )
        if warn is not None:
            warn.add(np.count_nonzero(~(err <= _BARYCENTER_TOL)))
        for q, j in enumerate(todo):
            out[j] = P[q]
        return out

    def import_centers(self, dist):
        return list(self._extra)

    def new_costs(self, dist, centers, n_jobs=None):
        return self._costs(dist.histograms(), centers, None, n_jobs, None)

    def export(self, centers):
        return np.vstack(centers)


def _exact_block(H, B, C):
    out = np.empty((H.shape[0], B.shape[0]))
    for i in range(H.shape[0]):
        for k in range(B.shape[0]):
            out[i, k] = _emd_cost(H[i], B[k], C)
    return out


def _entropic_block(H, B, C, reg, logv, single_thread):
    logv = None if logv is None else np.ascontiguousarray(logv)
    with single_threaded(single_thread):
        cost, _, error = _entropic_costs(
            H, B, C, reg, logv=logv, max_iter=_INNER_MAX_ITER, tol=_INNER_TOL
        )
    return cost, logv, int(np.count_nonzero(~(error <= _INNER_TOL)))


# --------------------------------------------------------------------------


class CloudSpace(_Space):
    """Point clouds in any dimension with free-support barycenters."""

    _training = ("points", "weights", "_extra")

    def __init__(self, dist, metric, reg, extra=()):
        self.points = [np.asarray(p, dtype=np.float64) for p in dist.points]
        self.weights = list(dist.weights)
        self.n = len(self.points)
        if reg is not None:
            self.cost_scale = _cloud_scale(self.points)
            self.reg = reg * self.cost_scale
        self._extra = (
            [(np.asarray(p, dtype=np.float64), w)
             for p, w in zip(extra.points, extra.weights)]
            if extra else []
        )

    def new_state(self):
        return {}

    def _costs(self, points, weights, centers, n_jobs, warn):
        blocks = _chunks(len(points), n_jobs)
        results = Parallel(n_jobs=n_jobs)(
            delayed(_cloud_block)(
                [points[i] for i in blk], [weights[i] for i in blk], centers,
                self.reg,
            )
            for blk in blocks
        )
        if warn is not None:
            warn.add(sum(r[1] for r in results))
        return np.vstack([r[0] for r in results])

    def costs(self, centers, state=None, n_jobs=None, warn=None):
        return self._costs(self.points, self.weights, centers, n_jobs, warn)

    def sample_costs(self, idx, state=None, n_jobs=None, warn=None):
        centers = [(self.points[i], self.weights[i]) for i in idx]
        return self._costs(self.points, self.weights, centers, n_jobs, warn)

    def sample_center(self, i):
        return (self.points[i].copy(), self.weights[i].copy())

    def barycenters(self, members, centers, state=None, warn=None, n_jobs=None):
        out = list(centers)
        todo = [j for j, g in enumerate(members) if g is not None and g.size]
        results = Parallel(n_jobs=n_jobs)(
            delayed(_free_support)(
                [self.points[i] for i in members[j]],
                [self.weights[i] for i in members[j]],
                centers[j], self.reg,
            )
            for j in todo
        )
        for j, center in zip(todo, results):
            out[j] = center
        return out

    def import_centers(self, dist):
        return [(p.copy(), w.copy()) for p, w in self._extra]

    def new_costs(self, dist, centers, n_jobs=None):
        points = [np.asarray(p, dtype=np.float64) for p in dist.points]
        return self._costs(points, list(dist.weights), centers, n_jobs, None)

    def export(self, centers):
        out = []
        for X, b in centers:
            if np.all(b == b[0]):
                out.append(X.copy())
            else:
                out.append((X.copy(), b.copy()))
        return out


def _free_support(points, weights, center, reg):
    X, b = center
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = barycenter_free_support(
            points, weights, X_init=X, b=b, reg=reg,
            max_iter=_FREE_SUPPORT_SWEEPS, tol=_FREE_SUPPORT_TOL,
        )
    return (res.extra["support"], b)


def _cloud_block(points, weights, centers, reg):
    out = np.empty((len(points), len(centers)))
    unconverged = 0
    for i, (Y, a) in enumerate(zip(points, weights)):
        for k, (X, b) in enumerate(centers):
            C = _sqeuclidean(Y, X)
            if reg is None:
                out[i, k] = _emd_cost(a, b, C)
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    out[i, k], ok = _sinkhorn_cost(a, b, C, reg)
                unconverged += not ok
    return out, unconverged


# --------------------------------------------------------------------------


def _positive_scale(value):
    # A degenerate support (one point) has a zero median cost: keep reg as is.
    value = float(value)
    return value if value > 0 else 1.0


def _cloud_scale(points):
    """Median squared distance between points pooled from all clouds."""
    pooled = np.vstack(points)
    step = max(1, pooled.shape[0] // _SCALE_SAMPLE)
    sample = pooled[::step]
    return _positive_scale(np.median(_sqeuclidean(sample, sample)))


def make_space(dist, metric, reg, extra=()):
    """Pick the space for parsed distributions (and optional given centroids)."""
    if dist.kind == "histograms":
        return HistogramSpace(dist, metric, reg, extra)
    if dist.dim == 1:
        if metric not in _ONE_D_POWERS:
            raise ValueError(
                f"metric={metric!r} is not a distance on the line; use "
                f"'sqeuclidean' (W2) or 'euclidean' (W1) for 1D samples."
            )
        return QuantileSpace(dist, metric, extra)
    if metric != "sqeuclidean":
        raise ValueError(
            f"Point clouds in dimension {dist.dim} need metric='sqeuclidean' "
            f"(free-support barycenters are W2 barycenters), got "
            f"metric={metric!r}. For another ground cost, give histograms "
            f"over a fixed support with support=."
        )
    return CloudSpace(dist, metric, reg, extra)
