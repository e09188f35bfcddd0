"""Score a 附件2-1 form: budget, every indicator, goal subtotals, the constraint cap, total and grade.

``score_form`` is built from public pieces the Excel UDFs call one by one (``score_indicator``,
``score_budget``, ``apply_cap``, ``grade_for``, ``constraint_triggered``), so a cell formula and the
ribbon's 重新评分 can never disagree. Scores stay at full precision; rounding is for display only.
"""
from __future__ import annotations

import math
import re
from typing import Any, Optional, Union

from . import methods as m
from . import totals as _totals
from .findings import make
from .models import (
    Budget,
    BudgetResult,
    Constraint,
    Finding,
    Form,
    GoalResult,
    Indicator,
    IndicatorResult,
    Method,
    Result,
)
from .profiles import Profile, load_profile
from .values import ParsedValue, parse_value, same_dimension

_NUMERIC = (Method.RATIO, Method.REVERSE, Method.ZERO)
_BLANK = re.compile(r"^[\s\-—－–_/／\\…·.。、]*$")
_NUM_TEXT = re.compile(r"^\s*[+\-]?\d+(\.\d+)?\s*分?\s*$")
_THREE_TIER = re.compile(r"三档|(部分)?达成(预期|年度)指标")
_WITHIN = re.compile(r"(未|不|没有?)(超过|超出|高于|突破)|以内|以下|低于|不足")


# ---- small readers ---------------------------------------------------------------------------


def typed_number(value: Any) -> tuple[Optional[float], bool]:
    """A score cell as (number or None, is_text). Text that spells a number ("2", "2分") still
    counts (is_text=True so a finding can say SUM skips it); blanks and dashes are empty."""
    if value is None or isinstance(value, bool):
        return None, isinstance(value, bool)
    if isinstance(value, (int, float)):
        x = float(value)
        return (x, False) if math.isfinite(x) else (None, True)
    text = str(value)
    if _BLANK.match(text) or text.lstrip().startswith("="):
        # A formula whose value the source could not give us is unknown, not text typed by a person.
        return None, False
    if _NUM_TEXT.match(text):
        return float(text.strip().rstrip("分").strip()), True
    return None, True


def _usable_weight(weight: Optional[float]) -> Optional[float]:
    w = _finite_or_none(weight)
    return w if w is not None and w >= 0 else None


_NORM_DROP = re.compile(r"[\s，,。.;；:：、“”\"'（）()]")


def _norm(text: str) -> str:
    return _NORM_DROP.sub("", str(text or ""))


def _numeric_target(tp: ParsedValue) -> bool:
    # A figure picked out of a sentence (confident=False) is not a target to compute against:
    # such rows are statements of work, judged by the three tiers or by a person.
    return tp.kind == "number" and tp.number is not None and math.isfinite(tp.number) and tp.confident


def _scale(pv: ParsedValue) -> float:
    """The multiplier the value was written with (万 -> 10000), so a bare actual can borrow it."""
    mult = getattr(pv, "multiplier", None)
    if isinstance(mult, (int, float)) and mult > 0:
        return float(mult)
    for lit in re.findall(r"\d+(?:\.\d+)?", pv.raw or ""):
        x = float(lit)
        if x and pv.number:
            k = math.log10(abs(pv.number / x))
            if abs(k - round(k)) < 1e-9 and 0 <= round(k) <= 12:
                return 10.0 ** round(k)
    return 1.0


def _within(ap: ParsedValue) -> bool:
    return ap.comparator in ("le", "lt") or bool(_WITHIN.search(ap.raw or ""))


def _same_text(target: str, actual: str) -> bool:
    t, a = _norm(target), _norm(actual)
    return bool(t) and (t == a or (len(t) >= 6 and t in a))


def _tier_words(text: str) -> Optional[str]:
    if re.search(r"部分(达成|完成)", text):
        return m.TIER_MIDDLE
    if re.search(r"未(能)?(达成|完成)|效果较差", text):
        return m.TIER_BOTTOM
    return None


def infer_tier(indicator: Indicator, ap: Optional[ParsedValue] = None) -> Optional[str]:
    """The three-tier judgement declared on the row, or readable from the actual's wording."""
    declared = (indicator.tier or "").strip()
    if declared:
        return _tier_words(declared) or (m.TIER_TOP if "达成" in declared or "完成" in declared else None)
    words = _tier_words(indicator.actual or "")
    if words:
        return words
    status = (ap or parse_value(indicator.actual)).status
    return {"done": m.TIER_TOP, "partial": m.TIER_MIDDLE, "not_done": m.TIER_BOTTOM}.get(status or "")


