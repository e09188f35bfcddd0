"""The part of the safety check that parses what the readers will parse, before they do.

``workbook.safety`` finds the parts (zip directory, relationships, each part's root element); this
module reads the ones whose content makes a reader allocate: worksheets, the shared-string table and
comments. It models what python-calamine and openpyxl do with them:

- a worksheet's cells occupy the bounding box of their positions (calamine allocates it densely, 32
  bytes a cell). A cell's position is its ``r`` attribute in any legal spelling (either quote, spaces
  around ``=``, lower case, a namespace prefix, character references), or — ``r`` is optional in
  OOXML — the column after the previous cell in the row, in the row named by its ``<row r>`` or the
  one after the previous row. A reference outside Excel's grid (row 0, a 20-digit row, column XFE)
  is refused;
- the ranges a library expands cell by cell (merged ranges, hyperlinks and comment anchors in
  openpyxl; shared/array formula ranges) are counted cell by cell against ``max_expanded_cells``;
  ranges kept as lists (data validations, conditional formats) must be valid and within the grid;
- the shared-string table's declared ``count``/``uniqueCount`` (calamine reserves memory from it) and
  its items are bounded; no text between two tags may exceed ``max_text_bytes``.

Two ways through a worksheet, with the same answer. The regular way is a streaming expat parse with
one Python callback per element. The fast way, for the content of ``<sheetData>`` only, counts every
possible cell tag (any prefix, any attributes) and accepts the chunk only when each of them is the
canonical ``<c r="B12"`` that Excel, WPS, LibreOffice and openpyxl write; the positions then come
from one regular expression in C. Anything else in a chunk — one odd spelling, a cell without ``r``,
an entity — sends the whole part down the regular way. The rest of the part (everything outside
``sheetData``: merged ranges, hyperlinks, validations ...) always goes through expat.
"""
from __future__ import annotations

import pyexpat
from scoring import re_cached as re  # re, with compile from the pattern cache (scoring.lazy)
from scoring.plaindata import dataclass, field  # not dataclasses: see scoring.plaindata
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Iterator, Optional

MAX_ROW = 1_048_576
MAX_COL = 16_384
CHUNK = 1024 * 1024


class Refused(Exception):
    """The part breaks a limit; ``str(exc)`` is the Chinese reason (without the file name)."""


class _Restart(Exception):
    """The fast way met something it does not model: parse the part the regular way."""


class _Hostile(Exception):
    """A DTD or entity declaration: refused as an XML bomb by the caller."""


# ---- references ---------------------------------------------------------------------------------

_A1 = re.compile(r"\$?([A-Za-z]+)\$?([0-9]+)")
_COL_ONLY = re.compile(r"\$?([A-Za-z]+)")
_ROW_ONLY = re.compile(r"\$?([0-9]+)")
_COLS: dict[str, int] = {}


def col_number(letters: str) -> int:
    n = _COLS.get(letters)
    if n is None:
        n = 0
        for ch in letters.upper():
            n = n * 26 + ord(ch) - 64
            if n > MAX_COL:  # stop before a 10,000-letter column costs anything
                break
        if len(_COLS) < 100_000:
            _COLS[letters] = n
    return n


def _outside(ref: str) -> Refused:
    shown = ref if len(ref) <= 40 else ref[:37] + "…"
    return Refused(f"单元格引用“{shown}”超出 Excel 的范围（最多 {MAX_ROW:,} 行、{MAX_COL:,} 列）或写法无效，文件已损坏或被篡改")


def parse_cell(ref: str) -> tuple[int, int]:
    """(row, column), 1-based, of one cell reference; ``Refused`` when invalid or outside the grid."""
    m = _A1.fullmatch(ref.strip())
    if m is None:
        raise _outside(ref)
    letters, digits = m.groups()
    col = col_number(letters)
    row = int(digits) if len(digits) <= 8 else MAX_ROW + 1
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise _outside(ref)
    return row, col


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """(r1, c1, r2, c2) of ``A1``, ``A1:B2``, ``A:B`` or ``1:2`` (whole columns/rows span the grid)."""
    text = ref.strip()
    if ":" not in text:
        r, c = parse_cell(text)
        return r, c, r, c
    a, _, b = text.partition(":")
    a, b = a.strip(), b.strip()
    if _COL_ONLY.fullmatch(a) and _COL_ONLY.fullmatch(b):
        c1, c2 = col_number(a.lstrip("$")), col_number(b.lstrip("$"))
        if not (1 <= c1 <= MAX_COL and 1 <= c2 <= MAX_COL):
            raise _outside(ref)
        return 1, min(c1, c2), MAX_ROW, max(c1, c2)
    if _ROW_ONLY.fullmatch(a) and _ROW_ONLY.fullmatch(b):
        r1, r2 = (int(x.lstrip("$")) if len(x) <= 9 else 0 for x in (a, b))
        if not (1 <= r1 <= MAX_ROW and 1 <= r2 <= MAX_ROW):
            raise _outside(ref)
        return min(r1, r2), 1, max(r1, r2), MAX_COL
    (r1, c1), (r2, c2) = parse_cell(a), parse_cell(b)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def range_cells(ref: str) -> int:
    r1, c1, r2, c2 = parse_range(ref)
    return (r2 - r1 + 1) * (c2 - c1 + 1)


