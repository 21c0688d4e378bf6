"""k-means in Wasserstein space: samples are distributions."""

from __future__ import annotations

import copy
import time
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
from ._euclidean_init import euclidean_kmeans
from ._spaces import _ANNEAL_TOL, make_space

__all__ = ["WassersteinKMeans"]

# reg="auto" for histograms, relative to the median ground cost. From the
# Euclidean start, 0.02 / 0.015 / 0.0125 / 0.01 reached mean ARI 0.525 /
# 0.529 / 0.532 / 0.534 on the digits (seeds 0-2) in 4.2 / 4.5 / 5.2 / 7.2
# CPU s (bench_defaults.py --settings).
_AUTO_REG = 0.0125
# init="euclidean": k-means++ restarts of the Euclidean k-means whose best
# centroids start Lloyd's iterations in Wasserstein space. On the digits,
# with one restart three seeds of five ended at a higher inertia (ARI down
# to 0.485); with ten, none did.
_EUCLIDEAN_N_INIT = 10


def _assign(costs):
    # argmin keeps the first minimum: ties go to the lowest cluster index.
    labels = np.argmin(costs, axis=1)
    return labels, float(costs[np.arange(costs.shape[0]), labels].sum())


def _kmeans_plusplus(space, k, rng, state, n_jobs, warn):
    """Greedy k-means++ seeding with transport costs as the potential."""
    n = space.n
    n_trials = 2 + int(np.log(k))
    first = int(rng.randint(n))
    chosen = [first]
    closest = space.sample_costs([first], state, n_jobs, warn)[:, 0]
    for _ in range(1, k):
        pot = closest.sum()
        if pot > 0:
            cum = np.cumsum(closest)
            cand = np.searchsorted(cum, rng.uniform(size=n_trials) * pot)
            cand = np.minimum(cand, n - 1)
        else:
            # Every sample sits on a centroid already: any unused one will do.
            free = np.setdiff1d(np.arange(n), chosen)
            cand = rng.choice(free if free.size else np.arange(n), size=1)
        cand = np.unique(cand)
        dist = np.minimum(
            closest[:, None], space.sample_costs(cand, state, n_jobs, warn)
        )
        best = int(np.argmin(dist.sum(axis=0)))
        chosen.append(int(cand[best]))
        closest = dist[:, best]
    return [space.sample_center(i) for i in chosen]


def _reseed_empty(labels, costs, k):
    """Give every empty cluster the sample farthest from its centroid.

    Returns the updated labels and the ``{cluster: sample}`` reseeds. A
    sample is only taken from a cluster that keeps at least one member, and
    ties go to the lowest sample index.
    """
    counts = np.bincount(labels, minlength=k)
    empty = np.flatnonzero(counts == 0)
    if empty.size == 0:
        return labels, {}
    labels = labels.copy()
    own = costs[np.arange(labels.size), labels]
    order = np.argsort(-own, kind="stable")
    seeds = {}
    pos = 0
    for j in empty:
        while pos < order.size and counts[labels[order[pos]]] < 2:
            pos += 1
        if pos == order.size:
            break
        i = int(order[pos])
        counts[labels[i]] -= 1
        labels[i] = j
        counts[j] = 1
        seeds[int(j)] = i
        pos += 1
    return labels, seeds


def _lloyd(space, centers, max_iter, tol, n_jobs, verbose, warn, state, start):
    """Lloyd iterations from ``centers``; labels always match the centers."""
    k = len(centers)
    costs = space.costs(centers, state, n_jobs, warn)
    labels, inertia = _assign(costs)
    if verbose:
        reg = "" if space.reg is None else f" at reg {space.reg:.4g}"
        print(f"Lloyd{reg}: start, inertia {inertia:.6g}, "
              f"{time.perf_counter() - start:.2f} s")
    history = [inertia]
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        labels, seeds = _reseed_empty(labels, costs, k)
        members = [
            None if j in seeds else np.flatnonzero(labels == j) for j in range(k)
        ]
        centers = space.barycenters(members, centers, state, warn, n_jobs)
        for j, i in seeds.items():
            centers[j] = space.sample_center(i)
        costs = space.costs(centers, state, n_jobs, warn)
        new_labels, new_inertia = _assign(costs)
        history.append(new_inertia)
        if verbose:
            print(f"Iteration {n_iter}, inertia {new_inertia:.6g}, "
                  f"{time.perf_counter() - start:.2f} s")
        same = np.array_equal(new_labels, labels) and not seeds
        change = abs(inertia - new_inertia)
        labels, inertia = new_labels, new_inertia
        if same:
            if verbose:
                print(f"Converged at iteration {n_iter}: assignments unchanged.")
            break
        if change <= tol * max(inertia, np.finfo(float).tiny):
            if verbose:
                print(f"Converged at iteration {n_iter}: inertia change "
                      f"{change:.3g} within tol.")
            break
    return centers, labels, inertia, n_iter, history, costs


def _single_run(
    space, init, given, k, max_iter, tol, seed, n_jobs, verbose, single_thread
):
    start = time.perf_counter()
    warn_count = _Counter()
    # The space's reg changes along the stages: each run works on a copy.
    space = copy.copy(space)
    # Given or Euclidean centroids are placed already: no coarse stage (from
    # the Euclidean start, a coarse stage at 2 * reg cost less but ended at
    # a higher inertia and lower ARI on the digits).
    placed = given is not None or init == "euclidean"
    stages = [space.reg] if placed else space.stages()
    state = space.new_state()
    state["single_thread"] = single_thread
    space.set_reg(stages[0], state)
    rng = np.random.RandomState(seed)
    if given is not None:
        centers = list(given)
    elif init == "euclidean":
        centers = list(euclidean_kmeans(space.H, k, rng, _EUCLIDEAN_N_INIT))
        if verbose:
            print(f"Euclidean k-means start ({_EUCLIDEAN_N_INIT} restarts), "
                  f"{time.perf_counter() - start:.2f} s")
    elif init == "k-means++":
        centers = _kmeans_plusplus(space, k, rng, state, n_jobs, warn_count)
    else:
        centers = [space.sample_center(i)
                   for i in rng.choice(space.n, size=k, replace=False)]
    n_iter = 0
    history = []
    for stage, reg in enumerate(stages):
        last = stage == len(stages) - 1
        space.set_reg(reg, state)
        # Earlier (coarser) stages only place the centroids: a loose tol.
        centers, labels, inertia, n, hist, costs = _lloyd(
            space, centers, max_iter, tol if last else max(tol, _ANNEAL_TOL),
            n_jobs, verbose, warn_count, state, start,
        )
        n_iter += n
        history.extend(hist)
    return centers, labels, inertia, n_iter, history, warn_count.count, costs


class _Counter:
    def __init__(self):
        self.count = 0

    def add(self, n):
        self.count += int(n)


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
