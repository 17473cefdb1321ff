#!/usr/bin/env python3
"""Reference vectors for diffusion/ tests, computed independently with NumPy/SciPy.

Each quantity is written straight from its paper's formula (not from the Go code): process coefficients
(Ho et al. 2020; Song et al. 2021; Nichol & Dhariwal 2021; Karras et al. 2022; Liu et al. 2023), the Karras
schedule, diffusers' integer timestep spacings, the Gaussian-mixture posterior mean (by linear solves, not
eigendecompositions), and the published sampler loops of k-diffusion (sample_euler, sample_heun,
sample_dpmpp_2m) and DDIM on that mixture.

Run: /usr/bin/python3 scripts/diffusion/gen_reference.py > diffusion/testdata/reference.json
"""
import json
import math
import sys

import numpy as np
from scipy.special import logsumexp

out = {"generator": "scripts/diffusion/gen_reference.py", "numpy": np.__version__}

# ---------------------------------------------------------------- processes
def vp_linear(t, b0=0.1, b1=20.0):
    la = -0.25 * t * t * (b1 - b0) - 0.5 * t * b0
    dla = -0.5 * t * (b1 - b0) - 0.5 * b0
    a = math.exp(la)
    s = math.sqrt(-math.expm1(2 * la))  # 1 - alpha^2 without cancellation
    return a, s, a * dla, -a * a * dla / s


def vp_cosine(t, s0=0.008):
    f = lambda u: math.cos((u + s0) / (1 + s0) * math.pi / 2) ** 2
    a = math.sqrt(f(t) / f(0))
    ang = (t + s0) / (1 + s0) * math.pi / 2
    ang0 = s0 / (1 + s0) * math.pi / 2
    da = a * (-math.tan(ang) * math.pi / (2 * (1 + s0)))
    # 1 - a^2 = (cos^2 ang0 - cos^2 ang)/cos^2 ang0 = sin(ang + ang0) sin(ang - ang0)/cos^2 ang0, without cancellation.
    s = math.sqrt(math.sin(ang + ang0) * math.sin(ang - ang0)) / math.cos(ang0)
    return a, s, da, -a * da / s


procs = {
    "edm": lambda t: (1.0, t, 0.0, 1.0),
    "vp-linear": vp_linear,
    "vp-cosine": vp_cosine,
    "flow": lambda t: (1 - t, t, -1.0, 1.0),
    "trig": lambda t: (math.cos(math.pi * t / 2), math.sin(math.pi * t / 2),
                       -math.pi / 2 * math.sin(math.pi * t / 2), math.pi / 2 * math.cos(math.pi * t / 2)),
}
ts = {"edm": [0.002, 0.1, 1.0, 7.5, 80.0], "vp-linear": [1e-3, 0.05, 0.3, 0.7, 1.0],
      "vp-cosine": [1e-3, 0.1, 0.5, 0.9, 0.9946], "flow": [1e-3, 0.2, 0.5, 0.9, 0.999],
      "trig": [1e-3, 0.2, 0.5, 0.9, 0.999]}
out["processes"] = {}
for name, f in procs.items():
    rows = []
    for t in ts[name]:
        a, s, da, ds = f(t)
        rows.append({"t": t, "alpha": a, "sigma": s, "dalpha": da, "dsigma": ds, "lambda": math.log(a / s)})
    out["processes"][name] = rows

# DDPM's discrete chain: betas linspace(1e-4, 0.02, 1000), alphas_cumprod = cumprod(1 - betas).
betas = np.linspace(1e-4, 0.02, 1000, dtype=np.float64)
abar = np.cumprod(1 - betas)
out["vp_discrete"] = {"steps": [0, 1, 10, 250, 500, 999],
                      "alphas_cumprod": [float(abar[i]) for i in [0, 1, 10, 250, 500, 999]]}

# ---------------------------------------------------------------- schedules
def karras(n, smin, smax, rho=7.0):
    ramp = np.linspace(0, 1, n)
    return (smax ** (1 / rho) + ramp * (smin ** (1 / rho) - smax ** (1 / rho))) ** rho

out["karras"] = [{"n": n, "sigmas": karras(n, 0.002, 80.0).tolist()} for n in [1, 2, 5, 18, 40]]

def spacing(kind, n, N=1000, offset=0):
    if kind == "linspace":
        return np.linspace(0, N - 1, n).round()[::-1].astype(np.int64)
    if kind == "leading":
        r = N // n
        return (np.arange(0, n) * r).round()[::-1].astype(np.int64) + offset
    if kind == "trailing":
        r = N / n
        return np.round(np.arange(N, 0, -r)).astype(np.int64) - 1

