"""workbook.layout.read_form on the seed example laid out in many ways (see tests/grids.py)."""
from __future__ import annotations

import random
import time

import pytest

from grids import Variant, build, seed_text_grid
from pe_score.example_data import EXAMPLE, EXPECTED_GOAL_SCORES
from scoring.findings import CATALOGUE
from workbook.errors import NotAForm
from workbook.grid import Grid
from workbook.safety import Limits, clip_grid
from workbook.layout import BODY_MAX_ROWS, HEADER_MAX_ROWS, header_role, is_placeholder, norm, read_form

N_INDICATORS = sum(len(items) for g in EXAMPLE["goals"] for _, items in g["sections"])


def content(form):
    """The form without cell addresses: what must not depend on where the table sits."""
    h = lambda x: norm(x) if isinstance(x, str) else x  # noqa: E731  (full/half-width alike)
    return {
        "unit": form.unit,
        "year": form.year,
        "claimed": form.claimed_total,
        "budget": None if form.budget is None else (
            form.budget.points, form.budget.planned, form.budget.executed),
        "goals": [
            (g.number, h(g.title), g.points,
             [(lb.name, lb.share) for lb in g.labels],
             [(i.level1, i.level2, h(i.name), i.weight, h(i.standard), h(i.target), h(i.actual), i.typed_score)
              for i in g.indicators])
            for g in form.goals
        ],
        "constraint": None if form.constraint is None else (form.constraint.name, form.constraint.actual),
    }


BASE = read_form(build().grid)


def test_reads_the_whole_template():
    b = build()
    f = read_form(b.grid)
    assert f.sheet == "附件2-1"
    assert f.unit == EXAMPLE["unit"] and f.year == 2021
    assert f.claimed_total == 97 and f.claimed_total_cell == "J4"
    assert f.budget.points == 20
    assert (f.budget.planned, f.budget.executed) == (10072.67, 10072.67)
    assert f.budget.cells == {"planned": "E8", "executed": "F8", "rate": "G8", "score": "H8", "reason": "I8"}
    assert [g.points for g in f.goals] == [18, 18, 12, 10, 10, 8, 4]
    assert [g.number for g in f.goals] == [1, 2, 3, 4, 5, 6, 7]
    assert [g.subtotal_cell for g in f.goals] == [f"I{r}" for r in b.goal_rows]
    assert [g.typed_subtotal for g in f.goals] == EXPECTED_GOAL_SCORES
    assert sum(len(g.indicators) for g in f.goals) == N_INDICATORS
    assert [(lb.name, lb.share) for lb in f.goals[1].labels] == [
        ("产出指标", 0.5), ("效益指标", 0.5), ("满意度指标", None)]
    first = f.goals[0].indicators[0]
    assert (first.level1, first.level2, first.name, first.weight) == ("产出指标", "数量指标", "全年城镇新增就业人数", 2)
    assert first.cells.name == "C11" and first.cells.score == "I11" and first.cells.level1 == "A11"
    # 一级 label merged down: rows below carry it, pointing at the label cell
    last = f.goals[0].indicators[-1]
    assert (last.level1, last.level2, last.cells.level1) == ("产出指标", "质量指标", "A11")
    # 同上 resolved to the standard above
    assert f.goals[0].indicators[1].standard == first.standard
    tiers = f.goals[2].indicators[3]  # 职称评定: 同上 under a three-tier standard
    assert tiers.standard.startswith("按照指标完成情况分为")
    assert f.constraint.name == "资金管理" and f.constraint.actual == "—"
    assert f.constraint.cells.score == f"I{b.constraint_row}"
    assert f.total_cell == f"I{b.total_row}" and f.typed_total == 97
    assert f.grade_cell == f"I{b.grade_row}"
    assert f.findings == []


@pytest.mark.parametrize("top,left", [(5, 3), (30, 1), (1, 8)])
def test_table_may_start_anywhere(top, left):
    b = build(Variant(top=top, left=left))
    f = read_form(b.grid)
    assert content(f) == content(BASE)
    assert f.goals[0].indicators[0].cells.score == b.cell(0, 0, "score")
    assert f.claimed_total_cell == b.claimed_cell
    assert f.total_cell == b.addr("score", b.total_row)
    assert f.budget.cells["score"] == b.addr("H", b.budget_row)


