"""``pe-score check``: a folder mixing good forms, wrong claims, a capped form, an encrypted file, a
corrupt file, an .xls copy and a zip; the summary workbook, the JSON array and the exit status."""
from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT
from pe_score.batch import (
    MSG_NO_FORM,
    Job,
    check_job,
    collect_sources,
    iter_jobs,
    run_check,
)


CAP_TEXT = "存在审计等部门重点披露的问题"


# ---- building the folder -----------------------------------------------------------------------


def form_data(unit: str = "十堰市人力资源和社会保障局", capped: bool = False) -> dict:
    from pe_score.example_data import EXAMPLE

    d = copy.deepcopy(EXAMPLE)
    d["unit"] = unit
    if capped:
        d["constraint"] = {**d["constraint"], "actual": CAP_TEXT}
    return d


def form_workbook(claim: float, **kw) -> openpyxl.Workbook:
    """The seed form with the header 自评得分 typed as a number (files saved by openpyxl carry no
    cached formula values, and calamine reads values only)."""
    from pe_score.templates import build_form

    wb = build_form(form_data(**kw))
    wb.active["J4"] = claim
    return wb


def save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def save_xls(wb: openpyxl.Workbook, path: Path) -> Path:
    """An .xls copy (BIFF8) of an openpyxl workbook's values and merged cells, written with xlwt."""
    import xlwt  # in the test extra: a missing install must fail, not skip
    ws = wb.active
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(ws.title)
    merged_tops = {}
    covered = set()
    for m in ws.merged_cells.ranges:
        merged_tops[(m.min_row, m.min_col)] = m
        for r in range(m.min_row, m.max_row + 1):
            for c in range(m.min_col, m.max_col + 1):
                covered.add((r, c))
    for row in ws.iter_rows():
        for cell in row:
            v = cell.value
            if isinstance(v, str) and v.startswith("="):
                v = None  # formulas have no cached value here; leave them empty
            key = (cell.row, cell.column)
            if key in merged_tops:
                m = merged_tops[key]
                sheet.write_merge(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1, v)
            elif key not in covered and v is not None:
                sheet.write(cell.row - 1, cell.column - 1, v)
    book.save(str(path))
    return path


