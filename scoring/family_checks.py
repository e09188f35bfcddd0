"""Budget checks that published forms need beyond the engine's own (PE914, PE915).

Pure functions on the Form and its Result; ``workbook.families.after_score`` calls them.
- PE914: the typed 执行率 differs from 执行数/预算数 (B/A) by more than half a percentage point.
- PE916: the budget's 得分 is left blank while the indicators are scored (not a formula cell).
- PE306 (missing 一级): a 一级指标 the family's suggested split names (产出/效益 …) holds no points at all
  while the indicators carry points, i.e. the whole dimension is left out (an adjustment of the
  suggested weights is allowed; leaving 效益 out is not an adjustment).
- PE922: the budget was changed during the year by a fifth or more, or added from nothing (年初预算数 →
  调整后预算数), and the reason cell says nothing,
  on layouts that ask for the reason (四川: “年中发生预算调整的（追加或调减），应单独说明理由”).
- PE915: the 全年预算数 was cut by 20% or more from the 年初预算数 while every 数量指标 kept full points
  (the targets were not adjusted with the money; 财预〔2020〕10号 asks for the deviation to be explained).
"""
from __future__ import annotations

import re
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Optional

from .findings import make
from .formatting import compact, percent
from .lazy import compiled
from .models import Finding, Form, Result
from .readings import is_blank
from .values import parse_value

if TYPE_CHECKING:  # pragma: no cover - the core takes a Profile and never imports the profile loader
    from .settings import Profile

_LEVEL1_TAIL = compiled(r"[(（].*$")  # "产出指标（50分）" -> "产出指标"
RATE_TOLERANCE = 0.005  # 0.5 percentage point: published rates are rounded to 0.01% or 1%
CUT_THRESHOLD = 0.20


def _rate(value: Any) -> Optional[float]:
    """A typed 执行率 as a fraction: 0.9, 90, "90%", "100.00%"."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        v = float(value)
        return v / 100 if v > 1.5 else v
    p = parse_value(str(value))
    if p.kind != "number" or p.number is None:
        return None
    if p.unit == "%":
        return p.number / 100
    return p.number / 100 if p.number > 1.5 else p.number


def budget_checks(form: Form, result: Result, profile: Profile, initial: Optional[float] = None,
                  initial_cell: Optional[str] = None, score_is_formula: bool = False) -> list[Finding]:
    out: list[Finding] = []
    b = form.budget
    typed_rows = [i for g in form.goals for i in g.indicators if _typed(i.typed_score)]
    if (b is not None and b.cells.get("score") and not _typed(b.typed_score) and typed_rows
            and not score_is_formula and result.budget.points):
        out.append(make("PE916", b.cells.get("score"),
                        what=f"未填写（分值 {_num(result.budget.points)} 分，按执行率应得 {_num(round(result.budget.score, 2))} 分）；请填写"))
    if b is None or not b.planned or b.executed is None or b.planned <= 0:
        return out
    rate = b.executed / b.planned
    typed = _rate(b.typed_rate)
    if typed is not None and abs(typed - rate) > RATE_TOLERANCE and (b.typed_rate not in (0, "0") or b.executed > 0):
        out.append(make("PE914", b.cells.get("rate"), typed=_pct(typed), rate=_pct(rate),
                        executed=_num(b.executed), planned=_num(b.planned)))
    if initial and initial > 0 and b.planned < initial * (1 - CUT_THRESHOLD):
        quantity = [(g, i) for g in form.goals for i in g.indicators if re.search("数量", i.level2 or "")]
        full = [r for r in result.indicators if r.weight and r.score is not None and r.score >= r.weight - 1e-9]
        full_names = {(r.goal, r.index) for r in full}
        if quantity and all((gi, ii) in full_names for gi, g in enumerate(form.goals)
                            for ii, i in enumerate(g.indicators) if re.search("数量", i.level2 or "")):
            out.append(make("PE915", b.cells.get("planned"), initial=_num(initial), planned=_num(b.planned),
                            cut=_pct(1 - b.planned / initial), count=len(quantity)))
    return out


def _typed(x: Any) -> bool:
    return not isinstance(x, bool) and not is_blank(x)


def _pct(x: float) -> str:
    return percent(x, 2)


_num = compact


def level1_missing(form: Form, result: Result, profile: Profile, suggested: tuple[tuple[str, float], ...],
                   optional: tuple[str, ...] = ()) -> list[Finding]:
    """PE306 for each suggested 一级指标 (not optional) with no points on a form whose indicators have some."""
    if not suggested or profile.level1:  # the profile's own split is checked by the engine
        return []
    sums: dict[str, float] = {}
    for r in result.indicators:
        ind = form.goals[r.goal].indicators[r.index]
        key = _LEVEL1_TAIL.sub("", ind.level1 or "").strip()
        sums[key] = sums.get(key, 0.0) + (r.weight or 0.0)
    if not any(sums.values()):
        return []
    return [make("PE306", None, label=label, sum="0", profile=profile.name, expected=_num(points))
            for label, points in suggested
            if label not in optional and not sums.get(_LEVEL1_TAIL.sub("", label).strip())]


def budget_adjusted(form: Form, initial: Optional[float], initial_cell: Optional[str],
                    reason_given: bool) -> list[Finding]:
    """PE922: 年初预算数 → 调整后预算数 changed (beyond rounding) and no reason given."""
    b = form.budget
    if b is None or initial is None or b.planned is None or reason_given:
        return []
    # a change of a fifth or more (the PE915 threshold), or a budget added from nothing: small changes
    # (salary adjustments, a few per cent) are routine and reviewers do not ask for them
    if abs(b.planned - initial) < 0.005 or (initial > 0 and abs(b.planned - initial) < initial * CUT_THRESHOLD):
        return []
    change = (f"追加 {_num(round(b.planned - initial, 2))}" if b.planned > initial
              else f"调减 {_num(round(initial - b.planned, 2))}")
    return [make("PE922", b.cells.get("planned") or initial_cell, initial=_num(initial), planned=_num(b.planned),
                 change=change)]
