import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from sklot.datasets import make_domain_shift

KINDS = ["covariate", "target", "conditional", "subspace"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n_features", [2, 5])
def test_shapes_and_markers(kind, n_features):
    X, y, y_t = make_domain_shift(
        kind, n_samples_source=40, n_samples_target=30, n_features=n_features,
        n_classes=3, return_target_labels=True, random_state=0,
    )
    assert X.shape == (70, n_features)
    assert y.shape == (70,)
    assert np.all(y[40:] == -1)
    assert np.all(y[:40] >= 0) and set(np.unique(y[:40])) <= {0, 1, 2}
    assert y_t.shape == (30,) and set(np.unique(y_t)) <= {0, 1, 2}
    assert np.isfinite(X).all()


@pytest.mark.parametrize("kind", KINDS)
def test_regression_marks_target_rows_with_nan(kind):
    X, y, y_t = make_domain_shift(
        kind, task="regression", n_samples_source=50, n_samples_target=20,
        return_target_labels=True, random_state=1,
    )
    assert np.isnan(y[50:]).all() and np.isfinite(y[:50]).all()
    assert y_t.dtype.kind == "f" and np.isfinite(y_t).all()


def test_random_state_reproducible():
    a = make_domain_shift("subspace", n_features=6, random_state=3)
    b = make_domain_shift("subspace", n_features=6, random_state=3)
    c = make_domain_shift("subspace", n_features=6, random_state=4)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.allclose(a[0], c[0])


@pytest.mark.parametrize("kind", ["conditional", "subspace"])
def test_shift_hurts_a_source_only_model(kind):
    # The generator is useful only if the shift costs a source-only model
    # accuracy that a target-trained model keeps.
    X, y, y_t = make_domain_shift(
        kind, n_samples_source=300, n_samples_target=300, n_classes=3,
        return_target_labels=True, random_state=0,
    )
    src = y != -1
    source_only = LogisticRegression().fit(X[src], y[src]).score(X[~src], y_t)
    oracle = LogisticRegression().fit(X[~src], y_t).score(X[~src], y_t)
    assert oracle > 0.9
    assert source_only < oracle - 0.1


def test_zero_shift_gives_one_distribution():
    X, y, y_t = make_domain_shift(
        "conditional", shift=0.0, n_samples_source=2000,
        n_samples_target=2000, return_target_labels=True, random_state=0,
    )
    src = y != -1
    np.testing.assert_allclose(X[src].mean(0), X[~src].mean(0), atol=0.15)
    np.testing.assert_allclose(np.bincount(y[src]) / 2000, np.bincount(y_t) / 2000,
                               atol=0.05)


def test_covariate_shift_keeps_the_labelling_rule():
    # Same rule in both domains: a flexible model trained on the union of
    # the two labelled samples fits both.
    from sklearn.neighbors import KNeighborsClassifier

    X, y, y_t = make_domain_shift(
        "covariate", n_samples_source=400, n_samples_target=400, noise=0.5,
        return_target_labels=True, random_state=0,
    )
    src = y != -1
    both = np.r_[y[src], y_t]
    knn = KNeighborsClassifier(5).fit(X, both)
    assert knn.score(X, both) > 0.95


def test_target_shift_moves_the_class_proportions():
    X, y, y_t = make_domain_shift(
        "target", n_samples_source=3000, n_samples_target=3000, shift=1.0,
        return_target_labels=True, random_state=0,
    )
    src = np.bincount(y[y != -1]) / 3000
    tgt = np.bincount(y_t) / 3000
    np.testing.assert_allclose(src, [0.5, 0.5], atol=0.03)
    np.testing.assert_allclose(tgt, [1 / (1 + np.exp(-1)), 1 - 1 / (1 + np.exp(-1))],
                               atol=0.03)


def test_regression_target_shift_moves_y():
    X, y, y_t = make_domain_shift(
        "target", task="regression", n_samples_source=500,
        n_samples_target=500, shift=2.0, return_target_labels=True,
        random_state=0,
    )
    assert y_t.mean() > y[:500].mean() + 0.3
    # p(x | y) unchanged: a model of y from x transfers.
    model = Ridge().fit(X[:500], y[:500])
    assert np.corrcoef(model.predict(X[500:]), y_t)[0, 1] > 0.8


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kind": "label"}, "kind"),
        ({"n_features": 1}, "n_features"),
        ({"n_classes": 1}, "n_classes"),
        ({"shift": -1.0}, "shift"),
        ({"task": "ranking"}, "task"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_domain_shift(**kwargs)
