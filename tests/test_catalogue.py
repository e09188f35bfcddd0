"""The findings catalogue, its pages in docs/findings/, and one fixture per code that produces it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoring import load_profile, score_form
from scoring.findings import CATALOGUE, make
from scoring.models import Budget, Level1Label
from tests.seed_form import TIERS_STANDARD, form_of, row, seed_form

DOCS = Path(__file__).resolve().parent.parent / "docs" / "findings"
P = load_profile("hubei-2-1")


def _with(form, fn):
    fn(form)
    return form


def _seed(fn):
    return _with(seed_form(), fn)


# code -> (form, profile): scoring the form must produce the code.
FIXTURES = {
    "PE101": lambda: form_of(row("培训人数", 2, "", "10人", 2)),
    "PE102": lambda: form_of(row("培训人数", 2, "10人", "很多", 2)),
    "PE103": lambda: form_of(row("培训人数", 2, "10万人", "12", 2)),
    "PE104": lambda: form_of(row("培训人数", 2, "100人", "培训115人，带动就业682人", 2)),
    "PE105": lambda: form_of(row("培训人数", 2, "90%", "1", 2)),
    "PE106": lambda: form_of(row("培训人数", 2, "10人", "-1人", 0, reason="r")),
    "PE107": lambda: form_of(row("培训人数", 2, "10人", "10人", 2, description="共 12人")),
    "PE108": lambda: form_of(row("培训人数", 2, "10人", "10元", 2)),
    "PE201": lambda: form_of(row("培训人数", 2, "10人", "10人", 3)),
    "PE202": lambda: form_of(row("培训人数", 2, "10人", "5人", 2)),
    "PE203": lambda: form_of(row("培训人数", 2, "10人", "10人", "满分")),
    "PE204": lambda: form_of(row("培训人数", 2, "做好", "做好", None, standard=TIERS_STANDARD)),
    "PE205": lambda: form_of(row("培训人数", 10, "做好", "部分完成", 10, standard=TIERS_STANDARD)),
    "PE206": lambda: form_of(row("培训人数", 2, "0起", "2起", 0, reason="r")),
    "PE207": lambda: form_of(row("培训人数", 2, "加强宣传", "开展宣传", 2)),
    "PE208": lambda: form_of(row("培训人数", 2, "做好", "做好", -1, standard=TIERS_STANDARD, reason="r")),
    "PE301": lambda: _with(form_of(row("培训人数", 2, "10人", "10人", 2)), lambda f: setattr(f.goals[0], "points", 70)),
    "PE302": lambda: _with(form_of(row("培训人数", 2, "10人", "10人", 2)), lambda f: setattr(f.budget, "points", 30)),
    "PE303": lambda: _with(form_of(row("培训人数", 2, "10人", "10人", 2)), lambda f: f.goals[0].labels.append(
        Level1Label(name="产出指标", share=0.5, cell="A11"))),
    "PE304": lambda: form_of(row("培训人数", "两分", "10人", "10人", 2)),
    "PE305": lambda: _seed(lambda f: None),
    "PE306": lambda: (seed_form(), load_profile("national-project")),
    "PE307": lambda: _with(form_of(row("培训人数", 2, "10人", "10人", 2)), lambda f: (
        setattr(f.goals[0], "points", None), setattr(f.goals[0], "title", "年度目标1：促进就业。"))),
    "PE308": lambda: form_of(pad=False),
    "PE401": lambda: form_of(row("培训人数", 2, "10人", "9人", 1.8)),
    "PE402": lambda: form_of(row("培训人数", 2, "10人", "20人", 2)),
    "PE403": lambda: form_of(row("培训人数", 2, "10人", "10人", 2), executed=90.0),
    "PE501": lambda: form_of(row("培训人数", 2, "10人", "10人", 2), planned=None),
    "PE502": lambda: form_of(row("培训人数", 2, "10人", "10人", 2), executed=120.0),
    "PE503": lambda: _with(form_of(row("培训人数", 2, "10人", "10人", 2)), lambda f: setattr(f.budget, "typed_score", 15)),
    "PE504": lambda: (seed_form(), load_profile("national-project")),
    "PE505": lambda: _with(form_of(row("培训人数", 2, "10人", "10人", 2)),
                           lambda f: setattr(f, "budget", Budget(points=20, typed_score=20))),
    "PE601": lambda: _seed(lambda f: setattr(f.constraint, "actual", "造成重大不良社会影响")),
    "PE602": lambda: _seed(lambda f: setattr(f.constraint, "actual", "未发现重点披露问题，但造成重大不良社会影响")),
    "PE603": lambda: _seed(lambda f: setattr(f, "claimed_total", 98)),
    "PE604": lambda: _seed(lambda f: setattr(f, "typed_total", 96)),
    "PE605": lambda: _seed(lambda f: setattr(f.constraint, "typed_score", "酌情")),
    "PE606": lambda: _seed(lambda f: setattr(f.goals[0], "typed_subtotal", 17)),
    "PE607": lambda: _seed(lambda f: setattr(f.constraint, "actual", "未发现重点披露问题")),
}


def _score(code):
    made = FIXTURES[code]()
    form, profile = made if isinstance(made, tuple) else (made, P)
    return score_form(form, profile)


@pytest.mark.parametrize("code", sorted(FIXTURES))
def test_fixture_produces_its_code(code):
    result = _score(code)
    hits = [f for f in result.findings if f.code == code]
    assert hits, f"{code} not produced; got {[f.code for f in result.findings]}"
    assert all(f.severity == CATALOGUE[code].severity for f in hits)
    assert all("…" not in f.message for f in hits), "every template field is filled"


def test_fixtures_cover_the_catalogue_except_reader_codes():
    engine_codes = {c for c in CATALOGUE if not c.startswith("PE9")}
    assert engine_codes == set(FIXTURES)


def test_codes_follow_the_scheme():
    for code, rule in CATALOGUE.items():
        assert re.fullmatch(r"PE[1-69]\d\d", code) and rule.code == code
        assert rule.severity in ("error", "warning", "info")
        assert rule.title_zh and rule.summary_en and rule.message


def test_every_code_has_a_page_and_every_page_a_code():
    pages = {p.stem for p in DOCS.glob("PE*.md")}
    assert pages == set(CATALOGUE)


def test_pages_name_their_code_title_and_severity():
    for code, rule in CATALOGUE.items():
        text = (DOCS / f"{code}.md").read_text(encoding="utf-8")
        assert text.startswith(f"# {code}"), code
        assert rule.title_zh in text and rule.severity in text, code
        for section in ("## Why it matters", "## Example", "## Fix"):
            assert section in text, (code, section)


def test_index_lists_every_code():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for code, rule in CATALOGUE.items():
        assert f"[{code}]({code}.md)" in index and rule.title_zh in index


def test_make_never_raises_on_missing_fields():
    for code in CATALOGUE:
        f = make(code, "A1")
        assert f.code == code and f.cell == "A1" and f.message


def test_every_catalogued_code_is_raised_somewhere_in_the_product():
    """No dead entries: each code is used by the engine, the checks or the reader."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sources = "".join(p.read_text(encoding="utf-8") for pkg in ("scoring", "workbook")
                      for p in (root / pkg).rglob("*.py") if p.name != "findings.py")
    unused = [code for code in CATALOGUE if f'"{code}"' not in sources]
    assert not unused, unused
