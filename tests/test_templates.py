"""The generated 附件2-1 template and seed example: layout, formulas, styles, validations, files."""
from __future__ import annotations

import io
import re
import shutil

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font

from pe_score import templates as t
from scoring import formulas
from pe_score.example_data import BUDGET_NOTE, EXAMPLE, EXPECTED_GOAL_SCORES, TIERS
from workbook.grid import parse_a1


def _reload(wb):
    """What a user gets when opening the saved file."""
    return load_workbook(io.BytesIO(t.workbook_bytes(wb)))


@pytest.fixture(scope="module")
def example():
    return _reload(t.build_example())[t.SHEET]


@pytest.fixture(scope="module")
def blank():
    return _reload(t.build_form())[t.SHEET]


def _row_of(ws, col, text):
    rows = [c.row for c in ws[col] if c.value == text]
    assert len(rows) == 1, (text, rows)
    return rows[0]


def _goal_rows(ws):
    return [c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("年度目标")]


def _merged(ws):
    return {str(m) for m in ws.merged_cells.ranges}


def _sum_range(ws, formula):
    # blank, not 0, while no score below the goal is a number
    m = re.fullmatch(r'=IF\(COUNT\(I(\d+):I(\d+)\)=0,"",SUM\(I\1:I\2\)\)', formula)
    assert m, formula
    a, b = int(m.group(1)), int(m.group(2))
    return a, b, sum(ws.cell(r, 9).value for r in range(a, b + 1) if isinstance(ws.cell(r, 9).value, (int, float)))


# ---- layout (docs/architecture.md) ---------------------------------------------------------


@pytest.mark.parametrize("which", ["example", "blank"])
def test_fixed_layout_rows(which, request):
    ws = request.getfixturevalue(which)
    assert ws.title == "附件2-1"
    assert ws["A1"].value == "附件2-1"
    assert ws["A2"].value == "部门整体支出绩效自评表"
    assert ws["A3"].value == ("（2021年度）" if which == "example" else "（    年度）")
    assert ws["A4"].value == "填报单位：（公章）"
    assert ws["E4"].value == "填报人及联系电话：" and ws["G4"].value == "填报日期："
    assert ws["I4"].value == "自评得分："
    assert ws["A5"].value == "单位名称"
    assert ws["A6"].value == "基本支出总额（万元）" and ws["E6"].value == "项目支出总额（万元）"
    assert ws["A7"].value == "预算执行情况（万元）（20分）"
    assert [ws.cell(7, c).value for c in range(5, 10)] == [
        "预算数（A）", "执行数（B）", "执行率（B/A）", "得分（20分*执行率）", "未执行完原因和改进措施"]
    assert ws["C8"].value == "部门整体支出总额"
    assert [ws.cell(9, c).value for c in range(1, 11)] == t.HEADER
    assert {"A2:J2", "A3:J3", "A5:B5", "C5:J5", "A6:B6", "C6:D6", "E6:F6", "G6:J6",
            "A7:B8", "C7:D7", "I7:J7", "C8:D8", "I8:J8"} <= _merged(ws)


