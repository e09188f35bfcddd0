"""Checks, Beancount style: each a short function returning findings, run in the order listed.

``ROW_CHECKS`` look at one indicator row and its result ``(indicator, indicator_result, profile)``;
``score_indicator`` runs them, so an Excel UDF sees the same findings as the whole-form run.
``CHECKS`` look at the whole form ``(form, result, profile)``; ``score_form`` runs them last.
Findings that are facts of the scoring itself (unit assumed, figure picked from a sentence,
over-completion, zero target missed) are raised where the score is computed, in ``engine``.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Callable

from .lazy import lazy_re
from . import methods as m
from . import totals as _totals
from .findings import make
from .methods import Method
from .readings import IndicatorReading, as_written, is_blank, typed_number, usable_weight

if TYPE_CHECKING:  # pragma: no cover
    from .models import Finding, Form, IndicatorResult, Result
    from .settings import Profile

    RowCheck = Callable[[IndicatorReading, "IndicatorResult", "Profile"], "list[Finding]"]
    Check = Callable[["Form", "Result", "Profile"], "list[Finding]"]


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol + 1e-9


# ---- row checks: (reading, result, profile) -------------------------------------------------------


def check_weight(r: IndicatorReading, res, profile) -> list:
    """PE304: 分值 missing, unreadable or negative."""
    if r.weight is None:
        w = r.indicator.weight
        return [make("PE304", r.cells.weight, name=r.name,
                     weight=r.indicator.weight_text or (w if w is not None else "（空）"))]
    return []


def check_score_text(r: IndicatorReading, res, profile) -> list:
    """PE203: text in a score cell (SUM skips it, and so does the total)."""
    if r.typed_is_text:
        return [make("PE203", r.cells.score, name=r.name, text=str(r.indicator.typed_score))]
    return []


def check_score_range(r: IndicatorReading, res, profile) -> list:
    """PE201 above the weight, PE208 negative."""
    typed = r.typed_written
    if typed is None:
        return []
    if typed < 0:
        return [make("PE208", r.cells.score, name=r.name, score=m.compact(typed))]
    if res.weight is not None and typed > res.weight + profile.tolerance:
        return [make("PE201", r.cells.score, name=r.name, score=m.compact(typed), weight=m.compact(res.weight))]
    return []


def check_kept_score_present(r: IndicatorReading, res, profile) -> list:
    """PE204: a row whose typed score must be kept has none."""
    if not res.computed and r.typed_written is None:
        return [make("PE204", r.cells.score, name=r.name)]
    return []


def check_typed_matches(r: IndicatorReading, res, profile) -> list:
    """PE202: the typed score of a computable row differs from the recomputed one."""
    typed = r.typed_written
    if not res.computed or typed is None or res.score is None or typed < 0:
        return []
    if res.weight is not None and typed > res.weight + profile.tolerance:
        return []  # PE201 already says it
    if _close(typed, res.score, profile.tolerance):
        return []
    return [make("PE202", r.cells.score, name=r.name, typed=m.compact(typed),
                 computed=m.fixed(res.score, profile.digits), explanation=res.explanation)]


def check_tier_band(r: IndicatorReading, res, profile) -> list:
    """PE205: a three-tier score outside the band of its declared or evident tier."""
    typed = r.typed_written
    if res.method is not Method.JUDGEMENT or typed is None or not res.weight or typed < 0 or typed > res.weight:
        return []
    tier = r.tier  # read from the words once (a property of the frozen reading: the same each time)
    if tier is None or m.in_band(typed, res.weight, tier, profile, profile.tolerance):
        return []
    return [make("PE205", r.cells.score, name=r.name, tier=tier, band=m.band_text(tier, profile),
                 score=m.compact(typed))]


def check_reason_for_shortfall(r: IndicatorReading, res, profile) -> list:
    """PE401: below full points without a 偏差原因."""
    if res.score is None or res.weight is None or (r.indicator.reason or "").strip():
        return []
    if res.score < res.weight - profile.tolerance:
        return [make("PE401", r.cells.reason or r.cells.score, name=r.name,
                     score=m.fixed(res.score, profile.digits), weight=m.compact(res.weight))]
    return []


def check_description_matches_target(r: IndicatorReading, res, profile) -> list:
    """PE107: 指标说明 states a figure of the target's unit that differs from the target."""
    tp, dp = r.target, r.description
    if dp is None or dp.kind != "number" or dp.number is None or dp.unit != tp.unit:
        return []
    if math.isclose(dp.number, tp.number, rel_tol=1e-6, abs_tol=1e-9):
        return []
    return [make("PE107", r.cells.description or r.cells.target, name=r.name,
                 described=as_written(dp), target=as_written(tp))]


