"""Read the values people type into 年初目标值 / 实际完成值 cells.

``parse_value(value, expect=None) -> ParsedValue`` never raises, whatever the input (str of any
content or length, int, float, NaN, bool, None, datetime, lists ...).

How a cell is read, in order:

1. Non-text inputs: ``None`` -> empty; int/float -> number without unit (a float 0.98 that Excel
   shows as 98% stays 0.98: the engine decides); bool, dates, NaN/inf, other objects -> text with
   ``confident=False``.
2. Text is normalised: NFKC (full-width digits and punctuation), control characters and spaces
   removed, thousands separators, trailing "。". Placeholders ("—", "/", "无", "……") -> empty.
3. Annotations in brackets ("98%（新目标）", "（预计）") are dropped with a note.
4. Figures are found: a number, an optional multiplier (万/亿/千/百万), an optional unit, an optional
   "/年" period, with the comparator words around it (≤, 不超过, 以内 -> le ...). Dates ("2021年"),
   schedules ("5×8小时"), list ordinals ("1、") and numbers glued into names ("12333话务",
   "年度目标1") are not figures.
5. One figure is chosen. With ``expect`` (the parsed target) the figure whose unit matches the
   target's wins. Several candidates without a unique match -> the first unit-bearing figure,
   ``confident=False`` and a note saying so.
6. ``status`` is read from the wording (完成 -> done, 部分完成 -> partial, 未开展 -> not_done,
   继续推进 -> ongoing) for every cell, numeric or not; the engine uses it for text cells.
   Decision: a qualitative *target* such as "完成省人才服务局制定的年度目标任务" is kind "text" with
   status "done" (the wording asks for completion); the engine must not read a target's status as
   an achievement.
"""
from __future__ import annotations

import math
import re
import sys
import unicodedata
from scoring.plaindata import asdict, dataclass  # not dataclasses: see scoring.plaindata
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Callable, Iterator, Literal, Optional, Union

from .lazy import lazy_re as _lazy_re
from .placeholders import PLACEHOLDER_PATTERN

if TYPE_CHECKING:
    Comparator = Literal["ge", "gt", "le", "lt", "eq", "approx"]
    Status = Literal["done", "partial", "not_done", "ongoing"]


@dataclass(frozen=True)
class ParsedValue:
    """One cell as read. Frozen plain data: the readings stage shares it between methods, checks and
    explanations, and building it costs nothing like a validated model would."""

    raw: str  # the text as given (numbers converted with str())
    kind: Literal["number", "text", "empty"]
    number: Optional[float] = None  # in base units: "4.97万人" -> 49700.0, "98%" -> 98.0 (unit "%")
    unit: Optional[str] = None  # base unit: "人", "人次", "次", "家", "元", "%", "小时", "个", "批次" ...
    comparator: Optional[Comparator] = None  # "≤4.5%", "4.5%以内", "不超过80%" -> "le"; "≥", "以上", "不低于" -> "ge"; "左右" -> "approx"
    reverse: bool = False  # True when the wording marks a ceiling (≤, <, 以内, 不超过, 不高于, 以下)
    status: Optional[Status] = None  # qualitative reading: 完成/已完成/达成 -> done; 未完成/未开展 -> not_done; 继续推进 -> ongoing
    confident: bool = True  # False when the number was picked among several or guessed from a sentence
    candidates: int = 0  # how many numbers the text contained
    note: str = ""  # Chinese remark on how the value was read (annotation dropped, figure chosen ...)
    multiplier: float = 1.0  # the 万/亿/千 factor applied: "57.89万人" -> 10000.0 (helps spot "62.27" typed in 万)
    per: Optional[str] = None  # period or base of a rate: "≥1次/年" -> "年", "1.5万元/人" -> "人"
    high: Optional[float] = None  # upper end of a range "2-3批次" (number holds the low end)

    def model_dump(self) -> dict:
        """The fields as a dict (the name pydantic models use, kept for callers of the old model)."""
        return asdict(self)


# ---- units ---------------------------------------------------------------------------------

# typed unit -> base unit. Money is kept in 元 (万元 is 元 with multiplier 10^4).
_UNIT_MAP: dict[str, str] = {
    "%": "%", "‰": "‰", "个百分点": "百分点", "百分点": "百分点",
    "人次": "人次", "户次": "户次", "家次": "家次", "场次": "场次", "批次": "批次", "架次": "架次",
    "车次": "车次", "班次": "班次", "个次": "次", "件次": "件次",
    "人": "人", "名": "人", "位": "人",
    "个工作日": "工作日", "工作日": "工作日", "个月": "月", "个季度": "季度", "季度": "季度",
    "小时": "小时", "分钟": "分钟", "天": "天", "日": "天", "周": "周", "个周": "周", "年": "年",
    "课时": "课时", "学时": "学时",
    "次": "次", "家": "家", "个": "个", "户": "户", "元": "元",
    "项": "项", "件": "件", "场": "场", "期": "期", "所": "所", "台": "台", "套": "套",
    "公里": "公里", "千米": "公里", "km": "公里", "米": "米", "厘米": "厘米", "毫米": "毫米",
    "百分比": "%",  # "≥100百分比" on forms printed by the budget system
    "平方公里": "平方公里", "平方米": "平方米", "m2": "平方米", "立方米": "立方米",
    "亩": "亩", "公顷": "公顷", "吨": "吨", "千克": "千克", "公斤": "千克", "kg": "千克",
    "千瓦时": "千瓦时", "千瓦": "千瓦",
    "起": "起", "例": "例", "宗": "宗", "篇": "篇", "本": "本", "册": "册", "部": "部", "条": "条",
    "支": "支", "队": "队", "辆": "辆", "座": "座", "处": "处", "栋": "栋", "张": "张", "份": "份",
    "批": "批", "轮": "轮", "届": "届", "床": "床", "头": "头", "只": "只", "株": "株", "棵": "棵",
    "分": "分", "倍": "倍", "岁": "岁", "周岁": "岁", "种": "种", "类": "类", "个村": "村", "村": "村", "个镇": "镇",
    "所学校": "所", "节": "节", "班": "班", "组": "组", "块": "块", "间": "间", "门": "门",
}
# Units that are interchangeable for comparison (unit names already normalised).
_UNIT_GROUPS = [{"天", "工作日"}, {"次", "场次"}, {"批", "批次"}]
# Units worth writing with 万/亿 in explanations.
_NO_WAN = {"岁", "%", "‰", "百分点", "小时", "分钟", "天", "工作日", "月", "周", "年", "季度", "分", "倍"}

