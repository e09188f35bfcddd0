"""A plan of writes: what the tool puts into a workbook, independent of how it gets there.

Adapters (openpyxl for files, xlwings for a live book) apply a plan; they decide nothing.
Blocks are contiguous rectangles so a live Excel receives one call per block, not per cell.
"""
from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Literal

EXPLAIN_SHEET = "评分说明"


class _Plain:
    """Equality and repr over ``__slots__`` (plain classes, not dataclasses: every command-line run
    imports this module, and building dataclasses costs more at start-up than using them)."""

    __slots__ = ()

    def _key(self) -> tuple:
        return tuple(getattr(self, k) for k in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._key() == other._key()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclasses they replace

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"


class Block(_Plain):
    """Write ``values`` (2-D, row-major) with its top-left corner at 1-based (row, col)."""

    __slots__ = ("row", "col", "values")

    def __init__(self, row: int, col: int, values: list[list[Any]]) -> None:
        self.row, self.col, self.values = row, col, values


class Note(_Plain):
    """A note on ``cell`` (A1): ``text`` is Chinese, the finding codes and messages for that cell."""

    __slots__ = ("cell", "text")

    def __init__(self, cell: str, text: str) -> None:
        self.cell, self.text = cell, text


class Highlight(_Plain):
    """A fill on ``cell`` (A1) in the colour of ``severity``."""

    __slots__ = ("cell", "severity")

    def __init__(self, cell: str, severity: Literal["error", "warning", "info"]) -> None:
        self.cell, self.severity = cell, severity


class WritePlan(_Plain):
    """Everything the tool writes into a workbook: the form sheet's blocks, notes and highlights, and
    the whole 评分说明 sheet (``explain_rows``, header row first)."""

    __slots__ = ("sheet", "blocks", "notes", "highlights", "explain_rows", "explain_sheet")

    def __init__(self, sheet: str, blocks: list[Block] | None = None, notes: list[Note] | None = None,
                 highlights: list[Highlight] | None = None, explain_rows: list[list[Any]] | None = None,
                 explain_sheet: str = EXPLAIN_SHEET) -> None:
        self.sheet = sheet  # the form's sheet
        self.blocks: list[Block] = [] if blocks is None else blocks
        self.notes: list[Note] = [] if notes is None else notes
        self.highlights: list[Highlight] = [] if highlights is None else highlights
        self.explain_rows: list[list[Any]] = [] if explain_rows is None else explain_rows
        self.explain_sheet = explain_sheet

    def owned_cells(self) -> set[tuple[int, int]]:
        """Every (row, col) the plan writes on the form sheet."""
        out: set[tuple[int, int]] = set()
        for b in self.blocks:
            for i, row in enumerate(b.values):
                for j, _ in enumerate(row):
                    out.add((b.row + i, b.col + j))
        return out


HIGHLIGHT_COLORS = {"error": "#FFC7CE", "warning": "#FFEB9C", "info": "#DDEBF7"}
