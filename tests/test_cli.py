import importlib
import subprocess
import sys

import pytest

from sklot._cli import main
from sklot._demo import SECTIONS, format_table


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_unknown_demo_section(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path), "--section", "nope"]) == 2
    assert "unknown demo section" in capsys.readouterr().out


def test_demo_input_section_runs_as_module(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "sklot", "demo", "--output", str(tmp_path),
         "--section", "inputs"],
        check=True, capture_output=True, text=True,
    )
    assert "Input conventions" in out.stdout
    assert "4 source rows, 3 target rows" in out.stdout


@pytest.mark.parametrize("name", SECTIONS)
def test_every_demo_section_has_title_and_run(name):
    module = importlib.import_module(f"sklot._demo._{name}")
    assert isinstance(module.TITLE, str) and callable(module.run)


def test_format_table_aligns_columns():
    text = format_table([["a", 1.23456], ["bbb", 2]], ["name", "value"])
    lines = text.splitlines()
    assert lines[0] == "name  value"
    assert lines[2] == "a     1.235"
    assert lines[3] == "bbb   2"
