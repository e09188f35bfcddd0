"""Refuse unusable or hostile files before any library expands them, and state the reading limits.

``check_file(path)`` looks only at bytes on disk and at the zip's central directory; XML parts are
stream-scanned through defusedxml with a byte budget, never read into memory whole. It raises
``workbook.errors.UnreadableFile`` with a Chinese message that says what the file is and what to do:
not a spreadsheet (text/CSV, HTML, PDF, Word ...), the wrong extension for its real format, encrypted,
corrupt, too large, a zip bomb (declared sizes, ratio, member count), an XML bomb (any DTD or entity),
or a sheet whose cells span more than ``max_sheet_area`` cells. Accepted: .xlsx/.xlsm, .xls, .ods.
Callers: every reader and writer calls it first (``workbook.xlsx``, ``workbook.fast``, the batch).

Two tiers. ``check_file(path)`` (``deep=True``) is the full check above. The readers call
``check_file(path, deep=False)``: the same size, format, extension, encryption, zip-directory and
sheet-area checks, every worksheet part still decompressed within the byte budget, but instead of
running every XML part through expat it reads only each part's prolog (up to the root element's start
tag; a DTD or entity declaration can appear nowhere else) and falls back to the full defusedxml scan
of a part whenever the prolog is not plainly clean (any ``<!`` other than a comment, a BOM other than
UTF-8, an encoding other than UTF-8/ASCII, no start tag within ``_PROLOG_WINDOW`` bytes, a read
error). What it leaves to the readers is well-formedness and the checksums of non-worksheet parts;
when a reader then fails, ``explain_failure(path)`` runs the deep tier for the specific message, so
a broken file gets the same message from both tiers.

The adapters (``workbook.xlsx``, ``workbook.fast``) enforce the reading limits with
``sheets_to_scan``, ``iter_clipped`` / ``clip_grid``: the tool reads at most ``Limits.max_sheets``
sheets and, per sheet, ``Limits.max_rows`` rows x ``Limits.max_cols`` columns (and no more than
``Limits.max_cells`` cells). A 附件2-1 form is ~60 rows x 10 columns, so the limits never cut a form;
they bound the time spent on noise.
"""
from __future__ import annotations

import os
import posixpath
import pyexpat
from scoring import re_cached as re  # re, with compile from the pattern cache (scoring.lazy)
import stat
import struct
import zlib
from scoring.plaindata import dataclass, field  # not dataclasses: see scoring.plaindata
from itertools import islice
from operator import itemgetter
from pathlib import Path
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Iterable, Iterator, Optional


from . import gate

from .errors import UnreadableFile
from .grid import Grid, col_letter
from scoring.lazy import LazyModule

zipfile = LazyModule("zipfile")  # imported only for an unusual zip, the deep tier or an error (~3.5 ms)
_STORED, _DEFLATED = 0, 8  # zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What the tool accepts and how much of a workbook it reads. All sizes in bytes."""

    max_file_bytes: int = 50 * MB  # the file on disk
    max_members: int = 10_000  # entries in the zip
    max_part_bytes: int = 200 * MB  # declared uncompressed size of one zip member
    max_total_bytes: int = 500 * MB  # declared uncompressed size of all members together
    max_ratio: float = 200.0  # uncompressed / compressed size of one member ...
    ratio_floor_bytes: int = 8 * MB  # ... checked for members larger than this (small parts may compress well)
    max_sheets: int = 50  # sheets scanned for a form
    max_rows: int = 10_000  # rows scanned per sheet
    max_cols: int = 100  # columns scanned per sheet
    max_cells: int = 1_000_000  # cells scanned per sheet (rows are cut first when exceeded)
    max_sheet_area: int = 10_000_000  # rows x columns spanned by one sheet's cells (calamine allocates it densely)
    max_sheet_cells: int = 2_000_000  # cells (<c> elements) in one sheet
    max_expanded_cells: int = 20_000  # cells of the ranges a library expands one by one (merges, hyperlinks, comments)
    max_ranges: int = 200_000  # merged ranges, hyperlinks, validations, formats ... of one sheet
    max_text_bytes: int = 1 * MB  # text between two tags (Excel's limit is 32,767 characters a cell)
    max_shared_strings: int = 2_000_000  # items of the shared-string table, declared or present


DEFAULT_LIMITS = Limits()


@dataclass
class FileInfo:
    """What ``check_file`` learnt: the container kind and, for OOXML, the sheet names."""

    path: Path
    kind: str  # "xlsx" | "xlsm" | "xls" | "ods"
    size: int
    sheets: list[str] = field(default_factory=list)
    has_vba: bool = False


# ---- messages ----------------------------------------------------------------------------------


def _mb(n: int) -> str:
    return f"{n / MB:.1f} MB"


def _fail(path: Path, reason: str) -> UnreadableFile:
    return UnreadableFile(f"无法读取“{path.name}”：{reason}")


_RESAVE = "请在 Excel 或 WPS 中打开后“另存为” Excel 工作簿（*.xlsx），再用本工具评分。"

# ---- sniffing ----------------------------------------------------------------------------------

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_file(path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS, *, deep: bool = True) -> FileInfo:
    """Raise ``UnreadableFile`` unless ``path`` is a spreadsheet the readers can open safely.

    ``deep=False``: the fast tier (see the module docstring); as strict against XML and zip bombs,
    it leaves malformed XML and corrupt non-worksheet parts to the reader and ``explain_failure``.
    """
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        raise _fail(p, "文件不存在或无权访问。请检查文件路径。") from None
    if stat.S_ISDIR(st.st_mode):
        raise _fail(p, "这是一个文件夹，不是文件。")
    if not stat.S_ISREG(st.st_mode):
        # a FIFO would block the reader, a device (a link to /dev/zero) never ends
        raise _fail(p, "这不是普通文件（是管道、设备或其他特殊文件），已拒绝读取。")
    if st.st_size == 0:
        raise _fail(p, "文件是空的（0 字节），不是 Excel 工作簿。")
    if st.st_size > limits.max_file_bytes:
        raise _fail(
            p,
            f"文件大小 {_mb(st.st_size)}，超过本工具的上限 {_mb(limits.max_file_bytes)}。"
            "绩效自评表通常不足 1 MB；请只保留自评表所在的工作表后另存，再试。",
        )
    raw: Optional[bytes] = None
    try:
        if st.st_size <= _Members._IN_MEMORY:
            # read once: the sniffing, the zip directory and every part come from these bytes
            raw = _read_all(p, st.st_size + 1)
            head = raw[:4096]
        else:
            with open(p, "rb") as fh:
                head = fh.read(4096)
    except OSError as exc:
        raise _fail(p, f"无法打开文件（{exc.strerror or exc}）。") from None
    if raw is not None and len(raw) != st.st_size:
        raw = None  # the file changed while being read: let zipfile read it as it is now

    if head.startswith(_ZIP):
        if raw is not None and not deep:
            quick = _quick_zip(p, raw, limits)
            if quick is not None:
                _check_suffix(p, quick.kind)
                return quick
        try:
            info = _check_zip(p, st.st_size, limits, deep, raw)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
            # a part that does not inflate or check out, or whose entry zipfile will not open
            raise _fail(p, "文件已损坏（内部部件无法解压，校验失败）。" + _RESAVE) from None
    elif head.startswith(_OLE):
        info = _check_ole(p, st.st_size, limits)
    else:
        raise _fail(p, _describe_other(head, p))
    _check_suffix(p, info.kind)
    return info


def _read_all(p: Path, limit: int) -> bytes:
    """Up to ``limit`` bytes of the file, without a buffered file object (a few system calls fewer)."""
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        chunks = []
        while limit > 0:
            chunk = os.read(fd, limit)
            if not chunk:
                break
            chunks.append(chunk)
            limit -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)  # b"" when the file emptied meanwhile
    finally:
        os.close(fd)


