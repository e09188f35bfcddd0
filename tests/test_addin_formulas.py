"""``addin.recalculate(book, formulas=...)``: formulas supplied by a host that cannot read them.

xlwings' remote engine (xlwings Server, Office.js) sends values only; the server's button sends the
formulas alongside (server/static/js/ribbon.js). Given them, the adapter treats those cells as the
desktop adapter treats the formulas it reads: never written.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import addin
from tests import remote_book as rb

EXAMPLE = Path(__file__).resolve().parents[1] / "templates" / "examples" / "shiyan_hrss_2021.xlsx"


@pytest.fixture(autouse=True)
def _licence(monkeypatch):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")


def _formulas(wb):
    return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row
                       if isinstance(c.value, str) and c.value.startswith("=")} for ws in wb.worksheets}


def _written(actions):
    return {(a["start_row"] + 1 + i, a["start_column"] + 1 + j) for a in actions
            if a["func"] == "setValues" and a["sheet_position"] == 0
            for i in range(a["row_count"]) for j in range(a["column_count"])}


def test_supplied_formulas_are_never_written_and_the_scores_are_the_same():
    wb = openpyxl.load_workbook(EXAMPLE)
    formulas = _formulas(wb)
    cells = {openpyxl.utils.cell.coordinate_to_tuple(ref) for ref in formulas["附件2-1"]}
    assert len(cells) == 11

    blind = rb.book(rb.payload(wb))
    plain = addin.recalculate(blind)  # the remote engine alone cannot see them: they are overwritten
    assert _written(rb.actions(blind)) & cells

    book = rb.book(rb.payload(wb))
    outcome = addin.recalculate(book, formulas=formulas)
    assert outcome.ok and outcome.scored.result.total == pytest.approx(97)
    assert not _written(rb.actions(book)) & cells
    assert outcome.scored.result.total == plain.scored.result.total


def test_absolute_addresses_and_other_sheets():
    wb = openpyxl.load_workbook(EXAMPLE)
    formulas = {"附件2-1": {"$I$58": "=SUM(I10:I56)"}, "另一个表": {"A1": "=1"}}
    book = rb.book(rb.payload(wb))
    outcome = addin.recalculate(book, formulas=formulas)
    assert outcome.ok
    assert (58, 9) not in _written(rb.actions(book))
    assert (59, 9) in _written(rb.actions(book))  # the grade: no formula was sent for it
