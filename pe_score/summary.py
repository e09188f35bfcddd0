"""The summary workbook of a batch review (``pe-score check --summary OUT.xlsx``).

Written with openpyxl in write-only mode so thousands of forms stream through in constant memory:
rows go to the sheets as results arrive; tables, conditional formats and charts are attached at the
end (openpyxl writes them after the rows). The file appears atomically (temp file + os.replace).

The 问题清单 rows (tens of thousands: most of the cost) bypass openpyxl's per-cell XML serialiser:
they are plain text cells, formatted here as worksheet XML into a temp file as they arrive and spliced
into that sheet's part when the workbook is saved (``_splice``). The cells are the ones openpyxl
writes (inline strings, same escaping and xml:space rule); a text Excel cannot hold (control
characters) loses those characters instead of failing the whole summary.

Sheets (names are part of the interface, see docs/batch.md):
- 汇总: one row per form, plus one row per file that could not be read (with the reason);
- 问题清单: one row per finding;
- 图表: grade distribution, and 复核得分 − 自评得分 per form, sorted, each bar labelled by unit and file
  (labels unique), so a −0.29 difference is as visible as a −20 one (native Excel charts).

Text stays text: every string from a form or a file name is written through ``workbook.text`` (a
unit name starting with ``=`` is not a formula; control characters and undecodable file-name bytes
cannot make the workbook unsavable).
"""
from __future__ import annotations

import heapq
import math
import os
import posixpath
import re
import shutil
import tempfile
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill

from workbook.text import clean_text, set_text
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

SUMMARY_SHEET = "汇总"
ISSUES_SHEET = "问题清单"
CHARTS_SHEET = "图表"

SUMMARY_HEADERS = [
    "文件", "工作表", "单位", "年度", "自评得分(填报)", "复核得分", "差异", "等级",
    "触发60分上限", "错误数", "警告数", "无法读取原因",
]
SUMMARY_WIDTHS = [46, 12, 28, 7, 14, 10, 9, 6, 13, 8, 8, 50]
ISSUE_HEADERS = ["文件", "工作表", "单元格", "代码", "级别", "说明"]
ISSUE_WIDTHS = [44, 16, 8, 8, 7, 90]

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
UNREADABLE_LABEL = "无法读取"

# Above this many forms the per-unit chart shows the largest differences only: a bar chart with
# thousands of categories tells a reviewer nothing.
CHART_UNITS = 30

DIFF_LABEL_HEADER = "表（单位｜文件）"
LABEL_CHARS = 60  # a chart label longer than this is cut in the middle

SCORE_FORMAT = "0.00"
DIFF_FORMAT = "+0.00;-0.00;0.00"

_RED_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
_ORANGE_FILL = PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C")
_GREY_FILL = PatternFill("solid", start_color="E7E6E6", end_color="E7E6E6")
_RED_FONT = Font(color="9C0006", bold=True)
_TITLE_FONT = Font(bold=True, size=13)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_MID = Alignment(vertical="center")
_WRAP_MID = Alignment(vertical="center", wrap_text=True)
_CENTER = Alignment(vertical="center", horizontal="center")
_HEAD_ALIGN = Alignment(vertical="center", horizontal="center", wrap_text=True)
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", start_color="4472C4", end_color="4472C4")



@dataclass
class FormRow:
    """One scored form, as the summary and the end-of-run table need it."""

    file: str
    sheet: str
    unit: str = ""
    year: Optional[int] = None
    claimed: Optional[float] = None
    total: Optional[float] = None
    grade: str = ""
    capped: bool = False
    errors: int = 0
    warnings: int = 0
    issues: list[dict] = field(default_factory=list)  # {"code","severity","cell","message"}
    # The engine's verdict (its PE603/PE604 findings), not a second comparison made here.
    differs: bool = False
    profile: str = ""  # the scoring profile used (chosen from the form's layout unless --profile was given)

    @property
    def difference(self) -> Optional[float]:
        if self.claimed is None or self.total is None:
            return None
        return round(self.total - self.claimed, 2)


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text needs in a column ``width`` characters wide (CJK counts double)."""
    units = sum(1.6 if ord(ch) > 0x2E80 else 1.0 for ch in text)
    return max(1, math.ceil(units / width))


def _cell(ws, value, number_format: Optional[str] = None, alignment=None, font=None, fill=None):
    c = WriteOnlyCell(ws)
    if isinstance(value, str):
        set_text(c, value)  # text stays text, whatever it starts with
    else:
        c.value = value
    if fill is not None:
        c.fill = fill
    if number_format:
        c.number_format = number_format
    if alignment is not None:
        c.alignment = alignment
    if font is not None:
        c.font = font
    return c


def _table(name: str, ref: str, headers: list[str]) -> Table:
    # Write-only sheets cannot be read back, so the columns and the filter are declared by hand.
    table = Table(displayName=name, ref=ref, autoFilter=AutoFilter(ref=ref))
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, 1)]
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    return table


def _add_table(ws, table: Table) -> None:
    with warnings.catch_warnings():
        # openpyxl warns that write-only tables need their columns set by hand: _table does that.
        warnings.filterwarnings("ignore", message="In write-only mode")
        ws.add_table(table)


_MAX_TEXT = 32767  # Excel's limit for one cell; openpyxl truncates to it too


def _text_cell(ref: str, value) -> str:
    """One text cell as openpyxl's writer emits it (``<c t="inlineStr">``, escaped, xml:space rule)."""
    return _cell_xml(ref, _inline(value))


