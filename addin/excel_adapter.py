"""The thin layer between a live xlwings ``Book`` and the pure workbook layer.

It reads a sheet into a ``workbook.grid.Grid`` with one values call (plus one formulas call where the
engine can answer it synchronously) and applies a ``WritePlan``: one ``range.value = block`` per block,
notes, highlights, the 评分说明 sheet and the closing message. It decides nothing about scoring.

Works on desktop Excel (Windows/macOS) and on xlwings' remote engine (used in the tests). The remote
engine cannot read formulas, merged areas, fills or note texts synchronously (NotImplementedError), so
each of those reads is optional.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from workbook.grid import Grid, a1, parse_a1
from workbook.plan import HIGHLIGHT_COLORS, Block, WritePlan

# Every note we write starts with this, so a later run can tell our notes from the user's.
NOTE_MARK = "【pe-score】"
_UNSUPPORTED = (NotImplementedError, AttributeError)


@dataclass
class SheetRead:
    """What one read of a sheet gave: the grid and how many calls into Excel it took."""

    grid: Grid
    calls: int = 0


@dataclass
class ApplyStats:
    value_writes: int = 0
    notes_added: int = 0
    notes_deleted: int = 0
    highlights: int = 0
    skipped_formula_cells: list[tuple[int, int]] = field(default_factory=list)


def _pad(rows: list[list[Any]], width: int) -> list[list[Any]]:
    return [list(r) + [None] * (width - len(r)) for r in rows]


def read_sheet(sheet) -> SheetRead:
    """One bulk read of ``sheet.used_range``; the grid is anchored at A1 whatever the used range is."""
    rng = sheet.used_range
    values = rng.options(ndim=2).value
    calls = 1
    r0, c0 = rng.row, rng.column
    rows = [list(r) for r in (values or [])]
    width = c0 - 1 + max((len(r) for r in rows), default=0)
    grid_values = [[None] * width for _ in range(r0 - 1)]
    grid_values += [[None] * (c0 - 1) + r for r in rows]
    grid_values = _pad(grid_values, width)

    formulas: Optional[dict[tuple[int, int], str]] = None
    try:
        raw = rng.formula  # desktop Excel: one call for the whole block
        calls += 1
    except _UNSUPPORTED:
        raw = None
    if raw is not None:
        if not isinstance(raw, (list, tuple)) or (raw and not isinstance(raw[0], (list, tuple))):
            raw = [[raw]] if not isinstance(raw, (list, tuple)) else [list(raw)]
        formulas = {}
        for i, row in enumerate(raw):
            for j, f in enumerate(row):
                if isinstance(f, str) and f.startswith("="):
                    formulas[(r0 + i, c0 + j)] = f
    return SheetRead(Grid(name=sheet.name, values=grid_values, merged=[], formulas=formulas), calls)


def _split_block(block: Block, formulas: Optional[dict]) -> list[Block]:
    """The block, or the pieces of it that avoid formula cells (never overwrite a user's formula)."""
    if not formulas or not any((block.row + i, block.col + j) in formulas
                               for i, row in enumerate(block.values) for j in range(len(row))):
        return [block]
    pieces: list[Block] = []
    for i, row in enumerate(block.values):
        run: list[Any] = []
        start = None
        for j, v in enumerate(row + [None]):
            is_end = j == len(row)
            if not is_end and (block.row + i, block.col + j) not in formulas:
                if start is None:
                    start = j
                run.append(v)
                continue
            if run:
                pieces.append(Block(block.row + i, block.col + start, [run]))
            run, start = [], None
    return pieces


def _note_text(note) -> Optional[str]:
    try:
        return note.text
    except _UNSUPPORTED:
        return None


def _note_address(note) -> Optional[tuple[int, int]]:
    try:
        address = note.location.address
    except _UNSUPPORTED:
        try:
            address = note.impl.range.address  # remote engine: the payload knows the cell, not the text
        except _UNSUPPORTED:
            return None
    return parse_a1(address.replace("$", "").split(":")[0])


def clear_our_notes(sheet, owned: set[tuple[int, int]], targets: set[tuple[int, int]]) -> int:
    """Delete the notes pe-score wrote before. A note whose text can be read is ours when it starts
    with NOTE_MARK; where the text is unreadable (remote engine) only notes on cells we own or are
    about to annotate are removed."""
    deleted = 0
    try:
        notes = list(sheet.notes)
    except _UNSUPPORTED:
        return 0
    for note in notes:
        text = _note_text(note)
        addr = _note_address(note)
        ours = text.startswith(NOTE_MARK) if text is not None else (addr in owned or addr in targets)
        if addr in targets or ours:
            note.delete()
            deleted += 1
    return deleted


def apply_plan(book, sheet, grid: Grid, plan: WritePlan, alert: Optional[str] = None,
               title: str = "绩效评分") -> ApplyStats:
    stats = ApplyStats()
    formulas = grid.formulas
    for block in plan.blocks:
        pieces = _split_block(block, formulas)
        if formulas:
            for i, row in enumerate(block.values):
                for j in range(len(row)):
                    if (block.row + i, block.col + j) in formulas:
                        stats.skipped_formula_cells.append((block.row + i, block.col + j))
        for piece in pieces:
            nrows, ncols = len(piece.values), max(len(r) for r in piece.values)
            if nrows == 0 or ncols == 0:
                continue
            target = sheet.range((piece.row, piece.col), (piece.row + nrows - 1, piece.col + ncols - 1))
            target.value = _pad(piece.values, ncols)
            stats.value_writes += 1

    note_cells = {parse_a1(n.cell) for n in plan.notes}
    stats.notes_deleted = clear_our_notes(sheet, plan.owned_cells(), note_cells)
    for note in plan.notes:
        try:
            sheet.range(note.cell).add_note(f"{NOTE_MARK}\n{note.text}")
            stats.notes_added += 1
        except _UNSUPPORTED:
            break  # the host has no notes: the 评分说明 sheet still lists every finding

    for hl in plan.highlights:
        try:
            sheet.range(hl.cell).color = HIGHLIGHT_COLORS[hl.severity]
            stats.highlights += 1
        except _UNSUPPORTED:
            break

    if plan.explain_rows:
        write_explain_sheet(book, sheet, plan)
    if alert:
        book.app.alert(alert, title=title)
    return stats


def write_explain_sheet(book, form_sheet, plan: WritePlan) -> None:
    names = [s.name for s in book.sheets]
    if plan.explain_sheet in names:
        ex = book.sheets[plan.explain_sheet]
        ex.clear_contents()
    else:
        ex = book.sheets.add(plan.explain_sheet, after=book.sheets[len(names) - 1])
    width = max(len(r) for r in plan.explain_rows)
    rows = _pad(plan.explain_rows, width)
    ex.range((1, 1), (len(rows), width)).value = rows
    try:
        form_sheet.activate()  # adding a sheet activates it in Excel; bring the form back
    except _UNSUPPORTED:
        pass


def cell(row: int, col: int) -> str:
    return a1(row, col)