def a1(row: int, col: int) -> str:
    s = ""
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return f"{s}{row}"


# ---- what a scan learns ----------------------------------------------------------------------------


@dataclass
class SheetScan:
    """Counts and bounding box of one worksheet part, as a reader would see it."""

    cells: int = 0
    row_lo: int = 0
    row_hi: int = 0
    col_lo: int = 0
    col_hi: int = 0
    expanded: int = 0  # cells of the ranges a library expands (merges, hyperlinks, formula ranges)
    ranges: int = 0

    def add(self, row: int, col: int) -> None:
        if self.row_lo:
            if row < self.row_lo:
                self.row_lo = row
            elif row > self.row_hi:
                self.row_hi = row
            if col < self.col_lo:
                self.col_lo = col
            elif col > self.col_hi:
                self.col_hi = col
        else:
            self.row_lo = self.row_hi = row
            self.col_lo = self.col_hi = col

    def merge_box(self, r_lo: int, r_hi: int, c_lo: int, c_hi: int) -> None:
        self.add(r_lo, c_lo)
        self.add(r_hi, c_hi)

    @property
    def area(self) -> int:
        if not self.row_lo:
            return 0
        return (self.row_hi - self.row_lo + 1) * (self.col_hi - self.col_lo + 1)

    @property
    def span(self) -> str:
        return f"{a1(self.row_lo, self.col_lo)}:{a1(self.row_hi, self.col_hi)}" if self.row_lo else ""


@dataclass(frozen=True)
class PartLimits:
    max_sheet_cells: int
    max_expanded_cells: int
    max_ranges: int
    max_text_bytes: int
    max_shared_strings: int


# ---- expat with the bomb guards ---------------------------------------------------------------------


def _refuse_dtd(*_a: Any) -> None:
    raise _Hostile()


def _parser() -> Any:
    """A non-namespace expat parser that refuses any DTD, entity declaration or external reference.

    No namespace processing, like the readers' own parsers (quick-xml, and what openpyxl's readers
    match on local names): a prefix is stripped from element names by hand.
    """
    p = pyexpat.ParserCreate()
    p.StartDoctypeDeclHandler = _refuse_dtd
    p.EntityDeclHandler = _refuse_dtd
    p.UnparsedEntityDeclHandler = _refuse_dtd
    p.ExternalEntityRefHandler = _refuse_dtd
    p.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.buffer_text = True
    return p


def _local(name: str) -> str:
    return name[name.find(":") + 1:] if ":" in name else name


def _attr(attrs: dict, local: str) -> Optional[str]:
    """The attribute ``local`` (unprefixed first, else any prefixed spelling)."""
    v = attrs.get(local)
    if v is not None:
        return v
    for k, v in attrs.items():
        if _local(k) == local:
            return v
    return None


class _TextGuard:
    """Longest text between two tags, checked as expat reports character data."""

    def __init__(self, limit: int):
        self.limit = limit
        self.run = 0

    def data(self, text: str) -> None:
        self.run += len(text) if text.isascii() else len(text.encode("utf-8"))
        if self.run > self.limit:
            raise Refused(f"单元格文本超过 {self.limit // 1024} KB（Excel 每格最多 32,767 个字符），疑似恶意文件")

    def reset(self, *_a: Any) -> None:
        self.run = 0


def _feed(parser: Any, chunks: Iterable[bytes], end: bool = True) -> None:
    """Feed ``chunks`` to ``parser``. Expat refuses some declared encodings (GBK, Shift-JIS ...) with a
    ValueError: that is a part no reader can parse either, reported as not well-formed."""
    try:
        for chunk in chunks:
            try:
                parser.Parse(chunk, False)
            except ValueError as exc:
                raise pyexpat.ExpatError(str(exc)) from None
        if end:
            parser.Parse(b"", True)
    except ValueError as exc:
        if "encoding" not in str(exc):
            raise  # the byte budget of the chunks
        raise pyexpat.ExpatError(str(exc)) from None


# ---- worksheets -----------------------------------------------------------------------------------


