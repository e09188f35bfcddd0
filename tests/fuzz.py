"""A mutation fuzzer for everything that reads a workbook: ``pe-score score`` (with and without
``--write``) and ``pe-score check`` on mutants of the seed form.

    python -m tests.fuzz [--seed 1] [--budget 400] [--timeout 60] [--keep DIR]

Each mutant comes from one mutation class (``CLASSES``): reference spellings, missing/duplicated/
relocated parts, huge ranges, odd cell types, encodings, control characters, long strings, byte
flips. Every run must end with exit status 0, 1 or 2, print no traceback and no "内部错误", stay
within the time and memory bounds, and leave the input file unchanged. The mutants run in a child
process (the command's in-process entry point, one interpreter for many files) under an address-space
limit, so a native reader that aborts is caught and named instead of taking the fuzzer down.

The test suite runs a fixed seed with a small budget (``tests/test_fuzz.py``); run this script for a
longer search. It prints one line per failure and exits 1 if there was any.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.corpus.build import _example_bytes, _member  # noqa: E402

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MEMORY_LIMIT = 2 << 30  # address space of the child process
MAX_RSS_MB = 1500


_EPOCH = (1980, 1, 1, 0, 0, 0)


def _zinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, _EPOCH)  # fixed time stamps: the same seed gives the same bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _rezip(data: bytes, replace: dict, add: Optional[dict] = None) -> bytes:
    """Copy a zip, replacing (or dropping, value None) some members and adding others."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    dst.writestr(_zinfo(info.filename), replace[info.filename])
            else:
                dst.writestr(_zinfo(info.filename), src.read(info.filename))
        for name, body in (add or {}).items():
            dst.writestr(_zinfo(name), body)
    return out.getvalue()


def _names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.namelist()


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _ref(rng: random.Random, far: bool = False) -> str:
    if far or rng.random() < 0.3:
        return f"{_col(rng.randint(1, 16384))}{rng.randint(1, 1048576)}"
    return f"{_col(rng.randint(1, 30))}{rng.randint(1, 200)}"


def _sheet(data: bytes) -> str:
    return _member(data, SHEET).decode("utf-8")


def _put_sheet(data: bytes, xml: str) -> bytes:
    return _rezip(data, {SHEET: xml.encode("utf-8")})


# ---- mutation classes -------------------------------------------------------------------------------


def m_ref_spelling(rng: random.Random, data: bytes) -> bytes:
    xml = _sheet(data)
    cells = list(re.finditer(r'<c r="([A-Z]+)([0-9]+)"', xml))
    picks = sorted(rng.sample(cells, k=min(len(cells), rng.randint(1, 6))), key=lambda m: m.start(), reverse=True)
    for m in picks:
        col, row = m.group(1), m.group(2)
        style = rng.choice(["quote", "space", "lower", "dollar", "drop", "zeros", "huge_row", "far", "prefix", "charref",
                            "second_r"])
        new = {
            "quote": f"<c r='{col}{row}'",
            "space": f'<c r = "{col}{row}" ',
            "lower": f'<c r="{col.lower()}{row}"',
            "dollar": f'<c r="${col}${row}"',
            "drop": "<c",
            "zeros": f'<c r="{col}{row.zfill(12)}"',
            "huge_row": f'<c r="{col}{"9" * rng.randint(7, 22)}"',
            "far": f'<c r="{_ref(rng, far=True)}"',
            "prefix": f'<x:c xmlns:x="{MAIN_NS}" r="{col}{row}"',
            "charref": f'<c r="&#{ord(col[0])};{col[1:]}{row}"',
            "second_r": f'<c r="{col}{row}"{" " * rng.randint(1, 3)}r="{_ref(rng, far=True)}"',
        }[style]
        if style == "prefix":
            end = xml.index("</c>", m.end()) if "</c>" in xml[m.end():m.end() + 400] else None
            if end is None:
                continue
            xml = xml[:m.start()] + new + xml[m.end():end] + "</x:c>" + xml[end + 4:]
        else:
            xml = xml[:m.start()] + new + xml[m.end():]
    if rng.random() < 0.3:
        at = xml.rindex("</sheetData>")
        r = rng.choice(["1048576", "99999999999999999999", "0", ""])
        row = f'<row r="{r}">' if r else "<row>"
        xml = xml[:at] + row + "<c><v>1</v></c>" * rng.randint(1, 3) + "</row>" + xml[at:]
    if rng.random() < 0.3:
        # a row numbered past the grid (or 0, or spelled oddly) whose cells keep their own r
        rows = list(re.finditer(r'<row r="([0-9]+)"', xml))
        if rows:
            m = rng.choice(rows)
            far = str(rng.choice([1_048_577, 2_000_000, 10 ** rng.randint(7, 20)]))
            new = rng.choice([f'<row r="{far}"', '<row r="0"', f'<row r = "{far}"', f"<row r='{far}'",
                              f'<row r="{m.group(1)}" r="{far}"', f'<x:row xmlns:x="{MAIN_NS}" r="{far}"'])
            if new.startswith("<x:row"):
                end = xml.find("</row>", m.end())
                if end < 0:
                    return _put_sheet(data, xml)
                xml = xml[:m.start()] + new + xml[m.end():end] + "</x:row>" + xml[end + 6:]
            else:
                xml = xml[:m.start()] + new + xml[m.end():]
    return _put_sheet(data, xml)


