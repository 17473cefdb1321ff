#!/usr/bin/python3
"""Times the NumPy smoke reference (scripts/pde/smoke_ref.py) on the workload of the Go benchmark
BenchmarkReferenceWorkload (pde/smoke): one 128^2 trajectory, 257 steps, the fixed control, smoke at
(40, 22) of size 11 -- the smoke part of scripts/pde/bench_numpy.py, alone, single-threaded.

Usage: /usr/bin/python3 scripts/pde/smoke_numpy_bench.py [--repeat R]
Prints wall and process CPU seconds per trajectory (best of R runs).
"""
import argparse
import math
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smoke_ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    sm = smoke_ref.Smoke()
    ctl = smoke_ref.fixed_control(sm.steps // sm.stride + 1, sm.m, sm.r, sm.lo, sm.hi)
    best_wall, best_cpu = math.inf, math.inf
    for _ in range(args.repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        sm.run(40, 22, 11, ctl)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    print(f"numpy {np.__version__}: smoke wall {best_wall:.3f} s/traj cpu {best_cpu:.3f} s/traj")


if __name__ == "__main__":
    main()
