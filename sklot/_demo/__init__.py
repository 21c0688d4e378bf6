"""The ``python -m sklot demo`` showcase.

Each section is a module ``sklot/_demo/_<name>.py`` that defines ``TITLE`` and
``run(output_dir)`` returning a :class:`Section`. Add a section by writing
its module and appending its name to ``SECTIONS``.
"""

import importlib
import os
import time

from ._common import Section, format_table

__all__ = ["SECTIONS", "Section", "run_demo"]

SECTIONS = [
    "inputs",
    "gaussian",
    "dro",
    "kernels",
    "color",
    "adaptation",
    "entropic",
    "cluster",
]


def run_demo(output_dir="sklot-demo", sections=None):
    """Run the demo sections and print their tables; return an exit status."""
    os.makedirs(output_dir, exist_ok=True)
    names = SECTIONS if not sections else sections
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        print(f"unknown demo section(s) {unknown}; choose from {SECTIONS}")
        return 2
    print(f"sklot demo: {len(names)} section(s); figures go to {output_dir}/\n")
    start = time.perf_counter()
    for name in names:
        module = importlib.import_module(f"sklot._demo._{name}")
        tic = time.perf_counter()
        section = module.run(output_dir)
        elapsed = time.perf_counter() - tic
        print(f"== {module.TITLE} ({elapsed:.1f} s)")
        print(format_table(section.rows, section.columns))
        for note in section.notes:
            print(f"  {note}")
        for path in section.figures:
            print(f"  figure: {path}")
        print()
    print(f"demo finished in {time.perf_counter() - start:.1f} s")
    return 0
