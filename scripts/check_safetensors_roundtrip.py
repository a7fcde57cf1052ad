#!/usr/bin/env python3
"""Loads a safetensors file written by this project with the reference Python library and prints what it holds.

If `safetensors.numpy.load_file` accepts the file, the header JSON, dtypes, offsets and alignment rules are what
the reference implementation expects. The checksum (sum of float64(value) * (index + 1) over each tensor's
row-major elements) lets the values be compared with those the Swift side wrote.

Write the file from the Swift tests, then check it:
    SECLA_WRITE_ST_CHECK=1 swift test --scratch-path .build-formats --filter writeFileForThePythonCheck
    python3 scripts/check_safetensors_roundtrip.py /tmp/secla-st-check.safetensors
    python3 scripts/check_safetensors_roundtrip.py /tmp/secla-st-check-mixed.safetensors
"""
import json
import struct
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def main(path):
    tensors = load_file(path)
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata() or {}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    order = sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])
    print(f"file: {path}")
    print(f"header bytes: {n} (multiple of 8: {n % 8 == 0})")
    print(f"metadata: {json.dumps(metadata, sort_keys=True, ensure_ascii=False)}")
    for name in order:
        a = tensors[name]
        flat = a.astype(np.float64).ravel()
        checksum = float(np.sum(flat * np.arange(1, flat.size + 1)))
        print(f"{name}: dtype={a.dtype} shape={list(a.shape)} offsets={header[name]['data_offsets']} "
              f"checksum={checksum!r} first={flat[:4].tolist()}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
