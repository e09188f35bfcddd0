"""Run the whole bad-input corpus through the real command line and judge every outcome.

    python -m tests.corpus.run [--keep DIR] [--jobs N]

Builds the corpus into a temporary folder, runs ``pe-score score FILE --json --write OUT`` on each file
(a subprocess with a timeout), and prints how many inputs were tried, how many crashed (traceback,
internal error, hang, wrong exit status) and whether any input file changed (data lost). Exit status 0
only when nothing crashed and nothing was lost. ``tests/test_corpus.py`` uses the same judge.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
TIMEOUT = 90.0  # seconds per file; scoring (no --write) the 50,000 noise rows takes a few


@dataclass
class Outcome:
    name: str
    rc: Optional[int]  # None: timed out
    stdout: str
    stderr: str
    seconds: float
    changed: bool  # the input file's bytes changed
    wrote: Optional[Path] = None  # the scored copy, when one was written
    problems: list[str] = field(default_factory=list)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args: str, timeout: float = TIMEOUT) -> tuple[Optional[int], str, str, float]:
    """``pe-score`` as a user runs it: a fresh interpreter, exit status, both streams."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONIOENCODING="utf-8")
    env.pop("PE_SCORE_DEBUG", None)
    t = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-m", "pe_score", *args], cwd=ROOT, env=env,
                           capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode("utf-8", "replace")
        err = (exc.stderr or b"").decode("utf-8", "replace")
        return None, out, err, time.perf_counter() - t
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"), time.perf_counter() - t


class _Deadline(BaseException):
    """Raised by SIGALRM inside an in-process run; a BaseException, so the command's own last-resort
    handler (which catches Exception) cannot turn a hang into a message."""


def cli_in_process(*args: str, timeout: float = TIMEOUT) -> tuple[Optional[int], str, str, float]:
    """The same command through its console-script entry point ``pe_score.cli.main``, in this
    process: no interpreter start-up per file. A hang is cut after ``timeout`` seconds (SIGALRM, so
    only in the main thread; elsewhere there is no deadline). Returns what ``cli`` returns."""
    import contextlib
    import io
    import signal
    import threading

    from pe_score.cli import main

    out_b, err_b = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_b, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_b, encoding="utf-8", write_through=True)
    alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()

    def expire(*_):
        raise _Deadline()

    rc: Optional[int] = None
    debug = os.environ.pop("PE_SCORE_DEBUG", None)
    t = time.perf_counter()
    old = signal.signal(signal.SIGALRM, expire) if alarm else None
    try:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(list(args))
    except _Deadline:
        rc = None
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        if debug is not None:
            os.environ["PE_SCORE_DEBUG"] = debug
    return (rc, out_b.getvalue().decode("utf-8", "replace"), err_b.getvalue().decode("utf-8", "replace"),
            time.perf_counter() - t)


