"""Render the pictures in docs/images/ from what the tool really produces.

    python -m tools.render_images              # all pictures into docs/images/
    python -m tools.render_images --only help  # some of them (names below)
    python -m tools.render_images --keep DIR   # also keep the workbooks and PDFs made on the way

Each picture is made the way a user would see it printed: the tool writes a workbook (the scored
example, the batch summary), LibreOffice prints one sheet of it to PDF (the other sheets hidden in
a copy), ``pdftoppm`` turns a page into PNG, cropped to what is printed. The help screen is the
text ``pe-score --help`` prints, set in a monospaced CJK font in an HTML page that LibreOffice
prints the same way.

Needs (Debian): libreoffice-calc, libreoffice-writer, poppler-utils, and a CJK font
(fonts-wqy-zenhei; without one LibreOffice prints Chinese as empty boxes).
Run it again whenever the CLI, the scored copy or the summary change; the pictures are meant to
be re-rendered, not edited.
"""
from __future__ import annotations

import argparse
import copy
import itertools
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"
DPI = 110
MONO_FONT = "WenQuanYi Zen Hei Mono"


# ---- tools ------------------------------------------------------------------------------------


def _need(program: str, package: str) -> None:
    if shutil.which(program) is None:
        sys.exit(f"render_images: {program} is missing (Debian package {package})")


def _check_tools() -> None:
    _need("soffice", "libreoffice-calc")
    _need("pdftoppm", "poppler-utils")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    if not fonts.strip():
        sys.exit("render_images: no CJK font installed, Chinese would print as boxes "
                 "(Debian package fonts-wqy-zenhei)")


class _Office:
    """One LibreOffice profile for every conversion of a run (a fresh profile per call is slow)."""

    def __init__(self, work: Path) -> None:
        self.profile = work / "lo-profile"

    def to_pdf(self, src: Path, outdir: Path, filter_name: str = "pdf") -> Path:
        subprocess.run(["soffice", f"-env:UserInstallation={self.profile.as_uri()}", "--headless",
                        "--convert-to", filter_name, "--outdir", str(outdir), str(src)],
                       check=True, capture_output=True, timeout=300)
        pdf = outdir / (src.stem + ".pdf")
        if not pdf.exists():
            raise RuntimeError(f"LibreOffice did not print {src.name}")
        return pdf


def _run_cli(*args: str, env: Optional[dict] = None) -> subprocess.CompletedProcess:
    """The command as a user runs it (``pe-score`` is ``python -m pe_score``)."""
    return subprocess.run([sys.executable, "-m", "pe_score", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=300)


# ---- one sheet of a workbook, printed --------------------------------------------------------

_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b[^>]*?/>")
_NAME = re.compile(r'\bname="([^"]*)"')


def sheet_names(xlsx: Path) -> list[str]:
    with zipfile.ZipFile(xlsx) as z:
        book = z.read("xl/workbook.xml").decode("utf-8")
    return [html.unescape(_NAME.search(tag).group(1)) for tag in _SHEET_TAG.findall(book)]


def only_sheet(xlsx: Path, sheet: str, out: Path) -> Path:
    """A copy of ``xlsx`` where every sheet but ``sheet`` is hidden and ``sheet`` is the active one.

    Done on workbook.xml alone, so charts, comments and styles stay exactly as the tool wrote them
    (loading and saving with openpyxl would drop the charts)."""
    names = sheet_names(xlsx)
    if sheet not in names:
        raise KeyError(f"{xlsx.name} has no sheet {sheet!r} (it has {names})")
    index = names.index(sheet)

    def fix_sheet(m: re.Match) -> str:
        tag = re.sub(r'\sstate="[^"]*"', "", m.group(0))
        name = html.unescape(_NAME.search(tag).group(1))
        return tag if name == sheet else tag[:-2].rstrip() + ' state="hidden"/>'

    with zipfile.ZipFile(xlsx) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                text = _SHEET_TAG.sub(fix_sheet, data.decode("utf-8"))
                # LibreOffice prints a hidden sheet that has a print area: drop the others' areas
                text = re.sub(r'<definedName name="_xlnm\.Print_Area" localSheetId="(\d+)"[^>]*>[^<]*</definedName>',
                              lambda d: d.group(0) if int(d.group(1)) == index else "", text)
                text = re.sub(r'\s(activeTab|firstSheet)="\d+"', "", text)
                text = re.sub(r"<((?:\w+:)?workbookView)\b", rf'<\1 activeTab="{index}" firstSheet="{index}"', text)
                data = text.encode("utf-8")
            elif re.fullmatch(r"xl/worksheets/sheet\d+\.xml", info.filename):
                data = re.sub(rb'\stabSelected="1"', b"", data)  # a selected hidden sheet would still print
            dst.writestr(info, data)
    return out


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout \
        if shutil.which("pdfinfo") else ""
    m = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(m.group(1)) if m else 1


def _grey(pdf: Path, page: int, dpi: int, work: Path) -> tuple[int, int, bytes]:
    """``page`` rendered in greys: width, height and one byte a pixel (0 black .. 255 white)."""
    stem = work / f"grey-{pdf.stem}-{page}-{dpi}"
    pgm = Path(str(stem) + ".pgm")
    if not pgm.exists():
        subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                        str(pdf), str(stem)], check=True, capture_output=True)
    raw = pgm.read_bytes()
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", raw)
    return int(m.group(1)), int(m.group(2)), raw[m.end():]


