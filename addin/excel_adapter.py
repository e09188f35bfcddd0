"""The thin layer between a live xlwings ``Book`` and the pure workbook layer.

It reads a sheet into a ``workbook.grid.Grid`` with one values call (plus, where the host answers them,
one formulas call and one merged-areas call) and applies a ``WritePlan``: one ``range.value = block`` per block,
notes, highlights, the 评分说明 sheet and the closing message. It decides nothing about scoring.

Works on desktop Excel (Windows/macOS) and on xlwings' remote engine (used in the tests). The remote
engine cannot read formulas, merged areas, fills or note texts synchronously (NotImplementedError), so
each of those reads is optional.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from workbook.grid import Grid, parse_a1
from workbook.plan import HIGHLIGHT_COLORS, Block, WritePlan
from workbook.record import (AUTHOR, NOTE_FLAG, VALUE_FLAG, Entry, Record, has_content, parse_record, record_rows,
                             record_sheet, same_value)
from workbook.text import excel_value

# Every note we write starts with this, so a later run can tell our notes from the user's.
_UNSUPPORTED = (NotImplementedError, AttributeError)


@dataclass
class SheetRead:
    """What one read of a sheet gave: the grid and how many calls into Excel it took."""

    grid: Grid
    calls: int = 0
    restored: list = field(default_factory=list)  # (row, col, original) put back from the record
    explain: Optional[list] = None  # the values of an earlier run's 评分说明, when read


@dataclass
class ApplyStats:
    value_writes: int = 0
    notes_added: int = 0
    notes_deleted: int = 0
    highlights: int = 0
    restored: int = 0
    reads: int = 0  # reads of the earlier 评分说明 (the form itself is read by read_sheet)
    skipped_formula_cells: list[tuple[int, int]] = field(default_factory=list)
    failed_cells: list[tuple[int, int]] = field(default_factory=list)  # Excel refused (e.g. merged)


def _pad(rows: list[list[Any]], width: int) -> list[list[Any]]:
    return [list(r) + [None] * (width - len(r)) for r in rows]


def read_sheet(sheet, formulas: Optional[dict[str, str]] = None) -> SheetRead:
    """One bulk read of ``sheet.used_range``; the grid is anchored at A1 whatever the used range is.
    ``formulas`` ({"G8": "=F8/E8", ...}) comes from a host that cannot read them (xlwings Server's
    button sends them); given, it replaces the formulas read and those cells are never written."""
    from workbook.safety import DEFAULT_LIMITS as limits

    rng = sheet.used_range
    n_rows, n_cols = rng.shape
    if n_rows > limits.max_rows or n_cols > limits.max_cols:
        # Formatting down to row 1048576 makes a huge used range; a form never needs that much.
        rng = rng.resize(min(n_rows, limits.max_rows), min(n_cols, limits.max_cols))
    values = rng.options(ndim=2).value
    calls = 1
    r0, c0 = rng.row, rng.column
    rows = [list(r) for r in (values or [])]
    width = c0 - 1 + max((len(r) for r in rows), default=0)
    grid_values = [[None] * width for _ in range(r0 - 1)]
    grid_values += [[None] * (c0 - 1) + r for r in rows]
    grid_values = _pad(grid_values, width)

    supplied, formulas = formulas, None
    raw = None
    if supplied is not None:
        formulas = {parse_a1(ref.replace("$", "")): f for ref, f in supplied.items()
                    if isinstance(f, str) and f.startswith("=")}
    else:
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
    merged: list[tuple[int, int, int, int]] = []
    xml = _xml_spreadsheet(rng)
    if xml is not None:
        calls += 1
        try:
            merged = merged_from_xml_spreadsheet(xml, r0, c0)
        except Exception:  # noqa: BLE001 - merges are optional extra information
            merged = []
    return SheetRead(Grid(name=sheet.name, values=grid_values, merged=merged, formulas=formulas), calls)


XL_RANGE_VALUE_XML_SPREADSHEET = 11  # Excel's xlRangeValueXMLSpreadsheet
_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def _xml_spreadsheet(rng) -> Optional[str]:
    """Windows Excel returns a range as "XML Spreadsheet 2003" in one call, merged areas included
    (``Range.Value(xlRangeValueXMLSpreadsheet)``); other hosts have no such call: None.
    Called last on ``rng``: flagging ``Value`` as a method changes that COM wrapper only."""
    try:
        api = rng.api
    except Exception:  # noqa: BLE001 - remote engine / macOS: no COM object
        return None

    def makepy(api):  # early-bound (gencache) wrapper: parameterised property as GetValue()
        return api.GetValue(XL_RANGE_VALUE_XML_SPREADSHEET)

    def dynamic(api):  # late-bound wrapper: pywin32 needs to be told Value takes an argument
        api._FlagAsMethod("Value")
        return api.Value(XL_RANGE_VALUE_XML_SPREADSHEET)

    for attempt in (makepy, dynamic):
        try:
            xml = attempt(api)
        except Exception:  # noqa: BLE001 - not offered by this host or wrapper
            continue
        if isinstance(xml, str) and "<Workbook" in xml:
            return xml
    return None


def merged_from_xml_spreadsheet(xml: str, row0: int = 1, col0: int = 1) -> list[tuple[int, int, int, int]]:
    """Merged areas (first_row, first_col, last_row, last_col), 1-based on the sheet, from the XML
    Spreadsheet 2003 text of a range whose top-left cell is (row0, col0). Rows and cells carry
    ``ss:Index`` when they skip; a cell's ``ss:MergeAcross`` also moves the next cell's position."""
    from defusedxml.ElementTree import fromstring

    root = fromstring(xml)
    table = root.find(f".//{_SS}Table")
    if table is None:
        return []
    merges = []
    r = 0
    for row in table.findall(f"{_SS}Row"):
        r = int(row.get(f"{_SS}Index") or r + 1)
        c = 0
        for cell in row.findall(f"{_SS}Cell"):
            c = int(cell.get(f"{_SS}Index") or c + 1)
            across = int(cell.get(f"{_SS}MergeAcross") or 0)
            down = int(cell.get(f"{_SS}MergeDown") or 0)
            if across or down:
                top, left = row0 + r - 1, col0 + c - 1
                merges.append((top, left, top + down, left + across))
            c += across
    return merges


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


def _note_author(note) -> Optional[str]:
    try:
        return note.author
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


def _argb(hex_colour: str) -> str:
    return "FF" + hex_colour.lstrip("#").upper()


def _hex_of_argb(argb: str) -> Optional[str]:
    argb = (argb or "").strip()
    return f"#{argb[-6:]}" if re.fullmatch(r"[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8}", argb) else None


def _colour_of_record(original: str) -> Optional[str]:
    """The fill to restore: "" = none; "#RRGGBB" from a live book; fill XML from the file writer."""
    if not original:
        return None
    if original.startswith("#"):
        return original
    m = re.search(r'fgColor[^>]*rgb="([0-9A-Fa-f]{8})"', original)
    return _hex_of_argb(m.group(1)) if m else None


def _rgb_hex(colour: Any) -> str:
    if colour is None:
        return ""
    if isinstance(colour, str):
        return colour if colour.startswith("#") else ""
    try:
        r, g, b = colour
        return f"#{int(r):02X}{int(g):02X}{int(b):02X}"
    except (TypeError, ValueError):
        return ""


def explain_values(book, name: str) -> Optional[list]:
    """The values of the sheet ``name`` (the 评分说明 of an earlier run), or None when there is none."""
    if name not in [s.name for s in book.sheets]:
        return None
    return book.sheets[name].used_range.options(ndim=2).value or []


def read_record(book, plan: WritePlan, values: Optional[list] = None) -> list[Record]:
    """What an earlier run (ribbon or command line) recorded in 评分说明; [] when there is no such
    sheet. Raises UnsafeToWrite when a sheet of that name exists but was not made by pe-score.
    ``values``: that sheet's values when the caller has read them already."""
    from workbook.errors import UnsafeToWrite

    if values is None:
        values = explain_values(book, plan.explain_sheet)
    if values is None:
        return []
    rows = parse_record(values)
    if rows is None and has_content(values):
        raise UnsafeToWrite(f"工作簿中已有名为“{plan.explain_sheet}”的工作表，但不是 pe-score 生成的；"
                            "写入会覆盖其内容。请先给该工作表改名，再点击“重新计算得分”。")
    return rows or []


