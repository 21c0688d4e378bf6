"""
===================================================
Wasserstein k-means on digits: barycenter centroids
===================================================

:class:`~sklot.cluster.WassersteinKMeans` clusters samples that are
distributions. Each 8 x 8 digit image is taken as a distribution of ink over
the pixel grid (a histogram over ``support``, the pixel coordinates), two
images are compared by the cost of moving one's ink onto the other's
(entropic optimal transport with the squared distance between pixels), and
every centroid is the Wasserstein barycenter of its cluster.

The figure shows the centroids next to those of Euclidean
:class:`~sklearn.cluster.KMeans` on the same images: a barycenter moves the
ink to an average position and keeps strokes, where the Euclidean mean
superimposes the images and blurs them. A second figure shows barycenters
of two digits with varying weights: the ink travels, rather than fading
from one image into the other.
"""

# %%
# Cluster the digits
# ------------------

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score

from sklot.cluster import WassersteinKMeans
from sklot.solvers import barycenter_fixed_support

X, y = load_digits(return_X_y=True)
X, y = X[:600], y[:600]
rows, cols = np.meshgrid(np.arange(8.0), np.arange(8.0), indexing="ij")
grid = np.column_stack([rows.ravel(), cols.ravel()])  # pixel coordinates

tic = time.perf_counter()
# the defaults: a Euclidean k-means start, then entropic transport at
# reg=0.0125 relative to the median cost
wkm = WassersteinKMeans(n_clusters=10, support=grid, random_state=0)
wkm.fit(X)
print(f"WassersteinKMeans: {time.perf_counter() - tic:.1f} s, "
      f"{wkm.n_iter_} iterations, "
      f"ARI {adjusted_rand_score(y, wkm.labels_):.3f}")
km = KMeans(n_clusters=10, n_init=10, random_state=0).fit(X)
print(f"Euclidean KMeans: ARI {adjusted_rand_score(y, km.labels_):.3f}")

# %%
# Barycenters and Euclidean centroids
# -----------------------------------
# Clusters are shown in the order of the digit most of their members are.


def by_majority_digit(labels):
    majority = [np.bincount(y[labels == j], minlength=10).argmax()
                for j in range(10)]
    return np.argsort(majority, kind="stable")


wass = wkm.cluster_centers_[by_majority_digit(wkm.labels_)]
eucl = km.cluster_centers_[by_majority_digit(km.labels_)]
fig, axes = plt.subplots(2, 10, figsize=(10, 2.4))
for j in range(10):
    for row, centers in enumerate([wass, eucl]):
        axes[row, j].imshow(centers[j].reshape(8, 8), cmap="gray_r")
        axes[row, j].set_xticks([])
        axes[row, j].set_yticks([])
axes[0, 0].set_ylabel("Wasserstein", fontsize=8)
axes[1, 0].set_ylabel("Euclidean", fontsize=8)
fig.suptitle("Cluster centroids")
plt.show()

# %%
# Moving ink: barycenters of two digits
# -------------------------------------
# The weighted barycenter of a "0" and a "1" for weights ``(1 - t, t)``
# (top) against the weighted average of the two images (bottom).

zero = X[y == 0][0]
one = X[y == 1][0]
H = np.vstack([zero, one])
ts = np.linspace(0, 1, 6)
fig, axes = plt.subplots(2, len(ts), figsize=(7, 2.6))
for i, t in enumerate(ts):
    bary = barycenter_fixed_support(H, support=grid, reg=0.2, weights=[1 - t, t],
                                    tol=1e-6, max_iter=5000)
    mean = (1 - t) * zero / zero.sum() + t * one / one.sum()
    for row, image in enumerate([bary.extra["weights"], mean]):
        axes[row, i].imshow(image.reshape(8, 8), cmap="gray_r")
        axes[row, i].set_xticks([])
        axes[row, i].set_yticks([])
    axes[0, i].set_title(f"t = {t:.1f}", fontsize=8)
axes[0, 0].set_ylabel("barycenter", fontsize=8)
axes[1, 0].set_ylabel("average", fontsize=8)
plt.show()
