"""Read the values people type into 年初目标值 / 实际完成值 cells.

CONTRACT (implementation in progress): ``parse_value(text, expect=None) -> ParsedValue``.
Never raises, whatever the input (str, int, float, bool, None, datetime...).
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel

Comparator = Literal["ge", "gt", "le", "lt", "eq", "approx"]
Status = Literal["done", "partial", "not_done", "ongoing"]


class ParsedValue(BaseModel):
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


def parse_value(value: Any, expect: Optional[ParsedValue] = None) -> ParsedValue:
    """Parse one cell. ``expect`` (the parsed target) guides the choice of figure in a sentence:
    the figure whose unit matches the target's unit wins."""
    raise NotImplementedError
