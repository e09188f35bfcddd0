"""Hostile workbooks by class, several per class, for the safety gate (``workbook.safety`` +
``workbook.gate``) and the fuzzer. Built by code from the seed form, like ``tests/corpus/build.py``.

    python -m tests.corpus.adversarial OUT_DIR

Each entry: (class, name, expect, bytes) with expect "refuse" (``check_file`` refuses it, both tiers,
before any reader opens it), "read" (accepted, and both readers read it within bounded memory) or
"any" (either, never a crash).
"""
from __future__ import annotations

import functools
import io
import sys
import zipfile
from pathlib import Path
from typing import Callable, Optional

from tests.corpus.build import _example_bytes, _member, _rezip, _with_shared_strings

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@functools.lru_cache(maxsize=1)
def _sheet() -> str:
    return _member(_example_bytes(), SHEET).decode("utf-8")


def _with_sheet(xml: str, extra: Optional[dict] = None) -> bytes:
    return _rezip(_example_bytes(), {SHEET: xml.encode("utf-8")}, extra)


def _rows(rows_xml: str) -> bytes:
    """Rows appended at the end of sheetData."""
    s = _sheet()
    at = s.rindex("</sheetData>")
    return _with_sheet(s[:at] + rows_xml + s[at:])


def _after_sheetdata(fragment: str, before: str = "<pageMargins") -> bytes:
    s = _sheet()
    at = s.index(before) if before in s else s.rindex("</worksheet>")
    return _with_sheet(s[:at] + fragment + s[at:])


def _merge(*refs: str) -> bytes:
    s = _sheet()
    at = s.index("</mergeCells>")
    return _with_sheet(s[:at] + "".join(f'<mergeCell ref="{ref}"/>' for ref in refs) + s[at:])


def _merged_sheet(*refs: str) -> str:
    s = _sheet()
    at = s.index("</mergeCells>")
    return s[:at] + "".join(f'<mergeCell ref="{ref}"/>' for ref in refs) + s[at:]


def _unknown_type(xml: str) -> str:
    """One cell of a type python-calamine does not know: the readers fall back to openpyxl."""
    at = xml.rindex("</sheetData>")
    return xml[:at] + '<row r="75"><c r="A75" t="zz"><v>1</v></c></row>' + xml[at:]


def _ods_repeat(rows_xml: str) -> bytes:
    """The seed form as OpenDocument (tests/corpus/build.py's builder) with rows appended to its table."""
    from tests.corpus.build import _e_ods_form

    data = _e_ods_form()
    content = _member(data, "content.xml").decode()
    at = content.rindex("</table:table>")
    return _rezip(data, {"content.xml": (content[:at] + rows_xml + content[at:]).encode()})


def _xls(*sheets: list) -> bytes:
    import xlwt

    wb = xlwt.Workbook()
    for i, cells in enumerate(sheets):
        ws = wb.add_sheet(f"s{i}")
        for r, c, v in cells:
            ws.write(r, c, v)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sst(attrs: str, items: str = "<si><t>x</t></si>") -> bytes:
    xml = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" {attrs}>{items}</sst>'
    return _with_shared_strings(_example_bytes(), xml.encode("utf-8"))


def _relocated(sheet_xml: str, target: str) -> bytes:
    """The sheet stored under another name, found only through the workbook's relationships."""
    data = _example_bytes()
    rels = _member(data, "xl/_rels/workbook.xml.rels").decode()
    ct = _member(data, "[Content_Types].xml").decode()
    member = target.lstrip("/") if target.startswith("/") else "xl/" + target
    rels = rels.replace('Target="/xl/worksheets/sheet1.xml"', f'Target="{target}"').replace(
        'Target="worksheets/sheet1.xml"', f'Target="{target}"')
    ct = ct.replace("/xl/worksheets/sheet1.xml", "/" + member)
    sheet_rels = _member(data, "xl/worksheets/_rels/sheet1.xml.rels")
    folder = member.rsplit("/", 1)[0]
    base = member.rsplit("/", 1)[1]
    return _rezip(data, {SHEET: None, "xl/worksheets/_rels/sheet1.xml.rels": None,
                         "xl/_rels/workbook.xml.rels": rels.encode(), "[Content_Types].xml": ct.encode()},
                  {member: sheet_xml.encode(), f"{folder}/_rels/{base}.rels": sheet_rels})


def _far(s: str) -> str:
    at = s.rindex("</sheetData>")
    return s[:at] + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + s[at:]


def _duplicate(name: str, upper: bool = False) -> bytes:
    data = _example_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: that is the point
            dst.writestr(name.upper() if upper else name, _far(_sheet()).encode())
    return out.getvalue()


