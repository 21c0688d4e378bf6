import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from sklot.linear_model import WassersteinDROClassifier, worst_case_perturbation
from sklot.linear_model._dro_solver import dual_norm

INF = np.inf


def _binary_data(rng, n=80):
    X = rng.normal(size=(n, 3))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=n) > 0, "b", "a")
    return X, y


def _unit_ball_samples(rng, d, p, size):
    v = rng.normal(size=(size, d))
    if p == INF:
        v = rng.uniform(-1, 1, size=(size, d))
        return v / np.abs(v).max(axis=1, keepdims=True)
    norm = np.linalg.norm(v, ord=p, axis=1, keepdims=True)
    return v / norm


@pytest.mark.parametrize("p", [1, 2, INF])
def test_binary_attack_is_exact(rng, p):
    X, y = _binary_data(rng)
    clf = LogisticRegression().fit(X, y)
    budget = 0.3
    X_adv = worst_case_perturbation(clf, X, y, budget, p=p)
    # every row moves by exactly the budget
    np.testing.assert_allclose(np.linalg.norm(X_adv - X, ord=p, axis=1), budget)
    # the signed score drops by budget * ||w||_*, the most any move can do
    sign = np.where(y == clf.classes_[1], 1.0, -1.0)
    drop = sign * (clf.decision_function(X) - clf.decision_function(X_adv))
    np.testing.assert_allclose(drop, budget * dual_norm(clf.coef_[0], p))
    for u in _unit_ball_samples(rng, 3, p, 200):
        moved = clf.decision_function(X) - clf.decision_function(X + budget * u)
        moved *= sign
        assert np.all(moved <= drop + 1e-12)
    # so the robust accuracy is the fraction with a margin beyond the drop
    robust = sign * clf.decision_function(X) > budget * dual_norm(clf.coef_[0], p)
    assert clf.score(X_adv, y) == pytest.approx(robust.mean())


@pytest.mark.parametrize("p", [1, 2, INF])
def test_multiclass_attack_is_exact(rng, p):
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    clf = WassersteinDROClassifier(radius=0.02).fit(X, y)
    budget = 0.25
    X_adv = worst_case_perturbation(clf, X, y, budget, p=p)
    np.testing.assert_allclose(np.linalg.norm(X_adv - X, ord=p, axis=1), budget)
    scores = clf.decision_function(X)
    # a row survives iff every other class stays below after its best attack
    survives = np.ones(len(y), dtype=bool)
    for k in range(3):
        gap = scores[:, k] - scores[np.arange(len(y)), y]
        reach = gap + budget * np.array([dual_norm(clf.coef_[k] - clf.coef_[c], p)
                                         for c in y])
        survives &= (k == y) | (reach < 0)
    assert clf.score(X_adv, y) == pytest.approx(survives.mean())
    # random moves in the ball never beat the closed form
    adv_gap = np.max(clf.decision_function(X_adv)
                     - clf.decision_function(X_adv)[np.arange(len(y)), y][:, None],
                     axis=1)
    for u in _unit_ball_samples(rng, 4, p, 100):
        s = clf.decision_function(X + budget * u)
        g = np.max(s - s[np.arange(len(y)), y][:, None], axis=1)
        assert np.all(g <= adv_gap + 1e-9)


def test_wasserstein_budget_flips_the_cheapest_rows(rng):
    X, y = _binary_data(rng, n=50)
    clf = LinearSVC().fit(X, y)
    budget = 0.05
    X_adv = worst_case_perturbation(clf, X, y, budget, budget_type="wasserstein")
    moved = np.linalg.norm(X_adv - X, axis=1)
    assert moved.mean() <= budget * (1 + 1e-9)
    changed = moved > 0
    assert changed.any()
    # every moved row ends up misclassified, and is among the closest rows
    assert np.all(clf.predict(X_adv[changed]) != y[changed])
    sign = np.where(y == clf.classes_[1], 1.0, -1.0)
    distance = np.maximum(sign * clf.decision_function(X), 0) / np.linalg.norm(
        clf.coef_[0]
    )
    kept = ~changed & (clf.predict(X) == y)  # correct rows left in place
    assert distance[changed].max() <= distance[kept].min() + 1e-12
    assert clf.score(X_adv, y) < clf.score(X, y)


def test_wasserstein_budget_multiclass_and_weights(rng):
    X, y = load_iris(return_X_y=True)
    clf = LogisticRegression(max_iter=1000).fit(X, y)
    weights = rng.random(len(y))
    X_adv = worst_case_perturbation(clf, X, y, 0.1, p=INF, budget_type="wasserstein",
                                    sample_weight=weights)
    moved = np.abs(X_adv - X).max(axis=1)
    assert weights @ moved / weights.sum() <= 0.1 * (1 + 1e-9)
    changed = moved > 0
    assert np.all(clf.predict(X_adv[changed]) != y[changed])


def test_zero_budget_and_input_untouched(rng):
    X, y = _binary_data(rng, n=10)
    clf = LogisticRegression().fit(X, y)
    X_copy = X.copy()
    for kind in ["sample", "wasserstein"]:
        out = worst_case_perturbation(clf, X, y, 0.0, budget_type=kind)
        np.testing.assert_array_equal(out, X)
    np.testing.assert_array_equal(X, X_copy)


def test_bad_inputs(rng):
    X, y = _binary_data(rng, n=10)
    clf = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="classes_"):
        worst_case_perturbation(clf, X, np.full(10, "zzz"), 0.1)
    with pytest.raises(ValueError, match="features"):
        worst_case_perturbation(clf, X[:, :2], y, 0.1)
    with pytest.raises(TypeError, match="linear classifier"):
        from sklearn.neighbors import KNeighborsClassifier

        worst_case_perturbation(KNeighborsClassifier(1).fit(X, y), X, y, 0.1)
    with pytest.raises(ValueError, match="budget"):
        worst_case_perturbation(clf, X, y, -1.0)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda X, y: (np.where(X == X[0, 0], np.nan, X), y), "X contains NaN"),
        (lambda X, y: (np.where(X == X[0, 0], np.inf, X), y), "X contains inf"),
        (lambda X, y: (X[:0], y), "X is empty"),
        (lambda X, y: (X[None], y), "X must be a 2D array"),
        (lambda X, y: (np.full(X.shape, "x"), y), "X holds values that are not"),
        (lambda X, y: (X + 1j, y), "X is complex"),
        (lambda X, y: (X, y[:-1]), "X and y have inconsistent numbers of rows"),
        (lambda X, y: (X, y[:0]), "X and y have inconsistent numbers of rows"),
        (lambda X, y: (X, y[:, None]), "y must be 1D"),
    ],
)
def test_bad_data_errors_name_the_argument(rng, change, message):
    X, y = _binary_data(rng, n=10)
    clf = LogisticRegression().fit(X, y)
    X_bad, y_bad = change(X, y)
    with pytest.raises(ValueError, match=message):
        worst_case_perturbation(clf, X_bad, y_bad, 0.1)
