"""What pe-score changed on a form, kept in hidden rows at the foot of 评分说明 so the next run can undo it.

Both adapters (scored copies via the file writer, the live book via xlwings) write and read this one
format, so a file scored on the command line can be rescored from the ribbon and vice versa: a marker
row (the marker, then the form's sheet name), then one row per cell:

    A1 | applied highlight ARGB or "" | the cell's original fill or "" | NOTE_FLAG when a note was added |
    VALUE_FLAG when the value was overwritten | the user's original value | the value the tool wrote

The original fill is fill XML in files and "#RRGGBB" from a live book; each adapter restores what it
understands. Records written before the value columns existed have four columns and still parse.

A rescore starts from the user's values: ``restore_originals`` puts every recorded original value back
into the grid before scoring (where the cell still holds what the tool wrote), so the same findings
appear every time and the result is idempotent.
"""
from __future__ import annotations

import math
from collections import namedtuple  # collections.namedtuple, not typing.NamedTuple: typing costs ~2 ms of start-up
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Iterable, Optional, Sequence

AUTHOR = "pe-score"
# Earlier versions put this line above a block appended to a user's note (still recognised).
NOTE_SEPARATOR = "\n—— pe-score ——\n"
FILL_MARKER = "pe-score 原底色记录（重新评分时用于恢复底色，请勿修改）"
NOTE_FLAG = "批注"
VALUE_FLAG = "原值"
# First line of every block of findings the tool adds to a note (both adapters).
NOTE_MARK = "【pe-score】"


class Entry(namedtuple("Entry", ("ref", "argb", "fill", "note", "value_flag", "original", "written"),
                       defaults=("", "", "", "", None, None), module=__name__)):
    """One recorded cell. ref (str); argb: the highlight applied, or ""; fill: the original fill;
    note: NOTE_FLAG when a note was added; value_flag: VALUE_FLAG when the value was overwritten;
    original: the user's value; written: what the tool wrote."""

    __slots__ = ()


Record = Entry


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def _rows(rows: Iterable[Sequence[Any]]):
    for row in rows:
        yield tuple(row) if row is not None else ()


def parse_record(rows: Iterable[Sequence[Any]]) -> Optional[list[Entry]]:
    """The records after the marker row, or None when there is no marker (the sheet is not ours)."""
    found = _parse(rows)
    return None if found is None else found[1]


def record_sheet(rows: Iterable[Sequence[Any]]) -> Optional[str]:
    """The form sheet the record belongs to (None for old records or no record)."""
    found = _parse(rows)
    return None if found is None else found[0]


def _parse(rows: Iterable[Sequence[Any]]) -> Optional[tuple[Optional[str], list[Entry]]]:
    out: Optional[list[Entry]] = None
    sheet: Optional[str] = None
    for row in _rows(rows):
        first = row[0] if row else None
        if out is None:
            if first == FILL_MARKER:
                out = []
                sheet = row[1] if len(row) > 1 and isinstance(row[1], str) and row[1] else None
            continue
        if not first or not isinstance(first, str):
            continue
        padded = row + (None,) * 7
        flag = _text(padded[4])
        out.append(Entry(first.strip(), _text(padded[1]), _text(padded[2]), _text(padded[3]),
                         flag if flag == VALUE_FLAG else "", padded[5] if flag == VALUE_FLAG else None,
                         padded[6] if flag == VALUE_FLAG else None))
    return None if out is None else (sheet, out)


def record_rows(record: Iterable[Sequence[Any]], sheet: Optional[str] = None) -> list[list[Any]]:
    """The marker row followed by one row per record (empty strings become empty cells)."""
    out: list[list[Any]] = [[FILL_MARKER, sheet] if sheet else [FILL_MARKER]]
    for r in record:
        e = Entry(*r)
        row = [e.ref, e.argb or None, e.fill or None, e.note or None]
        if e.value_flag:
            row += [VALUE_FLAG, e.original, e.written]
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    return out


def has_content(rows: Iterable[Sequence[Any]]) -> bool:
    return any(v not in (None, "") for r in rows for v in (r or ()))


def same_value(a: Any, b: Any) -> bool:
    """Equal as a spreadsheet shows them (2 == 2.0; blank == ""; floats within rounding)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if not (math.isfinite(a) and math.isfinite(b)):
            return False
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if a in (None, "") and b in (None, ""):
        return True
    return a == b


def originals(record: Iterable[Entry]) -> dict[str, Entry]:
    """The value entries of a record, by cell."""
    return {e.ref.upper().replace("$", ""): e for e in record if e.value_flag == VALUE_FLAG}


def restore_grid(grid, record: Iterable[Entry]) -> int:
    """Put the user's original values back into ``grid`` (a workbook.grid.Grid) where the cell still
    holds what the tool wrote; a cell the user has changed since keeps the user's change. Returns the
    number of cells restored."""
    from workbook.grid import parse_a1

    n = 0
    for ref, e in originals(record).items():
        try:
            r, c = parse_a1(ref)
        except ValueError:
            continue
        if r > grid.n_rows or c > 16_384 or same_value(e.original, e.written):
            continue  # beyond what the sheet holds, or nothing to restore
        if not same_value(grid.get(r, c), e.written):
            continue
        _set(grid, r, c, e.original)
        n += 1
    return n


def _set(grid, r: int, c: int, value: Any) -> None:
    values = grid.values
    while len(values) < r:
        values.append([])
    row = values[r - 1]
    while len(row) < c:
        row.append(None)
    row[c - 1] = value


def restore_originals(grids: Iterable[Any], explain_sheet: Optional[str] = None) -> list[Any]:
    """The grids of a workbook with the form's original values put back from the record an earlier run
    left in 评分说明 (see ``restore_grid``). Grids without a record come back unchanged."""
    from workbook.plan import EXPLAIN_SHEET

    grids = list(grids)
    name = explain_sheet or EXPLAIN_SHEET
    explain = next((g for g in grids if getattr(g, "name", None) == name), None)
    if explain is None:
        return grids
    found = _parse(explain.values)
    if not found or not found[0]:
        return grids
    sheet, record = found
    for g in grids:
        if g.name == sheet and g is not explain:
            restore_grid(g, record)
    return grids
