"""One pure function per scoring method (``scoring.models.Method``).

Each rule (``ratio_rule``, ``reverse_rule`` ...) takes plain numbers (already parsed, in the same
unit) and returns ``(score, ratio, why)``: the score at full precision, the completion ratio used
(None when none applies) and ``why``, a function of no arguments that writes the Chinese sentence
for the 评分说明 sheet. The sentence is written only when someone asks for it (``PE_EXPLAIN``, the
report, the command line); ``=PE_SCORES`` needs the number alone and never formats it. The
``score_*`` functions are the same rules with the sentence written: ``(score, ratio, text)``.
Rounding happens only in the text. Which method applies to a row is decided by ``scoring.readings``.
"""
from __future__ import annotations

import math
import re
from math import isfinite
from enum import Enum
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Callable, Optional


from .lazy import lazy_re

if TYPE_CHECKING:  # pragma: no cover
    from .settings import Profile

    Scored = tuple[Optional[float], Optional[float], str]
    Why = Callable[[], str]  # writes the explanation of a rule's outcome, on demand
    Ruled = tuple[Optional[float], Optional[float], Why]

TIER_TOP, TIER_MIDDLE, TIER_BOTTOM = "达成", "部分达成", "未达成"


class Method(str, Enum):
    """How one indicator row is scored (inferred from its texts by ``readings.METHOD_TABLE``,
    overridable per row)."""

    RATIO = "ratio"  # 定量正向：实际/目标 × 分值，封顶分值
    REVERSE = "reverse"  # 定量反向（≤、以内、不超过）：达标满分，否则按 profile 公式
    ZERO = "zero"  # 目标值为 0（差错率 0%、事故 0 起）：达标满分，否则 0 分
    QUALITATIVE = "qualitative"  # 文字目标（完成、继续推进）：完成满分，否则需人工评分
    JUDGEMENT = "judgement"  # 三档定性评价（效益、满意度）：保留填报得分并检查档次区间
    MANUAL = "manual"  # 无法自动计算：保留填报得分并提示


# "未超过80%" against "≤80%": wording that says a ceiling was kept.
WITHIN = lazy_re(r"(未|不|没有?)(超过|超出|高于|突破)|以内|以下|低于|不足")
PLAIN_NUMBER = lazy_re(r"[+\-]?\d+(\.\d+)?")
_NORM_DROP = lazy_re(r"[\s，,。.;；:：、“”\"'（）()]")


def same_text(target: str, actual: str) -> bool:
    """The actual restates the target (a text target met): equal, or contains it when it is long enough."""
    t, a = _NORM_DROP.sub("", str(target or "")), _NORM_DROP.sub("", str(actual or ""))
    return bool(t) and (t == a or (len(t) >= 6 and t in a))
TIERS = (TIER_TOP, TIER_MIDDLE, TIER_BOTTOM)
_CMP = {"le": "≤", "lt": "<", "ge": "≥", "gt": ">", "eq": "", "approx": "约"}


# ---- formatting ----------------------------------------------------------------------------


from .formatting import compact, fixed, percent  # noqa: E402,F401  (the one home of number writing)


def shown(number: Optional[float], unit: Optional[str] = None, comparator: Optional[str] = None) -> str:
    """A figure with its comparator and unit: "≤4.5%", "35000人"."""
    return f"{_CMP.get(comparator or '', '')}{compact(number)}{unit or ''}"


def _finite(*xs: Optional[float]) -> bool:
    for x in xs:  # a loop, not all(...): this runs for every row of =PE_SCORES
        if x is None or not math.isfinite(x):
            return False
    return True


# ---- quantitative ---------------------------------------------------------------------------


def told(ruled: Ruled) -> Scored:
    """A rule's outcome with its explanation written: ``(score, ratio, text)``."""
    score, ratio, why = ruled
    return score, ratio, why()


