"""Validation helpers shared by solvers and estimators.

Every error names the offending argument and says how to fix it.
"""

from __future__ import annotations

import math
import numbers
import re

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, DTypeLike
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import validate_data as _sklearn_validate_data

__all__ = ["check_finite_array", "check_marginal", "check_equal_mass"]

_NAMES_AN_ARGUMENT = re.compile(r"\b(X|y)\b")

FLOAT_DTYPES = (np.float64, np.float32)


def check_finite_array(
    x: ArrayLike,
    name: str,
    *,
    ensure_2d: bool = True,
    dtype: DTypeLike | tuple[DTypeLike, ...] | None = FLOAT_DTYPES,
    copy: bool = False,
) -> np.ndarray:
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
    except (TypeError, ValueError) as exc:
        _explain_array_error(x, name, ensure_2d, exc)
        raise
    if not ensure_2d and arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1D, got an array of shape {arr.shape}; "
            f"pass a flat vector."
        )
    return arr



def check_point_pair(X: ArrayLike, Y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Two finite 2D point arrays with the same number of features.

    Raises a ValueError naming ``X`` or ``Y`` (see :func:`check_finite_array`)
    or the feature mismatch.
    """
    X = check_finite_array(X, "X")
    Y = check_finite_array(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of features, got "
            f"{X.shape[1]} and {Y.shape[1]}."
        )
    return X, Y

def _explain_array_error(x, name, ensure_2d, exc):
    """Raise the error of ``check_array`` on ``x`` again, naming ``name``.

    scikit-learn's messages do not always say which argument is at fault
    ("Found array with dim 3", "Complex data not supported"); this says it
    and what to pass instead. Returns when the message already names it.
    """
    shape = "a 2D array (rows, columns)" if ensure_2d else "a 1D array"
    if sp.issparse(x):
        raise TypeError(
            f"{name} is a sparse matrix; pass a dense array "
            f"({name}.toarray())."
        ) from None
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} is a ragged sequence (its rows differ in length); pass "
            f"{shape} of numbers."
        ) from None
    if arr.dtype.kind == "c":
        raise ValueError(
            f"{name} is complex; pass real numbers (for example {name}.real)."
        ) from None
    if arr.dtype.kind not in "biuf" and not _converts_to_float(arr):
        raise ValueError(
            f"{name} holds values that are not numbers (dtype {arr.dtype}); "
            f"pass {shape} of numbers."
        ) from None
    if arr.ndim == 0:
        raise ValueError(
            f"{name} must be {shape}, got the scalar {x!r}."
        ) from None
    if arr.ndim > 2 or (ensure_2d and arr.ndim != 2):
        raise ValueError(
            f"{name} must be {shape}, got an array of shape {arr.shape}."
        ) from None
    if arr.shape[0] == 0 or (ensure_2d and arr.shape[1] == 0):
        raise ValueError(
            f"{name} is empty (shape {arr.shape}); pass at least one "
            f"{'row and one column' if ensure_2d else 'value'}."
        ) from None
    if name not in str(exc):
        raise type(exc)(f"{name}: {exc}") from None


def _converts_to_float(arr):
    try:
        arr.astype(np.float64)
    except (TypeError, ValueError):
        return False
    return True


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


def check_marginal(
    a: ArrayLike | None, n: int, name: str, dtype: DTypeLike = np.float64
) -> np.ndarray:
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
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(
            f"n, the number of points for {name}, must be a positive int, got "
            f"{n!r}."
        )
    if isinstance(a, numbers.Number):
        raise TypeError(
            f"{name} must be an array of {n} weights or None for uniform "
            f"weights, got the scalar {a!r}."
        )
    if sp.issparse(a):
        raise TypeError(
            f"{name} is a sparse matrix; pass the {n} weights as a dense 1D "
            f"array ({name}.toarray().ravel())."
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
    with np.errstate(over="ignore"):  # an overflow is refused just below
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


def check_equal_mass(
    a: ArrayLike,
    b: ArrayLike,
    rtol: float = 1e-7,
    names: tuple[str, str] = ("a", "b"),
) -> None:
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


# Largest value a cost may take: a margin under float64's maximum leaves room
# for the sums and products of the solvers.
_COST_LIMIT = np.finfo(np.float64).max * 1e-4


def points_spread(arrays, power=2):
    """Diameter of the joint bounding box of point clouds, to ``power``.

    ``arrays`` are 2D arrays of points in the same space (one array, or
    several clouds). The result bounds every cost ``|x - y|^power`` between
    their points; it is inf when the squared diameter overflows float64 (the
    kernels form squared distances at every power).
    """
    if isinstance(arrays, np.ndarray):
        arrays = [arrays]
    arrays = [np.asarray(a) for a in arrays if np.size(a)]
    if not arrays:
        return 0.0
    # min and max in the input's dtype (no float64 copy of float32 points)
    low = np.min([a.min(axis=0) for a in arrays], axis=0).astype(np.float64)
    high = np.max([a.max(axis=0) for a in arrays], axis=0).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        diam2 = float(np.sum((high - low) ** 2))
        if power == 2:
            return diam2
        return float(np.sqrt(np.float64(diam2)) ** power)


def cost_spread(M):
    """``max - min`` of a cost matrix; inf when it overflows (or M is not finite)."""
    if not np.size(M):
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        spread = float(np.max(M)) - float(np.min(M))
    return spread if math.isfinite(spread) else math.inf


def check_spread(spread, name, *, limit=math.inf, costs="costs", dtype="float64"):
    """Raise a ValueError naming ``name`` when its costs do not fit float64.

    The one overflow check of sklot: ``spread`` is the spread of the costs
    (:func:`points_spread` of points, :func:`cost_spread` of a cost matrix,
    or the largest computed cost) that come from the argument(s) ``name``;
    it must be finite and at most ``limit``. ``dtype`` names the type
    that overflows, for the message.
    """
    if math.isfinite(spread) and spread <= limit:
        return
    bound = ""
    if math.isfinite(spread):
        bound = f" (spread {spread:.3g}, limit {limit:.3g})"
    raise ValueError(
        f"The values of {name} are too large for optimal transport: the "
        f"{costs} from {name} overflow {dtype}{bound}. Rescale {name}, for "
        "example divide by its largest absolute value or use "
        "sklearn.preprocessing.StandardScaler (and scale reg with the costs)."
    )


def _check_spread(arrays, name, *, power=2):
    """Raise a ValueError naming ``name`` when distances overflow float64.

    The diameter of all the points of ``arrays``, raised to ``power`` (2 for
    squared euclidean costs, 4 for products of covariances), must stay
    below ``_COST_LIMIT``; beyond it costs become inf and the solvers NaN.
    """
    check_spread(points_spread(arrays, power), name, limit=_COST_LIMIT)


def _given(value):
    return not (isinstance(value, str) and value == "no_validation")


def validate_data(_estimator, /, X="no_validation", y="no_validation", **kwargs):
    """Run scikit-learn's ``validate_data``; its errors name ``X`` or ``y``.

    Some of scikit-learn's messages do not say which argument is at fault
    ("Found array with dim 3", "Complex data not supported", "could not
    convert string to float"). The same error is raised again, of the same
    type, with the argument's name in front, so that checks matching
    scikit-learn's wording still match.
    """
    try:
        return _sklearn_validate_data(_estimator, X, y, **kwargs)
    except (TypeError, ValueError) as exc:
        message = str(exc)
        if _NAMES_AN_ARGUMENT.search(message):
            raise
        name = "X" if _given(X) else "y"
        if _given(X) and _given(y):
            try:
                check_array(
                    X,
                    dtype=kwargs.get("dtype", "numeric"),
                    accept_sparse=kwargs.get("accept_sparse", False),
                    ensure_all_finite=False,
                )
            except (TypeError, ValueError):
                pass
            else:
                name = "y"
        try:
            named = type(exc)(f"{name}: {message}")
        except Exception:  # an exception type with another signature
            raise exc from None
        raise named from None
