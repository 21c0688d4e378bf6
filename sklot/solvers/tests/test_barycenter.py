import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment, linprog
from sklearn.exceptions import ConvergenceWarning

from sklot._kernels._ibp import ibp_barycenters
from sklot._kernels._sinkhorn_batch import sinkhorn_batch
from sklot.solvers import (
    barycenter_1d,
    barycenter_fixed_support,
    barycenter_free_support,
    wasserstein_1d,
)
from sklot.utils._testing import linprog_ot_value

# ---------------------------------------------------------------------------
# Oracles


def lp_barycenter(H, C, lam):
    """Exact fixed-support barycenter, written independently (dense LP)."""
    K, n = H.shape
    m = C.shape[1]
    nv = K * n * m + m
    c = np.concatenate([lam[k] * C.ravel() for k in range(K)] + [np.zeros(m)])
    rows, rhs = [], []
    for k in range(K):
        for i in range(n):
            r = np.zeros(nv)
            r[k * n * m + i * m:k * n * m + (i + 1) * m] = 1
            rows.append(r)
            rhs.append(H[k, i])
        for j in range(m):
            r = np.zeros(nv)
            r[k * n * m + j:(k + 1) * n * m:m] = 1
            r[K * n * m + j] = -1
            rows.append(r)
            rhs.append(0.0)
    res = linprog(c, A_eq=np.array(rows), b_eq=np.array(rhs), bounds=(0, None),
                  method="highs")
    assert res.status == 0
    return res.x[-m:], res.fun


def barycenter_objective(H, C, lam, p):
    return sum(lam[k] * linprog_ot_value(H[k], p, C) for k in range(H.shape[0]))


def naive_ibp(H, C, reg, lam, n_iter=20000):
    K = np.exp(-C / reg)
    v = np.ones((H.shape[0], C.shape[1]))
    for _ in range(n_iter):
        u = H / (v @ K.T)
        t = u @ K
        p = np.exp(lam @ np.log(t))
        v = p / t
    return p


def naive_sinkhorn_cost(a, b, C, reg, n_iter=20000):
    K = np.exp(-C / reg)
    v = np.ones(C.shape[1])
    for _ in range(n_iter):
        u = a / (K @ v)
        v = b / (K.T @ u)
    return float(np.sum(u[:, None] * K * v * C))


@pytest.fixture
def line_problem(rng):
    x = np.linspace(0, 1, 7)[:, None]
    C = (x - x.T) ** 2
    H = rng.random((3, 7))
    H[H < 0.35] = 0
    H[:, 3] += 0.1
    H /= H.sum(axis=1, keepdims=True)
    return x, C, H


# ---------------------------------------------------------------------------
# Kernels against naive NumPy


def gibbs(C, reg, given):
    if not given:
        return np.empty((0, C.shape[1])), 0.0
    return np.exp(-C / reg), 0.0


@pytest.mark.parametrize("low_memory, with_gibbs", [(False, False), (False, True),
                                                    (True, False)])
@pytest.mark.parametrize("reg", [0.02, 0.002])
def test_ibp_kernel_matches_numpy(line_problem, low_memory, with_gibbs, reg):
    _, C, H = line_problem
    G, shift = gibbs(C, reg, with_gibbs and reg > 0.01)
    lam = np.array([0.2, 0.3, 0.5])
    S = sp.csr_matrix(H)
    K, m = H.shape[0], C.shape[1]
    logv = np.zeros((K, m))
    logp = np.empty((1, m))
    logu = np.empty(S.nnz)
    info = np.empty((1, 2))
    ibp_barycenters(C, G, shift, S.indptr, S.indices, S.data, np.array([0, K]),
                    lam, reg, low_memory, 100000, 1e-13, logv, logp,
                    np.empty((K, m)), logu, info)
    assert info[0, 1] <= 1e-13
    np.testing.assert_allclose(np.exp(logp[0]), naive_ibp(H, C, reg, lam),
                               atol=1e-11)
    # the returned log-scalings give plans with the right first marginals
    for k in range(K):
        lo, hi = S.indptr[k], S.indptr[k + 1]
        rows = S.indices[lo:hi]
        P = np.exp(logu[lo:hi, None] + logv[k] - C[rows] / reg)
        np.testing.assert_allclose(P.sum(axis=1), S.data[lo:hi], atol=1e-12)
        np.testing.assert_allclose(P.sum(axis=0), np.exp(logp[0]), atol=1e-12)


