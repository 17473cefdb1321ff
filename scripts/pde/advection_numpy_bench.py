#!/usr/bin/python3
"""Batched NumPy reference for the advection solver benchmarks (BenchmarkSolverScalar and
BenchmarkSolverBatched in pde/advection): the fastest NumPy form of the scheme I could write.

B trajectories advance together in preallocated buffers with in-place ufuncs only (no temporaries).
One stage of the midpoint scheme, on the state v with its periodic ghosts:

    d = v_{j+1} - v_j, d2 = 2*d                       (a = d_{j-1}, b = d_j, 2a, 2b reused)
    c = 0.5*(a + b); lo = min(min(c, 2a), 2b); hi = max(max(c, 2a), 2b)
    sl = hi; sl[a > 0] = lo; sl[a*b <= 0] = +0
    h = 0.5*sl; uL = v - h; uR = v + h
    F = 0.5*((beta*uR_{j-1} + beta*uL_j) - |beta|*(uL_j - uR_{j-1}))
    dst = src - c*(F_{j+1/2} - F_{j-1/2})

in the Go solver's operation order (for data without NaN, min/max select the same value as the Go
limiter's comparisons), so the result is bit-identical to the Go solver: checked at startup against the
one-trajectory NumPy form of scripts/pde/bench_numpy.py on three generator-like profiles, and against the
Go solver by --check-go FILE (a JSON file written by the test TestWriteNumpyCheck, see --help). Two
layouts: "tm" is [B, N+4] (trajectory-major, the natural NumPy batch), "pm" is [N+4, B] (point-major
like the Go batch solver). Timing is single-threaded process CPU time over --frames stored intervals
(best of --repeat), reported as ns per cell-update and trajectories per CPU second for the full
trajectory (the step cost does not depend on the interval).

Usage: /usr/bin/python3 scripts/pde/advection_numpy_bench.py [--batches 8,64,256] [--frames 2] [--repeat 3]
       [--grids pdebench-1024x201,reduced-64x41] [--layouts tm,pm] [--no-check] [--check-go FILE]
"""
import argparse
import math
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_numpy  # noqa: E402

GRIDS = {
    "pdebench-1024x201": {"beta": 1.0, "cells": 1024, "T": 2.0, "frames": 200, "cfl": 0.4},
    "reduced-64x41": {"beta": 1.0, "cells": 64, "T": 2.0, "frames": 40, "cfl": 0.4},
}


def steps_per_frame(p):
    dx = 1.0 / p["cells"]
    return int(math.ceil(p["T"] / p["frames"] / (p["cfl"] * dx / abs(p["beta"])) * (1 - 1e-12)))


class Batch:
    """Preallocated buffers for B trajectories of grid p in layout "tm" ([B, N+4]) or "pm" ([N+4, B])."""

    def __init__(self, p, nb, layout):
        self.p, self.nb, self.layout = p, nb, layout
        n = self.n = p["cells"]
        self.steps = steps_per_frame(p)
        self.dt = p["T"] / (p["frames"] * self.steps)
        dx = 1.0 / n
        self.c1, self.c2 = 0.5 * self.dt / dx, self.dt / dx
        self.beta, self.ab = p["beta"], abs(p["beta"])
        pm = layout == "pm"

        def buf(rows):
            return np.zeros((rows, nb) if pm else (nb, rows))

        self.u, self.us = buf(n + 4), buf(n + 4)
        self.d, self.d2 = buf(n + 3), buf(n + 3)  # differences v_{j+1} - v_j, j = 0..n+2, and twice them
        self.c, self.lo, self.hi = buf(n + 2), buf(n + 2), buf(n + 2)  # per padded row 1..n+2
        self.pos, self.zero = np.zeros(self.c.shape, bool), np.zeros(self.c.shape, bool)
        self.uL, self.uR = buf(n + 2), buf(n + 2)
        self.f, self.t = buf(n + 1), buf(n + 1)  # faces between padded rows j-1 and j, j = 2..n+2

    def rows(self, x, lo, hi):
        """Rows lo..hi-1 (points) of x in either layout."""
        return x[lo:hi] if self.layout == "pm" else x[:, lo:hi]

    def stage(self, v, src, dst, c):
        n, r = self.n, self.rows
        # periodic ghosts
        r(v, 0, 2)[...] = r(v, n, n + 2)
        r(v, n + 2, n + 4)[...] = r(v, 2, 4)
        d, d2, cc, lo, hi, pos, zero = self.d, self.d2, self.c, self.lo, self.hi, self.pos, self.zero
        np.subtract(r(v, 1, n + 4), r(v, 0, n + 3), out=d)
        np.multiply(d, 2.0, out=d2)
        a, b = r(d, 0, n + 2), r(d, 1, n + 3)
        a2, b2 = r(d2, 0, n + 2), r(d2, 1, n + 3)
        np.multiply(a, b, out=cc)
        np.less_equal(cc, 0.0, out=zero)
        np.greater(a, 0.0, out=pos)
        np.add(a, b, out=cc)
        np.multiply(cc, 0.5, out=cc)
        np.minimum(cc, a2, out=lo)
        np.minimum(lo, b2, out=lo)
        np.maximum(cc, a2, out=hi)
        np.maximum(hi, b2, out=hi)
        np.copyto(hi, lo, where=pos)
        np.copyto(hi, 0.0, where=zero)
        np.multiply(hi, 0.5, out=hi)  # half slope
        x = r(v, 1, n + 3)
        uL, uR = self.uL, self.uR
        np.subtract(x, hi, out=uL)
        np.add(x, hi, out=uR)
        f, t = self.f, self.t
        uRm, uLj = r(uR, 0, n + 1), r(uL, 1, n + 2)
        np.multiply(uRm, self.beta, out=f)
        np.multiply(uLj, self.beta, out=t)
        np.add(f, t, out=f)
        np.subtract(uLj, uRm, out=t)
        np.multiply(t, self.ab, out=t)
        np.subtract(f, t, out=f)
        np.multiply(f, 0.5, out=f)
        tt = r(t, 0, n)
        np.subtract(r(f, 1, n + 1), r(f, 0, n), out=tt)
        np.multiply(tt, c, out=tt)
        np.subtract(r(src, 2, n + 2), tt, out=r(dst, 2, n + 2))

    def step(self):
        self.stage(self.u, self.u, self.us, self.c1)
        self.stage(self.us, self.u, self.u, self.c2)

    def solve(self, u0, frames=None):
        """Runs frames (default all) intervals from u0 ([B, N]); returns [B, frames+1, N]."""
        n, k = self.n, self.p["frames"] if frames is None else frames
        out = np.zeros((self.nb, k + 1, n))
        out[:, 0] = u0
        self.u[...] = 0
        if self.layout == "pm":
            self.u[2:n + 2] = u0.T
        else:
            self.u[:, 2:n + 2] = u0
        for fr in range(k):
            for _ in range(self.steps):
                self.step()
            out[:, fr + 1] = self.u[2:n + 2].T if self.layout == "pm" else self.u[:, 2:n + 2]
        return out


