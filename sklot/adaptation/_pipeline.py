"""Pipelines around adapters.

The helper that builds them right, and the warning for the plain pipeline
that learns the target marker as a class.
"""

from __future__ import annotations

import sys
from typing import Any

from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline, make_pipeline

from ._base import BaseAdapter
from ._meta import DomainAdaptationClassifier, DomainAdaptationRegressor

__all__ = ["TargetMarkerWarning", "make_da_pipeline"]


class TargetMarkerWarning(UserWarning):
    """Warned when a plain estimator would learn the target-row marker.

    An adapter's ``fit_transform`` returns every row, target rows included,
    and cannot remove them from ``y``: in a plain
    :class:`~sklearn.pipeline.Pipeline` the next estimator sees the
    target rows with ``y == -1`` and learns ``-1`` as a class. Build the
    pipeline with :func:`make_da_pipeline` (or end it with
    :class:`DomainAdaptationClassifier`) instead.

    Examples
    --------
    >>> from sklot.adaptation import TargetMarkerWarning
    >>> issubclass(TargetMarkerWarning, UserWarning)
    True
    """


def make_da_pipeline(
    *steps: Any, memory: Any = None, verbose: bool = False
) -> Pipeline:
    """Build a pipeline whose last step adapts, then fits on labelled rows.

    The steps are those of :func:`sklearn.pipeline.make_pipeline`, with an
    adapter (:class:`OTDomainAdapter`, :class:`GaussianMongeMapper`)
    somewhere before the final estimator. The adapter, the steps after it
    and the final estimator become one :class:`DomainAdaptationClassifier`
    (or :class:`DomainAdaptationRegressor`, after the final estimator's
    type), which fits the adapter on all rows and the estimator on the
    mapped labelled rows only, and predicts target-domain rows. Steps
    before the adapter stay ordinary pipeline steps, fitted on the source
    and target rows together (a scaler, for example). Without an adapter,
    the meta-estimator only drops the target rows from the estimator's fit
    (``adapter="passthrough"``).

    Parameters
    ----------
    *steps : list of estimators
        The steps, the last one a classifier or a regressor.
    memory : str or object with the joblib.Memory interface, default=None
        Passed to :class:`~sklearn.pipeline.Pipeline`.
    verbose : bool, default=False
        Passed to :class:`~sklearn.pipeline.Pipeline`.

    Returns
    -------
    pipeline : Pipeline
        The steps before the adapter, then the domain-adaptation
        meta-estimator.

    See Also
    --------
    DomainAdaptationClassifier : The meta-estimator for classification.
    DomainAdaptationRegressor : The meta-estimator for regression.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklot.adaptation import OTDomainAdapter, make_da_pipeline
    >>> from sklot.datasets import make_domain_shift
    >>> X, y, y_target = make_domain_shift(random_state=0,
    ...                                    return_target_labels=True)
    >>> pipe = make_da_pipeline(StandardScaler(), OTDomainAdapter(),
    ...                         LogisticRegression())
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'domainadaptationclassifier']
    >>> pred = pipe.fit(X, y).predict(X[y == -1])
    >>> bool((pred == -1).any()), round(float((pred == y_target).mean()), 2)
    (False, 0.94)
    """
    if not steps:
        raise TypeError("make_da_pipeline needs at least one step, the estimator.")
    final = steps[-1]
    if is_classifier(final):
        meta = DomainAdaptationClassifier
    elif is_regressor(final):
        meta = DomainAdaptationRegressor
    else:
        raise TypeError(
            f"The last step of make_da_pipeline must be a classifier or a "
            f"regressor, got {type(final).__name__}; end the steps with the "
            f"estimator to fit on the adapted rows."
        )
    adapters = [i for i, step in enumerate(steps[:-1]) if isinstance(step, BaseAdapter)]
    if len(adapters) > 1:
        raise ValueError(
            f"make_da_pipeline takes one adapter, got {len(adapters)} (steps "
            f"{adapters}); chain the maps yourself or keep one."
        )
    cut = adapters[0] if adapters else len(steps) - 1
    adapter = steps[cut] if adapters else "passthrough"
    rest = list(steps[cut + 1 if adapters else cut:-1])
    estimator = make_pipeline(*rest, final) if rest else final
    return make_pipeline(
        *steps[:cut], meta(estimator=estimator, adapter=adapter),
        memory=memory, verbose=verbose,
    )


def _domain_aware(estimator):
    """Whether ``estimator`` drops target rows or uses the marker as meant."""
    from ._meta import _BaseDomainAdaptation

    if estimator is None or estimator == "passthrough":
        return True
    if isinstance(estimator, (_BaseDomainAdaptation, BaseAdapter)):
        return True
    # scikit-learn's semi-supervised estimators read -1 as "unlabelled".
    if type(estimator).__module__.startswith("sklearn.semi_supervised"):
        return True
    if not hasattr(estimator, "predict"):
        return True
    if isinstance(estimator, Pipeline):
        return _domain_aware(estimator._final_estimator)
    inner = getattr(estimator, "estimator", None)
    return inner is not None and _domain_aware(inner)


def _enclosing_pipeline(depth=16):
    """Return the nearest scikit-learn Pipeline up the call stack, if any.

    An adapter cannot see what consumes its output; the Pipeline that
    calls its ``fit_transform`` can, so it is looked up on the stack.
    """
    frame = sys._getframe(2)
    for _ in range(depth):
        if frame is None:
            return None
        owner = frame.f_locals.get("self")
        if isinstance(owner, Pipeline):
            return owner
        frame = frame.f_back
    return None


def warn_if_marker_reaches_estimator(adapter, split):
    """Warn when a plain Pipeline hands the target marker to an estimator."""
    unlabelled = split.target & ~split.labelled
    if split.task != "classification" or not unlabelled.any():
        return
    pipeline = _enclosing_pipeline()
    if pipeline is None or _domain_aware(pipeline._final_estimator):
        return
    import warnings

    final = type(pipeline._final_estimator).__name__
    warnings.warn(
        f"{type(adapter).__name__}.fit_transform returned {int(unlabelled.sum())} "
        f"target rows marked y == -1 to a Pipeline that ends with {final}, "
        f"which will learn -1 as a class. Build the pipeline with "
        f"sklot.adaptation.make_da_pipeline(..., {final}()) or end it with "
        f"DomainAdaptationClassifier({final}()), which fit the estimator on "
        f"the labelled rows only.",
        TargetMarkerWarning,
        stacklevel=3,
    )
