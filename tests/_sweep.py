"""The bad-input sweep behind ``tests/test_input_sweep.py``.

Every public callable is found from the ``__all__`` of the subpackages, so a
new function or estimator joins the sweep on its own (and fails
``test_every_public_callable_has_a_base_call`` until it gets a valid base
call below). Each case starts from a valid base call and changes one thing
from a catalogue of bad or extreme inputs; the outcome is classified:

- ``clear``: a ValueError/TypeError whose message names the changed argument;
- ``unclear``: a ValueError/TypeError that does not name it;
- ``crash``: any other exception (ZeroDivisionError, IndexError, ...);
- ``nan``: NaN or inf returned from finite input (an overflow that is
  warned about by sklot counts as ``warned``);
- ``hang``: no answer within the time bound;
- ``silent``: invalid input (NaN, inf, complex, negative weights, a length
  that disagrees with another argument) accepted, or a translated problem
  whose answer differs from the untranslated one;
- ``ok``: a finite answer.

Run ``python tests/_sweep.py`` for the table of counts.
"""

import importlib
import inspect
import math
import numbers
import os
import re
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

# per-call time bound (seconds); every kernel has been compiled by the
# base call before the bad inputs run, so tiny inputs finish in milliseconds
TIMEOUT = float(os.environ.get("SKLOT_SWEEP_TIMEOUT", 20.0))

FUNCTION_PACKAGES = ("solvers", "metrics", "utils", "datasets", "color", "linear_model")
ESTIMATOR_PACKAGES = (
    "adaptation",
    "cluster",
    "color",
    "kernels",
    "linear_model",
    "metrics",
)

# public names that are neither functions to call nor estimators
NOT_CALLABLE = {
    "OTResult": "a frozen result container",
    "Distributions": "a parsed-input container returned by check_distributions",
    "DomainSplit": "a container returned by split_domains",
    "NoTargetWarning": "a warning class",
    "TargetMarkerWarning": "a warning class",
    "LabelShiftWarning": "a warning class",
    "TARGET_LABEL": "a constant",
    "NegativeTransferGuard": "a refit rule handed to GridSearchCV, not an estimator",
}

# --------------------------------------------------------------------------
# small valid inputs
# --------------------------------------------------------------------------


def _pts(n, d=2, seed=0, shift=0.0):
    return np.random.default_rng(seed).normal(size=(n, d)) + shift


def _spd(d=2, seed=0):
    A = np.random.default_rng(seed).normal(size=(d, d))
    return A @ A.T + np.eye(d)


def _cost(n, m):
    X, Y = _pts(n, seed=1), _pts(m, seed=2, shift=0.5)
    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)


def _image(h=4, w=5, seed=0):
    return np.random.default_rng(seed).uniform(size=(h, w, 3))


def _da_data(task="classification"):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(8, 2)), rng.normal(size=(6, 2)) + 1.0])
    if task == "classification":
        y = np.array([0, 1] * 4 + [-1] * 6)
    else:
        y = np.r_[rng.normal(size=8), np.full(6, np.nan)]
    return X, y


def _fitted_da_classifier():
    from sklearn.linear_model import LogisticRegression

    from sklot.adaptation import DomainAdaptationClassifier, OTDomainAdapter

    X, y = _da_data()
    return DomainAdaptationClassifier(LogisticRegression(), OTDomainAdapter()).fit(X, y)


def _fitted_logistic():
    from sklearn.linear_model import LogisticRegression

    X, y = _pts(10, seed=3), np.array([0, 1] * 5)
    return LogisticRegression().fit(X, y)


def _frame():
    import pandas as pd

    return pd.DataFrame(
        {
            "g": [0, 0, 0, 1, 1, 1],
            "v": [0.1, 0.5, 0.3, 1.0, 1.2, 0.9],
            "w": [1.0, 2.0, 1.0, 1.0, 1.0, 2.0],
        }
    )


_TMP_DIR = []


def _tmp():
    if not _TMP_DIR:
        _TMP_DIR.append(tempfile.mkdtemp(prefix="sklot-sweep-"))
    return _TMP_DIR[0]


def _image_file():
    path = os.path.join(_tmp(), "base.png")
    if not os.path.exists(path):
        from sklot.color import write_image

        write_image(path, _image())
    return path


