"""
=========================================================
Distribution-valued columns in a tabular pipeline
=========================================================

A retailer keeps one row per purchase: the customer, the amount and the
hour of the day. To predict which customers answer a loyalty offer, the
usual recipe aggregates each customer's purchases by hand (count, mean,
standard deviation, quantiles) and feeds the aggregates to a model.

With sklot the purchases of a customer stay one cell of a DataFrame: a
point cloud of (log amount, hour) rows. A
:class:`~sklearn.compose.ColumnTransformer` sends that column to
:class:`~sklot.kernels.SlicedWassersteinEmbedding`, whose Euclidean geometry
is the sliced Wasserstein distance between the customers' purchase
distributions, and passes the ordinary columns through, so the whole thing
is a scikit-learn Pipeline that cross-validates as usual.

The simulated table is built so that marginal summaries miss part of the
signal: customers who answer the offer spend about as much, and at the same
hours, as the others, but make their larger purchases in the evening (the
joint distribution differs, the marginals much less).
"""

# %%
# A long table of purchases
# -------------------------
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.kernels import SlicedWassersteinEmbedding
from sklot.utils import distributions_from_frame

rng = np.random.default_rng(0)
n_customers = 600
customers = pd.DataFrame(
    {
        "customer": np.arange(n_customers),
        "age": rng.integers(18, 80, n_customers),
        "tenure_years": rng.exponential(3.0, n_customers).round(1),
    }
)
answers = rng.random(n_customers) < 0.4
# a weak signal in the ordinary columns
answers |= (customers["tenure_years"] > 8) & (rng.random(n_customers) < 0.5)
customers["answered"] = answers.astype(int)

rows = []
for cid, answered in zip(customers["customer"], customers["answered"]):
    n = 5 + rng.poisson(25)
    hour = np.clip(rng.normal(15.0, 3.5, n), 6, 23)
    slope = 0.15 if answered else 0.0  # evening purchases are larger
    log_amount = (
        3.0 + rng.normal(0, 0.3) + slope * (hour - 15.0) + rng.normal(0, 0.6, n)
    )
    rows.append(
        pd.DataFrame(
            {"customer": cid, "amount": np.exp(log_amount).round(2),
             "hour": hour.round(2)}
        )
    )
purchases = pd.concat(rows, ignore_index=True)
print(purchases.head())
print(f"{len(purchases)} purchases of {n_customers} customers")

# %%
# One cell per customer
# ---------------------
# :func:`~sklot.utils.distributions_from_frame` groups the long table into
# one point cloud per customer; log amounts and hours are put on comparable
# scales first, since the sliced distance adds squared coordinates.
coords = purchases.assign(log_amount=np.log(purchases["amount"]))
coords[["log_amount", "hour"]] = StandardScaler().fit_transform(
    coords[["log_amount", "hour"]]
)
clouds, ids = distributions_from_frame(
    coords, "customer", columns=["log_amount", "hour"]
)
table = customers.set_index("customer").loc[ids].reset_index()
table["purchases"] = pd.Series(clouds, dtype=object)
y = table.pop("answered").to_numpy()
print(table.head(3))

# %%
# Hand-made aggregates
# --------------------
# The usual features: count, mean, standard deviation and quartiles of each
# coordinate, per customer.
grouped = coords.groupby("customer", sort=False)[["log_amount", "hour"]]
aggregates = pd.concat(
    [
        grouped.size().rename("count"),
        grouped.mean().add_suffix("_mean"),
        grouped.std().add_suffix("_std"),
        grouped.quantile(0.1).add_suffix("_q10"),
        grouped.quantile(0.5).add_suffix("_q50"),
        grouped.quantile(0.9).add_suffix("_q90"),
    ],
    axis=1,
).loc[ids].reset_index(drop=True)
aggregate_table = pd.concat([table[["age", "tenure_years"]], aggregates], axis=1)

# %%
# Three models, cross-validated
# -----------------------------
rest = ["age", "tenure_years"]
models = {
    "ordinary columns only": (
        make_pipeline(StandardScaler(), LogisticRegression()), table[rest]
    ),
    "+ hand-made aggregates": (
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        aggregate_table,
    ),
    "+ sliced Wasserstein embedding": (
        make_pipeline(
            ColumnTransformer(
                [
                    ("purchases",
                     SlicedWassersteinEmbedding(
                         n_projections=20, n_quantiles=10, random_state=0),
                     "purchases"),
                    ("rest", StandardScaler(), rest),
                ]
            ),
            LogisticRegression(C=0.3, max_iter=1000),
        ),
        table,
    ),
}
scores = {}
for name, (model, X) in models.items():
    tic = time.perf_counter()
    auc = cross_val_score(model, X, y, cv=5, scoring="roc_auc")
    scores[name] = auc
    print(f"{name:32s} ROC AUC {auc.mean():.3f} +- {auc.std():.3f} "
          f"({time.perf_counter() - tic:.1f} s)")

# %%
# The aggregates see each coordinate separately. The responders differ in
# how amount and hour vary together; the aggregates catch part of it through
# the larger spread of the responders' amounts, the embedding of the joint
# distribution carries all of it (measured on two cores: 0.93 against 0.99
# ROC AUC). A per-customer correlation added by hand would recover it here;
# the point is that the embedding needs no guess of which summary matters.
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for label, color in [(0, "tab:blue"), (1, "tab:orange")]:
    idx = np.flatnonzero(y == label)[:40]
    pts = np.vstack([clouds[i] for i in idx])
    axes[0].scatter(pts[:, 1], pts[:, 0], s=3, alpha=0.4, color=color,
                    label="answered" if label else "did not answer")
axes[0].set_xlabel("hour (standardised)")
axes[0].set_ylabel("log amount (standardised)")
axes[0].set_title("Purchases of 40 customers per class")
axes[0].legend(markerscale=4)
names = list(scores)
axes[1].barh(names, [scores[n].mean() for n in names],
             xerr=[scores[n].std() for n in names], color="tab:green")
axes[1].set_xlim(0.5, 1.0)
axes[1].set_xlabel("ROC AUC (5-fold)")
axes[1].set_title("Predicting who answers the offer")
fig.tight_layout()
plt.show()