def _cell_xml(ref: str, inline: str) -> str:
    return f'<c r="{ref}" t="inlineStr">{inline}</c>' if inline else f'<c r="{ref}" t="inlineStr" />'


@lru_cache(maxsize=4096)
def _inline_short(value: str) -> str:  # codes, severities, cell addresses, file and sheet names repeat
    return _inline(value)


def _inline(value) -> str:
    """The inside of a text cell: ``<is><t>…</t></is>`` with the text escaped, "" for no text."""
    text = clean_text(value, _MAX_TEXT)
    if not text:
        return ""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    stripped = text.strip()
    space = ' xml:space="preserve"' if stripped and stripped != text else ""
    return f'<is><t{space}>{text}</t></is>'


class _RawRows:
    """Rows of text cells for one sheet, as worksheet XML in a temp file (constant memory)."""

    def __init__(self, first_row: int, letters: str):
        self.fh = tempfile.TemporaryFile("w+b")
        self.buf: list[str] = []
        self.row = first_row
        self.letters = letters

    def append(self, values) -> None:
        self.append_inline([None if v is None else _inline(v) for v in values])

    def append_inline(self, inlines) -> None:
        """A row of cells given by their inside (``_inline``); None: no cell."""
        r = self.row
        cells = "".join(_cell_xml(f"{col}{r}", x) for col, x in zip(self.letters, inlines) if x is not None)
        self.buf.append(f'<row r="{r}">{cells}</row>')
        self.row = r + 1
        if len(self.buf) >= 2000:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.fh.write("".join(self.buf).encode("utf-8"))
            self.buf = []

    def close(self) -> None:
        self.buf = []
        self.fh.close()


_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')


def _sheet_part(zin: zipfile.ZipFile, sheet_name: str) -> str:
    """The zip member of the worksheet named ``sheet_name`` (via xl/workbook.xml and its rels)."""
    from xml.sax.saxutils import unescape

    rel_id = None
    for tag in _SHEET_TAG.findall(zin.read("xl/workbook.xml").decode("utf-8")):
        attrs = dict(_ATTR.findall(tag))
        if unescape(attrs.get("name", ""), {"&quot;": '"', "&apos;": "'"}) == sheet_name:
            rel_id = next((v for k, v in attrs.items() if k.endswith(":id")), None)
    rels = zin.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("Id") == rel_id:
            target = attrs.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    raise KeyError(sheet_name)


def _splice(src: str, dst: str, sheet_name: str, rows: _RawRows) -> None:
    """Copy the workbook ``src`` to ``dst`` with ``rows`` appended to the sheetData of ``sheet_name``."""
    rows.flush()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
        part = _sheet_part(zin, sheet_name)
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info, zin.read(info), compress_type=zipfile.ZIP_DEFLATED)
                continue
            xml = zin.read(info)
            at = xml.rindex(b"</sheetData>")
            with zout.open(zipfile.ZipInfo(info.filename, info.date_time), "w", force_zip64=True) as out:
                out.write(xml[:at])
                rows.fh.seek(0)
                shutil.copyfileobj(rows.fh, out, 1024 * 1024)
                out.write(xml[at:])


