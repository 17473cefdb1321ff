#!/usr/bin/python3
"""Smoothness of the first plans in `trajdiff plan evaluate --out` / quickstart results files.

For each file: the score, the mean plan step (D4RL's data moves about 0.03 per step), and the share of the
energy of the plan's step-to-step changes (per axis, mean removed) in the top quarter of frequencies. A
smooth path puts almost none there; white noise in the positions puts 0.48 there; a period-2 zig-zag
(the checkerboard of an under-trained transposed convolution) puts more.

Usage: /usr/bin/python3 scripts/rl/plan_smoothness.py RESULTS.json...
"""
import json
import sys

import numpy as np

for path in sys.argv[1:]:
    doc = json.load(open(path))
    agent = doc["results"]["agents"][0]
    steps, high, walls = [], [], []
    for e in agent["episodes"]:
        plan = np.array(e["first_plan"])
        d = np.diff(plan[:, :2], axis=0)
        steps.append(np.linalg.norm(d, axis=1).mean())
        top = total = 0.0
        for k in range(2):
            power = np.abs(np.fft.rfft(d[:, k] - d[:, k].mean())) ** 2
            top += power[3 * len(power) // 4:].sum()
            total += power.sum()
        high.append(top / total)
        walls.append(e["plan_quality"]["wall_points"])
    s = agent["summary"]
    print(f"{path}: score {s['score_mean']:.1f} ± {s['score_se']:.1f}, success {s['success_rate']:.0%}, "
          f"mean plan step {np.mean(steps):.3f}, high-frequency share {np.mean(high):.2f}, "
          f"plan points in walls {np.mean(walls):.1f} per plan ({len(steps)} episodes)")
