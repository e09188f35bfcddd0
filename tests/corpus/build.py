"""Generate the bad-input corpus: odd, broken and hostile workbooks, built by code (no binaries in git).

    python -m tests.corpus.build OUT_DIR      # writes the files and prints one line per file

Forms start from ``pe_score.templates.build_example()`` (the seed form) and are then mutated by
locating cells by their words, the way a user's own variants differ from the template.
Each entry says what the tool must do with it (``Entry.expect``):

- ``score``   a form is present: ``pe-score score`` gives a result (exit 0 or 1);
- ``notform`` a workbook without a usable form: exit 2 with a Chinese message;
- ``refuse``  ``workbook.safety.check_file`` refuses it (UnreadableFile) before any library expands it;
- ``any``     a result or exit 2 are both acceptable (ambiguous inputs), but never a crash.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import random
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from openpyxl import Workbook
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

MB = 1024 * 1024


@dataclass
class Entry:
    name: str  # file name inside the output folder
    what: str  # one line, English
    expect: str  # "score" | "notform" | "refuse" | "any"
    bomb: bool = False  # a zip/XML bomb: must be refused fast, before expansion
    heavy: bool = False  # large on purpose: the corpus run scores it without --write (openpyxl's full load is slow)


# ---- the base form and how to find its parts ------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _example_bytes() -> bytes:
    from pe_score.templates import build_example

    return _save(build_example())


def _example() -> Workbook:
    """A fresh copy of the seed form (built once, then reloaded: building it is the slow part)."""
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(_example_bytes()))


def _blank() -> Workbook:
    from pe_score.templates import build_form

    return build_form()


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class Layout:
    header: int  # the 一级指标/三级指标/分值 header row
    col: dict[str, int]  # header word -> column
    goals: list[int]  # goal title rows
    indicators: list[int]  # rows with a 三级指标 and a numeric 分值
    budget: Optional[int]  # the row holding 预算数 (A) / 执行数 (B) values
    constraint: Optional[int]
    total: Optional[int]
    grade: Optional[int]


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def locate(ws: Worksheet) -> Layout:
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows, 1) if "三级指标" in [_text(v) for v in r])
    col = {}
    for c, v in enumerate(rows[header - 1], 1):
        t = _text(v)
        for key in ("一级指标", "二级指标", "三级指标", "分值", "指标说明", "评分标准", "年初目标值", "实际完成值", "得分", "偏差原因"):
            if t.startswith(key):
                col[key] = c
    goals, inds = [], []
    total = grade = constraint = None
    for i in range(header + 1, len(rows) + 1):
        first = _text(rows[i - 1][0])
        if first.startswith("年度目标"):
            goals.append(i)
        elif first.startswith("约束性指标"):
            constraint = i
        elif first.replace(" ", "") in ("合计", "总分"):
            total = i
        elif first.startswith("评价等级"):
            grade = i
        elif total is None and _text(rows[i - 1][col["三级指标"] - 1]) and isinstance(rows[i - 1][col["分值"] - 1], (int, float)):
            inds.append(i)
    budget = next((i for i, r in enumerate(rows[:header], 1) if any(_text(v) == "部门整体支出总额" for v in r)), None)
    return Layout(header, col, goals, inds, budget, constraint, total, grade)


def _put(ws: Worksheet, row: int, col: int, value) -> None:
    """Write into (row, col), unmerging first when the cell sits inside a merged range."""
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            if (rng.min_row, rng.min_col) != (row, col):
                ws.unmerge_cells(str(rng))
            break
    ws.cell(row=row, column=col).value = value


def _delete_row_contents(ws: Worksheet, row: int) -> None:
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row <= row <= rng.max_row:
            ws.unmerge_cells(str(rng))
    for c in range(1, ws.max_column + 1):
        ws.cell(row=row, column=c).value = None


def _mutated(fn: Callable[[Worksheet, Layout], None]) -> bytes:
    wb = _example()
    ws = wb.worksheets[0]
    fn(ws, locate(ws))
    return _save(wb)


def copy_sheet(src: Worksheet, dst: Worksheet, row_off: int = 0, col_off: int = 0) -> None:
    """Values, translated formulas, merges and column widths of ``src`` into ``dst`` at an offset."""
    for row in src.iter_rows():
        for cell in row:
            v = cell.value
            if v is None or type(cell).__name__ == "MergedCell":
                continue
            dest = dst.cell(row=cell.row + row_off, column=cell.column + col_off)
            if isinstance(v, str) and v.startswith("="):
                v = Translator(v, origin=cell.coordinate).translate_formula(dest.coordinate)
            dest.value = v
    for rng in src.merged_cells.ranges:
        dst.merge_cells(
            start_row=rng.min_row + row_off, start_column=rng.min_col + col_off,
            end_row=rng.max_row + row_off, end_column=rng.max_col + col_off,
        )
    for letter, dim in src.column_dimensions.items():
        if dim.width:
            from openpyxl.utils import column_index_from_string

            dst.column_dimensions[get_column_letter(column_index_from_string(letter) + col_off)].width = dim.width


# ---- zip surgery ------------------------------------------------------------------------------


def _rezip(data: bytes, replace: dict[str, Optional[bytes]], add: Optional[dict[str, bytes]] = None) -> bytes:
    """Copy a zip, replacing (or dropping, value None) some members and adding others."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    dst.writestr(info.filename, replace[info.filename])
            else:
                dst.writestr(info.filename, src.read(info.filename))
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def _member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