_INK = 245  # lighter than this is paper


def _bbox(pdf: Path, page: int, dpi: int, work: Path) -> tuple[int, int, int, int]:
    """Pixel box (x, y, w, h) of everything printed on ``page``, with a small margin."""
    w, h, pixels = _grey(pdf, page, dpi, work)
    rows = [y for y in range(h) if min(pixels[y * w:(y + 1) * w]) < _INK]
    if not rows:
        return 0, 0, w, h
    top, bottom = rows[0], rows[-1]
    band = pixels[top * w:(bottom + 1) * w]
    cols = [x for x in range(w) if min(band[x::w]) < _INK]
    left, right = cols[0], cols[-1]
    pad = max(6, dpi // 10)
    x0, y0 = max(0, left - pad), max(0, top - pad)
    return x0, y0, min(w, right + pad + 1) - x0, min(h, bottom + pad + 1) - y0


def _without_footer(pdf: Path, page: int, dpi: int, work: Path, box: tuple[int, int, int, int]) -> tuple:
    """The page footer (第 N 页，共 M 页) sits far below a page's last row: crop it off with the gap.
    Only a last block under half an inch tall, after a gap, counts as the footer."""
    x, y, w, h = box
    pw, _, pixels = _grey(pdf, page, dpi, work)
    inked = [min(pixels[r * pw + x:r * pw + x + w]) < _INK for r in range(y, y + h)]
    i = len(inked) - 1
    while i >= 0 and not inked[i]:
        i -= 1
    footer_end = i
    while i >= 0 and inked[i]:
        i -= 1
    footer_height = footer_end - i
    gap_end = i
    while i >= 0 and not inked[i]:
        i -= 1
    gap = gap_end - i
    if i < 0 or gap < dpi // 4 or footer_height > dpi // 2:
        return box
    return x, y, w, i + 1 + max(6, dpi // 10)


def page_png(pdf: Path, page: int, target: Path, work: Path, dpi: int = DPI, drop_footer: bool = True,
             max_inches: Optional[float] = None) -> Path:
    """``page`` of ``pdf`` as ``target`` (PNG), cropped to its printed content (and to its top
    ``max_inches`` when given)."""
    box = _bbox(pdf, page, dpi, work)
    if drop_footer:
        box = _without_footer(pdf, page, dpi, work, box)
    x, y, w, h = box
    if max_inches:
        h = min(h, int(max_inches * dpi))
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h), str(pdf), str(stem)],
                   check=True, capture_output=True)
    return target


