"""Closed-form worst-case perturbations of data for linear classifiers."""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ..utils._domain import _as_labels, check_label_rows
from ..utils._validation import check_finite_array

__all__ = ["worst_case_perturbation"]


def _dual_direction(v, p):
    """Return unit vectors ``u`` (``||u||_p = 1``) maximising ``v . u`` by row.

    Also returns the maxima ``||v||_q`` (the dual norm).
    """
    u = np.zeros_like(v)
    if p == 2:
        norm = np.sqrt((v * v).sum(axis=1))
        nz = norm > 0
        u[nz] = v[nz] / norm[nz, None]
    elif p == np.inf:
        norm = np.abs(v).sum(axis=1)
        u = np.sign(v)
    else:
        j = np.abs(v).argmax(axis=1)
        rows = np.arange(v.shape[0])
        norm = np.abs(v[rows, j])
        u[rows, j] = np.sign(v[rows, j])
    return u, norm


@validate_params(
    {
        "estimator": [object],
        "X": ["array-like"],
        "y": ["array-like"],
        "budget": [Interval(Real, 0, None, closed="left")],
        "p": [Options(Real, {1, 2, np.inf})],
        "budget_type": [StrOptions({"sample", "wasserstein"})],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def worst_case_perturbation(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike,
    budget: float,
    *,
    p: float = 2,
    budget_type: str = "sample",
    sample_weight: ArrayLike | None = None,
) -> np.ndarray:
    r"""Worst-case perturbation of a data set for a fitted linear classifier.

    For a linear classifier the strongest attack has a closed form, so this
    measures robustness exactly (no iterative attack, no approximation).

    - ``budget_type="sample"``: every row moves by at most ``budget`` in the
      norm ``||.||_p``, in the direction that most lowers the score of its
      true class against the strongest other class. The accuracy on the
      result is the exact robust accuracy at that radius.
    - ``budget_type="wasserstein"``: the rows move with a total transport
      cost ``sum_i w_i ||x_i - x'_i||_p <= budget`` (weights ``w_i`` summing
      to one, labels fixed), the attack the Wasserstein ball of a
      distributionally robust model allows: the rows cheapest to
      misclassify are pushed just across the decision boundary while the
      budget lasts (with equal weights, as many rows as the budget can
      misclassify).

    Parameters
    ----------
    estimator : fitted linear classifier
        Any classifier with ``coef_``, ``intercept_`` and ``classes_``
        whose prediction is the argmax of ``X @ coef_.T + intercept_``
        (the sign for two classes), such as
        :class:`~sklot.linear_model.WassersteinDROClassifier`,
        :class:`~sklearn.linear_model.LogisticRegression` or
        :class:`~sklearn.svm.LinearSVC`.
    X : array-like of shape (n_samples, n_features)
        Data to perturb.
    y : array-like of shape (n_samples,)
        True labels (values of ``estimator.classes_``).
    budget : float
        Per-row radius (``"sample"``) or total transport budget
        (``"wasserstein"``), in the units of the features.
    p : {1, 2, inf}, default=2
        Norm measuring the perturbation.
    budget_type : {"sample", "wasserstein"}, default="sample"
        How the budget is spent, see above.
    sample_weight : array-like of shape (n_samples,), default=None
        Mass of each row for ``"wasserstein"`` (uniform by default);
        ignored for ``"sample"``.

    Returns
    -------
    X_adv : ndarray of shape (n_samples, n_features)
        The perturbed data (float64); ``X`` itself is not modified.

    See Also
    --------
    WassersteinDROClassifier : Classifier trained against the worst case.

    Notes
    -----
    With scores :math:`s_k(x) = w_k^\top x + b_k`, row :math:`i` of class
    :math:`y` is attacked against class :math:`k` along the unit vector
    :math:`u` maximising :math:`(w_k - w_y)^\top u`, which raises
    :math:`s_k - s_y` by :math:`\|w_k - w_y\|_*` per unit of displacement
    (:math:`\|\cdot\|_*` the dual norm); the attacked class is the one with
    the largest :math:`s_k - s_y + \text{budget}\,\|w_k - w_y\|_*`. With
    two classes :math:`w_k - w_y = \pm w`. A row misclassified at
    displacement :math:`c_i = \min_k (s_y - s_k)_+ / \|w_k - w_y\|_*`
    costs :math:`c_i` under the Wasserstein budget, so the attack there
    sorts the rows by :math:`c_i`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklot.linear_model import worst_case_perturbation
    >>> X = np.array([[-2.0, 0.0], [-1.0, 1.0], [1.0, -1.0], [2.0, 0.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> clf = LogisticRegression().fit(X, y)
    >>> X_adv = worst_case_perturbation(clf, X, y, budget=0.5)
    >>> np.linalg.norm(X_adv - X, axis=1)
    array([0.5, 0.5, 0.5, 0.5])
    >>> clf.score(X, y), clf.score(worst_case_perturbation(clf, X, y, 2.0), y)
    (1.0, 0.0)
    """
    check_is_fitted(estimator)
    for attr in ("coef_", "intercept_", "classes_"):
        if not hasattr(estimator, attr):
            raise TypeError(
                f"estimator must be a fitted linear classifier with coef_, "
                f"intercept_ and classes_; {type(estimator).__name__} has no "
                f"{attr}."
            )
    X = check_finite_array(X, "X", dtype=(np.float64,))
    y = _as_labels(check_label_rows(y, X.shape[0]))
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
    intercept = np.broadcast_to(
        np.asarray(estimator.intercept_, dtype=np.float64), (coef.shape[0],)
    )
    if coef.shape[1] != X.shape[1]:
        raise ValueError(
            f"X has {X.shape[1]} features but the estimator was fitted with "
            f"{coef.shape[1]}; pass data with the estimator's features."
        )
    classes = np.asarray(estimator.classes_)
    lookup = {c: i for i, c in enumerate(classes.tolist())}
    try:
        y_index = np.array([lookup[c] for c in y.tolist()], dtype=np.intp)
    except KeyError as exc:
        raise ValueError(
            f"y contains the label {exc.args[0]!r}, which is not among the "
            f"estimator's classes_ {classes.tolist()}; pass the true labels."
        ) from None
    n = X.shape[0]
    if n == 0:
        return X
    rows = np.arange(n)
    if coef.shape[0] == 1:
        # two classes: scores (-s/2, s/2), so w_k - w_y = -+w and the gap
        # s_k - s_y = -+s
        sign = np.where(y_index == 1, -1.0, 1.0)
        v = sign[:, None] * coef[0][None, :]
        gap = sign * (X @ coef[0] + intercept[0])
    else:
        scores = X @ coef.T + intercept
        diff = coef[None, :, :] - coef[y_index][:, None, :]  # (n, K, d)
        _, dual = _dual_direction(diff.reshape(-1, X.shape[1]), p)
        dual = dual.reshape(n, -1)
        gaps = scores - scores[rows, y_index][:, None]
        gaps[rows, y_index] = -np.inf
        if budget_type == "sample":
            k = np.argmax(gaps + budget * dual, axis=1)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                need = np.where(dual > 0, np.maximum(-gaps, 0.0) / dual, np.inf)
            need[rows, y_index] = np.inf
            k = np.argmin(need, axis=1)
        v = diff[rows, k]
        gap = gaps[rows, k]
    u, dual_norm = _dual_direction(v, p)
    if budget_type == "sample":
        return X + budget * u
    # displacement that reaches the boundary, with a small relative margin so
    # that the moved row is misclassified despite rounding; rows already
    # misclassified need none, rows whose class cannot change need infinity
    if coef.shape[0] == 1:
        wrong = (gap > 0) | ((gap == 0) & (y_index == 1))
    else:
        wrong = scores.argmax(axis=1) != y_index
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.where(dual_norm > 0, -gap / dual_norm, np.inf)
    need = np.where(wrong, 0.0, need * (1.0 + 1e-9) + 1e-12)
    weights = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
    weights = weights / weights.sum()
    order = np.argsort(need, kind="stable")
    cost = np.cumsum(weights[order] * need[order])
    n_moved = int(np.searchsorted(cost, budget * (1.0 + 1e-12), side="right"))
    move = np.zeros(n)
    moved = order[:n_moved]
    move[moved] = need[moved]
    return X + move[:, None] * u