ROW_CHECKS: list[RowCheck] = [
    check_weight,
    check_score_text,
    check_score_range,
    check_kept_score_present,
    check_typed_matches,
    check_tier_band,
    check_reason_for_shortfall,
    check_description_matches_target,
]


# ---- form checks -----------------------------------------------------------------------------


def _weight_sum(indicators) -> float:
    return sum(w for w in (usable_weight(ind.weight) for ind in indicators) if w is not None)


def check_has_indicators(form: Form, result: Result, profile: Profile) -> list[Finding]:
    """PE308: a header but no indicator to score; the budget alone must not pass as a self-score."""
    if any(not is_blank(ind.name or "") for goal in form.goals for ind in goal.indicators):
        return []
    if form.goals:
        return [make("PE308", form.goals[0].cell, where="各年度目标下")]
    return [make("PE308", None, where="表中")]


def check_goal_points(form: Form, result: Result, profile: Profile) -> list[Finding]:
    """PE307 goal without points; PE301 indicator points not adding up to the goal's."""
    out: list[Finding] = []
    implicit = any(f.code == "PE904" for f in form.findings)  # the reader already said: no goal rows
    for goal in form.goals:
        if goal.points is None:
            if not implicit:
                out.append(make("PE307", goal.cell, goal=goal.title))
            continue
        total = _weight_sum(goal.indicators)
        if not _close(total, goal.points, profile.tolerance):
            out.append(make("PE301", goal.cell, goal=goal.title, points=m.compact(goal.points), sum=m.compact(total)))
    return out


def check_total_points(form: Form, result: Result, profile: Profile) -> list[Finding]:
    """PE302: budget points + goal points must equal the profile's total (100)."""
    if not form.goals:
        return []
    goals = sum(g.points if g.points is not None else _weight_sum(g.indicators) for g in form.goals)
    budget = result.budget.points
    if _close(budget + goals, profile.total_points, profile.tolerance):
        return []
    return [make("PE302", None, budget=m.compact(budget), goals=m.compact(goals),
                 sum=m.compact(budget + goals), expected=m.compact(profile.total_points))]


_LEVEL1_TAIL = lazy_re(r"[（(].*$")


def _level1_of(name: str) -> str:
    return _LEVEL1_TAIL.sub("", name or "").strip()


def check_level1_shares(form: Form, result: Result, profile: Profile) -> list[Finding]:
    """PE303: a "分值权重50%" label contradicting the points under it."""
    out: list[Finding] = []
    for goal in form.goals:
        base = goal.points if goal.points else _weight_sum(goal.indicators)
        if not base:
            continue
        shared = [label for label in goal.labels if label.share is not None]
        keys = [_level1_of(i.level1) for i in goal.indicators] if shared else []
        for label in shared:
            key = _level1_of(label.name)
            points = _weight_sum([i for i, k in zip(goal.indicators, keys) if k == key])
            if abs(points / base - label.share) > profile.share_tolerance:
                out.append(make("PE303", label.cell or goal.cell, goal=goal.title, label=label.name,
                                share=m.compact(label.share * 100) + "%", sum=m.compact(points),
                                actual_share=m.percent(points / base)))
    return out


_GOAL_PREFIX = lazy_re(r"^\s*年度目标\s*\d*\s*[:：.、]?")
_GOAL_POINTS = lazy_re(r"[（(]\s*[\d.]*\s*分\s*[)）]")
_GOAL_PUNCT = lazy_re(r"[\s。.，,；;]")


def _goal_key(title: str) -> str:
    text = _GOAL_PREFIX.sub("", title or "")
    text = _GOAL_POINTS.sub("", text)  # "（18分）", or the template's empty "（  分）"
    return _GOAL_PUNCT.sub("", text)


def check_duplicate_goals(form: Form, result: Result, profile: Profile) -> list[Finding]:
    """PE305: two goals with the same title (a copied block left unedited); the blank template's
    placeholder titles (年度目标2：（  分）) have no title yet, so they are no duplicates."""
    seen: set[str] = set()
    out: list[Finding] = []
    for goal in form.goals:
        key = _goal_key(goal.title)
        if key and key in seen:
            out.append(make("PE305", goal.cell, title=goal.title))
        seen.add(key)
    return out


