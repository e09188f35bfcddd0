"""The surgical writer: apply a WritePlan to a copy of a user's .xlsx/.xlsm, changing only what the tool owns.

What the tool owns, and so edits:
- the form sheet's part: only the cells the plan writes, the cells it highlights (their ``s``) and the
  cells an earlier run changed (undone from the record); a ``<legacyDrawing>`` when notes need one;
- the sheet's comments part and its VML drawing: the tool's block in each note (see ``workbook.notes``);
- ``xl/styles.xml``: fills, fonts, borders and cell formats appended (nothing existing changes);
- the 评分说明 sheet (new, or replacing the tool's own), and the entries that register it: one
  ``<sheet>`` in the workbook, its print titles, one relationship, one content type; the workbook's
  ``calcPr`` asks for a recalculation on load, so formulas depending on written cells show fresh values.

Every other member of the zip is copied as its raw compressed bytes. So images, charts, pivot tables,
macros and their signature, custom ribbons, custom XML, printer settings, cached formula values and
whatever else a workbook holds come out exactly as they went in.
"""
from __future__ import annotations

import os
import re

from scoring.lazy import compiled
import xml.parsers.expat
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

from scoring.findings import SEVERITY_RANK
from workbook import notes as N
from workbook import sheetxml as sx
from workbook.errors import UnsafeToWrite
from workbook.explain_layout import FONT_SIZE, HEADER_FILL, RECORD_FONT_COLOUR, ExplainLayout, explain_layout
from workbook.grid import a1, parse_a1
from workbook.opc import (CT_COMMENTS, CT_VML, CT_WORKSHEET, RT_COMMENTS, RT_OFFICE_DOC, RT_SST, RT_STYLES, RT_VML,
                          RT_WORKSHEET, Package, PackageError, expat_parser, parse_root, set_attrs, tag_end,
                          xml_error, xml_text)
from workbook.plan import HIGHLIGHT_COLORS, WritePlan
from workbook.record import NOTE_FLAG, VALUE_FLAG, Entry, parse_record, record_rows, record_sheet, same_value
from workbook.stylesxml import Styles, fill_from_record, is_solid, solid_fill

RT_THREADED = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"


class Outcome:
    """The new package (bytes), the planned cells left to the user's formulas, and the record written."""

    __slots__ = ("data", "skipped_formula_cells", "record")

    def __init__(self, data: bytes, skipped_formula_cells: Optional[list[str]] = None,
                 record: Optional[list[Entry]] = None) -> None:
        self.data = data
        self.skipped_formula_cells: list[str] = [] if skipped_formula_cells is None else skipped_formula_cells
        self.record: list[Entry] = [] if record is None else record


def _argb(hex_colour: str) -> str:
    return "FF" + hex_colour.lstrip("#").upper()


# ---- a generic two-level index of an XML part --------------------------------------------------


class Node:
    """An element of ``index_xml``: local name, attributes, byte offsets (start, end of the start tag, end)."""

    __slots__ = ("local", "attrs", "start", "tag_end", "end", "children")

    def __init__(self, local: str, attrs: dict[str, str], start: int, tag_end: int, end: int = -1) -> None:
        self.local, self.attrs, self.start, self.tag_end, self.end = local, attrs, start, tag_end, end
        self.children: list[Node] = []


def index_xml(data: bytes, depth_limit: int = 2) -> Node:
    """The root and its children (and grandchildren) with byte offsets; deeper elements are skipped."""
    p = expat_parser()
    stack: list[Optional[Node]] = []
    root: list[Node] = []

    def start(name, attrs):
        i = p.CurrentByteIndex
        if len(stack) > depth_limit:
            stack.append(None)
            return
        node = Node(name.rsplit(":", 1)[-1], dict(attrs), i, tag_end(data, i))
        if stack:
            parent = stack[-1]
            if parent is not None:
                parent.children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(name):
        i = p.CurrentByteIndex
        node = stack.pop()
        if node is not None:
            node.end = node.tag_end if data[node.tag_end - 2:node.tag_end] == b"/>" else data.index(b">", i) + 1

    p.StartElementHandler, p.EndElementHandler = start, end
    return parse_root(p, data, "", root, "XML 部件是空的")


def _child(node: Node, local: str) -> Optional[Node]:
    return next((c for c in node.children if c.local == local), None)


def _apply(data: bytes, reps: list[tuple[int, int, bytes]]) -> bytes:
    out, pos = [], 0
    for s, e, b in sorted(reps, key=lambda x: (x[0], x[1])):
        if s < pos:
            raise PackageError("内部错误：两处修改重叠")
        out += [data[pos:s], b]
        pos = e
    out.append(data[pos:])
    return b"".join(out)


