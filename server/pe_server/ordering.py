"""Order the button's writes so that Excel stopping part-way leaves a form the next click repairs.

Office.js applies the returned actions one after another with no rollback: a protected sheet, a
workbook whose structure is locked, or a closed task pane stops it at some action, and whatever came
before stays. ``addin.recalculate`` writes scores, then notes and fills, then 评分说明 with the record
the next click uses to remove this click's notes and fills (``workbook.record``). Stopped after the
fills but before that record, nothing would remember them.

So 评分说明 goes first, with a record that lists every cell this click or the previous one may mark
(the union); then the form; then the record again with this click's cells only. Stopped at any action,
the record in the workbook covers every note and fill present, and the next click removes what is no
longer wanted and writes the rest. The form's scores are whole blocks written by the next click.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional

import addin
from workbook.grid import parse_a1
from workbook.plan import EXPLAIN_SHEET
from workbook.record import FILL_MARKER, Record, parse_record, record_rows, record_sheet

# Bounds on what a client may send (a form is a few hundred cells; the reader's limits are larger).
MAX_FORMULA_SHEETS = 256
MAX_FORMULA_CELLS = 200_000

NO_FORMULAS = ("未收到工作表中的公式，为免覆盖公式，工作簿未作任何修改。"
               "请关闭并重新打开“绩效评分”加载项（Excel 网页版请刷新页面）后再点击“重新计算得分”。")
BAD_FORMULAS = "收到的公式数据格式不正确（{why}），工作簿未作任何修改。请更新“绩效评分”加载项后重试。"


def check_formulas(formulas: Any, sheet_names: list[str]) -> Optional[str]:
    """None when ``formulas`` is {sheet name: {A1: "=..."}} within bounds, else the Chinese message."""
    if formulas is None:
        return NO_FORMULAS
    if not isinstance(formulas, dict):
        return BAD_FORMULAS.format(why="应为按工作表名称的对象")
    if len(formulas) > MAX_FORMULA_SHEETS:
        return BAD_FORMULAS.format(why="工作表过多")
    cells = 0
    for sheet, cellmap in formulas.items():
        if not isinstance(sheet, str) or not isinstance(cellmap, dict):
            return BAD_FORMULAS.format(why=f"工作表“{sheet}”的公式应为单元格对象")
        cells += len(cellmap)
        if cells > MAX_FORMULA_CELLS:
            return BAD_FORMULAS.format(why="公式单元格过多")
        for ref, formula in cellmap.items():
            if not isinstance(formula, str):
                return BAD_FORMULAS.format(why=f"“{sheet}”!{ref} 的公式不是文本")
            try:
                parse_a1(str(ref).replace("$", ""))
            except ValueError:
                return BAD_FORMULAS.format(why=f"“{sheet}”中的单元格地址“{ref}”无法识别")
    return None


class Previous(NamedTuple):
    """What the previous run left in 评分说明: its record, the row (0-based) of the record's marker
    (None without a record) and the last row and column the sheet uses (0, 0 without the sheet)."""

    record: list[Record]
    marker: Optional[int]
    rows: int
    cols: int


def previous_explain(book) -> Previous:
    if EXPLAIN_SHEET not in [s.name for s in book.sheets]:
        return Previous([], None, 0, 0)
    used = book.sheets[EXPLAIN_SHEET].used_range
    values = used.options(ndim=2).value or []
    last = used.last_cell
    marker = _marker_index(values)
    if marker is not None:
        marker += used.row - 1
    return Previous(parse_record(values) or [], marker, last.row, last.column)


def _pad(rows: list[list[Any]], width: int, height: int = 0) -> list[list[Any]]:
    out = [[("" if v is None else v) for v in r] + [""] * (width - len(r)) for r in rows]
    return out + [[""] * width for _ in range(height - len(out))]


def _marker_index(values: list[list[Any]]) -> Optional[int]:
    for i, row in enumerate(values):
        if row and row[0] == FILL_MARKER:
            return i
    return None


def _range(like: dict, func: str, row: int, col: int, rows: int, cols: int, args: list) -> dict:
    return {**{k: v for k, v in like.items() if k != "values"}, "func": func, "args": args,
            "start_row": row, "start_column": col, "row_count": rows, "column_count": cols}


def undoable_order(actions: list[dict], sheet_names: list[str], before: Previous) -> list[dict]:
    """``actions`` of one ``addin.recalculate`` reordered as the module docstring explains.
    ``sheet_names``: the book's sheets before the run; ``before``: ``previous_explain(book)`` before
    the run. Actions of a run that wrote nothing but a message are returned unchanged."""
    explain_pos = sheet_names.index(EXPLAIN_SHEET) if EXPLAIN_SHEET in sheet_names else None
    for a in actions:
        if a["func"] == "addSheet" and a["args"][1] == EXPLAIN_SHEET:
            explain_pos = a["args"][0]
            if explain_pos < len(sheet_names):
                return actions  # inserted before other sheets: positions would shift; keep the original order
    if explain_pos is None:
        return actions  # nothing written but the message

    head, explain, form, tail = [], [], [], []
    for a in actions:
        f = a["func"]
        if f == "setScreenUpdating" and a["args"] == [False] and not (explain or form):
            head.append(a)
        elif f in ("alert", "activateSheet", "setScreenUpdating"):
            tail.append(a)
        elif f == "addSheet" or a.get("sheet_position") == explain_pos:
            explain.append(a)
        else:
            form.append(a)

    writes = [a for a in explain if a["func"] == "setValues" and _marker_index(a["values"]) is not None]
    if len(writes) != 1 or writes[0]["start_row"] != 0 or writes[0]["start_column"] != 0:
        return head + explain + form + tail
    write = writes[0]
    marker = _marker_index(write["values"])
    sheet = record_sheet(write["values"])
    new = parse_record(write["values"]) or []
    new_refs = {r.ref for r in new}
    union = new + [r for r in before.record if r.ref not in new_refs]

    # The new 评分说明 with the union record, in one write padded over whatever the old sheet used.
    # The old sheet is cleared above its record only: its record stays until this write replaces it.
    width = max(write["column_count"], before.cols)
    union_rows = _pad([list(r) for r in write["values"][:marker]] + record_rows(union, sheet), width, before.rows)
    first = {**write, "values": union_rows, "row_count": len(union_rows), "column_count": width}
    hidden = len(record_rows(union, sheet))
    ordered = []
    for a in explain:
        if a is write:
            ordered.append(first)
        elif a["func"] in ("sheetClear", "sheetClearContents") and before.marker is not None:
            if before.marker > 0:
                func = "rangeClear" if a["func"] == "sheetClear" else "rangeClearContents"
                ordered.append(_range(write, func, 0, 0, before.marker, max(before.cols, 1), [None]))
        elif a["func"] == "setRowHidden" and a["args"] == [True] and a["start_row"] == marker:
            if before.marker is not None and before.marker != marker:  # the old record's rows show again
                ordered.append(_range(a, "setRowHidden", before.marker, 0, before.rows - before.marker, 1, [False]))
            ordered.append({**a, "row_count": hidden})
        else:
            ordered.append(a)
    if union == new:  # the first write is already the final content
        return head + ordered + form + tail
    final_rows = _pad(record_rows(new, sheet), width, len(union_rows) - marker)
    final = {**write, "values": final_rows, "start_row": marker, "row_count": len(final_rows),
             "column_count": width}
    return head + ordered + form + [final] + tail


def recalculate_in_order(book, formulas: dict) -> None:
    """The button's click on a JSON book: ``addin.recalculate`` with the formulas the client read, its
    actions then put in the order above (what the 重新计算得分 script does, and what bench/server_load.py
    measures as the in-process baseline)."""
    names = [s.name for s in book.sheets]
    before = previous_explain(book)
    addin.recalculate(book, formulas=formulas)
    actions = book.json()["actions"]
    actions[:] = undoable_order(actions, names, before)