def _record(refs: list[str]) -> bytes:
    """A workbook carrying a 评分说明 sheet whose undo record names ``refs``."""
    from openpyxl import load_workbook

    from workbook.plan import EXPLAIN_SHEET
    from workbook.record import record_rows

    wb = load_workbook(io.BytesIO(_example_bytes()))
    ws = wb.create_sheet(EXPLAIN_SHEET)
    ws.append(["评分说明"])
    for row in record_rows([(r, "", "", "批注") for r in refs]):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _comment_ref(ref: str) -> bytes:
    data = _example_bytes()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    part = next(n for n in names if n.startswith("xl/comments"))
    xml = _member(data, part).decode()
    import re

    xml = re.sub(r'ref="[A-Z]+[0-9]+"', f'ref="{ref}"', xml, count=1)
    return _rezip(data, {part: xml.encode()})


def _inline(text: str) -> bytes:
    from xml.sax.saxutils import escape

    return _rows(f'<row r="70"><c r="A70" t="inlineStr"><is><t>{escape(text)}</t></is></c></row>')


FAR = "XFD1048576"
ENTRIES: list[tuple[str, str, str, Callable[[], bytes]]] = [
    # reference spellings the old regular-expression gate missed (python-calamine aborts on each)
    ("ref_spelling", "quote.xlsx", "refuse", lambda: _rows(f"<row r='100'><c r='{FAR}'><v>1</v></c></row>")),
    ("ref_spelling", "spaces.xlsx", "refuse", lambda: _rows(f'<row r="100"><c r = "{FAR}" ><v>1</v></c></row>')),
    ("ref_spelling", "lower.xlsx", "refuse", lambda: _rows(f'<row r="100"><c r="{FAR.lower()}"><v>1</v></c></row>')),
    ("ref_spelling", "prefix.xlsx", "refuse", lambda: _rows(
        f'<row r="100"><x:c xmlns:x="{MAIN_NS}" r="{FAR}"><x:v>1</x:v></x:c></row>')),
    ("ref_spelling", "digits20.xlsx", "refuse", lambda: _rows('<row r="100"><c r="A99999999999999999999"><v>1</v></c></row>')),
    ("ref_spelling", "row0.xlsx", "refuse", lambda: _rows('<row r="100"><c r="B0"><v>1</v></c></row>')),
    ("ref_spelling", "col_xfe.xlsx", "refuse", lambda: _rows('<row r="100"><c r="XFE100"><v>1</v></c></row>')),
    ("ref_spelling", "charref.xlsx", "refuse", lambda: _rows(f'<row r="100"><c r="&#88;FD1048576"><v>1</v></c></row>')),
    # a second r on a cell: not well-formed, but python-calamine takes the last one and aborts
    ("ref_spelling", "second_r.xlsx", "refuse", lambda: _rows(f'<row r="100"><c r="A100" r="{FAR}"><v>1</v></c></row>')),
    ("ref_spelling", "second_r_spaced.xlsx", "refuse", lambda: _rows(
        f'<row r="100"><c r="A100" s="0"  r="{FAR}"><v>1</v></c></row>')),
    # cells without r: the position comes from the row and the cells before
    ("no_r", "row_far.xlsx", "refuse", lambda: _rows('<row r="1048576"><c><v>1</v></c><c><v>2</v></c></row>')),
    # a row numbered past the grid, its cells inside: the deep tier refused it, the fast tier let it through
    ("no_r", "row_past_grid.xlsx", "refuse", lambda: _rows('<row r="2000000"><c r="A100"><v>1</v></c></row>')),
    ("no_r", "rows_counted.xlsx", "read", lambda: _rows('<row r="80"><c><v>1</v></c></row><row><c/><c><v>2</v></c></row>')),
    ("no_r", "row_20_digits.xlsx", "refuse", lambda: _rows('<row r="99999999999999999999"><c><v>1</v></c></row>')),
    ("no_r", "wide_row.xlsx", "refuse", lambda: _rows('<row r="90">' + "<c/>" * 16400 + "</row>")),
    # sheets stored elsewhere, found through the workbook's relationships
    ("relocated", "relative.xlsx", "refuse", lambda: _relocated(_far(_sheet()), "data/part9.xml")),
    ("relocated", "absolute.xlsx", "refuse", lambda: _relocated(_far(_sheet()), "/custom/s.xml")),
    ("relocated", "relocated_ok.xlsx", "read", lambda: _relocated(_sheet(), "data/part9.xml")),
    # stored under a name that does not end in .xml: python-calamine reads whatever the relationships name
    ("relocated", "relocated_bin.xlsx", "refuse", lambda: _relocated(_far(_sheet()), "data/part9.bin")),
    ("relocated", "relocated_no_suffix.xlsx", "refuse", lambda: _relocated(_far(_sheet()), "data/part9")),
    # ranges a library expands cell by cell
    ("ranges", "merge_huge.xlsx", "refuse", lambda: _merge("K1:XFD1048576")),
    ("ranges", "merge_many.xlsx", "refuse", lambda: _merge(*[f"K{i * 600 + 1}:Z{i * 600 + 500}" for i in range(30)])),
    ("ranges", "hyperlink_range.xlsx", "refuse", lambda: _after_sheetdata(
        '<hyperlinks><hyperlink ref="K1:XFD1048576" display="x" location="A1"/></hyperlinks>')),
    ("ranges", "comment_range.xlsx", "refuse", lambda: _comment_ref("K1:XFD1048576")),
    ("ranges", "shared_formula.xlsx", "refuse", lambda: _rows(
        '<row r="70"><c r="K70"><f t="shared" ref="K70:XFD1048576" si="9">1+1</f><v>2</v></c></row>')),
    ("ranges", "validation_whole_column.xlsx", "read", lambda: _after_sheetdata(
        '<dataValidations count="1"><dataValidation type="list" sqref="K1:K1048576">'
        '<formula1>"a,b"</formula1></dataValidation></dataValidations>')),
    # the openpyxl fallback (python-calamine cannot read an unknown cell type) on expanded ranges
    ("fallback", "fallback_merge_ok.xlsx", "read", lambda: _with_sheet(_unknown_type(_merged_sheet("K1:Z1000")))),
    ("fallback", "fallback_merge_huge.xlsx", "refuse", lambda: _with_sheet(_unknown_type(_merged_sheet("K1:XFD1048576")))),
    ("fallback", "fallback_hyperlinks.xlsx", "refuse", lambda: _with_sheet(_unknown_type(_sheet().replace(
        "<pageMargins", '<hyperlinks><hyperlink ref="A1:XFD1048576" location="A1"/></hyperlinks><pageMargins', 1)))),
    # a BIFF .xls: the cell records' positions (python-calamine allocates the span densely here too)
    ("xls", "xls_far.xls", "refuse", lambda: _xls([(0, 0, "a"), (65535, 255, 1)])),
    ("xls", "xls_two_sheets.xls", "read", lambda: _xls([(0, 0, "a"), (100, 9, 1)], [(3, 3, "x")])),
    # OpenDocument: repeated rows and columns are expanded up to the last cell holding something
    ("ods", "ods_repeated_far.ods", "refuse", lambda: _ods_repeat(
        '<table:table-row table:number-rows-repeated="999999"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell table:number-columns-repeated="11"/>'
        '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
        '</table:table-row>')),
    ("ods", "ods_trailing_repeats.ods", "read", lambda: _ods_repeat(
        '<table:table-row table:number-rows-repeated="1048500"><table:table-cell '
        'table:number-columns-repeated="16384"/></table:table-row>')),
    # the shared-string table (calamine reserves memory for uniqueCount before reading)
    ("shared_strings", "unique_huge.xlsx", "refuse", lambda: _sst('count="1" uniqueCount="4000000000"')),
    ("shared_strings", "unique_text.xlsx", "refuse", lambda: _sst('count="1" uniqueCount="lots"')),
    ("shared_strings", "count_huge_only.xlsx", "read", lambda: _sst('count="4000000000" uniqueCount="1"')),
    # long strings
    ("long_strings", "text_2mb.xlsx", "refuse", lambda: _inline("长" * 700_000)),
    ("long_strings", "text_32k.xlsx", "read", lambda: _inline("长" * 32_000)),
    # duplicated and missing parts
    ("parts", "duplicate_sheet.xlsx", "refuse", lambda: _duplicate(SHEET)),
    ("parts", "duplicate_case.xlsx", "refuse", lambda: _duplicate(SHEET, upper=True)),
    ("parts", "missing_sheet.xlsx", "any", lambda: _rezip(_example_bytes(), {SHEET: None})),
    ("parts", "missing_styles.xlsx", "any", lambda: _rezip(_example_bytes(), {"xl/styles.xml": None})),
    # a scored copy's undo record (评分说明) naming cells the tool never writes: accepted (no reader
    # expands the record; the writer ignores entries it did not write, tests/test_surgical.py)
    ("record", "record_range.xlsx", "read", lambda: _record(["J11:J12"])),
    ("record", "record_far.xlsx", "read", lambda: _record([FAR])),
    ("record", "record_junk.xlsx", "read", lambda: _record(["=HYPERLINK(\"x\")"])),
    ("record", "record_ok.xlsx", "read", lambda: _record(["J11", "I10"])),
]


def build(out_dir: str | Path) -> list[tuple[str, str, str, Path]]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for cls, name, expect, fn in ENTRIES:
        path = out / name
        path.write_bytes(fn())
        made.append((cls, name, expect, path))
    return made


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__)
        return 2
    for cls, name, expect, path in build(argv[0]):
        print(f"{cls:15} {expect:7} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
