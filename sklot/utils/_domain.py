"""The domain convention of sklot's adaptation estimators.

One ``X`` holds every domain, stacked. Target rows are marked in ``y`` with
``-1`` (classification) or ``NaN`` (regression), scikit-learn's
semi-supervised convention, or by an optional ``sample_domain`` array in which
``>= 0`` means source and ``< 0`` means target (skada's convention).

:func:`target_markers` is the one reader of the markers (also ``"-1"`` in
string labels, ``None``/``NaN``/``pandas.NA`` in object labels); adapters,
meta-estimators, scorers and :func:`split_domains` all go through it.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.multiclass import check_classification_targets, type_of_target

__all__ = [
    "DomainSplit",
    "NoTargetWarning",
    "TargetMarkerWarning",
    "split_domains",
    "TARGET_LABEL",
]

TARGET_LABEL = -1


class NoTargetWarning(UserWarning):
    """Warned when an adapter is fitted on data with no target rows.

    The adapter then maps every row to itself (the identity).

    Examples
    --------
    >>> import warnings
    >>> from sklot.utils import NoTargetWarning
    >>> issubclass(NoTargetWarning, UserWarning)
    True
    """


class TargetMarkerWarning(UserWarning):
    """Warned when ``y`` is exactly {-1, 1} and ``-1`` is read as the marker.

    Such a ``y`` may hold binary labels in the SVM convention, where ``-1``
    is a class. sklot reads ``-1`` as the target-row marker; recode the
    labels, or pass ``sample_domain`` to mark the domains explicitly.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklot.utils import TargetMarkerWarning, split_domains
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     split = split_domains(np.array([1, 1, -1]))
    >>> caught[0].category is TargetMarkerWarning
    True
    """


@dataclass(frozen=True)
class DomainSplit:
    """Row masks of a stacked multi-domain sample.

    Attributes
    ----------
    source : ndarray of bool
        Rows of the source domain(s).
    target : ndarray of bool
        Rows of the target domain(s).
    labelled : ndarray of bool
        Rows whose ``y`` is a real label (not a target marker). Source rows are
        labelled; target rows are labelled only when ``sample_domain`` marks
        them as target while ``y`` carries a real value.
    sample_domain : ndarray of int
        Domain index of every row: ``>= 0`` source, ``< 0`` target.
    task : {"classification", "regression"} or None
        How ``y`` was read; ``None`` when ``y`` is None.
    """

    source: np.ndarray
    target: np.ndarray
    labelled: np.ndarray
    sample_domain: np.ndarray
    task: object

    @property
    def has_target(self):
        """Whether any row belongs to a target domain."""
        return bool(self.target.any())


def _is_missing(value):
    """Whether an element of an object ``y`` is None, NaN or ``pandas.NA``."""
    if value is None or type(value).__name__ == "NAType":
        return True
    return isinstance(value, (float, np.floating)) and value != value


def _is_minus_one(value):
    """Whether an element of an object ``y`` is the marker ``-1`` or ``"-1"``."""
    if isinstance(value, (str, np.str_)):
        return value == str(TARGET_LABEL)
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (numbers.Real, np.number)) and value == TARGET_LABEL


def _object_task(y, missing):
    """Task of an object ``y``: strings or integers are classes."""
    values = [v for v, m in zip(y, missing) if not m]
    if all(
        isinstance(v, (numbers.Real, np.number))
        and not isinstance(v, (bool, np.bool_))
        for v in values
    ):
        floats = np.asarray(values, dtype=np.float64)
        if np.isinf(floats).any():
            raise ValueError(
                "y contains infinity; labels must be finite (target rows are "
                "marked with -1, None or NaN)."
            )
        if floats.size and np.any(floats != np.round(floats)):
            return "regression"
    return "classification"


def _check_y_dtype(y):
    if y.dtype.kind == "c":
        raise ValueError(
            f"y has the complex dtype {y.dtype}; pass real labels (-1 or NaN "
            "on target rows)."
        )
    if y.dtype.kind not in "biufOUS":
        raise ValueError(
            f"y has the dtype {y.dtype}; pass integer, float or string labels "
            "with target rows marked -1 (classification) or NaN (regression)."
        )
    if y.dtype.kind == "f" and np.isinf(y).any():
        rows = np.flatnonzero(np.isinf(y))[:5].tolist()
        raise ValueError(
            f"y contains infinity (rows {rows}); labels must be finite, and "
            "target rows are marked with -1 (classification) or NaN "
            "(regression)."
        )


def _integral(values):
    return bool(np.all(values == np.round(values)))


def _infer_task(y, missing, minus_one, explicit_domains):
    if y.dtype.kind == "O":
        return _object_task(y, missing)
    if y.dtype.kind != "f":
        return "classification"
    if not missing.any():
        kind = type_of_target(y, input_name="y")
        return "regression" if kind.startswith("continuous") else "classification"
    if minus_one.any() and not explicit_domains and _integral(y[~missing]):
        raise ValueError(
            "y mixes two target markers: -1 (classification) on "
            f"{int(minus_one.sum())} rows and NaN (regression) on "
            f"{int(missing.sum())} rows, so it is unclear which rows are "
            "targets and whether y holds classes. Mark target rows one way: "
            "-1 with class labels, NaN with regression values; or pass "
            "sample_domain (< 0 on target rows) to mark the domains "
            "explicitly."
        )
    return "regression"


def _missing(y):
    """Rows of ``y`` that are None, NaN or ``pandas.NA``."""
    if y.dtype.kind == "f":
        return np.isnan(y)
    if y.dtype.kind == "O":
        return np.fromiter((_is_missing(v) for v in y), bool, count=y.shape[0])
    return np.zeros(y.shape[0], dtype=bool)


def _minus_one(y):
    """Rows of ``y`` that hold the marker ``-1`` (or ``"-1"`` in strings)."""
    if y.dtype.kind in "iuf":
        return y == TARGET_LABEL
    if y.dtype.kind == "U":
        return y == str(TARGET_LABEL)
    if y.dtype.kind == "S":
        return y == str(TARGET_LABEL).encode()
    if y.dtype.kind == "O":
        return np.fromiter((_is_minus_one(v) for v in y), bool, count=y.shape[0])
    return np.zeros(y.shape[0], dtype=bool)


@dataclass(frozen=True)
class _Markers:
    """How the rows of ``y`` are marked: ``-1`` markers, missing values."""

    minus_one: np.ndarray
    missing: np.ndarray
    task: str

    @property
    def any(self):
        """Rows that carry a target marker when ``y`` alone marks domains."""
        return self.minus_one | self.missing


def target_markers(y, task=None, *, explicit_domains=False):
    """Read the target markers of ``y``: the one place sklot decides them.

    Adapters, meta-estimators, scorers and :func:`split_domains` all read
    the markers here:

    - classification: ``-1``, the string ``"-1"`` in string labels, and
      ``None``, ``NaN`` or ``pandas.NA`` (in object or float labels);
    - regression: ``NaN`` (and ``None`` or ``pandas.NA`` in object labels);
      ``-1`` is an ordinary value there.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        The labels.
    task : {"classification", "regression"} or None, default=None
        How to read ``y``; inferred when None (a ``NaN`` in a float ``y``, or
        non-integer numbers, mean regression).
    explicit_domains : bool, default=False
        Whether ``sample_domain`` marks the domains; a float ``y`` holding
        both ``-1`` and ``NaN`` is then read as regression instead of being
        refused as ambiguous.

    Returns
    -------
    markers : _Markers
        The ``-1`` rows (all False for regression), the missing rows and the
        task.
    """
    _check_y_dtype(y)
    missing = _missing(y)
    minus_one = _minus_one(y)
    if task is None:
        task = _infer_task(y, missing, minus_one, explicit_domains)
    if task == "regression":
        if y.dtype.kind not in "fO" or (
            y.dtype.kind == "O"
            and any(isinstance(v, (str, np.str_)) for v in y)
        ):
            raise ValueError(
                "Regression targets must be floats with NaN marking target "
                f"rows, got y of dtype {y.dtype}."
            )
        return _Markers(np.zeros_like(missing), missing, task)
    if minus_one.any() and missing.any() and not explicit_domains:
        raise ValueError(
            "y mixes two target markers: -1 on "
            f"{int(minus_one.sum())} rows and NaN/None on "
            f"{int(missing.sum())} rows. Mark target rows one way (-1, or "
            "None in an object y), or pass sample_domain (< 0 on target "
            "rows) to mark the domains explicitly."
        )
    return _Markers(minus_one, missing, task)


def _is_plus_one(value):
    if isinstance(value, (str, np.str_, bytes)):
        return value in ("1", b"1")
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (numbers.Real, np.number)) and value == 1


def _warn_if_svm_labels(y, markers):
    """Warn when ``y`` is exactly {-1, 1}: perhaps binary labels, not markers."""
    if markers.task != "classification" or markers.missing.any():
        return
    minus_one = markers.minus_one
    if not minus_one.any() or minus_one.all():
        return
    rest = y[~minus_one]
    if y.dtype.kind in "iuf":
        plus_one = rest == 1
    elif y.dtype.kind in "US":
        plus_one = rest.astype(str) == "1"
    else:
        plus_one = np.fromiter(
            (_is_plus_one(v) for v in rest), bool, count=rest.shape[0]
        )
    if plus_one.all():
        warnings.warn(
            "y holds exactly the values {-1, 1}: its "
            f"{int(minus_one.sum())} rows labelled -1 are read as unlabelled "
            "target rows (the target marker of sklot's domain convention), "
            "not as a class. If -1 is a real class (the {-1, 1} convention "
            "of SVMs), recode the labels (for example to {0, 1}), or pass "
            "sample_domain (>= 0 on source rows, < 0 on target rows) to mark "
            "the domains explicitly: then -1 is a class on source rows.",
            TargetMarkerWarning,
            stacklevel=3,
        )


def _as_labels(y) -> np.ndarray | None:
    if y is None:
        return None
    dtype = getattr(y, "dtype", None)
    if dtype is not None and not isinstance(dtype, np.dtype):
        # pandas extension dtypes (Int64, string, category): numpy would turn
        # an Int64 with missing values into floats, read as regression.
        if getattr(dtype, "kind", "O") == "f":
            y = y.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            y = y.to_numpy(dtype=object, na_value=None)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"y must be 1D with one label per row, got shape {y.shape}."
        )
    return y


def _check_sample_domain(sample_domain, n_samples) -> np.ndarray:
    sample_domain = np.asarray(sample_domain)
    if sample_domain.ndim != 1 or sample_domain.dtype.kind not in "iub":
        raise ValueError(
            "sample_domain must be a 1D array of integers (>= 0 source, "
            f"< 0 target), got dtype {sample_domain.dtype} and shape "
            f"{sample_domain.shape}."
        )
    if n_samples is not None and sample_domain.shape[0] != n_samples:
        raise ValueError(
            f"sample_domain has {sample_domain.shape[0]} entries but X has "
            f"{n_samples} rows."
        )
    return sample_domain


@validate_params(
    {
        "y": ["array-like", None],
        "sample_domain": ["array-like", None],
        "n_samples": [Interval(numbers.Integral, 0, None, closed="left"), None],
        "task": [StrOptions({"classification", "regression"}), None],
    },
    prefer_skip_nested_validation=True,
)
def split_domains(
    y: ArrayLike | None = None,
    sample_domain: ArrayLike | None = None,
    *,
    n_samples: int | None = None,
    task: str | None = None,
) -> DomainSplit:
    """Find the source and target rows of a stacked sample.

    Target rows are marked in ``y`` by ``-1`` (also the string ``"-1"`` when
    the labels are strings, and ``None`` or ``NaN`` in an object ``y``) for
    classification, and by ``NaN`` (or ``None``) for regression. A ``y``
    holding exactly the values {-1, 1} gets a
    :class:`~sklot.utils.TargetMarkerWarning`: its ``-1`` rows are read as
    target rows, which is wrong for binary labels in the SVM convention.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or None
        Labels, with ``-1`` (classification) or ``NaN`` (regression) on target
        rows. ``None`` means every row is a source row unless
        ``sample_domain`` says otherwise.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Explicit domains: ``>= 0`` source, ``< 0`` target. When given it
        decides the domains: ``y`` may then carry labels on target rows
        (``-1``, ``None`` or ``NaN`` there mean unlabelled), ``-1`` is an
        ordinary class on source rows, and every source row needs a label.
    n_samples : int, default=None
        Number of rows; required when both ``y`` and ``sample_domain`` are
        None.
    task : {"classification", "regression"}, default=None
        How to read ``y``; inferred when None (NaN or a continuous ``y`` means
        regression).

    Returns
    -------
    split : DomainSplit

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.utils import split_domains
    >>> split = split_domains(np.array([0, 1, -1, -1]))
    >>> split.source, split.target
    (array([ True,  True, False, False]), array([False, False,  True,  True]))
    >>> split_domains(np.array([0.5, np.nan])).task
    'regression'
    >>> split_domains(np.array(["cat", "dog", "-1"])).target
    array([False, False,  True])
    >>> split_domains(np.array(["cat", "dog", None], dtype=object)).target
    array([False, False,  True])
    """
    if task is not None and task not in ("classification", "regression"):
        raise ValueError(
            f"task must be 'classification' or 'regression', got {task!r}."
        )
    if n_samples is not None and (
        isinstance(n_samples, (bool, np.bool_))
        or not isinstance(n_samples, (numbers.Integral, np.integer))
        or n_samples < 0
    ):
        raise ValueError(
            f"n_samples must be a non-negative int (the number of rows), got "
            f"{n_samples!r}."
        )
    y = _as_labels(y)
    if y is not None:
        if n_samples is not None and y.shape[0] != n_samples:
            raise ValueError(
                f"y has {y.shape[0]} labels but X has {n_samples} rows "
                f"(n_samples={n_samples}); pass one label per row."
            )
        n_samples = y.shape[0]
    if sample_domain is not None:
        sample_domain = _check_sample_domain(sample_domain, n_samples)
        target = sample_domain < 0
        if y is None:
            labelled = ~target
        else:
            markers = target_markers(y, task, explicit_domains=True)
            task = markers.task
            unlabelled_source = markers.missing & ~target
            if unlabelled_source.any():
                rows = np.flatnonzero(unlabelled_source)[:5].tolist()
                raise ValueError(
                    f"y has no label (NaN or None) on {unlabelled_source.sum()} "
                    f"rows (first {rows}) that sample_domain marks as source "
                    "(>= 0). Source rows need labels: give them one, or mark "
                    "them as target rows with a negative sample_domain."
                )
            labelled = ~(markers.missing | (markers.minus_one & target))
    elif y is not None:
        markers = target_markers(y, task)
        task = markers.task
        _warn_if_svm_labels(y, markers)
        target = markers.any
        labelled = ~target
    else:
        if n_samples is None:
            raise ValueError("Pass y, sample_domain or n_samples.")
        target = np.zeros(n_samples, dtype=bool)
        labelled = ~target
        sample_domain = None
    if sample_domain is None:
        sample_domain = np.where(target, -2, 1)
    return DomainSplit(
        source=~target,
        target=target,
        labelled=labelled,
        sample_domain=sample_domain.astype(np.intp, copy=False),
        task=task,
    )


def as_class_labels(labels):
    """Return the labelled rows' labels in a dtype classifiers can read.

    An object ``y`` that held ``None`` markers keeps its object dtype after
    they are dropped; numbers or strings alone become a numeric or string
    array (scikit-learn reads an object array of numbers as an unknown
    label type). Mixed types are left for the classifier to refuse.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind != "O" or labels.size == 0:
        return labels
    values = labels.tolist()
    if all(isinstance(v, str) for v in values):
        return np.asarray(values, dtype=str)
    if all(
        isinstance(v, (numbers.Integral, np.integer))
        and not isinstance(v, (bool, np.bool_))
        for v in values
    ):
        return np.asarray(values, dtype=np.int64)
    if all(
        isinstance(v, (numbers.Real, np.number))
        and not isinstance(v, (bool, np.bool_))
        for v in values
    ):
        return np.asarray(values, dtype=np.float64)
    return labels


