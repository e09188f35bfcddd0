"""The parser's fast path for common one-figure cells (``scoring.values._fast``) reads exactly what
the full reading returns, or declines. Checked over the value test corpus, the seed form, the real
forms, the bench forms' texts and generated texts built from the fast path's own words plus others
around them: the one-figure shapes, a phrase before the figure ("全市新增返乡创业3377人") and a remark
in brackets after it ("43%（新目标）")."""
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
    from tests.score_rows import bench_column, scored_forms

    for form, _profile in scored_forms():
        for goal in form.goals:
            texts |= {t for ind in goal.indicators for t in (ind.target, ind.actual, ind.description or "")}
    texts |= {t for row in bench_column() for t in row[1:] if isinstance(t, str)}
    return {t for t in texts if len(t) < 200}


def _same(text: str, unit) -> bool:
    fast = V._fast(text, unit)
    return fast is None or fast == V._full_text_unit(text, unit)


def test_fast_path_equals_full_reading_on_the_corpus():
    corpus = _corpus()
    taken = [t for t in corpus if V._fast(t, None) is not None]
    assert len(taken) >= 50, "the corpus should exercise the fast path"
    phrases = [t for t in taken if V._FAST_LEAD_RE.fullmatch(t)]
    remarks = [t for t in taken if t.endswith(("）", ")")) and t not in V._STATUS_WORDS]
    assert len(phrases) >= 20 and len(remarks) >= 20, (len(phrases), len(remarks))
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
    for text, number, unit, cmp, status, note in [
            ("全市新增返乡创业3377人", 3377.0, "人", None, None, ""),
            ("招募选派大学生237人左右", 237.0, "人", "approx", None, ""),
            ("新增就业不少于3.5万人", 35000.0, "人", "ge", None, ""),
            ("完成培训1200人次", 1200.0, "人次", None, "done", ""),
            ("每年开展3次", 3.0, "次", None, None, ""),
            ("约95%", 95.0, "%", "approx", None, ""),
            ("43%（新目标）", 43.0, "%", None, None, "已忽略括注“新目标”"),
            ("98% (新目标)", 98.0, "%", None, None, "已忽略括注“新目标”"),
            ("≥95%（预计）", 95.0, "%", "ge", None, "已忽略括注“预计”"),
            ("12（新目标）", 12.0, None, None, None, "已忽略括注“新目标”；未写单位（目标单位为“人”）"),
            ("全市新增3000人（含返乡）", 3000.0, "人", None, None, "已忽略括注“含返乡”")]:
        got = V._fast(text, "人")
        assert got is not None, text
        assert (got.number, got.unit, got.comparator, got.status, got.note) == (number, unit, cmp, status, note), text
        assert got == V._full_text_unit(text, "人")
    assert V._fast("每年1次", None).per == "年" and V._fast("每年1次", None) == V._full_text_unit("每年1次", None)
    for text in ["2021年", "12月", "-3%", "3.5 万人", "95％", "3000余人", "5千米", "（95%）", "95%。",
                 "1,000人", "未达到90%", "+20", "1e5", "20.",
                 "全市3377", "第3人", "全市新增3万", "全市56.1万脱贫劳动力实现转移就业55.9万人", "低于5%的目标3人",
                 "3.5（万人）", "3.5(人)", "43%（1）", "43%（新目标）（二）", "43%（新目标)", "43%【新目标】",
                 "完成（新目标）", "人数3000人。", "全市新增返乡创业 3377人", "２０２１年新增3人"]:
        assert V._fast(text, None) is None, text


_WORDS = (V._FAST_PREFIX + V._FAST_MULTS + V._FAST_UNITS + V._FAST_SUFFIX
          + sorted(V._STATUS_WORDS) + ["年", "月", "日", "届", "米", "克", "瓦时", "余", "多", "未", "达", "内", "在", "为", "每", "约",
             "-", "+", ".", ",", " ", "。", "%", "％", "（", "）", "完成", "合格", "第", "/", "×", "个", "以"])
_WORDS += ["全市", "新增", "返乡创业", "新目标", "预计", "含", "第", "每年", "未达", "控制在", "约为", "万人", "年度",
           "未完成", "部分", "不", "开展", "人才", "内容", "(", ")", "【", "】", "度", "十", "两", "名称", "完成率"]
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


