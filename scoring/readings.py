"""The readings stage: every indicator row parsed once into a frozen ``IndicatorReading``.

The scoring methods, the row checks, the explanations, the Excel functions and the write plan consume
readings; none of them calls the value parser again. A reading holds the parsed target and actual
(with units and multipliers), the typed score as SUM counts it and as the person wrote it, the usable
weight, the method chosen from the method table, the declared or evident tier, and the cells.

Plain named tuples: this is the per-row hot path (a named tuple is built in a third of the time of a
frozen dataclass), and the pydantic-style models stay at the boundary. What only one method needs is
read when it is asked for: the three-tier judgement (``IndicatorReading.tier``) reads the tier words
of a row only for the rows judged by three tiers and for their checks.
"""
from __future__ import annotations

import math
import re
from collections import namedtuple  # collections.namedtuple, not typing.NamedTuple: typing costs ~2 ms of start-up
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

from .lazy import lazy_re
from .placeholders import PLACEHOLDER_PATTERN
from .methods import TIER_BOTTOM, TIER_MIDDLE, TIER_TOP, Method, shown
from .totals import cell_number
from .values import ParsedValue, may_hold_unit_figure, parse_value

if TYPE_CHECKING:  # pragma: no cover - annotations only; importing the models costs pydantic
    from .models import Cells, Indicator
    from .settings import Profile

_BLANK = lazy_re("^" + PLACEHOLDER_PATTERN + "$")  # "nothing typed here" (scoring.placeholders)
_NUM_TEXT = lazy_re(r"^\s*[+\-]?\d+(\.\d+)?\s*分?\s*$")
_THREE_TIER = lazy_re(r"三档|(部分)?达成(预期|年度)指标")
_PARTIAL_WORDS = lazy_re(r"部分(达成|完成)")
_BOTTOM_WORDS = lazy_re(r"未(能)?(达成|完成)|效果较差")


def is_blank(value: Any) -> bool:
    """A cell with nothing in it, or only a dash / slash / "……" placeholder."""
    return value is None or (isinstance(value, str) and _BLANK.match(value) is not None)


def typed_number(value: Any) -> tuple[Optional[float], bool]:
    """What a person typed in a score cell, for messages and comparisons: (number or None, is_text).
    Text that spells a number ("2", "2分") gives the number with is_text=True; blanks, dashes and
    formulas whose value is unknown are empty. What a total counts is ``totals.cell_number``."""
    if value is None or isinstance(value, bool):
        return None, isinstance(value, bool)
    if isinstance(value, (int, float)):
        x = float(value)
        return (x, False) if math.isfinite(x) else (None, True)
    text = str(value)
    if _BLANK.match(text) or text.lstrip().startswith("="):
        return None, False
    if _NUM_TEXT.match(text):
        return float(text.strip().rstrip("分").strip()), True
    return None, True


def usable_weight(weight: Any) -> Optional[float]:
    w = cell_number(weight)
    return w if w is not None and w >= 0 else None


def _weight(weight: Any) -> Optional[float]:
    """``usable_weight``, with the usual case first: a float, finite and not negative."""
    return weight if weight.__class__ is float and 0 <= weight < math.inf else usable_weight(weight)


def numeric_target(tp: ParsedValue) -> bool:
    """A figure picked out of a sentence (confident=False) is not a target to compute against:
    such rows are statements of work, judged by the three tiers or by a person."""
    return tp.kind == "number" and tp.number is not None and math.isfinite(tp.number) and tp.confident


def _tier_words(text: str) -> Optional[str]:
    if _PARTIAL_WORDS.search(text):
        return TIER_MIDDLE
    if _BOTTOM_WORDS.search(text):
        return TIER_BOTTOM
    return None


def tier_of_row(declared: Optional[str], actual_text: str, ap: ParsedValue) -> Optional[str]:
    """The three-tier judgement declared on the row, or readable from the actual's wording."""
    declared = (declared or "").strip()
    if declared:
        return _tier_words(declared) or (TIER_TOP if "达成" in declared or "完成" in declared else None)
    return _tier_words(actual_text or "") or {"done": TIER_TOP, "partial": TIER_MIDDLE,
                                              "not_done": TIER_BOTTOM}.get(ap.status or "")


# ---- a figure as it was written --------------------------------------------------------------------

_PREFIX = {1e4: "万", 1e8: "亿", 1e3: "千", 1e6: "百万"}


def scale_of(pv: ParsedValue) -> float:
    """The multiplier the value was written with (万 -> 10000), so a bare actual can borrow it."""
    mult = pv.multiplier
    return float(mult) if isinstance(mult, (int, float)) and mult > 0 else 1.0


def unit_as_written(pv: ParsedValue) -> str:
    return f"{_PREFIX.get(scale_of(pv), '')}{pv.unit or ''}"


def as_written(pv: ParsedValue) -> str:
    """A parsed figure shown in the scale it was typed in: 578900 人 typed as 万人 -> "57.89万人"."""
    scale = scale_of(pv)
    if scale not in _PREFIX or pv.number is None:
        return shown(pv.number, pv.unit, pv.comparator)
    return shown(pv.number / scale, unit_as_written(pv), pv.comparator)


# ---- the method table ------------------------------------------------------------------------------

# (rule, method value): the first rule that holds decides. A rule sees the target's parse, whether it
# is a figure to compute against (``numeric_target``, read once per row), the row's texts and the
# profile. An explicit method on the row (or the UDF's [方法] argument) wins over all.
if TYPE_CHECKING:
    MethodRule = Callable[[ParsedValue, bool, "Indicator", "Profile"], bool]


def _ceiling(tp, numeric, ind, profile) -> bool:
    return numeric and (tp.reverse or tp.comparator in ("le", "lt"))


