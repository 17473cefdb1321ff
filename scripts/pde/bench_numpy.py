#!/usr/bin/python3
"""Times the NumPy implementations of trajdiff's PDE schemes on the workloads of the Go benchmarks
BenchmarkReferenceWorkload (one trajectory at each system's default resolution), single-threaded.

Usage: /usr/bin/python3 scripts/pde/bench_numpy.py [--repeat R] [--skip-smoke]
Prints one line per system: wall seconds and process CPU seconds per trajectory (best of R runs).
The Go side: go test -run XXX -bench ReferenceWorkload ./pde/...
"""
import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import burgers_ref  # noqa: E402
import cns_ref  # noqa: E402
import smoke_ref  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def mc(a, b):
    c = 0.5 * (a + b)
    lo = np.minimum(np.minimum(c, 2 * a), 2 * b)
    hi = np.maximum(np.maximum(c, 2 * a), 2 * b)
    return np.where(a * b <= 0, 0.0, np.where(a > 0, lo, hi))


def advection_solve(u0, beta=1.0, cells=1024, T=2.0, frames=200, cfl=0.4):
    """PDEBench's MUSCL-MC upwind scheme with the midpoint predictor-corrector (package pde/advection)."""
    n = cells
    dx = 1.0 / n
    steps = int(math.ceil(T / frames / (cfl * dx / abs(beta)) * (1 - 1e-12)))
    dt = T / (frames * steps)
    u = np.zeros(n + 4)
    u[2:n + 2] = u0
    out = np.zeros((frames + 1, n))
    out[0] = u0

    def flux(v):
        v[0], v[1] = v[n], v[n + 1]
        v[n + 2], v[n + 3] = v[2], v[3]
        sl = mc(v[1:n + 3] - v[0:n + 2], v[2:n + 4] - v[1:n + 3])  # padded cells 1..n+2
        uR = v[1:n + 3] + 0.5 * sl
        uL = v[1:n + 3] - 0.5 * sl
        # face between padded j-1 and j, j = 2..n+2
        return 0.5 * (beta * uR[:-1] + beta * uL[1:] - abs(beta) * (uL[1:] - uR[:-1]))

    us = np.zeros(n + 4)
    for fr in range(frames):
        for _ in range(steps):
            f = flux(u)
            us[2:n + 2] = u[2:n + 2] - (0.5 * dt / dx) * (f[1:] - f[:-1])
            f = flux(us)
            u[2:n + 2] = u[2:n + 2] - (dt / dx) * (f[1:] - f[:-1])
        out[fr + 1] = u[2:n + 2]
    return out


def reference_profile(x):
    return 0.8 * np.sin(2 * math.pi * 2 * x + 0.3) + 0.5 * np.sin(2 * math.pi * 3 * x + 1.1)


def timeit(fn, repeat):
    best_wall, best_cpu = math.inf, math.inf
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-smoke", action="store_true")
    args = ap.parse_args()
    results = {}

    x = (np.arange(1024) + 0.5) / 1024
    results["advection"] = timeit(lambda: advection_solve(reference_profile(x)), args.repeat)

    bref = json.load(open(os.path.join(ROOT, "testdata", "pde", "burgers_ref.json")))["cases"][0]
    bp = bref["params"]
    u0 = np.array(bref["u"][:bp["cells"]])
    f = np.array(bref["f"]).reshape(bp["frames"], bp["cells"])
    results["burgers"] = timeit(lambda: burgers_ref.solve(bp, u0, f), args.repeat)

    cref = json.load(open(os.path.join(ROOT, "testdata", "pde", "cns_ref.json")))["cases"][0]
    cp = cns_ref.default_params()
    rho, vel, pres = cns_ref.initial_state(cp, cref["initial"])
    solver = cns_ref.Solver(cp)
    results["cns"] = timeit(lambda: solver.solve(rho, vel, pres), max(1, args.repeat // 3))

    if not args.skip_smoke:
        sm = smoke_ref.Smoke()
        ctl = smoke_ref.fixed_control(sm.steps // sm.stride + 1, sm.m, sm.r, sm.lo, sm.hi)
        results["smoke"] = timeit(lambda: sm.run(40, 22, 11, ctl), 1)

    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    for name, (wall, cpu) in results.items():
        extra = f", {solver.steps} steps" if name == "cns" else ""
        print(f"{name:10s} wall {wall:9.4f} s/traj   cpu {cpu:9.4f} s/traj{extra}")


if __name__ == "__main__":
    main()