# Base calls: qualified name -> list of (label, kwargs factory). Every
# public function needs one; several labels give several forms (dense and
# matrix-free).
BASE_CALLS = {
    "barycenter_1d": [
        (
            "",
            lambda: dict(values_list=[np.array([0.0, 1.0, 3.0]), np.array([2.0, 2.5])]),
        )
    ],
    "barycenter_fixed_support": [
        (
            "",
            lambda: dict(
                histograms=np.array([[0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]]),
                M=_cost(4, 4),
                reg=1.0,
            ),
        ),
        (
            "exact",
            lambda: dict(
                histograms=np.array([[0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]]),
                M=_cost(4, 4),
            ),
        ),
    ],
    "barycenter_free_support": [
        (
            "",
            lambda: dict(
                points_list=[_pts(4, seed=1), _pts(3, seed=2)],
                n_support=3,
                reg=1.0,
                max_iter=10,
                random_state=0,
            ),
        ),
        (
            "exact",
            lambda: dict(
                points_list=[_pts(4, seed=1), _pts(3, seed=2)],
                n_support=3,
                max_iter=10,
                random_state=0,
            ),
        ),
    ],
    "barycentric_map": [
        ("", lambda: dict(X=_pts(4, seed=1), Y=_pts(3, seed=2), g=np.zeros(3), reg=1.0))
    ],
    "bures_distance": [("", lambda: dict(S1=_spd(seed=1), S2=_spd(seed=2)))],
    "bures_wasserstein_distance": [
        (
            "",
            lambda: dict(
                m1=np.zeros(2), S1=_spd(seed=1), m2=np.ones(2), S2=_spd(seed=2)
            ),
        )
    ],
    "class_regularized_ot": [
        (
            "",
            lambda: dict(
                a=np.full(4, 0.25),
                b=np.full(3, 1 / 3),
                M=_cost(4, 3),
                reg=1.0,
                reg_class=0.1,
                labels_source=np.array([0, 0, 1, 1]),
            ),
        )
    ],
    "cost_matrix": [
        ("", lambda: dict(X=_pts(4, seed=1), Y=_pts(3, seed=2))),
        (
            "euclidean",
            lambda: dict(X=_pts(4, seed=1), Y=_pts(3, seed=2), metric="euclidean"),
        ),
        (
            "minkowski",
            lambda: dict(X=_pts(4, seed=1), Y=_pts(3, seed=2), metric="minkowski", p=3),
        ),
    ],
    "emd": [("", lambda: dict(a=np.full(4, 0.25), b=np.full(3, 1 / 3), M=_cost(4, 3)))],
    "emd2": [
        ("", lambda: dict(a=np.full(4, 0.25), b=np.full(3, 1 / 3), M=_cost(4, 3)))
    ],
    "entropic_c_transform": [
        ("", lambda: dict(X=_pts(4, seed=1), Y=_pts(3, seed=2), g=np.zeros(3), reg=1.0))
    ],
    "entropic_plan": [
        (
            "",
            lambda: dict(
                f=np.zeros(4),
                g=np.zeros(3),
                X=_pts(4, seed=1),
                Y=_pts(3, seed=2),
                reg=1.0,
            ),
        )
    ],
    "empirical_bures_wasserstein_distance": [
        ("", lambda: dict(Xs=_pts(6, seed=1), Xt=_pts(5, seed=2)))
    ],
    "empirical_gaussian_barycenter": [
        ("", lambda: dict(X_list=[_pts(6, seed=1), _pts(5, seed=2)]))
    ],
    "empirical_gaussian_monge_map": [
        ("", lambda: dict(Xs=_pts(6, seed=1), Xt=_pts(5, seed=2)))
    ],
    "gaussian_barycenter": [
        (
            "",
            lambda: dict(
                means=np.array([[0.0, 0.0], [1.0, 1.0]]),
                covs=np.stack([_spd(seed=1), _spd(seed=2)]),
            ),
        )
    ],
    "gaussian_monge_map": [
        (
            "",
            lambda: dict(
                m_s=np.zeros(2), S_s=_spd(seed=1), m_t=np.ones(2), S_t=_spd(seed=2)
            ),
        )
    ],
    "max_sliced_wasserstein": [
        (
            "",
            lambda: dict(
                X=_pts(4, seed=1), Y=_pts(3, seed=2), n_projections=5, random_state=0
            ),
        )
    ],
    "projected_quantiles": [
        (
            "",
            lambda: dict(
                X=[_pts(4, seed=1), _pts(3, seed=2)],
                projections=np.array([[1.0, 0.0], [0.6, 0.8]]),
                n_quantiles=4,
            ),
        )
    ],
    "random_projections": [
        ("", lambda: dict(n_projections=5, n_features=2, random_state=0))
    ],
    "sinkhorn": [
        (
            "",
            lambda: dict(
                a=np.full(4, 0.25), b=np.full(3, 1 / 3), M=_cost(4, 3), reg=1.0
            ),
        ),
        ("free", lambda: dict(reg=1.0, X=_pts(4, seed=1), Y=_pts(3, seed=2))),
    ],
    "sinkhorn_divergence": [
        ("", lambda: dict(X=_pts(4, seed=1), Y=_pts(3, seed=2), reg=1.0))
    ],
    "sinkhorn_unbalanced": [
        (
            "",
            lambda: dict(
                a=np.full(4, 0.25),
                b=np.full(3, 1 / 3),
                M=_cost(4, 3),
                reg=1.0,
                reg_marginals=1.0,
            ),
        ),
        (
            "free",
            lambda: dict(
                reg=1.0, reg_marginals=1.0, X=_pts(4, seed=1), Y=_pts(3, seed=2)
            ),
        ),
    ],
    "sliced_wasserstein": [
        (
            "",
            lambda: dict(
                X=_pts(4, seed=1), Y=_pts(3, seed=2), n_projections=5, random_state=0
            ),
        )
    ],
    "sliced_wasserstein_pairwise": [
        (
            "",
            lambda: dict(
                X=[_pts(4, seed=1), _pts(3, seed=2)], n_projections=5, random_state=0
            ),
        )
    ],
    "relative_reg": [("", lambda: dict(reg=0.1, M=_cost(5, 4)))],
    "wasserstein_1d": [
        (
            "",
            lambda: dict(
                u_values=np.array([0.0, 1.0, 3.0]), v_values=np.array([2.0, 2.5])
            ),
        )
    ],
    # metrics
    "transport_consistency_scorer": [
        (
            "",
            lambda: dict(
                estimator=_fitted_da_classifier(), X=_da_data()[0], y=_da_data()[1]
            ),
        )
    ],
    "circular_validation_scorer": [
        (
            "",
            lambda: dict(
                estimator=_fitted_da_classifier(), X=_da_data()[0], y=_da_data()[1]
            ),
        )
    ],
    "importance_weighted_scorer": [
        (
            "",
            lambda: dict(
                estimator=_fitted_da_classifier(), X=_da_data()[0], y=_da_data()[1]
            ),
        )
    ],
    "prediction_entropy_scorer": [
        (
            "",
            lambda: dict(
                estimator=_fitted_da_classifier(), X=_da_data()[0], y=_da_data()[1]
            ),
        )
    ],
    "prediction_balance_scorer": [
        (
            "",
            lambda: dict(
                estimator=_fitted_da_classifier(), X=_da_data()[0], y=_da_data()[1]
            ),
        )
    ],
    "pairwise_sliced_wasserstein": [
        (
            "",
            lambda: dict(
                X=[_pts(4, seed=1), _pts(3, seed=2)], n_projections=5, random_state=0
            ),
        )
    ],
    "sliced_wasserstein_kernel": [
        (
            "",
            lambda: dict(
                X=[_pts(4, seed=1), _pts(3, seed=2)], n_projections=5, random_state=0
            ),
        )
    ],
    # utils
    "check_distributions": [("", lambda: dict(X=[_pts(4, seed=1), _pts(3, seed=2)]))],
    "check_equal_mass": [("", lambda: dict(a=np.full(4, 0.25), b=np.full(3, 1 / 3)))],
    "check_finite_array": [("", lambda: dict(x=_pts(4), name="x"))],
    "check_marginal": [("", lambda: dict(a=np.full(4, 0.25), n=4, name="a"))],
    "distributions_from_frame": [
        ("", lambda: dict(frame=_frame(), group="g", columns=["v"], weight="w"))
    ],
    # n_samples ties y to the rows of X: alone, a shorter y is just a
    # shorter sample, not a misalignment
    "split_domains": [
        ("", lambda: dict(y=_da_data()[1], n_samples=len(_da_data()[1])))
    ],
    # datasets
    "load_photo": [("", lambda: dict(name="china"))],
    "make_domain_shift": [
        ("", lambda: dict(n_samples_source=10, n_samples_target=10, random_state=0))
    ],
    # color
    "rgb_to_lab": [("", lambda: dict(rgb=_image()))],
    "lab_to_rgb": [
        ("", lambda: dict(lab=np.array([[50.0, 10.0, -10.0], [70.0, 0.0, 0.0]])))
    ],
    "luma": [("", lambda: dict(rgb=_image()))],
    "read_image": [("", lambda: dict(path=_image_file()))],
    "write_image": [
        ("", lambda: dict(path=os.path.join(_tmp(), "out.png"), image=_image()))
    ],
    # linear_model
    "worst_case_perturbation": [
        (
            "",
            lambda: dict(
                estimator=_fitted_logistic(),
                X=_pts(10, seed=3),
                y=np.array([0, 1] * 5),
                budget=0.1,
            ),
        )
    ],
}

