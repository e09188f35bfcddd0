"""workbook.safety recognises a text file renamed .xlsx whatever byte its 4 KiB window ends on."""
from __future__ import annotations

import pytest

from workbook.safety import _looks_like_text


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
@pytest.mark.parametrize("shift", range(6))
def test_text_is_text_wherever_the_window_cuts_a_character(encoding, shift):
    text = ("a" * shift + "年度目标1：积极促进就业创业工作。\t18\t").encode(encoding) * 400
    head = text[:4096]
    assert _looks_like_text(head)


def test_binary_is_not_text():
    assert not _looks_like_text(bytes(range(256)) * 16)


def test_a_part_that_does_not_inflate_gets_a_chinese_answer(tmp_path):
    """Damaged compressed data in xl/workbook.xml (found by the property test of damaged files)."""
    import zipfile
    from pathlib import Path

    from workbook.errors import UnreadableFile
    from workbook.safety import check_file

    src = Path(__file__).resolve().parents[1] / "templates" / "examples" / "shiyan_hrss_2021.xlsx"
    data = bytearray(src.read_bytes())
    info = zipfile.ZipFile(src).getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + info.compress_size - 2, 7):
        data[i] ^= 0x5A
    path = tmp_path / "表.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(UnreadableFile) as exc:
        check_file(path)
    assert "损坏" in str(exc.value)