def m_parts(rng: random.Random, data: bytes) -> bytes:
    names = _names(data)
    action = rng.choice(["drop", "duplicate", "empty", "swap", "relocate", "garbage"])
    victim = rng.choice(names)
    if action == "drop":
        return _rezip(data, {victim: None})
    if action == "empty":
        return _rezip(data, {victim: b""})
    if action == "garbage":
        return _rezip(data, {victim: rng.randbytes(rng.randint(1, 2000))})
    if action == "swap":
        other = rng.choice(names)
        return _rezip(data, {victim: _member(data, other), other: _member(data, victim)})
    if action == "relocate":
        rels = _member(data, "xl/_rels/workbook.xml.rels").decode()
        target = rng.choice(["data/x.xml", "/other/sheet.xml", "../sheet.xml", "worksheets/../worksheets/s2.xml"])
        rels = re.sub(r'Target="/?(xl/)?worksheets/sheet1.xml"', f'Target="{target}"', rels)
        member = target.lstrip("/") if target.startswith("/") else os.path.normpath("xl/" + target)
        return _rezip(data, {"xl/_rels/workbook.xml.rels": rels.encode(), SHEET: None}, {member: _member(data, SHEET)})
    out = io.BytesIO()  # duplicate: the same name twice, or twice with a case change
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(_zinfo(info.filename), src.read(info))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            name = victim if rng.random() < 0.5 else victim.upper()
            dst.writestr(_zinfo(name), m_ranges(rng, data) if victim == SHEET else _member(data, victim))
    return out.getvalue()


def m_ranges(rng: random.Random, data: bytes) -> bytes:
    xml = _sheet(data)
    kind = rng.choice(["merge", "hyperlink", "shared", "validation", "format", "comment", "dimension"])
    ref = f"{_ref(rng)}:{_ref(rng, far=rng.random() < 0.6)}"
    if kind == "merge":
        at = xml.index("</mergeCells>")
        xml = xml[:at] + "".join(f'<mergeCell ref="{_ref(rng)}:{_ref(rng, far=True)}"/>' if i else f'<mergeCell ref="{ref}"/>'
                                 for i in range(rng.randint(1, 4))) + xml[at:]
    elif kind == "hyperlink":
        at = xml.index("<pageMargins")
        xml = xml[:at] + f'<hyperlinks><hyperlink ref="{ref}" location="A1" display="x"/></hyperlinks>' + xml[at:]
    elif kind == "shared":
        at = xml.rindex("</sheetData>")
        xml = xml[:at] + f'<row r="150"><c r="K150"><f t="shared" ref="{ref}" si="7">1+1</f><v>2</v></c></row>' + xml[at:]
    elif kind == "validation":
        at = xml.index("<pageMargins")
        xml = xml[:at] + (f'<dataValidations count="1"><dataValidation type="list" sqref="{ref} {_ref(rng)}">'
                          '<formula1>"a,b"</formula1></dataValidation></dataValidations>') + xml[at:]
    elif kind == "format":
        at = xml.index("<pageMargins")
        xml = xml[:at] + (f'<conditionalFormatting sqref="{ref}"><cfRule type="expression" priority="1">'
                          "<formula>TRUE</formula></cfRule></conditionalFormatting>") + xml[at:]
    elif kind == "dimension":
        xml = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml)
    else:
        names = _names(data)
        part = next(n for n in names if n.startswith("xl/comments"))
        com = _member(data, part).decode()
        com = re.sub(r'ref="[A-Z]+[0-9]+"', f'ref="{ref}"', com, count=1)
        return _rezip(data, {part: com.encode()})
    return _put_sheet(data, xml)


