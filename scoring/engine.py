"""Score a 附件2-1 form: budget, every indicator, goal subtotals, the constraint cap, total and grade.

Every row is read once (``scoring.readings``); the method of a row comes from the method table there
and is applied here by the function ``_BY_METHOD`` names. The form-level arithmetic is
``scoring.totals``. ``score_form`` is built from public pieces the Excel UDFs call one by one
(``score_indicator``, ``indicator_score``, ``score_budget``, ``apply_cap``, ``grade_for``,
``constraint_triggered``), so a cell formula and the ribbon's 重新评分 can never disagree.

The core is given a ``Profile``; it never loads one by name and reaches no file (names are resolved
at the edges: the command line, the pipeline, the UDF module, the ribbon). Scores stay at full
precision; rounding is for display only.
"""
from __future__ import annotations

import math
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

from . import methods as m
from . import totals as _totals
from .checks import CHECKS, ROW_CHECKS
from .findings import make
from .methods import Method
from .readings import (  # noqa: F401  (typed_number, as_written: public names kept for callers)
    IndicatorReading,
    as_written,
    scale_of,
    unit_as_written,
    choose_method,
    read_indicator,
    tier_of_row,
    typed_number,
    usable_weight,
)
from .values import ParsedValue, format_number, parse_value, same_dimension

if TYPE_CHECKING:  # pragma: no cover
    from .models import Budget, BudgetResult, Constraint, Finding, Form, Indicator, IndicatorResult, Result
    from .settings import Profile


def _profile(profile: Any) -> "Profile":
    from .settings import require_profile

    return require_profile(profile)


def infer_method(indicator: "Indicator", profile: "Profile", tp: Optional[ParsedValue] = None) -> Method:
    """The method of a row: explicit, else the first rule of ``readings.METHOD_TABLE`` that holds."""
    return choose_method(indicator, tp or parse_value(indicator.target), _profile(profile))


def infer_tier(indicator: "Indicator", ap: Optional[ParsedValue] = None) -> Optional[str]:
    """The three-tier judgement declared on the row, or readable from the actual's wording."""
    return tier_of_row(indicator.tier, indicator.actual, ap or parse_value(indicator.actual))


# ---- one indicator ---------------------------------------------------------------------------


class _Outcome:
    """A row's score and ratio, and ``why``: the rule's explanation, written only when asked for
    (``explanation``). The scores-only path (``indicator_score``) never asks."""

    __slots__ = ("score", "ratio", "why", "computed", "method")

    def __init__(self, score: Optional[float], ratio: Optional[float], why: m.Why, computed: bool = True,
                 method: Optional[Method] = None) -> None:
        self.score, self.ratio, self.why, self.computed = score, ratio, why, computed
        self.method = method  # set when the computation settles on another method (a 0 target)

    @property
    def explanation(self) -> str:
        return self.why()


class _Discard(list):
    """A findings sink that keeps nothing: the scores-only path builds no findings it would throw away."""

    def append(self, item) -> None:  # noqa: D401
        pass

    def extend(self, items) -> None:
        pass


_NOWHERE = _Discard()


def _add(code: str, found: list, cell: Optional[str], **fields) -> None:
    if found is not _NOWHERE:
        found.append(make(code, cell, **fields))


def _unreadable(raw: Optional[str]) -> str:
    """How a PE101/PE102 message names a value it cannot read: "为空", or the text and "无法识别"."""
    raw = (raw or "").strip()
    return f"“{raw}”无法识别" if raw else "为空"


def _kept(r: IndicatorReading, profile: "Profile", why: str) -> _Outcome:
    score, ratio, told = m.manual_rule(r.typed, r.weight, profile, why)
    return _Outcome(score, ratio, told, computed=False)


def _numeric(r: IndicatorReading, profile: "Profile", found: list) -> _Outcome:
    """定量: ratio, reverse or zero target, from the target and the actual in the target's unit."""
    tp = r.target
    if not r.numeric or (tp.number or 0) < 0:
        _add("PE101", found, r.cells.target, name=r.name, target=_unreadable(r.indicator.target))
        return _kept(r, profile, "年初目标值无法识别")
    if r.weight is None:
        return _kept(r, profile, "分值缺失")
    actual = _actual_number(r, profile, found)
    if actual is None:
        return _kept(r, profile, "实际完成值无法计算")
    if r.method is Method.ZERO or tp.number == 0:
        return _zero(r, actual, profile, found)
    if r.method is Method.REVERSE:
        return _reverse(r, actual, profile)
    return _ratio(r, actual, profile, found)