_MULTS = {"百万": 1e6, "千万": 1e7, "万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_PER_WORDS = ["人次", "人", "生", "床", "村", "年", "月", "天", "日", "次", "户", "家", "个", "项", "周", "季度", "学期",
              "课时", "学时", "亩", "台", "所", "校", "班", "件", "批"]

# What may follow a number: multiplier, 余/多, unit, /period, suffix comparator.
_TAIL_RE = _lazy_re(
    r"(?P<mult>" + _alt(_MULTS) + r")?"
    r"(?P<about>余|多)?"
    r"(?P<unit>" + _alt(_UNIT_MAP) + r")?"
    r"(?:/(?P<per>" + _alt(_PER_WORDS) + r"))?"
    r"(?P<suffix>及以上|以上|及以下|以下|以内|之内|左右|上下|"
    r"内(?![容部涵在外地陆蒙河江网科镜存]))?"
)
# A unit word that would be eaten by a multiplier ("5千米" is 5 km, not 5000 米).
_UNIT_FIRST_RE = _lazy_re(r"千米|千克|千瓦时|千瓦")

_SUFFIX_CMP = {"及以上": "ge", "以上": "ge", "及以下": "le", "以下": "le", "以内": "le", "之内": "le",
               "内": "le", "左右": "approx", "上下": "approx"}

# Comparator words directly before a number. Searched anchored at the end of a short window;
# the earliest start wins, so "未超过" beats "超过".
_PREFIX_CMP = {
    "≤": "le", "<=": "le", "=<": "le", "≦": "le", "⩽": "le", "不超过": "le", "不高于": "le",
    "不大于": "le", "不多于": "le", "未超过": "le", "未高于": "le", "未超出": "le", "不超出": "le",
    "控制在": None, "<": "lt", "低于": "lt", "少于": "lt", "小于": "lt", "未达到": "lt", "未达": "lt",
    "≥": "ge", ">=": "ge", "=>": "ge", "≧": "ge", "⩾": "ge", "不低于": "ge", "不少于": "ge",
    "不小于": "ge", "达到": "ge", ">": "gt", "超过": "gt", "大于": "gt", "高于": "gt", "多于": "gt",
    "=": "eq", "等于": "eq", "≈": "approx", "约为": "approx", "大约": "approx", "约": "approx",
    "~": "approx", "大于等于": "ge", "大于或等于": "ge", "小于等于": "le", "小于或等于": "le",
    "不超": "le", "最多": "le", "至多": "le", "最少": "ge", "至少": "ge",
}
# "每年1次" -> per 年 (the period written before the number)
_PER_PREFIX_WORDS = ["年", "季度", "学期", "月", "周", "天", "日", "人", "户", "次"]
_PER_PREFIX_RE = _lazy_re(r"每(" + "|".join(_PER_PREFIX_WORDS) + r")$")
_PREFIX_RE = _lazy_re(r"(?:" + _alt(_PREFIX_CMP) + r")(?:在|为)?$")

