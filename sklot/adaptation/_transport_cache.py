"""Reuse of transport work between fits on identical data (tuning).

A grid search over :class:`OTDomainAdapter` fits many candidates on the same
fold, and each one computes the same cost matrix and its scale. This module
keeps, per process, a small bounded cache keyed by a content hash of the
source and target rows and the metric, holding the cost matrix, its scales
and the matrix divided by each scale (the cost the solvers read, so that a
candidate does not copy the matrix again) with its spread (so that the
solver does not scan it again). An entry can only be hit by arrays with the
same bytes, so nothing leaks between folds or data sets, and the values
reused are the ones a fit would compute, so a candidate's result does not
depend on which candidates ran before it.

Entries also keep the dual potentials of the entropic solves done on them
(per ``reg``, marginals and cost scale), and a solve at a nearby ``reg``
(within a factor 4) starts from the nearest ones instead of running the
epsilon-scaling stages: along a grid of halving ``reg`` values each stage
of a solve from scratch is the previous candidate's solve. A warm-started
solve meets the same tolerance, so results agree with fits from scratch to
that tolerance, whatever ran before.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from ..utils._validation import cost_spread

__all__ = ["transport_cache"]

# Default memory budget of the cached cost matrices (bytes).
_DEFAULT_MAX_BYTES = 256 * 2**20
# Dual potentials kept per entry (least recently used first out), and the
# largest ratio between a cached reg and a new one that warm-starts it.
_MAX_POTENTIALS = 16
_WARM_RATIO = 4.0

class _Entry:
    __slots__ = ("cost", "scales", "scaled", "spreads", "potentials")

    def __init__(self):
        self.cost = None
        self.scales = {}
        self.scaled = {}
        self.spreads = {}
        self.potentials = OrderedDict()

    @property
    def nbytes(self):
        pots = sum(f.nbytes + g.nbytes for f, g in self.potentials.values())
        scaled = sum(
            C.nbytes for C in self.scaled.values() if C is not self.cost
        )
        return pots + scaled + (0 if self.cost is None else self.cost.nbytes)


class _TransportCache:
    """A least-recently-used cache of cost matrices and their scales."""

    def __init__(self, max_bytes=_DEFAULT_MAX_BYTES):
        self.enabled = True
        self.max_bytes = max_bytes
        self._entries = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def clear(self):
        with self._lock:
            self._entries.clear()
            self.hits = 0

    def key(self, Xs, Xt, metric):
        """Content hash of the problem's data, or None when disabled."""
        if not self.enabled:
            return None
        h = hashlib.blake2b(digest_size=20)
        for arr in (Xs, Xt):
            arr = np.ascontiguousarray(arr)
            h.update(f"{arr.dtype.str}{arr.shape}".encode())
            h.update(memoryview(arr).cast("B"))
        h.update(metric.encode())
        return h.hexdigest()

    def _entry(self, key, create=False):
        entry = self._entries.get(key)
        if entry is None and create:
            entry = self._entries[key] = _Entry()
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def _evict(self):
        total = sum(e.nbytes for e in self._entries.values())
        while total > self.max_bytes and self._entries:
            _, old = self._entries.popitem(last=False)
            total -= old.nbytes

    def cost(self, key, compute):
        """Return the raw cost matrix of ``key`` (read only), computed once."""
        if key is None:
            return compute()
        with self._lock:
            entry = self._entry(key)
            if entry is not None and entry.cost is not None:
                self.hits += 1
                return entry.cost
        M = compute()
        if M.nbytes <= self.max_bytes // 2:
            M.flags.writeable = False
            with self._lock:
                self._entry(key, create=True).cost = M
                self._evict()
        return M

    def scale(self, key, name, compute):
        """Return a statistic of the cost matrix (median or max), computed once."""
        if key is None:
            return compute()
        with self._lock:
            entry = self._entry(key)
            if entry is not None and name in entry.scales:
                self.hits += 1
                return entry.scales[name]
        value = compute()
        with self._lock:
            self._entry(key, create=True).scales[name] = value
        return value

    def scaled(self, key, name, M, scale):
        """Return ``M / scale`` (read only when cached), divided once.

        ``M`` is the raw cost of ``key``; a writable ``M`` (not cached) is
        divided in place. The scaled matrix is kept only while the entry
        stays within half the budget (as the raw matrix alone must), so
        that it never pushes out the raw matrix of its own entry.
        """
        with self._lock:
            entry = self._entry(key)
            if entry is not None and name in entry.scaled:
                return entry.scaled[name]
        if scale == 1.0:
            # x / 1.0 is x: no copy
            return M
        if M.flags.writeable:
            return np.divide(M, scale, out=M)
        C = np.divide(M, scale)
        C.flags.writeable = False
        with self._lock:
            entry = self._entry(key)
            if (
                entry is not None and entry.cost is M
                and entry.nbytes + C.nbytes <= self.max_bytes // 2
            ):
                entry.scaled[name] = C
                self._evict()
        return C

    def spread(self, key, name, C):
        """``max - min`` of the cached scaled cost ``C``, or None if not cached.

        Computed once, so that the solves on ``C`` need not scan it again.
        """
        with self._lock:
            entry = self._entry(key)
            if entry is None or entry.scaled.get(name, entry.cost) is not C:
                return None
            if name not in entry.spreads:
                entry.spreads[name] = cost_spread(C)
            return entry.spreads[name]

    def warm_start(self, key, tag, reg):
        """Potentials of the cached ``reg`` nearest to ``reg``, or None.

        Only solves with the same ``tag`` (marginals and cost scale) and a
        ``reg`` within a factor ``_WARM_RATIO`` qualify; None as well when
        ``reg`` itself was solved (a refit starts from scratch).
        """
        if key is None:
            return None
        with self._lock:
            entry = self._entry(key)
            if entry is None:
                return None
            if (tag, float(reg)) in entry.potentials:
                # A refit of a solved problem solves it from scratch again,
                # so that fitting the same estimator twice gives the same
                # result to the last bit.
                return None
            best = None
            for (t, r), pots in entry.potentials.items():
                gap = abs(math.log(r / reg))
                if t == tag and gap <= math.log(_WARM_RATIO):
                    if best is None or gap < best[0]:
                        best = (gap, (t, r), pots)
            if best is None:
                return None
            entry.potentials.move_to_end(best[1])
            self.hits += 1
            return best[2]

    def keep_potentials(self, key, tag, reg, potentials):
        """Record the potentials of a converged solve at ``reg``."""
        if key is None:
            return
        f, g = (np.array(p, dtype=np.float64) for p in potentials)
        for p in (f, g):
            p.flags.writeable = False
        with self._lock:
            pots = self._entry(key, create=True).potentials
            pots[(tag, float(reg))] = (f, g)
            pots.move_to_end((tag, float(reg)))
            while len(pots) > _MAX_POTENTIALS:
                pots.popitem(last=False)
            self._evict()


