"""Subspace alignment with principal axes matched by one-dimensional transport."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseAdapter

__all__ = ["SubspaceAligner"]

# Quantile levels at which two 1D samples of different sizes are compared.
_N_QUANTILES = 101


def _principal_axes(X, n_components):
    """Mean, leading eigenvectors (columns) and eigenvalues of the covariance."""
    mean = X.mean(axis=0)
    Xc = X - mean
    cov = Xc.T @ Xc / max(X.shape[0] - 1, 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:n_components]
    return mean, vectors[:, order], np.maximum(values[order], 0.0)


def _quantiles(z):
    return np.quantile(z, np.linspace(0.0, 1.0, _N_QUANTILES), axis=0)


class SubspaceAligner(BaseAdapter):
    r"""Map the principal axes of the source onto those of the target.

    Fits principal component analysis to each domain and maps the ``k``-th
    principal axis of the source onto the ``k``-th principal axis of the
    target, rescaled to its spread, which aligns the domains when the data
    move within a subspace that is turned or flipped (subspace shift,
    sensor or feature-space changes). The direction of each axis is
    arbitrary in PCA, and a wrong one mirrors the classes, so it is chosen
    by optimal transport: the sign that brings the source's projections
    closer, in one-dimensional Wasserstein distance, to the target's. The
    map is affine, ``T(x) = x A + b``, defined for any new row.

    Parameters
    ----------
    n_components : int or None, default=None
        Number of principal axes aligned; the source rows are projected on
        their ``n_components`` leading axes and carried into the target's.
        ``None`` keeps all of them (at most the number of features and of
        rows minus one per domain).
    scale : bool, default=True
        Rescale each axis to the target's standard deviation along its
        matched axis; ``False`` only rotates (classic subspace alignment).

    Attributes
    ----------
    A_ : ndarray of shape (n_features, n_features)
        Linear part of the map, ``T(X) = X @ A_ + b_``.
    b_ : ndarray of shape (n_features,)
        Offset of the map.
    signs_ : ndarray of shape (n_components_,)
        Orientation chosen for each matched pair of axes (+1 or -1).
    n_components_ : int
        Number of axes aligned.
    identity_ : bool
        True when ``fit`` saw no target rows; the map is then the identity.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Names of the features seen during fit, when ``X`` has string column
        names.

    See Also
    --------
    GaussianMongeMapper : The optimal affine map between Gaussian fits,
        which keeps orientation and cannot mirror.
    OTDomainAdapter : Nonlinear transport of the rows.

    Notes
    -----
    With source axes :math:`P_s`, target axes :math:`P_t`, standard
    deviations :math:`\sigma_s, \sigma_t` along them and signs
    :math:`s \in \{\pm 1\}^k`,

    .. math:: T(x) = m_t + (x - m_s) P_s \,\mathrm{diag}(s\, \sigma_t /
              \sigma_s)\, P_t^\top,

    where :math:`s_k` minimizes :math:`W_2` between the laws of
    :math:`s_k \sigma_{t,k} / \sigma_{s,k}\, \langle x - m_s, P_{s,k}\rangle`
    over the source and :math:`\langle x - m_t, P_{t,k}\rangle` over the
    target. Fernando et al. (2013) align the subspaces by ``P_s P_s^T P_t``,
    which is blind to the orientation of the axes.

    References
    ----------
    .. [1] B. Fernando, A. Habrard, M. Sebban, T. Tuytelaars. "Unsupervised
       visual domain adaptation using subspace alignment". ICCV 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.adaptation import SubspaceAligner
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.exponential(size=(200, 2)) * [3.0, 1.0]
    >>> X = np.vstack([Xs, -Xs])
    >>> y = np.r_[np.zeros(200, dtype=int), -np.ones(200, dtype=int)]
    >>> aligner = SubspaceAligner().fit(X, y)
    >>> aligner.A_.round(1) + 0.0
    array([[-1.,  0.],
           [ 0., -1.]])
    """

    _parameter_constraints: dict = {
        **BaseAdapter._parameter_constraints,
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "scale": ["boolean"],
    }

    def __init__(self, n_components=None, scale=True):
        self.n_components = n_components
        self.scale = scale

    def _fit_identity(self, X, y, split):
        d = X.shape[1]
        self.A_ = np.eye(d)
        self.b_ = np.zeros(d)
        self.signs_ = np.ones(0)
        self.n_components_ = 0

    def _fit_map(self, X, y, split):
        Xs = np.asarray(X[split.source], dtype=np.float64)
        Xt = np.asarray(X[split.target], dtype=np.float64)
        d = X.shape[1]
        k = min(d, max(Xs.shape[0] - 1, 1), max(Xt.shape[0] - 1, 1))
        if self.n_components is not None:
            k = min(k, self.n_components)
        m_s, P_s, var_s = _principal_axes(Xs, k)
        m_t, P_t, var_t = _principal_axes(Xt, k)
        if self.scale:
            tiny = np.finfo(np.float64).eps * max(var_s.max(), 1.0)
            ratio = np.sqrt(var_t / np.maximum(var_s, tiny))
            ratio[var_s <= tiny] = 0.0
        else:
            ratio = np.ones(k)
        q_s = _quantiles((Xs - m_s) @ P_s) * ratio
        q_t = _quantiles((Xt - m_t) @ P_t)
        keep = ((q_s - q_t) ** 2).mean(axis=0)
        flip = ((q_s[::-1] + q_t) ** 2).mean(axis=0)
        self.signs_ = np.where(flip < keep, -1.0, 1.0)
        self.A_ = (P_s * (self.signs_ * ratio)) @ P_t.T
        self.b_ = m_t - m_s @ self.A_
        self.n_components_ = k

    def _transform(self, X):
        out = X @ self.A_.astype(X.dtype, copy=False)
        out += self.b_.astype(X.dtype, copy=False)
        return out

    def _inverse_transform(self, X):
        A_inv = np.linalg.pinv(self.A_)
        return ((X - self.b_) @ A_inv).astype(X.dtype, copy=False)
