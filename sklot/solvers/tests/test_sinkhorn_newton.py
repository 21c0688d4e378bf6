"""Tests of the sparse Newton stage of the dense Sinkhorn solver."""

import numpy as np
import pytest

import sklot.solvers._entropic._dense as sd
from sklot.solvers import cost_matrix, sinkhorn
from sklot.solvers._entropic._core import make_schedule
from sklot.solvers._entropic._dense import solve_dense

TOL = 1e-6


def _problem(n, m, seed=0, zero=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 10))
    Y = rng.normal(size=(m, 10)) + 0.5
    a = rng.uniform(0.2, 1.0, n)
    b = rng.uniform(0.2, 1.0, m)
    if zero:
        a[3] = 0.0
        b[5] = 0.0
    a /= a.sum()
    b /= b.sum()
    M = cost_matrix(X, Y)
    return a, b, M, float(np.median(M))


def _solve(a, b, M, reg, newton, tol=TOL, max_iter=20000):
    return solve_dense(
        a, b, M.copy(), reg, make_schedule(reg, "auto"), max_iter=max_iter,
        tol=tol, newton=newton,
    )


@pytest.mark.parametrize("factor", [0.005, 0.002])
def test_newton_engages_and_cuts_iterations(factor):
    a, b, M, med = _problem(300, 250)
    plain = _solve(a, b, M, factor * med, newton=False)
    fast = _solve(a, b, M, factor * med, newton=True)
    assert plain["converged"] and fast["converged"]
    assert plain["n_newton"] == 0
    assert fast["n_newton"] > 0
    assert fast["n_iter"] < 0.75 * plain["n_iter"]


@pytest.mark.parametrize("zero", [False, True])
def test_newton_matches_plain_sinkhorn(zero):
    a, b, M, med = _problem(300, 250, seed=1, zero=zero)
    reg = 0.002 * med
    plain = _solve(a, b, M, reg, newton=False)
    fast = _solve(a, b, M, reg, newton=True)
    assert fast["n_newton"] > 0
    for raw in (plain, fast):
        P = raw["plan"]
        assert np.all(np.isfinite(P))
        assert np.all(np.isfinite(raw["F"])) and np.all(np.isfinite(raw["G"]))
        viol = np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum()
        assert viol <= TOL
    # Both plans are within TOL of the same plan.
    assert np.abs(plain["plan"] - fast["plan"]).sum() <= 4 * TOL
    # Potentials agree up to a constant (on positive weights). At small reg
    # the dual is ill-conditioned: a marginal violation of TOL leaves
    # potentials determined to about 1e-2 reg, not TOL reg.
    dF = (fast["F"] - plain["F"])[a > 0]
    dG = (fast["G"] - plain["G"])[b > 0]
    shift = np.median(dF)
    assert np.abs(dF - shift).max() <= 1e-2 * reg
    assert np.abs(dG + shift).max() <= 1e-2 * reg


def test_newton_result_against_converged_oracle():
    a, b, M, med = _problem(300, 250, seed=2)
    reg = 0.005 * med
    # Oracle: plain Sinkhorn run far past the tolerance of the solve.
    ref = sinkhorn(a, b, M, reg, tol=1e-13, max_iter=100000)
    res = sinkhorn(a, b, M, reg, tol=TOL, max_iter=1000)
    assert res.converged
    assert res.extra["violation"] <= TOL
    P = res.plan
    assert np.abs(P.sum(1) - a).sum() <= TOL
    assert np.abs(P.sum(0) - b).sum() <= TOL
    assert abs(res.value - ref.value) <= 1e-4 * abs(ref.value)
    assert np.abs(P - ref.plan).sum() <= 10 * TOL


def test_newton_off_for_moderate_reg():
    # At moderate reg Sinkhorn does not stall: Newton stays off.
    a, b, M, med = _problem(300, 250, seed=3)
    raw = _solve(a, b, M, 0.05 * med, newton=True)
    assert raw["converged"]
    assert raw["n_newton"] == 0


def test_newton_budget_keeps_converged_honest():
    # A budget too small for the solve: no NaN, converged stays false.
    a, b, M, med = _problem(300, 250, seed=4)
    with pytest.warns(Warning):
        res = sinkhorn(a, b, M, 0.002 * med, tol=1e-12, max_iter=60)
    assert not res.converged
    assert np.all(np.isfinite(res.plan))
    assert np.all(np.isfinite(res.potentials[0]))


def test_plan_pass_matches_numpy():
    from sklot._kernels._newton import plan_entries, plan_pass

    rng = np.random.default_rng(5)
    n, m, chunks = 70, 150, 4
    K = rng.random((n, m)) ** 8
    K[:, 7] = 0.0
    au = rng.uniform(0.5, 2.0, n) / n
    au[3] = 0.0
    v = rng.uniform(0.5, 2.0, m)
    thr = 0.5 / n
    P = au[:, None] * K * v
    keep = P >= thr
    for n_slots in (0, 2, m):
        for parallel in (False, True):
            r = np.empty(n)
            cpart = np.empty((chunks, m))
            counts = np.empty(n, dtype=np.int64)
            slot_j = np.full((n, n_slots), -1, dtype=np.int64)
            slot_p = np.full((n, n_slots), -1.0)
            plan_pass(K, au, v, thr, r, cpart, counts, slot_j, slot_p, parallel)
            np.testing.assert_allclose(r, P.sum(1), rtol=1e-13, atol=0)
            np.testing.assert_allclose(
                v * cpart.sum(0), P.sum(0), rtol=1e-13, atol=0
            )
            np.testing.assert_array_equal(counts, keep.sum(1))
            for i in range(n):
                cols = np.flatnonzero(keep[i])[:n_slots]
                k = cols.size
                np.testing.assert_array_equal(slot_j[i, :k], cols)
                np.testing.assert_allclose(slot_p[i, :k], P[i, cols], rtol=1e-15)
                assert np.all(slot_j[i, k:] == -1)
    indptr = np.r_[0, np.cumsum(keep.sum(1))]
    indices = np.zeros(indptr[-1], dtype=np.int64)
    data = np.zeros(indptr[-1])
    plan_entries(K, au, v, thr, indptr, indices, data, chunks, True)
    np.testing.assert_array_equal(indices, np.nonzero(keep)[1])
    np.testing.assert_allclose(data, P[keep], rtol=1e-15)


