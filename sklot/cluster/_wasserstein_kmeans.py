"""k-means in Wasserstein space: samples are distributions."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..solvers._api import METRICS
from ..utils import check_distributions
from ..utils._validation import _check_spread
from ._lloyd import _single_run
from ._spaces import make_space

__all__ = ["WassersteinKMeans"]

# reg="auto" for histograms, relative to the median ground cost. From the
# Euclidean start, 0.02 / 0.015 / 0.0125 / 0.01 reached mean ARI 0.525 /
# 0.529 / 0.532 / 0.534 on the digits (seeds 0-2) in 4.2 / 4.5 / 5.2 / 7.2
# CPU s (bench_defaults.py --settings).
_AUTO_REG = 0.0125


class WassersteinKMeans(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator
):
    r"""k-means clustering of distributions with Wasserstein barycenters.

    Each sample is a probability distribution. Lloyd's algorithm alternates
    assigning every sample to the centroid with the smallest transport cost
    and replacing every centroid by the Wasserstein barycenter of its
    members, which minimises the inertia
    :math:`\sum_i \mathrm{OT}(\mu_i, \bar\mu_{c(i)})` (for the default
    ``metric="sqeuclidean"``, :math:`\sum_i W_2^2`).

    The input form decides the algorithm:

    - a 2D array without ``support`` (each row an empirical 1D sample) or
      clouds on the line: every sample is its quantile function, costs and
      barycenters are exact and cheap (``reg`` is not used); k-means on the
      sorted rows is exactly W2 k-means (for clouds of many different
      sizes, when the number of clouds times the number of their distinct
      cumulative levels exceeds 2e7, evenly spaced levels are used instead,
      an approximation);
    - a 2D array with ``support`` (each row a histogram over the support
      points, an image on its pixel grid for example): entropic costs and
      iterative Bregman projection barycenters with ``reg`` set (the fast
      way, and the default), or exact costs (network simplex) and the
      barycenter linear program with ``reg=None`` (small supports only);
    - a list of point clouds in dimension ``d >= 2``: exact (``reg=None``,
      the default) or entropic costs and free-support barycenters, whose
      centroids keep
      the number of points and the masses of the samples they started from.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    init : {"auto", "euclidean", "k-means++", "random"} or array-like, default="auto"
        ``"euclidean"`` (histograms only) starts from the centroids of
        Euclidean k-means on the histograms, the best by Euclidean inertia
        of 10 k-means++ restarts: a cheap proxy (a dot product per pair
        instead of a transport solve) from which Lloyd's iterations in
        Wasserstein space reached a lower inertia than from a k-means++
        seeding with transport costs, in less time.
        ``"k-means++"`` seeds greedily with probability proportional to the
        transport cost to the closest seed so far; ``"random"`` picks
        ``n_clusters`` distinct samples. ``"auto"`` is ``"euclidean"`` for
        histograms over a support and ``"k-means++"`` otherwise. Or the
        initial centroids, in the same form as ``X`` (``n_clusters`` rows,
        histograms or clouds).
    n_init : "auto" or int, default="auto"
        Number of runs from different seeds; the run of lowest inertia is
        kept. ``"auto"`` is 10 for ``"random"`` and 1 otherwise (the
        Euclidean start already keeps the best of its own 10 restarts).
    max_iter : int, default=100
        Maximum number of Lloyd iterations per run.
    tol : float, default=1e-4
        Stop when the inertia changes by at most ``tol`` times its value
        (or when no assignment changes).
    reg : "auto", float or None, default="auto"
        Entropic regularization of the transport problems, relative to the
        median ground cost (stored in ``cost_scale_``; see
        :ref:`reg_convention`); None for exact transport. ``"auto"`` is
        0.0125 for histograms over a support and None (exact) for point
        clouds, the faster choice on each (measured in
        ``benchmarks/bench_defaults.py``). Not used for 1D samples. With
        ``reg`` set and ``init`` ``"k-means++"`` or ``"random"``, Lloyd's
        iterations first run at ``2 * reg`` (seeding included) and then
        refine at ``reg`` from those centroids; from given or Euclidean
        centroids they run at ``reg`` only.
    support : array-like of shape (n_features, d) or (n_features,), default=None
        Support points shared by the histograms in the rows of ``X``.
    metric : str, default="sqeuclidean"
        Ground cost between support points: ``"sqeuclidean"``,
        ``"euclidean"``, ``"cityblock"``, ``"cosine"`` or ``"minkowski"``.
        Point clouds in dimension 2 or
        more need ``"sqeuclidean"``; on the line ``"sqeuclidean"`` gives
        W2 k-means (mean of quantiles) and the others W1 (median).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation; the same seed gives the same result on any
        number of threads.
    n_jobs : int, default=None
        Parallelism through joblib: the runs of ``n_init`` when there are
        several, otherwise blocks of samples in the cost computations.
        ``None`` means 1 unless in a :func:`joblib.parallel_config` context
        (numba threads are then used inside each call instead).
    verbose : int, default=0
        Print the inertia and the elapsed time at every iteration (and when
        the Euclidean start is placed).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features) or list
        The barycenters in the input's form: histograms over ``support``;
        sorted rows (quantile vectors) for rows of values; for clouds, a
        list of arrays of points (uniform masses) or of
        ``(points, weights)`` pairs.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample. Clusters are numbered in the order
        in which they first appear in ``X``.
    inertia_ : float
        Sum of the transport costs of the samples to their centroids.
    n_iter_ : int
        Lloyd iterations of the kept run (all regularization stages).
    cost_scale_ : float
        The median ground cost that ``reg`` multiplies: over the support
        pairs for histograms, over points pooled from all clouds for
        clouds; 1.0 when ``reg`` is None or unused.
    n_features_in_ : int
        Number of columns of ``X`` (array input only).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` when it has string column names.

    See Also
    --------
    sklearn.cluster.KMeans : Euclidean k-means.
    sklot.solvers.barycenter_fixed_support : The histogram barycenter.
    sklot.solvers.barycenter_free_support : The point-cloud barycenter.

    Notes
    -----
    With exact transport every step decreases the inertia (the barycenter
    of a cluster minimises its part of the inertia, assignment to the
    closest centroid the rest), as in Euclidean k-means. Entropic
    barycenters minimise the regularized objective, so the inertia may
    fluctuate slightly near convergence. Inner solves stop at an L1
    marginal error of 1e-4 (costs) and 1e-3 (barycenters).

    The default on histograms, Euclidean start then entropic Lloyd at
    ``reg=0.0125``, clusters scikit-learn's 1,797 digits on the 8 x 8 pixel
    grid in about 5 CPU seconds, with an adjusted Rand index of 0.530 to
    0.533 on seeds 0 to 4, and to a lower inertia than a k-means++
    seeding with transport costs at the same ``reg`` on every seed; that
    seeding (the former default, at ``reg=0.02``) gave 0.499 to 0.525 in
    8 to 16 CPU seconds (``benchmarks/bench_defaults.py``).

    ``transform`` returns distances:
    :math:`W_2` (the square root of the cost) for ``"sqeuclidean"``, the
    cost itself for the other metrics. Empty clusters are reseeded with the
    sample farthest from its centroid.

    References
    ----------
    .. [1] J. Li and J. Z. Wang. Real-time computerized annotation of
       pictures. IEEE TPAMI 30(6), 2008.
    .. [2] Y. Zhuang, X. Chen and Y. Yang. Wasserstein K-means for
       clustering probability distributions. NeurIPS 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.cluster import WassersteinKMeans
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (5, 30)), rng.normal(6, 1, (5, 30))])
    >>> km = WassersteinKMeans(n_clusters=2, random_state=0).fit(X)
    >>> km.labels_
    array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    >>> km.transform(X[:1]).round(1)
    array([[0.2, 6. ]])
    """

    _parameter_constraints = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "init": [
            StrOptions({"auto", "euclidean", "k-means++", "random"}),
            "array-like",
            list,
        ],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "reg": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"}), None],
        "support": ["array-like", None],
        "metric": [StrOptions(set(METRICS))],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | ArrayLike = "auto",
        n_init: int | str = "auto",
        max_iter: int = 100,
        tol: float = 1e-4,
        reg: float | str | None = "auto",
        support: ArrayLike | None = None,
        metric: str = "sqeuclidean",
        random_state: int | np.random.RandomState | None = None,
        n_jobs: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.reg = reg
        self.support = support
        self.metric = metric
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _parse(self, X, reset):
        dist = check_distributions(X, self.support, estimator=self, reset=reset)
        if not reset and dist.kind != self._kind:
            raise ValueError(
                f"X holds {dist.kind} but the estimator was fitted on "
                f"{self._kind}; pass distributions in the form used in fit."
            )
        if not reset and dist.kind == "clouds" and dist.dim != self._dim:
            raise ValueError(
                f"X holds clouds in dimension {dist.dim} but the estimator was "
                f"fitted on dimension {self._dim}."
            )
        self._check_values(dist, reset)
        return dist

    def _check_values(self, dist, reset):
        """Refuse points whose costs overflow, with the fitted ones if any."""
        points = (
            [np.vstack(dist.points)] if dist.kind == "rows" else
            dist.points[:1] if dist.kind == "histograms" else list(dist.points)
        )
        if not reset and hasattr(self, "_point_bounds"):
            points.append(self._point_bounds)
        _check_spread(points, "X")
        if reset:
            self._point_bounds = np.vstack(
                [np.min([p.min(axis=0) for p in points], axis=0),
                 np.max([p.max(axis=0) for p in points], axis=0)]
            )

    def _given_init(self, dist):
        if isinstance(self.init, str):
            return None
        given = check_distributions(self.init, self.support, name="init")
        if given.kind != dist.kind or given.dim != dist.dim:
            raise ValueError(
                f"init must hold distributions in the form of X ({dist.kind} "
                f"in dimension {dist.dim}), got {given.kind} in dimension "
                f"{given.dim}."
            )
        if dist.kind != "clouds" and given.sizes[0] != dist.sizes[0]:
            raise ValueError(
                f"init has {given.sizes[0]} columns but X has {dist.sizes[0]}."
            )
        if len(given) != self.n_clusters:
            raise ValueError(
                f"init has {len(given)} distributions but n_clusters="
                f"{self.n_clusters}; pass one initial centroid per cluster."
            )
        return given

    def _init(self, dist):
        if not isinstance(self.init, str):
            return None
        if self.init == "auto":
            # Measured (benchmarks/bench_defaults.py): on the digits the
            # Euclidean start reaches a lower Wasserstein inertia than a
            # k-means++ seeding with transport costs, in a fraction of the
            # time. Other forms have no cheaper proxy worth it: on the line
            # Lloyd's iterations already run on Euclidean vectors.
            return "euclidean" if dist.kind == "histograms" else "k-means++"
        if self.init == "euclidean" and dist.kind != "histograms":
            raise ValueError(
                f"init='euclidean' needs histograms over a support (pass "
                f"support=), got {dist.kind}; use init='k-means++' for them."
            )
        return self.init

    def _reg(self, dist):
        if self.reg != "auto":
            return self.reg
        # Measured (benchmarks/bench_defaults.py): exact costs and
        # barycenters of histograms on a pixel grid do not finish in minutes,
        # entropic ones take seconds; on small point clouds exact transport
        # is both faster and sharper than entropic.
        return _AUTO_REG if dist.kind == "histograms" else None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> WassersteinKMeans:
        """Compute the clustering.

        Parameters
        ----------
        X : list of array-like, list of (points, weights) pairs, or \
                array-like of shape (n_samples, n_features)
            The distributions (see :func:`sklot.utils.check_distributions`).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        for name in ("n_clusters", "n_init", "max_iter"):
            if isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(
                    f"{name} must be a positive int, got the bool "
                    f"{getattr(self, name)!r}."
                )
        dist = self._parse(X, reset=True)
        if dist.kind == "clouds":
            for attr in ("n_features_in_", "feature_names_in_"):
                if hasattr(self, attr):
                    delattr(self, attr)
        n = len(dist)
        if self.n_clusters > n:
            raise ValueError(
                f"n_samples={n} should be >= n_clusters={self.n_clusters}; "
                f"lower n_clusters or pass more samples."
            )
        given = self._given_init(dist)
        init = self._init(dist)
        if self.n_init == "auto":
            n_init = 10 if init == "random" else 1
        else:
            n_init = self.n_init
        if given is not None:
            n_init = 1
        self._kind = dist.kind
        self._dim = dist.dim
        space = make_space(
            dist, self.metric, self._reg(dist), () if given is None else given
        )
        given_centers = None if given is None else space.import_centers(given)

        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=n_init)
        if n_init > 1:
            # Restarts are the independent pieces handed to joblib; inside a
            # parallel run the kernels stay on one thread.
            single = effective_n_jobs(self.n_jobs) > 1
            runs = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(_single_run)(
                    space, init, given_centers, self.n_clusters,
                    self.max_iter, self.tol, int(seed), 1, self.verbose, single,
                )
                for seed in seeds
            )
        else:
            runs = [_single_run(
                space, init, given_centers, self.n_clusters, self.max_iter,
                self.tol, int(seeds[0]), self.n_jobs, self.verbose, False,
            )]
        # First run of lowest inertia: deterministic whatever the backend.
        best = min(range(n_init), key=lambda r: (runs[r][2], r))
        centers, labels, inertia, n_iter, history, unconverged, costs = runs[best]
        if sum(r[5] for r in runs):
            warnings.warn(
                f"{sum(r[5] for r in runs)} inner transport solves stopped "
                f"before convergence; increase reg for faster convergence.",
                ConvergenceWarning,
            )
        if np.unique(labels).size < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({np.unique(labels).size}) found "
                f"smaller than n_clusters ({self.n_clusters}); X may hold "
                f"duplicate distributions.",
                ConvergenceWarning,
            )
        # Number clusters by first appearance so labels do not depend on
        # which seed came first.
        _, first = np.unique(labels, return_index=True)
        order = list(np.unique(labels)[np.argsort(first)])
        order += [j for j in range(self.n_clusters) if j not in order]
        relabel = np.empty(self.n_clusters, dtype=np.intp)
        relabel[order] = np.arange(self.n_clusters)
        centers = [centers[j] for j in order]

        self.cost_scale_ = float(space.cost_scale)
        self._space = space.for_prediction()
        self._centers = centers
        self.cluster_centers_ = space.export(centers)
        self.labels_ = relabel[labels].astype(np.intp)
        self.inertia_ = float(inertia)
        self.n_iter_ = int(n_iter)
        self._inertia_history = np.asarray(history)
        # Costs of the training samples to the final centroids, for
        # fit_transform (a transport solve per pair is not free).
        self._train_costs = costs[:, order]
        self._n_features_out = self.n_clusters
        return self

    def _costs(self, X):
        check_is_fitted(self)
        dist = self._parse(X, reset=False)
        return self._space.new_costs(dist, self._centers, self.n_jobs)

    def _distances(self, costs):
        costs = np.maximum(costs, 0.0)
        return np.sqrt(costs) if self.metric == "sqeuclidean" else costs

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Index of the closest centroid of every distribution.

        Parameters
        ----------
        X : list of array-like, list of (points, weights) pairs, or \
                array-like of shape (n_samples, n_features)
            The distributions, in the form used in ``fit``.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster index of each distribution.
        """
        return np.argmin(self._costs(X), axis=1).astype(np.intp)

    def fit_predict(self, X, y=None):
        """Fit and return the cluster of every training distribution.

        Parameters
        ----------
        X : list of array-like, list of (points, weights) pairs, or \
                array-like of shape (n_samples, n_features)
            The distributions.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster index of each distribution.
        """
        return self.fit(X).labels_

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Wasserstein distances from every distribution to every centroid.

        Parameters
        ----------
        X : list of array-like, list of (points, weights) pairs, or \
                array-like of shape (n_samples, n_features)
            The distributions, in the form used in ``fit``.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters)
            :math:`W_2` for ``metric="sqeuclidean"`` (the square root of
            the transport cost), the transport cost for other metrics.
        """
        return self._distances(self._costs(X))

    def fit_transform(
        self, X: ArrayLike, y: ArrayLike | None = None
    ) -> np.ndarray:
        """Fit, then return the distances of the training distributions.

        Parameters
        ----------
        X : list of array-like, list of (points, weights) pairs, or \
                array-like of shape (n_samples, n_features)
            The distributions.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters)
            Distances to the centroids, as :meth:`transform` (those computed
            by the last assignment step of the fit, without a new solve).
        """
        return self._distances(self.fit(X)._train_costs)

    def score(self, X, y=None):
        """Opposite of the inertia of ``X`` with the fitted centroids.

        Parameters
        ----------
        X : list of array-like, list of (points, weights) pairs, or \
                array-like of shape (n_samples, n_features)
            The distributions, in the form used in ``fit``.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        score : float
            Minus the sum of the transport costs to the closest centroids.
        """
        return -float(self._costs(X).min(axis=1).sum())