@pytest.mark.parametrize("which", ["example", "blank"])
def test_budget_total_and_grade_formulas(which, request):
    ws = request.getfixturevalue(which)
    assert ws["G8"].value == '=IF(N(E8)>0,N(F8)/N(E8),"")' and ws["G8"].number_format == "0.00%"
    assert ws["H8"].value == ('=IF(COUNT(E8,F8)=0,"",IF(AND(N(E8)>0,N(F8)>=0),'
                              'MIN(20,20*N(F8)/N(E8)),0))')
    goals = _goal_rows(ws)
    cr = _row_of(ws, "A", "约束性指标")
    tr, gr = _row_of(ws, "A", "合计"), _row_of(ws, "A", "评价等级")
    assert (tr, gr) == (cr + 1, cr + 2)
    assert {f"A{cr}:B{cr}", f"A{tr}:H{tr}", f"A{gr}:H{gr}"} <= _merged(ws)
    raw = "SUM(" + ",".join(["H8"] + [f"I{r}" for r in goals]) + f")-ABS(N(I{cr}))"
    # blank until anything is scored: the budget score or any indicator score between the goal rows
    scored = ",".join(["H8"] + [f"I{a + 1}:I{b - 1}" for a, b in zip(goals, goals[1:] + [cr])])
    # What the cap reads (negations, clauses) is checked by recalculating: test_totals_conformance.py.
    trig = formulas.triggered(f"H{cr}", t.PROFILE)
    assert ws.cell(tr, 9).value == (
        f'=IF(COUNT({scored})=0,"",ROUND(MAX(0,MIN(100,IF({trig},MIN(60,{raw}),{raw}))),2))')
    assert ws.cell(gr, 9).value == (
        f'=IF(I{tr}="","",IF(ROUND(I{tr},2)>=90,"优",IF(ROUND(I{tr},2)>=80,"良",'
        f'IF(ROUND(I{tr},2)>=60,"中","差"))))')
    assert len(ws.cell(tr, 9).value) < 8192  # Excel's limit on a formula's length
    # the example carries the unit's claimed self-score as typed; the blank form shows the total
    assert ws["J4"].value == (97 if which == "example" else f"=I{tr}")
    # Goal subtotals cover exactly the rows between one title row and the next block.
    ends = goals[1:] + [cr]
    for title, nxt in zip(goals, ends):
        assert f"A{title}:H{title}" in _merged(ws)
        a, b, _ = _sum_range(ws, ws.cell(title, 9).value)
        assert (a, b) == (title + 1, nxt - 1)


def test_blank_form_shape():
    ws = _reload(t.build_form(goals=2, rows_per_goal=3))[t.SHEET]
    goals = _goal_rows(ws)
    assert goals == [10, 14]
    assert [ws.cell(r, 1).value for r in goals] == ["年度目标1：（  分）", "年度目标2：（  分）"]
    assert _row_of(ws, "A", "约束性指标") == 18
    for r in (11, 12, 13, 15, 16, 17):  # empty input rows
        assert all(ws.cell(r, c).value is None for c in range(1, 11))
    assert ws.cell(18, 8).value is None and ws.cell(18, 9).value is None


def test_example_carries_the_seed(example):
    ws = example
    assert ws["C5"].value == EXAMPLE["unit"]
    assert ws["F4"].value == EXAMPLE["contact"] and ws["H4"].value == EXAMPLE["date"]
    assert ws["C6"].value == EXAMPLE["basic_expense"] and ws["G6"].value == EXAMPLE["project_expense"]
    assert ws["E8"].value == ws["F8"].value == 10072.67
    assert ws["E8"].comment is not None and ws["E8"].comment.text == BUDGET_NOTE
    goals = _goal_rows(ws)
    assert [ws.cell(r, 1).value for r in goals] == [g["title"] for g in EXAMPLE["goals"]]
    # Every seed row lands in B..J in order, and the subtotal ranges add up to the seed's goal scores.
    for title, goal, expected in zip(goals, EXAMPLE["goals"], EXPECTED_GOAL_SCORES):
        a, b, total = _sum_range(ws, ws.cell(title, 9).value)
        assert total == expected
        rows = [r for r in range(a, b + 1) if ws.cell(r, 2).value != "……"]
        seed_rows = [row for _, rs in goal["sections"] for row in rs]
        assert [tuple(ws.cell(r, c).value if ws.cell(r, c).value is not None else ""
                      for c in range(2, 11)) for r in rows] == seed_rows
        # Each 一级指标 label sits on its first row, merged down over its rows.
        r = a
        for label, rs in goal["sections"]:
            assert ws.cell(r, 1).value == label
            if not rs:
                assert ws.cell(r, 2).value == "……"
            elif len(rs) > 1:
                assert f"A{r}:A{r + len(rs) - 1}" in _merged(ws)
            r += max(len(rs), 1)
    cr = _row_of(ws, "A", "约束性指标")
    assert [ws.cell(cr, c).value for c in range(3, 10)] == [
        "资金管理", "—", EXAMPLE["constraint"]["description"], EXAMPLE["constraint"]["standard"], "—", "—", "—"]