# Estimators: class name -> (constructor, fit data factory, methods after fit)


def _est_factories():
    from sklearn.linear_model import LogisticRegression, Ridge

    import sklot

    def cls_data():
        return _da_data()

    def reg_data():
        return _da_data("regression")

    def plain():
        return _pts(12, d=3, seed=4), None

    def binary():
        return _pts(12, seed=5), np.array([0, 1] * 6)

    def colours():
        return np.random.default_rng(6).uniform(size=(40, 3)), None

    ad = sklot.adaptation
    return {
        "OTDomainAdapter": (lambda: ad.OTDomainAdapter(), cls_data, ("transform",)),
        "GaussianMongeMapper": (
            lambda: ad.GaussianMongeMapper(),
            cls_data,
            ("transform",),
        ),
        "DomainAdaptationClassifier": (
            lambda: ad.DomainAdaptationClassifier(
                LogisticRegression(), ad.OTDomainAdapter()
            ),
            cls_data,
            ("predict",),
        ),
        "DomainAdaptationRegressor": (
            lambda: ad.DomainAdaptationRegressor(Ridge(), ad.OTDomainAdapter()),
            reg_data,
            ("predict",),
        ),
        "ImportanceReweighter": (
            lambda: ad.ImportanceReweighter(random_state=0), cls_data, ("transform",)
        ),
        "ImportanceReweighter[classifier]": (
            lambda: ad.ImportanceReweighter(weighting="density_ratio"),
            cls_data,
            ("transform",),
        ),
        "SubspaceAligner": (lambda: ad.SubspaceAligner(), cls_data, ("transform",)),
        "TransferComponentAnalysis": (
            lambda: ad.TransferComponentAnalysis(random_state=0), cls_data,
            ("transform",),
        ),
        "MultiSourceAdapter": (
            lambda: ad.MultiSourceAdapter(), cls_data, ("transform",)
        ),
        "WassersteinDROClassifier": (
            lambda: sklot.linear_model.WassersteinDROClassifier(),
            binary,
            ("predict",),
        ),
        "SlicedWassersteinKernel": (
            lambda: sklot.kernels.SlicedWassersteinKernel(n_projections=5),
            plain,
            ("transform",),
        ),
        "SlicedWassersteinEmbedding": (
            lambda: sklot.kernels.SlicedWassersteinEmbedding(
                n_projections=5, n_quantiles=4
            ),
            plain,
            ("transform",),
        ),
        "ColorTransferer": (
            lambda: sklot.color.ColorTransferer(n_iter=2, random_state=0),
            colours,
            ("transform",),
        ),
        "WassersteinKMeans": (
            lambda: sklot.cluster.WassersteinKMeans(
                n_clusters=2, random_state=0, max_iter=5
            ),
            plain,
            ("predict",),
        ),
    }


