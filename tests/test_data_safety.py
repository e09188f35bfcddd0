"""Nothing of the user's is lost: scored copies of rich workbooks differ only where the plan writes.

Every test runs the real command (``python -m pe_score score ... --write/--in-place``) in a subprocess
and compares the workbook before and after: every cell the plan does not own keeps its value, formula
and style; merged ranges, validations, conditional formats, names, sheet order, print settings,
widths and the VBA project are intact; rescoring a scored copy changes nothing; a failure half-way
through writing leaves the original untouched; --in-place keeps a backup unless --no-backup.
"""
from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.corpus.build import copy_sheet
from tests.corpus.run import ROOT, cli

from pe_score import templates  # noqa: E402
from workbook import pipeline  # noqa: E402

import openpyxl  # noqa: E402
from openpyxl.comments import Comment  # noqa: E402
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule  # noqa: E402
from openpyxl.styles import Font, PatternFill  # noqa: E402
from openpyxl.workbook.defined_name import DefinedName  # noqa: E402
from openpyxl.worksheet.datavalidation import DataValidation  # noqa: E402

from workbook import xlsx  # noqa: E402
from workbook.grid import parse_a1  # noqa: E402


# ---- building rich workbooks ----------------------------------------------------------------


def _enrich(wb, form_title: str) -> None:
    """Everything a real user's workbook may carry besides the form."""
    ws = wb[form_title]
    ws["A1"].comment = Comment("用户自己的批注：请于4月底前报送", "财务科")
    ws["J11"].comment = Comment("偏差原因待补充", "张三")
    dv = DataValidation(type="whole", operator="between", formula1="0", formula2="20", showErrorMessage=True)
    ws.add_data_validation(dv)
    dv.add("D11:D19")
    ws.conditional_formatting.add("I11:I60", CellIsRule(operator="greaterThan", formula=["5"], font=Font(color="FF0000")))
    ws.conditional_formatting.add("D11:D60", ColorScaleRule(start_type="min", start_color="FFFFFF", end_type="max", end_color="63BE7B"))
    ws.oddHeader.center.text = "部门整体支出绩效自评表"
    ws.oddFooter.right.text = "第 &P 页"
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "1:9"
    ws.sheet_properties.tabColor = "FF0000"
    ws.column_dimensions["K"].width = 33
    ws.row_dimensions[3].height = 31

    extra = wb.create_sheet("附表")
    extra.append(["项目", "金额（万元）", "占比", "链接"])
    for i in range(1, 21):
        extra.append([f"项目{i}", i * 12.5, f"=B{i + 1}/SUM($B$2:$B$21)", None])
    extra["E1"] = f"='{form_title}'!J4"
    extra["C2"].number_format = "0.00%"
    extra["A1"].font = Font(bold=True, color="1F4E78", name="黑体")
    extra["B1"].fill = PatternFill("solid", fgColor="DDEBF7")
    extra.merge_cells("F1:H3")
    extra["F1"] = "合并的说明"
    extra["D2"].hyperlink = "https://czt.hubei.gov.cn/"
    extra.freeze_panes = "A2"
    extra.column_dimensions["A"].width = 25
    extra.print_area = "A1:E21"
    hidden = wb.create_sheet("隐藏")
    hidden["A1"] = "内部数据"
    hidden.sheet_state = "hidden"

    wb.defined_names["项目合计"] = DefinedName("项目合计", attr_text="附表!$B$2:$B$21")
    ws.defined_names["本表单位"] = DefinedName("本表单位", attr_text=f"'{form_title}'!$C$5")


def rich_xlsx(path: Path) -> Path:
    wb = templates.build_example()
    _enrich(wb, wb.sheetnames[0])
    wb.save(path)
    return path


