"""The record of what pe-score changed (hidden rows of 评分说明) is one format for both adapters:
a file scored on the command line can be rescored from the ribbon, and the other way round,
without stacking notes or highlights."""
from __future__ import annotations

import io

import openpyxl
import pytest

from tests import remote_book as rb
from workbook.plan import EXPLAIN_SHEET
from workbook.record import (FILL_MARKER, NOTE_FLAG, NOTE_MARK, NOTE_SEPARATOR, VALUE_FLAG, Entry, parse_record,
                             record_rows, record_sheet)

EXAMPLE = "templates/examples/shiyan_hrss_2021.xlsx"


def test_record_rows_round_trip():
    record = [Entry("I11", "FFFFEB9C", "", NOTE_FLAG), Entry("J21", "FFFFC7CE", "<fill/>", ""),
              Entry("J4", value_flag=VALUE_FLAG, original="自评得分：97", written="自评得分：96.6"),
              Entry("I12", value_flag=VALUE_FLAG, original=3, written=2)]
    rows = [["评分说明"], [None]] + record_rows(record, "附件2-1")
    assert rows[2] == [FILL_MARKER, "附件2-1"]
    assert parse_record(rows) == record
    assert record_sheet(rows) == "附件2-1"
    # a four-column record of an earlier version still parses
    assert parse_record([[FILL_MARKER], ["I11", "FFFFEB9C", None, NOTE_FLAG]]) == [Entry("I11", "FFFFEB9C", "", NOTE_FLAG)]
    assert parse_record([["评分说明"], ["别的内容"]]) is None  # no marker: not ours


def _wb(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _formulas(wb) -> dict:
    """The formulas Excel knows (desktop reads them; xlwings Server's button sends them): the remote
    engine alone cannot, and would then write over a formula cell such as the budget score."""
    return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row
                       if isinstance(c.value, str) and c.value.startswith("=")}
            for ws in wb.worksheets if ws.title != EXPLAIN_SHEET}


def _click(data: bytes) -> bytes:
    """One ribbon click on the remote engine, its actions replayed onto the same workbook."""
    import addin

    book = rb.book(_wb(data))
    outcome = addin.recalculate(book, formulas=_formulas(_wb(data)))
    assert outcome.ok, outcome.message
    after = _wb(data)
    rb.apply_actions(after, rb.actions(book))
    return _save(after)


def _cli_write(data: bytes, tmp_path, name: str) -> bytes:
    from workbook.pipeline import score_workbook
    from workbook.xlsx import read_grids, write_scored

    src = tmp_path / f"{name}_in.xlsx"
    src.write_bytes(data)
    out = tmp_path / f"{name}_out.xlsx"
    scored = score_workbook(read_grids(src))
    write_scored(src, out, scored.plan)
    return out.read_bytes()


def _notes(data: bytes) -> dict[str, str]:
    ws = _wb(data)["附件2-1"]
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}


def _fills(data: bytes) -> dict[str, str]:
    ws = _wb(data)["附件2-1"]
    # RGB only: the replay of the ribbon's setRangeColor leaves the alpha byte at 00
    return {c.coordinate: str(c.fill.fgColor.rgb)[-6:] for row in ws.iter_rows() for c in row
            if c.fill is not None and c.fill.fill_type == "solid"}


@pytest.fixture(autouse=True)
def _licence(monkeypatch):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    rb.enable_remote_engine()


@pytest.mark.parametrize("order", [("cli", "ribbon"), ("ribbon", "cli"), ("cli", "ribbon", "cli")])
def test_rescoring_across_adapters_never_stacks_notes(tmp_path, order):
    data = open(EXAMPLE, "rb").read()
    for i, step in enumerate(order):
        data = _click(data) if step == "ribbon" else _cli_write(data, tmp_path, f"{i}")
    notes = _notes(data)
    assert notes, "the example has findings, so it carries notes"
    for ref, text in notes.items():
        # one pe-score note per cell: never a note stacked under an earlier run's note
        assert NOTE_SEPARATOR not in text, (order, ref, text)
        assert text.count("PE") == len([ln for ln in text.splitlines() if ln.startswith("PE")])
        assert text.count(NOTE_MARK) <= 1
    # the same cells are marked whichever adapter ran last, and with the same colours
    fresh = _cli_write(open(EXAMPLE, "rb").read(), tmp_path, "fresh")
    assert set(notes) == set(_notes(fresh))
    assert _fills(data) == _fills(fresh)
    assert parse_record(_wb(data)[EXPLAIN_SHEET].iter_rows(values_only=True)) is not None
