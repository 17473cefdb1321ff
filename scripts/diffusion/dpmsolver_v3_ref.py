#!/usr/bin/env python3
"""Reference vectors for DPM-Solver-v3 (Zheng et al. 2023, "DPM-Solver-v3: Improved Diffusion ODE Solver
with Empirical Model Statistics"), written from the paper's equations in NumPy/SciPy, not from the Go code
nor from the authors' PyTorch code.

The sampler is the paper's multistep predictor-corrector in noise prediction: with lambda = log(alpha/sigma),
statistics l, s, b (here fixed smooth functions, not estimated: the update is what is checked), the model
output at a point j kept as f_j = (sigma_j eps_j - l_j x_j)/alpha_j and, relative to the start lambda_s,
g_j = e^{-S(lambda_j)} f_j - B(lambda_j) with S = int s, B = int e^{-S} b, the update from lambda_s to lambda_t is

    x_t = alpha_t/alpha_s e^{-L_t} x_s - alpha_t e^{-L_t} (I g_0 + C + sum_k M_k g^(k)),
    L = int l, I = int e^{L+S}, C = int e^{L+S} B, M_k = int e^{L+S} (lambda - lambda_s)^k / k!.

Every integral is computed here by integrating the ODE system of the integrands with DOP853 at rtol 1e-13
(the Go code uses spectral quadrature). Derivatives g^(k): pseudo-order divided differences
(k! g[lambda_s, lambda_1, ..., lambda_k]) or the Vandermonde solve. Predictor order min(order, i+1, M-i)
over the M = N-1 steps before the final one (warm-up and lower order at the end); the corrector at each new
point re-solves the previous step with the new output as an extra node (order one above the predictor that
produced the point, divided differences) and keeps N = sigma eps - l x of the evaluation fixed. The last
interval to t = 0 is the denoising step x0 = (x - sigma eps)/alpha.

Process: linear VP (beta 0.1 -> 20); data: a 3-D two-component Gaussian mixture with its exact denoiser.

Run: /usr/bin/python3 scripts/diffusion/dpmsolver_v3_ref.py > diffusion/testdata/dpmsolver_v3_ref.json
"""
import json
import math

import numpy as np
from scipy.integrate import solve_ivp
from scipy.special import logsumexp

B0, B1 = 0.1, 20.0


def vp(t):
    la = -0.25 * t * t * (B1 - B0) - 0.5 * t * B0
    a = math.exp(la)
    s = math.sqrt(-math.expm1(2 * la))
    return a, s, math.log(a) - math.log(s)


# Mixture.
W = np.array([0.3, 0.7])
MU = np.array([[1.0, -0.5, 0.3], [-0.8, 0.4, 1.2]])
COV = np.array([[[0.3, 0.05, 0.0], [0.05, 0.2, 0.02], [0.0, 0.02, 0.4]],
                [[0.1, 0.0, 0.03], [0.0, 0.5, 0.0], [0.03, 0.0, 0.25]]])
D = 3


def denoise(x, t):
    a, s, _ = vp(t)
    out = np.zeros_like(x)
    for n, xn in enumerate(x):
        logp, means = [], []
        for k in range(len(W)):
            c = a * a * COV[k] + s * s * np.eye(D)
            r = xn - a * MU[k]
            sol = np.linalg.solve(c, r)
            _, logdet = np.linalg.slogdet(c)
            logp.append(math.log(W[k]) - 0.5 * (r @ sol) - 0.5 * logdet)
            means.append(MU[k] + a * COV[k] @ sol)
        logp = np.array(logp)
        w = np.exp(logp - logsumexp(logp))
        out[n] = sum(w[k] * means[k] for k in range(len(W)))
    return out


def eps_model(x, t):
    a, s, _ = vp(t)
    return (x - a * denoise(x, t)) / s


# Statistics: smooth functions of lambda, one value per coordinate (j = 0, 1, 2).
J = np.arange(D)


def stat_l(lam):
    return 1 / (1 + np.exp(2 * lam - 0.5 * J))


def stat_s(lam):
    return 0.5 * np.sin(lam + J) - 0.3


def stat_b(lam):
    return 0.1 * np.cos(0.7 * lam + J)


