"""The `pe-score` command: output, exit codes, writing scored copies.

Most tests call the console-script entry point in-process (fast); the ones marked ``process`` start
a real interpreter, for what only a process shows (the exit status the shell sees, no traceback,
start-up imports)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import openpyxl
import pytest

from cli_runner import run_cli, run_process
from conftest import ROOT, add_png



def run(*args, cwd=None):
    """The command through its entry point, in this process (tests/cli_runner.py)."""
    return run_cli(*args, cwd=cwd)


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def cells(path):
    """Values and comments of every sheet, to compare two files."""
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: {c.coordinate: (c.value, c.comment.text if c.comment else None, repr(c.fill))
                   for row in ws.iter_rows() for c in row}
        for ws in wb.worksheets
    }


@pytest.fixture
def example(example_xlsx, tmp_path):
    """A private copy of the example, so tests may write next to it."""
    dst = tmp_path / "shiyan.xlsx"
    shutil.copy(example_xlsx, dst)
    return dst


def test_version_and_profiles_in_a_real_process():
    v = run_process("--version")
    assert v.returncode == 0 and v.stdout.startswith("pe-score ")
    p = run("profiles")
    assert p.returncode == 0
    assert "hubei-2-1" in p.stdout and "national-project" in p.stdout


def test_usage_error_is_chinese_and_exit_2_in_a_real_process():
    r = run_process("score", "--no-such-option")
    assert r.returncode == 2
    assert "命令行参数有误" in r.stderr and "Traceback" not in r.stderr


def test_not_a_spreadsheet_in_a_real_process(tmp_path):
    bogus = tmp_path / "报告.xlsx"
    bogus.write_text("这只是一段文字，不是工作簿。\n", encoding="utf-8")
    r = run_process("score", bogus)
    assert r.returncode == 2
    assert has_chinese(r.stderr) and "Traceback" not in r.stderr + r.stdout
    assert r.stdout == ""


def test_missing_file(tmp_path):
    r = run("score", tmp_path / "nope.xlsx", "--json")
    assert r.returncode == 2 and "找不到文件" in r.stderr and r.stdout == ""


def test_bad_profile(example):
    r = run("score", example, "--profile", "no-such-profile")
    assert r.returncode == 2 and "评分规则" in r.stderr and "Traceback" not in r.stderr


def test_workbook_without_form(tmp_path):
    path = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "一份与绩效无关的表格"
    wb.active["B2"] = 42
    wb.save(path)
    r = run("score", path)
    assert r.returncode == 2
    assert has_chinese(r.stderr) and "Traceback" not in r.stderr


def test_example_json(example):
    r = run("score", example, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)  # stdout holds the JSON and nothing else
    assert data["total"] == 97
    assert data["grade"] == "优"
    assert data["capped"] is False
    assert [g["score"] for g in data["goals"]] == [18, 18, 9, 10, 10, 8, 4]
    assert "十堰" not in r.stderr and "Traceback" not in r.stderr


def test_example_table(example):
    r = run("score", example)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for text in ("十堰市人力资源和社会保障局", "2021", "预算执行", "全年城镇新增就业人数", "总分", "97", "优"):
        assert text in out, text


def test_error_finding_exits_1_in_a_real_process(example, tmp_path):
    wb = openpyxl.load_workbook(example)
    ws = wb.worksheets[0]
    row = next(c.row for c in ws["C"] if c.value == "全年城镇新增就业人数")
    ws.cell(row=row, column=9, value=5)  # 5 points typed on a 2-point indicator
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    r = run_process("score", bad, "--json")
    assert r.returncode == 1, r.stderr
    issues = json.loads(r.stdout)["issues"]
    assert any(i["severity"] == "error" and i["cell"] == f"I{row}" for i in issues)
    t = run("score", bad)
    assert t.returncode == 1 and "错误" in t.stdout


def test_write_then_rescore_is_idempotent(example, tmp_path):
    out1, out2 = tmp_path / "scored.xlsx", tmp_path / "scored2.xlsx"
    before = example.read_bytes()
    r = run("score", example, "--json", "--write", out1)
    assert r.returncode == 0, r.stderr
    assert example.read_bytes() == before  # the input is never touched
    assert "评分说明" in openpyxl.load_workbook(out1).sheetnames
    first = json.loads(r.stdout)
    again = run("score", out1, "--json")
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    for key in ("total", "grade", "capped", "goals", "indicators"):
        assert second[key] == first[key], key
    r2 = run("score", out1, "--json", "--write", out2)
    assert r2.returncode == 0, r2.stderr
    assert cells(out2) == cells(out1)


def test_refuses_to_overwrite_input(example):
    before = example.read_bytes()
    r = run("score", example, "--write", example)
    assert r.returncode == 2 and "--in-place" in r.stderr
    assert example.read_bytes() == before


def test_in_place_with_backup(example):
    before = example.read_bytes()
    r = run("score", example, "--in-place")
    assert r.returncode == 0, r.stderr
    backup = example.with_name("shiyan.bak.xlsx")
    assert backup.read_bytes() == before
    assert "评分说明" in openpyxl.load_workbook(example).sheetnames
    assert "备份" in r.stdout
    r2 = run("score", example, "--in-place", "--no-backup")
    assert r2.returncode == 0 and not example.with_name("shiyan.bak2.xlsx").exists()


def test_image_kept_byte_for_byte_without_force(example, tmp_path):
    """The surgical writer copies parts it does not own as they are: a picture needs no --force."""
    import zipfile

    wb = openpyxl.load_workbook(example)
    add_png(wb.worksheets[0], "L2")
    pic = tmp_path / "pic.xlsx"
    wb.save(pic)
    out = tmp_path / "out.xlsx"
    r = run("score", pic, "--write", out)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(pic) as a, zipfile.ZipFile(out) as b:
        media = [n for n in a.namelist() if n.startswith("xl/media/")]
        assert media
        for name in media:
            assert a.read(name) == b.read(name)


def test_foreign_explain_sheet_refused_unless_forced(example, tmp_path):
    """A sheet named 评分说明 that pe-score did not write is the user's: replaced only with --force."""
    wb = openpyxl.load_workbook(example)
    wb.create_sheet("评分说明")["A1"] = "单位自己的说明"
    src = tmp_path / "own.xlsx"
    wb.save(src)
    out = tmp_path / "out.xlsx"
    r = run("score", src, "--write", out)
    assert r.returncode == 2 and "评分说明" in r.stderr and "--force" in r.stderr
    assert not out.exists()
    f = run("score", src, "--write", out, "--force")
    assert f.returncode == 0, f.stderr
    assert out.exists()


