"""The engine on the seed form (must score 97 with no errors) and on small hand-made forms."""
from __future__ import annotations

import json

import pytest

from pe_score.example_data import EXPECTED_GOAL_SCORES, EXPECTED_TOTAL
from scoring import (
    Method,
    apply_cap,
    constraint_triggered,
    explain_rows,
    grade_for,
    load_profile,
    result_json,
    score_budget,
    score_form,
    score_indicator,
)
from scoring.models import Budget, Indicator
from tests.seed_form import TIERS_STANDARD, form_of, row, seed_form

P = load_profile("hubei-2-1")


def codes(result_or_findings):
    findings = getattr(result_or_findings, "findings", result_or_findings)
    return [f.code for f in findings]


@pytest.fixture(scope="module")
def seed():
    form = seed_form()
    return form, score_form(form, P)


# ---- the seed ----------------------------------------------------------------------------------


def test_seed_scores_97(seed):
    _, r = seed
    assert r.total == pytest.approx(EXPECTED_TOTAL)
    assert r.budget.score == pytest.approx(20)
    assert [g.score for g in r.goals] == pytest.approx(EXPECTED_GOAL_SCORES)
    assert r.grade == "优" and not r.capped and r.deduction == 0


def test_seed_has_no_errors(seed):
    _, r = seed
    assert r.errors == [], [f.message for f in r.errors]


def test_seed_known_problems_are_found(seed):
    _, r = seed
    found = {(f.code, f.cell) for f in r.findings}
    assert ("PE103", "H21") in found  # 62.27 without unit
    assert ("PE107", "E21") in found  # 指标说明 37.89万人 vs target 57.89万人
    assert ("PE303", "A21") in found  # 产出指标 50% label over 12 of 18 points
    assert ("PE402", "J14") in found  # 2亿元 → 7.01亿元 without explanation
    assert ("PE305", "A54") in found  # goals 6 and 7 share a title


def _by_name(result, name):
    return next(i for i in result.indicators if i.name == name)


def test_seed_reverse_wording_scores_full(seed):
    _, r = seed
    i = _by_name(r, "中级职称评审通过率")
    assert i.method is Method.REVERSE and i.score == 1
    u = _by_name(r, "城镇登记失业率")
    assert u.method is Method.REVERSE and u.score == 2
    assert u.explanation == "反向指标：目标 ≤4.5%，实际 3.3%，已达标：满分 2.00"


def test_seed_bare_actual_borrows_target_unit(seed):
    _, r = seed
    i = _by_name(r, "参加城镇职工基本养老保险人数")
    assert i.method is Method.RATIO
    assert i.ratio == pytest.approx(62.27 / 57.89)
    assert "107.6%" in i.explanation


def test_seed_methods(seed):
    _, r = seed
    assert _by_name(r, "全年各类人事考试差错率").method is Method.ZERO
    assert _by_name(r, "全年城镇新增就业人数").explanation == "完成率 142.0%，按 100% 计：2 × 100% = 2.00"
    assert _by_name(r, "失业保险费稳岗返还").method is Method.JUDGEMENT
    assert _by_name(r, "深入开展“北京院士专家十堰行”活动").score == 3  # typed judgement kept
    q = _by_name(r, "深入实施“我选十堰·圆梦车城”系列活动接纳实习实训大学生")
    assert q.method is Method.QUALITATIVE and q.score == 2 and q.computed


def test_seed_claimed_total_mismatch_detected():
    form = seed_form()
    form.claimed_total = 95
    assert "PE603" in codes(score_form(form, P))


# ---- indicators ---------------------------------------------------------------------------------


def test_ratio_recomputes_typed_score():
    res, found = score_indicator(row("培训人数", 2, "100人", "50人", 2), P)
    assert res.score == pytest.approx(1) and res.typed == 2 and res.computed
    assert "PE202" in codes(found)
    assert "填报得分 2" in next(f.message for f in found if f.code == "PE202")


