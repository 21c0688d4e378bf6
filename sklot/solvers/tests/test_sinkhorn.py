"""Tests of the entropic OT solvers: sinkhorn, its matrix-free form, the
Sinkhorn divergence and the entropic plan / map helpers."""

import warnings

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import sqrtm
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning

from sklot._kernels._fastexp import fast_exp
from sklot.solvers import (
    barycentric_map,
    cost_matrix,
    entropic_c_transform,
    entropic_plan,
    sinkhorn,
    sinkhorn_divergence,
)
from sklot.utils._testing import linprog_ot_value


def _problem(rng, n=12, m=9, d=2, weights=True):
    X = rng.normal(size=(n, d))
    Y = rng.normal(size=(m, d)) + 0.5
    if weights:
        a = rng.uniform(0.2, 1.0, n)
        b = rng.uniform(0.2, 1.0, m)
        a /= a.sum()
        b /= b.sum()
    else:
        a = np.full(n, 1 / n)
        b = np.full(m, 1 / m)
    return X, Y, a, b


def _kl(P, Q):
    pos = P > 0
    return np.sum(P[pos] * np.log(P[pos] / Q[pos])) - P.sum() + Q.sum()


# --------------------------------------------------------------------------
# kernel


def test_fast_exp_matches_numpy():
    x = np.r_[np.linspace(-708, 709, 20001), -1e-300, 0.0, 1e-300]
    out = np.array([fast_exp(v) for v in x])
    ref = np.exp(x)
    assert np.all(np.abs(out - ref) <= 1e-13 * ref)
    assert fast_exp(-np.inf) == 0.0
    assert fast_exp(-800.0) == 0.0
    assert fast_exp(710.0) == np.inf


@pytest.mark.parametrize("guess", [0.0, 1e6, -1e6])
def test_log_domain_kernels_match_numpy(rng, guess):
    from sklot._kernels._sinkhorn import col_lse, kernel_floor, row_lse
    from sklot._kernels._sinkhorn_matrix_free import online_lse

    X, Y, a, b = _problem(rng, n=30, m=20, d=3)
    M = cost_matrix(X, Y)
    eps = 0.05
    G = rng.normal(size=20)
    F = rng.normal(size=30)
    ref_F = -eps * logsumexp(np.log(b) + (G - M) / eps, axis=1)
    ref_G = -eps * logsumexp(np.log(a)[:, None] + (F[:, None] - M) / eps, axis=0)
    # Any shift guess, however bad, gives the same transform.
    out = np.full(30, guess)
    K = np.empty_like(M)
    row_lse(M, np.log(b), G, eps, out, K, True, 3, False)
    np.testing.assert_allclose(out, ref_F, rtol=1e-13, atol=1e-13)
    ref_K = b * np.exp((out[:, None] + G - M) / eps)
    # Entries below the kernel's floor are stored as exact zeros (there
    # are some here: the test must see both kinds).
    floor = kernel_floor(K.dtype)
    low = ref_K < floor * (1 - 1e-12)
    high = ref_K > floor * (1 + 1e-12)
    assert low.any() and high.any() and np.all(low | high)
    assert np.all(K[low] == 0.0)
    np.testing.assert_allclose(K[high], ref_K[high], rtol=1e-12, atol=0)
    out_g = np.full(20, guess)
    part = np.empty((3, 20))
    args = (M, np.log(a), F, eps, out_g, part)
    if col_lse(*args, False, False):
        col_lse(*args, True, False)
    np.testing.assert_allclose(out_g, ref_G, rtol=1e-13, atol=1e-13)
    Yt = np.ascontiguousarray(Y.T)
    values = rng.normal(size=(2, 20))
    out = np.full(30, guess)
    mean_v = np.empty((30, 2))
    mean_c = np.empty(30)
    online_lse(
        X, (X**2).sum(1), Yt, (Y**2).sum(1), np.log(b) + G / eps, eps, 2, out,
        values, mean_v, mean_c, False,
    )
    np.testing.assert_allclose(out, ref_F, rtol=1e-12, atol=1e-12)
    w = b * np.exp((out[:, None] + G - M) / eps)
    np.testing.assert_allclose(mean_v, w @ values.T, atol=1e-12)
    np.testing.assert_allclose(mean_c, (w * M).sum(1), rtol=1e-10)


