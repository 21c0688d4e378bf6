import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joblib import parallel_backend
from scipy.optimize import linprog, minimize
from scipy.special import log_expit
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from sklot.linear_model import WassersteinDROClassifier
from sklot.linear_model._dro_solver import (
    dual_norm,
    fit_binary_dro,
    robust_objective,
)

INF = np.inf
LOSSES = ["logistic", "hinge"]
NORMS = [1, 2, INF]


def _noisy(rng, n=60, d=3, scale=1.0):
    X = rng.normal(size=(n, d)) * scale
    y = np.where(X[:, 0] / scale + 0.7 * rng.normal(size=n) > 0, 1, -1)
    return X, y


def _loss(m, loss):
    return -log_expit(m) if loss == "logistic" else np.maximum(0.0, 1.0 - m)


def _binary(clf, X, y):
    """Margins, weights and value of the binary problem fitted by ``clf``."""
    t = np.where(y == clf.classes_[1], 1.0, -1.0)
    m = t * clf.decision_function(X)
    return t, m


def _hinge_lp(X, y, s, radius, kappa, p, fit_intercept=True):
    """Optimal value of the hinge-loss program as a linear program (HiGHS)."""
    n, d = X.shape
    # variables: w (d), b, lam, t (n), u (d, p=inf only)
    nu = d if p == INF else 0
    nv = d + 1 + 1 + n + nu
    iw, ib, il, it = 0, d, d + 1, d + 2
    iu = it + n
    c = np.zeros(nv)
    c[il] = radius
    c[it : it + n] = s
    rows, rhs = [], []

    def row():
        return np.zeros(nv)

    for i in range(n):
        r = row()  # 1 - y (x.w + b) <= t
        r[iw : iw + d] = -y[i] * X[i]
        r[ib] = -y[i]
        r[it + i] = -1.0
        rows.append(r)
        rhs.append(-1.0)
        if np.isfinite(kappa):
            r = row()  # 1 + y (x.w + b) - kappa lam <= t
            r[iw : iw + d] = y[i] * X[i]
            r[ib] = y[i]
            r[il] = -kappa
            r[it + i] = -1.0
            rows.append(r)
            rhs.append(-1.0)
    for j in range(d):
        for sign in (1.0, -1.0):
            r = row()
            r[iw + j] = sign
            if p == 1:
                r[il] = -1.0
            else:
                r[iu + j] = -1.0
            rows.append(r)
            rhs.append(0.0)
    if p == INF:
        r = row()
        r[iu : iu + d] = 1.0
        r[il] = -1.0
        rows.append(r)
        rhs.append(0.0)
    bounds = [(None, None)] * (d + 1) + [(0, None)] * (1 + n + nu)
    if not fit_intercept:
        bounds[ib] = (0, 0)
    res = linprog(c, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds,
                  method="highs")
    assert res.status == 0
    return res.fun


# --- the solver against independent solves -------------------------------


