"""The safety gate parses what the readers will parse (workbook.gate via workbook.safety.check_file).

Every hostile class of tests/corpus/adversarial.py is refused by both tiers before any reader opens
the file; what it accepts, both readers read in a memory-limited child process. The old gate (a
regular expression over ``r="A1"`` under xl/worksheets/) let every "refuse" file of the classes
ref_spelling, no_r, relocated, ranges, shared_strings and record through.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.corpus import adversarial
from workbook import fast, gate, xlsx
from workbook.errors import UnreadableFile
from workbook.safety import DEFAULT_LIMITS, _gate_limits, check_file

ROOT = Path(__file__).resolve().parent.parent
BY_NAME = {name: (cls, expect, fn) for cls, name, expect, fn in adversarial.ENTRIES}


@pytest.fixture(scope="module")
def adv(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("adversarial")
    return {name: path for _c, name, _e, path in adversarial.build(folder)}


def _refusal(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except UnreadableFile as exc:
        return str(exc)
    return None


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_class_has_several_files():
    classes: dict[str, int] = {}
    for cls, _n, _e, _f in adversarial.ENTRIES:
        classes[cls] = classes.get(cls, 0) + 1
    assert len(classes) >= 7 and all(n >= 2 for n in classes.values()), classes


@pytest.mark.parametrize("name", [n for n, (_c, e, _f) in BY_NAME.items() if e == "refuse"])
def test_hostile_files_are_refused_by_both_tiers_and_both_readers(adv, name):
    path = adv[name]
    deep = _refusal(check_file, path)
    quick = _refusal(check_file, path, deep=False)
    assert deep and quick and deep == quick, (deep, quick)
    assert deep.startswith(f"无法读取“{name}”") and _has_chinese(deep[len(name):])
    assert "Error" not in deep and "Traceback" not in deep
    # the readers call the gate first: refused before python-calamine or openpyxl sees the file
    assert _refusal(fast.read_grids, path) == deep
    assert _refusal(xlsx.read_grids, path) == deep


_READ_BOTH = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1500 << 20, 1500 << 20))
    from workbook import fast, xlsx
    from workbook.errors import UnreadableFile
    for reader in (fast.read_grids, xlsx.read_grids):
        try:
            grids = reader(sys.argv[1])
            print(reader.__module__, "read", len(grids))
        except UnreadableFile as exc:
            print(reader.__module__, "refused", exc)
""")


@pytest.mark.parametrize("name", [n for n, (_c, e, _f) in BY_NAME.items() if e != "refuse"])
def test_accepted_files_are_read_by_both_readers_within_bounds(adv, name):
    path = adv[name]
    expect = BY_NAME[name][1]
    if expect == "read":
        assert _refusal(check_file, path) is None and _refusal(check_file, path, deep=False) is None
    r = subprocess.run([sys.executable, "-c", _READ_BOTH, str(path)], capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    if expect == "read":  # openpyxl reads only .xlsx/.xlsm
        assert r.stdout.count(" read ") == (2 if name.endswith(".xlsx") else 1), r.stdout


@pytest.mark.parametrize("name", ["quote.xlsx", "unique_huge.xlsx", "second_r.xlsx", "relocated_bin.xlsx"])
def test_without_the_gate_python_calamine_aborts_the_process(adv, name):
    """Why the gate exists: on these files the native reader kills the whole process (SIGABRT)."""
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30));"
            "import python_calamine as pc; wb = pc.CalamineWorkbook.from_path(sys.argv[1]);"
            "wb.get_sheet_by_name(wb.sheet_names[0])")
    r = subprocess.run([sys.executable, "-c", code, str(adv[name])], capture_output=True, timeout=120)
    assert r.returncode < 0 or r.returncode == 134, (r.returncode, r.stderr[-500:])


# ---- the two ways through a worksheet agree -------------------------------------------------------


def _scan(data: bytes, fast_way: bool):
    chunks = [data[i:i + 997] for i in range(0, len(data), 997)]  # odd chunk size: cuts tags
    try:
        s = gate.scan_sheet(lambda: iter(chunks), _gate_limits(DEFAULT_LIMITS), fast=fast_way)
    except gate.Refused as exc:
        return ("refused", str(exc))
    return (s.cells, s.row_lo, s.row_hi, s.col_lo, s.col_hi, s.expanded, s.ranges)


def _sheets(path: Path):
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return
    with zf:
        for info in zf.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                try:
                    yield zf.read(info)
                except Exception:
                    continue


def test_fast_and_regular_ways_agree_on_every_corpus_sheet(adv, tmp_path):
    from tests.corpus.build import ENTRIES, build

    paths = [p for _e, p in build(tmp_path, only={e.name for e, _ in ENTRIES if not e.bomb and not e.heavy})]
    paths += [p for p in adv.values()]
    compared = 0
    for path in paths:
        for data in _sheets(path):
            try:
                regular = _scan(data, False)
            except Exception:  # not XML, a DTD ...: the fast way has nothing to agree with
                continue
            quick = _scan(data, True)
            if regular[0] == "refused":
                assert quick[0] == "refused", (path.name, regular, quick)
            else:
                assert quick == regular, (path.name, regular, quick)
            compared += 1
    assert compared > 40


@pytest.mark.parametrize("ref,expect", [
    ("A1", (1, 1)), ("xfd1048576", (1048576, 16384)), ("$B$3", (3, 2)), (" C7 ", (7, 3)),
])
def test_parse_cell(ref, expect):
    assert gate.parse_cell(ref) == expect


@pytest.mark.parametrize("ref", ["A0", "XFE1", "A1048577", "A" + "9" * 20, "1A", "", "A-1", "AAAAAAAAAA1"])
def test_parse_cell_refuses_what_is_outside_the_grid(ref):
    with pytest.raises(gate.Refused):
        gate.parse_cell(ref)


def test_parse_range_whole_rows_and_columns():
    assert gate.parse_range("B:C") == (1, 2, 1048576, 3)
    assert gate.parse_range("3:4") == (3, 1, 4, 16384)
    assert gate.range_cells("K1:XFD1048576") == 1048576 * (16384 - 10)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_check_file_refuses_fifos_devices_and_folders_without_opening_them(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.xlsx")  # opening it would block
    os.symlink("/dev/zero", tmp_path / "zero.xlsx")  # reading it never ends
    for name in ("pipe.xlsx", "zero.xlsx"):
        for deep in (True, False):
            msg = _refusal(check_file, tmp_path / name, deep=deep)
            assert msg and "不是普通文件" in msg, msg
        assert "不是普通文件" in _refusal(fast.read_grids, tmp_path / name)
    assert "文件夹" in _refusal(check_file, tmp_path)