def check_level1_weights(form: Form, result: Result, profile: Profile) -> list[Finding]:
    """PE306: points per 一级指标 against the profile's prescribed weights (national 50/30/10)."""
    if not profile.level1 or not form.goals:
        return []
    sums: dict[str, float] = defaultdict(float)
    for goal in form.goals:
        for ind in goal.indicators:
            sums[_level1_of(ind.level1)] += _weight_sum([ind])
    out = []
    for label, expected in profile.level1.items():
        got = sums.get(label, 0.0)
        if not _close(got, expected, profile.tolerance):
            out.append(make("PE306", None, label=label, sum=m.compact(got), profile=profile.name,
                            expected=m.compact(expected)))
    return out


def check_budget(form: Form, result: Result, profile: Profile) -> list[Finding]:
    """PE504 header points vs profile; PE503 typed budget score; PE403 shortfall without reason."""
    b = form.budget
    out: list[Finding] = []
    if b is None:
        return out
    if b.points is not None and not _close(b.points, profile.budget.points, profile.tolerance):
        out.append(make("PE504", b.cells.get("score"), points=m.compact(b.points), profile=profile.name,
                        expected=m.compact(profile.budget.points)))
    typed, _ = typed_number(b.typed_score)
    br = result.budget
    if typed is not None and br.rate is not None and not _close(typed, br.score, profile.tolerance):
        out.append(make("PE503", br.cell, typed=m.compact(typed), computed=m.fixed(br.score, profile.digits),
                        explanation=br.explanation))
    if br.rate is not None and br.rate < 1 - 1e-9 and not (b.reason or "").strip():
        out.append(make("PE403", b.cells.get("reason") or br.cell, rate=m.percent(br.rate)))
    return out


def check_constraint(form: Form, result: Result, profile: Profile) -> list[Finding]:
    """PE601 cap applied; PE602 cap kept on mixed wording; PE607 negated trigger (no cap); PE605
    unreadable deduction."""
    c = form.constraint
    if c is None:
        return []
    out: list[Finding] = []
    text = c.actual or ""
    reading = _totals.read_constraint(text, profile)
    if reading.negated:
        out.append(make("PE607", c.cells.actual, text=text, word=reading.word))
    if result.capped:
        if reading.unclear:
            out.append(make("PE602", c.cells.actual, text=text, why=reading.unclear))
        out.append(make("PE601", c.cells.actual, text=text, limit=m.compact(profile.cap.limit),
                        raw=m.fixed(result.raw_total, profile.digits)))
    value = _totals.cell_number(c.typed_score)
    _, is_text = typed_number(c.typed_score)
    if value is not None and value > 0:
        out.append(make("PE605", c.cells.score, text=str(c.typed_score), action=f"已按扣 {m.compact(value)} 分计算"))
    elif is_text and str(c.typed_score).strip() not in profile.cap.no_deduction:
        # Text deducts nothing, even "-3": the form's own total formula (and SUM) skip it.
        out.append(make("PE605", c.cells.score, text=str(c.typed_score), action="文字不计入扣分，未扣分"))
    return out


def check_totals(form: Form, result: Result, profile: Profile) -> list[Finding]:
    """PE606 goal subtotals, PE604 typed total, PE603 claimed total in the header."""
    out: list = []
    d, tol = profile.digits, profile.tolerance
    for goal, gr in zip(form.goals, result.goals):
        typed, _ = typed_number(goal.typed_subtotal)
        if typed is not None and not _close(typed, gr.score, tol):
            out.append(make("PE606", goal.subtotal_cell or goal.cell, goal=goal.title, typed=m.compact(typed),
                            computed=m.fixed(gr.score, d)))
    typed_total, is_text = typed_number(form.typed_total)
    if (typed_total is not None and not _close(typed_total, result.total, tol)) or (typed_total is None and is_text):
        out.append(make("PE604", form.total_cell, typed=str(form.typed_total) if typed_total is None else m.compact(typed_total),
                        total=m.fixed(result.total, d)))
    if form.claimed_total is not None and not _close(form.claimed_total, result.total, tol):
        out.append(make("PE603", form.claimed_total_cell, claimed=m.compact(form.claimed_total),
                        total=m.fixed(result.total, d)))
    return out


CHECKS: list[Check] = [
    check_has_indicators,
    check_goal_points,
    check_total_points,
    check_level1_shares,
    check_duplicate_goals,
    check_level1_weights,
    check_budget,
    check_constraint,
    check_totals,
]