def encrypt(src: Path, dst: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(src, "rb") as fi, open(dst, "wb") as fo:
        OOXMLFile(fi).encrypt("secret", fo)
    return dst


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return build_folder(tmp_path_factory.mktemp("forms") / "2021年度自评表")


def build_folder(root: Path) -> Path:
    """The mixed folder (also used to render docs/images/summary_*.png)."""
    (root / "县直").mkdir(parents=True)
    good = save(form_workbook(97), root / "01_good.xlsx")
    save(form_workbook(97, unit="十堰市财政局"), root / "县直" / "02_good_other_unit.xlsx")
    save(form_workbook(99, unit="十堰市民政局"), root / "03_wrong_claim.xlsx")
    save(form_workbook(60, capped=True, unit="某某局（审计披露）"), root / "04_capped.xlsx")
    encrypt(good, root / "05_encrypted.xlsx")
    data = good.read_bytes()
    (root / "06_corrupt.xlsx").write_bytes(data[: len(data) // 2])
    (root / "07_not_a_spreadsheet.xlsx").write_text("这不是表格\n", encoding="utf-8")
    other = openpyxl.Workbook()
    other.active.title = "说明"
    other.active["A1"] = "本工作簿没有自评表"
    save(other, root / "08_no_form.xlsx")
    save_xls(form_workbook(95, unit="十堰市教育局"), root / "09_copy.xls")
    (root / "~$01_good.xlsx").write_bytes(b"lock")  # Excel lock file: ignored
    (root / "readme.txt").write_text("ignored", encoding="utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, claim, unit in (("10_zip_good", 97, "丹江口市人力资源和社会保障局"),
                                  ("11_zip_wrong", 98.5, "郧阳区人力资源和社会保障局")):
            member = io.BytesIO()
            form_workbook(claim, unit=unit).save(member)
            zf.writestr(f"乡镇/{name}.xlsx", member.getvalue())
        zf.writestr("../12_escape.xlsx", data)
    (root / "13_archive.zip").write_bytes(buf.getvalue())
    return root


EXPECTED_ORDER = [
    "01_good.xlsx", "03_wrong_claim.xlsx", "04_capped.xlsx", "05_encrypted.xlsx",
    "06_corrupt.xlsx", "07_not_a_spreadsheet.xlsx", "08_no_form.xlsx", "09_copy.xls",
    "13_archive.zip!乡镇/10_zip_good.xlsx", "13_archive.zip!乡镇/11_zip_wrong.xlsx",
    "13_archive.zip!../12_escape.xlsx", "02_good_other_unit.xlsx",
]


# ---- finding the files (no scoring needed) -----------------------------------------------------


def test_collect_sources_recurses_sorts_and_skips_noise(folder):
    sources = collect_sources([folder])
    names = [s.display.split(os.sep, 1)[1] if os.sep in s.display else s.display for s in sources]
    names = [n.replace(os.sep, "/").replace("县直/", "") for n in names]
    assert names == EXPECTED_ORDER
    # Folders are shown relative to the folder's parent, so the reviewer sees which folder it was.
    assert sources[0].display == os.path.join("2021年度自评表", "01_good.xlsx")
    escape = [s for s in sources if "12_escape" in s.display][0]
    assert "不安全" in escape.problem


def test_missing_path_and_explicit_file_of_any_name(tmp_path):
    odd = tmp_path / "form.dat"
    odd.write_bytes(b"x")
    sources = collect_sources([tmp_path / "nope.xlsx", odd])
    assert sources[0].problem == "文件不存在"
    assert sources[1].problem is None and sources[1].path == str(odd)


def test_zip_guards_declared_sizes_count_and_gbk_names(tmp_path, monkeypatch):
    import pe_score.batch as batch

    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.xlsx", b"\0" * (3 * 1024 * 1024))  # compresses ~1000:1
        zf.writestr("big.xlsx", os.urandom(300_000))  # incompressible, but above the (lowered) limit
        zf.writestr("nested.zip", b"PK")
        zf.writestr("ok.xlsx", b"PK\x05\x06" + b"\0" * 18)
    monkeypatch.setattr(batch, "ZIP_MAX_MEMBER_BYTES", 200_000)
    by_name = {s.display.split("!")[1]: s for s in collect_sources([z])}
    assert "过大" in by_name["big.xlsx"].problem
    monkeypatch.setattr(batch, "ZIP_MAX_MEMBER_BYTES", 64 * 1024 * 1024)
    by_name = {s.display.split("!")[1]: s for s in collect_sources([z])}
    assert "压缩炸弹" in by_name["bomb.xlsx"].problem
    assert by_name["big.xlsx"].problem is None
    assert "嵌套" in by_name["nested.zip"].problem
    assert by_name["ok.xlsx"].problem is None

    # Too many members: refused from the central directory, before anything is read.
    monkeypatch.setattr(batch, "ZIP_MAX_MEMBERS", 50)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(51):
            zf.writestr(f"f{i}.xlsx", b"")
    (only,) = collect_sources([many])
    assert "过多" in only.problem

    # Windows' built-in zip stores GBK names without the UTF-8 flag.
    gbk = tmp_path / "gbk.zip"
    with zipfile.ZipFile(gbk, "w") as zf:
        zf.writestr(zipfile.ZipInfo("abcdefgh.xlsx"), b"x")  # same byte length as the GBK name
    raw = gbk.read_bytes().replace(b"abcdefgh.xlsx", "十堰人社.xlsx".encode("gbk"))
    gbk.write_bytes(raw)
    (src,) = collect_sources([gbk])
    assert src.display.endswith("!十堰人社.xlsx")

    corrupt = tmp_path / "bad.zip"
    corrupt.write_bytes(b"PK\x03\x04 not really")
    (bad,) = collect_sources([corrupt])
    assert "压缩包已损坏" in bad.problem

    # A damaged directory entry asking for a 'zip version' zipfile lacks (NotImplementedError).
    odd = tmp_path / "version.zip"
    with zipfile.ZipFile(odd, "w") as zf:
        zf.writestr("表.xlsx", b"x")
    data = bytearray(odd.read_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 6:at + 8] = (190).to_bytes(2, "little")
    odd.write_bytes(bytes(data))
    (bad,) = collect_sources([odd])
    assert "压缩包已损坏" in bad.problem


def test_member_larger_than_limit_is_refused_while_reading(tmp_path, monkeypatch):
    import pe_score.batch as batch

    z = tmp_path / "a.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.xlsx", b"\0" * 5000)
    (src,) = collect_sources([z])
    monkeypatch.setattr(batch, "ZIP_MAX_MEMBER_BYTES", 4096)  # as if the header had lied
    (job,) = list(iter_jobs([src]))
    assert job.data is None and "超过上限" in job.problem


def safety_message(path: Path) -> str:
    """workbook.safety's own message for a file it refuses (one message per problem everywhere)."""
    from workbook.errors import UnreadableFile
    from workbook.safety import check_file

    with pytest.raises(UnreadableFile) as err:
        check_file(path)
    return str(err.value)


def test_unreadable_files_get_chinese_reasons(folder, tmp_path):
    def reason(name):
        return check_job(Job(name, path=str(folder / name), suffix=Path(name).suffix), "hubei-2-1").error

    encrypted = safety_message(folder / "05_encrypted.xlsx")
    assert "加密" in encrypted and "密码" in encrypted and reason("05_encrypted.xlsx") == encrypted
    for name in ("06_corrupt.xlsx", "07_not_a_spreadsheet.xlsx"):
        why = reason(name)
        assert why and any("\u4e00" <= ch <= "\u9fff" for ch in why), (name, why)
    # A real .xls saved under an .xlsx name is not called corrupt.
    wrong = tmp_path / "old.xlsx"
    wrong.write_bytes((folder / "09_copy.xls").read_bytes())
    why = check_job(Job("old.xlsx", path=str(wrong), suffix=".xlsx"), "hubei-2-1").error
    assert why is None or ".xls" in why
    assert why is None or why == safety_message(wrong)


def test_ods_files_are_reviewed(tmp_path):
    """Folders are searched for .ods too (python-calamine reads them, the safety check accepts them)."""
    from tests.corpus.build import _form_values, _ods

    folder = tmp_path / "forms"
    folder.mkdir()
    save(form_workbook(97), folder / "a.xlsx")
    (folder / "b.ods").write_bytes(_ods(_form_values()))
    (folder / "c.txt").write_text("skip me", encoding="utf-8")
    assert [Path(s.display).name for s in collect_sources([folder])] == ["a.xlsx", "b.ods"]
    stdout = io.StringIO()
    run_check([folder], as_json=True, stdout=stdout, stderr=io.StringIO())
    arr = json.loads(stdout.getvalue())
    ods = [o for o in arr if o["file"].endswith("b.ods")]
    assert len(ods) == 1 and not ods[0].get("error") and 0 <= ods[0]["total"] <= 100, ods


# ---- the whole batch ---------------------------------------------------------------------------


def _summary_rows(path):
    wb = openpyxl.load_workbook(path)
    ws = wb["汇总"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    return wb, rows


@pytest.mark.parametrize("jobs", [1, 2])
def test_folder_summary_json_and_exit_status(folder, tmp_path, jobs):
    out = tmp_path / f"summary_{jobs}.xlsx"
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_check([folder], summary=out, as_json=True, jobs=jobs, stdout=stdout, stderr=stderr)
    assert code == 1  # wrong claims and unreadable files

    wb, rows = _summary_rows(out)
    by_file = {Path(r["文件"].replace("\\", "/")).name if "!" not in r["文件"] else r["文件"].split("!")[1]: r
               for r in rows}
    assert len(rows) == len(EXPECTED_ORDER)
    good = by_file["01_good.xlsx"]
    assert (good["工作表"], good["单位"], good["年度"]) == ("附件2-1", "十堰市人力资源和社会保障局", 2021)
    assert (good["自评得分(填报)"], good["复核得分"], good["差异"], good["等级"]) == (97, 97, 0, "优")
    assert good["触发60分上限"] == "否" and good["无法读取原因"] is None
    assert by_file["02_good_other_unit.xlsx"]["单位"] == "十堰市财政局"

    wrong = by_file["03_wrong_claim.xlsx"]
    assert (wrong["自评得分(填报)"], wrong["复核得分"], wrong["差异"]) == (99, 97, -2)

    capped = by_file["04_capped.xlsx"]
    assert (capped["复核得分"], capped["等级"], capped["触发60分上限"], capped["差异"]) == (60, "中", "是", 0)

    xls = by_file["09_copy.xls"]
    assert (xls["自评得分(填报)"], xls["复核得分"], xls["差异"]) == (95, 97, 2)

    assert by_file["乡镇/10_zip_good.xlsx"]["复核得分"] == 97
    assert by_file["乡镇/11_zip_wrong.xlsx"]["差异"] == -1.5
    assert by_file["乡镇/11_zip_wrong.xlsx"]["单位"] == "郧阳区人力资源和社会保障局"

    encrypted = safety_message(folder / "05_encrypted.xlsx")
    assert by_file["05_encrypted.xlsx"]["无法读取原因"] == encrypted
    assert by_file["08_no_form.xlsx"]["无法读取原因"]
    for name in ("06_corrupt.xlsx", "07_not_a_spreadsheet.xlsx", "../12_escape.xlsx"):
        assert by_file[name]["无法读取原因"], name
        assert by_file[name]["复核得分"] is None

    assert wb["汇总"].tables["SummaryTable"].ref == f"A1:L{len(rows) + 1}"
    assert "IssueTable" in wb["问题清单"].tables
    assert len(wb["图表"]._charts) == 2
    issues = list(wb["问题清单"].iter_rows(min_row=2, values_only=True))
    assert all(r[3].startswith("PE") for r in issues if r[3])

    arr = json.loads(stdout.getvalue())
    assert len(arr) == len(rows)
    files = [o["file"] for o in arr]
    # Ordered output, whatever the number of processes.
    assert [f.replace("\\", "/").split("/")[-1] if "!" not in f else f.split("!", 1)[1].split("/")[-1]
            for f in files] == [n.split("/")[-1] for n in EXPECTED_ORDER]
    first = arr[0]
    assert {"file", "sheet", "total", "grade", "capped", "budget", "goals", "indicators", "issues",
            "claimed_total"} <= set(first)
    assert first["claimed_total"] == 97 and first["total"] == 97
    enc = [o for o in arr if o["file"].endswith("05_encrypted.xlsx")][0]
    assert enc == {"file": enc["file"], "unit": None, "year": None, "claimed_total": None, "error": encrypted}

    report = stderr.getvalue()  # with --json the table goes to stderr
    assert "批量审核结果" in report and "无法读取的文件" in report and "不一致" in report


def test_exit_status_zero_and_two(tmp_path):
    good = save(form_workbook(97), tmp_path / "good.xlsx")
    assert run_check([good], stdout=io.StringIO(), stderr=io.StringIO()) in (0, 1)
    out = io.StringIO()
    code = run_check([good], stdout=out, stderr=io.StringIO())
    from workbook.fast import read_grids
    from workbook.pipeline import find_forms
    from scoring.profiles import load_profile

    (scored,) = find_forms(read_grids(good), load_profile("hubei-2-1"))
    assert code == (1 if scored.result.errors else 0)
    assert "评分的表" in out.getvalue()

    # The progress bar (normally only on a terminal) does not disturb the run or stdout.
    err = io.StringIO()
    assert run_check([good], stdout=io.StringIO(), stderr=err, progress=True) == code

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"nothing")
    assert run_check([bad], stdout=io.StringIO(), stderr=io.StringIO()) == 2
    assert run_check([tmp_path / "empty_dir_does_not_exist"], stdout=io.StringIO(), stderr=io.StringIO()) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    err = io.StringIO()
    assert run_check([empty], stdout=io.StringIO(), stderr=err) == 2
    assert "没有找到 Excel 文件" in err.getvalue()


def test_summary_inside_the_reviewed_folder_is_not_reviewed(tmp_path):
    save(form_workbook(97), tmp_path / "a.xlsx")
    summary = tmp_path / "汇总.xlsx"
    for _ in range(2):  # the second run finds last run's summary in the folder and leaves it out
        run_check([tmp_path], summary=summary, stdout=io.StringIO(), stderr=io.StringIO())
    _, rows = _summary_rows(summary)
    assert [Path(r["文件"]).name for r in rows] == ["a.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "汇总.xlsx"]


@pytest.mark.slow
def test_cli_subprocess(folder, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    out = tmp_path / "cli.xlsx"
    proc = subprocess.run(
        [sys.executable, "-m", "pe_score", "check", str(folder / "01_good.xlsx"), str(folder / "13_archive.zip"),
         "--summary", str(out), "--json", "--jobs", "0"],
        env=env, capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    arr = json.loads(proc.stdout)
    assert [o["file"].split("!")[-1] for o in arr] == [
        str(folder / "01_good.xlsx"), "乡镇/10_zip_good.xlsx", "乡镇/11_zip_wrong.xlsx", "../12_escape.xlsx"]
    assert out.exists()
    bad = subprocess.run([sys.executable, "-m", "pe_score", "check", str(folder), "--summary", str(tmp_path / "x.csv")],
                         env=env, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert bad.returncode == 2 and ".xlsx" in bad.stderr


@pytest.mark.skipif(__import__("multiprocessing").get_start_method() != "fork",
                    reason="the crash is injected by patching the module before the workers fork")
def test_a_worker_that_dies_costs_one_file_not_the_batch(tmp_path, monkeypatch):
    import pe_score.batch as batch

    for i in range(6):
        save(form_workbook(97), tmp_path / f"{i}.xlsx")
    (tmp_path / "3.xlsx").rename(tmp_path / "3_crash.xlsx")
    real = batch.check_job

    def dying(job, *args):
        if "crash" in job.display:
            os._exit(70)  # what a segfault in a reader looks like to the pool
        return real(job, *args)

    monkeypatch.setattr(batch, "check_job", dying)
    out = io.StringIO()
    code = run_check([tmp_path], as_json=True, jobs=2, stdout=out, stderr=io.StringIO())
    arr = json.loads(out.getvalue())
    assert [Path(o["file"]).name for o in arr] == ["0.xlsx", "1.xlsx", "2.xlsx", "3_crash.xlsx", "4.xlsx", "5.xlsx"]
    crashed = arr[3]
    assert crashed["error"] == batch.MSG_CRASHED
    assert all(o.get("total") == 97 for i, o in enumerate(arr) if i != 3)
    assert code == 1


@pytest.mark.skipif(__import__("multiprocessing").get_start_method() != "fork",
                    reason="the crash is injected by patching the module before the workers fork")
def test_a_crash_inside_a_chunk_costs_one_file_and_retries_only_its_chunk(tmp_path, monkeypatch):
    """Workers take files in chunks; a worker dying half-way through a chunk loses nothing but the
    crashing file: the chunk's other files are retried one per task, other chunks are not redone."""
    import pe_score.batch as batch

    wb = form_workbook(97)
    for i in range(40):
        save(wb, tmp_path / f"{i:02d}.xlsx")
    (tmp_path / "13.xlsx").rename(tmp_path / "13_crash.xlsx")
    size = batch.chunk_size(40, 1)
    assert size == 10  # the crashing file sits inside the second chunk
    attempts = tmp_path.parent / f"{tmp_path.name}_attempts.txt"
    real = batch.check_job

    def dying(job, *args):
        with open(attempts, "a", encoding="utf-8") as fh:  # O_APPEND: one whole line per write
            fh.write(Path(job.display).name + "\n")
        if "crash" in Path(job.display).name:  # the test's folder is named after it too
            os._exit(70)  # what a segfault in a reader looks like to the pool
        return real(job, *args)

    monkeypatch.setattr(batch, "check_job", dying)
    out = io.StringIO()
    code = run_check([tmp_path], as_json=True, jobs=1, stdout=out, stderr=io.StringIO())
    arr = json.loads(out.getvalue())
    names = [Path(o["file"]).name for o in arr]
    assert names == sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert arr[13]["error"] == batch.MSG_CRASHED
    assert all(o.get("total") == 97 for i, o in enumerate(arr) if i != 13)
    assert code == 1
    tries = {}
    for line in attempts.read_text(encoding="utf-8").split():
        tries[line] = tries.get(line, 0) + 1
    assert tries.pop("13_crash.xlsx") == 3  # in its chunk, in a one-file task, alone in a fresh process
    for name, n in tries.items():
        k = int(name[:2])
        assert n == (2 if 10 <= k < 13 else 1), (name, n)  # only what the dead worker had done is redone


def test_chunks_share_the_work_and_carry_bounded_bytes():
    from pe_score.batch import CHUNK_BYTES, CHUNK_FILES, _chunks, chunk_size

    assert chunk_size(1000, 1) == CHUNK_FILES and chunk_size(1000, 2) == CHUNK_FILES
    assert chunk_size(6, 2) == 1 and chunk_size(40, 2) == 5 and chunk_size(0, 1) == 1
    jobs = [Job(str(i), path=str(i)) for i in range(35)]
    assert [len(c) for c in _chunks(iter(jobs), 16)] == [16, 16, 3]
    assert [j.display for c in _chunks(iter(jobs), 16) for j in c] == [j.display for j in jobs]
    big = [Job(f"m{i}", data=b"x" * (CHUNK_BYTES // 3 + 1)) for i in range(7)]
    assert [len(c) for c in _chunks(iter(big), 16)] == [3, 3, 1]  # zip members' bytes close a chunk early


def test_a_task_that_fails_without_killing_its_worker_is_retried_file_by_file(tmp_path, monkeypatch):
    """An error outside check_job's net (an outcome that cannot be pickled back ...) fails the whole
    task; its files are retried one per task and only the file at fault is reported."""
    import pe_score.batch as batch

    wb = form_workbook(97)
    for i in range(12):
        save(wb, tmp_path / f"{i:02d}.xlsx")
    (tmp_path / "05.xlsx").rename(tmp_path / "05_bad.xlsx")
    real = batch._outcome_for

    def unpicklable(display, *args):
        out = real(display, *args)
        if "bad" in Path(display).name:
            out.rows[0].issues.append({"x": lambda: None})  # cannot go back through the pipe
        return out

    monkeypatch.setattr(batch, "_outcome_for", unpicklable)
    out = io.StringIO()
    code = run_check([tmp_path], as_json=True, jobs=1, stdout=out, stderr=io.StringIO())
    arr = json.loads(out.getvalue())
    assert batch.chunk_size(12, 1) == 3
    assert [o.get("error") for o in arr] == [None] * 5 + [batch.MSG_INTERNAL] + [None] * 6
    assert all(o.get("total") == 97 for i, o in enumerate(arr) if i != 5)
    assert code == 1


def test_without_a_summary_the_workers_send_back_counts_not_findings(folder):
    """The findings of every form go back from the workers only when the summary lists them; the
    counts, the verdict and the exit status are the same either way."""
    from pe_score.batch import iter_outcomes

    sources = collect_sources([folder])
    full = list(iter_outcomes(sources, None, jobs=1, want_json=False, want_issues=True))
    lean = list(iter_outcomes(sources, None, jobs=1, want_json=False, want_issues=False))
    rows = [r for o in full for r in o.rows]
    assert any(r.issues for r in rows)
    assert all(not r.issues for o in lean for r in o.rows)
    assert [(o.display, o.error) for o in full] == [(o.display, o.error) for o in lean]
    key = lambda r: (r.file, r.sheet, r.total, r.grade, r.capped, r.errors, r.warnings, r.differs)  # noqa: E731
    assert [key(r) for r in rows] == [key(r) for o in lean for r in o.rows]
    assert sum(r.warnings for r in rows) == sum(1 for r in rows for i in r.issues if i["severity"] == "warning") > 0
    codes = [run_check([folder], stdout=io.StringIO(), stderr=io.StringIO(), summary=s)
             for s in (None, folder.parent / "with_summary.xlsx")]
    assert codes == [1, 1]


@pytest.mark.skipif(__import__("multiprocessing").get_start_method() != "fork",
                    reason="the crash is injected by patching the module before the workers fork")
def test_two_workers_and_two_crashes_in_chunks_cost_two_files(tmp_path, monkeypatch):
    """With two workers each taking chunks, two files that kill their worker cost those two files; every
    other form is scored once in the output, in input order."""
    import pe_score.batch as batch

    wb = form_workbook(97)
    for i in range(40):
        save(wb, tmp_path / f"{i:02d}.xlsx")
    for k in (7, 31):
        (tmp_path / f"{k:02d}.xlsx").rename(tmp_path / f"{k:02d}_crash.xlsx")
    assert batch.chunk_size(40, 2) == 5
    real = batch.check_job

    def dying(job, *args):
        if "crash" in Path(job.display).name:
            os._exit(70)
        return real(job, *args)

    monkeypatch.setattr(batch, "check_job", dying)
    out = io.StringIO()
    code = run_check([tmp_path], as_json=True, jobs=2, stdout=out, stderr=io.StringIO())
    arr = json.loads(out.getvalue())
    assert [Path(o["file"]).name for o in arr] == sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert [i for i, o in enumerate(arr) if o.get("error")] == [7, 31]
    assert {arr[7]["error"], arr[31]["error"]} == {batch.MSG_CRASHED}
    assert all(o.get("total") == 97 for i, o in enumerate(arr) if i not in (7, 31))
    assert code == 1
