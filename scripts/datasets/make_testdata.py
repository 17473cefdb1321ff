#!/usr/bin/python3
"""Writes the small reference files under testdata/datasets/ with NumPy and h5py (Debian's
python3-numpy and python3-h5py): .npy files in several dtypes, byte orders and memory orders, an
sGDML-style MD17 .npz, a field array for `trajdiff data convert`, and a D4RL-style HDF5 file.
Values follow closed formulas that the Go tests recompute.

Run from the repository root:  /usr/bin/python3 scripts/datasets/make_testdata.py
"""
import os

import numpy as np

OUT = "testdata/datasets"


def ramp(shape, scale=0.5, offset=0.0):
    """0, 1, 2, ... in C order, times scale, plus offset."""
    return (np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) * scale + offset)


def write_npy():
    d = os.path.join(OUT, "npy")
    os.makedirs(d, exist_ok=True)
    base = ramp((2, 3, 4))
    np.save(os.path.join(d, "f8_c.npy"), base)
    np.save(os.path.join(d, "f4_big.npy"), base.astype(">f4"))
    np.save(os.path.join(d, "f8_fortran.npy"), np.asfortranarray(base))
    np.save(os.path.join(d, "f2.npy"), base.astype("<f2"))
    np.save(os.path.join(d, "i2_big.npy"), (base * 2 - 7).astype(">i2"))
    np.save(os.path.join(d, "u1.npy"), (base * 2).astype("u1"))
    np.save(os.path.join(d, "i8_fortran.npy"), np.asfortranarray((base * 2).astype("<i8")))
    np.save(os.path.join(d, "bool.npy"), (np.arange(24).reshape(2, 3, 4) % 3 == 0))
    np.save(os.path.join(d, "scalar.npy"), np.float64(2.5))
    np.save(os.path.join(d, "unicode.npy"), np.array(["aspirin", "H2O", "Å"]))
    with open(os.path.join(d, "f8_v2.npy"), "wb") as f:
        np.lib.format.write_array(f, base, version=(2, 0))
    np.save(os.path.join(d, "object.npy"), np.array([{"a": 1}], dtype=object), allow_pickle=True)


def write_md17():
    # sGDML layout (http://sgdml.org/#datasets): R (frames, atoms, 3) in Angstrom, z atomic
    # numbers, E (frames, 1) in kcal/mol, F (frames, atoms, 3) in kcal/mol/Angstrom.
    frames, atoms = 6, 3
    R = ramp((frames, atoms, 3), 0.1, -0.4)
    E = ramp((frames, 1), -1.5, -100.0)
    F = ramp((frames, atoms, 3), 0.25, -2.0)
    np.savez_compressed(
        os.path.join(OUT, "md17_tiny.npz"),
        R=R, z=np.array([8, 1, 1], dtype=np.uint8), E=E, F=F,
        name=np.array("water"), theory=np.array("synthetic test data"),
        type=np.array("d"), md5=np.array("0" * 32), code_version=np.array("0.4.0"))


def write_fields():
    # state[trajectory, time, x, channel] = ramp, stored as (time, trajectory, channel, x) so that
    # `-axes time,trajectory,channel,x` must transpose it back.
    state = ramp((2, 3, 4, 2), 0.125, 1.0)
    np.save(os.path.join(OUT, "fields_time_traj_channel_x.npy"),
            np.ascontiguousarray(state.transpose(1, 0, 3, 2)).astype(np.float32))


def write_d4rl():
    import h5py
    n = 12
    obs = ramp((n, 4), 0.25, 1.0).astype(np.float32)
    act = ramp((n, 2), -0.1, 0.5).astype(np.float32)
    rew = ramp((n,), 1.0, 0.0).astype(np.float32)
    term = np.zeros(n, dtype=bool)
    term[4] = True
    tout = np.zeros(n, dtype=bool)
    tout[8] = True
    with h5py.File(os.path.join(OUT, "d4rl_tiny.hdf5"), "w") as f:
        f.create_dataset("observations", data=obs)
        f.create_dataset("actions", data=act)
        f.create_dataset("rewards", data=rew)
        f.create_dataset("terminals", data=term)
        f.create_dataset("timeouts", data=tout)
        f.create_dataset("infos/goal", data=ramp((n, 2), 1.0, 10.0))
        f.create_dataset("infos/qpos", data=ramp((n, 2), 0.5, 0.0).astype(np.float32))
        f.create_dataset("infos/qvel", data=ramp((n, 2), -0.5, 0.0).astype(np.float32))
        f.create_dataset("metadata/algorithm", data="synthetic")


if __name__ == "__main__":
    write_npy()
    write_md17()
    write_fields()
    write_d4rl()
