#!/usr/bin/env python3
"""Draw nook's icon (www/icon.svg's shapes) as PNGs at the sizes an extension needs.

Pure python (zlib + struct), 4x4 supersampling: no image library, nothing fetched.
Usage: scripts/make_icons.py OUTDIR [SIZE...]   (default sizes 16 32 48 128)
"""
import math
import struct
import sys
import zlib
from pathlib import Path

BG = (0x2F, 0x5D, 0x50)
FG = (0xF4, 0xEF, 0xE3)
DOT = (0xE9, 0xB9, 0x49)


def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def arch_dist(px, py, x0, x1, top, bottom):
    """Distance to an arch: two verticals from `bottom` up to the arc, a half circle on top."""
    r = (x1 - x0) / 2
    cx, cy = x0 + r, top + r
    d = min(seg_dist(px, py, x0, bottom, x0, cy), seg_dist(px, py, x1, bottom, x1, cy))
    if py <= cy:
        d = min(d, abs(math.hypot(px - cx, py - cy) - r))
    return d


def sample(x, y):
    """Colour at (x, y) in the 32x32 design space, or None outside the rounded square."""
    r = 8
    qx, qy = max(abs(x - 16) - (16 - r), 0), max(abs(y - 16) - (16 - r), 0)
    if math.hypot(qx, qy) > r:
        return None
    if math.hypot(x - 12.5, y - 12.5) <= 1.6:
        return DOT
    if arch_dist(x, y, 8, 17, 8, 23) <= 1.3 or arch_dist(x, y, 17, 24, 13, 23) <= 1.3:
        return FG
    return BG


def png(size):
    rows = []
    n = 4
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sj in range(n):
                for si in range(n):
                    c = sample((i + (si + 0.5) / n) * 32 / size, (j + (sj + 0.5) / n) * 32 / size)
                    if c:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 1
            a = acc[3] / (n * n)
            if acc[3]:
                row += bytes([round(acc[0] / acc[3]), round(acc[1] / acc[3]), round(acc[2] / acc[3]), round(255 * a)])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for s in [int(a) for a in sys.argv[2:]] or [16, 32, 48, 128]:
        (out / f"{s}.png").write_bytes(png(s))


if __name__ == "__main__":
    main()
