"""Target class proportions without target labels (label shift)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import nnls
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

__all__ = ["LabelShiftWarning", "estimate_target_proportions"]

# Floor of an estimated proportion: a class the target seems to lack keeps a
# little mass, so weights and priors derived from it stay finite.
_MIN_PROPORTION = 1e-3

# An estimate that leaves a source class below this fraction of its source
# share has emptied it. Measured on the benchmark shifts, genuine label
# shifts keep at least 0.08 of the share (and their truth 0.2), while
# conditional shifts and the digits' scanner shift drive EM to the floor
# (0.002-0.009): when p(x | y) moves, the likelihood is maximised by
# giving the moved class's rows to another class.
_COLLAPSE_RATIO = 0.02


class LabelShiftWarning(UserWarning):
    """The target sample is not explained by a change of class proportions.

    Issued by :func:`estimate_target_proportions` (and the adapters that
    call it) when the estimate empties a class the source has, the sign
    that the class-conditional densities moved too. The source proportions
    are used instead.

    Examples
    --------
    >>> from sklot.adaptation import LabelShiftWarning
    >>> issubclass(LabelShiftWarning, UserWarning)
    True
    """


def _default_estimator():
    return make_pipeline(StandardScaler(), LogisticRegression())


def _source_posteriors(estimator, X_source, codes, n_classes):
    """Out-of-fold source probabilities and a model refitted on all rows."""
    counts = np.bincount(codes, minlength=n_classes)
    n_folds = int(min(5, counts.min()))
    if n_folds >= 2:
        oof = cross_val_predict(
            clone(estimator), X_source, codes,
            cv=StratifiedKFold(n_folds, shuffle=True, random_state=0),
            method="predict_proba",
        )
    else:
        oof = None
    model = clone(estimator).fit(X_source, codes)
    if oof is None:
        oof = model.predict_proba(X_source)
    return oof, model


def _em(proba_target, source_prior, max_iter, tol):
    """Saerens et al. (2002): maximum likelihood of the target priors."""
    prior = source_prior.copy()
    for it in range(max_iter):
        post = proba_target * (prior / source_prior)[None, :]
        post /= np.maximum(post.sum(axis=1, keepdims=True), 1e-300)
        new = post.mean(axis=0)
        if np.abs(new - prior).sum() < tol:
            return new, it + 1, True
        prior = new
    return prior, max_iter, False


def _bbse(proba_source, codes, proba_target, source_prior):
    """Lipton et al. (2018), soft confusion matrix, non-negative least squares."""
    n_classes = source_prior.shape[0]
    confusion = np.zeros((n_classes, n_classes))
    for k in range(n_classes):
        confusion[:, k] = proba_source[codes == k].sum(axis=0)
    confusion /= codes.shape[0]
    ratio = nnls(confusion, proba_target.mean(axis=0))[0]
    prior = ratio * source_prior
    total = prior.sum()
    return source_prior.copy() if total <= 0 else prior / total


def estimate_target_proportions(
    X_source: ArrayLike,
    y_source: ArrayLike,
    X_target: ArrayLike,
    *,
    method: str = "em",
    estimator: Any = None,
    max_iter: int = 1000,
    tol: float = 1e-8,
) -> np.ndarray:
    r"""Estimate the class proportions of an unlabelled target sample.

    Under label shift the class-conditional densities ``p(x | y)`` are the
    same in both domains and only the proportions ``p(y)`` move. A
    probabilistic classifier trained on the labelled source rows then
    carries enough information to recover the target proportions from the
    unlabelled target rows alone.

    Parameters
    ----------
    X_source : array-like of shape (n_source, n_features)
        Labelled source rows.
    y_source : array-like of shape (n_source,)
        Their class labels.
    X_target : array-like of shape (n_target, n_features)
        Unlabelled target rows.
    method : {"em", "bbse"}, default="em"
        ``"em"``: maximum likelihood by expectation-maximization on the
        classifier's target probabilities, re-weighted by the ratio of
        priors (Saerens et al., 2002). ``"bbse"``: black-box shift
        estimation (Lipton et al., 2018), which solves ``C w = mu`` for the
        ratio ``w = p_t(y) / p_s(y)`` with the soft confusion matrix ``C``
        of out-of-fold source probabilities and their target mean ``mu``;
        it stays consistent when the probabilities are not calibrated.
    estimator : classifier or None, default=None
        Probabilistic classifier, cloned;
        ``make_pipeline(StandardScaler(), LogisticRegression())`` when None.
    max_iter : int, default=1000
        Iterations of EM.
    tol : float, default=1e-8
        EM stops when the proportions move less than this (L1).

    Returns
    -------
    proportions : ndarray of shape (n_classes,)
        Estimated target proportions, in the order of ``np.unique(y_source)``;
        they sum to one and each is at least 1e-3 before renormalization.
        When the estimate would empty a class of the source (below 2 % of
        its source share), the source proportions, with a
        :class:`LabelShiftWarning`.

    See Also
    --------
    OTDomainAdapter : ``target_proportions="estimate"`` weights the source
        classes with this estimate.
    ImportanceReweighter : ``weighting="label_shift"`` turns it into
        sample weights.

    Notes
    -----
    EM iterates ``q_i(y) \propto p_s(y | x_i) \pi(y) / p_s(y)`` and
    ``\pi(y) = \mathrm{mean}_i q_i(y)`` over the target rows from
    ``\pi = p_s``; its fixed point is the maximum-likelihood prior when the
    source posteriors are calibrated. The probabilities EM reads are those
    of a model fitted on every source row.

    References
    ----------
    .. [1] M. Saerens, P. Latinne, C. Decaestecker. "Adjusting the outputs
       of a classifier to new a priori probabilities: a simple procedure".
       Neural Computation 14(1), 2002.
    .. [2] Z. Lipton, Y.-X. Wang, A. Smola. "Detecting and correcting for
       label shift with black box predictors". ICML 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.adaptation import estimate_target_proportions
    >>> rng = np.random.default_rng(0)
    >>> X_source = np.r_[rng.normal(0, 1, 300), rng.normal(3, 1, 300)][:, None]
    >>> y_source = np.repeat([0, 1], 300)
    >>> X_target = np.r_[rng.normal(0, 1, 480), rng.normal(3, 1, 120)][:, None]
    >>> estimate_target_proportions(X_source, y_source, X_target).round(1)
    array([0.8, 0.2])
    """
    if method not in ("em", "bbse"):
        raise ValueError(f"method must be 'em' or 'bbse', got {method!r}.")
    X_source = np.asarray(X_source)
    X_target = np.asarray(X_target)
    classes, codes = np.unique(np.asarray(y_source), return_inverse=True)
    n_classes = classes.shape[0]
    if n_classes < 2:
        return np.ones(1)
    if X_target.shape[0] == 0:
        raise ValueError(
            "X_target has no rows; the target proportions need target rows."
        )
    source_prior = np.bincount(codes, minlength=n_classes) / codes.shape[0]
    estimator = _default_estimator() if estimator is None else estimator
    oof, model = _source_posteriors(estimator, X_source, codes, n_classes)
    if method == "bbse":
        prior = _bbse(oof, codes, model.predict_proba(X_target), source_prior)
    else:
        prior, _, converged = _em(
            model.predict_proba(X_target), source_prior, max_iter, tol
        )
        if not converged:
            warnings.warn(
                f"EM for the target proportions did not converge in {max_iter} "
                "iterations; increase max_iter.",
                ConvergenceWarning,
            )
    if np.any(prior < _COLLAPSE_RATIO * source_prior):
        emptied = classes[np.argmin(prior / source_prior)].item()
        warnings.warn(
            f"The estimated target proportions empty class {emptied!r}: the "
            "target is not a change of class proportions alone (the classes "
            "themselves moved), so the source proportions are used. Leave "
            "target_proportions=None for such data.",
            LabelShiftWarning,
        )
        return source_prior
    prior = np.maximum(prior, _MIN_PROPORTION)
    return prior / prior.sum()


def class_weights(y_source, proportions):
    """Weight of each source row, ``p_t(y_i) / p_s(y_i)``, of mean one."""
    classes, codes = np.unique(np.asarray(y_source), return_inverse=True)
    proportions = np.asarray(proportions, dtype=np.float64)
    if proportions.shape != (classes.shape[0],):
        raise ValueError(
            f"target_proportions must give one proportion per source class "
            f"({classes.shape[0]}, in the order of np.unique(y)), got shape "
            f"{proportions.shape}."
        )
    if (proportions < 0).any() or proportions.sum() <= 0:
        raise ValueError(
            "target_proportions must be non-negative with a positive sum."
        )
    proportions = proportions / proportions.sum()
    source_prior = np.bincount(codes) / codes.shape[0]
    w = (proportions / source_prior)[codes]
    return w / w.mean()


class ClassRatio:
    """``p_t(y) / p_s(y)`` for the source classes, applicable to any labels."""

    def __init__(self, y_source, proportions):
        self.classes, codes = np.unique(np.asarray(y_source), return_inverse=True)
        source_prior = np.bincount(codes) / codes.shape[0]
        proportions = np.asarray(proportions, dtype=np.float64)
        self.ratio = proportions / proportions.sum() / source_prior

    def __call__(self, y):
        y = np.asarray(y)
        index = np.searchsorted(self.classes, y)
        index = np.clip(index, 0, self.classes.shape[0] - 1)
        known = self.classes[index] == y
        return np.where(known, self.ratio[index], 1.0)
