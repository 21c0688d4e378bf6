"""Timing helpers shared by the benchmark scripts."""

import gc
import resource
import statistics
import threading
import time
import tracemalloc

__all__ = [
    "interleaved_medians",
    "median_time",
    "peak_memory",
    "print_table",
    "ratio",
    "timed",
]


def median_time(fn, *, repeat=3, warmup=1):
    """Median wall time of ``fn()`` over ``repeat`` calls, after warm-up."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        tic = time.perf_counter()
        fn()
        times.append(time.perf_counter() - tic)
    return statistics.median(times)


def timed(fn):
    """Run ``fn()`` once; return (result, wall seconds, CPU seconds)."""
    gc.collect()
    wall = time.perf_counter()
    cpu = time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def interleaved_medians(fns, repeat, warmup=True):
    """Median wall time of each function in the dict ``fns``, calls
    interleaved round by round.

    On a shared machine the load drifts; interleaving gives every candidate
    the same conditions, so the ratios are fairer than back-to-back runs.
    """
    if warmup:
        for fn in fns.values():
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            times[name].append(timed(fn)[1])
    return {name: statistics.median(t) for name, t in times.items()}


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def peak_memory(fn, *, interval=0.005):
    """Run ``fn()`` once; return (result, peak extra bytes).

    The peak is the larger of the traced Python/NumPy allocations and the
    sampled resident-set growth, so memory allocated inside numba kernels
    (which tracemalloc does not see) is counted too.
    """
    gc.collect()
    base = _rss_bytes()
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_bytes())
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    tracemalloc.start()
    sampler.start()
    try:
        result = fn()
    finally:
        done.set()
        sampler.join()
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, max(traced, peak[0] - base)


def ratio(peer_seconds, sklot_seconds):
    """Speed-up of sklot over a peer (larger is better for sklot)."""
    return peer_seconds / sklot_seconds


def print_table(rows, columns):
    """Print rows under column headers, aligned."""
    cells = [[f"{v:.4g}" if isinstance(v, float) else str(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    for line in [columns, ["-" * w for w in widths]] + cells:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip())
