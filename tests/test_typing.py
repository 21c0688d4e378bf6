"""The public API carries type hints and ships the PEP 561 ``py.typed`` marker.

Walked: every function and class in the ``__all__`` of the typed subpackages,
``sklot.show_versions``, and for each public class its ``__init__`` and the
estimator methods in ``ESTIMATOR_METHODS`` that the class defines in sklot.
Every parameter except ``self``, ``*args`` and ``**kwargs`` and the return
must be annotated.
"""

import importlib
import inspect
import pathlib
import re

import pytest

import sklot

ROOT = pathlib.Path(__file__).resolve().parents[1]

TYPED_SUBPACKAGES = (
    "adaptation",
    "cluster",
    "color",
    "datasets",
    "kernels",
    "linear_model",
    "metrics",
    "preprocessing",
    "solvers",
    "utils",
)

ESTIMATOR_METHODS = (
    "__init__",
    "fit",
    "transform",
    "predict",
    "fit_transform",
    "inverse_transform",
    "score_samples",
    "decision_function",
    "predict_proba",
)


def _defined_in_sklot(obj):
    return getattr(obj, "__module__", "").startswith("sklot.")


def _public_callables():
    found = [("sklot.show_versions", sklot.show_versions)]
    for subpackage in TYPED_SUBPACKAGES:
        module = importlib.import_module(f"sklot.{subpackage}")
        for name in module.__all__:
            obj = getattr(module, name)
            qualname = f"sklot.{subpackage}.{name}"
            if inspect.isfunction(obj):
                found.append((qualname, obj))
            elif inspect.isclass(obj):
                if issubclass(obj, Warning) or not _defined_in_sklot(obj):
                    continue  # warnings take a message; nothing to annotate
                for method in ESTIMATOR_METHODS:
                    owner = next(
                        (k for k in obj.__mro__ if method in k.__dict__), None
                    )
                    if owner is None or not _defined_in_sklot(owner):
                        continue  # scikit-learn's own methods are its business
                    function = owner.__dict__[method]
                    if inspect.isfunction(function):
                        found.append((f"{qualname}.{method}", function))
    return found


PUBLIC = _public_callables()


def test_walk_covers_every_subpackage():
    assert set(TYPED_SUBPACKAGES) == set(sklot._SUBPACKAGES)


def test_py_typed_ships():
    assert (ROOT / "sklot" / "py.typed").is_file()
    # A text check, since tomllib needs Python 3.11 and sklot supports 3.10.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[tool.setuptools.package-data]")[1].split("\n[")[0]
    assert re.search(r'^"sklot"\s*=\s*\[[^\]]*"py\.typed"', section, re.M), section


def test_walk_finds_the_api():
    names = {qualname for qualname, _ in PUBLIC}
    assert "sklot.solvers.emd" in names
    assert "sklot.cluster.WassersteinKMeans.fit" in names
    assert "sklot.cluster.WassersteinKMeans.__init__" in names
    assert "sklot.adaptation.OTDomainAdapter.fit" in names
    assert "sklot.adaptation.transport_cache" in names
    assert "sklot.show_versions" in names
    assert len(PUBLIC) > 60


@pytest.mark.parametrize(
    "function", [f for _, f in PUBLIC], ids=[q for q, _ in PUBLIC]
)
def test_signature_is_annotated(function):
    signature = inspect.signature(function)
    missing = [
        name
        for name, parameter in signature.parameters.items()
        if name != "self"
        and parameter.kind
        not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        and parameter.annotation is inspect.Parameter.empty
    ]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    assert not missing, f"not annotated: {', '.join(missing)}"
