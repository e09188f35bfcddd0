"""One table, every surface: the template's formulas (LibreOffice), scoring.totals, the engine, =PE_TOTAL.

The cases are in tests/totals_cases.py, each with the total and grade worked out by hand. The
LibreOffice part recalculates every case's workbook in one soffice run and needs the cached values
to equal the Python functions' results over the same cells; the rest runs everywhere.
"""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin import functions as F
from pe_score import templates as t
from scoring import totals
from scoring.profiles import load_profile
from tests.totals_cases import CASES, Case
from workbook.pipeline import score_workbook
from workbook.xlsx import read_grids

P = load_profile("hubei-2-1")
EXAMPLE_BYTES = t.workbook_bytes(t.build_example())
GOAL_ROWS = [10, 20, 29, 37, 43, 49, 54]
CONSTRAINT_ROW, TOTAL_ROW, GRADE_ROW = 57, 58, 59


def _workbook(case: Case):
    wb = load_workbook(io.BytesIO(EXAMPLE_BYTES))
    ws = wb[t.SHEET]
    assert ws.cell(CONSTRAINT_ROW, 1).value == "约束性指标" and ws.cell(TOTAL_ROW, 1).value == "合计"
    for ref, value in case.cells.items():
        ws[ref].value = value
    return wb


def _python(ws) -> tuple:
    """scoring.totals over the input cells of one sheet: (budget score, subtotals, Totals)."""
    budget = totals.budget_score(ws["E8"].value, ws["F8"].value, P.budget.points, P.budget.cap)
    ends = GOAL_ROWS[1:] + [CONSTRAINT_ROW]
    goals = [[ws.cell(r, 9).value for r in range(a + 1, b)] for a, b in zip(GOAL_ROWS, ends)]
    t_ = totals.form_totals(budget, goals, ws.cell(CONSTRAINT_ROW, 9).value,
                            ws.cell(CONSTRAINT_ROW, 8).value, P)
    return budget, t_


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_python_rules_give_the_hand_worked_results(case):
    _, t_ = _python(_workbook(case)[t.SHEET])
    if case.total is None:
        assert t_.total is None and t_.grade == ""
    else:
        assert t_.total == pytest.approx(case.total) and t_.grade == case.grade


@pytest.mark.parametrize("case", [c for c in CASES if c.engine], ids=[c.name for c in CASES if c.engine])
def test_the_engine_reading_the_same_workbook_agrees(case, tmp_path):
    path = tmp_path / "case.xlsx"
    _workbook(case).save(path)
    r = score_workbook(read_grids(path)).result
    assert r.total == pytest.approx(case.total) and r.grade == case.grade


@pytest.mark.parametrize("case", [c for c in CASES if c.total is not None and "I26" not in c.cells],
                         ids=[c.name for c in CASES if c.total is not None and "I26" not in c.cells])
def test_pe_total_and_pe_grade_agree(case):
    ws = _workbook(case)[t.SHEET]
    budget, t_ = _python(ws)
    total = F.PE_TOTAL(budget if budget is not None else 0, [[s] for s in t_.subtotals],
                       [[ws.cell(CONSTRAINT_ROW, 8).value, ws.cell(CONSTRAINT_ROW, 9).value]])
    assert total == pytest.approx(case.total)
    assert F.PE_GRADE(total) == case.grade


def test_pe_total_refuses_text_among_the_scores():
    with pytest.raises(F.PEValueError):
        F.PE_TOTAL(20, [[18], ["3"]])


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """Every case's workbook, recalculated by LibreOffice in one run, read back with cached values."""
    if shutil.which("soffice") is None:
        pytest.skip("soffice (LibreOffice) is not installed")
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("out")
    profile = tmp_path_factory.mktemp("profile")
    for case in CASES:
        _workbook(case).save(src / f"{case.name}.xlsx")
    files = sorted(str(p) for p in src.glob("*.xlsx"))
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), *files],
                   check=True, capture_output=True, timeout=600)
    return {p.stem: load_workbook(p, data_only=True)[t.SHEET] for p in Path(out).glob("*.xlsx")}


def _blank(v) -> bool:
    return v is None or v == ""


@pytest.mark.libreoffice
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_template_formulas_in_libreoffice_equal_the_python_rules(case, recalculated):
    lo = recalculated[case.name]
    budget, t_ = _python(_workbook(case)[t.SHEET])
    if budget is None:
        assert _blank(lo["H8"].value)
    else:
        assert lo["H8"].value == pytest.approx(budget)
    # (LibreOffice leaves the cached value of some zero results out; openpyxl reads None)
    assert [lo.cell(r, 9).value or 0 for r in GOAL_ROWS] == pytest.approx(list(t_.subtotals))
    total, grade = lo.cell(TOTAL_ROW, 9).value, lo.cell(GRADE_ROW, 9).value
    if t_.total is None:
        assert _blank(total) and _blank(grade)
    else:
        assert total == pytest.approx(round(t_.total, P.digits), abs=1e-9)
        assert grade == t_.grade
    assert (None if _blank(total) else total) == (None if case.total is None else pytest.approx(round(case.total, 2)))