@pytest.mark.parametrize("p", [1, INF])
@pytest.mark.parametrize("kappa", [INF, 2.0, 0.5])
@pytest.mark.parametrize("radius", [0.0, 0.03, 0.3])
def test_hinge_matches_linear_program(rng, p, kappa, radius):
    X, y = _noisy(rng)
    s = rng.random(X.shape[0]) + 0.1
    s /= s.sum()
    fit = fit_binary_dro(X, y.astype(float), s, radius=radius, kappa=kappa,
                         loss="hinge", p=p, tol=1e-9)
    expected = _hinge_lp(X, y, s, radius, kappa, p)
    assert fit.converged
    assert fit.value == pytest.approx(expected, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("p", [1, INF])
def test_hinge_without_intercept_matches_linear_program(rng, p):
    X, y = _noisy(rng)
    s = np.full(X.shape[0], 1.0 / X.shape[0])
    fit = fit_binary_dro(X, y.astype(float), s, radius=0.1, kappa=1.0,
                         loss="hinge", p=p, tol=1e-9, fit_intercept=False)
    assert fit.intercept == 0.0
    expected = _hinge_lp(X, y, s, 0.1, 1.0, p, fit_intercept=False)
    assert fit.value == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("kappa", [INF, 1.0])
def test_logistic_matches_slsqp(rng, kappa):
    # the program written out for a general-purpose solver: variables
    # (w, b, lam, t), t >= 0, t >= m - kappa lam, lam^2 >= ||w||^2
    X, y = _noisy(rng, n=12, d=2)
    n, d = X.shape
    s = np.full(n, 1.0 / n)
    radius = 0.02

    def unpack(z):
        return z[:d], z[d], z[d + 1], z[d + 2 :]

    def obj(z):
        w, b, lam, t = unpack(z)
        m = y * (X @ w + b)
        flips = t if np.isfinite(kappa) else 0.0
        return radius * lam + s @ (-log_expit(m) + flips)

    cons = [{"type": "ineq", "fun": lambda z: unpack(z)[2] ** 2
             - unpack(z)[0] @ unpack(z)[0]},
            {"type": "ineq", "fun": lambda z: unpack(z)[2]}]
    if np.isfinite(kappa):
        cons.append({"type": "ineq", "fun": lambda z: unpack(z)[3]})
        cons.append({"type": "ineq", "fun": lambda z: unpack(z)[3]
                     - (y * (X @ unpack(z)[0] + unpack(z)[1]) - kappa * unpack(z)[2])})
    z0 = np.concatenate([np.zeros(d + 1), [1.0], np.ones(n)])
    ref = minimize(obj, z0, constraints=cons, method="SLSQP",
                   options={"ftol": 1e-13, "maxiter": 1000})
    fit = fit_binary_dro(X, y.astype(float), s, radius=radius, kappa=kappa,
                         loss="logistic", p=2, tol=1e-10)
    assert np.linalg.norm(fit.coef) > 0.1
    assert fit.value == pytest.approx(ref.fun, rel=1e-6)
    # SLSQP's point, made feasible by the exact multiplier, is no better
    _, theirs = robust_objective(X, y.astype(float), s, ref.x[:d], ref.x[d],
                                 radius=radius, kappa=kappa, loss="logistic", p=2)
    assert fit.value <= theirs + 1e-10


cvxpy = None
try:  # optional independent conic solve
    import cvxpy
except ImportError:  # pragma: no cover - depends on the environment
    pass


@pytest.mark.skipif(cvxpy is None, reason="cvxpy is not installed")
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("p", NORMS)
@pytest.mark.parametrize("kappa", [INF, 1.0, 0.2])
def test_matches_cvxpy(rng, loss, p, kappa):
    X, y = _noisy(rng, n=50, d=4)
    n, d = X.shape
    s = rng.random(n) + 0.1
    s /= s.sum()
    radius = 0.08
    w, b, lam = cvxpy.Variable(d), cvxpy.Variable(), cvxpy.Variable()
    m = cvxpy.multiply(y, X @ w + b)
    if loss == "logistic":
        A, B = cvxpy.logistic(-m), cvxpy.logistic(m)
    else:
        A, B = cvxpy.pos(1 - m), cvxpy.pos(1 + m)
    terms = A if np.isinf(kappa) else cvxpy.maximum(A, B - kappa * lam)
    q = {1: INF, 2: 2, INF: 1}[p]
    prob = cvxpy.Problem(cvxpy.Minimize(radius * lam + s @ terms),
                         [cvxpy.norm(w, q) <= lam])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "may be inaccurate"
        prob.solve(solver="CLARABEL")
    fit = fit_binary_dro(X, y.astype(float), s, radius=radius, kappa=kappa,
                         loss=loss, p=p, tol=1e-9)
    assert fit.converged
    assert fit.value == pytest.approx(prob.value, rel=1e-6)
    # the conic solution evaluated in the exact objective is no better
    _, theirs = robust_objective(X, y.astype(float), s, w.value, float(b.value),
                                 radius=radius, kappa=kappa, loss=loss, p=p)
    assert fit.value <= theirs + 1e-8


# --- properties of the estimator --------------------------------------------


def test_radius_zero_is_logistic_regression(rng):
    X, y = _noisy(rng, n=200, d=4)
    clf = WassersteinDROClassifier(radius=0.0, tol=1e-10).fit(X, y)
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-6)
    np.testing.assert_allclose(clf.intercept_, ref.intercept_, rtol=1e-6)
    t, m = _binary(clf, X, y)
    assert clf.worst_case_loss_[0] == pytest.approx(np.mean(-log_expit(m)))


