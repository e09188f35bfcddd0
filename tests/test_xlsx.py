"""workbook.xlsx: reading formulas + cached values, and writing a plan without touching anything else."""
from __future__ import annotations

import copy
import zipfile

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from conftest import add_png
from workbook import xlsx
from workbook.errors import UnsafeToWrite
from workbook.plan import EXPLAIN_SHEET, HIGHLIGHT_COLORS, Block, Highlight, Note, WritePlan

FORM = "自评表"


def _build(path):
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "封面"
    cover["A1"] = "封面"
    ws = wb.create_sheet(FORM)
    ws.merge_cells("A2:J2")
    ws["A2"] = "部门整体支出绩效自评表"
    ws["A2"].font = Font(bold=True, size=16)
    ws["A2"].alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    for r in range(9, 15):
        for c in range(1, 11):
            cell = ws.cell(row=r, column=c, value=f"r{r}c{c}" if c < 4 else r * c)
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws["D10"].number_format = "0.00"
    ws["E10"].fill = PatternFill("solid", fgColor="FF92D050")  # the user's own green
    ws["I10"] = "=SUM(I11:I14)"
    ws["I11"] = 2
    ws["I12"] = 1.5
    ws["H11"] = "完成"
    ws["H11"].comment = Comment("用户的批注", "张三")
    ws["B5"].comment = Comment("另一条批注", "李四")
    ws.column_dimensions["C"].width = 33
    ws.row_dimensions[9].height = 30
    ws.freeze_panes = "A10"
    dv = DataValidation(type="list", formula1='"无,存在审计等部门重点披露的问题"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("H20")
    ws.conditional_formatting.add("I11:I14", CellIsRule(operator="lessThan", formula=["0"], font=Font(color="FF9C0006")))
    wb.defined_names["总分"] = DefinedName("总分", attr_text=f"'{FORM}'!$I$10")
    ws.defined_names["局部"] = DefinedName("局部", attr_text=f"'{FORM}'!$A$1")
    data = wb.create_sheet("数据")
    data["A1"] = 10072.67
    data["B1"] = f"='{FORM}'!I11*2"
    wb.save(path)
    return path


@pytest.fixture
def book(tmp_path):
    return _build(tmp_path / "in.xlsx")


def _plan(**kw):
    base = dict(
        sheet=FORM,
        blocks=[Block(row=11, col=9, values=[[2.0], [1.25]]), Block(row=13, col=8, values=[["未完成", 0]])],
        notes=[Note("H11", "PE201 得分与计算不符"), Note("I12", "PE202 提示")],
        highlights=[Highlight("E10", "warning"), Highlight("I12", "error"), Highlight("I12", "info")],
        explain_rows=[["单元格", "指标", "说明"], ["I11", "全年城镇新增就业人数", "完成率 142.0%，按 100% 计：2 × 100% = 2.00"]],
    )
    base.update(kw)
    return WritePlan(**base)


def _style(cell):
    return (
        repr(cell.font), repr(cell.fill), repr(cell.border), cell.number_format,
        repr(cell.alignment), repr(cell.protection),
    )


def _snapshot(path):
    """Everything a test compares, per sheet: values, styles, comments, merges, dims, validation ..."""
    wb = openpyxl.load_workbook(path, rich_text=True)
    snap = {"order": wb.sheetnames, "names": {n: d.attr_text for n, d in wb.defined_names.items()}}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                comment = (c.comment.text, c.comment.author) if c.comment else None
                cells[c.coordinate] = (c.value, _style(c), comment)
        snap[ws.title] = {
            "cells": cells,
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "dv": [(str(d.sqref), d.formula1, d.type) for d in ws.data_validations.dataValidation],
            "cf": [(str(rng.sqref), [(r.type, r.operator, r.formula) for r in rules])
                   for rng, rules in ws.conditional_formatting._cf_rules.items()],
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            "freeze": ws.freeze_panes,
            "local_names": {n: d.attr_text for n, d in ws.defined_names.items()},
        }
    return snap


def test_read_grids_values_and_formulas(book):
    [cover, form, data] = xlsx.read_grids(book)
    assert (cover.name, form.name, data.name) == ("封面", FORM, "数据")
    assert form.get(2, 1) == "部门整体支出绩效自评表"
    assert (2, 1, 2, 10) in form.merged
    assert form.formulas[(10, 9)] == "=SUM(I11:I14)"
    assert form.get(10, 9) is None  # no cached value: show nothing, never the formula text
    assert form.get(11, 9) == 2 and form.get(12, 9) == 1.5
    assert data.formulas == {(1, 2): f"='{FORM}'!I11*2"}
    assert data.get(1, 1) == 10072.67


def test_write_changes_only_the_plan(book, tmp_path):
    out = tmp_path / "out.xlsx"
    plan = _plan()
    result = xlsx.write_scored(book, out, plan)
    assert result.path == out and result.backup is None
    before, after = _snapshot(book), _snapshot(out)

    assert after["order"] == before["order"] + [EXPLAIN_SHEET]
    assert after["names"] == before["names"]
    for name in ("封面", "数据"):
        assert after[name] == before[name]

    b, a = before[FORM], after[FORM]
    for key in ("merged", "dv", "cf", "widths", "heights", "freeze", "local_names"):
        assert a[key] == b[key], key
    owned = {openpyxl.utils.get_column_letter(c) + str(r) for r, c in plan.owned_cells()}
    touched = owned | {"H11", "I12", "E10"}  # note and highlight cells
    for ref, cell in b["cells"].items():
        if ref not in touched:
            assert a["cells"][ref] == cell, ref
    # the plan itself
    wb = openpyxl.load_workbook(out)
    ws = wb[FORM]
    assert [ws["I11"].value, ws["I12"].value, ws["H13"].value, ws["I13"].value] == [2, 1.25, "未完成", 0]
    assert ws["I10"].value == "=SUM(I11:I14)"  # formulas outside the plan stay formulas
    assert repr(ws["I11"].border) == repr(openpyxl.load_workbook(book)[FORM]["I11"].border)  # written cells keep style
    assert ws["I12"].fill.fgColor.rgb.endswith(HIGHLIGHT_COLORS["error"].lstrip("#"))  # most severe wins
    assert ws["E10"].fill.fgColor.rgb.endswith(HIGHLIGHT_COLORS["warning"].lstrip("#"))
    assert ws["I12"].comment.author == "pe-score" and "PE202" in ws["I12"].comment.text
    # a user's comment is kept and ours appended
    assert ws["H11"].comment.author == "张三"
    assert ws["H11"].comment.text.startswith("用户的批注") and "PE201" in ws["H11"].comment.text
    assert ws["B5"].comment.text == "另一条批注"
    ex = wb[EXPLAIN_SHEET]
    assert ex["A1"].value == "单元格" and ex["A1"].font.b
    assert ex["C2"].value.startswith("完成率") and ex["C2"].alignment.wrap_text
    assert ex.column_dimensions["C"].width > ex.column_dimensions["A"].width
    assert wb.active.title == "封面"


def test_rescoring_is_idempotent_and_undoes_itself(book, tmp_path):
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    xlsx.write_scored(book, once, _plan())
    xlsx.write_scored(once, twice, _plan())
    assert _snapshot(twice) == _snapshot(once)

    # a later run with nothing to flag restores the user's fills and comments exactly
    clean = tmp_path / "clean.xlsx"
    xlsx.write_scored(twice, clean, _plan(notes=[], highlights=[]))
    b, c = _snapshot(book)[FORM]["cells"], _snapshot(clean)[FORM]["cells"]
    for ref in ("E10", "H11", "B5"):
        assert c[ref][1:] == b[ref][1:], ref
    assert c["I12"][1] == b["I12"][1] and c["I12"][2] is None


def test_user_recolour_between_runs_is_kept(book, tmp_path):
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    xlsx.write_scored(book, once, _plan())
    wb = openpyxl.load_workbook(once)
    wb[FORM]["I12"].fill = PatternFill("solid", fgColor="FF00B0F0")
    wb.save(once)
    xlsx.write_scored(once, twice, _plan(highlights=[]))
    assert openpyxl.load_workbook(twice)[FORM]["I12"].fill.fgColor.rgb == "FF00B0F0"


def test_refuses_to_overwrite_input(book):
    with pytest.raises(UnsafeToWrite) as err:
        xlsx.write_scored(book, book, _plan())
    assert "--in-place" in str(err.value)


def test_in_place_with_numbered_backups(book):
    original = book.read_bytes()
    r1 = xlsx.write_scored(book, None, _plan(), in_place=True)
    assert r1.path == book and r1.backup.name == "in.bak.xlsx"
    assert r1.backup.read_bytes() == original
    r2 = xlsx.write_scored(book, None, _plan(), in_place=True)
    assert r2.backup.name == "in.bak2.xlsx"
    assert openpyxl.load_workbook(book)[FORM]["I12"].value == 1.25
    r3 = xlsx.write_scored(book, None, _plan(), in_place=True, backup=False)
    assert r3.backup is None and not (book.parent / "in.bak3.xlsx").exists()


def test_images_survive_byte_for_byte(tmp_path):
    """The surgical writer copies parts it does not own raw: an image needs no --force and is kept."""
    path = tmp_path / "pic.xlsx"
    _build(path)
    wb = openpyxl.load_workbook(path)
    add_png(wb[FORM], "L2")
    wb.save(path)
    assert any("图片" in p for p in xlsx.lossy_parts(path))  # what openpyxl alone would have dropped
    out = tmp_path / "out.xlsx"
    xlsx.write_scored(path, out, _plan())
    assert openpyxl.load_workbook(out)[FORM]["I12"].value == 1.25
    with zipfile.ZipFile(path) as a, zipfile.ZipFile(out) as b:
        for name in a.namelist():
            if name.startswith(("xl/media/", "xl/drawings/drawing", "xl/drawings/_rels/drawing")):
                assert a.read(name) == b.read(name), name
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left behind


def test_comments_alone_are_not_lossy(book):
    assert xlsx.lossy_parts(book) == []  # comment VML is kept by openpyxl


def test_foreign_explain_sheet_is_not_overwritten(book, tmp_path):
    wb = openpyxl.load_workbook(book)
    wb.create_sheet(EXPLAIN_SHEET)["A1"] = "我自己的说明"
    wb.save(book)
    with pytest.raises(UnsafeToWrite):
        xlsx.write_scored(book, tmp_path / "o.xlsx", _plan())
    xlsx.write_scored(book, tmp_path / "o.xlsx", _plan(), force=True)
    assert openpyxl.load_workbook(tmp_path / "o.xlsx")[EXPLAIN_SHEET]["A1"].value == "单元格"


def _make_xlsm(path, src):
    """Graft a (fake) VBA project into an openpyxl-written workbook, as Excel would store it."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            zout.writestr(item, data)
        zout.writestr("xl/vbaProject.bin", b"VBA-PROJECT-BYTES")


def test_xlsm_keeps_its_macros(book, tmp_path):
    xlsm = tmp_path / "macro.xlsm"
    _make_xlsm(xlsm, book)
    with pytest.raises(UnsafeToWrite):
        xlsx.write_scored(xlsm, tmp_path / "o.xlsx", _plan())  # .xlsx would drop the macros
    out = tmp_path / "o.xlsm"
    xlsx.write_scored(xlsm, out, _plan())
    with zipfile.ZipFile(out) as z:
        assert z.read("xl/vbaProject.bin") == b"VBA-PROJECT-BYTES"
        assert b"macroEnabled" in z.read("[Content_Types].xml")


def test_cached_values_are_read(tmp_path, book):
    """A formula's cached value (what Excel shows) is the grid value; its text goes to formulas."""
    path = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename.startswith("xl/worksheets/") and b"SUM(I11:I14)</f>" in data:
                data = data.replace(b"SUM(I11:I14)</f><v></v>", b"SUM(I11:I14)</f><v>3.5</v>")
                data = data.replace(b"SUM(I11:I14)</f><v />", b"SUM(I11:I14)</f><v>3.5</v>")
                if b"<v>3.5</v>" not in data:
                    data = data.replace(b"SUM(I11:I14)</f>", b"SUM(I11:I14)</f><v>3.5</v>")
            zout.writestr(item, data)
    form = xlsx.read_grids(path)[1]
    assert form.get(10, 9) == 3.5
    assert form.formulas[(10, 9)] == "=SUM(I11:I14)"


def test_unwritable_target_is_a_clear_error(book, tmp_path):
    with pytest.raises(UnsafeToWrite) as err:
        xlsx.write_scored(book, tmp_path / "no" / "such" / "dir" / "o.xlsx", _plan())
    assert "无法" in str(err.value)


def test_example_outside_the_plan_is_untouched(example_xlsx, tmp_path):
    """The real template: scoring it changes the plan's cells and nothing else (print setup included)."""
    from workbook import pipeline
    scored = pipeline.score_workbook(xlsx.read_grids(example_xlsx))
    out = tmp_path / "scored.xlsx"
    xlsx.write_scored(example_xlsx, out, scored.plan)
    before, after = _snapshot(example_xlsx), _snapshot(out)
    sheet = scored.plan.sheet
    assert after["order"] == before["order"] + [EXPLAIN_SHEET]
    assert after["names"] == before["names"]
    for key in ("merged", "dv", "cf", "widths", "heights", "freeze", "local_names"):
        assert after[sheet][key] == before[sheet][key], key
    owned = {openpyxl.utils.get_column_letter(c) + str(r) for r, c in scored.plan.owned_cells()}
    marked = {n.cell for n in scored.plan.notes} | {h.cell for h in scored.plan.highlights}
    for ref, cell in before[sheet]["cells"].items():
        if ref in owned or ref in marked:
            continue
        assert after[sheet]["cells"][ref] == cell, ref
    a, b = openpyxl.load_workbook(example_xlsx)[sheet], openpyxl.load_workbook(out)[sheet]
    assert (b.print_area, b.print_title_rows) == (a.print_area, a.print_title_rows)
    assert repr(b.page_setup) == repr(a.page_setup) and repr(b.print_options) == repr(a.print_options)