def test_ibp_kernel_groups_are_independent(line_problem):
    _, C, H = line_problem
    reg = 0.05
    HH = np.vstack([H, H[:2]])
    S = sp.csr_matrix(HH)
    lam = np.array([1 / 3, 1 / 3, 1 / 3, 0.5, 0.5])
    logp = np.empty((2, 7))
    info = np.empty((2, 2))
    G, shift = gibbs(C, reg, True)
    ibp_barycenters(C, G, shift, S.indptr, S.indices, S.data, np.array([0, 3, 5]),
                    lam, reg, False, 20000, 1e-13, np.zeros((5, 7)), logp,
                    np.empty((5, 7)), np.empty(S.nnz), info)
    np.testing.assert_allclose(np.exp(logp[0]), naive_ibp(H, C, reg, lam[:3]),
                               atol=1e-11)
    np.testing.assert_allclose(np.exp(logp[1]), naive_ibp(H[:2], C, reg, lam[3:]),
                               atol=1e-11)


@pytest.mark.parametrize("reg, with_gibbs", [(0.03, False), (0.03, True),
                                             (0.003, False)])
def test_sinkhorn_batch_kernel_matches_numpy(line_problem, rng, reg, with_gibbs):
    _, C, H = line_problem
    G, shift = gibbs(C, reg, with_gibbs)
    B = rng.random((2, 7))
    B[0, :2] = 0  # zero-mass target bins
    B /= B.sum(axis=1, keepdims=True)
    S = sp.csr_matrix(H)
    cost = np.empty((3, 2))
    n_iter = np.empty((3, 2), dtype=np.intp)
    error = np.empty((3, 2))
    sinkhorn_batch(C, G, shift, S.indptr, S.indices, S.data, B, reg, 100000,
                   1e-12, np.zeros((3, 2, 7)), cost, n_iter, error)
    assert np.all(error <= 1e-12)
    ref = [[naive_sinkhorn_cost(H[i], B[k], C, reg) for k in range(2)]
           for i in range(3)]
    np.testing.assert_allclose(cost, ref, atol=1e-11)


def plain_sinkhorn_iterations(a, b, C, reg, tol):
    """Scaling iterations plain Sinkhorn needs for an L1 column error <= tol."""
    K = np.exp(-C / reg)
    u = np.ones(a.shape[0])
    for it in range(1, 100000):
        v = b / (K.T @ u)
        u = a / (K @ v)
        if np.abs(v * (K.T @ u) - b).sum() <= tol:
            return it
    raise AssertionError("plain Sinkhorn did not converge")


def test_sinkhorn_batch_acceleration_cuts_iterations(rng):
    # a 1D grid where plain Sinkhorn contracts slowly: the accelerated
    # kernel reaches the same plan in far fewer scaling iterations
    x = np.linspace(0, 1, 12)[:, None]
    C = (x - x.T) ** 2
    reg = 0.02
    H = rng.random((4, 12)) + 0.05
    H[0, :4] = 0
    H /= H.sum(axis=1, keepdims=True)
    B = rng.random((3, 12)) + 0.05
    B[1, -3:] = 0
    B /= B.sum(axis=1, keepdims=True)
    S = sp.csr_matrix(H)
    cost = np.empty((4, 3))
    n_iter = np.empty((4, 3), dtype=np.intp)
    error = np.empty((4, 3))
    G, shift = gibbs(C, reg, True)
    sinkhorn_batch(C, G, shift, S.indptr, S.indices, S.data, B, reg, 100000,
                   1e-12, np.zeros((4, 3, 12)), cost, n_iter, error)
    assert np.all(error <= 1e-12)
    for i in range(4):
        for k in range(3):
            rows = H[i] > 0
            plain = plain_sinkhorn_iterations(H[i, rows], B[k], C[rows], reg,
                                              1e-12)
            assert plain > 100
            assert n_iter[i, k] < plain / 4
            ref = naive_sinkhorn_cost(H[i, rows], B[k], C[rows], reg, 4 * plain)
            np.testing.assert_allclose(cost[i, k], ref, atol=1e-11)


