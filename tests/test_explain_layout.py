"""The printed 评分说明: each table its own column layout, row heights for wrapped text, A4 landscape at a
readable fixed scale, header row repeated — as data (``workbook.explain_layout``) and in the written file."""
from __future__ import annotations

import re
import zipfile

import openpyxl

from conftest import EXAMPLE
from workbook import pipeline, xlsx
from workbook.explain_layout import MIN_SCALE, explain_layout, wrapped_lines
from workbook.plan import EXPLAIN_SHEET


def _plan():
    return pipeline.score_workbook(xlsx.read_grids(EXAMPLE)).plan


def test_each_table_has_its_own_layout():
    plan = _plan()
    layout = explain_layout(plan.explain_rows)
    widths = layout.widths
    # the scoring table: small numeric columns stay narrow, the explanation column is the widest
    assert widths[4] < 12 and widths[6] < 12
    assert widths[7] == max(widths.values())
    # the findings table: its 说明 spans the columns after 单元格 (a merged cell), so it is wide
    findings_header = layout.header_rows[1]
    merged = [m for m in layout.merges if m[0] > findings_header]
    assert merged and all(m[1] == 4 and m[3] == 7 for m in merged)
    assert sum(widths[c] for c in range(4, 8)) > 60


def test_row_heights_follow_wrapped_text():
    plan = _plan()
    layout = explain_layout(plan.explain_rows)
    for cell in layout.cells:
        if cell.style in ("text", "number") and isinstance(cell.value, str):
            span = sum(layout.widths[c] for c in range(cell.col, (cell.last_col or cell.col) + 1))
            assert layout.heights[cell.row] >= wrapped_lines(cell.value, span) * 12.75, cell
    assert max(layout.heights.values()) > min(layout.heights.values())  # some rows wrap, some do not


def test_print_settings_in_the_written_sheet(tmp_path):
    plan = _plan()
    out = tmp_path / "o.xlsx"
    xlsx.write_scored(EXAMPLE, out, plan)
    wb = openpyxl.load_workbook(out)
    ws = wb[EXPLAIN_SHEET]
    layout = explain_layout(plan.explain_rows)
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    assert MIN_SCALE <= int(ws.page_setup.scale) <= 100
    assert not ws.sheet_properties.pageSetUpPr.fitToPage  # never shrink the whole table onto one page
    assert ws.print_title_rows.replace("$", "") == "1:1"
    for c, w in layout.widths.items():
        assert abs(ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width - w) < 0.01
    for r, h in layout.heights.items():
        assert ws.row_dimensions[r].height == h
    assert ws["A1"].font.b and ws["G3"].alignment.wrap_text
    # the record rows are hidden
    assert all(ws.row_dimensions[r].hidden for r in range(layout.n_rows + 2, ws.max_row + 1))


def test_text_stays_text_in_the_explain_sheet(tmp_path):
    """A formula-like text in 评分说明 is an inline string, never a formula."""
    plan = _plan()
    plan.explain_rows.append(["=HYPERLINK(\"http://x\",\"点击\")", "=cmd|' /C calc'!A0", "", "", "", "", ""])
    out = tmp_path / "o.xlsx"
    xlsx.write_scored(EXAMPLE, out, plan)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        part = next(n for n in names if n.startswith("xl/worksheets/sheet") and b"HYPERLINK" in z.read(n))
        xml = z.read(part)
    assert b"<f>" not in xml and re.search(rb't="inlineStr"><is><t>=HYPERLINK', xml)


def test_measuring_each_text_once_lays_out_what_measuring_each_time_does(tmp_path):
    """The layout keeps each text's line widths for the columns' widths and the rows' heights; over the
    example, a rescore of the written example, the real forms and the family templates it equals the
    layout measured afresh at every look (so the written 评分说明 is byte for byte what it was)."""
    from pe_score.family_templates import outputs
    from tests.real.build import build as build_real
    from workbook.surgical import explain_sheet_xml

    written = tmp_path / "written.xlsx"
    xlsx.write_scored(EXAMPLE, written, _plan())
    templates = []
    for rel, wb in outputs().items():
        templates.append(tmp_path / rel.name)
        wb.save(templates[-1])
    files = [EXAMPLE, written, *build_real(tmp_path / "real"), *templates]
    xf = {"header": 1, "text": 2, "number": 3, "record": 4}
    record = [["记录", "A1", 1.5, "多行\n文字", None, True]]
    laid = 0
    for path in files:
        for scored in pipeline.find_forms(xlsx.read_grids(path)):
            rows = scored.plan.explain_rows
            once, afresh = explain_layout(rows, record), explain_layout(rows, record, _measure_once=False)
            assert once == afresh, path.name
            assert explain_sheet_xml(once, xf) == explain_sheet_xml(afresh, xf), path.name
            laid += 1
    assert laid >= len(files) - 1 > 20  # one family template is a blank form (no 评分说明)
