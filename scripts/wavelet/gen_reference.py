#!/usr/bin/python3
"""Generate PyWavelets reference vectors for the Go package wavelet/.

Run with Debian's interpreter (apt-get install -y python3-pywt python3-numpy):

    /usr/bin/python3 scripts/wavelet/gen_reference.py testdata/wavelet

Writes reference.json (an index of cases) and reference.bin (all arrays, little-endian float64,
C order) atomically. Every array in the index is {"o": offset in float64 elements, "s": shape}.
Inputs are drawn from a seeded NumPy generator, so reruns reproduce the files exactly for a given
PyWavelets/NumPy version.
"""
import json
import os
import sys
import tempfile
from itertools import product

import numpy as np
import pywt

MODES = pywt.Modes.modes  # zero, constant, symmetric, periodic, smooth, periodization, reflect, ...


class Store:
    def __init__(self):
        self.chunks = []
        self.n = 0

    def put(self, a):
        a = np.ascontiguousarray(np.asarray(a, dtype=np.float64))
        ref = {"o": self.n, "s": list(a.shape)}
        self.chunks.append(a.ravel())
        self.n += a.size
        return ref

    def blob(self):
        if not self.chunks:
            return b""
        return np.concatenate(self.chunks).astype("<f8").tobytes()


def signal(rng, shape):
    """Random O(1) data with a trend, so boundary handling matters."""
    x = rng.standard_normal(shape)
    if np.ndim(x) >= 1:
        x = x + np.linspace(-1.0, 2.0, np.shape(x)[-1])
    return x


def wavedec_case(st, rng, wavelet, mode, n, level=None):
    x = signal(rng, n)
    coeffs = pywt.wavedec(x, wavelet, mode=mode, level=level)
    rec = pywt.waverec(coeffs, wavelet, mode=mode)
    return {"kind": "wavedec", "wavelet": wavelet, "mode": mode, "level": len(coeffs) - 1,
            "x": st.put(x), "coeffs": [st.put(c) for c in coeffs], "rec": st.put(rec)}


def dwt_case(st, rng, wavelet, mode, n):
    x = signal(rng, n)
    cA, cD = pywt.dwt(x, wavelet, mode=mode)
    rec = pywt.idwt(cA, cD, wavelet, mode=mode)
    return {"kind": "dwt", "wavelet": wavelet, "mode": mode, "x": st.put(x),
            "cA": st.put(cA), "cD": st.put(cD), "rec": st.put(rec)}


def idwt_partial_case(st, rng, wavelet, mode, n):
    cA, cD = signal(rng, n), signal(rng, n)
    return {"kind": "idwt_partial", "wavelet": wavelet, "mode": mode, "cA": st.put(cA), "cD": st.put(cD),
            "rec_a": st.put(pywt.idwt(cA, None, wavelet, mode=mode)),
            "rec_d": st.put(pywt.idwt(None, cD, wavelet, mode=mode))}


def dwtn_case(st, rng, wavelet, mode, shape, axes):
    x = signal(rng, shape)
    c = pywt.dwtn(x, wavelet, mode=mode, axes=axes)
    rec = pywt.idwtn(c, wavelet, mode=mode, axes=axes)
    return {"kind": "dwtn", "wavelet": wavelet, "mode": mode, "axes": list(axes) if axes is not None else None,
            "x": st.put(x), "coeffs": {k: st.put(v) for k, v in sorted(c.items())}, "rec": st.put(rec)}


def wavedecn_case(st, rng, wavelet, mode, shape, axes, level=None):
    x = signal(rng, shape)
    c = pywt.wavedecn(x, wavelet, mode=mode, level=level, axes=axes)
    rec = pywt.waverecn(c, wavelet, mode=mode, axes=axes)
    arr, _ = pywt.coeffs_to_array(c, padding=0, axes=axes)
    return {"kind": "wavedecn", "wavelet": wavelet, "mode": mode, "axes": list(axes) if axes is not None else None,
            "level": len(c) - 1, "x": st.put(x), "approx": st.put(c[0]),
            "details": [{k: st.put(v) for k, v in sorted(d.items())} for d in c[1:]],
            "rec": st.put(rec), "packed": st.put(arr)}