def ratio_rule(target: float, actual: float, weight: float, profile: "Profile", unit: str = "") -> Ruled:
    """定量正向: 分值 × 实际/目标, capped at 分值 (or reduced above the threshold in "reduce" mode)."""
    d = profile.digits
    if (target is None or actual is None or weight is None or not (isfinite(target) and isfinite(actual)
                                                                 and isfinite(weight)) or target <= 0):
        return None, None, lambda: f"目标值 {compact(target)}{unit} 无法作为分母，不能计算完成率"
    ratio = max(actual, 0.0) / target
    q = profile.quantitative
    if ratio >= 1:
        if q.over_mode == "reduce" and ratio >= q.over_threshold:
            factor = max(0.0, 1.0 - (ratio - q.over_threshold))
            score = weight * factor
            return score, ratio, lambda: (
                f"完成率 {percent(ratio)}，超过 {percent(q.over_threshold, 0)} 按偏离度调减："
                f"{compact(weight)} × {percent(factor)} = {fixed(score, d)}"
            )
        return weight, ratio, lambda: f"完成率 {percent(ratio)}，按 100% 计：{compact(weight)} × 100% = {fixed(weight, d)}"
    score = weight * ratio
    return score, ratio, lambda: f"完成率 {percent(ratio)}：{compact(weight)} × {percent(ratio)} = {fixed(score, d)}"


def score_ratio(target: float, actual: float, weight: float, profile: "Profile", unit: str = "") -> Scored:
    """``ratio_rule`` with its explanation written."""
    return told(ratio_rule(target, actual, weight, profile, unit))


def _reverse_head(target: float, actual: float, unit: str, comparator: str) -> str:
    return f"反向指标：目标 {shown(target, unit, comparator)}，实际 {shown(actual, unit)}"


def reverse_rule(
    target: float, actual: float, weight: float, profile: "Profile", unit: str = "", comparator: str = "le"
) -> Ruled:
    """定量反向 (≤, 以内, 不超过): met → full; missed → profile formula ("ratio" A/B or "linear")."""
    d = profile.digits
    written = actual  # the explanation shows the actual as given, before the floor at 0

    def head() -> str:
        return _reverse_head(target, written, unit, comparator)

    if not _finite(target, actual, weight):
        return None, None, lambda: head() + "，无法计算"
    actual = max(actual, 0.0)
    # The ratio reported for a reverse indicator is target/actual (how far under the ceiling).
    ratio = target / actual if actual > 0 else None
    met = actual < target if comparator == "lt" else actual <= target
    if met:
        return weight, ratio, lambda: f"{head()}，已达标：满分 {fixed(weight, d)}"
    if target <= 0:
        return 0.0, 0.0, lambda: f"{head()}，未达标：0 分"
    if profile.quantitative.reverse_formula == "linear":
        factor = max(0.0, 1.0 - (actual - target) / target)
        score = weight * factor
        return score, ratio, lambda: (
            f"{head()}，未达标：{compact(weight)} × (1 − ({compact(actual)} − {compact(target)})/{compact(target)})"
            f" = {fixed(score, d)}"
        )
    score = weight * ratio
    return score, ratio, lambda: (
        f"{head()}，未达标：{compact(weight)} × {compact(target)}/{compact(actual)} = {fixed(score, d)}"
    )


def score_reverse(
    target: float, actual: float, weight: float, profile: "Profile", unit: str = "", comparator: str = "le"
) -> Scored:
    """``reverse_rule`` with its explanation written."""
    return told(reverse_rule(target, actual, weight, profile, unit, comparator))


def zero_rule(actual: float, weight: float, profile: "Profile", unit: str = "") -> Ruled:
    """目标值为 0 (差错率 0%, 事故 0 起): actual 0 → full, anything above → 0."""
    d = profile.digits
    if not _finite(actual, weight):
        return None, None, lambda: "目标值为 0，实际值无法识别"
    if actual <= 0:
        return weight, 1.0, lambda: f"目标值为 0，实际 {shown(max(actual, 0.0), unit)}，已达标：满分 {fixed(weight, d)}"
    return 0.0, 0.0, lambda: f"目标值为 0，实际 {shown(actual, unit)}，未达标：0 分"


def score_zero(actual: float, weight: float, profile: "Profile", unit: str = "") -> Scored:
    """``zero_rule`` with its explanation written."""
    return told(zero_rule(actual, weight, profile, unit))


# ---- qualitative and kept scores ------------------------------------------------------------