def m_cell_types(rng: random.Random, data: bytes) -> bytes:
    xml = _sheet(data)
    cells = list(re.finditer(r'<c r="[A-Z]+[0-9]+"([^>]*)>(.*?)</c>', xml))
    for m in sorted(rng.sample(cells, k=min(len(cells), rng.randint(1, 8))), key=lambda m: m.start(), reverse=True):
        t = rng.choice(["zz", "b", "e", "s", "str", "inlineStr", "d", "n", ""])
        v = rng.choice(["", "abc", "1e400", "-0", "NaN", "9" * 40, "2021-13-45T99:00", "999999999", "-1", "1.5",
                        "TRUE", "#DIV/0!", "&amp;", " "])
        body = f"<is><t>{v}</t></is>" if t == "inlineStr" and rng.random() < 0.7 else f"<v>{v}</v>"
        attrs = re.sub(r'\st="[^"]*"', "", m.group(1))
        start = m.group(0)[: m.group(0).index(">") + 1]
        start = start.replace(m.group(1), attrs + (f' t="{t}"' if t else ""), 1) if m.group(1) else start[:-1] + (f' t="{t}">' if t else ">")
        xml = xml[:m.start()] + start + body + "</c>" + xml[m.end():]
    return _put_sheet(data, xml)


def m_encoding(rng: random.Random, data: bytes) -> bytes:
    names = [n for n in _names(data) if n.endswith((".xml", ".rels"))]
    part = rng.choice(names + [SHEET] * 3)
    text = _member(data, part).decode("utf-8")
    body = re.sub(r"^<\?xml[^>]*\?>", "", text)
    how = rng.choice(["utf16", "utf16_nobom_decl", "gbk", "bom", "latin1_lie", "utf32", "bad_utf8"])
    if how == "utf16":
        raw = ('<?xml version="1.0" encoding="UTF-16"?>' + body).encode("utf-16")
    elif how == "utf16_nobom_decl":
        raw = ('<?xml version="1.0" encoding="UTF-16"?>' + body).encode("utf-16-le")
    elif how == "gbk":
        raw = ('<?xml version="1.0" encoding="GBK"?>' + body).encode("gbk", "replace")
    elif how == "bom":
        raw = b"\xef\xbb\xbf" + text.encode("utf-8")
    elif how == "latin1_lie":
        raw = ('<?xml version="1.0" encoding="ISO-8859-1"?>' + body).encode("utf-8")
    elif how == "utf32":
        raw = ('<?xml version="1.0" encoding="UTF-32"?>' + body).encode("utf-32")
    else:
        raw = text.encode("utf-8")
        at = rng.randint(0, len(raw) - 1)
        raw = raw[:at] + b"\xff\xfe\xc0" + raw[at:]
    return _rezip(data, {part: raw})


def m_control(rng: random.Random, data: bytes) -> bytes:
    where = rng.choice(["unit", "sheet_name", "member_name", "raw", "charref"])
    xml = _sheet(data)
    unit = "十堰市人力资源和社会保障局"
    junk = rng.choice(["_x0001_", "_x001F_", "_x0000_", "_xD800_", "_x005F_x0001_", "_xFFFF_"])
    if where == "unit" and unit in xml:
        return _put_sheet(data, xml.replace(unit, unit[:3] + junk * rng.randint(1, 5) + unit[3:], 1))
    if where == "sheet_name":
        wb = _member(data, "xl/workbook.xml").decode()
        wb = re.sub(r'<sheet name="[^"]*"', f'<sheet name="={junk}&#x9;表\'!A1"', wb, count=1)
        return _rezip(data, {"xl/workbook.xml": wb.encode()})
    if where == "member_name":
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                name = info.filename
                if rng.random() < 0.2:
                    name = name.replace("/", "/\x01", 1)
                dst.writestr(_zinfo(name), src.read(info))
        return out.getvalue()
    if where == "raw" and unit in xml:
        return _rezip(data, {SHEET: xml.replace(unit, unit + "\x01\x1b\x7f", 1).encode()})
    return _put_sheet(data, xml.replace(unit, unit + "&#x1;", 1) if unit in xml else xml)