class _SheetHandler:
    """Element callbacks for a worksheet (the regular way) or for its parts outside sheetData."""

    def __init__(self, scan: SheetScan, limits: PartLimits):
        self.s = scan
        self.lim = limits
        self.row = 0  # the current row element's row
        self.col = 0  # the previous cell's column in this row
        self.cell_row = 0  # the previous cell's own row (its r), when it had one
        self.text = _TextGuard(limits.max_text_bytes)

    def install(self, p: Any) -> None:
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.CharacterDataHandler = self.chars

    def chars(self, text: str) -> None:
        self.text.data(text)

    def end(self, name: str) -> None:
        self.text.run = 0

    def _expand(self, ref: str, counted: bool) -> None:
        s = self.s
        if counted:
            s.ranges += 1
            if s.ranges > self.lim.max_ranges:
                raise Refused(f"一个工作表中的合并单元格和超链接超过 {self.lim.max_ranges:,} 个，疑似恶意文件")
        for part in ref.split():
            n = range_cells(part)
            if n > 1:
                s.expanded += n
                if s.expanded > self.lim.max_expanded_cells:
                    raise Refused(
                        f"合并单元格、超链接或公式区域（如“{part[:40]}”）共覆盖超过 {self.lim.max_expanded_cells:,} 个单元格，"
                        "读取时会逐格展开，疑似恶意文件")

    def start(self, name: str, attrs: dict) -> None:
        self.text.run = 0
        local = _local(name)
        s = self.s
        if local == "c":
            s.cells += 1
            if s.cells > self.lim.max_sheet_cells:
                raise Refused(f"一个工作表中的单元格超过 {self.lim.max_sheet_cells:,} 个，超出本工具的上限")
            ref = _attr(attrs, "r")
            if ref is None:
                self.col += 1
                if self.col > MAX_COL:
                    raise _outside(f"{a1(self.row or 1, MAX_COL)}+")
                row = self.row or 1
                s.add(row, self.col)
                if self.cell_row and self.cell_row != row:
                    s.add(self.cell_row, self.col)  # whichever row a reader takes, both are inside
            else:
                row, self.col = parse_cell(ref)
                self.cell_row = row
                s.add(row, self.col)
        elif local == "row":
            ref = _attr(attrs, "r")
            if ref is None:
                self.row += 1
            else:
                text = ref.strip()
                if not text.isdigit() or not 1 <= int(text[:9]) <= MAX_ROW or len(text) > 9:
                    raise _outside(f"第 {text[:20]} 行")
                self.row = int(text)
            if self.row > MAX_ROW:
                raise _outside(f"第 {self.row} 行")
            self.col = 0
            self.cell_row = 0
        elif local in ("mergeCell", "hyperlink", "f"):
            # Data validations, conditional formats, selections ... are kept as range lists by
            # every reader (never expanded): their sqref is not counted.
            ref = _attr(attrs, "ref")
            if ref is not None:
                self._expand(ref, local != "f")


# Fast way (see the module docstring): every cell tag canonical, every ``ref`` attribute canonical.
_CANON_C = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[\s/>]')
# A cell tag that is not canonical: "<c>", "<c/>", "<c\tr=..", "<c s=..", "<c r='..", "<c r=\"a1\"" ...
_ODD_C = re.compile(rb'<c(?:[\t\n\r>/]| (?!r="[A-Z]{1,3}[0-9]{1,7}"[\s/>]))')
_PREFIXED_C = re.compile(rb":c[\s/>]")  # "<x:c ": the regular way (text like "a:c " also goes there)
_PREFIXED_ROW = re.compile(rb":row[\s/>]")  # "<x:row ": the regular way
_ANY_REF = re.compile(rb"ref\s*=")  # ref=, sqref=, x:ref=, ref = ... any spelling of either
_CANON_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"\s*/>')
_CANON_REF = re.compile(rb' ref="([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?"[\s/>]')
_TAG_NAME = re.compile(rb"<([A-Za-z]+)[\s/>]")
_EXPANDED = (b"mergeCell", b"hyperlink", b"f")  # the elements whose range a library expands
_IGNORED = (b"dimension", b"autoFilter", b"sortState", b"sortCondition", b"tablePart", b"pane")


def _rows_cols(rows: Iterable[bytes], cols: Iterable[bytes]) -> tuple[dict[bytes, int], dict[bytes, int]]:
    return {r: int(r) for r in set(rows)}, {c: col_number(c.decode()) for c in set(cols)}


def _fast_piece(data: bytes, scan: SheetScan, limits: PartLimits) -> None:
    """Cells and expanded ranges of a piece of a worksheet, or ``_Restart`` when anything in it is not
    spelled the canonical way."""
    # (a cell with a second ``r`` — python-calamine takes the last one — is not well-formed: the
    # regular way says so)
    if (_ODD_C.search(data) is not None or _PREFIXED_C.search(data) is not None or _late_attribute(data)
            or _Q_ODD_ROW.search(data) is not None or _PREFIXED_ROW.search(data) is not None):
        raise _Restart()  # (rows: the regular way counts the ones without ``r``)
    found = _CANON_C.findall(data)
    if found:
        scan.cells += len(found)
        if scan.cells > limits.max_sheet_cells:
            raise Refused(f"一个工作表中的单元格超过 {limits.max_sheet_cells:,} 个，超出本工具的上限")
        letters, digits = zip(*found)
        rows, cols = _rows_cols(digits, letters)
        lo, hi = min(rows.values()), max(rows.values())
        clo, chi = min(cols.values()), max(cols.values())
        if lo < 1 or hi > MAX_ROW or chi > MAX_COL:
            raise _Restart()  # the regular way names the cell
        scan.merge_box(lo, hi, clo, chi)
    n_refs = len(_ANY_REF.findall(data))
    if not n_refs:
        return
    n_refs -= data.count(b' sqref="')  # validations, formats, selections: lists, never expanded
    n_refs -= _fast_merges(data, scan)
    seen = 0
    for m in _CANON_REF.finditer(data):
        at = m.start()
        if data[at - 10:at] == b"<mergeCell":
            continue  # counted above when canonical; an odd one leaves seen != n_refs
        start = data.rfind(b"<", 0, at)
        tag = _TAG_NAME.match(data, start)
        if tag is None:
            raise _Restart()
        name = tag.group(1)
        seen += 1
        if name in _IGNORED:
            continue
        if name not in _EXPANDED:
            raise _Restart()
        c1, r1, c2, r2 = m.groups()
        if name != b"f":
            scan.ranges += 1
        if c2:
            rr1, rr2 = int(r1), int(r2)
            cc1, cc2 = col_number(c1.decode()), col_number(c2.decode())
            if min(rr1, rr2) < 1 or max(rr1, rr2) > MAX_ROW or max(cc1, cc2) > MAX_COL:
                raise _Restart()
            scan.expanded += (abs(rr2 - rr1) + 1) * (abs(cc2 - cc1) + 1)
        elif not 1 <= int(r1) <= MAX_ROW or col_number(c1.decode()) > MAX_COL:
            raise _Restart()
    if seen != n_refs or scan.expanded > limits.max_expanded_cells or scan.ranges > limits.max_ranges:
        raise _Restart()  # an odd spelling, or a refusal the regular way words


