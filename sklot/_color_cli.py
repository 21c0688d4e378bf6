"""The ``python -m sklot color-transfer`` subcommand.

Kept apart from :mod:`sklot.color` so that building the command line parser
imports nothing heavy; the work is imported when the command runs.
"""

import argparse
import math
import os
import time
from typing import Any, Callable

from ._cli import fail

__all__ = ["add_color_transfer"]

# Formats that store an 8-bit RGB(A) image as it is; each is offered only
# where the installed Pillow can write it.
_OUTPUT_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


def _number(
    kind: type, low: float, high: float | None = None, low_open: bool = False
) -> Callable[[str], float]:
    """Build an argparse type: ``kind`` in [low, high] (``low_open``: (low, high])."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {'an integer' if kind is int else 'a number'}"
            ) from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        too_low = value <= low if low_open else value < low
        if too_low or (high is not None and value > high):
            left = "(" if low_open else "["
            right = f"{high}]" if high is not None else "inf)"
            raise argparse.ArgumentTypeError(
                f"{text} is out of range; expected a value in {left}{low}, {right}"
            )
        return value

    return parse


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
        type=_number(int, 2),
        default=1000,
        help="palette size of the exact and entropic methods, >= 2 "
        "(default: 1000)",
    )
    parser.add_argument(
        "--n-iter",
        type=_number(int, 1),
        default=10,
        help="iterations of the sliced method, >= 1 (default: 10)",
    )
    parser.add_argument(
        "--reg",
        type=_number(float, 0.0, low_open=True),
        default=None,
        help="entropic regularization (relative) or Gaussian ridge, > 0",
    )
    parser.add_argument(
        "--regrain",
        type=_number(float, 0.0, 1.0, low_open=True),
        default=None,
        help="blend the source's fine detail back in, in (0, 1]; the weight "
        "of the transferred colours (0.3 suits photographs)",
    )
    parser.add_argument(
        "--preserve-luminance",
        action="store_true",
        help="keep the source's luminance, take only the chromaticity",
    )
    parser.add_argument(
        "--seed", type=_number(int, 0, 2**32 - 1), default=0, help="random seed"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print nothing but errors"
    )
    parser.set_defaults(handler=_run, prog=parser.prog)


def _check_paths(args: argparse.Namespace) -> str | None:
    """Return what is wrong with the files named in ``args``, or None.

    Runs before any image is read, so that a typo in the output name costs
    nothing.
    """
    try:
        from PIL import Image
    except ImportError:
        return (
            "color-transfer reads and writes images with Pillow, which is not "
            "installed: pip install 'sklot[image]' (or pip install pillow)"
        )
    for role, path in (("SOURCE", args.source), ("REFERENCE", args.reference)):
        if not os.path.isfile(path):
            what = "is a folder" if os.path.isdir(path) else "does not exist"
            return f"{role} {path!r} {what}"
    Image.init()
    writable = {
        ext
        for ext, fmt in Image.registered_extensions().items()
        if fmt in Image.SAVE and ext in _OUTPUT_EXTENSIONS
    }
    ext = os.path.splitext(args.output)[1].lower()
    if ext not in writable:
        return (
            f"OUTPUT {args.output!r}: the extension chooses the format; use "
            f"one of {', '.join(sorted(writable))}"
        )
    if os.path.isdir(args.output):
        return f"OUTPUT {args.output!r} is a folder"
    folder = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(folder):
        return f"OUTPUT {args.output!r}: folder {folder!r} does not exist"
    if not os.access(folder, os.W_OK):
        return f"OUTPUT {args.output!r}: folder {folder!r} is not writable"
    return None


def _read(args: argparse.Namespace, role: str, path: str) -> tuple[Any, int | None]:
    """Read an image; a file that is not one gives a one-line error."""
    from .color import read_image

    try:
        return read_image(path), None
    except (OSError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return None, fail(args, f"{role} {path!r} is not a readable image ({reason})")


def _run(args):
    from .color import ColorTransferer, write_image

    problem = _check_paths(args)
    if problem:
        return fail(args, problem)
    say = (lambda *a: None) if args.quiet else print
    start = time.perf_counter()

    def step(message):
        say(f"[{time.perf_counter() - start:6.1f} s] {message}")

    step(f"reading {args.source} and {args.reference}")
    source, status = _read(args, "SOURCE", args.source)
    if status:
        return status
    reference, status = _read(args, "REFERENCE", args.reference)
    if status:
        return status
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
        return fail(args, " ".join(str(exc).split()))
    step(f"writing {args.output}")
    try:
        write_image(args.output, result)
    except (OSError, ValueError) as exc:
        return fail(args, f"could not write OUTPUT {args.output!r} ({exc})")
    step("done")
    return 0
