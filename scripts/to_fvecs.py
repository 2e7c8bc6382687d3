#!/usr/bin/env python3
"""Convert the benchmark vector sets of DATA.md ("Vector data") to .fvecs.

.fvecs: per vector, a little-endian i32 dimension followed by that many little-endian f32.

usage:
  to_fvecs.py idx IMAGES.idx3-ubyte.gz OUT.fvecs
      Fashion-MNIST IDX images (gzip): magic 0x00000803, big-endian u32 count, rows, cols,
      then count*rows*cols u8 pixels from byte 16. Pixels become f32 0..255, unscaled.
  to_fvecs.py npy-split EMB.npy N_QUERIES SEED BASE.fvecs QUERY.fvecs QUERY_ROWS.txt
      A float32 2-D .npy (C or Fortran order). N_QUERIES rows are held out as queries,
      chosen by a partial Fisher-Yates shuffle driven by splitmix64(SEED), then sorted;
      the remaining rows, in their original order, are the base set. QUERY_ROWS.txt
      lists the original row number of each query, one per line.

Pure standard library (no numpy), so it runs on a fresh Debian python3.
"""

import ast
import gzip
import os
import struct
import sys
from array import array

MASK64 = (1 << 64) - 1


def write_fvecs(path, flat, n, dim):
    """flat: array('f') of n*dim values in row-major order."""
    if flat.itemsize != 4 or len(flat) != n * dim:
        raise SystemExit(f"internal: bad buffer for {path}")
    # Interleave an i32 dim before each row entirely at C level: an i32 view of n*(dim+1)
    # words, the dimension at every (dim+1)-th slot and the float bits in between.
    words = array("i", bytes(4 * n * (dim + 1)))
    words[0 :: dim + 1] = array("i", [dim]) * n
    bits = array("i")
    bits.frombytes(flat.tobytes())
    for j in range(dim):
        words[j + 1 :: dim + 1] = bits[j::dim]
    if sys.byteorder != "little":
        words.byteswap()
    with open(path + ".tmp", "wb") as f:
        words.tofile(f)
    os.replace(path + ".tmp", path)
    print(f"wrote {path}: {n} x {dim}")


def idx_to_fvecs(src, dst):
    with gzip.open(src, "rb") as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x803:
        raise SystemExit(f"{src}: not an IDX3 u8 file (magic {magic:#x})")
    dim = rows * cols
    if len(data) != 16 + n * dim:
        raise SystemExit(f"{src}: {len(data)} bytes, expected {16 + n * dim}")
    flat = array("f", memoryview(data)[16:].tolist())
    write_fvecs(dst, flat, n, dim)


def read_npy_f32(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:6] != b"\x93NUMPY":
        raise SystemExit(f"{path}: not a .npy file")
    major = raw[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", raw[8:10])
        start = 10 + hlen
    else:
        (hlen,) = struct.unpack("<I", raw[8:12])
        start = 12 + hlen
    header = ast.literal_eval(raw[start - hlen : start].decode("latin1"))
    if header["descr"] != "<f4" or len(header["shape"]) != 2:
        raise SystemExit(f"{path}: expected 2-D <f4, got {header}")
    n, dim = header["shape"]
    vals = array("f")
    vals.frombytes(raw[start : start + 4 * n * dim])
    if len(vals) != n * dim:
        raise SystemExit(f"{path}: truncated")
    if sys.byteorder != "little":
        vals.byteswap()
    if header["fortran_order"]:
        # value (i, j) at offset j*n + i: transpose to row-major.
        rowmajor = array("f", bytes(4 * n * dim))
        for j in range(dim):
            rowmajor[j::dim] = vals[j * n : (j + 1) * n]
        vals = rowmajor
    print(f"read {path}: {n} x {dim}, header {header}, data at byte {start}")
    return vals, n, dim


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def choose_queries(n, k, seed):
    """Partial Fisher-Yates: the first k of a seeded shuffle of 0..n, sorted."""
    perm = list(range(n))
    state = seed & MASK64
    for i in range(k):
        state, r = splitmix64(state)
        j = i + r % (n - i)
        perm[i], perm[j] = perm[j], perm[i]
    return sorted(perm[:k])


def npy_split(src, n_queries, seed, base_out, query_out, rows_out):
    vals, n, dim = read_npy_f32(src)
    qrows = choose_queries(n, n_queries, seed)
    is_query = bytearray(n)
    for r in qrows:
        is_query[r] = 1
    base = array("f")
    query = array("f")
    mv = memoryview(vals)
    for i in range(n):
        (query if is_query[i] else base).extend(mv[i * dim : (i + 1) * dim])
    write_fvecs(base_out, base, n - n_queries, dim)
    write_fvecs(query_out, query, n_queries, dim)
    with open(rows_out, "w") as f:
        f.write("".join(f"{r}\n" for r in qrows))
    print(f"wrote {rows_out}: {n_queries} query rows (seed {seed})")


def main(argv):
    if len(argv) == 3 and argv[0] == "idx":
        idx_to_fvecs(argv[1], argv[2])
    elif len(argv) == 7 and argv[0] == "npy-split":
        npy_split(argv[1], int(argv[2]), int(argv[3]), argv[4], argv[5], argv[6])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
