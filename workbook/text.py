"""Text the tool writes stays text: one home for making any string safe to show and to store.

Three things go wrong with text taken from users' files and file names:

- it can start with ``=`` (``=HYPERLINK("http://…","点击")``, ``=cmd|' /C calc'!A0``): openpyxl stores a
  string starting with ``=`` as a formula, so a unit name would become a live formula in the output;
- it can hold characters XML 1.0 cannot carry (control characters such as U+0001, which python-calamine
  decodes from the ``_x0001_`` escapes Excel writes for text pasted from Word): openpyxl then refuses
  to write the cell and the whole workbook is lost;
- a file name read from disk can hold undecodable bytes (a Windows zip unpacked on Linux keeps raw
  GBK names, which Python hands over as lone surrogates): printing or saving such a string fails.

``clean_text`` repairs all but the first; ``set_text`` and ``text_cell`` also keep a leading ``=`` as
text in an openpyxl cell. Writers that emit worksheet XML themselves use ``workbook.opc.xml_text``
(forbidden characters written as Excel does, ``_xHHHH_``).
"""
from __future__ import annotations

import re

from scoring.lazy import compiled
from typing import Any, Optional

MAX_CELL_CHARS = 32767  # Excel's limit for one cell

# Characters XML 1.0 forbids (tab, LF and CR are allowed), plus the non-characters U+FFFE/U+FFFF.
_ILLEGAL = compiled("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = compiled("[\ud800-\udfff]")


_ESCAPED_RUN = compiled("[\udc80-\udcff]+")


def _redecode(text: str) -> str:
    """Lone surrogates from ``surrogateescape`` (undecodable bytes of a file name): decode those bytes
    as GB18030 (what a Chinese Windows writes) — the whole name when it is GB18030 throughout, else
    each undecodable run — and show U+FFFD for what still does not decode."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # surrogates that are not escaped bytes
        return _SURROGATE.sub("\ufffd", text)
    if not any("\u0800" <= ch < "\ud800" or ch > "\udfff" for ch in text):
        # no valid 3/4-byte UTF-8 (Chinese) in the name: its bytes are one legacy encoding throughout
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            pass

    def run(m: "re.Match[str]") -> str:
        return bytes(ord(ch) - 0xDC00 for ch in m.group(0)).decode("gb18030", "replace")

    return _SURROGATE.sub("\ufffd", _ESCAPED_RUN.sub(run, text))


def clean_text(value: Any, limit: Optional[int] = MAX_CELL_CHARS) -> str:
    """``value`` as a string any writer and any console can carry.

    Undecodable file-name bytes are decoded as GB18030 (or shown as U+FFFD); characters XML cannot
    hold are dropped (Excel's ``_x0001_`` junk from pasted text); the result is cut to ``limit``
    characters (Excel's cell limit by default; ``None`` for no limit). Never raises.
    """
    text = value if type(value) is str else ("" if value is None else str(value))
    if _SURROGATE.search(text):
        text = _redecode(text)
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    if limit is not None and len(text) > limit:
        text = text[:limit]
    return text


def set_text(cell: Any, value: Any) -> Any:
    """Store ``value`` in an openpyxl cell (normal or write-only) as text, never as a formula.

    ``None`` leaves the cell empty. Returns the cell.
    """
    if value is None:
        cell.value = None
        return cell
    cell.value = clean_text(value)
    cell.data_type = "s"  # openpyxl made a string starting with "=" a formula ("f")
    return cell


def text_cell(ws: Any, value: Any, **style: Any) -> Any:
    """A write-only cell holding ``value`` as text (``style``: font, fill, alignment, number_format)."""
    from openpyxl.cell import WriteOnlyCell

    cell = set_text(WriteOnlyCell(ws), value)
    for key, val in style.items():
        if val is not None:
            setattr(cell, key, val)
    return cell


def display_name(name: Any, limit: int = 240) -> str:
    """A file or zip-member name fit to show and to write: ``clean_text`` without the cell limit,
    control characters dropped, at most ``limit`` characters (the middle is elided)."""
    text = clean_text(name, limit=None)
    if len(text) > limit:
        keep = limit // 2 - 1
        text = text[:keep] + "…" + text[-keep:]
    return text


# What Excel (desktop through COM, and Office.js) parses as a formula when it is given as a cell's value,
# as if typed: "=…", "+…", "-…", "@…"; a leading apostrophe is taken as the text prefix and dropped.
_EXCEL_PARSES = ("=", "+", "-", "@", "'")


def excel_value(value: Any) -> Any:
    """``value`` as given to Excel's ``Range.Value`` (xlwings ``range.value``) so that a string stays
    the same text: one leading apostrophe (Excel's text prefix, not part of the value read back) where
    Excel would otherwise parse it. Numbers, dates, booleans and None pass unchanged."""
    if isinstance(value, str) and value.startswith(_EXCEL_PARSES):
        return "'" + value
    return value
