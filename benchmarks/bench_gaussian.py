"""Gaussian Monge map: sklot against POT's ``ot.da.LinearTransport``.

Usage: ``python benchmarks/bench_gaussian.py [--quick]``.

Fit at n = 10^5 rows per domain in d = 100, and transform of 10^6 rows. The
floors are the BLAS operations no implementation can avoid: the two
covariance products ``Xc.T @ Xc`` for the fit, and one plain matrix product
``X @ A`` for the transform. Prints times, ratios (POT / sklot and
sklot / floor), peak extra memory, and how far the two maps agree.
"""

import argparse
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from _timing import interleaved_medians, peak_memory, print_table, ratio  # noqa: E402

from sklot.adaptation import GaussianMongeMapper  # noqa: E402
from sklot.solvers import empirical_gaussian_monge_map  # noqa: E402

REG = 1e-6


def make_data(rng, n, d):
    mix_s = rng.normal(size=(d, d)) / np.sqrt(d)
    mix_t = rng.normal(size=(d, d)) / np.sqrt(d)
    Xs = rng.normal(size=(n, d)) @ mix_s + 1.0
    Xt = rng.normal(size=(n, d)) @ mix_t - 1.0
    return Xs, Xt


def fit_floor(Xs, Xt):
    # the two covariance products, on centred copies
    for X in (Xs, Xt):
        Xc = X - X.mean(axis=0)
        Xc.T @ Xc


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    try:
        import ot
    except ImportError:
        print("POT is not installed: pip install pot")
        return

    rng = np.random.default_rng(0)
    n_fit, d = (20_000, 50) if args.quick else (100_000, 100)
    n_transform = 200_000 if args.quick else 1_000_000
    Xs, Xt = make_data(rng, n_fit, d)
    X = np.vstack([Xs, Xt])
    y = np.r_[np.zeros(n_fit, dtype=int), -np.ones(n_fit, dtype=int)]
    repeat = args.repeat

    # ---------------------------------------------------------------- fit
    mapper = GaussianMongeMapper(reg=REG)
    pot = ot.da.LinearTransport(reg=REG)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = interleaved_medians(
            {
                "mapper": lambda: mapper.fit(X, y),
                "func": lambda: empirical_gaussian_monge_map(Xs, Xt, reg=REG),
                "pot": lambda: pot.fit(Xs=Xs, Xt=Xt),
                "floor": lambda: fit_floor(Xs, Xt),
            },
            repeat,
        )
        t_mapper, t_func, t_pot, t_floor = (
            t["mapper"], t["func"], t["pot"], t["floor"]
        )
        _, m_mapper = peak_memory(lambda: mapper.fit(X, y))
        _, m_func = peak_memory(lambda: empirical_gaussian_monge_map(Xs, Xt, reg=REG))
        _, m_pot = peak_memory(lambda: pot.fit(Xs=Xs, Xt=Xt))
    A, b = empirical_gaussian_monge_map(Xs, Xt, reg=REG)
    print(f"\nfit: n = {n_fit} rows per domain, d = {d} (median of {repeat}, "
          f"interleaved)")
    mb = 1 / 2**20
    print_table(
        [
            ["GaussianMongeMapper.fit(X, y)", t_mapper, ratio(t_pot, t_mapper),
             t_mapper / t_floor, m_mapper * mb],
            ["empirical_gaussian_monge_map", t_func, ratio(t_pot, t_func),
             t_func / t_floor, m_func * mb],
            ["POT LinearTransport.fit", t_pot, 1.0, t_pot / t_floor, m_pot * mb],
            ["floor: 2 centred X.T @ X", t_floor, ratio(t_pot, t_floor), 1.0, ""],
        ],
        ["fit", "seconds", "POT / this", "this / floor", "peak MiB"],
    )
    scale = np.abs(pot.A_).max()
    print(
        "agreement with POT: max |A - A_pot| / max |A_pot| = "
        f"{np.abs(A - pot.A_).max() / scale:.2e}, max |b - b_pot| = "
        f"{np.abs(b - pot.B_).max():.2e}, max |A_ - A| = "
        f"{np.abs(mapper.A_ - A).max():.2e}"
    )

    # ---------------------------------------------------------- transform
    Z = rng.normal(size=(n_transform, d))
    rows = []
    for dtype in (np.float64, np.float32):
        Zd = Z.astype(dtype)
        Ad = mapper.A_.astype(dtype)
        t = interleaved_medians(
            {
                "ours": lambda: mapper.transform(Zd),
                "pot": lambda: pot.transform(Xs=Zd),
                "floor": lambda: Zd @ Ad,
            },
            repeat,
        )
        t_ours, t_pot, t_floor = t["ours"], t["pot"], t["floor"]
        _, m_ours = peak_memory(lambda: mapper.transform(Zd))
        _, m_pot = peak_memory(lambda: pot.transform(Xs=Zd))
        name = np.dtype(dtype).name
        rows += [
            [f"sklot transform ({name})", t_ours, ratio(t_pot, t_ours),
             t_ours / t_floor, m_ours * mb],
            [f"POT transform ({name})", t_pot, 1.0, t_pot / t_floor, m_pot * mb],
            [f"floor: X @ A ({name})", t_floor, ratio(t_pot, t_floor), 1.0, ""],
        ]
        if dtype is np.float64:
            ours, theirs = mapper.transform(Zd), pot.transform(Xs=Zd)
            diff = np.abs(ours - theirs).max() / np.abs(theirs).max()
    print(f"\ntransform: {n_transform} rows, d = {d} (median of {repeat}, "
          f"interleaved)")
    print_table(rows, ["transform", "seconds", "POT / this", "this / floor",
                       "peak MiB"])
    print(f"agreement with POT (float64): max relative difference {diff:.2e}")


if __name__ == "__main__":
    main()
