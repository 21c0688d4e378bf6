import json
import os
import subprocess
import sys
import textwrap

import sklot


def test_show_versions_lists_sklot_dependencies_and_numba(capsys):
    sklot.show_versions()
    out = capsys.readouterr().out
    assert f"sklot: {sklot.__version__}" in out
    for name in ("numpy", "scipy", "scikit-learn", "numba", "joblib", "pandas"):
        line = next(x for x in out.splitlines() if x.strip().startswith(name + ":"))
        assert "not installed" not in line
    for heading in ("System:", "Python dependencies:", "Optional packages:",
                    "numba:", "Thread pools (BLAS, OpenMP):"):
        assert heading in out.splitlines()
    assert "threading layers available: " in out
    assert "workqueue" in out  # numba's own layer always loads


def test_show_versions_starts_no_thread_and_compiles_nothing():
    code = textwrap.dedent(
        """
        import gc, io, json, contextlib
        import sklot
        from numba.core.registry import CPUDispatcher
        from numba.np.ufunc import parallel
        with contextlib.redirect_stdout(io.StringIO()) as out:
            sklot.show_versions()
        compiled = [o.__qualname__ for o in gc.get_objects()
                    if isinstance(o, CPUDispatcher) and o.signatures]
        print(json.dumps([parallel._is_initialized, compiled,
                          "threading layer in use: none yet" in out.getvalue()]))
        """
    )
    env = {**os.environ, "SKLOT_NUMBA_PARALLEL": "0"}
    out = subprocess.run([sys.executable, "-c", code], check=True,
                         capture_output=True, text=True, env=env)
    assert json.loads(out.stdout.splitlines()[-1]) == [False, [], True]


def test_show_versions_reports_the_sklot_switches():
    code = "import sklot; sklot.show_versions()"
    env = {**os.environ, "SKLOT_NUMBA_FASTMATH": "0"}
    out = subprocess.run([sys.executable, "-c", code], check=True,
                         capture_output=True, text=True, env=env).stdout
    assert "SKLOT_NUMBA_FASTMATH: 0" in out


def test_show_versions_is_public():
    assert "show_versions" in dir(sklot)
    assert "show_versions" in sklot.__all__
