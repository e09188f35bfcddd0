"""workbook.pipeline: the one scoring path (grid -> form -> result -> plan)."""
from __future__ import annotations

import pytest

from grids import Variant, apply_plan, build, planned_values, seed_text_grid
from pe_score.example_data import EXPECTED_GOAL_SCORES, EXPECTED_TOTAL
from scoring.profiles import PROFILE_DIR, load_profile
from workbook.errors import NotAForm
from workbook.grid import Grid
from workbook.pipeline import Scored, find_forms, score_grid, score_workbook

NOT_A_FORM = Grid(name="说明", values=[["填表说明：请在下一张工作表填写"], ["联系人", "张三"]])


def test_seed_scores_97():
    s = score_grid(build().grid)
    assert isinstance(s, Scored)
    assert s.result.total == EXPECTED_TOTAL
    assert s.result.grade == "优"
    assert [g.score for g in s.result.goals] == EXPECTED_GOAL_SCORES
    assert s.result.budget.score == 20
    assert s.profile.name == "hubei-2-1"
    assert s.form.sheet == s.plan.sheet == "附件2-1"


def test_template_example_grid_scores_97():
    from pe_score import templates
    s = score_grid(templates.example_grid())
    assert s.result.total == EXPECTED_TOTAL
    assert [g.score for g in s.result.goals] == EXPECTED_GOAL_SCORES
    # the template computes subtotals, total, grade, rate and budget score with formulas
    values = planned_values(s.plan)
    assert values and all(not s.form.total_cell == c for c in values)
    # ...so only indicator scores and the header's claimed self-score (a typed 97) are written
    assert s.form.claimed_total == 97 and values.get(s.form.claimed_total_cell) == 97
    assert set(values) <= {i.cells.score for g in s.form.goals for i in g.indicators} | {"J4"}


@pytest.mark.parametrize("v", [
    Variant(top=5, left=3),
    Variant(top=30, headers={"target": "年度指标值", "actual": "实际值", "score": "自评得分"}),
    Variant(halfwidth=True, seq_column=True, blank_after=("E",), self_score="combined"),
    Variant(level1="first-only", title_merge_to="J", formulas=True),
], ids=["C5", "A30-wording", "halfwidth-extra-cols", "filled-merged-formulas"])
def test_variations_score_the_same(v):
    s = score_grid(build(v).grid)
    assert s.result.total == EXPECTED_TOTAL
    assert [g.score for g in s.result.goals] == EXPECTED_GOAL_SCORES


def test_stale_typed_score_end_to_end():
    b = build(Variant(typed={(0, 0): 1}))
    s = score_grid(b.grid)
    assert s.result.total == EXPECTED_TOTAL  # the computed score, not the typed 1
    cell = b.cell(0, 0, "score")
    assert any(f.code == "PE202" and f.cell == cell for f in s.result.findings)
    again = score_grid(apply_plan(b.grid, s.plan))
    assert not any(f.code == "PE202" and f.cell == cell for f in again.result.findings)
    assert planned_values(again.plan) == planned_values(s.plan)


def test_no_budget_block_scores_without_budget_points():
    s = score_grid(build(Variant(budget=False)).grid)
    assert s.form.budget is None
    assert s.result.total == EXPECTED_TOTAL - 20


def test_profile_as_name_object_or_path(tmp_path):
    grid = build().grid
    path = tmp_path / "mine.toml"
    path.write_text((PROFILE_DIR / "hubei-2-1.toml").read_text(encoding="utf-8")
                    .replace('name = "hubei-2-1"', 'name = "mine"'), encoding="utf-8")
    by_name = score_grid(grid, "hubei-2-1")
    by_obj = score_grid(grid, load_profile("hubei-2-1").with_options(digits=0))
    by_path = score_grid(grid, str(path))
    assert by_name.result.total == by_obj.result.total == by_path.result.total == EXPECTED_TOTAL
    assert by_path.profile.name == "mine" and by_obj.profile.digits == 0
    other = score_grid(grid, "national-project")
    assert other.profile.name == "national-project"


