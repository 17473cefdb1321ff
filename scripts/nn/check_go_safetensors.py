#!/usr/bin/python3
"""Checks a safetensors file written by trajdiff's Go writer (nn/safetensors TestWriteForPython) with the
independent Python reader of safetensors_py.py: names, dtypes, shapes, values and metadata.

Usage: /usr/bin/python3 scripts/nn/check_go_safetensors.py FILE
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_py as st  # noqa: E402


def main():
    ts, meta = st.read(sys.argv[1])
    assert meta == {"writer": "trajdiff"}, meta
    assert sorted(ts) == ["check.arange", "check.empty", "check.f64", "check.scalar"], sorted(ts)
    a = ts["check.arange"]
    assert a.dtype == np.dtype("<f4") and a.shape == (3, 4), (a.dtype, a.shape)
    assert np.array_equal(a, (np.arange(12, dtype=np.float32) - 5.5).reshape(3, 4)), a
    f = ts["check.f64"]
    assert f.dtype == np.dtype("<f8") and f.tolist() == [math.pi, math.e], f
    s = ts["check.scalar"]
    assert s.shape == () and float(s) == -0.125, s
    assert ts["check.empty"].shape == (0, 3)
    with open(sys.argv[1], "rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
    assert n % 8 == 0, "header not padded to 8 bytes"
    print("ok: Go-written safetensors file read by the Python reader")


if __name__ == "__main__":
    main()
