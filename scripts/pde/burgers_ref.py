#!/usr/bin/python3
"""NumPy implementation of trajdiff's controlled-Burgers scheme (package pde/burgers).

Same grids and arithmetic as the Go solver: coarse vertex grid x_j = j/(N+1), fine grid with
M = r(N+1) - 1 points, linear interpolation of coarse inputs (u = 0 at the walls, control extended by
a constant), forward Euler with central differences, injection back to the coarse points.

Run without arguments to rewrite testdata/pde/burgers_ref.json, or write it into the directory given
as the first argument (the Go tests compare against it to 1e-10).
Needs Debian's python3-numpy; run it with /usr/bin/python3.
"""
import json
import math
import os
import sys

import numpy as np


def fine_points(p):
    return p["refine"] * (p["cells"] + 1) - 1


def steps_per_frame(p):
    if p.get("steps_per_frame", 0) > 0:
        return p["steps_per_frame"]
    dx = 1.0 / (fine_points(p) + 1)
    dt_max = p["diffusion_number"] * dx * dx / p["nu"]
    return int(math.ceil(p["T"] / p["frames"] / dt_max * (1 - 1e-12)))


def interpolate(c, r, lo, hi):
    """Linear interpolation of coarse values c_1..c_N to the fine points i = 1..r(N+1)-1."""
    n = len(c)
    ext = np.concatenate(([lo], c, [hi]))
    i = np.arange(1, r * (n + 1))
    j, m = i // r, i % r
    a, b = ext[j], ext[np.minimum(j + 1, n + 1)]
    return np.where(m == 0, a, a + (m / r) * (b - a))


def gaussians(x, bumps):
    v = np.zeros_like(x)
    for a, c, s in bumps:
        d = (x - c) / s
        v = v + a * np.exp(-0.5 * d * d)
    return v


def control(p, ctl):
    """K x N control on the coarse grid at tau_k = (k+1)/(K+1)."""
    n, k = p["cells"], p["frames"]
    x = np.arange(1, n + 1) / (n + 1)
    out = np.zeros((k, n))
    for fr in range(k):
        tau = (fr + 1) / (k + 1)
        v = np.zeros(n)
        for a, mx, sx, mt, st in ctl["bumps"]:
            dx = (x - mx) / sx
            dt = (tau - mt) / st
            v = v + a * np.exp(-0.5 * dx * dx) * ctl["factor"] * math.exp(-0.5 * dt * dt)
        if ctl["partial"]:
            v = np.where((x >= 0.25) & (x < 0.75), 0.0, v)
        out[fr] = v
    return out


def solve(p, u0, f):
    """Coarse trajectory (K+1) x N from coarse u0 (N) under coarse control f (K x N)."""
    n, k, r = p["cells"], p["frames"], p["refine"]
    m = fine_points(p)
    dx = 1.0 / (m + 1)
    steps = steps_per_frame(p)
    dt = p["T"] / (k * steps)
    a = dt / (4 * dx)
    b = p["nu"] * dt / (dx * dx)
    u = np.zeros(m + 2)  # with the two zero ghost values
    u[1:-1] = interpolate(u0, r, 0.0, 0.0)
    out = np.zeros((k + 1, n))
    out[0] = u0
    coarse = r * np.arange(1, n + 1)
    for fr in range(k):
        ff = interpolate(f[fr], r, f[fr][0], f[fr][-1])
        for _ in range(steps):
            u[1:-1] = (u[1:-1] - a * (u[2:] * u[2:] - u[:-2] * u[:-2])
                       + b * (u[2:] - 2 * u[1:-1] + u[:-2]) + dt * ff)
        out[fr + 1] = u[coarse]
    return out


def sample_case(rng, partial):
    ic = [[rng.uniform(0, 2), rng.uniform(0.2, 0.4), rng.uniform(0.05, 0.15)],
          [rng.uniform(-2, 0), rng.uniform(0.6, 0.8), rng.uniform(0.05, 0.15)]]
    bumps = []
    for j in range(8):
        a = rng.uniform(-1.5, 1.5)
        if j > 0 and rng.integers(2) == 0:
            a = 0.0
        bumps.append([a, rng.uniform(), rng.uniform(0.1, 0.4), rng.uniform(), rng.uniform(0.1, 0.4)])
    return ic, {"bumps": bumps, "factor": 4.0 if partial else 2.0, "partial": partial}


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    rng = np.random.default_rng(20261125)
    default = {"nu": 0.01, "cells": 128, "refine": 4, "T": 1.0, "frames": 10, "diffusion_number": 0.4}
    small = {"nu": 0.01, "cells": 48, "refine": 2, "T": 0.5, "frames": 20, "steps_per_frame": 300}
    cases = []
    for params, partial in [(default, False), (default, False), (default, True), (small, False)]:
        ic, ctl = sample_case(rng, partial)
        x = np.arange(1, params["cells"] + 1) / (params["cells"] + 1)
        u0 = gaussians(x, ic)
        f = control(params, ctl)
        u = solve(params, u0, f)
        cases.append({"params": params, "steps_per_frame": steps_per_frame(params), "initial": ic,
                      "control": ctl, "f": f.ravel().tolist(), "u": u.ravel().tolist()})
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "testdata", "pde")
    path = os.path.join(out_dir, "burgers_ref.json")
    with open(path + ".tmp", "w") as fh:
        json.dump({"generator": "scripts/pde/burgers_ref.py", "numpy": np.__version__, "cases": cases}, fh)
    os.replace(path + ".tmp", path)
    print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main()
