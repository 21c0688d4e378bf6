"""Colour transfer: sklot's ColorTransferer against POT's example pipeline.

Usage: ``python benchmarks/bench_color.py [--quick] [--pot-pixels N]``.

The source is ``china.jpg`` (shipped with scikit-learn) upscaled to 4000 x
3000 = 12 megapixels, the reference ``flower.jpg``. POT's colour-transfer
example samples ``n_palette`` pixels of each image, fits
``ot.da.SinkhornTransport(reg_e=0.1)`` or ``ot.da.EMDTransport`` and maps
every pixel with ``transform`` (nearest sampled pixel's displacement, in
batches of 128 rows). That transform is linear in the number of pixels and
takes about an hour at 12 megapixels on two cores, so POT maps every k-th
image row (about ``--pot-pixels`` pixels, default 500 000) and its
full-image time is extrapolated (fit time + transform time per pixel x
12 M); the table says so. Peak memory is the extra memory of each call.
Quality, measured for every pipeline on the same every-k-th-row sub-image:
sliced W2 to the reference's pixels relative to the source's (lower is
better) and the correlation of luminance gradient magnitudes with the
source's (content kept, higher is better).
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from _timing import peak_memory, print_table, ratio  # noqa: E402

from sklot.color import ColorTransferer, luma  # noqa: E402
from sklot.solvers import sliced_wasserstein  # noqa: E402


def load_images(size):
    from PIL import Image
    from sklearn.datasets import load_sample_image

    china = Image.fromarray(load_sample_image("china.jpg"))
    source = np.asarray(china.resize(size, Image.BICUBIC))
    return source, load_sample_image("flower.jpg")


def sw_ratio(out_rows, source_rows, reference_rows, rng):
    def sample(rows):
        idx = rng.choice(rows.shape[0], size=min(50_000, rows.shape[0]), replace=False)
        return rows[idx].astype(np.float64) / 255.0

    ref = sample(reference_rows)
    before = sliced_wasserstein(sample(source_rows), ref, n_projections=100,
                                random_state=0)
    after = sliced_wasserstein(sample(out_rows), ref, n_projections=100,
                               random_state=0)
    return after / before


def gradient_correlation(a, b):
    ga = np.hypot(*np.gradient(luma(a.astype(np.float32) / 255)))
    gb = np.hypot(*np.gradient(luma(b.astype(np.float32) / 255)))
    return float(np.corrcoef(ga.ravel(), gb.ravel())[0, 1])


def time_call(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        tic = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - tic)
    return float(np.median(times)), result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1.2 megapixels")
    parser.add_argument("--pot-pixels", type=int, default=500_000)
    parser.add_argument("--n-palette", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        import ot
    except ImportError:
        print("POT is not installed: pip install pot")
        return

    size = (1265, 949) if args.quick else (4000, 3000)
    source, reference = load_images(size)
    n_pixels = source.shape[0] * source.shape[1]
    ref_rows = reference.reshape(-1, 3)
    rng = np.random.default_rng(0)
    print(f"source {size[0]} x {size[1]} ({n_pixels / 1e6:.1f} MP), reference "
          f"{reference.shape[1]} x {reference.shape[0]}, n_palette = "
          f"{args.n_palette}")

    # warm up the numba kernels on a small image
    small = source[::50, ::50]
    for method in ("sliced", "exact"):
        ColorTransferer(method, n_palette=50).fit(reference).transform(small)

    stride = max(1, int(np.ceil(n_pixels / args.pot_pixels)))
    sub_source = source[::stride]
    rows = []
    sklot_times = {}
    configs = [
        ("sliced", dict(method="sliced")),
        ("entropic", dict(method="entropic", n_palette=args.n_palette)),
        ("exact", dict(method="exact", n_palette=args.n_palette)),
        ("gaussian", dict(method="gaussian")),
        ("sliced + regrain", dict(method="sliced", regrain=0.3)),
    ]
    for name, params in configs:
        transferer = ColorTransferer(random_state=0, **params)

        def run(transferer=transferer):
            return transferer.fit(reference).transform(source)

        seconds, out = time_call(run, args.repeat)
        _, peak = peak_memory(run)
        sklot_times[name] = seconds
        sub = out[::stride]
        rows.append([
            f"sklot {name}", seconds, "", peak / 2**20,
            sw_ratio(sub.reshape(-1, 3), sub_source.reshape(-1, 3), ref_rows, rng),
            gradient_correlation(sub_source, sub),
        ])
        del out, sub

    # POT example pipeline, transform timed on a slice and extrapolated
    X1 = source.reshape(-1, 3).astype(np.float64) / 255.0
    X2 = ref_rows.astype(np.float64) / 255.0
    sample_rng = np.random.RandomState(42)
    Xs = X1[sample_rng.randint(X1.shape[0], size=args.n_palette)]
    Xt = X2[sample_rng.randint(X2.shape[0], size=args.n_palette)]
    block = sub_source.reshape(-1, 3).astype(np.float64) / 255.0
    for name, ours, make in (
        ("entropic", "entropic", lambda: ot.da.SinkhornTransport(reg_e=1e-1)),
        ("exact", "exact", lambda: ot.da.EMDTransport()),
    ):
        estimator = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tic = time.perf_counter()
            estimator.fit(Xs=Xs, Xt=Xt)
            fit_s = time.perf_counter() - tic
            tic = time.perf_counter()
            mapped, peak = peak_memory(lambda: estimator.transform(Xs=block))
            per_pixel = (time.perf_counter() - tic) / block.shape[0]
        total = fit_s + per_pixel * n_pixels
        out = np.round(np.clip(mapped, 0, 1) * 255).astype(np.uint8)
        rows.append([
            f"POT {name} (example pipeline)", total,
            ratio(total, sklot_times[ours]), peak / 2**20 * n_pixels / block.shape[0],
            sw_ratio(out, sub_source.reshape(-1, 3), ref_rows, rng),
            gradient_correlation(sub_source, out.reshape(sub_source.shape)),
        ])
        print(f"POT {name}: fit {fit_s:.2f} s, transform of {block.shape[0]} "
              f"pixels {per_pixel * block.shape[0]:.1f} s, extrapolated to "
              f"{n_pixels / 1e6:.1f} MP")
    print()
    print_table(
        rows,
        ["pipeline", "seconds", "POT / sklot", "peak MiB", "SW2 ratio",
         "gradient corr"],
    )
    print("\nPOT rows: seconds and peak memory extrapolated linearly from "
          f"{block.shape[0]} mapped pixels (every {stride}th row); 'POT / "
          "sklot' compares with the sklot method of the same kind at the same "
          "palette size. Quality columns: every pipeline on those rows.")


if __name__ == "__main__":
    main()
