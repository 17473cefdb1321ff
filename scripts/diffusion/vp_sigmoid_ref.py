#!/usr/bin/env python3
"""Reference values of the sigmoid schedule (Jabri et al. 2023, Fig. 8) as WDNO's smoke model builds its
1000-step chain: alphas_cumprod from t = i/T, betas from their ratios clipped to [0, 0.999], then the
cumulative product of 1 - beta (float64, NumPy). Writes diffusion/testdata/vp_sigmoid_ref.json.

    /usr/bin/python3 scripts/diffusion/vp_sigmoid_ref.py
"""
import json
import os

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def chain(T, start=-3.0, end=3.0, tau=1.0):
    t = np.linspace(0, T, T + 1, dtype=np.float64) / T
    v_start, v_end = sigmoid(start / tau), sigmoid(end / tau)
    ab = (-sigmoid((t * (end - start) + start) / tau) + v_end) / (v_end - v_start)
    ab = ab / ab[0]
    betas = np.clip(1 - ab[1:] / ab[:-1], 0, 0.999)
    return betas, np.cumprod(1 - betas)


def main():
    T = 1000
    betas, cum = chain(T)
    idx = sorted(set(range(0, T, 37)) | {T - 2, T - 1})
    out = {
        "T": T, "start": -3.0, "end": 3.0, "tau": 1.0,
        "index": idx,  # chain step i (0-based): alphas_cumprod[i] is alpha-bar at t = (i + 1) / T
        "alphas_cumprod": [float(cum[i]) for i in idx],
        "betas": [float(betas[i]) for i in idx],
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "diffusion", "testdata", "vp_sigmoid_ref.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
