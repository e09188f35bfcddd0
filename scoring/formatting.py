"""How numbers are written: one home for each way of writing one.

- ``compact(x, digits=4)`` — a figure as people write it, for messages, explanations, help text and
  tables: whole numbers without decimals (``35000``), others rounded to ``digits`` places with the
  trailing zeros dropped (``3.3``, ``0.3`` for 0.1 + 0.2), never an exponent (``1234567.5``, not
  ``1.23457e+06``), never ``-0``. A nonzero number smaller than one unit of the last place keeps four
  significant digits (``0.00005``) unless it is binary noise (below 1e-9: ``0``).
- ``fixed(x, digits=2)`` — a score with fixed decimals: ``97.00``.
- ``percent(ratio, digits=1)`` — a ratio as a percentage: 1.42 -> ``142.0%``.
- ``literal(x)`` — a number exactly, as a formula operand or a cell's XML value: ``20``, ``0.8``,
  ``0.1234567891`` (shortest text that reads back as the same float; no rounding).

Each takes ``blank``: what to write for ``None``, text that is not a number, NaN or infinity
(``"—"`` unless the surface wants something else: an empty table cell, ``（空）``).
``scoring.values.format_number`` builds on ``compact`` to write base units with 万/亿.
"""
from __future__ import annotations

import math
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Optional

BLANK = "—"
_NOISE = 1e-9  # below this a nonzero result is binary noise (0.1 + 0.2 - 0.3), written as 0
_SMALLEST = tuple(10.0 ** -d for d in range(16))  # one unit of the last place shown, by digits


def _finite(x: Any) -> Optional[float]:
    if x is None or isinstance(x, bool):
        return None
    try:
        x = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def compact(x: Any, digits: int = 4, blank: str = BLANK) -> str:
    """3.30 -> "3.3", 35000.0 -> "35000", 0.1+0.2 -> "0.3", -0.0 -> "0", None -> "—"."""
    if type(x) is float and x - x == 0.0:  # the common case: a finite float (NaN and inf give NaN)
        v = x
    elif type(x) is int:
        return str(x)
    else:
        v = _finite(x)
        if v is None:
            return blank
    if v.is_integer():
        return str(int(v))
    small = _SMALLEST[digits] if digits < len(_SMALLEST) else 10.0 ** -digits
    if -small < v < small:  # too small to show at ``digits`` places: 0.00005, not 0 nor 5e-05
        if abs(v) < _NOISE:
            return "0"
        from decimal import Decimal  # rare: imported when needed

        return format(Decimal(f"{v:.4g}"), "f")
    text = (f"{v:.4f}" if digits == 4 else f"{v:.{digits}f}").rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def fixed(x: Any, digits: int = 2, blank: str = BLANK) -> str:
    """2 -> "2.00", 96.999 -> "97.00", -0.001 -> "0.00" (scores in explanations and tables)."""
    v = _finite(x)
    if v is None:
        return blank
    text = f"{v:.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def percent(ratio: Any, digits: int = 1, blank: str = BLANK) -> str:
    """1.42 -> "142.0%", 0.5 with ``digits=2`` -> "50.00%"."""
    v = _finite(ratio)
    if v is None:
        return blank
    return fixed(v * 100, digits) + "%"


def literal(x: Any) -> str:
    """A number exactly, for a formula or a cell's XML: 20 -> "20", 0.8 -> "0.8", 1e-07 -> "1e-07".
    Raises ``ValueError`` for what is not a finite number (a formula must not hold a placeholder)."""
    if type(x) is int:
        return str(x)
    v = x if type(x) is float and x - x == 0.0 else _finite(x)
    if v is None:
        raise ValueError(f"not a finite number: {x!r}")
    if v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return repr(v)
