import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from sklot.adaptation import (
    DomainAdaptationClassifier,
    ImportanceReweighter,
    NegativeTransferGuard,
    OTDomainAdapter,
    SubspaceAligner,
)
from sklot.adaptation._base import BaseAdapter
from sklot.datasets import make_domain_shift
from sklot.metrics import transport_consistency_scorer


def _cv_results(adapters, **scores):
    n = len(adapters)
    out = {"params": [{"adapter": a} for a in adapters]}
    for key in ("balance", "entropy", "transport", "iw", "circular"):
        out[f"mean_test_{key}"] = np.asarray(scores.get(key, np.zeros(n)), float)
    if "balance" not in scores:
        out["mean_test_balance"] = np.ones(n)
    return out


ADAPTERS = ["passthrough", ImportanceReweighter(), OTDomainAdapter(),
            OTDomainAdapter(reg=0.1)]


def test_guard_picks_the_safe_finalist_by_confidence():
    guard = NegativeTransferGuard()
    cv = _cv_results(ADAPTERS, entropy=[-0.4, -0.2, 0.0, 0.0],
                     iw=[0.9, 0.9, 0.5, 0.5], circular=[0.9, 0.9, 0.5, 0.5])
    assert guard(cv) == 1


def test_guard_reweights_only_beyond_the_margin():
    cv = _cv_results(ADAPTERS, entropy=[-0.40, -0.38, 0.0, 0.0],
                     iw=[0.90, 0.90, 0.5, 0.5], circular=[0.9, 0.9, 0.5, 0.5])
    # the reweighter is 0.02 more confident: not enough to leave the source
    assert NegativeTransferGuard()(cv) == 0
    assert NegativeTransferGuard(margin=0.01)(cv) == 1


def test_guard_counts_a_reweighting_on_kernel_features_as_safe():
    # its features are fitted on both domains pooled and move no row, so it
    # competes with the source-only model on confidence, not on transport
    adapters = ["passthrough", ImportanceReweighter(),
                ImportanceReweighter(kernel_components=5), OTDomainAdapter()]
    cv = _cv_results(adapters, entropy=[-0.4, -0.3, -0.1, -0.1],
                     iw=[0.9, 0.9, 0.95, 0.95], transport=[-0.9, -0.9, -0.9, -0.1],
                     circular=[0.9, 0.9, 0.95, 0.9])
    assert NegativeTransferGuard()(cv) == 2


