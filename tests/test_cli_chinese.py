"""The command line speaks Chinese: help screens with examples and exit statuses, usage errors that
point to the right help, findings in cell order, typed scores beside recomputed ones, the JSON keys
``unit`` and ``year``. Run in-process through ``pe_score.cli.main`` (tests/cli_runner.py)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from cli_runner import ROOT, run_cli

COMMANDS = ["score", "new", "check", "profiles"]

# What typer/click/argparse print in English, and any run of two English words.
ENGLISH = re.compile(
    r"Usage|Options|Arguments|Commands|Show this|required|<bool>|<str>|<path>|<list|Missing|No such|"
    r"Invalid|Did you mean|error:|usage:|positional|optional|expected|unrecognized|argument|"
    r"\b[A-Za-z]{3,} [A-Za-z]{3,}\b"
)
# Identifiers that stay as they are in Chinese text.
ALLOWED = re.compile(
    r"--?[a-z][a-z-]*|pe-score|hubei-2-1|national-project|[\w.-]*\.(?:xlsx|xlsm|xls|ods|zip|toml)|"
    r"\b(?:score|new|check|profiles|JSON|TOML|UTF-8|CPU|Excel|WPS|FIFO|N|PE_SCORE_DEBUG|PE\d{3})\b"
)


def english_in(text: str) -> list[str]:
    return ENGLISH.findall(ALLOWED.sub("", text))


@pytest.fixture
def example(example_xlsx, tmp_path):
    dst = tmp_path / "shiyan.xlsx"
    shutil.copy(example_xlsx, dst)
    return dst


def edited_example(example, tmp_path, **cells) -> "Path":
    """The example with some cells changed: cells = {indicator name: {column: value}}."""
    wb = openpyxl.load_workbook(example)
    ws = wb.worksheets[0]
    for name, changes in cells.items():
        row = next(c.row for c in ws["C"] if c.value == name)
        for col, value in changes.items():
            ws[f"{col}{row}"] = value
    out = tmp_path / "edited.xlsx"
    wb.save(out)
    return out


# ---- help screens -----------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["-h"], ["--help"], *[[c, "-h"] for c in COMMANDS], ["check", "--help"]])
def test_every_help_screen_is_chinese_with_examples_and_exit_statuses(argv):
    r = run_cli(*argv)
    assert r.returncode == 0 and r.stderr == ""
    text = r.stdout
    assert text.startswith("用法：")
    for heading in ("示例：", "退出状态："):
        assert heading in text, heading
    assert english_in(text) == [], english_in(text)
    assert "。。" not in text and "选项:" not in text and "参数:" not in text


def test_help_lists_every_option_and_the_exit_codes():
    score = run_cli("score", "-h").stdout
    for opt in ("--sheet", "--profile", "--json", "--write", "--overwrite", "--in-place", "--no-backup", "--force"):
        assert opt in score, opt
    assert re.search(r"^\s+0\s", score, re.M) and re.search(r"^\s+1\s", score, re.M) and re.search(r"^\s+2\s", score, re.M)
    check = run_cli("check", "-h").stdout
    for opt in ("--summary", "--overwrite", "--json", "--jobs", "-j", "--profile"):
        assert opt in check, opt
    assert "pe-score check" in check and "--summary 汇总.xlsx" in check
    top = run_cli("-h").stdout
    for c in COMMANDS:
        assert re.search(rf"^\s+{c}\s", top, re.M), c


def test_help_columns_line_up_with_chinese_metavars():
    lines = [ln for ln in run_cli("score", "-h").stdout.splitlines() if ln.startswith("  -")]
    from pe_score.cli import _width

    starts = set()
    for ln in lines:
        m = re.match(r"^(  \S.*?\S)\s{2,}(\S)", ln)
        assert m, ln
        starts.add(_width(ln[: m.start(2)]))
    assert len(starts) == 1, lines  # the help column starts at one display column


@pytest.mark.parametrize("argv", [["-h"], *[[c, "-h"] for c in COMMANDS]])
def test_help_fits_an_80_column_terminal(argv, monkeypatch):
    from pe_score.cli import _width

    monkeypatch.setenv("COLUMNS", "80")
    lines = run_cli(*argv).stdout.splitlines()
    assert max(_width(ln) for ln in lines) <= 80, max(lines, key=_width)
    assert not any(ln.lstrip().startswith(("、", "，", "。", "）")) for ln in lines)


@pytest.mark.parametrize("columns", [None, "80", "132", "0", "-5", "wide"])
def test_the_help_width_is_read_as_shutil_reads_it(columns, monkeypatch):
    """The formatter takes the terminal's width without importing shutil: the same answer as
    ``shutil.get_terminal_size((100, 24)).columns`` (COLUMNS first, then the terminal, else 100)."""
    import shutil

    from pe_score.cli import _terminal_columns

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert _terminal_columns() == shutil.get_terminal_size((100, 24)).columns


def test_no_arguments_prints_the_help_and_exits_2():
    r = run_cli()
    assert r.returncode == 2 and r.stderr.startswith("用法：") and r.stdout == ""


def test_version():
    r = run_cli("--version")
    assert r.returncode == 0 and re.fullmatch(r"pe-score \S+\n", r.stdout)


# ---- usage errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("argv, words, command", [
    (["scor", "a.xlsx"], ["没有子命令“scor”", "“score”"], None),
    (["chek", "a"], ["“check”"], None),
    (["profile"], ["“profiles”"], None),
    (["nwe"], ["“new”"], None),
    (["--bogus"], ["没有选项 --bogus"], None),
    (["score", "--bogus", "a.xlsx"], ["score 没有选项 --bogus"], "score"),
    (["score", "a.xlsx", "--jsn"], ["--jsn", "你是不是要用 --json"], "score"),
    (["check", "a", "--summay", "s.xlsx"], ["--summary"], "check"),
    (["score"], ["缺少要评分的文件"], "score"),
    (["score", "a.xlsx", "b.xlsx"], ["多余的参数：b.xlsx"], "score"),
    (["score", "a.xlsx", "--sheet"], ["--sheet", "须跟一个值"], "score"),
    (["new"], ["缺少必需的选项 -o/--output"], "new"),
    (["new", "-o"], ["-o/--output", "须跟一个值"], "new"),
    (["check"], ["缺少要审核的路径"], "check"),
    (["check", "a", "-j", "x"], ["--jobs", "不是整数"], "check"),
    (["check", "a", "--jobs", "-1"], ["--jobs", "0 或正整数"], "check"),
    (["profiles", "extra"], ["多余的参数"], "profiles"),
])
def test_usage_errors_are_chinese_and_point_to_the_right_help(argv, words, command):
    r = run_cli(*argv)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("pe-score：命令行参数有误：")
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    where = f"pe-score {command} -h" if command else "pe-score -h"
    assert f"用 {where} 查看用法" in r.stderr, r.stderr
    assert english_in(r.stderr) == [], r.stderr
    assert "。。" not in r.stderr and "？。" not in r.stderr


def test_options_may_follow_or_precede_the_paths(example, tmp_path):
    a = run_cli("check", "--json", example, "-j", "1")
    b = run_cli("check", example, "--json")
    assert a.returncode == b.returncode and json.loads(a.stdout) == json.loads(b.stdout)
    c = run_cli("score", "--json", "--", example)
    assert c.returncode == 0 and json.loads(c.stdout)["total"] == 97


# ---- messages ---------------------------------------------------------------------------------


def test_missing_files_and_folders_are_explained_in_chinese(tmp_path):
    r = run_cli("score", tmp_path / "nope.xlsx")
    assert r.returncode == 2 and "找不到文件" in r.stderr and english_in(r.stderr) == []
    r = run_cli("score", tmp_path)
    assert r.returncode == 2 and "是文件夹" in r.stderr
    r = run_cli("check", tmp_path / "nope.xlsx")
    assert r.returncode == 2 and "文件不存在" in r.stdout and "No such file" not in r.stdout + r.stderr


def test_bad_profile_message_has_one_full_stop(example):
    r = run_cli("score", example, "--profile", "no-such-profile")
    assert r.returncode == 2 and "评分规则" in r.stderr
    assert "。。" not in r.stderr


def test_explanation_names_what_could_not_be_computed_once(example, tmp_path):
    bad = edited_example(example, tmp_path, **{"全年城镇新增就业人数": {"H": "不详"}})
    r = run_cli("score", bad, "--json")
    ind = next(i for i in json.loads(r.stdout)["indicators"] if i["name"] == "全年城镇新增就业人数")
    assert ind["explanation"] == "实际完成值无法计算，保留填报得分 2.00"
    assert "无法计算，无法自动计算" not in r.stdout


def test_tier_bands_are_written_as_the_form_writes_them(example):
    data = json.loads(run_cli("score", example, "--json").stdout)
    texts = [i["explanation"] for i in data["indicators"] if i["method"] == "judgement"]
    assert any("100-80%（含80%）" in t for t in texts)
    pe205 = [i["message"] for i in data["issues"] if i["code"] == "PE205"]
    assert pe205 and all("50-0%" in m and "[" not in m for m in pe205)
    assert not any(re.search(r"[\[(]\d+%?,\d+%[\])]", t) for t in texts)


# ---- the table ----------------------------------------------------------------------------------


def _cell_key(ref: str) -> tuple[int, int]:
    letters = re.match(r"[A-Z]+", ref).group(0)
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters):]), col


def test_findings_are_listed_in_cell_order(example):
    out = run_cli("score", example).stdout
    cells = re.findall(r"^\s+PE\d{3}\s+\S+\s+([A-Z]+\d+)\s", out, re.M)
    assert len(cells) >= 10
    assert cells == sorted(cells, key=_cell_key)
    data = json.loads(run_cli("score", example, "--json").stdout)  # the JSON keeps the engine's order
    assert len(data["issues"]) == len(cells)


def test_typed_score_is_shown_beside_the_recomputed_one_where_they_differ(example, tmp_path):
    plain = run_cli("score", example).stdout
    assert "表内填报" not in plain  # nothing differs in the example
    bad = edited_example(example, tmp_path, **{"城镇失业人员再就业人数": {"I": 1.5}})
    out = run_cli("score", bad).stdout
    assert "表内填报" in out
    row = next(ln for ln in out.splitlines() if "城镇失业人员再就业人数" in ln)
    assert re.search(r"定量（正向）\s+2\s+1\.5\s", row), row
    other = next(ln for ln in out.splitlines() if "就业困难人员再就业人数" in ln)
    assert not re.search(r"定量（正向）\s+2\s+2\s", other), other  # equal scores are not repeated


# ---- JSON -----------------------------------------------------------------------------------------


def test_score_and_check_json_carry_unit_and_year(example, tmp_path):
    one = json.loads(run_cli("score", example, "--json").stdout)
    assert one["unit"] == "十堰市人力资源和社会保障局" and one["year"] == 2021
    assert list(one)[:3] == ["sheet", "unit", "year"]
    bogus = tmp_path / "坏.xlsx"
    bogus.write_text("不是工作簿", encoding="utf-8")
    many = json.loads(run_cli("check", example, bogus, "--json").stdout)
    assert many[0]["unit"] == "十堰市人力资源和社会保障局" and many[0]["year"] == 2021
    assert set(many[1]) == {"file", "unit", "year", "claimed_total", "error"}
    assert many[1]["unit"] is None and many[1]["claimed_total"] is None


def test_readme_json_examples_match_what_is_printed(example, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", readme, re.S).group(1)
    documented = json.loads(block)
    printed = json.loads(run_cli("score", example, "--json").stdout)
    assert list(documented) == list(printed)
    for key in ("unit", "year", "total", "grade", "claimed_total"):
        assert documented[key] == printed[key], key
    line = re.search(r"无法读取的文件为 `(\{.*?\})`", readme).group(1)
    unreadable = json.loads(line)
    bogus = tmp_path / "坏.xlsx"
    bogus.write_text("不是工作簿", encoding="utf-8")
    obj = json.loads(run_cli("check", bogus, "--json").stdout)[0]
    assert list(unreadable) == list(obj)
    assert unreadable["claimed_total"] == obj["claimed_total"] and unreadable["unit"] == obj["unit"]


def test_typed_subtotal_and_budget_score_are_shown_beside_the_recomputed_ones(example, tmp_path):
    wb = openpyxl.load_workbook(example)
    ws = wb.worksheets[0]
    ws["I10"] = 17  # goal 1's subtotal typed as a number (the engine computes 18)
    ws["H8"] = 19  # the budget score typed (the engine computes 20)
    bad = tmp_path / "typed.xlsx"
    wb.save(bad)
    out = run_cli("score", bad).stdout
    goal = next(ln for ln in out.splitlines() if "年度目标1" in ln and "小计" in ln)
    assert re.search(r"小计\s+18\s+17\s", goal), goal
    assert "得分 20 / 20（表内填报 19）" in out
