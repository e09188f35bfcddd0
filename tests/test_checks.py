"""Form-level and row-level checks: they fire on the problem, stay quiet otherwise, point at the cell."""
from __future__ import annotations

from scoring import load_profile, score_form
from scoring.checks import CHECKS, ROW_CHECKS
from scoring.models import Level1Label
from tests.seed_form import TIERS_STANDARD, form_of, row, seed_form

P = load_profile("hubei-2-1")


def found(form, profile=P):
    return {(f.code, f.cell) for f in score_form(form, profile).findings}


def codes(form, profile=P):
    return [f.code for f in score_form(form, profile).findings]


def test_checks_are_plain_functions_in_order():
    assert all(callable(c) for c in CHECKS + ROW_CHECKS)
    assert len({c.__name__ for c in CHECKS}) == len(CHECKS)


def test_clean_small_form_has_no_findings():
    assert codes(form_of(row("人数", 2, "10人", "10人", 2), row("失业率", 2, "≤5%", "4%", 2, r=12))) == []


def test_goal_points_must_match_indicator_weights():
    form = form_of(row("人数", 2, "10人", "10人", 2))
    form.goals[0].points = 70
    assert ("PE301", "A10") in found(form)
    assert "PE302" in codes(form)  # 20 + 70 != 100


def test_goal_without_points():
    form = form_of(row("人数", 2, "10人", "10人", 2))
    form.goals[0].points = None
    cs = codes(form)
    assert "PE307" in cs and "PE301" not in cs and "PE302" not in cs  # falls back to the row weights


def test_level1_share_label():
    form = form_of(row("人数", 40, "10人", "10人", 40))
    form.goals[0].labels = [Level1Label(name="产出指标", share=0.5, cell="A11"),
                            Level1Label(name="效益指标", share=0.5, cell="A12")]
    form.goals[0].indicators[1].level1 = "效益指标"
    assert codes(form) == []
    form.goals[0].labels[0] = Level1Label(name="产出指标", share=0.6, cell="A11")
    assert ("PE303", "A11") in found(form)


def test_duplicate_goal_titles_ignore_number_and_points():
    form = seed_form()
    titles = [g.title for g in form.goals]
    assert [f for f in score_form(form, P).findings if f.code == "PE305"][0].cell == "A54"
    form.goals[6].title = "年度目标7：巩固脱贫成果。（4分）"
    assert "PE305" not in codes(form)
    assert titles[5] != titles[6]  # the seed differs only in the number and points


def test_national_level1_weights():
    p = load_profile("national-project")
    rows = [row("产出", 50, "10人", "10人", 50), row("效益", 30, "10人", "10人", 30, r=12, level1="效益指标"),
            row("满意度", 10, "90%", "95%", 10, r=13, level1="满意度指标")]
    form = form_of(*rows, pad=False)
    form.goals[0].points = 90
    form.budget.points = 10
    assert codes(form, p) == []
    form.goals[0].indicators[2].level1 = "效益指标"
    assert codes(form, p).count("PE306") == 2  # 效益 40 instead of 30, 满意度 0 instead of 10


def test_typed_total_and_subtotal():
    form = form_of(row("人数", 2, "10人", "5人", 1, reason="x"))
    form.typed_total = 100
    form.goals[0].typed_subtotal = 80
    assert {("PE604", form.total_cell), ("PE606", "I10")} <= found(form)
    form.typed_total = 99
    form.goals[0].typed_subtotal = 79.0
    assert codes(form) == []
    form.typed_total = "九十九"
    assert "PE604" in codes(form)


def test_constraint_deduction_cell():
    form = form_of(row("人数", 2, "10人", "10人", 2))
    form.constraint.typed_score = 2
    r = score_form(form, P)
    assert r.deduction == 2 and "PE605" in [f.code for f in r.findings]
    form.constraint.typed_score = "扣两分"
    r = score_form(form, P)
    assert r.deduction == 0 and "PE605" in [f.code for f in r.findings]
    for quiet in ("—", "无", None, -1):
        form.constraint.typed_score = quiet
        assert "PE605" not in codes(form)


def test_shortfall_reason_only_when_below_full():
    assert "PE401" in codes(form_of(row("人数", 2, "10人", "9人", 1.8)))
    assert "PE401" not in codes(form_of(row("人数", 2, "10人", "9人", 1.8, reason="疫情影响")))
    assert "PE401" not in codes(form_of(row("人数", 2, "10人", "9.99人", 2)))  # within tolerance


