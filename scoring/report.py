"""Render a Result: the ``pe-score score --json`` dict and the rows of the 评分说明 sheet.

The Result keeps full precision; this is the one place numbers are rounded (profile.digits).
"""
from __future__ import annotations

import math
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Optional

from .formatting import compact, fixed
from .models import Form, Method, Result
from .settings import Profile, require_profile

METHOD_ZH = {
    Method.RATIO: "定量（正向）",
    Method.REVERSE: "定量（反向）",
    Method.ZERO: "定量（零目标）",
    Method.QUALITATIVE: "定性",
    Method.JUDGEMENT: "定性（三档）",
    Method.MANUAL: "人工评分",
}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
EXPLAIN_HEADER = ["目标", "指标", "单元格", "分值", "方法", "得分", "说明"]
FINDINGS_HEADER = ["代码", "级别", "单元格", "说明"]


def _r(x: Optional[float], digits: int) -> Optional[float]:
    if x is None or not isinstance(x, (int, float)) or not math.isfinite(x):
        return None
    v = round(float(x), digits)
    return 0.0 if v == 0 else v  # no "-0.0" in JSON


def result_json(result: Result, profile: Profile, form: Optional[Form] = None) -> dict[str, Any]:
    """The ``pe-score score --json`` object. ``form`` (the form scored) supplies ``unit`` and ``year``
    (``null`` without it, or when the form does not state them)."""
    profile = require_profile(profile)
    d = profile.digits
    b = result.budget
    brief = result_brief(result, profile, form)
    return {
        **{k: brief[k] for k in _HEAD},
        "budget": {
            "points": _r(b.points, d),
            "planned": _r(b.planned, d),
            "executed": _r(b.executed, d),
            "rate": _r(b.rate, d + 2),
            "score": _r(b.score, d),
            "cell": b.cell,
            "explanation": b.explanation,
        },
        "goals": [
            {"title": g.title, "points": _r(g.points, d), "score": _r(g.score, d), "cell": g.cell,
             "subtotal_cell": g.subtotal_cell}
            for g in result.goals
        ],
        "indicators": [
            {"goal": i.goal, "name": i.name, "weight": _r(i.weight, d), "score": _r(i.score, d),
             "method": i.method.value, "cell": i.cell, "ratio": _r(i.ratio, d + 2), "typed": _r(i.typed, d),
             "computed": i.computed, "explanation": i.explanation}
            for i in result.indicators
        ],
        "issues": brief["issues"],
        "counts": brief["counts"],
    }


_HEAD = ("sheet", "unit", "year", "profile", "total", "grade", "capped", "raw_total", "deduction", "claimed_total")


def result_brief(result: Result, profile: Profile, form: Optional[Form] = None,
                 issues: bool = True) -> dict[str, Any]:
    """The head of ``result_json`` (sheet … claimed_total), its ``counts`` and, with ``issues``, its
    ``issues``: what a batch keeps of a form when nobody asked for the whole JSON object."""
    profile = require_profile(profile)
    d = profile.digits
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in result.findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    out = {
        "sheet": result.sheet,
        "unit": (form.unit or None) if form is not None else None,
        "year": form.year if form is not None else None,
        "profile": result.profile,
        "total": _r(result.total, d),
        "grade": result.grade,
        "capped": result.capped,
        "raw_total": _r(result.raw_total, d),
        "deduction": _r(result.deduction, d),
        "claimed_total": _r(result.claimed_total, d),
        "counts": counts,
    }
    if issues:
        out["issues"] = [{"code": f.code, "severity": f.severity, "cell": f.cell, "message": f.message}
                         for f in result.findings]
    return out


def scored_goals(result: Result) -> set[int]:
    """Indexes of the goals with at least one indicator score. A goal without any shows a blank
    subtotal, not 0 (as the template's formula does: IF(COUNT(scores)=0,"",SUM(scores)))."""
    return {ir.goal for ir in result.indicators if ir.score is not None}


def explain_rows(form: Form, result: Result, profile: Profile) -> list[list[Any]]:
    """Rows of the 评分说明 sheet: header, budget, indicators with goal subtotals, deduction, cap,
    total and grade; a blank row; then the findings (代码/级别/单元格/说明)."""
    profile = require_profile(profile)
    d = profile.digits
    b = result.budget
    rows: list[list[Any]] = [list(EXPLAIN_HEADER)]
    rows.append(["预算执行情况", "部门整体支出总额", b.cell or "", _r(b.points, d), "执行率 × 分值",
                 _r(b.score, d), b.explanation])
    by_goal: dict[int, list] = {}
    for ir in result.indicators:
        by_goal.setdefault(ir.goal, []).append(ir)
    scored = scored_goals(result)
    for gi, gr in enumerate(result.goals):
        for ir in by_goal.get(gi, []):
            rows.append([gr.title, ir.name, ir.cell or "", _r(ir.weight, d), METHOD_ZH.get(ir.method, ir.method.value),
                         _r(ir.score, d) if ir.score is not None else "", ir.explanation])
        if gi in scored:
            rows.append([gr.title, "小计", gr.subtotal_cell or gr.cell or "", _r(gr.points, d), "指标得分合计",
                         _r(gr.score, d), f"各指标得分之和 {fixed(gr.score, d)}"])
        else:
            rows.append([gr.title, "小计", gr.subtotal_cell or gr.cell or "", _r(gr.points, d), "指标得分合计",
                         "", "尚无指标得分，小计留空"])
    c = form.constraint
    score_cell = c.cells.score if c else None
    actual_cell = c.cells.actual if c else None
    rows.append(["约束性指标", "酌情扣分", score_cell or "", "", "扣分", _r(-result.deduction, d),
                 f"扣 {fixed(result.deduction, d)} 分" if result.deduction else "未扣分"])
    if result.capped:
        cap_text = f"触发约束性指标，总分不超过 {compact(profile.cap.limit)} 分（封顶前 {fixed(result.raw_total, d)} 分）"
    elif profile.cap.enabled:
        cap_text = f"未触发（出现{'、'.join(profile.cap.triggers)}问题时总分不超过 {compact(profile.cap.limit)} 分）"
    else:
        cap_text = "本评分方案不设封顶"
    rows.append(["约束性指标", "封顶", actual_cell or "", _r(profile.cap.limit, d) if profile.cap.enabled else "",
                 "封顶", _r(result.total, d) if result.capped else "", cap_text])
    goals_sum = sum(g.score for g in result.goals)
    rows.append(["合计", "", form.total_cell or "", _r(profile.total_points, d), "合计", _r(result.total, d),
                 f"预算执行 {fixed(b.score, d)} + 年度目标 {fixed(goals_sum, d)} − 扣分 {fixed(result.deduction, d)}"
                 f" = {fixed(result.raw_total, d)}" + ("，封顶后 " + f"{fixed(result.total, d)}" if result.capped else "")])
    bands = "、".join(f"{g.name}≥{compact(g.min)}" for g in profile.grades if g.min > 0)
    rows.append(["评价等级", "", form.grade_cell or "", "", "等级", result.grade, f"{bands}，其余为{profile.grades[-1].name}"])
    rows.append([])
    rows.append(list(FINDINGS_HEADER))
    for f in result.findings:
        rows.append([f.code, SEVERITY_ZH.get(f.severity, f.severity), f.cell or "", f.message])
    return rows