def explain_failure(path: str | os.PathLike, fallback: UnreadableFile | str | None = None,
                    limits: Limits = DEFAULT_LIMITS) -> UnreadableFile:
    """The error to show when a reader failed on a file the fast tier accepted.

    Runs the deep tier and returns its specific message (malformed XML, a failed checksum ...);
    when the deep tier finds nothing either, ``fallback`` (the reader's own message) or a generic one.
    """
    try:
        check_file(path, limits, deep=True)
    except UnreadableFile as exc:
        return exc
    if isinstance(fallback, UnreadableFile):
        return fallback
    return UnreadableFile(fallback or f"无法读取“{Path(path).name}”：文件内容无法解析，可能已损坏。" + _RESAVE)


# The readers choose their parser by the file name; say so when the name hides the real format.
_KNOWN_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb", ".csv", ".et", ".ett")


def _check_suffix(p: Path, kind: str) -> None:
    suffix = p.suffix.lower()
    if suffix not in _KNOWN_SUFFIXES:
        return
    if kind == "xls" and suffix != ".xls":
        raise _fail(
            p,
            f"这实际上是旧版 Excel 97-2003 工作簿（.xls），但扩展名是“{suffix}”。请把扩展名改为 .xls，"
            "或在 Excel/WPS 中另存为 .xlsx，再试。",
        )
    if kind == "ods" and suffix != ".ods":
        raise _fail(
            p,
            f"这实际上是 OpenDocument 表格（.ods，WPS/LibreOffice 格式），但扩展名是“{suffix}”。"
            "请把扩展名改为 .ods，或另存为 .xlsx，再试。",
        )
    if kind in ("xlsx", "xlsm") and suffix not in (".xlsx", ".xlsm"):
        raise _fail(
            p,
            f"这实际上是 Excel 工作簿（.xlsx 格式），但扩展名是“{suffix}”。请把扩展名改为 .xlsx，再试。",
        )


def _describe_other(head: bytes, p: Path) -> str:
    """Name what the file is when it is not a zip or OLE container."""
    h = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \t\r\n")
    low = h[:512].lower()
    if head.startswith(b"PK"):
        return "文件已损坏（压缩结构不完整），可能是下载或复制未完成。" + _RESAVE
    if low.startswith(b"%pdf"):
        return "这是 PDF 文件，不是 Excel 工作簿。请使用原始的 Excel 自评表。"
    if low.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or b"<html" in low:
        return "这是网页（HTML）文件，只是扩展名为 Excel（常见于系统导出的表格）。" + _RESAVE
    if low.startswith(b"<?xml"):
        return "这是 XML 文本文件（可能是“XML 电子表格 2003”格式），不是 Excel 工作簿。" + _RESAVE
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "这是压缩包（RAR/7z/gzip），不是 Excel 工作簿。请先解压，再选择其中的 .xlsx 文件。"
    if _looks_like_text(head):
        sep = "逗号分隔" if head.count(b",") >= head.count(b"\t") else "制表符分隔"
        return (
            f"这是纯文本文件（{sep}的 CSV/TXT 文本），只是扩展名为 “{p.suffix or '无'}”，"
            "不是 Excel 工作簿，单元格合并和公式都已丢失。" + _RESAVE
        )
    return "文件格式无法识别，不是 Excel 工作簿（.xlsx/.xlsm/.xls），也可能已损坏。"


def _decoded(data: bytes, encoding: str):
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head[:1024] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    for enc in ("utf-8", "gb18030", "utf-16"):
        # the 4 KiB window may cut a multi-byte character (up to 4 bytes) at its end
        text = next((t for t in (_decoded(head[:len(head) - cut], enc) for cut in range(4)) if t is not None), None)
        if text is None:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return printable >= 0.95 * max(len(text), 1)
    return False


# ---- OLE compound files: .xls or an encrypted OOXML ----------------------------------------------


_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


def _check_ole(p: Path, size: int, limits: Limits = DEFAULT_LIMITS) -> FileInfo:
    try:
        import olefile  # pure Python (a dependency); reads only the directory here
    except ImportError:  # an install without it: the stream name is enough to spot an encrypted OOXML
        with open(p, "rb") as fh:
            if _ENCRYPTION_INFO in fh.read():
                raise _fail(p, "文件已加密（设置了打开密码），本工具不能读取加密文件。") from None
        return FileInfo(path=p, kind="xls", size=size)
    try:
        ole = olefile.OleFileIO(str(p))
    except Exception:  # olefile raises assorted errors on damaged directories
        raise _fail(p, "文件已损坏（旧版 Office 文件结构无法解析）。" + _RESAVE) from None
    try:
        streams = {"/".join(s).lower() for s in ole.listdir(streams=True, storages=True)}
        if "encryptioninfo" in streams or "encryptedpackage" in streams:
            raise _fail(
                p,
                "文件已加密（设置了打开密码），本工具不能读取加密文件。请在 Excel 中打开，"
                "依次点击“文件 → 信息 → 保护工作簿 → 用密码进行加密”，清空密码后保存，再试。",
            )
        book = "workbook" if "workbook" in streams else ("book" if "book" in streams else None)
        if book is None:
            if "worddocument" in streams:
                raise _fail(p, "这是 Word 文档（.doc），不是 Excel 工作簿。")
            if "powerpoint document" in streams:
                raise _fail(p, "这是 PowerPoint 演示文稿（.ppt），不是 Excel 工作簿。")
            raise _fail(p, "这是旧版 Office 文件，但其中没有 Excel 工作簿。")
        try:
            first = ole.openstream(book).read(64 * 1024)
        except Exception:
            raise _fail(p, "文件已损坏（工作簿数据流无法读取）。" + _RESAVE) from None
        if _biff_has_filepass(first):
            raise _fail(
                p,
                "文件已加密（.xls 设置了打开密码），本工具不能读取加密文件。请在 Excel 中清除密码后"
                "另存为 .xlsx，再试。",
            )
        try:
            stream = ole.openstream(book).read(limits.max_part_bytes + 1)
        except Exception:
            raise _fail(p, "文件已损坏（工作簿数据流无法读取）。" + _RESAVE) from None
        for index, (cells, box) in enumerate(_biff_extents(stream)):
            area = (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
            if area > limits.max_sheet_area or cells > limits.max_sheet_cells:
                span = f"{gate.a1(box[0] + 1, box[1] + 1)}:{gate.a1(box[2] + 1, box[3] + 1)}"
                raise _fail(
                    p,
                    f"第 {index + 1} 张工作表的内容分布在 {span}（约 {area:,} 个单元格，{cells:,} 个有内容），超过上限 "
                    f"{limits.max_sheet_area:,}；通常是远处误输入了内容。请在 Excel 中删除多余的行和列后保存，再试。",
                )
        return FileInfo(path=p, kind="xls", size=size)
    finally:
        ole.close()


# BIFF cell records: (row, column) are their first two 16-bit fields. MULRK/MULBLANK span columns
# from the third field's column to the last 16-bit field of the record.
_BIFF_CELLS = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x0006, 0x0201, 0x00D6, 0x0005, 0x0002,
                         0x0003, 0x0004, 0x0001, 0x0206, 0x0406})
_BIFF_MULTI = frozenset({0x00BD, 0x00BE})


def _biff_extents(data: bytes) -> Iterator[tuple[int, tuple[int, int, int, int]]]:
    """(cells, (first row, first column, last row, last column), 0-based) of each worksheet substream of
    a BIFF workbook stream: what python-calamine allocates densely for the sheet. Substreams follow one
    another, each from a BOF record (its type: 0x0010 a worksheet) to its EOF."""
    pos, n = 0, len(data)
    in_sheet = False
    cells = 0
    box: Optional[list[int]] = None
    while pos + 4 <= n:
        rtype, rlen = struct.unpack_from("<HH", data, pos)
        body = pos + 4
        pos = body + rlen
        if rtype in (0x0809, 0x0409, 0x0209, 0x0009):  # BOF (BIFF8, 4, 3, 2)
            kind = struct.unpack_from("<H", data, body + 2)[0] if rlen >= 4 and body + 4 <= n else 0
            in_sheet, cells, box = kind == 0x0010, 0, None
        elif rtype == 0x000A:  # EOF
            if in_sheet and box is not None:
                yield cells, (box[0], box[1], box[2], box[3])
            in_sheet, box = False, None
        elif in_sheet and rlen >= 4 and body + 4 <= n and (rtype in _BIFF_CELLS or rtype in _BIFF_MULTI):
            row, col = struct.unpack_from("<HH", data, body)
            last = col
            if rtype in _BIFF_MULTI and rlen >= 6 and body + rlen <= n:
                last = struct.unpack_from("<H", data, body + rlen - 2)[0]
            cells += 1 if last <= col else last - col + 1
            lo, hi = min(col, last), max(col, last)
            if box is None:
                box = [row, lo, row, hi]
            else:
                if row < box[0]:
                    box[0] = row
                if row > box[2]:
                    box[2] = row
                if lo < box[1]:
                    box[1] = lo
                if hi > box[3]:
                    box[3] = hi
    if in_sheet and box is not None:
        yield cells, (box[0], box[1], box[2], box[3])