# --------------------------------------------------------------------------
# the problem solved


def test_plan_value_and_potentials_are_consistent(rng):
    X, Y, a, b = _problem(rng)
    M = cost_matrix(X, Y)
    reg = 0.3
    res = sinkhorn(a, b, M, reg, tol=1e-12, max_iter=10000)
    P = res.plan
    assert res.converged
    np.testing.assert_allclose(P.sum(1), a, atol=1e-12)
    np.testing.assert_allclose(P.sum(0), b, atol=1e-12)
    f, g = res.potentials
    np.testing.assert_allclose(
        P, a[:, None] * b * np.exp((f[:, None] + g - M) / reg), rtol=1e-9
    )
    lin = np.sum(P * M)
    assert res.value_linear == pytest.approx(lin, rel=1e-12)
    expected = lin + reg * _kl(P, np.outer(a, b))
    assert res.value == pytest.approx(expected, rel=1e-10)
    assert res.extra["dual"] == pytest.approx(a @ f + b @ g, rel=1e-10)
    assert res.extra["dual"] == pytest.approx(res.value, rel=1e-10)
    assert res.marginal_error <= 1e-12


def test_small_reg_tends_tolinprog_ot_value(rng):
    X, Y, a, b = _problem(rng, n=9, m=8)
    M = cost_matrix(X, Y)
    exact = linprog_ot_value(a, b, M)
    gaps = []
    for fac in [1e-1, 1e-2, 1e-3]:
        res = sinkhorn(a, b, M, fac * np.median(M), max_iter=100000)
        assert res.converged
        gaps.append(res.value_linear - exact)
    assert gaps[0] > gaps[1] > gaps[2] >= -1e-8
    assert gaps[2] < 1e-3 * exact


def test_large_reg_tends_to_product_plan(rng):
    X, Y, a, b = _problem(rng)
    M = cost_matrix(X, Y)
    res = sinkhorn(a, b, M, 1e4 * np.median(M))
    np.testing.assert_allclose(res.plan, np.outer(a, b), rtol=1e-3)


@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean"])
@pytest.mark.parametrize("reg", [1.0, 0.05])
def test_dense_and_matrix_free_agree(rng, metric, reg):
    X, Y, a, b = _problem(rng, n=40, m=30, d=3)
    M = cost_matrix(X, Y, metric=metric)
    dense = sinkhorn(a, b, M, reg, tol=1e-13, max_iter=20000)
    free = sinkhorn(a, b, reg=reg, X=X, Y=Y, metric=metric, tol=1e-13, max_iter=20000)
    assert dense.converged and free.converged
    assert free.plan is None
    assert free.value == pytest.approx(dense.value, abs=1e-10)
    assert free.value_linear == pytest.approx(dense.value_linear, abs=1e-10)
    P = entropic_plan(*free.potentials, X, Y, reg, a=a, b=b, metric=metric)
    np.testing.assert_allclose(P, dense.plan, atol=1e-10)


def test_float32_stays_float32_and_matches_float64(rng):
    X, Y, a, b = _problem(rng, n=30, m=20)
    M = cost_matrix(X, Y)
    ref = sinkhorn(a, b, M, 0.2, tol=1e-12)
    res = sinkhorn(a, b, M.astype(np.float32), 0.2, tol=1e-6)
    assert res.plan.dtype == np.float32
    assert res.potentials[0].dtype == np.float32
    np.testing.assert_allclose(res.plan, ref.plan, atol=1e-6)
    assert res.value == pytest.approx(ref.value, rel=1e-5)
    free = sinkhorn(
        a, b, reg=0.2, X=X.astype(np.float32), Y=Y.astype(np.float32), tol=1e-6
    )
    assert free.potentials[1].dtype == np.float32
    assert free.value == pytest.approx(ref.value, rel=1e-5)
    up = sinkhorn(a, b, M.astype(np.float32), 0.2, dtype=np.float64)
    assert up.plan.dtype == np.float64


