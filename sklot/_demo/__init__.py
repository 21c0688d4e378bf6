"""The ``python -m sklot demo`` showcase.

Each section is a module ``sklot/_demo/_<name>.py`` that defines ``TITLE`` and
``run(output_dir)`` returning a :class:`Section`; ``output_dir`` is None when
figures are not drawn (matplotlib missing), and the section then draws none.
Add a section by writing its module and appending its name to ``SECTIONS``.

The run ends with the line ``sections run: OK/N``; a section that raises
prints its traceback, the others still run, and the exit status is 1. CI
reads that line to check that every section ran.
"""

import importlib
import os
import time
import traceback
from types import ModuleType

from threadpoolctl import threadpool_limits

from ._common import Section, format_table, have_matplotlib

__all__ = ["SECTIONS", "Section", "run_demo"]

# What sklot is for comes first: adaptation tuned without target labels.
SECTIONS = [
    "adaptation",
    "gaussian",
    "kernels",
    "cluster",
    "dro",
    "color",
    "entropic",
    "inputs",
]


def _load(name: str) -> tuple[ModuleType | None, str | None]:
    """Import a section module; return it, or the traceback of the import."""
    try:
        return importlib.import_module(f"sklot._demo._{name}"), None
    except Exception:
        return None, traceback.format_exc()


def _run_section(
    index: int,
    total: int,
    name: str,
    module: ModuleType | None,
    error: str | None,
    output_dir: str | None,
) -> bool:
    """Run one section and print it; return whether it ran without error."""
    title = module.TITLE if module is not None else f"section {name!r}"
    print(f"== [{index}/{total}] {title}", flush=True)
    tic = time.perf_counter()
    if error is None:
        try:
            section = module.run(output_dir)
        except Exception:
            error = traceback.format_exc()
    if error is not None:
        print(f"section {name!r} failed:\n{error}", flush=True)
        return False
    print(format_table(section.rows, section.columns))
    for note in section.notes:
        print(f"  {note}")
    for path in section.figures:
        print(f"  figure: {path}")
    print(f"  ({time.perf_counter() - tic:.1f} s)\n", flush=True)
    return True


def run_demo(
    output_dir: str = "sklot-demo", sections: list[str] | None = None
) -> int:
    """Run the demo sections and print their tables; return an exit status.

    Parameters
    ----------
    output_dir : str, default="sklot-demo"
        Folder for the figures, created when matplotlib is installed.
    sections : list of str, default=None
        Names from ``SECTIONS`` to run, in that order; None runs them all.

    Returns
    -------
    status : int
        0 when every section ran, 1 when one raised (or the figure folder
        cannot be made), 2 for an unknown section name.
    """
    names = list(SECTIONS) if not sections else list(sections)
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        print(f"unknown demo section(s) {unknown}; choose from {SECTIONS}")
        return 2
    print(f"sklot demo: {len(names)} section(s)")
    if have_matplotlib():
        try:
            os.makedirs(output_dir, exist_ok=True)
        except OSError as exc:
            print(f"cannot make the figure folder {output_dir!r}: {exc}")
            return 1
        print(f"figures go to {output_dir}/\n")
    else:
        output_dir = None
        print("no figures: matplotlib is not installed (pip install matplotlib)\n")
    start, start_cpu = time.perf_counter(), time.process_time()
    loaded = [(name, *_load(name)) for name in names]
    # The demo's matrices are small: BLAS threads cost more than they give
    # (several times the wall time of a section on a busy machine). The
    # limit reaches the BLAS libraries loaded by now, hence the imports first.
    with threadpool_limits(limits=1, user_api="blas"):
        ok = sum(
            _run_section(i, len(names), *entry, output_dir)
            for i, entry in enumerate(loaded, 1)
        )
    # CPU time too: on a busy machine the wall time says little
    print(
        f"total time: {time.perf_counter() - start:.1f} s "
        f"(CPU {time.process_time() - start_cpu:.1f} s)"
    )
    print(f"sections run: {ok}/{len(names)}")
    return 0 if ok == len(names) else 1
