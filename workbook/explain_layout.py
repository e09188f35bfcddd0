"""The printed layout of the 评分说明 sheet, as data: both writers (the file writer and the ribbon) draw it.

``explain_layout(rows, record)`` is a pure function of the plan's ``explain_rows`` (tables separated by
an empty row, each starting with its header row) and the record rows. Each table gets its own column
layout: the first table sets the sheet's columns (widths from its own texts, shrunk to fit an A4
landscape page at a readable scale); a later table keeps one sheet column per column except its last,
widest one, which spans the remaining columns (a merged cell), so a short 代码 column never inherits a
60-wide 说明 width and the findings' 说明 gets the width it needs. Row heights follow the wrapped text.
Printing: A4 landscape, a fixed scale (never fit-to-one-page), as many pages as needed, the first
table's header row repeated on every page.
"""
from __future__ import annotations

import math
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Literal, Optional

if TYPE_CHECKING:
    Style = Literal["header", "text", "number", "record"]

# Column widths (characters) that fit across A4 landscape with 0.5" margins at 100 % (measured in
# LibreOffice with the usual default fonts, with a margin for Excel); the tables are laid out TOTAL_WIDTH
# wide and printed at PAGE_WIDTH_CHARS / TOTAL_WIDTH, about 84 %: 10 pt text prints at about 8.5 pt.
PAGE_WIDTH_CHARS = 105
TOTAL_WIDTH = 125
LAST_COLUMN_SHARE = 45  # the last column (说明) keeps this much before the others shrink
MIN_SCALE = 70
LINE_HEIGHT = 12.75  # points per wrapped line at 10 pt
PAD = 3.0
MAX_WIDTH = 60.0
MIN_WIDTH = 5.0
FONT_SIZE = 10
HEADER_FILL = "FFD9D9D9"
RECORD_FONT_COLOUR = "FF808080"


_MARGINS = {"left": 0.5, "right": 0.5, "top": 0.6, "bottom": 0.6, "header": 0.3, "footer": 0.3}


class CellSpec:
    """One cell of 评分说明: where, what, which style, and the last column of its merge (if merged).

    (Plain classes here and in ``ExplainLayout``: a ``--write`` from the command line builds them once,
    and the dataclass machinery cost more at start-up than the whole layout.)"""

    __slots__ = ("row", "col", "value", "style", "last_col")

    def __init__(self, row: int, col: int, value: Any, style: Style, last_col: Optional[int] = None) -> None:
        self.row, self.col, self.value, self.style, self.last_col = row, col, value, style, last_col

    def _key(self) -> tuple:
        return (self.row, self.col, self.value, self.style, self.last_col)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CellSpec) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return "CellSpec(row={!r}, col={!r}, value={!r}, style={!r}, last_col={!r})".format(*self._key())


class ExplainLayout:
    """The whole printed layout of 评分说明 (see the module docstring)."""

    __slots__ = ("cells", "widths", "heights", "hidden_rows", "merges", "header_rows", "row_breaks",
                 "print_title_rows", "scale", "orientation", "paper_size", "margins", "freeze_row", "n_rows",
                 "n_cols")

    def __init__(self, cells: tuple[CellSpec, ...], widths: dict[int, float], heights: dict[int, float],
                 hidden_rows: tuple[int, ...], merges: tuple[tuple[int, int, int, int], ...],
                 header_rows: tuple[int, ...], row_breaks: tuple[int, ...],
                 print_title_rows: Optional[tuple[int, int]], scale: int, orientation: str = "landscape",
                 paper_size: int = 9, margins: Optional[dict[str, float]] = None, freeze_row: int = 1,
                 n_rows: int = 0, n_cols: int = 0) -> None:
        self.cells = cells
        self.widths = widths  # column -> width (characters)
        self.heights = heights  # row -> height (points)
        self.hidden_rows = hidden_rows  # the record rows
        self.merges = merges
        self.header_rows = header_rows
        self.row_breaks = row_breaks  # a page break after each of these rows
        self.print_title_rows = print_title_rows
        self.scale = scale
        self.orientation = orientation
        self.paper_size = paper_size  # 9: A4
        self.margins = dict(_MARGINS) if margins is None else margins
        self.freeze_row = freeze_row  # rows above this stay on screen
        self.n_rows = n_rows
        self.n_cols = n_cols

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExplainLayout) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # holds dicts

    def __repr__(self) -> str:
        return "ExplainLayout(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"