def _patch_central(data: bytes, name: str, *, file_size: Optional[int] = None, flag_or: int = 0,
                   method: Optional[int] = None, crc: Optional[int] = None) -> bytes:
    """Rewrite zip header fields of ``name`` (declared size, flags, method, CRC), in both headers."""
    buf = bytearray(data)
    eocd = buf.rfind(b"PK\x05\x06")
    cd_size, cd_off = struct.unpack_from("<II", buf, eocd + 12)
    pos = cd_off
    while pos < cd_off + cd_size:
        (sig, _vm, _vn, flags, _cm, _t, _d, _crc, _cs, _us, fn_len, ex_len, cm_len) = struct.unpack_from(
            "<IHHHHHHIIIHHH", buf, pos
        )
        assert sig == 0x02014B50
        local = struct.unpack_from("<I", buf, pos + 42)[0]
        fname = bytes(buf[pos + 46 : pos + 46 + fn_len]).decode()
        if fname == name:
            struct.pack_into("<H", buf, pos + 8, flags | flag_or)
            struct.pack_into("<H", buf, local + 6, struct.unpack_from("<H", buf, local + 6)[0] | flag_or)
            if file_size is not None:
                struct.pack_into("<I", buf, pos + 24, file_size)
                struct.pack_into("<I", buf, local + 22, file_size)
            if method is not None:
                struct.pack_into("<H", buf, pos + 10, method)
                struct.pack_into("<H", buf, local + 8, method)
            if crc is not None:
                struct.pack_into("<I", buf, pos + 16, crc)
                struct.pack_into("<I", buf, local + 14, crc)
        pos += 46 + fn_len + ex_len + cm_len
    return bytes(buf)


_SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _with_shared_strings(data: bytes, sst: bytes) -> bytes:
    """Give the workbook a sharedStrings part (openpyxl here writes inline strings), wired up properly."""
    ct = _member(data, "[Content_Types].xml").decode()
    if "sharedStrings.xml" not in ct:
        ct = ct.replace("</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_CT}"/></Types>')
    rels = _member(data, "xl/_rels/workbook.xml.rels").decode()
    if "sharedStrings.xml" not in rels:
        rels = rels.replace("</Relationships>", f'<Relationship Id="rIdSst" Type="{_SST_REL}" Target="sharedStrings.xml"/></Relationships>')
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    replace = {"[Content_Types].xml": ct.encode(), "xl/_rels/workbook.xml.rels": rels.encode()}
    if "xl/sharedStrings.xml" in names:
        replace["xl/sharedStrings.xml"] = sst
        return _rezip(data, replace)
    return _rezip(data, replace, {"xl/sharedStrings.xml": sst})


_SST_OK = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           b"<si><t>\xe5\xa4\x87\xe6\xb3\xa8</t></si></sst>")


def _inject_rows(data: bytes, sheet: str, rows_xml: str) -> bytes:
    """Append raw <row> elements to a worksheet part (fast: no openpyxl round trip)."""
    xml = _member(data, sheet).decode("utf-8")
    xml = re.sub(r"<dimension [^>]*/>", "", xml)
    if "</sheetData>" in xml:
        xml = xml.replace("</sheetData>", rows_xml + "</sheetData>", 1)
    else:
        xml = xml.replace("<sheetData/>", "<sheetData>" + rows_xml + "</sheetData>", 1)
    return _rezip(data, {sheet: xml.encode("utf-8")})


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _noise_rows(first: int, count: int, cols: int, rng: random.Random) -> str:
    words = ["噪声", "合计", "得分", "年度目标", "分值", "备注", "—", "x"]
    parts = []
    for r in range(first, first + count):
        cells = []
        for c in range(1, cols + 1):
            ref = f"{get_column_letter(c)}{r}"
            if (r + c) % 3:
                cells.append(f'<c r="{ref}"><v>{rng.randint(-10**6, 10**6) / 7:.4f}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_esc(rng.choice(words))}{r}</t></is></c>')
        parts.append(f'<row r="{r}">{"".join(cells)}</row>')
    return "".join(parts)


# ---- the entries ------------------------------------------------------------------------------

