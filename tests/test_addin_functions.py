"""The =PE_* worksheet functions, called as Python functions with real values from the seed form.

On Linux xlwings' decorators leave the functions unchanged, so these are the very functions Excel calls.
Expected numbers come from the seed (十堰市人社局 2021, self-score 97) and from the rules in
../shared/reference/scoring_rules.md, not from running the engine.
"""
from __future__ import annotations

import pytest


from addin import functions as F  # noqa: E402
from addin.functions import PEValueError  # noqa: E402


@pytest.mark.parametrize(
    "points, target, actual, expected",
    [
        (2, "3.5万人", "4.97万人", 2),  # over-completion keeps full points
        (2.0, "4.5%以内", "3.30%", 2),  # reverse indicator met (Excel passes numbers as floats)
        (3, "90%", "100%", 3),
        (2, "2次", "2次", 2),
        (2, "2200人", "全市新增返乡创业3377人", 2),  # figure picked from a sentence
        (2, "100人", "50人", 1),  # ratio 50% × 2
        (4, "20万人", "15万人", 3),
        (1, "0%", "0%", 1),  # zero target met
    ],
)
def test_pe_score_seed_and_rule_values(points, target, actual, expected):
    assert F.PE_SCORE(points, target, actual) == pytest.approx(expected)


def test_pe_score_reverse_missed_scores_target_over_actual():
    # ≤ 4.5% missed with 9%: profile default "ratio" → 2 × 4.5/9 = 1
    assert F.PE_SCORE(2, "4.5%以内", "9%") == pytest.approx(1)


def test_pe_score_unreadable_raises_instead_of_returning_text():
    with pytest.raises(PEValueError):
        F.PE_SCORE("待定", "3.5万人", "4.97万人")
    with pytest.raises(PEValueError):
        F.PE_SCORE(None, "3.5万人", "4.97万人")
    with pytest.raises(PEValueError):
        F.PE_SCORE(2, "3.5万人", "4.97万人", "不存在的方法")


def test_pe_scores_one_call_for_a_column():
    points = [[2], [2], [None], [3], ["……"]]
    targets = [["3.5万人"], ["4.5%以内"], ["标题"], ["90%"], ["……"]]
    actuals = [["4.97万人"], ["3.30%"], [None], ["100%"], ["……"]]
    out = F.PE_SCORES(points, targets, actuals)
    assert len(out) == 5 and all(len(r) == 1 for r in out)
    assert out[0][0] == pytest.approx(2) and out[1][0] == pytest.approx(2) and out[3][0] == pytest.approx(3)
    assert out[2] == [None] and out[4] == [None]  # not indicator rows → blank, not text


def test_pe_scores_rejects_mismatched_columns_and_unscorable_rows():
    with pytest.raises(PEValueError):
        F.PE_SCORES([[2], [2]], [["1人"]], [["1人"], ["2人"]])


def test_pe_rate_is_the_ratio_used_for_scoring():
    assert F.PE_RATE("3.5万人", "4.97万人") == pytest.approx(4.97 / 3.5)
    assert F.PE_RATE("2500人", "2562人") == pytest.approx(2562 / 2500)


def test_pe_parse_reads_numbers_in_base_units():
    assert F.PE_PARSE("4.97万人") == pytest.approx(49700)
    assert F.PE_PARSE("98%") == pytest.approx(98)
    assert F.PE_PARSE(10072.67) == pytest.approx(10072.67)
    with pytest.raises(PEValueError):
        F.PE_PARSE("继续推进")


def test_pe_budget_hubei_twenty_points():
    assert F.PE_BUDGET(10072.67, 10072.67) == pytest.approx(20)
    assert F.PE_BUDGET(100, 90) == pytest.approx(18)
    assert F.PE_BUDGET(100, 120) == pytest.approx(20)  # capped at the points
    assert F.PE_BUDGET(100, 90, 10) == pytest.approx(9)
    with pytest.raises(PEValueError):
        F.PE_BUDGET(0, 90)
    with pytest.raises(PEValueError):
        F.PE_BUDGET("未填", 90)


def test_pe_total_with_the_cap_and_deductions():
    goals = [[18], [18], [9], [10], [10], [8], [4]]  # the seed's goal subtotals
    assert F.PE_TOTAL(20, goals) == pytest.approx(97)
    assert F.PE_TOTAL(20, goals, "无") == pytest.approx(97)
    assert F.PE_TOTAL(20, goals, "存在审计等部门重点披露的问题") == pytest.approx(60)
    assert F.PE_TOTAL(20, goals, [["造成重大不良社会影响", None]]) == pytest.approx(60)
    assert F.PE_TOTAL(20, goals, [["无", -3]]) == pytest.approx(94)
    assert F.PE_TOTAL(10, [[20], [5]], "重点披露") == pytest.approx(35)  # under the cap: unchanged
    with pytest.raises(PEValueError):
        F.PE_TOTAL(20, [[18], ["18分"]])  # text SUM would skip


def test_pe_grade_bands():
    assert F.PE_GRADE(97) == "优"
    assert F.PE_GRADE(90) == "优"
    assert F.PE_GRADE(89.99) == "良"
    assert F.PE_GRADE(80) == "良"
    assert F.PE_GRADE(60) == "中"
    assert F.PE_GRADE(59.5) == "差"
    with pytest.raises(PEValueError):
        F.PE_GRADE("很好")


def test_pe_explain_is_chinese_and_names_the_ratio():
    text = F.PE_EXPLAIN(2, "3.5万人", "4.97万人")
    assert isinstance(text, str) and text
    assert "142" in text  # 完成率 142.0%
    partial = F.PE_EXPLAIN(2, "100人", "50人")
    assert "50" in partial


def test_udf_names_are_the_excel_names():
    # xlwings registers a UDF under its Python name: these names are the ones documented in docs/excel.md.
    names = {n for n in dir(F) if n.startswith("PE_") and callable(getattr(F, n))}
    assert names == {"PE_SCORE", "PE_SCORES", "PE_RATE", "PE_PARSE", "PE_BUDGET", "PE_TOTAL", "PE_GRADE",
                     "PE_EXPLAIN"}
    for n in names:
        assert getattr(F, n).__doc__ and any("\u4e00" <= ch <= "\u9fff" for ch in getattr(F, n).__doc__)


def test_excel_error_values_in_inputs_are_errors_not_blanks():
    # xlwings passes cell errors as "#N/A" strings (err_to_str=True); a blank would be skipped by SUM.
    with pytest.raises(PEValueError):
        F.PE_TOTAL(20, [[18], ["#N/A"], [9]])
    with pytest.raises(PEValueError):
        F.PE_SCORES([[2], ["#REF!"]], [["1人"], ["1人"]], [["1人"], ["1人"]])
    with pytest.raises(PEValueError):
        F.PE_SCORE(2, "#N/A", "4.97万人")
    with pytest.raises(PEValueError):
        F.PE_BUDGET("#DIV/0!", 100)
    assert F.PE_TOTAL(20, [[18], [None], ["  "], [9]]) == pytest.approx(47)  # real blanks are fine