@pytest.mark.parametrize("reg", [0.01, 0.002])
def test_sinkhorn_batch_small_reg_is_finite_and_warm_starts(line_problem, rng,
                                                           reg):
    # costs up to 1 and reg down to 1 / 500 of them: scalings are absorbed
    # again and again; nothing becomes NaN and a warm start from the
    # returned log-scalings is already converged
    _, C, H = line_problem
    B = rng.random((2, 7))
    B[1, 5:] = 0
    B /= B.sum(axis=1, keepdims=True)
    S = sp.csr_matrix(H)
    logv = np.zeros((3, 2, 7))
    out = [np.empty((3, 2)), np.empty((3, 2), dtype=np.intp), np.empty((3, 2))]
    sinkhorn_batch(C, np.empty((0, 7)), 0.0, S.indptr, S.indices, S.data, B,
                   reg, 100000, 1e-10, logv, *out)
    cost, n_iter, error = out
    assert np.all(np.isfinite(cost)) and np.all(error <= 1e-10)
    assert not np.any(np.isnan(logv))
    for i in range(3):
        assert cost[i, 0] >= linprog_ot_value(H[i], B[0], C) - 1e-8
    again = [np.empty((3, 2)), np.empty((3, 2), dtype=np.intp), np.empty((3, 2))]
    sinkhorn_batch(C, np.empty((0, 7)), 0.0, S.indptr, S.indices, S.data, B,
                   reg, 100000, 1e-10, logv, *again)
    assert np.all(again[1] == 0)
    np.testing.assert_allclose(again[0], cost, atol=1e-12)


# ---------------------------------------------------------------------------
# Fixed support


def test_fixed_support_two_diracs_midpoint():
    grid = np.arange(9.0)[:, None]
    H = np.zeros((2, 9))
    H[0, 0] = H[1, 8] = 1
    for reg in (None, 0.05):
        res = barycenter_fixed_support(H, support=grid, reg=reg)
        np.testing.assert_allclose(res.extra["weights"][4], 1.0, atol=1e-6)
    res = barycenter_fixed_support(H, support=grid, weights=[0.25, 0.75])
    assert res.extra["weights"][6] == pytest.approx(1.0)
    assert res.value == pytest.approx(0.25 * 36 + 0.75 * 4)


def test_fixed_support_single_histogram_is_itself(line_problem):
    x, C, H = line_problem
    exact = barycenter_fixed_support(H[:1], C)
    np.testing.assert_allclose(exact.extra["weights"], H[0], atol=1e-9)
    assert exact.value == pytest.approx(0.0, abs=1e-12)
    res = barycenter_fixed_support(H[:1], C, reg=1e-4)
    np.testing.assert_allclose(res.extra["weights"], H[0], atol=1e-6)


def test_fixed_support_converges_to_lp_barycenter(line_problem):
    _, C, H = line_problem
    lam = np.array([0.5, 0.3, 0.2])
    p_lp, f_lp = lp_barycenter(H, C, lam)
    # the sparse LP of the solver agrees with the dense oracle
    exact = barycenter_fixed_support(H, C, weights=lam)
    assert exact.value == pytest.approx(f_lp, abs=1e-9)
    assert barycenter_objective(H, C, lam, exact.extra["weights"]) == pytest.approx(
        f_lp, abs=1e-9)
    gaps = []
    for reg in (1e-1, 1e-2, 1e-3, 1e-4):
        p = barycenter_fixed_support(H, C, reg=reg, weights=lam).extra["weights"]
        gap = barycenter_objective(H, C, lam, p) - f_lp
        assert gap >= -1e-9
        gaps.append(gap)
    assert gaps[-1] < 1e-3 * f_lp
    assert gaps[-1] < gaps[0]


def test_warm_start_with_empty_bins_stays_finite(line_problem):
    # warm starts from plans to sparse targets carry -inf log-scalings
    from sklot.solvers._api import _ibp

    _, C, H = line_problem
    logv = np.zeros((3, 7))
    logv[:, :2] = -np.inf
    P, *_, err = _ibp(H, C, 0.05, np.full(3, 1 / 3), logv=logv, tol=1e-10,
                      max_iter=10000)
    assert np.all(np.isfinite(P)) and err[0] <= 1e-10
    np.testing.assert_allclose(P[0], naive_ibp(H, C, 0.05, np.full(3, 1 / 3)),
                               atol=1e-8)


