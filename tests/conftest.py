"""Shared test fixtures. Keep small; add fixtures others need here."""
from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"

if str(ROOT) not in sys.path:  # tests run from a checkout without installing
    sys.path.insert(0, str(ROOT))


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid red PNG built by hand (no Pillow needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def add_png(ws, anchor: str = "A1") -> None:
    """Put tiny_png() on a worksheet with openpyxl, bypassing its Pillow requirement."""
    from openpyxl.drawing.image import Image

    class _Png(Image):
        def __init__(self, data: bytes):
            self.ref = data
            self.width, self.height, self.format = 2, 2, "png"

        def _data(self) -> bytes:
            return self.ref

    img = _Png(tiny_png())
    img.anchor = anchor
    ws.add_image(img)


@pytest.fixture
def example_xlsx() -> Path:
    """The committed example workbook (十堰市人社局 2021, 97 points)."""
    assert EXAMPLE.exists(), "templates/examples/shiyan_hrss_2021.xlsx is missing: run python -m pe_score.templates"
    return EXAMPLE