def test_typed_text_never_becomes_a_formula():
    data = {**EXAMPLE, "goals": [{"title": "年度目标1：测试（2分）", "sections": [
        ("产出指标", [("数量指标", "x", 2, "", "", "=1+1", "=HYPERLINK(\"http://x\")", 2, "")])]}]}
    ws = _reload(t.build_form(data))[t.SHEET]
    assert ws["G11"].data_type == "s" and ws["G11"].value == "=1+1"
    assert ws["H11"].data_type == "s"


# ---- formatting ----------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["example", "blank"])
def test_table_borders_fonts_wrap(which, request):
    ws = request.getfixturevalue(which)
    assert ws["A2"].font.bold and ws["A2"].font.name in ("黑体", "宋体")
    last = _row_of(ws, "A", "评价等级")
    inside = {}
    for m in ws.merged_cells.ranges:
        for r in range(m.min_row, m.max_row + 1):
            for c in range(m.min_col, m.max_col + 1):
                inside[(r, c)] = m
    for r in range(5, last + 1):
        for c in range(1, 11):
            cell = ws.cell(r, c)
            b = cell.border
            m = inside.get((r, c))
            # Outline of every table cell / merged block is thin.
            if m is None or c == m.min_col:
                assert b.left.style == "thin", cell.coordinate
            if m is None or r == m.min_row:
                assert b.top.style == "thin", cell.coordinate
            if m is None or (r, c) == (m.min_row, m.min_col):
                assert cell.font.name == "宋体" and cell.font.sz == 11, cell.coordinate
                assert cell.alignment.wrap_text, cell.coordinate
    for c in range(1, 11):
        assert ws.cell(last, c).border.bottom.style == "thin"
        assert ws.cell(5, c).border.top.style == "thin"


@pytest.mark.parametrize("which", ["example", "blank"])
def test_print_setup_and_sizes(which, request):
    ws = request.getfixturevalue(which)
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # page breaks chosen by the generator: never right before 合计 or 评价等级 (the grade row never
    # starts a page), never splitting a goal title from its first row
    starts = [b.id + 1 for b in ws.row_breaks.brk]
    assert starts and all(b.man for b in ws.row_breaks.brk)
    cr = _row_of(ws, "A", "约束性指标")
    goals = _goal_rows(ws)
    assert not {cr + 1, cr + 2} & set(starts)
    assert not {g + 1 for g in goals} & set(starts)
    heights = [ws.row_dimensions[r].height for r in range(1, ws.max_row + 1)]
    bounds = [1] + starts + [ws.max_row + 1]
    for a, b in zip(bounds, bounds[1:]):  # each page's rows fit the printable height
        header = ws.row_dimensions[9].height if a > 1 else 0
        assert header + sum(heights[a - 1:b - 1]) <= t.page_height_points(), (a, b)
    assert ws.print_title_rows == "$9:$9"
    assert ws.freeze_panes == "A10"
    notes = _row_of(ws, "A", "填表说明：")
    assert notes > _row_of(ws, "A", "评价等级")
    assert str(ws.print_area).endswith(f"$J${notes + 7}")
    assert [ws.column_dimensions[col].width for col in "ABCDEFGHIJ"] == t.WIDTHS
    for r in range(1, notes + 8):
        assert ws.row_dimensions[r].height, r


def test_notes_explain_the_rules(example):
    notes = _row_of(example, "A", "填表说明：")
    text = "".join(example.cell(r, 1).value for r in range(notes, notes + 8))
    for word in ("实际完成值 ÷ 年初目标值", "反向指标", "三档", "20分 × 执行数（B）÷ 预算数（A）",
                 "重点披露", "重大不良", "60 分", "负数", "优", "良", "中", "差"):
        assert word in text, word
    for r in range(notes, notes + 8):
        assert f"A{r}:J{r}" in _merged(example)


