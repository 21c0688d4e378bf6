"""Command line interface: ``python -m sklot <command>``."""

import argparse
import os
import sys

from . import __version__

__all__ = ["main"]


def fail(args: argparse.Namespace, message: str) -> int:
    """Print a one-line error for the command in ``args``; return status 1."""
    print(f"{args.prog}: error: {message}", file=sys.stderr)
    return 1


def _add_demo(subparsers):
    parser = subparsers.add_parser(
        "demo",
        help="run a short showcase of sklot on embedded data",
        description="Run every demo section on data that ships with the "
        "installed packages (nothing is downloaded) and print a result table.",
    )
    parser.add_argument(
        "--output",
        default="sklot-demo",
        help="folder for the figures (default: ./sklot-demo)",
    )
    parser.add_argument(
        "--section",
        action="append",
        help="run only this section (repeatable); default: all",
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="print the section names, one a line, in the order they run",
    )

    def run(args):
        from ._demo import SECTIONS, run_demo

        if args.list:
            print("\n".join(SECTIONS))
            return 0
        if os.path.exists(args.output) and not os.path.isdir(args.output):
            return fail(args, f"--output {args.output!r} is a file; give a folder")
        return run_demo(args.output, sections=args.section)

    parser.set_defaults(handler=run, prog=parser.prog)


def _add_color_transfer(subparsers):
    from ._color_cli import add_color_transfer

    add_color_transfer(subparsers)


COMMANDS = [_add_demo, _add_color_transfer]


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Run the sklot command line and return its exit status.

    ``prog`` is the name shown in usage and error messages: the ``sklot``
    console script leaves it to argparse (the script's name), ``python -m
    sklot`` passes its own spelling.
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        description="sklot: scikit-learn compatible optimal transport.",
    )
    parser.add_argument(
        "--version", action="version", version=f"sklot {__version__}"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="command")
    for add in COMMANDS:
        add(subparsers)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.handler(args) or 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