ENTRIES: list[tuple[Entry, Callable[[], bytes]]] = []


def entry(name: str, what: str, expect: str, bomb: bool = False, heavy: bool = False):
    def deco(fn: Callable[[], bytes]):
        ENTRIES.append((Entry(name, what, expect, bomb, heavy), fn))
        return fn

    return deco


@entry("example.xlsx", "the seed form as the template builds it", "score")
def _e_example() -> bytes:
    return _example_bytes()


@entry("template_blank.xlsx", "the blank template: a form with nothing filled in", "any")
def _e_blank() -> bytes:
    return _save(_blank())


@entry("empty_workbook.xlsx", "one empty sheet", "notform")
def _e_empty() -> bytes:
    return _save(Workbook())


@entry("no_table.xlsx", "a payroll-like table, no 附件2-1", "notform")
def _e_no_table() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "部门", "基本工资", "绩效工资", "合计"])
    for i in range(30):
        ws.append([f"员工{i}", "办公室", 3000 + i, 1000, 4000 + i])
    return _save(wb)


@entry("header_only.xlsx", "title, budget block and indicator header, no goals", "any")
def _e_header_only() -> bytes:
    def cut(ws, lay):
        for r in range(lay.header + 1, ws.max_row + 1):
            _delete_row_contents(ws, r)
    return _mutated(cut)


@entry("title_only.xlsx", "only the title rows 附件2-1 / 部门整体支出绩效自评表", "notform")
def _e_title_only() -> bytes:
    def cut(ws, lay):
        for r in range(4, ws.max_row + 1):
            _delete_row_contents(ws, r)
    return _mutated(cut)


@entry("two_forms_one_sheet.xlsx", "two forms stacked in one sheet", "any")
def _e_two_stacked() -> bytes:
    src = _example().worksheets[0]
    wb = Workbook()
    ws = wb.active
    ws.title = "附件2-1"
    copy_sheet(src, ws)
    copy_sheet(src, ws, row_off=src.max_row + 5)
    return _save(wb)


@entry("two_forms_side_by_side.xlsx", "two forms side by side (A:J and M:V)", "any")
def _e_two_side() -> bytes:
    src = _example().worksheets[0]
    wb = Workbook()
    ws = wb.active
    copy_sheet(src, ws)
    copy_sheet(src, ws, col_off=12)
    return _save(wb)


@entry("two_forms_two_sheets.xlsx", "the form on two sheets", "score")
def _e_two_sheets() -> bytes:
    src = _example().worksheets[0]
    wb = Workbook()
    copy_sheet(src, wb.active)
    wb.active.title = "附件2-1"
    copy_sheet(src, wb.create_sheet("附件2-1 (2)"))
    return _save(wb)


@entry("form_third_sheet.xlsx", "notes and data sheets first, the form on the third sheet", "score")
def _e_third() -> bytes:
    src = _example().worksheets[0]
    wb = Workbook()
    wb.active.title = "填表说明"
    wb.active["A1"] = "请按要求填写附件2-1，合计得分由公式计算。"
    data = wb.create_sheet("基础数据")
    for i in range(20):
        data.append([i, f"项目{i}", i * 1.5])
    copy_sheet(src, wb.create_sheet("自评表"))
    return _save(wb)


@entry("form_offset.xlsx", "the form starts at C6 instead of A1", "score")
def _e_offset() -> bytes:
    src = _example().worksheets[0]
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "报送材料之三"
    copy_sheet(src, ws, row_off=5, col_off=2)
    return _save(wb)


@entry("hidden_rows_cols.xlsx", "some indicator rows and the 指标说明 column hidden", "score")
def _e_hidden() -> bytes:
    def hide(ws, lay):
        for r in lay.indicators[::4]:
            ws.row_dimensions[r].hidden = True
        ws.column_dimensions[get_column_letter(lay.col["指标说明"])].hidden = True
    return _mutated(hide)


@entry("merged_everywhere.xlsx", "指标说明:评分标准 merged on every row, blank areas merged", "score")
def _e_merged() -> bytes:
    def merge(ws, lay):
        c = lay.col["指标说明"]
        for r in lay.indicators:
            ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + 1)
        ws.merge_cells("L1:P40")
        ws.merge_cells(start_row=ws.max_row + 2, start_column=1, end_row=ws.max_row + 6, end_column=10)
    return _mutated(merge)


@entry("error_values.xlsx", "#DIV/0!, #N/A, #REF! as cell values in 分值/实际完成值/得分/预算", "score")
def _e_errors() -> bytes:
    def err(ws, lay):
        codes = ["#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?"]
        for i, r in enumerate(lay.indicators[:10]):
            key = ("实际完成值", "得分", "分值")[i % 3]
            _put(ws, r, lay.col[key], codes[i % len(codes)])
        if lay.budget:
            _put(ws, lay.budget, 6, "#DIV/0!")
    return _mutated(err)


