#!/usr/bin/python3
"""Batched NumPy reference for the Burgers solver benchmarks (BenchmarkSolverScalar and
BenchmarkSolverBatched in pde/burgers): the fastest NumPy form of the scheme I could write.

B trajectories advance together in preallocated buffers with in-place ufuncs only (no temporaries), in
one of two forms of the same polynomial (--forms; both are timed by default, so the table shows the faster):

    terms:    one square of the whole state, then
              v = ((u_i - a*(u_{i+1}^2 - u_{i-1}^2)) + b*((u_{i+1} - 2*u_i) + u_{i-1})) + dt*f_i   (10 passes)
    factored: v = (c*u_i + dt*f_i) + (u_{i+1} + u_{i-1})*(b - a*(u_{i+1} - u_{i-1})), c = 1 - 2b  (8 passes)

("factored" is the Go solver's form, pde/burgers/stencil.go, which fuses three of its products with FMA;
NumPy has no fused multiply-add, so its results agree with Go's to rounding, not bit for bit). Both are
checked against the committed testdata/pde/burgers_ref.json case 0 (to 1e-10) at startup. Two layouts: "tm" is [B, M+2] (trajectory-major, the
natural NumPy batch), "pm" is [M+2, B] (point-major like the Go batch solver; every operand is one
contiguous block). Timing is single-threaded process CPU time over --frames control intervals of the
grid (best of --repeat), reported as ns per point-update and trajectories per CPU second for the full
trajectory (the step cost does not depend on the interval).

Usage: /usr/bin/python3 scripts/pde/burgers_numpy_bench.py [--batches 8,64,200] [--frames 1] [--repeat 3]
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

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import burgers_ref  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

GRIDS = {
    "default": {"nu": 0.01, "cells": 128, "refine": 4, "T": 1.0, "frames": 10, "diffusion_number": 0.4},
    "wdno-small": {"nu": 0.01, "cells": 60, "refine": 4, "T": 8.0, "frames": 40, "steps_per_frame": 480},
}


class Batch:
    """Preallocated buffers for B trajectories of grid p in layout "tm" ([B, M+2]) or "pm" ([M+2, B])."""

    def __init__(self, p, nb, layout, form="terms"):
        self.p, self.nb, self.layout, self.form = p, nb, layout, form
        self.m = m = burgers_ref.fine_points(p)
        self.steps = burgers_ref.steps_per_frame(p)
        dx = 1.0 / (m + 1)
        self.dt = p["T"] / (p["frames"] * self.steps)
        self.a = self.dt / (4 * dx)
        self.b = p["nu"] * self.dt / (dx * dx)
        self.c = 1 - 2 * self.b
        shape = (nb, m + 2) if layout == "tm" else (m + 2, nb)
        self.u, self.v, self.sq = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        inner = (nb, m) if layout == "tm" else (m, nb)
        self.t1, self.t2, self.dtf = np.zeros(inner), np.zeros(inner), np.zeros(inner)

    def views(self, x):
        """x_{i-1}, x_i, x_{i+1} over the interior points."""
        if self.layout == "tm":
            return x[:, :-2], x[:, 1:-1], x[:, 2:]
        return x[:-2], x[1:-1], x[2:]

    def set_points(self, dst, rows):
        """dst's interior points from rows[b] (one fine vector per trajectory)."""
        if self.layout == "tm":
            dst[:, 1:-1] = rows
        else:
            dst[1:-1] = rows.T

    def run_interval(self, steps):
        if self.form == "factored":
            return self.run_interval_factored(steps)
        a, b = self.a, self.b
        t1, t2, dtf, sq = self.t1, self.t2, self.dtf, self.sq
        u, v = self.u, self.v
        for _ in range(steps):
            np.multiply(u, u, out=sq)
            sm, _, sp = self.views(sq)
            um, uc, up = self.views(u)
            w = self.views(v)[1]
            np.subtract(sp, sm, out=t1)
            np.multiply(t1, a, out=t1)
            np.subtract(uc, t1, out=w)
            np.multiply(uc, 2.0, out=t2)
            np.subtract(up, t2, out=t2)
            np.add(t2, um, out=t2)
            np.multiply(t2, b, out=t2)
            np.add(w, t2, out=w)
            np.add(w, dtf, out=w)
            u, v = v, u
        self.u, self.v = u, v

    def run_interval_factored(self, steps):
        a, b, c = self.a, self.b, self.c
        t1, t2, dtf = self.t1, self.t2, self.dtf
        u, v = self.u, self.v
        for _ in range(steps):
            um, uc, up = self.views(u)
            w = self.views(v)[1]
            np.add(up, um, out=t1)
            np.subtract(up, um, out=t2)
            np.multiply(t2, -a, out=t2)
            np.add(t2, b, out=t2)
            np.multiply(uc, c, out=w)
            np.add(w, dtf, out=w)
            np.multiply(t1, t2, out=t1)
            np.add(w, t1, out=w)
            u, v = v, u
        self.u, self.v = u, v

    def solve(self, u0, f, frames=None):
        """Coarse trajectories [B, K+1, N] from u0 [B, N] and f [B, K, N] (first `frames` intervals)."""
        p = self.p
        n, k, r = p["cells"], p["frames"], p["refine"]
        frames = k if frames is None else frames
        self.u.fill(0)
        self.v.fill(0)
        self.set_points(self.u, np.stack([burgers_ref.interpolate(x, r, 0.0, 0.0) for x in u0]))
        out = np.zeros((self.nb, frames + 1, n))
        out[:, 0] = u0
        coarse = r * np.arange(1, n + 1)
        for fr in range(frames):
            ff = np.stack([burgers_ref.interpolate(x[fr], r, x[fr][0], x[fr][-1]) for x in f])
            self.dtf[...] = self.dt * (ff if self.layout == "tm" else ff.T)
            self.run_interval(self.steps)
            out[:, fr + 1] = self.u[:, coarse] if self.layout == "tm" else self.u[coarse].T
        return out