_WIDE_FROM = "\u2e80"  # CJK and full-width characters from here on count 2


def _width(line: str) -> int:
    if line.isascii():
        return len(line)
    # counted, not matched: compiling "[\u2e80-\U0010ffff]" alone cost 2.4 ms per process
    return len(line) + sum(map(_WIDE_FROM.__le__, line))


def display_width(text: Any) -> int:
    """Width of the longest line in Excel's character units (CJK and full-width characters count 2)."""
    text = str(text)
    if "\n" not in text:
        return _width(text)
    return max(_width(line) for line in text.split("\n"))


def wrapped_lines(text: Any, width: float) -> int:
    """Lines ``text`` needs in a wrapped cell ``width`` characters wide."""
    usable = max(width - 1.5, 1.0)
    text = str(text)
    if "\n" not in text:
        return max(1, math.ceil(_width(text) / usable))
    return sum(max(1, math.ceil(_width(line) / usable)) for line in text.split("\n"))


class _Measured(dict):
    """Each text's line widths, measured once per layout (the first table's texts are measured for the
    columns' widths and again for the rows' heights). ``measured[text]`` gives the widths of its lines;
    ``display_width`` and ``wrapped_lines`` computed from them give what the functions above give."""

    __slots__ = ()

    def __missing__(self, text: str) -> tuple[int, ...]:
        if "\n" not in text:
            widths: tuple[int, ...] = (_width(text),)
        else:
            widths = tuple(map(_width, text.split("\n")))
        self[text] = widths
        return widths


def _lines(widths: tuple[int, ...], width: float) -> int:
    """``wrapped_lines`` from a text's line widths."""
    usable = max(width - 1.5, 1.0)
    if len(widths) == 1:
        return max(1, math.ceil(widths[0] / usable))
    return sum(max(1, math.ceil(w / usable)) for w in widths)


def _tables(rows: list[list[Any]]) -> list[tuple[int, list[list[Any]]]]:
    """(first row index, rows) per table; tables are separated by empty rows."""
    out: list[tuple[int, list[list[Any]]]] = []
    current: list[list[Any]] = []
    start = 0
    for i, row in enumerate(rows):
        if any(v not in (None, "") for v in row):
            if not current:
                start = i
            current.append(list(row))
        elif current:
            out.append((start, current))
            current = []
    if current:
        out.append((start, current))
    return out


def _fit(natural: list[float], budget: float, floors: list[float]) -> list[float]:
    """Shrink the widest columns (never below their floors) until the widths add up to ``budget``."""
    widths = list(natural)
    if sum(widths) <= budget:
        return widths
    lo, hi = 0.0, max(widths)
    for _ in range(40):  # the cap c with sum(min(w, max(c, floor))) == budget
        mid = (lo + hi) / 2
        if sum(max(min(w, mid), f) for w, f in zip(natural, floors)) > budget:
            hi = mid
        else:
            lo = mid
    return [round(max(min(w, lo), f), 1) for w, f in zip(natural, floors)]


def _column_widths(first: list[list[Any]], n_cols: int, measured: Optional[_Measured] = None) -> list[float]:
    """Widths from the first table: each column as wide as its longest value (capped), then fitted
    into the sheet's width, the header and the last column kept readable."""
    natural = [MIN_WIDTH] * n_cols
    floors = [MIN_WIDTH] * n_cols
    for i, row in enumerate(first):
        for c, v in enumerate(row[:n_cols]):
            if v in (None, ""):
                continue
            w = min((display_width(v) if measured is None else max(measured[str(v)])) + 2, MAX_WIDTH)
            natural[c] = max(natural[c], w)
            if i == 0:
                floors[c] = max(floors[c], min(w, 12))  # the header stays on one line
    floors[-1] = max(floors[-1], min(natural[-1], LAST_COLUMN_SHARE))
    return _fit(natural, TOTAL_WIDTH, floors)


