"""openpyxl adapter: read .xlsx/.xlsm into grids (values AND formulas) and apply a WritePlan to a copy.

Writing rules (see docs/architecture.md and README "保证"):
- only the plan's cells, its notes/highlights and the 评分说明 sheet change; everything else is kept;
- files holding parts openpyxl would silently drop (images, charts, pivots ...) are refused unless forced;
- the input is never written unless ``in_place=True`` (then a backup is copied first);
- the output appears atomically (temp file in the target folder, then ``os.replace``);
- scoring a scored copy again gives the same file contents: earlier pe-score comments are replaced,
  earlier notes and highlights are undone using what hidden rows of 评分说明 recorded (which cells got a
  pe-score comment, and each highlighted cell's original fill).
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any, NamedTuple, Optional

from scoring.findings import SEVERITY_RANK
from workbook.errors import UnreadableFile, UnsafeToWrite
from workbook.fast import cell_value, trim
from workbook.grid import Grid, parse_a1
from workbook.plan import HIGHLIGHT_COLORS, WritePlan
from workbook.record import AUTHOR, NOTE_FLAG, NOTE_MARK, NOTE_SEPARATOR, Record, parse_record, record_rows



class WriteResult(NamedTuple):
    path: Path  # the written workbook
    backup: Optional[Path]  # the copy of the original made before an in-place write


def _check(path: str | os.PathLike) -> None:
    from workbook.safety import check_file

    check_file(path)


def _load(path: str | os.PathLike, **kw: Any):
    import openpyxl

    name = os.path.basename(os.fspath(path))
    if not os.path.exists(path):
        raise UnreadableFile(f"找不到文件：{name}")
    try:
        return openpyxl.load_workbook(os.fspath(path), **kw)
    except Exception as exc:  # InvalidFileException, BadZipFile, KeyError, XML errors ...
        raise UnreadableFile(
            f"无法用 openpyxl 打开 {name}：只支持 .xlsx / .xlsm 文件，且文件不能损坏或加密（{type(exc).__name__}）"
        ) from None


def _formula_text(value: Any) -> Optional[str]:
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    if isinstance(value, ArrayFormula):
        return value.text
    if isinstance(value, DataTableFormula):
        return "=TABLE()"
    if isinstance(value, str) and value.startswith("="):
        return value
    return None


def read_grids(path: str | os.PathLike) -> list[Grid]:
    """One Grid per worksheet: cached values as a spreadsheet shows them, formulas, merged ranges."""
    from workbook.safety import check_file, explain_failure

    check_file(path, deep=False)  # the fast tier; the deep one explains a failure below
    try:
        wb_f = _load(path, data_only=False)  # formulas and merged ranges
        wb_v = _load(path, data_only=True, read_only=True)  # cached values, streamed (cheaper)
        try:
            return _grids(wb_f, wb_v)
        finally:
            wb_v.close()
    except UnreadableFile as exc:
        raise explain_failure(path, exc) from None
    except Exception as exc:  # the streamed sheet is parsed lazily, inside _grids
        raise explain_failure(
            path, f"无法读取文件 {os.path.basename(os.fspath(path))}：内容无法解析（{type(exc).__name__}）"
        ) from None


def _grids(wb_f, wb_v) -> list[Grid]:
    from workbook.safety import DEFAULT_LIMITS, clip_grid, row_budget, sheets_to_scan

    grids: list[Grid] = []
    for title in sheets_to_scan([ws.title for ws in wb_f.worksheets]):
        ws_f, ws_v = wb_f[title], wb_v[title]
        max_col = min(ws_f.max_column, DEFAULT_LIMITS.max_cols)
        max_row = min(ws_f.max_row, row_budget(max_col))
        values = [
            [cell_value(v) for v in row]
            for row in ws_v.iter_rows(min_row=1, min_col=1, max_row=max_row, max_col=max_col, values_only=True)
        ]
        formulas: dict[tuple[int, int], str] = {}
        for (r, c), cell in ws_f._cells.items():
            text = _formula_text(cell.value)
            if text is not None and r <= max_row and c <= max_col:
                formulas[(r, c)] = text
        merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws_f.merged_cells.ranges]
        extent = None
        if ws_f.max_row > max_row or ws_f.max_column > max_col:
            # max_row/max_column count formatted empty cells too: only cells with a value were left out
            used = [k for k, cell in ws_f._cells.items() if cell.value is not None and cell.value != ""]
            extent = (max((r for r, _ in used), default=0), max((c for _, c in used), default=0))
        grids.append(clip_grid(Grid(name=title, values=trim(values), merged=merged, formulas=formulas), extent=extent))
    return grids


# ---- what openpyxl would lose -------------------------------------------------------------

_LOSSY_PREFIXES = [
    ("xl/media/", "图片"),
    ("xl/drawings/drawing", "图片、图表或形状"),
    ("xl/charts/", "图表"),
    ("xl/chartsheets/", "图表工作表"),
    ("xl/pivotTables/", "数据透视表"),
    ("xl/pivotCache/", "数据透视表缓存"),
    ("xl/slicers/", "切片器"),
    ("xl/slicerCaches/", "切片器"),
    ("xl/timelines/", "日程表"),
    ("xl/externalLinks/", "外部链接"),
    ("xl/embeddings/", "嵌入对象"),
    ("xl/ctrlProps/", "表单控件"),
    ("xl/activeX/", "ActiveX 控件"),
    ("xl/threadedComments/", "新式批注（讨论）"),
    ("xl/model/", "数据模型"),
    ("xl/queryTables/", "查询表"),
    ("xl/connections.xml", "数据连接"),
]
# Worksheet extensions openpyxl drops on load (it warns and removes the extLst).
_LOSSY_SHEET_XML = [
    (b"sparklineGroups", "迷你图"),
    (b"x14:dataValidations", "引用其他工作表的数据验证"),
    (b"x14:conditionalFormattings", "扩展条件格式（数据条等）"),
]
_VML_OBJECT = re.compile(rb'ObjectType="(\w+)"')


def lossy_parts(path: str | os.PathLike) -> list[str]:
    """Chinese descriptions of the parts of a .xlsx/.xlsm that openpyxl cannot keep, e.g. "图片（xl/media/image1.png）"."""
    found: dict[str, list[str]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            for name in names:
                for prefix, what in _LOSSY_PREFIXES:
                    if name.startswith(prefix):
                        found.setdefault(what, []).append(name)
                        break
                if name.startswith("xl/drawings/") and name.endswith(".vml"):
                    # Comments live in VML too; only other object types (buttons, check boxes) are lost.
                    data = zf.read(name)
                    kinds = {k.decode() for k in _VML_OBJECT.findall(data)} - {"Note"}
                    if kinds:
                        found.setdefault("表单控件", []).append(name)
                    if b"<v:imagedata" in data:  # pictures in headers/footers
                        found.setdefault("页眉页脚图片", []).append(name)
                if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                    data = zf.read(name)
                    for needle, what in _LOSSY_SHEET_XML:
                        if needle in data:
                            found.setdefault(what, []).append(name)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(f"无法读取文件 {os.path.basename(os.fspath(path))}（{type(exc).__name__}）") from None
    return [f"{what}（{'、'.join(parts[:3])}{' 等' if len(parts) > 3 else ''}）" for what, parts in found.items()]


def _has_vba(path: str | os.PathLike) -> bool:
    with zipfile.ZipFile(path) as zf:
        return any(n.lower() == "xl/vbaproject.bin" for n in zf.namelist())


# ---- fills --------------------------------------------------------------------------------


def _argb(hex_colour: str) -> str:
    return "FF" + hex_colour.lstrip("#").upper()


def _fill_xml(fill: Any) -> str:
    from openpyxl.xml.functions import tostring

    return tostring(fill.to_tree()).decode("utf-8")


def _fill_from_xml(text: str) -> Any:
    from openpyxl.styles.fills import Fill
    from openpyxl.xml.functions import fromstring

    return Fill.from_tree(fromstring(text))


def _is_our_fill(fill: Any, argb: str) -> bool:
    fg = getattr(fill, "fgColor", None)
    return (
        getattr(fill, "patternType", None) == "solid"
        and fg is not None
        and getattr(fg, "type", None) == "rgb"
        and str(fg.rgb).upper() == argb.upper()
    )


def _read_fill_record(ws) -> Optional[list[Record]]:
    """The rows recorded by an earlier run in 评分说明, or None when the sheet has no marker (not ours)."""
    return parse_record(ws.iter_rows(values_only=True))


# ---- writing ------------------------------------------------------------------------------


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _backup_path(src: Path) -> Path:
    candidate = src.with_name(f"{src.stem}.bak{src.suffix}")
    n = 2
    while candidate.exists():
        candidate = src.with_name(f"{src.stem}.bak{n}{src.suffix}")
        n += 1
    return candidate


def _text_width(text: str) -> int:
    lines = str(text).split("\n") or [""]
    return max(sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) for line in lines)


def _write_explain_sheet(wb, plan: WritePlan, record: list[Record], index: Optional[int]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.create_sheet(plan.explain_sheet, index)
    wrap = Alignment(wrap_text=True, vertical="top")
    widths: dict[int, int] = {}
    previous_blank = True  # the first row, and a row right after a blank one, is a header
    for r, row in enumerate(plan.explain_rows, start=1):
        header = previous_blank and any(v not in (None, "") for v in row)
        previous_blank = not any(v not in (None, "") for v in row)
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.alignment = wrap
            if header:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="FFD9D9D9")
            if value is not None:
                widths[c] = max(widths.get(c, 0), _text_width(value))
    from openpyxl.utils import get_column_letter

    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = min(max(w + 2, 8), 60)
    if plan.explain_rows:
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
    # Printed on A4 landscape, one page wide, like the form itself.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    # The fill record: hidden rows after a blank row; they let the next run undo this run's colours.
    start = len(plan.explain_rows) + 2
    grey = Font(color="FF808080", size=9)
    for i, values in enumerate(record_rows(record)):
        for c, v in enumerate(values, start=1):
            ws.cell(row=start + i, column=c, value=v).font = grey
        ws.row_dimensions[start + i].hidden = True


def _anchor(ws, ref: str) -> tuple[int, int]:
    """Notes on a merged area go to its top-left cell (the only one that can hold a comment)."""
    row, col = parse_a1(ref)
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.min_row, rng.min_col
    return row, col


def write_scored(
    src: str | os.PathLike,
    out: str | os.PathLike | None,
    plan: WritePlan,
    *,
    force: bool = False,
    in_place: bool = False,
    backup: bool = True,
) -> WriteResult:
    """Apply ``plan`` to a copy of ``src`` saved as ``out`` (or to ``src`` itself with ``in_place``)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    src = Path(src)
    _check(src)
    if not src.exists():
        raise UnreadableFile(f"找不到文件：{src.name}")
    if in_place:
        if out is not None and not _same_file(src, Path(out)):
            raise UnsafeToWrite("原位写入（--in-place）时不能另外指定输出文件。")
        out = src
    if out is None:
        raise UnsafeToWrite("没有指定输出文件。")
    out = Path(out)
    if not in_place and out.exists() and _same_file(src, out):
        raise UnsafeToWrite(f"输出文件与输入文件相同（{src.name}）；如要直接修改原文件，请使用 --in-place。")

    suffix = src.suffix.lower()
    if suffix not in (".xlsx", ".xlsm"):
        raise UnsafeToWrite(f"只能写入 .xlsx 或 .xlsm 文件；{src.name} 请先在 Excel 中另存为 .xlsx。")
    try:
        vba = _has_vba(src)
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile(f"无法读取文件 {src.name}：不是有效的 .xlsx/.xlsm 文件") from None
    if vba and out.suffix.lower() != ".xlsm":
        raise UnsafeToWrite(f"{src.name} 含有宏（VBA），输出文件必须使用 .xlsm 扩展名，否则宏会丢失。")
    if not vba and out.suffix.lower() != ".xlsx":
        raise UnsafeToWrite(f"输出文件必须使用 .xlsx 扩展名（{out.name}）。")
    if not force:
        lost = lossy_parts(src)
        if lost:
            raise UnsafeToWrite(
                f"{src.name} 含有写入时无法保留的内容：{'；'.join(lost)}。写入会丢失这些内容，已停止。"
                "请另存一份不含这些内容的副本再评分；如确认可以丢失，可使用 --force。"
            )

    wb = _load(src, keep_vba=vba, rich_text=True)
    if plan.sheet not in wb.sheetnames:
        raise UnsafeToWrite(f"工作簿中没有工作表“{plan.sheet}”，无法写入评分结果。")
    ws = wb[plan.sheet]

    # 1. An earlier 评分说明 tells which fills pe-score changed; a foreign sheet of that name is not ours.
    record_in: list[Record] = []
    explain_index: Optional[int] = None
    if plan.explain_sheet in wb.sheetnames:
        old = wb[plan.explain_sheet]
        if old is ws:
            raise UnsafeToWrite(f"表单所在的工作表名为“{plan.explain_sheet}”，与评分说明工作表同名，无法写入。")
        previous = _read_fill_record(old)
        if previous is None and not force:
            raise UnsafeToWrite(
                f"工作簿中已有名为“{plan.explain_sheet}”的工作表，但不是 pe-score 生成的；写入会覆盖其内容。"
                "请先给该工作表改名；如确认可以覆盖，可使用 --force。"
            )
        record_in = previous or []
        explain_index = wb.sheetnames.index(plan.explain_sheet)
        wb.remove(old)

    # 2. Undo the previous run: its highlights (where the user has not recoloured since) and its notes.
    for ref, argb, xml, flag in record_in:
        try:
            cell = ws[ref]
        except (ValueError, KeyError):
            continue
        if argb and _is_our_fill(cell.fill, argb):
            cell.fill = _fill_from_xml(xml) if xml else PatternFill()
        comment = getattr(cell, "comment", None)
        # only notes this tool recorded (ours, or the ribbon's, which Excel signs with the user's name)
        if flag == NOTE_FLAG and comment is not None and (
                comment.author == AUTHOR or comment.text.startswith(NOTE_MARK)):
            cell.comment = None
    for row in ws.iter_rows():
        for cell in row:
            comment = getattr(cell, "comment", None)
            if comment is not None and NOTE_SEPARATOR in comment.text:
                user_text = comment.text.split(NOTE_SEPARATOR, 1)[0]
                cell.comment = Comment(user_text, comment.author, height=comment.height, width=comment.width)

    # 3. Values.
    from openpyxl.cell.cell import MergedCell

    for block in plan.blocks:
        for i, row_values in enumerate(block.values):
            for j, value in enumerate(row_values):
                cell = ws.cell(row=block.row + i, column=block.col + j)
                if isinstance(cell, MergedCell):
                    if value is None:
                        continue
                    raise UnsafeToWrite(f"单元格 {cell.coordinate} 位于合并区域内，无法写入评分结果。")
                cell.value = value

    # 4. Notes: one comment per cell; an existing comment keeps its text and gets ours appended.
    texts: dict[tuple[int, int], list[str]] = {}
    for note in plan.notes:
        texts.setdefault(_anchor(ws, note.cell), []).append(note.text)
    noted: set[str] = set()
    for (r, c), parts in texts.items():
        cell = ws.cell(row=r, column=c)
        text = "\n".join(parts)
        lines = text.count("\n") + 1 + len(text) // 24
        existing = cell.comment
        if existing is not None:
            merged = existing.text.rstrip("\n") + NOTE_SEPARATOR + text
            cell.comment = Comment(merged, existing.author, height=existing.height, width=existing.width)
        else:
            cell.comment = Comment(text, AUTHOR, height=min(40 + 18 * lines, 400), width=320)
            noted.add(cell.coordinate)

    # 5. Highlights, remembering what each cell looked like before.
    by_cell: dict[str, str] = {}
    for hl in plan.highlights:
        ref = hl.cell.upper().replace("$", "")
        if ref not in by_cell or SEVERITY_RANK[hl.severity] > SEVERITY_RANK[by_cell[ref]]:
            by_cell[ref] = hl.severity
    record_out: list[Record] = []
    for ref, severity in by_cell.items():
        cell = ws[ref]
        argb = _argb(HIGHLIGHT_COLORS[severity])
        original = cell.fill
        plain = isinstance(original, PatternFill) and original.patternType is None
        xml = "" if plain else _fill_xml(original)
        record_out.append((ref, argb, xml, NOTE_FLAG if ref in noted else ""))
        cell.fill = PatternFill("solid", fgColor=argb, bgColor=argb)
    record_out += [(ref, "", "", NOTE_FLAG) for ref in sorted(noted - set(by_cell))]

    # 6. The 评分说明 sheet, where it was, or last.
    _write_explain_sheet(wb, plan, record_out, explain_index)

    # 7. Save next to the target, then move into place in one step.
    backup_path = None
    out_dir = out.parent if str(out.parent) else Path(".")
    try:
        if in_place and backup:
            backup_path = _backup_path(src)
            shutil.copy2(src, backup_path)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=out.suffix, dir=out_dir)
        os.close(fd)
    except OSError as exc:
        raise UnsafeToWrite(f"无法在 {out_dir} 中写入文件：{exc.strerror or exc}") from None
    try:
        wb.save(tmp)
        if out.exists():
            shutil.copymode(out, tmp)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, PermissionError):
            raise UnsafeToWrite(f"无法写入 {out.name}：没有权限，或文件正在 Excel/WPS 中打开；请关闭后重试。") from None
        if isinstance(exc, OSError):
            raise UnsafeToWrite(f"无法写入 {out.name}：{exc.strerror or exc}") from None
        raise
    return WriteResult(out, backup_path)
