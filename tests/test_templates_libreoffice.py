"""The template's native formulas, recalculated by a real spreadsheet program (LibreOffice)."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from pe_score import templates as t
from pe_score.example_data import EXPECTED_GOAL_SCORES

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="soffice (LibreOffice) is not installed"),
]


def _rows(ws):
    col_a = {c.value: c.row for c in ws["A"] if isinstance(c.value, str)}
    goals = [c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("年度目标")]
    return goals, col_a["约束性指标"], col_a["合计"], col_a["评价等级"]


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """Variants written with openpyxl, converted in one soffice run, read back with cached values."""
    src = tmp_path_factory.mktemp("src")
    out = tmp_path_factory.mktemp("out")
    profile = tmp_path_factory.mktemp("profile")
    (src / "example.xlsx").write_bytes(t.workbook_bytes(t.build_example()))
    (src / "blank.xlsx").write_bytes(t.workbook_bytes(t.build_form()))
    for name, actual, score in (("capped", "存在审计等部门重点披露的问题", "—"),
                                ("harm", "本年度造成重大不良社会影响", None),
                                ("deducted", "无", -3),
                                ("partial", "—", "—")):
        wb = load_workbook(src / "example.xlsx")
        ws = wb[t.SHEET]
        _, cr, _, _ = _rows(ws)
        ws.cell(cr, 8).value, ws.cell(cr, 9).value = actual, score
        if name == "partial":  # budget 90% executed and a lower indicator score
            ws["F8"].value = 9065.403
            ws["I11"].value = 1.5
        wb.save(src / f"{name}.xlsx")
    files = sorted(str(p) for p in src.glob("*.xlsx"))
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), *files],
                   check=True, capture_output=True, timeout=180)
    return {p.stem: load_workbook(p, data_only=True)[t.SHEET] for p in out.glob("*.xlsx")}


def test_example_recalculates_to_97(recalculated):
    ws = recalculated["example"]
    goals, _, tr, gr = _rows(ws)
    assert [ws.cell(r, 9).value for r in goals] == EXPECTED_GOAL_SCORES
    assert ws["G8"].value == pytest.approx(1.0) and ws["H8"].value == 20
    assert ws.cell(tr, 9).value == 97 and ws.cell(gr, 9).value == "优"
    assert ws["J4"].value == 97


def test_constraint_text_caps_the_total_at_60(recalculated):
    for name in ("capped", "harm"):
        ws = recalculated[name]
        _, _, tr, gr = _rows(ws)
        assert ws.cell(tr, 9).value == 60, name
        # J4 keeps the unit's claimed 97; the checks report the difference
        assert ws.cell(gr, 9).value == "中" and ws["J4"].value == 97


def test_negative_score_is_a_deduction(recalculated):
    ws = recalculated["deducted"]
    _, _, tr, gr = _rows(ws)
    assert ws.cell(tr, 9).value == 94 and ws.cell(gr, 9).value == "优"


def test_partial_budget_and_rounding(recalculated):
    ws = recalculated["partial"]
    goals, _, tr, gr = _rows(ws)
    assert ws["G8"].value == pytest.approx(0.9)
    assert ws["H8"].value == pytest.approx(18.0)
    assert ws.cell(goals[0], 9).value == 17.5
    assert ws.cell(tr, 9).value == pytest.approx(94.5) and ws.cell(gr, 9).value == "优"


def test_blank_form_computes_without_errors(recalculated):
    ws = recalculated["blank"]
    goals, _, tr, gr = _rows(ws)
    assert ws["G8"].value in (None, "") and ws["H8"].value in (None, "")
    # nothing scored under a goal: its subtotal is blank, not 0
    assert [ws.cell(r, 9).value for r in goals] == [None, None, None]
    # nothing scored yet: no total and no grade (not 0 / 差)
    assert ws.cell(tr, 9).value in (None, "") and ws.cell(gr, 9).value in (None, "")


def test_a_goal_with_one_score_shows_its_subtotal(recalculated):
    ws = recalculated["partial"]
    goals, _, _, _ = _rows(ws)
    assert all(isinstance(ws.cell(r, 9).value, (int, float)) for r in goals)


# ---- printing: LibreOffice prints the forms to PDF, pdftotext reads each page ----------------


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    src = tmp_path_factory.mktemp("print_src")
    out = tmp_path_factory.mktemp("print_out")
    profile = tmp_path_factory.mktemp("print_profile")
    books = {"blank": t.build_form(), "example": t.build_example()}
    for name, wb in books.items():
        (src / f"{name}.xlsx").write_bytes(t.workbook_bytes(wb))
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), *sorted(str(p) for p in src.glob("*.xlsx"))],
                   check=True, capture_output=True, timeout=180)
    pages = {}
    for name, wb in books.items():
        text = subprocess.run(["pdftotext", "-layout", str(out / f"{name}.pdf"), "-"], check=True,
                              capture_output=True, text=True).stdout
        pages[name] = ([p for p in text.split("\f") if p.strip()], len(wb[t.SHEET].row_breaks.brk))
    return pages


@pytest.mark.parametrize("name", ["blank", "example"])
def test_printing_follows_the_generated_page_breaks(printed, name):
    pages, breaks = printed[name]
    # one printed page per generated break + 1: no extra breaks, and no column spilled onto its own page
    assert len(pages) == breaks + 1, len(pages)
    for i, page in enumerate(pages, 1):
        # full width (the last column is on the page) and the header row repeated; the header may wrap
        assert "一级指标" in page and "偏差原因" in page, i
        assert f"第 {i} 页，共 {len(pages)} 页" in page


@pytest.mark.parametrize("name", ["blank", "example"])
def test_the_grade_row_never_prints_alone(printed, name):
    pages, _ = printed[name]
    with_grade = [p for p in pages if "评价等级" in p.split("填表说明")[0]]
    assert len(with_grade) == 1
    assert "合计" in with_grade[0] and "约束性指标" in with_grade[0] and "资金管理" in with_grade[0]
    assert "填表说明" in pages[-1]
