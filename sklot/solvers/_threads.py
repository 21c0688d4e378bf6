"""Thread use of the solvers, for estimators that call them from joblib workers.

The policy itself lives in :mod:`sklot._kernels._config`; estimators never
import the kernels, so they reach it through here.
"""

from .._kernels._config import single_threaded

__all__ = ["single_threaded"]