@entry("error_formulas.xlsx", "formulas that evaluate to errors (=1/0, =NA(), =#REF!), no cached values", "score")
def _e_err_formulas() -> bytes:
    def f(ws, lay):
        formulas = ["=1/0", "=NA()", "=#REF!+1", '=VLOOKUP("x",Z1:Z2,2,FALSE)', "=SUM(1:1048576)"]
        for i, r in enumerate(lay.indicators[:10]):
            _put(ws, r, lay.col["得分" if i % 2 else "实际完成值"], formulas[i % len(formulas)])
    return _mutated(f)


@entry("dates_booleans.xlsx", "dates and booleans where numbers belong", "score")
def _e_dates() -> bytes:
    def f(ws, lay):
        for i, r in enumerate(lay.indicators[:12]):
            key = ("分值", "实际完成值", "得分", "年初目标值")[i % 4]
            _put(ws, r, lay.col[key], dt.datetime(2021, 12, 31) if i % 2 else (i % 3 == 0))
        if lay.budget:
            _put(ws, lay.budget, 5, dt.date(2021, 1, 1))
            _put(ws, lay.budget, 6, True)
    return _mutated(f)


def _weights(value_of: Callable[[object], object]) -> Callable[[], bytes]:
    def build() -> bytes:
        def f(ws, lay):
            for r in lay.indicators:
                c = lay.col["分值"]
                _put(ws, r, c, value_of(ws.cell(row=r, column=c).value))
        return _mutated(f)
    return build


entry("weights_text.xlsx", "分值 typed as text: 2分", "score")(_weights(lambda v: f"{v}分"))
entry("weights_fullwidth.xlsx", "分值 in full-width digits: ２分", "score")(
    _weights(lambda v: str(v).translate(str.maketrans("0123456789.", "０１２３４５６７８９．")) + "分"))
entry("weights_negative.xlsx", "negative 分值", "score")(_weights(lambda v: -v))
entry("weights_zero.xlsx", "分值 all zero", "score")(_weights(lambda v: 0))
entry("weights_missing.xlsx", "分值 cells empty", "any")(_weights(lambda v: None))
entry("weights_dash.xlsx", "分值 cells '—'", "any")(_weights(lambda v: "—"))
entry("weights_huge.xlsx", "分值 1e9 and 1e308", "score")(_weights(lambda v: 1e308 if v == 1 else 1e9))


@entry("goal_points_missing.xlsx", "goal titles without （18分）", "score")
def _e_goal_points() -> bytes:
    def f(ws, lay):
        for r in lay.goals:
            ws.cell(row=r, column=1).value = re.sub(r"[（(]\s*\d+(\.\d+)?\s*分\s*[）)]", "", _text(ws.cell(row=r, column=1).value))
    return _mutated(f)


@entry("goal_no_indicators.xlsx", "one goal whose indicator rows are blank", "score")
def _e_goal_empty() -> bytes:
    def f(ws, lay):
        first, second = lay.goals[0], lay.goals[1]
        for r in range(first + 1, second):
            _delete_row_contents(ws, r)
    return _mutated(f)


@entry("total_row_missing.xlsx", "no 合计 row", "score")
def _e_no_total() -> bytes:
    return _mutated(lambda ws, lay: _delete_row_contents(ws, lay.total))


@entry("grade_row_missing.xlsx", "no 评价等级 row", "score")
def _e_no_grade() -> bytes:
    return _mutated(lambda ws, lay: _delete_row_contents(ws, lay.grade))


@entry("constraint_missing.xlsx", "no 约束性指标 row", "score")
def _e_no_constraint() -> bytes:
    return _mutated(lambda ws, lay: _delete_row_contents(ws, lay.constraint))


@entry("constraint_triggered.xlsx", "约束性指标 says 存在审计等部门重点披露的问题 (60-point cap)", "score")
def _e_cap() -> bytes:
    def f(ws, lay):
        _put(ws, lay.constraint, lay.col["实际完成值"], "存在审计等部门重点披露的问题")
        _put(ws, lay.constraint, lay.col["得分"], -5)
    return _mutated(f)


@entry("budget_zero.xlsx", "预算数 0 (division by zero)", "score")
def _e_budget_zero() -> bytes:
    return _mutated(lambda ws, lay: _put(ws, lay.budget, 5, 0))


@entry("budget_text.xlsx", "预算数 and 执行数 as text: 约1万元 / —", "score")
def _e_budget_text() -> bytes:
    def f(ws, lay):
        _put(ws, lay.budget, 5, "约1万元")
        _put(ws, lay.budget, 6, "—")
    return _mutated(f)