# --------------------------------------------------------------------------
# catalogue of perturbations
# --------------------------------------------------------------------------

POINT_NAMES = {
    "X",
    "Y",
    "Xs",
    "Xt",
    "u_values",
    "v_values",
    "X_list",
    "points_list",
    "values_list",
    "X_init",
    "support",
    "m1",
    "m2",
    "m_s",
    "m_t",
    "means",
}
WEIGHT_NAMES = {
    "a",
    "b",
    "weights",
    "ws",
    "wt",
    "u_weights",
    "v_weights",
    "weights_list",
    "histograms",
}
COST_NAMES = {"M"}
REG_NAMES = {"reg", "reg_marginals", "reg_class", "budget"}
# arguments whose length is tied to another argument's: a shorter one that
# is accepted is a silent misalignment
COUPLED_NAMES = {
    "a",
    "b",
    "g",
    "f",
    "labels_source",
    "y",
    "ws",
    "wt",
    "u_weights",
    "v_weights",
    "sample_domain",
    "weights",
    "covs",
    "means",
    "S1",
    "S2",
    "S_s",
    "S_t",
    "m1",
    "m2",
    "m_s",
    "m_t",
}
# functions (base labels) whose answer is unchanged when every point array
# is translated by the same vector
TRANSLATION_INVARIANT = {
    "cost_matrix",
    "cost_matrix[euclidean]",
    "cost_matrix[minkowski]",
    "sinkhorn[free]",
    "sinkhorn_divergence",
    "sinkhorn_unbalanced[free]",
    "sliced_wasserstein",
    "max_sliced_wasserstein",
    "wasserstein_1d",
    "sliced_wasserstein_pairwise",
    "empirical_bures_wasserstein_distance",
    "pairwise_sliced_wasserstein",
    "sliced_wasserstein_kernel",
    "entropic_c_transform",
}
# balanced solvers: a converged result must have matching marginals
BALANCED = {"sinkhorn", "emd", "class_regularized_ot"}
# perturbations whose acceptance is a silent wrong answer
MUST_REJECT = {"nan", "inf", "complex", "negative", "short", "all_nan"}
NON_FINITE = {"nan", "inf", "nan_scalar", "inf_scalar"}