def sheet_png(office: _Office, xlsx: Path, sheet: str, target: Path, work: Path, page: int = 1,
              max_inches: Optional[float] = None) -> Path:
    """The printed ``page`` of one sheet of ``xlsx`` as ``target``."""
    one = only_sheet(xlsx, sheet, work / f"{xlsx.stem}-{len(list(work.iterdir()))}.xlsx")
    pdf = office.to_pdf(one, work)
    return page_png(pdf, min(page, page_count(pdf)), target, work, max_inches=max_inches)


# ---- what is rendered ------------------------------------------------------------------------


def example_form(office: _Office, work: Path, out: Path) -> list[Path]:
    """The committed example workbook as a unit fills it in (README's picture), first printed page."""
    src = work / "示例.xlsx"
    shutil.copy(EXAMPLE, src)
    return [sheet_png(office, src, sheet_names(src)[0], out / "form_example.png", work)]


def scored_example(office: _Office, work: Path, out: Path) -> list[Path]:
    """The seed example scored with ``pe-score score --write``: its form sheet and the sheets the tool
    added (评分说明; each added sheet gets a picture)."""
    src = work / "示例.xlsx"
    shutil.copy(EXAMPLE, src)
    scored = work / "示例_评分.xlsx"
    done = _run_cli("score", str(src), "--write", str(scored))
    if not scored.exists():
        raise RuntimeError(f"pe-score score --write failed ({done.returncode}): {done.stderr}")
    before = sheet_names(src)
    added = [s for s in sheet_names(scored) if s not in before]
    made = [sheet_png(office, scored, before[0], out / "scored_form.png", work)]
    for i, sheet in enumerate(added):
        name = "scored_explain.png" if i == 0 else f"scored_explain_{i + 1}.png"
        made.append(sheet_png(office, scored, sheet, out / name, work))
    return made


def _summary_folder(root: Path) -> Path:
    """A small review folder: good forms, two files of one unit, a wrong claim, a small difference,
    a capped form, an unreadable file and a workbook without a form."""
    from openpyxl import Workbook

    from pe_score.example_data import EXAMPLE as DATA
    from pe_score.templates import build_form, workbook_bytes

    def form(path: Path, claim: float, unit: str, capped: bool = False, score_change: Optional[float] = None):
        d = copy.deepcopy(DATA)
        d["unit"] = unit
        if capped:
            d["constraint"] = {**d["constraint"], "actual": "存在审计等部门重点披露的问题"}
        wb = build_form(d)
        ws = wb.active
        ws["J4"] = claim  # the claimed self-score typed as a number, as units do
        if score_change is not None:  # a typed indicator score the tool recomputes
            ws["I11"] = score_change
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(workbook_bytes(wb))

    folder = root / "2021年度自评表"
    form(folder / "市人社局.xlsx", 97, "十堰市人力资源和社会保障局")
    form(folder / "市人社局（修订稿）.xlsx", 97.5, "十堰市人力资源和社会保障局")
    form(folder / "市民政局.xlsx", 99, "十堰市民政局")
    form(folder / "市教育局.xlsx", 96.71, "十堰市教育局")
    form(folder / "县直" / "某某局.xlsx", 97, "某某局（审计披露）", capped=True)
    form(folder / "县直" / "市财政局.xlsx", 97, "十堰市财政局")
    (folder / "损坏的文件.xlsx").write_bytes(EXAMPLE.read_bytes()[:4000])
    other = Workbook()
    other.active.title = "说明"
    other.active["A1"] = "本工作簿没有自评表"
    other.save(folder / "没有自评表.xlsx")
    return folder


def summary(office: _Office, work: Path, out: Path) -> list[Path]:
    """``pe-score check FOLDER --summary``: the 汇总, 问题清单 and 图表 sheets."""
    folder = _summary_folder(work)
    book = work / "汇总.xlsx"
    done = _run_cli("check", str(folder), "--summary", str(book))
    if not book.exists():
        raise RuntimeError(f"pe-score check --summary failed ({done.returncode}): {done.stderr}")
    made = []
    for sheet, name, top in (("汇总", "summary_overview.png", None), ("问题清单", "summary_issues.png", 3.2),
                             ("图表", "summary_charts.png", None)):
        made.append(sheet_png(office, book, sheet, out / name, work, max_inches=top))
    return made