@entry("numbers_extreme.xlsx", "1e308, -1e308, 1e-300 in targets, actuals, scores, budget", "score")
def _e_extreme() -> bytes:
    def f(ws, lay):
        vals = [1e308, -1e308, 1e-300, -0.0, 10**20]
        for i, r in enumerate(lay.indicators):
            key = ("年初目标值", "实际完成值", "得分")[i % 3]
            _put(ws, r, lay.col[key], vals[i % len(vals)])
        _put(ws, lay.budget, 5, 1e-300)
        _put(ws, lay.budget, 6, 1e308)
    return _mutated(f)


@entry("scores_as_text.xlsx", "得分 typed as 2分 / 满分 / - / blank", "score")
def _e_scores_text() -> bytes:
    def f(ws, lay):
        for i, r in enumerate(lay.indicators):
            _put(ws, r, lay.col["得分"], ("2分", "满分", "-", None, " 1.5 ")[i % 5])
    return _mutated(f)


@entry("targets_blank.xlsx", "年初目标值 and 实际完成值 all blank", "score")
def _e_blank_values() -> bytes:
    def f(ws, lay):
        for r in lay.indicators:
            _put(ws, r, lay.col["年初目标值"], None)
            _put(ws, r, lay.col["实际完成值"], None)
    return _mutated(f)


@entry("unicode_odd.xlsx", "zero-width spaces, emoji, line breaks, RTL marks, control-like text", "score")
def _e_unicode() -> bytes:
    def f(ws, lay):
        odd = ["\u200b4.97\u200b万人", "完成✅🎉", "3.5\n万人", "\u202e人万5.3", "=1+1", "@SUM(A1)", "<b>&amp;</b>"]
        for i, r in enumerate(lay.indicators):
            _put(ws, r, lay.col["实际完成值" if i % 2 else "年初目标值"], odd[i % len(odd)])
        ws.cell(row=lay.goals[0], column=1).value = "年度目标1：\u3000积极促进就业创业工作。\n（18分）"
    return _mutated(f)


@entry("long_text_cells.xlsx", "32,000-character texts in 指标说明 and 实际完成值", "score")
def _e_long() -> bytes:
    def f(ws, lay):
        for r in lay.indicators[:5]:
            _put(ws, r, lay.col["指标说明"], "很长的说明" * 6400)
            _put(ws, r, lay.col["实际完成值"], "1" * 32000)
    return _mutated(f)


@entry("sheet_name_odd.xlsx", "sheet named with quotes, brackets-like and spaces", "score")
def _e_sheetname() -> bytes:
    wb = _example()
    wb.worksheets[0].title = "附件2-1（终稿）'s 表 (2)"
    return _save(wb)


@entry("rich_text_title.xlsx", "rich text (several fonts) in the title and a goal title", "score")
def _e_rich() -> bytes:
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    def f(ws, lay):
        r = lay.goals[0]
        ws.cell(row=r, column=1).value = CellRichText(
            [TextBlock(InlineFont(b=True), "年度目标1："), "积极促进就业创业工作。", TextBlock(InlineFont(color="FF0000"), "（18分）")]
        )
    wb = _example()
    ws = wb.worksheets[0]
    f(ws, locate(ws))
    return _save(wb)


@entry("protected_sheet.xlsx", "sheet protection with a password", "score")
def _e_protected() -> bytes:
    wb = _example()
    ws = wb.worksheets[0]
    ws.protection.sheet = True
    ws.protection.password = "123456"
    return _save(wb)


@entry("protected_workbook.xlsx", "workbook structure locked", "score")
def _e_protected_wb() -> bytes:
    from openpyxl.workbook.protection import WorkbookProtection

    wb = _example()
    wb.security = WorkbookProtection(workbookPassword="123456", lockStructure=True)
    return _save(wb)


@entry("many_sheets_80.xlsx", "80 sheets, the form on the third", "score")
def _e_many_sheets() -> bytes:
    src = _example().worksheets[0]
    wb = Workbook()
    wb.active.title = "封面"
    wb.create_sheet("目录")
    copy_sheet(src, wb.create_sheet("附件2-1"))
    for i in range(77):
        wb.create_sheet(f"附表{i}")["A1"] = i
    return _save(wb)


@entry("noise_50000_rows.xlsx", "the form, then 50,000 rows x 8 columns of noise", "score", heavy=True)
def _e_noise() -> bytes:
    data = _example_bytes()
    rng = random.Random(50000)
    return _inject_rows(data, "xl/worksheets/sheet1.xml", _noise_rows(200, 50_000, 8, rng))


@entry("noise_wide_300_cols.xlsx", "the form, then 200 rows x 300 columns of noise", "score", heavy=True)
def _e_wide() -> bytes:
    data = _example_bytes()
    rng = random.Random(300)
    return _inject_rows(data, "xl/worksheets/sheet1.xml", _noise_rows(200, 200, 300, rng))


