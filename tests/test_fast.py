"""workbook.fast: calamine reading, type conversion, agreement with the openpyxl adapter."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from workbook import fast, xlsx
from workbook.errors import UnreadableFile


@pytest.fixture
def typed_book(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"] = "附件2-1"
    ws["B2"] = 2
    ws["C2"] = 2.5
    ws["D2"] = 3.0
    ws["E2"] = True
    ws["F2"] = dt.datetime(2022, 4, 14)
    ws["G2"] = "=B2+C2"  # no cached value: openpyxl never writes one
    ws.merge_cells("A4:C5")
    ws["A4"] = "合并"
    ws["C7"] = "右下"
    other = wb.create_sheet("第二页")
    other["B3"] = "x"
    wb.create_sheet("空表")
    path = tmp_path / "typed.xlsx"
    wb.save(path)
    return path


def test_types_and_positions(typed_book):
    grids = fast.read_grids(typed_book)
    assert [g.name for g in grids] == ["表", "第二页", "空表"]
    g = grids[0]
    assert g.get(1, 1) == "附件2-1"
    assert g.get(2, 2) == 2 and isinstance(g.get(2, 2), int)
    assert g.get(2, 3) == 2.5
    assert g.get(2, 4) == 3 and isinstance(g.get(2, 4), int)
    assert g.get(2, 5) is True
    assert g.get(2, 6) == dt.datetime(2022, 4, 14)
    assert g.get(2, 7) is None  # formula without a cached value shows nothing
    assert g.get(3, 1) is None  # empty cells are None, never ""
    assert g.get(7, 3) == "右下"
    assert g.merged == [(4, 1, 5, 3)]
    assert g.formulas is None  # calamine cannot tell formulas
    # positions are absolute even when the data starts away from A1
    assert grids[1].get(3, 2) == "x" and grids[1].get(1, 1) is None
    assert grids[2].values == []


def test_same_values_as_openpyxl_adapter(typed_book):
    for a, b in zip(fast.read_grids(typed_book), xlsx.read_grids(typed_book)):
        assert a.name == b.name
        assert a.values == b.values
        assert sorted(a.merged) == sorted(b.merged)


def test_cell_value_conversions():
    assert fast.cell_value("") is None
    assert fast.cell_value(5.0) == 5 and isinstance(fast.cell_value(5.0), int)
    assert fast.cell_value(0.1) == 0.1
    assert fast.cell_value(float("nan")) is None
    assert fast.cell_value(False) is False
    assert fast.cell_value(dt.date(2021, 1, 2)) == dt.datetime(2021, 1, 2)
    assert fast.cell_value(dt.time(10, 30)) == dt.time(10, 30)


def test_not_a_spreadsheet(tmp_path):
    p = tmp_path / "notes.xlsx"
    p.write_text("这不是表格", encoding="utf-8")
    with pytest.raises(UnreadableFile) as err:
        fast.read_grids(p)
    assert "无法读取" in str(err.value) or "不是" in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(UnreadableFile):
        fast.read_grids(tmp_path / "nope.xlsx")


def test_example_if_present(example_xlsx):
    grids = fast.read_grids(example_xlsx)
    texts = {str(v) for g in grids for row in g.values for v in row if v is not None}
    assert any("十堰市人力资源和社会保障局" in t for t in texts)


def test_reading_limits_apply_to_both_adapters(tmp_path):
    from workbook.safety import DEFAULT_LIMITS

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "附件2-1"
    ws.cell(row=2, column=DEFAULT_LIMITS.max_cols + 50, value="远处的单元格")
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    for reader in (fast.read_grids, xlsx.read_grids):
        g = reader(path)[0]
        assert g.get(1, 1) == "附件2-1"
        assert g.n_cols <= DEFAULT_LIMITS.max_cols


def test_xls_is_read_too(tmp_path):
    import xlwt  # in the test extra: a missing install must fail, not skip
    book = xlwt.Workbook()
    sh = book.add_sheet("附件2-1")
    sh.write(0, 0, "附件2-1")
    sh.write(3, 2, 2)  # BIFF stores every number as a float
    sh.write(3, 3, 1.5)
    sh.write_merge(5, 5, 0, 3, "合并")
    sh.write(6, 0, dt.datetime(2022, 4, 14), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    path = tmp_path / "old.xls"
    book.save(str(path))
    g = fast.read_grids(path)[0]
    assert g.name == "附件2-1" and g.get(1, 1) == "附件2-1"
    assert g.get(4, 3) == 2 and isinstance(g.get(4, 3), int) and g.get(4, 4) == 1.5
    assert (6, 1, 6, 4) in g.merged
    assert g.get(7, 1) == dt.datetime(2022, 4, 14)


def test_openpyxl_fallback_when_calamine_cannot_read(tmp_path):
    """A cell type calamine does not know (t="zz") passes the safety check (well-formed XML); calamine
    refuses the sheet, so the openpyxl reader answers instead of an error."""
    import io
    import zipfile

    import python_calamine as pc

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"] = "附件2-1"
    ws["B2"] = 5
    ws.merge_cells("A4:C4")
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body, n = __import__("re").subn(rb'<c r="B2"( t="n")?', b'<c r="B2" t="zz"', body)
                assert n == 1
            dst.writestr(info.filename, body)
    path = tmp_path / "odd_type.xlsx"
    path.write_bytes(out.getvalue())

    with pytest.raises(Exception):  # the premise: calamine itself fails on this file
        book = pc.CalamineWorkbook.from_path(str(path))
        book.get_sheet_by_name("表").to_python()
    grids = fast.read_grids(path)
    assert [g.name for g in grids] == ["表"]
    assert grids[0].get(1, 1) == "附件2-1" and grids[0].get(2, 2) in (5, "5")
    assert (4, 1, 4, 3) in grids[0].merged


def test_unreadable_by_both_readers_gets_the_deep_message(tmp_path):
    """Malformed sheet XML passes the fast tier; both readers fail; the message is the deep tier's."""
    from tests.corpus.build import _example_bytes, _member, _rezip
    from workbook.safety import check_file

    data = _example_bytes()
    sheet = _member(data, "xl/worksheets/sheet1.xml")
    path = tmp_path / "broken.xlsx"
    # cut at a row boundary past the middle: not inside an escaped character the fast tier would see
    cut = sheet.index(b"<row", len(sheet) // 2)
    path.write_bytes(_rezip(data, {"xl/worksheets/sheet1.xml": sheet[:cut]}))
    check_file(path, deep=False)
    with pytest.raises(UnreadableFile) as deep:
        check_file(path)
    with pytest.raises(UnreadableFile) as err:
        fast.read_grids(path)
    assert str(err.value) == str(deep.value) and "不是有效的 XML" in str(err.value)
