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


TIERS_STANDARD = "按照指标完成情况分为达成预期指标、部分达成预期指标并具有一定效果、未达成预期指标且效果较差三档"


def row(name: str, weight, target="", actual="", score=None, reason="", r: int = 11, **kw) -> Indicator:
    """One indicator row for small test forms (cells on row ``r`` of the template columns)."""
    w = weight if weight is None or isinstance(weight, str) else float(weight)
    return Indicator(level1=kw.pop("level1", "产出指标"), level2=kw.pop("level2", "数量指标"), name=name,
                     weight=None if isinstance(w, str) else w, weight_text=str(weight), target=target,
                     actual=actual, typed_score=score, reason=reason,
                     cells=Cells(**{k: f"{c}{r}" for k, c in _COLS.items()}), **kw)


def form_of(*indicators: Indicator, planned=100.0, executed=100.0, pad: bool = True, **kw) -> Form:
    """A one-goal form worth 100 in all: budget 20 + the given rows + (pad) a kept judgement row
    that fills the goal up to 80 points with full marks."""
    rows = list(indicators)
    total = sum(i.weight or 0 for i in rows)
    if pad and total < 80:
        rows.append(row("其他工作", 80 - total, "完成", "完成", 80 - total, standard=TIERS_STANDARD,
                        r=11 + len(rows)))
    goal = Goal(number=1, title="年度目标1：测试。（80分）", points=80.0, cell="A10", subtotal_cell="I10",
                indicators=rows)
    budget = Budget(points=20, planned=planned, executed=executed,
                    cells={"planned": "E8", "executed": "F8", "rate": "G8", "score": "H8", "reason": "I8"})
    n = 11 + len(rows)
    base = dict(sheet="测试", budget=budget, goals=[goal], total_cell=f"I{n + 1}", grade_cell=f"I{n + 2}",
                constraint=Constraint(actual="无", typed_score=None, cells=Cells(actual=f"H{n}", score=f"I{n}")))
    base.update(kw)
    return Form(**base)
