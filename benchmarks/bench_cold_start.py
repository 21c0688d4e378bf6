"""The demo on a cold numba cache: wall and CPU time, and where compiling goes.

Usage: ``python benchmarks/bench_cold_start.py [--runs N] [--section NAME]
[--profile]``.

Each run starts ``python -m sklot demo`` in a fresh process with an empty
cache directory (``SKLOT_NUMBA_CACHE_DIR`` pointing to a new temporary
folder), so every kernel compiles, then runs it once more on that cache
(warm). It prints wall time and CPU time (user + system of the child); CPU
time is the steadier figure on a shared machine. The budget: the 8 sections
within 60 s on two cores with a cold cache.

``--profile`` runs the demo once more in this process with numba's compile
events timed and prints the functions that took longest to compile
(exclusive of the functions they call, which compile first), how many
signatures each compiled, and the compile time per section. Two signatures
of one function are two compilations: a read-only and a writable array, or
an argument typed as a constant, are different types to numba.
"""

import argparse
import collections
import os
import resource
import subprocess
import sys
import tempfile
import time


def _demo_command(sections, output):
    cmd = [sys.executable, "-m", "sklot", "demo", "--output", output]
    for name in sections or []:
        cmd += ["--section", name]
    return cmd


def _timed_run(cmd, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    tic = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - tic
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    ok = proc.returncode == 0
    return wall, cpu, ok


def _profile(sections, output):
    from numba.core import event

    stack, records = [], []
    current = ["(import)"]

    class Listener(event.Listener):
        def on_start(self, ev):
            stack.append([time.perf_counter(), 0.0])

        def on_end(self, ev):
            tic, nested = stack.pop()
            total = time.perf_counter() - tic
            if stack:
                stack[-1][1] += total
            func = ev.data["dispatcher"].py_func
            name = f"{func.__module__}.{func.__qualname__}"
            records.append((name, total - nested, current[0]))

    event.register("numba:compile", Listener())
    import sklot._demo as demo

    run_section = demo._run_section

    def tagged(index, total, name, *args):
        current[0] = name
        return run_section(index, total, name, *args)

    demo._run_section = tagged
    with open(os.devnull, "w") as sink:
        stdout, sys.stdout = sys.stdout, sink
        try:
            demo.run_demo(output, sections=sections)
        finally:
            sys.stdout = stdout
            demo._run_section = run_section

    per_func = collections.defaultdict(lambda: [0, 0.0])
    per_section = collections.defaultdict(float)
    for name, seconds, section in records:
        per_func[name][0] += 1
        per_func[name][1] += seconds
        per_section[section] += seconds
    print(f"\n{len(records)} compilations, "
          f"{sum(r[1] for r in records):.1f} s in all")
    print("compile s per section: " + ", ".join(
        f"{k} {v:.1f}" for k, v in per_section.items()))
    print(f"{'seconds':>8} {'sigs':>4}  function")
    top = sorted(per_func.items(), key=lambda kv: -kv[1][1])[:25]
    for name, (count, seconds) in top:
        print(f"{seconds:8.2f} {count:4d}  {name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--section", action="append")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    print(f"load average at start: {os.getloadavg()}")
    print(f"{'run':>4} {'cold wall':>10} {'cold CPU':>9} "
          f"{'warm wall':>10} {'warm CPU':>9}")
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as cache, \
                tempfile.TemporaryDirectory() as output:
            env = {**os.environ, "SKLOT_NUMBA_CACHE_DIR": cache}
            cmd = _demo_command(args.section, output)
            cold = _timed_run(cmd, env)
            warm = _timed_run(cmd, env)
        flag = "" if cold[2] and warm[2] else "  (a section failed)"
        print(f"{run + 1:>4} {cold[0]:10.1f} {cold[1]:9.1f} "
              f"{warm[0]:10.1f} {warm[1]:9.1f}{flag}")
    print(f"load average at end: {os.getloadavg()}")

    if args.profile:
        with tempfile.TemporaryDirectory() as cache, \
                tempfile.TemporaryDirectory() as output:
            # read when sklot's kernels first attach their cache
            os.environ["SKLOT_NUMBA_CACHE_DIR"] = cache
            _profile(args.section, output)


if __name__ == "__main__":
    main()
