"""The ``python -m sklot color-transfer`` subcommand.

Kept apart from :mod:`sklot.color` so that building the command line parser
imports nothing heavy; the work is imported when the command runs.
"""

import time

__all__ = ["add_color_transfer"]


def add_color_transfer(subparsers):
    """Register ``color-transfer SOURCE REFERENCE OUTPUT`` on a subparser set."""
    parser = subparsers.add_parser(
        "color-transfer",
        help="recolour an image with the colours of a reference image",
        description="Recolour SOURCE so that its colour distribution matches "
        "REFERENCE's, by optimal transport, and write the result to OUTPUT "
        "(the format follows its extension). Needs Pillow.",
    )
    parser.add_argument("source", help="image to recolour")
    parser.add_argument("reference", help="image whose colours to take")
    parser.add_argument("output", help="file to write")
    parser.add_argument(
        "--method",
        choices=["sliced", "gaussian", "exact", "entropic"],
        default="sliced",
        help="transport method (default: sliced)",
    )
    parser.add_argument(
        "--color-space",
        choices=["rgb", "lab"],
        default="rgb",
        help="space in which colours are matched (default: rgb)",
    )
    parser.add_argument(
        "--n-palette",
        type=int,
        default=1000,
        help="palette size of the exact and entropic methods (default: 1000)",
    )
    parser.add_argument(
        "--n-iter",
        type=int,
        default=10,
        help="iterations of the sliced method (default: 10)",
    )
    parser.add_argument(
        "--reg",
        type=float,
        default=None,
        help="entropic regularization (relative) or Gaussian ridge",
    )
    parser.add_argument(
        "--regrain",
        type=float,
        default=None,
        help="blend the source's fine detail back in (0.3 suits photographs)",
    )
    parser.add_argument(
        "--preserve-luminance",
        action="store_true",
        help="keep the source's luminance, take only the chromaticity",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument(
        "--quiet", action="store_true", help="print nothing but errors"
    )
    parser.set_defaults(handler=_run)


def _run(args):
    from .color import ColorTransferer, read_image, write_image

    say = (lambda *a: None) if args.quiet else print
    start = time.perf_counter()

    def step(message):
        say(f"[{time.perf_counter() - start:6.1f} s] {message}")

    step(f"reading {args.source} and {args.reference}")
    try:
        source = read_image(args.source)
        reference = read_image(args.reference)
    except (OSError, ValueError) as exc:
        print(f"color-transfer: {exc}")
        return 1
    step(
        f"source {source.shape[1]}x{source.shape[0]}, reference "
        f"{reference.shape[1]}x{reference.shape[0]}; fitting the reference "
        f"({args.method}, {args.color_space})"
    )
    transferer = ColorTransferer(
        args.method,
        color_space=args.color_space,
        n_palette=args.n_palette,
        n_iter=args.n_iter,
        reg=args.reg,
        preserve_luminance=args.preserve_luminance,
        regrain=args.regrain,
        random_state=args.seed,
        verbose=0 if args.quiet else 2,
    )
    try:
        transferer.fit(reference)
        step("recolouring the source")
        result = transferer.transform(source)
    except ValueError as exc:
        print(f"color-transfer: {exc}")
        return 1
    step(f"writing {args.output}")
    write_image(args.output, result)
    step("done")
    return 0
