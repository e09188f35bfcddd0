"""The native 附件2-1 template and the seed example workbook, generated from code (openpyxl).

Layout: docs/architecture.md, "The 附件2-1 template layout". Regenerate the committed files with
``python -m pe_score.templates``; ``--check`` exits 1 when they differ from what the code builds.
The files carry native formulas (rate, budget score, goal subtotals, total with the profile's cap,
grade), so the form computes in any spreadsheet program without the add-in.

The README picture (docs/images/form_example.png) is rendered with the other pictures by
``python -m tools.render_images`` (docs/images.md).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import io
import math
import sys
import zipfile
from pathlib import Path
from typing import Any, Optional

from openpyxl.utils import get_column_letter
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.writer.excel import ExcelWriter

from scoring import formulas
from scoring.formatting import compact
from scoring.wording import render, rule_values
from scoring.profiles import load_profile
from workbook.grid import Grid
from workbook.text import set_text

SHEET = "附件2-1"
REPO = Path(__file__).resolve().parents[1]
FORM_PATH = Path("templates") / "form_2-1.xlsx"
EXAMPLE_PATH = Path("templates") / "examples" / "shiyan_hrss_2021.xlsx"

# The form's native formulas and its notes follow the 附件2-1 scoring profile: rules are data, kept once in scoring/.
PROFILE = load_profile("hubei-2-1")
BUDGET_POINTS = PROFILE.budget.points
HEADER_ROW = 9
FIRST_GOAL_ROW = 10
# Fixed document dates keep the generated files reproducible.
FIXED_TIME = _dt.datetime(2022, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

HEADER = ["一级指标", "二级指标", "三级指标", "分值", "指标说明", "评分标准",
          "年初目标值（A）", "实际完成值（B）", "得分", "偏差原因分析及改进措施"]
WIDTHS = [13, 12, 20, 6, 22, 30, 22, 22, 11, 16]  # columns A..J, in character units
LEVEL1 = ["产出指标", "效益指标", "满意度指标"]
LEVEL2 = ["数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
          "生态效益指标", "可持续影响指标", "服务对象满意度指标"]
CONSTRAINT_CHOICES = ["无", "存在审计等部门重点披露的问题", "造成重大不良社会影响"]
CONSTRAINT_DEFAULT = {
    "name": "资金管理",
    "description": "1. 是否符合部门预算批复的用途； 2. 资金使用是否符合相关规定，是否有规范的审批程序。",
    "standard": render("不设权重，酌情扣分，如出现审计等部门重点披露的问题，或造成重大不良社会影响，评价总得分不得超过{cap}分。",
                       PROFILE),
    "actual": "",
    "score": None,
    "reason": "",
}

# ---- styles (table-driven) -----------------------------------------------------------------

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_GREY = PatternFill("solid", fgColor="F2F2F2")
_TABLE_FONT = "宋体"


def _al(h: str, v: str = "center") -> Alignment:
    return Alignment(horizontal=h, vertical=v, wrap_text=True)


# name: (font, alignment, bordered, fill, number format)
STYLES: dict[str, tuple] = {
    "title": (Font(name="黑体", size=18, bold=True), _al("center"), False, None, None),
    "top": (Font(name="黑体", size=12), _al("left"), False, None, None),
    "sub": (Font(name=_TABLE_FONT, size=12), _al("center"), False, None, None),
    "meta": (Font(name=_TABLE_FONT, size=11), _al("left"), False, None, None),
    "meta_r": (Font(name=_TABLE_FONT, size=11), _al("right"), False, None, None),
    "meta_n": (Font(name=_TABLE_FONT, size=12, bold=True), _al("center"), False, None, "General"),
    "head": (Font(name=_TABLE_FONT, size=11, bold=True), _al("center"), True, _GREY, None),
    "goal": (Font(name=_TABLE_FONT, size=11, bold=True), _al("left"), True, None, None),
    "c": (Font(name=_TABLE_FONT, size=11), _al("center"), True, None, None),
    "l": (Font(name=_TABLE_FONT, size=11), _al("left"), True, None, None),
    "money": (Font(name=_TABLE_FONT, size=11), _al("center"), True, None, "#,##0.00"),
    "pct": (Font(name=_TABLE_FONT, size=11), _al("center"), True, _GREY, "0.00%"),
    "calc": (Font(name=_TABLE_FONT, size=11, bold=True), _al("center"), True, _GREY, "General"),
    "calc2": (Font(name=_TABLE_FONT, size=11, bold=True), _al("center"), True, _GREY, "0.00"),
    "note": (Font(name=_TABLE_FONT, size=10), _al("left", "top"), False, None, None),
}
# Indicator row columns A..J: centred short fields, left-aligned texts.
ROW_STYLES = ["c", "c", "l", "c", "l", "l", "l", "l", "c", "l"]


def _line_units(text: str) -> float:
    """Approximate width in Excel character units: CJK glyphs take about two."""
    return sum(2.2 if ord(ch) > 0x2E7F else 1.1 for ch in text)


def _lines_needed(text: Any, width: float) -> int:
    if text is None or text == "" or (isinstance(text, str) and text.startswith("=")):
        return 1  # formulas show short numbers
    usable = max(width - 2, 1)
    # 8% slack: renderers break lines at words and keep CJK punctuation off a line start.
    return sum(max(1, math.ceil(_line_units(part) * 1.08 / usable)) for part in str(text).split("\n"))


def put_block(ws, row: int, col: int, value: Any, look: tuple, to_col: Optional[int] = None,
              to_row: Optional[int] = None, formula: bool = False) -> Optional[str]:
    """Style the cells ``row..to_row`` x ``col..to_col`` with ``look`` (font, alignment, bordered, fill,
    number format, as in ``STYLES``) and put ``value`` in the first one; return the range to merge,
    if the block spans more than one cell. A string is text (``workbook.text.set_text``: "=8个" typed
    on a form never becomes a formula) unless ``formula`` says the template means a formula there."""
    font, align, boxed, fill, fmt = look
    to_col, to_row = to_col or col, to_row or row
    for r in range(row, to_row + 1):
        for c in range(col, to_col + 1):
            cell = ws.cell(row=r, column=c)
            cell.font, cell.alignment = font, align
            if boxed:
                cell.border = _BOX
            if fill is not None:
                cell.fill = fill
            if fmt:
                cell.number_format = fmt
    cell = ws.cell(row=row, column=col)
    if value is not None and value != "":
        if isinstance(value, str) and not formula:
            set_text(cell, value)
        else:
            cell.value = value
    if to_col != col or to_row != row:
        return f"{_col(col)}{row}:{_col(to_col)}{to_row}"
    return None


class _Sheet:
    """Writes styled cells and records merges and row heights (applied at the end)."""

    def __init__(self, ws):
        self.ws = ws
        self.merges: list[str] = []
        self.lines: dict[int, int] = {}
        self.tall: list[tuple[int, int, int]] = []  # vertical merges: (first row, last row, lines)

    def put(self, row: int, col: int, value: Any, style: str, to_col: Optional[int] = None,
            to_row: Optional[int] = None, size: int = 11) -> None:
        to_col, to_row = to_col or col, to_row or row
        merged = put_block(self.ws, row, col, value, STYLES[style], to_col, to_row,
                           formula=style in ("calc", "calc2", "pct", "meta_n"))
        if merged:
            self.merges.append(merged)
        width = sum(WIDTHS[c - 1] for c in range(col, to_col + 1)) * 11 / size
        if to_row == row:
            self.lines[row] = max(self.lines.get(row, 1), _lines_needed(value, width))
        else:  # a vertical merge spreads its text over its rows
            self.tall.append((row, to_row, _lines_needed(value, width)))

    def finish(self, heights: dict[int, float]) -> None:
        for rng in self.merges:
            self.ws.merge_cells(rng)
        for first, last, n in self.tall:  # grow the last row if the merged text would not fit
            short = n - sum(self.lines.get(r, 1) for r in range(first, last + 1))
            if short > 0:
                self.lines[last] = self.lines.get(last, 1) + short
        for row, n in {**{r: round(n * 14.25 + 5, 2) for r, n in self.lines.items()}, **heights}.items():
            self.ws.row_dimensions[row].height = n


def _col(c: int) -> str:
    return get_column_letter(c)


# The 填表说明 under the form. Numbers that a rule sets are {placeholders} written from the profile
# (scoring.wording.rule_values); {points} is the form's own budget points.
NOTES = [
    "填表说明：",
    "1. 定量指标（正向）：得分 = 实际完成值 ÷ 年初目标值 × 分值，超额完成按满分计，最高不超过该指标分值。",
    "2. 反向指标（目标写“≤”“以内”“不超过”“不高于”“以下”等）：达到目标得满分，未达到按 年初目标值 ÷ 实际完成值 × 分值 计分；"
    "目标值为 0 的指标（如差错率 0%）达到得满分，否则 0 分。",
    "3. 定性指标分三档：达成预期指标、部分达成预期指标并具有一定效果、未达成预期指标且效果较差，"
    "分别在该指标分值的 100%–{top}%（含{top}%）、{top}%–{middle}%（含{middle}%）、{middle}%–0 区间内合理确定得分。",
    "4. 预算执行得分 = {points}分 × 执行数（B）÷ 预算数（A），{budget_clause}。",
    "5. 约束性指标不设权重：实际完成值写明“存在审计等部门重点披露的问题”或“造成重大不良社会影响”的，"
    "{cap_clause}；需酌情扣分的，在其得分栏填负数（如 -3）。",
    "6. 总分 = 预算执行得分 + 各年度目标得分 + 扣分，在 0 至 {total} 分之间，保留 {digits} 位小数；得分栏中的文字不计分；"
    "评价等级：{grades}。",
    "7. 各指标得分由填报人填写，或由 pe-score 按上述规则计算填入；年度目标小计、总分、等级、预算执行率和得分由表内公式自动计算。",
]


def _notes(points: float, profile=PROFILE) -> list[str]:
    """The 填表说明 rendered from ``profile`` (the one the form's formulas follow) and the form's budget points."""
    values = {**rule_values(profile), "points": compact(points)}
    return [line.format_map(values) for line in NOTES]


def _blank_goals(goals: int, rows_per_goal: int) -> list[dict]:
    return [{"title": f"年度目标{i}：（  分）", "sections": [("", [None] * rows_per_goal)]}
            for i in range(1, goals + 1)]


def build_form(data: Optional[dict] = None, *, goals: int = 3, rows_per_goal: int = 5) -> Workbook:
    """The 附件2-1 form: blank (``data`` None) or filled from data shaped like ``EXAMPLE``."""
    d = data or {}
    budget = d.get("budget") or {}
    points = budget.get("points", BUDGET_POINTS)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    s = _Sheet(ws)
    heights = {1: 20, 2: 36, 3: 22, 4: 24}

    s.put(1, 1, "附件2-1", "top", 2)
    s.put(2, 1, "部门整体支出绩效自评表", "title", 10)
    year = d.get("year")
    s.put(3, 1, f"（{year}年度）" if year else "（    年度）", "sub", 10)
    s.put(4, 1, "填报单位：（公章）", "meta", 4)
    s.put(4, 5, "填报人及联系电话：", "meta_r")
    s.put(4, 6, d.get("contact", ""), "meta")
    s.put(4, 7, "填报日期：", "meta_r")
    s.put(4, 8, d.get("date", ""), "meta")
    s.put(4, 9, "自评得分：", "meta_r")
    # J4 is set below, once the total row is known.

    s.put(5, 1, "单位名称", "c", 2)
    s.put(5, 3, d.get("unit", ""), "l", 10)
    s.put(6, 1, "基本支出总额（万元）", "c", 2)
    s.put(6, 3, d.get("basic_expense"), "money", 4)
    s.put(6, 5, "项目支出总额（万元）", "c", 6)
    s.put(6, 7, d.get("project_expense"), "money", 10)

    s.put(7, 1, f"预算执行情况（万元）（{compact(points)}分）", "head", 2, 8)
    s.put(7, 3, None, "head", 4)
    for col, text in ((5, "预算数（A）"), (6, "执行数（B）"), (7, "执行率（B/A）"), (8, f"得分（{compact(points)}分*执行率）")):
        s.put(7, col, text, "head")
    s.put(7, 9, "未执行完原因和改进措施", "head", 10)
    s.put(8, 3, "部门整体支出总额", "c", 4)
    s.put(8, 5, budget.get("planned"), "money")
    s.put(8, 6, budget.get("executed"), "money")
    s.put(8, 7, formulas.budget_rate("E8", "F8"), "pct")
    s.put(8, 8, formulas.budget_score("E8", "F8", points, PROFILE), "calc2")
    s.put(8, 9, budget.get("reason", ""), "l", 10)
    if budget.get("note"):
        note = Comment(budget["note"], "pe-score")
        note.width, note.height = 300, 110
        ws["E8"].comment = note

    for col, text in enumerate(HEADER, 1):
        s.put(HEADER_ROW, col, text, "head")

    row = FIRST_GOAL_ROW
    goal_rows: list[int] = []
    body: list[tuple[int, int]] = []  # (first, last) indicator rows per goal, for the drop-downs
    for goal in d.get("goals") or _blank_goals(goals, rows_per_goal):
        title_row, row = row, row + 1
        s.put(title_row, 1, goal["title"], "goal", 8)
        for label, rows in goal["sections"]:
            if not rows:  # e.g. 满意度指标 without indicators: a placeholder row, not an indicator
                s.put(row, 1, label, "c")
                s.put(row, 2, "……", "c")
                for col in range(3, 11):
                    s.put(row, col, None, ROW_STYLES[col - 1])
                row += 1
                continue
            s.put(row, 1, label or None, "c", None, row + len(rows) - 1 if label else None)
            for i, values in enumerate(rows):
                values = values or (None,) * 9
                for col, value in enumerate(values, 2):
                    s.put(row + i, col, value, ROW_STYLES[col - 1])
                if not label and i:
                    s.put(row + i, 1, None, "c")
                if not any(values):
                    heights[row + i] = 27  # room to type into an empty row
            row += len(rows)
        last = row - 1
        s.put(title_row, 9, formulas.subtotal(f"I{title_row + 1}", f"I{last}") if last > title_row else '=""', "calc")
        s.put(title_row, 10, None, "l")
        goal_rows.append(title_row)
        if last > title_row:
            body.append((title_row + 1, last))

    c = {**CONSTRAINT_DEFAULT, **(d.get("constraint") or {})}
    cr = row
    s.put(cr, 1, "约束性指标", "c", 2)
    for col, value in ((3, c["name"]), (4, "—"), (5, c["description"]), (6, c["standard"]), (7, "—"),
                       (8, c["actual"]), (9, c["score"]), (10, c.get("reason", ""))):
        s.put(cr, col, value, ROW_STYLES[col - 1])
    tr, gr = cr + 1, cr + 2
    s.put(tr, 1, "合计", "head", 8)
    # Blank until something is scored, so an empty form shows no total and no grade 差.
    scored = ["H8"] + [f"I{a}:I{b}" for a, b in body]
    s.put(tr, 9, formulas.total("H8", [f"I{r}" for r in goal_rows], f"I{cr}", f"H{cr}", scored, PROFILE), "calc")
    s.put(tr, 10, None, "l")
    s.put(gr, 1, "评价等级", "head", 8)
    s.put(gr, 9, formulas.grade(f"I{tr}", PROFILE), "calc")
    s.put(gr, 10, None, "l")
    # A filled form carries the self-score the unit claimed (the seed's "自评得分: 97"), which the
    # checks compare with the recomputed total; a blank form shows the computed total instead.
    claimed = d.get("claimed_total")
    s.put(4, 10, claimed if claimed is not None else f"=I{tr}", "meta_n")
    heights[tr] = heights[gr] = 22
    heights[gr + 1] = 12  # gap before the notes

    notes_row = gr + 2
    for i, text in enumerate(_notes(points)):
        s.put(notes_row + i, 1, text, "note", 10, size=10)

    _validations(ws, body, cr)
    s.finish(heights)
    for i, w in enumerate(WIDTHS, 1):
        ws.column_dimensions[_col(i)].width = w
    last_row = notes_row + len(_notes(points)) - 1
    _print_setup(ws, last_row)
    keep = _kept_together(s.merges, goal_rows, cr, gr, notes_row, last_row)
    row_heights = {r: ws.row_dimensions[r].height or _DEFAULT_ROW_PT for r in range(1, last_row + 1)}
    _set_row_breaks(ws, page_breaks(row_heights, keep, last_row))
    wb.properties.creator = "pe-score"
    wb.properties.title = "部门整体支出绩效自评表"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    return wb


def _validations(ws, body: list[tuple[int, int]], cr: int) -> None:
    """Non-blocking drop-downs: other text (the seed's "—", labels with weights) stays allowed."""
    def dv(options, title, prompt, ranges):
        v = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                           showErrorMessage=False, showInputMessage=True, promptTitle=title, prompt=prompt)
        for rng in ranges:
            v.add(rng)
        ws.add_data_validation(v)

    if body:
        dv(LEVEL1, "一级指标", "选择一级指标；可在后面注明分值权重，如“产出指标（分值权重50%）”。",
           [f"A{a}:A{b}" for a, b in body])
        dv(LEVEL2, "二级指标", "选择二级指标。", [f"B{a}:B{b}" for a, b in body])
    dv(CONSTRAINT_CHOICES, "约束性指标（资金管理）",
       render("实际完成值写明是否存在问题：写明存在审计等部门重点披露的问题或造成重大不良社会影响的"
              "（未被“未发现”“无”等否定），{cap_clause}；", PROFILE) +
       "在右侧得分栏填负数（如 -3）表示酌情扣分，不扣分则留空。", [f"H{cr}"])
    ded = DataValidation(type="decimal", operator="lessThanOrEqual", formula1="0", allow_blank=True,
                         showErrorMessage=False, showInputMessage=True, promptTitle="酌情扣分",
                         prompt="填负数表示扣分（如 -3），不扣分则留空。")
    ded.add(f"I{cr}")
    ws.add_data_validation(ded)


# ---- printing ------------------------------------------------------------------------------
#
# Printed fit to the page width (so the columns fit whatever fonts the renderer has), with page
# breaks chosen here: left to itself a renderer can put the 评价等级 row alone on the last page.
# The breaks assume the largest scale a renderer may print at (Excel's column metric, 7 px per
# character of the default font); a renderer with wider fonts prints smaller and its pages are
# simply less full.

_MARGINS = dict(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.3, footer=0.3)  # inches
_A4_LANDSCAPE_PT = (842.0, 595.0)
_DEFAULT_ROW_PT = 15.0
_PAGE_FILL = 0.92  # share of a page the breaks fill: room for rounding in renderers' row heights


def _column_points(width: float) -> float:
    """Printed width at 100% of a column ``width`` characters wide (Excel: 7 px a character + 5 px, 96 dpi)."""
    return (width * 7 + 5) * 0.75


def print_scale() -> float:
    """The largest scale at which columns A..J fit the width of landscape A4 (fit to width)."""
    w = _A4_LANDSCAPE_PT[0] - 72 * (_MARGINS["left"] + _MARGINS["right"])
    return min(1.0, w / sum(_column_points(x) for x in WIDTHS))


def page_height_points() -> float:
    """Sheet points of rows one printed page holds at ``print_scale()``."""
    return (_A4_LANDSCAPE_PT[1] - 72 * (_MARGINS["top"] + _MARGINS["bottom"])) / print_scale()


def _kept_together(merges: list[str], goal_rows: list[int], cr: int, gr: int, notes_row: int,
                   last_row: int) -> tuple[set[int], set[int]]:
    """Rows a page may not start with: (never, preferably not). A break never comes right before a
    goal's first row (the title would be left alone), inside the 约束性指标/合计/评价等级 block or inside
    the 填表说明; preferably not inside a merged 一级指标 label."""
    never = {r + 1 for r in goal_rows}
    never |= set(range(cr + 1, gr + 1))
    never |= set(range(notes_row + 1, last_row + 1))
    rather_not: set[int] = set()
    for rng in merges:
        a, b = rng.split(":")
        first, last = int("".join(filter(str.isdigit, a))), int("".join(filter(str.isdigit, b)))
        rather_not |= set(range(first + 1, last + 1))
    return never, rather_not


def page_breaks(heights: dict[int, float], keep: tuple[set[int], set[int]], last_row: int,
                first_body_row: int = FIRST_GOAL_ROW, title_row: int = HEADER_ROW) -> list[int]:
    """Rows that start a new printed page, greedy: each page as full as it can be without starting
    on a row of ``keep[0]``, and without starting on one of ``keep[1]`` unless that would leave the
    page less than half full. Pages after the first repeat the header row ``title_row``."""
    never, rather_not = keep
    capacity = page_height_points() * _PAGE_FILL
    breaks: list[int] = []
    start, used, top = 1, 0.0, 0.0
    r = 1
    while r <= last_row:
        h = heights.get(r, _DEFAULT_ROW_PT)
        if used + h <= capacity or r == start:
            used += h
            r += 1
            continue

        def last_allowed(avoid: set[int]) -> int:
            b = r
            while b > start and (b in avoid or b < first_body_row):
                b -= 1
            return b

        b = last_allowed(never | rather_not)
        if b <= start or top + sum(heights.get(x, _DEFAULT_ROW_PT) for x in range(start, b)) < capacity / 2:
            b = last_allowed(never)
        if b <= start:  # nothing allowed: cut where the page is full
            b = r
        breaks.append(b)
        start, r = b, b
        used = top = heights.get(title_row, _DEFAULT_ROW_PT)
    return breaks


def _set_row_breaks(ws, starts: list[int]) -> None:
    from openpyxl.worksheet.pagebreak import Break, RowBreak

    ws.row_breaks = RowBreak()
    for row in starts:
        ws.row_breaks.append(Break(id=row - 1))  # a break after row id


def _print_setup(ws, last_row: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages as needed, broken where page_breaks says
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(**_MARGINS)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_area = f"A1:J{last_row}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.freeze_panes = f"A{HEADER_ROW + 1}"


def build_example() -> Workbook:
    from pe_score.example_data import EXAMPLE

    return build_form(EXAMPLE)


# ---- grids ---------------------------------------------------------------------------------


def grid_of(wb: Workbook, sheet: str = SHEET) -> Grid:
    """A Grid of an in-memory openpyxl sheet: formula cells hold None and their text in ``formulas``."""
    ws = wb[sheet]
    values: list[list[Any]] = []
    formulas: dict[tuple[int, int], str] = {}
    for r, cells in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column), 1):
        row = []
        for c, cell in enumerate(cells, 1):
            v = cell.value
            if cell.data_type == "f":
                formulas[(r, c)] = str(v)
                v = None
            row.append(v)
        values.append(row)
    merged = sorted((m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges)
    return Grid(name=ws.title, values=values, merged=merged, formulas=formulas)


def example_grid() -> Grid:
    return grid_of(build_example())


def blank_grid() -> Grid:
    return grid_of(build_form())


# ---- files ---------------------------------------------------------------------------------


def workbook_bytes(wb: Workbook) -> bytes:
    """Save without openpyxl's "modified = now" and with fixed zip timestamps (reproducible)."""
    wb.properties.created = wb.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def save_form(path, example: bool = False) -> Path:
    """Write the blank form (or the seed example) to ``path``; never overwrites (FileExistsError)."""
    path = Path(path)
    data = workbook_bytes(build_example() if example else build_form())
    try:
        with open(path, "xb") as fh:
            fh.write(data)
    except FileExistsError:
        raise FileExistsError(f"文件已存在，未覆盖：{path}") from None
    return path


def _style_key(cell) -> tuple:
    f, a, b = cell.font, cell.alignment, cell.border
    return (f.name, f.sz, bool(f.b), a.horizontal, a.vertical, bool(a.wrap_text),
            b.left.style, b.right.style, b.top.style, b.bottom.style,
            cell.fill.fill_type, cell.fill.fgColor.rgb if cell.fill.fill_type else None, cell.number_format)


def fingerprint(wb: Workbook) -> dict:
    """What the --check compares: cells, styles, merges, sizes, validations, comments, print setup."""
    out = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None or cell.has_style:
                    cells[cell.coordinate] = (cell.value, _style_key(cell),
                                              cell.comment.text if cell.comment else None)
        ps = ws.page_setup
        out[ws.title] = {
            "cells": cells,
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "widths": {k: v.width for k, v in sorted(ws.column_dimensions.items())},
            "heights": {k: v.height for k, v in sorted(ws.row_dimensions.items()) if v.height},
            "validations": sorted((str(v.sqref), v.type, v.formula1, v.promptTitle, v.prompt,
                                   bool(v.showErrorMessage)) for v in ws.data_validations.dataValidation),
            "print": (ps.orientation, str(ps.paperSize), str(ps.fitToWidth), str(ps.fitToHeight), str(ps.scale),
                      ws.sheet_properties.pageSetUpPr.fitToPage, ws.print_title_rows, str(ws.print_area),
                      ws.freeze_panes, ws.oddFooter.center.text, [b.id for b in ws.row_breaks.brk]),
        }
    return out


def outputs() -> dict[Path, bytes]:
    from pe_score import project_template  # the 财预〔2020〕10号 project form and its example

    out = {FORM_PATH: workbook_bytes(build_form()), EXAMPLE_PATH: workbook_bytes(build_example())}
    out.update({path: workbook_bytes(wb) for path, wb in project_template.outputs().items()})
    from pe_score import family_templates  # the other families' blank forms (and examples)

    out.update({path: workbook_bytes(wb) for path, wb in family_templates.outputs().items()})
    return out


def check(root: Path = REPO) -> list[str]:
    """Paths (relative) whose committed file differs in content from what the generator builds."""
    stale = []
    for rel, data in outputs().items():
        target = root / rel
        if not target.exists() or fingerprint(load_workbook(target)) != fingerprint(load_workbook(io.BytesIO(data))):
            stale.append(str(rel))
    return stale


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pe_score.templates", description="生成附件2-1模板和示例工作簿")
    ap.add_argument("--check", action="store_true", help="只检查已提交的文件是否与生成结果一致")
    args = ap.parse_args(argv)
    if args.check:
        stale = check()
        for rel in stale:
            print(f"与生成结果不一致：{rel}（请运行 python -m pe_score.templates）")
        return 1 if stale else 0
    for rel, data in outputs().items():
        target = REPO / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"已生成：{rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