def _zero(r: IndicatorReading, actual: float, profile: "Profile", found: list) -> _Outcome:
    score, ratio, why = m.zero_rule(actual, r.weight, profile, r.target.unit or "")
    if actual > 0 and found is not _NOWHERE:
        _add("PE206", found, r.cells.actual, name=r.name, actual=m.shown(actual, r.target.unit))
    return _Outcome(score, ratio, why, method=Method.ZERO)


def _reverse(r: IndicatorReading, actual: float, profile: "Profile") -> _Outcome:
    tp, ap, unit, weight = r.target, r.actual, r.target.unit or "", r.weight
    cmp = tp.comparator if tp.comparator in ("le", "lt") else "le"  # explicit override on "≥x"
    score, ratio, why = m.reverse_rule(tp.number, actual, weight, profile, unit, cmp)
    within = (ap.comparator in ("le", "lt") or bool(m.WITHIN.search(ap.raw or ""))) and actual <= tp.number
    if within and ap.comparator != "lt" and score is not None and score < weight:
        # "未超过80%" against "≤80%": the wording itself says the ceiling was kept.
        score, written = weight, r.indicator.actual  # the text as scored, whenever the sentence is written

        def why() -> str:
            return (f"反向指标：目标 {m.shown(tp.number, unit, cmp)}，"
                    f"实际“{written}”，已达标：满分 {m.fixed(weight, profile.digits)}")
    return _Outcome(score, ratio, why)


def _ratio(r: IndicatorReading, actual: float, profile: "Profile", found: list) -> _Outcome:
    score, ratio, why = m.ratio_rule(r.target.number, actual, r.weight, profile, r.target.unit or "")
    q = profile.quantitative
    if (ratio is not None and ratio >= q.over_threshold - 1e-12 and found is not _NOWHERE
            and not (r.indicator.reason or "").strip()):
        _add("PE402", found, r.cells.reason or r.cells.actual, name=r.name,
             ratio=m.percent(ratio), threshold=m.percent(q.over_threshold, 0))
    return _Outcome(score, ratio, why)


def _qualitative(r: IndicatorReading, profile: "Profile", found: list) -> _Outcome:
    ind = r.indicator
    done = r.actual.status == "done" or m.same_text(ind.target, ind.actual)
    if done and r.weight is not None:
        return _Outcome(*m.qualitative_rule(True, r.typed, r.weight, profile, ind.actual))
    score, ratio, why = m.qualitative_rule(False, r.typed, r.weight, profile, ind.actual)
    if r.typed is not None and found is not _NOWHERE:
        _add("PE207", found, r.cells.score, name=r.name, score=m.compact(r.typed))
    return _Outcome(score, ratio, why, computed=False)


def _judgement(r: IndicatorReading, profile: "Profile", found: list) -> _Outcome:
    score, ratio, told = m.judgement_rule(r.typed, r.weight, profile, None)

    def why() -> str:
        tier = r.tier  # read only when the explanation is written
        if tier and r.typed is not None and tier != m.tier_of(r.typed, r.weight or 0, profile):
            return f"{told()}；实际完成情况对应“{tier}”档 {m.band_text(tier, profile)}"
        return told()
    return _Outcome(score, ratio, why, computed=False)


def _manual(r: IndicatorReading, profile: "Profile", found: list) -> _Outcome:
    if r.target.kind == "empty":
        _add("PE101", found, r.cells.target, name=r.name, target=_unreadable(""))
    return _kept(r, profile, "")


_BY_METHOD: dict[Method, Callable[[IndicatorReading, "Profile", list], _Outcome]] = {
    Method.RATIO: _numeric, Method.REVERSE: _numeric, Method.ZERO: _numeric,
    Method.QUALITATIVE: _qualitative, Method.JUDGEMENT: _judgement, Method.MANUAL: _manual,
}


def _outcome(r: IndicatorReading, profile: "Profile", found: list) -> _Outcome:
    out = _BY_METHOD[r.method](r, profile, found)
    if out.score is None and out.computed and r.method in (Method.RATIO, Method.REVERSE, Method.ZERO):
        out = _kept(r, profile, "无法计算")
    if out.score is not None:
        # Whatever was typed, an indicator never scores outside [0, 分值] (得分不得突破分值).
        out.score = max(0.0, out.score if r.weight is None else min(out.score, r.weight))
    return out


def indicator_score(reading: IndicatorReading, profile: "Profile") -> Optional[float]:
    """The score of a read row and nothing else: no findings, no result model (``PE_SCORES``)."""
    return _outcome(reading, profile, _NOWHERE).score


