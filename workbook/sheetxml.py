"""Byte-level editing of one worksheet part: find the cells a plan touches, rewrite only those.

``scan`` runs expat over the part once (no tree is built) and notes byte offsets: every row's start,
the cells of the rows the caller asked for, the top-level elements, the merged ranges and the column
styles. ``splice`` then rewrites only the touched cells (and the rows that hold them); every other byte
of the part — other cells, their cached values and formulas, attributes and elements this module does
not know — is copied as it was.
"""
from __future__ import annotations

import math
import re

from scoring.lazy import compiled
import xml.parsers.expat
from functools import lru_cache
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

from workbook.grid import a1, parse_a1
from workbook.opc import (MAIN_NS, REL_NS, PackageError, element_end, expat_parser, set_attrs, start_tag_attrs,
                          tag_end, xml_error, xml_text)

KEEP = object()  # a CellEdit value meaning "leave the value as it is"

# Order of the worksheet's children (CT_Worksheet), to place a new <legacyDrawing>.
WORKSHEET_ORDER = [
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr", "sheetProtection",
    "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate", "customSheetViews", "mergeCells",
    "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins",
    "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors",
    "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst",
]


class CellInfo:
    """One ``<c>`` element: its position, and (parsed on first use) its attributes and value."""

    __slots__ = ("row", "col", "start", "end", "tag_end", "explicit", "_attrs", "_data", "_inner",
                 "_has_formula", "_value_raw", "_inline", "_tags")

    def __init__(self, row: int, col: int, start: int, end: int, tag_end: int, explicit: bool,
                 attrs: Optional[dict[str, str]] = None, data: Optional[bytes] = None,
                 inner: Optional[tuple[int, int]] = None, tags: Optional[dict] = None) -> None:
        self.row, self.col, self.start, self.end, self.tag_end, self.explicit = row, col, start, end, tag_end, explicit
        self._attrs, self._data, self._inner, self._tags = attrs, data, inner, tags
        self._has_formula: Optional[bool] = None if inner is not None else False
        self._value_raw: Optional[str] = None
        self._inline: Optional[str] = None

    @property
    def attrs(self) -> dict[str, str]:
        if self._attrs is None:
            self._attrs = dict(start_tag_attrs(self._data[self.start:self.tag_end]))
        return self._attrs

    def _parse_inner(self) -> None:
        from workbook.opc import attr_unescape

        s, e = self._inner
        inner, tags = self._data[s:e], self._tags
        self._inner = None
        self._has_formula = tags["f"].search(inner) is not None
        v = tags["v"].search(inner)
        if v is not None:
            self._value_raw = attr_unescape(v.group(1)) or None
        if self.attrs.get("t") == "inlineStr":
            body = tags["rph"].sub(b"", inner)
            self._inline = "".join(attr_unescape(t) for t in tags["t"].findall(body))

    @property
    def has_formula(self) -> bool:
        if self._inner is not None:
            self._parse_inner()
        return bool(self._has_formula)

    @has_formula.setter
    def has_formula(self, value: bool) -> None:
        self._has_formula = value

    @property
    def value_raw(self) -> Optional[str]:
        if self._inner is not None:
            self._parse_inner()
        return self._value_raw

    @value_raw.setter
    def value_raw(self, value: Optional[str]) -> None:
        self._value_raw = value

    @property
    def inline(self) -> Optional[str]:
        if self._inner is not None:
            self._parse_inner()
        return self._inline

    @inline.setter
    def inline(self, value: Optional[str]) -> None:
        self._inline = value

    def as_tuple(self) -> tuple:
        return (self.row, self.col, self.start, self.end, self.explicit, self.attrs, self.has_formula,
                self.value_raw, self.inline)