def test_typed_within_tolerance_is_accepted():
    res, found = score_indicator(row("培训人数", 3, "3人", "2人", 2.0, reason="疫情"), P)
    assert res.score == pytest.approx(2)
    assert codes(found) == []


def test_percent_fraction_from_excel():
    res, found = score_indicator(row("合格率", 2, "90%", "1.0", 2), P)
    assert res.ratio == pytest.approx(100 / 90) and res.score == 2
    assert codes(found) == ["PE105"]


def test_percent_target_bare_large_number_assumes_percent():
    res, found = score_indicator(row("合格率", 2, "90%", "45", None), P)
    assert res.score == pytest.approx(1)
    assert "PE103" in codes(found)


def test_unit_mismatch_keeps_typed_score():
    res, found = score_indicator(row("培训", 2, "100人", "3000元", 1.5, reason="x"), P)
    assert not res.computed and res.score == 1.5
    assert "PE108" in codes(found)


def test_negative_actual_clamped():
    res, found = score_indicator(row("人数", 2, "100人", "-5人", 0, reason="x"), P)
    assert res.score == 0 and "PE106" in codes(found)


def test_zero_target_missed():
    res, found = score_indicator(row("事故", 2, "0起", "1起", 0, reason="x"), P)
    assert res.method is Method.ZERO and res.score == 0 and "PE206" in codes(found)


def test_reverse_missed_with_profile_formulas():
    ind = row("失业率", 2, "≤4%", "5%", None, reason="x")
    assert score_indicator(ind, P)[0].score == pytest.approx(2 * 4 / 5)
    linear = P.with_options(**{"quantitative.reverse_formula": "linear"})
    assert score_indicator(ind, linear)[0].score == pytest.approx(2 * 0.75)


def test_explicit_method_wins():
    ind = row("满意度", 2, "90%", "85%", 1.9, method=Method.JUDGEMENT)
    res, _ = score_indicator(ind, P)
    assert res.method is Method.JUDGEMENT and res.score == 1.9 and not res.computed


def test_explicit_numeric_method_on_text_target():
    res, found = score_indicator(row("x", 2, "按时完成", "完成", 2, method=Method.RATIO), P)
    assert "PE101" in codes(found) and res.score == 2 and not res.computed


def test_three_tier_inference_from_standard_and_level1():
    by_standard = row("稳岗", 3, "做好稳岗工作", "已完成", 2.5, standard=TIERS_STANDARD)
    assert score_indicator(by_standard, P)[0].method is Method.JUDGEMENT
    by_level1 = row("社会效益", 3, "明显提升", "有所提升", 2.5, level1="效益指标")
    assert score_indicator(by_level1, P)[0].method is Method.JUDGEMENT
    plain_text = row("工作", 3, "明显提升", "有所提升", 2.5)
    assert score_indicator(plain_text, P)[0].method is Method.QUALITATIVE


def test_judgement_without_score_is_an_error():
    res, found = score_indicator(row("稳岗", 3, "做好", "做好", None, standard=TIERS_STANDARD), P)
    assert res.score is None and "PE204" in codes(found)


def test_judgement_score_outside_declared_tier():
    ind = row("稳岗", 10, "做好", "部分完成", 9, standard=TIERS_STANDARD, reason="x")
    res, found = score_indicator(ind, P)
    assert "PE205" in codes(found)
    assert "部分达成" in next(f.message for f in found if f.code == "PE205")
    ok = row("稳岗", 10, "做好", "部分完成", 6, standard=TIERS_STANDARD, reason="x")
    assert "PE205" not in codes(score_indicator(ok, P)[1])


def test_score_above_weight_is_capped_with_error():
    res, found = score_indicator(row("稳岗", 3, "做好", "做好", 5, standard=TIERS_STANDARD), P)
    assert res.score == 3 and "PE201" in codes(found)