out["spacings"] = [{"kind": k, "n": n, "steps": spacing(k, n).tolist()}
                   for k in ["linspace", "leading", "trailing"] for n in [1, 7, 10, 50, 333, 1000]]

# ---------------------------------------------------------------- mixture denoiser
W = np.array([0.5, 0.3, 0.2])
MU = np.array([[-1.0, 0.5], [1.5, 1.0], [0.0, -1.5]])
COV = np.array([[[0.3, 0.1], [0.1, 0.2]], [[0.1, -0.05], [-0.05, 0.4]], [[0.25, 0.0], [0.0, 0.05]]])
out["mixture"] = {"weights": W.tolist(), "means": MU.tolist(), "covariances": COV.tolist()}


def denoise(x, a, s):
    """E[x0 | x] for rows of x under x = a x0 + s eps, by linear solves."""
    res = []
    for row in x:
        logits, means = [], []
        for w, mu, C in zip(W, MU, COV):
            S = a * a * C + s * s * np.eye(2)
            diff = row - a * mu
            sol = np.linalg.solve(S, diff)
            _, logdet = np.linalg.slogdet(S)
            logits.append(math.log(w) - 0.5 * diff @ sol - 0.5 * logdet)
            means.append(mu + a * C @ sol)
        logits = np.array(logits)
        r = np.exp(logits - logsumexp(logits))
        res.append((r[:, None] * np.array(means)).sum(0))
    return np.array(res)


rng = np.random.default_rng(0)
pts = rng.normal(size=(6, 2)) * 2
cases = []
for name, t in [("edm", 0.05), ("edm", 1.0), ("edm", 20.0), ("vp-linear", 0.3), ("vp-linear", 0.9),
                ("flow", 0.5), ("flow", 0.99), ("trig", 0.4)]:
    a, s, _, _ = procs[name](t)
    cases.append({"process": name, "t": t, "x": pts.tolist(), "d": denoise(pts, a, s).tolist()})
out["denoiser"] = cases

# ---------------------------------------------------------------- sampler loops (EDM, k-diffusion)
def D_edm(x, sigma):
    return denoise(x, 1.0, sigma)


sig = np.append(karras(10, 0.002, 80.0), 0.0)
x_init = rng.normal(size=(5, 2)) * 80.0


def k_euler(x):
    for i in range(len(sig) - 1):
        d = (x - D_edm(x, sig[i])) / sig[i]
        x = x + d * (sig[i + 1] - sig[i])
    return x


def k_heun(x):
    for i in range(len(sig) - 1):
        d = (x - D_edm(x, sig[i])) / sig[i]
        dt = sig[i + 1] - sig[i]
        if sig[i + 1] == 0:
            x = x + d * dt
        else:
            x2 = x + d * dt
            d2 = (x2 - D_edm(x2, sig[i + 1])) / sig[i + 1]
            x = x + (d + d2) / 2 * dt
    return x


def k_dpmpp_2m(x):
    t_fn = lambda s: -math.log(s)
    old = None
    for i in range(len(sig) - 1):
        den = D_edm(x, sig[i])
        if sig[i + 1] == 0:
            x = den  # sigma_fn(inf) = 0 and -expm1(-inf) = 1
        elif old is None:
            h = t_fn(sig[i + 1]) - t_fn(sig[i])
            x = (sig[i + 1] / sig[i]) * x - math.expm1(-h) * den
        else:
            h = t_fn(sig[i + 1]) - t_fn(sig[i])
            r = (t_fn(sig[i]) - t_fn(sig[i - 1])) / h
            dd = (1 + 1 / (2 * r)) * den - (1 / (2 * r)) * old
            x = (sig[i + 1] / sig[i]) * x - math.expm1(-h) * dd
        old = den
    return x


out["samplers_edm"] = {"sigmas": sig.tolist(), "x_init": x_init.tolist(),
                       "euler": k_euler(x_init).tolist(), "heun": k_heun(x_init).tolist(),
                       "dpmpp-2m": k_dpmpp_2m(x_init).tolist()}

# DDIM (eta = 0, Song et al. 2021 Eq. 12) on continuous VP-linear, uniform t from 1 to 1e-3 then to 0.
tgrid = np.append(np.linspace(1.0, 1e-3, 10), 0.0)
x = rng.normal(size=(5, 2))
xv = x.copy()
for i in range(len(tgrid) - 1):
    a, s, _, _ = vp_linear(tgrid[i])
    an, sn = (1.0, 0.0) if tgrid[i + 1] == 0 else vp_linear(tgrid[i + 1])[:2]
    x0 = denoise(xv, a, s)
    eps = (xv - a * x0) / s
    xv = an * x0 + sn * eps
out["ddim_vp"] = {"times": tgrid.tolist(), "x_init": x.tolist(), "out": xv.tolist()}

json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
