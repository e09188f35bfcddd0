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