def infer_method(indicator: Indicator, tp: Optional[ParsedValue] = None) -> Method:
    """Explicit method wins; then reverse / zero / ratio from a numeric target; then three tiers;
    then a text target is qualitative; else manual."""
    if indicator.method is not None:
        return Method(indicator.method)
    tp = tp or parse_value(indicator.target)
    if _numeric_target(tp):
        if tp.reverse or tp.comparator in ("le", "lt"):
            return Method.REVERSE
        if tp.number == 0:
            return Method.ZERO
        return Method.RATIO
    level1 = indicator.level1 or ""
    if _THREE_TIER.search(indicator.standard or "") or _THREE_TIER.search(level1):
        return Method.JUDGEMENT
    if tp.kind != "empty" and ("效益" in level1 or "满意度" in level1):
        return Method.JUDGEMENT
    if tp.kind != "empty":
        return Method.QUALITATIVE
    return Method.MANUAL


# ---- one indicator ---------------------------------------------------------------------------


def score_indicator(
    indicator: Indicator, profile: Union[Profile, str, None] = None, *, goal: int = 0, index: int = 0
) -> tuple[IndicatorResult, list[Finding]]:
    """Score one 三级指标 row; the findings include the row checks of ``scoring.checks``."""
    profile = load_profile(profile or "hubei-2-1")
    ind = indicator
    cells = ind.cells
    weight = _usable_weight(ind.weight)
    # A kept score is what SUM counts: a number. Text, even "2", keeps nothing (PE203 says why).
    typed = _totals.cell_number(ind.typed_score)
    tp = parse_value(ind.target)
    ap = parse_value(ind.actual, expect=tp if _numeric_target(tp) else None)
    method = infer_method(ind, tp)
    name = ind.name or "（未命名指标）"
    found: list[Finding] = []
    score: Optional[float] = None
    ratio: Optional[float] = None
    computed = True
    explanation = ""

    def keep(why: str) -> None:
        nonlocal score, ratio, explanation, computed
        score, ratio, explanation = m.score_manual(typed, weight, profile, why)
        computed = False

    if method in _NUMERIC:
        if not _numeric_target(tp) or (tp.number or 0) < 0:
            found.append(make("PE101", cells.target, name=name, target=ind.target or "（空）"))
            keep("年初目标值无法识别")
        elif weight is None:
            keep("分值缺失")
        else:
            actual = _actual_number(ind, tp, ap, name, found, profile)
            unit = tp.unit or ""
            if actual is None:
                keep("实际完成值无法计算")
            elif method is Method.ZERO or tp.number == 0:
                method = Method.ZERO
                score, ratio, explanation = m.score_zero(actual, weight, profile, unit)
                if actual > 0:
                    found.append(make("PE206", cells.actual, name=name, actual=m.shown(actual, unit)))
            elif method is Method.REVERSE:
                within = _within(ap) and actual <= tp.number
                cmp = tp.comparator if tp.comparator in ("le", "lt") else "le"  # explicit override on "≥x"
                score, ratio, explanation = m.score_reverse(tp.number, actual, weight, profile, unit, cmp)
                if within and ap.comparator != "lt" and score is not None and score < weight:
                    # "未超过80%" against "≤80%": the wording itself says the ceiling was kept.
                    score = weight
                    explanation = (
                        f"反向指标：目标 {m.shown(tp.number, unit, cmp)}，"
                        f"实际“{ind.actual}”，已达标：满分 {m.fixed(weight, profile.digits)}"
                    )
            else:
                score, ratio, explanation = m.score_ratio(tp.number, actual, weight, profile, unit)
                q = profile.quantitative
                if ratio is not None and ratio >= q.over_threshold - 1e-12 and not (ind.reason or "").strip():
                    found.append(make("PE402", cells.reason or cells.actual, name=name,
                                      ratio=m.percent(ratio), threshold=m.percent(q.over_threshold, 0)))
            if score is None and computed:
                keep("无法计算")
    elif method is Method.QUALITATIVE:
        done = ap.status == "done" or _same_text(ind.target, ind.actual)
        if done and weight is not None:
            score, ratio, explanation = m.score_qualitative(True, typed, weight, profile, ind.actual)
        else:
            score, ratio, explanation = m.score_qualitative(False, typed, weight, profile, ind.actual)
            computed = False
            if typed is not None:
                found.append(make("PE207", cells.score, name=name, score=m.fixed(typed, profile.digits)))
    elif method is Method.JUDGEMENT:
        tier = infer_tier(ind, ap)
        score, ratio, explanation = m.score_judgement(typed, weight, profile, None)
        if tier and typed is not None and tier != m.tier_of(typed, weight or 0, profile):
            explanation += f"；实际完成情况对应“{tier}”档 {m.band_text(tier, profile)}"
        computed = False
    else:
        keep("")
        if tp.kind == "empty":
            found.append(make("PE101", cells.target, name=name, target="（空）"))

    if score is not None:
        # Whatever was typed, an indicator never scores outside [0, 分值] (得分不得突破分值).
        score = max(0.0, score)
        if weight is not None:
            score = min(score, weight)
    result = IndicatorResult(
        goal=goal,
        index=index,
        name=ind.name,
        weight=weight,
        score=score,
        method=method,
        ratio=ratio,
        explanation=explanation,
        cell=cells.score,
        typed=typed,
        computed=computed,
    )
    for check in _checks.ROW_CHECKS:
        found.extend(check(ind, result, profile))
    return result, found