def m_long(rng: random.Random, data: bytes) -> bytes:
    xml = _sheet(data)
    n = rng.choice([32_767, 40_000, 300_000, 1_200_000])
    what = rng.choice(["cell", "sheet_name", "unit"])
    if what == "sheet_name":
        wb = _member(data, "xl/workbook.xml").decode()
        wb = re.sub(r'<sheet name="[^"]*"', f'<sheet name="{"表" * min(n, 5000)}"', wb, count=1)
        return _rezip(data, {"xl/workbook.xml": wb.encode()})
    text = "长" * n
    if what == "unit":
        unit = "十堰市人力资源和社会保障局"
        return _put_sheet(data, xml.replace(unit, text, 1))
    at = xml.rindex("</sheetData>")
    return _put_sheet(data, xml[:at] + f'<row r="99"><c r="B99" t="inlineStr"><is><t>{text}</t></is></c></row>' + xml[at:])


def m_flip(rng: random.Random, data: bytes) -> bytes:
    if rng.random() < 0.5:
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        return bytes(buf)
    part = rng.choice([n for n in _names(data) if n.endswith(".xml")])
    raw = bytearray(_member(data, part))
    for _ in range(rng.randint(1, 5)):
        raw[rng.randrange(len(raw))] = rng.choice(b"<>&\"'=/ \x00\xff")
    return _rezip(data, {part: bytes(raw)})


CLASSES: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "ref_spelling": m_ref_spelling,
    "parts": m_parts,
    "ranges": m_ranges,
    "cell_types": m_cell_types,
    "encodings": m_encoding,
    "control_chars": m_control,
    "long_strings": m_long,
    "byte_flips": m_flip,
}


def mutants(seed: int, budget: int) -> list[tuple[str, bytes]]:
    """``budget`` mutants, the classes taken in turn, each from its own seeded generator."""
    base = _example_bytes()
    out = []
    names = list(CLASSES)
    for i in range(budget):
        cls = names[i % len(names)]
        rng = random.Random(f"{seed}:{i}")
        try:
            data = CLASSES[cls](rng, base)
        except (ValueError, StopIteration, IndexError):  # the mutation did not apply: a plain copy
            data = base
        out.append((f"{i:04d}_{cls}.xlsx", data))
    return out


# ---- running -------------------------------------------------------------------------------------------

_CHILD = r"""
import contextlib, io, json, os, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
from pe_score.cli import main


def peak_mb():
    # VmHWM is this process's own peak; ru_maxrss keeps the forking parent's peak across exec
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - START) / 1024


START = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for line in sys.stdin:
    job = json.loads(line)
    print(json.dumps({"start": job["i"]}), flush=True)
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # the command writes JSON to .buffer
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    t0 = time.process_time()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(job["argv"])
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        except BaseException as exc:  # what the command let escape
            import traceback
            traceback.print_exc(file=err)
            rc = "escaped"
    out.flush(); err.flush()
    text = out.buffer.getvalue().decode("utf-8", "replace") + err.buffer.getvalue().decode("utf-8", "replace")
    rss = peak_mb()
    print(json.dumps({"i": job["i"], "rc": rc, "cpu": time.process_time() - t0, "rss_mb": rss,
                      "traceback": "Traceback" in text, "internal": "内部错误" in text,
                      "tail": text[-300:]}), flush=True)
    if rss > int(sys.argv[2]):
        break  # the peak is this file's: a fresh process measures the next ones
"""


@dataclass
class Failure:
    name: str
    argv: list[str]
    why: str


def run(files: list[Path], workdir: Path, timeout: float = 60.0, write: bool = True) -> list[Failure]:
    """Score every file (``score --json``, and ``score --write`` when ``write``) and check them all at once;
    return what broke a promise."""
    jobs = []
    for path in files:
        jobs.append(["score", str(path), "--json"])
        if write:
            jobs.append(["score", str(path), "--json", "--write", str(workdir / f"scored_{path.name}")])
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    failures = _run_jobs(jobs, timeout)
    failures += _run_check(files, workdir, timeout)
    for p in files:
        if hashlib.sha256(p.read_bytes()).hexdigest() != digests[p]:
            failures.append(Failure(p.name, [], "the input file changed"))
    return failures


