"""Density ratio ``p_target / p_source`` as a sum of Gaussian bumps (uLSIF).

The ratio is modelled as ``r(x) = sum_l alpha_l exp(-|x - c_l|^2 / (2 s^2))``
with centres ``c_l`` drawn from the target rows, and ``alpha`` minimizes the
squared error to the true ratio under the source density,
``1/2 E_s[r^2] - E_t[r] + lam/2 |alpha|^2``, whose minimizer solves one small
linear system (Kanamori, Hido and Sugiyama, 2009). The width ``s`` and the
ridge ``lam`` are chosen by the same objective on held-out rows.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve
from sklearn.utils import check_random_state

from ._domain import capped_weights, rows_at_most

__all__ = ["KernelDensityRatio", "odds_weights"]

# Widths as multiples of the median distance between rows (standardized),
# and ridges; the cross-validated objective picks one pair.
_WIDTH_FACTORS = (0.125, 0.25, 0.5, 1.0, 2.0)
_RIDGES = (1e-3, 1e-2, 1e-1, 1.0)
_FOLDS = 5
# Rows of each domain that choose the width and fit the ratio: the
# objective needs averages, which a subsample estimates well.
_MAX_FIT_ROWS = 10_000
_CHUNK_ROWS = 20_000


class KernelDensityRatio:
    """Fit ``p_target(x) / p_source(x)`` on two samples; evaluate it anywhere.

    Parameters
    ----------
    n_centers : int
        Number of target rows used as kernel centres (all of them when the
        target has fewer).
    random_state : int, RandomState instance or None
        Draws the centres and, above ``_MAX_FIT_ROWS`` rows, the subsample.
    """

    def __init__(self, n_centers, random_state=None):
        self.n_centers = n_centers
        self.random_state = random_state

    def fit(self, Xs, Xt):
        rng = check_random_state(self.random_state)
        pooled = np.vstack([Xs, Xt])
        self.mean_ = pooled.mean(axis=0)
        scale = pooled.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        Xs = _subsample(self._standardize(Xs), rng)
        Xt = _subsample(self._standardize(Xt), rng)
        n_centers = min(self.n_centers, Xt.shape[0])
        self.centers_ = Xt[np.sort(rng.choice(Xt.shape[0], n_centers, replace=False))]
        Ds, Dt = self._sq_dist(Xs), self._sq_dist(Xt)
        widths = _median_distance(Ds, Dt) * np.asarray(_WIDTH_FACTORS)
        best = (np.inf, None, None)
        for width in widths:
            Ks, Kt = _gauss(Ds, width), _gauss(Dt, width)
            for ridge, loss in zip(_RIDGES, _cv_losses(Ks, Kt, _RIDGES)):
                if loss < best[0]:
                    best = (loss, width, ridge)
        _, self.width_, self.ridge_ = best
        Ks, Kt = _gauss(Ds, self.width_), _gauss(Dt, self.width_)
        self.alpha_ = _fit_alpha(Ks @ Ks.T, Ks.shape[1], Kt.sum(axis=1),
                                 Kt.shape[1], self.ridge_)
        return self

    def ratio(self, X):
        """Evaluate the fitted (non-negative) ratio at the rows of ``X``."""
        X = self._standardize(X)
        out = np.empty(X.shape[0])
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            rows = slice(start, start + _CHUNK_ROWS)
            out[rows] = self.alpha_ @ _gauss(self._sq_dist(X[rows]), self.width_)
        return out

    def weights(self, X, max_weight):
        """Return importance weights of the rows of ``X``: the ratio, capped.

        Rows that no kernel reaches keep a millionth of the largest weight
        (the cap needs positive weights); when no kernel reaches any row the
        weights are equal.
        """
        ratio = self.ratio(X)
        if not ratio.max() > 0:
            return np.ones(X.shape[0])
        return capped_weights(np.maximum(ratio, 1e-6 * ratio.max()), max_weight)

    def _standardize(self, X):
        return (X - self.mean_) / self.scale_

    def _sq_dist(self, X):
        """Squared distances from the centres (rows) to ``X`` (columns)."""
        C = self.centers_
        D = (C * C).sum(1)[:, None] - 2.0 * C @ X.T + (X * X).sum(1)[None, :]
        return np.maximum(D, 0.0)


def odds_weights(p_target, max_weight):
    """Return importance weights from a domain classifier's ``P(target | x)``.

    The odds ``p / (1 - p)`` are the density ratio up to a constant; ``p``
    is kept within ``[1e-6, 1 - 1e-6]`` so that they stay finite, and the
    weights are capped at ``max_weight`` with mean one.
    """
    p = np.clip(p_target, 1e-6, 1 - 1e-6)
    return capped_weights(p / (1 - p), max_weight)


def _subsample(X, rng):
    return X[rows_at_most(np.arange(X.shape[0]), _MAX_FIT_ROWS, rng)]


def _median_distance(Ds, Dt):
    """Median positive distance between centres and rows (1 if all coincide)."""
    D = np.r_[Ds.ravel(), Dt.ravel()]
    D = D[D > 1e-12]
    return float(np.sqrt(np.median(D))) if D.size else 1.0


def _gauss(D, width):
    return np.exp(D / (-2.0 * width * width))


def _fit_alpha(gram, n_source, kernel_sum, n_target, ridge):
    """Minimizer of ``1/2 a'Ha - h'a + ridge/2 |a|^2``, clipped at zero.

    ``H = gram / n_source`` and ``h = kernel_sum / n_target`` are the
    source and target averages of the kernel features.
    """
    H = gram / n_source
    H[np.diag_indices_from(H)] += ridge
    return np.maximum(solve(H, kernel_sum / n_target, assume_a="pos"), 0.0)


def _cv_losses(Ks, Kt, ridges):
    """Held-out ``1/2 mean_s r^2 - mean_t r`` of each ridge, over the folds.

    The sums over the training rows are the sums over all rows less the
    held-out fold's, so each fold costs one small linear solve per ridge.
    """
    folds_s = np.arange(Ks.shape[1]) % _FOLDS
    folds_t = np.arange(Kt.shape[1]) % _FOLDS
    gram, kernel_sum = Ks @ Ks.T, Kt.sum(axis=1)
    losses = np.zeros(len(ridges))
    n_folds = 0
    for k in range(_FOLDS):
        test_s, test_t = folds_s == k, folds_t == k
        n_s, n_t = int(test_s.sum()), int(test_t.sum())
        if not n_s or not n_t or n_s == Ks.shape[1] or n_t == Kt.shape[1]:
            continue
        n_folds += 1
        Ks_test, Kt_test = Ks[:, test_s], Kt[:, test_t]
        gram_train = gram - Ks_test @ Ks_test.T
        sum_train = kernel_sum - Kt_test.sum(axis=1)
        for i, ridge in enumerate(ridges):
            alpha = _fit_alpha(gram_train, Ks.shape[1] - n_s, sum_train,
                               Kt.shape[1] - n_t, ridge)
            rs, rt = alpha @ Ks_test, alpha @ Kt_test
            losses[i] += 0.5 * np.mean(rs * rs) - np.mean(rt)
    return losses / max(n_folds, 1)