def _actual_number(
    ind: Indicator, tp: ParsedValue, ap: ParsedValue, name: str, found: list[Finding], profile: Profile
) -> Optional[float]:
    """The actual in the target's base unit, or None (with a finding) when it cannot be compared."""
    cell = ind.cells.actual
    if ap.kind != "number" or ap.number is None or not math.isfinite(ap.number):
        found.append(make("PE102", cell, name=name, actual=ind.actual or "（空）"))
        return None
    actual = ap.number
    if tp.unit and not ap.unit:
        # Excel stores 100% as 1.0; against a % target a bare fraction is read as a percentage.
        if tp.unit == "%" and 0 <= actual <= profile.quantitative.percent_fraction_max and _looks_fraction(ind.actual):
            found.append(make("PE105", cell, name=name, raw=m.compact(actual), percent=m.shown(actual * 100, "%")))
            actual = actual * 100
        elif ap.multiplier != 1:
            # "3万" against "3.5万人": the 万 is already applied; only the unit 人 is borrowed.
            found.append(make("PE103", cell, name=name, actual=ind.actual, unit=tp.unit))
        else:
            actual = actual * _scale(tp)
            found.append(make("PE103", cell, name=name, actual=ind.actual, unit=_unit_as_written(tp)))
    elif tp.unit and ap.unit and not same_dimension(tp.unit, ap.unit):
        found.append(make("PE108", cell, name=name, target_unit=tp.unit, actual_unit=ap.unit))
        return None
    if not ap.confident:
        found.append(make("PE104", cell, name=name, value=m.shown(ap.number, ap.unit)))
    if actual < 0:
        found.append(make("PE106", cell, name=name, actual=ind.actual))
        actual = 0.0
    return actual


def _looks_fraction(raw: Any) -> bool:
    text = str(raw).strip()
    return bool(re.fullmatch(r"[+\-]?\d+(\.\d+)?", text))


_PREFIX = {1e4: "万", 1e8: "亿", 1e3: "千", 1e6: "百万"}


def _unit_as_written(tp: ParsedValue) -> str:
    return f"{_PREFIX.get(_scale(tp), '')}{tp.unit or ''}"


def as_written(pv: ParsedValue) -> str:
    """A parsed figure shown in the scale it was typed in: 578900 人 typed as 万人 -> "57.89万人"."""
    scale = _scale(pv)
    if scale not in _PREFIX or pv.number is None:
        return m.shown(pv.number, pv.unit, pv.comparator)
    return m.shown(pv.number / scale, _unit_as_written(pv), pv.comparator)


# ---- budget ------------------------------------------------------------------------------------


def score_budget(
    planned: Optional[float],
    executed: Optional[float],
    points: Optional[float],
    profile: Union[Profile, str, None] = None,
    *,
    cells: Optional[dict] = None,
) -> tuple[BudgetResult, list[Finding]]:
    """预算执行: 分值 × B/A, capped at 分值 when the profile says so. A or B missing scores 0."""
    profile = load_profile(profile or "hubei-2-1")
    cells = cells or {}
    pts = _usable_weight(points)
    pts = profile.budget.points if pts is None else pts
    a, b = _finite_or_none(planned), _finite_or_none(executed)
    base = dict(points=pts, planned=a, executed=b, cell=cells.get("score"), rate_cell=cells.get("rate"))
    missing = [label for label, v, ok in (("预算数（A）", a, a is not None and a > 0),
                                         ("执行数（B）", b, b is not None and b >= 0)) if not ok]
    if missing:
        cell = cells.get("planned") if "预算数（A）" in missing else cells.get("executed")
        return (
            BudgetResult(score=0.0, explanation=f"缺少{'和'.join(missing)}，预算执行得 0 分", **base),
            [make("PE501", cell, missing="和".join(missing))],
        )
    found: list[Finding] = []
    rate = b / a
    d = profile.digits
    score = _totals.budget_score(a, b, pts, profile.budget.cap) or 0.0
    if rate > 1 and profile.budget.cap:
        explanation = f"执行率 {m.percent(rate)}，按 100% 计：{m.compact(pts)} × 100% = {m.fixed(score, d)}"
    else:
        explanation = f"执行率 {m.percent(rate)}：{m.compact(pts)} × {m.percent(rate)} = {m.fixed(score, d)}"
    if b > a * (1 + 1e-9):
        found.append(make("PE502", cells.get("executed"), executed=m.compact(b), planned=m.compact(a)))
    return BudgetResult(score=score, rate=rate, explanation=explanation, **base), found