def as_float_target(y, owner):
    """Return a regression ``y`` as floats, ``None`` and ``pandas.NA`` as NaN."""
    y = np.asarray(y)
    if y.dtype.kind == "O":
        y = np.array([np.nan if _is_missing(v) else v for v in y], dtype=object)
    try:
        return y.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise ValueError(
            f"Unknown label type: {owner} needs a numeric y (NaN on target "
            f"rows), got dtype {y.dtype}."
        ) from None


def check_label_rows(y, n_samples):
    """Refuse a ``y`` that cannot hold one label per row of ``X``, naming y.

    Returns ``y`` unchanged (a pandas Series stays a Series).
    """
    if sp.issparse(y):
        raise TypeError(
            "y is a sparse matrix; pass a dense 1D array with one label per "
            "row of X."
        )
    try:
        arr = np.asarray(y)
    except (TypeError, ValueError):
        raise ValueError(
            "y is a ragged sequence; pass a 1D array with one label per row "
            "of X."
        ) from None
    if arr.ndim == 0:
        raise ValueError(
            f"y must be an array with one label per row of X, got the scalar "
            f"{y!r}."
        )
    if arr.dtype.kind == "c":
        raise ValueError(
            f"y has the complex dtype {arr.dtype}; pass real labels (-1 or NaN "
            "on target rows)."
        )
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"X and y have inconsistent numbers of rows: X has {n_samples}, y "
            f"has {arr.shape[0]}; pass one label per row of X."
        )
    return y


def check_class_labels(labels):
    """Run scikit-learn's ``check_classification_targets``, naming y."""
    try:
        check_classification_targets(labels)
    except ValueError as exc:
        raise ValueError(f"y: {exc}") from None


def capped_weights(w, max_weight):
    """Return the importance weights ``min(c w, max_weight)`` of mean one.

    The mean of the capped weights grows with ``c``, so ``log c`` is found
    by bisection; weights already below the cap are only rescaled.
    """
    w = w / w.mean()
    if w.max() <= max_weight:
        return w
    lo, hi = 0.0, np.log(max_weight / w.min())
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if np.minimum(np.exp(mid) * w, max_weight).mean() < 1.0:
            lo = mid
        else:
            hi = mid
    w = np.minimum(np.exp(hi) * w, max_weight)
    return w / w.mean()


def rows_at_most(rows, max_samples, rng):
    """Return ``rows`` (indices of one domain), or ``max_samples`` of them.

    The kept rows are drawn by ``rng`` without replacement and sorted;
    ``max_samples=None`` keeps every row.
    """
    if max_samples is None or rows.size <= max_samples:
        return rows
    return np.sort(rng.choice(rows, size=max_samples, replace=False))