def quickstart_xlsm(path: Path) -> Path:
    """xlwings' own quickstart.xlsm (made by Excel, with a real VBA project) plus a form sheet."""
    import xlwings

    src = Path(xlwings.__file__).parent / "quickstart.xlsm"
    wb = openpyxl.load_workbook(src, keep_vba=True)
    form = wb.create_sheet("附件2-1", 0)
    copy_sheet(templates.build_example().worksheets[0], form)
    _enrich(wb, "附件2-1")
    wb.save(path)
    return path


def vba_bytes(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/vbaProject.bin")


# ---- snapshots ----------------------------------------------------------------------------


def _style(c) -> tuple:
    f, a, b, p = c.font, c.alignment, c.border, c.protection
    return (
        (f.name, f.sz, f.b, f.i, f.u, f.strike, f.color.rgb if f.color is not None else None),
        (a.horizontal, a.vertical, a.wrap_text, a.indent, a.text_rotation, a.shrink_to_fit),
        tuple((s.style, s.color.rgb if s.color is not None else None) for s in (b.left, b.right, b.top, b.bottom)),
        c.number_format,
        (p.locked, p.hidden),
    )


def _fill(c) -> tuple:
    fl = c.fill
    return (getattr(fl, "patternType", None), getattr(getattr(fl, "fgColor", None), "rgb", None),
            getattr(getattr(fl, "bgColor", None), "rgb", None))


def snapshot(path: Path) -> dict:
    wb = openpyxl.load_workbook(path, rich_text=True)
    out: dict = {"order": wb.sheetnames, "names": sorted((n, d.attr_text) for n, d in wb.defined_names.items())}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if type(c).__name__ == "MergedCell":
                    continue
                cells[c.coordinate] = {
                    "value": str(c.value) if c.value is not None else None,  # formula text included
                    "style": _style(c),
                    "fill": _fill(c),
                    "comment": c.comment.text if c.comment is not None else None,
                    "link": c.hyperlink.target if c.hyperlink is not None else None,
                }
        out[ws.title] = {
            "cells": cells,
            "state": ws.sheet_state,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted((str(v.sqref), v.type, v.formula1, v.formula2) for v in ws.data_validations.dataValidation),
            "cf": sorted((str(rng.sqref), tuple(r.type for r in rules)) for rng, rules in ws.conditional_formatting._cf_rules.items()),
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            "print": (ws.print_area, ws.print_title_rows, ws.page_setup.orientation, ws.page_setup.fitToWidth,
                      ws.oddHeader.center.text, ws.oddFooter.right.text),
            "freeze": ws.freeze_panes,
            "tab": ws.sheet_properties.tabColor.rgb if ws.sheet_properties.tabColor is not None else None,
            "local_names": sorted((n, d.attr_text) for n, d in ws.defined_names.items()),
        }
    return out


def plan_for(path: Path):
    return pipeline.score_workbook(xlsx.read_grids(path)).plan


def _refs(cells) -> set[str]:
    from workbook.grid import a1

    return {a1(r, c) for r, c in cells}


def assert_only_plan_changed(before: dict, after: dict, plan) -> None:
    owned = _refs(plan.owned_cells())
    noted = {n.cell.replace("$", "").upper() for n in plan.notes}
    lit = {h.cell.replace("$", "").upper() for h in plan.highlights}
    assert after["order"][: len(before["order"])] == before["order"], "sheet order changed"
    assert [s for s in after["order"] if s not in before["order"]] == [plan.explain_sheet]
    assert after["names"] == before["names"]
    for sheet in before["order"]:
        b, a = before[sheet], after[sheet]
        for key in ("state", "merged", "validations", "cf", "widths", "heights", "print", "freeze", "tab", "local_names"):
            assert a[key] == b[key], f"{sheet}: {key} changed"
        is_form = sheet == plan.sheet
        for ref, cb in b["cells"].items():
            ca = a["cells"].get(ref)
            if ca is None:  # a cell openpyxl no longer lists must have been empty and unstyled
                assert cb["value"] is None and cb["comment"] is None, f"{sheet}!{ref} vanished"
                continue
            if not (is_form and ref in owned):
                assert ca["value"] == cb["value"], f"{sheet}!{ref}: {cb['value']!r} -> {ca['value']!r}"
            assert ca["style"] == cb["style"], f"{sheet}!{ref}: style changed"
            if not (is_form and ref in lit):
                assert ca["fill"] == cb["fill"], f"{sheet}!{ref}: fill changed"
            if not (is_form and ref in noted):
                assert ca["comment"] == cb["comment"], f"{sheet}!{ref}: comment changed"
            elif cb["comment"]:
                assert ca["comment"].startswith(cb["comment"].rstrip("\n")), f"{sheet}!{ref}: user's note lost"
            assert ca["link"] == cb["link"]
        new_cells = set(a["cells"]) - set(b["cells"])
        for ref in new_cells:
            if a["cells"][ref]["value"] is not None:
                assert is_form and ref in owned, f"{sheet}!{ref}: a value appeared outside the plan"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ok(rc, err):
    assert rc in (0, 1), err


# ---- tests --------------------------------------------------------------------------------


def test_scored_copy_of_a_rich_workbook_changes_only_what_the_plan_owns(tmp_path):
    src = rich_xlsx(tmp_path / "自评表.xlsx")
    before_bytes = sha(src)
    before = snapshot(src)
    out = tmp_path / "自评表_评分.xlsx"
    rc, _, err, _ = cli("score", str(src), "--write", str(out))
    _ok(rc, err)
    assert sha(src) == before_bytes, "the input file was modified"
    plan = plan_for(src)
    assert plan.owned_cells(), "the plan writes nothing: the test would prove nothing"
    assert_only_plan_changed(before, snapshot(out), plan)
    # the owned cells really received the plan's values
    wb = openpyxl.load_workbook(out)
    ws = wb[plan.sheet]
    for block in plan.blocks:
        for i, row in enumerate(block.values):
            for j, v in enumerate(row):
                if v is not None and not (isinstance(v, str) and v.startswith("=")):
                    got = ws.cell(row=block.row + i, column=block.col + j).value
                    assert got == v or (isinstance(got, float) and abs(got - v) < 1e-9)


def test_the_comparison_catches_a_changed_cell_style_or_validation(tmp_path):
    """assert_only_plan_changed is not vacuous: edits outside the plan are caught."""
    src = rich_xlsx(tmp_path / "a.xlsx")
    before = snapshot(src)
    plan = plan_for(src)
    for edit in ("value", "style", "validation"):
        wb = openpyxl.load_workbook(src)
        ws = wb[plan.sheet]
        if edit == "value":
            ws["C5"] = "别的单位"
        elif edit == "style":
            ws["A1"].font = Font(name="宋体", sz=30)
        else:
            ws.data_validations.dataValidation.pop()
        wb.create_sheet(plan.explain_sheet)
        changed = tmp_path / f"{edit}.xlsx"
        wb.save(changed)
        with pytest.raises(AssertionError):
            assert_only_plan_changed(before, snapshot(changed), plan)


def test_xlsm_keeps_its_vba_project_byte_for_byte(tmp_path):
    import xlwings

    original_vba = vba_bytes(Path(xlwings.__file__).parent / "quickstart.xlsm")
    src = quickstart_xlsm(tmp_path / "带宏.xlsm")
    assert vba_bytes(src) == original_vba
    before = snapshot(src)
    out = tmp_path / "带宏_评分.xlsm"
    rc, _, err, _ = cli("score", str(src), "--write", str(out))
    _ok(rc, err)
    assert vba_bytes(out) == original_vba
    with zipfile.ZipFile(out) as z:
        ct = z.read("[Content_Types].xml").decode()
    assert "macroEnabled" in ct
    assert_only_plan_changed(before, snapshot(out), plan_for(src))


def test_xlsm_to_xlsx_is_refused_rather_than_dropping_macros(tmp_path):
    src = quickstart_xlsm(tmp_path / "带宏.xlsm")
    rc, out, err, _ = cli("score", str(src), "--write", str(tmp_path / "丢宏.xlsx"))
    assert rc == 2 and "宏" in err and not (tmp_path / "丢宏.xlsx").exists()


def test_rescoring_a_scored_copy_changes_nothing(tmp_path):
    src = rich_xlsx(tmp_path / "a.xlsx")
    first, second = tmp_path / "b.xlsx", tmp_path / "c.xlsx"
    _ok(*cli("score", str(src), "--write", str(first))[::2])
    _ok(*cli("score", str(first), "--write", str(second))[::2])
    assert snapshot(first) == snapshot(second)
    # and in place, the scored copy stays as it is
    snap = snapshot(first)
    _ok(*cli("score", str(first), "--in-place", "--no-backup")[::2])
    assert snapshot(first) == snap


def test_in_place_keeps_a_backup_of_the_original(tmp_path):
    src = rich_xlsx(tmp_path / "表.xlsx")
    original = src.read_bytes()
    rc, _, err, _ = cli("score", str(src), "--in-place")
    _ok(rc, err)
    backup = tmp_path / "表.bak.xlsx"
    assert backup.exists() and backup.read_bytes() == original
    assert src.read_bytes() != original  # it was scored
    # a second in-place run keeps the first backup and adds another
    rc, _, err, _ = cli("score", str(src), "--in-place")
    _ok(rc, err)
    assert backup.read_bytes() == original and (tmp_path / "表.bak2.xlsx").exists()


def test_in_place_no_backup_leaves_no_backup(tmp_path):
    src = rich_xlsx(tmp_path / "表.xlsx")
    rc, _, err, _ = cli("score", str(src), "--in-place", "--no-backup")
    _ok(rc, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["表.xlsx"]


_CRASH_DURING_SAVE = r"""
import os, sys
calls = {"n": 0}
real = os.write
def failing(fd, data):
    # a disk that fills up: the first writes are short (1 KB each), then ENOSPC
    calls["n"] += 1
    if calls["n"] > int(sys.argv[1]):
        raise OSError(28, "No space left on device")
    return real(fd, bytes(data[:1024]))
os.write = failing
from pe_score.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("after", [0, 5])
@pytest.mark.parametrize("mode", ["write", "in-place"])
def test_a_failure_half_way_through_saving_leaves_the_original_untouched(tmp_path, mode, after):
    """The disk fills up after ``after`` short writes of the new file: exit 2, a Chinese message,
    the original byte-identical, no half-written target and no temporary file left behind."""
    src = rich_xlsx(tmp_path / "原表.xlsx")
    original = src.read_bytes()
    target = tmp_path / "输出.xlsx"
    args = ["score", str(src)] + (["--write", str(target)] if mode == "write" else ["--in-place", "--no-backup"])
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    p = subprocess.run([sys.executable, "-c", _CRASH_DURING_SAVE, str(after), *args], cwd=ROOT, env=env,
                       capture_output=True, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 2, err
    assert "Traceback" not in err and any("\u4e00" <= ch <= "\u9fff" for ch in err)
    assert src.read_bytes() == original
    assert sorted(x.name for x in tmp_path.iterdir()) == ["原表.xlsx"], "left-over or partial files"


def test_killed_while_saving_leaves_the_original_or_the_complete_result(tmp_path):
    """SIGKILL during the save of an in-place run: the file is either the original or a complete
    scored workbook (the save goes to a temporary file that replaces the target in one step).

    The test proves its kills land inside the save: it watches the folder for the temporary file
    (the child runs at the lowest priority so the watcher keeps up) and kills the moment it appears.
    A temporary file still there after the kill shows the kill came between its creation and the
    replace — a killed process cannot remove it. Runs are repeated until a kill has landed so,
    within a time bound; kills at fixed delays (before and after the save) are checked as well."""
    import signal
    import time

    from workbook.xlsx import TEMP_PREFIX, TEMP_SUFFIX, is_temp_file

    src = rich_xlsx(tmp_path / "表.xlsx")
    state = {"original": src.read_bytes()}
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")

    def start():
        return subprocess.Popen([sys.executable, "-m", "pe_score", "score", str(src), "--in-place", "--no-backup"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=lambda: os.nice(19))

    def temps():
        return [n for n in os.listdir(tmp_path) if n.startswith(TEMP_PREFIX) and n.endswith(TEMP_SUFFIX)]

    def check_target_and_clean():
        data = src.read_bytes()
        if data != state["original"]:
            openpyxl.load_workbook(src)  # complete and readable
            state["original"] = data
        left = temps()
        for name in left:
            assert is_temp_file(name)
            (tmp_path / name).unlink()  # a killed process cannot clean its temp file; the target matters
        return bool(left)

    for delay in (0.3, 0.8, 1.5):  # arbitrary moments, most outside the save
        p = start()
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        check_target_and_clean()

    landed, runs, deadline = 0, 0, time.monotonic() + 120
    while landed < 1 and time.monotonic() < deadline:
        p, runs = start(), runs + 1
        while p.poll() is None and not temps():
            pass  # busy-wait: the save lasts milliseconds
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait()
        landed += check_target_and_clean()
    assert landed >= 1, f"no kill landed inside the save in {runs} runs"


# ---- the tool never evaluates workbook content as code --------------------------------------------

PACKAGES = ["scoring", "workbook", "addin", "pe_score"]
FORMULA_ENGINES = {"pycel", "formulas", "xlcalculator", "koala", "pyxll", "py_expression_eval", "asteval", "numexpr"}


def _python_files():
    for pkg in PACKAGES:
        yield from sorted((ROOT / pkg).rglob("*.py"))


def test_no_eval_exec_compile_or_formula_engine_in_the_package():
    bad = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else (f.attr if isinstance(f, ast.Attribute) else "")
                owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
                if isinstance(f, ast.Name) and name in ("eval", "exec", "compile", "__import__", "execfile"):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}()")
                if owner in ("builtins", "__builtins__") and name in ("eval", "exec", "compile"):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {owner}.{name}()")
                if name in ("evaluate", "literal_eval", "run_formula") or (owner == "pickle" and name in ("load", "loads")):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {owner}.{name}()")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for m in mods:
                    if m.split(".")[0] in FORMULA_ENGINES:
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: import {m}")
    assert not bad, "workbook content must never run as code:\n" + "\n".join(bad)


def test_the_scanner_would_catch_an_eval(tmp_path):
    """The check above is not vacuous: the same walk flags an eval in a sample module."""
    tree = ast.parse("x = eval(cell.value)\nimport pycel\n")
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "eval"]
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import)]
    assert calls and imports[0].names[0].name in FORMULA_ENGINES


def test_formulas_are_carried_as_text_never_computed(tmp_path):
    """A cell holding a formula that would be dangerous if evaluated stays inert text in the copy."""
    src = rich_xlsx(tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(src)
    wb["附表"]["G5"] = '=HYPERLINK("http://evil.invalid","__import__(\'os\').system(\'echo pwned\')")'
    wb["附表"]["G6"] = "__import__('os').system('touch " + str(tmp_path / "pwned") + "')"
    wb.save(src)
    out = tmp_path / "f_out.xlsx"
    _ok(*cli("score", str(src), "--write", str(out))[::2])
    assert not (tmp_path / "pwned").exists()
    wb2 = openpyxl.load_workbook(out)
    assert wb2["附表"]["G5"].value == wb["附表"]["G5"].value
    assert wb2["附表"]["G6"].value == wb["附表"]["G6"].value