def _undo_previous(sheet, record, notes_by_cell: dict) -> int:
    """Remove the tool's block from every note (``workbook.notes``): what the user typed before, inside or
    after it stays; a note left empty is deleted. A note the host cannot read (remote engine) is deleted
    only when the record says the tool added it."""
    from workbook.notes import strip_tool_blocks

    recorded = {parse_a1(r[0]) for r in record if _valid_ref(r[0]) and len(r) > 3 and r[3] == NOTE_FLAG}
    deleted = 0
    for addr, note in notes_by_cell.items():
        text = _note_text(note)
        if text is None:
            if addr in recorded:
                note.delete()
                deleted += 1
            continue
        kept = strip_tool_blocks(text, _note_author(note) == AUTHOR)
        if kept == text:
            continue
        if kept:
            note.text = kept
        else:
            note.delete()
            deleted += 1
    return deleted


def _valid_ref(ref: str) -> bool:
    try:
        parse_a1(ref)
        return True
    except ValueError:
        return False


def _notes_by_cell(sheet) -> dict[tuple[int, int], Any]:
    try:
        notes = list(sheet.notes)
    except _UNSUPPORTED:
        return {}
    out = {}
    for note in notes:
        addr = _note_address(note)
        if addr:
            out[addr] = note
    return out


