"""The ribbon button 重新计算得分: score the active workbook's 附件2-1 sheet in place.

``recalculate(book)`` finds the form sheet, reads it once, calls ``workbook.pipeline.score_grid`` (the
one scoring path shared with the command line) and hands the resulting ``WritePlan`` to
``addin.excel_adapter``. Problems the user can fix end in a Chinese message box, never a traceback.
"""
from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass, field
from typing import Any, Optional

from workbook.grid import a1

from .excel_adapter import ApplyStats, SheetRead, apply_plan, explain_values, read_sheet, restore_from_record

TITLE = "绩效评分"


@dataclass
class Outcome:
    """What one click did (returned for tests and tools; Excel ignores it)."""

    ok: bool
    message: str
    sheet: Optional[str] = None
    scored: Any = None  # workbook.pipeline.Scored
    stats: Optional[ApplyStats] = None
    reads: int = 0  # calls into Excel that read cells
    skipped: list = field(default_factory=list)


def _fmt(x: float, digits: int = 2) -> str:
    from scoring.formatting import compact

    return compact(x, digits)


def _candidate_sheets(book):
    from workbook.plan import EXPLAIN_SHEET
    from workbook.safety import DEFAULT_LIMITS

    active = book.sheets.active
    yield active
    others = [sh for sh in book.sheets if sh.name not in (active.name, EXPLAIN_SHEET)]
    yield from others[: max(0, DEFAULT_LIMITS.max_sheets - 1)]


def find_form(book, profile, formulas=None) -> tuple[Any, SheetRead, Any, int]:
    """(sheet, read, scored, reads): the active sheet when it holds a form, else the first sheet that does.
    A sheet an earlier run scored gets the user's original values back from the record first, so a
    rescore finds what the first run found."""
    from workbook.errors import NotAForm
    from workbook.pipeline import score_grid
    from workbook.plan import EXPLAIN_SHEET

    reads = 0
    first_error: Optional[NotAForm] = None
    explain = explain_values(book, EXPLAIN_SHEET)
    reads += explain is not None
    for sheet in _candidate_sheets(book):
        read = read_sheet(sheet, None if formulas is None else formulas.get(sheet.name, {}))
        reads += read.calls
        read.explain = explain
        read.restored = restore_from_record(read.grid, explain)
        try:
            return sheet, read, score_grid(read.grid, profile), reads
        except NotAForm as exc:
            first_error = first_error or exc
    raise first_error or NotAForm("工作簿中没有工作表。")


def summary(result, profile, stats: ApplyStats, sheet_name: str) -> str:
    digits = getattr(profile, "digits", 2)
    errors = sum(1 for f in result.findings if f.severity == "error")
    warnings = sum(1 for f in result.findings if f.severity == "warning")
    lines = [f"“{sheet_name}”总分 {_fmt(result.total, digits)} 分，评价等级：{result.grade}。"]
    if result.capped:
        lines.append(f"约束性指标已触发，总分按封顶处理（计算得分 {_fmt(result.raw_total, digits)} 分）。")
    if errors or warnings:
        if stats.notes_added or not stats.highlights:
            marked = "已在单元格批注中标出"
        else:  # a host without notes (Excel before ExcelApi 1.18): only the fills were set
            marked = "已用底色标出（此版本 Excel 不支持批注）"
        lines.append(f"错误 {errors} 个，警告 {warnings} 个；{marked}，详见“评分说明”工作表。")
    else:
        lines.append("错误 0 个，警告 0 个；各项得分的算法见“评分说明”工作表。")
    if stats.skipped_formula_cells:
        lines.append(f"{len(stats.skipped_formula_cells)} 个得分单元格含有公式，未覆盖。")
    if stats.failed_cells:
        cells = "、".join(a1(r, c) for r, c in stats.failed_cells[:5])
        lines.append(f"{len(stats.failed_cells)} 个单元格无法写入（如 {cells}，可能位于合并单元格内），请手工填写。")
    return "\n".join(lines)


def recalculate(book, profile=None, formulas=None) -> Outcome:
    """Score the form in ``book`` (an xlwings Book) and write the results into it. ``formulas``:
    {sheet name: {A1 address: formula}} from a host that cannot read them (see ``read_sheet``)."""
    try:
        from scoring.profiles import load_profile
        from workbook.errors import WorkbookError

        # None: the family layer chooses the profile from the form (as the command line does)
        prof = load_profile(profile) if profile not in (None, "", "auto") else None
    except Exception as exc:  # noqa: BLE001 - a broken install must still say something in Chinese
        msg = f"评分组件加载失败：{exc}。请重新运行安装程序。"
        book.app.alert(msg, title=TITLE)
        return Outcome(False, msg)
    try:
        sheet, read, scored, reads = find_form(book, prof, formulas)
    except WorkbookError as exc:
        msg = f"{exc}\n请打开附件2-1《部门整体支出绩效自评表》所在的工作表后再点击“重新计算得分”。"
        book.app.alert(msg, title=TITLE)
        return Outcome(False, msg)
    except Exception as exc:  # noqa: BLE001 - nothing was written; say so instead of a traceback
        traceback.print_exc(file=sys.stderr)
        msg = f"读取或评分时出错（工作簿未作任何修改）：{exc}"
        book.app.alert(msg, title=TITLE)
        return Outcome(False, msg)
    try:
        stats = apply_plan(book, sheet, read.grid, scored.plan, read.restored, read.explain)
    except WorkbookError as exc:  # e.g. a foreign sheet named 评分说明: nothing was written
        msg = str(exc)
        book.app.alert(msg, title=TITLE)
        return Outcome(False, msg, sheet.name, scored, reads=reads)
    except Exception as exc:  # noqa: BLE001 - Excel must show a message, the console keeps the traceback
        traceback.print_exc(file=sys.stderr)
        msg = f"写入评分结果时出错：{exc}"
        book.app.alert(msg, title=TITLE)
        return Outcome(False, msg, sheet.name, scored, reads=reads)
    msg = summary(scored.result, scored.profile, stats, sheet.name)
    from workbook.families.data import DEFAULT_FAMILY

    if scored.reading is not None and scored.reading.family.name != DEFAULT_FAMILY:
        msg += "\n" + scored.reading.why  # a form of another family: say which profile scored it and why
    book.app.alert(msg, title=TITLE)
    return Outcome(True, msg, sheet.name, scored, stats, reads + stats.reads, stats.skipped_formula_cells)