def _biff_has_filepass(data: bytes) -> bool:
    """True when the BIFF workbook globals carry a FILEPASS record (0x002F): the .xls is encrypted.

    FILEPASS, when present, follows the first BOF within the first few records.
    """
    pos = 0
    for _ in range(32):
        if pos + 4 > len(data):
            return False
        rtype, rlen = struct.unpack_from("<HH", data, pos)
        if rtype == 0x002F:
            return True
        if rtype == 0x000A:  # EOF of the globals
            return False
        pos += 4 + rlen
    return False


# ---- OOXML zips -------------------------------------------------------------------------------

_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_STRICT_DOC = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
_XML_SUFFIXES = (".xml", ".rels", ".vml")


def _check_sizes(p: Path, infos: list, limits: Limits) -> None:
    """Refuse encrypted or oddly compressed members and zip bombs, from the directory alone (nothing
    is decompressed): each member's size and ratio, then the total."""
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _fail(p, "文件中的内容被加密（ZIP 密码），不是正常的 Excel 工作簿，已拒绝打开。")
        if info.compress_type not in (_STORED, _DEFLATED):
            raise _fail(p, "文件使用了 Excel 不使用的压缩方式，可能已损坏或被篡改。" + _RESAVE)
        total += info.file_size
        if info.file_size > limits.max_part_bytes:
            raise _fail(
                p,
                f"文件内部部件“{info.filename}”解压后为 {_mb(info.file_size)}，超过上限 "
                f"{_mb(limits.max_part_bytes)}，疑似“压缩炸弹”，已拒绝打开（未解压）。",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise _fail(
                p,
                f"文件内部部件“{info.filename}”的压缩比为 {ratio:.0f}:1，超过上限 "
                f"{limits.max_ratio:.0f}:1，疑似“压缩炸弹”，已拒绝打开（未解压）。",
            )
    if total > limits.max_total_bytes:
        raise _fail(
            p,
            f"文件解压后共 {_mb(total)}，超过上限 {_mb(limits.max_total_bytes)}，"
            "疑似“压缩炸弹”，已拒绝打开（未解压）。",
        )


def _check_zip(p: Path, size: int, limits: Limits, deep: bool = True, raw: Optional[bytes] = None) -> FileInfo:
    # The fast tier reads the zip directory itself when it is laid out plainly (``_lean_directory``:
    # what zipfile would read, without its per-entry Python objects); anything unusual, and the deep
    # tier always, goes through zipfile.
    entries = _lean_directory(raw) if raw is not None and not deep else None
    zf: Any
    if entries is not None:
        zf = _LeanZip(p, entries)
    else:
        try:
            zf = zipfile.ZipFile(p)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
            # NotImplementedError: a damaged directory entry asking for a 'zip version' zipfile lacks
            raise _fail(p, "文件已损坏（压缩结构不完整），可能是下载、复制或保存未完成。" + _RESAVE) from None
    with zf:
        try:
            infos = zf.infolist()
        except Exception:
            raise _fail(p, "文件已损坏（压缩目录无法读取）。" + _RESAVE) from None
        if len(infos) > limits.max_members:
            raise _fail(p, f"文件包含 {len(infos)} 个内部部件，超过上限 {limits.max_members}，疑似恶意文件，已拒绝打开。")
        names = {i.filename for i in infos}
        if len({n.lower() for n in names}) != len(infos):
            # Readers disagree on which of two same-named members counts (the first, the last, any
            # case): the check could read one and a reader the other. No Office program writes this.
            raise _fail(p, "文件中有重名的内部部件，可能已损坏或被篡改。" + _RESAVE)
        _check_sizes(p, infos, limits)

        members = _Members(p, zf, size, raw)
        if "mimetype" in names and members.text("mimetype", cap=1024).strip() == _ODS_MIME:
            return _check_ods(p, zf, infos, size, limits, deep, members)
        _require_spreadsheet(p, names)
        workbook_part = _workbook_part(p, zf, members, names, limits, deep)
        if workbook_part.endswith(".bin"):
            raise _fail(p, "这是 Excel 二进制工作簿（.xlsb），本工具只读取 .xlsx/.xlsm。" + _RESAVE)
        if workbook_part not in names:
            raise _fail(p, "文件缺少工作簿主体（xl/workbook.xml），已损坏或不是 Excel 工作簿。" + _RESAVE)

        book = _Book(p, zf, members, workbook_part, limits, deep)
        try:
            book.check(infos)
        except (zipfile.BadZipFile, zlib.error):  # a part whose bytes fail their checksum
            raise _fail(p, "文件已损坏（内部部件的压缩数据校验失败）。" + _RESAVE) from None
        has_vba = any(n.lower().endswith("vbaproject.bin") for n in names)
        kind = "xlsm" if has_vba or "macroEnabled" in members.text("[Content_Types].xml") else "xlsx"
        return FileInfo(path=p, kind=kind, size=size, sheets=[name for name, _ in book.sheets], has_vba=has_vba)


# ---- the fast tier's straight path ---------------------------------------------------------------


def _quick_zip(p: Path, raw: bytes, limits: Limits) -> Optional[FileInfo]:
    """The fast tier on a workbook laid out the ordinary way, in one straight pass over ``raw`` (the
    whole file): the FileInfo ``_check_zip(..., deep=False)`` returns, or None whenever anything is
    not plainly acceptable — a limit reached, a part that does not inflate or whose prolog is not
    clean, a sheet ``gate.quick_sheet`` cannot vouch for, an OpenDocument file ... — and then
    ``_check_zip`` decides (and words any refusal). It never refuses by itself.

    Every step is ``_check_zip``'s, in its order, on the same parts with the same helpers
    (``_lean_directory``, ``_relationships``, ``_resolve``, ``_head_facts``, ``gate.quick_sheet``);
    ``tests/test_gate_quick.py`` checks the two agree on every corpus, adversarial and fuzzed file.
    """
    entries = _lean_directory(raw)
    if entries is None:
        return None
    by_name = _quick_directory(entries, limits)
    if by_name is None:
        return None
    return _Straight(p, raw, entries, by_name, limits).run()


def _quick_directory(entries: list["_Entry"], limits: Limits) -> Optional[dict[str, "_Entry"]]:
    """``_check_sizes`` and the member checks of ``_check_zip``, accepting only: the entries by name."""
    if len(entries) > limits.max_members:
        return None
    by_name: dict[str, _Entry] = {}
    total = 0
    max_part, ratio_floor, max_ratio = limits.max_part_bytes, limits.ratio_floor_bytes, limits.max_ratio
    for e in entries:
        name, flags, method, _crc, csize, size = e[:6]
        if flags & 0x1 or (method != _DEFLATED and method != _STORED) or size > max_part or (
                size > ratio_floor and size / max(csize, 1) > max_ratio):
            return None
        total += size
        by_name[name] = e
    if total > limits.max_total_bytes or len({n.lower() for n in by_name}) != len(entries):
        return None  # too much, or two members with the same name
    if "mimetype" in by_name or "[Content_Types].xml" not in by_name or not any(
            n.startswith("xl/") for n in by_name):
        return None  # OpenDocument, or not plainly a workbook: _check_zip says what it is
    return by_name


class _Straight:
    """The steps of ``_quick_zip`` after the directory: ``_workbook_part``, ``_Book._map`` and
    ``_Book.check`` on parts inflated once from the file's bytes. Each method returns None (or False)
    where the general path has to decide."""

    def __init__(self, p: Path, raw: bytes, entries: list["_Entry"], by_name: dict[str, "_Entry"],
                 limits: Limits):
        self.p, self.raw, self.entries, self.by_name, self.limits = p, raw, entries, by_name, limits
        self.view = memoryview(raw)
        self.whole: dict[str, bytes] = {}
        self.roles: dict[str, str] = {}
        self.sheets: list[tuple[str, str]] = []

    def read(self, name: str, cap: int = MB) -> Optional[bytes]:
        """The whole part (up to ``cap`` bytes), its size and checksum verified."""
        data = self.whole.get(name)
        if data is None:
            e = self.by_name[name]
            if e.file_size > cap:
                return None
            data = _quick_member(self.raw, e, e.file_size, self.view)
            if data is None:
                return None
            self.whole[name] = data
        return data

    def rels_of(self, part: str) -> Optional[list[tuple[str, str, str]]]:
        """``_Book._rels``: (Id, Type, member) of each internal relationship of ``part``."""
        name = _rels_part(part)
        if name not in self.by_name:
            return []
        data = self.read(name)
        if data is None:
            return None
        out = []
        for rel in _relationships(data.decode("utf-8", "replace")):
            if rel.get("TargetMode", "").lower() != "external":
                out.append((rel.get("Id", ""), rel.get("Type", ""), _resolve(part, rel.get("Target", ""))))
        return out

    def run(self) -> Optional[FileInfo]:
        workbook_part = self.workbook_part()
        if workbook_part is None or not self.map(workbook_part) or not self.parts(workbook_part):
            return None
        names = self.by_name
        has_vba = any(n.lower().endswith("vbaproject.bin") for n in names)
        types = self.read("[Content_Types].xml") if names["[Content_Types].xml"].file_size <= 4 * MB else None
        if types is None:
            return None
        kind = "xlsm" if has_vba or b"macroEnabled" in types else "xlsx"
        return FileInfo(path=self.p, kind=kind, size=len(self.raw), sheets=[n for n, _ in self.sheets],
                        has_vba=has_vba)

    def workbook_part(self) -> Optional[str]:
        """``_workbook_part``."""
        workbook_part = "xl/workbook.xml"
        if "_rels/.rels" in self.by_name:
            data = self.read("_rels/.rels")
            if data is None or not _head_facts(data[:_HEAD])[1]:
                return None
            for rel in _relationships(data.decode("utf-8", "replace")):
                if rel.get("Type") in (_OFFICE_DOC, _STRICT_DOC):
                    target = rel.get("Target", "").lstrip("/")
                    workbook_part = posixpath.normpath(target) if target else "xl/workbook.xml"
                    break
        if workbook_part.endswith(".bin") or workbook_part not in self.by_name:
            return None
        return workbook_part

    def map(self, workbook_part: str) -> bool:
        """``_Book._map``: the sheets in workbook order and the role of each part the relationships name."""
        roles = self.roles
        rels = self.rels_of(workbook_part)
        book = self.read(workbook_part)
        if rels is None or book is None:
            return False
        by_id = {rid: target for rid, _t, target in rels}
        for _rid, typ, target in rels:
            if typ.endswith("/worksheet"):
                roles[target] = "worksheet"
            elif typ.endswith("/sharedStrings"):
                roles[target] = "sst"
        for m in _SHEET_TAG.finditer(book.decode("utf-8", "replace")):
            attrs = _attrs(m.group(1))
            rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
            self.sheets.append((attrs.get("name", ""), by_id.get(rid, "")))
        for _name, part in self.sheets:
            if part in self.by_name and _rels_part(part) in self.by_name:
                sheet_rels = self.rels_of(part)
                if sheet_rels is None:
                    return False
                for _rid, typ, target in sheet_rels:
                    if typ.endswith("/comments"):
                        roles[target] = "comments"
        return True

    def parts(self, workbook_part: str) -> bool:
        """``_Book.check``: every part a reader may parse, in zip order."""
        glimits = _gate_limits(self.limits)
        for e in self.entries:
            name = e[0]
            role = self.roles.get(name)
            if role is None and name != workbook_part and not name.lower().endswith(_XML_SUFFIXES):
                continue
            if not e[5]:
                return False  # an empty part: _check_zip decides whether that matters
            data, head = self.whole.get(name), None
            if data is None and role is None and name != "[Content_Types].xml":  # that one is read whole
                head = self.head(e)
            else:
                data = data or self.read(name, _QUICK_SHEET_BYTES if role == "worksheet" else MB)
                head = data[:_HEAD] if data is not None else None
            if head is None:
                return False
            root, clean = _head_facts(head)
            if not clean:
                return False
            if role is None:
                role = _ROLES.get(root) if root else None
                if role is None:
                    continue
                data = self.read(name, _QUICK_SHEET_BYTES if role == "worksheet" else MB)
            if data is None or not _quick_role(role, data, glimits, self.limits):
                return False
        return True

    def head(self, e: "_Entry") -> Optional[bytes]:
        """The first bytes of a part, enough for ``_head_facts`` to say what the first ``_HEAD`` say:
        128 settle the common prolog when its match (root name included) ends before them."""
        head = _quick_member(self.raw, e, 128, self.view)
        if head is not None and len(head) == 128:
            m = _COMMON_PROLOG.match(head)
            if m is None or m.end() >= 128:
                head = _quick_member(self.raw, e, _HEAD, self.view)
        return head


def _quick_role(role: str, data: bytes, glimits: gate.PartLimits, limits: Limits) -> bool:
    """True when the gate's scan of a sheet, shared-string table or comments part provably accepts it."""
    try:
        if role == "worksheet":
            return gate.quick_sheet(data, glimits, limits.max_sheet_area)
        if role == "sst":
            return gate.quick_shared_strings(data, glimits)
        gate.scan_comments(iter((data,)), glimits)
        return True
    except Exception:  # a limit, a DTD, broken XML ...: _check_zip words it
        return False


_LOCAL_LENGTHS = struct.Struct("<HH")  # name and extra-field lengths, at offset 26 of a local header


_QUICK_SHEET_BYTES = 8 * MB  # a sheet part the straight path inflates whole (a bigger one is streamed)


def _quick_member(raw: bytes, e: "_Entry", n: int, view: Optional[memoryview] = None) -> Optional[bytes]:
    """The first ``n`` inflated bytes of member ``e`` of the zip ``raw`` — the whole part, its size and
    checksum verified, when ``n`` is its declared size — or None (a bad local header, a stream that
    does not inflate, holds more or less than declared, or fails its checksum)."""
    _name, _flags, method, crc, csize, usize, at = e[:7]
    if not raw.startswith(b"PK\x03\x04", at):
        return None
    name_len, extra_len = _LOCAL_LENGTHS.unpack_from(raw, at + 26)
    start = at + 30 + name_len + extra_len
    end = start + csize
    if end > len(raw):
        return None
    full = n == usize
    if method == _STORED:
        out = raw[start:end] if full else raw[start:min(end, start + n)]
        if full and (len(out) != n or zlib.crc32(out) != crc):
            return None
        return out
    try:
        d = zlib.decompressobj(-15)
        out = d.decompress((view or memoryview(raw))[start:end], n + 1 if full else n)
        if not full:
            return out
        if len(out) != n or (not d.eof and d.unconsumed_tail and d.decompress(d.unconsumed_tail, 1)):
            return None
    except zlib.error:
        return None
    return out if zlib.crc32(out) == crc else None


class _Entry(tuple):
    """One central-directory entry: the fields of ``zipfile.ZipInfo`` the checks and the writer
    (``workbook.opc``) use, by the same names."""

    __slots__ = ()
    filename = property(itemgetter(0))
    flag_bits = property(itemgetter(1))
    compress_type = property(itemgetter(2))
    CRC = property(itemgetter(3))
    compress_size = property(itemgetter(4))
    file_size = property(itemgetter(5))
    header_offset = property(itemgetter(6))
    orig_filename = property(itemgetter(7))  # the name as decoded, before a NUL cut or os.sep replaced
    create_system = property(itemgetter(8))
    external_attr = property(itemgetter(9))

    @property
    def date_time(self) -> tuple:
        """(year, month, day, hour, minute, second) from the DOS date and time, as zipfile reads them."""
        t, d = self[10], self[11]
        return (d >> 9) + 1980, (d >> 5) & 0xF, d & 0x1F, t >> 11, (t >> 5) & 0x3F, (t & 0x1F) * 2


# zipfile's structCentralDir, only the fields used: signature, system of the creator, version needed
# to extract, flags, method, DOS time and date, CRC, compressed and uncompressed size, name, extra and
# comment lengths, external attributes, header offset.
_CENTRAL = struct.Struct("<4s1xBB1xHHHHLLLHHH4xLL")
_MAX_EXTRACT_VERSION = 63  # zipfile.MAX_EXTRACT_VERSION


def _lean_directory(raw: bytes) -> Optional[list[_Entry]]:
    """The zip's central directory read from ``raw`` (the whole file), with exactly the entries, names
    and fields ``zipfile.ZipFile(path).infolist()`` gives — or None whenever the layout is anything but
    plain, and zipfile must decide: an archive comment, ZIP64 records or fields, data before the first
    entry, a directory that does not end where the end record starts, a bad signature, an entry
    version zipfile refuses, an extra field zipfile would refuse, a name that does not decode.
    ``tests/test_gate_quick.py`` compares the two on every corpus, adversarial and fuzzed file."""
    n = len(raw)
    end = n - 22
    if end < 0 or raw[end:end + 4] != b"PK\x05\x06" or raw[n - 2:] != b"\x00\x00":
        return None
    if end >= 20 and raw[end - 20:end - 16] == b"PK\x06\x07":
        return None  # a ZIP64 end-of-directory locator
    size_cd, offset_cd = struct.unpack_from("<LL", raw, end + 12)
    if offset_cd + size_cd != end:
        return None  # zipfile would shift every offset ("concat"), or the sizes are damaged
    out = []
    pos = offset_cd
    unpack = _CENTRAL.unpack_from
    new = tuple.__new__
    sep = os.sep if os.sep != "/" else None
    try:
        while pos < end:
            if pos + 46 > end:
                return None
            (sig, system, version, flags, method, dtime, ddate, crc, csize, usize, nlen, xlen, clen, external,
             offset) = unpack(raw, pos)
            if sig != b"PK\x01\x02" or version > _MAX_EXTRACT_VERSION:
                return None
            name_end = pos + 46 + nlen
            nxt = name_end + xlen + clen
            if nxt > end or csize == 0xFFFFFFFF or usize == 0xFFFFFFFF or offset == 0xFFFFFFFF:
                return None
            if xlen and not _plain_extra(raw[name_end:name_end + xlen]):
                return None
            name_bytes = raw[pos + 46:name_end]
            # zipfile: UTF-8 when flagged, else cp437 (which reads ASCII as ASCII, the usual case)
            orig = name = name_bytes.decode("utf-8" if flags & 0x800 or name_bytes.isascii() else "cp437")
            if "\x00" in name:
                name = name[:name.index("\x00")]
            if sep is not None and sep in name:
                name = name.replace(sep, "/")
            out.append(new(_Entry, (name, flags, method, crc, csize, usize, offset, orig, system, external, dtime,
                                    ddate)))
            pos = nxt
    except UnicodeDecodeError:
        return None
    return out


def _plain_extra(extra: bytes) -> bool:
    """True when zipfile's ``_decodeExtra`` would accept ``extra`` and change nothing (no ZIP64 field)."""
    pos = 0
    while len(extra) - pos >= 4:
        tp, ln = struct.unpack_from("<HH", extra, pos)
        if ln + 4 > len(extra) - pos or tp == 0x0001:
            return False
        pos += 4 + ln
    return True


class _LeanZip:
    """``zipfile.ZipFile``'s few methods the checks use, over a directory read by ``_lean_directory``;
    a real ``ZipFile`` is opened only if a part has to be streamed (a fallback to the full XML scan)."""

    def __init__(self, p: Path, entries: list[_Entry]):
        self.p = p
        self.entries = entries
        self.by_name = {e.filename: e for e in entries}
        self._zf: Optional[zipfile.ZipFile] = None

    def infolist(self) -> list[_Entry]:
        return self.entries

    def getinfo(self, name: str) -> _Entry:
        return self.by_name[name]

    def open(self, info: Any) -> Any:
        if self._zf is None:
            self._zf = zipfile.ZipFile(self.p)
        return self._zf.open(info if isinstance(info, str) else info.filename)

    def close(self) -> None:
        if self._zf is not None:
            self._zf.close()
            self._zf = None

    def __enter__(self) -> "_LeanZip":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()


_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


def _check_ods(p: Path, zf: Any, infos: list[zipfile.ZipInfo], size: int, limits: Limits,
               deep: bool = True, members: Optional["_Members"] = None) -> FileInfo:
    """An OpenDocument spreadsheet (read by python-calamine): the same XML checks as OOXML."""
    if "content.xml" not in {i.filename for i in infos}:
        raise _fail(p, "OpenDocument 表格缺少 content.xml，文件已损坏。" + _RESAVE)
    for info in infos:
        if info.filename.lower().endswith(_XML_SUFFIXES):
            _scan_part(p, zf, info, limits, deep, core=info.filename in ("content.xml", "styles.xml"))
    info = zf.getinfo("content.xml")
    members = members or _Members(p, zf, size)
    try:
        tables = gate.scan_ods_tables(members.chunks(info, limits.max_part_bytes), _gate_limits(limits))
    except gate.Refused as exc:
        raise _fail(p, f"{exc}。已拒绝打开。") from None
    except gate._Hostile:
        raise _fail(p, "文件内部部件“content.xml”含有 XML 实体/DTD 声明，可能是“XML 炸弹”恶意文件，已拒绝打开（未展开）。") from None
    except ValueError:
        raise _fail(p, f"文件内部部件“content.xml”解压后超过上限 {_mb(limits.max_part_bytes)}，已停止读取。") from None
    except pyexpat.ExpatError:
        raise _fail(p, "文件已损坏（内部部件“content.xml”不是有效的 XML）。" + _RESAVE) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise _fail(p, "文件已损坏（内部部件“content.xml”无法解压，校验失败）。" + _RESAVE) from None
    for name, rows, cols, _cells in tables:
        if rows * cols > limits.max_sheet_area:
            raise _fail(
                p,
                f"工作表“{name}”的内容分布在 {gate.a1(1, 1)}:{gate.a1(rows, cols)}（约 {rows * cols:,} 个单元格），"
                f"超过上限 {limits.max_sheet_area:,}；通常是远处误输入了内容。请删除多余的行和列后保存，再试。",
            )
    return FileInfo(path=p, kind="ods", size=size, sheets=[t[0] for t in tables])


def _require_spreadsheet(p: Path, names: set[str]) -> None:
    if "[Content_Types].xml" in names:
        if any(n.startswith("xl/") for n in names):
            return
        if "word/document.xml" in names or any(n.startswith("word/") for n in names):
            raise _fail(p, "这是 Word 文档（.docx），不是 Excel 工作簿。")
        if any(n.startswith("ppt/") for n in names):
            raise _fail(p, "这是 PowerPoint 演示文稿（.pptx），不是 Excel 工作簿。")
        return  # a workbook part named elsewhere; _workbook_part follows the relationship
    if "mimetype" in names and "content.xml" in names:
        raise _fail(p, "这是 OpenDocument 文档（如 .odt 文字文档），不是电子表格。")
    raise _fail(p, "这是一个 ZIP 压缩包，不是 Excel 工作簿（缺少 [Content_Types].xml）。")


def _workbook_part(p: Path, zf: zipfile.ZipFile, members: "_Members", names: set[str], limits: Limits,
                   deep: bool = True) -> str:
    """Follow _rels/.rels to the workbook part; fall back to xl/workbook.xml."""
    if "_rels/.rels" not in names:
        return "xl/workbook.xml"
    info = zf.getinfo("_rels/.rels")
    try:
        head = members.head(info)
    except Exception:
        raise _fail(p, "文件已损坏（内部部件“_rels/.rels”无法解压，校验失败）。" + _RESAVE) from None
    _scan_part(p, zf, info, limits, deep, head=head)
    for rel in _relationships(members.text("_rels/.rels")):
        if rel.get("Type") in (_OFFICE_DOC, _STRICT_DOC):
            target = rel.get("Target", "").lstrip("/")
            return posixpath.normpath(target) if target else "xl/workbook.xml"
    return "xl/workbook.xml"




def _rels_part(part: str) -> str:
    """``posixpath.join(dirname(part), "_rels", basename(part) + ".rels")``, in string operations."""
    if "//" in part:
        return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    cut = part.rfind("/") + 1
    return part[:cut] + "_rels/" + part[cut:] + ".rels"


def _resolve(base_part: str, target: str) -> str:
    """A relationship target as a zip member name (relative to the source part's folder, or absolute)."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        joined = target
    else:
        cut = base_part.rfind("/")
        joined = base_part[:cut + 1] + target if cut >= 0 else target
    # posixpath.normpath changes nothing in a path without empty, "." or ".." segments or a trailing "/"
    plain = joined.lstrip("/")
    if plain and "//" not in plain and "/." not in plain and not plain.startswith(".") and not plain.endswith("/"):
        return plain
    return posixpath.normpath(joined).lstrip("/")


def _gate_limits(limits: Limits) -> gate.PartLimits:
    return gate.PartLimits(
        max_sheet_cells=limits.max_sheet_cells,
        max_expanded_cells=limits.max_expanded_cells,
        max_ranges=limits.max_ranges,
        max_text_bytes=limits.max_text_bytes,
        max_shared_strings=limits.max_shared_strings,
    )


class _Members:
    """Zip members read for the checks. A file up to ``_IN_MEMORY`` bytes is read once and its members
    inflated straight from memory (``zipfile.ZipFile.open`` costs more than inflating a small part);
    larger files go through ``zipfile``. Errors: ``zipfile.BadZipFile`` / ``zlib.error``."""

    _IN_MEMORY = 16 * MB

    def __init__(self, p: Path, zf: Any, size: int, raw: Optional[bytes] = None):
        self.p = p
        self.zf = zf
        self.raw: Optional[memoryview] = None
        if raw is not None:
            self.raw = memoryview(raw)
        elif size <= self._IN_MEMORY:
            with open(p, "rb") as fh:
                self.raw = memoryview(fh.read())
        self.info = {i.filename: i for i in zf.infolist()}
        self.cache: dict[str, bytes] = {}  # small parts already inflated whole

    def _data(self, info: zipfile.ZipInfo) -> memoryview:
        raw = self.raw
        assert raw is not None
        at = info.header_offset
        if bytes(raw[at:at + 4]) != b"PK\x03\x04":
            raise zipfile.BadZipFile(info.filename)
        n, e = struct.unpack_from("<HH", raw, at + 26)
        start = at + 30 + n + e
        end = start + info.compress_size
        if end > len(raw):
            raise zipfile.BadZipFile(info.filename)
        return raw[start:end]

    def head(self, info: zipfile.ZipInfo, n: int = 1024) -> bytes:
        """The first ``n`` decompressed bytes (no checksum: the part is not read to its end)."""
        cached = self.cache.get(info.filename)
        if cached is not None:
            return cached[:n]
        if self.raw is None:
            with self.zf.open(info) as fh:
                return fh.read(n)
        data = self._data(info)
        if info.compress_type == _STORED:
            return bytes(data[:n])
        return zlib.decompressobj(-15).decompress(data, n)

    def read(self, info: zipfile.ZipInfo, cap: int) -> bytes:
        """The whole part, its checksum verified; ``ValueError`` past ``cap`` bytes."""
        cached = self.cache.get(info.filename)
        if cached is not None and len(cached) <= cap:
            return cached
        if self.raw is not None and info.file_size <= MB and info.compress_type == _DEFLATED:
            data = self._inflate(info, cap)
        else:
            data = b"".join(self.chunks(info, cap))
        if len(data) <= MB:
            self.cache[info.filename] = data
        return data

    def _inflate(self, info: zipfile.ZipInfo, budget: int) -> bytes:
        """``chunks`` for a small deflated part, in one call: the same checks and errors."""
        limit = min(budget, info.file_size)
        d = zlib.decompressobj(-15)
        out = d.decompress(self._data(info), limit + 1)
        if len(out) > limit:
            if len(out) > budget:
                raise ValueError(info.filename)
            raise zipfile.BadZipFile(info.filename)  # more than the directory declared
        if not d.eof and d.unconsumed_tail:
            # output stopped at the limit with input left: more than declared, unless it inflates to nothing
            if d.decompress(d.unconsumed_tail, 1):
                raise zipfile.BadZipFile(info.filename)
        if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
            raise zipfile.BadZipFile(info.filename)
        return out

    def chunks(self, info: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
        """The part decompressed in pieces of at most 1 MiB, its checksum verified at the end;
        ``ValueError`` past ``budget`` bytes, ``BadZipFile`` when it holds more than it declares."""
        if self.raw is None:
            with self.zf.open(info) as fh:
                while True:
                    chunk = fh.read(MB)
                    if not chunk:
                        return
                    budget -= len(chunk)
                    if budget < 0:
                        raise ValueError(info.filename)
                    yield chunk
        data = self._data(info)
        limit = min(budget, info.file_size)
        if info.compress_type == _STORED:
            out = bytes(data[:limit + 1])
            if len(out) > limit:
                raise ValueError(info.filename) if len(out) > budget else zipfile.BadZipFile(info.filename)
            if zlib.crc32(out) != info.CRC or len(out) != info.file_size:
                raise zipfile.BadZipFile(info.filename)
            yield out
            return
        d = zlib.decompressobj(-15)
        crc, total, rest = 0, 0, data
        while True:
            out = d.decompress(rest, MB)
            rest = d.unconsumed_tail
            if out:
                total += len(out)
                if total > limit:
                    if total > budget:
                        raise ValueError(info.filename)
                    raise zipfile.BadZipFile(info.filename)  # more than the directory declared
                crc = zlib.crc32(out, crc)
                yield out
            if d.eof or not (out or rest):
                break
        if crc != info.CRC or total != info.file_size:
            raise zipfile.BadZipFile(info.filename)

    def text(self, name: str, cap: int = 4 * MB) -> str:
        """A small part as text ("" when missing or larger than ``cap``)."""
        info = self.info.get(name)
        if info is None or info.file_size > cap:
            return ""
        try:
            return self.read(info, cap).decode("utf-8", "replace")
        except ValueError:
            return ""
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            raise _fail(self.p, f"文件已损坏（内部部件“{name}”无法解压，校验失败）。" + _RESAVE) from None


_TAG_ATTRS = r"""((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>"""
_RELATIONSHIP = re.compile(r"<(?:[^\s<>/:]+:)?Relationship" + _TAG_ATTRS)
_SHEET_TAG = re.compile(r"<(?:[^\s<>/:]+:)?sheet" + _TAG_ATTRS)
_ATTR = re.compile(r"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _unescape(value: str) -> str:
    # xml.sax.saxutils.unescape(value, {"&quot;": '"', "&apos;": "'"}), done here: importing
    # xml.sax.saxutils imports urllib.request, http.client, email and ssl (~10 ms of every cold start).
    value = value.replace("&lt;", "<").replace("&gt;", ">")
    value = value.replace("&quot;", '"').replace("&apos;", "'")
    return value.replace("&amp;", "&")


_ATTR_DQ = re.compile(r'([^\s=/>]+)\s*=\s*"([^"]*)"')


def _attrs(text: str) -> dict[str, str]:
    if "'" not in text and "&" not in text:
        # every value in double quotes, nothing to unescape: the loop below gives exactly this
        return dict(_ATTR_DQ.findall(text))
    out = {}
    for key, dq, sq in _ATTR.findall(text):
        value = dq if dq or not sq else sq
        out[key] = _unescape(value) if "&" in value else value
    return out


def _relationships(text: str) -> list[dict[str, str]]:
    """The attributes of each Relationship element of a .rels part (the part is not expanded:
    a DTD, if any, is refused when the part itself is checked)."""
    return [_attrs(m.group(1)) for m in _RELATIONSHIP.finditer(text)]


_ROLES = {"worksheet": "worksheet", "sst": "sst", "comments": "comments"}
_HEAD = 1024  # decompressed bytes read first from each part: an Excel prolog is ~60 bytes


class _Book:
    """The parts of one OOXML workbook a reader will read, found and scanned before any reader runs.

    Sheets are found through the workbook's relationships and, whatever the relationships say, any
    XML part whose root element is a worksheet (a reader resolving a target differently still meets
    a scanned part); likewise the shared-string table and comments. Every other XML part gets the
    prolog check (fast tier) or the defusedxml scan (deep tier).
    """

    def __init__(self, p: Path, zf: zipfile.ZipFile, members: _Members, workbook_part: str, limits: Limits,
                 deep: bool):
        self.p, self.zf, self.workbook_part, self.limits, self.deep = p, zf, workbook_part, limits, deep
        self.members = members
        self.glimits = _gate_limits(limits)
        self.sheets: list[tuple[str, str]] = []  # (sheet name, part) in workbook order; part "" if unknown
        self.roles: dict[str, str] = {}  # part -> "worksheet" | "sst" | "comments"
        self.scans: dict[str, gate.SheetScan] = {}
        self.sst_part: Optional[str] = None

    # -- relationships -------------------------------------------------------------------------

    def _rels(self, part: str) -> list[tuple[str, str, str]]:
        """(Id, Type, member) of each internal relationship of ``part``."""
        out = []
        for rel in _relationships(self.members.text(_rels_part(part), cap=16 * MB)):
            if rel.get("TargetMode", "").lower() == "external":
                continue
            out.append((rel.get("Id", ""), rel.get("Type", ""), _resolve(part, rel.get("Target", ""))))
        return out

    def _map(self, names: set[str]) -> None:
        rels = self._rels(self.workbook_part)
        by_id = {rid: target for rid, _t, target in rels}
        for _rid, typ, target in rels:
            if typ.endswith("/worksheet"):
                self.roles[target] = "worksheet"
            elif typ.endswith("/sharedStrings"):
                self.roles[target] = "sst"
                self.sst_part = target
        text = self.members.text(self.workbook_part, cap=16 * MB)
        for m in _SHEET_TAG.finditer(text):
            attrs = _attrs(m.group(1))
            rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
            self.sheets.append((attrs.get("name", ""), by_id.get(rid, "")))
        for _name, part in self.sheets:
            if part in names and _rels_part(part) in names:
                for _rid, typ, target in self._rels(part):
                    if typ.endswith("/comments"):
                        self.roles[target] = "comments"

    def _sheet_name(self, part: str) -> str:
        return next((name for name, pt in self.sheets if pt == part), part)

    # -- scanning ------------------------------------------------------------------------------

    def _bomb(self, name: str) -> UnreadableFile:
        return _fail(
            self.p,
            f"文件内部部件“{name}”含有 XML 实体/DTD 声明（Excel 从不写入这类内容），"
            "可能是“XML 炸弹”恶意文件，已拒绝打开（未展开）。",
        )

    def _chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The decompressed part within the byte budget."""
        cached = self.members.cache.get(info.filename)
        if cached is not None:
            yield cached
            return
        try:
            yield from self.members.chunks(info, self.limits.max_part_bytes)
        except ValueError:
            raise _fail(self.p, f"文件内部部件“{info.filename}”解压后超过上限 {_mb(self.limits.max_part_bytes)}，已停止读取。") from None

    def check(self, infos: list[zipfile.ZipInfo]) -> None:
        names = {i.filename for i in infos}
        self._map(names)
        roles = self.roles
        for info in infos:
            # every XML part, and whatever the relationships name as a sheet, the shared strings or
            # comments, whatever its name ends with (python-calamine reads "xl/data/part9.bin" as a
            # sheet if the workbook's relationships say so)
            name = info.filename
            if name.lower().endswith(_XML_SUFFIXES) or name in roles or name == self.workbook_part:
                self._part(info)
        for part, scan in self.scans.items():
            if scan.area > self.limits.max_sheet_area:
                raise _fail(
                    self.p,
                    f"工作表“{self._sheet_name(part)}”的内容分布在 {scan.span}（约 {scan.area:,} 个单元格），"
                    f"超过上限 {self.limits.max_sheet_area:,}；通常是远处误输入了内容。请在 Excel 中删除多余的行和列"
                    "（或把自评表复制到新工作簿）后保存，再试。",
                )

    def _part(self, info: zipfile.ZipInfo) -> None:
        name = info.filename
        role = self.roles.get(name)
        try:
            if role is not None and self.members.raw is not None and info.file_size <= MB:
                self.members.read(info, self.limits.max_part_bytes)  # inflated once, for the head and the scan
            head = self.members.head(info)
        except Exception:
            raise _fail(self.p, f"文件已损坏（内部部件“{name}”无法解压，校验失败）。" + _RESAVE) from None
        root, clean = _head_facts(head)
        if role is None and info.file_size:
            role = _ROLES.get(root or "")
        if role is None:
            if clean and not self.deep:
                return None  # what _scan_part concludes from a clean prolog
            return _scan_part(self.p, self.zf, info, self.limits, self.deep, head=head)
        if self.deep or not clean:
            # The deep tier, or an odd prolog (UTF-16, a long comment ...): the full defusedxml scan
            # (DTDs, entities, well-formedness) runs first; the gate's scans then never meet a DTD.
            _scan_xml(self.p, self.zf, info, self.limits)
        elif role == "worksheet":
            data = self.members.cache.get(name)
            if data is not None and gate.quick_sheet(data, self.glimits, self.limits.max_sheet_area):
                return  # proven within every sheet limit without a scan (see gate.quick_sheet)
        try:
            if role == "worksheet":
                self.scans[name] = gate.scan_sheet(lambda: self._chunks(info), self.glimits)
            elif role == "sst":
                gate.scan_shared_strings(self._chunks(info), self.glimits)
            else:
                gate.scan_comments(self._chunks(info), self.glimits)
        except UnreadableFile:
            raise
        except gate.Refused as exc:
            where = f"工作表“{self._sheet_name(name)}”" if role == "worksheet" else f"内部部件“{name}”"
            raise _fail(self.p, f"{where}：{exc}。已拒绝打开。") from None
        except gate._Hostile:
            raise self._bomb(name) from None
        except pyexpat.ExpatError:
            if role != "comments":  # legacy comment parts are often not well-formed; readers cope
                raise _fail(self.p, f"文件已损坏（内部部件“{name}”不是有效的 XML）。" + _RESAVE) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
            raise _fail(self.p, f"文件已损坏（内部部件“{name}”无法解压，校验失败）。" + _RESAVE) from None


class _NullTarget:
    def close(self) -> None:
        return None


def _scan_xml(p: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, core: Optional[bool] = None) -> None:
    """Stream one part through defusedxml: refuse DTDs, entity declarations and external references.

    Chunks of 1 MiB, at most ``max_part_bytes`` in total. Only defusedxml's guard handlers stay
    installed on the expat parser (no per-element Python callbacks), so a 10 MB sheet scans in
    well under a second.
    """
    # imported here: the fast tier (what every read runs) never needs it, and it costs ~3 ms of each start
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    parser = DefusedXMLParser(target=_NullTarget(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.parser.DefaultHandlerExpand = None  # type: ignore[attr-defined]
    budget = limits.max_part_bytes
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(MB)
                if not chunk:
                    break
                budget -= len(chunk)
                if budget < 0:
                    raise _fail(p, f"文件内部部件“{info.filename}”解压后超过上限 {_mb(limits.max_part_bytes)}，已停止读取。")
                parser.feed(chunk)
            parser.close()
    except UnreadableFile:
        raise
    except DefusedXmlException:
        raise _fail(
            p,
            f"文件内部部件“{info.filename}”含有 XML 实体/DTD 声明（Excel 从不写入这类内容），"
            "可能是“XML 炸弹”恶意文件，已拒绝打开（未展开）。",
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
        raise _fail(p, f"文件已损坏（内部部件“{info.filename}”无法解压，校验失败）。" + _RESAVE) from None
    except Exception:  # expat ParseError and friends: broken XML
        if not (_is_core_part(info.filename) if core is None else core):
            return  # e.g. legacy VML drawings are often not well-formed; no reader depends on them
        raise _fail(p, f"文件已损坏（内部部件“{info.filename}”不是有效的 XML）。" + _RESAVE) from None


# ---- the fast tier: prologs only ----------------------------------------------------------------

_PROLOG_WINDOW = 64 * 1024  # decompressed bytes read to find the root element's start tag
_UTF8_BOM = b"\xef\xbb\xbf"
_XML_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([^"']*)["']""")
_PLAIN_ENCODINGS = (b"utf-8", b"utf8", b"us-ascii", b"ascii")


# The prolog Excel, WPS, LibreOffice and openpyxl write, in one match: a byte-order mark, an XML
# declaration, white space, then the root element. Where it matches, ``_head_facts`` gives what
# ``gate.root_name`` and ``_prolog_clean`` give (the root name is cut at 299 bytes as root_name cuts it).
_COMMON_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml([^?]*)\?>)?[ \t\r\n]*<([A-Za-z_][^\s/>]{0,298})")


def _head_facts(head: bytes) -> tuple[Optional[str], bool]:
    """(``gate.root_name(head)``, ``_prolog_clean(head)``) in one pass for the common prolog."""
    m = _COMMON_PROLOG.match(head)
    if m is None:
        return gate.root_name(head), _prolog_clean(head)
    decl, name = m.groups()
    clean = True
    if decl is not None:
        enc = _XML_ENCODING.search(decl)
        clean = enc is None or enc.group(1).lower() in _PLAIN_ENCODINGS
    if b":" in name:
        name = name[name.index(b":") + 1:]
    return name.decode("utf-8", "replace"), clean


def _prolog_clean(head: bytes) -> bool:
    """True when ``head`` shows the whole prolog (XML declaration, comments, PIs, whitespace) up to
    the root element's start tag, in UTF-8/ASCII, with no ``<!`` other than comments: then the part
    has no DTD and no entity declaration. False means "cannot tell", not "hostile": scan it fully."""
    if gate.prolog_end(head) is None:
        return False
    body = head[3:] if head.startswith(_UTF8_BOM) else head
    if body.startswith(b"<?xml"):
        m = _XML_ENCODING.search(body, 0, body.find(b"?>"))
        if m and m.group(1).lower() not in _PLAIN_ENCODINGS:
            return False  # another encoding could spell "<!DOCTYPE" differently
    return True


def _scan_part(p: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, deep: bool,
               core: Optional[bool] = None, head: Optional[bytes] = None) -> None:
    """The deep tier's ``_scan_xml``, or the fast tier's prolog check, for one part that is neither a
    worksheet, the shared strings nor comments (those are parsed by ``workbook.gate``).

    Fast tier: only the first ``_PROLOG_WINDOW`` bytes at most; anything unexpected (an unclear
    prolog, a read error) goes to ``_scan_xml`` for today's answer.
    """
    if deep:
        return _scan_xml(p, zf, info, limits, core=core)
    try:
        if head is None:
            with zf.open(info) as fh:
                head = fh.read(_HEAD)
        if _prolog_clean(head):
            return
        if len(head) < min(_HEAD, info.file_size):
            raise _FallBack
        if len(head) == info.file_size:
            raise _FallBack  # the whole part, and still unclear
        with zf.open(info) as fh:
            head = fh.read(_PROLOG_WINDOW)  # e.g. a long comment before the root
        if not _prolog_clean(head):
            raise _FallBack
    except UnreadableFile:
        raise
    except Exception:  # _FallBack, a checksum or zlib error ...: the deep scan of this part decides
        return _scan_xml(p, zf, info, limits, core=core)


class _FallBack(Exception):
    """The fast tier cannot vouch for a part."""


def _is_core_part(name: str) -> bool:
    """Parts every reader parses: malformed XML there means the workbook cannot be read."""
    low = name.lower()
    return (
        low in ("[content_types].xml", "xl/workbook.xml", "xl/sharedstrings.xml", "xl/styles.xml")
        or low.endswith(".rels")
        or (low.startswith("xl/worksheets/") and low.endswith(".xml"))
    )


# ---- reading limits, for the adapters ------------------------------------------------------------


def sheets_to_scan(names: list[str], limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """The sheets a reader looks at: the first ``max_sheets`` in workbook order."""
    return list(names[: limits.max_sheets])


def row_budget(n_cols: int, limits: Limits = DEFAULT_LIMITS) -> int:
    """Rows to read from a sheet ``n_cols`` wide (after column clipping) within ``max_cells``."""
    cols = max(1, min(n_cols, limits.max_cols))
    return max(1, min(limits.max_rows, limits.max_cells // cols))


def iter_clipped(rows: Iterable[Iterable[Any]], limits: Limits = DEFAULT_LIMITS) -> Iterator[list[Any]]:
    """Yield at most ``max_rows`` rows (fewer if ``max_cells`` requires), each cut to ``max_cols``.

    Lazy: an adapter wraps its row iterator in this and never materialises the rest of a huge sheet.
    """
    cells = 0
    for row in islice(rows, limits.max_rows):
        cut = list(islice(row, limits.max_cols))
        cells += max(len(cut), 1)
        if cells > limits.max_cells:
            return
        yield cut


def clip_grid(grid: Grid, limits: Limits = DEFAULT_LIMITS, extent: Optional[tuple[int, int]] = None) -> Grid:
    """The part of ``grid`` the tool scans; returns ``grid`` itself when nothing is cut.

    ``extent``: the sheet's used (rows, columns) as its source reports them, for adapters that already
    read only the first rows/columns (the grid alone cannot tell that anything was left out).
    A cut is recorded on the result as ``Grid.clipped`` (first row, first column not read; 0 = not cut).
    """
    full_rows, full_cols = grid.n_rows, grid.n_cols
    if extent is not None:
        full_rows, full_cols = max(full_rows, extent[0]), max(full_cols, extent[1])
    max_rows = row_budget(full_cols, limits)
    max_cols = limits.max_cols
    clipped = (max_rows + 1 if full_rows > max_rows else 0, max_cols + 1 if full_cols > max_cols else 0)
    clipped = clipped if any(clipped) else grid.clipped
    inside = all(r2 <= max_rows and c2 <= max_cols for (_r1, _c1, r2, c2) in grid.merged)
    if grid.n_rows <= max_rows and grid.n_cols <= max_cols and inside:
        if clipped != grid.clipped:
            grid.clipped = clipped  # already cut by the adapter: only record it
        return grid
    values = [list(r[:max_cols]) for r in grid.values[:max_rows]]
    merged = [
        (r1, c1, min(r2, max_rows), min(c2, max_cols))
        for (r1, c1, r2, c2) in grid.merged
        if r1 <= max_rows and c1 <= max_cols
    ]
    formulas = None
    if grid.formulas is not None:
        formulas = {k: v for k, v in grid.formulas.items() if k[0] <= max_rows and k[1] <= max_cols}
    return Grid(name=grid.name, values=values, merged=merged, formulas=formulas, clipped=clipped)


def is_clipped(n_rows: int, n_cols: int, limits: Limits = DEFAULT_LIMITS) -> Optional[str]:
    """A Chinese note when a sheet of this size is only partly scanned, else None."""
    if n_rows <= row_budget(n_cols, limits) and n_cols <= limits.max_cols:
        return None
    return (
        f"工作表共 {n_rows} 行 × {n_cols} 列，本工具只查找前 {row_budget(n_cols, limits)} 行、"
        f"前 {limits.max_cols} 列中的自评表。"
    )