def test_radius_zero_hinge_is_empirical_risk(rng):
    X, y = _noisy(rng)
    s = np.full(X.shape[0], 1.0 / X.shape[0])
    clf = WassersteinDROClassifier(radius=0.0, loss="hinge", tol=1e-10).fit(X, y)
    assert clf.worst_case_loss_[0] == pytest.approx(
        _hinge_lp(X, y, s, 0.0, INF, INF), rel=1e-8, abs=1e-10
    )


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("p", NORMS)
def test_infinite_label_cost_is_norm_regularization(rng, loss, p):
    X, y = _noisy(rng)
    radius = 0.05
    clf = WassersteinDROClassifier(radius=radius, loss=loss, p=p, tol=1e-10)
    clf.fit(X, y)
    t, m = _binary(clf, X, y)
    w = clf.coef_[0]
    closed = np.mean(_loss(m, loss)) + radius * dual_norm(w, p)
    assert clf.worst_case_loss_[0] == pytest.approx(closed, rel=1e-12)
    assert clf.dual_radius_multiplier_[0] == pytest.approx(dual_norm(w, p))

    # and no other weight vector does better on that closed form
    def closed_form(z):
        mm = t * (X @ z[:-1] + z[-1])
        return np.mean(_loss(mm, loss)) + radius * dual_norm(z[:-1], p)

    z = np.append(w, clf.intercept_[0])
    for _ in range(50):
        assert closed_form(z + 1e-3 * rng.normal(size=z.size)) >= closed - 1e-12


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("p", NORMS)
@pytest.mark.parametrize("label_cost", [INF, 1.0])
def test_certificate_grows_with_radius(rng, loss, p, label_cost):
    X, y = _noisy(rng)
    erm = WassersteinDROClassifier(radius=0.0, loss=loss, tol=1e-9).fit(X, y)
    previous = erm.worst_case_loss_[0]
    for radius in [0.001, 0.01, 0.05, 0.2, 1.0]:
        clf = WassersteinDROClassifier(
            radius=radius, loss=loss, p=p, label_cost=label_cost, tol=1e-9
        ).fit(X, y)
        value = clf.worst_case_loss_[0]
        t, m = _binary(clf, X, y)
        assert value >= np.mean(_loss(m, loss)) - 1e-12  # never below empirical
        assert value >= previous - 1e-9
        assert clf.dual_radius_multiplier_[0] >= dual_norm(clf.coef_[0], p) - 1e-12
        previous = value


@pytest.mark.parametrize("p", NORMS)
def test_certificate_bounds_the_loss_under_attack(rng, p):
    # moving every row by `radius` is a distribution inside the ball
    from sklot.linear_model import worst_case_perturbation

    X, y = _noisy(rng, n=100)
    radius = 0.2
    clf = WassersteinDROClassifier(radius=radius, p=p).fit(X, y)
    X_adv = worst_case_perturbation(clf, X, y, radius, p=p)
    t, m = _binary(clf, X_adv, y)
    attacked = np.mean(-log_expit(m))
    assert attacked <= clf.worst_case_loss_[0] + 1e-10
    t0, m0 = _binary(clf, X, y)
    assert attacked > np.mean(-log_expit(m0))


@pytest.mark.parametrize("loss", LOSSES)
def test_certificate_bounds_the_loss_under_label_flips(rng, loss):
    # flipping the labels of mass radius / label_cost is inside the ball:
    # the adversary flips the rows that gain the most
    X, y = _noisy(rng, n=40)
    radius, kappa = 0.05, 0.5
    clf = WassersteinDROClassifier(radius=radius, loss=loss, label_cost=kappa,
                                   tol=1e-10).fit(X, y)
    t, m = _binary(clf, X, y)
    gain = _loss(-m, loss) - _loss(m, loss)
    mass = radius / kappa
    order = np.argsort(-gain)
    n_flip = int(mass * len(y))
    flipped = np.mean(_loss(m, loss)) + gain[order[:n_flip]].sum() / len(y)
    flipped += (mass * len(y) - n_flip) * gain[order[n_flip]] / len(y)
    assert flipped > np.mean(_loss(m, loss))
    assert flipped <= clf.worst_case_loss_[0] + 1e-10