def _fast_merges(data: bytes, scan: SheetScan) -> int:
    """Count the canonical merged ranges of a piece into ``scan``; how many there were."""
    merges = _CANON_MERGE.findall(data)
    if merges:
        c1s, r1s, c2s, r2s = zip(*merges)
        rows, cols = _rows_cols(r1s + r2s, c1s + c2s)
        if min(rows.values()) < 1 or max(rows.values()) > MAX_ROW or max(cols.values()) > MAX_COL:
            raise _Restart()
        scan.ranges += len(merges)
        scan.expanded += sum((abs(rows[r2] - rows[r1]) + 1) * (abs(cols[c2] - cols[c1]) + 1)
                             for c1, r1, c2, r2 in merges)
    return len(merges)


def _long_text(data: bytes, limit: int, run: int = 0) -> int:
    """The text run at the end of ``data`` (bytes after its last '<'); ``Refused`` when any run of
    bytes without a '<' (text between two tags) is longer than ``limit``.

    ``run``: the run carried from the previous chunk. O(len(data)) in C: each step jumps to the last
    '<' within ``limit`` bytes of the previous one.
    """
    n = len(data)
    first = data.find(b"<")
    if first < 0:
        if run + n > limit:
            raise _too_long(limit)
        return run + n
    if run + first > limit:
        raise _too_long(limit)
    pos = first
    while pos + limit + 1 < n:
        nxt = data.rfind(b"<", pos + 1, pos + limit + 2)
        if nxt < 0:
            raise _too_long(limit)
        pos = nxt
    last = data.rfind(b"<")
    if n - last - 1 > limit:
        raise _too_long(limit)
    return n - last - 1


def _too_long(limit: int) -> Refused:
    return Refused(f"单元格文本超过 {limit // 1024} KB（Excel 每格最多 32,767 个字符），疑似恶意文件")


def scan_sheet(chunks: Callable[[], Iterator[bytes]], limits: PartLimits, fast: bool = True) -> SheetScan:
    """Scan one worksheet part. ``chunks()`` yields the decompressed part (called again to restart).

    Raises ``Refused`` (a limit), ``_Hostile`` (DTD/entity) or ``pyexpat.ExpatError`` (not XML).
    """
    if fast:
        try:
            return _scan_sheet_fast(chunks(), limits)
        except _Restart:
            pass
    scan = SheetScan()
    p = _parser()
    _SheetHandler(scan, limits).install(p)
    _feed(p, chunks())
    return scan


def _scan_sheet_fast(chunks: Iterator[bytes], limits: PartLimits) -> SheetScan:
    scan = SheetScan()
    carry = b""
    run = 0
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"<")
        carry, data = (data[cut:], data[:cut]) if cut >= 0 else (b"", data)
        _fast_piece(data, scan, limits)
        run = _long_text(data, limits.max_text_bytes, run)
    _fast_piece(carry, scan, limits)
    _long_text(carry, limits.max_text_bytes, run)
    return scan


# ---- the quick proof for a small part ----------------------------------------------------------------
#
# ``quick_sheet`` answers "the scan above would accept this part" for most real sheets without finding
# a single position, from facts a few C-level passes establish. It never refuses: when it cannot prove
# acceptance the caller runs ``scan_sheet``, which decides and words the refusal.

