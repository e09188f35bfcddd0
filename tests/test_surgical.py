"""The surgical writer on workbooks carrying what openpyxl would drop: a chart, an image, a pivot table,
a signed VBA project, a custom ribbon, custom XML, printer settings and cached formula values.

Every zip member the tool does not own comes out byte for byte; rescoring changes nothing; the user's
typed values come back on a rescore (the record); LibreOffice opens every output.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference

from conftest import EXAMPLE, add_png
from workbook import pipeline, xlsx
from workbook.notes import strip_tool_blocks, tool_block
from workbook.plan import EXPLAIN_SHEET
from workbook.record import NOTE_MARK, parse_record

FORM = "附件2-1"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

PIVOT_CACHE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotCacheDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{r}" r:id="rId1" refreshOnLoad="0" recordCount="2"><cacheSource type="worksheet"><worksheetSource ref="A1:B3" sheet="数据"/></cacheSource><cacheFields count="2"><cacheField name="项目" numFmtId="0"><sharedItems count="2"><s v="甲"/><s v="乙"/></sharedItems></cacheField><cacheField name="金额" numFmtId="0"><sharedItems containsSemiMixedTypes="0" containsString="0" containsNumber="1" containsInteger="1" minValue="10" maxValue="20"/></cacheField></cacheFields></pivotCacheDefinition>""".format(r=R_NS)
PIVOT_RECORDS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotCacheRecords xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2"><r><x v="0"/><n v="10"/></r><r><x v="1"/><n v="20"/></r></pivotCacheRecords>"""
PIVOT_TABLE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotTableDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" name="数据透视表1" cacheId="1" applyNumberFormats="0" applyBorderFormats="0" applyFontFormats="0" applyPatternFormats="0" applyAlignmentFormats="0" applyWidthHeightFormats="1" dataCaption="值" updatedVersion="6" minRefreshableVersion="3" createdVersion="6" indent="0" outline="1" outlineData="1"><location ref="D1:E4" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/><pivotFields count="2"><pivotField axis="axisRow" showAll="0"><items count="3"><item x="0"/><item x="1"/><item t="default"/></items></pivotField><pivotField dataField="1" showAll="0"/></pivotFields><rowFields count="1"><field x="0"/></rowFields><rowItems count="3"><i><x/></i><i><x v="1"/></i><i t="grand"><x/></i></rowItems><colItems count="1"><i/></colItems><dataFields count="1"><dataField name="求和项:金额" fld="1" baseField="0" baseItem="0"/></dataFields></pivotTableDefinition>"""
CUSTOM_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><单位 xmlns="urn:pe-score-test">十堰市人社局</单位>'
CUSTOM_XML_PROPS = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?><ds:datastoreItem ds:itemID="{6C2F1A52-1111-4B7A-9C1E-2F7A1B2C3D4E}" '
                    'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs/></ds:datastoreItem>')
RIBBON = ('<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui"><ribbon><tabs><tab id="t" label="单位工具">'
          '<group id="g" label="工具"><button id="b" label="说明" onAction="Module1.Run"/></group></tab></tabs></ribbon></customUI>')


def _rel(rid: str, type_: str, target: str) -> bytes:
    return f'<Relationship Id="{rid}" Type="{type_}" Target="{target}"/>'.encode()


