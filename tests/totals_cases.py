"""One table of cases for the form-level arithmetic (budget score, subtotals, deduction, cap, clamp, grade).

Each case edits cells of the example workbook (templates/examples/shiyan_hrss_2021.xlsx: budget in
E8/F8, indicator scores in column I, the constraint text in H57 and its score cell I57) and states the
total and grade the rules give, worked out by hand from docs/rules.md. The same table drives
tests/test_totals_conformance.py: the template's formulas recalculated by LibreOffice, the Python
functions of ``scoring.totals``, the engine reading the same workbook and the =PE_TOTAL function must
all give these results.

``engine``: whether the engine, which recomputes indicator scores from targets and actuals, sees the
same inputs (False when the case types an indicator score the engine would recompute).
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional


class Case(NamedTuple):
    name: str
    cells: dict[str, Any]
    total: Optional[float]  # None: the form is blank, no total and no grade
    grade: str
    engine: bool = True


NEGATED = "未发现审计等部门重点披露的问题，未造成重大不良社会影响"

CASES = [
    Case("example", {}, 97, "优"),
    # issue 8's table: the constraint row's score cell
    Case("deduct_positive", {"I57": 3}, 94, "优"),
    Case("deduct_text", {"I57": "-3"}, 97, "优"),  # text deducts nothing, as SUM skips it (PE605)
    Case("deduct_negative", {"I57": -3}, 94, "优"),
    Case("deduct_huge", {"I57": -200}, 0, "差"),  # clamped at 0, not -103
    Case("goals_overshoot", {"I11": 15}, 100, "优", engine=False),  # 20 + 90: clamped at 100
    Case("deduct_word", {"I57": "无"}, 97, "优"),
    # the cap, with and without negation
    Case("cap_plain", {"H57": "存在审计等部门重点披露的问题"}, 60, "中"),
    Case("cap_harm", {"H57": "本年度造成重大不良社会影响"}, 60, "中"),
    Case("cap_found", {"H57": "发现2项重点披露问题"}, 60, "中"),
    Case("cap_negated", {"H57": NEGATED}, 97, "优"),
    Case("cap_negated_short", {"H57": "无重点披露问题"}, 97, "优"),
    Case("cap_negated_bu_cunzai", {"H57": "不存在审计等部门重点披露的问题"}, 97, "优"),
    Case("cap_negated_fou", {"H57": "否，重大不良社会影响"}, 60, "中"),  # 否 ends its own clause
    Case("cap_mixed", {"H57": "未发现重点披露问题，但造成重大不良社会影响"}, 60, "中"),
    Case("cap_twice", {"H57": "未发现重点披露问题，重点披露问题已整改"}, 60, "中"),
    Case("cap_shifou", {"H57": "是否存在重点披露问题：存在"}, 60, "中"),
    Case("cap_other_clause", {"H57": "无。发现2项重点披露问题"}, 60, "中"),
    Case("cap_newline", {"H57": "无\n发现重点披露问题"}, 60, "中"),
    Case("cap_negated_newline", {"H57": "情况说明：\n未发现重点披露问题"}, 97, "优"),
    Case("cap_number", {"H57": 0}, 97, "优"),
    Case("cap_and_deduct", {"H57": "存在审计等部门重点披露的问题", "I57": -3}, 60, "中"),
    Case("cap_below_limit", {"H57": "存在审计等部门重点披露的问题", "I57": -50}, 47, "差"),
    # text and blanks in score cells
    Case("text_score", {"I26": "3"}, 94, "优"),  # a kept three-tier score typed as text: not counted
    Case("text_score_word", {"I26": "满分"}, 94, "优"),
    Case("blank_scores", {"I26": None, "I27": None}, 91, "优"),
    Case("blank_form", {"E8": None, "F8": None, **{f"I{r}": None for r in range(11, 57)}}, None, "",
         engine=False),
    # the budget score
    Case("budget_partial", {"F8": 9065.403}, 95, "优"),  # 20 × 90% = 18
    Case("budget_over", {"F8": 20000}, 97, "优"),  # capped at 20
    Case("budget_zero_planned", {"E8": 0}, 77, "中"),
    Case("budget_negative_executed", {"F8": -5}, 77, "中"),
    Case("budget_text", {"E8": "一万"}, 77, "中", engine=False),  # the reader reads text the formula cannot
    Case("budget_blank_executed", {"F8": None}, 77, "中"),
    # the grade is read from the total as shown (2 decimals)
    Case("grade_rounding", {"I57": -7.004}, 89.996, "优"),
    Case("grade_liang", {"I57": -10}, 87, "良"),
    Case("grade_edge_80", {"I57": -17}, 80, "良"),
]
