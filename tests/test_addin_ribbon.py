"""The ribbon button, run against xlwings' remote engine built from real workbooks.

The remote engine records every write as an action, one per call a desktop Excel would receive, so
the action list is both the result (replayed onto an openpyxl copy and checked cell by cell) and the
count of calls into Excel.
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import pytest


import xlwings as xw  # noqa: E402

import addin  # noqa: E402
from addin.excel_adapter import apply_plan  # noqa: E402
from workbook.record import NOTE_MARK  # noqa: E402
from scoring.report import result_json  # noqa: E402
from tests import remote_book as rb  # noqa: E402
from workbook.grid import parse_a1  # noqa: E402
from workbook.pipeline import score_workbook  # noqa: E402
from workbook.plan import EXPLAIN_SHEET, HIGHLIGHT_COLORS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"


@pytest.fixture(autouse=True)
def _licence(monkeypatch):
    # The remote engine is xlwings PRO code; free for noncommercial and government use.
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")


@pytest.fixture
def reads(monkeypatch):
    """Counts every read of Range.value / Range.formula (a call into Excel on desktop)."""
    count = Counter()
    for prop in ("value", "formula"):
        orig = getattr(xw.main.Range, prop)

        def fget(self, _orig=orig, _prop=prop):
            count[_prop] += 1
            return _orig.fget(self)

        monkeypatch.setattr(xw.main.Range, prop, property(fget, orig.fset))
    return count


def _example_wb():
    assert EXAMPLE.exists(), "templates/examples/shiyan_hrss_2021.xlsx is missing"
    return openpyxl.load_workbook(EXAMPLE)


def _clone(wb):
    # openpyxl workbooks do not survive copy.deepcopy (shared style tables); a save/load round trip does.
    import io

    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return openpyxl.load_workbook(buf)


def _click(wb, active=None):
    """One click on the ribbon: returns (outcome, actions, replayed workbook, extra)."""
    book = rb.book(_clone(wb), active)
    outcome = addin.recalculate(book)
    acts = rb.actions(book)
    after = _clone(wb)
    extra = rb.apply_actions(after, acts)
    return outcome, acts, after, extra


def _form_writes(acts, position=0):
    return [a for a in acts if a["func"] == "setValues" and a["sheet_position"] == position]


def _cells_of(action):
    r0, c0 = action["start_row"] + 1, action["start_column"] + 1
    return {(r0 + i, c0 + j) for i in range(action["row_count"]) for j in range(action["column_count"])}


def _snapshot(ws):
    # "" and None are the same empty cell to Excel (and after an openpyxl save/load).
    return {(c.row, c.column): (None if c.value == "" else c.value, c.comment.text if c.comment else None,
                                c.fill.fgColor.rgb if c.fill and c.fill.fill_type == "solid" else None)
            for row in ws.iter_rows() for c in row}


def test_seed_example_scores_97_like_the_command_line(tmp_path):
    wb = _example_wb()
    outcome, acts, after, extra = _click(wb)
    assert outcome.ok, outcome.message
    form = outcome.scored.form
    ws = after[outcome.sheet]
    assert ws[form.total_cell].value == 97
    assert ws[form.grade_cell].value == "优"
    assert extra["alerts"] == [outcome.message]
    assert extra["app"] == [("setScreenUpdating", [False]), ("setScreenUpdating", [True])]
    assert "总分 97 分" in outcome.message and "优" in outcome.message and "警告" in outcome.message

    cli = subprocess.run([sys.executable, "-m", "pe_score", "score", "--json", str(EXAMPLE)],
                         capture_output=True, text=True, cwd=ROOT)
    assert cli.returncode in (0, 1), cli.stderr  # 1 = the form has errors, still a report
    expected = json.loads(cli.stdout)
    ours = json.loads(json.dumps(result_json(outcome.scored.result, outcome.scored.profile)))
    for key in ("total", "grade", "capped", "budget", "goals", "indicators", "issues"):
        assert ours[key] == expected[key], key

    # Cell by cell: every indicator score and goal subtotal in the replayed copy is the engine's.
    for ir in outcome.scored.result.indicators:
        if ir.computed and ir.score is not None and ir.cell:
            assert ws[ir.cell].value == pytest.approx(round(ir.score, 2))
    assert [ws[g.subtotal_cell].value for g in outcome.scored.result.goals if g.subtotal_cell] == \
        [18, 18, 9, 10, 10, 8, 4]
    # Every finding with a cell is marked with a note and a highlight.
    for f in outcome.scored.result.findings:
        if f.cell:
            note = ws[f.cell].comment
            assert note is not None and note.text.startswith(NOTE_MARK) and f.code in note.text
            assert ws[f.cell].fill.fgColor.rgb.endswith(
                HIGHLIGHT_COLORS[max((x.severity for x in outcome.scored.result.findings if x.cell == f.cell),
                                     key=["info", "warning", "error"].index)].lstrip("#"))
    # 评分说明 holds the plan's rows, and the form stays the active sheet.
    ex = after[EXPLAIN_SHEET]
    plan = outcome.scored.plan
    assert [c.value for c in ex[1]][: len(plan.explain_rows[0])] == plan.explain_rows[0]
    assert extra["active"] == outcome.sheet


def test_one_read_and_writes_only_inside_the_plan(reads):
    wb = _example_wb()
    before = _snapshot(wb.active)
    outcome, acts, after, _ = _click(wb)
    assert reads["value"] == 1  # the whole form in one call (no 评分说明 yet)
    plan = outcome.scored.plan
    owned = plan.owned_cells()
    written = set().union(*(_cells_of(a) for a in _form_writes(acts)))
    assert written == owned
    assert len(_form_writes(acts)) == len(plan.blocks)  # one call per block, never per cell
    noted = {parse_a1(n.cell) for n in plan.notes} | {parse_a1(h.cell) for h in plan.highlights}
    for a in acts:
        if a["func"] in ("addNote", "setRangeColor") and a["sheet_position"] == 0:
            assert _cells_of(a) <= noted
    after_snap = _snapshot(after[outcome.sheet])
    for key, (value, _, _) in before.items():
        if key not in owned:
            assert after_snap[key][0] == value, key


def _big_example():
    from pe_score.example_data import EXAMPLE as DATA
    from pe_score.templates import build_form

    data = copy.deepcopy(DATA)
    for goal in data["goals"]:
        goal["sections"] = [(label, [r for r in rows for _ in range(5)]) for label, rows in goal["sections"]]
    return build_form(data)


def test_value_writes_per_goal_do_not_grow_with_indicators(reads):
    seed_outcome, seed_acts, _, _ = _click(_example_wb())
    big_wb = _big_example()
    n_seed = sum(len(g.indicators) for g in seed_outcome.scored.form.goals)
    reads.clear()
    big_outcome, big_acts, big_after, _ = _click(big_wb)
    assert big_outcome.ok
    n_big = sum(len(g.indicators) for g in big_outcome.scored.form.goals)
    assert n_big == 5 * n_seed
    assert len(_form_writes(big_acts)) == len(_form_writes(seed_acts))
    goals = len(big_outcome.scored.form.goals)
    assert len(_form_writes(big_acts)) <= goals + 4  # one per goal + header, budget rate/score, total/grade
    assert reads["value"] == 1


def test_second_click_changes_nothing(tmp_path, reads):
    wb = _example_wb()
    _, _, first, _ = _click(wb)
    path = tmp_path / "once.xlsx"
    first.save(path)
    once = openpyxl.load_workbook(path)
    reads.clear()
    outcome2, acts2, second, _ = _click(once)
    assert outcome2.ok
    assert reads["value"] == outcome2.reads == 2  # the form, and 评分说明 for the previous run's record
    for name in (outcome2.sheet, EXPLAIN_SHEET):
        assert _snapshot(second[name]) == _snapshot(once[name]), name
    assert second.sheetnames == once.sheetnames
    assert sum(a["func"] == "addSheet" for a in acts2) == 0


def test_fixed_finding_loses_its_note_and_highlight(tmp_path):
    wb = _example_wb()
    outcome, _, first, _ = _click(wb)
    ws_name = outcome.sheet
    pe402 = next(f for f in outcome.scored.result.findings if f.code == "PE402")
    path = tmp_path / "once.xlsx"
    first.save(path)
    fixed = openpyxl.load_workbook(path)
    fixed[ws_name][pe402.cell].value = "年初目标按上年实际数保守设定，本年就业形势好于预期。"
    outcome2, _, second, _ = _click(fixed)
    assert pe402.cell not in {f.cell for f in outcome2.scored.result.findings if f.code == "PE402"}
    cell = second[ws_name][pe402.cell]
    assert cell.comment is None
    assert cell.fill.fill_type is None
    assert outcome2.stats.restored >= 1


def test_used_range_not_starting_at_a1():
    src = _example_wb().active
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = src.title
    for row in src.iter_rows():
        for c in row:
            if c.value is not None:
                ws.cell(c.row + 3, c.column + 2, c.value)
    outcome, acts, after, _ = _click(wb)
    assert outcome.ok, outcome.message
    assert outcome.scored.result.total == pytest.approx(97)
    assert after[ws.title][outcome.scored.form.total_cell].value == 97
    assert parse_a1(outcome.scored.form.total_cell)[1] == 11  # column I shifted by two


def test_active_sheet_first_then_the_first_form(reads):
    wb = _example_wb()
    notes = wb.create_sheet("填表说明", 0)
    notes["A1"] = "请按附件2-1填写"
    wb.active = 0
    outcome, acts, after, _ = _click(wb)
    assert outcome.ok and outcome.sheet == "附件2-1"
    assert reads["value"] == 2  # the active sheet, then the form
    assert all(a["sheet_position"] == 1 for a in _form_writes(acts, 1)) and _form_writes(acts, 1)
    assert not _form_writes(acts, 0)


def test_no_form_is_a_chinese_message_not_a_traceback():
    wb = openpyxl.Workbook()
    wb.active["A1"] = "采购清单"
    wb.active["B2"] = 42
    outcome, acts, _, extra = _click(wb)
    assert not outcome.ok
    assert [a["func"] for a in acts] == ["alert"]
    assert "附件2-1" in extra["alerts"][0] and "Traceback" not in extra["alerts"][0]


def test_foreign_explain_sheet_is_not_overwritten():
    wb = _example_wb()
    other = wb.create_sheet(EXPLAIN_SHEET)
    other["A1"] = "我自己的说明"
    outcome, acts, _, extra = _click(wb)
    assert not outcome.ok
    assert [a["func"] for a in acts] == ["alert"]
    assert "改名" in extra["alerts"][0]


def test_formula_cells_are_never_written():
    # On desktop Excel the adapter reads formulas in one call; here the grid of the .xlsx supplies them.
    from workbook.xlsx import read_grids

    wb = _example_wb()
    scored = score_workbook(read_grids(EXAMPLE))
    grid = next(g for g in read_grids(EXAMPLE) if g.name == scored.form.sheet)
    assert grid.formulas, "the template's subtotals and total are formulas"
    # A plan that wants to write every formula cell too (as on a host that could not see formulas).
    from workbook.plan import Block

    plan = copy.deepcopy(scored.plan)
    plan.blocks = plan.blocks + [Block(r, c, [[0]]) for (r, c) in sorted(grid.formulas)]
    book = rb.book(_clone(wb))
    stats = apply_plan(book, book.sheets[scored.form.sheet], grid, plan)
    written = set().union(*(_cells_of(a) for a in _form_writes(rb.actions(book))))
    assert not written & set(grid.formulas)
    assert set(stats.skipped_formula_cells) >= set(grid.formulas)


# ---- desktop-only reads and the fallback for merged cells ----------------------------------------


def test_merged_areas_from_excels_xml_spreadsheet():
    from addin.excel_adapter import merged_from_xml_spreadsheet

    # The shape Windows Excel gives for Range.Value(xlRangeValueXMLSpreadsheet) of the form's top rows:
    # A2:J2 and A3:J3 merged across, A7:B8 merged down and across, C8:D8, skipped cells by ss:Index.
    xml = """<?xml version="1.0"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="附件2-1">
  <Table ss:ExpandedColumnCount="10" ss:ExpandedRowCount="8" x:FullColumns="1" x:FullRows="1">
   <Row><Cell><Data ss:Type="String">附件2-1</Data></Cell></Row>
   <Row><Cell ss:MergeAcross="9" ss:StyleID="s1"><Data ss:Type="String">部门整体支出绩效自评表</Data></Cell></Row>
   <Row><Cell ss:MergeAcross="9"><Data ss:Type="String">（2021年度）</Data></Cell></Row>
   <Row ss:Index="7">
    <Cell ss:MergeAcross="1" ss:MergeDown="1"><Data ss:Type="String">预算执行情况（万元）（20分）</Data></Cell>
    <Cell ss:MergeAcross="1"/>
    <Cell><Data ss:Type="String">预算数（A）</Data></Cell>
   </Row>
   <Row>
    <Cell ss:Index="3" ss:MergeAcross="1"><Data ss:Type="String">部门整体支出总额</Data></Cell>
    <Cell><Data ss:Type="Number">10072.67</Data></Cell>
    <Cell ss:Index="9" ss:MergeAcross="1"/>
   </Row>
  </Table>
 </Worksheet>
