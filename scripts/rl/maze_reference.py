#!/usr/bin/python3
"""NumPy reference for the Maze2D environment and the D4RL waypoint planner (rl/).

    /usr/bin/python3 scripts/rl/maze_reference.py testdata [--out testdata/rl]
    /usr/bin/python3 scripts/rl/maze_reference.py bench [--envs 1024 --steps 300]

The point-mass step follows D4RL's MuJoCo model (timestep 0.01, damping 1 integrated implicitly by
MuJoCo's Euler integrator, gear 100, mass 4/3 pi 0.1^3 1000, qvel clipped to +-5 before each step) with
an exact disc-versus-box contact: the centre is swept along its displacement against every wall box
grown by the radius 0.1 (four pushed-out faces and four corner circles per box, vectorised over
environments and walls), stops 1e-9 short of the first contact and slides, removing the inward normal
velocity, at most four times per step. This is an independent formulation of the model in rl/collision.go
(which precomputes only the exposed faces and convex corners near each cell).

The planner is D4RL's tabular Q-iteration (50 sweeps of R + 0.99 T.V with a dense S x A x S transition
matrix over the whole grid, gridcraft's action order NOOP, UP, DOWN, LEFT, RIGHT; moves into walls are
NOOPs) followed by the greedy roll-out (np.argmax, at most 100 moves).

`testdata` writes maze_reference.json: for every layout, random-action episodes (initial state,
actions, observations after every step) and greedy cell paths for many (start, target) pairs, compared
by rl/reference_test.go. `bench` prints vectorised environment steps per second for
docs/benchmarks-geometry-rl.md.
"""
import argparse
import json
import os
import platform
import time

import numpy as np

LAYOUTS = {
    "umaze": "#####\\#GOO#\\###O#\\#OOO#\\#####",
    "medium": "########\\#OO##OO#\\#OO#OOO#\\##OOO###\\#OO#OOO#\\#O#OO#O#\\#OOO#OG#\\########",
    "large": "############\\#OOOO#OOOOO#\\#O##O#O#O#O#\\#OOOOOO#OOO#\\#O####O###O#\\#OO#O#OOOOO#\\"
             "##O#O#O#O###\\#OO#OOO#OGO#\\############",
}
H_STEP = 0.01
DAMPING = 1.0
GEAR = 100.0
RADIUS = 0.1
MASS = 4.0 / 3.0 * np.pi * RADIUS ** 3 * 1000.0
MAX_SPEED = 5.0
OFFSET = -0.2  # qpos of the centre of wall cell (0, 0)
SKIN = 1e-9


def grid(name):
    rows = LAYOUTS[name].split("\\")
    return np.array([[c == "#" for c in r] for r in rows])


