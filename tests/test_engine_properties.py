"""Property tests: whatever people type, the engine neither raises nor leaves the score range."""
from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import apply_cap, grade_for, load_profile, score_form, score_indicator
from scoring.models import Budget, Cells, Constraint, Form, Goal, Indicator, Method
from tests.seed_form import TIERS_STANDARD

P = load_profile("hubei-2-1")
PROFILES = [P, load_profile("national-project"),
            P.with_options(**{"quantitative.reverse_formula": "linear", "quantitative.over_mode": "reduce",
                              "qualitative.middle": 0.6, "budget.cap": False})]

UNITS = ["", "%", "人", "万人", "亿元", "万元", "次", "起", "家", "个"]
WORDS = ["", "≤", "≥", "不超过", "以内", "左右", "以上", "未超过", "<", "约"]
TEXTS = ["完成", "未完成", "部分完成", "继续推进", "—", "", "无", "按时完成年度目标任务", "受疫情影响未开展",
         "全市41.1万脱贫劳动力实现转移就业33.6万人", "提供5×8小时人工服务", "1、落实政策；2、推进改革", "98%（新目标）"]

numbers = st.one_of(st.integers(-100, 10**6).map(float), st.floats(allow_nan=True, allow_infinity=True),
                    st.floats(-10, 200, allow_nan=False))


@st.composite
def figure(draw):
    x = draw(numbers)
    text = f"{x:g}" if math.isfinite(x) else str(x)
    word = draw(st.sampled_from(WORDS))
    unit = draw(st.sampled_from(UNITS))
    return draw(st.sampled_from([f"{word}{text}{unit}", f"{text}{unit}{word}", text]))


cell_text = st.one_of(figure(), st.sampled_from(TEXTS), st.text(max_size=30))
typed = st.one_of(st.none(), numbers, st.sampled_from(["2", "满分", "—", "", "3分", "-1"]), st.booleans())
weights = st.one_of(st.none(), st.floats(-5, 30, allow_nan=False), st.floats(allow_nan=True, allow_infinity=True))


@st.composite
def indicator(draw):
    return Indicator(
        level1=draw(st.sampled_from(["产出指标", "效益指标", "满意度指标", ""])),
        name=draw(st.text(max_size=8)),
        weight=draw(weights),
        target=draw(cell_text),
        actual=draw(cell_text),
        description=draw(st.one_of(st.just(""), cell_text)),
        standard=draw(st.sampled_from(["", TIERS_STANDARD, "同上"])),
        typed_score=draw(typed),
        reason=draw(st.sampled_from(["", "疫情影响"])),
        method=draw(st.one_of(st.none(), st.sampled_from(list(Method)))),
        tier=draw(st.sampled_from([None, "达成", "部分达成", "未达成预期指标且效果较差"])),
        cells=Cells(score="I11"),
    )


@st.composite
def form(draw):
    goals = []
    for gi in range(draw(st.integers(0, 3))):
        goals.append(Goal(title=draw(st.sampled_from(["年度目标1：就业（18分）", "年度目标2：社保", "目标"])),
                          points=draw(st.one_of(st.none(), st.floats(0, 120, allow_nan=False))),
                          typed_subtotal=draw(typed),
                          indicators=draw(st.lists(indicator(), max_size=4))))
    budget = draw(st.one_of(st.none(), st.builds(
        Budget, points=st.one_of(st.none(), st.floats(0, 30, allow_nan=False)),
        planned=st.one_of(st.none(), numbers), executed=st.one_of(st.none(), numbers), typed_score=typed)))
    constraint = Constraint(actual=draw(st.sampled_from(["无", "—", "存在审计等部门重点披露的问题", "无重点披露问题",
                                                          "造成重大不良社会影响", ""])),
                            typed_score=draw(typed))
    return Form(goals=goals, budget=budget, constraint=constraint, claimed_total=draw(st.one_of(st.none(), numbers)),
                typed_total=draw(typed))


FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(indicator(), st.sampled_from(PROFILES))
def test_indicator_score_stays_in_range(ind, profile):
    res, found = score_indicator(ind, profile)
    if res.score is not None:
        assert math.isfinite(res.score) and res.score >= 0
        if res.weight is not None:
            assert res.score <= res.weight + 1e-9
    assert all(f.code.startswith("PE") and f.message for f in found)
    assert res.explanation is not None


@FAST
@given(form(), st.sampled_from(PROFILES))
def test_form_total_bounded_and_deterministic(f, profile):
    r = score_form(f, profile)
    assert 0 <= r.total <= profile.total_points + 1e-9
    if r.capped:
        assert r.total <= profile.cap.limit + 1e-9
    assert r.grade in {g.name for g in profile.grades}
    for ir in r.indicators:
        if ir.score is not None and ir.weight is not None:
            assert 0 <= ir.score <= ir.weight + 1e-9
    assert score_form(f, profile).model_dump() == r.model_dump()


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6), st.booleans())
def test_cap_never_raises_total(raw, triggered):
    total, capped = apply_cap(raw, triggered, P)
    assert total <= raw and (not capped or total <= P.cap.limit)
    assert grade_for(total, P) in {"优", "良", "中", "差"}
