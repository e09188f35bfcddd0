"""pe-score inside Excel: worksheet functions (``addin.functions``) and the ribbon button.

The ribbon's VBA runs ``import addin; addin.main()`` (the add-in file is ``addin.xlam``), so these two
names are the entry points; tools and tests call ``recalculate(book)`` with any xlwings Book.
"""
from __future__ import annotations


def recalculate(book, profile=None, formulas=None):
    """Score the form in ``book`` in place; returns ``addin.ribbon.Outcome``. ``profile=None``: chosen
    from the form (its family), as on the command line; a name or a Profile is used as given.

    ``formulas`` ({sheet name: {"G8": "=F8/E8", ...}}) is for hosts that cannot read formulas
    themselves (xlwings Server: the button's JavaScript sends them); those cells are never written."""
    from .ribbon import recalculate as _recalculate

    return _recalculate(book, profile, formulas=formulas)


def main():
    """Ribbon entry point: score the workbook that called us."""
    import xlwings as xw

    return recalculate(xw.Book.caller())


__all__ = ["main", "recalculate"]
