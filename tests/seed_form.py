"""The seed form (十堰市人社局 2021, self-score 97) as a ``Form``, built the way the reader builds it.

Data comes from ``pe_score.example_data.EXAMPLE`` (the single source); cells follow the template
layout (budget row 8, header row 9, goals from row 10, a placeholder row per empty 满意度指标 section,
then the constraint, 合计 and 评价等级 rows).
"""
from __future__ import annotations

import re
from typing import Optional

from pe_score.example_data import EXAMPLE
from scoring.models import Budget, Cells, Constraint, Form, Goal, Indicator, Level1Label

_POINTS = re.compile(r"[（(]\s*([\d.]+)\s*分\s*[)）]")
_SHARE = re.compile(r"分值权重\s*([\d.]+)\s*%")
_NUMBER = re.compile(r"年度目标\s*(\d+)")
_FIELDS = ("level2", "name", "weight", "description", "standard", "target", "actual", "score", "reason")
_COLS = dict(zip(("level1",) + _FIELDS, "ABCDEFGHIJ"))


def _label(text: str, cell: Optional[str]) -> Level1Label:
    share = _SHARE.search(text)
    return Level1Label(name=re.sub(r"[（(].*$", "", text).strip(), text=text, cell=cell,
                       share=float(share.group(1)) / 100 if share else None)


def seed_form(data: Optional[dict] = None) -> Form:
    d = data or EXAMPLE
    b = d["budget"]
    budget = Budget(points=20, planned=b["planned"], executed=b["executed"],
                    planned_text=str(b["planned"]), executed_text=str(b["executed"]), reason=b.get("reason", ""),
                    cells={"planned": "E8", "executed": "F8", "rate": "G8", "score": "H8", "reason": "I8"})
    goals, row = [], 10
    for g in d["goals"]:
        title_row, row = row, row + 1
        points = _POINTS.search(g["title"])
        number = _NUMBER.search(g["title"])
        goal = Goal(title=g["title"], number=int(number.group(1)) if number else None,
                    points=float(points.group(1)) if points else None,
                    cell=f"A{title_row}", subtotal_cell=f"I{title_row}")
        for label_text, rows in g["sections"]:
            goal.labels.append(_label(label_text, f"A{row}"))
            if not rows:  # the 满意度指标 "……" placeholder row
                row += 1
                continue
            standard = ""
            for values in rows:
                v = dict(zip(_FIELDS, values))
                standard = standard if v["standard"] == "同上" else v["standard"]  # the reader resolves 同上
                goal.indicators.append(Indicator(
                    level1=goal.labels[-1].name, level2=v["level2"], name=v["name"],
                    weight=float(v["weight"]), weight_text=str(v["weight"]), description=v["description"],
                    standard=standard, target=v["target"], actual=v["actual"], typed_score=v["score"],
                    reason=v["reason"], cells=Cells(**{k: f"{c}{row}" for k, c in _COLS.items()}),
                ))
                row += 1
        goals.append(goal)
    c = d["constraint"]
    constraint = Constraint(name=c["name"], description=c["description"], actual=c["actual"],
                            typed_score=c["score"], cells=Cells(actual=f"H{row}", score=f"I{row}", reason=f"J{row}"))
    return Form(sheet="部门整体支出绩效自评表", unit=d["unit"], year=d["year"], claimed_total=d["claimed_total"],
                claimed_total_cell="J4", total_cell=f"I{row + 1}", grade_cell=f"I{row + 2}",
                budget=budget, goals=goals, constraint=constraint)