def test_over_completion_needs_reason():
    assert "PE402" in codes(form_of(row("人数", 2, "10人", "13人", 2)))
    assert "PE402" not in codes(form_of(row("人数", 2, "10人", "12.9人", 2)))
    assert "PE402" not in codes(form_of(row("人数", 2, "10人", "20人", 2, reason="新增政策性任务")))
    high = P.with_options(**{"quantitative.over_threshold": 2.5})
    assert "PE402" not in codes(form_of(row("人数", 2, "10人", "20人", 2)), high)


def test_description_contradicts_target():
    ind = row("人数", 2, "10人", "10人", 2, description="培训人数 12人")
    assert ("PE107", "E11") in found(form_of(ind))
    ind = row("人数", 2, "10人", "10人", 2, description="培训人数 10人，合格率 95%")
    assert "PE107" not in codes(form_of(ind))


def test_qualitative_row_needing_a_human_is_info_only():
    form = form_of(row("宣传", 2, "加强宣传", "开展宣传活动多次", 2))
    r = score_form(form, P)
    assert [(f.code, f.severity) for f in r.findings] == [("PE207", "info")]


def test_tier_band_from_declared_tier():
    ind = row("稳岗", 10, "做好", "做好", 9, standard=TIERS_STANDARD, tier="未达成预期指标且效果较差")
    assert "PE205" in codes(form_of(ind))
    ind = row("稳岗", 10, "做好", "做好", 9, standard=TIERS_STANDARD, tier="达成预期指标")
    assert "PE205" not in codes(form_of(ind))


def test_reader_findings_come_first():
    from scoring.findings import make

    form = form_of(row("人数", 2, "10人", "9人", 1.8))
    form.findings = [make("PE903", "A30", row=30, text="备注")]
    assert codes(form)[0] == "PE903"


def test_formula_text_is_unknown_not_typed_text():
    form = form_of(row("人数", 2, "10人", "10人", "=G11/H11*2"))
    form.typed_total = "=ROUND(SUM(H8,I10),2)"
    assert codes(form) == []


def test_implicit_goal_from_reader_is_not_flagged_twice():
    from scoring.findings import make

    form = form_of(row("人数", 2, "10人", "10人", 2))
    form.goals[0].points = None
    form.findings = [make("PE904", None, points=80)]
    assert codes(form) == ["PE904"]


def test_form_without_indicators_is_an_error():
    """PE308: a header with no rows (or only placeholders, or empty goals) must not pass on the budget alone."""
    no_goals = form_of(pad=False)
    no_goals.goals = []
    res = score_form(no_goals, P)
    assert [(f.code, f.severity, f.cell) for f in res.findings if f.code == "PE308"] == [("PE308", "error", None)]
    assert res.errors and res.total == 20  # still scored, but flagged
    empty_goals = form_of(pad=False)  # one goal (80 分) with zero indicators
    assert ("PE308", "A10") in found(empty_goals)
    assert "PE301" in codes(empty_goals)
    placeholders = form_of(row("……", 2, "", "", None), row("—", 2, "", "", None, r=12), pad=False)
    assert "PE308" in codes(placeholders)


def test_one_indicator_is_enough_to_score():
    assert "PE308" not in codes(form_of(row("人数", 80, "10人", "10人", 80), pad=False))
    assert "PE308" not in codes(seed_form())


def _message(form, code, profile=P):
    return next(f.message for f in score_form(form, profile).findings if f.code == code)


def test_finding_messages_read_as_chinese_sentences():
    """No placeholder in quotes, no question, numbers the way the other messages print them."""
    assert "年初目标值为空，" in _message(form_of(row("人数", 2, "", "10人", 2)), "PE101")
    assert "年初目标值“-5人”无法识别" in _message(form_of(row("人数", 2, "-5人", "10人", 2)), "PE101")
    assert "实际完成值为空（目标为数值）" in _message(form_of(row("人数", 2, "10人", "", 2)), "PE102")
    assert "实际完成值“很多”无法识别（目标为数值）" in _message(form_of(row("人数", 2, "10人", "很多", 2)), "PE102")
    over = _message(form_of(row("人数", 2, "10人", "20人", 2)), "PE402")
    assert not over.endswith("？") and "请说明" in over
    assert "保留填报得分 2；" in _message(form_of(row("宣传", 2, "加强宣传", "开展宣传活动多次", 2)), "PE207")
    form = form_of(row("人数", 2, "10人", "10人", 2))
    form.budget.typed_score = 15
    budget = _message(form, "PE503")
    assert budget.startswith("预算执行填报得分 15，按规则计算应为 20.00（") and budget.endswith("）。"), budget
    for f in score_form(form_of(row("人数", 2, "", "很多", 2)), P).findings:
        assert "（空）" not in f.message
