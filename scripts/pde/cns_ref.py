#!/usr/bin/python3
"""NumPy implementation of trajdiff's 1-D compressible Navier-Stokes scheme (package pde/cns).

Same arithmetic as the Go solver: MUSCL reconstruction of the primitive variables with the MC limiter,
conservative Hancock half step, HLLC flux with Davis wave speeds, first-order fallback where a face
state loses positivity, Strang-split explicit viscosity (mu = 4/3 eta + zeta) with sub-steps, dt from
the CFL number clipped to the frame times.

Run without arguments to rewrite testdata/pde/cns_ref.json, or write it into the directory given
as the first argument (the Go tests compare against it to 1e-10).
Needs Debian's python3-numpy; run it with /usr/bin/python3.
"""
import json
import math
import os
import sys

import numpy as np


def mc(a, b):
    c = 0.5 * (a + b)
    lo = np.minimum(np.minimum(c, 2 * a), 2 * b)
    hi = np.maximum(np.maximum(c, 2 * a), 2 * b)
    return np.where(a * b <= 0, 0.0, np.where(a > 0, lo, hi))


def hllc(g, rl, ul, pl, rr, ur, pr):
    al = np.sqrt(g * pl / rl)
    ar = np.sqrt(g * pr / rr)
    el = pl / (g - 1) + 0.5 * rl * ul * ul
    er = pr / (g - 1) + 0.5 * rr * ur * ur
    sl = np.minimum(ul - al, ur - ar)
    sr = np.maximum(ul + al, ur + ar)
    ss = (pr - pl + rl * ul * (sl - ul) - rr * ur * (sr - ur)) / (rl * (sl - ul) - rr * (sr - ur))
    cl = rl * (sl - ul) / (sl - ss)
    cr = rr * (sr - ur) / (sr - ss)
    fL = (rl * ul, rl * ul * ul + pl, ul * (el + pl))
    fR = (rr * ur, rr * ur * ur + pr, ur * (er + pr))
    fsL = (rl * ul + sl * (cl - rl),
           rl * ul * ul + pl + sl * (cl * ss - rl * ul),
           ul * (el + pl) + sl * (cl * (el / rl + (ss - ul) * (ss + pl / (rl * (sl - ul)))) - el))
    fsR = (rr * ur + sr * (cr - rr),
           rr * ur * ur + pr + sr * (cr * ss - rr * ur),
           ur * (er + pr) + sr * (cr * (er / rr + (ss - ur) * (ss + pr / (rr * (sr - ur)))) - er))
    out = []
    for q in range(3):
        out.append(np.where(sl >= 0, fL[q], np.where(sr <= 0, fR[q], np.where(ss >= 0, fsL[q], fsR[q]))))
    return out


