"""A model-selection scorer that compares adapted and unadapted models alike."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import _safe_indexing

from ..solvers import cost_matrix, emd
from ..solvers._api import cost_median, pairwise_median
from ..utils._domain import rows_at_most
from ._da_scorers import (
    FOLD_SEED,
    _as_features,
    _final_step,
    _fold_domains,
    _is_regression,
    _shared_space,
)

__all__ = ["transport_consistency_scorer"]


def _adapted_source(estimator, X_source, y_source):
    """Source rows as the model's classifier saw them, their weights, the model."""
    Z, final = _final_step(estimator, X_source)
    Z = _as_features(Z)
    inner = getattr(final, "estimator_", None)
    adapter = getattr(final, "adapter_", None)
    if inner is None or not hasattr(final, "adapter_"):
        return Z, Z, np.ones(Z.shape[0]), final
    mapped = Z if adapter is None else np.asarray(adapter.transform(Z), float)
    weight = None
    if adapter is not None and hasattr(adapter, "_row_weights"):
        weight = adapter._row_weights(Z, y_source)
    if weight is None:
        weight = np.ones(Z.shape[0])
    return Z, mapped, weight, inner


def transport_consistency_scorer(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike | None,
    *,
    sample_domain: ArrayLike | None = None,
    label_cost: float = 0.5,
    max_samples: int | None = 2000,
) -> float:
    r"""Negative transport cost between labelled source and predicted target.

    The source rows of the validation fold are moved as the model moved its
    training rows (by its adapter, weighted as its adapter weights them) and
    keep their true labels; the target rows of the fold get the model's
    predicted labels. The score is minus the optimal transport cost between
    these two labelled samples, with the ground cost
    :math:`\|x - x'\|^2 / s + \lambda\, [y \ne y']` (``s`` the median
    squared distance between the unmoved source rows and the target rows,
    so the score has one scale for every candidate). A shared-space
    adapter (:class:`~sklot.adaptation.TransferComponentAnalysis`) maps
    both domains into new features; they are compared there, with ``s``
    converted into the new units by the ratio of the target rows' median
    squared distance in the new features to that in the input.

    A model scores high when its adapted source sample lies on the target
    sample *and* its predictions on the target agree with the labels that
    travelled there. The source-only model pays for the whole domain shift;
    a map that collapses the rows, or one that carries them to the wrong
    class so that the classifier cannot follow, pays for it too. It is the
    score the guard of :class:`~sklot.adaptation.NegativeTransferGuard`
    compares candidates by, because its values are comparable between the
    source-only model (``adapter="passthrough"``), reweighting and
    transport.

    When it fails: a map that lands every source row on the target in a
    class arrangement a flexible classifier can follow scores well even if
    the arrangement is wrong (it is blind, like every unsupervised score, to
    a consistent relabelling); under pure covariate shift it prefers moving
    the rows onto the target, which is right only when the shift is large.
    Classification only.

    Parameters
    ----------
    estimator : estimator object
        A fitted domain-adaptation classifier, or a pipeline ending in one
        (any other classifier is scored with its rows unmoved).
    X : array-like of shape (n_samples, n_features)
        The validation rows, stacked.
    y : array-like of shape (n_samples,)
        Labels with target rows marked ``-1``.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Explicit domains (``< 0`` target), when ``y`` does not mark them.
    label_cost : float, default=0.5
        Cost :math:`\lambda` of matching rows whose labels differ, in units
        of the median squared distance.
    max_samples : int or None, default=2000
        Score a fold on at most this many rows of each domain, drawn with a
        fixed seed (the same rows for every candidate of a search): the
        exact transport of ``n`` rows needs an ``n``-square cost matrix,
        8 GB at 33,000 rows. None scores every row.

    Returns
    -------
    score : float
        Minus the transport cost (at most 0; greater is better).

    See Also
    --------
    prediction_entropy_scorer : Confidence of the target predictions.
    sklot.adaptation.NegativeTransferGuard : Selection that uses this score.

    References
    ----------
    .. [1] N. Courty, R. Flamary, A. Habrard, A. Rakotomamonjy. "Joint
       distribution optimal transportation for domain adaptation".
       NeurIPS 2017.

    Examples
    --------
    >>> from sklearn.model_selection import cross_val_score, StratifiedKFold
    >>> from sklot.adaptation import DomainAdaptationClassifier
    >>> from sklot.datasets import make_domain_shift
    >>> from sklot.metrics import transport_consistency_scorer
    >>> X, y = make_domain_shift(n_samples_source=60, n_samples_target=60,
    ...                          random_state=0)
    >>> adapted = cross_val_score(DomainAdaptationClassifier(), X, y,
    ...     cv=StratifiedKFold(3), scoring=transport_consistency_scorer)
    >>> source_only = cross_val_score(
    ...     DomainAdaptationClassifier(adapter="passthrough"), X, y,
    ...     cv=StratifiedKFold(3), scoring=transport_consistency_scorer)
    >>> bool(adapted.mean() > source_only.mean())
    True
    """
    if not isinstance(label_cost, numbers.Real) or label_cost < 0:
        raise ValueError(
            f"label_cost must be a non-negative float, got {label_cost!r}."
        )
    if max_samples is not None and (
        isinstance(max_samples, bool)
        or not isinstance(max_samples, numbers.Integral)
        or max_samples < 1
    ):
        raise ValueError(
            f"max_samples must be a positive int or None, got {max_samples!r}."
        )
    y, split, source, target = _fold_domains(X, y, sample_domain, estimator)
    if _is_regression(estimator, split):
        raise ValueError(
            "transport_consistency_scorer compares class labels; for "
            "regression use circular_validation_scorer or "
            "importance_weighted_scorer."
        )
    rng = np.random.default_rng(FOLD_SEED)
    source = rows_at_most(source, max_samples, rng)
    target = rows_at_most(target, max_samples, rng)
    y_source = y[source]
    Z_source, mapped, weight, _ = _adapted_source(
        estimator, _safe_indexing(X, source), y_source
    )
    Z_target, final = _final_step(estimator, _safe_indexing(X, target))
    pred = np.asarray(final.predict(Z_target))
    Z_target = _as_features(Z_target)
    scale = float(cost_median(cost_matrix(Z_source, Z_target)))
    shared = _shared_space(final)
    if shared is not None:
        # The domains are compared where the model put them both, in that
        # space's units: the scale is converted by the ratio of the target
        # rows' spread there to their spread in the input.
        embedded = np.asarray(shared.transform(Z_target), float)
        spread_in, spread_out = (
            pairwise_median(cost_matrix(Z, Z)) for Z in (Z_target, embedded)
        )
        if spread_in > 0 and spread_out > 0:
            scale *= spread_out / spread_in
        else:
            scale = float(cost_median(cost_matrix(mapped, embedded)))
        Z_target = embedded
    M = cost_matrix(mapped, Z_target)
    M /= scale if scale > 0 else 1.0
    M += label_cost * (y_source[:, None] != pred[None, :])
    a = weight / weight.sum()
    b = np.full(Z_target.shape[0], 1.0 / Z_target.shape[0])
    return -float(emd(a, b, M).value)