def score_reading(reading: IndicatorReading, profile: "Profile", *, goal: int = 0,
                  index: int = 0, explain_now: bool = False) -> tuple["IndicatorResult", list["Finding"]]:
    """Score a read row; the findings include the row checks of ``scoring.checks``. The row's
    explanation is written when first read (``IndicatorResult.explained_later``); ``explain_now``
    writes it at once (the straightforward path the tests compare the lazy one with)."""
    from .models import IndicatorResult

    found: list = []
    out = _outcome(reading, profile, found)
    values = dict(goal=goal, index=index, name=reading.indicator.name, weight=reading.weight, score=out.score,
                  method=out.method or reading.method, ratio=out.ratio, cell=reading.cells.score,
                  typed=reading.typed, computed=out.computed)
    result = (IndicatorResult(explanation=out.explanation, **values) if explain_now
              else IndicatorResult.explained_later(out.why, **values))
    for check in ROW_CHECKS:
        found.extend(check(reading, result, profile))
    return result, found


def score_indicator(indicator: "Indicator", profile: "Profile", *, goal: int = 0,
                    index: int = 0) -> tuple["IndicatorResult", list["Finding"]]:
    """Read and score one 三级指标 row (what ``PE_SCORE`` and ``PE_EXPLAIN`` call)."""
    profile = _profile(profile)
    return score_reading(read_indicator(indicator, profile), profile, goal=goal, index=index)


def _actual_number(r: IndicatorReading, profile: "Profile", found: list) -> Optional[float]:
    """The actual in the target's base unit, or None (with a finding) when it cannot be compared."""
    tp, ap, name = r.target, r.actual, r.name
    cell = None if found is _NOWHERE else r.cells.actual
    if ap.kind != "number" or ap.number is None or not math.isfinite(ap.number):
        _add("PE102", found, cell, name=name, actual=_unreadable(r.indicator.actual))
        return None
    if tp.unit and ap.unit and tp.unit != ap.unit and not same_dimension(tp.unit, ap.unit):
        _add("PE108", found, cell, name=name, target_unit=tp.unit, actual_unit=ap.unit)
        return None
    actual = _borrow_unit(r, profile, found) if tp.unit and not ap.unit else ap.number
    if not ap.confident and found is not _NOWHERE:
        _add("PE104", found, cell, name=name, value=m.shown(ap.number, ap.unit))
    if actual < 0:
        _add("PE106", found, cell, name=name, actual=r.indicator.actual)
        actual = 0.0
    return actual


def _borrow_unit(r: IndicatorReading, profile: "Profile", found: list) -> float:
    """An actual without a unit, against a target with one: a bare Excel fraction against a % target is a
    percentage; a figure written with 万/亿 keeps its own multiplier and borrows only the unit ("3万"
    against "3.5万人" is 30000 人); a bare figure borrows the target's multiplier and unit ("3" → 3万人)."""
    tp, ap, cell, raw = r.target, r.actual, r.cells.actual, r.indicator.actual
    actual = ap.number
    if tp.unit == "%" and 0 <= actual <= profile.quantitative.percent_fraction_max and m.PLAIN_NUMBER.fullmatch(
            str(raw).strip()):
        _add("PE105", found, cell, name=r.name, raw=m.compact(actual), percent=m.shown(actual * 100, "%"))
        return actual * 100
    if ap.multiplier != 1:
        _add("PE103", found, cell, name=r.name, actual=raw, unit=tp.unit)
        return actual
    _add("PE103", found, cell, name=r.name, actual=raw, unit=unit_as_written(tp))
    return actual * scale_of(tp)


# ---- budget ------------------------------------------------------------------------------------


def score_budget(planned: Optional[float], executed: Optional[float], points: Optional[float],
                 profile: "Profile", *, cells: Optional[dict] = None) -> tuple["BudgetResult", list["Finding"]]:
    """预算执行: 分值 × B/A (``totals.budget_score``), capped at 分值 when the profile says so.
    A or B missing scores 0."""
    from .models import BudgetResult

    profile = _profile(profile)
    cells = cells or {}
    pts = usable_weight(points)
    pts = profile.budget.points if pts is None else pts
    a, b = _totals.cell_number(planned), _totals.cell_number(executed)
    base = dict(points=pts, planned=a, executed=b, cell=cells.get("score"), rate_cell=cells.get("rate"))
    missing = [label for label, ok in (("预算数（A）", a is not None and a > 0),
                                       ("执行数（B）", b is not None and b >= 0)) if not ok]
    if missing:
        cell = cells.get("planned") if "预算数（A）" in missing else cells.get("executed")
        return (BudgetResult(score=0.0, explanation=f"缺少{'和'.join(missing)}，预算执行得 0 分", **base),
                [make("PE501", cell, missing="和".join(missing))])
    rate = b / a
    score = _totals.budget_score(a, b, pts, profile.budget.cap) or 0.0
    shown_rate = "100%" if rate > 1 and profile.budget.cap else m.percent(rate)
    head = f"执行率 {m.percent(rate)}，按 100% 计" if rate > 1 and profile.budget.cap else f"执行率 {m.percent(rate)}"
    explanation = f"{head}：{m.compact(pts)} × {shown_rate} = {m.fixed(score, profile.digits)}"
    found = []
    if b > a * (1 + 1e-9):
        _add("PE502", found, cells.get("executed"), executed=m.compact(b), planned=m.compact(a))
    return BudgetResult(score=score, rate=rate, explanation=explanation, **base), found


