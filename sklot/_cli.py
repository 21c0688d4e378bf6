"""Command line interface: ``python -m sklot <command>``."""

import argparse
import sys

__all__ = ["main"]


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

    def run(args):
        from ._demo import run_demo

        return run_demo(args.output, sections=args.section)

    parser.set_defaults(handler=run)


def _add_color_transfer(subparsers):
    from ._color_cli import add_color_transfer

    add_color_transfer(subparsers)


COMMANDS = [_add_demo, _add_color_transfer]


def main(argv=None):
    """Run the sklot command line and return its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m sklot",
        description="sklot: scikit-learn compatible optimal transport.",
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
