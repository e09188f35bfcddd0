"""The form's native spreadsheet formulas, written from the profile the Python rules read.

Each function states in Excel syntax (also LibreOffice's) exactly the rule of its twin in
``scoring.totals``; tests/test_totals_conformance.py recalculates them in LibreOffice over one table
of cases and requires the Python results. Only functions both programs share are used (no LET,
no TEXTSPLIT), and arrays only as constants inside SUMPRODUCT, so nothing needs array entry.
"""
from __future__ import annotations

from typing import Iterable

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .settings import Profile


from .formatting import literal as _num  # noqa: E402  (a profile number, exactly, as an operand)


def _str(text: str) -> str:
    """A string operand: "…" with quotes doubled; a newline as CHAR(10)."""
    parts = ['"' + p.replace('"', '""') + '"' if p else "" for p in text.split("\n")]
    return "&".join(p if p else "CHAR(10)" for p in _between(parts)) if len(parts) > 1 else parts[0]


def _between(parts: list[str]) -> list[str]:
    out: list[str] = []
    for i, p in enumerate(parts):
        if i:
            out.append("")  # the newline
        if p:
            out.append(p)
    return out


def budget_rate(planned: str, executed: str) -> str:
    """执行率 B/A, blank until A is a positive number."""
    return f'=IF(N({planned})>0,N({executed})/N({planned}),"")'


def budget_score(planned: str, executed: str, points: float, profile: Profile) -> str:
    """Twin of ``totals.budget_score``: blank when A and B are both blank, 0 when unusable."""
    p = _num(points)
    share = f"MIN({p},{p}*N({executed})/N({planned}))" if profile.budget.cap else f"{p}*N({executed})/N({planned})"
    return (f'=IF(COUNT({planned},{executed})=0,"",'
            f"IF(AND(N({planned})>0,N({executed})>=0),{share},0))")


def subtotal(first: str, last: str) -> str:
    """Twin of ``totals.subtotal``: SUM skips text, as the Python rule does; blank (not 0) while no
    score cell holds a number (``report.scored_goals`` says the same in 评分说明)."""
    cells = f"{first}:{last}"
    return f'=IF(COUNT({cells})=0,"",SUM({cells}))'


def budget_plus_scores(budget: str, first: str, last: str) -> str:
    """Twin of ``totals.budget_plus_scores``: the budget score cell plus the indicator scores, blank
    (not 0) while none of them holds a number; SUM and N skip text, as the Python rule does."""
    cells = f"{first}:{last}"
    return f'=IF(COUNT({cells})+COUNT({budget})=0,"",N({budget})+SUM({cells}))'


def _clause(text: str, word: str, profile: Profile) -> str:
    """The clause before the first ``word`` in ``text``, not-negation words removed
    (twin of ``totals._clause_before``): each clause mark becomes LEN(text) spaces, and the last
    LEN(text) characters then hold only the last clause."""
    head = f"LEFT({text},FIND({_str(word)},{text})-1)"
    for w in profile.cap.not_negations:
        head = f"SUBSTITUTE({head},{_str(w)},\"\")"
    pad = f'REPT(" ",LEN({text}))'
    for mark in profile.cap.clause_marks:
        head = f"SUBSTITUTE({head},{_str(mark)},{pad})"
    return f"RIGHT({head},LEN({text}))"


def _fires(text: str, word: str, profile: Profile) -> str:
    """TRUE when ``word`` triggers: it occurs, and either more than once or not negated in its clause."""
    w = _str(word)
    count = f'(LEN({text})-LEN(SUBSTITUTE({text},{w},"")))/LEN({w})'
    negs = "{" + ",".join(_str(n) for n in profile.cap.negations) + "}"
    negated = f"SUMPRODUCT(--ISNUMBER(FIND({negs},{_clause(text, word, profile)})))>0"
    # ISNUMBER(FIND(...)) would swallow the error of a missing word: test for the word first.
    return f"IFERROR(IF(ISNUMBER(FIND({w},{text})),IF({count}>1,TRUE,NOT({negated})),FALSE),FALSE)"


def triggered(text: str, profile: Profile) -> str:
    """Twin of ``totals.read_constraint(...).triggered`` for the text in cell ``text``."""
    if not profile.cap.enabled or not profile.cap.triggers:
        return "FALSE"
    return "OR(" + ",".join(_fires(f"({text}&\"\")", w, profile) for w in profile.cap.triggers) + ")"


def total(budget: str, subtotals: Iterable[str], deduction: str, constraint: str, scored: Iterable[str],
          profile: Profile) -> str:
    """Twin of ``totals.form_totals``: (budget + Σ subtotals − |deduction|), capped when triggered,
    clamped to [0, total_points], shown to ``digits``; blank while ``scored`` holds no number."""
    raw = f"SUM({','.join([budget, *subtotals])})-ABS(N({deduction}))"
    capped = f"IF({triggered(constraint, profile)},MIN({_num(profile.cap.limit)},{raw}),{raw})"
    clamped = f"MAX(0,MIN({_num(profile.total_points)},{capped}))"
    return f'=IF(COUNT({",".join(scored)})=0,"",ROUND({clamped},{profile.digits}))'


def grade(ref: str, profile: Profile) -> str:
    """Twin of ``totals.grade_of``: nested IFs over the grade bands, highest first; blank for no total."""
    bands = sorted(profile.grades, key=lambda g: g.min, reverse=True)
    formula = _str(bands[-1].name)
    for g in reversed(bands[:-1]):
        formula = f"IF(ROUND({ref},{profile.digits})>={_num(g.min)},{_str(g.name)},{formula})"
    return f'=IF({ref}="","",{formula})'
