"""Helpers shared by the demo sections."""

import os
from dataclasses import dataclass, field

__all__ = ["Section", "format_table", "figure_path", "have_matplotlib"]


@dataclass
class Section:
    """What a demo section shows: a table, notes and written figures."""

    columns: list
    rows: list
    notes: list = field(default_factory=list)
    figures: list = field(default_factory=list)


def _cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_table(rows, columns):
    """Format rows (sequences) under column headers as aligned plain text."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [
        max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)
    ]
    lines = [columns, ["-" * w for w in widths]] + cells
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip()
        for line in lines
    )


def have_matplotlib():
    """Whether matplotlib can be imported (figures are skipped otherwise)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:
        return False
    return True


def figure_path(output_dir, name):
    """Path of a figure file in the demo's output folder."""
    return os.path.join(output_dir, name)