@pytest.mark.parametrize("headers", [
    {"target": "年度指标值", "actual": "实际值", "score": "自评得分"},
    {"target": "目标值", "actual": "全年实际值", "score": "得分", "reason": "偏差原因"},
    {"name": "指标名称", "weight": "权重", "target": "指标值", "actual": "完成值", "reason": "原因分析"},
    {"target": "年初\n目标值", "actual": "实际\n完成值（B）", "weight": "分 值", "score": "得  分"},
    {"target": "年初目标值(A)", "actual": "实际完成值(B)", "weight": "分值（分）"},
])
def test_header_wordings(headers):
    f = read_form(build(Variant(headers=headers)).grid)
    assert content(f) == content(BASE)


def test_half_width_punctuation():
    f = read_form(build(Variant(halfwidth=True)).grid)
    assert content(f) == content(BASE)
    assert f.goals[0].title == "年度目标1:积极促进就业创业工作。(18分)"
    assert f.goals[1].labels[0].text == "产出指标(分值权重50%)"


def test_extra_columns():
    b = build(Variant(seq_column=True, blank_after=("C", "H"), note_column=True))
    f = read_form(b.grid)
    assert content(f) == content(BASE)
    ind = f.goals[0].indicators[0]
    assert ind.cells.name == b.cell(0, 0, "name") == "D11"
    assert ind.cells.score == b.cell(0, 0, "score") == "L11"
    assert f.total_cell == f"L{b.total_row}"


@pytest.mark.parametrize("mode", ["repeated", "first-only"])
def test_level1_labels_merged_or_filled(mode):
    f = read_form(build(Variant(level1=mode)).grid)
    assert content(f) == content(BASE)


def test_no_budget_block():
    f = read_form(build(Variant(budget=False)).grid)
    assert f.budget is None
    assert [g.points for g in f.goals] == [18, 18, 12, 10, 10, 8, 4]


def test_combined_header_self_score():
    f = read_form(build(Variant(self_score="combined")).grid)
    assert f.claimed_total == 97 and f.claimed_total_cell == "A4"
    f = read_form(build(Variant(self_score="combined", halfwidth=True)).grid)
    assert f.claimed_total == 97


def test_goal_title_merged_across_score_column():
    f = read_form(build(Variant(title_merge_to="J")).grid)
    assert [g.subtotal_cell for g in f.goals] == [None] * 7
    assert content(f) == content(BASE)


def test_goal_score_cell_holding_text_is_not_a_subtotal():
    b = build()
    g = b.grid
    g.values[b.goal_rows[0] - 1][8] = "见附表"
    g.values[b.goal_rows[1] - 1][8] = "18分"
    f = read_form(g)
    assert f.goals[0].subtotal_cell is None
    assert f.goals[1].subtotal_cell == f"I{b.goal_rows[1]}" and f.goals[1].typed_subtotal == "18分"


def test_formula_cells_read_as_cached_values():
    f = read_form(build(Variant(formulas=True)).grid)
    assert content(f) == content(BASE)
    assert f.typed_total == 97


def test_stale_typed_score_is_read_as_typed():
    b = build(Variant(typed={(0, 0): 1}))
    f = read_form(b.grid)
    assert f.goals[0].indicators[0].typed_score == 1


def test_template_example_grid_reads_like_the_builder():
    from pe_score import templates
    f = read_form(templates.example_grid())
    assert f.unit == EXAMPLE["unit"] and f.year == 2021
    assert [g.points for g in f.goals] == [18, 18, 12, 10, 10, 8, 4]
    assert sum(len(g.indicators) for g in f.goals) == N_INDICATORS
    assert f.total_cell and f.grade_cell and f.claimed_total_cell
    assert f.findings == []