def test_long_texts_get_taller_rows(example):
    ws = example
    row = next(c.row for c in ws["F"] if c.value == TIERS)  # followed by a "同上" row
    assert ws.cell(row + 1, 6).value == "同上"
    assert ws.row_dimensions[row].height > 3 * ws.row_dimensions[row + 1].height / 2


# ---- validations ---------------------------------------------------------------------------


def _validations(ws):
    return {v.promptTitle: v for v in ws.data_validations.dataValidation}


@pytest.mark.parametrize("which", ["example", "blank"])
def test_drop_downs(which, request):
    ws = request.getfixturevalue(which)
    dv = _validations(ws)
    goals = _goal_rows(ws)
    cr = _row_of(ws, "A", "约束性指标")
    blocks = [(g + 1, nxt - 1) for g, nxt in zip(goals, goals[1:] + [cr])]
    l1, l2, con = dv["一级指标"], dv["二级指标"], dv["约束性指标（资金管理）"]
    assert l1.formula1 == '"产出指标,效益指标,满意度指标"'
    assert l2.formula1 == '"' + ",".join(t.LEVEL2) + '"' and len(t.LEVEL2) == 9
    assert con.formula1 == '"无,存在审计等部门重点披露的问题,造成重大不良社会影响"'
    assert str(l1.sqref).split() == [f"A{a}:A{b}" for a, b in blocks]
    assert str(l2.sqref).split() == [f"B{a}:B{b}" for a, b in blocks]
    assert str(con.sqref) == f"H{cr}"
    for v in (l1, l2, con):
        assert v.type == "list" and not v.showErrorMessage and v.showInputMessage  # non-blocking
        assert len(v.prompt) <= 255 and len(v.promptTitle) <= 32
    assert "重点披露" in con.prompt and "重大不良" in con.prompt and "负数" in con.prompt
    assert str(dv["酌情扣分"].sqref) == f"I{cr}"