# ---- shared strings, read only as far as needed -----------------------------------------------


class SharedStrings:
    def __init__(self, pkg: Package, part: Optional[str]) -> None:
        self.pkg, self.part = pkg, part
        self.items: list[str] = []
        self.done = part is None

    def __call__(self, i: int) -> Optional[str]:
        if i >= len(self.items) and not self.done:
            self._read_until(i)
        return self.items[i] if 0 <= i < len(self.items) else None

    def _read_until(self, target: int) -> None:
        data = self.pkg.read(self.part)
        items: list[str] = []
        state = {"depth": 0, "si": None, "t": False, "rph": 0}
        p = expat_parser("共享字符串表")

        class Enough(Exception):
            pass

        def start(name, attrs):
            local = name.rsplit(":", 1)[-1]
            state["depth"] += 1
            if local == "si":
                state["si"] = []
            elif local == "rPh":
                state["rph"] += 1
            elif local == "t" and state["si"] is not None and not state["rph"]:
                state["t"] = True

        def end(name):
            local = name.rsplit(":", 1)[-1]
            state["depth"] -= 1
            if local == "si":
                items.append("".join(state["si"]))
                state["si"] = None
                if len(items) > target:
                    raise Enough
            elif local == "rPh":
                state["rph"] -= 1
            elif local == "t":
                state["t"] = False

        def chars(text):
            if state["t"]:
                state["si"].append(text)

        p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
        try:
            step = 1 << 16
            for off in range(0, len(data), step):
                p.Parse(data[off:off + step], off + step >= len(data))
            self.done = True
        except Enough:
            pass
        except xml.parsers.expat.ExpatError as exc:
            raise xml_error("共享字符串表", exc) from None
        self.items = items


# ---- the workbook --------------------------------------------------------------------------


class SheetEntry:
    """One ``<sheet>`` of the workbook part and the part it points to ("" when none)."""

    __slots__ = ("name", "sheet_id", "rid", "part", "node")

    def __init__(self, name: str, sheet_id: int, rid: str, part: str, node: Node) -> None:
        self.name, self.sheet_id, self.rid, self.part, self.node = name, sheet_id, rid, part, node


_WORKBOOK_TAG = compiled(rb"<([\w.-]+:)?workbook\b")


class Book:
    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        rels = pkg.rels("")  # the package relationships (_rels/.rels)
        main = next((r for r in rels if r.type == RT_OFFICE_DOC), None)
        if main is None:
            raise PackageError("缺少工作簿部件")
        self.part = pkg.rel_target("", main)
        self.rels = {r.id: r for r in pkg.rels(self.part)}
        self._index()
        sst = next((r for r in self.rels.values() if r.type == RT_SST), None)
        self.shared = SharedStrings(pkg, pkg.rel_target(self.part, sst) if sst else None)
        styles = next((r for r in self.rels.values() if r.type == RT_STYLES), None)
        self.styles_part = pkg.rel_target(self.part, styles) if styles else None

    def _index(self) -> None:
        self.data = _utf8(self.pkg.read(self.part))
        self.root = index_xml(self.data)
        self.prefix = ""
        m = _WORKBOOK_TAG.match(self.data[self.root.start:self.root.tag_end])
        if m and m.group(1):
            self.prefix = m.group(1).decode()
        self.rel_prefix = next((k[6:] for k, v in self.root.attrs.items()
                                if k.startswith("xmlns:") and v == "http://schemas.openxmlformats.org/officeDocument/2006/relationships"), None)
        sheets = _child(self.root, "sheets")
        self.sheets: list[SheetEntry] = []
        for node in (sheets.children if sheets else []):
            if node.local != "sheet":
                continue
            rid = next((v for k, v in node.attrs.items() if k.rsplit(":", 1)[-1] == "id" and k != "sheetId"), "")
            rel = self.rels.get(rid)
            part = self.pkg.rel_target(self.part, rel) if rel is not None and not rel.external else ""
            try:
                sid = int(node.attrs.get("sheetId", "0"))
            except ValueError:
                sid = 0
            self.sheets.append(SheetEntry(node.attrs.get("name", ""), sid, rid, part, node))

    def sheet(self, name: str) -> Optional[SheetEntry]:
        return next((s for s in self.sheets if s.name == name), None)

    def edit(self, reps: list[tuple[int, int, bytes]]) -> None:
        self.pkg.write(self.part, _apply(self.data, reps))
        self._index()


# ---- the writer ----------------------------------------------------------------------------


def surgical_write(src, plan: WritePlan, *, force: bool = False) -> Outcome:
    """The scored package as bytes (nothing is written to disk here). ``src``: a path, or a ``Package``
    already opened (it is closed here)."""
    with (src if isinstance(src, Package) else Package(src)) as pkg:
        try:
            return _write(pkg, plan, force)
        except PackageError as exc:
            name = os.path.basename(os.fspath(pkg.path))
            raise UnsafeToWrite(f"{name} 的结构无法识别，未写入评分结果（{exc}）。") from None


