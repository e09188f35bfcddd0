"""The parser's fast path for common one-figure cells (``scoring.values._fast``) reads exactly what
the full reading returns, or declines. Checked over the value test corpus, the seed form, the real
forms and generated texts built from the fast path's own words plus others around them."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import values as V

HERE = Path(__file__).parent
UNITS = [None, "%", "人", "次", "元", "天", "批次", "工作日", "场次", "家"]


def _corpus() -> set[str]:
    texts: set[str] = set()
    tree = ast.parse((HERE / "test_values.py").read_text(encoding="utf-8"))
    texts |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    for path in sorted((HERE / "real" / "forms").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        texts |= {v for v in data.get("cells", {}).values() if isinstance(v, str)}
    from tests.seed_form import seed_form

    form = seed_form()
    for goal in form.goals:
        for ind in goal.indicators:
            texts |= {ind.target, ind.actual, ind.description or ""}
    return {t for t in texts if len(t) < 200}


def _same(text: str, unit) -> bool:
    fast = V._fast(text, unit)
    return fast is None or fast == V._full_text_unit(text, unit)


def test_fast_path_equals_full_reading_on_the_corpus():
    corpus = _corpus()
    taken = [t for t in corpus if V._fast(t, None) is not None]
    assert len(taken) >= 50, "the corpus should exercise the fast path"
    wrong = [(t, u) for t in corpus for u in UNITS if not _same(t, u)]
    assert wrong == []


def test_status_words_read_as_the_full_path_reads_them_whatever_the_target():
    for word in sorted(V._STATUS_WORDS):
        V._STATUS_READ.clear()
        for unit in UNITS:
            assert V._fast(word, unit) == V._full_text_unit(word, unit), (word, unit)
    assert V.parse_value("完成").status == "done" and V.parse_value("继续推进").status == "ongoing"
    assert V.parse_value("无").kind == "empty" and V.parse_value("是").status == "done"


def test_fast_path_takes_the_common_shapes():
    for text, number, unit, cmp in [("95%", 95.0, "%", None), ("≥95%", 95.0, "%", "ge"),
                                    ("3.5万人", 35000.0, "人", None), ("4.5%以内", 4.5, "%", "le"),
                                    ("不超过80%", 80.0, "%", "le"), ("2亿元", 2e8, "元", None),
                                    ("10个工作日", 10.0, "工作日", None), ("3万", 30000.0, None, None)]:
        got = V._fast(text, "人")
        assert got is not None, text
        assert (got.number, got.unit, got.comparator) == (number, unit, cmp)
        assert got == V._full_text_unit(text, "人")
    for text in ["2021年", "12月", "-3%", "3.5 万人", "95％", "约95%", "3000余人", "5千米", "（95%）", "95%。",
                 "1,000人", "每年1次", "未达到90%", "+20", "1e5", "20."]:
        assert V._fast(text, None) is None, text


_WORDS = (V._FAST_PREFIX + V._FAST_MULTS + V._FAST_UNITS + V._FAST_SUFFIX
          + sorted(V._STATUS_WORDS) + ["年", "月", "日", "届", "米", "克", "瓦时", "余", "多", "未", "达", "内", "在", "为", "每", "约",
             "-", "+", ".", ",", " ", "。", "%", "％", "（", "）", "完成", "合格", "第", "/", "×", "个", "以"])
_DIGITS = st.from_regex(r"\d{1,5}(\.\d{1,3})?", fullmatch=True)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_WORDS), _DIGITS), min_size=1, max_size=6), st.sampled_from(UNITS))
def test_fast_path_equals_full_reading_on_generated_texts(parts, unit):
    text = "".join(parts)
    assert _same(text, unit), (text, V._fast(text, unit), V._full_text_unit(text, unit))


@settings(max_examples=1500, deadline=None)
@given(st.tuples(st.sampled_from([""] + V._FAST_PREFIX), _DIGITS, st.sampled_from([""] + V._FAST_MULTS),
                 st.sampled_from([""] + V._FAST_UNITS), st.sampled_from([""] + V._FAST_SUFFIX)),
       st.sampled_from(UNITS))
def test_fast_path_shapes_all_agree(parts, unit):
    text = "".join(parts)
    assert _same(text, unit), (text, V._fast(text, unit), V._full_text_unit(text, unit))