def test_text_score_cell():
    res, found = score_indicator(row("人数", 2, "100人", "100人", "满分"), P)
    assert "PE203" in codes(found) and res.score == 2  # computable row: still scored
    res, found = score_indicator(row("人数", 2, "100人", "100人", "2"), P)
    assert "PE203" in codes(found) and res.typed is None and res.score == 2
    # A kept score is what SUM counts: text "2" in a three-tier row keeps nothing, as the form's own
    # subtotal formula skips it; PE203 says so (not PE204, the cell is not empty).
    res, found = score_indicator(row("稳岗", 3, "做好", "做好", "2", standard=TIERS_STANDARD), P)
    assert res.score is None and "PE203" in codes(found) and "PE204" not in codes(found)


def test_weight_missing():
    res, found = score_indicator(row("人数", "—", "100人", "100人", 2), P)
    assert "PE304" in codes(found) and res.weight is None


def test_empty_row_never_raises():
    res, found = score_indicator(Indicator(), P)
    assert res.method is Method.MANUAL
    assert {"PE304", "PE204", "PE101"} <= set(codes(found))


# ---- budget, cap, grade ---------------------------------------------------------------------


def test_budget_formula_and_cap():
    res, found = score_budget(100, 90, 20, P)
    assert res.score == pytest.approx(18) and res.rate == pytest.approx(0.9) and found == []
    res, found = score_budget(100, 110, 20, P)
    assert res.score == 20 and codes(found) == ["PE502"]
    uncapped = P.with_options(**{"budget.cap": False})
    assert score_budget(100, 110, 20, uncapped)[0].score == pytest.approx(22)


def test_budget_missing_values():
    res, found = score_budget(None, 90, 20, P)
    assert res.score == 0 and codes(found) == ["PE501"]
    assert codes(score_budget(0, 0, 20, P)[1]) == ["PE501"]
    assert score_budget(100, 100, None, load_profile("national-project"))[0].score == 10


def test_budget_blank_keeps_typed_score():
    form = form_of(row("人数", 2, "10人", "10人", 2))
    form.budget = Budget(points=20, typed_score=19, cells={"planned": "E8", "score": "H8"})
    r = score_form(form, P)
    assert r.budget.score == 19 and "PE505" in codes(r) and "PE501" not in codes(r)
    form.budget = Budget(points=20)
    r = score_form(form, P)
    assert r.budget.score == 0 and "PE501" in codes(r)


def test_budget_shortfall_needs_reason_and_typed_score_checked():
    form = form_of(row("人数", 2, "10人", "10人", 2), executed=95.0)
    form.budget.typed_score = 20
    r = score_form(form, P)
    assert r.budget.score == pytest.approx(19)
    assert {"PE403", "PE503"} <= set(codes(r))


def test_constraint_trigger_words():
    assert constraint_triggered("存在审计等部门重点披露的问题", P)
    assert constraint_triggered("造成重大不良社会影响", P)
    assert not constraint_triggered("无", P)
    assert not constraint_triggered(None, P)
    assert not constraint_triggered("—", P)


def test_apply_cap():
    assert apply_cap(97, True, P) == (60, True)
    assert apply_cap(55, True, P) == (55, True)
    assert apply_cap(97, False, P) == (97, False)
    assert apply_cap(97, True, load_profile("national-project")) == (97, False)


@pytest.mark.parametrize("total, grade", [(100, "优"), (90, "优"), (89.999, "优"), (89.99, "良"), (80, "良"),
                                          (79.9, "中"), (60, "中"), (59.99, "差"), (0, "差"), (-3, "差")])
def test_grade_bands(total, grade):
    assert grade_for(total, P) == grade


def test_cap_and_deduction_on_the_seed():
    form = seed_form()
    form.constraint.actual = "存在审计等部门重点披露的问题"
    r = score_form(form, P)
    assert r.capped and r.total == 60 and r.raw_total == pytest.approx(97) and r.grade == "中"
    assert "PE601" in codes(r)
    form = seed_form()
    form.constraint.typed_score = -3
    r = score_form(form, P)
    assert r.deduction == 3 and r.total == pytest.approx(94) and not r.capped


