"""Private numba kernels: no validation, preallocated buffers, lazy compilation.

Only :mod:`sklot.solvers` imports from here.
"""
