"""Batch review: ``pe-score check PATH... [--summary OUT.xlsx] [--json] [--jobs N] [--profile NAME]``.

Reads every workbook under the given paths (files, folders searched recursively, .zip archives),
scores each 附件2-1 sheet with the same pipeline as ``pe-score score`` and compares the result with
what the form claims. Results stream: each file is read, scored, written to the summary workbook /
JSON array and dropped before the next one is looked at (at most a small window of files is in
flight with ``--jobs``). One bad file never stops the batch; it is reported with a Chinese reason.

Exit status: 0 every file was read and every form scored without error findings or a claimed score
that differs from the recomputed one; 1 some form has error findings or a difference, or some file
could not be read; 2 nothing could be scored. See docs/batch.md.
"""
from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
import zipfile
from collections import Counter, deque
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, TextIO

from pe_score.summary import FormRow, SummaryWriter
from workbook.fast import read_grids
from workbook.text import display_name

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")

# Zip guards: what an archive may declare before we refuse it or one of its members. Forms are
# tens of kilobytes; these leave room for big workbooks and stop bombs long before memory suffers.
ZIP_MAX_MEMBERS = 20_000
ZIP_MAX_MEMBER_BYTES = 64 * 1024 * 1024
ZIP_MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
ZIP_MAX_RATIO = 200  # uncompressed / compressed, for members above 1 MB

MSG_NO_FORM = "未找到附件2-1 部门整体支出绩效自评表（没有工作表符合该表样）"
MSG_MISSING = "文件不存在"
MSG_NOT_SPREADSHEET = "不是 Excel 文件（内容不是电子表格格式）"
MSG_CORRUPT_ZIP = "文件已损坏，无法打开（xlsx 压缩结构不完整）"
MSG_SPECIAL = "不是普通文件（是管道、设备或其他特殊文件），已跳过"
MSG_UNPARSABLE = "文件内容无法解析，可能已损坏。请在 Excel 或 WPS 中打开后另存为 .xlsx，再试"
MSG_CRASHED = "读取该文件时处理进程意外退出（文件可能异常），请单独检查"
MSG_INTERNAL = "处理时出错（程序内部问题），请单独用 pe-score score 检查该文件"

LIST_LIMIT = 50  # rows of the end-of-run detail tables; the counts are always complete


# ---- what to read ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One workbook to check: a file on disk, or a member of a zip archive."""

    display: str  # shown to the user: "folder/a.xlsx", "forms.zip!2021/a.xlsx"
    path: str  # the file, or the archive holding the member
    member: Optional[str] = None  # zip member name, exactly as stored in the archive
    problem: Optional[str] = None  # known unreadable before opening (zip guards, missing file)

    @property
    def suffix(self) -> str:
        return Path(self.member or self.path).suffix.lower()


@dataclass
class Job:
    """What a worker receives: a path to read, or the bytes of a zip member."""

    display: str
    path: Optional[str] = None
    data: Optional[bytes] = None
    suffix: str = ".xlsx"
    problem: Optional[str] = None


def _is_spreadsheet_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    # "~$x.xlsx" are Excel's lock files, ".x.xlsx" hidden files (the temp files pe-score and other
    # programs write while saving), not workbooks.
    return base.lower().endswith(SPREADSHEET_SUFFIXES) and not base.startswith(("~$", "."))