def wavedec2_case(st, rng, wavelet, mode, shape, axes, level=None):
    x = signal(rng, shape)
    c = pywt.wavedec2(x, wavelet, mode=mode, level=level, axes=axes)
    rec = pywt.waverec2(c, wavelet, mode=mode, axes=axes)
    return {"kind": "wavedec2", "wavelet": wavelet, "mode": mode, "axes": list(axes), "level": len(c) - 1,
            "x": st.put(x), "approx": st.put(c[0]), "details": [[st.put(v) for v in d] for d in c[1:]],
            "rec": st.put(rec)}


def wavedec_axis_case(st, rng, wavelet, mode, shape, axis, level=None):
    x = signal(rng, shape)
    c = pywt.wavedec(x, wavelet, mode=mode, level=level, axis=axis)
    rec = pywt.waverec(c, wavelet, mode=mode, axis=axis)
    return {"kind": "wavedec_axis", "wavelet": wavelet, "mode": mode, "axis": axis, "level": len(c) - 1,
            "x": st.put(x), "coeffs": [st.put(v) for v in c], "rec": st.put(rec)}


def swt_case(st, rng, wavelet, n, level=None, start_level=0, trim_approx=False, norm=False):
    x = signal(rng, n)
    c = pywt.swt(x, wavelet, level=level, start_level=start_level, trim_approx=trim_approx, norm=norm)
    rec = pywt.iswt(c, wavelet, norm=norm)
    if trim_approx:
        flat = [st.put(v) for v in c]
    else:
        flat = [st.put(v) for pair in c for v in pair]
    return {"kind": "swt", "wavelet": wavelet, "level": len(c) - (1 if trim_approx else 0),
            "start_level": start_level, "trim_approx": trim_approx, "norm": norm,
            "x": st.put(x), "coeffs": flat, "rec": st.put(rec)}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_reference.py OUTDIR")
    outdir = sys.argv[1]
    rng = np.random.RandomState(20261125)
    st = Store()
    cases = []
    names = pywt.wavelist(kind="discrete")
    other = [m for m in MODES if m not in ("symmetric", "periodization")]

    # Filter banks of every wavelet.
    filters = []
    for name in names:
        w = pywt.Wavelet(name)
        filters.append({"name": name, "bank": [st.put(f) for f in w.filter_bank],
                        "orthogonal": bool(w.orthogonal), "biorthogonal": bool(w.biorthogonal)})

    # Every wavelet: multilevel in symmetric (odd N) and periodization (even N), plus one single-level
    # transform of a signal shorter than the filter in a rotating third mode.
    for i, name in enumerate(names):
        f = pywt.Wavelet(name).dec_len
        cases.append(wavedec_case(st, rng, name, "symmetric", 4 * (f - 1) + 1 + 2 * (i % 3)))
        cases.append(wavedec_case(st, rng, name, "periodization", 4 * (f - 1) + 2 * (i % 4)))
        m = other[i % len(other)]
        cases.append(dwt_case(st, rng, name, m, max(2, f // 2 + 1 + i % 3)))

    # Every mode for a subset of wavelets, odd and even lengths, tiny signals (multiple wraps).
    subset = ["haar", "db2", "db7", "sym5", "coif3", "bior3.5", "rbio2.8", "dmey"]
    for name in subset:
        f = pywt.Wavelet(name).dec_len
        for m in MODES:
            for n in (1, 2, 3, 5):
                if n == 1 and m in ("reflect", "antireflect"):
                    continue  # PyWavelets loops forever on these
                cases.append(dwt_case(st, rng, name, m, n))
            base = max(16, 2 * (f - 1))
            cases.append(wavedec_case(st, rng, name, m, base + 5))
            cases.append(wavedec_case(st, rng, name, m, 2 * base + 2))

    for name, m in [("db3", "symmetric"), ("sym4", "periodization"), ("bior2.2", "zero"),
                    ("coif2", "antireflect"), ("rbio3.3", "periodization")]:
        cases.append(idwt_partial_case(st, rng, name, m, 9))

    # 2-D: every mode for a subset of wavelets, odd and even extents, multilevel.
    for name in ["haar", "db3", "bior2.4", "coif1", "sym4"]:
        for m in MODES:
            cases.append(wavedec2_case(st, rng, name, m, (13, 20), (-2, -1)))
            cases.append(dwtn_case(st, rng, name, m, (11, 8), None))
    cases.append(wavedec2_case(st, rng, "db2", "symmetric", (2, 3, 12, 11), (-2, -1), level=1))
    cases.append(wavedec2_case(st, rng, "bior1.3", "periodization", (2, 9, 3, 10), (1, 3)))
    cases.append(wavedec2_case(st, rng, "sym2", "reflect", (10, 9, 2), (1, 0)))

    # 3-D: every mode for a subset of wavelets; multilevel and batched subsets of axes.
    for name in ["haar", "db2", "sym3", "bior1.3"]:
        for m in MODES:
            cases.append(dwtn_case(st, rng, name, m, (4, 7, 6), None))
    for name in ["haar", "db2"]:
        for m in MODES:
            cases.append(wavedecn_case(st, rng, name, m, (7, 10, 8), None))
    cases.append(wavedecn_case(st, rng, "db2", "periodization", (2, 6, 7, 8), (1, 2, 3), level=1))
    cases.append(wavedecn_case(st, rng, "db2", "symmetric", (2, 9, 8, 3), (-3, -2)))
    cases.append(wavedecn_case(st, rng, "coif1", "antisymmetric", (3, 7, 19), (2, 0)))
    cases.append(dwtn_case(st, rng, "rbio1.5", "smooth", (3, 4, 5, 6), (3, 1, 2)))
    cases.append(dwtn_case(st, rng, "db4", "constant", (2, 3, 9), (-1,)))

    # Multilevel 1-D along one axis of a batched array.
    cases.append(wavedec_axis_case(st, rng, "db2", "symmetric", (3, 40, 2), 1))
    cases.append(wavedec_axis_case(st, rng, "sym3", "periodic", (21, 4), 0))
    cases.append(wavedec_axis_case(st, rng, "bior2.2", "periodization", (2, 3, 33), -1))

    # Stationary wavelet transform.
    for name in ["haar", "db2", "sym5", "coif1", "bior3.5", "rbio2.2", "dmey"]:
        cases.append(swt_case(st, rng, name, 32))
        cases.append(swt_case(st, rng, name, 48, level=2, start_level=1, trim_approx=True))
        cases.append(swt_case(st, rng, name, 64, level=3, norm=True))
    cases.append(swt_case(st, rng, "db3", 40, level=1))

    # Lengths and levels.
    maxlevels = []
    for name in ["haar", "db4", "sym8", "coif5", "bior6.8", "dmey", "db38"]:
        for n in (0, 1, 5, 16, 100, 1000, 1 << 20):
            maxlevels.append([n, name, int(pywt.dwt_max_level(n, name))])
    coefflens = []
    for name in ["haar", "db4", "coif17"]:
        for m in MODES:
            for n in (1, 2, 7, 64, 101):
                coefflens.append([n, name, m, int(pywt.dwt_coeff_len(n, pywt.Wavelet(name), m))])

    index = {
        "pywt_version": pywt.__version__,
        "numpy_version": np.__version__,
        "generator": "scripts/wavelet/gen_reference.py",
        "bin": "reference.bin",
        "count": st.n,
        "filters": filters,
        "cases": cases,
        "dwt_max_level": maxlevels,
        "dwt_coeff_len": coefflens,
    }
    os.makedirs(outdir, exist_ok=True)
    write_atomic(os.path.join(outdir, "reference.bin"), st.blob())
    write_atomic(os.path.join(outdir, "reference.json"),
                 json.dumps(index, separators=(",", ":")).encode())
    print("%d cases, %d float64 values (%.2f MB)" % (len(cases), st.n, st.n * 8 / 1e6))


def write_atomic(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".ref.", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
