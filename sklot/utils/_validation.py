"""Validation helpers shared by solvers and estimators.

Every error names the offending argument and says how to fix it.
"""

import math
import numbers

import numpy as np
from sklearn.utils import check_array, check_random_state

__all__ = ["check_finite_array", "check_marginal", "check_equal_mass"]

FLOAT_DTYPES = (np.float64, np.float32)


def check_finite_array(x, name, *, ensure_2d=True, dtype=FLOAT_DTYPES, copy=False):
    """Return ``x`` as a finite float array, or raise naming ``name``.

    float32 input stays float32, anything else becomes float64.

    Parameters
    ----------
    x : array-like
        The input.
    name : str
        The argument name used in error messages.
    ensure_2d : bool, default=True
        Require a 2D array (otherwise 1D is required).
    dtype : dtype or tuple of dtypes, default=(float64, float32)
        Accepted dtypes; the first is used for conversion.
    copy : bool, default=False
        Force a copy.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> from sklot.utils import check_finite_array
    >>> check_finite_array([[1, 2]], "X").dtype
    dtype('float64')
    """
    if x is None:
        raise ValueError(f"{name} is None; pass an array of numbers.")
    try:
        if np.iscomplexobj(x):
            raise TypeError(
                f"{name} has complex values; pass real numbers (take .real or "
                f"abs() first if that is what you mean)."
            )
        arr = check_array(
            x,
            dtype=dtype,
            ensure_2d=ensure_2d,
            ensure_all_finite=True,
            copy=copy,
            input_name=name,
            ensure_min_samples=1,
            ensure_min_features=1 if ensure_2d else 0,
        )
    except (ValueError, TypeError) as exc:
        raise _named(exc, name) from None
    if not ensure_2d and arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1D, got an array of shape {arr.shape}; "
            f"pass a flat vector."
        )
    return arr


def check_seed(random_state, name="random_state"):
    """``sklearn.utils.check_random_state`` with errors that name the argument.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
        The seed.
    name : str, default="random_state"
        The argument name used in error messages.

    Returns
    -------
    numpy.random.RandomState

    Examples
    --------
    >>> from sklot.utils._validation import check_seed
    >>> check_seed(0).randint(10)
    5
    """
    try:
        return check_random_state(random_state)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"{name} must be None, an int in [0, 2**32 - 1] or a "
            f"numpy.random.RandomState, got {random_state!r} ({exc})."
        ) from None


def _named(exc, name):
    """``exc`` (a ValueError or TypeError) with a message that names ``name``.

    scikit-learn and NumPy phrase many conversion errors without the
    argument ("Expected 2D array", "could not convert string to float");
    prefix the name where it is missing.
    """
    msg = str(exc)
    if msg.startswith(f"{name} ") or f"Input {name} " in msg:
        return exc
    return type(exc)(f"{name}: {msg}")


def check_marginal(a, n, name, dtype=np.float64):
    """Return the marginal ``a`` of length ``n`` as a float array.

    ``None`` or an empty sequence means uniform weights ``1 / n``.

    Parameters
    ----------
    a : array-like of shape (n,) or None
        Non-negative weights.
    n : int
        Expected length.
    name : str
        Argument name for error messages.
    dtype : dtype, default=float64
        Output dtype.

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> from sklot.utils import check_marginal
    >>> check_marginal(None, 4, "a")
    array([0.25, 0.25, 0.25, 0.25])
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    if isinstance(a, numbers.Number):
        raise TypeError(
            f"{name} must be an array of {n} weights or None for uniform "
            f"weights, got the scalar {a!r}."
        )
    if a is None or (not isinstance(a, np.ndarray) and len(a) == 0):
        return np.full(n, 1.0 / n, dtype=dtype)
    arr = check_finite_array(a, name, ensure_2d=False, dtype=(dtype,))
    if arr.shape[0] != n:
        raise ValueError(
            f"{name} has {arr.shape[0]} weights but the problem has {n} points; "
            f"pass one weight per point."
        )
    if np.any(arr < 0):
        raise ValueError(
            f"{name} has negative weights (min {arr.min():.3g}); weights must "
            f"be non-negative."
        )
    total = arr.sum()
    if not np.isfinite(total):
        raise ValueError(
            f"the total mass of {name} overflows {arr.dtype.name} (sum = "
            f"{total}); normalise {name}, for example divide it by its "
            f"largest entry."
        )
    if not total > 0:
        raise ValueError(f"{name} has zero total mass; give some point a weight.")
    return arr


def check_equal_mass(a, b, rtol=1e-7, names=("a", "b")):
    """Raise a ValueError if the marginals ``a`` and ``b`` differ in mass.

    Parameters
    ----------
    a, b : ndarray
        Non-negative weights.
    rtol : float, default=1e-7
        Relative tolerance on the total masses.
    names : tuple of str, default=("a", "b")
        Argument names for the message.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.utils import check_equal_mass
    >>> check_equal_mass(np.ones(2), np.ones(2))
    """
    for name, w in zip(names, (a, b)):
        if np.asarray(w).dtype.kind not in "biuf":
            raise TypeError(
                f"{name} must hold real numbers, got an array of dtype "
                f"{np.asarray(w).dtype}."
            )
    sa, sb = float(np.sum(a)), float(np.sum(b))
    for name, total in zip(names, (sa, sb)):
        if not math.isfinite(total):
            raise ValueError(
                f"the total mass of {name} is {total}; weights must be finite "
                f"numbers whose sum does not overflow (normalise {name})."
            )
    if abs(sa - sb) > rtol * max(sa, sb):
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same total mass, got "
            f"{sa:.10g} and {sb:.10g}; normalise both, or use unbalanced OT "
            f"(sklot.solvers.sinkhorn_unbalanced)."
        )
