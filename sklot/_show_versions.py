"""``sklot.show_versions()``: what a bug report needs to know about the install.

Versions come from the installed distributions' metadata, so nothing heavy
is imported; numba is imported for its configuration, which starts no thread
and compiles nothing.
"""

import importlib
import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version

__all__ = ["show_versions"]

# Distribution names: the runtime dependencies, then the optional packages
# that change what sklot does (figures, images, test oracles).
_RUNTIME = ("numpy", "scipy", "scikit-learn", "numba", "llvmlite", "joblib",
            "pandas", "threadpoolctl")
_OPTIONAL = ("matplotlib", "pillow", "cvxpy", "pot", "pytest", "hypothesis")
_SKLOT_ENV = ("SKLOT_NUMBA_CACHE", "SKLOT_NUMBA_FASTMATH", "SKLOT_NUMBA_PARALLEL")
_NUMBA_ENV = ("NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER", "NUMBA_CACHE_DIR",
              "NUMBA_DISABLE_JIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
              "MKL_NUM_THREADS")


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def _system_info() -> dict:
    return {
        "python": sys.version.replace("\n", " "),
        "executable": sys.executable,
        "machine": platform.platform(),
        "CPUs": str(os.cpu_count()),
    }


def _threading_layers() -> str:
    """Which numba threading layers load here, without starting any."""
    found = []
    for layer, module in (("tbb", "tbbpool"), ("omp", "omppool"),
                          ("workqueue", "workqueue")):
        try:
            importlib.import_module(f"numba.np.ufunc.{module}")
        except ImportError:
            continue
        found.append(layer)
    return ", ".join(found) or "none"


def _numba_info() -> dict:
    import numba
    from numba.np.ufunc import parallel

    info = {
        "threading layers available": _threading_layers(),
        "threading layer requested": str(numba.config.THREADING_LAYER),
        "threading layer in use": (
            numba.threading_layer()
            if parallel._is_initialized
            else "none yet (chosen by the first parallel kernel)"
        ),
        "threads": str(numba.config.NUMBA_NUM_THREADS),
        "cache folder": numba.config.CACHE_DIR or "beside the sources (default)",
    }
    try:
        from ._kernels import _config

        for flag in ("CACHE", "FASTMATH", "PARALLEL"):
            if hasattr(_config, flag):
                value = getattr(_config, flag)
                if isinstance(value, (set, frozenset)):  # fast-math flag names
                    value = "{" + ", ".join(sorted(value)) + "}"
                info[f"sklot {flag.lower()}"] = str(value)
    except Exception as exc:  # the report must print whatever is broken
        info["sklot flags"] = f"unavailable ({type(exc).__name__}: {exc})"
    for name in _SKLOT_ENV + _NUMBA_ENV:
        if name in os.environ:
            info[name] = os.environ[name]
    return info


def _threadpool_info() -> dict:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"threadpoolctl": "not installed"}
    return {
        f"{pool.get('internal_api')} ({pool.get('prefix')})": (
            f"{pool.get('num_threads')} threads, version {pool.get('version')}"
        )
        for pool in threadpool_info()
    }


def _print_block(title: str, info: dict) -> None:
    print(f"\n{title}:")
    width = max(len(key) for key in info)
    for key, value in info.items():
        print(f"{key:>{width}}: {value}")


def show_versions() -> None:
    """Print the versions and settings that matter when reporting a problem.

    Prints the Python version and platform; the versions of sklot, of its
    runtime dependencies and of the optional packages that change its
    behaviour; numba's threading layers, thread count and cache folder with
    sklot's numba flags (``SKLOT_NUMBA_*``); and the BLAS and OpenMP
    libraries loaded by numpy and scipy with their thread counts.

    Returns
    -------
    None
        The report is printed to standard output.

    See Also
    --------
    sklearn.show_versions : The same report for scikit-learn.

    Examples
    --------
    >>> import sklot
    >>> sklot.show_versions()
    <BLANKLINE>
    System:
    ...
    Python dependencies:
        sklot: ...
    ...
    numba:
    ...
    """
    from . import __version__

    _print_block("System", _system_info())
    deps = {"sklot": __version__}
    deps.update({name: _version(name) for name in _RUNTIME})
    _print_block("Python dependencies", deps)
    _print_block("Optional packages", {name: _version(name) for name in _OPTIONAL})
    _print_block("numba", _numba_info())
    # numpy and scipy's BLAS show up only once loaded; they are dependencies.
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401

    _print_block("Thread pools (BLAS, OpenMP)", _threadpool_info())
