"""The scores-only path (``engine.indicator_score``, what ``=PE_SCORES`` runs) and the full path
(``engine.score_reading``: findings, explanation, result model; what the command line, the report,
``=PE_SCORE`` and ``=PE_EXPLAIN`` run) apply the same rule code and give the same scores, over one shared
table of rows: the seed form, the real forms, the generated bench forms and the bench column."""
from __future__ import annotations

import math

import pytest

from addin import functions as F
from scoring import engine, methods as m
from scoring.methods import Method
from scoring.profiles import load_profile
from scoring.readings import read_indicator
from tests.score_rows import bench_column, form_rows, scored_forms

P = load_profile("hubei-2-1")


def _same(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=0, abs_tol=0))


def test_scores_only_equals_the_full_path_on_every_form_row():
    compared = 0
    for form, profile in scored_forms():
        for goal in form.goals:
            for ind in goal.indicators:
                reading = read_indicator(ind, profile)
                full, _ = engine.score_reading(reading, profile)
                assert _same(engine.indicator_score(reading, profile), full.score), (ind.name, ind.target, ind.actual)
                assert full.explanation, ind.name  # the full path still writes its explanation
                compared += 1
    assert len(scored_forms()) >= 20 and compared >= 600


def test_scores_only_equals_the_full_path_with_every_method_forced():
    for form, profile in scored_forms()[:8]:
        for goal in form.goals:
            for ind in goal.indicators:
                for method in Method:
                    forced = ind.model_copy(update={"method": method})
                    reading = read_indicator(forced, profile)
                    full, _ = engine.score_reading(reading, profile)
                    assert _same(engine.indicator_score(reading, profile), full.score), (method, ind.target)


def _score_or_error(points, target, actual, method=None):
    try:
        return F.PE_SCORE(points, target, actual, method)
    except F.PEValueError:
        return "#VALUE!"


def _column_or_error(rows):
    """=PE_SCORES row by row (one call per row: an error in one row makes a whole column #VALUE!)."""
    out = []
    for points, target, actual, method in rows:
        try:
            out.append(F.PE_SCORES([[points]], [[target]], [[actual]], [[method]])[0][0])
        except F.PEValueError:
            out.append("#VALUE!")
    return out


def _indicator_rows(rows):
    return [r for r in rows if not (r[0] is None or (isinstance(r[0], str) and not any(c.isdigit() for c in r[0])))]


def test_pe_scores_equals_pe_score_on_the_shared_table():
    rows = _indicator_rows(form_rows()) + _indicator_rows([(*r, None) for r in bench_column()])
    assert len(rows) >= 1500
    F._ROW_SCORES.clear()
    column = _column_or_error(rows)
    single = [_score_or_error(*r) for r in rows]
    assert column == single
    assert sum(isinstance(x, float) for x in column) >= 1000


def test_pe_scores_equals_pe_score_with_every_method_name():
    rows = _indicator_rows(form_rows())[:150]
    for name in ("正向", "反向", "零目标", "文字", "三档", "人工"):
        F._ROW_SCORES.clear()
        named = [(p, t, a, name) for p, t, a, _ in rows]
        assert _column_or_error(named) == [_score_or_error(*r) for r in named], name


def test_pe_scores_whole_column_in_one_call_equals_row_by_row():
    rows = [(*r, None) for r in bench_column()]
    rows = [r for r in _indicator_rows(rows) if isinstance(_score_or_error(*r), float)]
    F._ROW_SCORES.clear()
    column = F.PE_SCORES([[r[0]] for r in rows], [[r[1]] for r in rows], [[r[2]] for r in rows])
    assert [c[0] for c in column] == [_score_or_error(*r) for r in rows]


@pytest.mark.parametrize("ruled, told", [
    (lambda: m.ratio_rule(100, 80, 2, P), lambda: m.score_ratio(100, 80, 2, P)),
    (lambda: m.reverse_rule(4.5, 5.0, 2, P, "%", "le"), lambda: m.score_reverse(4.5, 5.0, 2, P, "%", "le")),
    (lambda: m.reverse_rule(4.5, -1.0, 2, P, "%", "le"), lambda: m.score_reverse(4.5, -1.0, 2, P, "%", "le")),
    (lambda: m.zero_rule(2, 1, P, "起"), lambda: m.score_zero(2, 1, P, "起")),
    (lambda: m.qualitative_rule(True, None, 2, P, "完成"), lambda: m.score_qualitative(True, None, 2, P, "完成")),
    (lambda: m.judgement_rule(3, 6, P), lambda: m.score_judgement(3, 6, P)),
    (lambda: m.manual_rule(None, 2, P, "分值缺失"), lambda: m.score_manual(None, 2, P, "分值缺失")),
])
def test_a_rule_writes_its_explanation_only_when_asked(ruled, told):
    score, ratio, why = ruled()
    assert callable(why)
    assert (score, ratio, why()) == told()


def test_the_reverse_explanation_shows_the_actual_as_written():
    # the rule floors a negative actual at 0 for the number; the sentence still shows what was typed
    assert "实际 -1%" in m.score_reverse(4.5, -1.0, 2, P, "%", "le")[2]