def test_score_workbook_picks_the_first_form_or_the_named_sheet():
    a = build(name="表A").grid
    b = build(Variant(typed={(0, 0): 1}), name="表B").grid
    assert score_workbook([NOT_A_FORM, a, b]).form.sheet == "表A"
    assert score_workbook([NOT_A_FORM, a, b], sheet="表B").form.sheet == "表B"
    assert score_workbook({"说明": NOT_A_FORM, "表B": b}).form.sheet == "表B"
    assert score_workbook([a], None, "hubei-2-1").result.total == EXPECTED_TOTAL


def test_score_workbook_errors_name_the_sheets():
    with pytest.raises(NotAForm) as err:
        score_workbook([NOT_A_FORM, Grid(name="Sheet2", values=[])])
    assert "说明" in str(err.value) and "Sheet2" in str(err.value)
    with pytest.raises(NotAForm) as err:
        score_workbook([build().grid], sheet="不存在")
    assert "不存在" in str(err.value) and "附件2-1" in str(err.value)
    with pytest.raises(NotAForm) as err:
        score_workbook([NOT_A_FORM], sheet="说明")
    assert "说明" in str(err.value)


def test_find_forms_returns_every_form():
    sheets = [NOT_A_FORM, build(name="一").grid, build(Variant(top=30), name="二").grid]
    found = find_forms(sheets)
    assert [s.form.sheet for s in found] == ["一", "二"]
    assert all(s.result.total == EXPECTED_TOTAL for s in found)
    assert find_forms([NOT_A_FORM]) == []


def test_seed_text_extraction_scores_without_budget_values():
    grid = seed_text_grid()
    if grid is None:
        pytest.skip("shared/ seed not present")
    s = score_grid(grid)
    # the seed's budget cells are blank, so only the 77 goal points remain of the claimed 97
    assert [g.score for g in s.result.goals] == EXPECTED_GOAL_SCORES
    assert s.result.claimed_total == 97
    codes = {f.code for f in s.result.findings} | {f.code for f in s.form.findings}
    assert "PE906" in codes
    # a realigned row is written where its score physically is, never over its neighbours
    shifted = s.form.goals[0].indicators[-1]
    values = planned_values(s.plan)
    assert values[shifted.cells.score] == 2 and shifted.cells.score.startswith("H")
    assert shifted.cells.reason not in values


def test_xlsx_round_trip(tmp_path):
    from pe_score import templates
    from workbook import xlsx
    path = tmp_path / "example.xlsx"
    templates.build_example().save(path)
    s = score_workbook(xlsx.read_grids(path))
    assert s.result.total == EXPECTED_TOTAL


def test_national_project_form_with_its_profile():
    from grids import project_form_grid

    s = score_grid(project_form_grid(), "national-project")
    assert s.result.budget.score == 9  # 10 × 108/120
    assert round(s.result.total, 2) == 96.78  # 9 + 30 + 20 × 80/90 + 30 + 10
    values = planned_values(s.plan)
    assert values["H13"] == 17.78 and values["H16"] == 96.78 and values["H7"] == 9
    assert not any(f.code == "PE202" for f in s.result.findings)  # the typed 17.78 matches


def _combos(n=12, seed=11):
    import random

    rnd = random.Random(seed)
    headers = [{}, {"target": "年度指标值", "actual": "实际值", "score": "自评得分"},
               {"name": "指标名称", "weight": "权重", "target": "目标值", "actual": "完成值"}]
    for _ in range(n):
        yield Variant(
            top=rnd.choice([1, 3, 40]), left=rnd.choice([1, 2, 6]), headers=rnd.choice(headers),
            halfwidth=rnd.random() < 0.5, seq_column=rnd.random() < 0.5,
            blank_after=tuple(rnd.sample("ABCDEFGHI", rnd.randint(0, 2))), note_column=rnd.random() < 0.5,
            level1=rnd.choice(["merged", "repeated", "first-only"]), budget=True,
            self_score=rnd.choice(["label", "combined"]), title_merge_to=rnd.choice(["H", "J"]),
            formulas=rnd.random() < 0.5,
        )


@pytest.mark.parametrize("v", list(_combos()))
def test_random_layout_combinations_score_97_and_plans_are_idempotent(v):
    b = build(v)
    s = score_grid(b.grid)
    assert s.result.total == EXPECTED_TOTAL
    assert [g.score for g in s.result.goals] == EXPECTED_GOAL_SCORES
    assert s.form.findings == []
    again = score_grid(apply_plan(b.grid, s.plan))
    assert planned_values(again.plan) == planned_values(s.plan)
