"""Demo section: the input conventions every sklot estimator shares."""

import numpy as np
import pandas as pd

from ..solvers import cost_matrix
from ..utils import check_distributions, distributions_from_frame, split_domains
from ._common import Section

TITLE = "Input conventions"


def run(output_dir):
    rng = np.random.default_rng(0)
    y = np.array([0, 1, 1, 0, -1, -1, -1])
    split = split_domains(y)
    frame = pd.DataFrame(
        {
            "customer": rng.choice(["ann", "bob", "eve"], size=30),
            "amount": rng.gamma(2.0, 20.0, size=30),
        }
    )
    clouds, groups = distributions_from_frame(frame, "customer")
    batch = check_distributions(clouds)
    M = cost_matrix(rng.normal(size=(4, 3)), rng.normal(size=(5, 3)))
    rows = [
        ["stacked domains (y == -1 marks target)",
         f"{split.source.sum()} source rows, {split.target.sum()} target rows"],
        ["long DataFrame -> distributions",
         f"{len(batch)} customers, sizes {batch.sizes.tolist()}, "
         f"groups {groups.tolist()}"],
        ["cost_matrix(X, Y)", f"shape {M.shape}, min {M.min():.3g}"],
    ]
    return Section(columns=["convention", "result"], rows=rows)