def profiles(x, nb):
    """nb generator-like initial states: two sine modes, every fourth with a window."""
    rng = np.random.default_rng(7)
    u0 = np.zeros((nb, len(x)))
    for b in range(nb):
        for _ in range(2):
            k, a, phi = rng.integers(1, 5), rng.uniform(), rng.uniform(0, 2 * math.pi)
            u0[b] += a * np.sin(2 * math.pi * k * x + phi)
        if b % 4 == 3:
            u0[b] *= (np.tanh((x - 0.3) / 0.01) - np.tanh((x - 0.7) / 0.01)) / 2
    return u0


def check_reference():
    p = {"beta": 0.7, "cells": 96, "T": 0.3, "frames": 3, "cfl": 0.4}
    x = (np.arange(p["cells"]) + 0.5) / p["cells"]
    u0 = profiles(x, 3)
    for layout in ("tm", "pm"):
        got = Batch(p, 3, layout).solve(u0)
        for b in range(3):
            want = bench_numpy.advection_solve(u0[b], p["beta"], p["cells"], p["T"], p["frames"], p["cfl"])
            if not np.array_equal(got[b].view(np.uint64), want.view(np.uint64)):
                sys.exit("layout %s: batched NumPy differs from the one-trajectory form" % layout)


def check_go(path):
    """path: "beta cells T frames cfl" on the first line, then the N initial values, then the Go
    trajectory's (frames+1) x N values, one per line as float64 bit patterns in hex."""
    with open(path) as fh:
        head = fh.readline().split()
        vals = [np.uint64(int(s, 16)).view(np.float64) for s in fh.read().split()]
    p = {"beta": float(head[0]), "cells": int(head[1]), "T": float(head[2]), "frames": int(head[3]), "cfl": float(head[4])}
    n, k = p["cells"], p["frames"]
    u0 = np.array(vals[:n])[None, :]
    want = np.array(vals[n:]).reshape(k + 1, n)
    for layout in ("tm", "pm"):
        got = Batch(p, 1, layout).solve(u0)[0]
        if not np.array_equal(got.view(np.uint64), want.view(np.uint64)):
            sys.exit("layout %s: batched NumPy differs from the Go solver" % layout)
    print("batched NumPy is bit-identical to the Go solver on %s" % path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="8,64,256")
    ap.add_argument("--frames", type=int, default=2, help="stored intervals timed per run")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--grids", default=",".join(GRIDS), help="comma-separated grid names")
    ap.add_argument("--layouts", default="tm,pm")
    ap.add_argument("--no-check", action="store_true", help="skip the startup check against bench_numpy")
    ap.add_argument("--check-go", help="compare with a Go trajectory dump (see check_go)")
    args = ap.parse_args()
    if not args.no_check:
        check_reference()
    if args.check_go:
        check_go(args.check_go)
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    for name in args.grids.split(","):
        p = GRIDS[name]
        updates = p["cells"] * steps_per_frame(p)  # cell-updates per interval
        x = (np.arange(p["cells"]) + 0.5) / p["cells"]
        for nb in [int(s) for s in args.batches.split(",")]:
            u0 = profiles(x, nb)
            for layout in args.layouts.split(","):
                bt = Batch(p, nb, layout)
                best = math.inf
                for _ in range(args.repeat):
                    c0 = time.process_time()
                    bt.solve(u0, args.frames)
                    best = min(best, time.process_time() - c0)
                per = best / (nb * args.frames * updates)
                traj = per * updates * p["frames"]
                print(f"{name:18s} B={nb:4d} {layout}: {per * 1e9:7.3f} cpu-ns/cell-update  {1 / traj:9.1f} traj/cpu-s")


if __name__ == "__main__":
    main()