class Solver:
    def __init__(self, p):
        self.p = p
        self.n = p["cells"]
        self.dx = (p["xr"] - p["xl"]) / self.n
        self.g = p["gamma"]
        self.mu = 4.0 / 3.0 * p["eta"] + p["zeta"]

    def fill(self, v):
        n = self.n
        if self.p["boundary"] == "periodic":
            v[0], v[1] = v[n], v[n + 1]
            v[n + 2], v[n + 3] = v[2], v[3]
        else:
            v[0] = v[1] = v[2]
            v[n + 2] = v[n + 3] = v[n + 1]

    def primitives(self):
        n, g = self.n, self.g
        r = self.d[2:n + 2].copy()
        u = self.m[2:n + 2] / r
        w = (g - 1) * (self.e[2:n + 2] - 0.5 * self.m[2:n + 2] * u)
        if not (np.all(r > 0) and np.all(w > 0) and np.all(np.isfinite(u)) and np.all(np.isfinite(w))):
            raise RuntimeError("blow-up")
        self.r[2:n + 2], self.u[2:n + 2], self.w[2:n + 2] = r, u, w
        for v in (self.r, self.u, self.w):
            self.fill(v)

    def hydro(self, dt):
        n, g = self.n, self.g
        r, u, w = self.r, self.u, self.w
        c = 0.5 * dt / self.dx
        sl = slice(1, n + 3)
        lm = slice(0, n + 2)
        rp = slice(2, n + 4)
        dr = mc(r[sl] - r[lm], r[rp] - r[sl])
        du = mc(u[sl] - u[lm], u[rp] - u[sl])
        dp = mc(w[sl] - w[lm], w[rp] - w[sl])
        rL, uL, pL = r[sl] - 0.5 * dr, u[sl] - 0.5 * du, w[sl] - 0.5 * dp
        rR, uR, pR = r[sl] + 0.5 * dr, u[sl] + 0.5 * du, w[sl] + 0.5 * dp
        ok = (rL > 0) & (pL > 0) & (rR > 0) & (pR > 0)
        with np.errstate(all="ignore"):
            mL = rL * uL
            eL = pL / (g - 1) + 0.5 * mL * uL
            mR = rR * uR
            eR = pR / (g - 1) + 0.5 * mR * uR
            dD = c * (mL - mR)
            dM = c * ((mL * uL + pL) - (mR * uR + pR))
            dE = c * (uL * (eL + pL) - uR * (eR + pR))
            DL, ML, EL = rL + dD, mL + dM, eL + dE
            DR, MR, ER = rR + dD, mR + dM, eR + dE
            euL, euR = ML / DL, MR / DR
            epL = (g - 1) * (EL - 0.5 * ML * euL)
            epR = (g - 1) * (ER - 0.5 * MR * euR)
        ok2 = ok & (DL > 0) & (epL > 0) & (DR > 0) & (epR > 0)
        rc, uc, pc = r[sl], u[sl], w[sl]
        rL, uL, pL = np.where(ok2, DL, rc), np.where(ok2, euL, uc), np.where(ok2, epL, pc)
        rR, uR, pR = np.where(ok2, DR, rc), np.where(ok2, euR, uc), np.where(ok2, epR, pc)
        with np.errstate(all="ignore"):
            fd, fm, fe = hllc(g, rR[0:n + 1], uR[0:n + 1], pR[0:n + 1], rL[1:n + 2], uL[1:n + 2], pL[1:n + 2])
        c2 = dt / self.dx
        self.d[2:n + 2] = self.d[2:n + 2] - c2 * (fd[1:] - fd[:-1])
        self.m[2:n + 2] = self.m[2:n + 2] - c2 * (fm[1:] - fm[:-1])
        self.e[2:n + 2] = self.e[2:n + 2] - c2 * (fe[1:] - fe[:-1])

    def viscous(self, h):
        n, mu, dx = self.n, self.mu, self.dx
        rmin = np.min(self.d[2:n + 2])
        hmax = self.p["visc_cfl"] * rmin * dx * dx / mu
        sub = int(math.ceil(h / hmax))
        dtv = h / sub
        k = mu / dx
        c = dtv / dx
        vu = np.zeros(n + 2)
        for _ in range(sub):
            vu[1:n + 1] = self.m[2:n + 2] / self.d[2:n + 2]
            if self.p["boundary"] == "periodic":
                vu[0], vu[n + 1] = vu[n], vu[1]
            else:
                vu[0], vu[n + 1] = vu[1], vu[n]
            tau = k * (vu[1:] - vu[:-1])
            work = tau * (0.5 * (vu[:-1] + vu[1:]))
            self.m[2:n + 2] = self.m[2:n + 2] + c * (tau[1:] - tau[:-1])
            self.e[2:n + 2] = self.e[2:n + 2] + c * (work[1:] - work[:-1])

    def solve(self, rho, vel, pres):
        n, g, p = self.n, self.g, self.p
        self.d, self.m, self.e = np.zeros(n + 4), np.zeros(n + 4), np.zeros(n + 4)
        self.r, self.u, self.w = np.zeros(n + 4), np.zeros(n + 4), np.zeros(n + 4)
        mm = rho * vel
        self.d[2:n + 2], self.m[2:n + 2], self.e[2:n + 2] = rho, mm, pres / (g - 1) + 0.5 * mm * vel
        self.primitives()
        frames = [self.snapshot()]
        t = 0.0
        visc = self.mu > 0
        self.steps = 0
        for k in range(p["frames"]):
            tn = (k + 1) * p["T"] / p["frames"]
            while t < tn:
                smax = np.max(np.abs(self.u[2:n + 2]) + np.sqrt(g * self.w[2:n + 2] / self.r[2:n + 2]))
                dt = p["cfl"] * self.dx / smax
                last = False
                if dt >= tn - t:
                    dt, last = tn - t, True
                if visc:
                    self.viscous(0.5 * dt)
                    self.primitives()
                self.hydro(dt)
                if visc:
                    self.viscous(0.5 * dt)
                t = tn if last else t + dt
                self.primitives()
                self.steps += 1
            frames.append(self.snapshot())
        return np.array(frames)

    def snapshot(self):
        n = self.n
        return np.stack([self.r[2:n + 2], self.u[2:n + 2], self.w[2:n + 2]])


