"""
========================================================
Domain adaptation of a digit classifier to a new scanner
========================================================

A classifier of handwritten digits is trained on scans from one device (the
source domain) and must label scans from another device that rotates the
page by 20 degrees and blurs it (the target domain), for which no label is
available. :class:`~sklot.adaptation.OTDomainAdapter` transports the
labelled source images onto the unlabelled target images, a classifier is
trained on the transported images, and the adapter is chosen by
cross-validation *without target labels*, with the guarded search of the
user guide (:class:`~sklot.adaptation.NegativeTransferGuard`), which keeps
the unadapted model unless moving the rows clearly pays.

The data are scikit-learn's 8 x 8 digits (shipped with scikit-learn, no
download); the scanner shift is simulated with :mod:`scipy.ndimage`.
"""

# %%
# Two domains, stacked
# --------------------
# sklot's adapters take the source and target rows stacked in one ``X``; the
# target rows carry ``y == -1``. This is all a scikit-learn pipeline needs:
# no metadata routing, and any splitter splits both domains together.

import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.adaptation import (
    DomainAdaptationClassifier,
    ImportanceReweighter,
    NegativeTransferGuard,
    OTDomainAdapter,
)

digits = load_digits()
rng = np.random.default_rng(0)
order = rng.permutation(len(digits.target))
source, target = order[:600], order[600:1200]

scanned = np.stack([
    ndimage.rotate(image, 20, reshape=False, order=1)
    for image in digits.images[target]
])
scanned = ndimage.gaussian_filter(scanned, sigma=(0, 0.7, 0.7))

X = np.vstack([digits.data[source], scanned.reshape(len(target), -1)])
y = np.r_[digits.target[source], -np.ones(len(target), dtype=int)]
y_target = digits.target[target]  # kept aside, for evaluation only
is_target = y == -1

# %%
# Source only, adapted, and the oracle
# ------------------------------------
# The source-only model is the same pipeline with ``adapter="passthrough"``.
# The adapted model is chosen by ``GridSearchCV`` among no adaptation,
# reweighting and transports of several ``reg``; the guard's scorers read
# the target rows of each validation fold from ``y == -1`` and never see a
# target label. The oracle is trained on the target labels
# (cross-validated): the ceiling.


def pipeline(adapter):
    return make_pipeline(
        StandardScaler(),
        DomainAdaptationClassifier(LogisticRegression(max_iter=1000), adapter),
    )


source_only = pipeline("passthrough").fit(X, y)

candidates = ["passthrough", ImportanceReweighter(random_state=0)] + [
    OTDomainAdapter(reg=reg) for reg in [None, 0.03, 0.1, 0.3]
]
guard = NegativeTransferGuard()
search = GridSearchCV(
    pipeline("passthrough"),
    {"domainadaptationclassifier__adapter": candidates},
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
    scoring=guard.scoring,
    refit=guard,
).fit(X, y)

oracle = cross_val_score(
    make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    X[is_target], y_target, cv=5,
).mean()

scores = {
    "source only": source_only.score(X[is_target], y_target),
    "guarded search\n(no target label)": search.best_estimator_.score(
        X[is_target], y_target
    ),
    "oracle\n(target labels)": oracle,
}
print("chosen:", search.best_params_)
for name, value in scores.items():
    print(f"{name.replace(chr(10), ' '):32s} {value:.3f}")

# %%
# What the transport does to the source images
# --------------------------------------------
# The fitted adapter maps each source image to a weighted average of the
# target images it is coupled with: the transported source digits take on
# the target scanner's rotation and blur, while keeping their class, which
# is why a classifier trained on them works on the target.

best = search.best_estimator_
scaler, model = best[0], best[-1]
transported = scaler.inverse_transform(
    model.adapter_.fit_transform(scaler.transform(X), y)
)

fig = plt.figure(figsize=(11, 4.2), layout="constrained")
left, right = fig.subfigures(1, 2, width_ratios=[1.4, 1])
rows = [
    (digits.data[source], "source"),
    (transported[~is_target], "transported"),
    (X[is_target], "target"),
]
axes = left.subplots(3, 6)
for r, (images, label) in enumerate(rows):
    for c, ax in enumerate(axes[r]):
        ax.imshow(images[c].reshape(8, 8), cmap="gray_r")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[r, 0].set_ylabel(label, fontsize=10)
ax = right.subplots()
names = list(scores)[::-1]
values = [scores[k] for k in names]
ax.barh(names, values, color=["tab:green", "tab:blue", "tab:gray"])
ax.set_xlabel("accuracy on the target scanner")
ax.set_xlim(0, 1.1)
for i, value in enumerate(values):
    ax.text(value + 0.02, i, f"{value:.2f}", va="center")
plt.show()