def test_seed_text_extraction_with_shifted_cells():
    grid = seed_text_grid()
    if grid is None:
        pytest.skip("shared/ seed not present")
    f = read_form(grid)
    assert f.unit == EXAMPLE["unit"] and f.year == 2021 and f.claimed_total == 97
    assert [g.points for g in f.goals] == [18, 18, 12, 10, 10, 8, 4]
    assert sum(len(g.indicators) for g in f.goals) == N_INDICATORS
    typed = [sum(float(i.typed_score) for i in g.indicators) for g in f.goals]
    assert typed == EXPECTED_GOAL_SCORES
    # the 质量指标 row shifted one column left is realigned; its cells are where the values are
    row = f.goals[0].indicators[-1]
    assert (row.level2, row.name, row.weight, row.target) == ("质量指标", "城镇登记失业率", 2, "4.5%以内")
    r = int(row.cells.name[1:])
    assert (row.cells.level2, row.cells.name, row.cells.score) == (f"A{r}", f"B{r}", f"H{r}")
    assert grid.get(r, 8) == 2 and row.cells.reason == f"I{r}"
    # 完成 repeated into 得分, the score in 偏差原因: the score cell is where the 1 is
    dup = f.goals[2].indicators[3]
    r = int(dup.cells.name[1:])
    assert dup.typed_score == 1 and dup.cells.score == f"J{r}" and dup.cells.reason is None
    codes = [x.code for x in f.findings]
    assert codes.count("PE906") == 3 and "PE905" in codes  # stray "50%)" label ignored
    assert f.constraint is not None and f.total_cell is not None
    assert all(x.code in CATALOGUE for x in f.findings)


def test_goal_title_variants():
    b = build()
    g = b.grid
    g.values[b.goal_rows[0] - 1][0] = "目标1"
    g.values[b.goal_rows[1] - 1][0] = "年度目标二：推进社会保险制度改革(18分)"
    f = read_form(g)
    assert f.goals[0].number == 1 and f.goals[0].points is None
    assert f.goals[1].number == 2 and f.goals[1].points == 18
    assert len(f.goals) == 7


def test_weights_as_text():
    b = build()
    g = b.grid
    r = b.indicator_rows[(0, 0)]
    g.values[r - 1][3] = "2分"
    g.values[r][3] = "—"
    f = read_form(g)
    a, c = f.goals[0].indicators[:2]
    assert (a.weight, a.weight_text) == (2, "2分")
    assert (c.weight, c.weight_text) == (None, "—")


def test_no_goal_rows_gives_one_implicit_goal():
    b = build()
    g = b.grid
    for r in b.goal_rows:
        g.values[r - 1] = [None] * len(g.values[r - 1])
    f = read_form(g)
    assert len(f.goals) == 1
    assert len(f.goals[0].indicators) == N_INDICATORS
    assert f.goals[0].points == 80
    assert f.goals[0].subtotal_cell is None
    assert [x.code for x in f.findings] == ["PE904"]
    assert "80" in f.findings[0].message


def test_second_form_in_the_same_sheet():
    one, two = build().grid, build().grid
    grid = Grid(name="两张表", values=one.values + [[None]] * 3 + two.values)
    f = read_form(grid)
    assert len(f.goals) == 7
    assert sum(len(g.indicators) for g in f.goals) == N_INDICATORS
    second = [x for x in f.findings if x.code == "PE902"]
    assert len(second) == 1 and second[0].cell == f"A{len(one.values) + 4}"


def test_second_form_to_the_right():
    left = build()
    right = build(Variant(typed={(0, 0): 1}))
    gap = 2
    width = 10 + gap
    values = [(a + [None] * (width - len(a))) + b for a, b in zip(left.grid.values, right.grid.values)]
    merged = left.grid.merged + [(r1, c1 + width, r2, c2 + width) for r1, c1, r2, c2 in right.grid.merged]
    f = read_form(Grid(name="并排", values=values, merged=merged))
    assert content(f) == content(BASE)
    second = [x for x in f.findings if x.code == "PE902"]
    assert len(second) == 1 and second[0].cell == f"M{left.header_row}"


def test_zero_width_and_bidi_marks_in_words():
    b = build(Variant(headers={"name": "三级\u200b指标", "score": "\ufeff得分"}))
    g = b.grid
    g.values[b.goal_rows[0] - 1][0] = "\u200b年度目标1：\u3000积极促进就业创业工作。\n（18分）"
    f = read_form(g)
    assert f.goals[0].points == 18 and f.goals[0].number == 1
    assert sum(len(x.indicators) for x in f.goals) == N_INDICATORS


