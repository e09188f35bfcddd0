"""The 财预〔2020〕10号 project form template and its example (pe_score.project_template)."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from pe_score import project_template as pt
from pe_score import templates
from scoring.profiles import load_profile
from workbook import fast, xlsx
from workbook.pipeline import score_workbook

ROOT = templates.REPO


def test_committed_files_are_what_the_code_builds():
    assert not templates.check(), "run python -m pe_score.templates"
    assert (ROOT / pt.FORM_PATH).exists() and (ROOT / pt.EXAMPLE_PATH).exists()


def test_the_blank_form_has_the_national_layout_and_profile_points():
    ws = pt.build_project_form()[pt.SHEET]
    assert ws["A2"].value == "项目支出绩效自评表" and ws["A6"].value.startswith("项目资金")
    assert [ws.cell(6, c).value for c in range(5, 11)] == ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    assert [ws.cell(pt.HEADER_ROW, c).value for c in range(2, 10)] == [
        "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    assert ws["H7"].value == load_profile("national-project").budget.points == 10
    labels = {ws.cell(r, 2).value for r in range(pt.FIRST_ROW, pt.FIRST_ROW + 10)} - {None}
    assert labels == {"产出指标（50分）", "效益指标（30分）", "满意度指标（10分）"}
    assert ws["J7"].value.startswith("=IF(") and "MIN(H7,H7*I7)" in ws["J7"].value


@pytest.mark.parametrize("reader", [xlsx, fast])
def test_the_blank_form_is_recognised_and_quiet(reader):
    s = score_workbook(reader.read_grids(ROOT / pt.FORM_PATH))
    assert s.profile.name == "national-project" and s.reading.family.name == "national-project"
    assert {f.code for f in s.result.findings} <= {"PE501", "PE308"}


@pytest.mark.parametrize("reader", [xlsx, fast])
def test_the_example_reads_as_published_with_its_mistakes(reader):
    s = score_workbook(reader.read_grids(ROOT / pt.EXAMPLE_PATH))
    assert s.profile.name == "national-project"
    assert s.result.budget.score == 10 and s.result.total == 100
    codes = [f.code for f in s.result.findings]
    assert codes.count("PE911") == 6 and "PE302" in codes
    assert "PE912" not in codes  # the 年度资金总额 row is a SUM formula, not a forgotten row


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """The blank form filled by hand (openpyxl), the example, recalculated by LibreOffice."""
    src, out, profile = (tmp_path_factory.mktemp(n) for n in ("src", "out", "profile"))
    wb = pt.build_project_form()
    ws = wb[pt.SHEET]
    ws["E8"], ws["F8"], ws["G8"] = 120, 100, 90  # 全年 100, executed 90 -> 90%
    ws["E9"], ws["F9"], ws["G9"] = None, 20, 18  # carried over: total 120 / 108
    for r in range(pt.FIRST_ROW, pt.FIRST_ROW + 10):
        ws.cell(r, 4).value = f"指标{r}"
        ws.cell(r, 7).value = 9
        ws.cell(r, 8).value = 8
    wb.save(src / "filled.xlsx")
    (src / "example.xlsx").write_bytes((ROOT / pt.EXAMPLE_PATH).read_bytes())
    (src / "blank.xlsx").write_bytes((ROOT / pt.FORM_PATH).read_bytes())
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), *sorted(str(p) for p in src.glob("*.xlsx"))],
                   check=True, capture_output=True, timeout=180)
    return {p.stem: load_workbook(p, data_only=True)[pt.SHEET] for p in out.glob("*.xlsx")}


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="soffice (LibreOffice) is not installed")
def test_libreoffice_computes_the_funds_block_and_the_total(recalculated):
    ws = recalculated["filled"]
    assert (ws["E7"].value, ws["F7"].value, ws["G7"].value) == (120, 120, 108)
    assert ws["I7"].value == pytest.approx(0.9) and ws["J7"].value == 9
    total = pt.FIRST_ROW + 10
    assert ws.cell(total, 7).value == 100  # 10 + 10 × 9
    assert ws.cell(total, 8).value == 89  # 9 + 10 × 8


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="soffice (LibreOffice) is not installed")
def test_libreoffice_opens_the_blank_form_and_the_example(recalculated):
    blank = recalculated["blank"]
    assert blank["A2"].value == "项目支出绩效自评表"
    assert blank["J7"].value in (None, "")  # nothing to compute yet
    example = recalculated["example"]
    assert example["I7"].value == pytest.approx(1.0) and example["J7"].value == 10
    total = pt.FIRST_ROW + len(pt.example_data()["rows"])
    assert example.cell(total, 8).value == 100  # the published figure, kept as typed


def test_the_example_is_the_real_form_of_the_corpus():
    from tests.real.build import load

    real = load(ROOT / "tests" / "real" / "forms" / "sc_zhongjiang_slj_biaochi_2022.toml")
    data = pt.example_data()
    assert data["source"] == real.source
    names = {r["name"] for r in data["rows"] if r["name"]}
    assert names <= {v for v in real.cells.values() if isinstance(v, str)}
