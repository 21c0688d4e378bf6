"""Adaptation at scale: solving on a subsample, mapping rows in parallel chunks.

Private helpers of :class:`~sklot.adaptation.OTDomainAdapter`. A plan
between 10^5 and 10^5 rows does not fit in memory and a matrix-free solve
costs O(n m d) per iteration; the plan between random subsamples of each
domain approximates it, and the fitted out-of-sample map carries every
other row. Mapping many rows splits them in chunks dispatched through
joblib, so that a Dask (or Ray) joblib backend spreads them over a cluster.
"""

import math
import numbers
import os

import numpy as np
from joblib import effective_n_jobs
from sklearn.utils import check_random_state
from sklearn.utils.parallel import Parallel, delayed

from ..utils._domain import DomainSplit

__all__ = [
    "check_dense_memory",
    "dense_memory_error",
    "map_in_chunks",
    "physical_memory",
    "subsample_split",
]

# Below this many rows a mapping runs in one call.
_MIN_CHUNK_ROWS = 2048


def _n_kept(max_samples, n):
    if isinstance(max_samples, numbers.Integral):
        return min(int(max_samples), n)
    return max(1, min(n, int(math.ceil(float(max_samples) * n))))


def subsample_split(split, max_samples, random_state):
    """Rows kept for the solve: at most ``max_samples`` of each domain.

    Returns ``(keep, sub_split)``, ``keep`` the sorted indices of the kept
    rows and ``sub_split`` the domain split restricted to them, or
    ``(None, split)`` when nothing is dropped. Rows are drawn without
    replacement, uniformly within each domain (source and target), so both
    empirical measures are subsampled alike.
    """
    if max_samples is None:
        return None, split
    rng = check_random_state(random_state)
    parts = []
    dropped = False
    for mask in (split.source, split.target):
        rows = np.flatnonzero(mask)
        k = _n_kept(max_samples, rows.shape[0])
        if k < rows.shape[0]:
            dropped = True
            rows = rng.choice(rows, size=k, replace=False)
        parts.append(rows)
    if not dropped:
        return None, split
    keep = np.sort(np.concatenate(parts))
    sub = DomainSplit(
        source=split.source[keep],
        target=split.target[keep],
        labelled=split.labelled[keep],
        sample_domain=split.sample_domain[keep],
        task=split.task,
    )
    return keep, sub


def map_in_chunks(func, X, n_jobs):
    """``func(X)`` evaluated on chunks of rows, in parallel through joblib.

    ``func`` maps each row independently, so the result does not depend on
    the chunking or on the backend. Threads are preferred (the work is in
    BLAS and NumPy, which release the GIL); a joblib backend set by the
    caller, such as ``"dask"``, takes over.
    """
    n = X.shape[0]
    workers = effective_n_jobs(n_jobs)
    if workers == 1 or n < 2 * _MIN_CHUNK_ROWS:
        return func(X)
    n_chunks = min(4 * workers, n // _MIN_CHUNK_ROWS)
    bounds = np.linspace(0, n, n_chunks + 1).astype(int)
    spans = list(zip(bounds[:-1], bounds[1:]))
    # results are copied into one array as they arrive, so the peak memory
    # is the output plus the chunks in flight
    parts = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")(
        delayed(func)(X[lo:hi]) for lo, hi in spans
    )
    out = None
    for (lo, hi), part in zip(spans, parts):
        if out is None:
            out = np.empty((n,) + part.shape[1:], dtype=part.dtype)
        out[lo:hi] = part
    return out


def physical_memory():
    """Bytes of physical memory of the machine, or None where unknown."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def dense_memory_error(name, n_source, n_target, limit=None):
    """Return the ``MemoryError`` of a plan too large to form, naming the fixes.

    A dense fit holds the cost matrix and the plan, two float64 matrices of
    ``n_source x n_target``; ``limit`` is the machine's memory, if known.
    """
    need = 16 * n_source * n_target
    have = "" if limit is None else f", and this machine has {limit / 2**30:.1f} GiB"
    return MemoryError(
        f"{name}: the plan between {n_source} source and {n_target} target "
        f"rows needs two {n_source} x {n_target} matrices "
        f"({need / 2**30:.1f} GiB){have}. Pass max_samples=5000 to solve "
        "between random subsamples of each domain (the other rows follow the "
        "fitted map), or an entropic reg (reg=0.1) without reg_class and "
        "reg_marginals, which above 4e7 pairs solves without the matrices."
    )


def check_dense_memory(name, n_source, n_target):
    """Raise :func:`dense_memory_error` before forming matrices larger than memory."""
    limit = physical_memory()
    if limit is not None and 16 * n_source * n_target > limit:
        raise dense_memory_error(name, n_source, n_target, limit)
