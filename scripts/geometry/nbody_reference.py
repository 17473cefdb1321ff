#!/usr/bin/python3
"""NumPy re-implementation of the N-body generators of NRI / EGNN / GeoTDM (synthetic_sim.py).

It follows the published update rules and array operations (vectorised over particles, one time step
per loop iteration, the Gram-matrix distance of the charged system, component-wise force clipping)
so that it reproduces the published arithmetic; it is written independently of the published file.

    /usr/bin/python3 scripts/geometry/nbody_reference.py testdata [--out testdata/geometry]
    /usr/bin/python3 scripts/geometry/nbody_reference.py bench [--trajectories 3]

`testdata` writes nbody_reference.json (case descriptions) and nbody_reference.bin (little-endian
float64 arrays the JSON points into): for each system and seed, the initial state drawn with
np.random.seed(seed) as published (before the initial box reflection), the parameters and the saved
frames of a full 5000-step run with sample_freq 100. geometry/reference_test.go compares the Go
simulators against them.

`bench` times the full published run (5000 steps) and prints simulated steps per second per system,
the reference for docs/benchmarks-geometry-rl.md.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np

DT = 0.001
MAX_F = 0.1 / DT
BOX = 5.0


def reflect(loc, vel):
    """Initial-state wall rule: mirror coordinates beyond +-BOX, point the velocity inwards."""
    assert np.all(np.abs(loc) < 3 * BOX)
    hi = loc > BOX
    loc[hi] = 2 * BOX - loc[hi]
    vel[hi] = -np.abs(vel[hi])
    lo = loc < -BOX
    loc[lo] = -2 * BOX - loc[lo]
    vel[lo] = np.abs(vel[lo])


def pair_diffs(loc):
    """diff[k, i, j] = loc[k, i] - loc[k, j] for loc of shape (3, n)."""
    return loc[:, :, None] - loc[:, None, :]


def charged_force(loc, qq, k):
    pts = loc.T
    sq = (pts ** 2).sum(axis=1)
    gram = sq[:, None] + sq[None, :] - 2 * pts.dot(pts.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = k * qq / np.power(gram, 1.5)
    np.fill_diagonal(size, 0)
    f = (size[None, :, :] * pair_diffs(loc)).sum(axis=-1)
    return np.clip(f, -MAX_F, MAX_F)


def spring_force(loc, edges, k):
    size = -k * edges
    np.fill_diagonal(size, 0)
    f = (size[None, :, :] * pair_diffs(loc)).sum(axis=-1)
    return np.clip(f, -MAX_F, MAX_F)


def kick_drift(loc, vel, force, steps, sample_freq):
    """NRI loop: full kick, then T-1 (drift, save, kick); returns T/sf - 1 frames of (loc, vel)."""
    nsave = steps // sample_freq - 1
    locs = np.zeros((nsave,) + loc.shape)
    vels = np.zeros((nsave,) + loc.shape)
    reflect(loc, vel)
    vel += DT * force(loc)
    c = 0
    for i in range(1, steps):
        loc += DT * vel
        if i % sample_freq == 0:
            locs[c], vels[c] = loc, vel
            c += 1
        vel += DT * force(loc)
    return locs, vels


def sample_charged(n):
    q = np.random.choice(np.array([-1.0, 0.0, 1.0]), size=(n, 1), p=[0.5, 0.0, 0.5])
    loc = np.random.randn(3, n) * (n / 5.0) ** (1.0 / 3.0)
    vel = np.random.randn(3, n)
    vel = vel * 0.5 / np.sqrt((vel ** 2).sum(axis=0)).reshape(1, -1)
    return loc, vel, q


def sample_springs(n):
    e = np.random.choice(np.array([0.0, 0.5, 1.0]), size=(n, n), p=[0.5, 0.0, 0.5])
    e = np.tril(e) + np.tril(e, -1).T
    np.fill_diagonal(e, 0)
    loc = np.random.randn(3, n) * 0.5
    vel = np.random.randn(3, n)
    vel = vel * 0.5 / np.sqrt((vel ** 2).sum(axis=0)).reshape(1, -1)
    return loc, vel, e


def gravity_accel(pos, mass, g=1.0, eps=0.1):
    d = pos.T[:, None, :] - pos.T[:, :, None]  # d[k, i, j] = x_j - x_i
    s = (d ** 2).sum(axis=0) + eps ** 2
    inv = np.where(s > 0, s, 1.0) ** -1.5
    return np.stack([(g * d[k] * inv) @ mass[:, 0] for k in range(3)], axis=1)


def sample_gravity(n):
    pos = np.random.randn(n, 3)
    vel = np.random.randn(n, 3)
    mass = np.ones((n, 1))
    vel -= np.mean(mass * vel, 0) / np.mean(mass)
    return pos, vel, mass


def kick_drift_kick(pos, vel, mass, steps, sample_freq):
    nsave = steps // sample_freq
    out = [np.zeros((nsave,) + pos.shape) for _ in range(3)]
    acc = gravity_accel(pos, mass)
    for i in range(steps):
        if i % sample_freq == 0:
            c = i // sample_freq
            out[0][c], out[1][c], out[2][c] = pos, vel, acc * mass
        vel += acc * DT / 2.0
        pos += vel * DT
        acc = gravity_accel(pos, mass)
        vel += acc * DT / 2.0
    return out


def run(system, n, steps, sample_freq):
    """Sample with the global NumPy RNG and simulate; returns (initial, params, frames) node-major."""
    if system == "charged":
        loc, vel, q = sample_charged(n)
        init = (loc.T.copy(), vel.T.copy())
        qq = q.dot(q.T)
        locs, vels = kick_drift(loc, vel, lambda x: charged_force(x, qq, 1.0), steps, sample_freq)
        return init, {"charges": q[:, 0]}, {"x": locs.transpose(0, 2, 1), "v": vels.transpose(0, 2, 1)}
    if system == "springs":
        loc, vel, e = sample_springs(n)
        init = (loc.T.copy(), vel.T.copy())
        locs, vels = kick_drift(loc, vel, lambda x: spring_force(x, e, 0.1), steps, sample_freq)
        return init, {"couplings": e}, {"x": locs.transpose(0, 2, 1), "v": vels.transpose(0, 2, 1)}
    pos, vel, mass = sample_gravity(n)
    init = (pos.copy(), vel.copy())
    x, v, f = kick_drift_kick(pos, vel, mass, steps, sample_freq)
    return init, {"masses": mass[:, 0]}, {"x": x, "v": v, "f": f}


SYSTEMS = [("charged", 5), ("springs", 5), ("gravity", 10)]
# Seeds 5, 7 and 11 of the charged system have close encounters where the force clip is active (98,
# 937 and 7566 clipped components), so the reference also covers the clipped update.
SEEDS = {"charged": (1, 2, 3, 4, 5, 7, 11), "springs": (1, 2, 3, 4), "gravity": (1, 2, 3, 4)}


def write_testdata(out):
    blob = bytearray()
    cases = []

    def put(a):
        a = np.ascontiguousarray(a, dtype="<f8").ravel()
        off = len(blob) // 8
        blob.extend(a.tobytes())
        return [off, int(a.size)]

    for system, n in SYSTEMS:
        for seed in SEEDS[system]:
            np.random.seed(seed)
            (x0, v0), params, frames = run(system, n, 5000, 100)
            case = {"system": system, "nodes": n, "seed": seed, "steps": 5000, "sample_freq": 100,
                    "frames": int(frames["x"].shape[0]), "x0": put(x0), "v0": put(v0)}
            for k, a in params.items():
                case[k] = put(a)
            for k, a in frames.items():
                case[k] = put(a)
            cases.append(case)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "nbody_reference.bin"), "wb") as f:
        f.write(bytes(blob))
    meta = {"generator": "scripts/geometry/nbody_reference.py", "numpy": np.__version__, "cases": cases}
    with open(os.path.join(out, "nbody_reference.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


def bench(trajectories):
    print(f"# NumPy {np.__version__}, Python {platform.python_version()}, {platform.processor() or platform.machine()}")
    for system, n in SYSTEMS:
        np.random.seed(0)
        run(system, n, 500, 100)  # warm-up
        t0 = time.perf_counter()
        for _ in range(trajectories):
            run(system, n, 5000, 100)
        el = time.perf_counter() - t0
        steps = trajectories * 5000
        print(f"{system}\tnodes={n}\tsteps/s={steps / el:.0f}\ttrajectory_ms={1e3 * el / trajectories:.1f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["testdata", "bench"])
    ap.add_argument("--out", default="testdata/geometry")
    ap.add_argument("--trajectories", type=int, default=3)
    args = ap.parse_args()
    if args.mode == "testdata":
        write_testdata(args.out)
    else:
        bench(args.trajectories)


if __name__ == "__main__":
    sys.exit(main())
