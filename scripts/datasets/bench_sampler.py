#!/usr/bin/python3
"""NumPy reference for BenchmarkSegmentSampler (datasets/bench_test.go): batches of 256 windows of
horizon 32 from 1000 episodes of 1000 steps (17 observation, 6 action dims), min-max normalised
beforehand as Diffuser does (datasets/sequence.py normalises the padded arrays once and
__getitem__ slices them).

  per-item:   Diffuser's __getitem__ for each window, then np.stack (what its DataLoader collates)
  vectorised: one fancy-indexing gather per batch

Run: /usr/bin/python3 scripts/datasets/bench_sampler.py
"""
import time

import numpy as np

E, T, OD, AD, H, B = 1000, 1000, 17, 6, 32, 256
rng = np.random.default_rng(0)
obs = rng.standard_normal((E, T, OD)).astype(np.float32)
act = (rng.random((E, T, AD)) * 2 - 1).astype(np.float32)


def limits(x):
    flat = x.reshape(-1, x.shape[-1])
    lo, hi = flat.min(0), flat.max(0)
    return (2 * (x - lo) / (hi - lo) - 1).astype(np.float32)


nobs, nact = limits(obs), limits(act)
# make_indices with padding: max_start = min(T - 1, T - H) = T - H, starts 0 .. T-H-1.
idx = np.array([(i, s, s + H) for i in range(E) for s in range(T - H)])


def per_item(batch):
    items = []
    for k in batch:
        i, s, e = idx[k]
        items.append(np.concatenate([nact[i, s:e], nobs[i, s:e]], axis=-1))
    return np.stack(items)


both = np.concatenate([nact, nobs], axis=-1)
offs = np.arange(H)


def vectorised(batch):
    sel = idx[batch]
    return both[sel[:, 0:1], sel[:, 1:2] + offs]


for name, fn in [("per-item (Diffuser __getitem__ + stack)", per_item), ("vectorised gather", vectorised)]:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < 3:
        fn(rng.integers(len(idx), size=B))
        n += 1
    el = time.perf_counter() - start
    print(f"numpy {np.__version__} {name}: {n / el:.0f} batches/s ({el / n * 1e6:.0f} us/batch)")
