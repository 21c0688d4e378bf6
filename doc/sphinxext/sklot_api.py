"""Generate the API reference from the public ``__all__`` of sklot's subpackages.

At ``builder-inited`` this writes, under ``doc/gen_modules/api/``:

- one page per subpackage (``sklot.<name>.rst``): the subpackage docstring and
  autosummary tables of its classes, functions and data;
- one page per public name (``generated/sklot.<name>.<obj>.rst``) with the
  matching autodoc directive and the gallery examples that use it.

A name added to a subpackage's ``__all__`` therefore appears in the reference
on the next build without editing any page. Files are rewritten only when
their content changes, and pages of names that left ``__all__`` are removed,
so incremental builds stay incremental and no orphan page is left behind.
"""

import importlib
import inspect
import os
import re

API_DIR = os.path.join("gen_modules", "api")

_KINDS = (
    ("estimator", "Estimators"),
    ("class", "Classes"),
    ("exception", "Warnings and exceptions"),
    ("function", "Functions"),
    ("data", "Constants"),
)


def _kind(obj):
    if inspect.isclass(obj):
        if issubclass(obj, BaseException):
            return "exception"
        try:
            from sklearn.base import BaseEstimator
        except ImportError:  # pragma: no cover - sklearn is a dependency
            return "class"
        return "estimator" if issubclass(obj, BaseEstimator) else "class"
    if callable(obj):
        return "function"
    return "data"


def _underline(text, char):
    return f"{text}\n{char * len(text)}\n"


def public_names():
    """Map ``sklot.<subpackage>`` to ``[(name, kind), ...]`` from ``__all__``."""
    import sklot

    out = {}
    for sub in sklot._SUBPACKAGES:
        modname = f"sklot.{sub}"
        module = importlib.import_module(modname)
        names = getattr(module, "__all__", None)
        if names is None:
            raise RuntimeError(f"{modname} has no __all__; every subpackage needs one")
        entries = []
        for name in names:
            if not hasattr(module, name):
                raise RuntimeError(
                    f"{modname}.__all__ lists {name!r} but the module has no such "
                    "attribute"
                )
            entries.append((name, _kind(getattr(module, name))))
        out[modname] = entries
    return out


def _object_page(modname, name, kind):
    full = f"{modname}.{name}"
    lines = [_underline(name, "="), f".. currentmodule:: {modname}\n"]
    if kind in ("estimator", "class"):
        lines.append(
            f".. autoclass:: {name}\n   :members:\n   :inherited-members:\n"
        )
    elif kind == "exception":
        lines.append(f".. autoexception:: {name}\n   :show-inheritance:\n")
    elif kind == "function":
        lines.append(f".. autofunction:: {name}\n")
    else:
        value = getattr(importlib.import_module(modname), name)
        doc = _data_doc(modname, name) or [f"A constant of :mod:`{modname}`."]
        body = "".join(f"   {line}\n" for line in doc)
        lines.append(f".. py:data:: {name}\n   :value: {value!r}\n\n{body}")
    if kind != "data":
        lines.append(
            f".. minigallery:: {full}\n"
            f"   :add-heading: Gallery examples using ``{name}``\n"
            "   :heading-level: -\n"
        )
    return "\n".join(lines)


def _data_doc(modname, name):
    """Doc-comment (``#:``) lines of a public constant, from its defining module."""
    import sys

    from sphinx.pycode import ModuleAnalyzer, PycodeError

    value = getattr(importlib.import_module(modname), name)
    candidates = [modname] + sorted(
        m for m in sys.modules if m.startswith(modname + ".")
    )
    for candidate in candidates:
        module = sys.modules.get(candidate)
        if module is None or getattr(module, name, None) is not value:
            continue
        try:
            docs = ModuleAnalyzer.for_module(candidate).find_attr_docs()
        except PycodeError:
            continue
        doc = [line for line in docs.get(("", name), []) if line.strip()]
        if doc:
            return doc
    return []


def _package_page(modname, entries):
    lines = [
        _underline(f"``{modname}``", "="),
        f".. automodule:: {modname}\n   :no-members:\n   :no-index:\n",
        f".. currentmodule:: {modname}\n",
    ]
    if not entries:
        lines.append("This subpackage has no public names yet.\n")
    for kind, title in _KINDS:
        names = [n for n, k in entries if k == kind]
        if not names:
            continue
        lines.append(_underline(title, "-"))
        if kind == "data":
            # autosummary would show the docstring of the value's type.
            for n in names:
                doc = _data_doc(modname, n)
                summary = f" -- {doc[0]}" if doc else ""
                lines.append(f"- :data:`{n}`{summary}\n")
            continue
        body = "".join(f"   {n}\n" for n in names)
        lines.append(f".. autosummary::\n   :nosignatures:\n\n{body}")
    if entries:
        body = "".join(f"   generated/{modname}.{n}\n" for n, _ in entries)
        lines.append(f".. toctree::\n   :hidden:\n\n{body}")
    return "\n".join(lines)


def _write_if_changed(path, text):
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def generate(srcdir):
    """Write the API pages under ``srcdir/gen_modules/api``; return their paths."""
    root = os.path.join(srcdir, API_DIR)
    gen = os.path.join(root, "generated")
    os.makedirs(gen, exist_ok=True)
    wanted = set()
    for modname, entries in public_names().items():
        path = os.path.join(root, f"{modname}.rst")
        _write_if_changed(path, _package_page(modname, entries))
        wanted.add(path)
        for name, kind in entries:
            path = os.path.join(gen, f"{modname}.{name}.rst")
            _write_if_changed(path, _object_page(modname, name, kind))
            wanted.add(path)
    for folder in (root, gen):
        for entry in os.listdir(folder):
            path = os.path.join(folder, entry)
            if entry.endswith(".rst") and path not in wanted:
                os.remove(path)
    return sorted(wanted)


def _on_builder_inited(app):
    generate(app.srcdir)


# scikit-learn's own docstrings (inherited methods such as ``set_output``)
# point into scikit-learn's glossary and user guide, which this site does not
# have; keep their text and drop the link.
_FOREIGN_ROLE = re.compile(r":(?:ref|term|doc):`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


# numpydoc puts a parameter's type through reStructuredText, where a word
# ending in "_" is a link. Shapes written with fitted attributes, such as
# "ndarray of shape (n_features_in_,)", are common; show them as code.
_PARAM_LINE = re.compile(r"^(\s*\*{0,2}[A-Za-z_]\w*(?:\s*,\s*\*{0,2}[A-Za-z_]\w*)*"
                         r"\s+:\s+)(.+)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w])([A-Za-z]\w*_)(?![`\w])")


def escape_type_underscores(lines):
    """Quote names ending in ``_`` in numpydoc type lines, in place."""
    for i, line in enumerate(lines):
        match = _PARAM_LINE.match(line)
        if match:
            head, kind = match.groups()
            lines[i] = head + _TRAILING_UNDERSCORE.sub(r"``\1``", kind)
    return lines


def _process_docstring(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklot"):
        escape_type_underscores(lines)
    else:
        _plain_foreign_refs(lines)


def _plain_foreign_refs(lines):
    for i, line in enumerate(lines):
        lines[i] = _FOREIGN_ROLE.sub(
            lambda m: f"*{(m.group(1) or m.group(2)).strip()}*", line
        )


def setup(app):
    """Register the generator with Sphinx."""
    # Run before autosummary and sphinx-gallery read anything.
    app.connect("builder-inited", _on_builder_inited, priority=100)
    # Before numpydoc (priority 500) turns the sections into reST.
    app.connect("autodoc-process-docstring", _process_docstring, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
