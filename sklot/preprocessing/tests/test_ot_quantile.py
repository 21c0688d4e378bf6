"""OTQuantileTransformer against independent references."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.optimize import linear_sum_assignment
from sklearn.preprocessing import QuantileTransformer

from sklot.preprocessing import OTQuantileTransformer


def _banana(n, seed=0, dim=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dim))
    X[:, 1] += X[:, 0] ** 2
    return X * np.arange(1, dim + 1) + 3.0


@pytest.mark.parametrize("output", ["uniform_ball", "normal"])
def test_1d_training_rows_get_the_univariate_quantile_transform(output):
    x = np.random.default_rng(0).exponential(size=(101, 1))
    U = OTQuantileTransformer(output_distribution=output).fit_transform(x)
    p = (stats.rankdata(x[:, 0]) - 0.5) / x.shape[0]
    expected = 2.0 * p - 1.0 if output == "uniform_ball" else stats.norm.ppf(p)
    np.testing.assert_allclose(U[:, 0], expected, rtol=0, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.integers(-5, 5), min_size=2, max_size=40).filter(
        lambda v: len(set(v)) > 1
    )
)
def test_1d_ties_get_the_average_rank(values):
    x = np.asarray(values, dtype=float)[:, None]
    U = OTQuantileTransformer().fit(x).transform(x)[:, 0]
    p = (stats.rankdata(x[:, 0], method="average") - 0.5) / x.shape[0]
    np.testing.assert_allclose(U, 2.0 * p - 1.0, atol=1e-12)


def test_1d_new_points_match_sklearn_quantile_transformer():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 1))
    new = rng.normal(scale=2.0, size=(200, 1))
    n = x.shape[0]
    ours = OTQuantileTransformer().fit(x).transform(new)[:, 0]
    sk = QuantileTransformer(n_quantiles=n, subsample=None).fit(x).transform(new)
    # both interpolate linearly between the sorted values; the levels differ
    # by an affine map: ours (2 r - 1) / n - 1, sklearn's (r - 1) / (n - 1)
    np.testing.assert_allclose(ours, (1.0 + 2.0 * (n - 1) * sk[:, 0]) / n - 1.0,
                               atol=1e-12)


def test_1d_inverse_recovers_training_rows_exactly():
    x = np.random.default_rng(2).gamma(2.0, size=(40, 1))
    qt = OTQuantileTransformer().fit(x)
    np.testing.assert_allclose(qt.inverse_transform(qt.transform(x)), x, atol=1e-12)


@pytest.mark.parametrize("output", ["uniform_ball", "normal"])
@pytest.mark.parametrize("dim", [2, 3])
def test_assignment_is_optimal_and_a_permutation_of_the_grid(output, dim):
    X = _banana(120, dim=dim)
    qt = OTQuantileTransformer(output_distribution=output, subsample=None).fit(X)
    # every training row appears once among the quantiles
    key = np.lexsort(X.T)
    np.testing.assert_array_equal(
        qt.quantiles_[np.lexsort(qt.quantiles_.T)], X[key]
    )
    # the assignment is optimal: scipy's Hungarian solver as the oracle
    Z = (X - X.mean(0)) / X.std(0)
    Zq = (qt.quantiles_ - X.mean(0)) / X.std(0)
    C = ((Z[:, None, :] - qt.references_[None, :, :]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(C)
    ours = ((Zq - qt.references_) ** 2).sum()
    np.testing.assert_allclose(ours, C[rows, cols].sum(), rtol=1e-10)


def test_uniform_grid_radii_are_uniform_levels():
    n = 110
    qt = OTQuantileTransformer(subsample=None).fit(_banana(n))
    radii = np.sort(np.linalg.norm(qt.references_, axis=1))
    n_radii = round(np.sqrt(n))
    n_dir = n // n_radii
    levels = (np.arange(n_radii) + 0.5) / n_radii
    expected = np.concatenate(
        [np.zeros(n - n_radii * n_dir), np.repeat(levels, n_dir)]
    )
    np.testing.assert_allclose(radii, expected, atol=1e-12)


def test_grid_has_enough_directions_in_high_dimension():
    from sklot.preprocessing._reference import reference_sample

    U = reference_sample(200, 30)
    directions = U[np.linalg.norm(U, axis=1) > 0]
    assert np.linalg.matrix_rank(directions) == 30


def test_normal_grid_is_gaussian():
    qt = OTQuantileTransformer(output_distribution="normal", subsample=None)
    U = qt.fit(_banana(900)).references_
    # squared norms of a standard Gaussian in 2D are chi2(2): compare means
    assert abs(np.mean((U ** 2).sum(1)) - 2.0) < 0.1
    assert abs(U.mean()) < 0.02


@pytest.mark.parametrize("output", ["uniform_ball", "normal"])
def test_training_rows_get_exactly_the_reference_grid(output):
    X = _banana(400)
    qt = OTQuantileTransformer(output_distribution=output, subsample=None)
    U = qt.fit(X).transform(X)
    # ranks of the fitted rows are the grid itself, each point once
    assert np.array_equal(np.unique(U, axis=0), np.unique(qt.references_, axis=0))
    assert np.array_equal(qt.transform(qt.quantiles_), qt.references_)


def test_inverse_recovers_training_rows_exactly():
    X = _banana(400)
    qt = OTQuantileTransformer(subsample=None).fit(X)
    assert np.array_equal(qt.inverse_transform(qt.transform(X)), X)


def test_interpolation_near_fitted_rows_is_close_to_their_ranks():
    X = _banana(400)
    qt = OTQuantileTransformer(subsample=None).fit(X)
    nudged = qt.quantiles_ + 1e-9 * X.std(0)
    U = qt.transform(nudged)
    err = np.linalg.norm(U - qt.references_, axis=1)
    radial_spacing = 1.0 / round(np.sqrt(400))
    assert err.mean() < 2 * radial_spacing
    assert np.linalg.norm(U, axis=1).max() <= 1.0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), length=st.integers(2, 6))
def test_map_is_cyclically_monotone(seed, length):
    qt = _fitted()
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=2.0, size=(length, 2))
    T = qt.transform(Z * qt.scale_ + qt.mean_)
    # sum_k <z_k, T(z_k) - T(z_{k+1})> >= 0 for every cycle
    total = np.sum(Z * (T - np.roll(T, -1, axis=0)))
    assert total >= -1e-9


_CACHE = {}


def _fitted():
    if "qt" not in _CACHE:
        _CACHE["qt"] = OTQuantileTransformer(subsample=None).fit(_banana(300))
    return _CACHE["qt"]


@settings(max_examples=10, deadline=None)
@given(
    scale=st.floats(0.01, 100.0), shift=st.floats(-100.0, 100.0),
)
def test_invariant_to_column_scaling(scale, shift):
    X = _banana(80)
    qt = OTQuantileTransformer(subsample=None).fit(X)
    qt2 = OTQuantileTransformer(subsample=None).fit(X * scale + shift)
    np.testing.assert_allclose(qt2.transform(X * scale + shift), qt.transform(X),
                               atol=1e-8)


def test_subsample_and_random_state():
    X = _banana(500)
    a = OTQuantileTransformer(subsample=100, random_state=0).fit(X)
    b = OTQuantileTransformer(subsample=100, random_state=0).fit(X)
    c = OTQuantileTransformer(subsample=100, random_state=1).fit(X)
    assert a.quantiles_.shape == (100, 2)
    np.testing.assert_array_equal(a.quantiles_, b.quantiles_)
    assert not np.array_equal(a.quantiles_, c.quantiles_)


def test_pandas_output_and_feature_names():
    X = pd.DataFrame(_banana(60), columns=["income", "debt"])
    qt = OTQuantileTransformer().set_output(transform="pandas").fit(X)
    out = qt.transform(X)
    assert list(out.columns) == ["income", "debt"]
    assert list(qt.get_feature_names_out()) == ["income", "debt"]


def test_constant_column_is_finite():
    X = _banana(50)
    X[:, 1] = 4.0
    U = OTQuantileTransformer().fit_transform(X)
    assert np.all(np.isfinite(U))
