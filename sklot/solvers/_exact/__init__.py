"""Exact (linear-program) optimal transport: the network simplex.

A new exact solver (another LP method, semi-relaxed exact OT) goes here as
its own module, with its kernel in ``sklot/_kernels``.
"""

from ._emd import _emd_valid, emd, emd2

# _emd_valid: emd without validation, for inner loops (barycenters, clusterer)
__all__ = ["_emd_valid", "emd", "emd2"]