def _moment_matched(rng, mean, cov, n):
    Z = rng.normal(size=(n, len(mean)))
    Z -= Z.mean(axis=0)
    L = np.linalg.cholesky(np.cov(Z.T, bias=True))
    Z = np.linalg.solve(L, Z.T).T
    return mean + Z @ np.real(sqrtm(cov))


def _entropic_gaussian(ma, A, mb, B, reg):
    # Janati, Muzellec, Peyre and Cuturi (2020), with reg = 2 sigma^2.
    d = len(ma)
    s2 = reg / 2
    As = np.real(sqrtm(A))
    D = np.real(sqrtm(4 * As @ B @ As + s2**2 * np.eye(d)))
    return (
        np.sum((ma - mb) ** 2) + np.trace(A) + np.trace(B) - np.trace(D)
        + d * s2 * (1 - np.log(2 * s2))
        + s2 * np.linalg.slogdet(D + s2 * np.eye(d))[1]
    )


def test_gaussian_closed_form_matrix_free(rng):
    ma, mb = np.zeros(2), np.array([1.0, -0.5])
    A = np.array([[1.0, 0.3], [0.3, 0.5]])
    B = np.array([[0.8, -0.2], [-0.2, 1.2]])
    reg = 1.0
    # Samples with exact first two moments: the error left is O(1/n).
    X = _moment_matched(rng, ma, A, 2000)
    Y = _moment_matched(rng, mb, B, 2000)
    res = sinkhorn(reg=reg, X=X, Y=Y)
    exact = _entropic_gaussian(ma, A, mb, B, reg)
    assert res.converged
    assert res.value == pytest.approx(exact, abs=5e-3)
    div = sinkhorn_divergence(X, Y, reg=reg, matrix_free=True)
    exact_div = exact - 0.5 * (
        _entropic_gaussian(ma, A, ma, A, reg) + _entropic_gaussian(mb, B, mb, B, reg)
    )
    assert div == pytest.approx(exact_div, abs=1e-2)


# --------------------------------------------------------------------------
# stability


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e6])
@pytest.mark.parametrize("reg_factor", [1e-4, 1e-2, 1.0, 1e2, 1e4])
@pytest.mark.parametrize("spread_weights", [False, True])
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_no_nan_or_inf(rng, scale, reg_factor, spread_weights):
    X, Y, a, b = _problem(rng, n=25, m=20, d=3)
    X *= np.sqrt(scale)
    Y *= np.sqrt(scale)
    if spread_weights:
        a = 10.0 ** rng.uniform(-12, 0, 25)
        b = 10.0 ** rng.uniform(-12, 0, 20)
        a /= a.sum()
        b /= b.sum()
    M = cost_matrix(X, Y)
    reg = reg_factor * np.median(M)
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for dtype in (np.float64, np.float32):
            results.append(sinkhorn(a, b, M.astype(dtype), reg, max_iter=200))
            results.append(
                sinkhorn(a, b, reg=reg, X=X.astype(dtype), Y=Y.astype(dtype),
                         max_iter=200)
            )
    for res in results:
        scalars = [res.value, res.value_linear, res.marginal_error, res.extra["dual"]]
        assert np.all(np.isfinite(scalars))
        assert all(np.all(np.isfinite(p)) for p in res.potentials)
        if res.plan is not None:
            assert np.all(np.isfinite(res.plan)) and np.all(res.plan >= 0)
            plan = res.plan.astype(np.float64)
            rows, cols = plan.sum(1), plan.sum(0)
        elif res.potentials[0].dtype == np.float64:
            # marginals of the plan implied by the potentials, in log space
            f, g = res.potentials
            log_k = (f[:, None] + g[None, :] - M) / reg
            rows = a * np.exp(logsumexp(log_k, b=b[None, :], axis=1))
            cols = b * np.exp(logsumexp(log_k, b=a[:, None], axis=0))
        else:
            # float32 potentials divided by a tiny reg do not pin the plan
            continue
        # The reported error is the plan's largest marginal violation (not
        # merely a small number); a float32 plan adds its own rounding.
        violation = max(np.abs(rows - a).max(), np.abs(cols - b).max())
        tol = 1e-6 if res.plan is not None and res.plan.dtype == np.float32 else 1e-12
        assert res.marginal_error == pytest.approx(violation, rel=1e-6, abs=tol)


