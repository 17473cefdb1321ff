#!/usr/bin/python3
"""Time PyWavelets on the shapes of wavelet/bench_test.go (docs/benchmarks-wavelet.md).

    /usr/bin/python3 scripts/wavelet/bench_pywt.py [--repeat 7]

Prints one line per benchmark: the median and the minimum wall time in milliseconds over the repeats
(after one warm-up call). PyWavelets runs single-threaded. Inputs are standard normal float64 arrays,
like the Go benchmarks; wavelet db4, mode symmetric, as there.
"""
import argparse
import platform
import statistics
import time

import numpy as np
import pywt

WAVELET, MODE = "db4", "symmetric"


def timeit(fn, repeat):
    fn()  # warm-up
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts), min(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    x1 = rng.standard_normal(1 << 20)
    xb = rng.standard_normal((64, 9, 64, 64))
    c1 = pywt.wavedec(x1, WAVELET, MODE)
    c2 = pywt.dwt2(xb, WAVELET, MODE, axes=(2, 3))
    c3 = pywt.dwtn(xb, WAVELET, MODE, axes=(1, 2, 3))
    benches = [
        ("Wavedec1D (2^20, level %d)" % (len(c1) - 1), lambda: pywt.wavedec(x1, WAVELET, MODE)),
        ("Waverec1D", lambda: pywt.waverec(c1, WAVELET, MODE)),
        ("Dwt2Batch [64,9,64,64] axes (2,3)", lambda: pywt.dwt2(xb, WAVELET, MODE, axes=(2, 3))),
        ("Idwt2Batch", lambda: pywt.idwt2(c2, WAVELET, MODE, axes=(2, 3))),
        ("Dwtn3Batch [64,9,64,64] axes (1,2,3)", lambda: pywt.dwtn(xb, WAVELET, MODE, axes=(1, 2, 3))),
        ("Idwtn3Batch", lambda: pywt.idwtn(c3, WAVELET, MODE, axes=(1, 2, 3))),
    ]
    print("PyWavelets %s, NumPy %s, Python %s, %s %s" % (pywt.__version__, np.__version__,
                                                        platform.python_version(), WAVELET, MODE))
    for name, fn in benches:
        med, best = timeit(fn, args.repeat)
        print("%-40s median %9.2f ms   min %9.2f ms" % (name, med, best))


if __name__ == "__main__":
    main()
