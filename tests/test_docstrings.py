"""Numpydoc validation of every public docstring.

Checked: each name in the ``__all__`` of every subpackage in
``sklot._SUBPACKAGES``, and every public method and property that a public
estimator defines in sklot (methods inherited from scikit-learn are scikit-learn's
business). The codes in ``CHECKED`` come from ``numpydoc.validate``; the
``SK`` codes are sklot's own:

- ``SK01``: a public function or class has an Examples section with no
  ``>>>`` line, so the doctest run by ``python -m pytest`` checks nothing;
- ``SK02``: a parameter with a default other than None in the signature
  does not say ``default=...`` (or ``optional``) in its type line (the
  scikit-learn form ``name : type, default=...``);
- ``SK03``: the documented default differs from the signature's;
- ``SK05``: a fitted estimator from ``tests/test_common.py`` has a public
  attribute ending in ``_`` that its Attributes section does not list;
- ``SK04``: the docstring, as numpydoc renders it for the documentation site,
  is not valid reStructuredText. Such a docstring breaks the ``-W`` docs
  build. The usual cause is a name ending in ``_`` in prose (a trailing
  underscore makes a link): write ```n_features_in_```. In type lines the
  build quotes such names itself.

Constants (``TARGET_LABEL``) have no docstring of their own and are skipped.
To reproduce one failure: ``python -m numpydoc validate sklot.pkg.Name``.
"""

import ast
import dataclasses
import importlib.util
import inspect
import io
import pathlib
import re
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone

import sklot

numpydoc_validate = pytest.importorskip("numpydoc.validate")
docscrape = pytest.importorskip("numpydoc.docscrape")

CHECKED = {
    "GL06",  # unknown section
    "GL07",  # sections in the wrong order
    "GL08",  # no docstring
    "SS01",  # no one-line summary
    "PR01",  # parameter not documented
    "PR02",  # documented parameter that does not exist
    "PR03",  # parameters documented in the wrong order
    "PR04",  # parameter without a type
    "PR06",  # "integer"/"boolean"/"string" instead of int/bool/str
    "PR10",  # "name: type" without a space before the colon
    "RT01",  # returns something but has no Returns section
    "EX01",  # no Examples section (public functions and classes only)
}
METHOD_EXEMPT_CODES = {"EX01"}

# Public names that need no Examples section of their own, with the reason.
# Remove an entry as soon as the docstring gains one.
NO_EXAMPLES = {
    "sklot.utils.DomainSplit": "built only by split_domains, whose Examples "
    "show it",
    "sklot.utils.Distributions": "built only by check_distributions, whose "
    "Examples show it",
}


def _public_objects():
    for sub in sklot._SUBPACKAGES:
        modname = f"sklot.{sub}"
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or callable(obj):
                yield f"{modname}.{name}", obj


def _public_methods(cls):
    """Public attributes that a class (or a sklot base) defines, by name."""
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not owner.__module__.startswith("sklot"):
            continue
        if dataclasses.is_dataclass(cls) and name in {
            f.name for f in dataclasses.fields(cls)
        }:
            continue
        attr = vars(owner)[name]
        func = attr.fget if isinstance(attr, property) else attr
        func = getattr(func, "__func__", func)  # classmethod, staticmethod
        # Skip what scikit-learn generates on the class (set_fit_request ...).
        if inspect.isfunction(func) and func.__module__.startswith("sklot"):
            yield name, attr


def _targets():
    targets = []
    for path, obj in _public_objects():
        targets.append((path, "public"))
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            for name, attr in _public_methods(obj):
                kind = "property" if isinstance(attr, property) else "method"
                targets.append((f"{path}.{name}", kind))
    return targets


TARGETS = _targets()


def _resolve(path):
    modname, _, rest = path.partition(".")
    obj = importlib.import_module(modname)
    parts = rest.split(".")
    obj = importlib.import_module(f"{modname}.{parts[0]}")
    for part in parts[1:]:
        obj = getattr(obj, part)
    return obj


def _doc_params(obj):
    doc = docscrape.get_doc_object(obj)
    params = {p.name: p.type for p in doc["Parameters"]}
    params.update({p.name: p.type for p in doc["Other Parameters"]})
    return doc, params


_DEFAULT = re.compile(r"default\s*=\s*(.+)$")


