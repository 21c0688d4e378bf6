"""The one place where numba compilation flags are chosen.

Every kernel in :mod:`sklot._kernels` is decorated with :func:`jit` from this
module, so the flags below apply everywhere:

- ``SKLOT_NUMBA_CACHE=0`` turns off numba's on-disk cache (on by default;
  a cached kernel loads in a fraction of its compile time).
- ``SKLOT_NUMBA_FASTMATH=0`` turns off the fast-math flags (on by default:
  without reassociation numba does not vectorize reductions, which costs half
  the speed of memory-bound loops). The flags never include ``nnan`` or
  ``ninf``: kernels rely on ``inf`` arithmetic (``-inf`` log-weights, for
  example), which those flags would make undefined.
- ``SKLOT_NUMBA_PARALLEL=0`` compiles ``parallel=True`` kernels serially.

Kernels are compiled lazily, on first call, never at import.
"""

import os

import numba

__all__ = ["CACHE", "FASTMATH", "PARALLEL", "jit"]


def _flag(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in {"0", "false", "no", "off", ""}


CACHE = _flag("SKLOT_NUMBA_CACHE", True)
FASTMATH = (
    {"reassoc", "contract", "arcp", "nsz", "afn"}
    if _flag("SKLOT_NUMBA_FASTMATH", True)
    else False
)
PARALLEL = _flag("SKLOT_NUMBA_PARALLEL", True)


def jit(function=None, *, parallel=False, fastmath=None, **options):
    """Compile ``function`` lazily with sklot's numba flags.

    Use as ``@jit`` or ``@jit(parallel=True)``. ``fastmath=False`` opts a
    kernel out where IEEE semantics matter (for example ``inf`` handling in a
    log-sum-exp). Signatures are never given, so nothing compiles at import.
    """
    flags = {
        "cache": CACHE,
        "fastmath": FASTMATH if fastmath is None or fastmath else False,
        "parallel": parallel and PARALLEL,
        "nogil": True,
        **options,
    }
    decorator = numba.njit(**flags)
    if function is None:
        return decorator
    return decorator(function)
