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
from workbook.record import AUTHOR, NOTE_FLAG, NOTE_MARK, NOTE_SEPARATOR, Record, has_content, parse_record, record_rows

# Every note we write starts with this, so a later run can tell our notes from the user's.
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


def read_record(book, plan: WritePlan) -> list[Record]:
    """What an earlier run (ribbon or command line) recorded in 评分说明; [] when there is no such
    sheet. Raises UnsafeToWrite when a sheet of that name exists but was not made by pe-score."""
    from workbook.errors import UnsafeToWrite

    if plan.explain_sheet not in [s.name for s in book.sheets]:
        return []
    values = book.sheets[plan.explain_sheet].used_range.options(ndim=2).value or []
    rows = parse_record(values)
    if rows is None and has_content(values):
        raise UnsafeToWrite(f"工作簿中已有名为“{plan.explain_sheet}”的工作表，但不是 pe-score 生成的；"
                            "写入会覆盖其内容。请先给该工作表改名，再点击“重新计算得分”。")
    return rows or []


def _undo_previous(sheet, record, notes_by_cell: dict) -> int:
    """Remove the notes of the previous run on the cells it recorded (and, on desktop, any note that
    says it is ours). A user's note that got ours appended keeps its own text."""
    recorded = {parse_a1(r[0]) for r in record if _valid_ref(r[0])}
    deleted = 0
    for addr, note in notes_by_cell.items():
        text = _note_text(note)
        author = _note_author(note)
        if text is None:
            ours = addr in recorded  # remote engine: only the record can tell
        else:
            ours = text.startswith(NOTE_MARK) or author == AUTHOR or addr in recorded and NOTE_SEPARATOR not in text
            if not ours and NOTE_SEPARATOR in text:
                note.text = text.split(NOTE_SEPARATOR, 1)[0]  # keep the user's part only
                continue
        if ours:
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


def apply_plan(book, sheet, grid: Grid, plan: WritePlan) -> ApplyStats:
    """Write the plan into the live book. Order: check 评分说明, values, undo the previous run's notes
    and fills, new notes and fills, then 评分说明 (with the record the next run needs)."""
    stats = ApplyStats()
    exists = plan.explain_sheet in [s.name for s in book.sheets]
    record = read_record(book, plan)  # before any write: a foreign 评分说明 stops us here
    stats.reads += int(exists)
    app = book.app
    _set_screen_updating(app, False)  # desktop: no flicker while notes and fills are set
    try:
        _apply(book, sheet, grid, plan, record, stats)
    finally:
        _set_screen_updating(app, True)
    return stats


def _set_screen_updating(app, value: bool) -> None:
    try:
        app.screen_updating = value
    except Exception:  # noqa: BLE001 - optional nicety; some hosts have no such switch
        pass


def _apply(book, sheet, grid: Grid, plan: WritePlan, record, stats: ApplyStats) -> None:

    formulas = grid.formulas
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
                target.value = _pad(piece.values, ncols)
                stats.value_writes += 1
            except _UNSUPPORTED:
                raise
            except Exception:  # noqa: BLE001 - e.g. "cannot change part of a merged cell" (merges unknown)
                _write_cell_by_cell(sheet, piece, stats)

    notes = _notes_by_cell(sheet)
    stats.notes_deleted = _undo_previous(sheet, record, notes)
    notes = _notes_by_cell(sheet) if stats.notes_deleted else notes
    noted: set[str] = set()
    for note in plan.notes:
        text = f"{NOTE_MARK}\n{note.text}"
        rng = sheet.range(note.cell)
        existing = notes.get(parse_a1(note.cell))
        try:
            if existing is None:
                rng.add_note(text)
            else:
                user = _note_text(existing)
                if user is None:
                    continue  # a note we cannot read (remote engine): never overwrite it
                existing.text = user.split(NOTE_SEPARATOR, 1)[0] + NOTE_SEPARATOR + text
            stats.notes_added += 1
            noted.add(note.cell)
        except _UNSUPPORTED:
            break  # the host has no notes: 评分说明 still lists every finding

    previous_original = {r[0]: r[2] for r in record}
    new_cells = set()
    new_record: list[Record] = []
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
        new_record.append((hl.cell, _argb(colour), original, NOTE_FLAG if hl.cell in noted else ""))
    for ref, _, original, _flag in record:
        if ref not in new_cells and _valid_ref(ref):
            sheet.range(ref).color = _colour_of_record(original)  # finding fixed: give the cell its fill back
            stats.restored += 1

    new_record += [(ref, "", "", NOTE_FLAG) for ref in sorted(noted - new_cells)]
    write_explain_sheet(book, sheet, plan, new_record)


def _write_cell_by_cell(sheet, piece: Block, stats: "ApplyStats") -> None:
    """Fallback when a block write fails on a host that could not tell us its merged areas."""
    for i, row in enumerate(piece.values):
        for j, value in enumerate(row):
            try:
                sheet.range((piece.row + i, piece.col + j)).value = value
                stats.value_writes += 1
            except Exception:  # noqa: BLE001
                stats.failed_cells.append((piece.row + i, piece.col + j))


def write_explain_sheet(book, form_sheet, plan: WritePlan, record: list[Record]) -> None:
    rows = [list(r) for r in plan.explain_rows]
    marker_row = len(rows) + 2
    rows += [[None]] + record_rows(record)
    names = [s.name for s in book.sheets]
    if plan.explain_sheet in names:
        ex = book.sheets[plan.explain_sheet]
        ex.clear_contents()
    else:
        ex = book.sheets.add(plan.explain_sheet, after=book.sheets[len(names) - 1])
    width = max(len(r) for r in rows)
    ex.range((1, 1), (len(rows), width)).value = _pad(rows, width)
    try:
        ex.range((marker_row, 1), (len(rows), 1)).rows.hidden = True  # the record is for the next run
    except _UNSUPPORTED:
        pass
    try:
        form_sheet.activate()  # adding a sheet activates it in Excel; bring the form back
    except _UNSUPPORTED:
        pass