@pytest.mark.parametrize("text, capped, codes_expected", [
    # issue 8: a negated statement took the seed from 97/优 to 60/中
    ("未发现审计等部门重点披露的问题，未造成重大不良社会影响", False, {"PE607"}),
    ("无重点披露问题", False, {"PE607"}),
    ("没有造成重大不良社会影响", False, {"PE607"}),
    ("不存在审计等部门重点披露的问题", False, {"PE607"}),
    ("存在审计等部门重点披露的问题", True, {"PE601"}),
    ("造成重大不良社会影响", True, {"PE601"}),
    ("发现2项重点披露问题", True, {"PE601"}),
    ("是否存在重点披露问题：存在", True, {"PE601"}),  # 是否 is not a negation
    ("无。发现重点披露问题", True, {"PE601"}),  # the negation is in another clause
    ("未发现重点披露问题，但造成重大不良社会影响", True, {"PE601", "PE602"}),  # mixed
    ("未发现重点披露问题，重点披露问题已整改", True, {"PE601", "PE602"}),  # named twice: unclear
    ("无", False, set()),
])
def test_constraint_negation_rule(text, capped, codes_expected):
    form = seed_form()
    form.constraint.actual = text
    r = score_form(form, P)
    assert r.capped is capped
    assert (r.total, r.grade) == ((60, "中") if capped else (pytest.approx(97), "优"))
    assert {c for c in codes(r) if c in ("PE601", "PE602", "PE607")} == codes_expected


def test_national_profile_on_the_seed_flags_weights():
    r = score_form(seed_form(), load_profile("national-project"))
    assert r.budget.points == 20  # the form's header wins; the mismatch is a finding
    assert {"PE504", "PE306"} <= set(codes(r))
    assert not r.capped


# ---- report ------------------------------------------------------------------------------------


def test_result_json_shape(seed):
    form, r = seed
    j = result_json(r, P)
    json.dumps(j, ensure_ascii=False)  # serialisable
    assert {"sheet", "total", "grade", "capped", "budget", "goals", "indicators", "issues",
            "profile", "raw_total", "deduction", "claimed_total"} <= set(j)
    assert j["total"] == 97 and isinstance(j["total"], float) and j["grade"] == "优"
    assert j["budget"]["score"] == 20
    assert set(j["goals"][0]) >= {"title", "points", "score", "cell"}
    assert set(j["indicators"][0]) >= {"name", "weight", "score", "method", "cell"}
    assert {i["method"] for i in j["indicators"]} <= {m.value for m in Method}
    assert set(j["issues"][0]) == {"code", "severity", "cell", "message"}
    assert len(j["issues"]) == len(r.findings)


def test_result_json_rounds_to_profile_digits():
    r = score_form(form_of(row("人数", 3, "3人", "1人", 1, reason="x")), P)
    assert result_json(r, P)["indicators"][0]["score"] == 1.0
    r = score_form(form_of(row("人数", 2, "3人", "1人", 1, reason="x")), P)
    assert result_json(r, P)["indicators"][0]["score"] == 0.67
    assert result_json(r, P.with_options(digits=1))["indicators"][0]["score"] == 0.7


def test_explain_rows(seed):
    form, r = seed
    rows = explain_rows(form, r, P)
    assert rows[0] == ["目标", "指标", "单元格", "分值", "方法", "得分", "说明"]
    assert rows[1][0] == "预算执行情况" and rows[1][5] == 20
    names = [x[1] for x in rows if len(x) > 1]
    assert names.count("小计") == 7
    total = next(x for x in rows if x and x[0] == "合计")
    assert total[5] == 97
    grade = next(x for x in rows if x and x[0] == "评价等级")
    assert grade[5] == "优"
    blank = rows.index([])
    assert rows[blank + 1] == ["代码", "级别", "单元格", "说明"]
    assert len(rows) - blank - 2 == len(r.findings)
    assert all(len(x) == 7 for x in rows[:blank])
