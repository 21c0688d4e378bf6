"""Sliced-Wasserstein kernel and embedding for distribution-valued samples."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..solvers import (
    projected_quantiles,
    random_projections,
    sliced_wasserstein_pairwise,
)
from ..solvers._api import _check_diagrams
from ..utils import Distributions, check_distributions

__all__ = ["SlicedWassersteinEmbedding", "SlicedWassersteinKernel"]

# Fit distributions used by gamma="median": the median over their pairs is
# stable long before the full Gram matrix would be needed.
_MEDIAN_SUBSET = 200


class _SlicedBase(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shared parsing of distribution-valued input and of the directions."""

    _parameter_constraints = {
        "n_projections": [Interval(Integral, 1, None, closed="left")],
        "support": ["array-like", None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def _parse(self, X, reset):
        dists = check_distributions(X, self.support, estimator=self, reset=reset)
        if reset:
            if dists.kind == "clouds" and hasattr(self, "n_features_in_"):
                # A 2D array fitted earlier recorded these; clouds have none.
                del self.n_features_in_
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
            self.dim_ = dists.dim
        elif dists.dim != self.dim_:
            raise ValueError(
                f"X holds distributions in dimension {dists.dim}, but "
                f"{type(self).__name__} was fitted on dimension {self.dim_}; "
                f"pass distributions of the fitted dimension."
            )
        return dists

    def _draw_projections(self, dim):
        rs = check_random_state(self.random_state)
        return random_projections(self.n_projections, dim, random_state=rs)


class SlicedWassersteinKernel(_SlicedBase):
    r"""Gaussian kernel of the sliced Wasserstein distance between distributions.

    Each sample is a probability distribution (a point cloud, a histogram
    over a shared support, or the values of a row). ``fit`` stores the
    reference distributions and draws the directions once; ``transform``
    returns the Gram block

    .. math::
        K_{ij} = \exp\left(-\gamma \, SW_p^p(\mu_i, \nu_j)\right)

    between the new distributions :math:`\mu_i` and the fitted ones
    :math:`\nu_j`, so that ``make_pipeline(SlicedWassersteinKernel(),
    SVC(kernel="precomputed"))`` is a kernel machine on distributions.

    Parameters
    ----------
    n_projections : int, default=50
        Number of random directions, drawn once at fit.
    gamma : float or "median", default="median"
        Bandwidth: ``K = exp(-gamma * SW_p^p)``. ``"median"`` sets
        ``gamma_`` to one over the median of :math:`SW_p^p` between fitted
        distributions (at most 200 of them, drawn from ``random_state``).
    p : float, default=2
        The order, ``1 <= p <= 2``. In that range :math:`SW_p^p` is a
        conditionally negative definite function of the distributions, so
        the kernel is positive definite (``p=2``: Kolouri et al.; ``p=1``:
        Carriere et al.).
    support : array-like of shape (n_bins, d), default=None
        Shared support of the histogram form: each row of a 2D ``X`` is a
        histogram over these points (for example the pixel grid of images).
        None means rows are 1D samples, unless ``X`` is a list of clouds.
    random_state : int, RandomState instance or None, default=None
        Seed of the directions (and of the median subset).
    n_jobs : int, default=None
        None computes on all of numba's threads in this process; an integer
        spreads blocks of rows over ``n_jobs`` joblib workers. Same result.
    diagrams : bool, default=False
        Samples are persistence diagrams: lists of arrays of (birth, death)
        rows, shape ``(n_points_i, 2)``, possibly empty. Each pair is
        compared as unnormalised counting measures with the diagonal
        projections of the other diagram added (Carriere et al.), which
        needs ``p=1``; ``gamma = 1 / (2 * bandwidth**2)`` matches GUDHI's
        ``SlicedWassersteinKernel(bandwidth)``.

    Attributes
    ----------
    projections_ : ndarray of shape (n_projections, dim_)
        The directions, unit vectors.
    gamma_ : float
        The bandwidth used.
    fit_distributions_ : Distributions or list of ndarray
        The reference distributions (the columns of the Gram block), or the
        diagrams when ``diagrams=True``.
    dim_ : int
        Dimension of the space the distributions live in.
    n_features_in_ : int
        Number of columns of a 2D array ``X`` (not set for lists of clouds).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a DataFrame ``X``.

    See Also
    --------
    SlicedWassersteinEmbedding : An explicit feature map of the same geometry.
    sklot.metrics.pairwise_sliced_wasserstein : The distances themselves.

    Notes
    -----
    The same directions :math:`\theta_1, \dots, \theta_L` serve every pair,
    so :math:`SW_p^p` is the exact mean of the 1D costs
    :math:`\int_0^1 |Q_{\theta_l \# \mu}(t) - Q_{\theta_l \# \nu}(t)|^p dt`,
    an integral of the conditionally negative definite function
    :math:`|x - y|^p` (:math:`p \le 2`) over the quantile functions. By
    Schoenberg's theorem every Gram matrix is then positive semi-definite up
    to rounding, for any number of directions. Cost:
    :math:`O(n\, n_{fit}\, L\, (n_i + n_j))`.

    References
    ----------
    Kolouri, Zou and Rohde, "Sliced Wasserstein kernels for probability
    distributions", CVPR 2016.
    Carriere, Cuturi and Oudot, "Sliced Wasserstein kernel for persistence
    diagrams", ICML 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.kernels import SlicedWassersteinKernel
    >>> rng = np.random.default_rng(0)
    >>> clouds = [rng.normal(size=(n, 2)) + s for n, s in [(5, 0), (8, 0), (6, 3)]]
    >>> K = SlicedWassersteinKernel(gamma=0.5, random_state=0).fit_transform(clouds)
    >>> K.shape, bool(np.allclose(np.diag(K), 1.0)), bool(K[0, 1] > K[0, 2])
    ((3, 3), True, True)
    """

    _parameter_constraints = {
        **_SlicedBase._parameter_constraints,
        "gamma": [Interval(Real, 0, None, closed="neither"), StrOptions({"median"})],
        "p": [Interval(Real, 1, 2, closed="both")],
        "diagrams": ["boolean"],
    }

    def __init__(
        self,
        n_projections: int = 50,
        gamma: float | str = "median",
        p: float = 2,
        support: ArrayLike | None = None,
        random_state: int | np.random.RandomState | None = None,
        n_jobs: int | None = None,
        diagrams: bool = False,
    ) -> None:
        self.n_projections = n_projections
        self.gamma = gamma
        self.p = p
        self.support = support
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.diagrams = diagrams

    def _parse(self, X, reset):
        if not self.diagrams:
            return super()._parse(X, reset)
        if self.p != 1:
            raise ValueError(
                f"diagrams=True needs p=1 (the diagonal construction is exact "
                f"for W_1 only), got p={self.p!r}; set p=1."
            )
        if self.support is not None:
            raise ValueError("support is not used with diagrams; set it to None.")
        diagrams = _check_diagrams(X, "X")
        if reset:
            self.dim_ = 2
        return diagrams

    def _costs(self, dists, other=None):
        return sliced_wasserstein_pairwise(
            dists,
            other,
            projections=self.projections_,
            p=self.p,
            n_jobs=self.n_jobs,
            pth_power=True,
            diagrams=self.diagrams,
        )

    def _fit(self, X):
        dists = self._parse(X, reset=True)
        rs = check_random_state(self.random_state)
        self.projections_ = random_projections(
            self.n_projections, self.dim_, random_state=rs
        )
        self.fit_distributions_ = dists
        return dists, rs

    def _median_gamma(self, rs, costs=None):
        n = len(self.fit_distributions_)
        if n > _MEDIAN_SUBSET:
            subset = np.sort(rs.choice(n, _MEDIAN_SUBSET, replace=False))
        else:
            subset = np.arange(n)
        if costs is None:
            sub = self.fit_distributions_
            if self.diagrams:
                part = [sub[i] for i in subset]
            else:
                part = Distributions(
                    [sub.points[i] for i in subset],
                    [sub.weights[i] for i in subset],
                    sub.kind,
                    sub.support,
                )
            costs = self._costs(part)
        else:
            costs = costs[np.ix_(subset, subset)]
        off_diagonal = costs[~np.eye(len(subset), dtype=bool)]
        median = np.median(off_diagonal) if off_diagonal.size else 0.0
        # Identical (or single) distributions: any bandwidth gives K = 1.
        return 1.0 / median if median > 0 else 1.0

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> SlicedWassersteinKernel:
        """Store the reference distributions and draw the directions.

        Parameters
        ----------
        X : list of array-like, list of (points, weights) pairs, or 2D array-like
            The distributions (see :func:`sklot.utils.check_distributions`).
        y : None
            Ignored.

        Returns
        -------
        self : SlicedWassersteinKernel
            The fitted transformer.
        """
        _, rs = self._fit(X)
        if self.gamma == "median":
            self.gamma_ = self._median_gamma(rs)
        else:
            self.gamma_ = float(self.gamma)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(
        self, X: ArrayLike, y: ArrayLike | None = None
    ) -> np.ndarray:
        """Fit, then return the symmetric Gram matrix of ``X``.

        Computes each pair once (half the work of ``fit(X).transform(X)``,
        with the same result).

        Parameters
        ----------
        X : list of array-like, list of (points, weights) pairs, or 2D array-like
            The distributions.
        y : None
            Ignored.

        Returns
        -------
        K : ndarray of shape (n_samples, n_samples)
            The Gram matrix, symmetric with a unit diagonal.
        """
        dists, rs = self._fit(X)
        costs = self._costs(dists)
        if self.gamma == "median":
            self.gamma_ = self._median_gamma(rs, costs)
        else:
            self.gamma_ = float(self.gamma)
        return np.exp(-self.gamma_ * costs)

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Kernel values between ``X`` and the fitted distributions.

        Parameters
        ----------
        X : list of array-like, list of (points, weights) pairs, or 2D array-like
            The distributions, in the form used at fit.

        Returns
        -------
        K : ndarray of shape (n_samples, n_fit)
            ``exp(-gamma_ * SW_p^p)`` between each distribution of ``X`` and
            each fitted one.
        """
        check_is_fitted(self)
        dists = self._parse(X, reset=False)
        return np.exp(-self.gamma_ * self._costs(dists, self.fit_distributions_))

    @property
    def _n_features_out(self):
        return len(self.fit_distributions_)


class SlicedWassersteinEmbedding(_SlicedBase):
    r"""Explicit feature map whose Euclidean geometry is sliced Wasserstein.

    Each distribution is mapped to the quantile functions of its projections
    on ``n_projections`` directions, sampled at ``n_quantiles`` levels
    :math:`t_k = (k + 1/2) / K`, and scaled so that

    .. math::
        \|\phi(\mu) - \phi(\nu)\|_p^p \approx SW_p^p(\mu, \nu),

    the midpoint-rule discretisation of the quantile integral (exact for
    uniform point clouds of ``n_quantiles`` points). With ``p=2`` squared
    Euclidean distances between embeddings are sliced :math:`SW_2^2`, so an
    RBF kernel on the embedding reproduces :class:`SlicedWassersteinKernel`
    at a cost linear in the number of samples, and any linear model or
    neighbour search works on distributions.

    Parameters
    ----------
    n_projections : int, default=50
        Number of random directions, drawn once at fit.
    n_quantiles : int, default=20
        Number of quantile levels per direction.
    p : float, default=2
        The order, ``p >= 1``, of the distance the embedding reproduces in
        the p-norm (2: Euclidean).
    support : array-like of shape (n_bins, d), default=None
        Shared support of the histogram form (see
        :class:`SlicedWassersteinKernel`).
    random_state : int, RandomState instance or None, default=None
        Seed of the directions.
    n_jobs : int, default=None
        None computes on all of numba's threads in this process; an integer
        spreads blocks of distributions over ``n_jobs`` joblib workers.

    Attributes
    ----------
    projections_ : ndarray of shape (n_projections, dim_)
        The directions, unit vectors.
    dim_ : int
        Dimension of the space the distributions live in.
    n_features_in_ : int
        Number of columns of a 2D array ``X`` (not set for lists of clouds).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a DataFrame ``X``.

    See Also
    --------
    SlicedWassersteinKernel : The exact kernel, O(n^2) pairs.

    Notes
    -----
    Feature ``l * n_quantiles + k`` is :math:`(L K)^{-1/p}
    Q_{\theta_l \# \mu}(t_k)`. float32 point coordinates give float32
    features.

    References
    ----------
    Kolouri, Zou and Rohde, "Sliced Wasserstein kernels for probability
    distributions", CVPR 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.kernels import SlicedWassersteinEmbedding
    >>> clouds = [np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[3.0, 4.0]])]
    >>> emb = SlicedWassersteinEmbedding(n_projections=8, n_quantiles=4,
    ...                                  random_state=0)
    >>> emb.fit_transform(clouds).shape
    (2, 32)
    """

    _parameter_constraints = {
        **_SlicedBase._parameter_constraints,
        "n_quantiles": [Interval(Integral, 1, None, closed="left")],
        "p": [Interval(Real, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_projections: int = 50,
        n_quantiles: int = 20,
        p: float = 2,
        support: ArrayLike | None = None,
        random_state: int | np.random.RandomState | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.n_projections = n_projections
        self.n_quantiles = n_quantiles
        self.p = p
        self.support = support
        self.random_state = random_state
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: ArrayLike, y: ArrayLike | None = None
    ) -> SlicedWassersteinEmbedding:
        """Draw the directions for the dimension of ``X``.

        Parameters
        ----------
        X : list of array-like, list of (points, weights) pairs, or 2D array-like
            The distributions (see :func:`sklot.utils.check_distributions`).
        y : None
            Ignored.

        Returns
        -------
        self : SlicedWassersteinEmbedding
            The fitted transformer.
        """
        dists = self._parse(X, reset=True)
        self.projections_ = self._draw_projections(dists.dim)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Embed each distribution.

        Parameters
        ----------
        X : list of array-like, list of (points, weights) pairs, or 2D array-like
            The distributions.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_projections * n_quantiles)
            The scaled projected quantiles.
        """
        check_is_fitted(self)
        dists = self._parse(X, reset=False)
        q = projected_quantiles(
            dists, self.projections_, self.n_quantiles, n_jobs=self.n_jobs
        )
        n_features = q.shape[1] * q.shape[2]
        X_new = q.reshape(len(dists), n_features)
        X_new *= n_features ** (-1.0 / self.p)
        if all(points.dtype == np.float32 for points in dists.points):
            return X_new.astype(np.float32)
        return X_new

    @property
    def _n_features_out(self):
        return self.projections_.shape[0] * self.n_quantiles

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
