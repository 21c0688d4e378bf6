"""The documentation stays true to the code.

- Every ``>>>`` example of the user guide (``doc/user_guide/*.rst``) runs as a
  doctest, so an API change that breaks the documented usage fails the test
  suite, not only the docs build.
- Every gallery script in ``examples/`` has the header sphinx-gallery needs
  (a module docstring starting with a title underlined by ``=``).
- The API reference generator of ``doc/sphinxext`` sees every public name.
"""

import ast
import doctest
import importlib
import pathlib
import sys

import pytest

import sklot

ROOT = pathlib.Path(__file__).resolve().parents[1]
GUIDE = ROOT / "doc" / "user_guide"
PAGES = sorted(GUIDE.glob("*.rst"))
EXAMPLES = sorted(
    p for p in (ROOT / "examples").rglob("*.py") if not p.name.startswith("_")
)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_user_guide_pages_exist():
    assert PAGES, f"no user guide pages found in {GUIDE}"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_user_guide_examples(page, capsys):
    result = doctest.testfile(
        str(page), module_relative=False, optionflags=FLAGS, verbose=False,
        raise_on_error=False, report=True,
    )
    out = capsys.readouterr().out
    assert result.failed == 0, (
        f"{result.failed} example(s) of doc/user_guide/{page.name} failed; "
        f"fix the page or the code it documents:\n{out}"
    )


@pytest.mark.parametrize(
    "script", EXAMPLES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLES]
)
def test_gallery_example_has_a_title(script):
    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8")))
    lines = [line.strip() for line in (doc or "").splitlines()]

    def rule(line, title):
        return set(line) == {"="} and len(line) >= len(title)

    if lines and lines[0] and set(lines[0]) == {"="}:
        lines = lines[1:]  # an overline is allowed too
    ok = len(lines) >= 2 and lines[0] and rule(lines[1], lines[0])
    assert ok, (
        f"{script.relative_to(ROOT)} must start with a module docstring whose "
        "first line is the example's title, underlined with '=' at least as "
        "long (the gallery builds its page from it); then a paragraph saying "
        "what the figure shows."
    )


def test_api_reference_lists_every_public_name():
    sys.path.insert(0, str(ROOT / "doc" / "sphinxext"))
    try:
        sklot_api = importlib.import_module("sklot_api")
    finally:
        sys.path.pop(0)
    listed = {
        f"{mod}.{name}"
        for mod, entries in sklot_api.public_names().items()
        for name, _ in entries
    }
    public = {
        f"sklot.{sub}.{name}"
        for sub in sklot._SUBPACKAGES
        for name in importlib.import_module(f"sklot.{sub}").__all__
    }
    assert listed == public