def apply_plan(book, sheet, grid: Grid, plan: WritePlan, restored=(), explain: Optional[list] = None) -> ApplyStats:
    """Write the plan into the live book. Order: check 评分说明, values, undo the previous run's notes
    and fills, new notes and fills, then 评分说明 (with the record the next run needs)."""
    stats = ApplyStats()
    exists = plan.explain_sheet in [s.name for s in book.sheets]
    record = read_record(book, plan, explain)  # before any write: a foreign 评分说明 stops us here
    stats.reads += int(exists and explain is None)
    app = book.app
    _set_screen_updating(app, False)  # desktop: no flicker while notes and fills are set
    try:
        _apply(book, sheet, grid, plan, record, stats, restored)
    finally:
        _set_screen_updating(app, True)
    return stats


def _set_screen_updating(app, value: bool) -> None:
    try:
        app.screen_updating = value
    except Exception:  # noqa: BLE001 - optional nicety; some hosts have no such switch
        pass


def _written_values(grid: Grid, plan: WritePlan, formulas) -> dict[str, tuple[Any, Any]]:
    """(user's value, tool's value) of every planned cell whose value changes; the grid holds the user's
    values (restored from the record before scoring)."""
    out = {}
    for b in plan.blocks:
        for i, row in enumerate(b.values):
            for j, v in enumerate(row):
                rc = (b.row + i, b.col + j)
                if formulas and rc in formulas:
                    continue
                if not same_value(grid.get(*rc), v):
                    out[a1_ref(*rc)] = (grid.get(*rc), v)
    return out


def a1_ref(r: int, c: int) -> str:
    from workbook.grid import a1

    return a1(r, c)


def _with_values(record: list[Entry], values: dict[str, tuple[Any, Any]]) -> list[Entry]:
    by_ref = {e.ref: e for e in record}
    for ref, (original, written) in values.items():
        e = by_ref.get(ref, Entry(ref))
        by_ref[ref] = e._replace(value_flag=VALUE_FLAG, original=original, written=written)
    return sorted(by_ref.values(), key=lambda e: parse_a1(e.ref))


def restore_from_record(grid: Grid, values: Optional[list]) -> list[tuple[int, int, Any]]:
    """Put the user's original values back into ``grid`` from the record of an earlier run (``values``:
    the 评分说明 sheet), so a rescore starts from the user's values. Returns (row, col, original) of the
    cells restored, which ``apply_plan`` writes back when the new plan does not own them any more."""
    from workbook.record import originals

    if not values or record_sheet(values) != grid.name:
        return []
    restored = []
    for ref, e in originals(parse_record(values) or []).items():
        if not _valid_ref(ref):
            continue
        r, c = parse_a1(ref)
        if r > 100_000 or c > 16_384 or not same_value(grid.get(r, c), e.written):
            continue
        from workbook.record import _set

        _set(grid, r, c, e.original)
        restored.append((r, c, e.original))
    return restored


