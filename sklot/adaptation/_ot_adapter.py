"""The optimal transport domain adapter."""

from __future__ import annotations

import numbers
import time
import warnings

import numpy as np
from numpy.typing import ArrayLike
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .. import solvers
from ..solvers._api import _sinkhorn_checked, cost_median
from ..utils._label_shift import ClassRatio, class_weights, estimate_target_proportions
from ._base import BaseAdapter
from ._large_scale import (
    check_dense_memory,
    dense_memory_error,
    map_in_chunks,
    physical_memory,
    subsample_split,
)
from ._ot_maps import (
    JointMap,
    barycentric_images,
    entropic_map,
    plan_operator,
    row_chunks,
)
from ._transport_cache import cached_cost, cached_spread, problem_tag, warm_solve

__all__ = ["OTDomainAdapter"]

# max_samples="auto" solves on at most this many rows of each domain.
_AUTO_MAX_SAMPLES = 10_000

# Above this many source x target pairs a plain entropic fit does not form
# the cost matrix (matrix-free Sinkhorn, memory O(n + m)).
_MATRIX_FREE_PAIRS = 4 * 10**7

# Pairs sampled to estimate the median cost when the matrix is not formed.
_MEDIAN_SAMPLE = 10**6

# Cost of a source/target pair whose labels disagree (semi-supervised), in
# units of the largest scaled cost: prohibitive but finite.
_MISMATCH_FACTOR = 1e2

_NEIGHBOR_METRIC = {
    "sqeuclidean": "euclidean",
    "euclidean": "euclidean",
    "cityblock": "cityblock",
    "cosine": "cosine",
}


def _uniform(n):
    return np.full(n, 1.0 / n)