class Walls:
    """All wall boxes of a layout as rounded rectangles for the swept contact."""

    def __init__(self, walls):
        lo = np.argwhere(walls).astype(float) + OFFSET - 0.5  # (m, 2) low corners
        self.lo, self.hi = lo, lo + 1.0
        x0, y0, x1, y1 = lo[:, 0], lo[:, 1], lo[:, 0] + 1, lo[:, 1] + 1
        # Faces: axis, level, span lo, span hi, outward normal.
        segs = []
        for a, lev, s0, s1, nrm in ((0, x1 + RADIUS, y0, y1, 1.0), (0, x0 - RADIUS, y0, y1, -1.0),
                                    (1, y1 + RADIUS, x0, x1, 1.0), (1, y0 - RADIUS, x0, x1, -1.0)):
            segs.append(np.stack([np.full_like(lev, a), lev, s0, s1, np.full_like(lev, nrm)], axis=1))
        self.segs = np.concatenate(segs)
        self.corners = np.concatenate([np.stack([x, y], axis=1) for x in (x0, x1) for y in (y0, y1)])

    def first_hit(self, p, d):
        """Earliest t in [0, 1] and normal for rows p + t d touching a grown wall; t = inf if none."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._first_hit(p, d)

    def _first_hit(self, p, d):
        n = p.shape[0]
        s = self.segs
        ax = s[:, 0].astype(int)
        pa = np.where(ax[None, :] == 0, p[:, [0]], p[:, [1]])
        da = np.where(ax[None, :] == 0, d[:, [0]], d[:, [1]])
        pb = np.where(ax[None, :] == 0, p[:, [1]], p[:, [0]])
        db = np.where(ax[None, :] == 0, d[:, [1]], d[:, [0]])
        rate = s[None, :, 4] * da
        gap = s[None, :, 4] * (pa - s[None, :, 1])
        th = np.where(gap >= 0, gap / -rate, 0.0)
        ok = (rate < 0) & (gap > -1e-6) & (th <= 1)
        qc = pb + th * db
        ok &= (qc >= s[None, :, 2]) & (qc <= s[None, :, 3])
        tseg = np.where(ok, th, np.inf)
        kseg = np.argmin(tseg, axis=1)
        tbest = tseg[np.arange(n), kseg]
        nseg = np.zeros((n, 2))
        sa = ax[kseg]
        nseg[np.arange(n), sa] = s[kseg, 4]

        e = p[:, None, :] - self.corners[None, :, :]
        b = (d[:, None, :] * e).sum(-1)
        a = (d * d).sum(-1)[:, None]
        cc = (e * e).sum(-1) - RADIUS * RADIUS
        disc = b * b - a * cc
        tc = np.where(cc <= 0, 0.0, (-b - np.sqrt(np.maximum(disc, 0))) / a)
        okc = (b < 0) & ((cc <= 0) | (disc >= 0)) & (tc <= 1)
        tc = np.where(okc, tc, np.inf)
        kc = np.argmin(tc, axis=1)
        tcb = tc[np.arange(n), kc]
        hpt = e[np.arange(n), kc] + tcb[:, None] * d
        ncirc = hpt / np.linalg.norm(hpt, axis=1, keepdims=True)
        use_c = tcb < tbest
        t = np.where(use_c, tcb, tbest)
        nrm = np.where(use_c[:, None], ncirc, nseg)
        return t, nrm

    def clearance(self, p):
        dx = np.maximum(np.maximum(self.lo[None, :, 0] - p[:, [0]], 0), p[:, [0]] - self.hi[None, :, 0])
        dy = np.maximum(np.maximum(self.lo[None, :, 1] - p[:, [1]], 0), p[:, [1]] - self.hi[None, :, 1])
        return np.hypot(dx, dy).min(axis=1) - RADIUS


def step(walls, x, v, u):
    """One environment step for n environments: x, v, u of shape (n, 2)."""
    u = np.clip(u, -1.0, 1.0)
    v = np.clip(v, -MAX_SPEED, MAX_SPEED)
    v = v + H_STEP * (GEAR * u - DAMPING * v) / (MASS + H_STEP * DAMPING)
    d = H_STEP * v
    x = x.copy()
    active = np.ones(len(x), dtype=bool)
    for _ in range(4):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        t, nrm = walls.first_hit(x[idx], d[idx])
        hit = np.isfinite(t)
        free = idx[~hit]
        x[free] += d[free]
        active[free] = False
        h = idx[hit]
        if h.size == 0:
            break
        th, nh = t[hit], nrm[hit]
        ts = np.maximum(0.0, th - SKIN / np.linalg.norm(d[h], axis=1))
        x[h] += ts[:, None] * d[h]
        rem = (1 - ts)[:, None] * d[h]
        dn = (rem * nh).sum(1)
        rem -= np.where(dn < 0, dn, 0)[:, None] * nh
        vn = (v[h] * nh).sum(1)
        v[h] -= np.where(vn < 0, vn, 0)[:, None] * nh
        d[h] = rem
    return x, v


def reset_cells(name):
    rows = LAYOUTS[name].split("\\")
    empty = sorted((w, h) for w, r in enumerate(rows) for h, c in enumerate(r) if c == "O")
    goal = [(w, h) for w, r in enumerate(rows) for h, c in enumerate(r) if c == "G"]
    return empty + goal


def q_values(walls, target):
    """D4RL's q_iteration(env, num_itrs=50, discount=0.99) with ent_wt 0 on the deterministic grid."""
    W, H = walls.shape
    S = W * H
    moves = [(0, 0), (0, -1), (0, 1), (-1, 0), (1, 0)]  # NOOP, UP, DOWN, LEFT, RIGHT
    T = np.zeros((S, 5, S))
    for w in range(W):
        for h in range(H):
            s = w * H + h
            for a, (dw, dh) in enumerate(moves):
                ww, hh = w + dw, h + dh
                legal = 0 <= ww < W and 0 <= hh < H and not walls[ww, hh]
                T[s, a, ww * H + hh if legal else s] = 1.0
    R = np.zeros((S, 5))
    R[target[0] * H + target[1], :] = 1.0
    q = np.zeros((S, 5))
    for _ in range(50):
        v = np.max(q, axis=1)
        q = R + 0.99 * T.dot(v)
    return q, T


