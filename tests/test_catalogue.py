"""The findings catalogue, its pages in docs/findings/, and one fixture per code that produces it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoring import load_profile, score_form
from scoring.findings import CATALOGUE, make
from scoring.models import Budget, Level1Label
from tools import findings_pages as pages
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


def _page(code):
    return (DOCS / f"{code}.md").read_text(encoding="utf-8")


def test_pages_name_their_code_title_and_severity():
    for code, rule in CATALOGUE.items():
        text = _page(code)
        assert text.startswith(f"# {code} — {rule.title_zh}\n"), code
        assert f"| 级别 | {pages.SEVERITY_ZH[rule.severity]}（{rule.severity}） |" in text, code
        assert f"| 提示文字 | {rule.message} |" in text, code
        for section in ("## pe-score 的处理", "## 为什么重要", "## 示例", "## 修改方法", pages.SECTION):
            assert section in text, (code, section)
        assert f"> {code} {rule.severity}: " in text, (code, "the example shows what pe-score reports")


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_ENGLISH = re.compile(r"\b(the|and|is|are|of|to|with|when|if|not|this|that|from|cannot)\b", re.I)


def _prose(text):
    """A page without code spans, links' targets, code blocks or the machine-readable section."""
    text = text.split(pages.SECTION)[0]
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"\{\w+\}", "", text)  # the message template's fields
    return re.sub(r"\]\([^)]*\)", "]", text)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_pages_are_written_in_chinese(code):
    """Users are Chinese finance staff: prose is Chinese, only codes and identifiers stay Latin."""
    prose = _prose(_page(code))
    cjk = len(_CJK.findall(prose))
    latin = sum(len(w) for w in _LATIN_WORD.findall(prose) if w not in ("pe", "score", "PE", code)
                and not re.fullmatch(r"PE\d+|error|warning|info|Excel|SUM|xx", w))
    assert cjk > 100 and latin * 10 < cjk, (code, cjk, latin)
    assert not _ENGLISH.findall(prose), (code, _ENGLISH.findall(prose))


def _setting_exists(dotted):
    """A dotted setting resolves through the fields of the profile schema (nested models included)."""
    from pydantic import BaseModel

    from scoring.settings_schema import Profile

    model = Profile
    for part in dotted.split("."):
        if model is None or part not in model.model_fields:
            return False
        ann = model.model_fields[part].annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return True


def _function_exists(dotted):
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False
        return callable(obj)
    return False


def test_setting_resolver_can_fail():
    assert _setting_exists("quantitative.over_threshold") and _setting_exists("level1")
    assert not _setting_exists("quantitative.no_such") and not _setting_exists("level1.x")
    assert _function_exists("scoring.engine.score_form") and not _function_exists("scoring.engine.nope")


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_pages_name_the_settings_they_read_and_they_exist(code):
    settings = pages.declared_settings(_page(code))
    assert settings is not None, f"{code}: no '{pages.SETTINGS_PREFIX}' line under '{pages.SECTION}'"
    line = pages._line(_page(code), pages.SETTINGS_PREFIX)
    assert settings or line == "无", (code, line)
    missing = [s for s in settings if not _setting_exists(s)]
    assert not missing, f"{code} names settings the profile model does not have: {missing}"


_SITES = pages.raising_sites()


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_pages_say_where_the_code_is_raised(code):
    """The 产生位置 line lists exactly the functions that raise the code, and each imports.
    After moving code: python -m tools.findings_pages --write"""
    declared = pages.declared_sites(_page(code))
    assert declared, f"{code}: no '{pages.SITES_PREFIX}' line"
    assert all(_function_exists(s) for s in declared), (code, declared)
    assert set(declared) == _SITES.get(code, set()), (
        f"{code}: page says {sorted(declared)}, the code raises it in {sorted(_SITES.get(code, ()))}; "
        "run python -m tools.findings_pages --write")


def test_raising_sites_are_only_catalogued_codes():
    assert set(_SITES) <= set(CATALOGUE), set(_SITES) - set(CATALOGUE)


def test_index_lists_every_code_by_group_and_is_current():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    assert index == pages.render_index(CATALOGUE), "run python -m tools.findings_pages --write"
    for code, rule in CATALOGUE.items():
        assert f"[{code}]({code}.md)" in index and rule.title_zh in index
        group = pages.GROUPS[code[2]]
        assert index.index(f"## {group}") < index.index(f"[{code}]"), code
    assert _CJK.search(index) and "## PE1xx" in index


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


# ---- the numbers the pages state ---------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(pages.STATED))
def test_pages_state_the_profiles_numbers(code):
    """Each phrase that states a profile's number is on the page, with the shipped profile's number.
    After changing a shipped profile: python -m tools.findings_pages --write"""
    text = _page(code)
    rewritten, problems = pages.stated_numbers(code, text)
    assert not problems and rewritten == text, problems


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_pages_state_no_profile_number_outside_the_checked_phrases(code):
    assert not pages.unlisted_numbers(code, _page(code))


def test_stated_number_checks_can_fail():
    """A profile with another cap makes the page wrong, and --write's rewrite says the new cap; a page
    reworded away from a phrase, or stating the cap in a new sentence, is reported."""
    other = {"hubei-2-1": P.with_options(**{"cap.limit": 55, "budget.points": 15})}
    text = _page("PE601")
    rewritten, problems = pages.stated_numbers("PE601", text, other)
    assert len(problems) == 3 and all("55" in p for p in problems)
    assert "（湖北为 55 分）" in rewritten and "总分不得超过 55 分（封顶前 97.00 分）" in rewritten
    assert "“如出现审计等部门重点披露的问题，或造成重大不良社会影响，评价总得分不得超过60分”" in rewritten  # a quotation
    assert pages.stated_numbers("PE601", rewritten, other) == (rewritten, [])
    assert "湖北附件2-1 为 15 分" in pages.stated_numbers("PE302", _page("PE302"), other)[0]
    _, missing = pages.stated_numbers("PE601", text.replace("（湖北为 60 分）", "（湖北为六十分）"))
    assert len(missing) == 1 and "no longer says" in missing[0]
    added = text.replace("## 为什么重要", "约束性指标触发时总分不超过 60 分。\n\n## 为什么重要")
    assert len(pages.unlisted_numbers("PE601", added)) == 1
    assert len(pages.unlisted_numbers("PE204", _page("PE204").replace("{", "").replace(
        "达成为分值的 80%", "达成为分值的 80% 以上，即 80%"))) >= 1


def test_the_page_tool_rewrites_a_stale_number_and_reports_a_lost_phrase(tmp_path, monkeypatch, capsys):
    import shutil

    shutil.copytree(DOCS, tmp_path, dirs_exist_ok=True)
    monkeypatch.setattr(pages, "PAGES", tmp_path)
    assert pages.main([]) == 0
    page = tmp_path / "PE601.md"
    page.write_text(_page("PE601").replace("（湖北为 60 分）", "（湖北为 61 分）"), encoding="utf-8")
    assert pages.main([]) == 1 and "out of date: " in capsys.readouterr().out
    assert pages.main(["--write"]) == 0 and page.read_text(encoding="utf-8") == _page("PE601")
    page.write_text(_page("PE601").replace("（湖北为 60 分）", "（湖北为六十分）"), encoding="utf-8")
    assert pages.main(["--write"]) == 1 and "no longer says" in capsys.readouterr().out
