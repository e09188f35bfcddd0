"""The .xlsx/.xlsm file adapter: read into grids with openpyxl (values AND formulas); write a WritePlan
into a copy with the surgical writer (``workbook.surgical``), never with openpyxl.

Writing rules (see docs/architecture.md and docs/guarantees.md):
- only the plan's cells, its notes/highlights, the undo of the previous run and the 评分说明 sheet change;
  every zip member the tool does not own is copied as its raw compressed bytes (images, charts, pivots,
  macros and their signature, ribbons, custom XML ... all survive);
- ``force`` is needed only for what truly cannot be kept: a sheet named 评分说明 that pe-score did not
  make, and notes on cells holding an Excel 365 threaded comment;
- the input is never written unless ``in_place=True`` (then a backup is copied first);
- the output appears atomically: the package is built in memory, written to a hidden temp file
  (``TEMP_PATTERN``) in the target folder, flushed, then moved into place with ``os.replace``; the temp
  file is removed on every exit path (errors, Ctrl-C, SIGTERM); a full disk leaves the original intact;
- scoring a scored copy again gives the same file: the record in 评分说明 undoes the previous run's values,
  notes and highlights first.
"""
from __future__ import annotations

import os
import re
from collections import namedtuple  # collections.namedtuple, not typing.NamedTuple: typing costs ~2 ms of start-up

from scoring.lazy import LazyModule, compiled
from xml.parsers.expat import ExpatError
from pathlib import Path
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Optional

from workbook.errors import UnreadableFile, UnsafeToWrite, describe_os_error
from workbook.fast import cell_value, trim
from workbook.grid import Grid, parse_a1
from workbook.plan import HIGHLIGHT_COLORS, WritePlan
from workbook.record import AUTHOR, NOTE_FLAG, NOTE_MARK, NOTE_SEPARATOR, Record, parse_record, record_rows

zipfile = LazyModule("zipfile")  # imported only where a zip is read by it, or on an error (~3.5 ms)
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}

class WriteResult(namedtuple("WriteResult", ("path", "backup", "skipped_formula_cells"), defaults=((),),
                             module=__name__)):
    """path: the written workbook (Path); backup: the copy of the original made before an in-place
    write (Path or None); skipped_formula_cells: planned cells left alone because they hold the user's
    formula (tuple)."""

    __slots__ = ()


# Temp files of a save in progress: hidden (leading dot), never ending in a workbook extension, and
# recognisable, so a folder review (``pe-score check``) can skip them: ``.~pe-score-<random>.tmp``.
TEMP_PREFIX = ".~pe-score-"
TEMP_SUFFIX = ".tmp"
TEMP_PATTERN = compiled(r"^\.~pe-score-[A-Za-z0-9_-]+\.tmp$")


def is_temp_file(name: str) -> bool:
    """Is ``name`` (a file name) a temp file of a save in progress (or of one that was killed)?"""
    return bool(TEMP_PATTERN.match(os.path.basename(name)))


def _check(path: str | os.PathLike, gated: Optional[os.stat_result] = None) -> None:
    """The fast tier of the gate before the writer opens a file: sizes, bombs, prologs. The writer's own
    parsers (expat with entity declarations refused) read only the parts it owns.

    ``gated`` is the ``os.stat`` of ``path`` taken before the caller passed the file through the gate
    (the command line reads a form through it, then writes the scored copy): while the file keeps that
    identity the gate is not run again."""
    if gated is not None and same_file_state(path, gated):
        return
    from workbook.safety import check_file

    check_file(path, deep=False)


def same_file_state(path: str | os.PathLike, before: os.stat_result) -> bool:
    """Is ``path`` still the file ``before`` described: same device and inode, size, modification and
    change times (nanoseconds)? Any write, replacement or ``touch`` changes at least one of them."""
    try:
        now = os.stat(path)
    except OSError:
        return False
    return (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns, now.st_ctime_ns) == (
        before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns, before.st_ctime_ns)


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
_VML_OBJECT = compiled(rb'ObjectType="(\w+)"')


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


def _has_vba(names) -> bool:
    return any(n.lower() == "xl/vbaproject.bin" for n in names)


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


def _target(src: Path, out: str | os.PathLike | None, in_place: bool) -> tuple[Path, Any]:
    """The file to write (``src`` itself, through a link, with ``in_place``) and ``src`` opened as a
    package (read once: the writer edits that copy); refuses an output that is the input, a source that
    is not .xlsx/.xlsm, and an extension that would lose or fake macros."""
    from workbook.opc import Package

    if not src.exists():
        raise UnreadableFile(f"找不到文件：{src.name}")
    if in_place:
        if out is not None and not _same_file(src, Path(out)):
            raise UnsafeToWrite("原位写入（--in-place）时不能另外指定输出文件。")
        out = Path(os.path.realpath(src))  # through a symlink: the file it points to
    if out is None:
        raise UnsafeToWrite("没有指定输出文件。")
    out = Path(out)
    if not in_place and out.exists() and _same_file(src, out):
        raise UnsafeToWrite(f"输出文件与输入文件相同（{src.name}）；如要直接修改原文件，请使用 --in-place。")
    if src.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UnsafeToWrite(f"只能写入 .xlsx 或 .xlsm 文件；{src.name} 请先在 Excel 中另存为 .xlsx。")
    try:
        pkg = Package(src)
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile(f"无法读取文件 {src.name}：不是有效的 .xlsx/.xlsm 文件") from None
    vba = _has_vba(pkg.names)
    if vba and out.suffix.lower() != ".xlsm":
        pkg.close()
        raise UnsafeToWrite(f"{src.name} 含有宏（VBA），输出文件必须使用 .xlsm 扩展名，否则宏会丢失。")
    if not vba and out.suffix.lower() != ".xlsx":
        pkg.close()
        raise UnsafeToWrite(f"输出文件必须使用 .xlsx 扩展名（{out.name}）。")
    return out, pkg