def _finite_or_none(x: Any) -> Optional[float]:
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _score_form_budget(budget: Optional[Budget], profile: Profile) -> tuple[BudgetResult, list[Finding]]:
    if budget is None:
        res = BudgetResult(points=profile.budget.points, score=0.0, explanation="未找到预算执行情况，得 0 分")
        return res, [make("PE501", None, missing="预算数（A）和执行数（B）")]
    points = budget.points if _usable_weight(budget.points) is not None else profile.budget.points
    typed = _totals.cell_number(budget.typed_score)
    if budget.planned is None and budget.executed is None and typed is not None:
        # Both blank but a score was typed: keep it (bounded) rather than zeroing a finished form.
        kept = max(0.0, min(typed, points))
        res = BudgetResult(
            points=points, score=kept, cell=budget.cells.get("score"), rate_cell=budget.cells.get("rate"),
            explanation=f"预算数、执行数未填，保留填报得分 {m.fixed(kept, profile.digits)}",
        )
        return res, [make("PE505", budget.cells.get("planned"), typed=m.compact(typed))]
    return score_budget(budget.planned, budget.executed, points, profile, cells=budget.cells)


# ---- constraint, cap, grade ------------------------------------------------------------------


def constraint_triggered(constraint_text: Any, profile: Union[Profile, str, None] = None) -> bool:
    """Whether the 约束性指标 text triggers the cap: a trigger word not negated in its own clause
    (``scoring.totals.read_constraint``; the rule and its settings are in docs/rules.md)."""
    return _totals.read_constraint(constraint_text, load_profile(profile or "hubei-2-1")).triggered


def deduction_of(constraint: Optional[Constraint]) -> float:
    """酌情扣分: the size of the number in the constraint row's score cell (text deducts nothing,
    as SUM would skip it; checks flag it)."""
    return 0.0 if constraint is None else _totals.deduction(constraint.typed_score)


def apply_cap(raw_total: float, triggered: bool, profile: Union[Profile, str, None] = None) -> tuple[float, bool]:
    """(total, capped): the total may not exceed the cap limit once the constraint is triggered."""
    profile = load_profile(profile or "hubei-2-1")
    if triggered and profile.cap.enabled:
        return min(raw_total, profile.cap.limit), True
    return raw_total, False


def grade_for(total: Optional[float], profile: Union[Profile, str, None] = None) -> str:
    """优/良/中/差 from the total as displayed (rounded), so the shown number and the grade agree."""
    return _totals.grade_of(_finite_or_none(total), load_profile(profile or "hubei-2-1"))


# ---- the whole form --------------------------------------------------------------------------


def score_form(form: Form, profile: Union[Profile, str, None] = None) -> Result:
    """Score a whole form and run every check; never raises on odd content."""
    profile = load_profile(profile or "hubei-2-1")
    findings: list[Finding] = list(form.findings)
    budget, found = _score_form_budget(form.budget, profile)
    findings.extend(found)
    indicators: list[IndicatorResult] = []
    per_goal: list[list[Optional[float]]] = []
    for gi, goal in enumerate(form.goals):
        per_goal.append([])
        for ii, ind in enumerate(goal.indicators):
            res, found = score_indicator(ind, profile, goal=gi, index=ii)
            indicators.append(res)
            per_goal[-1].append(res.score)
            findings.extend(found)
    c = form.constraint
    t = _totals.form_totals(budget.score, per_goal, c.typed_score if c else None,
                            c.actual if c else None, profile)
    goals = [GoalResult(title=g.title, points=g.points, score=sub, cell=g.cell, subtotal_cell=g.subtotal_cell)
             for g, sub in zip(form.goals, t.subtotals)]
    total = t.total if t.total is not None else 0.0
    result = Result(
        sheet=form.sheet,
        profile=profile.name,
        budget=budget,
        goals=goals,
        indicators=indicators,
        deduction=t.deduction,
        raw_total=t.raw_total,
        capped=t.capped,
        total=total,
        grade=t.grade or grade_for(total, profile),
        claimed_total=form.claimed_total,
        findings=[],
    )
    for check in _checks.CHECKS:
        findings.extend(check(form, result, profile))
    result.findings = findings
    return result


# Imported last (checks imports this module at its top): a function-level import per row cost
# more than some checks themselves.
from . import checks as _checks  # noqa: E402