# A cell tag that is not ``<c r="B12"`` with a column of one or two letters and a row of 1..9999 (an odd
# spelling, no ``r``, a bigger reference); ``<col``, ``<cfRule`` ... (a lower-case letter after ``<c``)
# are other elements.
# Two bounds, tried in turn: cells within A1:ZZ9999 (a span of 7,019,298 cells), or within A1:Z99999
# (2,599,974 cells, a long sheet of a few columns).
_Q_BOUNDS = (
    (re.compile(rb'<c(?! r="[A-Z]{1,2}+[1-9][0-9]{0,3}+"[\s/>]|[a-z])'), 26 * 27 * 9_999),
    (re.compile(rb'<c(?! r="[A-Z][1-9][0-9]{0,4}+"[\s/>]|[a-z])'), 26 * 99_999),
)
# A prefixed cell (``<x:c``), row (``<x:row``) or ``ref`` attribute (``x:ref=``): scan_sheet reads all.
_Q_PREFIXED = re.compile(rb":(?:c[\s/>]|row[\s/>]|ref\s*=)")
# After a space: a ``ref`` attribute (group 1 "ef"), or (group 1 empty) an ``r`` attribute anywhere but
# first in ``<c`` or ``<row`` — a second ``r`` on a cell (not well-formed, yet python-calamine takes the
# last one) or an ``r`` on some other element — or a row's ``r`` spelled any way but ``r="1"`` ..
# ``r="999999"`` (the scan refuses a row past the grid's last, 1,048,576).
_Q_REF_OR_LATE_R = re.compile(rb' r(?:(ef)|(?<!<c r)(?:(?<!<row r)|(?!="[1-9][0-9]{0,5}+"[\s/>])))\s*=')
# A row without ``r="1"`` .. ``r="999999"`` first: a row without ``r`` takes the next number, so enough
# of them reach past the grid's last row (the scan refuses it). Looked for only in a part big enough to
# hold that many (six bytes, ``<row/>``, a row).
_Q_ODD_ROW = re.compile(rb'<row(?=[\s/>])(?! r="[1-9][0-9]{0,5}+"[\s/>])')
_Q_ROWS_WITHOUT_R = 6 * (MAX_ROW - 999_999)  # a part shorter than this cannot number a row past the grid
# ``r`` or ``ref`` after other white space (rare in the tags of a written file; looked for only when
# the part holds that character at all).
_Q_WS_ATTR = {b"\t": re.compile(rb"\tr(?:ef)?\s*="), b"\n": re.compile(rb"\nr(?:ef)?\s*="),
              b"\r": re.compile(rb"\rr(?:ef)?\s*=")}
_Q_TAIL = b"</sheetData>"
# A merged range within A1:ZZ999999 (inside the grid); other spellings are looked at one by one.
_Q_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,2})([1-9][0-9]{0,5}):([A-Z]{1,2})([1-9][0-9]{0,5})"[\s/>]')
_Q_REF_VALUE = re.compile(rb' ref="([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?"[\s/>]')
_Q_MAX_REFS = 256  # ``ref`` attributes looked at one by one; with more, scan_sheet reads them in bulk


def quick_sheet(data: bytes, limits: PartLimits, max_area: int) -> bool:
    """True when ``scan_sheet`` provably accepts the whole worksheet part ``data`` and its span is
    within ``max_area``; False means "cannot tell" (the caller scans). ``data`` must be the complete
    part in UTF-8 with a clean prolog (no DTD: every element and attribute appears literally).

    The proof, for a part of N bytes:

    - there are fewer than N/4 cells (``<c/>`` takes 4 bytes): when N/4 <= ``max_sheet_cells`` that
      limit cannot be crossed; text between two tags is shorter than N, so for N <= ``max_text_bytes``
      nothing is left to check (a larger part gets ``_long_text``'s one pass);
    - the cells lie within a small box (``_quick_cells``);
    - the ranges expanded cell by cell are counted as ``scan_sheet`` counts them (``_quick_ranges``).
    """
    n = len(data)
    if n // 4 > limits.max_sheet_cells:
        return False
    if n > limits.max_text_bytes:
        try:
            _long_text(data, limits.max_text_bytes)
        except Refused:
            return False
    return _quick_cells(data, max_area) and _quick_ranges(data, limits)


def _quick_cells(data: bytes, max_area: int) -> bool:
    """Every ``<c`` tag is ``<c r="[A-Z]{1,2}[1-9][0-9]{0,3}"`` (or, for a long sheet, every one is
    ``<c r="[A-Z][1-9][0-9]{0,4}"``; ``<col``, ``<cfRule`` ... excepted), no cell is prefixed
    (``x:c``), and no ``r`` attribute stands anywhere but first in ``<c`` or ``<row`` (so no cell has a
    second ``r``; ``_quick_ranges`` looks at those after a space): every cell lies within A1:ZZ9999
    (7,019,298 cells) or A1:Z99999 (2,599,974), inside the grid and the area limit. Every reader
    positions a cell that has ``r`` by its ``r``, but the scan refuses a row numbered past the grid:
    a row's ``r`` is ``r="1"`` .. ``r="999999"`` (``_quick_ranges``), none is prefixed, and a part
    long enough to hold 48,577 rows (``<row/>``) has ``r`` on every row."""
    for odd_cell, span in _Q_BOUNDS:
        if span <= max_area and odd_cell.search(data) is None:
            break
    else:
        return False
    if _Q_PREFIXED.search(data) is not None:
        return False
    if len(data) >= _Q_ROWS_WITHOUT_R and _Q_ODD_ROW.search(data) is not None:
        return False
    return not _late_attribute(data, skip_space=True)


def _late_attribute(data: bytes, skip_space: bool = False) -> bool:
    """True when an ``r`` attribute stands anywhere but first in ``<c`` / ``<row``, or an ``r`` or
    ``ref`` attribute follows a tab or line break (``skip_space``: not looking after a space)."""
    body = data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0  # the declaration may end in \r\n
    for ch, pattern in _Q_WS_ATTR.items():
        if data.find(ch, body) >= 0 and pattern.search(data) is not None:
            return True
    return not skip_space and any(m.group(1) is None for m in _Q_REF_OR_LATE_R.finditer(data))


