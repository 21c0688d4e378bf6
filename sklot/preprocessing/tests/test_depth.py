"""OTDepthOutlierDetector: scikit-learn's outlier API and the depth."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from sklot.preprocessing import OTDepthOutlierDetector, OTQuantileTransformer


def _gaussian(n, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2)) * [3.0, 0.5]


def test_outlier_api():
    X = _gaussian(400)
    det = OTDepthOutlierDetector(contamination=0.1, random_state=0).fit(X)
    labels = det.predict(X)
    assert set(np.unique(labels)) == {-1, 1}
    # the threshold is the contamination quantile of the training scores
    assert abs(np.mean(labels == -1) - 0.1) <= 0.01
    np.testing.assert_allclose(
        det.decision_function(X), det.score_samples(X) - det.offset_
    )
    np.testing.assert_array_equal(det.fit_predict(X), labels)


def test_scores_are_minus_the_rank_norm():
    X = _gaussian(300)
    det = OTDepthOutlierDetector(random_state=0).fit(X)
    qt = OTQuantileTransformer(reg=det.reg, random_state=0).fit(X)
    new = X[:50] * 0.9 + 0.01  # rows that are not fitted rows
    np.testing.assert_allclose(
        det.score_samples(new), -np.linalg.norm(qt.transform(new), axis=1)
    )
    assert np.all((det.score_samples(X) >= -1.0) & (det.score_samples(X) <= 0.0))


def test_depth_is_affine_equivariant_for_elliptical_data():
    # for a Gaussian the depth contours are ellipses: points at the same
    # Mahalanobis radius get about the same depth
    X = _gaussian(1500)
    det = OTDepthOutlierDetector(random_state=0).fit(X)
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = np.column_stack([3.0 * np.cos(angles), 0.5 * np.sin(angles)])
    scores = det.score_samples(ring)
    assert scores.std() < 0.08
    # one standard deviation out: the rank norm is P(chi_2 <= 1) ~ 0.39
    assert abs(-scores.mean() - 0.39) < 0.1


def test_separates_planted_outliers():
    rng = np.random.default_rng(3)
    inliers = _gaussian(500, seed=3)
    outliers = rng.uniform(-12, 12, size=(50, 2))
    outliers = outliers[np.abs(outliers[:, 0] / 3) + np.abs(outliers[:, 1] / 0.5) > 6]
    X = np.vstack([inliers, outliers])
    y = np.r_[np.ones(len(inliers)), np.zeros(len(outliers))]
    det = OTDepthOutlierDetector(random_state=0).fit(X)
    assert roc_auc_score(y, det.score_samples(X)) > 0.95


@pytest.mark.parametrize("bad", [0.0, 0.6])
def test_contamination_is_validated(bad):
    with pytest.raises(ValueError, match="contamination"):
        OTDepthOutlierDetector(contamination=bad).fit(_gaussian(20))