def test_fixed_support_small_reg_is_finite(line_problem):
    _, C, H = line_problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = barycenter_fixed_support(H, C, reg=1e-6, max_iter=200)
    p = res.extra["weights"]
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0)
    assert np.isfinite(res.value) and np.isfinite(res.value_linear)


def test_fixed_support_value_is_the_entropic_objective(line_problem):
    _, C, H = line_problem
    res = barycenter_fixed_support(H, C, reg=0.05, tol=1e-12)
    assert res.converged and res.marginal_error <= 1e-12
    # each plan's transport cost is at least the exact one to the barycenter
    p = res.extra["weights"]
    assert res.value_linear >= barycenter_objective(H, C, np.full(3, 1 / 3), p) - 1e-9
    assert res.value < res.value_linear  # the entropy term is negative


def test_fixed_support_rectangular_cost(rng):
    x = np.linspace(0, 1, 6)[:, None]
    y = np.linspace(0, 1, 3)[:, None]
    C = (x - y.T) ** 2
    H = rng.random((2, 6))
    H /= H.sum(axis=1, keepdims=True)
    p_lp, f_lp = lp_barycenter(H, C, np.full(2, 0.5))
    res = barycenter_fixed_support(H, C)
    assert res.extra["weights"].shape == (3,)
    assert res.value == pytest.approx(f_lp, abs=1e-9)
    ent = barycenter_fixed_support(H, C, reg=1e-3)
    assert ent.value_linear == pytest.approx(f_lp, abs=1e-2)


def test_fixed_support_warns_when_stopped_early(line_problem):
    _, C, H = line_problem
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        res = barycenter_fixed_support(H, C, reg=1e-3, max_iter=2)
    assert not res.converged and res.marginal_error > 1e-9


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"M": None}, "exactly one"),
        ({"support": np.zeros((7, 1))}, "exactly one"),
        ({"reg": -1.0}, "reg"),
        ({"reg": 0.1, "weights": [1, 2]}, "weights"),
        ({"reg": 0.1, "max_iter": 0}, "max_iter"),
    ],
)
def test_fixed_support_bad_arguments(line_problem, kwargs, match):
    _, C, H = line_problem
    args = {"M": C, **kwargs}
    with pytest.raises(ValueError, match=match):
        barycenter_fixed_support(H, **args)


def test_fixed_support_bad_histograms(line_problem):
    _, C, H = line_problem
    with pytest.raises(ValueError, match="negative"):
        barycenter_fixed_support(-H, C, reg=0.1)
    with pytest.raises(ValueError, match="zero mass"):
        barycenter_fixed_support(np.zeros((2, 7)), C, reg=0.1)
    with pytest.raises(ValueError, match="columns"):
        barycenter_fixed_support(H[:, :5], C, reg=0.1)


# ---------------------------------------------------------------------------
# Free support


def test_free_support_two_clouds_is_mccann_midpoint(rng):
    X = rng.normal(size=(8, 2))
    Y = rng.normal(size=(8, 2)) + [3.0, 1.0]
    C = ((X[:, None] - Y[None]) ** 2).sum(-1)
    _, sigma = linear_sum_assignment(C)
    for t in (0.5, 0.7):
        res = barycenter_free_support([X, Y], X_init=X, weights=[1 - t, t])
        assert res.converged
        np.testing.assert_allclose(res.extra["support"], (1 - t) * X + t * Y[sigma],
                                   atol=1e-10)
        # W2^2 along the geodesic: t^2 and (1 - t)^2 of W2^2(X, Y)
        w2 = C[np.arange(8), sigma].mean()
        assert res.value == pytest.approx(((1 - t) * t**2 + t * (1 - t) ** 2) * w2)


def test_free_support_diracs():
    res = barycenter_free_support([[[0.0, 0.0]], [[2.0, 4.0]], [[4.0, 2.0]]])
    np.testing.assert_allclose(res.extra["support"], [[2.0, 2.0]])
    np.testing.assert_allclose(res.extra["weights"], [1.0])


def test_free_support_single_cloud_is_itself(rng):
    X = rng.normal(size=(6, 3))
    a = rng.random(6)
    res = barycenter_free_support([X], [a])
    np.testing.assert_allclose(res.extra["support"], X)
    np.testing.assert_allclose(res.extra["weights"], a / a.sum())
    assert res.value == pytest.approx(0.0, abs=1e-12)