def test_guarded_search_chooses_kernel_features_under_a_curved_covariate_shift():
    X, y, y_t = make_domain_shift("covariate", n_samples_source=150,
                                  n_samples_target=150,
                                  return_target_labels=True, random_state=1)
    kernel = ImportanceReweighter(kernel_components=5, random_state=0)
    guard = NegativeTransferGuard()
    search = GridSearchCV(
        DomainAdaptationClassifier(LogisticRegression()),
        {"adapter": ["passthrough", ImportanceReweighter(random_state=0), kernel,
                     OTDomainAdapter(reg=0.1)]},
        scoring=guard.scoring, refit=guard,
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    assert search.best_params_["adapter"] is kernel
    target = X[y == -1]
    linear = DomainAdaptationClassifier(
        LogisticRegression(), ImportanceReweighter(random_state=0)).fit(X, y)
    assert search.best_estimator_.score(target, y_t) > (
        linear.score(target, y_t) + 0.05)


def test_guard_picks_the_adapting_finalist_by_transport_consistency():
    guard = NegativeTransferGuard()
    cv = _cv_results(ADAPTERS, transport=[-0.9, -0.9, -0.3, -0.1],
                     iw=[0.8, 0.8, 0.9, 0.9], circular=[0.8, 0.8, 0.9, 0.9])
    assert guard(cv) == 3


def test_guard_drops_the_lowest_circular_fold_of_an_adapting_candidate():
    # the adapting finalist's reverse refit flipped the classes on one fold
    folds = np.array([[0.80, 0.80, 0.80], [0.80, 0.80, 0.80],
                      [0.70, 0.70, 0.70], [0.90, 0.90, 0.02]])
    cv = _cv_results(ADAPTERS, transport=[-0.9, -0.9, -0.3, -0.1],
                     iw=[0.8, 0.8, 0.8, 0.8], circular=folds.mean(axis=1))
    assert NegativeTransferGuard()(cv) == 0  # the mean alone: 0.61
    for k in range(3):
        cv[f"split{k}_test_circular"] = folds[:, k]
    assert NegativeTransferGuard()(cv) == 3  # without the lowest fold: 0.90
    # the safe candidates keep their mean: a weak fold of the source-only
    # model is no reverse refit gone wrong
    folds[0] = [0.98, 0.98, 0.20]
    for k in range(3):
        cv[f"split{k}_test_circular"] = folds[:, k]
    cv["mean_test_circular"] = folds.mean(axis=1)
    assert NegativeTransferGuard()(cv) == 3


def test_guard_adapts_only_beyond_the_margin():
    cv = _cv_results(ADAPTERS, transport=[-0.9, -0.9, -0.1, -0.3],
                     iw=[0.90, 0.90, 0.92, 0.99], circular=[0.9, 0.9, 0.91, 0.5])
    # the adapting finalist (index 2) gains 0.03 of iw + circular
    assert NegativeTransferGuard(margin=0.0)(cv) == 2
    assert NegativeTransferGuard(margin=0.05)(cv) == 0


def test_guard_charges_lopsided_predictions_in_the_arbitration():
    # the conditional-shift draw that motivated the term: an unadapted model
    # predicting one class at 0.27 of its source share, transports balanced
    cv = _cv_results(ADAPTERS, balance=[0.27, 0.0, 0.881, 0.881],
                     entropy=[-0.310, -0.203, -0.363, -0.348],
                     transport=[-0.434, -0.131, -0.080, -0.081],
                     iw=[0.943, 0.925, 0.901, 0.936],
                     circular=[0.845, 0.5, 0.890, 0.895])
    # without the term the source-only sum (1.478) beats the transport (1.428)
    assert NegativeTransferGuard()(cv) == 2
    # 60 % of every share or more costs nothing
    cv["mean_test_balance"] = np.array([0.6, 0.0, 0.881, 0.881])
    assert NegativeTransferGuard()(cv) == 0
    cv["mean_test_balance"] = np.array([1.0, 0.0, 0.7, 0.7])
    assert NegativeTransferGuard()(cv) == 0


def test_guard_drops_collapsed_candidates():
    guard = NegativeTransferGuard()
    cv = _cv_results(ADAPTERS, balance=[1.0, 0.0, 1.0, 0.01],
                     entropy=[-0.4, -0.01, -0.3, -0.01],
                     transport=[-0.9, -0.9, -0.3, -0.1],
                     iw=[0.8, 0.8, 0.9, 0.99], circular=[0.8, 0.8, 0.9, 0.99])
    # the confident reweighter and the consistent transport have collapsed
    assert guard(cv) == 2
    # every safe candidate collapsed: they are no baseline, adapt
    cv["mean_test_balance"] = np.array([0.0, 0.0, 1.0, 1.0])
    cv["mean_test_iw"] = np.array([0.9, 0.9, 0.1, 0.1])
    assert guard(cv) == 3
    # everything collapsed: the safe finalist still exists
    cv["mean_test_balance"] = np.zeros(4)
    assert guard(cv) == 1


def test_guard_reads_min_balance_up_to_rounding():
    # a mean of fold fractions that is min_balance but for its last bits
    at_threshold = 0.02 * (1 - 1e-12)
    cv = _cv_results(ADAPTERS, balance=[1.0, at_threshold, 1.0, 1.0],
                     entropy=[-0.4, -0.1, -0.3, -0.3],
                     iw=[0.8, 0.8, 0.5, 0.5], circular=[0.8, 0.8, 0.5, 0.5])
    assert NegativeTransferGuard()(cv) == 1
    assert NegativeTransferGuard(min_balance=0.021)(cv) == 0


def test_guard_needs_a_safe_candidate_and_the_scores():
    guard = NegativeTransferGuard()
    with pytest.raises(ValueError, match="no safe candidate"):
        guard(_cv_results([OTDomainAdapter()]))
    with pytest.raises(ValueError, match="scoring=guard.scoring"):
        guard({"params": [{"adapter": "passthrough"}]})
    with pytest.raises(ValueError, match="margin"):
        NegativeTransferGuard(margin=-1)(_cv_results(["passthrough"]))
    with pytest.raises(ValueError, match="min_balance"):
        NegativeTransferGuard(min_balance=2)(_cv_results(["passthrough"]))
    assert set(guard.scoring) == {"balance", "entropy", "transport", "iw",
                                  "circular"}


def _search(X, y):
    guard = NegativeTransferGuard()
    return GridSearchCV(
        DomainAdaptationClassifier(LogisticRegression()),
        {"adapter": ["passthrough", ImportanceReweighter(random_state=0),
                     ImportanceReweighter(weighting="label_shift"),
                     OTDomainAdapter(reg=0.1), SubspaceAligner()]},
        scoring=guard.scoring, refit=guard,
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)


def test_guarded_search_adapts_when_it_pays_and_not_otherwise():
    # a strong conditional shift: the source-only model is poor, transport
    # fixes it
    X, y, y_t = make_domain_shift("conditional", shift=3.0, n_samples_source=100,
                                  n_samples_target=100,
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
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="max_samples"):
            transport_consistency_scorer(clf, X, y, max_samples=bad)


def test_transport_scorer_scores_large_folds_on_a_fixed_subsample():
    X, y = make_domain_shift("conditional", n_samples_source=600,
                             n_samples_target=600, random_state=1)
    scores = {}
    for name, adapter in [("adapted", OTDomainAdapter(reg=0.1)),
                          ("source only", "passthrough")]:
        clf = DomainAdaptationClassifier(LogisticRegression(), adapter).fit(X, y)
        full = transport_consistency_scorer(clf, X, y, max_samples=None)
        assert transport_consistency_scorer(clf, X, y, max_samples=600) == full
        sub = transport_consistency_scorer(clf, X, y, max_samples=200)
        # the same rows on every call, and close to the score on every row
        # (in units of the median squared distance)
        assert transport_consistency_scorer(clf, X, y, max_samples=200) == sub
        assert abs(sub - full) < 0.1
        scores[name] = sub
    assert scores["adapted"] > scores["source only"] + 0.3


class _Translate(BaseAdapter):
    """Move the source rows by a fixed offset (the target is unchanged)."""

    _parameter_constraints: dict = {"offset": ["array-like"]}

    def __init__(self, offset=(0.0,)):
        self.offset = offset

    def _fit_map(self, X, y, split):
        pass

    def _transform(self, X):
        return X + np.asarray(self.offset, dtype=X.dtype)


class _DropFirst(BaseAdapter):
    """A shared space: every row loses its first feature."""

    _maps_every_domain = True

    def _fit_map(self, X, y, split):
        pass

    def _transform(self, X):
        return X[:, 1:].copy()


@pytest.mark.parametrize("unit", [1e-3, 1.0, 1e3])
def test_transport_scorer_measures_a_shared_space_as_the_input(unit):
    # The domains differ only by a constant first feature. Dropping it (a
    # shared space) and translating the source onto it (the input space)
    # leave the same geometry and the same 1-NN predictions, so they score
    # alike, in any units of X.
    rng = np.random.default_rng(0)
    Xs, Xt = rng.normal(size=(60, 2)), rng.normal(size=(60, 2))
    X = unit * np.vstack([np.c_[np.zeros(60), Xs], np.c_[np.full(60, 10.0), Xt]])
    y = np.r_[(Xs[:, 0] > 0).astype(int), -np.ones(60, dtype=int)]
    scores = [
        transport_consistency_scorer(
            DomainAdaptationClassifier(KNeighborsClassifier(1), adapter).fit(X, y),
            X, y)
        for adapter in (_DropFirst(), _Translate(unit * np.array([10.0, 0, 0])))
    ]
    assert scores[0] == pytest.approx(scores[1], rel=1e-9)
    assert scores[0] > -0.5
