import importlib
import os
import shutil
import subprocess
import sys

import pytest

import sklot
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


def _sklot(*args, code=None, **kwargs):
    """Run ``python -m sklot ARGS`` (or ``python -c CODE ARGS``) in a subprocess."""
    head = ["-c", code] if code is not None else ["-m", "sklot"]
    return subprocess.run(
        [sys.executable, *head, *args], capture_output=True, text=True, **kwargs
    )


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"sklot {sklot.__version__}"
    out = _sklot("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"sklot {sklot.__version__}"


def test_usage_names_python_m_sklot():
    out = _sklot("demo", "--section")
    assert out.returncode == 2
    assert out.stderr.startswith("usage: python -m sklot demo ")
    assert "python -m sklot demo: error: argument --section" in out.stderr


def test_usage_names_the_console_script(monkeypatch, capsys):
    # the installed ``sklot`` script calls main() with no prog: argparse
    # takes the script's name from sys.argv[0]
    monkeypatch.setattr(sys, "argv", ["/some/env/bin/sklot"])
    assert main([]) == 2
    assert capsys.readouterr().out.startswith("usage: sklot ")
    script = shutil.which("sklot", path=os.path.dirname(sys.executable))
    if script is not None:  # an installed environment: check the real script
        out = subprocess.run([script, "nope"], capture_output=True, text=True)
        assert out.returncode == 2
        assert out.stderr.startswith("usage: sklot ")


def test_demo_list_prints_the_sections_in_order(capsys):
    assert main(["demo", "--list"]) == 0
    assert capsys.readouterr().out.split() == SECTIONS


def test_demo_leads_with_domain_adaptation():
    assert SECTIONS[0] == "adaptation"
    title = importlib.import_module("sklot._demo._adaptation").TITLE
    assert "without target labels" in title


def test_demo_output_that_is_a_file_is_refused(tmp_path, capsys):
    path = tmp_path / "figures.png"
    path.write_text("")
    assert main(["demo", "--output", str(path), "--section", "inputs"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "is a file" in captured.err


def test_failing_section_is_reported_and_the_others_still_run(
    tmp_path, capsys, monkeypatch
):
    entropic = importlib.import_module("sklot._demo._entropic")

    def broken(output_dir):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(entropic, "run", broken)
    status = main(["demo", "--output", str(tmp_path), "--section", "entropic",
                   "--section", "inputs"])
    out = capsys.readouterr().out
    assert status == 1
    assert "section 'entropic' failed" in out
    assert "Traceback" in out and "RuntimeError: broken on purpose" in out
    assert "4 source rows, 3 target rows" in out  # the next section ran
    assert out.splitlines()[-1] == "sections run: 1/2"


def test_demo_summary_counts_every_section(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path), "--section", "inputs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "sections run: 1/1"
    assert lines[-2].startswith("total time: ")


def test_demo_without_matplotlib_says_so_once_and_writes_nothing(tmp_path):
    # matplotlib is hidden: the dro section draws a figure when it can
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from sklot._cli import main\n"
        "sys.exit(main(sys.argv[1:]))"
    )
    out = _sklot("demo", "--output", str(tmp_path / "figs"), "--section", "dro",
                 code=code)
    assert out.returncode == 0, out.stdout + out.stderr
    assert sum("matplotlib" in line for line in out.stdout.splitlines()) == 1
    assert "no figures: matplotlib is not installed" in out.stdout
    assert "figure" not in out.stdout.replace("no figures", "")
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "figs").exists()


def test_demo_figures_are_written_where_it_says(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path), "--section", "dro",
                 "--section", "gaussian"]) == 0
    out = capsys.readouterr().out
    figures = [line.split("figure: ", 1)[1] for line in out.splitlines()
               if line.startswith("  figure: ")]
    assert len(figures) == 2
    for path in figures:
        assert os.path.getsize(path) > 1000
