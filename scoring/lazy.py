"""Regular expressions compiled on first use.

Compiling the parser's and the reader's patterns costs more than starting Python; a process that
never reads a cell (``pe-score --help``, the Excel UDF module loading) should not pay for it.
"""
from __future__ import annotations

import re


class _LazyRe:
    """A regular expression compiled on first use: compiling the parser's patterns costs more than
    starting Python, and a process that never reads a cell (``pe-score --help``) should not pay it."""

    __slots__ = ("_args", "match", "search", "fullmatch", "sub", "finditer", "split", "findall")

    def __init__(self, *args) -> None:
        self._args = args

    def __getattr__(self, name: str):
        if name == "_args":
            raise AttributeError(name)
        compiled = re.compile(*self._args)
        for attr in ("match", "search", "fullmatch", "sub", "finditer", "split", "findall"):
            object.__setattr__(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)


def lazy_re(*args) -> "re.Pattern":
    return _LazyRe(*args)  # type: ignore[return-value]