def test_new_form_and_no_overwrite(tmp_path):
    out = tmp_path / "表.xlsx"
    r = run("new", "-o", out)
    assert r.returncode == 0, r.stderr
    assert out.exists()
    again = run("new", "-o", out)
    assert again.returncode == 2 and "已存在" in again.stderr


def test_write_needs_xlsx_input(example, tmp_path):
    xls = tmp_path / "old.xls"
    shutil.copy(example, xls)
    r = run("score", xls, "--write", tmp_path / "o.xlsx")
    assert r.returncode == 2 and "另存为 .xlsx" in r.stderr and "Traceback" not in r.stderr


def test_json_path_does_not_import_heavy_modules(example):
    """Cold start matters: scoring without writing must not load openpyxl, rich or xlwings."""
    code = (
        "import sys; from pe_score.cli import main; rc = main(['score', sys.argv[1], '--json']); "
        "heavy = sorted(m for m in ('openpyxl', 'rich', 'xlwings') if m in sys.modules); "
        "sys.stderr.write('HEAVY=' + ','.join(heavy) + '\\n'); sys.exit(rc)"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", code, str(example)], cwd=ROOT, env=env,
                       capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "HEAVY=\n" in r.stderr


def test_named_sheet(example):
    ok = run("score", example, "--sheet", "附件2-1", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["sheet"] == "附件2-1"
    missing = run("score", example, "--sheet", "不存在的表")
    assert missing.returncode == 2 and "不存在的表" in missing.stderr and missing.stdout == ""


def test_output_cut_short_by_a_pipe_is_quiet_in_a_real_process(example):
    """`pe-score score f | head -1`: the reader leaves early; no traceback, no 'Exception ignored'."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", COLUMNS="100")
    p = subprocess.run(
        f'"{sys.executable}" -m pe_score score "{example}" | head -c 10 > /dev/null',
        shell=True, cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120,
        executable="/bin/bash",
    )
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr and "Error" not in p.stderr, p.stderr
