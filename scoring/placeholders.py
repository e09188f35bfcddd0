"""A cell that holds only a placeholder — dashes, slashes, dots, an ellipsis — holds nothing typed.

One set of placeholder characters for every reader: the value parser (``scoring.values``: an empty
target or actual), the score cells (``scoring.readings.is_blank``), the layout's placeholder rows
(``workbook.layout.is_placeholder``: "……" kept for layout, not an indicator) and the form families'
struck-through targets. Each reader adds what is its own (the parser's words 无/暂无, the OCR'd dash 一).
"""
from __future__ import annotations

import re

from .lazy import lazy_re

# Full-width forms are listed too: not every caller normalises (NFKC) first.
PLACEHOLDER_CHARS = "-—－–―‐‑_/／\\|.。·・•…⋯～~、,;:*"
# Whitespace and placeholder characters only (the empty text included), for re.fullmatch.
PLACEHOLDER_PATTERN = r"[\s" + re.escape(PLACEHOLDER_CHARS) + r"]*"
_ONLY = lazy_re(PLACEHOLDER_PATTERN)


def only_placeholders(text: str) -> bool:
    """"", "—", " / ", "……", "-—-": nothing typed but placeholder characters and whitespace."""
    return _ONLY.fullmatch(text) is not None
