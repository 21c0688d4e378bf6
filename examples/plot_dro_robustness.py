"""
===============================================================
Robust classification of tumours under adversarial measurements
===============================================================

A logistic regression learnt on clean data can be fooled by small,
deliberate changes of its inputs. :class:`~sklot.linear_model.WassersteinDROClassifier`
instead minimises the worst-case expected loss over every distribution
within Wasserstein distance ``radius`` of the training data, which for a
linear model is an exact convex program.

We compare both on scikit-learn's breast-cancer data (30 standardised
measurements per tumour, shipped with scikit-learn) under the strongest
attack that moves every test measurement by at most ``budget`` standard
deviations (an l-infinity attack), computed in closed form by
:func:`~sklot.linear_model.worst_case_perturbation`. The matching robust
model uses the same norm (``p=inf``), so its weights are penalised by their
l1 norm.
"""

# %%
# Accuracy under attack
# ---------------------
# Five stratified train/test splits; the scaler is fitted on the training
# part only. ``LogisticRegression`` is shown with its default penalty and
# with a weak one.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.preprocessing import StandardScaler

from sklot.linear_model import WassersteinDROClassifier, worst_case_perturbation

X, y = load_breast_cancer(return_X_y=True)
budgets = np.linspace(0.0, 0.3, 7)
models = {
    "LogisticRegression (C=100)": lambda: LogisticRegression(C=100, max_iter=10_000),
    "LogisticRegression (C=1)": lambda: LogisticRegression(max_iter=10_000),
    "Wasserstein DRO, radius 0.01": lambda: WassersteinDROClassifier(0.01, p=np.inf),
    "Wasserstein DRO, radius 0.03": lambda: WassersteinDROClassifier(0.03, p=np.inf),
}
accuracy = {name: [] for name in models}
splits = StratifiedShuffleSplit(n_splits=5, test_size=0.4, random_state=0)
for train, test in splits.split(X, y):
    scaler = StandardScaler().fit(X[train])
    X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
    for name, make in models.items():
        clf = make().fit(X_train, y[train])
        accuracy[name].append([
            clf.score(worst_case_perturbation(clf, X_test, y[test], b, p=np.inf),
                      y[test])
            for b in budgets
        ])

fig, ax = plt.subplots(figsize=(6.5, 4.2))
for (name, acc), style in zip(accuracy.items(), ["o:", "o--", "s-", "^-"]):
    ax.plot(budgets, np.mean(acc, axis=0), style, label=name)
ax.set_xlabel("attack budget (max change of a standardised feature)")
ax.set_ylabel("test accuracy under attack")
ax.set_title("Worst-case l-infinity attack on the test set")
ax.legend(fontsize=8)
fig.tight_layout()

for name, acc in accuracy.items():
    print(f"{name:30s}", " ".join(f"{a:.3f}" for a in np.mean(acc, axis=0)))

# %%
# The certificate
# ---------------
# ``worst_case_loss_`` bounds the expected log-loss of the fitted model on
# every distribution within ``radius`` of the training data. Moving every
# training row by ``radius`` in the worst direction is one such
# distribution, so its log-loss stays below the certificate, while the
# clean training loss is the lower end. The gap between the attacked loss
# and the certificate is the room left to attacks that move some rows far
# and others not at all.

scaler = StandardScaler().fit(X)
X_std = scaler.transform(X)
radii = np.geomspace(0.002, 0.2, 8)
certificate, attacked, clean = [], [], []
for radius in radii:
    clf = WassersteinDROClassifier(radius, p=np.inf).fit(X_std, y)
    certificate.append(clf.worst_case_loss_[0])
    log_loss = [
        -np.mean(clf.predict_log_proba(data)[np.arange(len(y)), y])
        for data in (X_std, worst_case_perturbation(clf, X_std, y, radius, p=np.inf))
    ]
    clean.append(log_loss[0])
    attacked.append(log_loss[1])

fig, ax = plt.subplots(figsize=(6.5, 4.2))
ax.plot(radii, certificate, "k-", label="certificate worst_case_loss_")
ax.plot(radii, attacked, "s--", label="log-loss, every row attacked")
ax.plot(radii, clean, "o:", label="log-loss, clean training data")
ax.set_xscale("log")
ax.set_xlabel("radius")
ax.set_ylabel("training log-loss")
ax.set_title("Certified worst case vs. an attack")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
