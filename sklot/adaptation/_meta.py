"""Meta-estimators that train on transported source rows.

They fit the adapter on every row, fit the estimator on the mapped labelled
rows only, and predict rows of the target domain. Target rows are marked as
for the adapters: ``y == -1`` (or ``NaN``) or a negative ``sample_domain``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    _fit_context,
    clone,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ..utils import split_domains
from ..utils._domain import (
    as_class_labels,
    as_float_target,
    check_class_labels,
    check_label_rows,
)
from ..utils._validation import validate_data
from ._base import BaseAdapter
from ._ot_adapter import OTDomainAdapter

__all__ = ["DomainAdaptationClassifier", "DomainAdaptationRegressor"]

FLOAT_DTYPES = (np.float64, np.float32)


def _estimator_has(attr):
    """Whether the (fitted, or else the given) estimator has ``attr``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        estimator = self._default_estimator() if self.estimator is None else (
            self.estimator
        )
        return hasattr(estimator, attr)

    return check


def _with_adapter_weights(sample_weight, source_weight, split):
    """Multiply the weights an adapter gives its source rows into ``sample_weight``.

    Reweighting adapters (and transport with target class proportions)
    expose ``source_weight_``, one weight per fitted source row; the
    estimator must be trained with them for the correction to reach it.
    """
    if source_weight is None:
        return sample_weight
    n = split.source.shape[0]
    weight = np.ones(n) if sample_weight is None else np.array(
        sample_weight, dtype=np.float64
    )
    weight[split.source] *= source_weight
    return weight


