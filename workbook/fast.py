"""Fast, values-only reading with python-calamine (.xlsx, .xlsm, .xls, .xlsb, .ods).

Used where nothing is written back (``pe-score score`` without ``--write``, the batch reviewer).
Calamine reports the cached values a spreadsheet shows; it cannot tell which cells hold formulas
(``Grid.formulas`` is None) and it turns error values (``#DIV/0!``) into empty cells.
"""
from __future__ import annotations

import os
import sys
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any

from workbook.errors import UnreadableFile
from workbook.grid import Grid


def cell_value(value: Any) -> Any:
    """Normalise one cell so every adapter yields the same Python types.

    '' -> None; floats holding a whole number -> int (a sheet shows 2, not 2.0); a bare date ->
    datetime at midnight (openpyxl's type for date cells); bools, str, time and timedelta unchanged.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, str):
        return value if value != "" else None
    # datetime is not imported at start (~0.6 ms): a date value exists only once its module is loaded
    dt = sys.modules.get("datetime")
    if dt is not None and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def trim(rows: list[list[Any]]) -> list[list[Any]]:
    """Drop trailing empty rows and trailing empty cells of each row (rows may be ragged)."""
    out = []
    for row in rows:
        end = len(row)
        while end and row[end - 1] is None:
            end -= 1
        out.append(row[:end])
    while out and not out[-1]:
        out.pop()
    return out


def read_grids(path: str | os.PathLike) -> list[Grid]:
    """One Grid per worksheet, in workbook order (chart and dialog sheets are skipped).

    The fast safety tier runs first. When calamine cannot read a file it accepted (an unusual cell
    type, a malformed cell ...), a .xlsx/.xlsm is read with openpyxl instead (those grids carry
    formulas); only if that fails too is the deep tier's specific message raised.
    """
    from workbook.safety import check_file, explain_failure

    info = check_file(path, deep=False)
    try:
        return _calamine_grids(path)
    except Exception as exc:  # calamine's own errors are wrapped in UnreadableFile; anything else too
        failure = exc if isinstance(exc, UnreadableFile) else UnreadableFile(
            f"无法读取文件 {os.path.basename(os.fspath(path))}：不是可识别的电子表格（{type(exc).__name__}）"
        )
    if info.kind in ("xlsx", "xlsm"):
        from workbook import xlsx

        try:
            return xlsx.read_grids(path)
        except UnreadableFile:
            pass  # xlsx has already run the deep tier; say the same below
    raise explain_failure(path, failure) from None


def _calamine_grids(path: str | os.PathLike) -> list[Grid]:
    from workbook.safety import DEFAULT_LIMITS, clip_grid, iter_clipped, row_budget, sheets_to_scan

    import python_calamine as pc

    name = os.path.basename(os.fspath(path))
    try:
        wb = pc.CalamineWorkbook.from_path(os.fspath(path))
    except FileNotFoundError:
        raise UnreadableFile(f"找不到文件：{name}") from None
    except pc.PasswordError:
        raise UnreadableFile(f"文件已加密（设置了打开密码），无法读取：{name}") from None
    except Exception as exc:  # calamine raises several types for zip/xml/format trouble
        raise UnreadableFile(f"无法读取文件 {name}：不是可识别的电子表格（{type(exc).__name__}）") from None

    grids: list[Grid] = []
    try:
        names = [m.name for m in wb.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]
        for sheet_name in sheets_to_scan(names):
            try:
                sheet = wb.get_sheet_by_name(sheet_name)
                # iter_rows starts at row 1 but at the first used column: pad to keep A1 positions.
                lead = [None] * (sheet.start[1] if sheet.start else 0)
                rows = (lead + row for row in sheet.iter_rows()) if lead else sheet.iter_rows()
                end = sheet.end
                if end is None or end[1] + 1 > DEFAULT_LIMITS.max_cols or end[0] + 1 > row_budget(end[1] + 1):
                    rows = iter_clipped(rows)  # a sheet larger than the reading limits: cut lazily
                # Most cells are text or empty (''): handled inline, the rest by cell_value.
                values = trim([[(v or None) if type(v) is str else cell_value(v) for v in row] for row in rows])
                merged_raw = sheet.merged_cell_ranges or []
            except Exception as exc:
                raise UnreadableFile(
                    f"无法读取文件 {name} 的工作表“{sheet_name}”（{type(exc).__name__}）"
                ) from None
            merged = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in merged_raw]
            # calamine's end is the last cell holding a value (0-based): what iter_clipped may have left out
            extent = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else None
            grids.append(clip_grid(Grid(name=sheet_name, values=values, merged=merged, formulas=None), extent=extent))
    finally:
        wb.close()
    return grids
