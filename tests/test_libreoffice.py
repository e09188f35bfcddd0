"""Real applications agree: every file pe-score writes opens in LibreOffice, and LibreOffice's own
recalculation of the native formulas gives the engine's subtotals, budget score, total and grade.

All files are produced through the command line (``pe-score new``, ``score --write``, ``check --summary``)
and converted in ONE headless soffice run with a private profile. Skipped only when soffice is absent
(.ci/run installs libreoffice-calc-nogui when it is missing).
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.corpus.build import build as build_corpus
from tests.corpus.run import ROOT, cli

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.slow,  # ~15 CLI runs and one soffice run: about half a minute
    pytest.mark.skipif(shutil.which("soffice") is None, reason="soffice (LibreOffice) is not installed"),
]

from workbook import pipeline  # noqa: E402

import openpyxl  # noqa: E402

from workbook import xlsx  # noqa: E402

GRADES = ("优", "良", "中", "差")


def _variant(example: Path, out: Path, edit) -> Path:
    wb = openpyxl.load_workbook(example)
    ws = wb.worksheets[0]
    rows = {c.value: c.row for c in ws["A"] if isinstance(c.value, str)}
    edit(ws, rows)
    wb.save(out)
    return out


def _edits():
    def capped(ws, rows):
        ws.cell(rows["约束性指标"], 8).value = "存在审计等部门重点披露的问题"

    def deducted(ws, rows):
        ws.cell(rows["约束性指标"], 8).value = "无"
        ws.cell(rows["约束性指标"], 9).value = -3

    def partial(ws, rows):
        ws["F8"].value = 9065.403  # 90% of the budget executed
        ws["H11"].value = "2.8万人"  # 80% of 3.5万人: the engine computes 1.6 where 2 was typed
        ws["H21"].value = "50万人"  # below 57.89万人

    def reverse_missed(ws, rows):
        ws["H19"].value = "5.4%"  # 城镇登记失业率 target 4.5%以内: a missed ceiling

    return {"capped": capped, "deducted": deducted, "partial": partial, "reverse_missed": reverse_missed}


@pytest.fixture(scope="module")
def lo(tmp_path_factory):
    """Write every kind of output through the CLI, convert them all in one soffice run."""
    src = tmp_path_factory.mktemp("lo_src")
    written = tmp_path_factory.mktemp("lo_written")
    out = tmp_path_factory.mktemp("lo_out")
    profile = tmp_path_factory.mktemp("lo_profile")

    files: dict[str, Path] = {}
    for name, args in (("new_blank", []), ("new_example", ["--example"])):
        p = written / f"{name}.xlsx"
        rc, _, err, _ = cli("new", "-o", str(p), *args)
        assert rc == 0, err
        files[name] = p
    files["committed_form"] = shutil.copy(ROOT / "templates" / "form_2-1.xlsx", written / "committed_form.xlsx")
    files["committed_example"] = shutil.copy(ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx",
                                             written / "committed_example.xlsx")

    inputs = {"example": files["new_example"]}
    for name, edit in _edits().items():
        inputs[name] = _variant(files["new_example"], src / f"{name}.xlsx", edit)
    for e, p in build_corpus(src / "corpus", only={"form_offset.xlsx", "form_third_sheet.xlsx",
                                                   "weights_text.xlsx", "merged_everywhere.xlsx"}):
        inputs[p.stem] = p

    scored: dict[str, Path] = {}
    for name, p in inputs.items():
        target = written / f"scored_{name}.xlsx"
        rc, _, err, _ = cli("score", str(p), "--write", str(target))
        assert rc in (0, 1), f"{name}: {err}"
        scored[name] = files[f"scored_{name}"] = target

    summary = written / "summary.xlsx"
    rc, _, err, _ = cli("check", str(src), "--summary", str(summary))
    assert rc in (0, 1), err
    files["summary"] = summary

    paths = sorted(str(p) for p in files.values())
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx", "--outdir", str(out), *paths],
        capture_output=True, timeout=300,
    )
    return {"files": files, "scored": scored, "out": out, "proc": proc}


def _converted(lo, name: str) -> Path:
    return lo["out"] / lo["files"][name].name


def test_every_written_file_opens_in_libreoffice(lo):
    assert lo["proc"].returncode == 0, lo["proc"].stderr.decode("utf-8", "replace")
    missing = [n for n in lo["files"] if not _converted(lo, n).exists()]
    assert not missing, f"LibreOffice could not open: {missing}\n{lo['proc'].stderr.decode('utf-8', 'replace')}"
    for name in lo["files"]:
        wb = openpyxl.load_workbook(_converted(lo, name), data_only=True)
        assert wb.sheetnames, name


def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


@pytest.mark.parametrize("name", ["example", *list(_edits()), "form_offset", "form_third_sheet",
                                  "weights_text", "merged_everywhere"])
def test_libreoffice_recalculation_agrees_with_the_engine(lo, name):
    """Subtotals, budget score, total and grade recalculated by LibreOffice from the scored copy's
    native formulas equal the engine's result for that copy."""
    scored_copy = lo["scored"][name]
    s = pipeline.score_workbook(xlsx.read_grids(scored_copy))
    res, form = s.result, s.form
    ws = openpyxl.load_workbook(_converted(lo, f"scored_{name}"), data_only=True)[form.sheet]
    formulas = openpyxl.load_workbook(scored_copy)[form.sheet]

    def lo_value(ref):
        return ws[ref].value

    checked = 0
    for g in res.goals:
        if g.subtotal_cell:
            v = _num(lo_value(g.subtotal_cell))
            assert v is not None and abs(v - g.score) < 0.01, (g.title, g.subtotal_cell, v, g.score)
            checked += 1
    if res.budget.cell:
        v = _num(lo_value(res.budget.cell))
        assert v is not None and abs(v - res.budget.score) < 0.01, (res.budget.cell, v, res.budget.score)
        checked += 1
    assert form.total_cell, "the reader found no total cell"
    v = _num(lo_value(form.total_cell))
    assert v is not None and abs(v - res.total) < 0.01, (form.total_cell, v, res.total)
    if form.grade_cell:
        assert lo_value(form.grade_cell) == res.grade
    if form.claimed_total_cell and isinstance(formulas[form.claimed_total_cell].value, str):
        assert abs(_num(lo_value(form.claimed_total_cell)) - res.total) < 0.01
    assert checked >= 2
    # the engine's result for the scored copy equals its result for the original input
    rc, out, err, _ = cli("score", str(scored_copy), "--json")
    assert rc in (0, 1), err
    data = json.loads(out)
    assert abs(data["total"] - res.total) <= 0.005 + 1e-9 and data["grade"] == res.grade  # JSON shows 2 dp


