#!/usr/bin/python3
"""Paired comparison of two `trajdiff plan evaluate --out` files of the same episodes (same seed and count):
the mean per-episode score difference B - A with its standard error, and the episodes each one solves alone.
The rows of one seed share their starts, so the paired SE is smaller than the two rows' SEs combined.

Usage: /usr/bin/python3 scripts/rl/paired_scores.py A.json B.json [AGENT]   (AGENT default diffuser)
"""
import json
import math
import sys


def episodes(path, agent):
    d = json.load(open(path))
    for a in d["results"]["agents"]:
        if a["summary"]["agent"] == agent:
            return {e["reset_seed"]: e for e in a["episodes"]}
    raise SystemExit(f"{path}: no agent {agent}")


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    agent = sys.argv[3] if len(sys.argv) > 3 else "diffuser"
    a, b = episodes(sys.argv[1], agent), episodes(sys.argv[2], agent)
    if set(a) != set(b):
        raise SystemExit("the files hold different episodes (seeds or counts differ)")
    d = [b[k]["score"] - a[k]["score"] for k in a]
    n = len(d)
    mean = sum(d) / n
    se = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1) / n)
    only_a = sum(1 for k in a if a[k]["success"] and not b[k]["success"])
    only_b = sum(1 for k in a if b[k]["success"] and not a[k]["success"])
    print(f"{n} episodes: score B - A = {mean:.1f} ± {se:.1f} (paired SE); solved by A only {only_a}, by B only {only_b}")


if __name__ == "__main__":
    main()