def multimode(xi, m):
    xi = xi - np.floor(xi)
    v = np.zeros_like(xi)
    for k, a, phi in m["modes"]:
        v = v + a * np.sin(2 * math.pi * k * xi + phi)
    if m["abs"]:
        v = np.abs(v)
    v = v * m["sign"]
    if m["window"]:
        v = v * (0.5 * (np.tanh((xi - m["xl"]) / 0.01) - np.tanh((xi - m["xr"]) / 0.01)))
    return v


def normalise(v, scale, offset):
    lo, hi = np.min(v), np.max(v)
    y = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    return scale * y + offset


def random_multimode(rng, kmax, pw):
    return {"modes": [[int(rng.integers(1, kmax + 1)), rng.uniform(), 2 * math.pi * rng.uniform()] for _ in range(2)],
            "abs": bool(rng.uniform() < 0.1), "sign": float(rng.choice([-1.0, 1.0])),
            "window": bool(rng.uniform() < pw), "xl": rng.uniform(0.1, 0.45), "xr": rng.uniform(0.55, 0.9)}


def random_initial(rng):
    lu = lambda lo, hi: math.exp(rng.uniform(math.log(lo), math.log(hi)))
    return {"rho": random_multimode(rng, 3, 0.5), "u": random_multimode(rng, 3, 0.5), "p": random_multimode(rng, 3, 0.5),
            "rho_scale": lu(1, 10), "rho_offset": lu(1, 10), "p_scale": lu(10, 100), "p_offset": lu(10, 100)}


def initial_state(p, ic):
    n = p["cells"]
    dx = (p["xr"] - p["xl"]) / n
    x = p["xl"] + (np.arange(n) + 0.5) * dx
    xi = (x - p["xl"]) / (p["xr"] - p["xl"])
    rho = normalise(multimode(xi, ic["rho"]), ic["rho_scale"], ic["rho_offset"])
    vel = multimode(xi, ic["u"])
    pres = normalise(multimode(xi, ic["p"]), ic["p_scale"], ic["p_offset"])
    return rho, vel, pres


def default_params():
    return {"gamma": 5.0 / 3.0, "eta": 0.01, "zeta": 0.01, "cells": 1024, "xl": -1.0, "xr": 1.0, "T": 1.0,
            "frames": 100, "cfl": 0.5, "visc_cfl": 0.4, "boundary": "periodic"}


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    rng = np.random.default_rng(20261126)
    base = default_params()
    configs = [
        dict(base, cells=128, T=0.4, frames=4),
        dict(base, cells=96, T=0.05, frames=2, eta=0.1, zeta=0.1),
        dict(base, cells=128, T=0.1, frames=4, eta=1e-8, zeta=1e-8, boundary="outflow"),
        dict(base, cells=100, T=0.2, frames=2, gamma=1.4, eta=0.0, zeta=0.0, xl=0.0, boundary="outflow"),
    ]
    cases = []
    for i, p in enumerate(configs):
        if i < 3:
            ic = random_initial(rng)
            rho, vel, pres = initial_state(p, ic)
        else:  # Sod's shock tube
            ic = None
            x = p["xl"] + (np.arange(p["cells"]) + 0.5) * (p["xr"] - p["xl"]) / p["cells"]
            rho = np.where(x < 0.5, 1.0, 0.125)
            vel = np.zeros(p["cells"])
            pres = np.where(x < 0.5, 1.0, 0.1)
        s = Solver(p)
        frames = s.solve(rho, vel, pres)
        cases.append({"params": p, "initial": ic, "init": [rho.tolist(), vel.tolist(), pres.tolist()],
                      "steps": s.steps, "frames": frames.ravel().tolist()})
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "testdata", "pde")
    path = os.path.join(out_dir, "cns_ref.json")
    with open(path + ".tmp", "w") as fh:
        json.dump({"generator": "scripts/pde/cns_ref.py", "numpy": np.__version__, "cases": cases}, fh)
    os.replace(path + ".tmp", path)
    print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main()
