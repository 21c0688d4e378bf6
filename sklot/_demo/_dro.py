"""Demo section: the Wasserstein distributionally robust classifier."""

import time

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from ..linear_model import WassersteinDROClassifier, worst_case_perturbation
from ._common import Section, figure_path

TITLE = "Wasserstein distributionally robust classifier"

BUDGETS = (0.0, 0.1, 0.2, 0.3)


def _figure(output_dir, curves):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, accuracy in curves.items():
        ax.plot(BUDGETS, accuracy, "o-", label=name)
    ax.set_xlabel("l-infinity attack budget (standardised features)")
    ax.set_ylabel("test accuracy under attack")
    ax.set_title("Breast cancer: worst-case attack on a linear model")
    ax.legend(fontsize=8)
    path = figure_path(output_dir, "dro_robustness.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def run(output_dir):
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.4, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    models = {
        "LogisticRegression(C=1)": LogisticRegression(max_iter=10_000),
        "WassersteinDROClassifier(radius=0.03, p=inf)": WassersteinDROClassifier(
            0.03, p=np.inf
        ),
    }
    rows, curves, notes = [], {}, []
    for name, clf in models.items():
        tic = time.perf_counter()
        clf.fit(X_train, y_train)
        elapsed = time.perf_counter() - tic
        curves[name] = [
            clf.score(worst_case_perturbation(clf, X_test, y_test, b, p=np.inf),
                      y_test)
            for b in BUDGETS
        ]
        rows.append([name, f"{elapsed:.2f} s"] + [f"{a:.3f}" for a in curves[name]])
    dro = models["WassersteinDROClassifier(radius=0.03, p=inf)"]
    notes.append(
        f"certificate: expected log-loss <= {dro.worst_case_loss_[0]:.3f} for "
        "every distribution within Wasserstein distance 0.03 (l-inf cost) of "
        f"the training data; multiplier {dro.dual_radius_multiplier_[0]:.2f}, "
        f"{dro.n_iter_[0]} interior-point iterations"
    )
    figures = [_figure(output_dir, curves)] if output_dir is not None else []
    columns = ["model", "fit"] + [f"acc @ {b:g}" for b in BUDGETS]
    return Section(columns=columns, rows=rows, notes=notes, figures=figures)