class RowInfo:
    """One ``<row>`` element: its offsets, attributes and (for the rows asked for) its cells.

    A row found by the fast scan reads its cells when first asked (``cells``), and ``cell(col)`` finds a
    canonically spelled cell (``<c r="J12"``) directly, without reading the others: the writer touches a
    few cells of each row it edits."""

    __slots__ = ("row", "start", "tag_end", "end", "explicit", "attrs", "_cells", "_lazy", "_by_col", "direct")

    def __init__(self, row: int, start: int, tag_end: int, end: int, explicit: bool, attrs: dict[str, str],
                 cells: Optional[list[CellInfo]] = None) -> None:
        self.row, self.start, self.tag_end, self.end, self.explicit, self.attrs = row, start, tag_end, end, explicit, attrs
        self._cells: Optional[list[CellInfo]] = [] if cells is None else cells
        self._lazy: Optional[tuple] = None  # (data, content start, content end, tags, prefix) of a fast-scanned row
        self._by_col: Optional[dict[int, CellInfo]] = None
        self.direct: dict[int, CellInfo] = {}  # cells found by ``cell`` without reading the row

    @property
    def cells(self) -> list[CellInfo]:
        if self._cells is None:
            from workbook.opc import attr_unescape

            data, pos, stop, tags, _ = self._lazy
            self._cells = []
            if not _cells(data, pos, stop, self, tags, attr_unescape):  # checked by the scan: cannot happen
                raise PackageError("工作表 XML 格式错误")
        return self._cells

    def cell(self, col: int) -> Optional[CellInfo]:
        """The cell in column ``col`` (None: none there)."""
        if self._cells is None:
            found = self._find(col)
            if found is not None:
                return found
        if self._by_col is None:
            self._by_col = {c.col: c for c in self.cells}  # the last of duplicates, as every reader takes it
        return self._by_col.get(col)

    def _find(self, col: int) -> Optional[CellInfo]:
        """A cell spelled ``<c r="J12"`` found by its reference alone, when it occurs exactly once."""
        if col in self.direct:
            return self.direct[col]
        data, pos, stop, tags, prefix = self._lazy
        needle = b"<" + prefix + b'c r="' + a1(self.row, col).encode() + b'"'
        i = data.find(needle, pos, stop)
        if i < 0 or data.find(needle, i + 1, stop) >= 0 or data[i + len(needle):i + len(needle) + 1] not in (
                b" ", b"\t", b"\r", b"\n", b"/", b">"):
            return None
        m = tags["cell"].match(data, i, stop)
        if m is None:
            return None
        if m.start(1) >= 0:
            te, inner = m.start(1), (m.start(1), m.end(1))
        else:
            te, inner = m.end(), None
        found = self.direct[col] = CellInfo(self.row, col, i, m.end(), te, True, None, data, inner, tags)
        return found


class Scan:
    """What ``scan`` found in a sheet part (plain classes, not dataclasses: these modules are imported
    by every ``--write`` from the command line, and building dataclasses is pure start-up cost)."""

    __slots__ = ("prefix", "root_tag_end", "rel_prefix", "sheetdata_start", "sheetdata_tag_end", "sheetdata_close",
                 "row_starts", "rows", "children", "legacy_rid", "merges", "cols", "root_end")

    def __init__(self, prefix: str, root_tag_end: int, rel_prefix: Optional[str]) -> None:
        self.prefix = prefix  # "" or "x:" – how the part spells the main namespace
        self.root_tag_end = root_tag_end
        self.rel_prefix = rel_prefix  # prefix bound to the relationships namespace on the root, if any
        self.sheetdata_start = -1
        self.sheetdata_tag_end = -1
        self.sheetdata_close = -1  # offset of </sheetData>, or -1 when <sheetData/>
        self.row_starts: list[tuple[int, int, bool]] = []  # (row, start, explicit)
        self.rows: dict[int, RowInfo] = {}  # the rows asked for
        self.children: list[tuple[str, int]] = []  # top-level (local name, start)
        self.legacy_rid: Optional[str] = None
        self.merges: list[tuple[int, int, int, int]] = []
        self.cols: list[tuple[int, int, int]] = []  # (min, max, style)
        self.root_end = -1


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