def tier_band(tier: str, profile: "Profile") -> tuple[float, float, bool]:
    """(low, high, high_inclusive) share of 分值 for a tier."""
    q = profile.qualitative
    if tier == TIER_TOP:
        return q.top, 1.0, True
    if tier == TIER_MIDDLE:
        return q.middle, q.top, False
    return 0.0, q.middle, False


def band_text(tier: str, profile: "Profile") -> str:
    """A tier's share of 分值 as the forms write it: 100-80%（含80%）, 80-50%（含50%）, 50-0%."""
    low, high, _inclusive = tier_band(tier, profile)
    text = f"{compact(high * 100)}-{compact(low * 100)}%"
    return text + (f"（含{compact(low * 100)}%）" if low > 0 else "")


def tier_of(score: float, weight: float, profile: "Profile") -> Optional[str]:
    """The tier a typed score falls in (None when weight is unusable)."""
    if not _finite(score, weight) or weight <= 0:
        return None
    share = score / weight
    tol = 1e-9
    if share >= profile.qualitative.top - tol:
        return TIER_TOP
    if share >= profile.qualitative.middle - tol:
        return TIER_MIDDLE
    return TIER_BOTTOM


def in_band(score: float, weight: float, tier: str, profile: "Profile", tolerance: float = 0.0) -> bool:
    """Whether a typed score lies in its tier's band; an exclusive upper bound belongs to the tier above,
    so tolerance only widens the lower bound and an inclusive upper bound."""
    low, high, inclusive = tier_band(tier, profile)
    lo, hi = low * weight, high * weight
    if score < lo - tolerance - 1e-9:
        return False
    return score <= hi + tolerance if inclusive else score < hi - 1e-9


def qualitative_rule(done: bool, typed: Optional[float], weight: float, profile: "Profile", actual: str = "") -> Ruled:
    """文字目标: done (完成, or the actual restates the target) → full; otherwise the typed score is kept."""
    d = profile.digits
    if done and _finite(weight):
        return weight, 1.0, lambda: f"定性指标：{f'实际“{_short(actual)}”，' if actual else ''}已完成：满分 {fixed(weight, d)}"
    if typed is None:
        return None, None, lambda: "定性指标：无法自动判断完成情况，且未填报得分"
    return typed, None, lambda: f"定性指标：无法自动判断完成情况，保留填报得分 {fixed(typed, d)}"


def score_qualitative(done: bool, typed: Optional[float], weight: float, profile: "Profile", actual: str = "") -> Scored:
    """``qualitative_rule`` with its explanation written."""
    return told(qualitative_rule(done, typed, weight, profile, actual))


def judgement_rule(typed: Optional[float], weight: Optional[float], profile: "Profile", tier: Optional[str] = None) -> Ruled:
    """三档定性评价: the typed score is kept; the explanation names its tier band."""
    d = profile.digits
    if typed is None:
        return None, None, lambda: "定性评价（三档）：未填报得分"

    def why() -> str:
        band = tier or (tier_of(typed, weight, profile) if weight else None)
        if band is None:
            return f"定性评价（三档）：填报得分 {fixed(typed, d)}"
        return f"定性评价（三档）：填报得分 {fixed(typed, d)}，属“{band}”档 {band_text(band, profile)}"

    return typed, None, why


def score_judgement(typed: Optional[float], weight: Optional[float], profile: "Profile", tier: Optional[str] = None) -> Scored:
    """``judgement_rule`` with its explanation written."""
    return told(judgement_rule(typed, weight, profile, tier))


def manual_rule(typed: Optional[float], weight: Optional[float], profile: "Profile", why: str = "") -> Ruled:
    """Nothing to compute from: keep the typed score."""
    d = profile.digits
    reason = why or "无法自动计算"  # why already says what could not be computed: say it once
    if typed is None:
        return None, None, lambda: f"{reason}，且未填报得分"
    return typed, None, lambda: f"{reason}，保留填报得分 {fixed(typed, d)}"


def score_manual(typed: Optional[float], weight: Optional[float], profile: "Profile", why: str = "") -> Scored:
    """``manual_rule`` with its explanation written."""
    return told(manual_rule(typed, weight, profile, why))


def _short(text: str, n: int = 20) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"
