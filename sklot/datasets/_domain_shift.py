"""Synthetic source/target samples with a controlled domain shift."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["make_domain_shift"]

KINDS = ("covariate", "target", "conditional", "subspace")

# Radius of the circle that carries the class means in the latent plane; with
# unit noise two classes are separable at about 98 % (Bayes).
_RADIUS = 2.0


def _class_means(n_classes, phase=0.0):
    angles = phase + 2 * np.pi * np.arange(n_classes) / n_classes
    return _RADIUS * np.column_stack([np.cos(angles), np.sin(angles)])


def _warp(x):
    # Bend the plane so that a linear model fitted in one region of it is
    # wrong in another: this is what makes a covariate shift hurt.
    out = x.copy()
    out[:, 1] -= 0.35 * x[:, 0] ** 2
    return out


def _regression_target(z, rng):
    return np.sin(z[:, 0]) + 0.5 * z[:, 1] + 0.1 * rng.standard_normal(len(z))


def _draw_blobs(n, priors, noise, rng):
    means = _class_means(len(priors))
    labels = rng.choice(len(priors), size=n, p=priors)
    z = means[labels] + noise * rng.standard_normal((n, 2))
    return z, labels


def _covariate(n_s, n_t, n_classes, shift, noise, task, rng):
    # p(y | x) is one fixed (nonlinear) rule; only the input density moves.
    scale = np.array([1.2, 1.6]) * max(noise, 0.25) + 0.6
    centre = np.array([0.6 * _RADIUS * shift, 0.0])
    z_s = -centre + scale * rng.standard_normal((n_s, 2))
    z_t = centre + scale * rng.standard_normal((n_t, 2))
    if task == "regression":
        return z_s, _regression_target(z_s, rng), z_t, _regression_target(z_t, rng)
    # The first boundary is the parabola x1 = 0.35 x0^2, whose tangent turns
    # by about 90 degrees between the two domains.
    means = _class_means(n_classes, phase=np.pi / 2)

    def rule(z):
        w = _warp(z)
        d = ((w[:, None, :] - means[None]) ** 2).sum(-1)
        return d.argmin(1)

    return z_s, rule(z_s), z_t, rule(z_t)


def _skewed_priors(n_classes, shift):
    logits = -shift * np.arange(n_classes, dtype=float)
    p = np.exp(logits - logits.max())
    return p / p.sum()


def _target(n_s, n_t, n_classes, shift, noise, task, rng):
    # p(x | y) is fixed; the label distribution moves.
    if task == "regression":
        pool = 1.5 * rng.standard_normal((4 * (n_s + n_t), 2))
        y_pool = _regression_target(pool, rng)
        z_s, y_s = pool[:n_s], y_pool[:n_s]
        rest, y_rest = pool[n_s:], y_pool[n_s:]
        w = np.exp(shift * (y_rest - y_rest.max()))
        idx = rng.choice(len(rest), size=n_t, replace=False, p=w / w.sum())
        return z_s, y_s, rest[idx], y_rest[idx]
    uniform = np.full(n_classes, 1.0 / n_classes)
    z_s, y_s = _draw_blobs(n_s, uniform, noise, rng)
    z_t, y_t = _draw_blobs(n_t, _skewed_priors(n_classes, shift), noise, rng)
    return z_s, y_s, z_t, y_t


def _rotation(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


def _conditional(n_s, n_t, n_classes, shift, noise, task, rng):
    # p(x | y) moves: a rotation, a scaling and a translation of the whole
    # cloud, plus a smaller displacement that differs from class to class.
    uniform = np.full(n_classes, 1.0 / n_classes)
    if task == "regression":
        z_s = 1.5 * rng.standard_normal((n_s, 2))
        z_t = 1.5 * rng.standard_normal((n_t, 2))
        y_s, y_t = _regression_target(z_s, rng), _regression_target(z_t, rng)
        offset_t = 0.4 * shift * np.outer(y_t, [0.0, 1.0])
    else:
        z_s, y_s = _draw_blobs(n_s, uniform, noise, rng)
        z_t, y_t = _draw_blobs(n_t, uniform, noise, rng)
        angles = rng.uniform(0, 2 * np.pi, size=n_classes)
        per_class = 0.5 * shift * np.column_stack([np.cos(angles), np.sin(angles)])
        offset_t = per_class[y_t]
    A = (1 + 0.25 * shift) * _rotation(0.35 * shift)
    x_t = z_t @ A.T + np.array([1.5, 2.0]) * shift + offset_t
    return z_s, y_s, x_t, y_t


def _draw(kind, n_s, n_t, n_classes, shift, noise, task, rng):
    if kind == "covariate":
        return _covariate(n_s, n_t, n_classes, shift, noise, task, rng)
    if kind == "target":
        return _target(n_s, n_t, n_classes, shift, noise, task, rng)
    if kind == "conditional":
        return _conditional(n_s, n_t, n_classes, shift, noise, task, rng)
    # subspace draws like conditional without the shift, then rotates the
    # class plane itself (see _embed).
    uniform = np.full(n_classes, 1.0 / n_classes)
    if task == "regression":
        z_s = 1.5 * rng.standard_normal((n_s, 2))
        z_t = 1.5 * rng.standard_normal((n_t, 2))
        return z_s, _regression_target(z_s, rng), z_t, _regression_target(z_t, rng)
    z_s, y_s = _draw_blobs(n_s, uniform, noise, rng)
    z_t, y_t = _draw_blobs(n_t, uniform, noise, rng)
    return z_s, y_s, z_t, y_t


def _embed(kind, z_s, z_t, n_features, shift, noise, rng):
    """Place the 2D latent samples in ``n_features`` dimensions."""
    n_s, n_t = len(z_s), len(z_t)
    if kind != "subspace":
        if n_features == 2:
            return z_s, z_t
        nuisance = noise * rng.standard_normal((n_s + n_t, n_features - 2))
        return (np.hstack([z_s, nuisance[:n_s]]), np.hstack([z_t, nuisance[n_s:]]))
    theta = shift * np.pi / 4
    z_t = z_t @ _rotation(theta).T
    if n_features == 2:
        return z_s, z_t
    # The target's class plane is the source's, turned by theta within
    # itself and tilted by theta into directions that are noise in the source.
    basis, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    B_s = basis[:, :2]
    B_perp = basis[:, 2:4] if n_features >= 4 else basis[:, [2, 2]] / np.sqrt(2)
    B_t = np.cos(theta) * B_s + np.sin(theta) * B_perp
    small = 0.3 * noise
    x_s = z_s @ B_s.T + small * rng.standard_normal((n_s, n_features))
    x_t = z_t @ B_t.T + small * rng.standard_normal((n_t, n_features))
    return x_s, x_t


@validate_params(
    {
        "kind": [StrOptions(set(KINDS))],
        "n_samples_source": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_samples_target": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_features": [Interval(numbers.Integral, 2, None, closed="left")],
        "n_classes": [Interval(numbers.Integral, 2, None, closed="left")],
        "shift": [Interval(numbers.Real, 0, None, closed="left")],
        "noise": [Interval(numbers.Real, 0, None, closed="left")],
        "task": [StrOptions({"classification", "regression"})],
        "return_target_labels": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_domain_shift(
    kind: str = "conditional",
    *,
    n_samples_source: int = 200,
    n_samples_target: int = 200,
    n_features: int = 2,
    n_classes: int = 2,
    shift: float = 1.0,
    noise: float = 1.0,
    task: str = "classification",
    return_target_labels: bool = False,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, ...]:
    """Draw a labelled source sample and an unlabelled, shifted target sample.

    The two samples come stacked in the domain convention of sklot's adapters
    (source rows first, then target rows, whose ``y`` is ``-1`` for
    classification or ``NaN`` for regression), ready for
    :class:`~sklot.adaptation.DomainAdaptationClassifier`,
    :class:`~sklot.adaptation.OTDomainAdapter` and the unsupervised scorers
    of :mod:`sklot.metrics`. The class structure lives in a plane (the first
    two features, or a random plane for ``kind="subspace"``); further
    features are noise.

    Parameters
    ----------
    kind : {"covariate", "target", "conditional", "subspace"}, \
            default="conditional"
        Which part of the joint distribution moves between domains:

        - ``"covariate"``: the input density moves, the labelling rule
          ``p(y | x)`` (a curved, nonlinear boundary) is the same in both
          domains. Transporting labels along with the inputs is *wrong* here,
          so this shift tests whether model selection can decline to adapt.
        - ``"target"``: the label distribution moves (the target's class
          proportions decay geometrically with rate ``shift``; for regression
          large values of ``y`` are over-sampled), ``p(x | y)`` is fixed.
          Balanced transport mixes classes here; unbalanced transport
          (``reg_marginals``) is the tool.
        - ``"conditional"``: ``p(x | y)`` moves: the target cloud is rotated,
          scaled and translated, and each class is displaced a little more in
          its own direction. The case optimal transport adaptation is made
          for.
        - ``"subspace"``: the classes are rotated by ``shift * pi / 4``
          within their plane and, when ``n_features > 2``, the plane itself is
          tilted by the same angle into directions that are noise in the
          source.
    n_samples_source : int, default=200
        Number of source rows.
    n_samples_target : int, default=200
        Number of target rows.
    n_features : int, default=2
        Number of features, at least 2.
    n_classes : int, default=2
        Number of classes (classification only).
    shift : float, default=1.0
        Strength of the shift; ``0`` draws both domains from one distribution
        (except for ``kind="covariate"``, whose domains then coincide too).
    noise : float, default=1.0
        Standard deviation of the class clouds and of the noise features.
    task : {"classification", "regression"}, default="classification"
        Integer class labels (target rows ``-1``) or a continuous response
        (target rows ``NaN``).
    return_target_labels : bool, default=False
        Also return the true labels of the target rows, for evaluation only.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples_source + n_samples_target, n_features)
        Source rows, then target rows.
    y : ndarray of shape (n_samples_source + n_samples_target,)
        Source labels, then the target marker (``-1`` or ``NaN``).
    y_target : ndarray of shape (n_samples_target,)
        The true labels of the target rows; only when
        ``return_target_labels=True``.

    See Also
    --------
    sklot.adaptation.OTDomainAdapter : Transports source rows onto target rows.

    Examples
    --------
    >>> from sklot.datasets import make_domain_shift
    >>> X, y, y_target = make_domain_shift(
    ...     "conditional", n_samples_source=50, n_samples_target=40,
    ...     return_target_labels=True, random_state=0)
    >>> X.shape, (y == -1).sum(), y_target.shape
    ((90, 2), np.int64(40), (40,))
    """
    rng = check_random_state(random_state)
    z_s, y_s, z_t, y_t = _draw(
        kind, n_samples_source, n_samples_target, n_classes, shift, noise,
        task, rng,
    )
    x_s, x_t = _embed(kind, z_s, z_t, n_features, shift, noise, rng)
    X = np.vstack([x_s, x_t])
    if task == "regression":
        y = np.concatenate([y_s, np.full(n_samples_target, np.nan)])
        y_t = np.asarray(y_t, dtype=float)
    else:
        y = np.concatenate([y_s, np.full(n_samples_target, -1)]).astype(np.intp)
        y_t = np.asarray(y_t, dtype=np.intp)
    if return_target_labels:
        return X, y, y_t
    return X, y
