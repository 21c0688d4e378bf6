"""
==========================================
Gaussian Monge map and displacement paths
==========================================

Between two Gaussian distributions the optimal transport map for the squared
Euclidean cost is affine, ``T(x) = m_t + A (x - m_s)``, with ``A`` symmetric
positive definite. :class:`~sklot.adaptation.GaussianMongeMapper` fits it to
the source rows and the target rows of a stacked ``X`` (target rows carry
``y == -1``), and :meth:`~sklot.adaptation.GaussianMongeMapper.interpolate`
moves samples part of the way, along McCann's displacement interpolation,
which is the Wasserstein geodesic between the two Gaussians.
"""

# %%
# Two domains in the plane
# ------------------------
# The source is an elongated cloud; the target is sheared, rotated a little
# and shifted. Both domains are stacked in one ``X``, target rows marked with
# ``-1`` in ``y``.

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Ellipse

from sklot.adaptation import GaussianMongeMapper
from sklot.solvers import bures_wasserstein_distance

rng = np.random.default_rng(0)
X_source = rng.normal(size=(400, 2)) * [1.2, 0.35]
X_target = rng.normal(size=(400, 2)) @ [[0.5, 0.45], [-0.3, 0.9]] + [4.5, 1.5]
X = np.vstack([X_source, X_target])
y = np.r_[rng.integers(0, 2, size=400), -np.ones(400, dtype=int)]

mapper = GaussianMongeMapper().fit(X, y)
mapped = mapper.transform(X_source)
print("A =\n", mapper.A_.round(3))
print(f"W2 between the fitted Gaussians: {mapper.wasserstein_distance_:.3f}")
print("mapped covariance:\n", np.cov(mapped.T, bias=True).round(3))
print("target covariance:\n", np.cov(X_target.T, bias=True).round(3))

# %%
# The map and the displacement interpolation
# ------------------------------------------
# Left: each line joins a source sample to its image. Right: the samples at
# times ``t = 0, 0.25, ..., 1`` with the two-standard-deviation ellipse of
# each intermediate Gaussian. Along the geodesic the distance to the source
# grows linearly in ``t``.


def ellipse(mean, cov, color):
    w, v = np.linalg.eigh(cov)
    angle = np.degrees(np.arctan2(v[1, -1], v[0, -1]))
    return Ellipse(mean, *(4 * np.sqrt(w[::-1])), angle=angle, fill=False,
                   color=color, lw=2)


fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
ax0.scatter(*X_source.T, s=5, c="tab:blue", label="source")
ax0.scatter(*X_target.T, s=5, c="tab:orange", label="target")
for start, end in zip(X_source[::8], mapped[::8]):
    ax0.plot(*np.c_[start, end], c="grey", lw=0.5, alpha=0.6)
ax0.scatter(*mapped.T, s=5, c="tab:green", label="mapped source")
ax0.set_title("Monge map T(x) = x A + b")
ax0.legend(loc="upper left")

colors = plt.cm.viridis(np.linspace(0, 1, 5))
for t, color in zip(np.linspace(0, 1, 5), colors):
    X_t = mapper.interpolate(X_source, t)
    mean_t, cov_t = X_t.mean(axis=0), np.cov(X_t.T, bias=True)
    dist = bures_wasserstein_distance(
        mapper.source_mean_, mapper.source_covariance_, mean_t, cov_t
    )
    ax1.scatter(*X_t.T, s=3, color=color, alpha=0.5,
                label=f"t = {t:.2f}, W2 to source = {dist:.2f}")
    ax1.add_patch(ellipse(mean_t, cov_t, color))
ax1.legend(loc="upper left", fontsize=8, markerscale=3)
ax1.set_title("Displacement interpolation (1 - t) x + t T(x)")
fig.tight_layout()
plt.show()

# %%
# Non-Gaussian data: only the first two moments are matched
# ---------------------------------------------------------
# The map only sees means and covariances. Here the target is a mirror image
# of two moons: the mapped source has the target's mean and covariance, but
# an affine map with a symmetric positive definite matrix cannot mirror, so
# the shapes do not line up. Plan-based adapters
# (:class:`~sklot.adaptation.OTDomainAdapter`) follow the shapes.

from sklearn.datasets import make_moons

moons, _ = make_moons(400, noise=0.08, random_state=0)
target = moons * [-1.3, 1.3] + [5.0, 0.0]
y_moons = np.r_[np.zeros(400, dtype=int), -np.ones(400, dtype=int)]
mapper = GaussianMongeMapper().fit(np.vstack([moons, target]), y_moons)
fig, ax = plt.subplots(figsize=(5.5, 4))
ax.scatter(*moons.T, s=5, c="tab:blue", label="source")
ax.scatter(*target.T, s=5, c="tab:orange", label="target")
ax.scatter(*mapper.transform(moons).T, s=5, c="tab:green", label="mapped source")
ax.set_ylim(-2.0, 1.9)
ax.legend(loc="lower left", ncol=3, fontsize=8)
ax.set_title("Same mean and covariance, different shape")
plt.show()