</Workbook>"""
    assert merged_from_xml_spreadsheet(xml) == [
        (2, 1, 2, 10), (3, 1, 3, 10), (7, 1, 8, 2), (7, 3, 7, 4), (8, 3, 8, 4), (8, 9, 8, 10)]
    # A used range that starts at C5 shifts every area.
    assert merged_from_xml_spreadsheet(xml, 5, 3)[0] == (6, 3, 6, 12)
    assert merged_from_xml_spreadsheet("<Workbook xmlns='urn:schemas-microsoft-com:office:spreadsheet'/>") == []


class _ExcelWithMerges:
    """A stand-in for desktop Excel's refusal to write part of a merged area (the remote engine never
    refuses): wraps a real remote-engine sheet and raises like COM does."""

    def __init__(self, sheet, merged):
        self._sheet, self._merged = sheet, merged

    def __getattr__(self, name):
        return getattr(self._sheet, name)

    def range(self, *args):
        rng = self._sheet.range(*args)
        merged = self._merged

        class _Range:
            def __getattr__(self, name):
                return getattr(rng, name)

            def __setattr__(self, name, value):
                if name == "value":
                    r0, c0 = rng.row, rng.column
                    r1, c1 = r0 + rng.shape[0] - 1, c0 + rng.shape[1] - 1
                    for (a, b, c, d) in merged:
                        overlaps = a <= r1 and r0 <= c and b <= c1 and c0 <= d
                        if overlaps and not (r0 <= a and c0 <= b and r1 >= c and c1 >= d):
                            raise RuntimeError("不能更改合并单元格的某一部分")
                setattr(rng, name, value)

        return _Range()


def test_block_over_an_unknown_merge_falls_back_to_single_cells():
    wb = _example_wb()
    book = rb.book(_clone(wb))
    sheet = book.sheets["附件2-1"]
    from addin.excel_adapter import read_sheet
    from workbook.pipeline import score_grid

    read = read_sheet(sheet)
    scored = score_grid(read.grid)
    first = scored.plan.blocks[3]  # goal 1's block: title row subtotal + its indicators
    merged = [(first.row, first.col, first.row, first.col + 1)]  # the subtotal cell merged with J
    stats = apply_plan(book, _ExcelWithMerges(sheet, merged), read.grid, scored.plan)
    assert stats.failed_cells == [(first.row, first.col)]
    written = set().union(*(_cells_of(a) for a in _form_writes(rb.actions(book))))
    assert scored.plan.owned_cells() - written == {(first.row, first.col)}


def test_main_scores_the_calling_book(monkeypatch):
    # addin.main() is what the ribbon's RunPython runs; xlwings' mock caller stands in for Excel's --wb.
    wb = _example_wb()
    book = rb.book(_clone(wb))
    monkeypatch.setattr(xw.Book, "_mock_caller", book, raising=False)
    outcome = addin.main()
    assert outcome.ok and outcome.scored.result.total == pytest.approx(97)
    assert rb.actions(book)[-1]["func"] == "alert"


def test_a_used_range_down_to_the_last_row_is_read_within_the_limits():
    from addin.excel_adapter import read_sheet
    from workbook.safety import DEFAULT_LIMITS

    data = rb.payload(_clone(_example_wb()))
    data["sheets"][0]["used_range_address"] = "$A$1:$XFD$1048576"  # formatting applied to whole columns
    book = rb.book(data)
    grid = read_sheet(book.sheets[0]).grid
    assert grid.n_rows == DEFAULT_LIMITS.max_rows and grid.n_cols == DEFAULT_LIMITS.max_cols
    outcome = addin.recalculate(rb.book(data))
    assert outcome.ok and outcome.scored.result.total == pytest.approx(97)


def test_rescoring_starts_from_the_users_typed_value_in_the_ribbon(tmp_path):
    """Issue 8 item 5 in the ribbon: a typed 3 over a weight of 2 is written as 2 with PE201; the next
    click restores the 3 from the record first, so PE201 appears again and nothing else changes."""
    from workbook.record import parse_record

    wb = _example_wb()
    form = wb.sheetnames[0]
    wb[form]["I11"] = 3  # weight 2
    outcome, _, first, _ = _click(wb)
    assert ("PE201", "I11") in {(f.code, f.cell) for f in outcome.scored.result.findings}
    assert first[form]["I11"].value == 2
    entry = next(e for e in parse_record(first[EXPLAIN_SHEET].iter_rows(values_only=True)) if e.ref == "I11")
    assert (entry.original, entry.written) == (3, 2)
    path = tmp_path / "once.xlsx"
    first.save(path)
    once = openpyxl.load_workbook(path)
    outcome2, _, second, _ = _click(once)
    codes = [(f.code, f.cell, f.message) for f in outcome.scored.result.findings]
    assert [(f.code, f.cell, f.message) for f in outcome2.scored.result.findings] == codes
    for name in (form, EXPLAIN_SHEET):
        assert _snapshot(second[name]) == _snapshot(once[name]), name


def test_ribbon_draws_the_same_explain_layout_as_the_file_writer():
    from addin.excel_adapter import height_runs
    from workbook.explain_layout import explain_layout
    from workbook.record import record_rows

    wb = _example_wb()
    outcome, acts, after, _ = _click(wb)
    ws = after[EXPLAIN_SHEET]
    layout = explain_layout(outcome.scored.plan.explain_rows, record_rows([], outcome.sheet))
    for c, w in layout.widths.items():
        assert abs(ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width - w) < 0.01, c
    for r, h in layout.heights.items():
        assert ws.row_dimensions[r].height == h
    # one call a run of rows of one height, not one a row
    height_calls = [a for a in acts if a["func"] == "setRowHeight" and a["sheet_position"] == 1]
    assert len(height_calls) == len(height_runs(layout.heights)) < len(layout.heights) / 2
    assert {str(m) for m in ws.merged_cells.ranges} == {
        f"{openpyxl.utils.get_column_letter(c1)}{r1}:{openpyxl.utils.get_column_letter(c2)}{r2}"
        for r1, c1, r2, c2 in layout.merges}
    assert ws["A1"].font.b


def test_ribbon_keeps_text_the_user_typed_in_its_note():
    from addin.excel_adapter import _undo_previous
    from workbook.notes import tool_block

    class Note:
        def __init__(self, text, author="王俊"):
            self.text, self.author, self.deleted = text, author, False

        def delete(self):
            self.deleted = True

    block = tool_block("PE201 得分超过分值")
    user = Note(f"请核实\n{block}\n单位回复：已改")
    ours = Note(block)
    n = _undo_previous(None, [], {(11, 9): user, (12, 9): ours})
    assert user.text == "请核实\n单位回复：已改" and not user.deleted
    assert ours.deleted and n == 1


def test_text_excel_would_parse_stays_text_in_the_explain_sheet():
    # Excel takes a value starting with = + - @ as typed, i.e. as a formula ("-城镇…" becomes =-城镇…,
    # #NAME?); the ribbon gives such text with Excel's text prefix, which Excel does not keep in the value.
    wb = _example_wb()
    ws = wb.active
    names = {"C11": "-全年城镇新增就业人数", "C19": "@城镇登记失业率", "C12": "+城镇失业人员再就业人数"}
    for ref, name in names.items():
        ws[ref] = name
    outcome, acts, after, _ = _click(wb)
    assert outcome.scored is not None
    sent = [v for a in acts if a["func"] == "setValues" for row in a["values"] for v in row if isinstance(v, str)]
    assert not [v for v in sent if v.startswith(("=", "+", "-", "@"))], "text Excel would parse as a formula"
    explain = [c for row in after[EXPLAIN_SHEET].iter_rows() for c in row if isinstance(c.value, str)]
    for name in names.values():
        cells = [c for c in explain if c.value == name]
        assert cells and all(c.data_type == "s" for c in cells), name


def test_the_ribbon_chooses_the_profile_from_the_form_unless_one_is_given():
    """A national project form in Excel is scored with its family's profile, as on the command line,
    and the message says which profile and why; a profile the caller names is used as given."""
    from tests.real.build import all_forms, workbook

    form = next(f for f in all_forms() if f.id == "sc_zhongjiang_slj_biaochi_2022")
    wb = workbook(form)
    outcome, acts, after, extra = _click(wb)
    assert outcome.ok, outcome.message
    assert outcome.scored.profile.name == "national-project"
    assert outcome.scored.result.total == form.published_total
    assert "national-project" in outcome.message and extra["alerts"] == [outcome.message]
    assert after[outcome.sheet][outcome.scored.form.total_cell].value == form.published_total

    given = addin.recalculate(rb.book(_clone(wb)), profile="hubei-2-1")
    assert given.ok and given.scored.profile.name == "hubei-2-1"
    assert "按指定的评分方案“hubei-2-1”" in given.message

    ex = addin.recalculate(rb.book(_clone(_example_wb())))
    assert ex.scored.profile.name == "hubei-2-1" and ex.scored.result.total == pytest.approx(97)
    assert "评分方案" not in ex.message  # the 附件2-1 form: nothing new to say
