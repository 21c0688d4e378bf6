"""Scorers that select domain-adaptation models without target labels.

Each is a plain ``scorer(estimator, X, y)`` callable, so it goes straight
into ``GridSearchCV(scoring=...)`` or ``cross_val_score``. The validation
fold is stacked like the training data: its target rows are the rows whose
``y`` is the target marker (``-1`` for classification, ``NaN`` for
regression), and their true labels are never needed. Greater is better for
all of them.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.base import clone, is_regressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils.validation import _num_samples

from ..utils import DomainSplit, split_domains
from ..utils._density_ratio import KernelDensityRatio, odds_weights
from ..utils._label_shift import LabelShiftWarning, estimate_target_proportions

__all__ = [
    "circular_validation_scorer",
    "importance_weighted_scorer",
    "prediction_balance_scorer",
    "prediction_entropy_scorer",
]


def _accepts_nan(estimator):
    """Whether the model takes NaN in X (its tag, or its pipeline's first step)."""
    steps = [estimator]
    if isinstance(estimator, Pipeline):
        steps.append(estimator.steps[0][1])
    for step in steps:
        try:
            if get_tags(step).input_tags.allow_nan:
                return True
        except Exception:  # noqa: BLE001 - a model without sklearn tags
            continue
    return False


def _check_fold_X(estimator, X):
    """Refuse an X that no model can score, naming X.

    A scorer reads only some rows of the fold, so it checks the whole fold
    itself: a NaN on a row it skips would otherwise pass unnoticed. Only
    what is wrong whatever the model is refused: a scalar, complex numbers,
    infinity, and NaN unless the model takes NaN (an imputing pipeline).
    Other dtypes (text, categories) are left to the model.
    """
    if sp.issparse(X):
        arr = X.data
    else:
        try:
            arr = np.asarray(X)
        except (TypeError, ValueError):
            raise ValueError(
                "X is a ragged sequence (its rows differ in length); pass a "
                "2D array with one row per sample."
            ) from None
        if arr.ndim == 0:
            raise ValueError(
                f"X must be an array with one row per sample, got the scalar "
                f"{X!r}."
            )
    if arr.dtype.kind == "c":
        raise ValueError(
            f"X has the complex dtype {arr.dtype}; pass real features (for "
            "example X.real)."
        )
    if arr.dtype.kind == "f":
        if np.isinf(arr).any():
            raise ValueError(
                "X contains infinity; replace or drop the infinite values."
            )
        if not _accepts_nan(estimator) and np.isnan(arr).any():
            raise ValueError(
                "X contains NaN and the model does not accept NaN; impute the "
                "missing values (for example with a SimpleImputer in the "
                "pipeline) or drop those rows."
            )


def _as_features(Z):
    """``Z`` as floats for the scorer's own arithmetic, naming X if it fails."""
    if hasattr(Z, "iloc") or sp.issparse(Z):
        return Z
    try:
        return np.asarray(Z, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"X must hold numbers by the model's last step ({exc}); encode "
            "the non-numeric columns in the pipeline."
        ) from None


def _fold_domains(
    X, y, sample_domain, estimator=None
) -> tuple[np.ndarray, DomainSplit, np.ndarray, np.ndarray]:
    if estimator is not None:
        _check_fold_X(estimator, X)
    if y is None:
        raise ValueError(
            "y is None; the scorer reads the target rows of the fold from y "
            "(-1 or NaN on target rows). Pass the stacked labels."
        )
    n_samples = _num_samples(X)
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n_samples:
        raise ValueError(
            f"X and y have inconsistent lengths: X has {n_samples} rows, y has "
            f"shape {y.shape}; pass one label per row of X."
        )
    split = split_domains(y, sample_domain, n_samples=n_samples)
    source = np.flatnonzero(split.source & split.labelled)
    target = np.flatnonzero(split.target)
    if source.size == 0 or target.size == 0:
        raise ValueError(
            "The validation fold needs both labelled source rows and target "
            f"rows (y == -1 or NaN); it has {source.size} source and "
            f"{target.size} target rows. Use a splitter that keeps both "
            "domains in every fold, such as StratifiedKFold on the stacked y."
        )
    return y, split, source, target


def _is_regression(estimator, split):
    if split.task == "regression":
        return True
    return is_regressor(estimator)


def _final_step(estimator, X):
    """``X`` as the last step of a pipeline sees it, and that last step."""
    if isinstance(estimator, Pipeline):
        if len(estimator.steps) > 1:
            X = estimator[:-1].transform(X)
        return X, estimator.steps[-1][1]
    return X, estimator


def _shared_space(final):
    """Return the fitted adapter of ``final`` if it embeds every domain, else None."""
    adapter = getattr(final, "adapter_", None)
    return adapter if getattr(adapter, "_maps_every_domain", False) else None


def _target_view(estimator, X_target):
    """Target rows in the space the model's estimator reads, and the last step.

    That is the last step's input, embedded by a shared-space adapter.
    """
    Z, final = _final_step(estimator, X_target)
    adapter = _shared_space(final)
    return (Z if adapter is None else adapter.transform(Z)), final


def _source_view(estimator, X_source):
    """Map the source rows as the model saw its training rows; return the model.

    For a domain-adaptation meta-estimator the source rows are moved into
    the target domain by its fitted adapter, and its inner estimator predicts
    them, exactly as it predicted the mapped training rows. Any other
    estimator sees the rows unmapped.
    """
    Z, final = _final_step(estimator, X_source)
    Z = _as_features(Z)
    inner = getattr(final, "estimator_", None)
    if inner is None or not hasattr(final, "adapter_"):
        return Z, final
    adapter = final.adapter_
    if adapter is not None:
        Z = adapter.transform(Z)
    return Z, inner


def prediction_entropy_scorer(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike | None,
    *,
    sample_domain: ArrayLike | None = None,
) -> float:
    """Negative mean entropy of the predicted class probabilities on target rows.

    A model that is confident on the unlabelled target rows scores high.
    Works with any classifier that has ``predict_proba``.

    When it works: the classes form well-separated clusters in the target
    domain (the cluster assumption), and the candidates differ in how well
    their boundary avoids those clusters. When it fails: it rewards
    confidence, not correctness. A model that sends every target row
    confidently to the wrong class, or to one class (a collapsed transport
    map, weak regularization of the classifier), scores best. It is blind to
    label permutations and should be used only to compare candidates whose
    classifiers are regularized alike. Classification only.

    Parameters
    ----------
    estimator : estimator object
        A fitted classifier (or pipeline ending in one) with
        ``predict_proba``.
    X : array-like of shape (n_samples, n_features)
        The validation rows, stacked.
    y : array-like of shape (n_samples,)
        Labels with target rows marked ``-1``; only the marker is read.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Explicit domains (``< 0`` target), when ``y`` does not mark them.

    Returns
    -------
    score : float
        ``-mean_i H(p(. | x_i))`` over target rows, in nats (at most 0).

    See Also
    --------
    circular_validation_scorer : The recommended default.

    References
    ----------
    .. [1] P. Morerio, J. Cavazza, V. Murino. "Minimal-entropy correlation
       alignment for unsupervised deep domain adaptation". ICLR 2018.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV, StratifiedKFold
    >>> from sklot.adaptation import DomainAdaptationClassifier, OTDomainAdapter
    >>> from sklot.datasets import make_domain_shift
    >>> from sklot.metrics import prediction_entropy_scorer
    >>> X, y = make_domain_shift(n_samples_source=60, n_samples_target=60,
    ...                          random_state=0)
    >>> search = GridSearchCV(
    ...     DomainAdaptationClassifier(adapter=OTDomainAdapter()),
    ...     {"adapter__reg": [None, 0.5]}, cv=StratifiedKFold(3),
    ...     scoring=prediction_entropy_scorer).fit(X, y)

    The score is the mean of ``sum_k p_k log p_k`` over the target rows:

    >>> import numpy as np
    >>> p = search.best_estimator_.predict_proba(X[y == -1])
    >>> score = prediction_entropy_scorer(search.best_estimator_, X, y)
    >>> bool(np.isclose(score, np.mean(np.sum(p * np.log(p), axis=1))))
    True
    """
    y, split, _, target = _fold_domains(X, y, sample_domain, estimator)
    if _is_regression(estimator, split):
        raise ValueError(
            "prediction_entropy_scorer needs class probabilities; for "
            "regression use circular_validation_scorer or "
            "importance_weighted_scorer."
        )
    if not hasattr(estimator, "predict_proba"):
        raise TypeError(
            f"{type(estimator).__name__} has no predict_proba; "
            "prediction_entropy_scorer needs class probabilities (use a "
            "probabilistic classifier, or another scorer)."
        )
    proba = estimator.predict_proba(_safe_indexing(X, target))
    proba = np.clip(proba, 1e-300, 1.0)
    entropy = -(proba * np.log(proba)).sum(axis=1)
    return float(-entropy.mean())


# Seed of what a scorer draws from a fold (kernel centres, a subsample of
# rows): fixed, so that every candidate of a search is scored alike.
FOLD_SEED = 0


def _dense(Z):
    Z = _as_features(Z)
    return np.asarray(Z.toarray() if sp.issparse(Z) else Z, dtype=np.float64)


def _importance_weights(Z_source, Z_target, weight_estimator, max_weight):
    if isinstance(weight_estimator, str):
        if weight_estimator != "kernel_density_ratio":
            raise ValueError(
                "weight_estimator must be a classifier with predict_proba, "
                f"'kernel_density_ratio' or None, got {weight_estimator!r}."
            )
        Z_source = _dense(Z_source)
        ratio = KernelDensityRatio(100, FOLD_SEED).fit(
            Z_source, _dense(Z_target)
        )
        return ratio.weights(Z_source, max_weight)
    Z = np.vstack([np.asarray(Z_source), _as_features(Z_target)])
    n_s, n_t = len(Z_source), len(Z_target)
    domain = np.r_[np.zeros(n_s, dtype=int), np.ones(n_t, dtype=int)]
    model = clone(weight_estimator) if weight_estimator is not None else (
        make_pipeline(StandardScaler(), LogisticRegression())
    )
    model.fit(Z, domain)
    p = model.predict_proba(Z[:n_s])[:, list(model.classes_).index(1)]
    return odds_weights(p, max_weight)


def importance_weighted_scorer(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike | None,
    *,
    sample_domain: ArrayLike | None = None,
    weight_estimator: Any = None,
    max_weight: float = 10.0,
) -> float:
    """Source accuracy reweighted to the target density (IWCV).

    The source rows of the validation fold are scored as the adapted model
    sees them: a domain-adaptation meta-estimator maps them into the target
    domain with its fitted adapter, and its classifier predicts them. Each
    row is weighted by the density ratio ``p_target(z) / p_source(z)`` at
    its mapped position ``z``, estimated by a domain classifier trained on
    the fold (source vs target rows), so the weighted source accuracy
    estimates the target accuracy under covariate shift between the mapped
    source and the target (Sugiyama et al., 2007).

    When it works: the mapped source and the target overlap, and the labels
    travel with the map (``p(y | z)`` is the same for mapped source rows and
    target rows). It then corrects for what the map left unaligned. When it
    fails: it cannot see a map that carries rows to the wrong class region
    (the classifier is trained on the same mapped rows, so it agrees with
    them), which is exactly what happens under a pure covariate shift; with
    little overlap a few rows carry all the weight (weights are capped at
    ``max_weight`` times their mean) and the estimate is noisy.

    Parameters
    ----------
    estimator : estimator object
        A fitted classifier or regressor, or a pipeline ending in one.
    X : array-like of shape (n_samples, n_features)
        The validation rows, stacked.
    y : array-like of shape (n_samples,)
        Labels with target rows marked ``-1`` (or ``NaN`` for regression).
    sample_domain : array-like of int of shape (n_samples,), default=None
        Explicit domains (``< 0`` target), when ``y`` does not mark them.
    weight_estimator : classifier, "kernel_density_ratio" or None, \
            default=None
        Domain classifier with ``predict_proba``, cloned for each call;
        ``make_pipeline(StandardScaler(), LogisticRegression())`` when None.
        ``"kernel_density_ratio"`` fits the ratio directly, as
        ``ImportanceReweighter(weighting="kernel_density_ratio")`` does
        (100 kernel centres drawn with a fixed seed); it sees curved shifts
        that a linear domain classifier misses.
    max_weight : float, default=10.0
        Cap on the importance weights, which are normalized to mean one;
        must exceed 1.

    Returns
    -------
    score : float
        Weighted accuracy (classification) or negative weighted mean squared
        error (regression) on the source rows.

    See Also
    --------
    circular_validation_scorer : The recommended default.

    References
    ----------
    .. [1] M. Sugiyama, M. Krauledat, K.-R. Mueller. "Covariate shift
       adaptation by importance weighted cross validation". JMLR 8, 2007.

    Examples
    --------
    >>> from sklearn.model_selection import cross_val_score, StratifiedKFold
    >>> from sklot.adaptation import DomainAdaptationClassifier
    >>> from sklot.datasets import make_domain_shift
    >>> from sklot.metrics import importance_weighted_scorer
    >>> X, y = make_domain_shift(n_samples_source=60, n_samples_target=60,
    ...                          random_state=0)
    >>> scores = cross_val_score(DomainAdaptationClassifier(), X, y,
    ...                          cv=StratifiedKFold(3),
    ...                          scoring=importance_weighted_scorer)

    A domain classifier that cannot tell the domains apart gives equal
    weights, and the score is then the plain source accuracy:

    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> clf = DomainAdaptationClassifier(adapter="passthrough").fit(X, y)
    >>> flat = importance_weighted_scorer(clf, X, y,
    ...                                   weight_estimator=DummyClassifier())
    >>> bool(np.isclose(flat, clf.score(X[y != -1], y[y != -1])))
    True
    """
    if not max_weight > 1:
        raise ValueError(
            f"max_weight must be a float > 1 (a cap on weights of mean one), "
            f"got {max_weight!r}."
        )
    y, split, source, target = _fold_domains(X, y, sample_domain, estimator)
    Z_source, model = _source_view(estimator, _safe_indexing(X, source))
    Z_target, _ = _target_view(estimator, _safe_indexing(X, target))
    w = _importance_weights(Z_source, Z_target, weight_estimator, max_weight)
    pred = model.predict(Z_source)
    truth = y[source]
    if _is_regression(estimator, split):
        return float(-np.average((pred - truth.astype(float)) ** 2, weights=w))
    return float(np.average(pred == truth, weights=w))


def circular_validation_scorer(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike | None,
    *,
    sample_domain: ArrayLike | None = None,
) -> float:
    """Reverse validation: adapt back from pseudo-labelled target to source.

    The fitted model labels the target rows of the fold; a clone of it is
    then fitted in the reverse direction, with those target rows (and their
    pseudo-labels) as the source and the fold's source rows as the unlabelled
    target; the score is the accuracy of that reverse model on the true
    source labels (Bruzzone and Marconcini, 2010; Zhong et al., 2010). A
    transport that mixes classes produces pseudo-labels that do not transfer
    back, so the circle does not close.

    When it works: the shift is symmetric enough that the reverse adaptation
    is as easy as the forward one (translations, rotations, conditional
    shifts), which is the common case for transport-based adaptation. It is
    the scorer with the best record in our measurements (see the user
    guide). When it fails: a map that permutes the classes consistently in
    both directions passes the test; under a pure covariate or label shift
    the reverse problem can be easier or harder than the forward one; each
    call refits the model on the fold, which costs one more fit per
    candidate and fold. The estimator must read the target marker (a sklot
    domain-adaptation meta-estimator, or a pipeline ending in one).

    Parameters
    ----------
    estimator : estimator object
        A fitted domain-adaptation classifier or regressor (or pipeline
        ending in one); it is cloned and refitted on the reversed fold.
    X : array-like of shape (n_samples, n_features)
        The validation rows, stacked.
    y : array-like of shape (n_samples,)
        Labels with target rows marked ``-1`` (or ``NaN`` for regression).
    sample_domain : array-like of int of shape (n_samples,), default=None
        Explicit domains (``< 0`` target), when ``y`` does not mark them.

    Returns
    -------
    score : float
        Accuracy (classification) or negative mean squared error
        (regression) of the reverse model on the source rows.

    See Also
    --------
    importance_weighted_scorer : Cheaper, for small residual shifts.

    References
    ----------
    .. [1] L. Bruzzone, M. Marconcini. "Domain adaptation problems: a DASVM
       classification technique and a circular validation strategy". IEEE
       TPAMI 32(5), 2010.
    .. [2] E. Zhong, W. Fan, Q. Yang, O. Verscheure, J. Ren. "Cross
       validation framework to choose amongst models and datasets for
       transfer learning". ECML PKDD 2010.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV, StratifiedKFold
    >>> from sklot.adaptation import DomainAdaptationClassifier, OTDomainAdapter
    >>> from sklot.datasets import make_domain_shift
    >>> from sklot.metrics import circular_validation_scorer
    >>> X, y = make_domain_shift(n_samples_source=60, n_samples_target=60,
    ...                          shift=0.0, random_state=0)
    >>> X[y == -1] += 5.0  # the target domain is the source, translated

    Without target labels, the scorer sees that the unadapted model does not
    carry over to the target domain and prefers transport:

    >>> search = GridSearchCV(
    ...     DomainAdaptationClassifier(),
    ...     {"adapter": ["passthrough", OTDomainAdapter()]},
    ...     cv=StratifiedKFold(3), scoring=circular_validation_scorer).fit(X, y)
    >>> search.best_params_["adapter"]
    OTDomainAdapter()
    """
    y, split, source, target = _fold_domains(X, y, sample_domain, estimator)
    X_source = _safe_indexing(X, source)
    X_target = _safe_indexing(X, target)
    pseudo = np.asarray(estimator.predict(X_target))
    truth = y[source]
    X_reverse = _safe_indexing(X, np.r_[target, source])
    reverse = clone(estimator)
    if _is_regression(estimator, split):
        y_reverse = np.r_[pseudo.astype(float), np.full(source.size, np.nan)]
        reverse.fit(X_reverse, y_reverse)
        pred = np.asarray(reverse.predict(X_source), dtype=float)
        return float(-np.mean((pred - truth.astype(float)) ** 2))
    classes, codes = np.unique(pseudo, return_inverse=True)
    if classes.size == 1:
        # A one-class pseudo-labelling admits only the constant reverse model.
        return float(np.mean(truth == classes[0]))
    y_reverse = np.r_[codes, np.full(source.size, -1)]
    reverse.fit(X_reverse, y_reverse)
    pred = classes[np.asarray(reverse.predict(X_source), dtype=np.intp)]
    return float(np.mean(pred == truth))


def prediction_balance_scorer(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike | None,
    *,
    sample_domain: ArrayLike | None = None,
    reference: str = "source",
) -> float:
    """How well the smallest class survives on the target rows (0 = collapsed).

    For each class of the fold's labelled source rows, the share of target
    rows predicted in it is divided by its reference share, by default its
    share among the source rows; the score is the smallest such ratio,
    capped at 1. A model whose
    predictions on the target collapse onto fewer classes than the source
    has (a failed label-proportion estimate, a transport that merges two
    classes) scores 0 or near it, however confident or self-consistent it
    is; a model that keeps every class scores near 1, or lower in
    proportion when the target genuinely holds fewer rows of a class.

    It does not rank good candidates (it cannot tell a correct model from
    one that keeps the proportions and is wrong); it is the sanity check
    that :class:`~sklot.adaptation.NegativeTransferGuard` applies before
    ranking. Classification only.

    Parameters
    ----------
    estimator : estimator object
        A fitted classifier (or pipeline ending in one).
    X : array-like of shape (n_samples, n_features)
        The validation rows, stacked.
    y : array-like of shape (n_samples,)
        Labels with target rows marked ``-1``; the source labels give the
        reference shares.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Explicit domains (``< 0`` target), when ``y`` does not mark them.
    reference : {"source", "estimated_target"}, default="source"
        The shares the predictions are held to: the source rows' class
        shares, or the target's class proportions as
        :func:`~sklot.adaptation.estimate_target_proportions` estimates them
        on the fold (EM; the source shares where EM would empty a class).
        With ``"estimated_target"`` a model that follows a genuine change of
        class proportions keeps its score, and one that holds the target to
        the source proportions loses it.

    Returns
    -------
    score : float
        ``min_k min(1, q_k / p_k)`` in [0, 1], where ``p_k`` is the
        reference share of class ``k`` and ``q_k`` its share among the
        predictions on the target rows.

    See Also
    --------
    prediction_entropy_scorer : Confidence on the target rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklot.adaptation import DomainAdaptationClassifier
    >>> from sklot.datasets import make_domain_shift
    >>> from sklot.metrics import prediction_balance_scorer
    >>> X, y = make_domain_shift(n_samples_source=60, n_samples_target=60,
    ...                          random_state=0)
    >>> fitted = DomainAdaptationClassifier().fit(X, y)
    >>> round(prediction_balance_scorer(fitted, X, y), 2) > 0.5
    True

    A model that predicts one class for every row has collapsed:

    >>> one_class = DomainAdaptationClassifier(DummyClassifier()).fit(X, y)
    >>> prediction_balance_scorer(one_class, X, y)
    0.0
    """
    y, split, source, target = _fold_domains(X, y, sample_domain, estimator)
    if _is_regression(estimator, split):
        raise ValueError(
            "prediction_balance_scorer compares predicted class shares; it "
            "has no meaning for regression."
        )
    if reference not in ("source", "estimated_target"):
        raise ValueError(
            "reference must be 'source' or 'estimated_target', got "
            f"{reference!r}."
        )
    classes, counts = np.unique(y[source], return_counts=True)
    Z_target, final = _final_step(estimator, _safe_indexing(X, target))
    pred = np.asarray(final.predict(Z_target))
    share = counts / counts.sum()
    if reference == "estimated_target" and classes.size > 1:
        # EM reads the rows as the model's last step does (after any
        # encoding); its fallback to the source shares is the intended
        # reference, not news to the user
        Z_source, _ = _final_step(estimator, _safe_indexing(X, source))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LabelShiftWarning)
            share = estimate_target_proportions(
                _dense(Z_source), y[source], _dense(Z_target)
            )
    predicted = np.array([np.mean(pred == c) for c in classes])
    return float(np.min(np.minimum(1.0, predicted / share)))
