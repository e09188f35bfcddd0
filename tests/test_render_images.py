"""tools/render_images.py: one sheet printed at a time, pictures cropped to what is printed."""
from __future__ import annotations

import shutil
import struct
import subprocess
import zipfile

import pytest
from openpyxl import Workbook

from tools import render_images as ri


def _book(path):
    wb = Workbook()
    first = wb.active
    first.title = "附件2-1"
    first["A1"] = "第一张表的内容"
    first.print_area = "A1:C3"  # a print area: LibreOffice would print this sheet even when hidden
    second = wb.create_sheet("评分说明")
    second["A1"] = "第二张表的内容"
    wb.save(path)
    return path


def test_only_sheet_hides_the_others_and_their_print_areas(tmp_path):
    src = _book(tmp_path / "two.xlsx")
    out = ri.only_sheet(src, "评分说明", tmp_path / "one.xlsx")
    assert ri.sheet_names(out) == ["附件2-1", "评分说明"]
    with zipfile.ZipFile(out) as z:
        book = z.read("xl/workbook.xml").decode()
    assert '<sheet name="附件2-1"' in book and 'state="hidden"' in book
    assert book.count('state="hidden"') == 1 and "Print_Area" not in book and 'activeTab="1"' in book
    with pytest.raises(KeyError):
        ri.only_sheet(src, "没有这张表", tmp_path / "x.xlsx")


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _have_tools():
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    return shutil.which("soffice") and shutil.which("pdftoppm") and shutil.which("pdftotext") and fonts.strip()


needs_tools = pytest.mark.skipif(not _have_tools(), reason="needs LibreOffice, poppler-utils and a CJK font")


@pytest.mark.libreoffice
@needs_tools
def test_printed_sheet_holds_only_that_sheet(tmp_path):
    src = _book(tmp_path / "two.xlsx")
    office = ri._Office(tmp_path)
    for sheet, text, other in (("评分说明", "第二张表的内容", "第一张表的内容"),
                               ("附件2-1", "第一张表的内容", "第二张表的内容")):
        pdf = office.to_pdf(ri.only_sheet(src, sheet, tmp_path / f"{sheet}.xlsx"), tmp_path)
        printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert text in printed and other not in printed
        png = ri.page_png(pdf, 1, tmp_path / f"{sheet}.png", tmp_path)
        w, h = _png_size(png)
        assert 50 < w < 600 and 10 < h < 200  # cropped to the one line of text, not the A4 page


def test_terminal_book_is_80_columns_whatever_the_text(tmp_path):
    """The terminal is as wide as an 80-column terminal, not as the longest line; a line that
    overflows (Chinese characters take two cells) widens it."""
    from openpyxl import load_workbook

    def width(text):
        return load_workbook(ri._terminal_book(text, tmp_path / "t.xlsx")).active.column_dimensions["A"].width

    assert width("短") == width("x" * 40) == width("x" * 80)
    assert width("中" * 41) > width("x" * 80)


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_tools
def test_help_screen_picture(tmp_path):
    assert ri.main(["--only", "help", "help-score", "--out", str(tmp_path)]) == 0
    w, h = _png_size(tmp_path / "cli_help.png")
    w2, h2 = _png_size(tmp_path / "cli_help_score.png")
    # two 80-column terminal screens: equally wide (whatever their longest lines), and the top-level
    # help (about 30 lines) wider than tall, as 80x30 cells of a terminal are
    assert w == w2 and w > 600
    assert 200 < h < w and h < h2 < 3 * w


def test_every_picture_is_documented_and_rendered_by_the_script():
    """docs/images.md lists each PNG in docs/images/, and the script names each of them."""
    import inspect

    doc = (ri.ROOT / "docs" / "images.md").read_text(encoding="utf-8")
    source = inspect.getsource(ri)
    pngs = sorted(p.name for p in (ri.ROOT / "docs" / "images").glob("*.png"))
    assert pngs
    for name in pngs:
        assert f"`{name}`" in doc, name
        assert f'"{name}"' in source, name