def judge(entry, path: Path, out_dir: Path, timeout: float = TIMEOUT, runner=cli) -> Outcome:
    """Score one corpus file (writing a scored copy when the file is not meant to be refused).
    ``runner``: ``cli`` (a real process per file) or ``cli_in_process`` (the entry point, in-process)."""
    from workbook.errors import UnreadableFile
    from workbook.safety import check_file

    before = sha(path)
    target = out_dir / f"scored_{path.stem}.xlsx"
    args = ["score", str(path), "--json"]
    if entry.expect != "refuse" and not entry.heavy and path.suffix.lower() in (".xlsx", ".xlsm"):
        target = target.with_suffix(path.suffix.lower())
        args += ["--write", str(target)]
    rc, out, err, secs = runner(*args, timeout=timeout)
    o = Outcome(entry.name, rc, out, err, secs, changed=sha(path) != before)
    pr = o.problems
    both = out + err
    if rc is None:
        pr.append(f"hang: no answer within {timeout:.0f} s")
    if "Traceback" in both:
        pr.append("traceback printed")
    if "内部错误" in err:
        pr.append("internal error: " + err.strip()[:300])
    if rc not in (None, 0, 1, 2):
        pr.append(f"exit status {rc}")
    if o.changed:
        pr.append("the input file was modified")
    if rc in (0, 1):
        try:
            data = json.loads(out)
            total = float(data["total"])
            if not 0 <= total <= 100:
                pr.append(f"total {total} outside [0, 100]")
            if data.get("grade") not in ("优", "良", "中", "差"):
                pr.append(f"grade {data.get('grade')!r}")
        except Exception as exc:  # noqa: BLE001 - any malformed output is the finding
            pr.append(f"stdout is not the JSON report ({type(exc).__name__}): {out[:200]!r}")
        if "--write" in args:
            if target.exists():
                o.wrote = target
                pr.extend(_check_written(target))
            elif rc in (0, 1):
                pr.append("exit 0/1 with --write but no scored copy was written")
    if rc == 2:
        if not CJK.search(err):
            pr.append(f"exit 2 without a Chinese message: {err[:200]!r}")
        if out.strip():
            pr.append(f"exit 2 but something on stdout: {out[:200]!r}")
    if entry.expect == "score" and rc == 2:
        pr.append("a form is present but no result: " + err.strip()[:300])
    if entry.expect in ("notform", "refuse") and rc in (0, 1):
        pr.append(f"expected exit 2 (expect={entry.expect}), got a result")
    if entry.expect == "refuse" and rc == 2:
        try:
            check_file(path)
            pr.append("check_file accepted a file meant to be refused")
        except UnreadableFile as exc:
            if str(exc) not in err:
                pr.append("the CLI's message is not check_file's: " + err.strip()[:200])
    return o


def _check_written(path: Path) -> list[str]:
    """A scored copy must pass our own safety check and open again with openpyxl."""
    from workbook.errors import UnreadableFile
    from workbook.safety import check_file

    try:
        check_file(path)
    except UnreadableFile as exc:
        return [f"the scored copy is refused by check_file: {exc}"]
    try:
        import openpyxl

        openpyxl.load_workbook(path).close()
    except Exception as exc:  # noqa: BLE001 - any failure to reopen is the finding
        return [f"the scored copy does not reopen ({type(exc).__name__}: {exc})"]
    return []


def run(keep: Optional[Path] = None, jobs: int = 2, only: Optional[set[str]] = None) -> list[Outcome]:
    from tests.corpus.build import build

    with tempfile.TemporaryDirectory(prefix="pe-corpus-") as tmp:
        base = Path(keep) if keep else Path(tmp)
        files = build(base / "in", only)
        out_dir = base / "out"
        out_dir.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(lambda ep: judge(ep[0], ep[1], out_dir), files))


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Run the bad-input corpus through pe-score score.")
    ap.add_argument("--keep", type=Path, help="build into this folder and keep the files")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    t = time.perf_counter()
    outcomes = run(args.keep, args.jobs)
    crashed = [o for o in outcomes if o.problems]
    lost = [o for o in outcomes if o.changed]
    for o in outcomes:
        status = "FAIL" if o.problems else "ok"
        print(f"{status:4} rc={o.rc!s:4} {o.seconds:5.1f}s  {o.name}")
        for p in o.problems:
            print(f"       - {p}")
    results = sum(o.rc in (0, 1) for o in outcomes)
    refused = sum(o.rc == 2 for o in outcomes)
    print(
        f"\n{len(outcomes)} inputs tried in {time.perf_counter() - t:.0f} s: {results} scored, {refused} refused "
        f"with a Chinese message; {len(crashed)} crashed or misbehaved; {len(lost)} input files changed "
        f"({sum(o.wrote is not None for o in outcomes)} scored copies written)."
    )
    print("OK: none crashed, none lost data." if not crashed and not lost else "FAILED")
    return 0 if not crashed and not lost else 1


if __name__ == "__main__":
    raise SystemExit(main())