def integrals(ls, lt, kmax):
    """L, S, B at lt and I, C, M_1..M_kmax over [ls, lt] (per coordinate)."""
    def rhs(lam, y):
        L, S, Bv = y[0:D], y[D:2 * D], y[2 * D:3 * D]
        E = np.exp(L + S)
        parts = [stat_l(lam), stat_s(lam), np.exp(-S) * stat_b(lam), E, E * Bv]
        for k in range(1, kmax + 1):
            parts.append(E * (lam - ls) ** k / math.factorial(k))
        return np.concatenate(parts)
    y0 = np.zeros((5 + kmax) * D)
    if ls == lt:
        y = y0
    else:
        sol = solve_ivp(rhs, (ls, lt), y0, method="DOP853", rtol=1e-13, atol=1e-16)
        y = sol.y[:, -1]
    parts = [y[i * D:(i + 1) * D] for i in range(5 + kmax)]
    return {"L": parts[0], "S": parts[1], "B": parts[2], "I": parts[3], "C": parts[4], "M": parts[5:]}


def derivatives(lams, gs, pseudo):
    n = len(lams) - 1
    if n == 0:
        return []
    if pseudo:
        table = [list(gs)]
        for i in range(1, n + 1):
            prev = table[-1]
            table.append([(prev[j] - prev[j + 1]) / (lams[j] - lams[j + i]) for j in range(n - i + 1)])
        return [table[k][0] * math.factorial(k) for k in range(1, n + 1)]
    R = np.array([[(lams[j] - lams[0]) ** k for k in range(1, n + 1)] for j in range(1, n + 1)])
    rhs = np.array([gs[j] - gs[0] for j in range(1, n + 1)]).reshape(n, -1)
    sol = np.linalg.solve(R, rhs)
    return [sol[k - 1].reshape(gs[0].shape) * math.factorial(k) for k in range(1, n + 1)]


def update(xs, epss, ts, idx, t_target, pseudo):
    """Order-len(idx) step from point idx[0] to t_target using the outputs at idx."""
    s_idx = idx[0]
    a_s, _, lam_s = vp(ts[s_idx])
    a_t, _, lam_t = vp(t_target)
    lams, gs = [], []
    for j in idx:
        a_j, s_j, lam_j = vp(ts[j])
        f = (s_j * epss[j] - stat_l(lam_j) * xs[j]) / a_j
        back = integrals(lam_s, lam_j, 0)
        gs.append(np.exp(-back["S"]) * f - back["B"])
        lams.append(lam_j)
    ders = derivatives(lams, gs, pseudo)
    it = integrals(lam_s, lam_t, len(ders))
    acc = it["I"] * gs[0] + it["C"]
    for k, gk in enumerate(ders):
        acc = acc + it["M"][k] * gk
    eL = np.exp(-it["L"])
    return a_t / a_s * eL * xs[s_idx] - a_t * eL * acc


def sample(x, ts, order, pseudo, corrector):
    n = len(ts) - 1  # intervals; the last goes to t = 0
    m = n - 1
    xs, epss = [], []
    p_order = 0
    for i in range(n):
        e = eps_model(x, ts[i])
        xs.append(x)
        epss.append(e)
        if corrector and i > 0:
            c_order = p_order + 1
            idx = [i - 1, i] + list(range(i - 2, i - c_order, -1))
            x_new = update(xs, epss, ts, idx, ts[i], True)
            _, s_i, lam_i = vp(ts[i])
            N_old = s_i * e - stat_l(lam_i) * x
            xs[i] = x_new
            epss[i] = (N_old + stat_l(lam_i) * x_new) / s_i
        if i == n - 1:
            a, s, _ = vp(ts[i])
            return (xs[i] - s * epss[i]) / a
        p_order = min(order, i + 1, m - i)
        x = update(xs, epss, ts, list(range(i, i - p_order, -1)), ts[i + 1], pseudo)


rng = np.random.default_rng(17)
x_T = rng.standard_normal((4, D))
cases = []
for steps in (4, 7):
    ts = list(np.linspace(1.0, 1e-3, steps)) + [0.0]
    for order, pseudo, corrector in ((3, True, True), (2, False, False), (3, False, True), (1, True, True)):
        cases.append({"steps": steps, "order": order, "full_order": not pseudo, "corrector": corrector,
                      "times": ts, "x": sample(x_T.copy(), ts, order, pseudo, corrector).ravel().tolist()})

print(json.dumps({"generator": "scripts/diffusion/dpmsolver_v3_ref.py", "numpy": np.__version__,
                  "mixture": {"weights": W.tolist(), "means": MU.tolist(), "covariances": COV.tolist()},
                  "x_T": x_T.ravel().tolist(), "cases": cases}, indent=1))