def test_zero_weights_give_finite_potentials(rng):
    X, Y, a, b = _problem(rng)
    a[[0, 3]] = 0
    b[[2]] = 0
    a /= a.sum()
    b /= b.sum()
    M = cost_matrix(X, Y)
    for res in (sinkhorn(a, b, M, 0.2), sinkhorn(a, b, reg=0.2, X=X, Y=Y)):
        assert res.converged
        assert all(np.all(np.isfinite(p)) for p in res.potentials)
    dense = sinkhorn(a, b, M, 0.2)
    assert np.all(dense.plan[[0, 3]] == 0) and np.all(dense.plan[:, 2] == 0)
    # A zero-weight point gets the c-transform value, like any new point.
    f = entropic_c_transform(X, Y, dense.potentials[1], 0.2, b=b)
    np.testing.assert_allclose(f, dense.potentials[0], atol=1e-8)


def test_non_convergence_warns_and_returns_best_iterate(rng):
    X, Y, a, b = _problem(rng, n=40, m=40)
    M = cost_matrix(X, Y)
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        res = sinkhorn(a, b, M, 1e-3, max_iter=5)
    assert not res.converged
    assert np.all(np.isfinite(res.plan))
    assert 0 < res.marginal_error < 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sinkhorn(a, b, M, 1e-3, max_iter=5, warn=False)


def test_threads_do_not_change_the_result(rng):
    # Large enough for the parallel kernels.
    X, Y, a, b = _problem(rng, n=400, m=400, d=3)
    M = cost_matrix(X, Y)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = sinkhorn(a, b, M, 0.1)
        free_one = sinkhorn(a, b, reg=0.1, X=X, Y=Y, max_iter=50, warn=False)
        numba.set_num_threads(before)
        many = sinkhorn(a, b, M, 0.1)
        free_many = sinkhorn(a, b, reg=0.1, X=X, Y=Y, max_iter=50, warn=False)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one.plan, many.plan)
    np.testing.assert_array_equal(free_one.potentials[0], free_many.potentials[0])


@pytest.mark.parametrize("epsilon_scaling", [False, True, 0.3])
def test_epsilon_scaling_options_reach_the_same_solution(rng, epsilon_scaling):
    X, Y, a, b = _problem(rng)
    M = cost_matrix(X, Y)
    ref = sinkhorn(a, b, M, 0.01, tol=1e-11, max_iter=50000, epsilon_scaling=False)
    res = sinkhorn(
        a, b, M, 0.01, tol=1e-11, max_iter=50000, epsilon_scaling=epsilon_scaling
    )
    assert res.converged
    np.testing.assert_allclose(res.plan, ref.plan, atol=1e-9)
    if epsilon_scaling is not False:
        assert len(res.extra["eps_schedule"]) > 1


def test_warm_start_saves_iterations(rng):
    X, Y, a, b = _problem(rng, n=30, m=30)
    M = cost_matrix(X, Y)
    cold = sinkhorn(a, b, M, 0.05)
    warm = sinkhorn(a, b, M * 1.01, 0.05, init=cold.potentials)
    assert warm.converged and warm.n_iter < cold.n_iter


@pytest.mark.parametrize("far_column", [False, True])
def test_absorb_is_an_exact_log_domain_iteration(rng, monkeypatch, far_column):
    # The balanced column update is read off the stored kernel; a column
    # whose kernel entries all fall under the floor takes the log-domain
    # transform instead. Either way: the exact c-transforms.
    from sklot.solvers._entropic import _dense
    from sklot.solvers._entropic._dense import _State

    calls = []
    col_lse = _dense.col_lse
    monkeypatch.setattr(
        _dense, "col_lse", lambda *args: calls.append(1) or col_lse(*args)
    )

    X, Y, a, b = _problem(rng, n=30, m=20, d=3)
    M = cost_matrix(X, Y)
    eps = 0.01
    if far_column:
        M[:, 0] += 1000.0 * eps
    F0, G0 = rng.normal(size=30) * eps, rng.normal(size=20) * eps
    state = _State(a, b, M, F0.copy(), G0.copy())
    usable = state.absorb(eps, 1.0, 1.0)
    assert usable != far_column
    assert bool(calls) == far_column
    ref_F = -eps * logsumexp(np.log(b) + (G0 - M) / eps, axis=1)
    ref_G = -eps * logsumexp(np.log(a)[:, None] + (ref_F[:, None] - M) / eps, axis=0)
    F, G = state.potentials(state.u, state.v, eps)
    np.testing.assert_allclose(F, ref_F, rtol=1e-13, atol=1e-13)
    if far_column:
        np.testing.assert_allclose(state.G, ref_G, rtol=1e-13, atol=1e-13)
    else:
        np.testing.assert_allclose(G, ref_G, rtol=1e-13, atol=1e-13)
        plan = a[:, None] * state.u[:, None] * state.K * state.v
        np.testing.assert_allclose(plan.sum(axis=0), b, rtol=1e-13)