def test_repeated_header_after_page_break_is_skipped():
    b = build()
    g = b.grid
    header = list(g.values[b.header_row - 1])
    r = b.goal_rows[3]
    g.values.insert(r - 1, header)
    g.merged = [(r1 + (r1 >= r), c1, r2 + (r2 >= r), c2) for r1, c1, r2, c2 in g.merged]
    f = read_form(g)
    assert content(f) == content(BASE)


def test_missing_total_row():
    b = build()
    g = b.grid
    g.values[b.total_row - 1] = [None] * 10
    f = read_form(g)
    assert f.total_cell is None
    assert "PE907" in [x.code for x in f.findings]


def test_row_with_figures_but_no_name():
    b = build()
    g = b.grid
    r = b.indicator_rows[(0, 2)]
    g.values[r - 1][2] = None
    f = read_form(g)
    assert len(f.goals[0].indicators) == 8
    found = [x for x in f.findings if x.code == "PE903"]
    assert len(found) == 1 and found[0].cell == f"B{r}"


def test_not_a_form():
    with pytest.raises(NotAForm) as err:
        read_form(Grid(name="Sheet1", values=[["姓名", "分数"], ["张三", 90]]))
    assert "Sheet1" in str(err.value) and "附件2-1" in str(err.value)
    with pytest.raises(NotAForm):
        read_form(Grid(name="空", values=[]))


def test_header_beyond_the_scan_limit_is_not_a_form():
    b = build(Variant(top=HEADER_MAX_ROWS))
    with pytest.raises(NotAForm):
        read_form(b.grid)


def test_large_noise_sheet_is_rejected_fast():
    rnd = random.Random(7)
    words = ["得分", "分值", "指标", "合计", "目标", "实际", 3.5, None, "……", "年度"]
    values = [[rnd.choice(words) for _ in range(30)] for _ in range(50_000)]
    grid = Grid(name="noise", values=values)
    t = time.perf_counter()
    with pytest.raises(NotAForm):
        read_form(grid)
    assert time.perf_counter() - t < 0.5


def test_noise_below_a_real_form_is_bounded():
    b = build()
    rnd = random.Random(3)
    noise = [[rnd.choice(["x", 1, None, "指标"]) for _ in range(12)] for _ in range(50_000)]
    grid = Grid(name="n", values=b.grid.values + noise, merged=b.grid.merged)
    t = time.perf_counter()
    f = read_form(grid)
    assert time.perf_counter() - t < 1.0
    assert len(f.goals) == 7


def test_helpers():
    assert norm("年初\n目标值（A）") == "年初目标值(A)"
    assert header_role("年初目标值（A）") == "target"
    assert header_role("实际得分") == "score"
    assert header_role("得分（20分*执行率）") == "score"
    assert header_role("分值权重") is None or header_role("分值权重") == "weight"
    assert header_role("一级指标") == "level1"
    assert all(is_placeholder(x) for x in ["……", "…", "...", "····"])
    assert not is_placeholder("完成")


def test_endless_indicator_like_rows_are_bounded():
    b = build()
    rows = [["产出指标", "数量指标", f"指标{i}", 2, "x", "y", "10人", "12人", 2, None] for i in range(50_000)]
    grid = Grid(name="big", values=b.grid.values[:b.header_row] + rows)
    t = time.perf_counter()
    f = read_form(grid)
    assert time.perf_counter() - t < 1.0
    assert sum(len(g.indicators) for g in f.goals) == BODY_MAX_ROWS


def test_header_block_wordings():
    b = build()
    g = b.grid
    g.values[2][0] = "2021年度部门整体支出绩效自评表"
    g.values[4] = ["单位名称：十堰市人力资源和社会保障局"] + [None] * 9
    g.values[3][8], g.values[3][9] = "自评得分", "97分"
    f = read_form(g)
    assert f.year == 2021 and f.unit == "十堰市人力资源和社会保障局"
    assert f.claimed_total == 97 and f.claimed_total_cell == "J4"
    g.values[3][8], g.values[3][9] = "自评得分: 95.5", None
    f = read_form(g)
    assert f.claimed_total == 95.5 and f.claimed_total_cell == "I4"
    g.values[3][8] = "自评得分："
    f = read_form(g)
    assert f.claimed_total is None and f.claimed_total_cell == "J4"  # empty: the number goes there


