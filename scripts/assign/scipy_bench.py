"""Times SciPy's linear_sum_assignment (the solver of the Immiscible Diffusion code) on uniform random
n x n costs, the matrices of internal/assign's BenchmarkMinimize: the baseline row of docs/benchmarks.md.

Usage: /usr/bin/python3 scripts/assign/scipy_bench.py [REPEATS]
"""
import sys
import time

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
print(f"scipy {scipy.__version__}, numpy {np.__version__}")
for n in (64, 256, 1024):
    c = np.random.default_rng(n).random((n, n))
    linear_sum_assignment(c)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        linear_sum_assignment(c)
        ts.append(time.perf_counter() - t0)
    print(f"n={n}: median {1e3 * np.median(ts):.3f} ms, min {1e3 * min(ts):.3f} ms over {reps}")
