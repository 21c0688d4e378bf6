"""The Gaussian Monge mapper: linear optimal transport as a domain adapter."""

from __future__ import annotations

from numbers import Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.covariance import ledoit_wolf, oas
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..solvers._api import (
    RCOND,
    _bures_squared,
    _eigh_psd,
    _empirical_moments,
    _from_eig,
    _monge_matrix,
)
from ..utils._validation import validate_data
from ._base import FLOAT_DTYPES, BaseAdapter

__all__ = ["GaussianMongeMapper"]

def _affine(X, A, b):
    """Return ``X @ A + b`` in the dtype of X."""
    # One large product: splitting it into cache-sized blocks was measured
    # slower on a loaded machine (many small BLAS calls), and the offset
    # costs one pass over the output.
    out = X @ A.astype(X.dtype, copy=False)
    out += b.astype(X.dtype, copy=False)
    return out


def _rows(X, mask):
    """Rows of X selected by a mask: a view when they form one block."""
    index = np.flatnonzero(mask)
    if index.size and index[-1] - index[0] + 1 == index.size:
        return X[index[0] : index[-1] + 1]
    return X[index]


class GaussianMongeMapper(BaseAdapter):
    r"""Map the source domain onto the target with the Gaussian optimal map.

    Fits a Gaussian to the source rows and one to the target rows (rows
    marked ``y == -1``, ``y = NaN`` or ``sample_domain < 0``) and learns the
    quadratic-cost optimal transport map between them, which is affine:
    ``T(x) = m_t + A (x - m_s)``. The mapped source rows have exactly the
    target's mean and covariance. It is the cheapest domain adapter and a
    valid ``adapter`` for the domain-adaptation meta-estimators.

    Parameters
    ----------
    reg : float, default=1e-6
        Not an entropic regularization (the map is exact) but a ridge
        ``reg * s * I`` added to both covariances, relative to their scale
        ``s`` (the mean variance of the two domains, ``trace / d``, stored in
        ``covariance_scale_``), so that it means the same in any units, as
        the ``reg`` of the other estimators (:ref:`reg_convention`). It
        keeps the map defined when the source rows span fewer than
        ``n_features`` dimensions (fewer rows than features, a constant
        feature). With ``reg=0`` such data raise a ValueError.
    bias : bool, default=True
        Estimate the domain means, so the map has an offset. With False the
        data of both domains are taken as centred: the covariances are the
        second-moment matrices and the map is linear (``b_`` is zero).
    covariance : {"empirical", "ledoit_wolf", "oas"}, default="empirical"
        Covariance estimator of each domain: the maximum-likelihood
        covariance (divided by the number of rows), or the shrunk estimates
        of :func:`sklearn.covariance.ledoit_wolf` and
        :func:`sklearn.covariance.oas`, better conditioned when rows are few
        compared to features.

    Attributes
    ----------
    A_ : ndarray of shape (n_features, n_features)
        Symmetric positive semi-definite linear part: ``T(X) = X @ A_ + b_``.
    b_ : ndarray of shape (n_features,)
        Offset of the map.
    covariance_scale_ : float
        Mean variance of the two domains, the unit of the ridge ``reg``
        (absent when fitted without target rows).
    A_inverse_ : ndarray of shape (n_features, n_features) or None
        Linear part of the inverse map, the optimal map from the target to
        the source; None when the target covariance is singular (``reg=0``
        with degenerate target rows), since the map then collapses the
        source onto a subspace and has no inverse.
    b_inverse_ : ndarray of shape (n_features,) or None
        Offset of the inverse map.
    source_mean_ : ndarray of shape (n_features,)
        Mean of the source rows (zeros when ``bias=False``).
    target_mean_ : ndarray of shape (n_features,)
        Mean of the target rows (zeros when ``bias=False``).
    source_covariance_ : ndarray of shape (n_features, n_features)
        Covariance of the source rows, ridge included.
    target_covariance_ : ndarray of shape (n_features, n_features)
        Covariance of the target rows, ridge included.
    bures_distance_ : float
        Bures distance between the two covariances.
    wasserstein_distance_ : float
        2-Wasserstein distance between the two fitted Gaussians:
        ``sqrt(||m_s - m_t||^2 + bures_distance_^2)``.
    identity_ : bool
        True when ``fit`` saw no target rows: the map is then the identity
        (``A_`` the identity matrix, ``b_`` zero, distances zero, means and
        covariances None).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklot.solvers.gaussian_monge_map : The map from means and covariances.
    sklot.solvers.bures_wasserstein_distance : The distance of the Gaussians.

    Notes
    -----
    With source and target covariances ``S_s`` and ``S_t`` (ridge included),

    .. math::

        A = S_s^{-1/2} (S_s^{1/2} S_t S_s^{1/2})^{1/2} S_s^{-1/2},
        \qquad b = m_t - A m_s,

    is the unique symmetric positive semi-definite matrix with
    ``A S_s A = S_t``; the map is the gradient of a convex function, hence
    optimal for the squared Euclidean cost between the Gaussians. The inverse
    map has linear part ``A^{-1}``, defined when ``S_t`` is nonsingular too.
    :meth:`interpolate` follows McCann's displacement interpolation, the
    Wasserstein geodesic between the two Gaussians.

    Fitting costs two covariance estimates (``O(n d^2)``) and three
    ``d x d`` eigendecompositions; :meth:`transform` is one matrix product.

    References
    ----------
    .. [1] Knott, M. and Smith, C. S. (1984). On the optimal mapping of
       distributions. Journal of Optimization Theory and Applications,
       43(1), 39-49.
    .. [2] Flamary, R., Lounici, K. and Ferrari, A. (2019). Concentration
       bounds for linear Monge mapping estimation and optimal transport
       domain adaptation. arXiv:1905.10155.
    .. [3] McCann, R. J. (1997). A convexity principle for interacting gases.
       Advances in Mathematics, 128(1), 153-179.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.adaptation import GaussianMongeMapper
    >>> rng = np.random.default_rng(0)
    >>> X_source = rng.normal(size=(100, 2))
    >>> X_target = 2 * rng.normal(size=(80, 2)) + 5
    >>> X = np.vstack([X_source, X_target])
    >>> y = np.r_[rng.integers(0, 2, size=100), -np.ones(80, dtype=int)]
    >>> mapper = GaussianMongeMapper().fit(X, y)
    >>> mapped = mapper.transform(X_source)
    >>> bool(np.allclose(mapped.mean(axis=0), X_target.mean(axis=0)))
    True
    >>> round(mapper.wasserstein_distance_, 1)
    7.0
    """

    _parameter_constraints: dict = {
        **BaseAdapter._parameter_constraints,
        "reg": [Interval(Real, 0, None, closed="left")],
        "bias": ["boolean"],
        "covariance": [StrOptions({"empirical", "ledoit_wolf", "oas"})],
    }

    # The map multiplies covariances (fourth powers of the spread of X) and
    # is affine, so new rows are mapped whatever their size.
    _spread_power = 4
    _transform_uses_distances = False

    def __init__(
        self,
        reg: float = 1e-6,
        bias: bool = True,
        covariance: str = "empirical",
    ) -> None:
        self.reg = reg
        self.bias = bias
        self.covariance = covariance

    def _fit_identity(self, X, y, split):
        d = X.shape[1]
        self.A_ = self.A_inverse_ = np.eye(d)
        self.b_ = self.b_inverse_ = np.zeros(d)
        self.source_mean_ = self.target_mean_ = None
        self.source_covariance_ = self.target_covariance_ = None
        self.bures_distance_ = self.wasserstein_distance_ = 0.0

    def _moments(self, X):
        if self.covariance == "empirical":
            return _empirical_moments(X, None, self.bias)
        X = X.astype(np.float64, copy=False)
        estimator = ledoit_wolf if self.covariance == "ledoit_wolf" else oas
        mean = X.mean(axis=0) if self.bias else np.zeros(X.shape[1])
        cov = estimator(X, assume_centered=not self.bias)[0]
        return mean, (cov + cov.T) / 2

    def _fit_map(self, X, y, split):
        X_source, X_target = _rows(X, split.source), _rows(X, split.target)
        d = X.shape[1]
        m_s, S_s = self._moments(X_source)
        m_t, S_t = self._moments(X_target)
        # relative to the covariance scale (mean variance, trace / d), so the
        # same reg means the same on data in any units
        scale = (np.trace(S_s) + np.trace(S_t)) / (2 * d)
        self.covariance_scale_ = float(scale) if scale > 0 else 1.0
        ridge = self.reg * self.covariance_scale_ * np.eye(d)
        S_s, S_t = S_s + ridge, S_t + ridge
        try:
            A = _monge_matrix(S_s, S_t)
        except ValueError as exc:
            raise ValueError(
                f"{type(self).__name__}: {exc} Here the source has "
                f"{X_source.shape[0]} rows for {d} features and reg="
                f"{self.reg!r}."
            ) from None
        self.A_ = A
        self.b_ = m_t - m_s @ A
        w, V = _eigh_psd(A)
        if w[0] > RCOND * w[-1]:
            self.A_inverse_ = _from_eig(1.0 / w, V)
            self.b_inverse_ = m_s - m_t @ self.A_inverse_
        else:
            self.A_inverse_ = self.b_inverse_ = None
        self.source_mean_, self.target_mean_ = m_s, m_t
        self.source_covariance_, self.target_covariance_ = S_s, S_t
        bures2 = _bures_squared(S_s, S_t)
        self.bures_distance_ = float(np.sqrt(bures2))
        self.wasserstein_distance_ = float(
            np.sqrt(np.sum((m_s - m_t) ** 2) + bures2)
        )

    def _transform(self, X):
        return _affine(X, self.A_, self.b_)

    def _inverse_transform(self, X):
        if self.A_inverse_ is None:
            raise ValueError(
                f"This {type(self).__name__} has no inverse: the target "
                "covariance is singular (the target rows lie in a "
                "lower-dimensional subspace), so the map collapses the source "
                "onto that subspace. Refit with reg > 0 to make both "
                "covariances nonsingular."
            )
        return _affine(X, self.A_inverse_, self.b_inverse_)

    def interpolate(self, X: ArrayLike, t: float = 0.5) -> np.ndarray:
        """Move rows part of the way along the optimal map (McCann).

        Returns ``(1 - t) x + t T(x)``: at ``t = 0`` the rows themselves, at
        ``t = 1`` their images by :meth:`transform`. Applied to a sample of
        the source Gaussian it gives a sample of the Wasserstein geodesic
        between the source and target Gaussians at time ``t``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to move, taken as source samples.
        t : float, default=0.5
            Interpolation time in [0, 1].

        Returns
        -------
        X_t : ndarray of shape (n_samples, n_features)
            The displaced rows, in the dtype of ``X``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklot.adaptation import GaussianMongeMapper
        >>> X = np.array([[0.0], [2.0], [10.0], [14.0]])
        >>> mapper = GaussianMongeMapper(reg=0.0).fit(X, [0, 1, -1, -1])
        >>> mapper.interpolate([[0.0], [2.0]], t=0.5)
        array([[5.],
               [8.]])
        """
        check_is_fitted(self)
        if (
            not isinstance(t, Real)
            or isinstance(t, bool)
            or not 0.0 <= float(t) <= 1.0
        ):
            raise ValueError(
                f"t must be a number in [0, 1] (0: the rows, 1: their images), "
                f"got {t!r}."
            )
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        t = float(t)
        d = self.n_features_in_
        return _affine(X, (1.0 - t) * np.eye(d) + t * self.A_, t * self.b_)
