"""Base class of the domain adapters.

One ``X`` stacks every domain. Target rows carry ``y == -1``
(classification) or ``NaN`` (regression), or a negative ``sample_domain``.
``fit`` learns a map from the source rows to the target rows; ``transform``
maps rows, taken as source samples, into the target domain. With no target
rows the map is the identity and a ``NoTargetWarning`` says so.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils.validation import check_is_fitted

from ..utils import NoTargetWarning, split_domains
from ..utils._domain import check_label_rows
from ..utils._validation import _check_spread, validate_data

__all__ = ["BaseAdapter"]

FLOAT_DTYPES = (np.float64, np.float32)


class BaseAdapter(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Transformer that maps source rows into the target domain.

    ``fit(X, y)`` splits the stacked rows of ``X`` into source and target
    with :func:`sklot.utils.split_domains` and learns a map between them.
    ``transform`` maps any rows as source samples, ``fit_transform`` maps the
    source rows and returns the target rows unchanged, ``inverse_transform``
    maps target samples back to the source domain. Without target rows the map
    is the identity and a :class:`~sklot.utils.NoTargetWarning` says so.

    Subclasses set ``_parameter_constraints``, decorate nothing and implement:

    - ``_fit_map(X, y, split)``: learn the map from ``X[split.source]`` to
      ``X[split.target]`` (``y`` and ``split`` give labels and domains);
    - ``_transform(X)``: map rows as source samples;
    - ``_inverse_transform(X)``: map rows as target samples (optional);
    - ``_transform_fitted_source(X_source)``: map the fitted source rows
      (defaults to ``_transform``; override when the fitted rows have a
      better in-sample map, such as a barycentric projection);
    - ``_fit_identity(X, y, split)``: set the fitted attributes when there
      are no target rows (optional; ``transform`` is then the identity).

    An adapter whose fit embeds the rows in new features stores them as
    ``_features`` (a fitted ``KernelFeatures``); its output features are
    then named after the class.
    """

    _parameter_constraints: dict = {}

    # The power of the distances the fit computes (2: squared euclidean
    # costs); inputs whose spread overflows it are refused. An adapter whose
    # transform computes distances to the fitted rows checks new rows too.
    _spread_power = 2
    _transform_uses_distances = True

    # A shared-space adapter maps the rows of every domain into new features
    # (``transform`` applies to target rows too); the meta-estimators then
    # map the rows they predict, and ``fit_transform`` maps every row.
    _maps_every_domain = False

    # With metadata routing enabled, a pipeline passes ``sample_domain`` to
    # ``fit`` without a set_fit_request call (skada's convention).
    __metadata_request__fit = {"sample_domain": True}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike | None = None,
        sample_domain: ArrayLike | None = None,
    ) -> BaseAdapter:
        """Learn the map from the source rows to the target rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows, stacked.
        y : array-like of shape (n_samples,), default=None
            Labels of the source rows; target rows carry ``-1``
            (classification) or ``NaN`` (regression).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Explicit domains (``>= 0`` source, ``< 0`` target), needed only
            for labelled target rows or several sources.

        Returns
        -------
        self : object
            The fitted adapter.
        """
        X = validate_data(self, X, dtype=FLOAT_DTYPES)
        _check_spread(X, "X", power=self._spread_power)
        if y is not None:
            check_label_rows(y, X.shape[0])
        split = split_domains(y, sample_domain, n_samples=X.shape[0])
        if not split.source.any():
            raise ValueError(
                "X has no source rows: every row is marked as target (y == -1 "
                "or NaN, or sample_domain < 0). Include labelled source rows."
            )
        self.identity_ = not split.has_target
        if self.identity_:
            warnings.warn(
                f"{type(self).__name__} was fitted without target rows (mark "
                "them with y == -1, y = NaN or sample_domain < 0); it maps "
                "every row to itself.",
                NoTargetWarning,
            )
            self._fit_identity(X, y, split)
        else:
            self._fit_map(X, y, split)
        self._fitted_source_ = split.source
        self._fitted_bounds = np.vstack([X.min(axis=0), X.max(axis=0)])
        return self

    def _check_rows(self, X):
        """Validate rows to map: fitted features, no overflow with fitted rows."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        if self._transform_uses_distances:
            _check_spread(
                [X, self._fitted_bounds], "X", power=self._spread_power
            )
        return X

    def fit_transform(
        self,
        X: ArrayLike,
        y: ArrayLike | None = None,
        sample_domain: ArrayLike | None = None,
    ) -> np.ndarray:
        """Fit, then map the source rows; target rows are returned unchanged.

        A shared-space adapter (:class:`TransferComponentAnalysis`) maps
        every row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows, stacked.
        y : array-like of shape (n_samples,), default=None
            Labels with target rows marked (see :meth:`fit`).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Explicit domains (see :meth:`fit`).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            ``X`` with its source rows mapped into the target domain.
        """
        self.fit(X, y, sample_domain=sample_domain)
        if y is not None and not self.identity_:
            from ._pipeline import warn_if_marker_reaches_estimator

            warn_if_marker_reaches_estimator(
                self, split_domains(y, sample_domain, n_samples=len(y))
            )
        if self._maps_every_domain:
            return self.transform(X)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES, copy=True)
        source = self._fitted_source_
        if not self.identity_:
            X[source] = self._transform_fitted_source(X[source])
        return X

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Map rows of ``X``, taken as source samples, into the target domain.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to map, fitted or new.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            The mapped rows.
        """
        X = self._check_rows(X)
        if self.identity_:
            return X.copy()
        return self._transform(X)

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """Map rows of ``X``, taken as target samples, to the source domain.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to map.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            The mapped rows.
        """
        X = self._check_rows(X)
        if self.identity_:
            return X.copy()
        return self._inverse_transform(X)

    @property
    def _n_features_out(self):
        return self._features.components.shape[1]

    def get_feature_names_out(self, input_features: ArrayLike = None) -> np.ndarray:
        """Names of the features ``transform`` returns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; only checked against those seen in fit.

        Returns
        -------
        feature_names_out : ndarray of str
            The input names, or the class name with a running number
            (``transfercomponentanalysis0``, ...) for an adapter whose fit
            on target rows embedded them in new features.
        """
        check_is_fitted(self)
        if not self.identity_ and getattr(self, "_features", None) is not None:
            return ClassNamePrefixFeaturesOutMixin.get_feature_names_out(
                self, input_features
            )
        return super().get_feature_names_out(input_features)

    def _fit_identity(self, X, y, split):
        """Set the fitted attributes of the identity map (no target rows)."""

    def _transform_fitted_source(self, X_source):
        return self._transform(X_source)

    def _inverse_transform(self, X):
        raise NotImplementedError(
            f"{type(self).__name__} does not implement inverse_transform."
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.allow_nan = False
        return tags
