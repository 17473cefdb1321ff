#!/usr/bin/python3
"""Compares reference JSON files written by the *_ref.py scripts: every number must agree to 1e-12
(relative to max(1, |value|)); used by .ci/check.d/pde.sh to verify that the committed testdata/pde
files are what the committed scripts produce.

Usage: compare_ref.py A.json B.json
"""
import json
import sys


def walk(a, b, path, worst):
    if isinstance(a, dict):
        if set(a) != set(b):
            raise SystemExit(f"{path}: keys differ: {sorted(set(a) ^ set(b))}")
        for k in a:
            if k != "numpy":
                walk(a[k], b[k], f"{path}.{k}", worst)
    elif isinstance(a, list):
        if len(a) != len(b):
            raise SystemExit(f"{path}: lengths {len(a)} vs {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{path}[{i}]", worst)
    elif isinstance(a, float) or isinstance(b, float):
        d = abs(a - b) / max(1.0, abs(b))
        if d > worst[0]:
            worst[0], worst[1] = d, path
    elif a != b:
        raise SystemExit(f"{path}: {a!r} vs {b!r}")


def main():
    a, b = (json.load(open(p)) for p in sys.argv[1:3])
    worst = [0.0, ""]
    walk(a, b, "$", worst)
    print(f"{sys.argv[1]} vs {sys.argv[2]}: max relative difference {worst[0]:.3g} at {worst[1] or '-'}")
    if worst[0] > 1e-12:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