class OTDomainAdapter(BaseAdapter):
    r"""Transport the source rows onto the target rows (OT domain adaptation).

    One transformer for every optimal transport flavour, so that a grid
    search can compare them: exact transport (``reg=None``), entropic
    transport (``reg`` a float), class-regularized transport (``reg_class``,
    which keeps each target row fed by source rows of one class), unbalanced
    transport (``reg_marginals``, for shifts in the class proportions), and
    maps regressed jointly with the plan (``out_of_sample="linear"`` or
    ``"kernel"``). It follows sklot's domain convention: ``X`` stacks the
    source and target rows, ``y`` marks target rows with ``-1``
    (classification) or ``NaN`` (regression), and an optional
    ``sample_domain`` (``>= 0`` source, ``< 0`` target) marks domains
    explicitly, which lets target rows carry labels (semi-supervised
    adaptation).

    After :meth:`fit`, :meth:`fit_transform` maps the fitted source rows by
    the barycentric projection of the plan (each source row moves to the
    plan-weighted mean of the target rows it is sent to) and returns the
    target rows unchanged; :meth:`transform` maps any rows as source samples
    (new rows through ``out_of_sample``); :meth:`inverse_transform` maps
    target samples to the source domain; :meth:`transform_labels` propagates
    the source labels to the fitted target rows through the plan.

    Parameters
    ----------
    reg : float or None, default=None
        Entropic regularization, relative to the scaled cost (see
        ``cost_scale``). ``None`` solves the exact (unregularized) problem.
    reg_class : float or None, default=None
        Strength of the class regularization of Courty et al. (2017): a
        concave group penalty (``lp-l1``) on the mass each target row
        receives from each source class. Needs class labels on the source
        rows. With ``reg=None`` each majorization step is an exact solve;
        an exact plan already feeds each target row from few classes, so
        there the penalty usually leaves the plan unchanged (see
        :func:`sklot.solvers.class_regularized_ot`).
    reg_marginals : float or None, default=None
        ``None`` transports all the mass (balanced). A float relaxes the
        marginal constraints with a KL penalty of that weight (unbalanced
        transport), so mass may be created or destroyed where the domains'
        proportions differ. Needs an entropic ``reg``.
    metric : {"sqeuclidean", "euclidean", "cityblock", "cosine"}, default="sqeuclidean"
        Ground cost between rows.
    cost_scale : {"median", "max"} or None, default="median"
        Divide the cost matrix by its median or maximum before solving, so
        that ``reg``, ``reg_class`` and ``reg_marginals`` mean the same on
        any data scale. The divisor is stored in ``cost_scale_``.
    out_of_sample : {"auto", "nearest", "entropic", "linear", "kernel"}, default="auto"
        How :meth:`transform` maps rows that were not fitted:

        - ``"nearest"``: add the displacement of the nearest fitted source
          row (a neighbour index is built once at fit);
        - ``"entropic"``: the continuous entropic map given by the dual
          potentials, evaluated in blocks of bounded memory (needs ``reg``
          and no ``reg_class``);
        - ``"linear"``, ``"kernel"``: an affine map, or a Gaussian-kernel
          displacement, fitted jointly with the plan after Perrot et al.
          (2016); the fitted source rows are mapped by the learned map too;
        - ``"auto"``: ``"entropic"`` when it applies, ``"nearest"``
          otherwise.
    map_reg : float, default=0.1
        Regularization of the ``"linear"`` map (pull towards the identity,
        relative to the feature variance) or of the ``"kernel"`` map (kernel
        ridge penalty). Unused by the other out-of-sample maps.
    max_iter : int or None, default=None
        Iteration cap of the solver (Sinkhorn iterations; pivots of the
        exact solver; iterations of each inner Sinkhorn solve of the
        class-regularized solver). ``None`` uses the solver's default: the
        exact solver then runs to optimality, Sinkhorn stops after 1000
        iterations.
    tol : float, default=1e-6
        Stopping tolerance of the Sinkhorn solvers, on the L1 marginal
        violation relative to the total mass. The barycentric images are
        then accurate to about that relative error, which is ample for
        adaptation; lower it to compare plans with other software.
    max_samples : int, float, "auto" or None, default="auto"
        Solve the transport between at most this many rows of each domain
        (a float in (0, 1]: that fraction of each), drawn at random without
        replacement; the other source rows are mapped by the fitted
        ``out_of_sample`` map. ``None`` solves on all rows. ``"auto"``
        solves on all rows up to 10,000 per domain and on 10,000 drawn
        rows of a larger domain: an exact fit takes about 20 s at 10,000
        rows per domain, 80 s and 6 GB at 20,000, and grows with the square
        of the rows. The plan, ``X_source_`` and ``X_target_`` then cover
        the subsample only. A fit whose cost matrix and plan would not fit
        in the machine's memory raises a ``MemoryError`` that names this
        option.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsample (``max_samples``) and of the sample used to
        estimate the median cost when the cost matrix is not formed.
    n_jobs : int or None, default=None
        Parallel jobs of the neighbour queries of ``out_of_sample="nearest"``
        and of the out-of-sample mapping of many rows (chunks of rows
        dispatched through joblib, so a Dask backend spreads them).
    verbose : int, default=0
        Print the progress of ``fit``: the cost scale, then the solver's
        iterations, objective and the elapsed time.
    target_proportions : "estimate", array-like or None, default=None
        Class proportions of the target domain, for label shift. ``None`` gives
        every source row the same mass. ``"estimate"`` estimates them from the
        unlabelled target rows with :func:`estimate_target_proportions` (EM on a
        logistic regression fitted to the source rows); an array of shape
        (n_classes,) gives them (in the order of ``np.unique`` of the source
        labels). Source row ``i`` of class ``c`` then carries the mass ``p_t(c)
        / p_s(c)`` (normalized) in the plan, so balanced transport no longer has
        to send an over-represented source class onto another class; the weights
        are stored in ``source_weight_`` and the domain-adaptation
        meta-estimators pass them to their estimator as ``sample_weight``, which
        also corrects its class priors. Classification only; not with
        ``out_of_sample="linear"`` or ``"kernel"``.

    Attributes
    ----------
    coupling_ : ndarray of shape (n_source, n_target) or None
        The transport plan between the fitted source and target rows;
        ``None`` when the entropic problem was solved without forming the
        cost matrix (then ``potentials_`` describe the plan).
    potentials_ : tuple of ndarray or None
        Dual potentials ``(f, g)`` of the (scaled) problem when the solver
        returns them.
    cost_scale_ : float
        The divisor applied to the cost (``1.0`` when ``cost_scale=None``).
    n_iter_ : int
        Iterations of the solver (outer iterations for the joint maps).
    X_source_ : ndarray of shape (n_source, n_features)
        The fitted source rows.
    X_target_ : ndarray of shape (n_target, n_features)
        The fitted target rows.
    y_source_ : ndarray of shape (n_source,) or None
        The labels of the fitted source rows (``None`` when ``y`` was None).
    identity_ : bool
        True when ``fit`` saw no target rows; the adapter is then the
        identity.
    target_proportions_ : ndarray of shape (n_classes,) or None
        The target class proportions used (estimated or given); ``None``
        when ``target_proportions=None``.
    source_weight_ : ndarray of shape (n_source,) or None
        Mass of each fitted source row in the plan relative to the uniform
        mass (mean one); ``None`` when ``target_proportions=None``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Names of the features seen during fit, when ``X`` has string column
        names.

    See Also
    --------
    DomainAdaptationClassifier : Fits a classifier on the transported rows.
    sklot.datasets.make_domain_shift : Synthetic shifted domains.

    Notes
    -----
    With uniform weights ``a`` and ``b`` on the ``n_s`` source and ``n_t``
    target rows and the scaled cost ``C = M / s``, the plan solves

    .. math:: \min_{P \in \Pi(a, b)} \langle P, C \rangle
              + \mathrm{reg} \sum_{ij} P_{ij} \log P_{ij}
              + \mathrm{reg\_class}\, \Omega_{\mathrm{class}}(P)

    (the marginal constraint on ``P`` replaced by KL penalties of weight
    ``reg_marginals`` when it is set). A fitted source row ``x_i`` moves to
    ``sum_j P_ij x^t_j / sum_j P_ij``. When target rows carry labels (given
    through ``sample_domain``), pairs whose labels disagree cost
    ``100 * max(max(C), 1)`` (classification), or the squared label difference in
    units of the source label variance times ``median(C)`` is added
    (regression). Unlike POT's ``ot.da`` classes, hyperparameters are never
    changed by ``fit``, and the adapter takes the stacked ``X, y`` of a
    scikit-learn pipeline.

    References
    ----------
    .. [1] N. Courty, R. Flamary, D. Tuia, A. Rakotomamonjy. "Optimal
       transport for domain adaptation". IEEE TPAMI 39(9), 2017.
    .. [2] S. Ferradans, N. Papadakis, G. Peyre, J.-F. Aujol. "Regularized
       discrete optimal transport". SIAM J. Imaging Sciences 7(3), 2014.
    .. [3] M. Perrot, N. Courty, R. Flamary, A. Habrard. "Mapping estimation
       for discrete optimal transport". NeurIPS 2016.
    .. [4] A.-A. Pooladian, J. Niles-Weed. "Entropic estimation of optimal
       transport maps". arXiv:2109.12004, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.adaptation import OTDomainAdapter
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(size=(30, 2)), rng.normal(size=(30, 2)) + 5])
    >>> y = np.r_[rng.integers(0, 2, 30), -np.ones(30, dtype=int)]
    >>> adapter = OTDomainAdapter().fit(X, y)
    >>> X_new = adapter.fit_transform(X, y)
    >>> np.round(X_new[:30].mean(axis=0) - X[30:].mean(axis=0), 6) + 0.0
    array([0., 0.])
    """

    _parameter_constraints: dict = {
        **BaseAdapter._parameter_constraints,
        "reg": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "reg_class": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "reg_marginals": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "metric": [StrOptions(set(_NEIGHBOR_METRIC))],
        "cost_scale": [StrOptions({"median", "max"}), None],
        "out_of_sample": [
            StrOptions({"auto", "nearest", "entropic", "linear", "kernel"})
        ],
        "map_reg": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "tol": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_samples": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0, 1, closed="right"),
            StrOptions({"auto"}),
            None,
        ],
        "random_state": ["random_state"],
        "n_jobs": [numbers.Integral, None],
        "verbose": ["verbose"],
        "target_proportions": [StrOptions({"estimate"}), "array-like", None],
    }

    def __init__(
        self,
        *,
        reg: float | None = None,
        reg_class: float | None = None,
        reg_marginals: float | None = None,
        metric: str = "sqeuclidean",
        cost_scale: str | None = "median",
        out_of_sample: str = "auto",
        map_reg: float = 0.1,
        max_iter: int | None = None,
        tol: float = 1e-6,
        max_samples: int | float | str | None = "auto",
        random_state: int | np.random.RandomState | None = None,
        n_jobs: int | None = None,
        verbose: int = 0,
        target_proportions: str | ArrayLike | None = None,
    ) -> None:
        self.reg = reg
        self.reg_class = reg_class
        self.reg_marginals = reg_marginals
        self.metric = metric
        self.cost_scale = cost_scale
        self.out_of_sample = out_of_sample
        self.map_reg = map_reg
        self.max_iter = max_iter
        self.tol = tol
        self.max_samples = max_samples
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.target_proportions = target_proportions

    # -- resolution of the options ---------------------------------------
    def _resolve_out_of_sample(self):
        mode = self.out_of_sample
        entropic_ok = self.reg is not None and self.reg_class is None
        if mode == "auto":
            return "entropic" if entropic_ok else "nearest"
        if mode == "entropic" and not entropic_ok:
            raise ValueError(
                "out_of_sample='entropic' needs an entropic plan without class "
                f"regularization, got reg={self.reg!r} and reg_class="
                f"{self.reg_class!r}. Set reg to a positive float and "
                "reg_class=None, or use out_of_sample='nearest'."
            )
        if mode in ("linear", "kernel") and (
            self.reg_class is not None or self.reg_marginals is not None
        ):
            raise ValueError(
                f"out_of_sample={mode!r} fits the map jointly with a balanced "
                "plan and supports neither reg_class nor reg_marginals; set "
                "them to None or choose out_of_sample='nearest'."
            )
        return mode

    def _check_options(self, y, task):
        if self.reg_marginals is not None and self.reg is None:
            raise ValueError(
                f"reg_marginals={self.reg_marginals!r} needs an entropic "
                "solve: set reg to a positive float (for example reg=0.1), "
                "or set reg_marginals=None for exact transport."
            )
        if self.reg_class is not None and y is None:
            raise ValueError(
                "reg_class groups the source rows by class and needs their "
                "labels: pass y, or set reg_class=None."
            )
        if self.target_proportions is not None and (
            y is None or task == "regression"
        ):
            raise ValueError(
                "target_proportions weights the source rows by class and needs "
                "class labels; set target_proportions=None for regression or "
                "when y is None."
            )
        if self.target_proportions is not None and self.out_of_sample in (
            "linear", "kernel"
        ):
            raise ValueError(
                f"out_of_sample={self.out_of_sample!r} fits the map with a "
                "uniform source mass; set target_proportions=None or choose "
                "out_of_sample='nearest' or 'entropic'."
            )
        if self.reg_class is not None and task == "regression":
            raise ValueError(
                "reg_class groups the source rows by class, but y is a "
                "regression target; set reg_class=None."
            )

    # -- fit ----------------------------------------------------------------
    def _fit_identity(self, X, y, split):
        self.coupling_ = None
        self.potentials_ = None
        self.cost_scale_ = 1.0
        self.n_iter_ = 0
        self.X_source_ = X
        self.X_target_ = X[:0]
        self.y_source_ = None if y is None else np.asarray(y)
        self._task = split.task
        self.target_proportions_ = None
        self.source_weight_ = None

    def _fit_map(self, X, y, split):
        start = time.perf_counter()
        self._value = None
        max_samples = self.max_samples
        if max_samples == "auto":
            max_samples = _AUTO_MAX_SAMPLES
        keep, sub = subsample_split(split, max_samples, self.random_state)
        if keep is None:
            self._fit_plan(X, y, split)
            self._fitted_images = self._source_images
        else:
            self._fit_plan(X[keep], None if y is None else np.asarray(y)[keep], sub)
            if self.source_weight_ is not None:
                # the estimator trains on every source row, not only the solved
                self.source_weight_ = self._proportion_weights(
                    np.asarray(y)[split.source], split.labelled[split.source]
                )
            # every source row through the fitted map; solved rows keep their
            # in-sample images
            images = self._transform(np.asarray(X[split.source], dtype=np.float64))
            solved = np.searchsorted(np.flatnonzero(split.source), keep[sub.source])
            images[solved] = self._source_images
            self._fitted_images = images
        if self.verbose:
            value = "" if self._value is None else f", objective {self._value:.6g}"
            print(
                f"{type(self).__name__}: {self.X_source_.shape[0]} source x "
                f"{self.X_target_.shape[0]} target rows, cost scale "
                f"{self.cost_scale_:.4g}, {self.n_iter_} iterations{value}, "
                f"{time.perf_counter() - start:.2f} s"
            )

    def _fit_plan(self, X, y, split):
        task = split.task
        self._check_options(y, task)
        self._oos = self._resolve_out_of_sample()
        Xs = np.asarray(X[split.source], dtype=np.float64)
        Xt = np.asarray(X[split.target], dtype=np.float64)
        self.X_source_ = X[split.source]
        self.X_target_ = X[split.target]
        y = None if y is None else np.asarray(y)
        self.y_source_ = None if y is None else y[split.source]
        self._task = task
        n_s, n_t = Xs.shape[0], Xt.shape[0]
        a, b = self._source_mass(Xs, Xt, split), _uniform(n_t)
        target_labelled = split.labelled[split.target] if y is not None else None
        semi = target_labelled is not None and target_labelled.any()
        plain_entropic = (
            self.reg is not None
            and self.reg_class is None
            and self.reg_marginals is None
            and not semi
            and self._oos in ("entropic", "nearest")
            # the costs the matrix-free solver recomputes on the fly
            and self.metric in ("sqeuclidean", "euclidean")
        )
        self.coupling_ = None
        self.potentials_ = None
        if plain_entropic and n_s * n_t > _MATRIX_FREE_PAIRS:
            self._fit_matrix_free(Xs, Xt, a, b)
        else:
            name = type(self).__name__
            check_dense_memory(name, n_s, n_t)
            try:
                key, M, self.cost_scale_ = cached_cost(
                    Xs, Xt, self.metric, self.cost_scale,
                    lambda: solvers.cost_matrix(Xs, Xt, metric=self.metric),
                    self._scale_of,
                )
                if semi:
                    # a cached matrix is read only: penalize a copy
                    M = M if M.flags.writeable else M.copy()
                    self._penalize_mismatches(M, y, split, target_labelled)
                # potentials are reused only on the cost the key describes
                self._fit_dense(Xs, Xt, a, b, M, y, split, None if semi else key)
            except MemoryError as exc:
                raise dense_memory_error(name, n_s, n_t, physical_memory()) from exc
        self._build_out_of_sample(Xs, Xt)

    def _source_mass(self, Xs, Xt, split):
        self.target_proportions_ = None
        self.source_weight_ = None
        if self.target_proportions is None:
            return _uniform(Xs.shape[0])
        ys = self.y_source_
        labelled = split.labelled[split.source]
        if isinstance(self.target_proportions, str):
            proportions = estimate_target_proportions(
                Xs[labelled], ys[labelled], Xt
            )
        else:
            proportions = np.asarray(self.target_proportions, dtype=np.float64)
        self.target_proportions_ = proportions / proportions.sum()
        self.source_weight_ = self._proportion_weights(ys, labelled)
        self._class_ratio = ClassRatio(ys[labelled], proportions)
        return self.source_weight_ / Xs.shape[0]

    def _proportion_weights(self, ys, labelled):
        """Mean-one weights moving the labelled rows to the target proportions."""
        weight = np.ones(ys.shape[0])
        weight[labelled] = class_weights(ys[labelled], self.target_proportions_)
        return weight / weight.mean()

    def _row_weights(self, X, y):
        """Weights of labelled source rows as the plan weighs its own."""
        if getattr(self, "target_proportions_", None) is None or y is None:
            return None
        return self._class_ratio(y)

    def _scale_of(self, M):
        if self.cost_scale is None:
            return 1.0
        stat = cost_median(M) if self.cost_scale == "median" else M.max()
        return float(stat) if stat > 0 else 1.0

    def _penalize_mismatches(self, M, y, split, target_labelled):
        ys = y[split.source]
        yt = y[split.target]
        cols = np.flatnonzero(target_labelled)
        if split.task == "regression":
            spread = np.std(ys.astype(float))
            spread = spread if spread > 0 else 1.0
            diff = (ys[:, None].astype(float) - yt[None, cols].astype(float)) / spread
            M[:, cols] += cost_median(M) * diff**2
        else:
            mismatch = ys[:, None] != yt[None, cols]
            block = M[:, cols]
            block[mismatch] = _MISMATCH_FACTOR * max(M.max(), 1.0)
            M[:, cols] = block

    def _solver_kwargs(self):
        kwargs = {"tol": self.tol}
        if self.max_iter is not None:
            kwargs["max_iter"] = self.max_iter
        return kwargs

    def _solve_linear(self, a, b, M):
        """Plan of the plain (exact or entropic) problem with cost ``M``."""
        if self.reg is None:
            kwargs = {} if self.max_iter is None else {"max_iter": self.max_iter}
            return solvers.emd(a, b, M, **kwargs)
        return solvers.sinkhorn(a, b, M, self.reg, **self._solver_kwargs())

    def _solve_warm(self, a, b, M, key):
        """Entropic solve warm-started from a nearby cached ``reg``."""
        tag = problem_tag(a, b, self.cost_scale)
        # the candidates on a cached cost share its finiteness check and
        # spread instead of scanning it again
        spread = cached_spread(key, self.cost_scale, M)

        def solve(init):
            kwargs = self._solver_kwargs()
            if init is not None:
                kwargs.update(init=init, epsilon_scaling=False)
            if spread is None:
                return solvers.sinkhorn(a, b, M, self.reg, **kwargs)
            return _sinkhorn_checked(a, b, M, self.reg, spread, **kwargs)

        return warm_solve(key, tag, self.reg, solve)

    def _fit_dense(self, Xs, Xt, a, b, M, y, split, key=None):
        if self._oos in ("linear", "kernel"):
            self._fit_joint(Xs, Xt, a, b, M)
            return
        if self.reg_class is not None:
            labels = np.unique(y[split.source], return_inverse=True)[1]
            kwargs = {"tol": self.tol}
            if self.max_iter is not None:
                kwargs["inner_max_iter"] = self.max_iter
            result = solvers.class_regularized_ot(
                a, b, M, self.reg, self.reg_class, labels, **kwargs
            )
        elif self.reg_marginals is not None:
            result = solvers.sinkhorn_unbalanced(
                a, b, M, self.reg, self.reg_marginals, **self._solver_kwargs()
            )
        elif self.reg is not None and key is not None:
            result = self._solve_warm(a, b, M, key)
        else:
            result = self._solve_linear(a, b, M)
        self.coupling_ = result.plan
        # converted once: exact plans are sparse, and each dense scan of an
        # n x m plan costs as much as the sparse products it speeds up
        self._plan = plan_operator(result.plan)
        self.potentials_ = result.potentials
        self.n_iter_ = int(result.n_iter)
        self._value = float(result.value)
        self._source_images = barycentric_images(self._plan, Xt, Xs)

    def _fit_joint(self, Xs, Xt, a, b, M):
        init = self._solve_linear(a, b, M)

        def solve(cost):
            cost = cost - cost.min()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return self._solve_linear(a, b, cost).plan

        joint = JointMap(self._oos, self.map_reg)
        scale = self.cost_scale_ if self.metric == "sqeuclidean" else float(
            cost_median(solvers.cost_matrix(Xs, Xt, metric="sqeuclidean"))
        ) or 1.0
        joint.fit(Xs, Xt, M, init.plan, self.reg, solve, scale)
        self.coupling_ = joint.plan_
        self._plan = plan_operator(joint.plan_)
        self.n_iter_ = joint.n_iter_
        self._joint = joint
        self._source_images = joint.images_

    def _fit_matrix_free(self, Xs, Xt, a, b):
        rng = check_random_state(self.random_state)
        self.cost_scale_ = self._matrix_free_scale(Xs, Xt, rng)
        result = solvers.sinkhorn(
            a, b, reg=self.reg * self.cost_scale_, X=Xs, Y=Xt,
            metric=self.metric, **self._solver_kwargs(),
        )
        f, g = result.potentials
        # The potentials solve the unscaled problem; store them scaled so
        # that they pair with the scaled cost like the dense ones.
        self.potentials_ = (f / self.cost_scale_, g / self.cost_scale_)
        self.n_iter_ = int(result.n_iter)
        self._source_images = self._entropic_map(Xs, Xt, self.potentials_[1])

    def _matrix_free_scale(self, Xs, Xt, rng):
        if self.cost_scale is None:
            return 1.0
        if self.cost_scale == "max":
            stat = max(
                solvers.cost_matrix(Xs[rows], Xt, metric=self.metric).max()
                for rows in row_chunks(Xs.shape[0], Xt.shape[0])
            )
        elif Xs.shape[0] * Xt.shape[0] <= _MEDIAN_SAMPLE:
            stat = cost_median(solvers.cost_matrix(Xs, Xt, metric=self.metric))
        else:
            i = rng.randint(0, Xs.shape[0], size=_MEDIAN_SAMPLE)
            j = rng.randint(0, Xt.shape[0], size=_MEDIAN_SAMPLE)
            stat = np.median(_paired_cost(Xs[i], Xt[j], self.metric))
        return float(stat) if stat > 0 else 1.0

    def _build_out_of_sample(self, Xs, Xt):
        self._target_images = None
        if self._oos == "entropic" and self.potentials_ is None:
            if self.out_of_sample == "entropic":
                raise ValueError(
                    "out_of_sample='entropic' needs dual potentials, which the "
                    "solver of this configuration does not return; use "
                    "out_of_sample='nearest'."
                )
            self._oos = "nearest"
        if self._oos == "entropic":
            return
        if self._oos == "nearest":
            self._source_index = NearestNeighbors(
                n_neighbors=1, metric=_NEIGHBOR_METRIC[self.metric],
                n_jobs=self.n_jobs,
            ).fit(Xs)
        if self._oos in ("nearest", "kernel"):
            if self.coupling_ is not None:
                self._target_images = barycentric_images(
                    self._plan.T, Xs, Xt
                )
            else:
                self._target_images = self._entropic_map(
                    Xt, Xs, self.potentials_[0]
                )
            self._target_index = NearestNeighbors(
                n_neighbors=1, metric=_NEIGHBOR_METRIC[self.metric],
                n_jobs=self.n_jobs,
            ).fit(Xt)

    # -- maps ---------------------------------------------------------------
    def _entropic_map(self, X, Y, potential, values=None):
        """Entropic map of rows ``X`` towards the fitted rows ``Y``.

        ``potential`` is the potential of ``Y``'s side of the scaled problem.
        """
        return entropic_map(
            np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64),
            potential, self.reg, self.metric, self.cost_scale_, values=values,
        )

    def _transform_fitted_source(self, X_source):
        return self._fitted_images.astype(X_source.dtype, copy=False)

    def _transform(self, X):
        Xf = np.asarray(X, dtype=np.float64)
        return map_in_chunks(self._map_rows, Xf, self.n_jobs).astype(
            X.dtype, copy=False
        )

    def _map_rows(self, Xf):
        if self._oos == "entropic":
            out = self._entropic_map(Xf, self.X_target_, self.potentials_[1])
        elif self._oos in ("linear", "kernel"):
            out = self._joint.predict(Xf)
        else:
            out = _nearest_displacement(
                self._source_index, Xf, self.X_source_, self._source_images
            )
        return out

    def _inverse_transform(self, X):
        Xf = np.asarray(X, dtype=np.float64)
        return map_in_chunks(self._inverse_map_rows, Xf, self.n_jobs).astype(
            X.dtype, copy=False
        )

    def _inverse_map_rows(self, Xf):
        if self._oos == "entropic":
            out = self._entropic_map(Xf, self.X_source_, self.potentials_[0])
        elif self._oos == "linear":
            out = self._joint.inverse_linear(Xf)
        else:
            out = _nearest_displacement(
                self._target_index, Xf, self.X_target_, self._target_images
            )
        return out

    def transform_labels(self, y: ArrayLike | None = None) -> np.ndarray:
        """Propagate source labels to the fitted target rows through the plan.

        Each target row receives the plan-weighted average of the labels of
        the source rows that send it mass: class proportions for
        classification (the soft labels of Redko et al., 2019), the weighted
        mean for regression.

        Parameters
        ----------
        y : array-like of shape (n_source,), default=None
            Labels of the fitted source rows; ``None`` uses ``y_source_``.

        Returns
        -------
        labels : ndarray of shape (n_target, n_classes) or (n_target,)
            For classification, one column per class of ``np.unique(y)``
            (rows sum to one); for regression, one value per target row.

        Examples
        --------
        >>> import numpy as np
        >>> from sklot.adaptation import OTDomainAdapter
        >>> X = np.array([[0.0], [1.0], [0.1], [1.1]])
        >>> y = np.array([0, 1, -1, -1])
        >>> OTDomainAdapter().fit(X, y).transform_labels()
        array([[1., 0.],
               [0., 1.]])
        """
        check_is_fitted(self)
        if self.identity_:
            raise ValueError(
                "transform_labels needs target rows, but the adapter was "
                "fitted without any (it is the identity)."
            )
        if y is None:
            if self.y_source_ is None:
                raise ValueError(
                    "The adapter was fitted without y; pass the source labels "
                    "as y."
                )
            y = self.y_source_
            task = self._task
        else:
            y = np.asarray(y)
            task = "regression" if y.dtype.kind == "f" and (
                self._task == "regression"
            ) else "classification"
        n_s = self.X_source_.shape[0]
        if y.ndim != 1 or y.shape[0] != n_s:
            raise ValueError(
                f"y must hold one label per fitted source row ({n_s}), got "
                f"shape {y.shape}."
            )
        if task == "regression":
            values = y.astype(np.float64)[:, None]
        else:
            classes, codes = np.unique(y, return_inverse=True)
            values = np.zeros((n_s, classes.shape[0]))
            values[np.arange(n_s), codes] = 1.0
        if self.coupling_ is None:
            # Column j of the plan, normalized, is the entropic map of the
            # target row j towards the source rows.
            out = self._entropic_map(
                self.X_target_, self.X_source_, self.potentials_[0], values=values
            )
        else:
            out = barycentric_images(
                self._plan.T, values,
                np.zeros((self.coupling_.shape[1], values.shape[1])),
            )
        return out[:, 0] if task == "regression" else out


def _paired_cost(X, Y, metric):
    if metric == "sqeuclidean":
        return ((X - Y) ** 2).sum(axis=1)
    if metric == "euclidean":
        return np.sqrt(((X - Y) ** 2).sum(axis=1))
    if metric == "cityblock":
        return np.abs(X - Y).sum(axis=1)
    nx = np.linalg.norm(X, axis=1)
    ny = np.linalg.norm(Y, axis=1)
    nx[nx == 0] = 1
    ny[ny == 0] = 1
    return np.clip(1 - (X * Y).sum(axis=1) / (nx * ny), 0, 2)


def _nearest_displacement(index, X, X_fit, images):
    """Move each row of ``X`` as its nearest fitted row moved."""
    nearest = index.kneighbors(X, return_distance=False)[:, 0]
    return X + (images[nearest] - np.asarray(X_fit, dtype=np.float64)[nearest])