def write_scored(
    src: str | os.PathLike,
    out: str | os.PathLike | None,
    plan: WritePlan,
    *,
    force: bool = False,
    in_place: bool = False,
    backup: bool = True,
    gated: Optional[os.stat_result] = None,
) -> WriteResult:
    """Apply ``plan`` to a copy of ``src`` saved as ``out`` (or to ``src`` itself with ``in_place``).

    ``gated``: ``os.stat(src)`` taken before the caller read ``src`` through the safety gate
    (``check_file``); the gate then runs again only if the file changed since (see ``_check``)."""
    from workbook.surgical import surgical_write

    src = Path(src)
    _check(src, gated)
    out, pkg = _target(src, out, in_place)
    try:
        outcome = surgical_write(pkg, plan, force=force)
    except (zipfile.BadZipFile, KeyError, EOFError):
        raise UnreadableFile(f"无法读取文件 {src.name}：不是有效的 .xlsx/.xlsm 文件") from None
    except OSError as exc:
        raise UnsafeToWrite(f"无法读取或生成 {src.name} 的评分副本：{describe_os_error(exc)}原文件未改动。") from None
    except (ExpatError, ValueError):  # a part the gate's fast tier left to the parsers (found by tests/fuzz.py)
        from workbook.safety import explain_failure

        raise explain_failure(src, f"无法读取“{src.name}”：文件内容无法解析，可能已损坏。请在 Excel 或 WPS 中打开后"
                                   "“另存为” Excel 工作簿（*.xlsx），再用本工具评分。") from None
    backup_path = None
    if in_place and backup:
        backup_path = _backup_path(src)
        try:
            import shutil

            shutil.copy2(src, backup_path)
        except OSError as exc:
            _discard(backup_path)
            raise UnsafeToWrite(f"无法备份原文件 {src.name}：{describe_os_error(exc)}") from None
    save_atomically(outcome.data, out)
    return WriteResult(out, backup_path, tuple(outcome.skipped_formula_cells))


def _discard(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _hide_on_windows(path: str) -> None:
    if os.name == "nt":  # pragma: no cover - Windows only
        import ctypes

        ctypes.windll.kernel32.SetFileAttributesW(path, 0x02)  # FILE_ATTRIBUTE_HIDDEN


def new_file_mode() -> int:
    """The mode a new file gets from ``open()``: 0666 less the umask. Files the tool writes through a
    0600 temporary file get this mode when they replace nothing (or the mode of the file they replace)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _target_mode(out: Path) -> int:
    """Keep the permissions of the file being replaced; a new file gets the umask's default."""
    try:
        if out.exists():
            return os.stat(out).st_mode & 0o7777
    except OSError:
        pass
    return new_file_mode()


def _write_fully(tmp: str, data: bytes, mode: int, out: Path) -> None:
    """Write, fsync and chmod ``tmp``, then replace ``out`` with it (the temp file stays on failure)."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        _hide_on_windows(tmp)
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    finally:
        try:
            os.close(fd)
        except OSError:
            pass
    os.chmod(tmp, mode)
    os.replace(tmp, out)


class _Terminated(Exception):
    """SIGTERM during a save, raised so the temp file is cleaned up on the way out."""


def _on_term(signum, frame):
    raise _Terminated


def save_atomically(data: bytes, out: Path) -> None:
    """Write ``data`` to ``out`` through a hidden temp file in the same folder, then ``os.replace``.

    The temp file is removed on every exit path: an OS error (full disk ...), Ctrl-C, and SIGTERM
    (turned into an exception for the duration of the save). A SIGKILL can leave it behind; its
    name (``TEMP_PATTERN``) is hidden, ends in .tmp, and ``is_temp_file`` recognises it.
    """
    try:  # the C module: ``signal`` itself builds three enums on import (~0.5 ms of a command-line run)
        import _signal as signal
    except ImportError:  # pragma: no cover - other interpreters
        import signal

    out_dir = out.parent if str(out.parent) else Path(".")
    tmp = os.path.join(out_dir, f"{TEMP_PREFIX}{os.urandom(6).hex()}{TEMP_SUFFIX}")
    mode = _target_mode(out)
    previous = None
    # signal handlers can only be installed from the main thread (the add-in saves from others):
    # elsewhere signal.signal raises ValueError (asked this way, threading need not be imported)
    if hasattr(signal, "SIGTERM"):
        try:
            previous = signal.signal(signal.SIGTERM, _on_term)
        except ValueError:
            previous = None
    try:
        _write_fully(tmp, data, mode, out)
    except BaseException as exc:
        _discard(tmp)
        if isinstance(exc, _Terminated):
            raise SystemExit(143) from None
        if isinstance(exc, FileNotFoundError) and not os.path.isdir(out_dir):
            raise UnsafeToWrite(f"无法在 {out_dir} 中写入文件：文件夹不存在") from None
        if isinstance(exc, OSError):
            raise UnsafeToWrite(f"无法写入 {out.name}：{describe_os_error(exc)}原文件未改动。") from None
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
