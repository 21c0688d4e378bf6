"""The offline checker of the docs build (``doc/check_offline.py``) finds
external scripts, style sheets and fonts, and nothing else."""

import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "check_offline", ROOT / "doc" / "check_offline.py"
)
check_offline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_offline)


@pytest.mark.parametrize(
    "html, url",
    [
        ('<script src="https://cdn.example.org/mathjax/tex-chtml.js"></script>',
         "https://cdn.example.org/mathjax/tex-chtml.js"),
        ("<SCRIPT defer SRC='http://example.org/a.js'></SCRIPT>",
         "http://example.org/a.js"),
        ('<script src="//cdn.example.org/a.js"></script>', "//cdn.example.org/a.js"),
        ('<link rel="stylesheet" href="https://fonts.example.org/css?f=x">',
         "https://fonts.example.org/css?f=x"),
        ('<link rel="preload" as="font" href=" //example.org/f.woff2" />',
         "//example.org/f.woff2"),
        ('<img srcset="a.png 1x, https://example.org/b.png 2x">',
         "https://example.org/b.png"),
        ("<style>@import 'https://fonts.example.org/css';</style>",
         "https://fonts.example.org/css"),
        ('<style>body { background: url("//example.org/bg.png") }</style>',
         "//example.org/bg.png"),
        ("<div style=\"background-image:url(HTTPS://example.org/x.svg)\"></div>",
         "HTTPS://example.org/x.svg"),
    ],
)
def test_external_resources_are_found(html, url):
    page = f"<html><head><title>t</title></head><body>{html}</body></html>"
    assert [ref[2] for ref in check_offline.external_references(page)] == [url]


def test_local_resources_and_hyperlinks_pass():
    page = """<html><head>
    <script src="_static/mathjax/tex-chtml.js"></script>
    <script>var u = "https://example.org/not-loaded";</script>
    <link rel="stylesheet" href="../_static/styles/theme.css">
    <link rel="icon" href="data:image/png;base64,AAAA">
    <style>/* see https://example.org */ @font-face {
      src: url(../_static/fonts/a.woff2) format("woff2"); }</style>
    </head><body>
    <a href="https://scikit-learn.org">scikit-learn</a>
    <img src="_images/sphx_glr_plot_001.png" srcset="_images/a.png 2x">
    <p>url(https://example.org/in-text) is prose, not CSS</p>
    </body></html>"""
    assert check_offline.external_references(page) == []


@pytest.mark.parametrize(
    "css, expected",
    [
        ('@import url("https://fonts.example.org/css2?family=Lato");',
         ["https://fonts.example.org/css2?family=Lato"]),
        ('@import "//example.org/x.css";', ["//example.org/x.css"]),
        ("@font-face { src: url( 'https://example.org/f.woff2' ) }",
         ["https://example.org/f.woff2"]),
        ("@font-face { src: url(../webfonts/fa.woff2) }", []),
        ("/* https://example.org url(https://example.org/x) */ a { }", []),
        ("a { background: url(data:image/svg+xml;utf8,<svg/>) }", []),
    ],
)
def test_css_references(css, expected):
    assert check_offline.external_css_references(css) == expected


def test_scan_and_main_report_the_offending_file(tmp_path, capsys):
    (tmp_path / "ok.html").write_text('<script src="_static/a.js"></script>')
    sub = tmp_path / "user_guide"
    sub.mkdir()
    (sub / "bad.html").write_text(
        '<script src="https://cdn.example.org/tex-chtml.js"></script>'
    )
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "theme.css").write_text(
        "@import url(https://fonts.example.org/css);"
    )
    n_pages, problems = check_offline.scan(tmp_path)
    assert n_pages == 2
    assert problems == [
        "user_guide/bad.html: <script src> -> https://cdn.example.org/tex-chtml.js",
        "_static/theme.css: css -> https://fonts.example.org/css",
    ]
    assert check_offline.main([str(tmp_path)]) == 1
    assert "2 external resource(s)" in capsys.readouterr().out

    (sub / "bad.html").unlink()
    (tmp_path / "_static" / "theme.css").write_text("a { color: red }")
    assert check_offline.main([str(tmp_path)]) == 0


def test_main_fails_without_a_build(tmp_path):
    assert check_offline.main([str(tmp_path)]) == 2
