#!/usr/bin/env python3
"""Learn the rotation nook applies before product quantization (OPQ, Ge et al. 2013,
the non-parametric form), and write it as the crate's rotation file.

Input: data/rotation/vectors.f32 and mark.i8 (cargo bench --features embed --bench
rotation_vectors). PQ as a collection uses it: 64 subspaces of 6 dimensions, 16 centroids
each (4-bit codes). Alternates between training that PQ on the rotated vectors (k-means,
warm-started) and the rotation that best maps the vectors onto their reconstructions
(orthogonal Procrustes: R = U V^T from the SVD of X^T Y). Deterministic (seed 7).

Output: src/quant/minilm-l6b.rotation (shipped under rotation id 2; the file of id 1,
src/quant/minilm-l6.rotation, was learned on other texts and never changes), the layout src/quant/rotation.rs reads:
  b"NKRT" u8(1) u16 LE dims | i8 x dims (mark) | f16 LE x dims x dims | u32 LE crc32
where row j of the matrix is the direction rotated component j reads (x_rot = M x).

Usage: bench/rotation/train.py [--iterations 25] [--sample 20000] [--out FILE]   (numpy; ~3 minutes on 2 cores)
"""
import argparse
import pathlib
import struct
import sys
import zlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
D, M, K = 384, 64, 16
DS = D // M


def kmeans(x, centroids, iterations, rng):
    for _ in range(iterations):
        d = (x * x).sum(1)[:, None] - 2 * x @ centroids.T + (centroids * centroids).sum(1)[None]
        a = d.argmin(1)
        for j in range(len(centroids)):
            members = x[a == j]
            centroids[j] = members.mean(0) if len(members) else x[rng.integers(len(x))]
    return centroids


def assign(x, centroids):
    d = (x * x).sum(1)[:, None] - 2 * x @ centroids.T + (centroids * centroids).sum(1)[None]
    return d.argmin(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=25)
    ap.add_argument("--sample", type=int, default=20000, help="vectors learned from, drawn at random")
    ap.add_argument("--out", default=str(ROOT / "src/quant/minilm-l6b.rotation"))
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    x = np.fromfile(ROOT / "data/rotation/vectors.f32", dtype="<f4").reshape(-1, D).astype(np.float64)
    x = x[np.sort(rng.choice(len(x), min(args.sample, len(x)), replace=False))]
    mark = np.fromfile(ROOT / "data/rotation/mark.i8", dtype=np.int8)
    if len(mark) != D:
        sys.exit(f"train.py: mark.i8 holds {len(mark)} values, expected {D}")
    r = np.eye(D)
    books = [None] * M
    for it in range(args.iterations):
        xr = x @ r
        recon = np.empty_like(xr)
        for s in range(M):
            part = xr[:, s * DS:(s + 1) * DS]
            if books[s] is None:
                books[s] = kmeans(part, part[rng.choice(len(part), K, replace=False)].copy(), 10, rng)
            else:
                books[s] = kmeans(part, books[s], 4, rng)
            recon[:, s * DS:(s + 1) * DS] = books[s][assign(part, books[s])]
        err = ((xr - recon) ** 2).sum(1).mean()
        u, _, vt = np.linalg.svd(x.T @ recon)
        r = u @ vt
        print(f"train.py: iteration {it + 1}/{args.iterations}: squared error {err:.4f}", file=sys.stderr, flush=True)
    # x_rot = x @ r, so rotated component j reads column j of r: the file's row j.
    rows = r.T.astype(np.float16)
    body = b"NKRT" + bytes([1]) + struct.pack("<H", D) + mark.tobytes() + rows.astype("<f2").tobytes()
    out = pathlib.Path(args.out)
    out.write_bytes(body + struct.pack("<I", zlib.crc32(body)))
    print(f"train.py: wrote {out} ({len(body) + 4} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