@entry("shuffled_header.xlsx", "header words changed: 目标值 / 完成值 / 分值(分)", "any")
def _e_header_words() -> bytes:
    def f(ws, lay):
        ws.cell(row=lay.header, column=lay.col["年初目标值"]).value = "目标值"
        ws.cell(row=lay.header, column=lay.col["实际完成值"]).value = "完成值"
        ws.cell(row=lay.header, column=lay.col["分值"]).value = "分值(分)"
    return _mutated(f)


@entry("duplicate_header.xlsx", "the indicator header row repeated inside a goal", "any")
def _e_dup_header() -> bytes:
    def f(ws, lay):
        r = lay.indicators[3]
        for c in range(1, 11):
            _put(ws, r, c, ws.cell(row=lay.header, column=c).value)
    return _mutated(f)


@entry("xlsm_fake_vba.xlsm", "macro-enabled workbook with a (fake) vbaProject.bin part", "score")
def _e_xlsm() -> bytes:
    data = _example_bytes()
    ct = _member(data, "[Content_Types].xml").decode()
    ct = ct.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace("<Default ", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1)
    return _rezip(data, {"[Content_Types].xml": ct.encode()}, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(508)})


@entry("legacy.xls", "the form as a BIFF8 .xls (xlwt), merges kept", "any")
def _e_xls() -> bytes:
    import xlwt

    src = _example().worksheets[0]
    book = xlwt.Workbook(encoding="utf-8")
    sh = book.add_sheet("附件2-1")
    anchors = {(m.min_row, m.min_col): m for m in src.merged_cells.ranges}
    covered = {(r, c) for m in src.merged_cells.ranges for r in range(m.min_row, m.max_row + 1)
               for c in range(m.min_col, m.max_col + 1)}
    for row in src.iter_rows():
        for cell in row:
            v = cell.value
            if isinstance(v, str) and v.startswith("="):
                v = None  # xlwt formulas differ; the cached value is what matters here
            key = (cell.row, cell.column)
            if key in anchors:
                m = anchors[key]
                sh.write_merge(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1, v)
            elif key not in covered and v is not None:
                sh.write(cell.row - 1, cell.column - 1, v)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@entry("xls_encrypted.xls", "a BIFF8 .xls whose globals carry a FILEPASS (open password) record", "refuse")
def _e_xls_encrypted() -> bytes:
    data = bytearray(_e_xls())
    bof = data.find(b"\x09\x08\x10\x00\x00\x06\x05\x00")  # BIFF8 BOF of the workbook globals
    assert bof >= 0
    nxt = bof + 4 + 16  # the record after BOF is where Excel puts FILEPASS
    struct.pack_into("<H", data, nxt, 0x002F)
    return bytes(data)


def _form_text(sep: str) -> str:
    src = _example().worksheets[0]
    lines = []
    for row in src.iter_rows(values_only=True):
        lines.append(sep.join("" if v is None else str(v).replace(sep, " ").replace("\n", " ") for v in row))
    return "\n".join(lines) + "\n"


@entry("csv_renamed.xlsx", "the form saved as CSV (UTF-8) and renamed .xlsx", "refuse")
def _e_csv() -> bytes:
    return _form_text(",").encode("utf-8")


@entry("tsv_gbk_renamed.xlsx", "the form as GBK tab-separated text renamed .xlsx", "refuse")
def _e_tsv() -> bytes:
    return _form_text("\t").encode("gb18030")


@entry("html_renamed.xls", "an HTML table saved as .xls (a common system export)", "refuse")
def _e_html() -> bytes:
    return ("<html><head><meta charset='utf-8'></head><body><table><tr><td>附件2-1</td></tr>"
            "<tr><td>部门整体支出绩效自评表</td></tr></table></body></html>").encode()


@entry("pdf_renamed.xlsx", "a PDF renamed .xlsx", "refuse")
def _e_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@entry("empty_file.xlsx", "0 bytes", "refuse")
def _e_zero() -> bytes:
    return b""


@entry("random_bytes.xlsx", "64 KiB of random bytes", "refuse")
def _e_random() -> bytes:
    return random.Random(64).randbytes(64 * 1024)


@entry("random_after_zip_magic.xlsx", "PK\\x03\\x04 followed by random bytes", "refuse")
def _e_random_pk() -> bytes:
    return b"PK\x03\x04" + random.Random(4).randbytes(8 * 1024)