def _run_jobs(jobs: list[list[str]], timeout: float) -> list[Failure]:
    failures: list[Failure] = []
    todo = list(enumerate(jobs))
    while todo:
        # The jobs and the child's stderr go through files: pipes would fill up and block both sides.
        jobs_file = tempfile.TemporaryFile("w+", encoding="utf-8")
        err_file = tempfile.TemporaryFile("w+", encoding="utf-8")
        for i, argv in todo:
            jobs_file.write(json.dumps({"i": i, "argv": argv}) + "\n")
        jobs_file.seek(0)
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(MEMORY_LIMIT), str(MAX_RSS_MB)], stdin=jobs_file,
                                stdout=subprocess.PIPE, stderr=err_file, text=True, encoding="utf-8",
                                cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert proc.stdout is not None
        done: set[int] = set()
        current: Optional[int] = None
        deadline = time.monotonic() + timeout
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        killed = False
        while True:
            if not sel.select(timeout=max(0.1, deadline - time.monotonic())):
                if time.monotonic() > deadline:
                    proc.kill()
                    killed = True
                    break
                continue
            line = proc.stdout.readline()
            if not line:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                continue  # something the command printed past the redirection
            if not isinstance(msg, dict):
                continue
            if "start" in msg:
                current = msg["start"]
                deadline = time.monotonic() + timeout
                continue
            i = msg["i"]
            done.add(i)
            argv = jobs[i]
            name = Path(argv[1]).name
            if msg["rc"] not in (0, 1, 2):
                failures.append(Failure(name, argv, f"exit status {msg['rc']}: {msg['tail']}"))
            elif msg["traceback"] or msg["internal"]:
                failures.append(Failure(name, argv, f"traceback or 内部错误: {msg['tail']}"))
            elif msg["cpu"] > timeout:
                failures.append(Failure(name, argv, f"took {msg['cpu']:.1f} s"))
            elif msg["rss_mb"] > MAX_RSS_MB:
                failures.append(Failure(name, argv, f"peak memory {msg['rss_mb']:.0f} MB"))
        proc.wait()
        sel.close()
        jobs_file.close()
        err_file.seek(0)
        err_tail = err_file.read()[-300:]
        err_file.close()
        if current is not None and current not in done:
            argv = jobs[current]
            why = f"timed out after {timeout:.0f} s" if killed else f"the process died ({proc.returncode}): {err_tail}"
            failures.append(Failure(Path(argv[1]).name, argv, why))
            done.add(current)
        todo = [(i, argv) for i, argv in todo if i not in done]
    return failures


def _run_check(files: list[Path], workdir: Path, timeout: float) -> list[Failure]:
    """``pe-score check`` over all the mutants at once: every file answered, the summary written."""
    folder = files[0].parent
    summary = workdir / "fuzz_summary.xlsx"
    argv = [sys.executable, "-m", "pe_score", "check", str(folder), "--json", "--summary", str(summary)]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
                           timeout=timeout + 5 * len(files), env=dict(os.environ, PYTHONPATH=str(ROOT)))
    except subprocess.TimeoutExpired:
        return [Failure(folder.name, argv[1:], "check timed out")]
    out: list[Failure] = []
    if r.returncode not in (0, 1, 2):
        out.append(Failure(folder.name, argv[1:], f"check exit status {r.returncode}: {r.stderr[-300:]}"))
    if "Traceback" in r.stderr or "内部错误" in r.stderr + r.stdout:
        out.append(Failure(folder.name, argv[1:], f"check traceback: {r.stderr[-300:]}"))
    try:
        answered = {o["file"] for o in json.loads(r.stdout)}
    except ValueError:
        out.append(Failure(folder.name, argv[1:], f"check JSON invalid: {r.stdout[-300:]}"))
        return out
    if len(answered) != len(files):
        out.append(Failure(folder.name, argv[1:], f"check answered {len(answered)} of {len(files)} files"))
    if not summary.exists():
        out.append(Failure(folder.name, argv[1:], "no summary written"))
    return out


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget", type=int, default=400)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--no-write", action="store_true", help="score only, without --write")
    ap.add_argument("--keep", type=Path, help="write the mutants here and keep them")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pe-fuzz-") as tmp:
        folder = args.keep or Path(tmp) / "mutants"
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tmp) / "out"
        work.mkdir()
        files = []
        for name, data in mutants(args.seed, args.budget):
            (folder / name).write_bytes(data)
            files.append(folder / name)
        t0 = time.monotonic()
        failures = run(files, work, args.timeout, write=not args.no_write)
        for f in failures:
            print(f"FAIL {f.name} {' '.join(f.argv[:1] + f.argv[2:])}: {f.why}")
        print(f"{len(files)} mutants (seed {args.seed}), {len(failures)} failures, {time.monotonic() - t0:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
