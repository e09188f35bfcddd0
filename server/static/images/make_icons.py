"""Draw pe-score's add-in icons (a score sheet with a tick) as PNGs, with the standard library only.

    python server/static/images/make_icons.py

Writes icons/pe-{16,32,64,80}.png next to this file; the manifest and the task pane use them.
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

BLUE = (31, 78, 121)      # the form's header blue
WHITE = (255, 255, 255)
GREEN = (84, 130, 53)
LINE = (189, 215, 238)


def _inside_round_rect(x: float, y: float, size: int, radius: float) -> bool:
    cx = min(max(x, radius), size - radius)
    cy = min(max(y, radius), size - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def _near_segment(x, y, a, b, width) -> bool:
    (x1, y1), (x2, y2) = a, b
    dx, dy = x2 - x1, y2 - y1
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return (x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2 <= (width / 2) ** 2


def pixel(x: float, y: float, size: int):
    """RGBA of the point (x, y) in a size×size icon; coordinates scaled to a 100-unit square."""
    u, v = 100 * x / size, 100 * y / size
    if not _inside_round_rect(x, y, size, size * 0.16):
        return (0, 0, 0, 0)
    if _near_segment(u, v, (30, 60), (45, 76), 11) or _near_segment(u, v, (45, 76), (78, 36), 11):
        return GREEN + (255,)
    if 16 <= u <= 84 and 14 <= v <= 86:  # the sheet
        if any(abs(v - row) < 1.6 for row in (32, 50, 68)) and size >= 32:
            return LINE + (255,)
        return WHITE + (255,)
    return BLUE + (255,)


def png(size: int, samples: int = 4) -> bytes:
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(samples):
                for sx in range(samples):
                    p = pixel(x + (sx + 0.5) / samples, y + (sy + 0.5) / samples, size)
                    for k in range(4):
                        acc[k] += p[k]
            row += bytes(round(a / samples ** 2) for a in acc)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def main() -> None:
    out = Path(__file__).resolve().parent / "icons"
    out.mkdir(exist_ok=True)
    for size in (16, 32, 64, 80):
        (out / f"pe-{size}.png").write_bytes(png(size))


if __name__ == "__main__":
    main()
