"""Solver arguments that used to slip through or fail deep inside (issue 16)."""

import numpy as np
import pytest

from sklot.solvers import (
    barycentric_map,
    class_regularized_ot,
    cost_matrix,
    empirical_bures_wasserstein_distance,
    empirical_gaussian_barycenter,
    empirical_gaussian_monge_map,
    entropic_plan,
    sinkhorn,
    sinkhorn_divergence,
)


@pytest.fixture(scope="module")
def solve():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 2)), rng.normal(size=(5, 2))
    result = sinkhorn(None, None, cost_matrix(X, Y), 0.5)
    return X, Y, result.potentials


@pytest.mark.parametrize(
    "rows, match, error",
    [
        ([10], r"indices from 10 to 10 but X has 6 rows", ValueError),
        ([-7], r"indices from -7", ValueError),
        (np.array([0.5]), "integer row indices", TypeError),
        ("a", "rows must be None, a slice", TypeError),
        (True, "rows must be None, a slice", TypeError),
        ([[0, 1]], "rows must be 1D", ValueError),
        (np.array([True, False]), "boolean mask of length 2", ValueError),
    ],
)
def test_d19_entropic_plan_rows_errors(solve, rows, match, error):
    X, Y, (f, g) = solve
    with pytest.raises(error, match=match):
        entropic_plan(f, g, X, Y, 0.5, rows=rows)


def test_entropic_plan_rows_forms_agree(solve):
    X, Y, (f, g) = solve
    full = entropic_plan(f, g, X, Y, 0.5)
    mask = np.array([True, False, True, False, False, True])

    def plan(rows):
        return entropic_plan(f, g, X, Y, 0.5, rows=rows)

    np.testing.assert_allclose(plan(mask), full[mask])
    np.testing.assert_allclose(plan([0, 2, 5]), full[mask])
    np.testing.assert_allclose(plan([-1]), full[[5]])
    assert plan([]).shape == (0, 5)


def test_d20_barycentric_map_refuses_3d_values(solve):
    X, Y, (_, g) = solve
    with pytest.raises(ValueError, match="values must be 1D or 2D"):
        barycentric_map(X, Y, g, 0.5, values=np.zeros((5, 2, 2)))
    out = barycentric_map(X, Y, g, 0.5, values=np.ones((5, 3)))
    np.testing.assert_allclose(out, 1.0)


@pytest.mark.parametrize("bias", ["no", 2, None, 1.0])
def test_d20_empirical_bias_must_be_a_bool(bias):
    rng = np.random.default_rng(0)
    Xs, Xt = rng.normal(size=(20, 2)), rng.normal(size=(15, 2))
    with pytest.raises(TypeError, match="bias must be True"):
        empirical_gaussian_monge_map(Xs, Xt, bias=bias)
    with pytest.raises(TypeError, match="bias must be True"):
        empirical_bures_wasserstein_distance(Xs, Xt, bias=bias)
    with pytest.raises(TypeError, match="bias must be True"):
        empirical_gaussian_barycenter([Xs, Xt], bias=bias)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_d21_class_regularized_ot_refuses_non_finite_labels(solve, bad):
    X, Y, _ = solve
    labels = np.array([0.0, 1.0, 0.0, 1.0, bad, 0.0])
    with pytest.raises(ValueError, match="labels_source contains NaN or inf"):
        class_regularized_ot(None, None, cost_matrix(X, Y), 0.5, 0.1, labels)
    labels = np.array(["a", "b", None, "a", "b", "a"], dtype=object)
    with pytest.raises(ValueError, match="labels_source contains None"):
        class_regularized_ot(None, None, cost_matrix(X, Y), 0.5, 0.1, labels)


def test_d21_class_regularized_ot_refuses_complex_labels(solve):
    X, Y, _ = solve
    labels = np.array([0, 1, 0, 1, 1, 0]) + 1j
    with pytest.raises(ValueError, match="labels_source has the complex dtype"):
        class_regularized_ot(None, None, cost_matrix(X, Y), 0.5, 0.1, labels)


@pytest.mark.parametrize("scale", [1e154, 1e200])
def test_d14_sinkhorn_divergence_names_the_points(solve, scale):
    X, Y, _ = solve
    with pytest.raises(ValueError, match="values of X and Y are too large") as info:
        sinkhorn_divergence(X * scale, Y * scale, reg=1.0)
    assert "Input M" not in str(info.value)
    with pytest.raises(ValueError, match="values of X and Y are too large"):
        sinkhorn_divergence(X, Y * scale, reg=1.0)