def test_scale_invariance_on_unstandardized_data(rng):
    # scaling features, radius and label cost by c leaves the problem unchanged
    X, y = _noisy(rng, n=80, d=3)
    c, shift = 1e3, np.array([5e3, -2e4, 1e4])
    for p, loss, kappa in [(2, "logistic", INF), (INF, "hinge", 1.0),
                           (1, "logistic", 0.5)]:
        a = WassersteinDROClassifier(radius=0.05, p=p, loss=loss, label_cost=kappa,
                                     tol=1e-10).fit(X, y)
        b = WassersteinDROClassifier(radius=0.05 * c, p=p, loss=loss,
                                     label_cost=kappa * c, tol=1e-10)
        b.fit(c * X + shift, y)
        assert b.worst_case_loss_[0] == pytest.approx(a.worst_case_loss_[0], rel=1e-7)
        np.testing.assert_allclose(b.decision_function(c * X + shift),
                                   a.decision_function(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("p", NORMS)
def test_separable_data_stays_bounded(rng, loss, p):
    X = rng.normal(size=(60, 2))
    y = np.where(X[:, 0] > 0, 1, 0)
    X[:, 0] += np.where(y == 1, 1.0, -1.0)  # margin 2
    radius = 0.01
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = WassersteinDROClassifier(radius=radius, loss=loss, p=p).fit(X, y)
    w = clf.coef_[0]
    assert np.all(np.isfinite(w))
    # lam * radius <= certificate and lam >= ||w||_* bound the weights
    assert dual_norm(w, p) <= clf.worst_case_loss_[0] / radius + 1e-9
    assert clf.score(X, y) == 1.0


def test_single_class_is_an_error():
    X = np.arange(10.0).reshape(5, 2)
    with pytest.raises(ValueError, match="1 class"):
        WassersteinDROClassifier().fit(X, np.ones(5))


def test_invalid_parameters():
    X, y = make_classification(n_samples=20, n_features=3, n_informative=2,
                               n_redundant=0, random_state=0)
    with pytest.raises(InvalidParameterError, match="p"):
        WassersteinDROClassifier(p=3).fit(X, y)
    with pytest.raises(InvalidParameterError, match="radius"):
        WassersteinDROClassifier(radius=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="[Ww]eight"):
        WassersteinDROClassifier().fit(X, y, sample_weight=np.zeros(20))
    with pytest.raises(ValueError, match="zero total weight"):
        WassersteinDROClassifier().fit(X, y, sample_weight=(y == 1).astype(float))


@pytest.mark.parametrize("loss,p,kappa", [("logistic", 2, INF), ("logistic", 1, 1.0),
                                          ("hinge", INF, 2.0), ("hinge", 2, INF)])
def test_integer_weights_are_repeated_rows(rng, loss, p, kappa):
    X, y = _noisy(rng, n=30)
    sw = rng.integers(0, 4, size=30)
    params = dict(radius=0.05, loss=loss, p=p, label_cost=kappa, tol=1e-10)
    weighted = WassersteinDROClassifier(**params).fit(X, y, sample_weight=sw)
    repeated = WassersteinDROClassifier(**params).fit(
        np.repeat(X, sw, axis=0), np.repeat(y, sw)
    )
    assert weighted.worst_case_loss_[0] == pytest.approx(
        repeated.worst_case_loss_[0], rel=1e-8
    )
    if loss == "logistic" and p == 2:  # a unique optimum: the weights agree
        np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6)


def test_class_weight_balanced_equals_sample_weight(rng):
    X, y = _noisy(rng, n=50)
    y[:10] = 1  # imbalance
    balanced = WassersteinDROClassifier(class_weight="balanced", tol=1e-10).fit(X, y)
    counts = {c: np.sum(y == c) for c in np.unique(y)}
    sw = np.array([len(y) / (2 * counts[c]) for c in y])
    manual = WassersteinDROClassifier(tol=1e-10).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(balanced.coef_, manual.coef_, rtol=1e-7)


def test_float32_input(rng):
    X, y = _noisy(rng, n=80)
    a = WassersteinDROClassifier(radius=0.05, tol=1e-9).fit(X.astype(np.float32), y)
    b = WassersteinDROClassifier(radius=0.05, tol=1e-9).fit(
        X.astype(np.float32).astype(np.float64), y
    )
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9)
    assert np.all(np.isfinite(a.predict_proba(X.astype(np.float32))))