_CACHE = _TransportCache()


@contextlib.contextmanager
def transport_cache(
    enabled: bool = True, *, max_bytes: int | None = None, clear: bool = False
) -> Iterator[None]:
    """Turn the reuse of transport work between adapter fits on or off.

    :class:`OTDomainAdapter` fits on identical source and target rows (the
    candidates of a grid search on one fold) share their cost matrix, its
    scale (median or maximum) and the matrix divided by it, and an entropic
    fit starts from the dual potentials of the nearest ``reg`` (within a
    factor 4) already solved on the same rows, marginals and cost scale,
    instead of running its
    epsilon-scaling stages; it stops at the same tolerance, so its result
    matches a fit from scratch to that tolerance. The cache is per process,
    bounded in memory (256 MiB by default, least recently used first out;
    at most 16 sets of potentials per entry), and keyed by a content hash
    of the rows and the metric, so an entry is only ever hit by the same
    data. Reuse is on by default; this context
    manager disables it (or changes the budget) within its block, in the
    current process (joblib workers keep their own cache).

    Parameters
    ----------
    enabled : bool, default=True
        Whether fits inside the block read and fill the cache.
    max_bytes : int or None, default=None
        Memory budget of the cache within the block; ``None`` keeps the
        current one.
    clear : bool, default=False
        Empty the cache on entering and on leaving the block.

    Yields
    ------
    None

    See Also
    --------
    OTDomainAdapter : The adapter whose fits use the cache.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.adaptation import OTDomainAdapter, transport_cache
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(size=(40, 2)), rng.normal(size=(40, 2)) + 3])
    >>> y = np.r_[rng.integers(0, 2, 40), -np.ones(40, dtype=int)]
    >>> with transport_cache(enabled=False):
    ...     scratch = OTDomainAdapter(reg=0.1).fit_transform(X, y)
    >>> reused = OTDomainAdapter(reg=0.1).fit_transform(X, y)
    >>> bool(np.allclose(scratch, reused, atol=1e-4))
    True
    """
    if not isinstance(enabled, (bool, np.bool_)):
        raise TypeError(f"enabled must be True or False, got {enabled!r}.")
    if max_bytes is not None and (
        isinstance(max_bytes, bool) or not isinstance(max_bytes, int)
        or max_bytes < 0
    ):
        raise ValueError(
            f"max_bytes must be a non-negative integer or None, got {max_bytes!r}."
        )
    saved = (_CACHE.enabled, _CACHE.max_bytes)
    if clear:
        _CACHE.clear()
    _CACHE.enabled = bool(enabled)
    if max_bytes is not None:
        _CACHE.max_bytes = max_bytes
        with _CACHE._lock:
            _CACHE._evict()
    try:
        yield
    finally:
        _CACHE.enabled, _CACHE.max_bytes = saved
        if clear:
            _CACHE.clear()