def chart_labels(keys: list[tuple[str, str, str]]) -> list[str]:
    """One label per (unit, file, sheet), unique within the list: "unit｜file name"; where two forms
    share that, "unit｜folder/file name"; then the sheet is added; a counter "（2）" as the last resort."""
    def shorten(text: str) -> str:
        if len(text) <= LABEL_CHARS:
            return text
        keep = LABEL_CHARS // 2 - 1
        return text[:keep] + "…" + text[-keep:]

    def level(unit: str, file: str, sheet: str, n: int) -> str:
        path = clean_text(file.replace("\\", "/"), None)
        name = path if n >= 1 else (path.rsplit("/", 1)[-1].split("!")[-1] or path)
        text = f"{clean_text(unit, None)}｜{name}" if unit else name
        if n >= 2 and sheet:
            text += f"｜{clean_text(sheet, None)}"
        return shorten(text)

    labels = [level(*key, 0) for key in keys]
    for n in (1, 2):
        counts = Counter(labels)
        labels = [level(*key, n) if counts[label] > 1 else label for label, key in zip(labels, keys)]
    seen: Counter[str] = Counter()
    out = []
    for label in labels:
        seen[label] += 1
        out.append(label if seen[label] == 1 else f"{label}（{seen[label]}）")
    if len(set(out)) != len(out):  # a counter label that equals another label: number them all
        out = [f"{label}（#{i}）" for i, label in enumerate(out, 1)]
    return out