def _graft(src: Path, dst: Path) -> None:
    """Add a pivot table, custom XML, a signed VBA project and a custom ribbon to an openpyxl workbook
    (parts written as Excel stores them)."""
    with zipfile.ZipFile(src) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    ct = parts["[Content_Types].xml"]
    ct = ct.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    ct = ct.replace(b"</Types>", (
        b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        b'<Override PartName="/xl/vbaProjectSignature.bin" ContentType="application/vnd.ms-office.vbaProjectSignature"/>'
        b'<Override PartName="/xl/pivotCache/pivotCacheDefinition1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml"/>'
        b'<Override PartName="/xl/pivotCache/pivotCacheRecords1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheRecords+xml"/>'
        b'<Override PartName="/xl/pivotTables/pivotTable1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.pivotTable+xml"/>'
        b'<Override PartName="/customXml/itemProps1.xml" ContentType="application/vnd.openxmlformats-officedocument.customXmlProperties+xml"/>'
        b"</Types>"))
    parts["[Content_Types].xml"] = ct
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(b"</Relationships>", _rel(
        "rIdUI", "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility", "customUI/customUI14.xml")
        + b"</Relationships>")
    parts["customUI/customUI14.xml"] = RIBBON.encode()
    wb_rels = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        _rel("rIdVBA", "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin")
        + _rel("rIdPC", f"{R_NS}/pivotCacheDefinition", "pivotCache/pivotCacheDefinition1.xml")
        + _rel("rIdCX", f"{R_NS}/customXml", "../customXml/item1.xml")) + b"</Relationships>")
    parts["xl/_rels/workbook.xml.rels"] = wb_rels
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0VBA-PROJECT" + bytes(range(256)) * 4
    parts["xl/vbaProjectSignature.bin"] = b"SIGNATURE" + bytes(range(255, -1, -1)) * 2
    parts["xl/_rels/vbaProject.bin.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + _rel("rId1", "http://schemas.microsoft.com/office/2006/relationships/vbaProjectSignature", "vbaProjectSignature.bin")
        + b"</Relationships>")
    wbxml = parts["xl/workbook.xml"]
    if b"<pivotCaches>" not in wbxml:
        close = b"</workbook>"
        wbxml = wbxml.replace(close, b'<pivotCaches><pivotCache cacheId="1" r:id="rIdPC"/></pivotCaches>' + close)
        if b'xmlns:r=' not in wbxml[:wbxml.index(b">", wbxml.index(b"<workbook"))]:
            wbxml = wbxml.replace(b"<workbook ", f'<workbook xmlns:r="{R_NS}" '.encode(), 1)
    parts["xl/workbook.xml"] = wbxml
    parts["xl/pivotCache/pivotCacheDefinition1.xml"] = PIVOT_CACHE.encode()
    parts["xl/pivotCache/pivotCacheRecords1.xml"] = PIVOT_RECORDS.encode()
    parts["xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + _rel("rId1", f"{R_NS}/pivotCacheRecords", "pivotCacheRecords1.xml") + b"</Relationships>")
    parts["xl/pivotTables/pivotTable1.xml"] = PIVOT_TABLE.encode()
    parts["xl/pivotTables/_rels/pivotTable1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + _rel("rId1", f"{R_NS}/pivotCacheDefinition", "../pivotCache/pivotCacheDefinition1.xml") + b"</Relationships>")
    data_sheet = _sheet_part(parts, "数据")
    rels_name = data_sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
    rel = _rel("rIdPT", f"{R_NS}/pivotTable", "../pivotTables/pivotTable1.xml")
    if rels_name in parts:
        parts[rels_name] = parts[rels_name].replace(b"</Relationships>", rel + b"</Relationships>")
    else:
        parts[rels_name] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
                            b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' + rel + b"</Relationships>")
    parts["customXml/item1.xml"] = CUSTOM_XML.encode()
    parts["customXml/itemProps1.xml"] = CUSTOM_XML_PROPS.encode()
    parts["customXml/_rels/item1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + _rel("rId1", f"{R_NS}/customXmlProps", "itemProps1.xml") + b"</Relationships>")
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


def _sheet_part(parts: dict, name: str) -> str:
    import re

    wb = parts["xl/workbook.xml"].decode()
    rid = re.search(rf'<sheet [^>]*name="{name}"[^>]*r:id="(\w+)"', wb).group(1)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(rf'Target="([^"]+)"[^>]*Id="{rid}"', rels)
    t = target.group(1)
    return t.lstrip("/") if t.startswith("/") else "xl/" + t


def rich_xlsm(tmp_path: Path) -> Path:
    """The example plus a chart and an image (openpyxl), a data sheet whose formulas carry cached values,
    then a pivot table, custom XML, a signed VBA project and a custom ribbon grafted on."""
    wb = openpyxl.load_workbook(EXAMPLE)
    data = wb.create_sheet("数据")
    data.append(["项目", "金额", "合计"])
    data.append(["甲", 10, "=B2+B3"])
    data.append(["乙", 20, "=B2*2"])
    chart = BarChart()
    chart.add_data(Reference(data, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    data.add_chart(chart, "G2")
    add_png(wb[FORM], "L2")
    base = tmp_path / "base.xlsx"
    wb.save(base)
    # cached values for the data sheet's formulas (openpyxl writes none)
    with zipfile.ZipFile(base) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    part = _sheet_part(parts, "数据")
    import re

    parts[part] = re.sub(rb"<f>B2\+B3</f>\s*<v\s*(?:/>|>\s*</v>)", b"<f>B2+B3</f><v>30</v>", parts[part])
    parts[part] = re.sub(rb"<f>B2\*2</f>\s*<v\s*(?:/>|>\s*</v>)", b"<f>B2*2</f><v>20</v>", parts[part])
    assert b"<v>30</v>" in parts[part]
    with zipfile.ZipFile(base, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, d in parts.items():
            zout.writestr(name, d)
    out = tmp_path / "rich.xlsm"
    _graft(base, out)
    return out


def _score_write(src: Path, out: Path):
    scored = pipeline.score_workbook(xlsx.read_grids(src))
    xlsx.write_scored(src, out, scored.plan)
    return scored


OWNED_PREFIXES = ("xl/comments", "xl/drawings/vmlDrawing", "xl/drawings/commentsDrawing")


def _owned(name: str, form_part: str, explain_part: str) -> bool:
    return name in {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                    form_part, explain_part, form_part.replace("worksheets/", "worksheets/_rels/") + ".rels"} \
        or name.startswith(OWNED_PREFIXES)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def test_every_member_the_tool_does_not_own_is_byte_identical(tmp_path):
    src = rich_xlsm(tmp_path)
    out = tmp_path / "scored.xlsm"
    _score_write(src, out)
    before, after = _members(src), _members(out)
    form_part = _sheet_part(before, FORM)
    explain_part = _sheet_part(after, EXPLAIN_SHEET)
    kept = [n for n in before if not _owned(n, form_part, explain_part)]
    assert {"xl/vbaProject.bin", "xl/vbaProjectSignature.bin", "xl/_rels/vbaProject.bin.rels",
            "customUI/customUI14.xml", "customXml/item1.xml", "xl/pivotTables/pivotTable1.xml",
            "xl/pivotCache/pivotCacheRecords1.xml", "xl/charts/chart1.xml", "_rels/.rels"} <= set(kept)
    assert any(n.startswith("xl/media/") for n in kept)
    for name in kept:
        assert after[name] == before[name], name
    # raw copies: not even re-compressed
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        for name in kept:
            ia, ib = a.getinfo(name), b.getinfo(name)
            assert (ia.CRC, ia.compress_size, ia.compress_type) == (ib.CRC, ib.compress_size, ib.compress_type), name
    # cached values of the other sheet's formulas are still there for readers that do not recalculate
    data = xlsx.read_grids(out)
    sheet = next(g for g in data if g.name == "数据")
    assert sheet.get(2, 3) == 30 and sheet.get(3, 3) == 20
    # the form sheet part keeps every cell the plan does not own, byte for byte in its XML
    assert after[form_part] != before[form_part]


def test_form_sheet_keeps_cells_attributes_and_cached_values_it_does_not_own(tmp_path):
    """Cells outside the plan keep their exact XML (unknown attributes and cached values included)."""
    import re

    src = tmp_path / "odd.xlsx"
    shutil.copy(EXAMPLE, src)
    parts = _members(src)
    form_part = _sheet_part(parts, FORM)
    xml = parts[form_part]
    # an attribute no schema knows, on a cell outside the plan, and a formula with a cached value
    xml = re.sub(rb'<c r="A1"', b'<c xmlns:q="urn:q" q:mark="keep-me" r="A1"', xml, count=1)
    xml = xml.replace(b"</sheetData>", b'<row r="90"><c r="B90"><f>1+1</f><v>2</v></c></row></sheetData>')
    parts[form_part] = xml
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    out = tmp_path / "out.xlsx"
    scored = _score_write(src, out)
    after = _members(out)[form_part]
    assert b'q:mark="keep-me"' in after
    assert b'<row r="90"><c r="B90"><f>1+1</f><v>2</v></c></row>' in after
    owned = {f"{openpyxl.utils.get_column_letter(c)}{r}" for r, c in scored.plan.owned_cells()}
    marked = {h.cell for h in scored.plan.highlights}
    cell = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)
    before_cells = {m.group(1).decode(): m.group(0) for m in cell.finditer(xml)}
    after_cells = {m.group(1).decode(): m.group(0) for m in cell.finditer(after)}
    for ref, text in before_cells.items():
        if ref not in owned and ref not in marked:
            assert after_cells[ref] == text, ref


def test_rescoring_changes_nothing_and_starts_from_the_users_values(tmp_path):
    src = rich_xlsm(tmp_path)
    once, twice, thrice = tmp_path / "1.xlsm", tmp_path / "2.xlsm", tmp_path / "3.xlsm"
    first = _score_write(src, once)
    second = _score_write(once, twice)
    _score_write(twice, thrice)
    assert _members(once) == _members(twice) == _members(thrice)
    key = [(f.code, f.cell, f.message) for f in first.result.findings]
    assert [(f.code, f.cell, f.message) for f in second.result.findings] == key


def test_overwritten_typed_score_is_recorded_and_comes_back(tmp_path):
    """Issue 8 item 5: a typed 3 over a weight of 2 is written as 2 with PE201; the rescore sees the 3 again."""
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb[FORM]
    ws["I11"] = 3  # weight 2
    ws["J4"] = 97
    src = tmp_path / "typed.xlsx"
    wb.save(src)
    once, twice = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    first = _score_write(src, once)
    codes = {(f.code, f.cell) for f in first.result.findings}
    assert ("PE201", "I11") in codes
    assert openpyxl.load_workbook(once)[FORM]["I11"].value == 2
    rec = parse_record(openpyxl.load_workbook(once)[EXPLAIN_SHEET].iter_rows(values_only=True))
    entry = next(e for e in rec if e.ref == "I11")
    assert (entry.original, entry.written) == (3, 2)
    second = _score_write(once, twice)
    assert {(f.code, f.cell) for f in second.result.findings} == codes
    assert _members(once) == _members(twice)
    # check (the batch review path) sees the user's value too
    forms = pipeline.find_forms(xlsx.read_grids(once), plan=False)
    assert ("PE201", "I11") in {(f.code, f.cell) for f in forms[0].result.findings}


def test_a_user_edit_after_scoring_wins_over_the_record(tmp_path):
    wb = openpyxl.load_workbook(EXAMPLE)
    wb[FORM]["I11"] = 3
    src = tmp_path / "typed.xlsx"
    wb.save(src)
    once = tmp_path / "1.xlsx"
    _score_write(src, once)
    wb = openpyxl.load_workbook(once)
    wb[FORM]["I11"] = 1.5  # the user corrects the score by hand
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    scored = pipeline.score_workbook(xlsx.read_grids(edited))
    assert ("PE201", "I11") not in {(f.code, f.cell) for f in scored.result.findings}


def test_note_blocks_keep_what_the_user_typed_inside_and_after():
    block = tool_block("PE201 得分超过分值\nPE402 未说明原因")
    user = "张三：请核实"
    note = f"{user}\n{block}"
    assert strip_tool_blocks(note) == user
    typed_inside = note.replace("\nPE402", "\n我已核实，情况属实\nPE402")
    assert strip_tool_blocks(typed_inside) == f"{user}\n我已核实，情况属实"
    typed_after = f"{note}\n补充：见附件"
    assert strip_tool_blocks(typed_after) == f"{user}\n补充：见附件"
    assert strip_tool_blocks(block) == ""
    assert strip_tool_blocks("PE201 用户自己写的 PE 开头的话") == "PE201 用户自己写的 PE 开头的话"  # no mark: not ours


def test_rescoring_keeps_text_the_user_typed_in_the_tools_note(tmp_path):
    once, edited, twice = tmp_path / "1.xlsx", tmp_path / "e.xlsx", tmp_path / "2.xlsx"
    _score_write(EXAMPLE, once)
    wb = openpyxl.load_workbook(once)
    ws = wb[FORM]
    ref, comment = next((c.coordinate, c.comment) for row in ws.iter_rows() for c in row
                        if c.comment and c.comment.text.startswith(NOTE_MARK))
    lines = comment.text.split("\n")
    typed = "\n".join(lines[:2] + ["单位回复：已补充说明"] + lines[2:]) + "\n另：见附件3"
    from openpyxl.comments import Comment

    ws[ref].comment = Comment(typed, comment.author)
    wb.save(edited)
    _score_write(edited, twice)
    text = openpyxl.load_workbook(twice)[FORM][ref].comment.text
    assert "单位回复：已补充说明" in text and "另：见附件3" in text
    assert text.count(NOTE_MARK) == 1
    assert strip_tool_blocks(text) == "单位回复：已补充说明\n另：见附件3"


def test_nan_row_height_gives_a_copy_the_tool_reopens(tmp_path):
    src = tmp_path / "nan.xlsx"
    parts = _members(EXAMPLE)
    form_part = _sheet_part(parts, FORM)
    import re

    from workbook.opc import set_attrs

    m = re.search(rb'<row r="3"[^>]*>', parts[form_part])
    parts[form_part] = parts[form_part].replace(m.group(0), set_attrs(m.group(0), {"ht": "NaN", "customHeight": "1"}), 1)
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    out = tmp_path / "out.xlsx"
    _score_write(src, out)
    rescored = pipeline.score_workbook(xlsx.read_grids(out))
    assert rescored.result.total == 97


def test_temp_files_are_hidden_and_recognisable():
    assert xlsx.is_temp_file(".~pe-score-0a1b2c3d4e5f.tmp")
    assert not xlsx.is_temp_file("附件2-1.xlsx")
    assert xlsx.TEMP_PREFIX.startswith(".")


def test_full_disk_leaves_the_original_intact_and_no_temp(tmp_path, monkeypatch):
    import errno
    import os

    from workbook.errors import UnsafeToWrite

    src = tmp_path / "in.xlsx"
    shutil.copy(EXAMPLE, src)
    original = src.read_bytes()
    scored = pipeline.score_workbook(xlsx.read_grids(src))
    real_write = os.write

    def full(fd, data):
        real_write(fd, bytes(data[:100]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(UnsafeToWrite) as err:
        xlsx.write_scored(src, None, scored.plan, in_place=True, backup=False)
    monkeypatch.setattr(os, "write", real_write)
    assert "磁盘空间不足" in str(err.value) and "No space" not in str(err.value)
    assert src.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]


@pytest.fixture(scope="module")
def soffice():
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice is not installed")
    return exe


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_opens_the_scored_rich_workbook_and_recalculates_alike(tmp_path, soffice):
    src = rich_xlsm(tmp_path)
    out = tmp_path / "scored.xlsm"
    scored = _score_write(src, out)
    conv = tmp_path / "lo"
    conv.mkdir()
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(conv), str(out)],
                   check=True, capture_output=True, timeout=180)
    redone = conv / "scored.xlsx"
    assert redone.exists(), "LibreOffice could not open the scored copy"
    wb = openpyxl.load_workbook(redone, data_only=True)
    assert EXPLAIN_SHEET in wb.sheetnames and FORM in wb.sheetnames and "数据" in wb.sheetnames
    # LibreOffice recalculated on load (fullCalcOnLoad): the form's own formulas agree with the engine
    ws = wb[FORM]
    form = scored.form
    for goal, result in zip(form.goals, scored.result.goals):
        if goal.subtotal_cell:
            value = ws[goal.subtotal_cell].value
            if isinstance(value, (int, float)):
                assert value == pytest.approx(result.score, abs=0.01), goal.subtotal_cell
    assert wb["数据"]["C2"].value == 30


def test_what_the_openpyxl_writer_dropped_now_survives(tmp_path):
    """Issue 9's list: protected ranges, ignored-error marks, read-only-recommended, dynamic-array metadata,
    another author's note formatting and visibility, printer settings — all in parts the tool edits."""
    import re

    from workbook.opc import set_attrs

    src = tmp_path / "rich.xlsx"
    wb = openpyxl.load_workbook(EXAMPLE)
    from openpyxl.comments import Comment

    wb[FORM]["A5"].comment = Comment("财务科：请于4月底前报送", "财务科")
    wb.save(src)
    parts = _members(src)
    form_part = _sheet_part(parts, FORM)
    xml = parts[form_part]
    protected = b'<protectedRanges><protectedRange name="\xe5\xa1\xab\xe6\x8a\xa5\xe5\x8c\xba" sqref="G11:H60"/></protectedRanges>'
    xml = re.sub(rb"(</sheetData>)", rb"\1" + protected.replace(b"\\", b"\\\\"), xml, count=1)
    ignored = b'<ignoredErrors><ignoredError sqref="G11:G60" numberStoredAsText="1"/></ignoredErrors>'
    at = xml.find(b"<legacyDrawing")
    xml = xml[:at] + ignored + xml[at:] if at > 0 else xml.replace(b"</worksheet>", ignored + b"</worksheet>")
    m = re.search(rb'<c r="C5"[^>]*?>', xml)
    xml = xml.replace(m.group(0), set_attrs(m.group(0), {"cm": "1"}), 1)  # dynamic-array metadata reference
    parts[form_part] = xml
    wbx = parts["xl/workbook.xml"]
    m = re.search(rb"<workbookPr\b[^>]*>", wbx)
    parts["xl/workbook.xml"] = wbx.replace(m.group(0), b'<fileSharing readOnlyRecommended="1"/>' + m.group(0), 1)
    parts["xl/metadata.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><metadata xmlns="http://schemas.'
                                b'openxmlformats.org/spreadsheetml/2006/main"><cellMetadata count="1"><bk><rc t="1" v="0"/>'
                                b"</bk></cellMetadata></metadata>")
    # the other author's note: bold name run, and shown (visible) on the sheet
    comments = next(n for n in parts if n.startswith("xl/comments") and n.endswith(".xml"))
    parts[comments] = re.sub(rb"<text><t>(\xe8\xb4\xa2\xe5\x8a\xa1\xe7\xa7\x91\xef\xbc\x9a)",
                             rb'<text><r><rPr><b/><sz val="9"/><color rgb="FFFF0000"/><rFont val="Tahoma"/></rPr><t>\1</t></r><r><t>',
                             parts[comments], count=1).replace(b"</t></text>", b"</t></r></text>", 1) \
        if re.search(rb"<text><t>\xe8\xb4\xa2", parts[comments]) else parts[comments]
    vml = next(n for n in parts if n.endswith(".vml"))
    parts[vml] = parts[vml].replace(b"visibility:hidden", b"visibility:visible", 1)
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    out = tmp_path / "out.xlsx"
    _score_write(src, out)
    after = _members(out)
    assert protected in after[form_part] and ignored in after[form_part]
    assert re.search(rb'<c r="C5"[^>]*cm="1"', after[form_part])
    assert b'<fileSharing readOnlyRecommended="1"/>' in after["xl/workbook.xml"]
    assert after["xl/metadata.xml"] == parts["xl/metadata.xml"]
    assert b"visibility:visible" in after[vml]
    ws = openpyxl.load_workbook(out, rich_text=True)[FORM]
    assert ws["A5"].comment.text.startswith("财务科：请于4月底前报送") and ws["A5"].comment.author == "财务科"
    if b"<rPr><b/>" in parts[comments]:
        assert b'<rPr><b/><sz val="9"/><color rgb="FFFF0000"/><rFont val="Tahoma"/></rPr>' in after[comments]


@pytest.mark.parametrize("bad", ["J11:J12", "XFD1048576", "<fill><patternFill", '<!DOCTYPE x [<!ENTITY a "b">]><fill/>',
                                 "<font/>"])
def test_an_edited_record_never_breaks_the_writer(tmp_path, bad):
    """A user (or an attacker) edits the hidden record: ranges, far cells, malformed or DTD-bearing fill XML."""
    once = tmp_path / "1.xlsx"
    _score_write(EXAMPLE, once)
    wb = openpyxl.load_workbook(once)
    ex = wb[EXPLAIN_SHEET]
    row = next(r for r in range(1, ex.max_row + 1) if ex.cell(r, 2).value and str(ex.cell(r, 2).value).startswith("FF"))
    if bad.startswith("<"):
        ex.cell(row, 3).value = bad
    else:
        ex.cell(row, 1).value = bad
        ex.cell(row + 1, 1).value = bad
        ex.cell(row + 1, 5).value = "原值"
    edited = tmp_path / "e.xlsx"
    wb.save(edited)
    # the writer itself (past the gate): never a crash, never a far cell, a copy that scores alike
    from workbook.surgical import surgical_write

    plan = pipeline.score_workbook(xlsx.read_grids(EXAMPLE)).plan
    out = tmp_path / "2.xlsx"
    out.write_bytes(surgical_write(edited, plan).data)
    with zipfile.ZipFile(out) as z:
        assert all(b"XFD1048576" not in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")
                   and b"<sheetData" in z.read(n) and n != _sheet_part(_members(out), EXPLAIN_SHEET))
    assert pipeline.score_workbook(xlsx.read_grids(out)).result.total == 97
    # the whole command: a result, or the gate's Chinese message about the edited record
    from workbook.errors import WorkbookError

    try:
        _score_write(edited, tmp_path / "3.xlsx")
    except WorkbookError as exc:
        assert "还原记录" in str(exc)


def test_sigterm_during_the_save_removes_the_temp_file(tmp_path, monkeypatch):
    """SIGTERM (a closed terminal, a service stop) while the temp file is being written: it is removed,
    the target is untouched, and the process exits with 143."""
    import os
    import signal

    target = tmp_path / "表.xlsx"
    target.write_bytes(b"original")
    real_write = os.write

    def interrupted(fd, data):
        real_write(fd, bytes(data[:10]))
        os.kill(os.getpid(), signal.SIGTERM)
        return 10

    monkeypatch.setattr(os, "write", interrupted)
    with pytest.raises(SystemExit) as exit_:
        xlsx.save_atomically(b"x" * 100_000, target)
    monkeypatch.setattr(os, "write", real_write)
    assert exit_.value.code == 143
    assert target.read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["表.xlsx"]
    assert signal.getsignal(signal.SIGTERM) is not None


def test_a_save_from_another_thread_leaves_the_signal_handlers_alone(tmp_path):
    """The add-in saves from a worker thread, where no signal handler can be installed: the save goes
    through and the process's SIGTERM handler is the one it had."""
    import signal
    import threading

    before = signal.getsignal(signal.SIGTERM)
    target = tmp_path / "表.xlsx"
    errors: list = []

    def save():
        try:
            xlsx.save_atomically(b"x" * 1000, target)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=save)
    worker.start()
    worker.join()
    assert errors == [] and target.read_bytes() == b"x" * 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["表.xlsx"]
    assert signal.getsignal(signal.SIGTERM) is before


def test_note_shapes_use_the_drawings_own_prefixes(tmp_path):
    """openpyxl writes VML with ns0/ns1/ns2 prefixes; added shapes must use those (an undeclared v: prefix
    makes the drawing unreadable and LibreOffice shows every note)."""
    import xml.etree.ElementTree as ET

    out = tmp_path / "o.xlsx"
    _score_write(EXAMPLE, out)
    for name, data in _members(out).items():
        if name.endswith(".vml"):
            root = ET.fromstring(data)  # well-formed, every prefix declared
            shapes = root.findall("{urn:schemas-microsoft-com:vml}shape")
            assert shapes and all("visibility:hidden" in s.get("style", "") for s in shapes)


def test_a_workbook_without_notes_gets_comments_vml_and_legacy_drawing(tmp_path):
    """openpyxl-made sheets have no xmlns:r on the root and no comments: the writer adds the parts, the
    relationship, the content types and a <legacyDrawing> in schema order."""
    import re

    wb = openpyxl.load_workbook(EXAMPLE)
    for row in wb[FORM].iter_rows():
        for c in row:
            if c.comment is not None:
                c.comment = None
    wb[FORM].conditional_formatting.add("I11:I60", openpyxl.formatting.rule.CellIsRule(operator="lessThan", formula=["0"]))
    src = tmp_path / "plain.xlsx"
    wb.save(src)
    assert not any(n.startswith("xl/comments") for n in _members(src))
    out = tmp_path / "out.xlsx"
    scored = _score_write(src, out)
    after = _members(out)
    form_part = _sheet_part(after, FORM)
    xml = after[form_part]
    assert re.search(rb"<legacyDrawing r:id=\"rId\d+\"/>", xml)
    order = [m.group(1).decode() for m in re.finditer(rb"<(\w+)\b", xml)]
    top = [n for n in order if n in ("conditionalFormatting", "pageMargins", "legacyDrawing")]
    assert top.index("legacyDrawing") > top.index("pageMargins") > top.index("conditionalFormatting")
    assert any(n.endswith(".vml") for n in after) and b"vml" in after["[Content_Types].xml"]
    ws = openpyxl.load_workbook(out)[FORM]
    def anchor(ref):
        for rng in ws.merged_cells.ranges:
            if ref in rng:
                return rng.start_cell.coordinate
        return ref

    got = {c.coordinate for row in ws.iter_rows() for c in row if c.comment is not None}
    assert got and got == {anchor(n.cell) for n in scored.plan.notes}
    assert all(ws[c].comment.text.startswith(NOTE_MARK) for c in got)
    # a clean rescore of a form with nothing to say would remove them again; here: rescoring is stable
    out2 = tmp_path / "out2.xlsx"
    _score_write(out, out2)
    assert _members(out2) == after


def test_a_chartsheet_named_like_the_explain_sheet_is_refused(tmp_path):
    from openpyxl.chart import BarChart

    from workbook.errors import UnsafeToWrite

    wb = openpyxl.load_workbook(EXAMPLE)
    cs = wb.create_chartsheet(EXPLAIN_SHEET)
    cs.add_chart(BarChart())
    src = tmp_path / "cs.xlsx"
    wb.save(src)
    scored = pipeline.score_workbook(xlsx.read_grids(src))
    with pytest.raises(UnsafeToWrite):
        xlsx.write_scored(src, tmp_path / "o.xlsx", scored.plan, force=True)


def _scan_tuple(sc):
    rows = {r: (ri.start, ri.tag_end, ri.end, ri.explicit, ri.attrs, [c.as_tuple() for c in ri.cells])
            for r, ri in sc.rows.items()}
    return (sc.prefix, sc.root_tag_end, sc.rel_prefix, sc.sheetdata_start, sc.sheetdata_tag_end, sc.sheetdata_close,
            sc.row_starts, rows, sc.children, sc.legacy_rid, sc.merges, sc.cols, sc.root_end)


def test_the_fast_sheet_scan_agrees_with_expat(tmp_path):
    """The tag-level row scan and a full expat parse find the same rows, cells, values and offsets, on
    openpyxl's, LibreOffice-like and odd spellings (prefixes, no r attributes, inline strings, phonetics)."""
    from workbook import sheetxml as sx

    samples = []
    for path in (EXAMPLE, EXAMPLE.parent.parent / "form_2-1.xlsx"):
        with zipfile.ZipFile(path) as z:
            samples += [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    samples.append(
        b'<?xml version="1.0"?>\n<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:sheetData><x:row><x:c t="inlineStr"><x:is><x:r><x:t>a&amp;b</x:t></x:r><x:rPh><x:t>PH</x:t></x:rPh></x:is></x:c>'
        b'<x:c s="3"><x:f>1+1</x:f><x:v>2</x:v></x:c><x:c/></x:row><x:row r="5" spans="1:2"/>'
        b'<x:row r="7"><x:c r="B7" t="str"><x:v>t&lt;x</x:v></x:c></x:row></x:sheetData>'
        b'<x:mergeCells count="1"><x:mergeCell ref="A1:B2"/></x:mergeCells></x:worksheet>')
    samples.append(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
    for data in samples:
        fast = sx._scan_fast(data, None)
        assert fast is not None
        assert _scan_tuple(fast) == _scan_tuple(sx.scan_expat(data, None))
    # a comment inside sheetData: the fast scan steps aside, expat scans
    odd = samples[-2].replace(b"<x:row r=\"5\"", b"<!-- <x:row r=\"9\"/> --><x:row r=\"5\"")
    assert sx._scan_fast(odd, None) is None
    assert [r for r, _, _ in sx.scan(odd, None).row_starts] == [1, 5, 7]


def test_control_characters_in_notes_and_explain_sheet_stay_well_formed(tmp_path):
    """Text pasted from Word carries control characters (Excel stores them as _x0001_): every part the
    writer produces stays well-formed XML and the copy reopens."""
    import xml.etree.ElementTree as ET

    from workbook.plan import Note

    plan = pipeline.score_workbook(xlsx.read_grids(EXAMPLE)).plan
    plan.notes.append(Note("B5", "PE999 单位名称含控制字符\x01\x0b结束"))
    plan.explain_rows.append(["控制\x02字符", "\x1f", "", "", "", "", ""])
    out = tmp_path / "o.xlsx"
    xlsx.write_scored(EXAMPLE, out, plan)
    for name, data in _members(out).items():
        if name.endswith((".xml", ".rels", ".vml")):
            ET.fromstring(data)
    assert pipeline.score_workbook(xlsx.read_grids(out)).result.total == 97


def test_cells_of_an_array_formula_are_never_written(tmp_path):
    import re

    parts = _members(EXAMPLE)
    form_part = _sheet_part(parts, FORM)
    xml = parts[form_part]
    m = re.search(rb'<c r="I11"[^>]*?(?:/>|>.*?</c>)', xml, re.S)
    xml = xml.replace(m.group(0), b'<c r="I11"><f t="array" ref="I11:I12">H11:H12*0</f><v>0</v></c>', 1)
    parts[form_part] = xml
    src = tmp_path / "arr.xlsx"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    scored = pipeline.score_workbook(xlsx.read_grids(src))
    assert (12, 9) in scored.plan.owned_cells()
    result = xlsx.write_scored(src, tmp_path / "o.xlsx", scored.plan)
    assert "I12" in result.skipped_formula_cells  # inside the array, though it holds no <f> of its own
    after = _members(tmp_path / "o.xlsx")[form_part]
    before_i12 = re.search(rb'<c r="I12"[^>]*?(?:/>|>.*?</c>)', xml, re.S).group(0)
    assert before_i12 in after and b'<f t="array" ref="I11:I12">H11:H12*0</f>' in after


def _with_part(src: Path, dst: Path, part: str, change) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, change(data) if info.filename == part else data)
    return dst


@pytest.mark.parametrize("part, change", [
    ("xl/styles.xml", lambda d: d[: len(d) // 2]),
    ("xl/workbook.xml", lambda d: d[:-20]),
], ids=["styles-cut", "workbook-cut"])
def test_a_broken_part_is_refused_in_chinese_and_nothing_is_written(tmp_path, part, change):
    import re

    from workbook.errors import UnsafeToWrite

    scored = pipeline.score_workbook(xlsx.read_grids(EXAMPLE))
    src = _with_part(EXAMPLE, tmp_path / "坏.xlsx", part, change)
    with pytest.raises(UnsafeToWrite) as err:
        xlsx.write_scored(src, tmp_path / "o.xlsx", scored.plan, force=True)
    text = str(err.value)
    assert "结构无法识别" in text
    english = re.findall(r"[A-Za-z]{2,}", text.replace(src.name, ""))
    assert set(english) <= {"XML", "DTD"}, text
    assert not (tmp_path / "o.xlsx").exists()


@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_every_part_the_writer_parses_refuses_an_entity_declaration(tmp_path, part):
    # The gate refuses such a file before; the writer's own parsers refuse it too (one expat set-up).
    from workbook.errors import UnsafeToWrite
    from workbook.surgical import surgical_write

    scored = pipeline.score_workbook(xlsx.read_grids(EXAMPLE))
    src = _with_part(EXAMPLE, tmp_path / "dtd.xlsx", part,
                     lambda d: b'<!DOCTYPE x [<!ENTITY a "' + b"b" * 10 + b'">]>' + d)
    with pytest.raises(UnsafeToWrite, match="实体声明"):
        surgical_write(src, scored.plan)


def test_comments_part_edits_keep_what_the_tool_does_not_own():
    """The comments part is edited through a small tree of its own: prefixes, unknown attributes and
    elements, the user's rich-text runs and odd characters all come back; the tool's block is added to
    and removed from the notes as text."""
    import xml.etree.ElementTree as ET

    from workbook import notes as N

    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    src = (f'<?xml version="1.0" encoding="UTF-8"?>\n<x:comments xmlns:x="{ns}" xmlns:xr="urn:xr" xr:v="1">'
           '<x:authors><x:author>张三</x:author></x:authors><x:commentList>'
           '<x:comment ref="B2" authorId="0" xr:uid="{A}"><x:text><x:r><x:rPr><x:b/><x:sz val="9"/></x:rPr>'
           '<x:t xml:space="preserve">张三：\n请核实 a&lt;b &amp; "c"</x:t></x:r></x:text></x:comment>'
           '</x:commentList><x:extLst><x:ext uri="{X}"><?keep me?></x:ext></x:extLst></x:comments>').encode()
    c = N.Comments(src)
    assert c.authors() == ["张三"] and c.refs() == ["B2"]
    assert c.add_block("B2", N.tool_block("PE201 得分超过分值")) is False
    assert c.add_block("C3", N.tool_block("PE402 说明\x01")) is True
    out = c.xml()
    root = ET.fromstring(out)
    assert root.tag == f"{{{ns}}}comments" and root.get("{urn:xr}v") == "1"
    assert [a.text for a in root.iter(f"{{{ns}}}author")] == ["张三", N.AUTHOR]
    first = root.find(f"{{{ns}}}commentList/{{{ns}}}comment")
    assert first.get("{urn:xr}uid") == "{A}"
    runs = first.findall(f"{{{ns}}}text/{{{ns}}}r")
    assert len(runs) == 2 and runs[1].find(f"{{{ns}}}rPr/{{{ns}}}b") is not None  # the user's font, copied
    assert runs[0].find(f"{{{ns}}}t").text == '张三：\n请核实 a<b & "c"'
    assert b"<?keep me?>" in out and b"<x:extLst>" in out
    assert "_x0001_" in N.Comments(out).text("C3")
    # and a later run removes exactly the tool's text again
    again = N.Comments(out)
    assert again.strip_tool_blocks() == ["C3"]
    assert again.text("B2") == '张三：\n请核实 a<b & "c"' and again.refs() == ["B2"]


def test_the_direct_reading_of_cell_references_agrees_with_parse_a1():
    """The sheet scan reads canonical ``r`` values ("B12") without a regular expression; every other
    spelling goes through ``parse_a1`` as before, so both give the same cell (or none)."""
    from workbook import sheetxml as sx
    from workbook.opc import attr_unescape

    for raw in [b"A1", b"B12", b"XFD1048576", b"b2", b"$B$2", b"A0", b"A01", b"AAAA1", b"1", b"A", b"",
                b"&#66;2", b" B2", b"Z26", b"AA27", b"A\xd9\xa1", b"B2:C3"]:
        assert sx._cell_ref(raw, attr_unescape) == sx._ref(attr_unescape(raw)), raw


def test_a_file_changed_after_the_gate_is_gated_again(tmp_path):
    """The command line reads a form through the gate and hands the writer the file's ``os.stat`` from
    before; the writer skips a second gate only while the file is unchanged (same inode, size, mtime,
    ctime). A file replaced in between (here by a bomb-sized part) is gated again and refused."""
    import os
    import time

    from workbook.errors import UnreadableFile

    src = tmp_path / "表.xlsx"
    shutil.copy(EXAMPLE, src)
    before = os.stat(src)
    plan = pipeline.score_workbook(xlsx.read_grids(src)).plan
    assert xlsx.same_file_state(src, before)
    xlsx.write_scored(src, tmp_path / "a.xlsx", plan, gated=before)
    assert (tmp_path / "a.xlsx").exists()

    time.sleep(0.01)
    src.touch()  # same bytes, new times: no longer the state the gate saw
    assert not xlsx.same_file_state(src, before)

    with zipfile.ZipFile(EXAMPLE) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/styles.xml":  # 300 MB of nothing behind the real part: a bomb
                data = data + b" " * 300_000_000
            zout.writestr(info, data)
    with pytest.raises(UnreadableFile):
        xlsx.write_scored(src, tmp_path / "b.xlsx", plan, gated=before)
    assert not (tmp_path / "b.xlsx").exists()


@pytest.mark.parametrize("bom", [b"", b"\xff\xfe"])
def test_parts_in_utf16_are_edited_as_text_not_bytes(tmp_path, bom):
    """A workbook part and a styles part stored as UTF-16 (as declared; with or without a byte-order
    mark) are edited after decoding: the copy is well-formed and scores again (found by tests/fuzz.py:
    byte offsets in UTF-16 made two edits overlap)."""
    src = tmp_path / "utf16.xlsx"
    with zipfile.ZipFile(EXAMPLE) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in ("xl/workbook.xml", "xl/styles.xml"):
                text = data.decode("utf-8")
                if not text.startswith("<?xml"):
                    text = '<?xml version="1.0" encoding="UTF-8"?>' + text
                text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
                data = bom + text.encode("utf-16-le")
            zout.writestr(info, data)
    out = tmp_path / "out.xlsx"
    plan = pipeline.score_workbook(xlsx.read_grids(src)).plan
    xlsx.write_scored(src, out, plan)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-1] == EXPLAIN_SHEET
    again = tmp_path / "again.xlsx"
    xlsx.write_scored(out, again, pipeline.score_workbook(xlsx.read_grids(out)).plan)
    with zipfile.ZipFile(out) as a, zipfile.ZipFile(again) as b:
        assert a.read("xl/worksheets/sheet1.xml") == b.read("xl/worksheets/sheet1.xml")


def test_cells_found_by_reference_agree_with_the_whole_row(tmp_path):
    """The writer finds the cells it touches by their reference (``<c r="J12"``) without reading the rest
    of the row, and rewrites only those cells: the same cells, and the same bytes, as reading and
    rewriting whole rows."""
    from workbook import sheetxml as sx

    plan = pipeline.score_workbook(xlsx.read_grids(EXAMPLE)).plan
    with zipfile.ZipFile(EXAMPLE) as z:
        data = z.read("xl/worksheets/sheet1.xml")
    wanted = {b.row + i: b.col for b in plan.blocks for i in range(len(b.values))}
    direct, whole = sx.scan(data, set(wanted)), sx.scan(data, set(wanted))
    full = {r: {c.col: c.as_tuple() for c in row.cells} for r, row in whole.rows.items()}
    for r, cells in full.items():
        for col, expected in cells.items():
            assert direct.rows[r].cell(col).as_tuple() == expected, (r, col)
    assert full and all(direct.rows[r]._cells is None for r in direct.rows)  # no row read whole
    for r, cells in full.items():  # a column without a cell: the row is read whole to be sure
        assert [direct.rows[r].cell(col) for col in range(1, 14) if col not in cells] == [None] * (13 - len(cells))

    edits = {(r, c): sx.CellEdit(value=f"值{r}", style=3) for r, c in wanted.items() if c in full[r]}
    direct = sx.scan(data, set(wanted))
    for (r, c) in edits:
        direct.rows[r].cell(c)
    assert edits and all(direct.rows[r]._cells is None for r, _ in edits)
    assert sx.splice(data, direct, edits) == sx.splice(data, whole, edits)


def test_the_writer_reads_a_plain_and_an_unusual_zip_directory_alike(tmp_path):
    """The writer reads the zip directory from the file's bytes when it is laid out plainly (no
    zipfile), else through zipfile (here: an archive comment); both give the same entries and the same
    written workbook, byte for byte, and a member stored without compression is read either way."""
    from workbook.opc import Package

    plain = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(EXAMPLE) as zin, zipfile.ZipFile(plain, "w") as zout:
        for info in zin.infolist():  # one member stored, the rest deflated: both read by the lean path
            method = zipfile.ZIP_STORED if info.filename == "docProps/app.xml" else zipfile.ZIP_DEFLATED
            zout.writestr(info, zin.read(info), compress_type=method)
    commented = tmp_path / "commented.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(commented, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info), compress_type=info.compress_type)
        zout.comment = b"pe-score test"
    fields = ("filename", "orig_filename", "flag_bits", "compress_type", "CRC", "compress_size", "file_size",
              "create_system", "external_attr", "date_time")
    with Package(plain) as a, Package(commented) as b:
        assert a._zf is None and b._zf is not None  # lean directory / zipfile
        assert [tuple(getattr(i, f) for f in fields) for i in a.infos] == [
            tuple(getattr(i, f) for f in fields) for i in b.infos]
        assert all(a.read(n) == b.read(n) for n in a.names)
    out_a, out_b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    _score_write(plain, out_a)
    _score_write(commented, out_b)
    assert out_a.read_bytes() == out_b.read_bytes()
    with zipfile.ZipFile(out_a) as z:
        assert z.testzip() is None
        assert z.getinfo("docProps/app.xml").compress_type == zipfile.ZIP_STORED  # copied as it was