# ---- grids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("make, wb", [(t.example_grid, t.build_example), (t.blank_grid, t.build_form)])
def test_grids_match_the_sheets(make, wb):
    grid = make()
    ws = wb()[t.SHEET]
    assert grid.name == "附件2-1" and grid.n_cols == 10 and grid.n_rows == ws.max_row
    assert grid.get(9, 3) == "三级指标"
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                assert grid.get(cell.row, cell.column) is None
                assert grid.formulas[(cell.row, cell.column)] == cell.value
            else:
                assert grid.get(cell.row, cell.column) == cell.value
    assert len(grid.formulas) == sum(1 for r in ws.iter_rows() for c in r if c.data_type == "f")
    assert set(grid.merged) == {(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges}
    assert (2, 1, 2, 10) in grid.merged and grid.has_formula(8, 7)


def test_example_grid_values():
    g = t.example_grid()
    assert g.get(5, 3) == "十堰市人力资源和社会保障局"
    assert g.get(8, 5) == 10072.67 and g.get(8, 8) is None
    assert g.get(11, 1) == "产出指标（分值权重100%）" and g.get(11, 9) == 2
    assert g.get(4, 10) == 97 and parse_a1("J4") not in g.formulas
    assert parse_a1("J4") in t.blank_grid().formulas


# ---- files ---------------------------------------------------------------------------------


def test_output_is_deterministic():
    assert t.workbook_bytes(t.build_form()) == t.workbook_bytes(t.build_form())
    assert t.workbook_bytes(t.build_example()) == t.workbook_bytes(t.build_example())


def test_committed_files_are_up_to_date():
    assert t.check() == [], "run: python -m pe_score.templates"
    assert t.main(["--check"]) == 0


def test_check_detects_a_stale_file(tmp_path):
    for rel in t.outputs():  # the 附件2-1 files and the project form's (pe_score.project_template)
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(t.REPO / rel, tmp_path / rel)
    assert t.check(tmp_path) == []
    wb = load_workbook(tmp_path / t.EXAMPLE_PATH)
    wb[t.SHEET]["I11"].value = 1.5
    wb.save(tmp_path / t.EXAMPLE_PATH)
    assert t.check(tmp_path) == [str(t.EXAMPLE_PATH)]
    wb = load_workbook(tmp_path / t.FORM_PATH)
    wb[t.SHEET]["A1"].font = Font(name="宋体", size=9)  # a style change only
    wb.save(tmp_path / t.FORM_PATH)
    assert set(t.check(tmp_path)) == {str(t.FORM_PATH), str(t.EXAMPLE_PATH)}
    (tmp_path / t.FORM_PATH).unlink()
    assert str(t.FORM_PATH) in t.check(tmp_path)


def test_save_form_never_overwrites(tmp_path):
    out = t.save_form(tmp_path / "new.xlsx")
    assert load_workbook(out)[t.SHEET]["A2"].value == "部门整体支出绩效自评表"
    before = out.read_bytes()
    with pytest.raises(FileExistsError):
        t.save_form(out, example=True)
    assert out.read_bytes() == before
    ex = t.save_form(tmp_path / "ex.xlsx", example=True)
    assert load_workbook(ex)[t.SHEET]["C5"].value == EXAMPLE["unit"]
    assert ex.read_bytes() == t.workbook_bytes(t.build_example())


# ---- integration with the reader and the pipeline (run once those modules have landed) -----


def test_reader_reads_the_example():
    from workbook import layout
    form = layout.read_form(t.example_grid())
    assert form.unit == EXAMPLE["unit"] and form.year == 2021
    assert [g.points for g in form.goals] == [18, 18, 12, 10, 10, 8, 4]
    assert [len(g.indicators) for g in form.goals] == [
        sum(len(rs) for _, rs in g["sections"]) for g in EXAMPLE["goals"]]
    assert form.budget.planned == form.budget.executed == 10072.67
    assert form.constraint is not None and form.constraint.actual == "—"


def test_reader_reads_the_blank_form():
    from workbook import layout
    form = layout.read_form(t.blank_grid())
    assert len(form.goals) == 3
    assert not [i for g in form.goals for i in g.indicators if i.name]


def test_pipeline_scores_the_example_97():
    from workbook import pipeline
    from scoring import profiles
    scored = pipeline.score_grid(t.example_grid(), profiles.load_profile("hubei-2-1"))
    assert [g.score for g in scored.result.goals] == EXPECTED_GOAL_SCORES
    assert scored.result.budget.score == 20
    assert scored.result.total == 97 and scored.result.grade == "优"


def test_page_breaks_keep_the_tail_together():
    """A form whose natural break would leave 评价等级 alone starts the constraint block on a new page."""
    cap = t.page_height_points() * 0.92
    heights = {r: 10.0 for r in range(1, 41)}
    # rows 1..31 fill the first page to just below 评价等级 (row 32): 合计 (31) fits, 评价等级 would not
    heights[30] = cap - 10 * 29 - 10 - 5
    starts = t.page_breaks(heights, ({31, 32}, set()), 40)
    assert starts[0] == 30  # the 约束性指标 row carries 合计 and 评价等级 onto the next page
    # without the rule the greedy break puts 评价等级 first on a page
    assert t.page_breaks(heights, (set(), set()), 40)[0] == 32


def test_page_breaks_prefer_not_to_cut_merged_labels():
    cap = t.page_height_points() * 0.92
    heights = {r: cap / 10.5 for r in range(1, 31)}  # ten rows a page
    starts = t.page_breaks(heights, (set(), {18, 19, 20, 21}), 30)
    assert starts[:2] == [11, 17]  # page 2 ends before the merged block 17..21 instead of cutting it
    # a soft rule that would leave a page less than half full gives way
    starts = t.page_breaks(heights, (set(), set(range(12, 30))), 30)
    assert starts[:2] == [11, 20]