def _write(pkg: Package, plan: WritePlan, force: bool) -> Outcome:
    book = Book(pkg)
    form = book.sheet(plan.sheet)
    if form is None or not form.part or not pkg.has(form.part):
        raise UnsafeToWrite(f"工作簿中没有工作表“{plan.sheet}”，无法写入评分结果。")
    if plan.sheet == plan.explain_sheet:
        raise UnsafeToWrite(f"表单所在的工作表名为“{plan.explain_sheet}”，与评分说明工作表同名，无法写入。")

    # 1. The earlier run's record (and whether a sheet named 评分说明 is ours).
    explain, previous = _previous_record(pkg, book, plan, force)
    _refuse_threaded_conflicts(pkg, form, plan, force)

    # 2. The form sheet: values, the undo of the previous run, highlights.
    data = _utf8(pkg.read(form.part))
    styles = Styles(_utf8(pkg.read(book.styles_part)) if book.styles_part and pkg.has(book.styles_part) else None)
    sheet = _SheetEdit(book, styles, data, plan, previous)
    sheet.write_values(_array_ranges(data))
    sheet.undo_previous_values()
    sheet.restore_previous_fills()
    sheet.apply_highlights()
    sheet.drop_unchanged_styles()

    # 3. Notes.
    entries = sheet.entries
    note_refs, extra = _notes(pkg, form, pkg.rels(form.part), sheet.scan, plan, data)
    for ref in note_refs:
        entries[ref] = entries.get(ref, Entry(ref))._replace(note=NOTE_FLAG)
    pkg.write(form.part, sx.splice(data, sheet.scan, sheet.edits, extra))

    # 4. 评分说明 and the workbook entries that register it.
    record = sorted(entries.values(), key=lambda e: parse_a1(e.ref))
    layout = explain_layout(plan.explain_rows, record_rows(record, plan.sheet))
    _explain_sheet(pkg, book, styles, plan, layout, explain)
    _save_styles(pkg, book, styles)
    _full_calc_on_load(book)

    return Outcome(pkg.to_bytes(), sheet.skipped, record)


def _previous_record(pkg: Package, book: Book, plan: WritePlan, force: bool) -> tuple[Any, list[Entry]]:
    """The 评分说明 sheet (or None) and the entries an earlier run recorded for this form sheet; refuses
    a sheet of that name that pe-score did not write, unless forced."""
    explain = book.sheet(plan.explain_sheet)
    if explain is None:
        return None, []
    if book.rels.get(explain.rid) is None or book.rels[explain.rid].type != RT_WORKSHEET:
        raise UnsafeToWrite(f"工作簿中名为“{plan.explain_sheet}”的是图表工作表或对话框，不是 pe-score 生成的；"
                            "请先给它改名，再评分。")
    rows = _explain_rows(pkg, explain, book)
    found = parse_record(rows) if rows is not None else None
    if found is None and not force:
        raise UnsafeToWrite(
            f"工作簿中已有名为“{plan.explain_sheet}”的工作表，但不是 pe-score 生成的；写入会覆盖其内容。"
            "请先给该工作表改名；如确认可以覆盖，可使用 --force。")
    owner = record_sheet(rows) if rows is not None else None
    # a record written for another sheet of the workbook is not this form's to undo
    return explain, [e for e in (found or []) if _valid(e.ref)] if owner in (None, plan.sheet) else []


def _worst_highlights(plan: WritePlan) -> dict[str, str]:
    """The most severe highlight asked for each valid cell reference."""
    worst: dict[str, str] = {}
    for hl in plan.highlights:
        ref = hl.cell.upper().replace("$", "")
        if _valid(ref) and (ref not in worst or SEVERITY_RANK[hl.severity] > SEVERITY_RANK[worst[ref]]):
            worst[ref] = hl.severity
    return worst