class _BaseDomainAdaptation(MetaEstimatorMixin, BaseEstimator):
    """Fit an adapter, then an estimator on the mapped labelled rows."""

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "adapter": [
            HasMethods(["fit_transform", "transform"]),
            StrOptions({"passthrough"}),
            None,
        ],
    }

    # With metadata routing enabled, ``sample_domain`` reaches these methods
    # without a set_*_request call (skada's convention).
    __metadata_request__fit = {"sample_domain": True}
    __metadata_request__predict = {"sample_domain": True}
    __metadata_request__score = {"sample_domain": True}

    def __init__(self, estimator: Any = None, adapter: Any = None) -> None:
        self.estimator = estimator
        self.adapter = adapter

    def _check_y(self, y, sample_domain, n_samples, scoring=False):
        """Return the 1D labels, their split, and the labelled rows' labels.

        The last are in the dtype the inner estimator is fitted on.
        """
        raise NotImplementedError

    def _fit(self, X, y, sample_domain, sample_weight):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                "y is None. Pass labels for the source rows and mark target "
                "rows with -1 (classification) or NaN (regression)."
            )
        X = validate_data(self, X, dtype=FLOAT_DTYPES)
        check_label_rows(y, X.shape[0])
        y = column_or_1d(y, warn=True)
        y, split, y_labelled = self._check_y(y, sample_domain, X.shape[0])
        if not split.source.any():
            raise ValueError(
                "X has no source rows: every row is marked as target (y == -1 "
                "or NaN, or sample_domain < 0). Include labelled source rows."
            )
        labelled = split.labelled
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        if self.adapter == "passthrough":
            self.adapter_ = None
            X_mapped = X
        else:
            adapter = OTDomainAdapter() if self.adapter is None else self.adapter
            self.adapter_ = clone(adapter)
            kwargs = {} if sample_domain is None else {"sample_domain": sample_domain}
            if sample_domain is None and isinstance(self.adapter_, BaseAdapter):
                # The domains as read here, so that the adapter reads y as
                # this estimator's task does (and warns about it only once).
                kwargs["sample_domain"] = split.sample_domain
            X_mapped = self.adapter_.fit_transform(X, y, **kwargs)
        estimator = self._default_estimator() if self.estimator is None else (
            self.estimator
        )
        self.estimator_ = clone(estimator)
        sample_weight = _with_adapter_weights(
            sample_weight, getattr(self.adapter_, "source_weight_", None), split
        )
        fit_params = {}
        if sample_weight is not None:
            fit_params["sample_weight"] = sample_weight[labelled]
        self.estimator_.fit(np.asarray(X_mapped)[labelled], y_labelled, **fit_params)
        return self

    def _map_source_rows(self, X, sample_domain):
        """Rows of ``X`` whose domain is a source domain, moved to the target.

        A shared-space adapter maps every row, whatever its domain.
        """
        if getattr(self.adapter_, "_maps_every_domain", False):
            return self.adapter_.transform(X)
        if sample_domain is None or self.adapter_ is None:
            return X
        sample_domain = np.asarray(sample_domain)
        if sample_domain.shape != (X.shape[0],):
            raise ValueError(
                f"sample_domain must have one entry per row of X ({X.shape[0]}), "
                f"got shape {sample_domain.shape}."
            )
        source = sample_domain >= 0
        if not source.any():
            return X
        X = np.array(X, copy=True)
        X[source] = self.adapter_.transform(X[source])
        return X

    def _validated(self, X, sample_domain):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        return self._map_source_rows(X, sample_domain)

    def predict(
        self, X: ArrayLike, sample_domain: ArrayLike | None = None
    ) -> np.ndarray:
        """Predict target-domain rows with the estimator fitted after transport.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of the target domain (or of any domain, with
            ``sample_domain``).
        sample_domain : array-like of int of shape (n_samples,), default=None
            When given, rows with ``sample_domain >= 0`` are source rows: the
            adapter maps them into the target domain before prediction.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        X = self._validated(X, sample_domain)
        return self.estimator_.predict(X)

    def _score_rows(self, X, y, sample_weight, sample_domain):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        check_label_rows(y, X.shape[0])
        y = column_or_1d(y)
        y, split, y_labelled = self._check_y(
            y, sample_domain, X.shape[0], scoring=True
        )
        rows = split.labelled
        if not rows.any():
            raise ValueError(
                "score needs rows with labels, but every row of y is a target "
                "marker; use an unsupervised scorer from sklot.metrics."
            )
        sd = None if sample_domain is None else np.asarray(sample_domain)[rows]
        X = self._map_source_rows(X[rows], sd)
        weight = None if sample_weight is None else (
            _check_sample_weight(sample_weight, y)[rows]
        )
        return self.estimator_.predict(X), y_labelled, weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.target_tags.required = True
        return tags


class DomainAdaptationClassifier(ClassifierMixin, _BaseDomainAdaptation):
    """Classifier trained on source rows transported into the target domain.

    The estimator a pipeline ends with for unsupervised domain adaptation:
    ``fit(X, y)`` takes source and target rows stacked in ``X``, with target
    rows marked by ``y == -1`` (or by ``sample_domain < 0``); it fits a clone
    of ``adapter`` on them, maps the source rows into the target domain, and
    fits a clone of ``estimator`` on the mapped labelled rows only.
    :meth:`predict` then classifies target-domain rows. Because the domains
    travel inside ``X`` and ``y``, it works in a plain
    :class:`~sklearn.pipeline.Pipeline` and under
    :class:`~sklearn.model_selection.GridSearchCV` without metadata routing;
    tune it without target labels with the scorers of :mod:`sklot.metrics`.

    Parameters
    ----------
    estimator : estimator object or None, default=None
        The classifier, cloned before fitting;
        :class:`~sklearn.linear_model.LogisticRegression` when None.
    adapter : transformer, "passthrough" or None, default=None
        The domain adapter, cloned before fitting: an
        :class:`OTDomainAdapter` when None, any sklot adapter (for example
        :class:`GaussianMongeMapper`) or a transformer whose
        ``fit_transform(X, y)`` maps the source rows. A shared-space
        adapter (:class:`TransferComponentAnalysis`) embeds every row, and
        the rows to predict are embedded too. ``"passthrough"``
        trains on the unmapped source rows (the source-only baseline).

    Attributes
    ----------
    adapter_ : transformer or None
        The fitted adapter (None for ``"passthrough"``).
    estimator_ : estimator object
        The classifier fitted on the mapped labelled rows.
    classes_ : ndarray of shape (n_classes,)
        The class labels, without the target marker.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Names of the features seen during fit, when ``X`` has string column
        names.

    See Also
    --------
    DomainAdaptationRegressor : The same for regression.
    OTDomainAdapter : The default adapter.
    sklot.metrics.circular_validation_scorer : Model selection without
        target labels.

    Notes
    -----
    ``y`` is never modified. Target rows are marked by ``-1``, by ``"-1"``
    in string labels and by ``None`` or ``NaN`` in object labels; a ``y``
    holding exactly {-1, 1} warns with
    :class:`~sklot.utils.TargetMarkerWarning`, since ``-1`` may then be a
    class (pass ``sample_domain`` to say so). Target rows that carry a real
    label (marked as target by ``sample_domain`` only) are part of the
    training set, unmoved.
    With no target rows the adapter is the identity and warns, so the
    classifier is then the plain estimator.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklot.adaptation import DomainAdaptationClassifier, OTDomainAdapter
    >>> from sklot.datasets import make_domain_shift
    >>> X, y, y_target = make_domain_shift(
    ...     "conditional", n_samples_source=100, n_samples_target=100,
    ...     return_target_labels=True, random_state=0)
    >>> clf = DomainAdaptationClassifier(LogisticRegression(), OTDomainAdapter())
    >>> clf.fit(X, y).score(X[y == -1], y_target) > 0.9
    True
    """

    def _default_estimator(self):
        return LogisticRegression()

    def _check_y(self, y, sample_domain, n_samples, scoring=False):
        split = split_domains(
            y, sample_domain, n_samples=n_samples, task="classification"
        )
        labelled = as_class_labels(y[split.labelled])
        if labelled.shape[0] == 0:
            raise ValueError(
                "y has no labelled rows: every row is a target marker (-1). "
                "Give the source rows their class labels."
            )
        check_class_labels(labelled)
        return y, split, labelled

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_domain: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> DomainAdaptationClassifier:
        """Fit the adapter, then the classifier on the mapped labelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows, stacked.
        y : array-like of shape (n_samples,)
            Class labels of the source rows; target rows carry ``-1`` (the
            string ``"-1"`` when the labels are strings, or ``None`` in an
            object array; see :ref:`domain_convention`).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Explicit domains (``>= 0`` source, ``< 0`` target); needed only
            for labelled target rows or several sources. With it, ``-1`` is
            an ordinary class on source rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows, passed to the estimator for the labelled
            rows.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        self._fit(X, y, sample_domain, sample_weight)
        self.classes_ = getattr(self.estimator_, "classes_", None)
        if self.classes_ is None:
            y = column_or_1d(y)
            _, _, labelled = self._check_y(y, sample_domain, y.shape[0])
            self.classes_ = np.unique(labelled)
        return self

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(
        self, X: ArrayLike, sample_domain: ArrayLike | None = None
    ) -> np.ndarray:
        """Class probabilities of target-domain rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of the target domain.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Rows with ``sample_domain >= 0`` are mapped from the source domain
            first.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        X = self._validated(X, sample_domain)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(
        self, X: ArrayLike, sample_domain: ArrayLike | None = None
    ) -> np.ndarray:
        """Log class probabilities of target-domain rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of the target domain.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Rows with ``sample_domain >= 0`` are mapped from the source domain
            first.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log probabilities, columns in the order of ``classes_``.
        """
        X = self._validated(X, sample_domain)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(
        self, X: ArrayLike, sample_domain: ArrayLike | None = None
    ) -> np.ndarray:
        """Decision function of the classifier on target-domain rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of the target domain.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Rows with ``sample_domain >= 0`` are mapped from the source domain
            first.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The estimator's decision values.
        """
        X = self._validated(X, sample_domain)
        return self.estimator_.decision_function(X)

    def score(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        sample_domain: ArrayLike | None = None,
    ) -> float:
        """Accuracy on the rows of ``y`` that carry a label.

        Rows marked as target (``y == -1``) have no label and are skipped,
        so on a stacked validation fold this is the accuracy on its source
        rows, taken as target-domain rows unless ``sample_domain`` says
        otherwise. To select hyperparameters without target labels use the
        scorers of :mod:`sklot.metrics`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,)
            True labels, ``-1`` on unlabelled rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Rows with ``sample_domain >= 0`` are mapped from the source domain
            before prediction.

        Returns
        -------
        score : float
            Mean accuracy on the labelled rows.
        """
        y_pred, y_true, weight = self._score_rows(
            X, y, sample_weight, sample_domain
        )
        return float(accuracy_score(y_true, y_pred, sample_weight=weight))


class DomainAdaptationRegressor(RegressorMixin, _BaseDomainAdaptation):
    """Regressor trained on source rows transported into the target domain.

    Like :class:`DomainAdaptationClassifier`, for a continuous ``y`` whose
    target rows are ``NaN``: ``fit(X, y)`` fits a clone of ``adapter`` on the
    stacked rows, maps the source rows into the target domain and fits a
    clone of ``estimator`` on the mapped labelled rows; :meth:`predict`
    predicts target-domain rows.

    Parameters
    ----------
    estimator : estimator object or None, default=None
        The regressor, cloned before fitting;
        :class:`~sklearn.linear_model.Ridge` when None.
    adapter : transformer, "passthrough" or None, default=None
        The domain adapter, cloned before fitting: an
        :class:`OTDomainAdapter` when None; ``"passthrough"`` trains on the
        unmapped source rows.

    Attributes
    ----------
    adapter_ : transformer or None
        The fitted adapter (None for ``"passthrough"``).
    estimator_ : estimator object
        The regressor fitted on the mapped labelled rows.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Names of the features seen during fit, when ``X`` has string column
        names.

    See Also
    --------
    DomainAdaptationClassifier : The same for classification.

    Notes
    -----
    Target rows are marked with ``NaN``. A ``y`` without ``NaN`` that
    contains ``-1`` is refused: ``-1`` is the classification marker, and in a
    float ``y`` it cannot be told apart from a real value. Mark target rows
    with ``NaN``, or pass ``sample_domain`` (``< 0`` for target rows) when
    ``-1`` is a genuine value. ``y`` is never modified.

    Examples
    --------
    >>> from sklot.adaptation import DomainAdaptationRegressor
    >>> from sklot.datasets import make_domain_shift
    >>> X, y = make_domain_shift("conditional", task="regression",
    ...                          n_samples_source=80, n_samples_target=80,
    ...                          random_state=0)
    >>> reg = DomainAdaptationRegressor().fit(X, y)
    >>> reg.predict(X[80:]).shape
    (80,)
    """

    def _default_estimator(self):
        return Ridge()

    def _check_y(self, y, sample_domain, n_samples, scoring=False):
        y = as_float_target(y, type(self).__name__)
        if np.isinf(y).any():
            raise ValueError("y contains inf; only NaN (target rows) is allowed.")
        if sample_domain is None and not scoring and not np.isnan(y).any() and (
            (y == -1).any()
        ):
            raise ValueError(
                "y contains -1 but no NaN. DomainAdaptationRegressor marks "
                "target rows with NaN (-1 is the classification marker and is "
                "ambiguous in a float y): set target rows to NaN, or pass "
                "sample_domain (< 0 for target rows) if -1 is a real value."
            )
        split = split_domains(
            y, sample_domain, n_samples=n_samples, task="regression"
        )
        if not split.labelled.any():
            raise ValueError(
                "y has no labelled rows: every row is NaN. Give the source rows "
                "their target values."
            )
        return y, split, y[split.labelled]

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_domain: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> DomainAdaptationRegressor:
        """Fit the adapter, then the regressor on the mapped labelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows, stacked.
        y : array-like of shape (n_samples,)
            Targets of the source rows; target rows carry ``NaN``.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Explicit domains (``>= 0`` source, ``< 0`` target).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows, passed to the estimator for the labelled
            rows.

        Returns
        -------
        self : object
            The fitted regressor.
        """
        return self._fit(X, y, sample_domain, sample_weight)

    def score(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        sample_domain: ArrayLike | None = None,
    ) -> float:
        """Coefficient of determination on the rows of ``y`` that are not NaN.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,)
            True values, ``NaN`` on unlabelled rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Rows with ``sample_domain >= 0`` are mapped from the source domain
            before prediction.

        Returns
        -------
        score : float
            R^2 on the labelled rows.
        """
        y_pred, y_true, weight = self._score_rows(
            X, y, sample_weight, sample_domain
        )
        return float(r2_score(y_true, y_pred, sample_weight=weight))
