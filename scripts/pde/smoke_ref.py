#!/usr/bin/python3
"""NumPy implementation of trajdiff's 2-D smoke solver (package pde/smoke), WDNO's setting (no velocity
self-advection; buoyancy supported).

Same scheme as the Go solver: WDNO box layout scaled to N, MAC grid, control band overwritten each
step, pressure projection by conjugate gradients preconditioned with a multigrid V-cycle (red-black
Gauss-Seidel, 2 sweeps, block-sum restriction, piecewise-constant prolongation, direct coarsest solve),
warm-started; mass-conserving semi-Lagrangian density advection; exit absorption.

Run without arguments to rewrite testdata/pde/smoke_ref.json, or write it into the directory
given as the first argument (a small case the Go tests compare with).
Needs Debian's python3-numpy; run it with /usr/bin/python3.
"""
import json
import math
import os
import sys

import numpy as np


def rnd(v):
    return int(math.floor(v + 0.5))


def wdno_layout(n):
    s = n / 128
    c = lambda v: rnd(v * s)
    solid = np.zeros((n, n), dtype=bool)

    def hline(y, x0, x1):
        solid[c(y), c(x0):c(x1)] = True

    def vline(x, y0, y1):
        solid[c(y0):c(y1), c(x)] = True

    hline(16, 16, 112)
    for x in (16, 112):
        vline(x, 16, 24)
        vline(x, 40, 56)
        vline(x, 72, 112)
    for a, b in ((16, 24), (40, 56), (72, 88), (104, 112)):
        hline(112, a, b)
    for x in (48, 80):
        vline(x, 64, 80)
        vline(x, 96, 112)
    hline(40, 40, 88)
    rect = lambda y, x, h, w: (c(y), c(y + h), c(x), c(x + w))
    exits = [rect(112, 22, 16, 20), rect(112, 54, 16, 20), rect(112, 86, 16, 20),
             rect(22, 0, 20, 16), rect(54, 0, 20, 16), rect(22, 112, 20, 16), rect(54, 112, 20, 16)]
    return solid, exits, c(16), c(112)


class Level:
    def __init__(self, ax, ay):
        self.ax, self.ay = ax, ay
        self.n = ax.shape[0] - 2
        d = np.zeros_like(ax)
        d[1:-1, 1:-1] = ax[1:-1, 1:-1] + ax[1:-1, :-2] + ay[1:-1, 1:-1] + ay[:-2, 1:-1]
        self.diag = d
        self.inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), 0.0)
        yy, xx = np.indices(ax.shape)
        self.colour = [((yy + xx) % 2 == k)[1:-1, 1:-1] for k in (0, 1)]

    def apply(self, v):
        out = np.zeros_like(v)
        ax, ay = self.ax, self.ay
        out[1:-1, 1:-1] = (self.diag[1:-1, 1:-1] * v[1:-1, 1:-1] - ax[1:-1, 1:-1] * v[1:-1, 2:]
                           - ax[1:-1, :-2] * v[1:-1, :-2] - ay[1:-1, 1:-1] * v[2:, 1:-1] - ay[:-2, 1:-1] * v[:-2, 1:-1])
        return out

    def sweep(self, x, b, colour):
        ax, ay = self.ax, self.ay
        new = (b[1:-1, 1:-1] + ax[1:-1, 1:-1] * x[1:-1, 2:] + ax[1:-1, :-2] * x[1:-1, :-2]
               + ay[1:-1, 1:-1] * x[2:, 1:-1] + ay[:-2, 1:-1] * x[:-2, 1:-1]) * self.inv[1:-1, 1:-1]
        x[1:-1, 1:-1] = np.where(self.colour[colour], new, x[1:-1, 1:-1])

    def coarsen(self):
        n, nc = self.n, self.n // 2
        ax, ay = np.zeros((nc + 2, nc + 2)), np.zeros((nc + 2, nc + 2))
        ax[1:nc + 1, 0:nc + 1] = 0.5 * (self.ax[1:n + 1:2, 0:n + 1:2] + self.ax[2:n + 2:2, 0:n + 1:2])
        ay[0:nc + 1, 1:nc + 1] = 0.5 * (self.ay[0:n + 1:2, 1:n + 1:2] + self.ay[0:n + 1:2, 2:n + 2:2])
        return Level(ax, ay)


