"""workbook.writeplan.build_plan: owned cells only, never formulas, contiguous blocks, idempotent."""
from __future__ import annotations

import pytest

from grids import Variant, apply_plan, build, planned_values
from scoring.engine import score_form
from scoring.profiles import load_profile
from workbook.grid import a1, parse_a1
from workbook.layout import read_form
from workbook.writeplan import build_plan, input_cells


def plan_for(grid, profile="hubei-2-1", **kw):
    form = read_form(grid)
    prof = load_profile(profile)
    result = score_form(form, prof)
    return form, result, build_plan(form, result, grid, profile=prof, **kw)


def owned(form, result):
    """Every cell the tool may write, from the form and result."""
    cells = {i.cells.score for g in form.goals for i in g.indicators}
    cells |= {g.subtotal_cell for g in form.goals}
    if form.budget:
        cells |= {form.budget.cells.get("rate"), form.budget.cells.get("score")}
    cells |= {form.total_cell, form.grade_cell, form.claimed_total_cell}
    return {c for c in cells if c}


VARIANTS = [
    Variant(),
    Variant(top=5, left=3),
    Variant(top=30),
    Variant(seq_column=True, blank_after=("B", "H"), note_column=True),
    Variant(halfwidth=True, self_score="combined"),
    Variant(title_merge_to="J", level1="repeated"),
    Variant(budget=False),
    Variant(formulas=True),
    Variant(typed={(0, 0): 1, (2, 1): 0.5}),
]


@pytest.mark.parametrize("v", VARIANTS, ids=range(len(VARIANTS)))
def test_writes_only_owned_non_formula_cells(v):
    b = build(v)
    form, result, plan = plan_for(b.grid)
    values = planned_values(plan)
    assert values, "something must be written"
    assert set(values) <= owned(form, result)
    protected = input_cells(form)
    for cell in values:
        rc = parse_a1(cell)
        assert rc not in protected
        assert not b.grid.has_formula(*rc)
    # blocks do not overlap and never cross a goal title row
    seen = set()
    titles = {parse_a1(g.cell)[0] for g in form.goals}
    for blk in plan.blocks:
        rows = range(blk.row, blk.row + len(blk.values))
        assert all(len(r) == 1 for r in blk.values)
        assert not any(r in titles for r in rows[1:])
        for r in rows:
            assert (r, blk.col) not in seen
            seen.add((r, blk.col))


@pytest.mark.parametrize("v", VARIANTS, ids=range(len(VARIANTS)))
def test_idempotent(v):
    b = build(v)
    _, _, plan = plan_for(b.grid)
    once = planned_values(plan)
    grid2 = apply_plan(b.grid, plan)
    _, result2, plan2 = plan_for(grid2)
    assert planned_values(plan2) == once
    assert [(blk.row, blk.col) for blk in plan2.blocks] == [(blk.row, blk.col) for blk in plan.blocks]


def test_template_values():
    b = build()
    form, result, plan = plan_for(b.grid)
    values = planned_values(plan)
    assert values[b.claimed_cell] == 97
    assert values[b.addr("score", b.total_row)] == 97
    assert values[b.addr("score", b.grade_row)] == "优"
    assert values[b.addr("H", b.budget_row)] == 20
    assert values[b.addr("G", b.budget_row)] == 1.0
    assert [values[b.addr("score", r)] for r in b.goal_rows] == [18, 18, 9, 10, 10, 8, 4]
    assert values[b.cell(0, 0, "score")] == 2
    # one block per goal: the subtotal heads the goal's scores
    first = plan.blocks[[blk.row for blk in plan.blocks].index(b.goal_rows[0])]
    assert len(first.values) == 1 + 9


def test_stale_typed_score_is_corrected_and_reported():
    b = build(Variant(typed={(0, 0): 1}))
    form, result, plan = plan_for(b.grid)
    cell = b.cell(0, 0, "score")
    assert planned_values(plan)[cell] == 2
    assert planned_values(plan)[b.addr("score", b.goal_rows[0])] == 18
    assert planned_values(plan)[b.claimed_cell] == 97
    notes = {n.cell: n.text for n in plan.notes}
    assert "PE202" in notes[cell]
    assert any(f.code == "PE202" and f.cell == cell for f in result.findings)
    assert {h.cell: h.severity for h in plan.highlights}[cell] == "warning"


def test_judgement_rows_keep_typed_score_only_inside_a_block():
    b = build()
    form, result, plan = plan_for(b.grid)
    values = planned_values(plan)
    kept = [ir for ir in result.indicators if not ir.computed]
    assert kept, "the example has judgement rows"
    for ir in kept:
        if ir.cell in values:
            r, c = parse_a1(ir.cell)
            assert values[ir.cell] == b.grid.get(r, c)  # written back unchanged
            # ... and only between two computed writes of the same column
            assert a1(r - 1, c) in values and any(
                a1(x, c) in values and a1(x, c) not in {k.cell for k in kept} for x in range(r + 1, r + 10))
    # goal 3's last row (院士专家 judgement, typed 3) ends its goal: not written
    last = b.cell(2, 5, "score")
    assert last not in values


