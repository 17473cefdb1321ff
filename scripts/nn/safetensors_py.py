"""A hand-written safetensors reader/writer (Debian's python3-torch has no safetensors package).

Format (https://github.com/huggingface/safetensors): 8-byte little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, padded with spaces to
a multiple of 8, then the little-endian tensor bytes.
"""
import json
import struct

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "I32": "<i4", "U8": "u1"}
NAMES = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64", np.dtype("<i8"): "I64", np.dtype("<i4"): "I32", np.dtype("u1"): "U8"}


def write(path, tensors, metadata=None):
    """tensors: dict name -> numpy array (written in insertion order)."""
    header, chunks, off = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, a in tensors.items():
        a = np.ascontiguousarray(a)
        a = a.astype(a.dtype.newbyteorder("<"))
        b = a.tobytes()
        header[name] = {"dtype": NAMES[a.dtype], "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in chunks:
            f.write(b)


def read(path):
    """Returns (dict name -> numpy array, metadata), checking that the tensors tile the data section."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = buf[8 + n:]
    out, spans = {}, []
    for name, e in header.items():
        b, end = e["data_offsets"]
        a = np.frombuffer(body[b:end], dtype=DTYPES[e["dtype"]])
        assert a.size == int(np.prod(e["shape"], dtype=np.int64)), name
        out[name] = a.reshape(e["shape"])
        spans.append((b, end))
    pos = 0
    for b, end in sorted(spans):
        assert b == pos, "gap or overlap"
        pos = end
    assert pos == len(body), "trailing bytes"
    return out, meta
