"""Importing sklot compiles nothing and stays cheap."""

import json
import subprocess
import sys
import textwrap

import sklot


def _run(code):
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_compiles_no_kernel():
    result = _run(
        f"""
        import json, importlib
        import numba
        from numba.core.registry import CPUDispatcher
        for name in {list(sklot._SUBPACKAGES)!r}:
            importlib.import_module("sklot." + name)
        import sklot._kernels as k, pkgutil
        for info in pkgutil.iter_modules(k.__path__):
            importlib.import_module("sklot._kernels." + info.name)
        compiled = []
        import gc
        for obj in gc.get_objects():
            if isinstance(obj, CPUDispatcher) and obj.__module__.startswith("sklot"):
                if obj.signatures:
                    compiled.append(obj.__qualname__)
        print(json.dumps(compiled))
        """
    )
    assert result == []


def test_import_sklot_imports_no_optional_dependency():
    result = _run(
        """
        import json, sys
        import sklot
        for name in sklot._SUBPACKAGES:
            getattr(sklot, name)
        bad = [m for m in ("ot", "matplotlib", "PIL", "torch", "cvxpy")
               if m in sys.modules]
        print(json.dumps(bad))
        """
    )
    assert result == []


def test_bare_import_loads_nothing_heavy():
    # `import sklot` is lazy: subpackages (and their dependencies) load on
    # first attribute access.
    result = _run(
        """
        import json, sys
        before = set(sys.modules)
        import sklot
        new = {m.split(".")[0] for m in set(sys.modules) - before}
        print(json.dumps(sorted(new)))
        """
    )
    assert set(result) <= {"sklot", "importlib"}


_TOP_LEVEL_MODULES = """
    import json, sys
    {imports}
    new = {{m.split(".")[0] for m in sys.modules}}
    new = {{m for m in new - set(sys.stdlib_module_names)
           if not m.startswith("_") and "mypyc" not in m}}
    print(json.dumps(sorted(new)))
"""


def test_subpackages_import_only_runtime_dependencies():
    # Import cost is bounded by what is imported: sklot may pull in nothing
    # beyond its runtime dependencies (timings are not asserted).
    deps = _run(
        _TOP_LEVEL_MODULES.format(
            imports="import numpy, scipy.optimize, scipy.spatial, scipy.stats, "
            "scipy.linalg, scipy.special, sklearn.base, sklearn.utils, "
            "sklearn.model_selection, sklearn.neighbors, sklearn.covariance, "
            "sklearn.linear_model, sklearn.cluster, sklearn.metrics, "
            "sklearn.svm, sklearn.preprocessing, numba, pandas, joblib"
        )
    )
    ours = _run(
        _TOP_LEVEL_MODULES.format(
            imports="import sklot; [getattr(sklot, n) for n in sklot._SUBPACKAGES]"
        )
    )
    assert set(ours) - set(deps) <= {"sklot"}
