"""Gaussian-kernel features fitted without labels on the rows of two domains.

Transfer component analysis and the kernel features of the importance
reweighter share them: the leading directions of each row's Gaussian-kernel
values against the fitted rows (centred), with (TCA) or without (principal
components of that kernel map) a penalty on the gap between the two
domains' means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigh
from sklearn.utils import check_random_state

from ..solvers import cost_matrix
from ..solvers._api import pairwise_median
from ..utils._domain import rows_at_most

# Rows embedded per block: a block's kernel against the fitted rows holds
# _CHUNK_ROWS * n_fitted floats.
_CHUNK_ROWS = 4096


@dataclass
class KernelFeatures:
    """A fitted embedding ``(k(x, fitted_rows) - kernel_mean) @ components``."""

    fitted_rows: np.ndarray
    gamma: float
    kernel_mean: np.ndarray
    components: np.ndarray

    def transform(self, X):
        out = np.empty((X.shape[0], self.components.shape[1]), dtype=X.dtype)
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            block = X[start:start + _CHUNK_ROWS].astype(np.float64)
            K = np.exp(-self.gamma * cost_matrix(block, self.fitted_rows))
            out[start:start + _CHUNK_ROWS] = (K - self.kernel_mean) @ self.components
        return out


def fit_kernel_features(X, split, max_rows, random_state, n_components,
                        kernel_width, mu=None):
    r"""Fit ``n_components`` kernel features on rows of both domains of ``X``.

    They are fitted on at most ``max_rows`` rows of each domain of
    ``split``, drawn by ``random_state``. The features solve
    :math:`\max_w w^\top K H K w / ((v^\top w)^2 + \mu \|w\|^2)` with
    :math:`v = K e` the gap between the domains' kernel means; ``mu=None``
    drops the gap, which leaves the principal components of the rows'
    kernel values. The widest feature has unit variance over the fitted
    rows.
    """
    rng = check_random_state(random_state)
    rows = [rows_at_most(np.flatnonzero(mask), max_rows, rng)
            for mask in (split.source, split.target)]
    fitted = X[np.concatenate(rows)].astype(np.float64)
    n_source = rows[0].size
    n = fitted.shape[0]
    sq_dist = cost_matrix(fitted, fitted)
    median = pairwise_median(sq_dist)
    gamma = 1.0 / (kernel_width ** 2 * (median if median > 0 else 1.0))
    K = np.exp(-gamma * sq_dist)
    kernel_mean = K.mean(axis=0)
    Kc = K - kernel_mean
    k = min(n_components, n)
    if mu is None:
        c, u, root = 0.0, np.zeros(n), 1.0
    else:
        e = np.r_[np.full(n_source, 1.0 / n_source),
                  np.full(n - n_source, -1.0 / (n - n_source))]
        v = K @ e
        # The denominator's matrix mu I + v v^T has the closed-form inverse
        # square root S = (I - c u u^T) / sqrt(mu), u = v / |v|, applied in
        # that form rather than built.
        norm = float(np.linalg.norm(v))
        u = v / norm if norm > 0 else np.zeros(n)
        c = 1.0 - np.sqrt(mu / (mu + norm ** 2))
        root = np.sqrt(mu)
    KcS = (Kc - c * np.outer(Kc @ u, u)) / root
    _, vectors = eigh(KcS.T @ KcS / n, subset_by_index=[n - k, n - 1])
    vectors = vectors[:, ::-1]
    W = (vectors - c * np.outer(u, u @ vectors)) / root
    scale = float((Kc @ W).std(axis=0).max())
    W /= scale if scale > 0 else 1.0
    # a deterministic orientation: each feature's largest coefficient > 0
    W *= np.where(W[np.abs(W).argmax(axis=0), range(k)] < 0, -1.0, 1.0)
    return KernelFeatures(fitted, gamma, kernel_mean, W)
