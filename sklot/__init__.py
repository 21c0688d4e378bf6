"""sklot: scikit-learn compatible estimators built on optimal transport.

Subpackages are imported on first attribute access, so ``import sklot`` stays
cheap; numba kernels compile on first call, never at import.
"""

import importlib

__version__ = "0.1.0.dev0"

_SUBPACKAGES = (
    "adaptation",
    "cluster",
    "color",
    "datasets",
    "kernels",
    "linear_model",
    "metrics",
    "preprocessing",
    "solvers",
    "utils",
)

__all__ = list(_SUBPACKAGES) + ["__version__", "show_versions"]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"sklot.{name}")
    if name == "show_versions":
        from ._show_versions import show_versions

        return show_versions
    raise AttributeError(f"module 'sklot' has no attribute {name!r}")


def __dir__():
    return __all__
