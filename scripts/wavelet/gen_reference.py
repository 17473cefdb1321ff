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
import warnings
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


def decompose(f, *args, **kwargs):
    """Run a multilevel decomposition; also report whether PyWavelets warned that the level exceeds
    dwt_max_level (it computes anyway, and the Go package must return the same coefficients)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = f(*args, **kwargs)
    return out, any("too high" in str(w.message) for w in caught)


def wavedec_case(st, rng, wavelet, mode, n, level=None):
    x = signal(rng, n)
    coeffs, warned = decompose(pywt.wavedec, x, wavelet, mode=mode, level=level)
    rec = pywt.waverec(coeffs, wavelet, mode=mode)
    return {"kind": "wavedec", "wavelet": wavelet, "mode": mode, "level": len(coeffs) - 1, "warned": warned,
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
    c, warned = decompose(pywt.wavedecn, x, wavelet, mode=mode, level=level, axes=axes)
    rec = pywt.waverecn(c, wavelet, mode=mode, axes=axes)
    arr, _ = pywt.coeffs_to_array(c, padding=0, axes=axes)
    return {"kind": "wavedecn", "wavelet": wavelet, "mode": mode, "axes": list(axes) if axes is not None else None,
            "level": len(c) - 1, "warned": warned, "x": st.put(x), "approx": st.put(c[0]),
            "details": [{k: st.put(v) for k, v in sorted(d.items())} for d in c[1:]],
            "rec": st.put(rec), "packed": st.put(arr)}


def wavedec2_case(st, rng, wavelet, mode, shape, axes, level=None):
    x = signal(rng, shape)
    c, warned = decompose(pywt.wavedec2, x, wavelet, mode=mode, level=level, axes=axes)
    rec = pywt.waverec2(c, wavelet, mode=mode, axes=axes)
    return {"kind": "wavedec2", "wavelet": wavelet, "mode": mode, "axes": list(axes), "level": len(c) - 1,
            "warned": warned, "x": st.put(x), "approx": st.put(c[0]),
            "details": [[st.put(v) for v in d] for d in c[1:]], "rec": st.put(rec)}


def wavedec_axis_case(st, rng, wavelet, mode, shape, axis, level=None):
    x = signal(rng, shape)
    c, warned = decompose(pywt.wavedec, x, wavelet, mode=mode, level=level, axis=axis)
    rec = pywt.waverec(c, wavelet, mode=mode, axis=axis)
    return {"kind": "wavedec_axis", "wavelet": wavelet, "mode": mode, "axis": axis, "level": len(c) - 1,
            "warned": warned, "x": st.put(x), "coeffs": [st.put(v) for v in c], "rec": st.put(rec)}


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


def safe_level(extents, wavelet, mode, level):
    """The deepest level <= level that PyWavelets can compute: it loops forever when reflect or
    antireflect extends a one-sample approximation, which two-tap filters reach above dwt_max_level."""
    f = pywt.Wavelet(wavelet).dec_len
    for lvl in range(level):
        if mode in ("reflect", "antireflect") and min(extents) < 2:
            return lvl
        extents = [pywt.dwt_coeff_len(n, f, mode) for n in extents]
    return level


def above_max_cases(st):
    """Levels above dwt_max_level, where PyWavelets warns and computes: every mode, long filters,
    signals shorter than the filter, levels up to 6 above the maximum, and level 0. A separate random
    generator keeps the earlier cases' inputs (and the start of reference.bin) unchanged."""
    rng = np.random.RandomState(20261204)
    cases = []

    def level_for(extents, wavelet, mode, extra):
        top = min(pywt.dwt_max_level(n, wavelet) for n in extents)
        level = safe_level(extents, wavelet, mode, top + extra)
        assert level > top, (wavelet, mode, extents, top + extra)
        return level

    # 1-D: every mode, short and long filters; one signal shorter than the filter (dwt_max_level 0)
    # and one a few filter lengths long, 1 to 6 levels too deep.
    names = ["haar", "db2", "bior3.5", "rbio2.8", "coif7", "coif9", "db20", "sym20", "dmey"]
    for i, name in enumerate(names):
        f = pywt.Wavelet(name).dec_len
        for j, m in enumerate(MODES):
            short = max(3, (f // 3) + (i + j) % 3)
            cases.append(wavedec_case(st, rng, name, m, short, level_for([short], name, m, 1 + (i + j) % 3)))
            long_ = 2 * f + 1 + (i + j) % 4
            cases.append(wavedec_case(st, rng, name, m, long_, level_for([long_], name, m, 3 + (i + j) % 4)))
    for name in ["db38", "coif17"]:
        cases.append(wavedec_case(st, rng, name, "symmetric", 7, 4))
    for m in ("symmetric", "periodization"):
        cases.append(wavedec_case(st, rng, "db4", m, 9, 0))

    # 2-D: every mode; the level is limited by the shorter axis. Long filters in a third of the modes
    # each and one level too deep, since their bands hold about (F-1)^2 coefficients per level.
    for i, name in enumerate(["haar", "db3", "bior2.4"]):
        for j, m in enumerate(MODES):
            shape = (5 + (i + j) % 3, 9 + 4 * (j % 2))
            cases.append(wavedec2_case(st, rng, name, m, shape, (-2, -1), level_for(shape, name, m, 1 + j % 3)))
    for i, name in enumerate(["coif7", "sym20", "db20"]):
        for m in MODES[i::3]:
            shape = (5 + i, 9)
            cases.append(wavedec2_case(st, rng, name, m, shape, (-2, -1), level_for(shape, name, m, 1)))
    cases.append(wavedec2_case(st, rng, "db2", "symmetric", (2, 5, 40), (1, 2),
                               level_for((5, 40), "db2", "symmetric", 2)))
    cases.append(wavedec2_case(st, rng, "haar", "zero", (4, 6), (-2, -1), 0))

    # N-D: every mode in 3-D for short filters; batched pairs of axes for long ones; packed layout too.
    for i, name in enumerate(["haar", "db3"]):
        for j, m in enumerate(MODES):
            shape = (3 + j % 2, 6, 5 + i)
            cases.append(wavedecn_case(st, rng, name, m, shape, None, level_for(shape, name, m, 1 + (i + j) % 2)))
    for name, m, extra in [("coif7", "constant", 2), ("coif9", "symmetric", 1), ("db20", "periodization", 3),
                           ("sym20", "smooth", 1)]:
        cases.append(wavedecn_case(st, rng, name, m, (1, 4, 7), (1, 2), level_for((4, 7), name, m, extra)))
    cases.append(wavedecn_case(st, rng, "db2", "reflect", (3, 4, 2), None, 0))

    # Multilevel 1-D along one axis of a batched array.
    for name, m, axis in [("db20", "antisymmetric", 1), ("coif9", "periodic", 0), ("bior3.5", "antireflect", -1)]:
        shape = [3, 3, 3]
        shape[axis] = 11
        cases.append(wavedec_axis_case(st, rng, name, m, tuple(shape), axis, level_for([11], name, m, 3)))
    return cases


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

    cases.extend(above_max_cases(st))

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
