import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklot.utils import (
    check_distributions,
    check_equal_mass,
    check_marginal,
    distributions_from_frame,
    split_domains,
)


def test_split_domains_classification_marker():
    y = np.array([0, 2, -1, 1, -1])
    split = split_domains(y)
    assert split.task == "classification"
    np.testing.assert_array_equal(split.target, y == -1)
    np.testing.assert_array_equal(split.source, y != -1)
    np.testing.assert_array_equal(split.labelled, y != -1)
    assert split.has_target


def test_split_domains_regression_marker_is_nan():
    y = np.array([0.3, -1.0, np.nan, 2.5])
    split = split_domains(y)
    assert split.task == "regression"
    # -1.0 is a legitimate regression value, NaN is the marker
    np.testing.assert_array_equal(split.target, [False, False, True, False])


def test_split_domains_sample_domain_allows_labelled_target():
    y = np.array([0, 1, 1, -1])
    sample_domain = np.array([0, 0, -1, -1])
    split = split_domains(y, sample_domain)
    np.testing.assert_array_equal(split.target, [False, False, True, True])
    np.testing.assert_array_equal(split.labelled, [True, True, True, False])


def test_split_domains_does_not_modify_y():
    y = np.array([0.0, np.nan, 1.0])
    before = y.copy()
    split_domains(y)
    np.testing.assert_array_equal(y, before)


def test_split_domains_without_labels():
    split = split_domains(n_samples=3)
    assert not split.has_target and split.source.all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y": np.zeros((2, 2))}, "y must be 1D"),
        ({"y": [0, 1], "sample_domain": [0.5, 1.0]}, "sample_domain must be"),
        ({"y": [0, 1], "sample_domain": [0, 1, 1]}, "sample_domain has 3"),
        ({"y": [0, 1], "task": "ranking"}, "'task' parameter"),
        ({"y": ["a", "b"], "task": "regression"}, "Regression targets"),
        ({}, "Pass y, sample_domain or n_samples"),
    ],
)
def test_split_domains_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        split_domains(**kwargs)


def test_check_marginal_uniform_and_errors():
    np.testing.assert_allclose(check_marginal([], 4, "a"), np.full(4, 0.25))
    with pytest.raises(ValueError, match="a has 2 weights"):
        check_marginal([0.5, 0.5], 3, "a")
    with pytest.raises(ValueError, match="negative"):
        check_marginal([1.0, -0.5], 2, "b")
    with pytest.raises(ValueError, match="b.*NaN"):
        check_marginal([1.0, np.nan], 2, "b")
    with pytest.raises(ValueError, match="zero total mass"):
        check_marginal([0.0, 0.0], 2, "a")
    with pytest.raises(TypeError, match="scalar"):
        check_marginal(1.0, 2, "a")


def test_check_equal_mass():
    check_equal_mass(np.array([1.0, 1.0]), np.array([0.5, 1.5]))
    with pytest.raises(ValueError, match="same total mass"):
        check_equal_mass(np.array([1.0]), np.array([2.0]))


def test_distributions_point_clouds_and_pairs(rng):
    clouds = [rng.normal(size=(5, 3)), (rng.normal(size=(2, 3)), [1.0, 3.0])]
    d = check_distributions(clouds)
    assert d.kind == "clouds" and len(d) == 2 and d.dim == 3
    np.testing.assert_allclose(d.weights[1], [0.25, 0.75])
    np.testing.assert_allclose(d.weights[0].sum(), 1.0)


def test_distributions_one_dimensional_clouds_of_different_sizes():
    d = check_distributions([np.arange(3.0), np.arange(5.0)])
    assert d.kind == "clouds" and d.dim == 1
    assert d.sizes.tolist() == [3, 5]


def test_distributions_rows_and_histograms():
    X = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]])
    rows = check_distributions(X)
    assert rows.kind == "rows" and rows.dim == 1
    np.testing.assert_array_equal(rows.points[0].ravel(), X[0])
    hist = check_distributions(X, support=np.eye(3))
    assert hist.kind == "histograms" and hist.dim == 3
    np.testing.assert_allclose(hist.histograms().sum(axis=1), 1.0)
    np.testing.assert_allclose(hist.weights[0], X[0] / 6)


@pytest.mark.parametrize(
    "X, support, match",
    [
        ([np.zeros((2, 2)), np.zeros((2, 3))], None, "same dimension"),
        ([(np.zeros((2, 2)), [1.0])], None, "2 points but 1 weights"),
        ([(np.zeros((2, 2)), [1.0, -1.0])], None, "negative"),
        ([np.zeros((2, 2))], np.zeros(2), "support is only used"),
        (np.ones((2, 3)), np.zeros(2), "support has 2 points"),
        (np.array([[1.0, -1.0]]), np.zeros(2), "negative"),
        (np.array([[0.0, 0.0]]), np.zeros(2), "zero total mass"),
        ([np.array([[np.nan, 0.0]]), np.zeros((1, 2))], None, "NaN"),
    ],
)
def test_distributions_errors(X, support, match):
    with pytest.raises(ValueError, match=match):
        check_distributions(X, support=support)


def test_distributions_from_frame_keeps_group_order_and_weights():
    frame = pd.DataFrame(
        {
            "id": [7, 3, 7, 3, 9],
            "x": [1.0, 2.0, 3.0, 4.0, 5.0],
            "y": [0.0, 1.0, 0.0, 1.0, 0.0],
            "w": [1.0, 1.0, 3.0, 1.0, 2.0],
        }
    )
    clouds, groups = distributions_from_frame(frame, "id", weight="w")
    assert groups.tolist() == [7, 3, 9]
    points, weights = clouds[0]
    np.testing.assert_array_equal(points, [[1.0, 0.0], [3.0, 0.0]])
    np.testing.assert_array_equal(weights, [1.0, 3.0])
    parsed = check_distributions(clouds)
    np.testing.assert_allclose(parsed.weights[0], [0.25, 0.75])


def test_distributions_from_frame_errors():
    frame = pd.DataFrame({"id": ["a"], "label": ["x"]})
    with pytest.raises(TypeError, match="DataFrame"):
        distributions_from_frame(frame.to_numpy(), "id")
    with pytest.raises(ValueError, match="group='missing'"):
        distributions_from_frame(frame, "missing")
    with pytest.raises(ValueError, match="no numeric columns"):
        distributions_from_frame(frame, "id")


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=5),
    st.integers(min_value=1, max_value=3),
)
def test_distributions_weights_always_normalised(sizes, dim):
    rng = np.random.default_rng(sum(sizes) + dim)
    clouds = [(rng.normal(size=(n, dim)), rng.random(n) + 0.01) for n in sizes]
    parsed = check_distributions(clouds)
    assert parsed.sizes.tolist() == sizes
    for w in parsed.weights:
        assert np.all(w >= 0)
        np.testing.assert_allclose(w.sum(), 1.0)