def greedy_path(q, T, H, start, target):
    s, ts = start[0] * H + start[1], target[0] * H + target[1]
    path = []
    for _ in range(100):
        a = int(np.argmax(q[s]))
        s = int(np.argmax(T[s, a]))
        path.append([s // H, s % H])
        if s == ts:
            break
    return path


def episodes(name, rng, count, steps):
    walls = Walls(grid(name))
    cells = reset_cells(name)
    out = []
    for _ in range(count):
        c = cells[rng.integers(len(cells))]
        x0 = np.array(c, dtype=float) + rng.uniform(-0.1, 0.1, 2)
        v0 = rng.normal(0, 0.1, 2)
        # Piecewise-constant actions (held 25 steps) push into walls and slide along them; the range
        # exceeds [-1, 1] to exercise the action clip.
        acts = np.repeat(rng.uniform(-1.5, 1.5, (steps // 25, 2)), 25, axis=0)
        x, v = x0[None, :], v0[None, :]
        obs = []
        for t in range(steps):
            x, v = step(walls, x, v, acts[t][None, :])
            obs.append(np.concatenate([x[0], v[0]]))
        cl = walls.clearance(np.array([o[:2] for o in obs]))
        assert cl.min() > -1e-9, cl.min()
        out.append({"x0": list(x0) + list(v0), "actions": acts.ravel().tolist(), "obs": np.array(obs).ravel().tolist()})
    return out


def write_testdata(out):
    rng = np.random.default_rng(2024)
    meta = {"generator": "scripts/rl/maze_reference.py", "numpy": np.__version__, "layouts": {}}
    for name in LAYOUTS:
        walls = grid(name)
        W, H = walls.shape
        cells = reset_cells(name)
        pairs = [(s, t) for s in cells for t in cells]
        if len(pairs) > 400:
            pick = rng.choice(len(pairs), 400, replace=False)
            pairs = [pairs[i] for i in sorted(pick)]
        # Starts in wall cells next to free cells: the particle's centre can round into them.
        wall_starts = [(w, h) for w in range(1, W - 1) for h in range(1, H - 1) if walls[w, h] and
                       any(not walls[w + dw, h + dh] for dw, dh in ((0, 1), (0, -1), (1, 0), (-1, 0)))]
        for s in wall_starts[:20]:
            pairs.append((s, cells[rng.integers(len(cells))]))
        plans = []
        by_target = {}
        for s, t in pairs:
            if t not in by_target:
                by_target[t] = q_values(walls, t)
            q, T = by_target[t]
            plans.append({"start": list(s), "target": list(t), "path": greedy_path(q, T, H, s, t)})
        meta["layouts"][name] = {"episodes": episodes(name, rng, 4, 400), "plans": plans}
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "maze_reference.json"), "w") as f:
        json.dump(meta, f, separators=(",", ":"))
        f.write("\n")


def bench(n, steps):
    print(f"# NumPy {np.__version__}, Python {platform.python_version()}, {platform.processor() or platform.machine()}")
    rng = np.random.default_rng(0)
    for name in LAYOUTS:
        walls = Walls(grid(name))
        cells = np.array(reset_cells(name), dtype=float)
        x = cells[rng.integers(len(cells), size=n)] + rng.uniform(-0.1, 0.1, (n, 2))
        v = rng.normal(0, 0.1, (n, 2))
        step(walls, x, v, rng.uniform(-1, 1, (n, 2)))  # warm-up
        t0 = time.perf_counter()
        for _ in range(steps):
            x, v = step(walls, x, v, rng.uniform(-1, 1, (n, 2)))
        el = time.perf_counter() - t0
        print(f"{name}\tenvs={n}\tsteps/s={n * steps / el:.0f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["testdata", "bench"])
    ap.add_argument("--out", default="testdata/rl")
    ap.add_argument("--envs", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    if args.mode == "testdata":
        write_testdata(args.out)
    else:
        bench(args.envs, args.steps)


if __name__ == "__main__":
    main()
