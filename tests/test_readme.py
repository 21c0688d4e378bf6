"""The README's Quickstart commands are the ones CI runs.

``.ci/run`` reads them from README.md with ``.ci/readme_commands.py`` and
runs them verbatim in fresh environments; these tests pin what it reads.
"""

import importlib.util
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "readme_commands.py"

DEMO = "python -m pip install -e . && python -m sklot demo"
TEST = 'python -m pip install -e ".[test]" && python -m pytest'


def _reader():
    spec = importlib.util.spec_from_file_location("readme_commands", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ci_reads_the_two_quickstart_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _reader().quickstart_commands(text) == {"demo": DEMO, "test": TEST}


@pytest.mark.parametrize("kind, expected", [("demo", DEMO), ("test", TEST)])
def test_ci_prints_the_command_verbatim(kind, expected):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), str(ROOT / "README.md"), kind],
        check=True, capture_output=True, text=True,
    )
    assert out.stdout == expected + "\n"


def test_a_readme_without_the_demo_command_is_an_error():
    text = "# x\n\n## Quickstart\n\n```bash\npython -m pytest\n```\n\n## Next\n"
    with pytest.raises(ValueError, match=r"no \['demo'\] command"):
        _reader().quickstart_commands(text)


def test_ci_script_runs_the_readme_commands_and_checks_the_sections():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".ci/readme_commands.py" in ci
    assert 'bash -c "$command"' in ci
    assert "sections run: $expected/$expected" in ci