def _special(path: str) -> Optional[str]:
    """A Chinese reason when ``path`` exists but is not a regular file or folder (a FIFO would hang
    the reader, a link to /dev/zero never ends), else None."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # missing / unreadable: the reader says so
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return MSG_SPECIAL


def _member_display_name(info: zipfile.ZipInfo) -> str:
    # Archives made by Windows' "send to zip" store GBK names without the UTF-8 flag; zipfile then
    # decodes them as cp437. Re-decode so reviewers see the real (Chinese) file names.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _unsafe_member(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts


def _zip_sources(path: str, display: str) -> Iterator[Source]:
    special = _special(path)
    if special:
        yield Source(display, path, problem=special)
        return
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):  # NotImplementedError: "zip file version"
        yield Source(display, path, problem="压缩包已损坏，无法打开")
        return
    if len(infos) > ZIP_MAX_MEMBERS:
        yield Source(display, path, problem=f"压缩包内文件过多（{len(infos)} 个，上限 {ZIP_MAX_MEMBERS}），请分批审核")
        return
    total = 0
    for info in infos:
        name = display_name(_member_display_name(info))
        if info.is_dir() or name.startswith("__MACOSX/"):
            continue
        shown = f"{display}!{name}"
        if name.lower().endswith(".zip"):
            yield Source(shown, path, info.filename, problem="压缩包内嵌套的压缩包不会展开，请先解压")
            continue
        if not _is_spreadsheet_name(name):
            continue
        if _unsafe_member(info.filename):
            yield Source(shown, path, info.filename, problem="压缩包内文件路径不安全（含 .. 或绝对路径），已跳过")
            continue
        total += info.file_size
        if info.file_size > ZIP_MAX_MEMBER_BYTES:
            problem = f"文件过大（解压后 {info.file_size // (1024 * 1024)} MB），已跳过"
        elif info.file_size > 1024 * 1024 and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            problem = "压缩比异常（疑似压缩炸弹），已跳过"
        elif total > ZIP_MAX_TOTAL_BYTES:
            problem = "压缩包解压后总量超过上限，其余文件已跳过"
        else:
            problem = None
        yield Source(shown, path, info.filename, problem=problem)


def collect_sources(paths: Iterable[str | os.PathLike], exclude: Iterable[str | os.PathLike] = ()) -> list[Source]:
    """Every workbook under ``paths``, in a stable order (folders sorted, zips in archive order).

    Only names are collected here; nothing is read until the batch reaches the file. ``exclude``:
    files never to read (the summary being written, which may sit in the folder under review).
    """
    skip = {os.path.realpath(x) for x in exclude}
    out: list[Source] = [s for s in _collect(paths) if os.path.realpath(s.path) not in skip]
    return out


def _collect(paths: Iterable[str | os.PathLike]) -> list[Source]:
    out: list[Source] = []
    for p in paths:
        p = os.fspath(p)
        shown = display_name(p)
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # hidden folders: not forms
                for f in sorted(files):
                    if f.startswith((".", "~$")):
                        continue  # hidden and temp files, Excel's lock files
                    full = os.path.join(root, f)
                    rel = display_name(os.path.relpath(full, os.path.dirname(os.path.abspath(p)) or "."))
                    if f.lower().endswith(".zip"):
                        out.extend(_zip_sources(full, rel))
                    elif _is_spreadsheet_name(f):
                        out.append(Source(rel, full, problem=_special(full)))
        elif not os.path.lexists(p):
            out.append(Source(shown, p, problem=MSG_MISSING))
        elif _special(p):
            out.append(Source(shown, p, problem=_special(p)))
        elif p.lower().endswith(".zip"):
            out.extend(_zip_sources(p, shown))
        else:
            # An explicitly named file is tried whatever its extension; reading says what it is.
            out.append(Source(shown, p))
    return out


def _read_member(zf: zipfile.ZipFile, member: str) -> bytes:
    """The member's bytes, refusing more than the limit whatever the archive declared."""
    chunks, size = [], 0
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(1024 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > ZIP_MAX_MEMBER_BYTES:
                raise ValueError("member larger than declared limit")
            chunks.append(chunk)
    return b"".join(chunks)


def iter_jobs(sources: Iterable[Source]) -> Iterator[Job]:
    """Turn sources into jobs lazily; zip members are read one at a time (one archive kept open)."""
    open_zip: Optional[zipfile.ZipFile] = None
    open_path: Optional[str] = None
    try:
        for src in sources:
            if src.problem or src.member is None:
                yield Job(src.display, path=src.path, suffix=src.suffix, problem=src.problem)
                continue
            try:
                if open_path != src.path:
                    if open_zip is not None:
                        open_zip.close()
                    open_zip, open_path = None, None
                    open_zip, open_path = zipfile.ZipFile(src.path), src.path
                data = _read_member(open_zip, src.member)
            except ValueError:
                yield Job(src.display, suffix=src.suffix, problem="解压后大小超过上限（疑似压缩炸弹），已跳过")
                continue
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
                # RuntimeError: a password-protected zip member; NotImplementedError: odd compression.
                if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
                    reason = "压缩包内文件有密码保护，请先解压"
                else:
                    reason = "压缩包内文件已损坏，无法解压"
                yield Job(src.display, suffix=src.suffix, problem=reason)
                continue
            yield Job(src.display, data=data, suffix=src.suffix)
    finally:
        if open_zip is not None:
            open_zip.close()


# ---- reading and scoring one workbook (runs in a worker process with --jobs) -----------------


@dataclass
class Outcome:
    """Everything the batch keeps about one file: its forms, or why it could not be read."""

    display: str
    rows: list[FormRow] = field(default_factory=list)
    objects: list[dict] = field(default_factory=list)  # --json objects, one per form
    error: Optional[str] = None
    opened: bool = False  # the workbook itself was read (it may still hold no form)


_PROFILES: dict[str, Any] = {}


def _profile(name: Optional[str]):
    if name in (None, "", "auto"):
        return None  # chosen per form from its layout (workbook.families)
    if name not in _PROFILES:
        from scoring.profiles import load_profile

        _PROFILES[name] = load_profile(name)
    return _PROFILES[name]


def _reason(exc: BaseException, path: str, suffix: str) -> str:
    """A Chinese reason for a file that could not be read (never an exception class or English text).

    The readers raise workbook.safety's messages (encrypted, wrong extension, corrupt ...); for any
    other failure the full safety check is asked first, so one problem gets one message everywhere.
    """
    from workbook.errors import UnreadableFile, WorkbookError, describe_os_error
    from workbook.safety import check_file

    if isinstance(exc, WorkbookError):
        return str(exc)
    try:
        check_file(path)
    except UnreadableFile as refused:
        return str(refused)
    except Exception:  # only a better message is at stake
        pass
    if isinstance(exc, OSError):
        return describe_os_error(exc).rstrip("。")
    name = type(exc).__name__
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        head = b""
    if name in ("ZipError", "BadZipFile"):
        return MSG_CORRUPT_ZIP if head.startswith(b"PK") else MSG_NOT_SPREADSHEET
    if name == "XmlError":
        return "文件已损坏（工作表内容无法解析）"
    if suffix == ".xls" and not head.startswith(b"\xd0\xcf\x11\xe0"):
        return MSG_NOT_SPREADSHEET
    return MSG_UNPARSABLE


def _find_forms(grids, profile):
    from workbook.errors import NotAForm
    from workbook.pipeline import find_forms

    try:
        return find_forms(grids, profile, plan=False)  # the batch writes nothing back
    except NotAForm:
        return []


def _number(value: Any) -> Optional[float]:
    from scoring.totals import cell_number  # a number cell, as SUM counts it

    return cell_number(value)


def _differs(form, codes: set[str]) -> bool:
    """The engine's verdict on the form's claim (``codes``: its findings' codes): PE603 (header 自评得分),
    or PE604 (typed 合计) when the header claims nothing — the same claim ``_claimed`` reports."""
    return "PE603" in codes or (form.claimed_total is None and "PE604" in codes)


def _claimed(form, result) -> Optional[float]:
    # The header 自评得分 is the form's claim; a form without one claims its typed 合计.
    for value in (getattr(result, "claimed_total", None), form.claimed_total, form.typed_total):
        n = _number(value)
        if n is not None:
            return n
    return None


def _outcome_for(display: str, path: str, suffix: str, profile_name: str, want_json: bool = True,
                 want_issues: bool = True) -> Outcome:
    """Read and score one workbook. ``want_json``: keep the --json objects; ``want_issues``: keep each
    form's findings (the summary lists them); without either, only what the report counts goes back."""
    from scoring.report import result_json

    out = Outcome(display)
    profile = _profile(profile_name)
    try:
        grids = read_grids(path)  # runs workbook.safety.check_file first (encrypted, bombs, wrong format ...)
    except Exception as exc:  # one bad file never stops the batch
        out.error = _reason(exc, path, suffix)
        return out
    out.opened = True
    try:
        scored = _find_forms(grids, profile)
    except Exception as exc:
        from workbook.errors import WorkbookError

        out.error = str(exc) if isinstance(exc, WorkbookError) else "评分时出错（程序内部问题），请单独用 pe-score score 检查该文件"
        return out
    del grids
    if not scored:
        out.error = MSG_NO_FORM
        return out
    for item in scored:
        out.rows.append(_form_row(display, item, profile, want_issues))
        if want_json:  # not pickled back from a worker when nobody asked for JSON
            obj = result_json(item.result, item.profile or profile, form=item.form)
            obj.update(_profile_fields(item))
            out.objects.append({"file": display, **obj, "claimed_total": out.rows[-1].claimed})
    return out


def _profile_fields(item) -> dict[str, str]:
    """Which profile scored this form, and why (the --json object's profile / profile_reason / status)."""
    reading = getattr(item, "reading", None)
    if reading is None:
        return {}
    return {"profile": item.profile.name, "profile_reason": reading.why,
            "status": "未评分" if reading.status == "unscored" else "已评分"}


def _form_row(display: str, item, profile, want_issues: bool) -> FormRow:
    """The summary row of one scored form (``scoring.report.result_brief``: rounded as in the JSON)."""
    from scoring.report import result_brief

    form, result = item.form, item.result
    brief = result_brief(result, item.profile or profile, form=form, issues=want_issues)
    codes = {f.code for f in result.findings}
    return FormRow(
        file=display,
        sheet=brief["sheet"] or form.sheet or result.sheet,
        unit=form.unit,
        year=form.year,
        claimed=_claimed(form, result),
        total=_number(brief["total"]),
        grade=brief["grade"] or result.grade,
        capped=bool(brief["capped"]),
        errors=brief["counts"].get("error", 0),
        warnings=brief["counts"].get("warning", 0),
        issues=brief.get("issues", []),
        differs=_differs(form, codes),
        profile=getattr(item.profile, "name", "") or getattr(profile, "name", ""),
    )


def check_job(job: Job, profile_name: str, want_json: bool = True, want_issues: bool = True) -> Outcome:
    """Read and score one workbook. Never raises: failures become ``Outcome.error``."""
    if job.problem:
        return Outcome(job.display, error=job.problem)
    if job.data is None:
        return _outcome_for(job.display, job.path or job.display, job.suffix, profile_name, want_json, want_issues)
    # Zip members go through a temp file: the readers and the safety checks take paths. The temp
    # file has a short safe name (a member name may be 300 bytes of Chinese, or hold control
    # characters); the readers' messages then name the member, not the temp file.
    shown = os.path.basename(job.display.replace("\\", "/").split("!")[-1]) or f"member{job.suffix}"
    base = f"member{job.suffix if job.suffix in SPREADSHEET_SUFFIXES else ''}"
    with tempfile.TemporaryDirectory(prefix="pe-check-") as tmpdir:
        tmp = os.path.join(tmpdir, base)
        with open(tmp, "wb") as fh:
            fh.write(job.data)
        job.data = None
        out = _outcome_for(job.display, tmp, job.suffix, profile_name, want_json, want_issues)
    if out.error:
        out.error = out.error.replace(f"“{base}”", f"“{shown}”").replace(base, shown)
    return out


def _safe_check_job(job: Job, profile_name: str, want_json: bool = True, want_issues: bool = True) -> Outcome:
    from workbook.errors import describe_os_error

    try:
        return check_job(job, profile_name, want_json, want_issues)
    except OSError as exc:  # e.g. no room for a zip member's temp file
        return Outcome(job.display, error="处理时出错：" + describe_os_error(exc).rstrip("。"))
    except Exception:  # a bug elsewhere must not end the batch
        return Outcome(job.display, error=MSG_INTERNAL)


# A worker task carries a chunk of files, not one: a task costs the parent and the worker ~0.5 ms
# (pickling, pipes, the pool's bookkeeping threads), more than some forms take to score. Chunks stay
# small so that memory stays bounded, the work is shared between processes, and a crash costs a
# retry of a few files only.
CHUNK_FILES = 16
CHUNK_BYTES = 16 * 1024 * 1024  # zip members' bytes that one task carries at most (then it closes)


def chunk_size(files: int, workers: int) -> int:
    """Files per task: up to CHUNK_FILES, fewer for a small batch so every worker gets ~4 tasks."""
    return max(1, min(CHUNK_FILES, files // (workers * 4)))


def _chunks(jobs: Iterable[Job], size: int) -> Iterator[list[Job]]:
    chunk: list[Job] = []
    carried = 0
    for job in jobs:
        chunk.append(job)
        carried += len(job.data or b"")
        if len(chunk) >= size or carried >= CHUNK_BYTES:
            yield chunk
            chunk, carried = [], 0
    if chunk:
        yield chunk


def check_chunk(jobs: list[Job], profile_name: str, want_json: bool = True,
                want_issues: bool = True) -> list[Outcome]:
    """What a worker task runs: each job in turn (``check_job`` via ``_safe_check_job``), outcomes in order."""
    return [_safe_check_job(job, profile_name, want_json, want_issues) for job in jobs]


class _Pool:
    """Chunks of jobs in worker processes; outcomes in input order, a small window of chunks in flight.

    A worker that dies (a reader crashing on a hostile file, the OOM killer) breaks the whole pool and
    fails every pending task. The pool is then rebuilt and the pending chunks resubmitted; the files of
    the chunk that failed are retried one per task, and a one-file task that fails is retried alone in
    a fresh process to learn whether that file was the culprit. So only the crashing file is lost, and
    it is reported as unreadable (MSG_CRASHED).
    """

    def __init__(self, ex: ProcessPoolExecutor, workers: int, profile_name: str, want_json: bool,
                 want_issues: bool = True):
        self.ex, self.workers = ex, workers
        self.args = (profile_name, want_json, want_issues)
        self.pending: deque = deque()  # (jobs, future), oldest first
        self.window = workers * 2

    def outcomes(self, chunks: Iterable[list[Job]]) -> Iterator[Outcome]:
        try:
            for chunk in chunks:
                self.pending.append((chunk, self._submit(chunk)))
                while len(self.pending) >= self.window:
                    yield from self._take()
            while self.pending:
                yield from self._take()
        finally:
            self.ex.shutdown(wait=True, cancel_futures=True)

    def _submit(self, jobs: list[Job]) -> Future:
        try:
            try:
                return self.ex.submit(check_chunk, jobs, *self.args)
            except BrokenProcessPool:
                self._restart()
                return self.ex.submit(check_chunk, jobs, *self.args)
        except (OSError, BrokenProcessPool):  # no process can be started now (fork failed ...)
            done: Future = Future()
            done.set_result(check_chunk(jobs, *self.args))
            return done

    def _take(self) -> list[Outcome]:
        jobs, fut = self.pending.popleft()
        if fut is None:  # a one-file task lost with a broken pool: only a process of its own can tell
            return [_alone(jobs[0], *self.args)]
        try:
            return fut.result()
        except BrokenProcessPool:
            self._restart()
        except Exception:  # the task itself failed (an outcome that would not pickle ...): file by file
            if len(jobs) == 1:
                return [Outcome(jobs[0].display, error=MSG_INTERNAL)]
        if len(jobs) == 1:
            return [_alone(jobs[0], *self.args)]
        for job in reversed(jobs):  # one file per task, ahead of the other pending chunks
            self.pending.appendleft(([job], self._submit([job])))
        return []

    def _restart(self) -> None:
        """A new pool. Pending chunks whose results are in are kept; the others are submitted again in
        the same order, except one-file tasks the broken pool failed: each may be the culprit, and is
        run alone when its turn comes."""
        self.ex.shutdown(wait=False, cancel_futures=True)
        self.ex = ProcessPoolExecutor(max_workers=self.workers)
        for i, (jobs, fut) in enumerate(list(self.pending)):
            failed = _failure(fut)
            if fut is None or (fut.done() and failed is None):
                continue
            if len(jobs) == 1 and isinstance(failed, BrokenProcessPool):
                self.pending[i] = (jobs, None)
            else:
                self.pending[i] = (jobs, self._submit(jobs))


def _failure(fut: Optional[Future]) -> Optional[BaseException]:
    """The exception of a finished task (a cancelled one counts as failed), else None."""
    if fut is None or not fut.done():
        return None
    return CancelledError() if fut.cancelled() else fut.exception()


def _alone(job: Job, profile_name: str, want_json: bool, want_issues: bool = True) -> Outcome:
    """Run one job in its own short-lived process: if that dies too, this file is the culprit."""
    with ProcessPoolExecutor(max_workers=1) as solo:
        try:
            return solo.submit(check_chunk, [job], profile_name, want_json, want_issues).result()[0]
        except BrokenProcessPool:
            return Outcome(job.display, error=MSG_CRASHED)
        except Exception:
            return Outcome(job.display, error=MSG_INTERNAL)


def iter_outcomes(sources: list[Source], profile_name: str, jobs: int = 1,
                  want_json: bool = True, want_issues: bool = True) -> Iterator[Outcome]:
    """Outcomes in input order. Files are read in worker processes even with one job: a native
    reader that aborts (python-calamine on memory it cannot get, a crash in a C library) takes one
    worker down, never the batch; that file is reported and the summary is written for the others.
    Where no worker process can be started, files are read in this process."""
    workers = (os.cpu_count() or 1) if jobs == 0 else max(1, jobs)
    job_iter = iter_jobs(sources)
    if not sources:
        return
    workers = min(workers, len(sources))
    try:
        ex = ProcessPoolExecutor(max_workers=workers)
    except (OSError, NotImplementedError, ImportError):  # no semaphores / no fork on this system
        for job in job_iter:
            yield _safe_check_job(job, profile_name, want_json, want_issues)
        return
    pool = _Pool(ex, workers, profile_name, want_json, want_issues)
    yield from pool.outcomes(_chunks(job_iter, chunk_size(len(sources), workers)))


# ---- the run ---------------------------------------------------------------------------------


@dataclass
class Stats:
    files: int = 0
    opened: int = 0
    forms: int = 0
    unreadable: int = 0
    differing: int = 0
    with_errors: int = 0
    capped: int = 0
    grades: Counter = field(default_factory=Counter)
    profiles: Counter = field(default_factory=Counter)  # forms per scoring profile
    unreadable_list: list[tuple[str, str]] = field(default_factory=list)
    differing_list: list[FormRow] = field(default_factory=list)

    def add(self, o: Outcome) -> None:
        self.files += 1
        self.opened += o.opened
        if o.error:
            self.unreadable += 1
            if len(self.unreadable_list) < LIST_LIMIT:
                self.unreadable_list.append((o.display, o.error))
        for row in o.rows:
            self.forms += 1
            self.grades[row.grade] += 1
            self.profiles[row.profile] += 1
            self.capped += row.capped
            self.with_errors += row.errors > 0
            if row.differs:
                self.differing += 1
                if len(self.differing_list) < LIST_LIMIT:
                    self.differing_list.append(row)

    @property
    def exit_code(self) -> int:
        if self.forms == 0:
            return 2
        if self.unreadable or self.differing or self.with_errors:
            return 1
        return 0


class _JsonArray:
    """Writes a JSON array item by item so nothing accumulates."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.n = 0
        stream.write("[")

    def add(self, obj: dict) -> None:
        text = json.dumps(obj, ensure_ascii=False, default=str)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate somewhere: \u escapes are valid JSON too
            text = json.dumps(obj, ensure_ascii=True, default=str)
        self.stream.write(",\n" if self.n else "\n")
        self.stream.write(text)
        self.n += 1

    def close(self) -> None:
        self.stream.write("\n]\n" if self.n else "]\n")
        self.stream.flush()


def _fmt(x: Optional[float]) -> str:
    from scoring.formatting import fixed

    return fixed(x, 2, blank="")


def print_report(stats: Stats, console) -> None:
    from rich.table import Table

    t = Table(title="批量审核结果", show_header=False)
    t.add_column("项目")
    t.add_column("数量", justify="right")
    t.add_row("文件", str(stats.files))
    t.add_row("读取成功的文件", str(stats.opened))
    t.add_row("评分的表", str(stats.forms))
    t.add_row("无法读取的文件", str(stats.unreadable), style="red" if stats.unreadable else None)
    t.add_row("自评得分与复核得分不一致的表", str(stats.differing), style="red" if stats.differing else None)
    t.add_row("有错误的表", str(stats.with_errors), style="red" if stats.with_errors else None)
    t.add_row("触发60分上限的表", str(stats.capped))
    for g in sorted(stats.grades, key=lambda g: "优良中差".find(g) if g in "优良中差" else 9):
        t.add_row(f"等级 {g or '—'}", str(stats.grades[g]))
    for name, n in sorted(stats.profiles.items()):  # which scoring profile each form got (its layout)
        t.add_row(f"评分方案 {name or '—'}", str(n))
    console.print(t)
    if stats.unreadable_list:
        u = Table(title="无法读取的文件")
        u.add_column("文件", overflow="fold")
        u.add_column("原因", overflow="fold")
        for display, why in stats.unreadable_list:
            u.add_row(display, why)
        console.print(u)
        if stats.unreadable > len(stats.unreadable_list):
            console.print(f"……另有 {stats.unreadable - len(stats.unreadable_list)} 个，见汇总表。")
    if stats.differing_list:
        d = Table(title="自评得分与复核得分不一致")
        for col in ("文件", "工作表", "单位"):
            d.add_column(col, overflow="fold")
        for col in ("自评得分", "复核得分", "差异"):
            d.add_column(col, justify="right")
        for r in stats.differing_list:
            diff = r.difference
            d.add_row(r.file, r.sheet, r.unit, _fmt(r.claimed), _fmt(r.total),
                      f"{diff:+.2f}" if diff is not None else "")
        console.print(d)
        if stats.differing > len(stats.differing_list):
            console.print(f"……另有 {stats.differing - len(stats.differing_list)} 张，见汇总表。")


def run_check(
    paths: Iterable[str | os.PathLike],
    summary: Optional[str | os.PathLike] = None,
    as_json: bool = False,
    jobs: int = 1,
    profile: Optional[str] = None,
    stdout: Optional[TextIO] = None,
    stderr: Optional[TextIO] = None,
    progress: Optional[bool] = None,
) -> int:
    """The ``pe-score check`` command. Returns the exit status (0 / 1 / 2)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    err_console = Console(file=stderr)
    try:
        prof = _profile(profile)
    except ValueError as exc:  # scoring.profiles.ProfileError
        err_console.print(f"[red]{exc}[/red]")
        return 2
    if summary is not None:
        # Fail before hours of reading, not at the end.
        if Path(summary).suffix.lower() != ".xlsx":
            err_console.print(f"[red]汇总文件须使用 .xlsx 扩展名：{summary}[/red]")
            return 2
        if not Path(summary).resolve().parent.is_dir():
            err_console.print(f"[red]汇总文件所在的文件夹不存在：{Path(summary).parent}[/red]")
            return 2
    if as_json and stdout is sys.stdout:
        try:  # JSON is UTF-8 whatever the console code page
            sys.stdout.reconfigure(encoding="utf-8")
        except (AttributeError, ValueError):
            pass
    # Workers load the profile themselves (by name or .toml path).
    profile_name = profile
    if progress is None:
        progress = stderr.isatty()

    sources = collect_sources(paths, exclude=[summary] if summary else [])
    stats = Stats()
    if prof is None:  # profiles chosen per form; the summary's grade names are the default profile's
        from scoring.profiles import load_profile

        prof = load_profile()
    writer = SummaryWriter(summary, prof) if summary else None
    array = _JsonArray(stdout) if as_json else None
    bar = Progress(TextColumn("审核中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   TextColumn("{task.description}"), console=err_console, transient=True,
                   disable=not progress)
    try:
        with bar:
            task = bar.add_task("", total=len(sources))
            # findings go back from the workers only for the summary's 问题清单 (the counts always do)
            for o in iter_outcomes(sources, profile_name, jobs, want_json=as_json, want_issues=writer is not None):
                stats.add(o)
                if writer is not None:
                    if o.error:
                        writer.add_unreadable(o.display, o.error)
                    for row in o.rows:
                        writer.add_form(row)
                if array is not None:
                    if o.error:
                        array.add({"file": o.display, "unit": None, "year": None, "claimed_total": None,
                                   "error": o.error})
                    for obj in o.objects:
                        array.add(obj)
                bar.update(task, advance=1, description=os.path.basename(o.display)[-40:])
    except BaseException:
        if writer is not None:
            writer.discard()
        raise
    if array is not None:
        array.close()
    if writer is not None:
        writer.close()
    report_console = err_console if as_json else Console(file=stdout)
    if not sources:
        err_console.print("[red]没有找到 Excel 文件（.xlsx / .xlsm / .xls / .ods / .zip）[/red]")
    else:
        print_report(stats, report_console)
        if writer is not None:
            report_console.print(f"汇总表已写入：{summary}")
    return stats.exit_code