def _map_arrays(value, fn):
    """Apply ``fn`` to an array, or to each array of a list/tuple."""
    if isinstance(value, np.ndarray):
        return fn(value)
    if (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, np.ndarray) for v in value)
    ):
        out = [fn(v) for v in value]
        return out if isinstance(value, list) else tuple(out)
    return None


def _first_only(value, fn):
    """Apply ``fn`` to an array, or to the first array of a list."""
    if isinstance(value, np.ndarray):
        return fn(value)
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], np.ndarray):
        return [fn(value[0]), *value[1:]]
    return None


def _set_first(x, v):
    x = np.array(x, dtype=float)
    x.flat[0] = v
    return x


def _array_perturbations(name, value):
    """Yield ``(kind, new_value)`` for one array-valued argument."""
    is_float = lambda v: np.asarray(v).dtype.kind == "f"  # noqa: E731
    sample = (
        value
        if isinstance(value, np.ndarray)
        else (
            value[0]
            if isinstance(value, (list, tuple))
            and value
            and isinstance(value[0], np.ndarray)
            else None
        )
    )
    if sample is None:
        return
    numeric = sample.dtype.kind in "fiu"
    if numeric:
        yield "nan", _first_only(value, lambda x: _set_first(x, np.nan))
        yield "inf", _first_only(value, lambda x: _set_first(x, np.inf))
    yield "empty", _first_only(value, lambda x: x[:0])
    yield "ndim_up", _first_only(value, lambda x: x[None])
    if sample.ndim >= 2:
        yield "ndim_down", _first_only(value, lambda x: x[0, 0])
    yield "strings", _first_only(value, lambda x: np.full(x.shape, "x"))
    if numeric:
        yield "complex", _first_only(value, lambda x: x + 1j)
    if name in COUPLED_NAMES and isinstance(value, np.ndarray) and len(value) > 1:
        yield "short", value[:-1]
    if name in WEIGHT_NAMES and numeric:
        yield "negative", _first_only(value, lambda x: _set_first(x, -1.0))
        yield "overflow_sum", _first_only(value, lambda x: np.full(x.shape, 1e308))
        yield "tiny", _first_only(value, lambda x: np.full(x.shape, 1e-300))
    if (
        (name in POINT_NAMES or name in COST_NAMES or name in {"rgb", "lab", "image"})
        and numeric
        and is_float(sample)
    ):
        yield "scale_1e-300", _map_arrays(value, lambda x: x * 1e-300)
        yield "scale_1e154", _map_arrays(value, lambda x: x * 1e154)
        yield "scale_1e200", _map_arrays(value, lambda x: x * 1e200)
        if name in POINT_NAMES:
            yield "offset_1e9", _map_arrays(value, lambda x: x + 1e9)
    if name in COST_NAMES:
        yield (
            "spread_overflow",
            np.where(np.indices(value.shape).sum(0) % 2 == 0, -1e308, 1e308),
        )
        yield "scale_1e12", value * 1e12


def _scalar_perturbations(name, value):
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, numbers.Real):
        yield "negative_scalar", -1 if isinstance(value, numbers.Integral) else -1.0
        yield "zero_scalar", 0
        yield "nan_scalar", float("nan")
        yield "inf_scalar", float("inf")
        yield "string_scalar", "bogus"
        if name in REG_NAMES:
            yield "reg_1e-300", 1e-300
            yield "reg_1e300", 1e300
            yield "reg_1e-310", 1e-310
        if name == "p":
            yield "p_1e6", 1e6
    elif isinstance(value, str) and name not in {"name", "path", "group"}:
        yield "bad_option", "bogus"


