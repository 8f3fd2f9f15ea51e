#!/usr/bin/env python3
"""Drops the custom sections a browser does not need from a wasm module, in
place: "name" (wasm-bindgen writes function names for its generated shims,
about 4 KB, used only for stack traces in the developer tools), "producers"
and "target_features" (tool versions and features, for linkers). Every visitor
would download them. Usage: strip-wasm-names.py FILE
"""

DROPPED = (b"name", b"producers", b"target_features")
import sys


def leb128(data, i):
    """Reads an unsigned LEB128 at i: (value, next index)."""
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def main(path):
    data = open(path, "rb").read()
    if data[:4] != b"\0asm":
        sys.exit(f"{path}: not a wasm module")
    out = bytearray(data[:8])
    i = 8
    while i < len(data):
        start = i
        section_id = data[i]
        size, body = leb128(data, i + 1)
        end = body + size
        if end > len(data):
            sys.exit(f"{path}: truncated section at byte {start}")
        keep = True
        if section_id == 0:
            name_len, name_at = leb128(data, body)
            keep = data[name_at:name_at + name_len] not in DROPPED
        if keep:
            out += data[start:end]
        i = end
    open(path, "wb").write(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
