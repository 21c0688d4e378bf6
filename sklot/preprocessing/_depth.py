"""Monge-Kantorovich depth and the outlier detector built on it."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, OutlierMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._ot_quantile import OTQuantileTransformer

__all__ = ["OTDepthOutlierDetector"]


class OTDepthOutlierDetector(OutlierMixin, BaseEstimator):
    r"""Outlier detection by the center-outward (Monge-Kantorovich) depth.

    Fits an :class:`OTQuantileTransformer` with the spherical uniform
    reference; the norm of a row's center-outward rank is its outlyingness
    and ``1 - norm`` its depth (Chernozhukov et al. 2017). On the fitted rows
    the rank norms are the grid radii, uniform on [0, 1] whatever the
    distribution of the data, so a threshold on them is a quantile level:
    rows with a rank norm above ``1 - contamination`` are outliers.

    Parameters
    ----------
    contamination : float, default=0.1
        Expected proportion of outliers in the training data, in (0, 0.5]:
        ``offset_`` is the ``contamination`` quantile of the training scores.
    subsample : int or None, default=2000
        Largest number of rows used by ``fit`` (see
        :class:`OTQuantileTransformer`).
    reg : float, default=1e-2
        Relative smoothing of the rank map (see
        :class:`OTQuantileTransformer`); a smoother map ranks rows between
        grid points more finely.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsample.

    Attributes
    ----------
    transformer_ : OTQuantileTransformer
        The fitted rank map.
    offset_ : float
        Threshold on ``score_samples``: ``decision_function`` is
        ``score_samples - offset_``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column
        names.

    See Also
    --------
    OTQuantileTransformer : The center-outward ranks themselves.
    sklearn.covariance.EllipticEnvelope : Depth from a Gaussian fit.
    sklearn.ensemble.IsolationForest : Depth from random splits.

    Notes
    -----
    ``score_samples`` is :math:`-\|F(x)\|`, the opposite of the rank norm,
    so that higher means more normal as in scikit-learn. Its level sets are
    the center-outward quantile contours: they follow non-elliptical shapes
    (a banana) but are nested around a single center, so points in the
    hole of a ring or between the modes of a mixture get ranks near the
    center and are not flagged (see the user guide for measured ROC AUC).
    Beyond the fitted data the rank saturates at the outer radius: far
    outliers all get about the same score.

    References
    ----------
    Chernozhukov, Galichon, Hallin and Henry, "Monge-Kantorovich depth,
    quantiles, ranks and signs", Annals of Statistics 45 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.preprocessing import OTDepthOutlierDetector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> det = OTDepthOutlierDetector(contamination=0.05, random_state=0).fit(X)
    >>> det.predict([[0.0, 0.0], [6.0, 6.0]])
    array([ 1, -1])
    """

    _parameter_constraints = {
        "contamination": [Interval(Real, 0, 0.5, closed="right")],
        "subsample": [Interval(Integral, 2, None, closed="left"), None],
        "reg": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        contamination: float = 0.1,
        subsample: int | None = 2000,
        reg: float = 1e-2,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.contamination = contamination
        self.subsample = subsample
        self.reg = reg
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> OTDepthOutlierDetector:
        """Fit the rank map and the threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        self : OTDepthOutlierDetector
            The fitted detector.
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        self.transformer_ = OTQuantileTransformer(
            output_distribution="uniform_ball",
            subsample=self.subsample,
            reg=self.reg,
            random_state=self.random_state,
        ).fit(X)
        scores = self._scores(X)
        self.offset_ = float(np.percentile(scores, 100.0 * self.contamination))
        return self

    def _scores(self, X):
        # The smooth map, not transform's exact ranks of the fitted rows:
        # the threshold must be set on the same continuous scores that new
        # rows get, or far outliers (whose rank saturates just inside the
        # outer shell) would score as inliers.
        return -np.linalg.norm(self.transformer_._interpolate(X), axis=1)

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        """Opposite of the center-outward rank norm (higher: deeper).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            In [-1, 0]; ``1 + score`` is the Monge-Kantorovich depth.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._scores(X)

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Shifted scores: negative for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``score_samples(X) - offset_``.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Label rows as inliers (+1) or outliers (-1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 for inliers, -1 for outliers.
        """
        return np.where(self.decision_function(X) < 0, -1, 1)