# A phrase before the figure: Chinese words, among them the ones the full path reads around a figure
# (comparator and period words, status words, 第, 未达, 约), and ones it reads as dates or names.
_LEAD_WORDS = (["全市", "新增", "返乡创业", "招募选派大学生", "引进人才", "培训", "开展", "覆盖", "累计", "全年", "人数",
                "第", "每年", "每", "季度", "未达", "未达到", "控制在", "约", "约为", "大约", "最多", "至少", "年度", "年",
                "月", "届", "余", "多", "以", "个", "十", "两", "内", "为", "在", "达", "到", "提高到", "减少",
                "完成", "已完成", "未完成", "部分完成", "基本完成", "继续推进", "未发生", "零", "无", "合格", "不合格",
                "未超过", "不超过", "超过", "低于", "不低于", "达到", "未能完成", "没有", "尚未"]
               + V._FAST_PREFIX)
_REMARKS = ["新目标", "预计", "含返乡", "万人", "人", "万", "个", "12", "三", "一", "年度", "2021年", "完成", "未完成",
            "新目标新目标新目标新目标新目标新目标新目标新目标", ""]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_LEAD_WORDS), max_size=4),
       st.tuples(st.sampled_from([""] + V._FAST_PREFIX), _DIGITS, st.sampled_from([""] + V._FAST_MULTS),
                 st.sampled_from([""] + V._FAST_UNITS), st.sampled_from([""] + V._FAST_SUFFIX)),
       st.sampled_from(["", " "]), st.sampled_from(["", "（{}）", "({})", "（{})", "【{}】", "（{}）（{}）"]),
       st.sampled_from(_REMARKS), st.sampled_from(UNITS))
def test_fast_path_phrase_figure_remark_agree(lead, figure, space, bracket, remark, unit):
    text = "".join(lead) + "".join(figure) + (space + bracket.format(remark, remark) if bracket else "")
    assert _same(text, unit), (text, V._fast(text, unit), V._full_text_unit(text, unit))


def test_fast_path_takes_the_bench_column_s_phrases_and_remarks():
    from tests.score_rows import bench_column

    texts = [t for row in bench_column() for t in row[1:] if isinstance(t, str)]
    shaped = [t for t in texts if t.startswith(("全市新增返乡创业", "招募选派大学生")) or t.endswith("（新目标）")]
    assert len(shaped) >= 80 and all(V._fast(t, None) is not None for t in shaped)
    # 1352 of these 2000 texts (every row of the bench forms, scored or not) before phrases and remarks
    assert sum(V._fast(t, None) is not None for t in texts) >= 1450


@settings(max_examples=3000, deadline=None)
@given(st.from_regex(r"[+-]?\d{1,20}(\.\d{1,12})?", fullmatch=True), st.sampled_from(sorted(V._MULT_EXP)))
def test_scaled_shortcut_equals_the_decimal_product(digits, mult):
    from decimal import Decimal

    assert V._scaled(digits, mult) == float(Decimal(digits) * Decimal(int(mult)))


def test_batch_parser_reads_as_parse_value_and_keeps_nothing_between_batches():
    corpus = sorted(_corpus())[:400]
    targets = [None] + [V.parse_value(t) for t in ("3.5万人", "≥95%", "完成", "10个工作日", "2亿元")]
    parse = V.batch_parser()
    for _ in range(2):  # the second round is answered from the memo
        for text in corpus:
            for expect in targets:
                assert parse(text, expect) == V.parse_value(text, expect), (text, expect)
    # numbers and text that hash alike are told apart; values of other types are not kept
    assert parse(1, None).number == 1 and parse(True, None).kind == "text" and parse("1", None).raw == "1"
    assert V.batch_parser() is not parse
    assert parse.__closure__ and all(len(c.cell_contents) == 0 for c in V.batch_parser().__closure__
                                     if isinstance(c.cell_contents, dict))