@lru_cache(maxsize=65536)
def _ref(ref: str) -> Optional[tuple[int, int]]:
    try:
        return parse_a1(ref)
    except ValueError:
        return None


def _range(ref: str) -> Optional[tuple[int, int, int, int]]:
    parts = ref.split(":")
    a = _ref(parts[0])
    b = _ref(parts[-1])
    if a is None or b is None:
        return None
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]))


def _parser() -> xml.parsers.expat.XMLParserType:
    p = expat_parser("工作表")
    p.buffer_text = True
    return p


def scan(data: bytes, want_rows: Optional[set[int]]) -> Scan:
    """Offsets of everything ``splice`` needs; cells are collected only for ``want_rows`` (None: all).

    The part outside ``<sheetData>`` is parsed by expat; the rows are found by their tags, which is exact
    for well-formed XML without comments, CDATA sections or processing instructions inside (the only places
    a ``<`` may stand outside a tag). A part holding any of those is scanned by expat throughout."""
    fast = _scan_fast(data, want_rows)
    return fast if fast is not None else scan_expat(data, want_rows)


_Q = rb"""(?:[^>"']|"[^"]*"|'[^']*')*"""
_SD_OPEN = compiled(rb"<([\w.-]+:)?sheetData(?=[\s/>])" + _Q + rb">")
_MARKUP = compiled(rb"<!--|<!\[CDATA\[|<\?")
_R_ATTR = compiled(rb"""\sr\s*=\s*["']([^"']*)["']""")
_TAGS: dict[bytes, dict[str, re.Pattern]] = {}


def _tags(prefix: bytes) -> dict[str, re.Pattern]:
    t = _TAGS.get(prefix)
    if t is None:
        p = re.escape(prefix)
        t = _TAGS[prefix] = {
            "row": compiled(rb"<" + p + rb"row(?=[\s/>])" + _Q + rb">"),
            "row_end": compiled(rb"</" + p + rb"row\s*>"),
            # a whole cell: its start tag, then (unless the tag is empty) its content and end tag
            "c_start": compiled(rb"<" + p + rb"c(?=[\s/>])"),
            # (the content as an unrolled loop: runs of text, each '<' checked once; no lazy backtracking)
            "cell": compiled(rb"<" + p + rb"c(?=[\s/>])" + _Q + rb">(?:(?<=/>)|([^<]*(?:<(?!/" + p + rb"c\s*>)[^<]*)*)</"
                               + p + rb"c\s*>)"),
            "sd_end": compiled(rb"</" + p + rb"sheetData\s*>"),
            "f": compiled(rb"<" + p + rb"f(?=[\s/>])"),
            "v": compiled(rb"<" + p + rb"v(?:\s" + _Q + rb")?>(.*?)</" + p + rb"v\s*>", re.S),
            "rph": compiled(rb"<" + p + rb"rPh\b.*?</" + p + rb"rPh\s*>", re.S),
            "t": compiled(rb"<" + p + rb"t(?:\s" + _Q + rb")?>(.*?)</" + p + rb"t\s*>", re.S),
        }
    return t


def _warm_patterns() -> None:
    """``python -m scoring.lazy`` caches the patterns of unprefixed sheets (nearly all of them)."""
    _tags(b"")


