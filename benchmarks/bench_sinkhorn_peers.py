"""Balanced Sinkhorn: sklot against OTT-JAX and GeomLoss on the CPU, one run.

Usage: ``python benchmarks/bench_sinkhorn_peers.py [--sizes 1000 4000]
[--regs 0.05 0.01 0.005] [--tol 1e-6] [--repeat 3] [--ott-max-iter 2000]
[--geomloss-scalings 0.9 0.99] [--geomloss-max-n 4000]``.

Install the peers with ``pip install ott-jax "jax[cpu]" geomloss torch``
(bench extra ``bench-speed``; never a runtime dependency). A peer that is
missing is reported as such and skipped.

Problem: uniform Gaussian clouds in R^10 (``Y`` shifted by 0.5), squared
Euclidean cost ``C = |x - y|^2``, ``reg = factor * median(C)``, float64 on
every side (JAX runs with ``jax_enable_x64``).

Equal accuracy. Every solver is asked for an L1 marginal error of ``tol``
and the achieved error is measured the same way for all of them, on the
plan each one returns (both marginals, summed):

- sklot ``sinkhorn(tol=tol)`` stops on exactly that test;
- OTT-JAX ``Sinkhorn(threshold=tol)`` stops on the L1 error of one marginal
  (``norm_error=1``); it runs with its defaults otherwise (momentum and
  Anderson off, as shipped), jit-compiled, with its relative epsilon
  (``relative_epsilon="mean"``, ``epsilon = reg / mean(C)``: the same
  absolute ``reg``). The first call (compilation and one solve) is timed
  apart ("ott jit s") and excluded from the timed runs. Its iterations are
  capped by ``--ott-max-iter`` so that a run ends on a loaded machine: a
  capped run that has not reached the tolerance is marked ``ott conv=False``
  and its ratio is then a lower bound;
- GeomLoss has no tolerance: its epsilon-scaling schedule runs a fixed
  number of steps set by ``scaling``, and even at ``scaling=0.99`` its plan
  stays about 1e-2 from the marginals. So GeomLoss is compared at its own
  accuracy: for ``scaling`` in ``GEOMLOSS_SCALINGS`` the script measures the
  error of GeomLoss's plan (``backend="tensorized"``, ``debias=False``,
  ``potentials=True``; the plan is rebuilt from its potentials), then times
  sklot asked for that same error.

Ratios are peer time / sklot time (larger is better for sklot), medians of
interleaved repeats after a warm-up call; wall and CPU seconds of the
process are both printed, with the load averages at the start of each row.
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from _timing import print_table, timed  # noqa: E402

from sklot.solvers import cost_matrix, sinkhorn  # noqa: E402

DIM = 10
GEOMLOSS_SCALINGS = (0.9, 0.99)


def _clouds(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, DIM)), rng.normal(size=(n, DIM)) + 0.5


def _l1_violation(P, a, b):
    return float(np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum())


def _plan_from_potentials(f, g, C, reg, a, b):
    """Primal plan a_i b_j exp((f_i + g_j - C_ij) / reg)."""
    f, g = np.ravel(f), np.ravel(g)
    return np.exp((f[:, None] + g[None, :] - C) / reg) * a[:, None] * b[None, :]


def _sklot_solver(C, a, b, reg, tol):
    def run():
        res = sinkhorn(a, b, C, reg, tol=tol, max_iter=100_000)
        return res.plan, res.n_iter

    return run


def _ott_solver(X, Y, a, b, reg, tol, max_iter):
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        from ott.geometry import pointcloud
        from ott.problems.linear import linear_problem
        from ott.solvers.linear import sinkhorn as ott_sinkhorn
    except ImportError:
        return None

    solver = ott_sinkhorn.Sinkhorn(threshold=tol, max_iterations=max_iter)
    # OTT's relative epsilon: a fraction of the mean cost.
    rel = reg / float(np.mean(cost_matrix(X, Y)))

    @jax.jit
    def solve(x, y, wa, wb):
        geom = pointcloud.PointCloud(
            x, y, epsilon=rel, relative_epsilon="mean"
        )
        out = solver(linear_problem.LinearProblem(geom, wa, wb))
        return out.matrix, out.n_iters

    x, y = jnp.asarray(X), jnp.asarray(Y)
    wa, wb = jnp.asarray(a), jnp.asarray(b)

    def run():
        P, n_iter = solve(x, y, wa, wb)
        P.block_until_ready()
        return np.asarray(P), int(n_iter)

    return run


def _geomloss_solver(X, Y, a, b, reg, scaling):
    try:
        import torch
        from geomloss import SamplesLoss
    except ImportError:
        return None
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    wa, wb = torch.from_numpy(a), torch.from_numpy(b)
    C = cost_matrix(X, Y)
    # GeomLoss's cost for p = 2 is |x - y|^2 / 2 and its epsilon is blur^p.
    loss = SamplesLoss(
        "sinkhorn", p=2, blur=float(np.sqrt(reg / 2.0)), scaling=scaling,
        debias=False, potentials=True, backend="tensorized",
    )

    def run():
        with torch.no_grad():
            f, g = loss(wa, x, wb, y)
        # GeomLoss's potentials are in units of its cost, C / 2.
        return _plan_from_potentials(
            2.0 * f.numpy(), 2.0 * g.numpy(), C, reg, a, b
        ), None

    return run


def _interleaved(fns, repeat):
    """Median wall and CPU seconds of each function, runs interleaved."""
    wall = {name: [] for name in fns}
    cpu = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            _, w, c = timed(fn)
            wall[name].append(w)
            cpu[name].append(c)
    med = statistics.median
    return ({k: med(v) for k, v in wall.items()},
            {k: med(v) for k, v in cpu.items()})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--regs", type=float, nargs="+",
                        default=[0.05, 0.01, 0.005])
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ott-max-iter", type=int, default=2000)
    parser.add_argument("--geomloss-scalings", type=float, nargs="*",
                        default=list(GEOMLOSS_SCALINGS))
    parser.add_argument("--geomloss-max-n", type=int, default=4000)
    args = parser.parse_args(argv)

    rows = []
    for n in args.sizes:
        X, Y = _clouds(n)
        C = cost_matrix(X, Y)
        a = np.full(n, 1.0 / n)
        b = a.copy()
        median = float(np.median(C))
        for factor in args.regs:
            reg = factor * median
            load = os.getloadavg()[0]
            fns = {"sklot": _sklot_solver(C, a, b, reg, args.tol)}
            outputs = {"sklot": fns["sklot"]()}  # warm-up
            ott = _ott_solver(X, Y, a, b, reg, args.tol, args.ott_max_iter)
            if ott is not None:
                tic = time.perf_counter()
                outputs["ott"] = ott()
                compile_s = time.perf_counter() - tic
                fns["ott"] = ott
            times, cpu = _interleaved(fns, args.repeat)
            row = {
                "n": n,
                "reg/median": factor,
                "load": round(load, 1),
                "tol": args.tol,
                "sklot s": times["sklot"],
                "sklot cpu": cpu["sklot"],
                "sklot it": outputs["sklot"][1],
                "sklot err": _l1_violation(outputs["sklot"][0], a, b),
            }
            if "ott" in fns:
                ott_err = _l1_violation(outputs["ott"][0], a, b)
                row.update({
                    "ott s": times["ott"],
                    "ott cpu": cpu["ott"],
                    "ott jit s": compile_s,
                    "ott it": outputs["ott"][1],
                    "ott err": ott_err,
                    "ott conv": ott_err <= 2 * args.tol,
                    "ott/sklot": times["ott"] / times["sklot"],
                })
            rows.append(row)
            print(", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
            scalings = args.geomloss_scalings if n <= args.geomloss_max_n else []
            for scaling in scalings:
                geom = _geomloss_solver(X, Y, a, b, reg, scaling)
                if geom is None:
                    break
                err = _l1_violation(geom()[0], a, b)
                fns = {
                    "sklot": _sklot_solver(C, a, b, reg, err),
                    "geomloss": geom,
                }
                load = os.getloadavg()[0]
                fns["sklot"]()  # warm-up at this tolerance
                times, cpu = _interleaved(fns, args.repeat)
                out = fns["sklot"]()
                row = {
                    "n": n,
                    "reg/median": factor,
                    "load": round(load, 1),
                    "tol": err,
                    "sklot s": times["sklot"],
                    "sklot cpu": cpu["sklot"],
                    "sklot it": out[1],
                    "sklot err": _l1_violation(out[0], a, b),
                    "geomloss scaling": scaling,
                    "geomloss s": times["geomloss"],
                    "geomloss cpu": cpu["geomloss"],
                    "geomloss/sklot": times["geomloss"] / times["sklot"],
                }
                rows.append(row)
                print(", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    print()
    print_table([[row.get(c, "-") for c in columns] for row in rows], columns)


if __name__ == "__main__":
    main()