_STATUS_TEXT_WORDS = ["完成", "未完成", "部分完成", "达到", "达", "到", "未超过", "未", "超过", "发生", "未发生", "合格", "不合格",
                      "推进", "继续推进", "正在", "实施", "已", "建成", "验收", "无", "超支", "无超支", "基本", "全部", "没有",
                      "按时", "5", "%", "人", "、", "在建", "持续开展", "办结", "落实到位", "尚未", "能", "不能", "按期"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_STATUS_TEXT_WORDS), min_size=1, max_size=6))
def test_no_status_word_found_means_no_status_pattern_matches(words):
    """The one search that rules out a status (values._ANY_STATUS_RE) finds something whenever one of
    the status patterns would, in the text or in the text with its "未超过"-like words replaced."""
    text = "".join(words)
    if V._ANY_STATUS_RE.search(text) is None:
        t = V._NEG_OK_RE.sub("、", text)
        for pattern in (V._MET_CEILING_RE, V._PARTIAL_RE, V._NOT_DONE_RE, V._ONGOING_RE, V._DONE_RE):
            assert pattern.search(text) is None and pattern.search(t) is None, (text, pattern.pattern)


def test_no_status_word_found_on_the_corpus():
    for text in _corpus():
        if V._ANY_STATUS_RE.search(text) is None:
            t = V._NEG_OK_RE.sub("、", text)
            assert not any(p.search(t) or p.search(text) for p in (V._MET_CEILING_RE, V._PARTIAL_RE,
                                                                    V._NOT_DONE_RE, V._ONGOING_RE, V._DONE_RE))


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(list("，（）：；％！？。、１２ａＡ\u3000 ①㎡²～−人次完成3.5%,\u0301")), max_size=12))
def test_normalise_equals_nfkc_first(chars):
    """_normalise replaces the common full-width punctuation before asking NFKC for the rest: the same
    text as NFKC of the whole (each replacement is the one character NFKC maps it to)."""
    import re
    import unicodedata

    def reference(t: str) -> str:  # _normalise as it was, NFKC on the whole text
        t = V._CIRCLED_RE.sub(";", t).replace("㎡", "平方米").replace("m²", "平方米").replace("㎞", "公里")
        t = unicodedata.normalize("NFKC", t)
        t = t.replace("−", "-").replace("﹣", "-").replace("～", "~").replace("〜", "~")
        t = V._CTRL_RE.sub(" ", t).strip()
        parts = re.split(r"\s+", t)
        out = [parts[0]]
        for p in parts[1:]:
            if out[-1] and p and re.match(r"[A-Za-z0-9]", out[-1][-1]) and re.match(r"[A-Za-z0-9]", p[0]):
                out.append(" ")
            out.append(p)
        t = V._THOUSANDS_RE.sub(lambda m: m.group(0).replace(",", ""), "".join(out))
        return t.rstrip("。.;,!")

    text = "".join(chars)
    assert V._normalise(text) == reference(text)


def _prefix_words_reference(window: str):
    """values._prefix_words without the look at the window's last character."""
    cmp = per = None
    got_cmp = got_per = False
    head_end = len(window)
    for _ in range(2):
        head = window[:head_end]
        pm = None if got_cmp else V._PREFIX_RE.search(head)
        if pm:
            word = pm.group(0)
            base = word[:-1] if word[-1] in "在为" and word[:-1] in V._PREFIX_CMP else word
            cmp, got_cmp = V._PREFIX_CMP.get(base), True
            head_end -= len(word)
            continue
        qm = None if got_per else V._PER_PREFIX_RE.search(head)
        if qm:
            per, got_per = V._UNIT_MAP.get(qm.group(1), qm.group(1)), True
            head_end -= len(qm.group(0))
            continue
        break
    return cmp, per, got_cmp, len(window) - head_end


@settings(max_examples=4000, deadline=None)
@given(st.lists(st.sampled_from(sorted(V._PREFIX_CMP) + V._PER_PREFIX_WORDS
                                + ["每", "在", "为", "全市", "新增", "\n", " ", "3", "约", "不", "于", "度", "期"]),
                max_size=5))
def test_prefix_words_equal_the_full_search(words):
    window = "".join(words)[-10:]
    assert V._prefix_words(window) == _prefix_words_reference(window)