class _Placed:
    """The cells, merges, heights and header rows of the tables, placed one row after another."""

    def __init__(self, widths: list[float], measured: Optional[_Measured]) -> None:
        self.widths, self.n_cols, self.measured = widths, len(widths), measured
        self.cells: list[CellSpec] = []
        self.merges: list[tuple[int, int, int, int]] = []
        self.heights: dict[int, float] = {}
        self.header_rows: list[int] = []
        self.out_row = 0

    def table(self, t: int, table: list[list[Any]]) -> None:
        if t:
            self.out_row += 1  # one empty row between tables
        width_t = max(len(r) for r in table)
        # a later table narrower than the first stretches its last column to the sheet's width
        stretch = width_t if t and width_t <= self.n_cols else None
        for i, row in enumerate(table):
            self.out_row += 1
            if i == 0:
                self.header_rows.append(self.out_row)
            self.row(row, "header" if i == 0 else "text", stretch)

    def row(self, row: list[Any], style_row: Style, stretch: Optional[int]) -> None:
        out_row, n_cols, lines = self.out_row, self.n_cols, 1
        for c, v in enumerate(row, start=1):
            last = n_cols if (c == stretch and c < n_cols) else None
            style: Style = style_row if style_row == "header" or not isinstance(v, (int, float)) \
                or isinstance(v, bool) else "number"
            if v in (None, "") and last is None:
                if style_row == "header":
                    self.cells.append(CellSpec(out_row, c, None, "header"))
                continue
            self.cells.append(CellSpec(out_row, c, v, style, last))
            if last is not None:
                self.merges.append((out_row, c, out_row, last))
            if c > n_cols:
                span = MAX_WIDTH
            elif last is None:
                span = self.widths[c - 1]
            else:
                span = sum(self.widths[k - 1] for k in range(c, last + 1))
            if v not in (None, ""):
                lines = max(lines, wrapped_lines(v, span) if self.measured is None
                            else _lines(self.measured[str(v)], span))
        self.heights[out_row] = round(lines * LINE_HEIGHT + PAD, 2)

    def record(self, record: list[list[Any]]) -> list[int]:
        """The machine-readable record below the tables, in hidden rows; returns those rows."""
        hidden: list[int] = []
        if record:
            self.out_row += 1  # a blank row before the record
        for rec in record:
            self.out_row += 1
            hidden.append(self.out_row)
            for c, v in enumerate(rec, start=1):
                if v not in (None, ""):
                    self.cells.append(CellSpec(self.out_row, c, v, "record"))
        return hidden


def explain_layout(rows: list[list[Any]], record: list[list[Any]] = (), _measure_once: bool = True) -> ExplainLayout:
    """The layout of ``rows`` and ``record`` (see the module docstring). ``_measure_once=False`` measures
    a text each time it is looked at, as the layout did before the widths were kept (the tests' reference)."""
    tables = _tables(rows)
    first = tables[0][1] if tables else [[]]
    n_cols = max((len(r) for r in first), default=1) or 1
    measured = _Measured() if _measure_once else None
    widths = _column_widths(first, n_cols, measured)
    placed = _Placed(widths, measured)
    for t, (_, table) in enumerate(tables):
        placed.table(t, table)
    hidden = placed.record(record)
    total_width = sum(widths)
    scale = 100 if total_width <= PAGE_WIDTH_CHARS else max(MIN_SCALE, math.floor(100 * PAGE_WIDTH_CHARS / total_width))
    return ExplainLayout(
        cells=tuple(placed.cells),
        widths={c + 1: w for c, w in enumerate(widths)},
        heights=placed.heights,
        hidden_rows=tuple(hidden),
        merges=tuple(placed.merges),
        header_rows=tuple(placed.header_rows),
        row_breaks=(),
        print_title_rows=(1, 1) if tables else None,
        scale=scale,
        n_rows=placed.out_row,
        n_cols=max([n_cols] + [len(r) for r in record]),
    )