def test_numbered_goal_rows_in_a_sequence_column():
    b = build(Variant(seq_column=True))
    g = b.grid
    for i, r in enumerate(b.goal_rows):
        g.values[r - 1][0] = "一二三四五六七"[i]
    g.values[b.total_row - 1][0] = "（八）"
    f = read_form(g)
    assert content(f) == content(BASE)
    assert f.total_cell == b.addr("score", b.total_row)


def test_every_reader_code_is_produced_and_catalogued():
    """Every PE9xx code comes from the reader (a sheet with no form is NotAForm, not a finding)."""
    produced = set()
    b = build()
    g = b.grid
    for r in b.goal_rows:
        g.values[r - 1] = [None] * 10
    g.values[b.total_row - 1] = [None] * 10
    g.values[b.indicator_rows[(0, 2)] - 1][2] = None
    g.values[b.indicator_rows[(1, 1)] - 1][0] = "50%)"
    produced |= {x.code for x in read_form(g).findings}
    produced |= {x.code for x in read_form(Grid("x", build().grid.values * 2)).findings}
    seed = seed_text_grid()
    if seed is not None:
        produced |= {x.code for x in read_form(seed).findings}
    wide = build().grid
    wide.values[0] += [None] * 30 + ["stray"]
    produced |= {x.code for x in read_form(clip_grid(wide, Limits(max_cols=20))).findings}
    expected = {c for c in CATALOGUE if c.startswith("PE90")}  # PE91x: workbook.families (tests/test_families.py)
    if seed is None:
        expected.discard("PE906")
    assert produced == expected


def test_national_project_form():
    from grids import project_form_grid

    f = read_form(project_form_grid())
    b = f.budget
    assert (b.points, b.planned, b.executed) == (10, 120, 108)  # 全年预算数 preferred over 年初
    assert b.cells["planned"] == "D7" and b.cells["score"] == "H7" and b.cells["rate"] == "G7"
    assert len(f.goals) == 1 and f.goals[0].points == 90
    names = [(i.level1, i.level2, i.name, i.weight, i.cells.score) for i in f.goals[0].indicators]
    assert names == [
        ("产出指标", "数量指标", "职业技能培训人数", 30, "H12"),
        ("产出指标", "质量指标", "培训合格率", 20, "H13"),
        ("效益指标", "社会效益指标", "培训后就业率", 30, "H14"),
        ("满意度指标", "服务对象满意度指标", "学员满意度", 10, "H15"),
    ]
    assert f.total_cell == "H16" and f.typed_total == 96.78
    assert [x.code for x in f.findings] == ["PE904"]


def test_year_and_unit_fallbacks():
    b = build()
    g = b.grid
    g.values[1][0] = "2022年部门整体支出绩效自评表"
    g.values[2][0] = None
    g.values[3][0] = "填报单位：十堰市人力资源和社会保障局（公章）"
    g.values[4] = [None] * 10
    f = read_form(g)
    assert f.year == 2022
    assert f.unit == "十堰市人力资源和社会保障局"


def test_subtotal_rows():
    b = build(Variant(title_merge_to="J"))
    g = b.grid
    r = b.goal_rows[1]  # insert 小计 as the last row of goal 1
    g.values.insert(r - 1, ["小计"] + [None] * 7 + [18, None])
    g.merged = [(r1 + (r1 >= r), c1, r2 + (r2 >= r), c2) for r1, c1, r2, c2 in g.merged]
    f = read_form(g)
    assert f.goals[0].subtotal_cell == f"I{r}" and f.goals[0].typed_subtotal == 18
    assert f.goals[1].subtotal_cell is None
    assert not any(x.code == "PE903" for x in f.findings)
    assert content(f) == content(BASE)


# ---- PE908: a sheet larger than the reading limits ------------------------------------------------