class Pressure:
    def __init__(self, solid, tol, max_iter):
        n = solid.shape[0]
        fluid = np.ones((n + 2, n + 2), dtype=bool)
        fluid[1:-1, 1:-1] = ~solid
        ax, ay = np.zeros((n + 2, n + 2)), np.zeros((n + 2, n + 2))
        ax[1:n + 1, 0:n + 1] = (fluid[1:n + 1, 0:n + 1] & fluid[1:n + 1, 1:n + 2]).astype(float)
        ay[0:n + 1, 1:n + 1] = (fluid[0:n + 1, 1:n + 1] & fluid[1:n + 2, 1:n + 1]).astype(float)
        self.levels = [Level(ax, ay)]
        while self.levels[-1].n % 2 == 0 and self.levels[-1].n > 8:
            self.levels.append(self.levels[-1].coarsen())
        lc = self.levels[-1]
        act = np.argwhere(lc.diag > 0)
        self.act = (act[:, 0], act[:, 1])
        k = len(act)
        index = -np.ones(lc.diag.shape, dtype=int)
        index[self.act] = np.arange(k)
        a = np.zeros((k, k))
        for i, (y, x) in enumerate(act):
            a[i, i] = lc.diag[y, x]
            for (yy, xx), w in (((y, x + 1), lc.ax[y, x]), ((y, x - 1), lc.ax[y, x - 1]),
                                ((y + 1, x), lc.ay[y, x]), ((y - 1, x), lc.ay[y - 1, x])):
                if index[yy, xx] >= 0:
                    a[i, index[yy, xx]] -= w
        self.coarse_inv = np.linalg.inv(a)
        self.tol, self.max_iter = tol, max_iter
        self.iters = 0

    def vcycle(self, i, b):
        lv = self.levels[i]
        x = np.zeros_like(b)
        if i == len(self.levels) - 1:
            x[self.act] = self.coarse_inv @ b[self.act]
            return x
        for _ in range(2):
            lv.sweep(x, b, 0)
            lv.sweep(x, b, 1)
        d = b - lv.apply(x)
        n = lv.n
        cb = np.zeros((n // 2 + 2, n // 2 + 2))
        cb[1:-1, 1:-1] = ((d[1:n + 1:2, 1:n + 1:2] + d[1:n + 1:2, 2:n + 2:2]) + d[2:n + 2:2, 1:n + 1:2]) + d[2:n + 2:2, 2:n + 2:2]
        cx = self.vcycle(i + 1, cb)
        up = np.repeat(np.repeat(cx[1:-1, 1:-1], 2, axis=0), 2, axis=1)
        x[1:-1, 1:-1] = np.where(lv.diag[1:-1, 1:-1] > 0, x[1:-1, 1:-1] + up, x[1:-1, 1:-1])
        for _ in range(2):
            lv.sweep(x, b, 1)
            lv.sweep(x, b, 0)
        return x

    def solve(self, b, p):
        top = self.levels[0]
        active = top.diag > 0
        r = np.where(active, b - top.apply(p), 0.0)
        if np.max(np.abs(r)) <= self.tol:
            self.iters = 0
            return p
        z = self.vcycle(0, r)
        d = z.copy()
        rz = np.sum(r * z)
        for it in range(1, self.max_iter + 1):
            q = top.apply(d)
            alpha = rz / np.sum(d * q)
            p = p + alpha * d
            r = r - alpha * q
            if np.max(np.abs(r)) <= self.tol:
                self.iters = it
                return p
            z = self.vcycle(0, r)
            rz_new = np.sum(r * z)
            beta = rz_new / rz
            rz = rz_new
            d = z + beta * d
        raise RuntimeError("pressure solve did not converge")


class Smoke:
    def __init__(self, n=128, save=64, steps=256, stride=8, buoyancy=0.0, init_v=(0.0, 0.2), tol=1e-8, max_iter=500):
        self.n, self.m, self.steps, self.stride = n, save, steps, stride
        self.r = n // save
        self.buoyancy, self.init_v = buoyancy, init_v
        self.solid, self.exits, self.lo, self.hi = wdno_layout(n)
        self.ps = Pressure(self.solid, tol, max_iter)
        top = self.ps.levels[0]
        self.ox = top.ax[1:n + 1, 0:n + 1].copy()  # vx faces (y, i): between (y, i-1) and (y, i)
        self.oy = top.ay[0:n + 1, 1:n + 1].copy()  # vy faces (j, x)
        yy, ii = np.indices((n, n + 1))
        self.band_x = ~((yy >= self.lo) & (yy < self.hi) & (ii >= self.lo) & (ii < self.hi))
        self.map_x = (np.minimum(yy, n - 1) // self.r, np.minimum(ii, n - 1) // self.r)
        jj, xx = np.indices((n + 1, n))
        self.band_y = ~((jj >= self.lo) & (jj < self.hi) & (xx >= self.lo) & (xx < self.hi))
        self.map_y = (np.minimum(jj, n - 1) // self.r, np.minimum(xx, n - 1) // self.r)
        cy, cx = np.indices((n, n))
        self.cx, self.cy = cx.astype(float), cy.astype(float)

    def start(self, x0, y0, size):
        n = self.n
        self.vx = self.init_v[0] * self.ox
        self.vy = self.init_v[1] * self.oy
        self.p = np.zeros((n + 2, n + 2))
        self.rho = np.zeros((n, n))
        self.rho[y0:y0 + size, x0:x0 + size] = 1.0
        self.rho[self.solid] = 0.0
        self.out = np.zeros(len(self.exits))

    def step(self, ctrl):
        n = self.n
        if self.buoyancy != 0:
            self.vy[1:n] = self.vy[1:n] + self.buoyancy * 0.5 * (self.rho[:-1] + self.rho[1:])
        self.vx = np.where(self.band_x, ctrl[self.map_x + (0,)], self.vx) * self.ox
        self.vy = np.where(self.band_y, ctrl[self.map_y + (1,)], self.vy) * self.oy
        b = np.zeros((n + 2, n + 2))
        div = ((self.vx[:, 1:] - self.vx[:, :-1]) + self.vy[1:, :]) - self.vy[:-1, :]
        b[1:-1, 1:-1] = np.where(self.solid, 0.0, -div)
        self.p = self.ps.solve(b, self.p)
        p = self.p
        self.vx = np.where(self.ox != 0, self.vx - (p[1:n + 1, 1:n + 2] - p[1:n + 1, 0:n + 1]), self.vx)
        self.vy = np.where(self.oy != 0, self.vy - (p[1:n + 2, 1:n + 1] - p[0:n + 1, 1:n + 1]), self.vy)
        self.advect()
        for e, (y0, y1, x0, x1) in enumerate(self.exits):
            self.out[e] += np.sum(self.rho[y0:y1, x0:x1])
            self.rho[y0:y1, x0:x1] = 0.0

    def advect(self):
        n = self.n
        ux = 0.5 * (self.vx[:, :-1] + self.vx[:, 1:])
        uy = 0.5 * (self.vy[:-1, :] + self.vy[1:, :])

        def bilinear(px, py):
            u = np.minimum(np.maximum(px - 0.5, 0.0), n - 1.0)
            v = np.minimum(np.maximum(py - 0.5, 0.0), n - 1.0)
            i0 = np.minimum(u.astype(int), n - 2)
            j0 = np.minimum(v.astype(int), n - 2)
            return i0, j0, u - i0, v - j0

        i0, j0, fx, fy = bilinear((self.cx + 0.5) - ux, (self.cy + 0.5) - uy)
        base = j0 * n + i0
        src = np.stack([base, base + 1, base + n, base + n + 1], axis=-1).reshape(-1)
        w = np.stack([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy], axis=-1)
        w[self.solid] = 0.0
        w = w.reshape(-1)
        colsum = np.bincount(src, weights=w, minlength=n * n)
        rho = self.rho.reshape(-1)
        with np.errstate(all="ignore"):
            t = np.where(w != 0, w * rho[src] / colsum[src], 0.0).reshape(n * n, 4)
        nxt = ((t[:, 0] + t[:, 1]) + t[:, 2]) + t[:, 3]
        solid = self.solid.reshape(-1)
        for c in np.nonzero((rho != 0) & (colsum == 0))[0]:
            y, x = divmod(int(c), n)
            a, b, fx1, fy1 = bilinear(np.array([x + 0.5 + ux[y, x]]), np.array([y + 0.5 + uy[y, x]]))
            a, b, fx1, fy1 = int(a[0]), int(b[0]), fx1[0], fy1[0]
            cells = [b * n + a, b * n + a + 1, (b + 1) * n + a, (b + 1) * n + a + 1]
            ws = [(1 - fx1) * (1 - fy1), fx1 * (1 - fy1), (1 - fx1) * fy1, fx1 * fy1]
            ws = [0.0 if solid[q] else wq for q, wq in zip(cells, ws)]
            tot = sum(ws)
            if tot == 0:
                nxt[c] += rho[c]
            else:
                for q, wq in zip(cells, ws):
                    nxt[q] += rho[c] * wq / tot
        self.rho = nxt.reshape(n, n)

    def observe(self):
        n, m, r = self.n, self.m, self.r
        cvx = 0.5 * (self.vx[:, :-1] + self.vx[:, 1:])
        cvy = 0.5 * (self.vy[:-1, :] + self.vy[1:, :])
        blk = lambda a: a.reshape(m, r, m, r).sum(axis=(1, 3)) / (r * r)
        return np.stack([blk(self.rho), blk(cvx), blk(cvy)], axis=-1)

    def run(self, x0, y0, size, control):
        """control: frames x m x m x 2; returns frames x m x m x 3 and the exit counters."""
        self.start(x0, y0, size)
        frames = []
        for k in range(self.steps // self.stride + 1):
            for _ in range(1 if k == 0 else self.stride):
                self.step(control[k])
            frames.append(self.observe())
        return np.array(frames), self.out.copy(), float(np.sum(self.rho))


def fixed_control(frames, m, r, lo, hi):
    """The benchmark's control: band vy = 1, band vx = 0.5 sin(2 pi k/frames), zero inside."""
    yy, xx = np.indices((m, m))
    band = ~((r * yy >= lo) & (r * yy < hi) & (r * xx >= lo) & (r * xx < hi))
    c = np.zeros((frames, m, m, 2))
    for k in range(frames):
        c[k, :, :, 0] = np.where(band, 0.5 * math.sin(2 * math.pi * k / frames), 0.0)
        c[k, :, :, 1] = np.where(band, 1.0, 0.0)
    return c


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    cases = []
    for cfg in [dict(n=32, save=16, steps=96, stride=8), dict(n=64, save=32, steps=32, stride=8, buoyancy=0.05)]:
        sm = Smoke(**cfg)
        frames = sm.steps // sm.stride + 1
        ctl = fixed_control(frames, sm.m, sm.r, sm.lo, sm.hi)
        init = (rnd(40 * sm.n / 128), rnd(22 * sm.n / 128), max(1, rnd(11 * sm.n / 128)))
        states, exits, remaining = sm.run(*init, ctl)
        cases.append({"params": cfg, "initial": list(init),
                      "state": states.ravel().tolist(), "exits": exits.tolist(), "remaining": remaining})
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "testdata", "pde")
    path = os.path.join(out_dir, "smoke_ref.json")
    with open(path + ".tmp", "w") as fh:
        json.dump({"generator": "scripts/pde/smoke_ref.py", "numpy": np.__version__, "cases": cases}, fh)
    os.replace(path + ".tmp", path)
    print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main()