def _zero(tp, numeric, ind, profile) -> bool:
    return numeric and tp.number == 0


def _three_tier_words(tp, numeric, ind, profile) -> bool:
    return bool(_THREE_TIER.search(ind.standard or "") or _THREE_TIER.search(ind.level1 or ""))


def _three_tier_level1(tp, numeric, ind, profile) -> bool:
    level1 = ind.level1 or ""
    return tp.kind != "empty" and any(w and w in level1 for w in profile.qualitative.three_tier_level1)


METHOD_TABLE: tuple[tuple[MethodRule, Method], ...] = (
    (_ceiling, Method.REVERSE),  # ≤ / 以内 / 不超过
    (_zero, Method.ZERO),  # 差错率 0%、事故 0 起
    (lambda tp, numeric, ind, profile: numeric, Method.RATIO),
    (_three_tier_words, Method.JUDGEMENT),  # the 评分标准 names the three tiers
    (_three_tier_level1, Method.JUDGEMENT),  # 效益 / 满意度 (profile: qualitative.three_tier_level1)
    (lambda tp, numeric, ind, profile: tp.kind != "empty", Method.QUALITATIVE),
    (lambda tp, numeric, ind, profile: True, Method.MANUAL),
)


def choose_method(ind: "Indicator", tp: ParsedValue, profile: "Profile", numeric: Optional[bool] = None) -> Method:
    """The first rule of ``METHOD_TABLE`` that holds (``numeric``: ``numeric_target(tp)`` if known)."""
    if ind.method is not None:
        return ind.method if type(ind.method) is Method else Method(ind.method)
    if numeric is None:
        numeric = numeric_target(tp)
    for rule, method in METHOD_TABLE:
        if rule(tp, numeric, ind, profile):
            return method
    raise AssertionError("the last rule of METHOD_TABLE always holds")  # pragma: no cover


class RowInput(namedtuple(
        "RowInput",
        ("target", "actual", "weight", "weight_text", "typed_score", "method", "tier", "name", "level1",
         "standard", "description", "reason", "cells"),
        defaults=("", "", None, "", None, None, None, "", "", "", "", "", None), module=__name__)):
    """The texts of one row, for callers without a form (the UDFs): the fields of
    ``models.Indicator`` that ``read_indicator`` reads, without building a validated model.

    Fields (all optional): target, actual (str); weight (float or None); weight_text (str); typed_score
    (any cell value); method (``Method`` or None); tier (str or None); name, level1, standard,
    description, reason (str); cells (``models.Cells`` or None)."""

    __slots__ = ()


# ---- the reading -----------------------------------------------------------------------------------


_NO_CELLS: list = []


def _no_cells() -> "Cells":
    """The addresses of a row read from no sheet (a UDF's arguments): all None, built once."""
    if not _NO_CELLS:
        from .models import Cells

        _NO_CELLS.append(Cells())
    return _NO_CELLS[0]


class IndicatorReading(namedtuple(
        "IndicatorReading",
        ("indicator", "name", "weight", "typed", "typed_written", "typed_is_text", "target", "actual",
         "method", "numeric"), module=__name__)):
    """One 三级指标 row, read once.

    Fields: indicator (``models.Indicator``: the row as the reader gave it, texts and cells); name
    (str); weight (float or None: the usable 分值, None when missing, unreadable or negative); typed
    (float or None: the typed score as SUM counts it); typed_written (float or None: the number the
    person wrote, even as text, "2", "2分"); typed_is_text (bool); target, actual (``ParsedValue``;
    the actual parsed with the target as ``expect`` when the target is a figure); method
    (``Method``); numeric (bool: the target is a figure to compute against, ``numeric_target``)."""

    __slots__ = ()

    @property
    def tier(self) -> Optional[str]:
        """The declared or evident three-tier judgement (read from the words when asked for: only the
        three-tier rows and their checks ask)."""
        ind = self.indicator
        return tier_of_row(ind.tier, ind.actual, self.actual)

    @property
    def description(self) -> Optional[ParsedValue]:
        """The 指标说明 parsed with the target as ``expect``, read when asked for (only PE107 asks):
        None unless the target is a figure with a unit and the text may state a figure with a unit
        (``values.may_hold_unit_figure``); a description without one can never be PE107's mismatch,
        so about a third of a form's parses were for nothing."""
        text = self.indicator.description
        tp = self.target
        if not text or not self.numeric or not tp.unit or not may_hold_unit_figure(text):
            return None
        return parse_value(text, tp)

    @property
    def cells(self) -> "Cells":
        cells = self.indicator.cells
        return _no_cells() if cells is None else cells



def read_indicator(ind: "Indicator", profile: "Profile",
                   parse: Optional[Callable[[Any, Optional[ParsedValue]], ParsedValue]] = None) -> IndicatorReading:
    """Parse one row: the target, the actual (guided by the target), the typed score, and the method
    from ``METHOD_TABLE`` (the description is parsed when PE107 asks: ``IndicatorReading.description``).
    ``parse`` is ``parse_value`` (None) or a ``values.batch_parser()`` shared by the rows of one batch."""
    if parse is None:
        parse = parse_value
    tp = parse(ind.target, None)
    numeric = numeric_target(tp)
    ap = parse(ind.actual, tp if numeric else None)
    typed = ind.typed_score
    written, is_text = (None, False) if typed is None else typed_number(typed)
    # positional, in field order (indicator, name, weight, typed, typed_written, typed_is_text, target,
    # actual, method, numeric): this runs for every row
    return IndicatorReading(
        ind, ind.name or "（未命名指标）", _weight(ind.weight), None if typed is None else cell_number(typed),
        written, is_text, tp, ap, choose_method(ind, tp, profile, numeric), numeric,
    )