# One scan over the text. Alternatives in priority order: dates, schedules, ranges, numbers.
_NUM = r"\d+(?:\.\d+)?"
_SCAN_RE = _lazy_re(
    r"(?P<date>(?<!\d)(?:19|20)\d{2}(?:\s*[-~至到]\s*(?:19|20)\d{2})?(?:年度?|届)(?:\d{1,2}月(?:\d{1,2}日)?)?"
    r"|(?<!\d)(?:19|20)\d{2}(?:[-/](?:0?[1-9]|1[0-2])(?:[-/]\d{1,2})?|\.(?:0?[1-9]|1[0-2])\.\d{1,2})(?![\d.])"
    r"|(?<![\d个.])\d{1,2}月(?:\d{1,2}日|份|底|初|末|中旬|上旬|下旬|前)?)"
    r"|(?P<sched>(?<![\d.])\d+\s*[×xX*]\s*\d+(?![\d.]))"
    r"|(?P<range>(?<![\d.])(?P<lo>" + _NUM + r")(?P<lomult>" + _alt(_MULTS) + r")?(?P<lounit>%|‰)?"
    r"\s*(?:-|~|—|–|至|到)\s*(?P<hi>" + _NUM + r")(?![\d.]))"
    r"|(?P<num>(?<![\d.])(?P<sign>[-+](?=\d))?" + _NUM + r"(?![\d]))"
)
# "1、" "2." "3)" at the start of an item of a list.
_ORDINAL_RE = _lazy_re(r"(?:^|(?<=[;:,。!?\s]))\d{1,2}(?:[、)]|\.(?![\d]))")
# Annotations in brackets; a bracket that holds only a unit is kept ("3.5（万人）").
_ANNOT_RE = _lazy_re(r"[(\[【]([^()\[\]【】]{0,60})[)\]】]")
_UNIT_ONLY_RE = _lazy_re(r"^(?:" + _alt(_MULTS) + r")?(?:" + _alt(_UNIT_MAP) + r")$")
_THOUSANDS_RE = _lazy_re(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")
_PURE_NUM_RE = _lazy_re(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_EMPTY_RE = _lazy_re(PLACEHOLDER_PATTERN)  # only dashes, dots, slashes ... (scoring.placeholders)
_EMPTY_WORDS = {"无", "暂无", "空", "不适用", "n/a", "na", "null", "none", "nil"}
_CTRL_RE = _lazy_re(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_WS_RE = _lazy_re(r"\s+")
_ASCII_ALNUM = _lazy_re(r"[A-Za-z0-9]")
_CIRCLED_RE = _lazy_re(r"[\u2460-\u2473\u2474-\u2487\u2488-\u249b\u2776-\u277f\u2780-\u2793]")

# Wording that is not a status although it contains 未 ("未超过80%" is a met ceiling).
_NEG_OK_RE = _lazy_re(r"未(?:超过|超出|突破|高于|发生|出现|收到|接到)")
_STATUS_PATTERNS = (
    r"未(?:超标|超支|超预算|超出预算)|无超支",  # a met ceiling
    r"部分(?:完成|达成|实现|落实|达到|开展|实施)|基本(?:完成|达成|实现|落实|达到)"
    r"|(?:未|没有|尚未)(?:全部|完全)(?:完成|达成|实现|落实)|大部分完成",  # partial
    r"不合格|不达标|(?:未能?|没有|尚未|暂未|无法|不能)(?:按[时期])?(?:完成|达成|达到|达标|开展|实施|落实|启动|"
    r"执行|实现|兑现|建成|验收|举办|召开|开工|完工|发放|到位|组织)",  # not done
    r"继续推进|持续推进|稳步推进|有序推进|加快推进|推进中|正在|进行中|实施中|建设中|在建|持续开展",  # ongoing
    r"完成|验收合格|通过验收|已验收|合格|达成|达到(?![\d<>=≤≥])|已落实|落实到位|已实现|实现|达标|已办结|办结|已建成|建成|"
    r"已开展|已实施|已举办|已到位|已发放",  # done
)
_MET_CEILING_RE, _PARTIAL_RE, _NOT_DONE_RE, _ONGOING_RE, _DONE_RE = map(_lazy_re, _STATUS_PATTERNS)
# Any of them: most cells hold no status word, and one search tells so. Replacing the _NEG_OK_RE words
# by "、" creates no match (no pattern holds "、", and none looks ahead at "未"), so a text in which this
# finds nothing has no status (tests/test_values_fast.py checks it).
_ANY_STATUS_RE = _lazy_re("|".join(f"(?:{p})" for p in _STATUS_PATTERNS))
_YES = {"是", "√", "✓", "✔", "有", "已", "yes", "y", "true"}
_NO = {"否", "×", "✗", "✘", "no", "n", "false"}
# "未发生" / "零事故" as the whole (short) cell: a met zero target.
_ZERO_TEXT_RE = _lazy_re(r"(?:未发生|未出现|没有发生|零)[^0-9]{0,12}"
                           r"|无(?!法)[^0-9]{0,8}(?:事故|投诉|案件|差错|事件|违规|违纪|违法|漏报|迟报)")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_NUMERALS = "零〇一二两三四五六七八九十"
_CN_NUM_RE = _lazy_re(r"(?P<cmp>" + _alt(_PREFIX_CMP) + r")?(?P<cn>[" + _CN_NUMERALS + r"]{1,3})"
                        r"(?P<unit>" + _alt(_UNIT_MAP) + r")(?P<suffix>以上|以下|以内|之内|内|左右)?")

_EXCEL_ERROR_RE = _lazy_re(r"#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA|FIELD!|BLOCKED!)",
                             re.IGNORECASE)
_SMALL_INT_RE = _lazy_re(r"\d{1,2}")
_PUNCT_RE = _lazy_re(r"[\s;:,.!?、~]")
_LETTER_RE = _lazy_re(r"[" + _CJK + r"A-Za-z]")

_MAX_SCAN = 2000  # figures examined in one cell; a value cell never holds more


class _Figure:
    __slots__ = ("start", "end", "number", "unit", "mult", "per", "cmp", "high", "bare", "name_like",
                 "glued", "about", "text")

    def __init__(self) -> None:
        self.high: Optional[float] = None
        self.about = False
        self.name_like = False
        self.glued = False


def cn_number(s: str) -> Optional[int]:
    """Small Chinese numerals (零 .. 九十九), enough for "两次", "十二个月"."""
    if "十" in s:
        head, _, tail = s.partition("十")
        if "十" in tail or len(head) > 1 or len(tail) > 1:
            return None
        h = _CN_DIGITS.get(head, None) if head else 1
        t = _CN_DIGITS.get(tail, None) if tail else 0
        if h is None or t is None:
            return None
        return h * 10 + t
    if len(s) != 1:
        return None
    return _CN_DIGITS.get(s)


def _safe_str(value: Any) -> str:
    try:
        s = value if isinstance(value, str) else str(value)
    except Exception:  # a broken __str__ must not break the parser
        try:
            s = repr(value)
        except Exception:
            s = "<无法显示的值>"
    if not isinstance(s, str):
        s = "<无法显示的值>"
    return s


_WIDE_PUNCT = tuple((w, unicodedata.normalize("NFKC", w)) for w in "，（）：；％！？")


def _normalise(text: str) -> str:
    text = _CIRCLED_RE.sub(";", text)
    text = text.replace("㎡", "平方米").replace("m²", "平方米").replace("㎞", "公里")
    if not unicodedata.is_normalized("NFKC", text):
        # The full-width punctuation of Chinese text, replaced by the one character NFKC maps each to
        # (cheaper than normalize()); the rest, if any, by NFKC itself. The result is NFKC's.
        for wide, narrow in _WIDE_PUNCT:
            text = text.replace(wide, narrow)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    text = text.replace("−", "-").replace("﹣", "-").replace("～", "~").replace("〜", "~")
    text = _CTRL_RE.sub(" ", text)
    text = text.strip()
    # Spaces only matter between two ASCII letters/digits ("1 234" stays two numbers).
    if _WS_RE.search(text):
        parts = _WS_RE.split(text)
        out = [parts[0]]
        for p in parts[1:]:
            if out[-1] and p and _ASCII_ALNUM.match(out[-1][-1]) and _ASCII_ALNUM.match(p[0]):
                out.append(" ")
            out.append(p)
        text = "".join(out)
    if "," in text:
        text = _THOUSANDS_RE.sub(lambda m: m.group(0).replace(",", ""), text)
    return text.rstrip("。.;,!")


def _status_of(text: str) -> Optional[Status]:
    low = text.lower()
    if low in _YES:
        return "done"
    if low in _NO:
        return "not_done"
    if _ANY_STATUS_RE.search(text) is None:
        return None
    if _MET_CEILING_RE.search(text):
        return "done"
    t = _NEG_OK_RE.sub("、", text)
    if _PARTIAL_RE.search(t):
        return "partial"
    if _NOT_DONE_RE.search(t):
        return "not_done"
    if _ONGOING_RE.search(t):
        return "ongoing"
    if _DONE_RE.search(t):
        return "done"
    return None


# Powers of ten of the multipliers, for _scaled's exact shortcut.
_MULT_EXP = {1.0: 0, 1e3: 3, 1e4: 4, 1e6: 6, 1e7: 7, 1e8: 8, 1e12: 12}


def _scaled(digits: str, mult: float) -> Optional[float]:
    """digits × multiplier without binary noise ("168.58" × 10^4 -> 1685800.0, not ...0002)."""
    if len(digits) <= 15 and mult in _MULT_EXP:
        # "168.58e4": float() rounds the exact decimal product once, as float(Decimal product) does
        # (at most 15 + 12 digits: the Decimal product is exact within its 28 digits).
        exp = _MULT_EXP[mult]
        return float(digits) if exp == 0 else float(f"{digits}e{exp}")
    from decimal import Decimal, InvalidOperation  # rare (over 15 digits): not imported at start

    try:
        x = float(Decimal(digits) * Decimal(int(mult)))
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


from .formatting import compact as _fmt  # noqa: E402  (the one home of number writing)


def format_number(x: float, unit: Optional[str] = None) -> str:
    """Chinese display of a number in base units: (49700, "人") -> "4.97万人",
    (701000000, "元") -> "7.01亿元", (3.3, "%") -> "3.3%", (10072.67, None) -> "10072.67"."""
    try:
        x = float(x)
    except Exception:
        return "—"
    if not math.isfinite(x):
        return "—"
    u = unit or ""
    if unit and unit not in _NO_WAN:
        if abs(x) >= 1e8:
            return f"{_fmt(x / 1e8)}亿{u}"
        if abs(x) >= 1e4:
            return f"{_fmt(x / 1e4)}万{u}"
    return f"{_fmt(x)}{u}"


def _group(unit: str) -> str:
    for g in _UNIT_GROUPS:
        if unit in g:
            return min(g)
    return unit


def same_dimension(a: Union[ParsedValue, str, None], b: Union[ParsedValue, str, None]) -> bool:
    """True when the two values' units can be compared. A missing unit counts as unknown, so it is
    compatible with anything (the caller may still want to warn). Accepts ParsedValue or unit str."""
    ua = a.unit if isinstance(a, ParsedValue) else a
    ub = b.unit if isinstance(b, ParsedValue) else b
    if not ua or not ub:
        return True
    return _group(_UNIT_MAP.get(ua, ua)) == _group(_UNIT_MAP.get(ub, ub))


def _unit_match(unit: Optional[str], target: Optional[str]) -> bool:
    return bool(unit) and bool(target) and _group(unit) == _group(target)


def _describe(f: _Figure) -> str:
    if f.unit:
        return format_number(f.number, f.unit)
    for word, factor in _MULTS.items():
        if factor == f.mult:
            return f"{_fmt(f.number / factor)}{word}"
    return _fmt(f.number)


# Every alternative of _SCAN_RE starts at a digit or at the sign of a number. Trying the pattern only
# there finds the same matches as _SCAN_RE.finditer (which tries it at every position: 3x slower).
# Within a run of digits only the first can start a match (every alternative looks behind for a digit).
_SCAN_START_RE = _lazy_re(r"(?<!\d)\d|[+\-]")


def _scan_matches(text: str) -> Iterator[re.Match]:
    """The matches of ``_SCAN_RE.finditer(text)``, in order."""
    pos = 0
    for start in _SCAN_START_RE.finditer(text):
        p = start.start()
        if p < pos:
            continue
        m = _SCAN_RE.match(text, p)  # lookbehinds still see the text before p
        if m:
            yield m
            pos = m.end()


def _scan(text: str) -> tuple[list[_Figure], list[str], int]:
    """Find the figures of a normalised text. Returns (figures, skipped descriptions, count seen)."""
    figures: list[_Figure] = []
    skipped: list[str] = []
    seen = 0
    for m in _scan_matches(text):
        kind = m.lastgroup
        if kind in ("date", "sched"):
            if len(skipped) < 6:
                skipped.append(f"{'日期' if kind == 'date' else '时间安排'}“{m.group(0)}”")
            continue
        seen += 1
        if seen <= _MAX_SCAN:
            f = _figure(text, m, kind == "range")
            if f is not None:
                figures.append(f)
    return figures, skipped, seen


def _figure(text: str, m: re.Match, is_range: bool) -> Optional[_Figure]:
    """One number (or range) with its multiplier, unit, period and comparator words around it."""
    if is_range:
        lo_s, hi_s, num_end = m.group("lo"), m.group("hi"), m.end("hi")
        lomult = _MULTS.get(m.group("lomult") or "")
    else:
        lo_s, hi_s, num_end, lomult = m.group(0), None, m.end(), None
    f = _Figure()
    mult_word, unit_word, per, suffix, end = _tail(text, num_end, f)
    mult = _MULTS.get(mult_word or "", 1.0)
    if is_range:
        if mult == 1.0 and lomult:
            mult = lomult
        if m.group("lounit") and not unit_word:
            unit_word = m.group("lounit")
    value = _scaled(lo_s, lomult or mult)
    if hi_s is not None:
        f.high = _scaled(hi_s, mult)
        if f.high is None:
            return None
    if value is None:
        return None
    f.number, f.unit, f.mult, f.end = value, (_UNIT_MAP.get(unit_word) if unit_word else None), mult, end
    f.text = text[m.start():end]
    _place(text, m.start(), end, f, _SUFFIX_CMP.get(suffix) if suffix else None, per, bool(suffix))
    return f


def _tail(text: str, num_end: int, f: _Figure) -> tuple:
    """(multiplier word, unit word, period, suffix comparator, end) after a number. A unit that
    begins with a multiplier character goes first: "5千米" is 5 公里, not 5000 米."""
    um = _UNIT_FIRST_RE.match(text, num_end)
    if um:
        tm = _TAIL_RE.match(text, um.end())
        if tm.group("unit") or tm.group("mult") or tm.group("about"):
            return None, um.group(0), None, None, um.end()  # only a /period or a suffix may follow a unit
        return None, um.group(0), tm.group("per"), tm.group("suffix"), tm.end()
    tm = _TAIL_RE.match(text, num_end)
    f.about = bool(tm.group("about"))
    return tm.group("mult"), tm.group("unit"), tm.group("per"), tm.group("suffix"), tm.end()


# The last characters a match of _PREFIX_RE / _PER_PREFIX_RE can end with ("$" also matches before a
# final newline).
_PREFIX_LAST = frozenset(w[-1] for w in _PREFIX_CMP) | {"在", "为", "\n"}
_PER_PREFIX_LAST = frozenset(w[-1] for w in _PER_PREFIX_WORDS) | {"\n"}


def _prefix_words(window: str) -> tuple[Optional[str], Optional[str], bool, int]:
    """(comparator, period, comparator word found, length) of the words just before a number:
    "每年不少于1次" and "不少于每年1次" alike."""
    cmp = per = None
    got_cmp = got_per = False
    head_end = len(window)
    for _ in range(2):
        head = window[:head_end]
        last = head[-1:]  # both patterns end at the end of the head: its last character rules most out
        pm = None if got_cmp or last not in _PREFIX_LAST else _PREFIX_RE.search(head)
        if pm:
            word = pm.group(0)
            base = word[:-1] if word[-1] in "在为" and word[:-1] in _PREFIX_CMP else word
            cmp, got_cmp = _PREFIX_CMP.get(base), True
            head_end -= len(word)
            continue
        qm = None if got_per or last not in _PER_PREFIX_LAST else _PER_PREFIX_RE.search(head)
        if qm:
            per, got_per = _UNIT_MAP.get(qm.group(1), qm.group(1)), True
            head_end -= len(qm.group(0))
            continue
        break
    return cmp, per, got_cmp, len(window) - head_end


def _place(text: str, start: int, end: int, f: _Figure, cmp: Optional[str], per: Optional[str],
           has_suffix: bool) -> None:
    """Comparator (suffix first, then the words before), period, and whether the figure is glued into
    a name ("12333话务", "年度目标1", "第3季度")."""
    window = text[max(0, start - 10):start]
    pcmp, pper, _, prefix_len = _prefix_words(window)
    cmp = cmp if cmp is not None else pcmp
    f.per = per or pper
    if f.about and cmp is None:
        cmp = "approx"
    f.cmp = cmp
    f.bare = f.unit is None and f.mult == 1.0 and f.per is None
    left = text[start - prefix_len - 1] if start - prefix_len - 1 >= 0 else ""
    left_glued = prefix_len == 0 and bool(left) and _LETTER_RE.match(left) is not None
    right = text[end] if end < len(text) and not has_suffix else ""
    f.glued = left_glued or (bool(right) and _LETTER_RE.match(right) is not None)
    if (f.bare and f.glued) or (prefix_len == 0 and left == "第"):
        f.name_like = True
    f.start = start - prefix_len


def _text_value(raw: str, note: str, confident: bool = False) -> ParsedValue:
    return ParsedValue(raw=raw, kind="text", confident=confident, note=note)


def parse_value(value: Any, expect: Optional[ParsedValue] = None) -> ParsedValue:
    """Parse one cell. ``expect`` (the parsed target) guides the choice of figure in a sentence:
    the figure whose unit matches the target's unit wins. Never raises: an internal error becomes a
    text value asking for a manual check (the property tests call ``parse_strict`` instead, so such
    an error fails them rather than hiding here)."""
    try:
        if type(value) is str:  # parse_strict's text branch, inlined: this runs for every cell
            unit = expect.unit if isinstance(expect, ParsedValue) and expect.kind == "number" else None
            return _fast(value, unit) or _full_text_unit(value, unit)
        return _parse(value, expect)
    except Exception as exc:  # last line of defence: the contract is "never raises"
        return _last_resort(value, exc)


_FIGURE_CHAR_RE = _lazy_re(r"[\d" + _CN_NUMERALS + r"]")


def may_hold_unit_figure(value: Any) -> bool:
    """False only when no reading of ``value`` can be a figure with a unit (kind "number", a unit),
    whatever the target: a text whose normalised form holds no digit and no Chinese numeral. Every
    such reading starts at one (the fast path's and the scan's ``\\d``, ``_CN_NUM_RE``); the readings
    without one (a met zero, "未发生安全事故"; a plain number) have no unit. ``_normalise`` only drops or
    replaces characters after NFKC, so NFKC of the text is a wider net. A few hundred nanoseconds: the
    readings stage asks it before parsing a 指标说明 for PE107."""
    if type(value) is not str:
        return True
    text = value if unicodedata.is_normalized("NFKC", value) else unicodedata.normalize("NFKC", value)
    return _FIGURE_CHAR_RE.search(text) is not None


def batch_parser() -> "Callable[[Any, Optional[ParsedValue]], ParsedValue]":
    """``parse_value`` for cells read together (one ``=PE_SCORES`` call over a column): a text met
    again is not read again. The reading of a text depends on nothing but the text and the target's
    unit (``_parse_text_unit``), so the answer is the one ``parse_value`` gives; the memo lives as long
    as the returned function, nothing is kept between calls."""
    seen: dict[Any, ParsedValue] = {}

    def parse(value: Any, expect: Optional[ParsedValue] = None) -> ParsedValue:
        if type(value) is not str:
            return parse_value(value, expect)
        unit = expect.unit if isinstance(expect, ParsedValue) and expect.kind == "number" else None
        key = value if unit is None else (value, unit)  # a str and a tuple are never equal
        known = seen.get(key)
        if known is None:
            try:  # parse_value's text branch
                known = _fast(value, unit) or _full_text_unit(value, unit)
            except Exception as exc:  # the contract of parse_value: never raises
                known = _last_resort(value, exc)
            seen[key] = known
        return known

    return parse


def parse_strict(value: Any, expect: Optional[ParsedValue] = None) -> ParsedValue:
    """``parse_value`` without the last-resort net: a bug in the parser raises here."""
    if type(value) is str:
        return _parse_text(value, expect)
    return _parse(value, expect)


def _last_resort(value: Any, exc: Exception) -> ParsedValue:
    try:
        raw = _safe_str(value)
    except Exception:
        raw = ""
    return ParsedValue(raw=raw, kind="text", confident=False,
                       note=f"无法解析该单元格（{type(exc).__name__}），请人工核对")


def _is_date(value: Any) -> bool:
    """A date, time or duration, told without importing datetime (a cell value of that type means
    the caller already imported it)."""
    import sys

    dt = sys.modules.get("datetime")
    return dt is not None and isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta))


def _is_real(value: Any) -> bool:
    """isinstance(value, numbers.Real) without importing numbers (~0.7 ms at start, for its ABCs): int
    and float are Real; any other Real type (a numpy float, a Fraction) is registered through the module,
    so it is loaded before such a value can exist."""
    if isinstance(value, (int, float)):
        return True
    numbers = sys.modules.get("numbers")
    return numbers is not None and isinstance(value, numbers.Real)


def _is_decimal(value: Any) -> bool:
    """isinstance(value, decimal.Decimal) without importing decimal (~0.6 ms at start): while the module
    is not loaded, nothing can be one of its Decimals."""
    decimal = sys.modules.get("decimal")
    return decimal is not None and isinstance(value, decimal.Decimal)


def _parse(value: Any, expect: Optional[ParsedValue]) -> ParsedValue:
    if value is None:
        return ParsedValue(raw="", kind="empty")
    if isinstance(value, bool):
        return _text_value(str(value), "单元格是逻辑值（TRUE/FALSE），不是数值")
    if _is_date(value):
        return _text_value(_safe_str(value), "单元格是日期或时间，不是数值，请检查单元格格式")
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        if (_is_real(value) or _is_decimal(value)) and type(value).__name__ != "bool_":
            raw = _safe_str(value)
            try:
                x = float(value)
            except Exception:
                return _text_value(raw, "无法识别的数值")
            if not math.isfinite(x):
                return _text_value(raw, "不是有限数值（NaN 或无穷大）")
            return ParsedValue(raw=raw, kind="number", number=x)
        return _text_value(_safe_str(value), f"无法识别的单元格内容（{type(value).__name__}）")
    return _parse_text(value, expect)


def _parse_text(raw: str, expect: Optional[ParsedValue]) -> ParsedValue:
    target_unit = expect.unit if isinstance(expect, ParsedValue) and expect.kind == "number" else None
    return _parse_text_unit(raw, target_unit)


def _parse_text_unit(raw: str, target_unit: Optional[str]) -> ParsedValue:
    """Read one text: the only thing of ``expect`` the reading depends on is the target's unit."""
    fast = _fast(raw, target_unit)
    return fast if fast is not None else _full_text_unit(raw, target_unit)


def _full_text_unit(raw: str, target_unit: Optional[str]) -> ParsedValue:
    """The full reading of a text (normalise, annotations, scan, choice, status)."""
    quick, text = _quick(raw, target_unit)
    if quick is not None:
        return quick
    notes: list[str] = []
    body = _strip_annotations(text, notes)
    figures, skipped, seen = _scan(body)
    status = _status_of(body)
    if skipped:
        notes.append("；".join(skipped[:3]) + "不作为数值")
    real = [f for f in figures if not f.name_like]
    names = [f for f in figures if f.name_like]
    if not real:
        return _without_figure(raw, body, figures, names, seen, status, notes)
    chosen, confident = _choose(real, target_unit, seen, notes)
    return _with_figure(raw, body, chosen, confident, real, names, seen, status, target_unit, notes)


# The common shapes of a value cell, read without normalising or scanning: one figure that is the
# whole cell, "95%", "≥95%", "3.5万人", "4.5%以内", "不超过80%", "8次", "10个工作日"; the same after a
# phrase of Chinese characters, "全市新增返乡创业3377人" (a unit required); either followed by a remark
# in brackets, "43%（新目标）". Only words whose reading by the full path is known are accepted: no
# dates (年/月/届), no 余/多, no sign, no spaces inside, no commas, nothing NFKC would change (the
# phrase and the remark are CJK unified ideographs, which NFKC keeps). Where the full path reads the
# words around a figure (comparator and period words before it, the status words of the cell), the
# fast path calls the same functions. ``_fast`` returns exactly what the full path returns for such a
# text, or None to let it read the text (tests/test_values_fast.py checks that on the value corpus,
# the real forms and generated texts).
_FAST_PREFIX = ["≥", "≤", ">=", "<=", ">", "<", "不超过", "不低于", "不少于", "不高于", "不大于", "不小于",
                "不多于", "低于", "高于", "超过", "大于", "小于", "少于", "多于", "达到", "未超过"]
_FAST_MULTS = ["亿", "万", "千"]
_FAST_UNITS = ["%", "‰", "个百分点", "百分点", "人次", "户次", "家次", "场次", "批次", "人", "名", "次", "家",
               "个", "户", "元", "项", "件", "场", "期", "台", "套", "篇", "条", "份", "批", "个工作日",
               "工作日", "天", "小时", "分钟", "分", "倍", "亩", "吨", "公里", "所", "课时", "学时"]
_FAST_SUFFIX = ["及以上", "及以下", "以上", "以下", "以内", "左右"]
_FAST_TAIL = (r"(?P<num>\d+(?:\.\d+)?)(?P<mult>" + _alt(_FAST_MULTS) + r")?"
              r"(?P<unit>" + _alt(_FAST_UNITS) + r")?(?P<suf>" + _alt(_FAST_SUFFIX) + r")?")
_FAST_RE = _lazy_re(r"(?P<pre>" + _alt(_FAST_PREFIX) + r")?" + _FAST_TAIL)
_HAN = "\u4e00-\u9fff"  # CJK unified ideographs: NFKC leaves them as they are
_FAST_LEAD_RE = _lazy_re(r"(?P<lead>[" + _HAN + r"]{1,30})" + _FAST_TAIL)
_FAST_REMARK_RE = _lazy_re(r"(?P<body>[^ ]+) ?(?:（(?P<fw>[" + _HAN + r"]{1,30})）|\((?P<hw>[" + _HAN + r"]{1,30})\))")


def _number_value(raw: str, number: float, unit: Optional[str], cmp: Optional[str], status: Optional[str],
                  note: str, mult: float, per: Optional[str]) -> ParsedValue:
    """A ParsedValue of kind "number" read from one figure (confident, one candidate, no range), built
    without the frozen dataclass's per-field ``object.__setattr__`` (a third of the fast path's time);
    equal to ``ParsedValue(...)`` with the same fields."""
    pv = _new(ParsedValue)
    pv.__dict__.update(raw=raw, kind="number", number=number, unit=unit, comparator=cmp,
                       reverse=cmp == "le" or cmp == "lt", status=status, confident=True, candidates=1,
                       note=note, multiplier=mult, per=per, high=None)
    return pv


_new = object.__new__


# The commonest words of a qualitative cell. They hold no figure, so their reading does not depend
# on the target: each is read once by the full path and the (frozen) result shared.
_STATUS_WORDS = frozenset({"完成", "已完成", "全部完成", "按时完成", "未完成", "部分完成", "基本完成", "达成",
                           "已达成", "未达成", "部分达成", "达标", "合格", "继续推进", "持续推进", "稳步推进",
                           "是", "否", "有", "无"})
_STATUS_READ: dict[str, ParsedValue] = {}

# What the words around a fast figure mean: (prefix word, multiplier word, unit word, suffix word) ->
# (comparator, multiplier, its power of ten, base unit). Filled as shapes are met (a few hundred at most).
_FAST_WORDS: dict[tuple, tuple] = {}


_PLAIN = (None, None, None, None)  # no word around the figure: a plain number


def _fast_words(pre: Optional[str], mult_word: Optional[str], unit_word: Optional[str], suf: Optional[str]) -> tuple:
    key = (pre, mult_word, unit_word, suf)
    known = _FAST_WORDS.get(key)
    if known is None:
        mult = _MULTS[mult_word] if mult_word else 1.0
        cmp = _SUFFIX_CMP[suf] if suf else (_PREFIX_CMP[pre] if pre else None)
        known = _FAST_WORDS[key] = (cmp, mult, _MULT_EXP[mult], _UNIT_MAP[unit_word] if unit_word else None)
    return known


def _fast(raw: str, target_unit: Optional[str]) -> Optional[ParsedValue]:
    """A one-figure cell of a common shape, read directly (see ``_FAST_RE``), or one of the
    ``_STATUS_WORDS``; None otherwise."""
    if len(raw) > 48:
        return None
    m = _FAST_RE.fullmatch(raw)
    if m is None:
        if raw in _STATUS_WORDS:
            known = _STATUS_READ.get(raw)
            if known is None:
                known = _STATUS_READ[raw] = _full_text_unit(raw, None)
            return known
        if raw[-1:] in ("）", ")"):
            return _fast_remark(raw, target_unit)
        return _fast_phrase(raw, raw, target_unit, "")
    key = m.group(1, 3, 4, 5)  # the words around the figure: prefix, multiplier, unit, suffix
    if key == _PLAIN:  # a plain number, as _quick reads it
        return _number_value(raw, float(m.group(2)), None, None, None,
                             f"未写单位（目标单位为“{target_unit}”）" if target_unit else "", 1.0, None)
    words = _FAST_WORDS.get(key) or _fast_words(*key)
    return _fast_number(raw, m.group(2), words, None, None, target_unit, "")


def _fast_number(raw: str, digits: str, words: tuple, status: Optional[str], per: Optional[str],
                 target_unit: Optional[str], note: str) -> Optional[ParsedValue]:
    cmp, mult, exp, unit = words
    if len(digits) <= 15:  # _scaled's shortcut (float("168.58e4") rounds the exact product once)
        number = float(digits) if exp == 0 else float(f"{digits}e{exp}")
    else:
        number = _scaled(digits, mult)
        if number is None:
            return None
    if target_unit and unit is None:
        note = f"{note}；未写单位（目标单位为“{target_unit}”）" if note else f"未写单位（目标单位为“{target_unit}”）"
    return _number_value(raw, number, unit, cmp, status, note, mult, per)


def _fast_phrase(raw: str, body: str, target_unit: Optional[str], note: str) -> Optional[ParsedValue]:
    """``body`` (``raw`` without its remark) as one figure after a phrase of Chinese characters;
    ``note`` is the remark's note, which comes first in the full path."""
    m = _FAST_LEAD_RE.fullmatch(body)
    if m is None or not m.group("unit"):  # a bare figure in a phrase is a name or needs checking
        return None
    _lead, digits, mult_word, unit_word, suf = m.groups()
    start = m.start("num")
    pcmp, per, _, prefix_len = _prefix_words(body[max(0, start - 10):start])
    if pcmp == "lt" or (prefix_len == 0 and body[start - 1] == "第"):
        return None  # "未达到90%" says the mark was missed; "第3人" is a name
    cmp, mult, exp, unit = _fast_words(None, mult_word, unit_word, suf)
    words = (cmp if suf else pcmp, mult, exp, unit)
    return _fast_number(raw, digits, words, _status_of(body), per, target_unit, note)


def _fast_remark(raw: str, target_unit: Optional[str]) -> Optional[ParsedValue]:
    """A figure followed by a remark in brackets: the remark is dropped with a note, as the full path
    drops it (a bracket holding a unit, "3.5（万人）", is part of the figure: left to the full path)."""
    m = _FAST_REMARK_RE.fullmatch(raw)
    if m is None:
        return None
    inner = m.group("fw") or m.group("hw")
    body = m.group("body")
    if _UNIT_ONLY_RE.match(inner) or body in _STATUS_WORDS:
        return None
    note = "已忽略括注“" + inner[:20] + "”"
    m = _FAST_RE.fullmatch(body)
    if m is None:
        return _fast_phrase(raw, body, target_unit, note)
    pre, digits, mult_word, unit_word, suf = m.groups()
    # a plain number in front of a remark is read as the scan reads it (not as _quick does): same value
    return _fast_number(raw, digits, _fast_words(pre, mult_word, unit_word, suf), None, None, target_unit, note)


def _quick(raw: str, target_unit: Optional[str]) -> tuple[Optional[ParsedValue], str]:
    """Excel errors, blanks and plain numbers ("1e-05", "-3.5" as str(float) writes them); else
    (None, the normalised text) for the full reading."""
    if len(raw) < 40 and "#" in raw and _EXCEL_ERROR_RE.fullmatch(raw.strip()):
        return _text_value(raw, f"单元格是 Excel 错误值 {raw.strip()}，请检查公式"), raw
    text = _normalise(raw)
    if not text or _EMPTY_RE.fullmatch(text) or text.lower() in _EMPTY_WORDS:
        return ParsedValue(raw=raw, kind="empty"), text
    if not _PURE_NUM_RE.fullmatch(text):
        return None, text
    try:
        x = float(text)
    except Exception:
        x = float("nan")
    if not math.isfinite(x):
        return _text_value(raw, "数值超出范围（无穷大），请核对"), text
    return ParsedValue(raw=raw, kind="number", number=x, candidates=1,
                       note=f"未写单位（目标单位为“{target_unit}”）" if target_unit else ""), text


def _strip_annotations(text: str, notes: list[str]) -> str:
    """Drop annotations in brackets (a bracket holding only a unit stays) and list ordinals."""
    annots: list[str] = []

    def _drop(m: re.Match) -> str:
        inner = m.group(1)
        if _UNIT_ONLY_RE.match(inner):
            return inner
        if inner.strip() and not _SMALL_INT_RE.fullmatch(inner.strip()) and len(annots) < 4:
            annots.append(inner)
        return ";"

    # each pattern needs a character most cells lack: a closing bracket; "、", ")" or "." after digits
    body = _ANNOT_RE.sub(_drop, text) if (")" in text or "]" in text or "】" in text) else text
    if "、" in body or ")" in body or "." in body:
        body = _ORDINAL_RE.sub(";", body)
    body = body.strip(";")
    if not body or _EMPTY_RE.fullmatch(body):
        # only an annotation, "(10072.67)": read what was inside it
        return _ANNOT_RE.sub(lambda m: m.group(1), text)
    if annots:
        notes.append("已忽略括注“" + "”“".join(a[:20] for a in annots) + "”")
    return body


def _without_figure(raw: str, body: str, figures: list, names: list, seen: int, status: Optional[Status],
                    notes: list[str]) -> ParsedValue:
    """No usable figure: a Chinese numeral ("两次"), a met zero ("零事故"), or text."""
    cm = _CN_NUM_RE.fullmatch(body) if not figures and len(body) <= 12 else None
    v = cn_number(cm.group("cn")) if cm else None
    if v is not None:
        cmp = _SUFFIX_CMP.get(cm.group("suffix") or "") or _PREFIX_CMP.get(cm.group("cmp") or "")
        notes.append(f"按中文数字读作 {v}")
        return ParsedValue(raw=raw, kind="number", number=float(v), unit=_UNIT_MAP[cm.group("unit")],
                           comparator=cmp, reverse=cmp in ("le", "lt"), candidates=1, note="；".join(notes))
    if not figures and len(body) <= 15 and _ZERO_TEXT_RE.fullmatch(body):
        notes.append("“未发生 / 无…事故 / 零…”读作 0")
        return ParsedValue(raw=raw, kind="number", number=0.0, status="done", candidates=0, note="；".join(notes))
    confident = True
    if seen > len(figures) and not names:
        confident = False
        notes.append("数字过大或无法读取，未作为数值")
    if names:
        confident = False
        shown = "、".join(_fmt(f.number) for f in names[:3])
        notes.append(f"文字中的数字 {shown} 没有单位，像是名称或编号，未作为数值")
    return ParsedValue(raw=raw, kind="text", status=status, confident=confident, candidates=seen,
                       note="；".join(notes))


def _choose(real: list, target_unit: Optional[str], seen: int, notes: list[str]) -> tuple["_Figure", bool]:
    """The figure to read: the one in the target's unit, else the only one, else the first with a unit."""
    if target_unit and len(real) > 1:
        matching = [f for f in real if _unit_match(f.unit, target_unit)]
        if len(matching) == 1:
            notes.append(f"句中有 {len(real)} 个数值，取与目标单位（{target_unit}）一致的 {_describe(matching[0])}")
            return matching[0], True
        if matching:
            shown = "、".join(_describe(f) for f in matching[:5])
            notes.append(f"有 {len(matching)} 个与目标单位（{target_unit}）一致的数值（{shown}），"
                         f"暂取第一个 {_describe(matching[0])}，请核对")
            return matching[0], False
        notes.append(f"没有与目标单位（{target_unit}）一致的数值")
        chosen, _ = _first_of(real, seen, notes)
        return chosen, False
    return _first_of(real, seen, notes)


def _first_of(real: list, seen: int, notes: list[str]) -> tuple["_Figure", bool]:
    if len(real) == 1:
        return real[0], True
    with_unit = [f for f in real if f.unit]
    chosen = with_unit[0] if with_unit else real[0]
    shown = "、".join(_describe(f) for f in real[:5]) + ("……" if len(real) > 5 else "")
    which = "第一个带单位的数值" if with_unit else "第一个数值"
    notes.append(f"含 {max(len(real), seen if seen > _MAX_SCAN else 0)} 个数值（{shown}），"
                 f"暂取{which} {_describe(chosen)}，请核对")
    return chosen, False


def _with_figure(raw: str, body: str, chosen: "_Figure", confident: bool, real: list, names: list, seen: int,
                 status: Optional[Status], target_unit: Optional[str], notes: list[str]) -> ParsedValue:
    """The chosen figure as the value, trusted only when it is the cell's content or carries a unit."""
    rest_clean = _PUNCT_RE.sub("", body[:chosen.start] + body[chosen.end:])
    if chosen.unit is None and rest_clean:
        confident = False
        notes.append(f"数值 {_describe(chosen)} 没有单位且夹在文字中，请核对")
    elif chosen.unit is None and chosen.glued:
        confident = False
    if chosen.high is not None:
        confident = False
        notes.append(f"数值为区间 {format_number(chosen.number, chosen.unit)}–{format_number(chosen.high, chosen.unit)}"
                     f"，按下限 {_describe(chosen)} 读取")
    if (names and len(real) == 1 and rest_clean and len(body) > 20) or seen > _MAX_SCAN:
        confident = False
    if chosen.cmp == "lt" and body[max(0, chosen.start):chosen.start + 2] == "未达" and len(real) == 1:
        # "未达到90%" names the missed mark, not the result: no number to score with
        notes.append(f"写明未达到 {_describe(chosen)}，实际数值未知")
        return ParsedValue(raw=raw, kind="text", status="not_done", confident=False, candidates=seen,
                           note="；".join(notes))
    if chosen.about and "约数" not in "".join(notes):
        notes.append("“余/多”为约数")
    if target_unit and chosen.unit is None and len(real) == 1:
        notes.append(f"未写单位（目标单位为“{target_unit}”）")
    return ParsedValue(
        raw=raw, kind="number", number=chosen.number, unit=chosen.unit, comparator=chosen.cmp,
        reverse=chosen.cmp in ("le", "lt"), status=status, confident=confident, candidates=seen,
        note="；".join(notes), multiplier=chosen.mult, per=chosen.per, high=chosen.high,
    )
