import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

from sklot.adaptation import (
    DomainAdaptationClassifier,
    ImportanceReweighter,
    NegativeTransferGuard,
    OTDomainAdapter,
    SubspaceAligner,
)
from sklot.datasets import make_domain_shift
from sklot.metrics import transport_consistency_scorer


def _cv_results(score_transport, score_entropy, adapters, circular=None):
    circular = np.zeros(len(adapters)) if circular is None else circular
    return {
        "params": [{"adapter": a} for a in adapters],
        "mean_test_transport": np.asarray(score_transport, float),
        "mean_test_entropy": np.asarray(score_entropy, float),
        "mean_test_circular": np.asarray(circular, float),
    }


ADAPTERS = ["passthrough", ImportanceReweighter(), OTDomainAdapter()]


def test_guard_keeps_the_fallback_without_a_clear_gain():
    guard = NegativeTransferGuard(margin=0.05, circular_weight=0.0)
    assert guard(_cv_results([-0.30, -0.20, -0.17], [0, 0, 0], ADAPTERS)) == 1
    assert guard(_cv_results([-0.30, -0.20, -0.10], [0, 0, 0], ADAPTERS)) == 2
    # the best safe candidate is the fallback, whichever it is
    assert guard(_cv_results([-0.10, -0.20, -0.08], [0, 0, 0], ADAPTERS)) == 0


def test_guard_adds_the_weighted_entropy():
    guard = NegativeTransferGuard(margin=0.0, circular_weight=0.0,
                                  entropy_weight=1.0)
    # transport alone prefers the adapter; its confidence is much worse
    assert guard(_cv_results([-0.3, -0.3, -0.1], [-0.1, -0.2, -0.5], ADAPTERS)) == 0
    assert set(guard.scoring) == {"transport", "entropy"}


def test_guard_adds_the_weighted_circular_score():
    guard = NegativeTransferGuard(margin=0.0, circular_weight=1.0)
    assert set(guard.scoring) == {"transport", "circular"}
    # the adapter collapses (its round trip fails): keep the source-only model
    cv = _cv_results([-0.3, -0.4, -0.1], [0, 0, 0], ADAPTERS, [0.9, 0.8, 0.5])
    assert guard(cv) == 0

def test_guard_needs_a_safe_candidate_and_the_scores():
    guard = NegativeTransferGuard()
    with pytest.raises(ValueError, match="no safe candidate"):
        guard(_cv_results([0.0], [0.0], [OTDomainAdapter()]))
    with pytest.raises(ValueError, match="scoring=guard.scoring"):
        guard({"params": [{"adapter": "passthrough"}]})
    with pytest.raises(ValueError, match="margin"):
        NegativeTransferGuard(margin=-1)(_cv_results([0], [0], ["passthrough"]))


def _search(X, y):
    guard = NegativeTransferGuard()
    return GridSearchCV(
        DomainAdaptationClassifier(LogisticRegression()),
        {"adapter": ["passthrough", ImportanceReweighter(),
                     ImportanceReweighter(weighting="label_shift"),
                     OTDomainAdapter(reg=0.1), SubspaceAligner()]},
        scoring=guard.scoring, refit=guard,
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)


def test_guarded_search_adapts_when_it_pays_and_not_otherwise():
    # conditional shift: the source-only model is poor, transport fixes it
    X, y, y_t = make_domain_shift("conditional", n_samples_source=150,
                                  n_samples_target=150,
                                  return_target_labels=True, random_state=0)
    search = _search(X, y)
    assert search.best_params_["adapter"] != "passthrough"
    source_only = LogisticRegression().fit(X[y != -1], y[y != -1])
    target = X[y == -1]
    chosen = search.best_estimator_.score(target, y_t)
    assert chosen > source_only.score(target, y_t) + 0.05
    # no shift at all: nothing to gain, the guard keeps a safe candidate
    X, y, y_t = make_domain_shift("conditional", shift=0.0, n_samples_source=150,
                                  n_samples_target=150,
                                  return_target_labels=True, random_state=0)
    search = _search(X, y)
    adapter = search.best_params_["adapter"]
    assert adapter == "passthrough" or isinstance(adapter, ImportanceReweighter)


def test_transport_scorer_is_comparable_and_bounded():
    X, y = make_domain_shift("conditional", n_samples_source=90,
                             n_samples_target=90, random_state=0)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    adapted = cross_val_score(
        DomainAdaptationClassifier(LogisticRegression(), OTDomainAdapter()),
        X, y, cv=cv, scoring=transport_consistency_scorer)
    source_only = cross_val_score(
        DomainAdaptationClassifier(LogisticRegression(), "passthrough"),
        X, y, cv=cv, scoring=transport_consistency_scorer)
    assert (adapted <= 0).all() and (source_only <= 0).all()
    assert adapted.mean() > source_only.mean()


def test_transport_scorer_label_cost_counts_disagreement():
    # identical domains: a perfect model costs nothing but label noise
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(40, 2)) + np.repeat([[0, 0], [6, 0]], 20, axis=0)
    X = np.vstack([Xs, Xs])
    y = np.r_[np.repeat([0, 1], 20), -np.ones(40, dtype=int)]
    clf = DomainAdaptationClassifier(LogisticRegression(), "passthrough").fit(X, y)
    assert transport_consistency_scorer(clf, X, y) == pytest.approx(0.0, abs=1e-9)
    flipped = np.r_[1 - y[:40], y[40:]]
    cost = -transport_consistency_scorer(clf, X, flipped, label_cost=0.5)
    assert 0 < cost <= 0.5 + 1e-9


def test_transport_scorer_errors():
    X, y = make_domain_shift(task="regression", n_samples_source=30,
                             n_samples_target=30, random_state=0)
    from sklot.adaptation import DomainAdaptationRegressor

    reg = DomainAdaptationRegressor().fit(X, y)
    with pytest.raises(ValueError, match="regression"):
        transport_consistency_scorer(reg, X, y)
    X, y = make_domain_shift(n_samples_source=30, n_samples_target=30,
                             random_state=0)
    clf = DomainAdaptationClassifier().fit(X, y)
    with pytest.raises(ValueError, match="label_cost"):
        transport_consistency_scorer(clf, X, y, label_cost=-1)
