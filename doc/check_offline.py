"""Fail if the built documentation loads anything from another host.

Usage: ``python doc/check_offline.py [doc/_build/html]``.

Every ``*.html`` file under the build directory is parsed for the resources a
browser fetches when it opens the page (``<script src>``, ``<link href>``,
``<img src>``/``srcset``, ``<iframe>``, ``<source>``, ``<video>``,
``<audio>``, ``<embed>``, ``<object data>``), and for CSS inside ``<style>``
blocks and ``style=""`` attributes. Every ``*.css`` file is scanned too. In
CSS, ``@import`` and ``url(...)`` are resources. A reference is external when
it starts with ``http://``, ``https://`` or ``//``. Ordinary hyperlinks
(``<a href>``) are not resources and are not reported.

The exit status is 1 when an external resource is found (each one is printed
as ``file: tag attribute -> url``), 2 when the directory holds no HTML.
"""

import pathlib
import re
import sys
from html.parser import HTMLParser

__all__ = ["external_references", "external_css_references", "scan", "main"]

EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)

# (tag, attribute) pairs that make a browser fetch the URL.
RESOURCE_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}

CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
CSS_IMPORT = re.compile(r"""@import\s+(['"])(.*?)\1""", re.IGNORECASE)


def is_external(url):
    """Whether ``url`` points to another host (``http:``, ``https:``, ``//``)."""
    return bool(EXTERNAL.match(url or ""))


def external_css_references(css):
    """External URLs that a piece of CSS loads (``@import`` and ``url()``).

    Parameters
    ----------
    css : str
        Style sheet text.

    Returns
    -------
    urls : list of str
        The external URLs, in order of appearance.
    """
    css = CSS_COMMENT.sub("", css)
    found = [m.group(2) for m in CSS_URL.finditer(css)]
    found += [m.group(2) for m in CSS_IMPORT.finditer(css)]
    return [url.strip() for url in found if is_external(url)]


class _ResourceParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in RESOURCE_ATTRIBUTES.get(tag, ()):
                # srcset lists "url width" pairs separated by commas.
                urls = (
                    [part.split()[0] for part in value.split(",") if part.split()]
                    if name == "srcset"
                    else [value]
                )
                self.found += [(tag, name, u.strip()) for u in urls if is_external(u)]
            elif name == "style":
                self.found += [
                    (tag, "style", u) for u in external_css_references(value)
                ]
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.found += [("style", "css", u) for u in external_css_references(data)]


def external_references(html):
    """External resources that an HTML page loads.

    Parameters
    ----------
    html : str
        Page source.

    Returns
    -------
    references : list of tuple of (str, str, str)
        ``(tag, attribute, url)`` for every external resource, in order of
        appearance; CSS found in ``<style>`` blocks is reported as
        ``("style", "css", url)``.
    """
    parser = _ResourceParser()
    parser.feed(html)
    parser.close()
    return parser.found


def scan(build_dir):
    """External resources of every HTML and CSS file under ``build_dir``.

    Parameters
    ----------
    build_dir : str or path-like
        Output directory of the HTML build.

    Returns
    -------
    n_pages : int
        Number of HTML files scanned.
    problems : list of str
        One line per external resource, ``file: tag attribute -> url``.
    """
    root = pathlib.Path(build_dir)
    pages = sorted(root.rglob("*.html"))
    problems = []
    for path in pages:
        text = path.read_text(encoding="utf-8", errors="replace")
        for tag, attr, url in external_references(text):
            problems.append(f"{path.relative_to(root)}: <{tag} {attr}> -> {url}")
    for path in sorted(root.rglob("*.css")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for url in external_css_references(text):
            problems.append(f"{path.relative_to(root)}: css -> {url}")
    return len(pages), problems


def main(argv=None):
    """Scan a build directory, print what loads from another host."""
    argv = sys.argv[1:] if argv is None else argv
    build_dir = argv[0] if argv else "doc/_build/html"
    n_pages, problems = scan(build_dir)
    if n_pages == 0:
        print(f"check_offline: no HTML file under {build_dir}; build the docs first")
        return 2
    for line in problems:
        print(line)
    print(
        f"check_offline: {n_pages} pages scanned, "
        f"{len(problems)} external resource(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
