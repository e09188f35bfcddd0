"""The speed-ups of the batch path change no result.

- ``parse_value`` keeps no memo: each cell is parsed once by the readings stage, a parse does not
  depend on what was parsed before, and a ParsedValue shared by the stages cannot be mutated;
- ``load_profile`` returns a cached Profile: equal to validating the TOML again, frozen, and an
  edited file is read again;
- ``find_forms(..., plan=False)`` (the batch) gives the same forms and results as the default path
  that builds the write plan, and as ``score_grid``;
- whole forms score the same with a cold and a warm parse cache (the example, generated variations
  of it as ``bench/batch.py`` makes them, and the bad-input corpus files that hold a form).
"""
from __future__ import annotations

import dataclasses
import tomllib

import pytest

from scoring import values
from scoring.engine import score_form
from scoring.profiles import PROFILE_DIR, Profile, list_profiles, load_profile
from scoring.report import result_json
from scoring.values import parse_value
from tests.conftest import EXAMPLE
from workbook.errors import NotAForm
from workbook.fast import read_grids
from workbook.layout import read_form
from workbook.pipeline import find_forms, score_grid
from tests.scripts import bench_forms, corpus_forms

TEXTS = [
    "", "—", "无", "100%", "98%", "≥98%", "≤4.5%", "4.5%以内", "不超过80%", "未超过80%", "4.97万人",
    "57.89万人次", "62.27", "0.98", "1", "0", "0%", "完成", "已完成", "部分完成", "未开展", "继续推进",
    "≥1次/年", "每年不少于2次", "2-3批次", "两次", "三个工作日内", "零事故", "未发生安全事故",
    "完成省人才服务局制定的年度目标任务", "发放补贴3.5万元，惠及1200户", "覆盖12个县市区，培训5000人次",
    "98%（新目标）", "（预计）", "(10072.67)", "12333话务", "2021年", "5×8小时", "1、培训 2、考核",
    "#DIV/0!", "10,072.67万元", "５０％", "≥95", "95分", "约2000人", "3000余人", "1.5万元/人",
]


def _expects() -> list:
    return [None, parse_value("≥98%"), parse_value("5000人次"), parse_value("1200户"), parse_value("完成"),
            parse_value("3.5万元"), parse_value("")]


def test_parse_value_is_pure():
    # No memo: the same text parses alike whatever was parsed before, in any order.
    expects = _expects()
    first = {(t, id(e)): parse_value(t, e) for e in expects for t in TEXTS}
    for t in reversed(TEXTS):
        for e in reversed(expects):
            assert parse_value(t, e) == first[(t, id(e))], (t, e)
    assert not hasattr(values, "_parse_text_cached")


def test_expect_only_matters_through_its_unit():
    a, b = parse_value("≥5000人次"), parse_value("约3万人次（预计）")
    assert a.unit == b.unit == "人次" and a != b
    for t in TEXTS:
        assert values._parse_text_unit(t, a.unit) == values._parse_text_unit(t, b.unit)
        assert parse_value(t, a) == values._parse_text_unit(t, "人次")


def test_parsed_values_are_frozen():
    import dataclasses

    first = parse_value("4.97万人")
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.number = 1.0  # a reading shared by methods, checks and explanations must not change


def test_each_cell_is_parsed_once(monkeypatch):
    """The readings stage: target and actual once per row, and the description once where PE107 can
    use it (the target a figure with a unit, the text holding a figure); methods, other checks and
    explanations parse nothing."""
    from scoring import readings

    calls = []
    real = readings.parse_value

    def counting(value, expect=None):
        calls.append(value)
        return real(value, expect)

    monkeypatch.setattr(readings, "parse_value", counting)
    monkeypatch.setattr(values, "parse_value", lambda *a, **k: pytest.fail("parsed outside the readings"))
    form = read_form(read_grids(EXAMPLE)[0])
    score_form(form, load_profile("hubei-2-1"))
    rows = [ind for goal in form.goals for ind in goal.indicators]
    with_description = sum(1 for ind in rows if ind.description and readings.numeric_target(real(ind.target))
                           and real(ind.target).unit and values.may_hold_unit_figure(ind.description))
    assert len(calls) == 2 * len(rows) + with_description
    # 144 before the readings stage, 100 while it parsed every description of a figure with a unit
    assert len(rows) == 37 and len(calls) == 74 + with_description and with_description < 26