def _box(ch: str) -> bool:
    return "\u2500" <= ch <= "\u257f"


TERMINAL_COLUMNS = 80  # the help is printed for an 80-column terminal, and pictured as one


def _cells(line: str) -> int:
    """Terminal cells ``line`` takes: a Latin character one, a Chinese (wide) character two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)


def _terminal_book(text: str, path: Path) -> Path:
    """The terminal text as a one-column sheet of light-on-dark lines, printed to fit the page width
    (only LibreOffice Calc is needed, no word processor). The screen is ``TERMINAL_COLUMNS`` cells
    wide whatever the longest line (wider only if a line overflows), with a terminal's line spacing.

    As in a terminal, a Latin character takes one cell and a Chinese character two: WenQuanYi Zen Hei
    Mono has exactly that ratio. Its box-drawing glyphs are two cells wide, so runs of box drawing
    (rich's panels) are set in DejaVu Sans Mono at the size whose advance is one cell."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Alignment, Font, PatternFill

    size, colour = 10, "E6E6E6"
    text_font = InlineFont(rFont=MONO_FONT, sz=size, color=colour)
    box_font = InlineFont(rFont="DejaVu Sans Mono", sz=round(size * 0.5 / 0.602, 2), color=colour)
    wb = Workbook()
    ws = wb.active
    ws.title = "terminal"
    dark = PatternFill("solid", fgColor="1F2430")
    lines = text.split("\n")
    cells = max([TERMINAL_COLUMNS] + [_cells(line) for line in lines])
    for r, line in enumerate(lines, 1):
        cell = ws.cell(row=r, column=1)
        runs = [(boxed, "".join(g)) for boxed, g in itertools.groupby(line, key=_box)]
        if runs:
            cell.value = CellRichText(*[TextBlock(box_font if boxed else text_font, t) for boxed, t in runs])
        cell.font = Font(name=MONO_FONT, size=size, color=colour)
        cell.fill = dark
        cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=False, indent=1)
        ws.row_dimensions[r].height = size * 1.25  # a terminal cell is about twice as tall as wide
    ws.column_dimensions["A"].width = cells * 0.7 + 5  # the indent and a margin on the right
    ws.page_setup.orientation = "portrait"  # 80 columns fit unscaled, and so do the longest helps
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:A{len(lines)}"
    wb.save(path)
    return path


def help_screen(office: _Office, work: Path, out: Path, args: tuple[str, ...] = ("--help",),
                name: str = "cli_help.png") -> list[Path]:
    """What ``pe-score --help`` prints in an 80-column terminal without colours, as an image."""
    done = _run_cli(*args, env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})
    text = re.sub(r"\x1b\[[0-9;]*m", "", (done.stdout or done.stderr)).rstrip()
    lines = [line.rstrip() for line in f"$ pe-score {' '.join(args)}\n{text}".split("\n")]
    book = _terminal_book("\n".join([""] + lines + [""]), work / f"help-{len(list(work.iterdir()))}.xlsx")
    pdf = office.to_pdf(book, work)
    return [page_png(pdf, 1, out / name, work, dpi=150, drop_footer=False)]


RENDERERS: dict[str, Callable] = {
    "form": example_form,
    "example": scored_example,
    "summary": summary,
    "help": help_screen,
    "help-score": lambda office, work, out: help_screen(office, work, out, ("score", "--help"),
                                                        "cli_help_score.png"),
}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.render_images", description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", choices=sorted(RENDERERS), help="render only these pictures")
    ap.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files (default docs/images)")
    ap.add_argument("--keep", type=Path, help="keep the intermediate workbooks and PDFs in this folder")
    args = ap.parse_args(argv)
    _check_tools()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="render-images-"))
    try:
        office = _Office(work)
        for name in args.only or list(RENDERERS):
            step = work / name
            step.mkdir()
            for path in RENDERERS[name](office, step, args.out):
                print(f"rendered: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
