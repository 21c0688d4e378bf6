"""Columns of point clouds (pandas Series, one-column DataFrame, object array)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklot.cluster import WassersteinKMeans
from sklot.kernels import SlicedWassersteinEmbedding, SlicedWassersteinKernel
from sklot.utils import check_distributions


def _clouds(seed=0, n=12, dim=1):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 9, n)
    # equal sizes too: a column is unambiguous even where a list is not
    sizes[:2] = 5
    return [rng.normal(i % 3, 1.0, size=(k, dim)).squeeze(-1) if dim == 1
            else rng.normal(i % 3, 1.0, size=(k, dim)) for i, k in enumerate(sizes)]


def _forms(clouds):
    series = pd.Series(clouds, dtype=object)
    obj = np.empty(len(clouds), dtype=object)
    obj[:] = clouds
    return {
        "series": series,
        "frame": series.to_frame("amounts"),
        "object_1d": obj,
        "object_2d": obj[:, None],
    }


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("form", ["series", "frame", "object_1d", "object_2d"])
def test_column_forms_parse_as_the_list(form, dim):
    clouds = _clouds(dim=dim)
    ref = check_distributions(clouds)
    got = check_distributions(_forms(clouds)[form])
    assert got.kind == "clouds"
    assert len(got) == len(ref)
    for p, q, w, v in zip(got.points, ref.points, got.weights, ref.weights):
        np.testing.assert_array_equal(p, q)
        np.testing.assert_array_equal(w, v)


def test_column_of_pairs_keeps_weights():
    pairs = [(np.array([0.0, 1.0]), np.array([1.0, 3.0])), (np.array([2.0]), [1.0])]
    got = check_distributions(pd.Series(pairs, dtype=object))
    np.testing.assert_allclose(got.weights[0], [0.25, 0.75])


def test_numeric_series_and_frames_are_not_columns_of_clouds():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    assert check_distributions(frame).kind == "rows"
    with pytest.raises(ValueError):
        check_distributions(pd.Series(["a", "b"], dtype=object))


@pytest.mark.parametrize("form", ["series", "frame", "object_1d"])
@pytest.mark.parametrize(
    "estimator",
    [
        SlicedWassersteinEmbedding(n_projections=4, n_quantiles=5, random_state=0),
        SlicedWassersteinKernel(n_projections=4, random_state=0),
        WassersteinKMeans(n_clusters=2, random_state=0),
    ],
    ids=lambda e: type(e).__name__,
)
def test_estimators_take_columns_like_lists(estimator, form):
    clouds = _clouds(dim=2)
    expected = estimator.fit(clouds).transform(clouds)
    column = _forms(clouds)[form]
    np.testing.assert_allclose(estimator.fit(column).transform(column), expected)


@pytest.mark.parametrize("column", ["amounts", ["amounts"]])
def test_column_transformer_pipeline(column):
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    frame = pd.DataFrame(
        {
            "amounts": [rng.lognormal(2.0 * c, 0.5, size=rng.integers(3, 15))
                        for c in y],
            "age": rng.normal(size=y.size),
        }
    )
    ct = ColumnTransformer(
        [
            ("amounts", SlicedWassersteinEmbedding(n_quantiles=5, random_state=0),
             column),
            ("rest", "passthrough", ["age"]),
        ]
    )
    model = make_pipeline(ct, LogisticRegression()).fit(frame, y)
    assert model.score(frame, y) > 0.9
    out = ct.set_output(transform="pandas").fit_transform(frame)
    assert out.shape == (60, 50 * 5 + 1)
    assert out.columns[-1] == "rest__age"


def test_metrics_and_init_take_columns():
    from sklot.metrics import pairwise_sliced_wasserstein

    clouds = _clouds(dim=2)
    column = _forms(clouds)["series"]
    np.testing.assert_allclose(
        pairwise_sliced_wasserstein(column, random_state=0),
        pairwise_sliced_wasserstein(clouds, random_state=0),
    )
    init = _forms(clouds[:2])["object_1d"]
    km = WassersteinKMeans(n_clusters=2, init=init, n_init=1).fit(column)
    ref = WassersteinKMeans(n_clusters=2, init=clouds[:2], n_init=1).fit(clouds)
    np.testing.assert_array_equal(km.labels_, ref.labels_)