def _score_form_budget(budget: Optional["Budget"], profile: "Profile") -> tuple["BudgetResult", list["Finding"]]:
    from .models import BudgetResult

    if budget is None:
        res = BudgetResult(points=profile.budget.points, score=0.0, explanation="未找到预算执行情况，得 0 分")
        return res, [make("PE501", None, missing="预算数（A）和执行数（B）")]
    points = budget.points if usable_weight(budget.points) is not None else profile.budget.points
    typed = _totals.cell_number(budget.typed_score)
    if budget.planned is None and budget.executed is None and typed is not None:
        # Both blank but a score was typed: keep it (bounded) rather than zeroing a finished form.
        kept = max(0.0, min(typed, points))
        res = BudgetResult(points=points, score=kept, cell=budget.cells.get("score"),
                           rate_cell=budget.cells.get("rate"),
                           explanation=f"预算数、执行数未填，保留填报得分 {m.fixed(kept, profile.digits)}")
        return res, [make("PE505", budget.cells.get("planned"), typed=m.compact(typed))]
    return score_budget(budget.planned, budget.executed, points, profile, cells=budget.cells)


# ---- constraint, cap, grade ------------------------------------------------------------------


def constraint_triggered(constraint_text: Any, profile: "Profile") -> bool:
    """Whether the 约束性指标 text triggers the cap: a trigger word not negated in its own clause
    (``scoring.totals.read_constraint``; the rule and its settings are in docs/rules.md)."""
    return _totals.read_constraint(constraint_text, _profile(profile)).triggered


def deduction_of(constraint: Optional["Constraint"]) -> float:
    """酌情扣分: the size of the number in the constraint row's score cell (text deducts nothing,
    as SUM would skip it; checks flag it)."""
    return 0.0 if constraint is None else _totals.deduction(constraint.typed_score)


def apply_cap(raw_total: float, triggered: bool, profile: "Profile") -> tuple[float, bool]:
    """(total, capped): the total may not exceed the cap limit once the constraint is triggered."""
    profile = _profile(profile)
    if triggered and profile.cap.enabled:
        return min(raw_total, profile.cap.limit), True
    return raw_total, False


def grade_for(total: Optional[float], profile: "Profile") -> str:
    """优/良/中/差 from the total as displayed (rounded), so the shown number and the grade agree."""
    return _totals.grade_of(total, _profile(profile))


# ---- the whole form --------------------------------------------------------------------------


def score_form(form: "Form", profile: "Profile", *, explain_now: bool = False) -> "Result":
    """Score a whole form and run every check; never raises on odd content. Each row's explanation is
    written when something reads it (``explain_now``: at once, see ``score_reading``)."""
    from .models import GoalResult, Result

    profile = _profile(profile)
    findings: list = list(form.findings)
    budget, found = _score_form_budget(form.budget, profile)
    findings.extend(found)
    indicators: list = []
    per_goal: list[list[Optional[float]]] = []
    for gi, goal in enumerate(form.goals):
        per_goal.append([])
        for ii, ind in enumerate(goal.indicators):
            res, found = score_reading(read_indicator(ind, profile), profile, goal=gi, index=ii,
                                       explain_now=explain_now)
            indicators.append(res)
            per_goal[-1].append(res.score)
            findings.extend(found)
    c = form.constraint
    t = _totals.form_totals(budget.score, per_goal, c.typed_score if c else None, c.actual if c else None, profile)
    goals = [GoalResult(title=g.title, points=g.points, score=sub, cell=g.cell, subtotal_cell=g.subtotal_cell)
             for g, sub in zip(form.goals, t.subtotals)]
    total = t.total if t.total is not None else 0.0
    result = Result(sheet=form.sheet, profile=profile.name, budget=budget, goals=goals, indicators=indicators,
                    deduction=t.deduction, raw_total=t.raw_total, capped=t.capped, total=total,
                    grade=t.grade or _totals.grade_of(total, profile), claimed_total=form.claimed_total,
                    findings=[])
    for check in CHECKS:
        findings.extend(check(form, result, profile))
    result.findings = findings
    return result


# Kept for callers of the old helper name; one reading of "a finite number" lives in scoring.totals.
_finite_or_none = _totals.cell_number
format_number = format_number
