"""A sheet as a plain grid of values: what every adapter (openpyxl, calamine, xlwings) produces."""
from __future__ import annotations

from scoring.lazy import compiled
from scoring.plaindata import dataclass, field  # not dataclasses: see scoring.plaindata
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Optional

_A1 = compiled(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def col_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    s = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def a1(row: int, col: int) -> str:
    """1-based (row, col) -> "A1"."""
    return f"{col_letter(col)}{row}"


def parse_a1(ref: str) -> tuple[int, int]:
    """"B12" -> (12, 2), 1-based."""
    m = _A1.match(ref.strip())
    if not m:
        raise ValueError(f"not an A1 address: {ref!r}")
    letters, digits = m.groups()
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return int(digits), col


@dataclass
class Grid:
    """Values of one sheet. ``values[r][c]`` is the cell at row r+1, column c+1 (rows may be ragged).

    ``merged`` holds merged ranges as 1-based inclusive (first_row, first_col, last_row, last_col);
    ``formulas`` maps 1-based (row, col) of cells that hold a formula to its text, or is None when
    the source cannot tell (the xlwings remote engine, calamine).
    ``clipped`` is set by ``workbook.safety.clip_grid`` when the sheet was larger than the reading
    limits: (first row not read, first column not read), 0 for an axis that was not cut; None when
    the whole sheet was read. The reader turns it into finding PE908.
    """

    name: str
    values: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas: Optional[dict[tuple[int, int], str]] = None
    clipped: Optional[tuple[int, int]] = None

    @property
    def n_rows(self) -> int:
        return len(self.values)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.values), default=0)

    def get(self, row: int, col: int) -> Any:
        """1-based read; None outside the grid."""
        if row < 1 or col < 1 or row > len(self.values):
            return None
        r = self.values[row - 1]
        return r[col - 1] if col <= len(r) else None

    def merged_range(self, row: int, col: int) -> Optional[tuple[int, int, int, int]]:
        for rng in self.merged:
            r1, c1, r2, c2 = rng
            if r1 <= row <= r2 and c1 <= col <= c2:
                return rng
        return None

    def has_formula(self, row: int, col: int) -> bool:
        return bool(self.formulas) and (row, col) in self.formulas