def test_combined_header_text_gets_the_new_total():
    b = build(Variant(self_score="combined"))
    g = b.grid
    r, c = parse_a1(b.cell(0, 0, "actual"))
    g.values[r - 1][c - 1] = "1.75万人"  # half the target: 2 points -> 1
    form, result, plan = plan_for(g)
    assert result.total == 96
    text = planned_values(plan)["A4"]
    assert text.endswith("自评得分：96")
    assert text.startswith("填报单位：（公章）    填报人及联系电话：王俊/8116610")
    # applied and scored again: the same text
    _, _, plan2 = plan_for(apply_plan(g, plan))
    assert planned_values(plan2)["A4"] == text


def test_formula_cells_break_blocks_and_are_never_written():
    b = build(Variant(formulas=True))
    g = b.grid
    cell = b.cell(0, 4, "score")
    g.formulas[parse_a1(cell)] = "=2"
    form, result, plan = plan_for(g)
    values = planned_values(plan)
    assert cell not in values
    for f_cell in [b.claimed_cell, b.addr("score", b.total_row), b.addr("score", b.grade_row),
                   b.addr("score", b.goal_rows[0]), b.addr("H", b.budget_row)]:
        assert f_cell not in values
    col = parse_a1(cell)[1]
    r = parse_a1(cell)[0]
    blocks = [blk for blk in plan.blocks if blk.col == col and blk.row <= r + 1 and blk.row >= b.goal_rows[0]]
    assert [blk.row for blk in blocks] == [b.indicator_rows[(0, 0)], r + 1]


def test_goal_rows_merged_across_score_column_get_no_subtotal():
    b = build(Variant(title_merge_to="J"))
    form, result, plan = plan_for(b.grid)
    values = planned_values(plan)
    for r in b.goal_rows:
        assert b.addr("score", r) not in values
    assert values[b.cell(0, 0, "score")] == 2


def test_no_budget_block():
    b = build(Variant(budget=False))
    form, result, plan = plan_for(b.grid)
    assert form.budget is None
    assert planned_values(plan)[b.addr("score", b.total_row)] == result.total


def test_digits_from_the_profile():
    b = build()
    g = b.grid
    r, c = parse_a1(b.cell(0, 0, "actual"))
    g.values[r - 1][c - 1] = "2.5万人"  # 2.5/3.5 × 2 = 1.428571...
    cell = b.cell(0, 0, "score")
    prof = load_profile("hubei-2-1")
    _, _, plan = plan_for(g, profile=prof)
    assert planned_values(plan)[cell] == 1.43
    _, _, plan = plan_for(g, profile=prof.with_options(digits=1))
    assert planned_values(plan)[cell] == 1.4
    _, _, plan = plan_for(g, digits=3)
    assert planned_values(plan)[cell] == 1.429
    # without a profile argument the result's profile name decides
    form = read_form(g)
    result = score_form(form, prof)
    assert planned_values(build_plan(form, result, g))[cell] == 1.43


def test_notes_group_findings_per_cell_and_explain_rows():
    b = build()
    form, result, plan = plan_for(b.grid)
    cells = [n.cell for n in plan.notes]
    assert len(cells) == len(set(cells))
    assert {f.cell for f in result.findings if f.cell} == set(cells)
    for n in plan.notes:
        assert all(line[:2] == "PE" and line[5] == " " for line in n.text.splitlines())
    assert [h.cell for h in plan.highlights] == cells
    assert plan.explain_rows and plan.explain_rows[0][0] == "目标"
    assert plan.sheet == b.grid.name


def test_combined_header_text_without_a_number_gets_one():
    b = build(Variant(self_score="combined"))
    g = b.grid
    g.values[3][0] = "填报单位：（公章）    填报日期：2022年04月14日    自评得分："
    form, result, plan = plan_for(g)
    assert form.claimed_total is None and form.claimed_total_cell == "A4"
    text = planned_values(plan)["A4"]
    assert text == "填报单位：（公章）    填报日期：2022年04月14日    自评得分：97"
    _, _, plan2 = plan_for(apply_plan(g, plan))
    assert planned_values(plan2)["A4"] == text


def test_header_label_in_the_last_column_gets_no_cell_outside_the_form():
    b = build()
    g = b.grid
    g.values[3][8], g.values[3][9] = None, "自评得分："
    form, result, plan = plan_for(g)
    assert form.claimed_total_cell is None
    assert all(blk.col <= 10 for blk in plan.blocks)