def _scan_fast(data: bytes, want_rows: Optional[set[int]]) -> Optional[Scan]:
    m = _SD_OPEN.search(data)
    if m is None:
        return None
    decl = data.find(b"?>") + 2 if data.lstrip().startswith(b"<?xml") else 0
    if _MARKUP.search(data, decl):
        return None
    prefix = m.group(1) or b""
    tags = _tags(prefix)
    cs = m.end()
    if data[cs - 2:cs] == b"/>":
        close = cs
        skeleton = data
    else:
        e = tags["sd_end"].search(data, cs)
        if e is None:
            return None
        close = e.start()
        skeleton = data[:cs] + data[close:]
    out = scan_expat(skeleton, set())
    if out.prefix.encode() != prefix:
        return None
    delta = close - cs
    if delta:
        out.children = [(n, s if s < cs else s + delta) for n, s in out.children]
        out.root_end += delta
        if out.sheetdata_close >= 0:
            out.sheetdata_close += delta
    out.row_starts = []
    out.rows = {}
    pos, prev = cs, 0
    row_re, row_end_re, c_start, cell_re = tags["row"], tags["row_end"], tags["c_start"], tags["cell"]
    while True:
        rm = row_re.search(data, pos, close)
        if rm is None:
            break
        tag = rm.group(0)
        ra = _R_ATTR.search(tag)
        explicit = ra is not None and ra.group(1).isdigit()
        row = int(ra.group(1)) if explicit else prev + 1
        if tag.endswith(b"/>"):
            content_end = end = rm.end()
        else:
            ce = row_end_re.search(data, rm.end(), close)
            if ce is None:
                return None
            content_end, end = ce.start(), ce.end()
        out.row_starts.append((row, rm.start(), explicit))
        if want_rows is None or row in want_rows:
            info = RowInfo(row, rm.start(), rm.end(), end, explicit, dict(start_tag_attrs(tag)))
            # every "<c" of the row starts exactly one whole cell (else expat judges the part); the
            # cells themselves are read when asked for
            if len(c_start.findall(data, rm.end(), content_end)) != len(cell_re.findall(data, rm.end(), content_end)):
                return None
            info._cells, info._lazy = None, (data, rm.end(), content_end, tags, prefix)
            out.rows[row] = info
        pos, prev = end, row
    return out


def _cells(data: bytes, pos: int, stop: int, row: RowInfo, tags, unescape) -> bool:
    """The cells of one row (between ``pos`` and ``stop``), or False when a cell is not whole there
    (no end tag before the row's end: expat then judges the part)."""
    col = 0
    r_attr, c_start = _R_ATTR.search, tags["c_start"].search
    cells = row.cells
    r = row.row
    for cm in tags["cell"].finditer(data, pos, stop):
        start = cm.start()
        if start != pos and c_start(data, pos, start):
            return False  # a cell was skipped over: it has no end tag
        if cm.start(1) >= 0:
            tag_end_, end, inner = cm.start(1), cm.end(), (cm.start(1), cm.end(1))
        else:
            tag_end_ = end = cm.end()
            inner = None
        ra = r_attr(data, start, tag_end_)
        rc = _cell_ref(ra.group(1), unescape) if ra else None
        col = rc[1] if rc else col + 1
        cells.append(CellInfo(r, col, start, end, tag_end_, rc is not None, None, data, inner, tags))
        pos = end
    return c_start(data, pos, stop) is None


_DIGITS = b"0123456789"
_COLUMNS: dict[bytes, int] = {}


def _cell_ref(raw: bytes, unescape) -> Optional[tuple[int, int]]:
    """(row, col) of a cell's ``r`` value as written: "B12" read directly (a new process meets each
    reference once, so a cache of whole references does not help there), anything else by ``_ref``."""
    letters = raw.rstrip(_DIGITS)
    digits = raw[len(letters):]
    if digits and 0 < len(letters) <= 3 and letters.isalpha() and letters.isupper():
        col = _COLUMNS.get(letters)
        if col is None:
            col = 0
            for ch in letters:
                col = col * 26 + ch - 64
            _COLUMNS[letters] = col
        return int(digits), col
    return _ref(unescape(raw))


