"""Tests of the sparse Newton stage of the dense Sinkhorn solver."""

import numpy as np
import pytest

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
