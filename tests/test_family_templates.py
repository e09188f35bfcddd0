"""Generated templates for the families beyond 附件2-1 and the national project form (pe_score.family_templates)."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from pe_score import family_templates as ft
from pe_score import templates
from scoring.profiles import load_profile
from tests.real.build import FORMS, grid, load
from workbook import fast, xlsx
from workbook.pipeline import score_workbook

ROOT = templates.REPO


def test_committed_files_are_what_the_code_builds():
    assert not templates.check(), "run python -m pe_score.templates"
    for rel in ft.outputs():
        assert (ROOT / rel).exists() and rel in templates.outputs()


def test_the_sichuan_blank_has_the_published_layout_and_profile_points():
    ws = ft.build_sichuan_project_form()[ft.SC_SHEET]
    assert ws["I1"].value == "报表编号：510000_0013zp" and ws["A2"].value.startswith("部门预算项目支出绩效自评表")
    assert [ws.cell(ft.SC_HEADER_ROW, c).value for c in range(2, 12)] == ft.SC_HEADER
    assert ws["G9"].value == load_profile("sichuan-project").budget.points == 10
    assert ws["A8"].value == "预算执行情况（10分）" and ws["F9"].value.startswith("=IF(")
    assert "A14:A24" in {str(r) for r in ws.merged_cells.ranges}


@pytest.mark.parametrize("reader", [xlsx, fast])
def test_the_sichuan_blank_is_recognised_as_its_family(reader):
    s = score_workbook(reader.read_grids(ROOT / ft.SC_FORM_PATH))
    assert s.profile.name == "sichuan-project" and s.reading.family.name == "sichuan-project"
    # a blank form: no budget figures (PE501), no indicators (PE308), the printed 填写说明 (PE917); nothing else
    assert {f.code for f in s.result.findings} <= {"PE501", "PE308", "PE917"}


@pytest.mark.parametrize("reader", [xlsx, fast])
def test_the_sichuan_example_scores_as_the_published_form(reader):
    s = score_workbook(reader.read_grids(ROOT / ft.SC_EXAMPLE_PATH))
    real = score_workbook([grid(load(FORMS / "sc_qingshen_fgj_gongzi_2023.toml"))])
    assert s.profile.name == real.profile.name == "sichuan-project"
    assert s.result.total == real.result.total and s.result.budget.score == real.result.budget.score == 10
    assert sorted((f.code, f.cell) for f in s.result.findings) == sorted((f.code, f.cell) for f in real.result.findings)
    assert {f.code for f in s.result.findings} == {"PE913", "PE917"}


def test_the_example_names_its_source():
    ws = load_workbook(ROOT / ft.SC_EXAMPLE_PATH)[ft.SC_SHEET]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("示例来源：") and "scqs.gov.cn" in t for t in texts)


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="soffice (LibreOffice) is not installed")
def test_libreoffice_opens_the_templates_and_computes_the_blank(tmp_path):
    src, out, profile = (tmp_path / n for n in ("src", "out", "profile"))
    src.mkdir()
    wb = ft.build_sichuan_project_form()
    ws = wb[ft.SC_SHEET]
    ws["D9"], ws["E9"] = 200, 180
    for r in range(ft.SC_FIRST_ROW, ft.SC_FIRST_ROW + 10):
        ws.cell(r, 9).value, ws.cell(r, 10).value = 8, 7
    wb.save(src / "filled.xlsx")
    for rel in ft.outputs():
        (src / rel.name).write_bytes((ROOT / rel).read_bytes())
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), *sorted(str(p) for p in src.glob("*.xlsx"))],
                   check=True, capture_output=True, timeout=180)
    books = {p.stem: load_workbook(p, data_only=True).active for p in out.glob("*.xlsx")}
    assert set(books) == {"filled", *(rel.stem for rel in ft.outputs())}
    filled = books["filled"]
    total = ft.SC_FIRST_ROW + 10
    assert filled["F9"].value == pytest.approx(0.9)
    assert filled.cell(total, 9).value == 10 + 80 and filled.cell(total, 10).value == 70  # H9 (typed) is empty
    assert books[ft.SC_EXAMPLE_PATH.stem]["D15"].value == "发放（缴纳）覆盖率"


@pytest.mark.parametrize("reader", [xlsx, fast])
def test_the_hubei_project_blank_is_recognised_as_its_family(reader):
    s = score_workbook(reader.read_grids(ROOT / ft.HB_FORM_PATH))
    assert s.profile.name == "hubei-project" and s.reading.family.name == "hubei-project"
    # no budget figures (PE501), no indicators (PE308), the form has no 分值 column (PE920, a hint)
    assert {f.code for f in s.result.findings} <= {"PE501", "PE308", "PE920"}


def test_the_hubei_project_blank_filled_in_scores_its_goal(tmp_path):
    wb = ft.build_hubei_project_form()
    ws = wb[ft.HB_SHEET]
    assert ws["A8"].value == "预算执行情况（万元）（20分）" and ws["A10"].value == "年度绩效目标1（80分）"
    ws["B9"], ws["C9"] = 10, 9  # 90% executed: 18 of 20
    ws["C12"], ws["D12"], ws["E12"], ws["F12"] = "补贴渔船数", 6, 6, 40
    ws["C17"], ws["D17"], ws["E17"], ws["F17"] = "群众满意度", "90%", "95%", 30
    wb.save(tmp_path / "filled.xlsx")
    s = score_workbook(xlsx.read_grids(tmp_path / "filled.xlsx"))
    assert s.profile.name == "hubei-project"
    assert s.result.budget.score == 18 and s.result.total == 18 + 70
    assert {f.code for f in s.result.findings} <= {"PE920"}


@pytest.mark.parametrize("reader", [xlsx, fast])
def test_the_anhui_department_blank_is_recognised_as_its_family(reader):
    s = score_workbook(reader.read_grids(ROOT / ft.AH_FORM_PATH))
    assert s.profile.name == "anhui-department" and s.reading.family.name == "anhui-department"
    assert {f.code for f in s.result.findings} <= {"PE501", "PE308"}


def test_the_anhui_department_blank_filled_in_scores(tmp_path):
    wb = ft.build_anhui_department_form()
    ws = wb[ft.AH_SHEET]
    assert ws["A4"].value.startswith("预算资金") and ws["A3"].value == "部门" and ws["D11"].value == "三级指标"
    ws["F6"], ws["G6"] = 100, 80  # 当年财政拨款: 80% executed, 8 of 10 typed
    ws["J5"] = 8
    ws["D12"], ws["E12"], ws["F12"], ws["G12"], ws["H12"] = "培训人次", "≥100人次", "120人次", 50, 50
    ws["D21"], ws["E21"], ws["F21"], ws["G21"], ws["H21"] = "群众满意度", "≥90%", "95%", 40, 40
    wb.save(tmp_path / "filled.xlsx")
    s = score_workbook(xlsx.read_grids(tmp_path / "filled.xlsx"))
    assert s.profile.name == "anhui-department"
    assert s.result.budget.score == 8 and s.result.total == 98


@pytest.mark.parametrize("reader", [xlsx, fast])
def test_the_chongqing_department_blank_is_recognised_as_its_family(reader):
    s = score_workbook(reader.read_grids(ROOT / ft.CQ_FORM_PATH))
    assert s.profile.name == "chongqing-department" and s.reading.family.name == "chongqing-department"
    # the form prints 自评总分 at the top, no 合计 row (PE907, a hint), as the published form
    assert {f.code for f in s.result.findings} <= {"PE501", "PE308", "PE907"}


def test_the_chongqing_department_blank_filled_in_scores(tmp_path):
    wb = ft.build_chongqing_department_form()
    ws = wb[ft.CQ_SHEET]
    assert [ws.cell(ft.CQ_HEADER_ROW, c).value for c in range(1, 11)] == ft.CQ_HEADER and ws["F5"].value == 10
    ws["C5"], ws["D5"], ws["G5"] = 100, 76, 7.6
    ws["A10"], ws["B10"], ws["C10"], ws["D10"], ws["F10"], ws["H10"], ws["I10"] = "预算完成率", "%", "定量指标", "70%", "76%", 50, 50
    ws["A11"], ws["B11"], ws["C11"], ws["D11"], ws["F11"], ws["H11"], ws["I11"] = "满意度", "%", "定量指标", "90%", "95%", 40, 40
    wb.save(tmp_path / "filled.xlsx")
    s = score_workbook(xlsx.read_grids(tmp_path / "filled.xlsx"))
    assert s.profile.name == "chongqing-department"
    assert s.result.budget.score == pytest.approx(7.6) and s.result.total == pytest.approx(97.6)


@pytest.mark.parametrize("reader", [xlsx, fast])
def test_the_score_table_blank_is_recognised_as_its_family(reader):
    s = score_workbook(reader.read_grids(ROOT / ft.ST_FORM_PATH))
    assert s.profile.name == "score-table" and s.reading.family.name == "score-table"
    assert {f.code for f in s.result.findings} <= {"PE308"}


def test_the_score_table_blank_filled_in_sums_its_scores(tmp_path):
    wb = ft.build_score_table_form()
    ws = wb[ft.ST_SHEET]
    assert [ws.cell(ft.ST_HEADER_ROW, c).value for c in range(1, 9)] == ft.ST_HEADER
    for r, (l1, l2, l3, pts, got) in enumerate((("决策（20分）", "目标设定", "绩效目标合理性", 20, 18),
                                                 ("过程（20分）", "资金管理", "资金使用合规性", 20, 20),
                                                 ("产出（30分）", "产出数量", "实际完成率", 30, 27),
                                                 ("效益（30分）", "社会效益", "满意度", 30, 28)), start=4):
        ws.cell(r, 2).value, ws.cell(r, 3).value, ws.cell(r, 4).value = l1, l2, l3
        ws.cell(r, 5).value, ws.cell(r, 8).value = pts, got
    wb.save(tmp_path / "filled.xlsx")
    s = score_workbook(xlsx.read_grids(tmp_path / "filled.xlsx"))
    assert s.profile.name == "score-table" and s.result.total == 93
