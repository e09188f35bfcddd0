"""The project-style total (budget score + indicator scores, blank until one holds a number) is one rule
with two faces: ``scoring.totals.budget_plus_scores`` and the Excel formula the project templates carry,
``scoring.formulas.budget_plus_scores``. LibreOffice runs the formula and Python the function over one
table of cases; the two must agree, and both must give the hand-worked result."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from scoring import formulas, totals

# (name, budget cell, score cells, hand-worked total; None = blank)
CASES = [
    ("all_numbers", 10, [30, 17.78, 30, 10], 97.78),
    ("budget_only", 9.5, [None, None], 9.5),
    ("scores_only", None, [30, 20], 50),
    ("nothing_typed", None, [None, None, None], None),
    ("text_score_counts_nothing", 10, [30, "20", 10], 50),
    ("text_budget_counts_nothing", "10", [30, 20], 50),
    ("only_text", "10", ["30"], None),
    ("negative_and_zero", 0, [-2, 5], 3),
    ("empty_string_cells", "", ["", 40], 40),
]
FIRST = 2


def _sheet_of(ws, budget, scores) -> None:
    ws["A1"] = budget
    for i, s in enumerate(scores):
        ws.cell(FIRST + i, 1, s)
    last = FIRST + len(scores) - 1
    ws["C1"] = formulas.budget_plus_scores("A1", f"A{FIRST}", f"A{last}")


@pytest.mark.parametrize("name,budget,scores,want", CASES, ids=[c[0] for c in CASES])
def test_python_rule_gives_the_hand_worked_total(name, budget, scores, want):
    got = totals.budget_plus_scores(budget, scores)
    assert got == (None if want is None else pytest.approx(want))


@pytest.mark.libreoffice
def test_libreoffice_runs_the_formula_to_the_same_totals(tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("soffice (LibreOffice) is not installed")
    wb = Workbook()
    wb.remove(wb.active)
    for name, budget, scores, _ in CASES:
        _sheet_of(wb.create_sheet(name[:31]), budget, scores)
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    wb.save(src / "cases.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(src / "cases.xlsx")],
                   check=True, capture_output=True, timeout=300)
    recalculated = load_workbook(Path(out) / "cases.xlsx", data_only=True)
    for name, budget, scores, _ in CASES:
        lo = recalculated[name[:31]]["C1"].value
        py = totals.budget_plus_scores(budget, scores)
        if py is None:
            assert lo in (None, ""), name
        else:
            assert lo == pytest.approx(py), name