def test_squared_kernel_is_the_kernel_at_half_eps():
    from sklot._kernels._sinkhorn import kernel_floor, square_kernel

    rng = np.random.default_rng(6)
    n, m, eps = 30, 40, 0.3
    M = rng.random((n, m)) * 60 * eps
    b = rng.uniform(0.2, 1.0, m)
    b[4] = 0.0
    b /= b.sum()
    f, g = rng.normal(size=n), rng.normal(size=m)
    u, v = np.exp(rng.normal(size=n)), np.exp(rng.normal(size=m))
    v[4] = 0.0
    with np.errstate(divide="ignore"):
        K = np.exp(np.log(b) + (f[:, None] + g - M) / eps)
    inv_b = np.where(b > 0, 1.0 / np.where(b > 0, b, 1.0), 0.0)
    total = np.empty(3)
    square_kernel(K, u, v, inv_b, total, False)
    f2, g2 = f + eps * np.log(u), g + eps * np.log(np.where(b > 0, v, 1.0))
    with np.errstate(divide="ignore"):
        ref = np.exp(np.log(b) + (f2[:, None] + g2 - M) / (eps / 2))
    floor = kernel_floor(K.dtype)
    low = ref < floor * (1 - 1e-10)
    assert low.any()
    assert np.all(K[low] == 0.0)
    np.testing.assert_allclose(K[~low], ref[~low], rtol=1e-12, atol=0)
    assert np.isclose(total.sum(), K.sum(), rtol=1e-14)


def test_schedule_stages_double():
    reg = 0.003
    stages = make_schedule(reg, "auto")(100.0)
    assert stages[-1] == reg
    # Each stage exactly twice the next, the first within a factor 2 below
    # spread / 100.
    for big, small in zip(stages[:-1], stages[1:]):
        assert big == 2.0 * small
    assert 0.5 < stages[0] <= 1.0
    assert make_schedule(0.006, "auto")(1.0) == [0.006]


def test_halving_matches_log_domain_stages(monkeypatch):
    # Entering each stage by squaring the kernel gives the plan of the
    # exact (log-domain) stage transitions, to the tolerance.
    a, b, M, med = _problem(200, 150, seed=7, zero=True)
    reg = 0.004 * med
    fast = _solve(a, b, M, reg, newton=False)
    monkeypatch.setattr(sd._State, "halve", lambda self, eps, balanced: False)
    exact = _solve(a, b, M, reg, newton=False)
    assert fast["converged"] and exact["converged"]
    assert fast["n_absorb"] < exact["n_absorb"]
    assert np.abs(fast["plan"] - exact["plan"]).sum() <= 4 * TOL


def test_newton_stops_at_rounding_level():
    # A tolerance at the rounding level of the marginals: Newton rounds
    # that cannot improve stop early instead of using the whole budget.
    a, b, M, med = _problem(300, 250, seed=2)
    res = sinkhorn(a, b, M, 0.005 * med, tol=1e-13, max_iter=2000)
    assert res.converged
    assert res.n_iter < 500
    P = res.plan
    assert np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum() <= 1e-13 + 1e-15


@pytest.mark.parametrize("factor", [0.002, 0.001, 0.0005])
def test_small_reg_converges_at_tight_tol(factor):
    # Uniform Gaussian clouds (as in benchmarks/bench_entropic.py) at a
    # small reg and the default tol 1e-9: plain Sinkhorn stalls there on
    # weakly coupled groups of points, which the Newton stage must balance.
    from scipy.optimize import linear_sum_assignment

    n, tol = 200, 1e-9
    rng = np.random.default_rng(2)
    X = rng.normal(size=(n, 10))
    Y = rng.normal(size=(n, 10)) + 0.5
    M = cost_matrix(X, Y)
    a = np.full(n, 1.0 / n)
    reg = factor * float(np.median(M))
    res = sinkhorn(a, a, M, reg, tol=tol, max_iter=10000)
    assert res.converged
    assert res.extra["violation"] <= tol
    P = res.plan
    assert np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - a).sum() <= tol
    # Dual optimality, checked in NumPy: the plan of the returned potentials
    # (the gradient of the concave dual is its marginal violation).
    f, g = res.potentials
    Q = a[:, None] * a[None, :] * np.exp((f[:, None] + g[None, :] - M) / reg)
    assert np.abs(Q.sum(1) - a).sum() + np.abs(Q.sum(0) - a).sum() <= tol
    assert np.abs(Q - P).sum() <= tol
    # Against the exact assignment (uniform weights, n = m): the entropic
    # plan costs at least its value and at most reg * log(n) more.
    rows, cols = linear_sum_assignment(M)
    exact = M[rows, cols].mean()
    lin = float((P * M).sum())
    slack = tol * float(M.max())
    assert exact - slack <= lin <= exact + reg * np.log(n) + slack