def cached_cost(Xs, Xt, metric, cost_scale, compute, scale_of):
    """``(key, C, scale)``: the cost matrix divided by its scale, and the scale.

    The raw cost, its scale and ``C`` are reused if cached. ``C`` may be a
    read-only cached array: copy it before changing it.
    """
    key = _CACHE.key(Xs, Xt, metric)
    M = _CACHE.cost(key, compute)
    name = str(cost_scale)
    scale = _CACHE.scale(key, name, lambda: scale_of(M))
    if key is None:
        return key, np.divide(M, scale, out=M), scale
    return key, _CACHE.scaled(key, name, M, scale), scale


def problem_tag(a, b, cost_scale):
    """Tag of the marginals and cost scale a cached potential belongs to."""
    h = hashlib.blake2b(digest_size=16)
    for w in (a, b):
        h.update(np.ascontiguousarray(w, dtype=np.float64).tobytes())
    h.update(str(cost_scale).encode())
    return h.hexdigest()


def cached_spread(key, cost_scale, C):
    """Return the spread of the cached scaled cost ``C`` of ``key``, or None.

    None unless ``C`` is the cached matrix and a finite, C-contiguous float64
    one (what the solvers check before they skip scanning it).
    """
    if key is None or C.dtype != np.float64 or not C.flags.c_contiguous:
        return None
    spread = _CACHE.spread(key, str(cost_scale), C)
    return spread if spread is not None and math.isfinite(spread) else None


def warm_solve(key, tag, reg, solve):
    """Run ``solve(init)`` warm-started from cached potentials if any.

    ``solve(None)`` is a solve from scratch; ``solve((f, g))`` one that
    starts from the potentials ``(f, g)`` of a nearby ``reg``. The
    potentials of a converged result are kept for later solves.
    """
    init = _CACHE.warm_start(key, tag, reg)
    result = solve(init)
    if result.converged:
        _CACHE.keep_potentials(key, tag, reg, result.potentials)
    return result