def test_free_support_entropic_close_to_exact(rng):
    X = rng.normal(size=(6, 2))
    Y = rng.normal(size=(6, 2)) + 2
    exact = barycenter_free_support([X, Y])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ent = barycenter_free_support([X, Y], reg=0.05)
    np.testing.assert_allclose(ent.extra["support"], exact.extra["support"],
                               atol=0.1)
    assert ent.value == pytest.approx(exact.value, rel=0.05)


def test_free_support_n_support_is_seeded_and_parallel_safe(rng):
    clouds = [rng.normal(size=(10, 2)) + i for i in range(3)]
    a = barycenter_free_support(clouds, n_support=4, random_state=0)
    b = barycenter_free_support(clouds, n_support=4, random_state=0, n_jobs=2)
    assert a.extra["support"].shape == (4, 2)
    np.testing.assert_array_equal(a.extra["support"], b.extra["support"])
    # the objective never increases along the sweeps
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        values = [
            barycenter_free_support(clouds, n_support=4, random_state=0,
                                    max_iter=k).value
            for k in (1, 2, 3, 4)
        ]
    assert all(v2 <= v1 + 1e-12 for v1, v2 in zip(values, values[1:]))


def test_free_support_bad_arguments(rng):
    X = rng.normal(size=(4, 2))
    with pytest.raises(TypeError, match="points_list"):
        barycenter_free_support(X)
    with pytest.raises(ValueError, match="dimension"):
        barycenter_free_support([X, rng.normal(size=(4, 3))])
    with pytest.raises(ValueError, match="weights_list"):
        barycenter_free_support([X, X], [None])
    with pytest.raises(ValueError, match="X_init"):
        barycenter_free_support([X, X], X_init=np.zeros((2, 3)))


# ---------------------------------------------------------------------------
# On the line


def test_1d_barycenter_is_quantile_average(rng):
    u = rng.normal(size=5)
    v = rng.normal(size=5) + 3
    res = barycenter_1d([u, v], weights=[0.25, 0.75])
    np.testing.assert_allclose(res.extra["support"], 0.25 * np.sort(u)
                               + 0.75 * np.sort(v))
    np.testing.assert_allclose(res.extra["weights"], np.full(5, 0.2))
    free = barycenter_free_support([u[:, None], v[:, None]], weights=[0.25, 0.75])
    np.testing.assert_allclose(np.sort(free.extra["support"][:, 0]),
                               res.extra["support"])
    assert res.value == pytest.approx(free.value)


def test_1d_barycenter_weighted_inputs_value_is_exact(rng):
    values = [rng.normal(size=n) + i for i, n in enumerate((3, 4, 7))]
    masses = [rng.random(v.size) for v in values]
    lam = np.array([0.2, 0.5, 0.3])
    res = barycenter_1d(values, masses, weights=lam)
    q, w = res.extra["support"], res.extra["weights"]
    assert w.sum() == pytest.approx(1.0)
    assert q.size <= sum(v.size for v in values)
    expected = sum(
        lk * wasserstein_1d(v, q, a, w, p=2) ** 2
        for lk, v, a in zip(lam, values, masses)
    )
    assert res.value == pytest.approx(expected, rel=1e-10)
    # optimality: moving the barycenter's points only increases the objective
    for _ in range(5):
        q2 = q + 1e-2 * rng.normal(size=q.size)
        worse = sum(
            lk * wasserstein_1d(v, q2, a, w, p=2) ** 2
            for lk, v, a in zip(lam, values, masses)
        )
        assert worse >= res.value - 1e-12


def test_1d_barycenter_single_sample_and_quantile_grid(rng):
    u = rng.normal(size=50)
    res = barycenter_1d([u])
    np.testing.assert_allclose(res.extra["support"], np.sort(u))
    assert res.value == 0.0
    approx = barycenter_1d([u, u + 1], n_quantiles=10)
    assert approx.extra["support"].shape == (10,)
    np.testing.assert_allclose(approx.extra["weights"], 0.1)


def test_1d_barycenter_bad_arguments():
    with pytest.raises(TypeError, match="values_list"):
        barycenter_1d(np.zeros(3))
    with pytest.raises(ValueError, match="weights_list"):
        barycenter_1d([[0.0, 1.0]], [[1.0]])
    with pytest.raises(ValueError, match="n_quantiles"):
        barycenter_1d([[0.0, 1.0]], n_quantiles=0)
