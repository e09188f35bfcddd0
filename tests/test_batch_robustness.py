"""No input takes a batch down: ``pe-score check`` writes its summary and a valid JSON array for every
other file whatever one file does — a native reader aborting on it, odd characters in its name or
content, a FIFO or a device where a file should be — and says why in Chinese. Hidden temp files and
Excel's lock files are not reviewed."""
from __future__ import annotations

import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import EXAMPLE, ROOT
from pe_score.batch import MSG_CRASHED, MSG_SPECIAL, collect_sources, run_check
from tests.corpus.adversarial import _rows, _with_sheet, _sheet

ENGLISH = re.compile(r"[A-Za-z]+(Error|Exception)|Traceback|Errno|No such|denied|too long", re.I)


def _summary(path: Path) -> dict[str, list]:
    wb = openpyxl.load_workbook(path)
    ws = wb["汇总"]
    return {r[0]: list(r) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


def _check(paths, tmp_path, jobs=1):
    out, err = io.StringIO(), io.StringIO()
    summary = tmp_path / "汇总结果.xlsx"
    code = run_check([str(p) for p in paths], summary=summary, as_json=True, jobs=jobs, stdout=out,
                     stderr=err, progress=False)
    return code, json.loads(out.getvalue()), _summary(summary), err.getvalue()


# ---- a native reader that aborts ----------------------------------------------------------------------


def _limit_memory():  # what a small machine looks like to python-calamine
    resource.setrlimit(resource.RLIMIT_AS, (250 << 20, 250 << 20))


def test_a_native_reader_aborting_on_one_file_costs_that_file_not_the_summary(tmp_path):
    """A sheet within the gate's limits (one cell at J999000: 10 million cells spanned) makes
    python-calamine allocate ~240 MB; under a 250 MB address-space limit it aborts the process
    (SIGABRT, a Rust backtrace). With the default one job the batch used to die with it and write
    no summary; now the file is reported and the summary holds the other forms."""
    folder = tmp_path / "forms"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "a_good.xlsx")
    (folder / "b_heavy.xlsx").write_bytes(_rows('<row r="999000"><c r="J999000"><v>1</v></c></row>'))
    shutil.copy(EXAMPLE, folder / "c_good.xlsx")
    alone = subprocess.run([sys.executable, "-c", "import python_calamine as pc, sys;"
                            "wb = pc.CalamineWorkbook.from_path(sys.argv[1]);"
                            "wb.get_sheet_by_name(wb.sheet_names[0])", str(folder / "b_heavy.xlsx")],
                           preexec_fn=_limit_memory, capture_output=True, timeout=120)
    assert alone.returncode < 0, "the file no longer makes the native reader abort: the test proves nothing"

    summary = tmp_path / "汇总.xlsx"
    r = subprocess.run([sys.executable, "-m", "pe_score", "check", str(folder), "--summary", str(summary)],
                       preexec_fn=_limit_memory, capture_output=True, text=True, encoding="utf-8",
                       timeout=300, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 1, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr and "panicked" not in r.stderr
    rows = _summary(summary)
    assert rows["forms/a_good.xlsx"][5] == 97 and rows["forms/c_good.xlsx"][5] == 97
    assert rows["forms/b_heavy.xlsx"][11] == MSG_CRASHED


# ---- one bad character --------------------------------------------------------------------------------


def _gbk_zip(path: Path, names: list[str]) -> None:
    """A zip as Windows' "send to compressed folder" makes it: GBK member names, no UTF-8 flag."""
    raw = EXAMPLE.read_bytes()
    placeholders = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, name in enumerate(names):
            gbk = name.encode("gbk")
            ph = (f"{i:02d}" + "x" * len(gbk))[: len(gbk) - 5] + ".xlsx"
            assert len(ph.encode()) == len(gbk)
            placeholders.append((ph.encode(), gbk))
            zf.writestr(ph, raw)
    data = buf.getvalue()
    for ph, gbk in placeholders:
        assert data.count(ph) == 2
        data = data.replace(ph, gbk)
    path.write_bytes(data)


def _escaped_unit_form(path: Path) -> None:
    """The example with its unit name holding Excel's _x0001_ escapes (text pasted from Word)."""
    from tests.corpus.build import _example_bytes, _member, _rezip

    data = _example_bytes()
    sheet = _member(data, "xl/worksheets/sheet1.xml").decode()
    unit = "十堰市人力资源和社会保障局"
    assert unit in sheet
    sheet = sheet.replace(unit, "十堰市_x0001_人力资源_x001F_和社会保障局", 1)
    path.write_bytes(_rezip(data, {"xl/worksheets/sheet1.xml": sheet.encode()}))


def test_odd_names_and_odd_characters_do_not_stop_the_json_or_the_summary(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "ok.xlsx")
    shutil.copy(EXAMPLE, folder / "ctrl\x01\x1b[31mred.xlsx")  # control characters in a file name
    gbk_name = os.fsdecode(folder).encode() + b"/" + "财政局自评.xlsx".encode("gbk")
    shutil.copy(EXAMPLE, gbk_name)  # a raw GBK name on a UTF-8 file system
    _escaped_unit_form(folder / "escaped.xlsx")
    long_member = "十堰市" + "人力资源和社会保障局" * 10 + ".xlsx"  # 103 characters, 309 bytes
    with zipfile.ZipFile(folder / "members.zip", "w") as zf:
        zf.write(EXAMPLE, long_member)
        zf.write(EXAMPLE, "ctrl\x07\x01member.xlsx")
        zf.writestr("=HYPERLINK(1).xlsx", b"not a workbook")
    _gbk_zip(folder / "windows.zip", ["郧阳区.xlsx", "财政局.xlsx"])

    code, arr, rows, err = _check([folder], tmp_path)
    assert code == 1  # one member is not a workbook
    files = [o["file"] for o in arr]
    assert len(files) == 9, files
    assert "forms/财政局自评.xlsx" in files
    assert "forms/windows.zip!郧阳区.xlsx" in files and "forms/windows.zip!财政局.xlsx" in files
    assert f"forms/members.zip!{long_member}" in files
    assert "forms/members.zip!ctrlmember.xlsx" in files and "forms/ctrl[31mred.xlsx" in files
    scored = [o for o in arr if "error" not in o]
    assert len(scored) == 8 and all(o["total"] == 97 for o in scored), [o.get("error") for o in arr]
    escaped = next(o for o in arr if o["file"] == "forms/escaped.xlsx")
    assert set(rows) == set(files)
    assert rows["forms/escaped.xlsx"][2] == "十堰市人力资源和社会保障局"  # the control characters dropped
    bad = rows["forms/members.zip!=HYPERLINK(1).xlsx"]
    assert bad[11] and not ENGLISH.search(bad[11]) and "=HYPERLINK(1).xlsx" in bad[11]
    assert "Traceback" not in err and escaped["total"] == 97


# ---- non-regular files -----------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_and_devices_are_refused_on_every_path(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "ok.xlsx")
    os.mkfifo(folder / "a.zip")
    os.mkfifo(folder / "b.xlsx")
    os.symlink("/dev/zero", folder / "c.zip")
    os.symlink("/dev/zero", folder / "d.xlsx")
    t0 = time.monotonic()
    code, arr, rows, _err = _check([folder, folder / "a.zip", folder / "d.xlsx"], tmp_path)
    assert time.monotonic() - t0 < 60
    by_file = {o["file"]: o for o in arr}
    for name in ("a.zip", "b.xlsx", "c.zip", "d.xlsx"):
        assert by_file[f"forms/{name}"]["error"] == MSG_SPECIAL, by_file[f"forms/{name}"]
    assert by_file[str(folder / "a.zip")]["error"] == MSG_SPECIAL
    assert by_file[str(folder / "d.xlsx")]["error"] == MSG_SPECIAL
    assert by_file["forms/ok.xlsx"]["total"] == 97 and code == 1


def test_hidden_temp_files_and_lock_files_are_not_reviewed(tmp_path):
    folder = tmp_path / "forms"
    (folder / ".cache").mkdir(parents=True)
    shutil.copy(EXAMPLE, folder / "ok.xlsx")
    (folder / ".ok.xlsx.pe-tmp-1234.xlsx").write_bytes(EXAMPLE.read_bytes()[:500])  # a save killed half-way
    (folder / ".~lock.ok.xlsx#").write_bytes(b"x")
    (folder / "~$ok.xlsx").write_bytes(b"\x00" * 165)
    shutil.copy(EXAMPLE, folder / ".cache" / "old.xlsx")
    assert [s.display for s in collect_sources([folder])] == ["forms/ok.xlsx"]


def test_unreadable_reasons_are_chinese_without_class_names(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "text.xlsx").write_text("a,b\n1,2\n")
    (folder / "empty.xls").write_bytes(b"")
    (folder / "junk.ods").write_bytes(os.urandom(3000))
    locked = folder / "locked.xlsx"
    shutil.copy(EXAMPLE, locked)
    locked.chmod(0)
    (folder / "bad_cell.xlsx").write_bytes(_with_sheet(_sheet().replace('t="s"', 't="zz"', 1)))
    try:
        code, arr, _rows, _err = _check([folder], tmp_path)
    finally:
        locked.chmod(0o644)
    errors = [o["error"] for o in arr if o.get("error")]
    assert errors and code in (1, 2)
    for e in errors:
        assert not ENGLISH.search(e), e
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e), e