def _default_errors(obj):
    """SK02/SK03: the documented defaults against the signature."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    _, documented = _doc_params(obj)
    errors = []
    for name, param in signature.parameters.items():
        if param.default is inspect.Parameter.empty or name not in documented:
            continue
        type_line = documented[name]
        if type_line.rstrip().endswith("\\"):
            errors.append(
                ("SK02", f'Parameter "{name}": its type line ends in a '
                 "backslash; in a raw (r-prefixed) docstring the line "
                 "continuation is kept literally. Write the type on one line "
                 "(for example 'str, default=...' with the choices listed in "
                 "the description) or drop the r prefix and escape the "
                 "backslashes of the math.")
            )
            continue
        if type_line.strip().lower() == "ignored":
            continue
        match = _DEFAULT.search(type_line)
        # A None default often stands for "required in one call form" (the
        # reg of the matrix-free sinkhorn) or "computed"; the description
        # says which, so only non-None defaults must be written out.
        if match is None and ("optional" in type_line or param.default is None):
            continue
        if match is None:
            errors.append(
                ("SK02", f'Parameter "{name}" has a default but its type line '
                 f'"{type_line}" does not end in "default=..."')
            )
            continue
        actual = param.default
        if not (actual is None or isinstance(actual, (bool, int, float, str))):
            continue
        try:
            written = ast.literal_eval(match.group(1).strip())
        except (ValueError, SyntaxError):
            continue
        if type(written) is not type(actual) and not (
            isinstance(written, (int, float)) and isinstance(actual, (int, float))
            and not isinstance(actual, bool)
        ):
            same = False
        else:
            same = written == actual
        if not same:
            errors.append(
                ("SK03", f'Parameter "{name}": documented default={written!r} '
                 f"but the signature says {actual!r}")
            )
    return errors


def _sklot_api():
    """The docs build's own helpers (doc/sphinxext/sklot_api.py)."""
    path = pathlib.Path(__file__).resolve().parents[1] / "doc" / "sphinxext"
    spec = importlib.util.spec_from_file_location(
        "_sklot_api_for_tests", path / "sklot_api.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SPHINX_ROLES = (
    "attr class data doc exc func math meth mod obj ref term "
    "py:attr py:class py:data py:exc py:func py:meth py:mod py:obj"
).split()
_SPHINX_DIRECTIVES = ("seealso", "only", "autosummary", "versionadded",
                      "versionchanged", "deprecated", "plot", "minigallery")


def _rst_errors(obj):
    """SK04: problems docutils finds in the numpydoc rendering of ``obj``."""
    from docutils import nodes
    from docutils.core import publish_doctree
    from docutils.parsers.rst import Directive, directives, roles
    from numpydoc.docscrape_sphinx import get_doc_object

    def role(name, rawtext, text, lineno, inliner, options=None, content=None):
        return [nodes.literal(rawtext, text)], []

    class Stub(Directive):
        has_content = True
        optional_arguments = 10
        final_argument_whitespace = True
        option_spec = None

        def run(self):
            return []

    Stub.option_spec = type("AnyOption", (dict,), {
        "__missing__": lambda self, key: directives.unchanged,
        "__contains__": lambda self, key: True,
    })()
    for name in _SPHINX_ROLES:
        roles.register_local_role(name, role)
    for name in _SPHINX_DIRECTIVES:
        directives.register_directive(name, Stub)
    config = {"show_class_members": False, "xref_param_type": False,
              "attributes_as_param_list": True}
    # The docs build quotes names ending in "_" in type lines first.
    lines = _sklot_api().escape_type_underscores(
        (inspect.getdoc(obj) or "").splitlines()
    )
    text = str(get_doc_object(obj, doc="\n".join(lines), config=config))
    stream = io.StringIO()
    publish_doctree(text, settings_overrides={
        "warning_stream": stream, "report_level": 2, "halt_level": 5,
        "file_insertion_enabled": False, "raw_enabled": False,
    })
    messages = re.findall(r"^<string>:\d+: \((?:WARNING|ERROR|SEVERE)/\d\) (.*)$",
                          stream.getvalue(), flags=re.M)
    return [("SK04", f"invalid reStructuredText: {m}") for m in messages]


def _dataclass_fields_documented(obj, errors):
    """Dataclass fields may be documented under Attributes instead."""
    if not (inspect.isclass(obj) and dataclasses.is_dataclass(obj)):
        return errors
    doc = docscrape.get_doc_object(obj)
    if doc["Parameters"]:
        return errors
    attributes = [a.name for a in doc["Attributes"]]
    fields = [f.name for f in dataclasses.fields(obj) if f.init]
    kept = [e for e in errors if e[0] not in {"PR01", "PR02", "PR03"}]
    if attributes[: len(fields)] != fields:
        kept.append(
            ("PR01", f"dataclass fields {fields} must be documented, in order, "
             f"under Parameters or Attributes (found {attributes})")
        )
    return kept