def _quick_ranges(data: bytes, limits: PartLimits) -> bool:
    """The ranges expanded cell by cell (the ``ref`` of ``mergeCell``, ``hyperlink`` and ``f``) within
    the limits, counted as ``scan_sheet`` counts them. Every ``ref`` attribute after a space is found
    (``_Q_REF_OR_LATE_R``, which also meets a late ``r``); after ``:`` or other white space
    ``_quick_cells`` has already stood aside. One written any way but ``ref="A1"`` / ``ref="A1:B2"`` on
    one of those elements sends the part to the scan too; ``sqref`` lists and the ``ref`` of other
    elements are never expanded by any reader. After sheetData, merged ranges are counted in bulk when
    every ``ref`` there is a canonical merged range."""
    n = len(data)
    tail = data.rfind(_Q_TAIL)
    if tail < 0:
        tail = n
    expanded = ranges = 0
    end = tail
    in_tail = _Q_REF_OR_LATE_R.findall(data, tail)
    if in_tail:
        if b"" in in_tail:
            return False  # a late r
        merges = _Q_MERGE.findall(data, tail)
        if len(in_tail) == len(merges):
            expanded, ranges = _merged_cells(merges), len(merges)
        else:
            end = n
    count = 0
    for m in _Q_REF_OR_LATE_R.finditer(data, 0, end):
        if m.group(1) is None:
            return False  # a late r
        count += 1
        if count > _Q_MAX_REFS:
            return False
        got = _quick_ref(data, m.start())
        if got is None:
            return False
        expanded += got[0]
        ranges += got[1]
    return expanded <= limits.max_expanded_cells and ranges <= limits.max_ranges


def _quick_ref(data: bytes, at: int) -> Optional[tuple[int, int]]:
    """(cells expanded, ranges counted) for the ``ref`` attribute at ``at`` (its leading space), as
    ``scan_sheet`` counts it; None when it is not spelled the canonical way or lies outside the grid."""
    lt = data.rfind(b"<", 0, at)
    tag = _TAG_NAME.match(data, lt) if lt >= 0 else None
    if tag is None:
        return None
    name = tag.group(1)
    if name not in _EXPANDED:
        return 0, 0  # a dimension, selection, autoFilter ... (or text): scan_sheet expands none
    v = _Q_REF_VALUE.match(data, at)
    if v is None:
        return None
    c1, r1, c2, r2 = v.groups()
    row1, col1 = int(r1), col_number(c1.decode())
    if not (1 <= row1 <= MAX_ROW and col1 <= MAX_COL):
        return None
    counted = 0 if name == b"f" else 1
    if not c2:
        return 0, counted
    row2, col2 = int(r2), col_number(c2.decode())
    if not (1 <= row2 <= MAX_ROW and col2 <= MAX_COL):
        return None
    size = (abs(row2 - row1) + 1) * (abs(col2 - col1) + 1)
    return (size if size > 1 else 0), counted


def _merged_cells(merges: list[tuple[bytes, bytes, bytes, bytes]]) -> int:
    """Cells covered by merged ranges ((c1, r1, c2, r2) as ``_Q_MERGE`` finds them, all inside the
    grid), counted as ``scan_sheet`` counts them: a one-cell range counts nothing."""
    cols = _two_letter_columns()
    total = 0
    for c1, r1, c2, r2 in merges:
        h = int(r2) - int(r1)
        w = cols[c2] - cols[c1]
        if h or w:
            total += (abs(h) + 1) * (abs(w) + 1)
    return total


_TWO_LETTERS: dict[bytes, int] = {}


def _two_letter_columns() -> dict[bytes, int]:
    """Column numbers of A..ZZ, keyed by their letters as bytes."""
    if not _TWO_LETTERS:
        letters = [bytes([65 + i]) for i in range(26)]
        table = {a: i + 1 for i, a in enumerate(letters)}
        table.update({a + b: (i + 1) * 26 + j + 1 for i, a in enumerate(letters) for j, b in enumerate(letters)})
        _TWO_LETTERS.update(table)
    return _TWO_LETTERS


# ---- shared strings and comments --------------------------------------------------------------------