def _with_stray(row: int, col: int) -> Grid:
    g = build().grid
    while len(g.values) < row:
        g.values.append([])
    r = g.values[row - 1]
    r += [None] * (col - len(r))
    r[col - 1] = "多余内容"
    return g


def test_sheet_read_whole_has_no_clip_finding():
    g = build().grid
    assert clip_grid(g) is g and g.clipped is None
    assert not any(x.code == "PE908" for x in read_form(g).findings)


@pytest.mark.parametrize("row,col,limits,cell,words", [
    (200, 3, Limits(max_rows=100), "A101", ("超过 100 行", "第 101 行起")),
    (2, 40, Limits(max_cols=20), "U1", ("超过 20 列", "U 列起")),
    (200, 40, Limits(max_rows=100, max_cols=20), "U1", ("超过 100 行、20 列", "第 101 行起、U 列起")),
    (200, 3, Limits(max_rows=1000, max_cols=100, max_cells=1000), "A101", ("超过 100 行",)),  # cell budget
])
def test_clipped_sheet_is_reported_and_the_rest_still_read(row, col, limits, cell, words):
    g = clip_grid(_with_stray(row, col), limits)
    assert g.clipped is not None
    f = read_form(g)
    hits = [x for x in f.findings if x.code == "PE908"]
    assert [(x.severity, x.cell) for x in hits] == [("warning", cell)]
    assert all(w in hits[0].message for w in words), hits[0].message
    assert content(f) == content(BASE)  # the form itself lies inside the limits


def test_clip_recorded_when_the_adapter_already_cut_the_grid():
    """Adapters read only the first rows/columns and pass the sheet's used size as ``extent``."""
    g = build().grid
    assert clip_grid(g, extent=(g.n_rows, g.n_cols)).clipped is None
    g2 = build().grid
    out = clip_grid(g2, Limits(max_rows=100), extent=(5000, 10))
    assert out.clipped == (101, 0)
    assert [x.cell for x in read_form(out).findings if x.code == "PE908"] == ["A101"]


def _save(grid: Grid, path, stray=None, formatted=None):
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = grid.name
    for r, vals in enumerate(grid.values, 1):
        for c, v in enumerate(vals, 1):
            if v is not None:
                ws.cell(r, c, v)
    for r1, c1, r2, c2 in grid.merged:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    if stray:
        ws.cell(*stray, "多余内容")
    if formatted:
        ws.cell(*formatted).font = Font(bold=True)  # a formatted empty cell is not content
    wb.save(path)


@pytest.mark.parametrize("reader", ["fast", "xlsx"])
def test_adapters_report_a_sheet_cut_at_the_column_limit(tmp_path, reader):
    import importlib

    from workbook.safety import DEFAULT_LIMITS

    read_grids = importlib.import_module(f"workbook.{reader}").read_grids
    beyond = DEFAULT_LIMITS.max_cols + 20
    _save(build().grid, tmp_path / "wide.xlsx", stray=(3, beyond))
    _save(build().grid, tmp_path / "formatted.xlsx", formatted=(3, beyond))
    g = read_grids(tmp_path / "wide.xlsx")[0]
    assert g.clipped == (0, DEFAULT_LIMITS.max_cols + 1)
    f = read_form(g)
    assert [x.cell for x in f.findings if x.code == "PE908"] == ["CW1"]
    assert content(f) == content(BASE)
    g = read_grids(tmp_path / "formatted.xlsx")[0]
    assert g.clipped is None and not any(x.code == "PE908" for x in read_form(g).findings)


@pytest.mark.parametrize("reader", ["fast", "xlsx"])
def test_adapters_report_a_sheet_cut_at_the_row_limit(tmp_path, reader):
    import importlib

    from workbook.safety import DEFAULT_LIMITS

    read_grids = importlib.import_module(f"workbook.{reader}").read_grids
    _save(build().grid, tmp_path / "long.xlsx", stray=(DEFAULT_LIMITS.max_rows + 50, 2))
    g = read_grids(tmp_path / "long.xlsx")[0]
    assert g.clipped == (DEFAULT_LIMITS.max_rows + 1, 0)
    assert [x.cell for x in read_form(g).findings if x.code == "PE908"] == [f"A{DEFAULT_LIMITS.max_rows + 1}"]
