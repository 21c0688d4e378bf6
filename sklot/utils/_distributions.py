"""Distribution-valued inputs of the clusterer and the sliced kernels.

Estimators whose samples are probability distributions accept:

- a list of point clouds, arrays of shape ``(n_points_i, d)`` (a 1D array is
  a cloud in one dimension), uniform weights, or ``(points, weights)`` pairs;
- a 2D array with ``support``: each row is a histogram over ``support``;
- a 2D array without ``support``: each row is an empirical 1D sample;
- a column of clouds: a pandas Series, a one-column DataFrame or an object
  array whose cells are clouds (or pairs), for example a distribution-valued
  column that ``ColumnTransformer`` passes on.

:func:`check_distributions` parses every form into one
:class:`Distributions` object.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, DTypeLike
from sklearn.utils._param_validation import validate_params

from ._validation import check_finite_array, validate_data

__all__ = ["Distributions", "check_distributions", "distributions_from_frame"]


@dataclass(frozen=True)
class Distributions:
    """A batch of discrete probability distributions.

    Attributes
    ----------
    points : list of ndarray of shape (n_points_i, dim)
        Support of each distribution (for histograms, the shared support).
    weights : list of ndarray of shape (n_points_i,)
        Probability weights, each summing to one.
    kind : {"clouds", "histograms", "rows"}
        The input form.
    support : ndarray of shape (n_bins, dim) or None
        The shared support of the histogram form.
    """

    points: list
    weights: list
    kind: str
    support: object = None

    def __len__(self):
        return len(self.points)

    @property
    def dim(self):
        """Dimension of the space the distributions live in."""
        return self.points[0].shape[1]

    @property
    def sizes(self):
        """Number of support points of each distribution."""
        return np.array([p.shape[0] for p in self.points], dtype=np.intp)

    def histograms(self):
        """Stack the weights of the histogram form into a 2D array."""
        if self.kind != "histograms":
            raise ValueError("Only the histogram form has a shared support.")
        return np.vstack(self.weights)


def _normalise(w, what):
    if np.any(w < 0):
        raise ValueError(f"{what} has negative weights; weights must be >= 0.")
    total = w.sum()
    if not total > 0:
        raise ValueError(f"{what} has zero total mass; give it some weight.")
    return w / total


def _is_pair(item):
    return isinstance(item, tuple) and len(item) == 2 and np.ndim(item[0]) >= 1


def _parse_cloud(item, i, dtype, name="X"):
    what = f"{name}[{i}]"
    if _is_pair(item):
        points, weights = item
    else:
        points, weights = item, None
    points = np.asarray(points)
    if points.ndim == 1:
        points = points[:, None]
    points = check_finite_array(points, what, dtype=dtype)
    if weights is None:
        weights = np.full(points.shape[0], 1.0 / points.shape[0])
    else:
        weights = check_finite_array(
            weights, f"the weights of {what}", ensure_2d=False, dtype=np.float64
        )
        if weights.shape[0] != points.shape[0]:
            raise ValueError(
                f"{what} has {points.shape[0]} points but "
                f"{weights.shape[0]} weights; pass one weight per point."
            )
        weights = _normalise(weights, what)
    return points, weights


def _is_cell(item):
    return _is_pair(item) or (
        not isinstance(item, (str, bytes)) and np.ndim(item) >= 1
    )


def _cells(X):
    """Return the cells of a column of clouds, or None if ``X`` is not one.

    A pandas Series, a one-column DataFrame or an object array (1D, or 2D
    with one column) whose cells are arrays (or ``(points, weights)``
    pairs) is a column of distributions, as ``ColumnTransformer`` passes a
    distribution-valued column.
    """
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1 or not pd.api.types.is_object_dtype(X.iloc[:, 0]):
            return None
        cells = list(X.iloc[:, 0])
    elif isinstance(X, pd.Series):
        if not pd.api.types.is_object_dtype(X):
            return None
        cells = list(X)
    elif isinstance(X, np.ndarray) and X.dtype == object:
        if X.ndim == 2 and X.shape[1] == 1:
            cells = list(X[:, 0])
        elif X.ndim == 1:
            cells = list(X)
        else:
            return None
    else:
        return None
    if len(cells) == 0 or not all(_is_cell(item) for item in cells):
        return None
    return cells


def _is_cloud_list(X):
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    if any(_is_pair(item) for item in X):
        return True
    ndims = {np.ndim(item) for item in X}
    if ndims == {1}:
        return len({len(item) for item in X}) > 1
    return ndims == {2}


def check_distributions(
    X: Any,
    support: ArrayLike | None = None,
    *,
    estimator: Any = None,
    reset: bool = True,
    dtype: DTypeLike | tuple[DTypeLike, ...] = (np.float64, np.float32),
    name: str = "X",
) -> Distributions:
    """Parse any accepted form of distribution-valued input.

    Parameters
    ----------
    X : list of array-like, list of (points, weights) pairs, column of clouds, \
            or 2D array-like
        The distributions (see the module docstring for the forms). A
        column of clouds is a pandas Series, a one-column DataFrame or an
        object array whose cells are arrays or ``(points, weights)`` pairs.
    support : array-like of shape (n_bins, dim) or (n_bins,), default=None
        Shared support of the histogram form; each row of ``X`` is then a
        histogram over it.
    estimator : estimator, default=None
        When given and ``X`` is a 2D array, ``validate_data`` records (or,
        with ``reset=False``, checks) ``n_features_in_`` and
        ``feature_names_in_`` on it.
    reset : bool, default=True
        Passed to ``validate_data``.
    dtype : dtype or tuple of dtypes, default=(float64, float32)
        Accepted point dtypes.
    name : str, default="X"
        The argument name used in error messages (for example ``"init"``).

    Returns
    -------
    Distributions

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.utils import check_distributions
    >>> d = check_distributions([np.zeros((3, 2)), np.ones((5, 2))])
    >>> d.kind, len(d), d.dim, d.sizes.tolist()
    ('clouds', 2, 2, [3, 5])
    >>> check_distributions(np.array([[1.0, 3.0]]), support=[0.0, 1.0]).weights
    [array([0.25, 0.75])]
    >>> import pandas as pd
    >>> column = pd.Series([np.array([1.0, 2.0]), np.array([4.0, 0.0])])
    >>> check_distributions(column).sizes.tolist()
    [2, 2]
    """
    cells = _cells(X)
    if cells is not None:
        X = cells
    if cells is not None or _is_cloud_list(X):
        if support is not None:
            raise ValueError(
                "support is only used with a 2D array of histograms; a list "
                "of point clouds carries its own support. Set support=None."
            )
        parsed = [_parse_cloud(item, i, dtype, name) for i, item in enumerate(X)]
        dims = {p.shape[1] for p, _ in parsed}
        if len(dims) > 1:
            raise ValueError(
                f"All point clouds in {name} must have the same dimension, got "
                f"{sorted(dims)}."
            )
        points, weights = map(list, zip(*parsed))
        return Distributions(points, weights, "clouds")

    if estimator is not None:
        arr = validate_data(estimator, X, reset=reset, dtype=dtype)
    else:
        arr = check_finite_array(X, name, dtype=dtype)
    if support is None:
        values = [row[:, None] for row in arr]
        n = arr.shape[1]
        weights = [np.full(n, 1.0 / n)] * arr.shape[0]
        return Distributions(values, weights, "rows")

    support = np.asarray(support)
    if support.ndim == 1:
        support = support[:, None]
    support = check_finite_array(support, "support", dtype=dtype)
    if support.shape[0] != arr.shape[1]:
        raise ValueError(
            f"support has {support.shape[0]} points but {name} has "
            f"{arr.shape[1]} columns; each column of {name} is the weight of "
            "one support point."
        )
    weights = [
        _normalise(row.astype(np.float64), f"row {i} of {name}")
        for i, row in enumerate(arr)
    ]
    return Distributions([support] * arr.shape[0], weights, "histograms", support)


@validate_params(
    {
        "frame": [pd.DataFrame],
        "group": [Hashable],
        "columns": ["array-like", str, None],
        "weight": [Hashable, None],
    },
    prefer_skip_nested_validation=True,
)
def distributions_from_frame(
    frame: Any,
    group: str | Sequence[str],
    columns: Sequence[str] | None = None,
    weight: str | None = None,
) -> tuple[list, np.ndarray]:
    """Turn a long-format DataFrame into one distribution per group.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per observation.
    group : str
        Column naming the distribution each row belongs to (a customer id,
        a device, ...). Every row needs a label: missing labels are refused.
    columns : list of str or str, default=None
        Columns holding the coordinates of each observation (finite
        numbers); default all numeric columns other than ``group`` and
        ``weight``.
    weight : str, default=None
        Column of non-negative, finite observation weights; uniform when
        None.

    Returns
    -------
    distributions : list of ndarray or of (points, weights) pairs
        One entry per group, in order of first appearance, ready for any
        estimator that takes distributions.
    groups : ndarray
        The group label of each entry.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklot.utils import distributions_from_frame
    >>> df = pd.DataFrame({"id": ["a", "b", "a"], "amount": [1.0, 5.0, 3.0]})
    >>> clouds, groups = distributions_from_frame(df, "id")
    >>> groups.tolist(), [c.ravel().tolist() for c in clouds]
    (['a', 'b'], [[1.0, 3.0], [5.0]])
    """
    for name, col in (("group", group), ("weight", weight)):
        if col is not None and col not in frame.columns:
            raise ValueError(f"{name}={col!r} is not a column of frame.")
    if frame.shape[0] == 0:
        raise ValueError("frame has no rows; pass at least one observation.")
    if isinstance(columns, str) or not isinstance(columns, (list, tuple, type(None))):
        columns = [columns] if isinstance(columns, str) else list(columns)
    if columns is None:
        skip = {group, weight}
        columns = [
            c
            for c in frame.select_dtypes("number").columns
            if c not in skip
        ]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"columns names {missing}, which are not columns of frame; "
            f"frame has {list(frame.columns)}."
        )
    if not columns:
        raise ValueError("frame has no numeric columns to use as coordinates.")
    labels = frame[group]
    if labels.isna().any():
        rows = list(frame.index[labels.isna().to_numpy()][:5])
        raise ValueError(
            f"group column {group!r} has {int(labels.isna().sum())} missing "
            f"labels (rows {rows}); every observation needs a group: fill "
            "them or drop those rows."
        )
    values = _numeric_columns(frame, columns, "columns")
    if weight is not None:
        weights = _numeric_columns(frame, [weight], "weight")[:, 0]
        if np.any(weights < 0):
            raise ValueError(
                f"weight column {weight!r} has negative values; observation "
                "weights must be >= 0."
            )
    codes, uniques = pd.factorize(labels, sort=False)
    order = np.argsort(codes, kind="stable")
    parts = np.split(order, np.cumsum(np.bincount(codes))[:-1])
    distributions = [
        values[rows] if weight is None else (values[rows], weights[rows])
        for rows in parts
    ]
    return distributions, np.asarray(list(uniques))


def _numeric_columns(frame, columns, name):
    """Return columns of ``frame`` as a finite float array, or raise naming them."""
    try:
        values = frame[list(columns)].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        bad = [
            c for c in columns
            if not pd.api.types.is_numeric_dtype(frame[c])
            or pd.api.types.is_bool_dtype(frame[c])
        ]
        raise ValueError(
            f"{name} names columns that are not numeric ({bad or columns}); "
            "coordinates and weights must be numbers."
        ) from None
    bad = ~np.isfinite(values)
    if bad.any():
        cols = [c for c, b in zip(columns, bad.any(axis=0)) if b]
        raise ValueError(
            f"{name}: the columns {cols} of frame contain NaN or infinity; "
            "fill or drop those observations first."
        )
    return values