_ANY_SI = re.compile(rb"<(?:[^\s<>/!?:=\"']+:)?si[\s/>]")
_SST_COUNT = re.compile(rb"""\s(?:[^\s=<>/]+:)?(uniqueCount)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROOT_TAG = re.compile(rb"<(?!\?|!)[^>]*>")


def scan_shared_strings(chunks: Iterator[bytes], limits: PartLimits, want: Optional[set[int]] = None,
                        fast: bool = True) -> dict[int, str]:
    """Check the shared-string table: declared counts, items, text lengths. Returns the texts of
    the items in ``want`` (by index) — the only ones anybody needs from here.

    ``fast``: count the items with a regular expression (the caller has checked the prolog, so no DTD
    can define an entity); otherwise parse with expat under the bomb guards."""
    n = 0
    run = 0
    first = True
    carry = b""
    texts: dict[int, str] = {}
    if want or not fast:
        return _sst_texts(chunks, limits, want or set())
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"<")
        carry, data = (data[cut:], data[:cut]) if cut >= 0 else (b"", data)
        if first:
            first = False
            root = _ROOT_TAG.search(data + carry)
            if root is not None:
                for name, dq, sq in _SST_COUNT.findall(root.group(0)):
                    if name == b"uniqueCount":
                        _declared(dq or sq, limits)
        n += len(_ANY_SI.findall(data))
        if n > limits.max_shared_strings:
            raise Refused(f"共享字符串表超过 {limits.max_shared_strings:,} 项，超出本工具的上限")
        run = _long_text(data, limits.max_text_bytes, run)
    n += len(_ANY_SI.findall(carry))
    if n > limits.max_shared_strings:
        raise Refused(f"共享字符串表超过 {limits.max_shared_strings:,} 项，超出本工具的上限")
    return texts


def quick_shared_strings(data: bytes, limits: PartLimits) -> bool:
    """True when ``scan_shared_strings`` (the fast way) provably accepts the whole table ``data``;
    False means "cannot tell". A table of N bytes has fewer than N/4 items (each ``<si`` match is at
    least ``<si>``) and no text run longer than N: with N within both limits only the declared
    ``uniqueCount`` of the root element is left to check, as scan_shared_strings checks it."""
    n = len(data)
    if n > limits.max_text_bytes or n // 4 > limits.max_shared_strings:
        return False
    root = _ROOT_TAG.search(data)
    if root is not None:
        for name, dq, sq in _SST_COUNT.findall(root.group(0)):
            if name == b"uniqueCount":
                try:
                    _declared(dq or sq, limits)
                except Refused:
                    return False
    return True


def _declared(value: bytes, limits: PartLimits) -> None:
    text = value.decode("utf-8", "replace").strip()
    if not text.isdigit() or len(text) > 12 or int(text) > limits.max_shared_strings:
        # calamine reserves memory for the declared number of distinct strings before reading any
        raise Refused(f"共享字符串表声明的条目数“{text[:30]}”异常（上限 {limits.max_shared_strings:,}），文件已损坏或被篡改")


def _sst_texts(chunks: Iterator[bytes], limits: PartLimits, want: set[int]) -> dict[int, str]:
    """The regular way through the shared strings, keeping the texts of the items in ``want``."""
    texts: dict[int, str] = {}
    state = {"i": -1, "buf": None}
    guard = _TextGuard(limits.max_text_bytes)
    p = _parser()

    def start(name: str, attrs: dict) -> None:
        guard.reset()
        local = _local(name)
        if local == "si":
            state["i"] += 1
            if state["i"] >= limits.max_shared_strings:
                raise Refused(f"共享字符串表超过 {limits.max_shared_strings:,} 项，超出本工具的上限")
            state["buf"] = [] if state["i"] in want else None
        elif local == "sst":
            v = _attr(attrs, "uniqueCount")
            if v is not None:
                _declared(v.encode(), limits)
        elif local == "rPh":  # phonetic runs are not part of the text
            state["skip"] = True

    def end(name: str) -> None:
        guard.reset()
        local = _local(name)
        if local == "si" and state["buf"] is not None:
            texts[state["i"]] = "".join(state["buf"])
            state["buf"] = None
        elif local == "rPh":
            state["skip"] = False

    def chars(text: str) -> None:
        guard.data(text)
        if state["buf"] is not None and not state.get("skip"):
            state["buf"].append(text)

    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
    _feed(p, chunks)
    return texts


_CANON_COMMENT_REF = re.compile(rb'<comment ref="([A-Z]{1,3})([0-9]{1,7})"[\s/>]')


def scan_comments(chunks: Iterator[bytes], limits: PartLimits, fast: bool = True) -> None:
    """Comment anchors: openpyxl assigns each comment to every cell of its ``ref``.

    ``fast``: when every ``ref`` attribute is a canonical single cell (``<comment ref="B12"``), there is
    nothing to expand; otherwise (and always with ``fast=False``) the regular way."""
    parts = list(chunks)
    if fast:
        data = b"".join(parts)
        n = len(_ANY_REF.findall(data))
        if n == len(_CANON_COMMENT_REF.findall(data)):
            _long_text(data, limits.max_text_bytes)
            return
    chunks = iter(parts)
    total = [0]
    guard = _TextGuard(limits.max_text_bytes)
    p = _parser()

    def start(name: str, attrs: dict) -> None:
        guard.reset()
        if _local(name) == "comment":
            ref = _attr(attrs, "ref")
            if ref is not None:
                total[0] += range_cells(ref)
                if total[0] > limits.max_expanded_cells:
                    raise Refused(f"批注的位置（如“{ref[:40]}”）共覆盖超过 {limits.max_expanded_cells:,} 个单元格，"
                                  "读取时会逐格展开，疑似恶意文件")

    p.StartElementHandler = start
    p.EndElementHandler = guard.reset
    p.CharacterDataHandler = guard.data
    _feed(p, chunks)


_NAME_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_:") | frozenset(range(0x80, 0x100))


# The commonest prolog in one match: a byte-order mark, an XML declaration (or another processing
# instruction without "?" inside), white space, then the root's "<" and a name-start byte. Where it
# matches, the walk below gives the same answer; elsewhere the walk decides.
_PLAIN_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?[^?]*\?>)?[ \t\r\n]*<(?=[A-Za-z_:\x80-\xff])")


def prolog_end(head: bytes) -> Optional[int]:
    """Where the root element's start tag begins in a part's first bytes, when all before it is the
    prolog: an optional UTF-8 byte-order mark, whitespace, XML declaration, comments and processing
    instructions. None when ``head`` does not show that: a DTD or other ``<!`` declaration, text or
    NULs (UTF-16/32, garbage) before the root, or a prolog cut off by the end of ``head``."""
    m = _PLAIN_PROLOG.match(head)
    if m is not None:
        return m.end() - 1
    return _walk_prolog(head)


def _walk_prolog(head: bytes) -> Optional[int]:
    """``prolog_end`` item by item (what ``_PLAIN_PROLOG`` shortcuts)."""
    pos = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while True:
        lt = head.find(b"<", pos)
        if lt < 0 or head[pos:lt].strip(b" \t\r\n"):
            return None
        nxt = head[lt + 1:lt + 2]
        if nxt == b"?":
            end = head.find(b"?>", lt + 2)
            if end < 0:
                return None
            pos = end + 2
        elif head.startswith(b"<!--", lt):
            end = head.find(b"-->", lt + 4)
            if end < 0:
                return None
            pos = end + 3
        else:
            return lt if nxt and nxt[0] in _NAME_START else None  # "<!DOCTYPE", "<!ENTITY" ... -> None


def root_name(head: bytes) -> Optional[str]:
    """The local name of the root element in a part's first bytes (after the prolog), if visible."""
    lt = prolog_end(head)
    if lt is None:
        return None
    m = _ROOT_NAME.match(head, lt, lt + 300)
    return _local(m.group(1).decode("utf-8", "replace")) if m else None


_ROOT_NAME = re.compile(rb"<([^\s/>]+)")


# ---- OpenDocument content.xml ------------------------------------------------------------------------


def _repeat(attrs: dict, key: str) -> int:
    """An ODS ``number-*-repeated`` count (1 when absent); refuses anything but a sane integer."""
    v = _attr(attrs, key)
    if v is None:
        return 1
    v = v.strip()
    if not v.isdigit() or len(v) > 9:
        raise Refused(f"表格中的重复次数“{v[:20]}”无效，文件已损坏或被篡改")
    return max(1, int(v))


class _OdsTables:
    """The expat handlers of ``scan_ods_tables``: a cell counts once it has a value type, a formula or
    a text paragraph, and counts for every row and column it repeats over."""

    def __init__(self, limits: PartLimits) -> None:
        self.limits = limits
        self.out: list[tuple[str, int, int, int]] = []
        self.name: Optional[str] = None
        self.row = self.col = self.last_row = self.last_col = self.cells = 0
        self.rrep = 1
        self.cell: Optional[tuple[int, int, bool]] = None  # (first column, columns, has content)
        self.guard = _TextGuard(limits.max_text_bytes)

    def start(self, name: str, attrs: dict) -> None:
        self.guard.reset()
        local = _local(name)
        if local == "table":
            self.name = _attr(attrs, "name") or ""
            self.row = self.last_row = self.last_col = self.cells = 0
        elif local == "table-row":
            self.rrep = _repeat(attrs, "number-rows-repeated")
            self.row += 1
            self.col = 0
        elif local in ("table-cell", "covered-table-cell"):
            n = _repeat(attrs, "number-columns-repeated")
            first = self.col + 1
            self.col += n
            has_value = _attr(attrs, "value-type") is not None or _attr(attrs, "formula") is not None
            self.cell = (first, n, has_value)
        elif local == "p" and self.cell is not None:
            first, n, _ = self.cell
            self.cell = (first, n, True)  # text content

    def end(self, name: str) -> None:
        self.guard.reset()
        local = _local(name)
        if local in ("table-cell", "covered-table-cell") and self.cell is not None:
            first, n, has = self.cell
            if has:
                self._content(self.row, self.rrep, first, n)
            self.cell = None
        elif local == "table-row":
            self.row += self.rrep - 1
        elif local == "table" and self.name is not None:
            self.out.append((self.name, self.last_row, self.last_col, self.cells))
            self.name = None

    def _content(self, first_row: int, rows: int, first_col: int, cols: int) -> None:
        self.last_row = max(self.last_row, first_row + rows - 1)
        self.last_col = max(self.last_col, first_col + cols - 1)
        self.cells += rows * cols
        if self.cells > self.limits.max_sheet_cells:
            raise Refused(f"一个工作表中的单元格超过 {self.limits.max_sheet_cells:,} 个，超出本工具的上限")


def scan_ods_tables(chunks: Iterator[bytes], limits: PartLimits) -> list[tuple[str, int, int, int]]:
    """(table name, last row, last column, cells with content), 1-based, of each table in an
    OpenDocument content.xml: python-calamine expands ``number-rows-repeated`` and
    ``number-columns-repeated`` up to the last cell holding something, and allocates that span."""
    tables = _OdsTables(limits)
    p = _parser()
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = tables.start, tables.end, tables.guard.data
    _feed(p, chunks)
    return tables.out
