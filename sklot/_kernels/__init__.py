"""Private numba kernels: no validation, preallocated buffers, lazy compilation.

Only :mod:`sklot.solvers` and :mod:`sklot.metrics` import from here.
"""
