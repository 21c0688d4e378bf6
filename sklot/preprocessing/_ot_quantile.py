"""Multivariate quantiles and ranks by optimal transport."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..solvers import barycentric_map, cost_matrix, emd
from ._reference import reference_sample

__all__ = ["OTQuantileTransformer"]


def _exact_on_support(X, support, images, mapped):
    """Rows of ``X`` equal to a row of ``support`` get that row's image.

    ``mapped`` holds the interpolated images of every row of ``X``; it is
    overwritten in place where ``X`` hits the support exactly.
    """
    width = np.dtype((np.void, X.dtype.itemsize * X.shape[1]))
    keys = np.ascontiguousarray(support).view(width).ravel()
    queries = np.ascontiguousarray(X).view(width).ravel()
    order = np.argsort(keys, kind="stable")
    pos = np.searchsorted(keys[order], queries)
    pos = np.minimum(pos, len(keys) - 1)
    hit = keys[order][pos] == queries
    mapped[hit] = images[order[pos[hit]]]
    return mapped


def _interp_1d(x, xp, fp):
    """Monotone linear interpolation, symmetric in ties of ``xp``."""
    # np.interp picks one end of a run of equal xp; averaging the forward and
    # the mirrored backward interpolation gives the middle of the run, as
    # scikit-learn's QuantileTransformer does.
    return 0.5 * (np.interp(x, xp, fp) - np.interp(-x, -xp[::-1], -fp[::-1]))


class OTQuantileTransformer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    r"""Multivariate quantile transform: center-outward ranks by optimal transport.

    The multivariate counterpart of scikit-learn's
    :class:`~sklearn.preprocessing.QuantileTransformer`, which works one
    feature at a time. ``fit`` standardises the rows and computes the exact
    optimal assignment (network simplex, :func:`sklot.solvers.emd`, squared
    Euclidean cost) between them and a reference grid of as many points;
    the grid point assigned to a row is its center-outward rank (Hallin et
    al. 2021). ``transform`` maps any row by a smooth, cyclically monotone
    interpolation of that assignment, ``inverse_transform`` maps reference
    points back to the data space (multivariate quantiles).

    Parameters
    ----------
    output_distribution : {"uniform_ball", "normal"}, default="uniform_ball"
        The reference. ``"uniform_ball"``: the spherical uniform
        distribution on the unit ball (uniform direction, radius uniform on
        [0, 1]), discretised as Hallin et al.'s grid of radii times
        directions; the norm of a rank is then uniform on [0, 1], a
        distribution-free depth. In one dimension it is the uniform
        distribution on [-1, 1]. ``"normal"``: the same grid with radii at
        the quantiles of the chi distribution, a deterministic standard
        Gaussian sample (Gaussian quantiles in one dimension).
    subsample : int or None, default=2000
        Largest number of rows used by ``fit`` (drawn without replacement
        with ``random_state``); ``None`` uses all rows. The exact
        assignment costs a dense ``n x n`` cost matrix and a network
        simplex solve, about 1 s at 2,000 rows and 5 s at 4,000 on 2 cores.
    reg : float, default=1e-3
        Smoothing of the out-of-sample map, relative to the median squared
        distance between the standardised rows and the grid (the
        regularization of sklot's estimators is relative to the ground
        cost). Smaller follows the assignment more closely but is closer to
        piecewise constant. Unused in one dimension.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsample.

    Attributes
    ----------
    quantiles_ : ndarray of shape (n_fit, n_features)
        The fitted rows, in data units, ordered so that row ``j`` is the
        one assigned to ``references_[j]``: the empirical quantile function
        on the grid.
    references_ : ndarray of shape (n_fit, n_features)
        The reference grid.
    mean_ : ndarray of shape (n_features,)
        Column means used to standardise.
    scale_ : ndarray of shape (n_features,)
        Column standard deviations used to standardise (1 for constant
        columns).
    reg_ : float
        The smoothing in squared standardised units.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column
        names.

    See Also
    --------
    sklearn.preprocessing.QuantileTransformer : The feature-wise transform.
    OTDepthOutlierDetector : The norm of the rank as a depth and outlier
        score.

    Notes
    -----
    Let :math:`z_1, \dots, z_n` be the standardised fitted rows and
    :math:`u_1, \dots, u_n` the grid. The exact assignment
    :math:`\sigma` minimises :math:`\sum_i \|z_i - u_{\sigma(i)}\|^2`; it is
    cyclically monotone, so it is the restriction of the gradient of a
    convex function (the Brenier potential) and the empirical
    center-outward distribution function of Hallin et al.:
    :math:`F_n(z_i) = u_{\sigma(i)}`.

    Out of sample, with the dual potential :math:`g` of the same linear
    program and :math:`\varepsilon` = ``reg_``,

    .. math::
        F_\varepsilon(z) = \sum_j w_j(z) u_j, \qquad
        w_j(z) \propto \exp\big((g_j - \|z - u_j\|^2) / \varepsilon\big),

    which is the gradient of :math:`\tfrac12 \|z\|^2 - \tfrac12
    \varepsilon \log \sum_j \exp((g_j - \|z - u_j\|^2)/\varepsilon)`, a
    convex function: the map is smooth and cyclically monotone by
    construction, and tends to the exact assignment as
    :math:`\varepsilon \to 0`. It is the entropic map of
    :func:`sklot.solvers.barycentric_map` evaluated with the exact dual
    instead of a Sinkhorn one (measured nearly as accurate: mean error
    0.019 against 0.015 at ``reg=1e-3`` on 2,000 rows in 2D, with no extra
    solve, where Sinkhorn took 692 iterations).
    On its own this interpolation is not exact on the fitted rows: where
    the dual has ties (a degenerate assignment) it averages neighbouring
    grid points (measured on 2,000 standardised banana-shaped rows, the mean
    distance to the exact rank is 0.019 in two dimensions, for a radial grid
    spacing of 0.022; see the user guide). So a row equal to a fitted row
    gets that row's exact rank :math:`u_{\sigma(i)}`, and the interpolation
    serves every other row. ``inverse_transform`` is the same construction
    from the grid to the fitted rows with the other potential, exact on the
    grid points: ``inverse_transform(transform(X))`` returns the fitted
    rows unchanged.

    In one dimension the optimal assignment is the sorting of the values,
    and the map is the monotone piecewise-linear interpolation of the
    empirical quantile function (as in ``QuantileTransformer``): the fitted
    rows get exactly the grid points ``2 (r - 1/2) / n - 1`` of their ranks
    ``r`` (``Phi^{-1}((r - 1/2) / n)`` for ``"normal"``), and values beyond
    the fitted range are clipped to the end points.

    References
    ----------
    Chernozhukov, Galichon, Hallin and Henry, "Monge-Kantorovich depth,
    quantiles, ranks and signs", Annals of Statistics 45 (2017).
    Hallin, del Barrio, Cuesta-Albertos and Matran, "Distribution and
    quantile functions, ranks and signs in dimension d: a measure
    transportation approach", Annals of Statistics 49 (2021).
    Pooladian and Niles-Weed, "Entropic estimation of optimal transport
    maps", arXiv:2109.12004 (2021).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.preprocessing import OTQuantileTransformer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)) @ np.array([[2.0, 1.0], [0.0, 0.5]])
    >>> qt = OTQuantileTransformer(random_state=0).fit(X)
    >>> U = qt.transform(X)
    >>> bool(np.linalg.norm(U, axis=1).max() <= 1.0)
    True

    The center of the data has a rank near the origin, and the fitted rows
    are matched one to one with the grid:

    >>> float(np.linalg.norm(qt.transform([[0.0, 0.0]]))) < 0.1
    True
    >>> qt.quantiles_.shape == qt.references_.shape == (200, 2)
    True
    """

    _parameter_constraints = {
        "output_distribution": [StrOptions({"uniform_ball", "normal"})],
        "subsample": [Interval(Integral, 2, None, closed="left"), None],
        "reg": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        output_distribution: str = "uniform_ball",
        subsample: int | None = 2000,
        reg: float = 1e-3,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.output_distribution = output_distribution
        self.subsample = subsample
        self.reg = reg
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> OTQuantileTransformer:
        """Assign the (subsampled) rows to the reference grid.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data.
        y : None
            Ignored.

        Returns
        -------
        self : OTQuantileTransformer
            The fitted transformer.
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        n, d = X.shape
        if self.subsample is not None and n > self.subsample:
            rs = check_random_state(self.random_state)
            X = X[np.sort(rs.choice(n, self.subsample, replace=False))]
            n = X.shape[0]
        self.mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        Z = (X - self.mean_) / self.scale_
        U = reference_sample(n, d, self.output_distribution)
        if d == 1:
            order = np.argsort(Z[:, 0], kind="stable")
            self.quantiles_ = X[order]
            self.references_ = U
            self.reg_ = 0.0
            return self
        M = cost_matrix(Z, U)
        res = emd(None, None, M)
        # a vertex of the assignment polytope: one entry 1/n per row
        owner = np.argmax(res.plan, axis=0)
        self.quantiles_ = X[owner]
        self.references_ = U
        f, g = res.potentials
        self._f = f[owner]
        self._g = g
        self.reg_ = float(self.reg * np.median(M))
        if not self.reg_ > 0:
            self.reg_ = float(self.reg)
        return self

    def _standardise(self, X):
        return (X - self.mean_) / self.scale_

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Center-outward ranks (or Gaussian scores) of the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data.

        Returns
        -------
        U : ndarray of shape (n_samples, n_features)
            Points of the reference's support: in the unit ball for
            ``"uniform_ball"``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        U = self._interpolate(X)
        if self.n_features_in_ == 1 or X.shape[0] == 0:
            return U
        return _exact_on_support(X, self.quantiles_, self.references_, U)

    def _interpolate(self, X):
        """Apply the smooth map alone, continuous everywhere (used for depth)."""
        if X.shape[0] == 0:
            return X.copy()
        if self.n_features_in_ == 1:
            xp = self.quantiles_[:, 0]
            return _interp_1d(X[:, 0], xp, self.references_[:, 0])[:, None]
        return barycentric_map(
            self._standardise(X), self.references_, self._g, self.reg_
        )

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """Multivariate quantiles: map reference points back to data space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in the reference's space (for example the output of
            ``transform``).

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            The data-space points.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if X.shape[0] == 0:
            return X.copy()
        if self.n_features_in_ == 1:
            fp = self.quantiles_[:, 0]
            return _interp_1d(X[:, 0], self.references_[:, 0], fp)[:, None]
        Z = barycentric_map(
            X, self._standardise(self.quantiles_), self._f, self.reg_
        )
        Z = Z * self.scale_ + self.mean_
        return _exact_on_support(X, self.references_, self.quantiles_, Z)
