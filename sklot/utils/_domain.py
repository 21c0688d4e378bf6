"""The domain convention of sklot's adaptation estimators.

One ``X`` holds every domain, stacked. Target rows are marked in ``y`` with
``-1`` (classification) or ``NaN`` (regression), scikit-learn's
semi-supervised convention, or by an optional ``sample_domain`` array in which
``>= 0`` means source and ``< 0`` means target (skada's convention).
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils.multiclass import type_of_target

__all__ = ["DomainSplit", "NoTargetWarning", "split_domains", "TARGET_LABEL"]

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


def _infer_task(y):
    if y.dtype.kind == "f":
        if np.isnan(y).any():
            return "regression"
        kind = type_of_target(y)
        return "regression" if kind.startswith("continuous") else "classification"
    return "classification"


def _target_marker(y, task):
    if task == "regression":
        if y.dtype.kind not in "fc":
            raise ValueError(
                "Regression targets must be floats with NaN marking target "
                f"rows, got y of dtype {y.dtype}."
            )
        return np.isnan(y)
    if y.dtype.kind in "iuf":
        return y == TARGET_LABEL
    return np.zeros(y.shape[0], dtype=bool)


def split_domains(y=None, sample_domain=None, *, n_samples=None, task=None):
    """Find the source and target rows of a stacked sample.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or None
        Labels, with ``-1`` (classification) or ``NaN`` (regression) on target
        rows. ``None`` means every row is a source row unless
        ``sample_domain`` says otherwise.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Explicit domains: ``>= 0`` source, ``< 0`` target. When given it
        decides the domains and ``y`` may carry labels on target rows.
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
    """
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(
                f"y must be 1D with one label per row, got shape {y.shape}."
            )
        n_samples = y.shape[0]
        if task is None:
            task = _infer_task(y)
        elif task not in ("classification", "regression"):
            raise ValueError(
                f"task must be 'classification' or 'regression', got {task!r}."
            )
    if sample_domain is not None:
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
        n_samples = sample_domain.shape[0]
        target = sample_domain < 0
    elif y is not None:
        target = _target_marker(y, task)
    else:
        if n_samples is None:
            raise ValueError("Pass y, sample_domain or n_samples.")
        target = np.zeros(n_samples, dtype=bool)
    if sample_domain is None:
        sample_domain = np.where(target, -2, 1)
    labelled = ~target if y is None else ~_target_marker(y, task)
    return DomainSplit(
        source=~target,
        target=target,
        labelled=labelled,
        sample_domain=sample_domain.astype(np.intp, copy=False),
        task=task,
    )
