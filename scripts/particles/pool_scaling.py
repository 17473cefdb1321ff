#!/usr/bin/env python3
"""Pools the per-plan rewards of several `trajdiff plan scaling --out` files (different --seed, same methods and
budgets) and prints each method's mean reward and its paired difference to the first method at each budget, with
standard errors over plans (docs/benchmarks.md, inference-time search)."""
import json
import math
import sys


def main(files):
    pts = {}
    order = []
    for f in files:
        for p in json.load(open(f))["points"]:
            key = (p["method"], p["budget"])
            if key not in pts:
                order.append(key)
            pts.setdefault(key, []).extend(p["rewards"])
    first = order[0][0]
    for m, b in order:
        r = pts[(m, b)]
        n = len(r)
        mean = sum(r) / n
        se = math.sqrt(sum((x - mean) ** 2 for x in r) / (n - 1) / n)
        line = f"{m:10s} {b:4d} plans {n:3d} reward {mean:8.3f} ± {se:.3f}"
        if m != first:
            d = [x - y for x, y in zip(r, pts[(first, b)])]
            dm = sum(d) / n
            ds = math.sqrt(sum((x - dm) ** 2 for x in d) / (n - 1) / n)
            line += f"   minus {first}: {dm:+.3f} ± {ds:.3f}"
        print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