def test_scan_tries_the_pattern_only_where_a_figure_can_start():
    # _scan_matches must find exactly what _SCAN_RE.finditer finds (spans, kinds, groups).
    import random

    alphabet = list("0123456789０１.-+~—–至到年月日度届份底初末中旬上下前×xX* 个人次%‰万亿千,，；;、/()（）第达不超过≤≥<>=约余多以内") + ["٣", "①"]
    rnd = random.Random(20211)
    texts = TEXTS + ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) for _ in range(20000)]
    for t in texts:
        want = [(m.span(), m.lastgroup, m.groupdict()) for m in values._SCAN_RE.finditer(t)]
        assert [(m.span(), m.lastgroup, m.groupdict()) for m in values._scan_matches(t)] == want, t


def test_profile_cache_equals_a_fresh_load():
    for name in list_profiles():
        data = tomllib.loads((PROFILE_DIR / f"{name}.toml").read_text(encoding="utf-8"))
        data.setdefault("name", name)
        fresh = Profile.model_validate(data)
        assert load_profile(name) == fresh
        assert load_profile(name) is load_profile(name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_profile("hubei-2-1").tolerance = 1.0


def test_an_edited_profile_file_is_read_again(tmp_path):
    path = tmp_path / "mine.toml"
    base = (PROFILE_DIR / "hubei-2-1.toml").read_text(encoding="utf-8")
    path.write_text(base, encoding="utf-8")
    assert load_profile(str(path)) == load_profile("hubei-2-1")
    assert "tolerance = 0.01" in base
    path.write_text(base.replace("tolerance = 0.01", "tolerance = 0.5"), encoding="utf-8")
    assert load_profile(str(path)).tolerance == 0.5


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> list:
    """The example, eight generated variations (bench/batch.py) and the corpus files that may hold a form."""
    folder = tmp_path_factory.mktemp("perf")
    return [EXAMPLE, *bench_forms(folder, 8, start=20), *corpus_forms(folder / "corpus")]


def _dump(scored) -> list:
    return [(s.form.model_dump(), result_json(s.result, s.profile), s.result.model_dump()) for s in scored]


def test_plan_false_changes_no_result(workbooks):
    from workbook import families

    checked = 0
    for path in workbooks:
        try:
            grids = read_grids(path)
        except Exception:
            continue  # refused by the reader: nothing to compare
        cold = find_forms(grids, "hubei-2-1")  # default: with write plans
        warm = find_forms(grids, "hubei-2-1", plan=False)
        assert _dump(warm) == _dump(cold), path.name
        assert all(s.plan is None for s in warm) and all(s.plan is not None for s in cold)
        for s in cold:
            grid = next(g for g in grids if g.name == s.form.sheet)
            again = score_grid(grid, "national-project", plan=False)
            # the same path by hand: the family reading view (workbook.families), the reader, the engine
            reading = families.prepare(grid, load_profile("national-project"))
            form = read_form(reading.grid).model_copy(update={"sheet": grid.name})
            families.after_read(form, reading)
            ref = score_form(form, reading.profile)
            families.after_score(form, ref, reading)
            assert result_json(again.result, again.profile) == result_json(ref, again.profile), path.name
        checked += bool(cold)
    assert checked >= 20  # the example, the generated forms and most corpus forms were compared


def test_a_sheet_without_a_form_is_still_refused_with_plan_false():
    from workbook.grid import Grid

    with pytest.raises(NotAForm):
        score_grid(Grid(name="空", values=[["x"]], merged=[], formulas=None), plan=False)
    assert find_forms([Grid(name="空", values=[["x"]], merged=[], formulas=None)], plan=False) == []


def test_the_brief_is_the_head_of_the_json(workbooks):
    """``pe-score check`` without --json keeps ``result_brief`` of each form, not the whole object: the
    same keys, values and order as ``result_json``'s head, counts and issues."""
    from scoring.report import result_brief

    checked = 0
    for path in workbooks:
        try:
            grids = read_grids(path)
        except Exception:
            continue
        for s in find_forms(grids, plan=False):
            full = result_json(s.result, s.profile, form=s.form)
            brief = result_brief(s.result, s.profile, form=s.form)
            assert list(full)[:10] == list(brief)[:10]
            assert brief == {k: full[k] for k in brief}
            assert "issues" not in result_brief(s.result, s.profile, form=s.form, issues=False)
            checked += 1
    assert checked >= 20
