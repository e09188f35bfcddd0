"""The ribbon button 重新计算得分 on xlwings Server: ``addin.recalculate`` on the JSON book.

The button's JavaScript (static/js/ribbon.js) sends the workbook's values, which is all xlwings
Server sends, plus the formulas of every sheet as the script's one argument; the cells holding a
formula are never written, as on the desktop. ``pe_server.ordering`` then puts the recorded writes in
an order that stays undoable if Excel stops part-way (see there).
"""
from __future__ import annotations

from typing import Optional

import xlwings as xw
from fastapi import HTTPException
from xlwings.server import script

from pe_server.ordering import check_formulas, recalculate_in_order


@script(name="重新计算得分")
def 重新计算得分(book: xw.Book, formulas: Optional[dict] = None):
    """Score the 附件2-1 sheet and write scores, notes, highlights and 评分说明."""
    problem = check_formulas(formulas, [s.name for s in book.sheets])
    if problem:
        raise HTTPException(status_code=400, detail=problem)
    recalculate_in_order(book, formulas)
    return book
