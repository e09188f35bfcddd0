"""What pe-score changed on a form, kept in hidden rows at the foot of 评分说明 so the next run can undo it.

Both adapters (scored copies via openpyxl, the live book via xlwings) write and read this one format,
so a file scored on the command line can be rescored from the ribbon and vice versa: a marker row,
then one row per cell: (A1, applied highlight ARGB or "", the cell's original fill or "", NOTE_FLAG
when a pe-score note was added). The original fill is openpyxl's fill XML in files and "#RRGGBB" in a
live book; each adapter restores what it understands.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

AUTHOR = "pe-score"
# A pe-score note added under a user's own comment starts after this line, so it can be replaced.
NOTE_SEPARATOR = "\n—— pe-score ——\n"
FILL_MARKER = "pe-score 原底色记录（重新评分时用于恢复底色，请勿修改）"
NOTE_FLAG = "批注"
# First line of every note the ribbon adds (Excel signs notes with the user's name, not ours).
NOTE_MARK = "【pe-score】"
Record = tuple[str, str, str, str]


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def parse_record(rows: Iterable[Sequence[Any]]) -> Optional[list[Record]]:
    """The records after the marker row, or None when there is no marker (the sheet is not ours)."""
    out: Optional[list[Record]] = None
    for row in rows:
        first = row[0] if row else None
        if out is None:
            if first == FILL_MARKER:
                out = []
            continue
        if not first:
            continue
        rest = [_text(v) for v in (tuple(row) + ("", "", ""))[1:4]]
        out.append((str(first), rest[0], rest[1], rest[2]))
    return out


def record_rows(record: Iterable[Record]) -> list[list[Any]]:
    """The marker row followed by one row per record (empty strings become empty cells)."""
    return [[FILL_MARKER]] + [[v or None for v in r] for r in record]


def has_content(rows: Iterable[Sequence[Any]]) -> bool:
    return any(v not in (None, "") for r in rows for v in r)
