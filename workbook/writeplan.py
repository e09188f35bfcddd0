"""Turn a scored form into a WritePlan: which cells of the form sheet get which values.

The tool owns only the cells it computes: indicator scores, goal subtotals (where the title row
leaves room), the budget rate and score, the total, the grade and the header self-score. Inputs
(targets, actuals, weights, texts, the constraint row) are never written, and neither is any
cell that holds a formula (the workbook's own formulas stay in charge of those cells).

Writes are grouped into contiguous vertical blocks, at most one run per goal, so a live Excel
receives one call per block. A judgement/manual row keeps its typed score; that value is written
back unchanged only to keep a goal's block contiguous.
"""
from __future__ import annotations

import re

from scoring.lazy import compiled
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Optional, Union

from scoring.findings import worst
from scoring.formatting import compact
from scoring.models import Finding, Form, Result
from workbook.grid import Grid, parse_a1
from workbook.plan import Block, Highlight, Note, WritePlan

_CLAIMED_NUMBER = compiled(r"(自评得分\s*[:：]?\s*)([-+]?\d+(?:\.\d+)?)")
_CLAIMED_EMPTY = compiled(r"\S.*自评得分\s*[:：]?\s*$", re.S)  # combined text, number missing


def _round(x: float, digits: int) -> Union[int, float]:
    r = round(float(x), digits)
    return int(r) if r.is_integer() else r


def _fmt(x: Union[int, float]) -> str:
    return compact(x, digits=10)


def _rc(cell: Optional[str]) -> Optional[tuple[int, int]]:
    if not cell:
        return None
    try:
        return parse_a1(cell)
    except ValueError:
        return None


def input_cells(form: Form) -> set[tuple[int, int]]:
    """Cells the user fills in: the plan never writes them."""
    out: set[tuple[int, int]] = set()

    def add(cell: Optional[str]) -> None:
        rc = _rc(cell)
        if rc:
            out.add(rc)

    for goal in form.goals:
        add(goal.cell)
        for label in goal.labels:
            add(label.cell)
        for ind in goal.indicators:
            for field, cell in ind.cells.model_dump().items():
                if field != "score":
                    add(cell)
    if form.budget:
        for key in ("planned", "executed", "reason"):
            add(form.budget.cells.get(key))
    if form.constraint:
        for cell in form.constraint.cells.model_dump().values():
            add(cell)
    return out


class _Writes:
    def __init__(self, grid: Grid, protected: set[tuple[int, int]]) -> None:
        self.grid = grid
        self.protected = protected
        self.values: dict[tuple[int, int], Any] = {}
        self.fillers: dict[tuple[int, int], Any] = {}  # unchanged values, only to join blocks

    def writable(self, rc: Optional[tuple[int, int]]) -> bool:
        if rc is None or rc in self.protected or self.grid.has_formula(*rc):
            return False
        rng = self.grid.merged_range(*rc)
        return rng is None or (rng[0], rng[1]) == rc  # only the top-left cell of a merge holds a value

    def put(self, cell: Optional[str], value: Any) -> None:
        rc = _rc(cell)
        if self.writable(rc):
            self.values[rc] = value
            self.fillers.pop(rc, None)

    def keep(self, cell: Optional[str]) -> None:
        rc = _rc(cell)
        if self.writable(rc) and rc not in self.values:
            self.fillers[rc] = self.grid.get(*rc)


def _header_value(current: Any, total: Union[int, float]) -> Any:
    """The header self-score: a number, or the combined text with the new number in place."""
    if isinstance(current, str) and _CLAIMED_NUMBER.search(current):
        return _CLAIMED_NUMBER.sub(lambda m: m.group(1) + _fmt(total), current, count=1)
    if isinstance(current, str) and _CLAIMED_EMPTY.search(current):
        return current.rstrip() + _fmt(total)  # "… 自评得分：" -> "… 自评得分：97"
    return total