class _ExpatScan:
    """The expat handlers of ``scan_expat``: element depth says where we are (1 = a child of the
    worksheet, 2 = a row / mergeCell / col, 3 = a cell, 4+ = inside a cell)."""

    def __init__(self, data: bytes, want_rows: Optional[set[int]]) -> None:
        self.data, self.want_rows = data, want_rows
        self.p = _parser()
        self.depth = self.row = self.col = 0
        self.cur_row: Optional[RowInfo] = None
        self.cell: Optional[CellInfo] = None
        self.text: Optional[list[str]] = None
        self.in_is = self.rph = False
        self.out: Optional[Scan] = None

    def run(self) -> Optional[Scan]:
        p = self.p
        p.StartElementHandler, p.EndElementHandler = self.start, self.end
        p.CharacterDataHandler = self.chars
        p.Parse(self.data, True)
        return self.out

    def start(self, name: str, attrs: dict[str, str]) -> None:
        i = self.p.CurrentByteIndex
        depth = self.depth
        self.depth = depth + 1
        local = _local(name)
        if depth == 0:
            self._root(name, local, attrs, i)
        elif depth == 1:
            self._child(local, attrs, i)
        elif depth == 2 and local == "row":
            self._row(attrs, i)
        elif depth == 3 and local == "c":
            self._cell(attrs, i)
        else:
            self._inside(depth, local, attrs)

    def _root(self, name: str, local: str, attrs: dict[str, str], i: int) -> None:
        rel_prefix = next((k[6:] for k, v in attrs.items() if k.startswith("xmlns:") and v == REL_NS), None)
        self.out = Scan(prefix=name[: -len(local)], root_tag_end=tag_end(self.data, i), rel_prefix=rel_prefix)

    def _child(self, local: str, attrs: dict[str, str], i: int) -> None:
        out = self.out
        out.children.append((local, i))
        if local == "sheetData":
            out.sheetdata_start = i
            out.sheetdata_tag_end = tag_end(self.data, i)
        elif local == "legacyDrawing":
            out.legacy_rid = next((v for k, v in attrs.items() if _local(k) == "id"), None)

    def _row(self, attrs: dict[str, str], i: int) -> None:
        # a row without r= follows the previous one (as Excel reads it)
        r = attrs.get("r")
        explicit = bool(r) and r.isdigit()
        row = int(r) if explicit else self.row + 1
        self.row, self.col = row, 0
        self.out.row_starts.append((row, i, explicit))
        self.cur_row = None
        if self.want_rows is None or row in self.want_rows:
            self.cur_row = RowInfo(row, i, tag_end(self.data, i), -1, explicit, dict(attrs))
            self.out.rows[row] = self.cur_row

    def _cell(self, attrs: dict[str, str], i: int) -> None:
        ref = attrs.get("r")
        rc = _ref(ref) if ref else None
        self.col = rc[1] if rc else self.col + 1
        if self.cur_row is not None:
            cell = CellInfo(self.row, self.col, i, -1, -1, rc is not None, attrs)
            cell.has_formula = False
            self.cur_row.cells.append(cell)
            self.cell = cell

    def _inside(self, depth: int, local: str, attrs: dict[str, str]) -> None:
        """Any other element: a cell's f / v / is (and the t runs of an inline string, phonetic
        runs left out), or a mergeCell / col at depth 2."""
        cell = self.cell
        if cell is not None and depth == 4:
            if local == "f":
                cell.has_formula = True
            elif local == "v":
                self.text = []
        elif cell is not None and depth >= 5 and local == "t" and self.in_is and not self.rph:
            self.text = []
        if local == "rPh":
            self.rph = True
        if cell is not None and depth == 4 and local == "is":
            self.in_is = True
            cell.inline = ""
        if depth == 2 and local == "mergeCell":
            rng = _range(attrs.get("ref", ""))
            if rng:
                self.out.merges.append(rng)
        if depth == 2 and local == "col":
            try:
                self.out.cols.append((int(attrs["min"]), int(attrs["max"]), int(attrs.get("style", "0"))))
            except (KeyError, ValueError):
                pass

    def end(self, name: str) -> None:
        i = self.p.CurrentByteIndex
        self.depth -= 1
        depth, out = self.depth, self.out
        local = _local(name)
        close = element_end(self.data, i, name)
        if depth == 0:
            out.root_end = i
        elif depth == 1 and local == "sheetData":
            if self.data[out.sheetdata_tag_end - 2: out.sheetdata_tag_end] != b"/>":
                out.sheetdata_close = i
        elif depth == 2 and local == "row" and self.cur_row is not None:
            self.cur_row.end = close
            self.cur_row = None
        elif depth == 3 and local == "c" and self.cell is not None:
            self.cell.end = close
            self.cell = None
        elif depth == 4 and local == "v" and self.cell is not None and self.text is not None:
            self.cell.value_raw = "".join(self.text) or None  # <v/> and <v></v>: no value
            self.text = None
        elif local == "is":
            self.in_is = False
        elif local == "rPh":
            self.rph = False
        elif local == "t" and self.cell is not None and self.text is not None and self.in_is:
            self.cell.inline = (self.cell.inline or "") + "".join(self.text)
            self.text = None

    def chars(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)


