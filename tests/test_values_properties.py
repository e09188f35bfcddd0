"""Property tests for scoring.values: parse_value never raises, is deterministic, stays finite,
round-trips plain numbers, and stays fast on hostile input.

They call ``parse_strict``, the parser without its last-resort net, so an internal error fails them
instead of being turned into a text value (``test_the_properties_can_fail`` shows it)."""
from __future__ import annotations

import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import values
from scoring.values import ParsedValue, format_number, parse_strict, same_dimension

parse_value = parse_strict  # every property below must hold without the last-resort net

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fragments people type in value cells, so generated texts reach the parser's inner paths.
FRAGMENTS = [
    "0", "1", "2", "3", "5", "8", "9", "12", "98", "100", "2021", "12333", "4.97", "0.5", "3.30", ".", ",",
    "万", "亿", "千", "百万", "余", "多", "人", "人次", "次", "元", "万元", "%", "％", "‰", "个", "个工作日",
    "个月", "小时", "天", "年", "月", "日", "批次", "千米", "/", "/年", "/人", "≤", "≥", "<", ">", "=", "<=",
    "以内", "以上", "以下", "左右", "内", "不超过", "不低于", "未超过", "未达到", "达到", "约", "控制在",
    "完成", "未完成", "部分完成", "继续推进", "未开展", "未发生", "是", "否", "无", "零", "两",
    "(", ")", "（", "）", "【", "】", "新目标", "预计", "×", "x", "*", "-", "~", "至", "、", "；", "，", "。",
    "第", "年度目标", "话务", "全市", " ", "\n", "\t", "\x00", "\u200b", "—", "……", "１", "９", "．",
    "①", "㎡", "e", "E", "+", "nan", "inf",
]

cellish = st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join)
any_text = st.one_of(st.text(), st.text(alphabet=st.characters(codec="utf-8")), cellish,
                     st.text(alphabet="0123456789.,-万%人元(（)）≤以内", max_size=40))

any_object = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True), st.fractions(), st.complex_numbers(),
    st.datetimes(), st.dates(), st.times(), st.timedeltas(), st.binary(max_size=50),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.tuples(st.text(max_size=3)), any_text,
)


def _check_invariants(pv: ParsedValue) -> None:
    assert isinstance(pv, ParsedValue)
    assert pv.kind in ("number", "text", "empty")
    if pv.kind == "number":
        assert pv.number is not None and math.isfinite(pv.number)
    else:
        assert pv.number is None
    if pv.high is not None:
        assert math.isfinite(pv.high)
    assert pv.reverse == (pv.comparator in ("le", "lt"))
    assert pv.candidates >= 0
    assert isinstance(pv.note, str)
    if pv.kind == "empty":
        assert pv.status is None and pv.unit is None


@FAST
@given(any_text)
def test_never_raises_on_text(text):
    _check_invariants(parse_value(text))


@FAST
@given(any_object)
def test_never_raises_on_any_object(value):
    _check_invariants(parse_value(value))


@FAST
@given(any_text, any_text)
def test_never_raises_with_expect(target, actual):
    tp = parse_value(target)
    _check_invariants(parse_value(actual, expect=tp))


@FAST
@given(any_text)
def test_deterministic(text):
    assert parse_value(text).model_dump() == parse_value(text).model_dump()
    tp = parse_value("15000人")
    assert parse_value(text, expect=tp).model_dump() == parse_value(text, expect=tp).model_dump()


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_str_float_round_trips(x):
    pv = parse_value(str(x))
    assert pv.kind == "number" and pv.number == x and pv.unit is None
    assert parse_value(x).number == x


@FAST
@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_str_int_round_trips(i):
    pv = parse_value(str(i))
    assert pv.kind == "number" and pv.number == float(i)


@FAST
@given(st.decimals(min_value=0, max_value=10**9, places=2), st.sampled_from(["人", "元", "%", "人次", "亩", None]))
def test_formatted_number_reads_back(d, unit):
    x = float(d)
    shown = format_number(x, unit)
    pv = parse_value(shown)
    assert pv.kind == "number" and pv.unit == unit
    # format_number keeps 4 decimals of the scaled figure (万 / 亿)
    scale = 1e8 if abs(x) >= 1e8 and unit not in ("%", None) else 1e4 if abs(x) >= 1e4 and unit not in ("%", None) else 1
    assert pv.number == pytest.approx(x, abs=scale * 0.5e-4 + 1e-9)


@FAST
@given(any_text, any_text)
def test_same_dimension_is_symmetric_and_reflexive(a, b):
    pa, pb = parse_value(a), parse_value(b)
    assert same_dimension(pa, pb) == same_dimension(pb, pa)
    assert same_dimension(pa, pa)


@FAST
@given(st.floats(), st.sampled_from(["人", "元", "%", "小时", None, ""]))
def test_format_number_never_raises(x, unit):
    assert isinstance(format_number(x, unit), str)


@pytest.mark.parametrize(
    "text",
    [
        "1" * 100_000,
        "1." * 50_000,
        "1," * 50_000,
        "1-" * 50_000,
        "(" * 100_000,
        "(新目标" * 20_000,
        "全市新增返乡创业3377人，" * 8_000,
        "完成" * 50_000,
        "未" * 100_000,
        "≤" * 100_000,
        "5×8" * 30_000,
        "2021年" * 20_000,
        "万" * 100_000,
        "1万" * 50_000,
        "\x00\x01\x02" * 35_000,
        " " * 100_000,
        "９" * 100_000,
        "①" * 100_000,
        "a1" * 50_000,
    ],
    ids=lambda t: repr(t[:8]),
)
def test_huge_strings_are_fast(text):
    t0 = time.perf_counter()
    pv = parse_value(text)
    elapsed = time.perf_counter() - t0
    _check_invariants(pv)
    assert elapsed < 0.5, elapsed


def test_the_properties_can_fail(monkeypatch):
    """A parser that crashes is caught by these tests (parse_strict raises), while the public
    parse_value still keeps its promise and returns a text value asking for a manual check."""

    def broken(text):
        raise RuntimeError("broken scanner")

    monkeypatch.setattr(values, "_scan", broken)
    with pytest.raises(RuntimeError):
        parse_strict("引进人才341人，达成初步意向969人次")
    pv = values.parse_value("引进人才341人，达成初步意向969人次")
    assert pv.kind == "text" and "无法解析" in pv.note