class SummaryWriter:
    """Stream rows into the summary workbook; ``close()`` attaches tables/charts and saves atomically.

    Use as a context manager; on an exception the partial file is discarded and ``out`` is untouched.
    """

    def __init__(self, out: str | os.PathLike, profile=None):
        from scoring.profiles import load_profile

        # Grade names and the tolerance of the highlight come from the scoring profile, like the scores.
        prof = profile if profile is not None else load_profile()
        self.out = os.fspath(out)
        self.tolerance = prof.tolerance
        self.grade_names = [g.name for g in sorted(prof.grades, key=lambda g: g.min, reverse=True)]
        self.wb = Workbook(write_only=True)
        self.ws_sum = self.wb.create_sheet(SUMMARY_SHEET)
        self.ws_iss = self.wb.create_sheet(ISSUES_SHEET)
        self.ws_chart = self.wb.create_sheet(CHARTS_SHEET)
        self.n_sum = 0  # data rows written
        self.n_iss = 0
        self.grades: Counter[str] = Counter()
        self.unreadable = 0
        # Bounded heap of (|difference|, -seq, (unit, file, sheet), claimed, total) for the difference chart.
        self._chart_heap: list[tuple[float, int, tuple[str, str, str], float, float]] = []
        self._seq = 0
        self._closed = False
        self._setup(self.ws_sum, SUMMARY_HEADERS, SUMMARY_WIDTHS)
        self._setup(self.ws_iss, ISSUE_HEADERS, ISSUE_WIDTHS)
        self._iss_rows = _RawRows(2, "ABCDEF")  # the 问题清单 data rows, spliced in on save
        # One style per 汇总 column, registered once: styling each cell anew (Alignment hashed and
        # looked up per cell) cost more than writing it.
        ws = self.ws_sum
        self._form_styles = [_cell(ws, None, fmt, alignment=al)._style for fmt, al in [
            (None, _MID), (None, _MID), (None, _MID), (None, _CENTER), (SCORE_FORMAT, _MID), (SCORE_FORMAT, _MID),
            (DIFF_FORMAT, _MID), (None, _CENTER), (None, _CENTER), (None, _CENTER), (None, _CENTER), (None, None),
        ]]
        for letter, width in zip("ABCDE", [40, 14, 10, 10, 3]):
            self.ws_chart.column_dimensions[letter].width = width
        self._landscape(self.ws_chart)

    # -- setup ---------------------------------------------------------------------------------

    @staticmethod
    def _landscape(ws) -> None:
        # Printing (and the LibreOffice → PDF rendering) fits the columns on one landscape page.
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    def _setup(self, ws, headers, widths) -> None:
        # Column widths, frozen header and print setup must be set before the first row (write-only).
        for i, w in enumerate(widths):
            ws.column_dimensions[chr(65 + i)].width = w
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        self._landscape(ws)
        # Explicit header style as well as the table style: LibreOffice ignores table styles.
        ws.append([_cell(ws, h, alignment=_HEAD_ALIGN, font=_HEAD_FONT, fill=_HEAD_FILL)
                   for h in headers])

    # -- rows ----------------------------------------------------------------------------------

    def add_form(self, row: FormRow) -> None:
        ws = self.ws_sum
        diff = row.difference
        values = (row.file, row.sheet, row.unit or None, row.year, row.claimed, row.total, diff, row.grade or None,
                  "是" if row.capped else "否", row.errors, row.warnings, None)
        cells = [Cell(ws, row=1, column=1, value=None, style_array=st) for st in self._form_styles]
        for cell, v in zip(cells, values):
            if isinstance(v, str):
                set_text(cell, v)  # a unit or sheet name starting with "=" stays text
            elif v is not None:
                cell.value = v
        ws.append(cells)
        self.n_sum += 1
        if row.grade:
            self.grades[row.grade] += 1
        if row.issues:
            file, sheet = _inline(row.file), _inline(row.sheet)  # once for all the form's findings
            for issue in row.issues:
                self._add_issue(file, sheet, issue)
        if row.claimed is not None and row.total is not None:
            item = (abs(diff or 0.0), -self._seq, (row.unit, row.file, row.sheet), row.claimed, row.total)
            self._seq += 1
            if len(self._chart_heap) < CHART_UNITS:
                heapq.heappush(self._chart_heap, item)
            else:
                heapq.heappushpop(self._chart_heap, item)

    def add_unreadable(self, file: str, reason: str) -> None:
        ws = self.ws_sum
        reason = clean_text(reason)
        cells = [_cell(ws, file, alignment=_MID)]
        cells += [None] * (len(SUMMARY_HEADERS) - 2)
        # Wrapped inside its column: the safety module's reasons are whole sentences. Write-only
        # rows get no automatic height in every program, so give the row the lines it needs.
        cells.append(_cell(ws, reason, alignment=_WRAP_MID))
        lines = _lines(reason, SUMMARY_WIDTHS[-1])
        if lines > 1:
            ws.row_dimensions[self.n_sum + 2].height = 14 * lines
        ws.append(cells)
        self.n_sum += 1
        self.unreadable += 1

    def add_issue(self, file: str, sheet: str, issue: dict) -> None:
        # Plain text cells, no style: a year's forms carry tens of thousands of findings. Colour
        # comes from conditional formatting. Written raw (see _RawRows), not through openpyxl.
        self._add_issue(None if file is None else _inline(file), None if sheet is None else _inline(sheet), issue)

    def _add_issue(self, file: Optional[str], sheet: Optional[str], issue: dict) -> None:
        """``file`` and ``sheet`` already as ``_inline`` gives them."""
        sev = issue.get("severity") or ""
        short = [issue.get("cell"), issue.get("code"), SEVERITY_ZH.get(sev, sev)]
        self._iss_rows.append_inline([file, sheet] + [
            None if v is None else _inline_short(v) if type(v) is str else _inline(v) for v in short] + [
            None if issue.get("message") is None else _inline(issue.get("message"))])
        self.n_iss += 1

    # -- finish --------------------------------------------------------------------------------

    def _finish_summary(self) -> None:
        from scoring.formatting import literal

        ws = self.ws_sum
        last = max(self.n_sum, 1) + 1  # a table needs one data row, even an empty one
        if self.n_sum == 0:
            ws.append([None] * len(SUMMARY_HEADERS))
        ref = f"A1:L{last}"
        _add_table(ws, _table("SummaryTable", ref, SUMMARY_HEADERS))
        body = f"A2:L{last}"
        # Row-wide highlights, most severe first; stopIfTrue keeps one colour per row.
        ws.conditional_formatting.add(
            body, FormulaRule(formula=["$L2<>\"\""], fill=_GREY_FILL, stopIfTrue=True))
        ws.conditional_formatting.add(
            body, FormulaRule(formula=[f"AND(ISNUMBER($G2),ABS($G2)>{literal(self.tolerance + 1e-9)})"], fill=_RED_FILL,
                              stopIfTrue=True))
        ws.conditional_formatting.add(
            body, FormulaRule(formula=["$I2=\"是\""], fill=_ORANGE_FILL, stopIfTrue=True))
        ws.conditional_formatting.add(
            f"J2:J{last}", FormulaRule(formula=["$J2>0"], font=_RED_FONT))

    def _finish_issues(self) -> None:
        ws = self.ws_iss
        last = max(self.n_iss, 1) + 1
        if self.n_iss == 0:
            ws.append([None] * len(ISSUE_HEADERS))
        _add_table(ws, _table("IssueTable", f"A1:F{last}", ISSUE_HEADERS))
        ws.conditional_formatting.add(
            f"E2:E{last}", FormulaRule(formula=["$E2=\"错误\""], fill=_RED_FILL, font=_RED_FONT))
        ws.conditional_formatting.add(
            f"E2:E{last}", FormulaRule(formula=["$E2=\"警告\""], fill=_ORANGE_FILL))

    def _finish_charts(self) -> None:
        ws = self.ws_chart
        bold = Font(bold=True)
        # Block 1 (A1:B6): grade counts, the data of the first chart.
        ws.append([_cell(ws, "等级分布", font=_TITLE_FONT)])
        ws.append([_cell(ws, "等级", font=bold), _cell(ws, "表数", font=bold)])
        labels = self.grade_names + ([UNREADABLE_LABEL] if self.unreadable else [])
        for g in labels:
            n = self.unreadable if g == UNREADABLE_LABEL else self.grades.get(g, 0)
            ws.append([g, n])
        grade_last = 2 + len(labels)

        # Block 2: 复核得分 − 自评得分 per form, at most CHART_UNITS forms (the largest differences),
        # sorted by the difference (over-claims first), each labelled by unit and file, uniquely.
        top = sorted(self._chart_heap, key=lambda t: (t[4] - t[3], -t[1]))
        labels = chart_labels([key for _, _, key, _, _ in top])
        ws.append([])
        start = grade_last + 2
        title = "复核得分 − 自评得分"
        if self._seq > CHART_UNITS:
            title += f"（差异最大的 {CHART_UNITS} 张表）"
        ws.append([_cell(ws, title, font=_TITLE_FONT)])
        ws.append([_cell(ws, DIFF_LABEL_HEADER, font=bold), _cell(ws, "自评得分(填报)", font=bold),
                   _cell(ws, "复核得分", font=bold), _cell(ws, "差异", font=bold)])
        header_row = start + 1
        for label, (_, _, _, claimed, total) in zip(labels, top):
            ws.append([_cell(ws, label), _cell(ws, claimed, SCORE_FORMAT), _cell(ws, total, SCORE_FORMAT),
                       _cell(ws, round(total - claimed, 2), DIFF_FORMAT)])
        unit_last = header_row + len(top)

        bar = BarChart()
        bar.type = "col"
        bar.title = "等级分布"
        bar.legend = None
        bar.add_data(Reference(ws, min_col=2, min_row=2, max_row=grade_last), titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=1, min_row=3, max_row=grade_last))
        bar.dataLabels = DataLabelList()
        bar.dataLabels.showVal = True
        for attr in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
            setattr(bar.dataLabels, attr, False)
        # openpyxl >= 3.1 hides axes unless delete is set explicitly.
        bar.x_axis.delete = False
        bar.y_axis.delete = False
        bar.y_axis.majorGridlines = None
        bar.y_axis.numFmt = "0"
        bar.width, bar.height = 16, 7.5
        ws.add_chart(bar, "F1")

        if top:
            diff_chart = BarChart()
            diff_chart.type = "bar"  # horizontal: long labels stay readable
            diff_chart.title = title
            diff_chart.legend = None
            diff_chart.add_data(Reference(ws, min_col=4, min_row=header_row, max_row=unit_last),
                                titles_from_data=True)
            diff_chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=unit_last))
            diff_chart.dataLabels = DataLabelList()
            diff_chart.dataLabels.showVal = True
            diff_chart.dataLabels.numFmt = DIFF_FORMAT
            for attr in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
                setattr(diff_chart.dataLabels, attr, False)
            diff_chart.series[0].invertIfNegative = False
            diff_chart.x_axis.delete = False
            diff_chart.y_axis.delete = False
            diff_chart.x_axis.scaling.orientation = "maxMin"  # first row on top, like the table
            diff_chart.x_axis.tickLblPos = "low"  # labels beside the axis, clear of negative bars
            diff_chart.y_axis.numFmt = DIFF_FORMAT
            diff_chart.y_axis.title = "复核得分 − 自评得分（分）"
            diff_chart.width = 24
            diff_chart.height = max(7.5, 2.5 + 0.6 * len(top))
            ws.add_chart(diff_chart, "F17")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._finish_summary()
        self._finish_issues()
        self._finish_charts()
        directory = os.path.dirname(os.path.abspath(self.out))
        temps = []
        try:
            for _ in range(2):
                fd, path = tempfile.mkstemp(prefix=".pe-summary-", suffix=".xlsx", dir=directory)
                os.close(fd)
                temps.append(path)
            self.wb.save(temps[0])
            if self.n_iss:
                _splice(temps[0], temps[1], ISSUES_SHEET, self._iss_rows)
            final = temps[1] if self.n_iss else temps[0]
            # mkstemp makes 0600 files: give the summary the mode of the file it replaces, or of a new file
            if os.path.exists(self.out):
                shutil.copymode(self.out, final)
            else:
                from workbook.xlsx import new_file_mode

                os.chmod(final, new_file_mode())
            os.replace(final, self.out)
        finally:
            self._iss_rows.close()
            for path in temps:
                if os.path.exists(path):
                    os.unlink(path)

    def discard(self) -> None:
        """Drop the workbook without writing (the temp sheet files of write-only mode go too)."""
        self._closed = True
        self._iss_rows.close()
        for ws in (self.ws_sum, self.ws_iss, self.ws_chart):
            try:
                ws.close()
            except Exception:
                pass

    def __enter__(self) -> "SummaryWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()