@pytest.mark.parametrize("reg", [1.0, 0.05, 0.002])
@pytest.mark.parametrize("warm", [False, True])
def test_checked_cost_entry_is_bitwise_sinkhorn(rng, reg, warm):
    from sklot.solvers._api import _sinkhorn_checked
    from sklot.utils._validation import cost_spread

    X, Y, a, b = _problem(rng, n=40, m=30)
    M = cost_matrix(X, Y)
    kwargs = {"tol": 1e-9}
    if warm:
        init = sinkhorn(a, b, M, 2 * reg).potentials
        kwargs.update(init=init, epsilon_scaling=False)
    expected = sinkhorn(a, b, M, reg, **kwargs)
    M.flags.writeable = False  # never written to
    got = _sinkhorn_checked(a, b, M, reg, cost_spread(M), **kwargs)
    np.testing.assert_array_equal(got.plan, expected.plan)
    for p, q in zip(got.potentials, expected.potentials):
        np.testing.assert_array_equal(p, q)
    assert (got.n_iter, got.converged, got.value) == (
        expected.n_iter, expected.converged, expected.value
    )
    assert got.extra["eps_schedule"] == expected.extra["eps_schedule"]


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 7),
    m=st.integers(1, 7),
    seed=st.integers(0, 2**16),
    log_reg=st.floats(-2, 1),
)
def test_property_feasible_and_above_exact(n, m, seed, log_reg):
    rng = np.random.default_rng(seed)
    M = rng.uniform(0, 1, (n, m))
    a = rng.uniform(0.1, 1, n)
    b = rng.uniform(0.1, 1, m)
    a /= a.sum()
    b /= b.sum()
    res = sinkhorn(a, b, M, 10.0**log_reg, max_iter=20000)
    assert res.converged
    np.testing.assert_allclose(res.plan.sum(0), b, atol=1e-8)
    np.testing.assert_allclose(res.plan.sum(1), a, atol=1e-8)
    assert res.value_linear >= linprog_ot_value(a, b, M) - 1e-8


# --------------------------------------------------------------------------
# helpers and divergence


def test_entropic_map_helpers_match_the_dense_plan(rng):
    X, Y, a, b = _problem(rng, n=30, m=25, d=3)
    reg = 0.5
    res = sinkhorn(a, b, reg=reg, X=X, Y=Y, tol=1e-12)
    f, g = res.potentials
    np.testing.assert_allclose(
        entropic_c_transform(X, Y, g, reg, b=b), f, atol=1e-9
    )
    P = entropic_plan(f, g, X, Y, reg, a=a, b=b)
    T = barycentric_map(X, Y, g, reg, b=b)
    np.testing.assert_allclose(T, (P @ Y) / P.sum(1)[:, None], atol=1e-9)
    np.testing.assert_allclose(
        entropic_plan(f, g, X, Y, reg, a=a, b=b, rows=[3, 1]), P[[3, 1]]
    )
    # Out of sample: the softmax of the c-transform, computed directly.
    Z = rng.normal(size=(7, 3))
    logits = np.log(b) + (g - cost_matrix(Z, Y)) / reg
    w = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
    np.testing.assert_allclose(barycentric_map(Z, Y, g, reg, b=b), w @ Y, atol=1e-12)
    np.testing.assert_allclose(
        entropic_c_transform(Z, Y, g, reg, b=b),
        -reg * logsumexp(logits, axis=1),
        atol=1e-12,
    )
    labels = rng.integers(0, 3, 25)
    onehot = np.eye(3)[labels]
    np.testing.assert_allclose(
        barycentric_map(Z, Y, g, reg, b=b, values=onehot), w @ onehot, atol=1e-12
    )
    assert barycentric_map(Z, Y, g, reg, b=b, values=labels.astype(float)).shape == (7,)
    # Metrics without an on-the-fly kernel go through cost blocks.
    M1 = cost_matrix(X, Y, metric="cityblock")
    dense = sinkhorn(a, b, M1, reg, tol=1e-12)
    np.testing.assert_allclose(
        barycentric_map(X, Y, dense.potentials[1], reg, b=b, metric="cityblock"),
        (dense.plan @ Y) / dense.plan.sum(1)[:, None],
        atol=1e-9,
    )


