"""A plan of writes: what the tool puts into a workbook, independent of how it gets there.

Adapters (openpyxl for files, xlwings for a live book) apply a plan; they decide nothing.
Blocks are contiguous rectangles so a live Excel receives one call per block, not per cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

EXPLAIN_SHEET = "评分说明"


@dataclass
class Block:
    """Write ``values`` (2-D, row-major) with its top-left corner at 1-based (row, col)."""

    row: int
    col: int
    values: list[list[Any]]


@dataclass
class Note:
    cell: str  # A1
    text: str  # Chinese; the finding codes and messages for that cell


@dataclass
class Highlight:
    cell: str  # A1
    severity: Literal["error", "warning", "info"]


@dataclass
class WritePlan:
    sheet: str  # the form's sheet
    blocks: list[Block] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)
    explain_rows: list[list[Any]] = field(default_factory=list)  # whole 评分说明 sheet, header row first
    explain_sheet: str = EXPLAIN_SHEET

    def owned_cells(self) -> set[tuple[int, int]]:
        """Every (row, col) the plan writes on the form sheet."""
        out: set[tuple[int, int]] = set()
        for b in self.blocks:
            for i, row in enumerate(b.values):
                for j, _ in enumerate(row):
                    out.add((b.row + i, b.col + j))
        return out


HIGHLIGHT_COLORS = {"error": "#FFC7CE", "warning": "#FFEB9C", "info": "#DDEBF7"}
