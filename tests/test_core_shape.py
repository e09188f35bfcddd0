"""The shape issue 8 asks of the core: functions that fit on a screen, no engine <-> checks cycle, a
Profile in and no file reached, and a scoring core that imports without pydantic."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 60


def _functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.end_lineno - node.lineno + 1


def test_no_function_in_scoring_or_workbook_is_longer_than_a_screen():
    long = []
    for folder in ("scoring", "workbook"):
        for path in sorted((ROOT / folder).rglob("*.py")):  # packages too (workbook/families)
            rel = path.relative_to(ROOT).as_posix()
            long += [(rel, name, n) for name, n in _functions(path) if n > MAX_LINES]
    assert long == []


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            out.add(("." * node.level) + (node.module or ""))
            out.update(("." * node.level) + a.name for a in node.names if node.module is None)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_checks_do_not_import_the_engine():
    assert not {".engine", "scoring.engine"} & _imports(ROOT / "scoring" / "checks.py")


def test_the_core_reads_no_file_and_takes_no_name():
    """Scoring a whole form and writing its report and formulas never imports the profile loader (the one
    module of scoring/ that reads files) nor tomllib; the profile is built from data by the caller."""
    code = (
        "import sys, json\n"
        "from scoring.settings import Profile\n"
        "from scoring.engine import score_form\n"
        "from scoring.report import result_json, explain_rows\n"
        "from scoring import formulas\n"
        "from tests.seed_form import seed_form\n"
        "p = Profile.model_validate(json.loads(sys.argv[1]))\n"
        "form = seed_form()\n"
        "r = score_form(form, p)\n"
        "result_json(r, p); explain_rows(form, r, p); formulas.total('H8', ['I10'], 'I57', 'H57', ['H8'], p)\n"
        "assert round(r.total) == 97, r.total\n"
        "loaded = [m for m in ('scoring.profiles', 'tomllib', 'tomli') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    from scoring.profiles import load_profile

    data = load_profile("hubei-2-1").model_dump_json()
    out = subprocess.run([sys.executable, "-c", code, data], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("call", ["score_form", "score_indicator", "score_budget", "grade_for", "result_json"])
def test_a_profile_name_is_refused_by_the_core(call):
    from scoring import engine, report
    from tests.seed_form import seed_form

    form = seed_form()
    fn = {"score_form": lambda p: engine.score_form(form, p),
          "score_indicator": lambda p: engine.score_indicator(form.goals[0].indicators[0], p),
          "score_budget": lambda p: engine.score_budget(100, 90, 20, p),
          "grade_for": lambda p: engine.grade_for(97, p),
          "result_json": lambda p: report.result_json(None, p)}[call]
    with pytest.raises(TypeError, match="Profile"):
        fn("hubei-2-1")


def test_importing_the_scoring_core_does_not_import_pydantic():
    """Deferred models: the engine, the readings, the parser and the rules import without pydantic,
    which alone costs several times an empty interpreter start (bench/score.py measures the import)."""
    code = ("import sys\nimport scoring.engine, scoring.readings, scoring.totals, scoring.formulas\n"
            "assert 'pydantic' not in sys.modules, 'pydantic imported'\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