def test_sinkhorn_divergence(rng):
    X, Y, a, b = _problem(rng, n=30, m=25)
    assert abs(sinkhorn_divergence(X, X, a, a, reg=0.5)) < 1e-9
    div = sinkhorn_divergence(X, Y, a, b, reg=0.5)
    # The three alternating solves give the same value.
    parts = [
        sinkhorn(p, q, cost_matrix(P, Q), 0.5, tol=1e-12).extra["dual"]
        for P, Q, p, q in [(X, Y, a, b), (X, X, a, a), (Y, Y, b, b)]
    ]
    assert div == pytest.approx(parts[0] - 0.5 * (parts[1] + parts[2]), abs=1e-8)
    assert div > 0
    free = sinkhorn_divergence(X, Y, a, b, reg=0.5, matrix_free=True)
    assert free == pytest.approx(div, abs=1e-9)
    # Large reg: half the squared distance between the means (an MMD).
    big = sinkhorn_divergence(X, Y, a, b, reg=1e5)
    assert big == pytest.approx(np.sum((a @ X - b @ Y) ** 2), rel=1e-3)


# --------------------------------------------------------------------------
# validation


def test_input_validation(rng):
    X, Y, a, b = _problem(rng)
    M = cost_matrix(X, Y)
    with pytest.raises(TypeError, match="reg is required"):
        sinkhorn(a, b, M)
    with pytest.raises(ValueError, match="reg must be positive"):
        sinkhorn(a, b, M, -1.0)
    with pytest.raises(ValueError, match="not both"):
        sinkhorn(a, b, M, 1.0, X=X, Y=Y)
    with pytest.raises(ValueError, match="pass a cost matrix M"):
        sinkhorn(a, b, reg=1.0, X=X)
    with pytest.raises(ValueError, match="matrix-free form supports metric"):
        sinkhorn(a, b, reg=1.0, X=X, Y=Y, metric="cityblock")
    with pytest.raises(ValueError, match="same total mass"):
        sinkhorn(a, 2 * b, M, 1.0)
    with pytest.raises(ValueError, match="a has 3 weights"):
        sinkhorn(a[:3], b, M, 1.0)
    with pytest.raises(ValueError, match="epsilon_scaling"):
        sinkhorn(a, b, M, 1.0, epsilon_scaling="fast")
    with pytest.raises(ValueError, match="dtype"):
        sinkhorn(a, b, M, 1.0, dtype=np.int64)
    with pytest.raises(ValueError, match="init potentials must have shapes"):
        sinkhorn(a, b, M, 1.0, init=(np.zeros(3), np.zeros(3)))
    with pytest.raises(ValueError, match="M"):
        sinkhorn(a, b, np.full_like(M, np.nan), 1.0)
    with pytest.raises(TypeError, match="max_iter"):
        sinkhorn(a, b, M, 1.0, max_iter=2.5)
    with pytest.raises(ValueError, match="g has 3 entries"):
        barycentric_map(X, Y, np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="values must have one row"):
        barycentric_map(X, Y, np.zeros(len(Y)), 1.0, values=np.zeros(3))
    with pytest.raises(ValueError, match="matrix_free"):
        sinkhorn_divergence(X, Y, reg=1.0, matrix_free="yes")