def _apply(book, sheet, grid: Grid, plan: WritePlan, record, stats: ApplyStats, restored=()) -> None:

    formulas = grid.formulas
    values_written = _written_values(grid, plan, formulas)
    owned = plan.owned_cells()
    for r, c, original in restored:
        if (r, c) not in owned:  # the previous run wrote it, this one does not: the user's value returns
            sheet.range((r, c)).value = excel_value(original)
            stats.value_writes += 1
    for block in plan.blocks:
        if formulas:
            for i, row in enumerate(block.values):
                for j in range(len(row)):
                    if (block.row + i, block.col + j) in formulas:
                        stats.skipped_formula_cells.append((block.row + i, block.col + j))
        for piece in _split_block(block, formulas):
            nrows, ncols = len(piece.values), max(len(r) for r in piece.values)
            if nrows == 0 or ncols == 0:
                continue
            target = sheet.range((piece.row, piece.col), (piece.row + nrows - 1, piece.col + ncols - 1))
            try:
                target.value = _pad([[excel_value(v) for v in row] for row in piece.values], ncols)
                stats.value_writes += 1
            except _UNSUPPORTED:
                raise
            except Exception:  # noqa: BLE001 - e.g. "cannot change part of a merged cell" (merges unknown)
                _write_cell_by_cell(sheet, piece, stats)

    from workbook.notes import tool_block, with_tool_block

    notes = _notes_by_cell(sheet)
    stats.notes_deleted = _undo_previous(sheet, record, notes)
    notes = _notes_by_cell(sheet) if stats.notes_deleted else notes
    noted: set[str] = set()
    for note in plan.notes:
        text = tool_block(note.text)
        rng = sheet.range(note.cell)
        existing = notes.get(parse_a1(note.cell))
        try:
            if existing is None:
                rng.add_note(text)
            else:
                user = _note_text(existing)
                if user is None:
                    continue  # a note we cannot read (remote engine): never overwrite it
                existing.text = with_tool_block(user, text)
            stats.notes_added += 1
            noted.add(note.cell)
        except _UNSUPPORTED:
            break  # the host has no notes: 评分说明 still lists every finding

    previous_original = {r[0]: r[2] for r in record}
    new_cells = set()
    new_record: list[Entry] = []
    for hl in plan.highlights:
        colour = HIGHLIGHT_COLORS[hl.severity]
        rng = sheet.range(hl.cell)
        if hl.cell in previous_original:
            original = previous_original[hl.cell]
        else:
            try:
                original = _rgb_hex(rng.color)
            except _UNSUPPORTED:
                original = ""
        try:
            rng.color = colour
        except _UNSUPPORTED:
            break
        stats.highlights += 1
        new_cells.add(hl.cell)
        new_record.append(Entry(hl.cell, _argb(colour), original, NOTE_FLAG if hl.cell in noted else ""))
    for e in record:
        if e.argb and e.ref not in new_cells and _valid_ref(e.ref):
            sheet.range(e.ref).color = _colour_of_record(e.fill)  # finding fixed: give the cell its fill back
            stats.restored += 1

    new_record += [Entry(ref, note=NOTE_FLAG) for ref in sorted(noted - new_cells)]
    new_record = _with_values(new_record, values_written)
    write_explain_sheet(book, sheet, plan, new_record)


def _write_cell_by_cell(sheet, piece: Block, stats: "ApplyStats") -> None:
    """Fallback when a block write fails on a host that could not tell us its merged areas."""
    for i, row in enumerate(piece.values):
        for j, value in enumerate(row):
            try:
                sheet.range((piece.row + i, piece.col + j)).value = excel_value(value)
                stats.value_writes += 1
            except Exception:  # noqa: BLE001
                stats.failed_cells.append((piece.row + i, piece.col + j))