@pytest.mark.parametrize("reader", ["fast", "xlsx"])
def test_files_saved_by_libreoffice_score_the_same(lo, reader):
    """The other direction: a workbook saved by a real application (LibreOffice's own xlsx, with its
    shared strings and cached formula results) passes check_file and scores as the original did."""
    import importlib

    from workbook.safety import check_file

    read = importlib.import_module(f"workbook.{reader}").read_grids
    for name, scored_copy in lo["scored"].items():
        ours = pipeline.score_workbook(xlsx.read_grids(scored_copy)).result
        converted = _converted(lo, f"scored_{name}")
        check_file(converted)
        theirs = pipeline.score_workbook(read(converted)).result
        assert abs(theirs.total - ours.total) < 0.01 and theirs.grade == ours.grade, (name, theirs.total, ours.total)
        assert [round(g.score, 2) for g in theirs.goals] == [round(g.score, 2) for g in ours.goals], name


def test_expected_totals(lo):
    """The variants really exercise the cap, the deduction and computed scores."""
    totals = {n: pipeline.score_workbook(xlsx.read_grids(p)).result for n, p in lo["scored"].items()}
    assert round(totals["example"].total, 2) == 97 and totals["example"].grade == "优"
    assert totals["capped"].capped and totals["capped"].total == 60
    assert round(totals["deducted"].total, 2) == 94
    assert totals["partial"].total < 95 and totals["reverse_missed"].total < 97


def test_committed_templates_recalculate_as_the_engine_scores_them(lo):
    res = pipeline.score_workbook(xlsx.read_grids(lo["files"]["committed_example"]))
    ws = openpyxl.load_workbook(_converted(lo, "committed_example"), data_only=True)[res.form.sheet]
    assert ws[res.form.total_cell].value == pytest.approx(res.result.total, abs=0.01)
    assert ws[res.form.grade_cell].value == res.result.grade
    blank = openpyxl.load_workbook(_converted(lo, "committed_form"), data_only=True)
    assert blank.sheetnames


@pytest.fixture(scope="module")
def corpus_copies(tmp_path_factory):
    """Scored copies of every corpus workbook the tool scores (odd layouts, odd values), converted by
    LibreOffice in one run."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.corpus.build import ENTRIES

    names = {e.name for e, _ in ENTRIES
             if e.expect in ("score", "any") and not e.heavy and e.name.endswith((".xlsx", ".xlsm"))}
    src = tmp_path_factory.mktemp("lo_corpus")
    written = tmp_path_factory.mktemp("lo_corpus_written")
    out = tmp_path_factory.mktemp("lo_corpus_out")
    profile = tmp_path_factory.mktemp("lo_corpus_profile")
    files = build_corpus(src, only=names)

    def write(item):
        _, p = item
        target = written / f"scored_{p.name}"
        rc, _, err, _ = cli("score", str(p), "--write", str(target))
        return p.name, rc, err, target

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(write, files))
    copies = {name: target for name, rc, _, target in results if rc in (0, 1) and target.exists()}
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx", "--outdir", str(out), *sorted(str(p) for p in copies.values())],
        capture_output=True, timeout=600,
    )
    return copies, out, proc


def test_libreoffice_opens_every_scored_copy_of_the_corpus(corpus_copies):
    copies, out, proc = corpus_copies
    assert len(copies) >= 30, sorted(copies)
    problems = []
    for name, copy in sorted(copies.items()):
        converted = out / f"{copy.stem}.xlsx"  # --convert-to xlsx renames .xlsm
        if not converted.exists():
            problems.append(f"{name}: LibreOffice could not open the scored copy")
            continue
        theirs = openpyxl.load_workbook(converted, read_only=True).sheetnames
        ours = openpyxl.load_workbook(copy, read_only=True).sheetnames
        if theirs != ours:
            problems.append(f"{name}: sheets {ours} came back as {theirs}")
    assert not problems, "\n".join(problems) + "\n" + proc.stderr.decode("utf-8", "replace")[-2000:]
