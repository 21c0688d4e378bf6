"""Exact OT: sklot against POT, in one run.

Usage: ``python benchmarks/bench_exact.py [--quick]``. Prints one table per
part (network simplex, 1D, sliced) with the ratio POT time / sklot time.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import _bench_emd  # noqa: E402
import _bench_sliced  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    _bench_emd.run(quick=args.quick)
    _bench_sliced.run(quick=args.quick)


if __name__ == "__main__":
    main()