def _blocks(values: dict[tuple[int, int], Any], fillers: dict[tuple[int, int], Any],
            breaks: set[int]) -> list[Block]:
    """Contiguous vertical runs per column; a run never crosses a goal title row (``breaks``).

    Filler cells join two real writes but never start or end a block on their own.
    """
    cells = {**fillers, **values}
    blocks: list[Block] = []
    by_col: dict[int, list[int]] = {}
    for r, c in cells:
        by_col.setdefault(c, []).append(r)
    for c in sorted(by_col):
        rows = sorted(by_col[c])
        runs: list[list[int]] = []
        for r in rows:
            if runs and r == runs[-1][-1] + 1 and r not in breaks:
                runs[-1].append(r)
            else:
                runs.append([r])
        for run in runs:
            while run and (run[0], c) not in values:  # trim fillers at both ends
                run.pop(0)
            while run and (run[-1], c) not in values:
                run.pop()
            if run:
                blocks.append(Block(row=run[0], col=c, values=[[cells[(r, c)]] for r in run]))
    blocks.sort(key=lambda b: (b.row, b.col))
    return blocks


def _notes(findings: list[Finding]) -> tuple[list[Note], list[Highlight]]:
    by_cell: dict[str, list[Finding]] = {}
    seen: set[tuple[str, Optional[str], str]] = set()
    for f in findings:
        key = (f.code, f.cell, f.message)
        if f.cell is None or key in seen:
            continue
        seen.add(key)
        by_cell.setdefault(f.cell, []).append(f)
    notes, highlights = [], []
    for cell in sorted(by_cell, key=lambda x: _rc(x) or (0, 0)):
        items = by_cell[cell]
        notes.append(Note(cell=cell, text="\n".join(f"{f.code} {f.message}" for f in items)))
        highlights.append(Highlight(cell=cell, severity=worst(f.severity for f in items)))
    return notes, highlights


def build_plan(form: Form, result: Result, grid: Grid, profile: Any = None,
               digits: Optional[int] = None) -> WritePlan:
    """The writes, notes, highlights and 评分说明 rows for a scored form.

    ``profile`` (a Profile, a name or a path) defaults to the one named in ``result.profile``;
    computed values are rounded to its ``digits`` unless ``digits`` is given.
    """
    from scoring.profiles import load_profile
    from scoring.report import explain_rows, scored_goals

    prof = load_profile(profile if profile is not None else result.profile)
    d = prof.digits if digits is None else digits
    w = _Writes(grid, input_cells(form))

    for ir in result.indicators:
        if ir.cell is None:
            continue
        if ir.computed and ir.score is not None:
            w.put(ir.cell, _round(ir.score, d))
        else:
            w.keep(ir.cell)
    scored = scored_goals(result)
    for gi, gr in enumerate(result.goals):
        cell = gr.subtotal_cell
        if cell is None and gi < len(form.goals):
            cell = form.goals[gi].subtotal_cell
        w.put(cell, _round(gr.score, d) if gi in scored else None)  # no score below: blank, not 0
    b = result.budget
    if b.rate_cell and b.rate is not None:
        w.put(b.rate_cell, round(b.rate, d + 2))
    if b.cell:
        w.put(b.cell, _round(b.score, d))
    total = _round(result.total, d)
    w.put(form.total_cell, total)
    w.put(form.grade_cell, result.grade)
    rc = _rc(form.claimed_total_cell)
    if rc:
        w.put(form.claimed_total_cell, _header_value(grid.get(*rc), total))

    breaks = {rc[0] for rc in (_rc(g.cell) for g in form.goals) if rc}
    findings = list(form.findings) + list(result.findings)
    notes, highlights = _notes(findings)
    return WritePlan(
        sheet=form.sheet or grid.name,
        blocks=_blocks(w.values, w.fillers, breaks),
        notes=notes,
        highlights=highlights,
        explain_rows=explain_rows(form, result, prof),
    )
