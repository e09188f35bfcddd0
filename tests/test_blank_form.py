"""The blank 附件2-1 template is quiet: scoring it says "fill in the indicators" without noise.

Printing the blank form (page breaks, the grade row never alone) is checked in LibreOffice by
tests/test_templates_libreoffice.py.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pe_score import templates as t
from pe_score.cli import main
from scoring.profiles import load_profile
from workbook.grid import Grid, parse_a1
from workbook.pipeline import score_grid

ROOT = Path(__file__).resolve().parents[1]
BLANK = ROOT / "templates" / "form_2-1.xlsx"
P = load_profile("hubei-2-1")


def _codes(scored):
    return [f.code for f in list(scored.form.findings) + list(scored.result.findings)]


def test_blank_form_gives_no_duplicate_title_findings():
    scored = score_grid(t.blank_grid(), P)
    codes = _codes(scored)
    assert "PE305" not in codes, codes
    # what it does say: there is nothing to score yet, and the budget is missing
    assert "PE308" in codes and "PE501" in codes
    assert len(scored.form.goals) == 3


def test_placeholder_titles_with_points_are_no_duplicates_but_real_titles_are():
    from scoring.checks import check_duplicate_goals
    from tests.seed_form import form_of, row

    form = form_of(row("培训人数", 2, "10人", "10人", 2))
    goal = form.goals[0]
    copies = [goal.model_copy(update={"title": f"年度目标{i}：（{p}分）"}) for i, p in ((1, 10), (2, 10), (3, " "))]
    form.goals = copies
    assert check_duplicate_goals(form, None, P) == []
    form.goals = [goal.model_copy(update={"title": f"年度目标{i}：促进就业。（10分）"}) for i in (1, 2)]
    assert [f.code for f in check_duplicate_goals(form, None, P)] == ["PE305"]


def test_cli_json_of_the_committed_blank_form(capsys):
    rc = main(["score", str(BLANK), "--json"])
    report = json.loads(capsys.readouterr().out)
    codes = [i["code"] for i in report["issues"]]
    assert rc == 1 and "PE305" not in codes and "PE308" in codes


def _typed_subtotals(grid: Grid) -> Grid:
    """The blank form as a unit might retype it: subtotals as plain 0, no formulas at all."""
    values = [list(r) for r in grid.values]
    for (r, c), text in grid.formulas.items():
        if text.startswith("=IF(COUNT(I") and c == 9:
            values[r - 1][c - 1] = 0
    return Grid(name=grid.name, values=values, merged=grid.merged, formulas={})


def test_empty_subtotals_are_written_blank_not_0():
    scored = score_grid(_typed_subtotals(t.blank_grid()), P)
    written = {(b.row + i, b.col): v for b in scored.plan.blocks for i, (v,) in enumerate(b.values)}
    subtotals = [parse_a1(g.subtotal_cell) for g in scored.form.goals]
    assert subtotals and all(written.get(rc, "missing") is None for rc in subtotals), written
    # 评分说明 says so too
    rows = [r for r in scored.plan.explain_rows if len(r) > 5 and r[1] == "小计"]
    assert len(rows) == 3 and all(r[5] == "" for r in rows)


def test_a_goal_with_scores_keeps_its_subtotal():
    scored = score_grid(t.example_grid(), P)
    rows = [r for r in scored.plan.explain_rows if len(r) > 5 and r[1] == "小计"]
    assert rows and all(isinstance(r[5], float) for r in rows)


def test_written_copy_of_the_blank_form_keeps_blank_subtotals(tmp_path):
    src = tmp_path / "blank.xlsx"
    shutil.copy(BLANK, src)
    out = tmp_path / "scored.xlsx"
    rc = main(["score", str(src), "--write", str(out)])
    assert rc == 1 and out.exists()
    ws = load_workbook(out)[t.SHEET]
    goals = [c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("年度目标")]
    for r in goals:  # the template's formulas stay in charge, and they show blank while empty
        assert str(ws.cell(r, 9).value).startswith('=IF(COUNT(I'), ws.cell(r, 9).value
    explain = load_workbook(out)["评分说明"]
    subtotal_scores = [row[5] for row in explain.iter_rows(values_only=True) if len(row) > 5 and row[1] == "小计"]
    assert subtotal_scores == [None, None, None]


def test_cli_table_shows_blank_subtotals_for_empty_goals(capsys):
    main(["score", str(BLANK)])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if "年度目标" in line and "小计" in line]
    assert len(rows) == 3 and all(line.split("小计")[1].split()[0] == "—" for line in rows), rows
    main(["score", str(ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx")])
    out = capsys.readouterr().out
    assert any(line.split("小计")[1].split()[0] == "18" for line in out.splitlines() if "小计" in line)
