"""The one home of the form-level arithmetic: budget score, goal subtotals, deduction, cap, clamp, grade.

``score_form`` and the Excel UDFs call these functions; the template's native formulas are generated
from the same profile settings by ``scoring.formulas``, and a conformance test runs both over one table
of cases (tests/test_totals_conformance.py). Every rule here is stated so a spreadsheet formula can
state it too:

- a score cell counts when it holds a number; text (even "2") counts as nothing, exactly as SUM
  skips it, and a check says so (PE203, PE605);
- the deduction is the size of the number in the constraint row's score cell (-3 and 3 both deduct 3);
- the cap applies when the constraint text names a trigger that is not negated in its own clause
  (``read_constraint``); the total is then at most ``cap.limit``;
- the total is clamped to [0, ``total_points``]; the grade is read from the total as displayed.
"""
from __future__ import annotations

import math
import re
from scoring.plaindata import dataclass  # not dataclasses: see scoring.plaindata
from functools import lru_cache
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Iterable, Optional

    from .settings import CapRules, Profile  # annotations only: the profile models cost pydantic


def cell_number(value: Any) -> Optional[float]:
    """What SUM counts: a finite number (not a boolean), else None (blank, text, error)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def subtotal(scores: Iterable[Any]) -> float:
    """A goal's subtotal: the sum of its score cells that hold numbers (=SUM over the rows)."""
    return sum(x for x in map(cell_number, scores) if x is not None)


def budget_plus_scores(budget: Any, scores: Iterable[Any]) -> Optional[float]:
    """A project-style form's total: its budget score cell plus the indicator score cells that hold
    numbers; None (blank) while none of them does. Twin of ``formulas.budget_plus_scores``."""
    numbers = [x for x in map(cell_number, [budget, *scores]) if x is not None]
    return sum(numbers) if numbers else None


def deduction(value: Any) -> float:
    """酌情扣分 from the constraint row's score cell: the size of the number typed there (=ABS(N(cell)))."""
    x = cell_number(value)
    return abs(x) if x is not None else 0.0


def budget_score(planned: Any, executed: Any, points: float, cap: bool = True) -> Optional[float]:
    """分值 × B/A (at most 分值 when ``cap``); 0 when A is not positive or B is negative or missing;
    None when both cells are blank (the form has nothing to score yet)."""
    a, b = cell_number(planned), cell_number(executed)
    if a is None and b is None:
        return None
    if a is None or a <= 0 or (b is not None and b < 0):
        return 0.0
    rate = (b or 0.0) / a
    return points * min(rate, 1.0) if cap else points * rate


# ---- the constraint row ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConstraintReading:
    """How the 约束性指标 text was read. ``word``: the trigger that decided (or was negated);
    ``negated``: a trigger named and negated in its own clause (no cap); ``unclear``: why the cap
    was kept although a negation was present ("" when the wording is plain)."""

    triggered: bool
    word: str = ""
    negated: bool = False
    unclear: str = ""


_NOT_TRIGGERED = ConstraintReading(False)


def _clause_before(text: str, end: int, cap: "CapRules") -> str:
    """The clause the trigger at ``end`` sits in, up to the trigger, without the not-negation words."""
    head = text[:end]
    for word in cap.not_negations:
        head = head.replace(word, "")
    return _splitter(tuple(cap.clause_marks)).split(head)[-1]


@lru_cache(maxsize=8)
def _splitter(marks: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(re.escape(m) for m in marks) or r"(?!)")


def _read_word(text: str, word: str, cap: "CapRules") -> Optional[ConstraintReading]:
    count = text.count(word)
    if not word or count == 0:
        return None
    if count > 1:
        return ConstraintReading(True, word, unclear=f"“{word}”出现了不止一次")
    clause = _clause_before(text, text.find(word), cap)
    if any(neg and neg in clause for neg in cap.negations):
        return ConstraintReading(False, word, negated=True)
    return ConstraintReading(True, word)


def read_constraint(text: Any, profile: "Profile") -> ConstraintReading:
    """Whether the constraint text triggers the cap. Each trigger word (``cap.triggers``) counts when
    it occurs once and no negation word (``cap.negations``) stands before it in its own clause
    (clauses end at ``cap.clause_marks``; ``cap.not_negations`` such as 是否 are not negations).
    A trigger named more than once, or one negated while another is not, keeps the cap (unclear)."""
    cap = profile.cap
    if text is None or isinstance(text, bool) or not cap.enabled:
        return _NOT_TRIGGERED
    text = str(text)
    readings = [r for r in (_read_word(text, w, cap) for w in cap.triggers) if r is not None]
    fired = [r for r in readings if r.triggered]
    if fired:
        first = fired[0]
        negated = [r for r in readings if r.negated]
        if negated and not first.unclear:
            return ConstraintReading(True, first.word, unclear=f"否定了“{negated[0].word}”，但“{first.word}”未被否定")
        return first
    return readings[0] if readings else _NOT_TRIGGERED


# ---- total and grade ------------------------------------------------------------------------------


def grade_of(total: Optional[float], profile: "Profile") -> str:
    """优/良/中/差 from the total as displayed (rounded to ``digits``); "" for no total."""
    x = cell_number(total)
    if x is None:
        return ""
    shown = round(x, profile.digits)
    for grade in profile.grades:
        if shown >= grade.min:
            return grade.name
    return profile.grades[-1].name


@dataclass(frozen=True)
class Totals:
    subtotals: tuple[float, ...]
    deduction: float
    raw_total: float  # budget + subtotals - deduction, before cap and clamp
    capped: bool  # the cap was applied (the constraint triggered)
    total: Optional[float]  # full precision; None when nothing at all is scored (a blank form)
    grade: str
    constraint: ConstraintReading


def form_totals(budget: Any, goal_scores: Iterable[Iterable[Any]], deduction_cell: Any,
                constraint_text: Any, profile: "Profile") -> Totals:
    """Total = budget + Σ subtotals − deduction; capped at ``cap.limit`` when the constraint triggers;
    clamped to [0, ``total_points``]. ``goal_scores``: per goal, its indicators' score cells."""
    goals = [list(g) for g in goal_scores]
    subtotals = tuple(subtotal(g) for g in goals)
    ded = deduction(deduction_cell)
    b = cell_number(budget)
    raw = (b or 0.0) + sum(subtotals) - ded
    reading = read_constraint(constraint_text, profile)
    capped = reading.triggered
    total = min(raw, profile.cap.limit) if capped else raw
    total = max(0.0, min(total, profile.total_points))
    if b is None and not any(cell_number(v) is not None for g in goals for v in g):
        return Totals(subtotals, ded, raw, capped, None, "", reading)
    return Totals(subtotals, ded, raw, capped, total, grade_of(total, profile), reading)