def write_explain_sheet(book, form_sheet, plan: WritePlan, record: list[Record]) -> None:
    """Draw 评分说明 from ``workbook.explain_layout`` (the layout the file writer draws too): the previous
    run's merged areas and header formats go, one values call, the record rows hidden, then widths, row
    heights (which also show rows an earlier record had hidden), header formats, merges and, on desktop
    Excel, the page setup. Each formatting step is optional: a host that lacks it still gets every value."""
    from workbook.explain_layout import HEADER_FILL, explain_layout

    layout = explain_layout(plan.explain_rows, record_rows(record, form_sheet.name))
    names = [s.name for s in book.sheets]
    if plan.explain_sheet in names:
        ex = book.sheets[plan.explain_sheet]
        _clear_previous(ex)
    else:
        ex = book.sheets.add(plan.explain_sheet, after=book.sheets[len(names) - 1])
    width = max(layout.n_cols, 1)
    grid = [[None] * width for _ in range(max(layout.n_rows, 1))]
    for cell in layout.cells:
        grid[cell.row - 1][cell.col - 1] = excel_value(cell.value)  # text stays text, never a formula
    ex.range((1, 1), (len(grid), width)).value = grid
    remote = "_xlremote" in type(ex.impl).__module__
    _hide_rows(ex, layout.hidden_rows)  # right after the values: the record is for the next run
    steps = [
        lambda: [setattr(ex.range((1, c)), "column_width", _column_width(w, remote)) for c, w in layout.widths.items()],
        lambda: [setattr(ex.range((r1, 1), (r2, 1)), "row_height", h) for r1, r2, h in height_runs(layout.heights)],
        lambda: setattr(ex.range((1, 1), (max(layout.n_rows, 1), len(layout.widths))), "wrap_text", True),
        lambda: [_header(ex, r, len(layout.widths), HEADER_FILL) for r in layout.header_rows],
        lambda: [ex.range((r1, c1), (r2, c2)).merge() for r1, c1, r2, c2 in layout.merges],
        lambda: _page_setup(ex, layout),
    ]
    for step in steps:
        try:
            step()
        except _UNSUPPORTED:
            continue
        except Exception:  # noqa: BLE001 - formatting is a nicety; the values are written
            continue
    try:
        form_sheet.activate()  # adding a sheet activates it in Excel; bring the form back
    except _UNSUPPORTED:
        pass


def _clear_previous(ex) -> None:
    """The previous run's 评分说明: values, merged areas, header fills and bold go (the values call that
    follows covers the old area; xlwings Server drops the clearing of values and writes over them)."""
    old = ex.used_range
    ex.clear_contents()
    for step in (old.unmerge, lambda: setattr(old, "color", None), lambda: setattr(old.font, "bold", False)):
        try:
            step()
        except Exception:  # noqa: BLE001 - formatting is optional on hosts that lack it
            continue


def _hide_rows(ex, rows) -> None:
    if not rows:
        return
    try:
        ex.range((rows[0], 1), (rows[-1], 1)).rows.hidden = True
    except _UNSUPPORTED:
        pass


def _column_width(chars: float, remote: bool) -> float:
    """Desktop Excel takes characters; Office.js (the remote engine) takes points."""
    return round(chars * 5.25 + 3.75, 2) if remote else chars


def height_runs(heights: dict[int, float]) -> list[tuple[int, int, float]]:
    """``{row: height}`` as (first row, last row, height) runs of consecutive rows of one height: one
    call into Excel a run instead of one a row."""
    runs: list[tuple[int, int, float]] = []
    for r, h in sorted(heights.items()):
        if runs and runs[-1][1] == r - 1 and runs[-1][2] == h:
            runs[-1] = (runs[-1][0], r, h)
        else:
            runs.append((r, r, h))
    return runs


def _header(ex, row: int, n_cols: int, argb: str) -> None:
    rng = ex.range((row, 1), (row, n_cols))
    rng.font.bold = True
    rng.color = "#" + argb[-6:]


def _page_setup(ex, layout) -> None:
    """Desktop Excel (COM): A4 landscape at the layout's scale, header row repeated."""
    try:
        ps = ex.api.PageSetup
    except Exception:  # noqa: BLE001 - no COM object (remote engine, macOS): nothing to set
        return
    ps.Orientation = 2  # xlLandscape
    ps.PaperSize = 9  # xlPaperA4
    ps.Zoom = layout.scale
    if layout.print_title_rows:
        ps.PrintTitleRows = f"${layout.print_title_rows[0]}:${layout.print_title_rows[1]}"