@entry("truncated.xlsx", "the example cut in half (download interrupted)", "refuse")
def _e_truncated() -> bytes:
    data = _example_bytes()
    return data[: len(data) // 2]


@entry("crc_corrupt.xlsx", "one byte of the compressed sheet flipped", "refuse")
def _e_crc() -> bytes:
    data = bytearray(_example_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    return bytes(data)


@entry("broken_xml_sheet.xlsx", "the sheet XML cut off mid-element", "refuse")
def _e_broken_xml() -> bytes:
    data = _example_bytes()
    sheet = _member(data, "xl/worksheets/sheet1.xml")
    cut = sheet.index(b"<row", len(sheet) // 2) + 3  # inside a <row> tag, past the middle
    return _rezip(data, {"xl/worksheets/sheet1.xml": sheet[:cut]})


@entry("zip_no_workbook.xlsx", "a zip with [Content_Types].xml and styles but no workbook part", "refuse")
def _e_no_wb() -> bytes:
    data = _example_bytes()
    return _rezip(data, {"xl/workbook.xml": None})


@entry("plain_zip_renamed.xlsx", "an ordinary zip archive of text files renamed .xlsx", "refuse")
def _e_plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("说明.txt", "附件2-1 见压缩包")
        z.writestr("data/表.csv", _form_text(","))
    return out.getvalue()


@entry("docx_renamed.xlsx", "a Word document renamed .xlsx", "refuse")
def _e_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="x"/>')
    return out.getvalue()


@entry("ods_renamed.xlsx", "an OpenDocument spreadsheet renamed .xlsx", "refuse")
def _e_ods() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", '<?xml version="1.0"?><office:document-content xmlns:office="x"/>')
    return out.getvalue()


def _ods(rows: list[list]) -> bytes:
    """A minimal OpenDocument spreadsheet (mimetype first and stored, manifest, content)."""
    def cell(v) -> str:
        if v is None:
            return "<table:table-cell/>"
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{_esc(str(v))}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="附件2-1">'
        + body + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return out.getvalue()


def _form_values() -> list[list]:
    ws = _example().worksheets[0]
    return [[None if isinstance(v, str) and v.startswith("=") else v for v in row] for row in ws.iter_rows(values_only=True)]


@entry("form.ods", "the form (values, no merges) as an OpenDocument spreadsheet", "score")
def _e_ods_form() -> bytes:
    return _ods(_form_values())


@entry("xls_renamed.xlsx", "a real .xls renamed .xlsx", "refuse")
def _e_xls_renamed() -> bytes:
    return _e_xls()


@entry("xlsx_renamed.xls", "a real .xlsx renamed .xls", "refuse")
def _e_xlsx_renamed() -> bytes:
    return _example_bytes()


@entry("xlsb_renamed.xlsx", "a binary .xlsb workbook renamed .xlsx", "refuse")
def _e_xlsb() -> bytes:
    data = _example_bytes()
    rels = _member(data, "_rels/.rels").decode().replace("xl/workbook.xml", "xl/workbook.bin")
    return _rezip(data, {"_rels/.rels": rels.encode(), "xl/workbook.xml": None}, {"xl/workbook.bin": b"\x83\x01\x00"})


@entry("zip_encrypted_member.xlsx", "a zip member flagged as encrypted (ZipCrypto)", "refuse")
def _e_zip_enc() -> bytes:
    return _patch_central(_example_bytes(), "xl/worksheets/sheet1.xml", flag_or=0x1)


@entry("encrypted.xlsx", "the example protected with an open password (msoffcrypto-tool)", "refuse")
def _e_encrypted() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(_example_bytes())).encrypt("123456", out)
    return out.getvalue()


@entry("xml_bomb_sharedstrings.xlsx", "billion-laughs entity expansion in sharedStrings.xml", "refuse", bomb=True)
def _e_xml_bomb() -> bytes:
    ents = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    ents += [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)]
    sst = ('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE sst [' + "".join(ents) + "]>"
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           "<si><t>&lol9;</t></si></sst>")
    return _with_shared_strings(_example_bytes(), sst.encode())


@entry("xxe_external_entity.xlsx", "an external entity (file:///etc/passwd) in the sheet XML", "refuse", bomb=True)
def _e_xxe() -> bytes:
    data = _example_bytes()
    sheet = _member(data, "xl/worksheets/sheet1.xml").decode()
    sheet = re.sub(r"^<\?xml[^>]*\?>", "", sheet)
    sheet = '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + sheet
    sheet = sheet.replace("<sheetData>", '<sheetData><row r="1000"><c r="A1000" t="inlineStr"><is><t>&xxe;</t></is></c></row>', 1)
    return _rezip(data, {"xl/worksheets/sheet1.xml": sheet.encode()})


@entry("dtd_in_workbook.xlsx", "a DOCTYPE in xl/workbook.xml", "refuse", bomb=True)
def _e_dtd() -> bytes:
    data = _example_bytes()
    wbx = _member(data, "xl/workbook.xml").decode()
    wbx = re.sub(r"^<\?xml[^>]*\?>", "", wbx)
    return _rezip(data, {"xl/workbook.xml": ('<?xml version="1.0"?><!DOCTYPE workbook>' + wbx).encode()})


@entry("zip_bomb_declared.xlsx", "tiny file whose sheet declares a 4 GB uncompressed size", "refuse", bomb=True)
def _e_zip_declared() -> bytes:
    return _patch_central(_example_bytes(), "xl/worksheets/sheet1.xml", file_size=0xFFFFFFF0)


@functools.lru_cache(maxsize=4)
def _real_bomb(size: int, part: str) -> bytes:
    """A valid workbook whose ``part`` really inflates to ``size`` bytes: the XML with megabytes of
    whitespace before its closing root tag.

    Built without compressing ``size`` bytes: one MiB of spaces is deflated with a full flush (so each
    repetition compresses to the same bytes), the block is repeated, and the member is stored raw and
    then relabelled as deflated with the true size and CRC.
    """
    data = _example_bytes()
    if part == "xl/sharedStrings.xml":
        data = _with_shared_strings(data, _SST_OK)
    head = _member(data, part)
    close = head.rindex(b"</")
    chunks = size // MB
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(head[:close]) + comp.flush(zlib.Z_FULL_FLUSH)
    pad = b" " * MB
    block = comp.compress(pad) + comp.flush(zlib.Z_FULL_FLUSH)
    last = comp.compress(head[close:]) + comp.flush(zlib.Z_FINISH)
    raw = first + block * chunks + last
    crc = zlib.crc32(head[:close])
    for _ in range(chunks):
        crc = zlib.crc32(pad, crc)
    crc = zlib.crc32(head[close:], crc)
    true_size = len(head) + chunks * MB
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == part:
                dst.writestr(zipfile.ZipInfo(part, date_time=(2021, 1, 1, 0, 0, 0)), raw, compress_type=zipfile.ZIP_STORED)
            else:
                dst.writestr(info.filename, src.read(info.filename))
    return _patch_central(out.getvalue(), part, file_size=true_size, method=zipfile.ZIP_DEFLATED, crc=crc & 0xFFFFFFFF)


@entry("zip_bomb_real.xlsx", "sheet part really expands to 210 MB (honest headers)", "refuse", bomb=True)
def _e_zip_real() -> bytes:
    return _real_bomb(210 * MB, "xl/worksheets/sheet1.xml")


@entry("zip_bomb_ratio.xlsx", "sharedStrings expands 1000:1 to 64 MB", "refuse", bomb=True)
def _e_zip_ratio() -> bytes:
    return _real_bomb(64 * MB, "xl/sharedStrings.xml")


@entry("zip_bomb_understated.xlsx", "sheet part expands to 210 MB but declares 40 KB", "refuse", bomb=True)
def _e_zip_understated() -> bytes:
    return _patch_central(_real_bomb(210 * MB, "xl/worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml", file_size=40_000)


@entry("cell_bomb_far_corner.xlsx", "a 5 KB sheet with cells at A1 and XFD1048576 (17 billion cells spanned)", "refuse", bomb=True)
def _e_cell_bomb() -> bytes:
    wb = Workbook()
    wb.active["A1"] = "附件2-1"
    wb.active["XFD1048576"] = 1
    return _save(wb)


@entry("stray_cell_far_away.xlsx", "the form plus a stray value at ZZ1048576", "refuse", bomb=True)
def _e_stray_far() -> bytes:
    wb = _example()
    wb.worksheets[0]["ZZ1048576"] = "x"
    return _save(wb)


@entry("stray_cell_row_200000.xlsx", "the form plus a stray value at A200000 (read, but only the first rows)", "score")
def _e_stray_near() -> bytes:
    wb = _example()
    wb.worksheets[0]["A200000"] = "备注"
    return _save(wb)


@entry("zip_many_members.xlsx", "20,000 zip members", "refuse", bomb=True)
def _e_many_members() -> bytes:
    data = _example_bytes()
    return _rezip(data, {}, {f"xl/media/x{i}.bin": b"" for i in range(20_000)})


@entry("oversize_51mb.xlsx", "a 51 MB file (a stored 51 MB media part)", "refuse")
def _e_oversize() -> bytes:
    data = _example_bytes()
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as z:
        z.writestr("xl/media/image1.bin", random.Random(51).randbytes(51 * MB))
    return out.getvalue()


# ---- driver -----------------------------------------------------------------------------------


def build(out_dir: str | Path, only: Optional[set[str]] = None) -> list[tuple[Entry, Path]]:
    """Write every corpus file into ``out_dir``; return (entry, path) pairs in a stable order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = []
    for e, make in ENTRIES:
        if only is not None and e.name not in only:
            continue
        path = out / e.name
        path.write_bytes(make())
        done.append((e, path))
    return done


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tests.corpus.build OUT_DIR", file=sys.stderr)
        return 2
    for e, path in build(args[0]):
        print(f"{e.expect:8} {path.stat().st_size:>10}  {e.name}  — {e.what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