def check_reference():
    """Both batched forms reproduce the committed NumPy reference trajectory (case 0) to 1e-10."""
    ref = json.load(open(os.path.join(ROOT, "testdata", "pde", "burgers_ref.json")))["cases"][0]
    p = ref["params"]
    n, k = p["cells"], p["frames"]
    u0 = np.array(ref["u"][:n])
    f = np.array(ref["f"]).reshape(k, n)
    want = np.array(ref["u"]).reshape(k + 1, n)
    for form in ("terms", "factored"):
        for layout in ("tm", "pm"):
            got = Batch(p, 3, layout, form).solve(np.stack([u0] * 3), np.stack([f] * 3))
            err = np.abs(got - want).max()
            if err > 1e-10:
                sys.exit(f"form {form}, layout {layout}: max deviation {err} from testdata/pde/burgers_ref.json")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="8,64,200")
    ap.add_argument("--frames", type=int, default=1, help="control intervals timed per run")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--forms", default="terms,factored")
    ap.add_argument("--no-check", action="store_true")
    args = ap.parse_args()
    if not args.no_check:
        check_reference()
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    rng = np.random.default_rng(1)
    for name, p in GRIDS.items():
        n, k = p["cells"], p["frames"]
        for nb in [int(x) for x in args.batches.split(",")]:
            for layout, form in [(lo, fo) for lo in ("tm", "pm") for fo in args.forms.split(",")]:
                bt = Batch(p, nb, layout, form)
                x = np.arange(1, n + 1) / (n + 1)
                u0 = np.stack([rng.uniform(0, 1) * np.exp(-0.5 * ((x - 0.3) / 0.1) ** 2) for _ in range(nb)])
                f = rng.uniform(-0.5, 0.5, (nb, k, n))
                best = math.inf
                for _ in range(args.repeat):
                    c0 = time.process_time()
                    bt.solve(u0, f, frames=args.frames)
                    best = min(best, time.process_time() - c0)
                updates = bt.m * bt.steps * args.frames * nb
                ns = best / updates * 1e9
                traj_s = 1 / (ns * 1e-9 * bt.m * bt.steps * k)
                print(f"{name:10s} M={bt.m} steps={bt.steps * k} B={nb:4d} layout={layout} form={form:8s}  "
                      f"{ns:7.3f} cpu-ns/point-update  {traj_s:8.1f} traj/cpu-s")


if __name__ == "__main__":
    main()