def _errors(path, kind):
    obj = _resolve(path)
    result = numpydoc_validate.validate(path)
    errors = [(code, msg) for code, msg in result["errors"] if code in CHECKED]
    if kind == "property":
        return [(c, m) for c, m in errors if c in {"GL08", "SS01"}]
    if kind == "method":
        errors = [(c, m) for c, m in errors if c not in METHOD_EXEMPT_CODES]
    errors = _dataclass_fields_documented(obj, errors)
    if kind == "public":
        if path in NO_EXAMPLES:
            errors = [(c, m) for c, m in errors if c != "EX01"]
        elif not any(c == "EX01" for c, _ in errors):
            examples = "\n".join(docscrape.get_doc_object(obj)["Examples"])
            if ">>>" not in examples:
                errors.append(("SK01", "Examples section has no '>>>' line"))
    if kind in ("public", "method"):
        errors += _default_errors(obj)
    if not any(c == "GL08" for c, _ in errors):
        errors += _rst_errors(obj)
    return errors


@pytest.mark.parametrize("path, kind", TARGETS, ids=[t[0] for t in TARGETS])
def test_docstring(path, kind):
    errors = _errors(path, kind)
    if errors:
        lines = "\n".join(f"  {code}: {msg}" for code, msg in errors)
        pytest.fail(
            f"{path} ({kind}) breaks the numpydoc conventions checked by "
            f"tests/test_docstrings.py:\n{lines}\n"
            "Fix the docstring (numpydoc as in scikit-learn: summary, Parameters as "
            "'name : type, default=...' in signature order, Returns, ..., "
            "Examples with runnable '>>>' lines; in prose, put names ending "
            "in '_' inside double backticks). The module "
            "docstring of tests/test_docstrings.py explains each code.",
            pytrace=False,
        )


def test_no_examples_exemptions_are_current():
    public = {path for path, _ in _public_objects()}
    stale = sorted(set(NO_EXAMPLES) - public)
    assert not stale, f"remove from NO_EXAMPLES in tests/test_docstrings.py: {stale}"


def test_checks_can_fail():
    # The validation itself must catch bad docstrings (a bare trailing
    # underscore in prose is a broken link; in a type line it is quoted).
    def bad_order(x, y=2, z="a"):
        """Do something.

        Parameters
        ----------
        y : int, default=3
            Second.
        x : float
            First.
        z : str
            Third.
        """
        return x + y

    def bad_colon(x):
        """Do nothing.

        Parameters
        ----------
        x: float of shape (n_features_in_,)
            First, see n_features_in_.
        """

    module = importlib.import_module(__name__)
    module._bad_order, module._bad_colon = bad_order, bad_colon
    try:
        result = numpydoc_validate.validate(f"{__name__}._bad_order")
        codes = {code for code, _ in result["errors"]}
        assert {"PR03", "RT01", "EX01"} <= codes
        result = numpydoc_validate.validate(f"{__name__}._bad_colon")
        assert "PR10" in {code for code, _ in result["errors"]}
        sk = {code for code, _ in _default_errors(bad_order)}
        assert sk == {"SK02", "SK03"}
        assert not _rst_errors(bad_order)
        assert [code for code, _ in _rst_errors(bad_colon)] == ["SK04"]
    finally:
        del module._bad_order, module._bad_colon


def _registry():
    path = pathlib.Path(__file__).with_name("test_common.py")
    spec = importlib.util.spec_from_file_location("_sklot_registry", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ESTIMATORS


ESTIMATORS = _registry()


def _fit_any(estimator):
    """Fit on small stacked data, trying the input forms sklot estimators use."""
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(40, 3))
    y_class = np.r_[np.arange(30) % 2, -np.ones(10, dtype=int)]
    y_reg = np.r_[rng.normal(size=30), np.full(10, np.nan)]
    errors = []
    for args in ((X, y_class), (X, y_reg), (X,)):
        est = clone(estimator)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return est.fit(*args)
        except Exception as exc:  # try the next input form
            errors.append(f"{type(exc).__name__}: {exc}")
    pytest.fail(
        f"could not fit {estimator!r} on any small input form to check its "
        f"fitted attributes; extend _fit_any in tests/test_docstrings.py: "
        f"{errors}"
    )


@pytest.mark.parametrize(
    "estimator", ESTIMATORS, ids=[type(e).__name__ for e in ESTIMATORS]
)
def test_fitted_attributes_are_documented(estimator):
    fitted = _fit_any(estimator)
    documented = {
        a.name.split(":")[0].strip()
        for a in docscrape.get_doc_object(type(estimator))["Attributes"]
    }
    fitted_attrs = {
        name for name in vars(fitted)
        if name.endswith("_") and not name.startswith("_")
    }
    missing = sorted(fitted_attrs - documented)
    assert not missing, (
        f"SK05: {type(estimator).__name__} sets {missing} in fit but its "
        "docstring's Attributes section does not list them"
    )