@dataclass
class Case:
    callable_name: str  # e.g. "sinkhorn[free]" or "OTDomainAdapter.fit"
    arg: str  # the argument changed
    kind: str  # the perturbation
    run: object = field(repr=False)  # () -> result
    names: tuple = ()  # names that count as naming the argument
    reference: object = field(default=None, repr=False)  # () -> result to compare

    @property
    def key(self):
        return f"{self.callable_name}:{self.arg}:{self.kind}"


# --------------------------------------------------------------------------
# discovery
# --------------------------------------------------------------------------


def public_functions():
    """``{name: function}`` of the public functions of the subpackages."""
    out = {}
    for pkg in FUNCTION_PACKAGES:
        module = importlib.import_module(f"sklot.{pkg}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                out.setdefault(name, obj)
    return out


def public_estimators():
    from sklearn.base import BaseEstimator

    out = {}
    for pkg in ESTIMATOR_PACKAGES:
        module = importlib.import_module(f"sklot.{pkg}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                out[name] = obj
    return out


def undiscovered():
    """Public names neither swept nor listed in ``NOT_CALLABLE``."""
    missing = [n for n in public_functions() if n not in BASE_CALLS]
    missing += [n for n in public_estimators() if n not in _est_factories()]
    for pkg in set(FUNCTION_PACKAGES) | set(ESTIMATOR_PACKAGES):
        module = importlib.import_module(f"sklot.{pkg}")
        for name in module.__all__:
            obj = getattr(module, name)
            if (
                not (inspect.isfunction(obj) or inspect.isclass(obj))
                and name not in NOT_CALLABLE
            ):
                missing.append(name)
            elif (
                inspect.isclass(obj)
                and name not in public_estimators()
                and name not in NOT_CALLABLE
            ):
                missing.append(name)
    return sorted(set(missing))


def _shift_points(kwargs, offset):
    out = dict(kwargs)
    for k, v in kwargs.items():
        if k in POINT_NAMES and k not in {"m1", "m2", "m_s", "m_t", "means"}:
            new = _map_arrays(v, lambda x: x + offset)
            if new is not None:
                out[k] = new
    return out


def function_cases():
    cases = []
    funcs = public_functions()
    for name, func in funcs.items():
        for label, factory in BASE_CALLS.get(name, []):
            cname = f"{name}[{label}]" if label else name

            def call(kw, func=func):
                return func(**kw)

            base = factory()
            cases.append(Case(cname, "-", "base", lambda f=factory, c=call: c(f())))
            for arg, value in base.items():
                perturbs = list(_array_perturbations(arg, value))
                perturbs += list(_scalar_perturbations(arg, value))
                for kind, new in perturbs:
                    if new is None:
                        continue

                    def run(f=factory, c=call, arg=arg, new=new):
                        kw = f()
                        kw[arg] = new
                        return c(kw)

                    cases.append(Case(cname, arg, kind, run, names=(arg,)))
            if cname in TRANSLATION_INVARIANT:
                for off in (1e9, 1.7e9):
                    cases.append(
                        Case(
                            cname,
                            "all points",
                            f"offset_{off:g}",
                            lambda f=factory, c=call, off=off: c(
                                _shift_points(f(), off)
                            ),
                            names=tuple(k for k in base if k in POINT_NAMES),
                            reference=lambda f=factory, c=call: c(f()),
                        )
                    )
    return cases


def _hyper_perturbations(value):
    if isinstance(value, bool):
        yield "string_scalar", "bogus"
    elif isinstance(value, numbers.Real):
        yield "negative_scalar", -1
        yield "nan_scalar", float("nan")
        yield "string_scalar", "bogus"
    elif isinstance(value, str):
        yield "bad_option", "bogus"
    elif value is None:
        yield "string_scalar", "bogus"
        yield "negative_scalar", -1


def estimator_cases():
    cases = []
    for cname, (make, data, methods) in _est_factories().items():

        def run(
            make=make,
            data=data,
            methods=methods,
            X=None,
            y=None,
            params=None,
            where="fit",
        ):
            est = make()
            if params:
                est.set_params(**params)
            X0, y0 = data()
            Xf = X0 if X is None or where != "fit" else X
            yf = y0 if y is None else y
            est.fit(Xf, yf) if yf is not None else est.fit(Xf)
            Xm = X0 if X is None or where == "fit" else X
            return [getattr(est, m)(Xm) for m in methods]

        cases.append(Case(f"{cname}", "-", "base", run))
        X0, y0 = data()
        for where in ("fit", methods[0]):
            for kind, new in _array_perturbations("X", X0):
                if kind in {"strings"} and where != "fit":
                    continue
                cases.append(
                    Case(
                        f"{cname}.{where}",
                        "X",
                        kind,
                        lambda run=run, new=new, where=where: run(X=new, where=where),
                        names=("X",),
                    )
                )
        if y0 is not None:
            nan_marks_target = y0.dtype.kind == "f" and bool(np.isnan(y0).any())
            for kind, new in _array_perturbations("y", y0):
                if kind in {"empty", "ndim_up", "strings"}:
                    continue  # wrong-shape y belongs to scikit-learn's checks
                if kind == "nan" and nan_marks_target:
                    # in regression NaN marks a target row, so one more NaN
                    # is a valid y (that row joins the target); a y without
                    # a single label is not
                    kind, new = "all_nan", np.full_like(y0, np.nan)
                cases.append(
                    Case(
                        f"{cname}.fit",
                        "y",
                        kind,
                        lambda run=run, new=new: run(y=new),
                        names=("y",),
                    )
                )
        for pname, pval in make().get_params(deep=False).items():
            if hasattr(pval, "fit") or callable(pval):
                continue
            for kind, new in _hyper_perturbations(pval):
                if pname == "n_jobs" and kind == "negative_scalar":
                    continue  # -1 is valid (all cores), and slow to start
                cases.append(
                    Case(
                        f"{cname}.fit",
                        pname,
                        kind,
                        lambda run=run, pname=pname, new=new: run(params={pname: new}),
                        names=(pname,),
                    )
                )
    return cases


def all_cases():
    return function_cases() + estimator_cases()


# --------------------------------------------------------------------------
# running and classifying
# --------------------------------------------------------------------------

# words that may follow the argument ``a`` in a message; elsewhere "a" is
# the English article, which does not name anything
_A_FOLLOWERS = (
    r"(?:$|\s*[=\[\]'\"`),.:;(]|\s+(?:must|has|have|is|are|and|contains|"
    r"should|sums|of|weights|values|with|was|needs|holds|or|entries|"
    r"marginal|overflow))"
)


def names_argument(message, names):
    """Whether ``message`` names one of ``names`` as a whole word."""
    for name in names:
        pat = rf"(?<![A-Za-z0-9_]){re.escape(name)}"
        pat += _A_FOLLOWERS if name == "a" else r"(?![A-Za-z0-9_])"
        if re.search(pat, message):
            return True
    return False


def _floats(obj, depth=0):
    """Yield every float array/number inside ``obj``."""
    if depth > 4 or obj is None:
        return
    if isinstance(obj, (bool, str, bytes)):
        return
    if isinstance(obj, numbers.Number):
        yield np.asarray(obj)
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            yield obj
        elif obj.dtype == object:
            for v in obj.ravel()[:100]:
                yield from _floats(v, depth + 1)
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _floats(v, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _floats(v, depth + 1)
    elif hasattr(obj, "__dataclass_fields__"):
        for k in obj.__dataclass_fields__:
            yield from _floats(getattr(obj, k), depth + 1)
    elif hasattr(obj, "to_numpy"):
        try:
            yield from _floats(obj.to_numpy(), depth + 1)
        except Exception:  # noqa: BLE001
            return


def is_finite(obj):
    return all(np.all(np.isfinite(v)) for v in _floats(obj))


def _main_value(obj):
    if hasattr(obj, "value") and hasattr(obj, "potentials"):
        return np.asarray(obj.value, dtype=float)
    if isinstance(obj, tuple):
        obj = obj[0]
    return np.asarray(obj, dtype=float)


def _timed(fn, timeout):
    box = {}

    def target():
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                box["result"] = fn()
            box["warnings"] = w
        except BaseException as exc:  # noqa: BLE001
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        return "hang", None, None
    if "error" in box:
        return "error", box["error"], None
    return "result", box["result"], box["warnings"]


def _overflow_warned(ws):
    for w in ws or ():
        msg = str(w.message)
        if "overflow" in msg and not msg.startswith(("overflow encountered",)):
            return True
    return False


@dataclass
class Outcome:
    case: Case
    outcome: str
    detail: str = ""


def classify(case, timeout=TIMEOUT):
    status, value, ws = _timed(case.run, timeout)
    if status == "hang":
        return Outcome(case, "hang", f"no answer in {timeout:g} s")
    if status == "error":
        msg = f"{type(value).__name__}: {value}"
        if isinstance(value, (ValueError, TypeError)):
            if case.kind == "base":
                return Outcome(case, "crash", msg)
            if names_argument(str(value), case.names):
                return Outcome(case, "clear", msg)
            return Outcome(case, "unclear", msg)
        return Outcome(case, "crash", msg)
    finite = is_finite(value)
    if case.kind in MUST_REJECT:
        return Outcome(case, "silent", "accepted")
    if not finite:
        if case.kind in NON_FINITE:
            return Outcome(case, "silent", "non-finite input accepted")
        if _overflow_warned(ws):
            return Outcome(case, "warned", "overflow warned")
        return Outcome(case, "nan", "non-finite output from finite input")
    if (
        case.callable_name.split("[")[0] in BALANCED
        and getattr(value, "converged", False)
        and getattr(value, "plan", None) is not None
    ):
        # the function's own check: a converged balanced plan has the
        # marginals it reports
        P = value.plan
        if not value.marginal_error <= 1e-6 * max(float(P.sum()), 1e-300):
            return Outcome(
                case, "silent", f"converged with marginal error {value.marginal_error}"
            )
    if case.reference is not None:
        ref = _main_value(case.reference())
        got = _main_value(value)
        scale = max(float(np.max(np.abs(ref))), 1e-300)
        if got.shape != ref.shape or not np.allclose(
            got, ref, rtol=1e-6, atol=1e-9 * scale
        ):
            err = (
                float(np.max(np.abs(got - ref))) / scale
                if got.shape == ref.shape
                else math.inf
            )
            return Outcome(
                case, "silent", f"relative error {err:.3g} after translation"
            )
    return Outcome(case, "ok")


def classify_forked(case, timeout=TIMEOUT, memory=3 << 30):
    """``classify`` in a child process, killed at the time bound.

    For measuring code that hangs: a hung thread cannot be stopped and
    keeps eating memory, a child can. An out-of-memory error in the child
    counts as a hang (the call would exhaust the machine).
    """
    import pickle
    import resource
    import select
    import signal

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            res = classify(case, timeout=timeout)
            if "MemoryError" in res.detail:
                res = Outcome(case, "hang", "exhausts memory")
            os.write(w, pickle.dumps((res.outcome, res.detail[:300])))
        finally:
            os._exit(0)
    os.close(w)
    ready, _, _ = select.select([r], [], [], timeout + 5)
    data = b""
    if ready:
        while chunk := os.read(r, 65536):
            data += chunk
    os.close(r)
    if not data:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    if not data:
        return Outcome(case, "hang", f"no answer in {timeout:g} s")
    outcome, detail = pickle.loads(data)
    return Outcome(case, outcome, detail)


def run_sweep(cases=None, timeout=TIMEOUT, verbose=False, forked=False):
    cases = all_cases() if cases is None else cases
    out = []
    # the base calls first (no time bound): they compile the kernels
    for case in cases:
        if case.kind == "base":
            out.append(classify(case, timeout=600))
    for case in cases:
        if case.kind != "base":
            t0 = time.perf_counter()
            res = (classify_forked if forked else classify)(case, timeout)
            if verbose and time.perf_counter() - t0 > 1:
                print(f"slow {time.perf_counter() - t0:.1f}s {case.key}")
            out.append(res)
    return out


OUTCOMES = ("clear", "unclear", "crash", "nan", "warned", "hang", "silent", "ok")


def counts(outcomes):
    c = {k: 0 for k in OUTCOMES}
    for o in outcomes:
        c[o.outcome] += 1
    c["calls"] = len(outcomes)
    return c


if __name__ == "__main__":
    import sys

    t0 = time.perf_counter()
    res = run_sweep(verbose=True, forked="--forked" in sys.argv)
    c = counts(res)
    for o in res:
        if o.outcome not in {"clear", "ok", "warned"}:
            detail = " ".join(o.detail.split())[:220]
            print(f"{o.outcome:8s} {o.case.key}  {detail}")
    print({k: c[k] for k in ("calls", *OUTCOMES)})
    rejected = c["clear"] + c["unclear"] + c["crash"]
    print(
        "unclear share of rejected: "
        f"{(c['unclear'] + c['crash']) / max(rejected, 1):.3%}"
    )
    print(f"{time.perf_counter() - t0:.0f} s")
    sys.exit(0)
