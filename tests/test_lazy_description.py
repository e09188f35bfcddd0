"""The 指标说明 is parsed only when PE107 can use it (``IndicatorReading.description``), and PE107's
findings are those of parsing every description of a row whose target is a figure with a unit.

- ``values.may_hold_unit_figure`` says False only for texts that no reading turns into a figure with a
  unit, whatever the target's unit: checked over the value corpus (the value tests, the seed form, the
  real forms, the bench forms) and over generated texts full of the characters that become digits or
  numerals only after normalising (full-width digits, circled numbers, ㎡, superscripts);
- over the seed form, every real form in tests/real/forms/ and generated bench forms, the lazy
  description is the eager one wherever it could matter, and PE107 (run on a reading that carries the
  eager description) finds exactly what the lazy reading finds.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import values as V
from scoring.checks import check_description_matches_target
from scoring.readings import IndicatorReading, read_indicator
from tests.score_rows import scored_forms
from tests.test_values_fast import UNITS, _corpus


def _unit_figure(pv) -> bool:
    return pv.kind == "number" and pv.unit is not None


def _never_a_unit_figure(text: str) -> bool:
    return not any(_unit_figure(V._parse_text_unit(text, unit)) for unit in UNITS)


def test_no_figure_character_means_no_figure_with_a_unit_on_the_corpus():
    corpus = _corpus()
    skipped = [t for t in corpus if not V.may_hold_unit_figure(t)]
    assert len(skipped) >= 100, "the corpus should hold texts without figures"
    wrong = [t for t in skipped if not _never_a_unit_figure(t)]
    assert wrong == []
    # the other direction is only a net, but it must not be a trivial one
    assert sum(not _never_a_unit_figure(t) for t in corpus) >= 100
    assert all(V.may_hold_unit_figure(t) for t in corpus if not _never_a_unit_figure(t))


_TRICKY = list("０１２３４５６７８９①②⑩⑴⒈❶➀²³¹⁴₅٣७〇零一二两三四五六七八九十百千万亿%％人次个天元")
_TRICKY += ["㎡", "m²", "㎞", "㏡", "㋀", "㍘", "Ⅻ", "ⅲ", "未发生", "零事故", "无事故", "完成", "达到", "不少于", "以内",
            "工作日", "人次", "批次", "场次", "年", "月", "（", "）", "(", ")", "、", "，", ",", ".", "-", "+", "≥", "≤", " "]


@settings(max_examples=4000, deadline=None)
@given(st.lists(st.sampled_from(_TRICKY), min_size=1, max_size=8))
def test_no_figure_character_means_no_figure_with_a_unit_on_generated_texts(parts):
    text = "".join(parts)
    if not V.may_hold_unit_figure(text):
        assert _never_a_unit_figure(text), text


def test_the_net_lets_through_every_way_of_writing_a_figure():
    for text in ["3次", "３次", "①3次", "两次", "十个工作日", "〇次", "٣次", "5㎡", "全年2场"]:
        assert V.may_hold_unit_figure(text), text
    for text in ["", "反映工作完成情况", "未发生安全事故", "按时足额发放", "（新目标）"]:
        assert not V.may_hold_unit_figure(text), text
    assert V.may_hold_unit_figure(3) and V.may_hold_unit_figure(None)  # not a text: parsed as before


class _Eager(IndicatorReading):
    """A reading carrying the description as the readings stage parsed it before: for every row whose
    target is a figure with a unit."""

    @property
    def description(self):
        ind, tp = self.indicator, self.target
        if ind.description and self.numeric and tp.unit:
            return V.parse_value(ind.description, tp)
        return None


def _dump(findings) -> list:
    return [f.model_dump() for f in findings]


def test_pe107_is_unchanged_on_the_seed_real_and_bench_forms():
    rows = lazy_parsed = skipped = fired = 0
    for form, profile in scored_forms():
        for goal in form.goals:
            for ind in goal.indicators:
                r = read_indicator(ind, profile)
                eager = _Eager(*r)
                rows += 1
                lazy, before = r.description, eager.description
                if lazy is None:
                    assert before is None or not _unit_figure(before), (ind.description, before)
                    skipped += before is not None
                else:
                    assert lazy == before
                    lazy_parsed += 1
                found = check_description_matches_target(r, None, profile)
                assert _dump(found) == _dump(check_description_matches_target(eager, None, profile))
                fired += bool(found)
    # the comparison covers rows of every kind: parsed, skipped, and a mismatch found (the seed's one)
    assert rows >= 300 and lazy_parsed >= 50 and skipped >= 5 and fired >= 1, (rows, lazy_parsed, skipped, fired)
