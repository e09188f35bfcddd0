"""Excel without Excel: an .xlsx as xlwings' remote-engine book, and its actions applied back.

``payload(path_or_wb)`` turns a workbook (openpyxl) into the JSON an Office.js client sends to
xlwings Server; ``book(...)`` opens it with ``xw.Book(json=...)`` (needs ``XLWINGS_LICENSE_KEY``, e.g.
``noncommercial``); after the code under test ran, ``apply_actions(wb, book.json()["actions"])``
replays the recorded writes onto an openpyxl workbook so the result can be checked cell by cell.

Reusable by any test or benchmark: ``python -m tests.remote_book in.xlsx > payload.json``.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, Iterable, Optional, Union

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

Source = Union[str, Path, Workbook]


# Excel signs a note with the user's name, never with ours: the replay does the same, so tests
# cannot tell our notes from a user's by their author.
EXCEL_USER = "王俊"


def _load(src: Source, data_only: bool) -> Workbook:
    if isinstance(src, Workbook):
        return src
    return openpyxl.load_workbook(src, data_only=data_only)


def _json_value(v: Any) -> Any:
    # xlwings' remote engine reads dates as ISO datetimes with a trailing Z (as its JS clients send them)
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None).isoformat() + "Z"
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day).isoformat() + "Z"
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, str) and v.startswith("="):
        return None  # a formula without a cached value: Excel would send its result, unknown here
    return v


def sheet_payload(ws, used_range: bool = True) -> dict:
    max_row, max_col = ws.max_row, ws.max_column
    values = [[_json_value(c) for c in row]
              for row in ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col, values_only=True)]
    if not values:
        values = [[None]]
    sp: dict[str, Any] = {"name": ws.title, "values": values, "pictures": [], "tables": [],
                          "notes": [{"address": f"${get_column_letter(c.column)}${c.row}"}
                                    for row in ws.iter_rows() for c in row if c.comment is not None]}
    if used_range:
        # Excel's used range starts at the first used cell, not at A1; the adapter must cope.
        sp["used_range_address"] = f"${get_column_letter(ws.min_column)}${ws.min_row}:" \
                                   f"${get_column_letter(max_col)}${max_row}"
    return sp


def payload(src: Source, active: Optional[str] = None, used_range: bool = True) -> dict:
    """The Office.js request body for the workbook ``src`` (values as Excel would send them)."""
    wb = _load(src, data_only=True)
    names = wb.sheetnames
    active_index = names.index(active) if active else names.index(wb.active.title)
    name = Path(src).name if isinstance(src, (str, Path)) else "Book1.xlsx"
    return {
        "client": "Office.js",
        "version": "1.0.0",
        "book": {"name": name, "active_sheet_index": active_index, "selection": "A1"},
        "names": [],
        "sheets": [sheet_payload(wb[n], used_range) for n in names],
    }


def enable_remote_engine(key: str = "noncommercial") -> None:
    """Make xlwings' remote engine available even if xlwings was imported before the licence key was
    set (xlwings decides at import time). The remote engine is xlwings PRO code under PolyForm
    Noncommercial; "noncommercial" is its free key for noncommercial and government use."""
    import os

    import xlwings

    os.environ.setdefault("XLWINGS_LICENSE_KEY", key)
    if any(e.name == "remote" for e in xlwings.engines):
        return
    from xlwings.pro import _xlremote

    xlwings.engines.add(xlwings.main.Engine(impl=_xlremote.engine))
    xlwings.__pro__ = True


def book(src: Union[Source, dict], active: Optional[str] = None):
    """An ``xw.Book`` on the remote engine for ``src`` (a path, an openpyxl workbook or a payload)."""
    import xlwings as xw

    enable_remote_engine()
    data = src if isinstance(src, dict) else payload(src, active)
    return xw.Book(json=data)


def actions(bk) -> list[dict]:
    return bk.json()["actions"]


def _hex_fill(color: str) -> PatternFill:
    rgb = color.lstrip("#").upper()
    return PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)


def apply_actions(wb: Workbook, acts: Iterable[dict]) -> dict:
    """Replay remote-engine actions on ``wb`` (modified in place). Returns what cannot live in a
    file: ``{"alerts": [...], "active": name}``. Unknown actions raise, so tests notice new calls."""
    order = list(wb.sheetnames)
    extra: dict[str, Any] = {"alerts": [], "active": wb.active.title if wb.sheetnames else None}

    def ws_at(pos):
        return wb[order[pos]]

    for a in acts:
        f = a["func"]
        if f == "setValues":
            ws = ws_at(a["sheet_position"])
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    c = ws.cell(a["start_row"] + 1 + i, a["start_column"] + 1 + j)
                    c.value = v
                    if isinstance(v, str) and v.startswith("'"):  # Excel's text prefix: the rest, as text
                        c.value, c.data_type = v[1:], "s"
        elif f in ("rangeClearContents", "setRangeColor", "rangeClear"):
            ws = ws_at(a["sheet_position"])
            if f == "rangeClear":  # Excel's Clear All: formats and the merged areas inside go too
                r0, c0 = a["start_row"] + 1, a["start_column"] + 1
                r1, c1 = r0 + a["row_count"] - 1, c0 + a["column_count"] - 1
                for rng in list(ws.merged_cells.ranges):
                    if r0 <= rng.min_row and rng.max_row <= r1 and c0 <= rng.min_col and rng.max_col <= c1:
                        ws.unmerge_cells(str(rng))
                    elif rng.min_row <= r1 and r0 <= rng.max_row and rng.min_col <= c1 and c0 <= rng.max_col:
                        raise ValueError(f"Excel cannot clear part of the merged area {rng}")
            for i in range(a["row_count"]):
                for j in range(a["column_count"]):
                    c = ws.cell(a["start_row"] + 1 + i, a["start_column"] + 1 + j)
                    if f == "setRangeColor":
                        col = a["args"][0] if isinstance(a["args"], list) else a["args"]
                        c.fill = _hex_fill(col) if col else PatternFill(fill_type=None)
                    elif not isinstance(c, MergedCell):  # inside a merged area: already empty
                        c.value = None
        elif f == "addNote":
            ws = ws_at(a["sheet_position"])
            address, text = a["args"]
            cell = ws[address.replace("$", "")]
            if cell.comment is not None:
                raise ValueError(f"Excel refuses a second note on {address}")
            cell.comment = Comment(text, EXCEL_USER)
        elif f == "deleteNote":
            ws = ws_at(a["sheet_position"])
            ws[a["args"][0].replace("$", "")].comment = None
        elif f == "addSheet":
            index, name = a["args"]
            wb.create_sheet(name, index)
            order.insert(index, name)
        elif f in ("sheetClearContents", "sheetClear"):
            ws = ws_at(a["sheet_position"])
            if f == "sheetClear":  # formats and merged areas go too
                for rng in list(ws.merged_cells.ranges):
                    ws.unmerge_cells(str(rng))
            for row in ws.iter_rows():
                for c in row:
                    if not isinstance(c, MergedCell):
                        c.value = None
        elif f == "setColumnWidth":  # Office.js measures in points; a file in characters
            ws = ws_at(a["sheet_position"])
            for j in range(a["column_count"]):
                ws.column_dimensions[get_column_letter(a["start_column"] + 1 + j)].width = (a["args"][0] - 3.75) / 5.25
        elif f == "setRowHeight":
            ws = ws_at(a["sheet_position"])
            for i in range(a["row_count"]):
                ws.row_dimensions[a["start_row"] + 1 + i].height = a["args"][0]
        elif f in ("setWrapText", "setFontProperty"):
            ws = ws_at(a["sheet_position"])
            for i in range(a["row_count"]):
                for j in range(a["column_count"]):
                    c = ws.cell(a["start_row"] + 1 + i, a["start_column"] + 1 + j)
                    if f == "setWrapText":
                        c.alignment = c.alignment.copy(wrap_text=bool(a["args"][0]))
                    elif a["args"][0] == "bold":
                        c.font = c.font.copy(b=bool(a["args"][1]))
        elif f == "rangeUnmerge":
            ws = ws_at(a["sheet_position"])
            r1, c1 = a["start_row"] + 1, a["start_column"] + 1
            r2, c2 = r1 + a["row_count"] - 1, c1 + a["column_count"] - 1
            for rng in list(ws.merged_cells.ranges):
                if rng.min_row >= r1 and rng.max_row <= r2 and rng.min_col >= c1 and rng.max_col <= c2:
                    ws.unmerge_cells(str(rng))
        elif f == "rangeMerge":
            ws = ws_at(a["sheet_position"])
            ws.merge_cells(start_row=a["start_row"] + 1, start_column=a["start_column"] + 1,
                           end_row=a["start_row"] + a["row_count"], end_column=a["start_column"] + a["column_count"])
        elif f == "activateSheet":
            pos = a["args"][0] if isinstance(a["args"], list) else a["args"]
            extra["active"] = order[pos]
        elif f == "setRowHidden":
            ws = ws_at(a["sheet_position"])
            for i in range(a["row_count"]):
                ws.row_dimensions[a["start_row"] + 1 + i].hidden = bool(a["args"][0])
        elif f == "setNoteText":
            ws = ws_at(a["sheet_position"])
            address, text = a["args"]
            ws[address.replace("$", "")].comment = Comment(text, EXCEL_USER)
        elif f in ("setScreenUpdating", "setCalculation", "calculate"):
            extra.setdefault("app", []).append((f, a["args"]))  # application state, nothing in the file
        elif f == "alert":
            extra["alerts"].append(a["args"][0])
        else:
            raise NotImplementedError(f"remote_book cannot replay action {f!r}")
    return extra


def main(argv: Optional[list[str]] = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if not args:
        print("usage: python -m tests.remote_book BOOK.xlsx [ACTIVE_SHEET]", file=sys.stderr)
        return 2
    json.dump(payload(args[0], args[1] if len(args) > 1 else None), sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