def scan_expat(data: bytes, want_rows: Optional[set[int]]) -> Scan:
    """``scan`` by expat alone (every element parsed)."""
    try:
        out = _ExpatScan(data, want_rows).run()
    except xml.parsers.expat.ExpatError as exc:
        raise xml_error("工作表", exc) from None
    if out is None or out.sheetdata_start < 0:
        raise PackageError("工作表 XML 中没有单元格数据部分")
    return out


# ---- cell values ---------------------------------------------------------------------------

_ESCAPED = compiled(r"_x([0-9A-Fa-f]{4})_")


def unescape_x(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def cell_value(cell: CellInfo, shared: Callable[[int], Optional[str]]) -> Any:
    """The value a cell holds, as the readers would give it (numbers, text, bools; errors as None)."""
    t = cell.attrs.get("t", "n")
    if t == "inlineStr":
        return unescape_x(cell.inline) if cell.inline else None
    raw = cell.value_raw
    if raw is None or raw == "":
        return None
    if t == "s":
        try:
            text = shared(int(raw))
        except ValueError:
            return None
        return unescape_x(text) if text else None
    if t in ("str",):
        return unescape_x(raw) or None
    if t == "b":
        return raw.strip() in ("1", "true")
    if t == "e":
        return None
    try:
        x = float(raw)
    except ValueError:
        return None
    if not math.isfinite(x):
        return None
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


from scoring.formatting import literal as _number  # noqa: E402  (a number exactly: "20", "0.8")


def value_xml(prefix: str, value: Any) -> tuple[Optional[str], str]:
    """(t attribute, child XML) for a value; text is always an inline string, never a formula."""
    if value is None:
        return None, ""
    if isinstance(value, bool):
        return "b", f"<{prefix}v>{int(value)}</{prefix}v>"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None, ""
        return None, f"<{prefix}v>{_number(value)}</{prefix}v>"
    text = xml_text(str(value))
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return "inlineStr", f"<{prefix}is><{prefix}t{space}>{text}</{prefix}t></{prefix}is>"


class CellEdit:
    """What to do to one cell: a new value (``KEEP``: leave it) and a new ``s`` attribute (None: leave it)."""

    __slots__ = ("value", "style")

    def __init__(self, value: Any = KEEP, style: Optional[int] = None) -> None:
        self.value, self.style = value, style

    def __repr__(self) -> str:
        return f"CellEdit(value={self.value!r}, style={self.style!r})"


def _cell_bytes(prefix: str, row: int, col: int, old_tag: Optional[bytes], old: Optional[bytes],
                edit: CellEdit) -> bytes:
    """The new bytes of one cell (``old`` is its whole element, ``old_tag`` its start tag)."""
    changes: dict[str, Optional[str]] = {"r": a1(row, col)}
    if edit.style is not None:
        changes["s"] = str(edit.style) if edit.style else None
    if edit.value is KEEP:
        if old is None:
            return f'<{prefix}c r="{a1(row, col)}"' .encode() + (
                f' s="{edit.style}"'.encode() if edit.style else b"") + b"/>"
        new_tag = set_attrs(old_tag, changes)
        return new_tag + old[len(old_tag):]
    t, child = value_xml(prefix, edit.value)
    changes.update({"t": t, "cm": None, "vm": None})
    base = old_tag if old_tag is not None else f"<{prefix}c/>".encode()
    tag = set_attrs(base if base.endswith(b"/>") else base[:-1] + b"/>", changes)
    if not child:
        return tag
    return tag[:-2] + b">" + child.encode("utf-8") + f"</{prefix}c>".encode()


def default_style(scan_: Scan, row: Optional[RowInfo], col: int) -> int:
    """The style a new cell takes: its row's (when the row is formatted), else its column's."""
    if row is not None and row.attrs.get("customFormat") in ("1", "true"):
        try:
            return int(row.attrs.get("s", "0"))
        except ValueError:
            return 0
    for lo, hi, style in scan_.cols:
        if lo <= col <= hi:
            return style
    return 0


def splice(data: bytes, scan_: Scan, edits: dict[tuple[int, int], CellEdit],
           extra: Optional[list[tuple[int, int, bytes]]] = None) -> bytes:
    """Apply cell edits (and raw ``extra`` (start, end, bytes) replacements outside sheetData)."""
    p = scan_.prefix
    by_row: dict[int, dict[int, CellEdit]] = {}
    for (r, c), e in edits.items():
        by_row.setdefault(r, {})[c] = e
    reps: list[tuple[int, int, bytes]] = list(extra or [])
    new_rows: list[tuple[int, bytes]] = []
    for r, row_edits in by_row.items():
        row = scan_.rows.get(r)
        if row is None:
            cells = b"".join(_cell_bytes(p, r, c, None, None, row_edits[c]) for c in sorted(row_edits))
            new_rows.append((r, f'<{p}row r="{r}">'.encode() + cells + f"</{p}row>".encode()))
            continue
        local = _in_place(data, p, row, row_edits)
        if local is not None:
            reps += local
        else:
            reps.append((row.start, row.end, _row_bytes(data, p, row, row_edits)))
    if new_rows:
        inserting_before = [s for s in scan_.row_starts]
        if any(not explicit for _, _, explicit in inserting_before):
            for rnum, start, explicit in inserting_before:  # new rows would renumber rows without r
                if not explicit and rnum not in by_row:
                    end = tag_end(data, start)
                    reps.append((start, end, set_attrs(data[start:end], {"r": str(rnum)})))
        new_rows.sort()
        if scan_.sheetdata_close < 0:  # <sheetData/>: it had no rows, so every new row goes inside
            s, e = scan_.sheetdata_start, scan_.sheetdata_tag_end
            body = b"".join(b for _, b in new_rows)
            reps.append((s, e, data[s:e - 2].rstrip() + b">" + body + f"</{p}sheetData>".encode()))
        else:
            for r, body in new_rows:
                pos = next((s for rn, s, _ in scan_.row_starts if rn > r), scan_.sheetdata_close)
                reps.append((pos, pos, body))
    return _apply(data, reps)


def _apply(data: bytes, reps: list[tuple[int, int, bytes]]) -> bytes:
    # Insertions at one position keep their order; a replacement of a range never overlaps another.
    reps = sorted(enumerate(reps), key=lambda x: (x[1][0], x[1][1], x[0]))
    out, pos = [], 0
    for _, (s, e, b) in reps:
        if s < pos:
            raise PackageError("内部错误：两处修改重叠")
        out.append(data[pos:s])
        out.append(b)
        pos = e
    out.append(data[pos:])
    return b"".join(out)


def _in_place(data: bytes, p: str, row: RowInfo, row_edits: dict[int, CellEdit]) -> Optional[list]:
    """The edits of a row as replacements of its cells alone, when every edited cell was found by its
    reference in a numbered row (nothing is inserted, no position moves) and lies within the row's
    ``spans`` hint; else None (the whole row is rewritten by ``_row_bytes``)."""
    if row._cells is not None or not row.explicit or any(c not in row.direct for c in row_edits):
        return None
    spans = row.attrs.get("spans")
    if spans:
        try:
            lo, hi = (int(x) for x in spans.split(":"))
        except ValueError:
            return None
        if any(c < lo or c > hi for c in row_edits):
            return None
    out = []
    for c, edit in row_edits.items():
        cell = row.direct[c]
        old = data[cell.start:cell.end]
        out.append((cell.start, cell.end, _cell_bytes(p, row.row, c, data[cell.start:cell.tag_end], old, edit)))
    return out


def _row_bytes(data: bytes, p: str, row: RowInfo, row_edits: dict[int, CellEdit]) -> bytes:
    tag = data[row.start:row.tag_end]
    self_closing = tag.endswith(b"/>")
    changes: dict[str, Optional[str]] = {"r": str(row.row)}
    spans = row.attrs.get("spans")
    if spans and row_edits:
        try:
            lo, hi = (int(x) for x in spans.split(":"))
            if any(c < lo or c > hi for c in row_edits):
                changes["spans"] = None  # an optional hint; wrong is worse than absent
        except ValueError:
            changes["spans"] = None
    new_tag = set_attrs(tag, changes)
    if self_closing:
        new_tag = new_tag[:-2].rstrip() + b">"
    parts = [new_tag]
    pos = row.tag_end
    pending = dict(row_edits)
    for cell in row.cells:
        for c in sorted(k for k in pending if k < cell.col):
            parts.append(data[pos:cell.start] if pos < cell.start else b"")
            pos = cell.start
            parts.append(_cell_bytes(p, row.row, c, None, None, pending.pop(c)))
        parts.append(data[pos:cell.start])
        old = data[cell.start:cell.end]
        if cell.tag_end < 0:
            cell.tag_end = tag_end(data, cell.start)
        old_tag = data[cell.start:cell.tag_end]
        edit = pending.pop(cell.col, None)
        if edit is not None:
            parts.append(_cell_bytes(p, row.row, cell.col, old_tag, old, edit))
        elif not cell.explicit:
            parts.append(set_attrs(old_tag, {"r": a1(row.row, cell.col)}) + old[len(old_tag):])
        else:
            parts.append(old)
        pos = cell.end
    for c in sorted(pending):
        parts.append(_cell_bytes(p, row.row, c, None, None, pending[c]))
    if self_closing:
        parts.append(f"</{p}row>".encode())
    else:
        parts.append(data[pos:row.end])
    return b"".join(parts)


def child_position(scan_: Scan, local: str) -> int:
    """Where a new top-level element ``local`` goes (schema order), as a byte offset."""
    rank = WORKSHEET_ORDER.index(local)
    for name, start in scan_.children:
        if name in WORKSHEET_ORDER and WORKSHEET_ORDER.index(name) > rank:
            return start
    return scan_.root_end


# ---- reading a small sheet (评分说明) ---------------------------------------------------------


def read_rows(data: bytes, shared: Callable[[int], Optional[str]], max_rows: int = 100_000,
              max_cols: int = 16) -> list[list[Any]]:
    """Values of a sheet as rows (for the record at the foot of 评分说明); ranges are never expanded."""
    sc = scan(data, want_rows=None)
    rows: list[list[Any]] = []
    for r in sorted(x for x in sc.rows if x <= max_rows):
        row = sc.rows[r]
        values: list[Any] = []
        for cell in row.cells:
            if cell.col > max_cols:
                continue
            while len(values) < cell.col - 1:
                values.append(None)
            values.append(cell_value(cell, shared))
        while len(rows) < r - 1:
            rows.append([])
        rows.append(values)
    return rows


def main_ns_ok(data: bytes) -> bool:
    return MAIN_NS.encode() in data[:4096]


__all__ = ["KEEP", "CellEdit", "Scan", "scan", "splice", "cell_value", "read_rows",
           "child_position", "default_style", "start_tag_attrs"]
