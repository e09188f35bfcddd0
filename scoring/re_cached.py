"""The ``re`` module with ``compile`` built from the pattern cache (``scoring.lazy.compiled``).

A module whose patterns are compiled at import can take this in place of ``re`` with one line,
``from scoring import re_cached as re``: its ``re.compile`` calls then cost a cache lookup instead of
the ``re`` compiler (the pattern returned is equal to ``re.compile``'s), and every other name is
``re``'s own.
"""
from re import *  # noqa: F401,F403  (re's public names, unchanged)
from re import __all__ as _re_all

from scoring.lazy import compiled as compile  # noqa: F811  (the one name that differs)

__all__ = list(_re_all)