def test_multiclass_one_vs_rest():
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    clf = WassersteinDROClassifier(radius=0.05, label_cost=2.0, tol=1e-9).fit(X, y)
    assert clf.coef_.shape == (3, 4)
    assert clf.worst_case_loss_.shape == (3,)
    for k in range(3):
        binary = WassersteinDROClassifier(
            radius=0.05, label_cost=2.0, tol=1e-9
        ).fit(X, y == k)
        assert clf.worst_case_loss_[k] == pytest.approx(binary.worst_case_loss_[0])
        np.testing.assert_allclose(clf.coef_[k], binary.coef_[0], rtol=1e-6)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(X, y) > 0.85
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X))
    with parallel_backend("threading"):
        parallel = WassersteinDROClassifier(radius=0.05, label_cost=2.0, tol=1e-9,
                                            n_jobs=2).fit(X, y)
    np.testing.assert_allclose(parallel.coef_, clf.coef_, rtol=1e-12)


def test_hinge_has_no_predict_proba(rng):
    X, y = _noisy(rng)
    clf = WassersteinDROClassifier(loss="hinge").fit(X, y)
    assert not hasattr(clf, "predict_proba")
    assert set(clf.predict(X)) <= {-1, 1}


def test_log_proba_is_finite_for_huge_scores():
    X = np.array([[-1.0], [1.0], [-2.0], [2.0]])
    y = np.array([0, 1, 0, 1])
    clf = WassersteinDROClassifier(radius=0.01).fit(X, y)
    log_proba = clf.predict_log_proba(np.array([[1e6], [-1e6]]))
    assert np.all(np.isfinite(log_proba))


def test_non_convergence_warns(rng):
    X, y = _noisy(rng)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        WassersteinDROClassifier(max_iter=2).fit(X, y)


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(4, 40),
    d=st.integers(1, 5),
    p=st.sampled_from(NORMS),
    kappa=st.sampled_from([INF, 0.1, 1.0, 10.0]),
    log_radius=st.floats(-3, 1),
)
def test_hinge_random_problems_match_linear_program(seed, n, d, p, kappa, log_radius):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10)
    y = rng.choice([-1, 1], size=n)
    y[0], y[1] = -1, 1
    s = rng.random(n) + 0.05
    s /= s.sum()
    radius = 10.0**log_radius
    fit = fit_binary_dro(X, y.astype(float), s, radius=radius, kappa=kappa,
                         loss="hinge", p=p, tol=1e-9)
    if p != 2:
        assert fit.value == pytest.approx(
            _hinge_lp(X, y, s, radius, kappa, p), rel=1e-6, abs=1e-9
        )
    # the value is the exact worst case of the returned weights
    _, again = robust_objective(X, y.astype(float), s, fit.coef, fit.intercept,
                                radius=radius, kappa=kappa, loss="hinge", p=p)
    assert again == pytest.approx(fit.value, rel=1e-12)
    assert math.isfinite(fit.value)


def test_verbose_prints_iterations_objective_and_time(capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    WassersteinDROClassifier().fit(X, y)
    assert capsys.readouterr().out == ""
    WassersteinDROClassifier(verbose=1).fit(X, y)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "iteration" in ln]
    assert lines and all("objective" in ln and ln.endswith(" s") for ln in lines)


@pytest.mark.parametrize("loss", ["logistic", "hinge"])
@pytest.mark.parametrize("offset", [1e9, 1.7e9])
def test_translated_rows_give_the_same_classifier(rng, loss, offset):
    # the intercept is free, so translating X moves only the intercept; rows
    # far from the origin used to leave the solver's cones (math domain error)
    X, y = _noisy(rng, n=40, d=2)
    clf = WassersteinDROClassifier(radius=0.1, loss=loss).fit(X, y)
    moved = WassersteinDROClassifier(radius=0.1, loss=loss).fit(X + offset, y)
    np.testing.assert_allclose(moved.coef_, clf.coef_, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        moved.worst_case_loss_, clf.worst_case_loss_, rtol=1e-6
    )
    np.testing.assert_allclose(
        moved.intercept_ + moved.coef_.sum(axis=1) * offset,
        clf.intercept_,
        rtol=1e-5,
        atol=1e-5,
    )
    np.testing.assert_array_equal(moved.predict(X + offset), clf.predict(X))
