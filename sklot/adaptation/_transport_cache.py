"""Reuse of transport work between fits on identical data (warm-started tuning).

A grid search over :class:`OTDomainAdapter` fits many candidates on the same
fold: each one computes the same cost matrix and its scale, and entropic
candidates along a ``reg`` path solve problems whose dual potentials are
close. This module keeps, per process, a small bounded cache keyed by a
content hash of the source and target rows and the metric, holding the cost
matrix (its scales) and the dual potentials of earlier entropic solves,
which seed later solves (``init=``). An entry can only be hit by arrays with
the same bytes, so nothing leaks between folds or data sets, and since a
warm-started solve stops at the same tolerance, a candidate's result does
not depend on which candidates ran before it (up to that tolerance).
"""

import contextlib
import hashlib
import math
import threading
from collections import OrderedDict

import numpy as np

__all__ = ["transport_cache"]

# Default memory budget of the cached cost matrices (bytes).
_DEFAULT_MAX_BYTES = 256 * 2**20

# Potentials kept per entry (one pair per regularization).
_MAX_POTENTIALS = 16


class _Entry:
    __slots__ = ("cost", "scales", "potentials")

    def __init__(self):
        self.cost = None
        self.scales = {}
        self.potentials = {}

    @property
    def nbytes(self):
        size = 0 if self.cost is None else self.cost.nbytes
        return size + sum(f.nbytes + g.nbytes for f, g in self.potentials.values())


class _TransportCache:
    """A least-recently-used cache of cost matrices and dual potentials."""

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

    def potentials(self, key, tag, reg):
        """Return the stored potentials of the other reg closest to ``reg``.

        ``tag`` names the scaled problem (the cost scale used). Returns
        ``(reg_found, (f, g))`` or None.
        """
        if key is None:
            return None
        with self._lock:
            entry = self._entry(key)
            if entry is None:
                return None
            # a repeated fit of the same reg solves from scratch, so that
            # refitting an estimator reproduces it bit for bit
            found = [r for (t, r) in entry.potentials if t == tag and r != reg]
            if not found:
                return None
            best = min(found, key=lambda r: abs(math.log(r / reg)))
            self.hits += 1
            return best, entry.potentials[tag, best]

    def store_potentials(self, key, tag, reg, potentials):
        if key is None or potentials is None:
            return
        f, g = (np.array(p, dtype=np.float64) for p in potentials)
        if not (np.isfinite(f).all() and np.isfinite(g).all()):
            return
        with self._lock:
            entry = self._entry(key, create=True)
            entry.potentials[tag, float(reg)] = (f, g)
            while len(entry.potentials) > _MAX_POTENTIALS:
                entry.potentials.pop(next(iter(entry.potentials)))
            self._evict()


_CACHE = _TransportCache()


@contextlib.contextmanager
def transport_cache(enabled=True, *, max_bytes=None, clear=False):
    """Turn the reuse of transport work between adapter fits on or off.

    :class:`OTDomainAdapter` fits on identical source and target rows (the
    candidates of a grid search on one fold) share their cost matrix, its
    scale, and, for entropic fits, dual potentials that warm-start the next
    solve along a ``reg`` path. The cache is per process, bounded in memory
    (256 MiB of cost matrices by default, least recently used first out),
    and keyed by a content hash of the rows and the metric, so an entry is
    only ever hit by the same data. Reuse is on by default; this context
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
    """``(key, M, scale)``: the raw cost matrix and its scale, reused if cached.

    ``M`` may be a read-only cached array: scale it out of place.
    """
    key = _CACHE.key(Xs, Xt, metric)
    M = _CACHE.cost(key, compute)
    scale = _CACHE.scale(key, str(cost_scale), lambda: scale_of(M))
    return key, M, scale


def warm_sinkhorn(solve, key, tag, reg):
    """Run ``solve(init)``, warm-started from cached potentials.

    Potentials of the closest regularization already solved on the same
    scaled problem start the iteration (the epsilon-scaling stages, if any,
    run from them). The potentials found are stored for the next solve.
    """
    found = _CACHE.potentials(key, tag, reg)
    result = solve(None if found is None else found[1])
    _CACHE.store_potentials(key, tag, reg, result.potentials)
    return result
