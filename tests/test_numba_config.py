"""The numba switches, the cache location and the thread policy.

Each switch is read at import, so every case runs in a fresh interpreter
with its own cache directory.
"""

import ast
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import textwrap

import pytest

import sklot
from sklot._kernels import _config
from sklot._kernels._dense import finish_sqeuclidean

PACKAGE = pathlib.Path(sklot.__file__).parent
_SWITCHES = (
    "SKLOT_NUMBA_CACHE",
    "SKLOT_NUMBA_FASTMATH",
    "SKLOT_NUMBA_PARALLEL",
    "SKLOT_NUMBA_CACHE_DIR",
    "NUMBA_CACHE_DIR",
)


def _env(**switches):
    env = {k: v for k, v in os.environ.items() if k not in _SWITCHES}
    env.update(switches)
    return env


def _run(code, env, prefix=(), cwd=None, args=()):
    out = subprocess.run(
        [*prefix, sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


# One small call of a parallel kernel's parallel build; what was compiled,
# with which flags, and whether it came from the cache.
_PROBE = """
    import json, threading
    import numpy as np
    import numba.np.ufunc.parallel as numba_parallel
    from sklot._kernels import _config
    from sklot._kernels._dense import finish_sqeuclidean
    from sklot.solvers import cost_matrix, sliced_wasserstein

    kernel = finish_sqeuclidean.parallel
    X, Y = np.ones((3, 1)), np.ones((2, 1))
    kernel(np.ones((3, 2)), np.ones(3), np.ones(2), X, Y, 1e-3)
    sig = kernel.signatures[0]
    stats = kernel.stats
    ir = kernel.inspect_llvm(sig) if not stats.cache_hits else ""
    fastmath = kernel.targetoptions["fastmath"]
    # Large enough for the sort pool and every parallel build.
    X = np.random.default_rng(0).normal(size=(20_000, 3))
    cost_matrix(X[:500], X[:500])
    sliced_wasserstein(X, X + 1.0, n_projections=50, random_state=0)
    print(json.dumps({
        "fastmath": sorted(fastmath) if fastmath else False,
        "parallel": bool(kernel.targetoptions["parallel"]),
        "hits": sum(stats.cache_hits.values()),
        "misses": sum(stats.cache_misses.values()),
        "fast_flags_in_ir": sorted(
            f for f in ("reassoc", "nnan", "ninf", " fast ") if f in ir
        ),
        "ir_checked": bool(ir),
        "numba_threads_started": numba_parallel._is_initialized,
        "threads": threading.active_count(),
        "num_threads": _config.num_threads(),
    }))
"""


def _files(path):
    return sorted(
        str(p.relative_to(path)) for p in pathlib.Path(path).rglob("*") if p.is_file()
    )


def test_fastmath_flag_set_is_pinned():
    # Kernels rely on inf arithmetic (-inf log-weights): nnan and ninf
    # would make it undefined; "fast" would include them.
    assert _config.FASTMATH_FLAGS == {"reassoc", "contract", "arcp", "nsz", "afn"}
    if _config.FASTMATH:
        assert _config.FASTMATH == set(_config.FASTMATH_FLAGS)
        assert finish_sqeuclidean.serial.targetoptions["fastmath"] == _config.FASTMATH


def test_switches_are_honoured_with_a_warm_cache(tmp_path):
    cache = tmp_path / "cache"
    fast, _ = _run(_PROBE, _env(SKLOT_NUMBA_CACHE_DIR=str(cache)))
    assert fast["fastmath"] == sorted(_config.FASTMATH_FLAGS)
    assert fast["parallel"] and fast["misses"] == 1 and fast["hits"] == 0
    assert fast["ir_checked"] and fast["fast_flags_in_ir"] == ["reassoc"]
    assert fast["numba_threads_started"]

    # The cache now holds fast-math parallel kernels; the switches still win.
    ieee, _ = _run(
        _PROBE, _env(SKLOT_NUMBA_CACHE_DIR=str(cache), SKLOT_NUMBA_FASTMATH="0")
    )
    assert ieee["fastmath"] is False
    assert ieee["hits"] == 0 and ieee["misses"] == 1
    assert ieee["ir_checked"] and ieee["fast_flags_in_ir"] == []

    serial, _ = _run(
        _PROBE, _env(SKLOT_NUMBA_CACHE_DIR=str(cache), SKLOT_NUMBA_PARALLEL="0")
    )
    assert serial["parallel"] is False and serial["hits"] == 0
    # One thread everywhere: numba's pool never started, no sort pool.
    assert not serial["numba_threads_started"]
    assert serial["threads"] == 1 and serial["num_threads"] == 1

    # Each flag set keeps its own entry: a second run loads it.
    again, _ = _run(_PROBE, _env(SKLOT_NUMBA_CACHE_DIR=str(cache)))
    assert again["hits"] == 1 and again["misses"] == 0
    assert again["fastmath"] == sorted(_config.FASTMATH_FLAGS)


def test_cache_switch_writes_nothing(tmp_path):
    cache = tmp_path / "cache"
    result, _ = _run(
        _PROBE, _env(SKLOT_NUMBA_CACHE_DIR=str(cache), SKLOT_NUMBA_CACHE="0")
    )
    assert result["hits"] == 0
    assert not cache.exists() or _files(cache) == []
    written, _ = _run(_PROBE, _env(SKLOT_NUMBA_CACHE_DIR=str(cache)))
    assert written["misses"] == 1
    assert any(name.endswith(".nbi") for name in _files(cache))


# --- a cache location nobody can write ------------------------------------

_FIRST_CALL = """
    import json, sys, tempfile, warnings
    {setup}
    warnings.simplefilter("always")
    with warnings.catch_warnings(record=True) as caught:
        import sklot.solvers
        import numpy as np
        X = np.arange(6.0).reshape(3, 2)
        value = float(sklot.solvers.cost_matrix(X, X).sum())
        res = sklot.solvers.sinkhorn(np.ones(3) / 3, np.ones(3) / 3,
                                     sklot.solvers.cost_matrix(X, X), 1.0)
    print(json.dumps({{
        "file": sklot.__file__,
        "value": value,
        "converged": bool(res.converged),
        "warnings": [str(w.message) for w in caught
                     if "cache" in str(w.message)],
    }}))
"""


@pytest.fixture
def read_only_install():
    """A copy of sklot that the subprocess cannot write, and how to run it.

    root ignores file permissions, so as root the subprocess runs as
    ``nobody``; otherwise the copy is made read-only.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv to drop privileges")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    else:
        prefix = []
    root = pathlib.Path(tempfile.mkdtemp(prefix="sklot-ro-"))
    try:
        shutil.copytree(
            PACKAGE, root / "site" / "sklot",
            ignore=shutil.ignore_patterns("__pycache__", "tests"),
        )
        temp = root / "tmp"
        temp.mkdir()
        temp.chmod(0o777)  # the only writable place: a private temp dir
        for path in [root, *root.joinpath("site").rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        if not prefix:
            for path in [*root.joinpath("site").rglob("*"), root / "site"]:
                path.chmod(0o555 if path.is_dir() else 0o444)
        env = _env(
            PYTHONPATH=str(root / "site"),
            HOME=str(root / "no-home"),
            TMPDIR=str(temp),
        )
        env.pop("XDG_CACHE_HOME", None)
        yield root, prefix, env
    finally:
        for path in root.rglob("*"):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)


def test_unwritable_cache_falls_back_to_a_private_temp_dir(read_only_install):
    root, prefix, env = read_only_install
    result, stderr = _run(_FIRST_CALL.format(setup=""), env, prefix, root)
    assert result["file"].startswith(str(root))
    assert result["value"] == 96.0 and result["converged"]
    # Exactly one warning, which says how to choose a directory.
    assert len(result["warnings"]) == 1, result["warnings"]
    assert "SKLOT_NUMBA_CACHE_DIR" in result["warnings"][0]
    assert "temporary directory" in result["warnings"][0]
    assert any(name.endswith(".nbi") for name in _files(root / "tmp"))
    assert "Traceback" not in stderr


def test_read_only_install_uses_the_user_cache_silently(read_only_install):
    root, prefix, env = read_only_install
    home = root / "home"
    home.mkdir()
    home.chmod(0o777)
    env = dict(env, HOME=str(home))
    result, _ = _run(_FIRST_CALL.format(setup=""), env, prefix, root)
    assert result["value"] == 96.0 and result["warnings"] == []
    user_cache = home / ".cache" / "sklot" / "numba"
    assert any(name.endswith(".nbi") for name in _files(user_cache))

    # A chosen directory that cannot be written is named in one warning.
    chosen = root / "site" / "chosen"
    env[_config._ENV_CACHE_DIR] = str(chosen)
    result, _ = _run(_FIRST_CALL.format(setup=""), env, prefix, root)
    assert result["value"] == 96.0
    assert len(result["warnings"]) == 1, result["warnings"]
    assert str(chosen) in result["warnings"][0]
    assert str(user_cache) in result["warnings"][0]


def test_no_writable_place_at_all_runs_uncached(read_only_install):
    root, prefix, env = read_only_install
    setup = f"tempfile.tempdir = {str(root / 'site')!r}"
    result, _ = _run(_FIRST_CALL.format(setup=setup), env, prefix, root)
    assert result["value"] == 96.0 and result["converged"]
    assert len(result["warnings"]) == 1, result["warnings"]
    assert "compiles them again" in result["warnings"][0]
    assert "SKLOT_NUMBA_CACHE_DIR" in result["warnings"][0]


# --- the thread policy lives in one module --------------------------------

_THREAD_NAMES = {"set_num_threads", "get_num_threads", "ThreadPoolExecutor"}


def test_thread_decisions_are_taken_in_the_config_module_only():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or path == pathlib.Path(_config.__file__):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = set()
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.ImportFrom | ast.Import):
                names.update(alias.name for alias in node.names)
            if names & _THREAD_NAMES:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_estimators_do_not_import_numba():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in {"_kernels", "tests"} or "tests" in rel.parts:
            continue
        if rel.name == "_show_versions.py":  # reports numba's settings
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                    a.name for a in node.names
                ]
                if any(n.split(".")[0] == "numba" for n in names):
                    offenders.append(str(rel))
    assert offenders == []


def test_the_build_depends_on_the_size_only():
    small = finish_sqeuclidean.sized(_config.PARALLEL_MIN_WORK - 1)
    large = finish_sqeuclidean.sized(_config.PARALLEL_MIN_WORK)
    assert small is finish_sqeuclidean.serial
    assert large is (
        finish_sqeuclidean.parallel if _config.PARALLEL else finish_sqeuclidean.serial
    )
    assert small.targetoptions["parallel"] is False
    with _config.single_threaded():
        # Inside a worker the choice is the same; only the thread count drops.
        assert finish_sqeuclidean.sized(_config.PARALLEL_MIN_WORK) is large
        assert _config.num_threads() == 1


# --- the same code whether compiled here or loaded from the cache ----------

# numba links a copy of every kernel a kernel calls into its machine code;
# under fast-math such copies may round differently. The batched Sinkhorn
# (both builds), IBP and the matrix-free Sinkhorn on the same inputs, with
# what was compiled and what came from the cache. ``first`` loads another
# kernel sharing the scaling helpers before the batched one.
_SAME_INPUTS = """
    import hashlib, json, sys
    import numpy as np
    from sklearn.datasets import load_digits
    from sklot._kernels._ibp import ibp_barycenters
    from sklot._kernels._sinkhorn_batch import sinkhorn_batch
    from sklot.solvers import barycenter_fixed_support, cost_matrix, sinkhorn
    from sklot.solvers._entropic._batched import _as_csr
    from sklot.solvers._entropic._core import _gibbs

    digest = hashlib.sha256()
    def record(*arrays):
        for a in arrays:
            digest.update(np.ascontiguousarray(a, dtype=float).tobytes())

    r, c = np.meshgrid(np.arange(8.0), np.arange(8.0), indexing="ij")
    P = np.column_stack([r.ravel(), c.ravel()])
    C = cost_matrix(P, P)
    X = load_digits().data
    rng = np.random.default_rng(0)
    H = X[rng.choice(len(X), 7, replace=False)]
    H /= H.sum(1, keepdims=True)
    B = X[rng.choice(len(X), 3, replace=False)]
    B /= B.sum(1, keepdims=True)

    def barycenter():
        return barycenter_fixed_support(H, C, 0.05 * np.median(C)).plan
    if sys.argv[1] == "ibp_first":
        plan = barycenter()
    n_iter_total = 0
    for build in (sinkhorn_batch.parallel, sinkhorn_batch.serial):
        for rel in (0.3, 0.05, 0.01):
            reg = rel * np.median(C)
            G, shift = _gibbs(C, reg)
            logv = np.zeros((7, 3, 64))
            cost, error = np.empty((7, 3)), np.empty((7, 3))
            n_iter = np.empty((7, 3), np.intp)
            build(C, G, shift, *_as_csr(H), B, reg, 1000, 1e-9, logv, cost,
                  n_iter, error)
            record(cost, n_iter, error, logv)
            n_iter_total += int(n_iter.sum())
    if sys.argv[1] != "ibp_first":
        plan = barycenter()
    record(plan)
    Y = rng.normal(size=(40, 2))
    record(sinkhorn(X=Y, Y=Y[::-1] + 0.5, reg=0.5).potentials[0])

    kernels = [sinkhorn_batch.parallel, sinkhorn_batch.serial, ibp_barycenters.parallel]
    print(json.dumps({
        "digest": digest.hexdigest(),
        "n_iter": n_iter_total,
        "hits": sum(sum(k.stats.cache_hits.values()) for k in kernels),
        "misses": sum(sum(k.stats.cache_misses.values()) for k in kernels),
    }))
"""


def test_results_do_not_depend_on_how_the_kernels_got_into_the_process(tmp_path):
    cache = str(tmp_path / "cache")

    def run(threads, first):
        env = _env(SKLOT_NUMBA_CACHE_DIR=cache, NUMBA_NUM_THREADS=str(threads))
        return _run(_SAME_INPUTS, env, args=[first])[0]

    compiled = run(2, "batched_first")
    assert compiled["misses"] == 3 and compiled["hits"] == 0
    for threads, first in [(2, "batched_first"), (1, "batched_first"),
                           (1, "ibp_first")]:
        loaded = run(threads, first)
        assert loaded["hits"] == 3 and loaded["misses"] == 0
        assert loaded["n_iter"] == compiled["n_iter"], (threads, first)
        assert loaded["digest"] == compiled["digest"], (threads, first)