def _save_styles(pkg: Package, book: Book, styles: Styles) -> None:
    """Write styles.xml back if a fill was added, creating and registering the part if the book had none."""
    if not styles.dirty:
        return
    if not book.styles_part:
        book.styles_part = "xl/styles.xml"
        pkg.add_rel(book.part, RT_STYLES, book.styles_part)
        pkg.ensure_override(book.styles_part,
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml")
    pkg.write(book.styles_part, styles.data)


class _CellIndex:
    """The form sheet's cells by (row, col), looked up in the scanned rows when first asked for."""

    def __init__(self, scan: sx.Scan) -> None:
        self.scan = scan
        self.memo: dict[tuple[int, int], Optional[sx.CellInfo]] = {}

    def get(self, rc: tuple[int, int]) -> Optional[sx.CellInfo]:
        try:
            return self.memo[rc]
        except KeyError:
            row = self.scan.rows.get(rc[0])
            cell = self.memo[rc] = row.cell(rc[1]) if row is not None else None
            return cell


class _SheetEdit:
    """The cell edits to the form sheet and the record entries that explain them, built in order:
    this run's values, the undo of the previous run's values and fills, this run's highlights."""

    def __init__(self, book: Book, styles: Styles, data: bytes, plan: WritePlan, previous: list[Entry]) -> None:
        self.book, self.styles = book, styles
        self.values = {(b.row + i, b.col + j): v
                       for b in plan.blocks for i, row in enumerate(b.values) for j, v in enumerate(row)}
        self.worst = _worst_highlights(plan)
        self.prev_cells = {parse_a1(e.ref.upper().replace("$", "")): e for e in previous}
        rows_needed = ({r for r, _ in self.values} | {parse_a1(r)[0] for r in self.worst}
                       | {r for r, _ in self.prev_cells})
        self.scan = sx.scan(data, rows_needed)
        self.cells = _CellIndex(self.scan)
        self.edits: dict[tuple[int, int], sx.CellEdit] = {}
        self.skipped: list[str] = []
        self.entries: dict[str, Entry] = {}

    def current_value(self, rc):
        cell = self.cells.get(rc)
        return sx.cell_value(cell, self.book.shared) if cell is not None else None

    def current_style(self, rc) -> int:
        """The style the cell will have: an edit's, else the file's."""
        e = self.edits.get(rc)
        if e is not None and e.style is not None:
            return e.style
        cell = self.cells.get(rc)
        if cell is not None:
            try:
                return int(cell.attrs.get("s", "0"))
            except ValueError:
                return 0
        # no cell yet: the style Excel shows there (the row's, else the column's)
        return sx.default_style(self.scan, self.scan.rows.get(rc[0]), rc[1])

    def write_values(self, arrays: list[tuple[int, int, int, int]]) -> None:
        rows = [r for r, _ in self.values] or [0]
        cols = [c for _, c in self.values] or [0]
        lo_r, hi_r, lo_c, hi_c = min(rows), max(rows), min(cols), max(cols)
        merged_tail = _merged_non_anchor([m for m in self.scan.merges  # only the merges the values can meet
                                          if m[0] <= hi_r and m[2] >= lo_r and m[1] <= hi_c and m[3] >= lo_c])
        for rc, value in sorted(self.values.items()):
            cell = self.cells.get(rc)
            if (cell is not None and cell.has_formula) or any(
                    r1 <= rc[0] <= r2 and c1 <= rc[1] <= c2 for r1, c1, r2, c2 in arrays):
                self.skipped.append(a1(*rc))  # a formula the user put there stays in charge of that cell
                continue
            if merged_tail(rc):
                if value is None:
                    continue
                raise UnsafeToWrite(f"单元格 {a1(*rc)} 位于合并区域内，无法写入评分结果。")
            now = self.current_value(rc)
            prev = self.prev_cells.get(rc)
            # the user's value is the one before our earlier write, if that write is still there
            original = prev.original if prev is not None and prev.value_flag and same_value(now, prev.written) else now
            if not same_value(now, value):
                self.edits[rc] = sx.CellEdit(value=value)
            if not same_value(original, value):
                self.entries[a1(*rc)] = Entry(a1(*rc), value_flag=VALUE_FLAG, original=original, written=value)

    def undo_previous_values(self) -> None:
        """Cells the previous run wrote and this one does not: the user's value comes back."""
        for rc, prev in self.prev_cells.items():
            if not prev.value_flag or rc in self.values or same_value(prev.original, prev.written):
                continue
            cell = self.cells.get(rc)
            if cell is None or cell.has_formula or not same_value(self.current_value(rc), prev.written):
                continue  # never create a cell to undo, never touch a formula, keep what the user changed
            self.edits[rc] = sx.CellEdit(value=prev.original)

    def restore_previous_fills(self) -> None:
        """The previous run's highlight goes, where the user has not recoloured the cell since."""
        styles = self.styles
        for rc, prev in self.prev_cells.items():
            if prev.argb and is_solid(styles.fill_of(self.current_style(rc)), prev.argb):
                try:
                    restored = styles.with_fill(self.current_style(rc), fill_from_record(prev.fill))
                except PackageError:
                    continue
                self.edits.setdefault(rc, sx.CellEdit()).style = restored

    def apply_highlights(self) -> None:
        for ref, severity in self.worst.items():
            rc = parse_a1(ref)
            base = self.current_style(rc)
            fill = self.styles.fill_of(base)
            original = "" if _no_fill(fill) else fill.decode("utf-8")
            argb = _argb(HIGHLIGHT_COLORS[severity])
            self.edits.setdefault(rc, sx.CellEdit()).style = self.styles.with_fill(base, solid_fill(argb))
            old = self.entries.get(a1(*rc), Entry(a1(*rc)))
            self.entries[a1(*rc)] = old._replace(argb=argb, fill=original)

    def drop_unchanged_styles(self) -> None:
        for rc, e in list(self.edits.items()):
            if e.value is sx.KEEP and e.style is not None and e.style == current_style_of_file(self.cells, self.scan, rc):
                del self.edits[rc]  # back to what it was: leave the bytes alone


_ARRAY_F = compiled(rb"""<(?:[\w.-]+:)?f\b[^>]*\bt\s*=\s*["']array["'][^>]*>""")
_REF_ATTR = compiled(rb"""\bref\s*=\s*["']([^"']+)["']""")


def _array_ranges(data: bytes) -> list[tuple[int, int, int, int]]:
    """The ranges of array formulas (``<f t="array" ref="I11:I14">``): every cell in them belongs to the formula."""
    out = []
    for m in _ARRAY_F.finditer(data):
        ref = _REF_ATTR.search(m.group(0))
        rng = sx._range(ref.group(1).decode("ascii", "replace")) if ref else None
        if rng:
            out.append(rng)
    return out


def current_style_of_file(cells, scan, rc) -> int:
    cell = cells.get(rc)
    if cell is None:
        return -1  # a new cell: keep the edit (it carries the style)
    try:
        return int(cell.attrs.get("s", "0"))
    except ValueError:
        return 0


_NONE_FILL = compiled(rb'patternType\s*=\s*["\']none["\']')


def _no_fill(fill: bytes) -> bool:
    return _NONE_FILL.search(fill) is not None or (
        b"patternType" not in fill and b"gradientFill" not in fill)


def _valid(ref: str) -> bool:
    try:
        r, c = parse_a1(ref.upper().replace("$", ""))
    except ValueError:
        return False
    return 1 <= r <= 1_048_576 and 1 <= c <= 16_384


def _merged_non_anchor(merges: list[tuple[int, int, int, int]]) -> Callable[[tuple[int, int]], bool]:
    def inside(rc: tuple[int, int]) -> bool:
        r, c = rc
        return any(r1 <= r <= r2 and c1 <= c <= c2 and (r, c) != (r1, c1) for r1, c1, r2, c2 in merges)

    return inside


def _utf8(data: bytes) -> bytes:
    """A part the writer edits, as UTF-8: UTF-16 (with or without a byte-order mark, as its declaration
    says) is decoded and its declaration rewritten, so byte offsets and the UTF-8 the writer splices in
    agree (a workbook part in BOM-less UTF-16 made two edits overlap: found by tests/fuzz.py)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    elif data.startswith(b"<\x00"):
        text = data.decode("utf-16-le")
    elif data.startswith(b"\x00<"):
        text = data.decode("utf-16-be")
    elif data.startswith(b"\xef\xbb\xbf"):
        return data[3:]
    else:
        return data
    text = re.sub(r"""^(<\?xml[^>]*encoding\s*=\s*["'])[^"']*""", r"\1UTF-8", text)
    return text.encode("utf-8")


def _explain_rows(pkg: Package, entry: SheetEntry, book: Book) -> Optional[list[list[Any]]]:
    if not entry.part or not pkg.has(entry.part):
        return None
    try:
        return sx.read_rows(_utf8(pkg.read(entry.part)), book.shared)
    except PackageError:
        return None


def _refuse_threaded_conflicts(pkg: Package, form: SheetEntry, plan: WritePlan, force: bool) -> None:
    """A note on a cell holding a threaded comment (Excel 365 discussion) cannot be edited without
    breaking the thread; that is the one thing the writer cannot keep."""
    rel = next((r for r in pkg.rels(form.part) if r.type == RT_THREADED), None)
    if rel is None or force:
        return
    try:
        data = pkg.read(pkg.rel_target(form.part, rel))
    except PackageError:
        return
    refs = {m.decode().upper() for m in re.findall(rb'\bref="([A-Za-z]+\d+)"', data)}
    clash = sorted(n.cell.upper() for n in plan.notes if n.cell.upper() in refs)
    if clash:
        raise UnsafeToWrite(
            f"单元格 {'、'.join(clash[:5])} 上有新式批注（讨论），写入评分批注会破坏讨论内容，已停止。"
            "请先删除这些讨论或改为旧式批注；如确认可以继续，可使用 --force。")


def _notes(pkg: Package, form: SheetEntry, rels, scan: sx.Scan, plan: WritePlan,
           data: bytes) -> tuple[list[str], list[tuple[int, int, bytes]]]:
    """Update the comments and VML parts; returns the cells that got a note and edits to the sheet part."""
    comments_rel = next((r for r in rels if r.type == RT_COMMENTS), None)
    vml_rel = next((r for r in rels if r.id == scan.legacy_rid), None) if scan.legacy_rid else None
    comments_part = pkg.rel_target(form.part, comments_rel) if comments_rel else None
    vml_part = pkg.rel_target(form.part, vml_rel) if vml_rel else None
    comments = N.Comments(pkg.read(comments_part) if comments_part and pkg.has(comments_part) else None)
    deleted = comments.strip_tool_blocks()

    texts: dict[str, list[str]] = {}
    anchor = _merged_anchor(scan.merges)
    for note in plan.notes:
        if not _valid(note.cell):
            continue
        texts.setdefault(anchor(note.cell.upper().replace("$", "")), []).append(note.text)
    created: list[str] = []
    lines: dict[str, int] = {}
    for ref in sorted(texts, key=lambda x: parse_a1(x)):
        block = N.tool_block("\n".join(texts[ref]))
        lines[ref] = block.count("\n") + 1 + len(block) // 24
        if comments.add_block(ref, block):
            created.append(ref)
    noted = sorted(texts, key=lambda x: parse_a1(x))
    if not comments.changed:
        return noted, []

    extra: list[tuple[int, int, bytes]] = []
    gone = {parse_a1(r.upper().replace("$", "")) for r in deleted if _valid(r)}
    if comments.empty():
        if comments_part:
            pkg.remove(comments_part)
            pkg.remove_override(comments_part)
            pkg.remove_rel(form.part, comments_rel.id)
    else:
        if not comments_part:
            comments_part = pkg.new_name("xl/comments{}.xml")
            pkg.add_rel(form.part, RT_COMMENTS, comments_part)
            pkg.ensure_override(comments_part, CT_COMMENTS)
        pkg.write(comments_part, comments.xml())
    # the VML drawing: remove the deleted notes' shapes, add shapes for new notes
    try:
        _vml(pkg, form, scan, data, vml_part, vml_rel, gone, created, lines, extra)
    except ValueError:
        raise PackageError("批注的图形部件（VML）无法识别") from None
    return noted, extra


def _vml(pkg, form, scan, data, vml_part, vml_rel, gone, created, lines, extra) -> None:
    if vml_part and pkg.has(vml_part):
        text = N.vml_text(pkg.read(vml_part))
        text = N.vml_remove_notes(text, gone)
        text = N.vml_add_notes(text, created, lines)
        if N.vml_has_shapes(text):
            pkg.write(vml_part, N.vml_bytes(text))
        else:
            pkg.remove(vml_part)
            pkg.remove_rel(form.part, vml_rel.id)
            node = next((s for n, s in scan.children if n == "legacyDrawing"), None)
            if node is not None:
                extra.append((node, sx.tag_end(data, node) if data[sx.tag_end(data, node) - 2:sx.tag_end(data, node)] == b"/>"
                              else data.index(b">", data.index(b"</", node)) + 1, b""))
    elif created:
        k = 1 + sum(1 for n in pkg.names if n.lower().endswith(".vml"))
        text = N.VML_EMPTY.replace('data="1"', f'data="{k}"')
        text = N.vml_add_notes(text, created, lines, base=k * 1024)
        vml_part = pkg.new_name("xl/drawings/vmlDrawing{}.vml")
        pkg.write(vml_part, N.vml_bytes(text))
        pkg.ensure_default("vml", CT_VML)
        rid = pkg.add_rel(form.part, RT_VML, vml_part)
        rp = scan.rel_prefix
        if rp is None:
            rp = "r"
            root_start = data.rfind(b"<", 0, scan.root_tag_end - 1)
            while data[root_start + 1:root_start + 2] in (b"?", b"!"):
                root_start = data.rfind(b"<", 0, root_start)
            tag = data[root_start:scan.root_tag_end]
            extra.append((root_start, scan.root_tag_end, set_attrs(
                tag, {"xmlns:r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"})))
        pos = sx.child_position(scan, "legacyDrawing")
        extra.append((pos, pos, f'<{scan.prefix}legacyDrawing {rp}:id="{rid}"/>'.encode()))


def _merged_anchor(merges) -> Callable[[str], str]:
    def anchor(ref: str) -> str:
        r, c = parse_a1(ref)
        for r1, c1, r2, c2 in merges:
            if r1 <= r <= r2 and c1 <= c <= c2:
                return a1(r1, c1)
        return a1(r, c)

    return anchor


# ---- 评分说明 ---------------------------------------------------------------------------------


def _explain_styles(styles: Styles) -> dict[str, int]:
    font = f'<font><sz val="{FONT_SIZE}"/><name val="宋体"/><charset val="134"/></font>'.encode()
    bold = f'<font><b/><sz val="{FONT_SIZE}"/><name val="宋体"/><charset val="134"/></font>'.encode()
    grey = f'<font><sz val="9"/><color rgb="{RECORD_FONT_COLOUR}"/><name val="宋体"/><charset val="134"/></font>'.encode()
    thin = (b'<border><left style="thin"><color rgb="FFA6A6A6"/></left><right style="thin"><color rgb="FFA6A6A6"/>'
            b'</right><top style="thin"><color rgb="FFA6A6A6"/></top><bottom style="thin"><color rgb="FFA6A6A6"/>'
            b"</bottom><diagonal/></border>")
    wrap = b'<alignment vertical="top" wrapText="1"/>'
    return {
        "header": styles.xf_for(font=bold, fill=solid_fill(HEADER_FILL), border=thin,
                                alignment=b'<alignment horizontal="center" vertical="center" wrapText="1"/>'),
        "text": styles.xf_for(font=font, border=thin, alignment=wrap),
        "number": styles.xf_for(font=font, border=thin, alignment=b'<alignment horizontal="right" vertical="top"/>'),
        "record": styles.xf_for(font=grey),
    }


def _first(item: tuple) -> Any:
    return item[0]


def _explain_rows_xml(layout: ExplainLayout, xf: dict[str, int]) -> list[str]:
    """``<sheetData>`` of 评分说明 and its rows (not yet closed)."""
    from workbook.grid import col_letter

    by_row: dict[int, list] = {}
    for cell in layout.cells:
        by_row.setdefault(cell.row, []).append((cell.col, cell.value, cell.style))
        if cell.last_col:
            for c in range(cell.col + 1, cell.last_col + 1):  # the merged range keeps the borders
                by_row[cell.row].append((c, None, cell.style))
    hidden = set(layout.hidden_rows)
    heights = layout.heights
    letters: dict[int, str] = {}
    styles = {k: f'" s="{v}"' for k, v in xf.items()}
    out = ["<sheetData>"]
    for r in sorted(set(by_row) | set(heights) | hidden):
        attrs = f' r="{r}"'
        if r in heights:
            attrs += f' ht="{heights[r]:g}" customHeight="1"'
        if r in hidden:
            attrs += ' hidden="1"'
        out.append(f"<row{attrs}>")
        row_s = str(r)
        for col, value, style in sorted(by_row.get(r, ()), key=_first):
            letter = letters.get(col)
            if letter is None:
                letter = letters[col] = col_letter(col)
            head = '<c r="' + letter + row_s + styles[style]
            if value is None:
                out.append(head + "/>")
                continue
            t, child = sx.value_xml("", value)
            if not child:
                out.append(head + "/>")
            elif t:
                out.append(f'{head} t="{t}">{child}</c>')
            else:
                out.append(f"{head}>{child}</c>")
        out.append("</row>")
    return out


def explain_sheet_xml(layout: ExplainLayout, xf: dict[str, int]) -> bytes:
    from workbook.grid import col_letter

    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
           '<sheetPr><pageSetUpPr fitToPage="0"/></sheetPr>']
    if layout.n_rows:
        out.append(f'<dimension ref="A1:{col_letter(max(layout.n_cols, 1))}{layout.n_rows}"/>')
    out.append('<sheetViews><sheetView workbookViewId="0">')
    if layout.freeze_row and layout.n_rows > 1:
        out.append(f'<pane ySplit="{layout.freeze_row}" topLeftCell="A{layout.freeze_row + 1}" activePane="bottomLeft" '
                   'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>')
    out.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="13.5"/>')
    if layout.widths:
        out.append("<cols>" + "".join(f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'
                                      for c, w in sorted(layout.widths.items())) + "</cols>")
    out += _explain_rows_xml(layout, xf)
    out.append("</sheetData>")
    if layout.merges:
        out.append(f'<mergeCells count="{len(layout.merges)}">' + "".join(
            f'<mergeCell ref="{a1(r1, c1)}:{a1(r2, c2)}"/>' for r1, c1, r2, c2 in layout.merges) + "</mergeCells>")
    m = layout.margins
    out.append('<printOptions gridLines="0"/>')
    out.append(f'<pageMargins left="{m["left"]}" right="{m["right"]}" top="{m["top"]}" bottom="{m["bottom"]}" '
               f'header="{m["header"]}" footer="{m["footer"]}"/>')
    out.append(f'<pageSetup paperSize="{layout.paper_size}" scale="{layout.scale}" orientation="{layout.orientation}"/>')
    out.append('<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>')
    if layout.row_breaks:
        out.append(f'<rowBreaks count="{len(layout.row_breaks)}" manualBreakCount="{len(layout.row_breaks)}">' + "".join(
            f'<brk id="{r}" max="16383" man="1"/>' for r in layout.row_breaks) + "</rowBreaks>")
    out.append("</worksheet>")
    return "".join(out).encode("utf-8")


def _explain_sheet(pkg: Package, book: Book, styles: Styles, plan: WritePlan, layout: ExplainLayout,
                   existing: Optional[SheetEntry]) -> None:
    xml = explain_sheet_xml(layout, _explain_styles(styles))
    if existing is not None and existing.part:
        part = existing.part
        from workbook.opc import rels_name

        if pkg.has(rels_name(part)):
            pkg.remove(rels_name(part))  # the old sheet's own links (printer settings …) are not used by ours
        pkg.write(part, xml)
        pkg.ensure_override(part, CT_WORKSHEET)
        index = book.sheets.index(existing)
    else:
        part = pkg.new_name("xl/worksheets/sheet{}.xml")
        pkg.write(part, xml)
        pkg.ensure_override(part, CT_WORKSHEET)
        rid = pkg.add_rel(book.part, RT_WORKSHEET, part)
        sheets = _child(book.root, "sheets")
        if sheets is None:
            raise PackageError("工作簿中没有工作表")
        sid = max([s.sheet_id for s in book.sheets] + [0]) + 1
        rp = book.rel_prefix or "r"
        el = f'<{book.prefix}sheet name={_q(plan.explain_sheet)} sheetId="{sid}" {rp}:id="{rid}"/>'.encode("utf-8")
        reps = []
        if book.rel_prefix is None:
            reps.append((book.root.start, book.root.tag_end, set_attrs(
                book.data[book.root.start:book.root.tag_end],
                {"xmlns:r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"})))
        close = book.data.rfind(b"</", sheets.start, sheets.end)
        reps.append((close, close, el))
        book.edit(reps)
        index = len(book.sheets) - 1
    _print_titles(book, plan.explain_sheet, index, layout)


def _q(text: str) -> str:
    from workbook.opc import quoteattr

    return quoteattr(text)


def _print_titles(book: Book, name: str, index: int, layout: ExplainLayout) -> None:
    """The 评分说明 header row repeats on every printed page: a ``_xlnm.Print_Titles`` name for that sheet."""
    defined = _child(book.root, "definedNames")
    quoted = "'" + name.replace("'", "''") + "'"
    value = f"{quoted}!$1:$1" if layout.print_title_rows else None
    reps = []
    if defined is not None:
        for dn in defined.children:
            if dn.attrs.get("name") == "_xlnm.Print_Titles" and dn.attrs.get("localSheetId") == str(index):
                if value is None:
                    reps.append((dn.start, dn.end, b""))
                else:
                    reps.append((dn.tag_end, dn.end - len(f"</{book.prefix}definedName>"),
                                 xml_text(value).encode("utf-8")))
                book.edit(reps)
                return
    if value is None:
        return
    el = (f'<{book.prefix}definedName name="_xlnm.Print_Titles" localSheetId="{index}">{xml_text(value)}'
          f"</{book.prefix}definedName>").encode("utf-8")
    if defined is not None:
        if book.data[defined.tag_end - 2:defined.tag_end] == b"/>":
            reps.append((defined.start, defined.end, f"<{book.prefix}definedNames>".encode() + el
                         + f"</{book.prefix}definedNames>".encode()))
        else:
            close = book.data.rfind(b"</", defined.start, defined.end)
            reps.append((close, close, el))
    else:
        order = ["fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                 "functionGroups", "externalReferences", "definedNames"]
        after = [c for c in book.root.children if c.local in order]
        pos = max((c.end for c in after), default=book.root.tag_end)
        reps.append((pos, pos, f"<{book.prefix}definedNames>".encode() + el + f"</{book.prefix}definedNames>".encode()))
    book.edit(reps)


def _full_calc_on_load(book: Book) -> None:
    calc = _child(book.root, "calcPr")
    if calc is not None:
        if calc.attrs.get("fullCalcOnLoad") in ("1", "true"):
            return
        tag = book.data[calc.start:calc.tag_end]
        book.edit([(calc.start, calc.tag_end, set_attrs(tag, {"fullCalcOnLoad": "1"}))])
        return
    order = ["fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
             "functionGroups", "externalReferences", "definedNames"]
    after = [c for c in book.root.children if c.local in order]
    pos = max((c.end for c in after), default=book.root.tag_end)
    book.edit([(pos, pos, f'<{book.prefix}calcPr fullCalcOnLoad="1"/>'.encode())])
