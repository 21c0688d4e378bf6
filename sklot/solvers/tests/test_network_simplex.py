"""Exact OT (network simplex) against HiGHS, invariants and input checks."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from sklot.solvers import OTResult, emd, emd2
from sklot.utils._testing import linprog_ot_value


def _check_optimal(res, a, b, M, ref, rtol=1e-9):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    plan = res.plan
    scale = max(1.0, np.abs(M).max())
    assert res.converged
    assert plan.shape == M.shape and plan.dtype == np.float64
    assert plan.min() >= 0.0
    np.testing.assert_allclose(plan.sum(axis=1), a, rtol=0, atol=1e-12)
    np.testing.assert_allclose(plan.sum(axis=0), b, rtol=0, atol=1e-12)
    assert res.marginal_error <= 1e-12
    assert res.value == pytest.approx(float(np.sum(plan * M)), rel=1e-12, abs=1e-14)
    assert res.value == pytest.approx(ref, rel=rtol, abs=rtol * scale * 1e-3)
    # dual feasibility and complementary slackness
    f, g = res.potentials
    slack = M - f[:, None] - g[None, :]
    assert slack.min() >= -1e-10 * scale
    assert np.all(np.abs(slack[plan > 0]) <= 1e-10 * scale)
    # strong duality follows: the dual objective equals the value
    assert a @ f + b @ g == pytest.approx(res.value, rel=1e-9, abs=1e-10 * scale)
    # a vertex of the transport polytope
    assert np.count_nonzero(plan) <= M.shape[0] + M.shape[1] - 1


def _weights(rng, n, kind):
    if kind == "uniform":
        return np.full(n, 1.0 / n)
    if kind == "integer":
        w = rng.integers(1, 5, n).astype(float)
        return w / w.sum()
    w = rng.random(n) + 0.01
    return w / w.sum()


def _cost(rng, n, m, kind):
    if kind == "random":
        return rng.random((n, m))
    if kind == "integer":
        return rng.integers(0, 4, (n, m)).astype(float)
    if kind == "repeated":
        # repeated points on a small grid: many exact ties
        X = rng.integers(0, 3, (n, 2)).astype(float)
        Y = rng.integers(0, 3, (m, 2)).astype(float)
        return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    if kind == "constant":
        return np.full((n, m), 2.5)
    return rng.normal(size=(n, m)) * 100.0


@pytest.mark.parametrize(
    "cost", ["random", "integer", "repeated", "constant", "signed"]
)
@pytest.mark.parametrize("weights", ["uniform", "integer", "random"])
def test_matches_linprog(rng, cost, weights):
    for _ in range(8):
        n = int(rng.integers(1, 13))
        m = int(rng.integers(1, 13))
        M = _cost(rng, n, m, cost)
        a = _weights(rng, n, weights)
        b = _weights(rng, m, weights)
        b *= a.sum() / b.sum()
        res = emd(a, b, M)
        _check_optimal(res, a, b, M, linprog_ot_value(a, b, M))


def test_larger_random_instances_match_linprog(rng):
    for n, m in [(40, 40), (35, 60), (60, 25)]:
        X = rng.normal(size=(n, 3))
        Y = rng.normal(size=(m, 3)) + 1.0
        M = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
        a = _weights(rng, n, "random")
        b = _weights(rng, m, "random")
        _check_optimal(emd(a, b, M), a, b, M, linprog_ot_value(a, b, M))


def test_uniform_square_is_a_permutation(rng):
    n = 30
    M = rng.random((n, n))
    res = emd(None, None, M)
    assert np.all(np.isin(res.plan * n, [0.0, 1.0]) | np.isclose(res.plan * n, 1.0))
    assert np.count_nonzero(res.plan) == n
    _check_optimal(res, np.full(n, 1 / n), np.full(n, 1 / n), M,
                   linprog_ot_value(np.full(n, 1 / n), np.full(n, 1 / n), M))


def test_zero_weights_are_dropped_and_duals_stay_feasible(rng):
    for _ in range(10):
        n, m = int(rng.integers(2, 10)), int(rng.integers(2, 10))
        M = rng.random((n, m))
        a = rng.random(n)
        b = rng.random(m)
        a[rng.random(n) < 0.4] = 0.0
        b[rng.random(m) < 0.4] = 0.0
        a[0] = max(a[0], 0.1)
        b[-1] = max(b[-1], 0.1)
        a /= a.sum()
        b /= b.sum()
        res = emd(a, b, M)
        _check_optimal(res, a, b, M, linprog_ot_value(a, b, M))
        assert np.all(res.plan[a == 0] == 0.0)
        assert np.all(res.plan[:, b == 0] == 0.0)


def test_single_row_and_single_column(rng):
    M = rng.random((1, 7))
    b = _weights(rng, 7, "random")
    res = emd([1.0], b, M)
    np.testing.assert_allclose(res.plan[0], b, atol=1e-15)
    assert res.value == pytest.approx(M[0] @ b, rel=1e-12)
    res = emd(b, None, M.T)
    np.testing.assert_allclose(res.plan[:, 0], b, atol=1e-15)
    _check_optimal(res, b, [1.0], M.T, M[0] @ b)
    res = emd(None, None, np.array([[3.0]]))
    assert res.value == 3.0 and res.plan[0, 0] == 1.0


def test_unnormalised_equal_mass(rng):
    n, m = 6, 9
    M = rng.random((n, m))
    a = rng.integers(1, 5, n).astype(float)
    b = rng.random(m)
    b *= a.sum() / b.sum()
    res = emd(a, b, M)
    _check_optimal(res, a, b, M, linprog_ot_value(a, b, M))
    # value is homogeneous in the total mass
    assert res.value == pytest.approx(
        a.sum() * emd2(a / a.sum(), b / b.sum(), M), rel=1e-12
    )


def test_tiny_mass_mismatch_is_tolerated(rng):
    M = rng.random((5, 4))
    a = np.full(5, 0.2)
    b = np.full(4, 0.25) * (1 + 1e-9)
    res = emd(a, b, M)
    assert res.converged
    assert res.marginal_error <= 1e-8


def test_float32_cost_and_list_input(rng):
    M = rng.random((8, 5))
    ref = emd(None, None, M.astype(np.float32).astype(np.float64))
    res = emd([], [], M.astype(np.float32))
    assert res.plan.dtype == np.float64
    assert res.value == pytest.approx(ref.value, rel=1e-12)
    res_list = emd(None, None, M.tolist())
    assert res_list.value == pytest.approx(emd2(None, None, M), rel=1e-15)


def test_extreme_cost_scales(rng):
    M = rng.random((6, 6))
    a = _weights(rng, 6, "random")
    b = _weights(rng, 6, "random")
    base = emd(a, b, M)
    for s in [1e-150, 1e-8, 1e8, 1e150]:
        res = emd(a, b, M * s)
        assert res.value == pytest.approx(base.value * s, rel=1e-9)
        f, g = res.potentials
        assert np.all(np.isfinite(f)) and np.all(np.isfinite(g))
        assert (M * s - f[:, None] - g[None, :]).min() >= -1e-9 * s


def test_result_type_and_emd2(rng):
    M = rng.random((4, 3))
    res = emd(None, None, M)
    assert isinstance(res, OTResult)
    assert isinstance(res.value, float)
    assert res.n_iter >= 0
    assert emd2(None, None, M) == res.value


def test_does_not_modify_inputs(rng):
    M = rng.random((5, 6))
    a = np.zeros(5)
    a[1:] = 0.25
    b = np.full(6, 1 / 6)
    copies = M.copy(), a.copy(), b.copy()
    emd(a, b, M)
    for x, y in zip((M, a, b), copies):
        np.testing.assert_array_equal(x, y)


def test_max_iter_cap_warns_and_stays_feasible(rng):
    n, m = 30, 25
    M = rng.random((n, m))
    a = _weights(rng, n, "random")
    b = _weights(rng, m, "random")
    full = emd(a, b, M)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        res = emd(a, b, M, max_iter=5)
    assert not res.converged
    assert res.n_iter == 5
    assert res.plan.min() >= 0.0
    assert res.marginal_error <= 1e-12
    assert res.value >= full.value - 1e-12
    # a generous cap does not warn
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        res = emd(a, b, M, max_iter=10**6)
    assert res.converged and res.value == pytest.approx(full.value, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"M": [[np.nan, 1.0], [1.0, 0.0]]}, ValueError, "M"),
        ({"M": [[np.inf, 1.0], [1.0, 0.0]]}, ValueError, "M"),
        ({"M": [1.0, 2.0]}, ValueError, "2D"),
        ({"a": [0.5, 0.6]}, ValueError, "same total mass"),
        ({"a": [1.5, -0.5]}, ValueError, "negative"),
        ({"b": [0.5, 0.25, 0.25]}, ValueError, "b has 3 weights"),
        ({"a": [0.0, 0.0]}, ValueError, "zero total mass"),
        ({"a": [np.nan, 0.5]}, ValueError, "a"),
        ({"a": 1.0}, TypeError, "a must be an array"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"max_iter": 2.5}, TypeError, "max_iter"),
        ({"max_iter": True}, TypeError, "max_iter"),
    ],
)
def test_bad_input(kwargs, error, match):
    args = {"a": [0.5, 0.5], "b": [0.5, 0.5], "M": [[0.0, 1.0], [1.0, 0.0]]}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        emd(args["a"], args["b"], args["M"], **{
            k: v for k, v in args.items() if k == "max_iter"
        })


# --------------------------------------------------------------------------
# invariants (hypothesis)

_sizes = st.integers(min_value=1, max_value=8)


@st.composite
def _problems(draw):
    n = draw(_sizes)
    m = draw(_sizes)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    integer = draw(st.booleans())
    M = rng.integers(0, 5, (n, m)).astype(float) if integer else rng.random((n, m))
    a = rng.integers(0, 4, n).astype(float)
    b = rng.integers(0, 4, m).astype(float)
    a[rng.integers(n)] += 1.0
    b[rng.integers(m)] += 1.0
    return M, a / a.sum(), b / b.sum(), rng


_settings = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@_settings
@given(_problems())
def test_property_marginals_and_duality(problem):
    M, a, b, _ = problem
    res = emd(a, b, M)
    assert res.marginal_error <= 1e-12
    f, g = res.potentials
    assert (M - f[:, None] - g[None, :]).min() >= -1e-10
    assert a @ f + b @ g == pytest.approx(res.value, rel=1e-9, abs=1e-12)


@_settings
@given(_problems())
def test_property_permutation_invariance(problem):
    M, a, b, rng = problem
    p = rng.permutation(M.shape[0])
    q = rng.permutation(M.shape[1])
    v = emd2(a, b, M)
    assert emd2(a[p], b[q], M[np.ix_(p, q)]) == pytest.approx(v, rel=1e-9, abs=1e-12)
    # the transposed problem has the same value
    assert emd2(b, a, M.T) == pytest.approx(v, rel=1e-9, abs=1e-12)


@_settings
@given(_problems(), st.floats(0.01, 100.0), st.floats(-10.0, 10.0))
def test_property_cost_affine_invariants(problem, s, c):
    M, a, b, rng = problem
    v = emd2(a, b, M)
    # scaling the cost scales the value
    assert emd2(a, b, s * M) == pytest.approx(s * v, rel=1e-9, abs=1e-12)
    # a constant added to row i adds a_i * c; to column j adds b_j * c
    i = int(rng.integers(M.shape[0]))
    j = int(rng.integers(M.shape[1]))
    Mr = M.copy()
    Mr[i] += c
    assert emd2(a, b, Mr) == pytest.approx(v + a[i] * c, rel=1e-9, abs=1e-9)
    Mc = M.copy()
    Mc[:, j] += c
    assert emd2(a, b, Mc) == pytest.approx(v + b[j] * c, rel=1e-9, abs=1e-9)
