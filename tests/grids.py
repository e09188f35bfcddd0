"""Build grids of the seed example (pe_score.example_data) laid out as the 附件2-1 template in
docs/architecture.md, with the variations real workbooks show: other start cells, other header
wordings, half-width punctuation, extra columns, merged/filled 一级 labels, no budget block, a
combined-text header self-score, goal titles merged across the score column, formula cells.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pe_score.example_data import EXAMPLE
from workbook.grid import Grid, a1, parse_a1
from workbook.plan import WritePlan

LETTERS = "ABCDEFGHIJ"
ROLE_LETTER = {
    "level1": "A", "level2": "B", "name": "C", "weight": "D", "description": "E",
    "standard": "F", "target": "G", "actual": "H", "score": "I", "reason": "J",
}
HEADERS = {
    "level1": "一级指标", "level2": "二级指标", "name": "三级指标", "weight": "分值",
    "description": "指标说明", "standard": "评分标准", "target": "年初目标值（A）",
    "actual": "实际完成值（B）", "score": "得分", "reason": "偏差原因分析及改进措施",
}
_HALF = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "；": ";"})

SEED_TEXT = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds" / "000_d47b5030e5ff90bc.txt"


@dataclass
class Variant:
    top: int = 1  # sheet row of template row 1
    left: int = 1  # sheet column of template column A
    headers: dict = field(default_factory=dict)  # role -> header text, overriding HEADERS
    halfwidth: bool = False  # half-width punctuation everywhere
    seq_column: bool = False  # a 序号 column before 一级指标
    blank_after: tuple = ()  # template letters after which an empty column is inserted
    note_column: bool = False  # a 备注 column after 偏差原因
    level1: str = "merged"  # merged | repeated | first-only
    budget: bool = True
    self_score: str = "label"  # label (I4 label, J4 number) | combined (one text cell A4:J4)
    title_merge_to: str = "H"  # goal title merged A:<letter>; "J" = across the score column
    formulas: bool = False  # subtotal, total, grade, rate, budget score, self-score as formulas
    typed: dict = field(default_factory=dict)  # (goal, indicator) -> typed score override
    constraint_actual: str = "—"
    constraint_score: Any = "—"


@dataclass
class Built:
    grid: Grid
    phys: dict  # template letter -> sheet column
    header_row: int
    goal_rows: list  # sheet row of each goal title
    indicator_rows: dict  # (goal, indicator) -> sheet row
    total_row: int
    grade_row: int
    constraint_row: int
    budget_row: Optional[int]  # the value row
    claimed_cell: str

    def addr(self, letter_or_role: str, row: int) -> str:
        letter = ROLE_LETTER.get(letter_or_role, letter_or_role)
        return a1(row, self.phys[letter])

    def cell(self, goal: int, ind: int, role: str) -> str:
        return self.addr(role, self.indicator_rows[(goal, ind)])


def build(v: Optional[Variant] = None, name: str = "附件2-1") -> Built:
    v = v or Variant()
    phys: dict[str, int] = {}
    col = v.left + (1 if v.seq_column else 0)
    for letter in LETTERS:
        phys[letter] = col
        col += 2 if letter in v.blank_after else 1
    seq_col = v.left if v.seq_column else None
    note_col = phys["J"] + 1 if v.note_column else None

    rows: list[dict[int, Any]] = [{} for _ in range(v.top - 1)]
    merged: list[tuple[int, int, int, int]] = []
    formulas: dict[tuple[int, int], str] = {}

    def t(x: Any) -> Any:
        return x.translate(_HALF) if (v.halfwidth and isinstance(x, str)) else x

    def new_row() -> int:
        rows.append({})
        return len(rows)

    def put(r: int, letter: str, value: Any, to: Optional[str] = None, down: int = 0, formula: str = "") -> None:
        c = phys[letter]
        rows[r - 1][c] = t(value)
        if to or down:
            merged.append((r, c, r + down, phys[to or letter]))
        if formula and v.formulas:
            formulas[(r, c)] = formula

    ex = EXAMPLE
    r = new_row()
    put(r, "A", "附件2-1")
    r = new_row()
    put(r, "A", "部门整体支出绩效自评表", to="J")
    r = new_row()
    put(r, "A", f"（{ex['year']}年度）", to="J")
    r4 = new_row()
    if v.self_score == "combined":
        put(r4, "A", f"填报单位：（公章）    填报人及联系电话：{ex['contact']}    填报日期：{ex['date']}"
                     f"    自评得分：{ex['claimed_total']}", to="J")
        claimed_cell = a1(r4, phys["A"])
    else:
        put(r4, "A", "填报单位：（公章）", to="B")
        put(r4, "C", f"填报人及联系电话：{ex['contact']}", to="E")
        put(r4, "F", f"填报日期：{ex['date']}", to="H")
        put(r4, "I", "自评得分：")
        claimed_cell = a1(r4, phys["J"])
        # the formula is filled in once the total row is known
        rows[r4 - 1][phys["J"]] = ex["claimed_total"]
    r = new_row()
    put(r, "A", "单位名称", to="B")
    put(r, "C", ex["unit"], to="J")
    r = new_row()
    put(r, "A", "基本支出总额（万元）", to="B")
    put(r, "C", ex["basic_expense"], to="D")
    put(r, "E", "项目支出总额（万元）", to="F")
    put(r, "G", ex["project_expense"], to="J")
    budget_row = None
    if v.budget:
        b = ex["budget"]
        r = new_row()
        put(r, "A", "预算执行情况（万元）（20分）", to="B", down=1)
        put(r, "E", "预算数（A）")
        put(r, "F", "执行数（B）")
        put(r, "G", "执行率（B/A）")
        put(r, "H", "得分（20分*执行率）")
        put(r, "I", "未执行完原因和改进措施", to="J")
        budget_row = r = new_row()
        E, F, G = (a1(r, phys[x]) for x in "EFG")
        put(r, "C", "部门整体支出总额", to="D")
        put(r, "E", b["planned"])
        put(r, "F", b["executed"])
        put(r, "G", round(b["executed"] / b["planned"], 4), formula=f"=IF({E}>0,{F}/{E},0)")
        put(r, "H", 20, formula=f"=MIN(20,20*{G})")
        put(r, "I", b["reason"] or None, to="J")
    header_row = r = new_row()
    heads = {**HEADERS, **v.headers}
    for role, letter in ROLE_LETTER.items():
        put(r, letter, heads[role])
    if seq_col:
        rows[r - 1][seq_col] = "序号"
    if note_col:
        rows[r - 1][note_col] = "备注"

    goal_rows: list[int] = []
    indicator_rows: dict[tuple[int, int], int] = {}
    seq = 0
    for gi, goal in enumerate(ex["goals"]):
        gr = new_row()
        goal_rows.append(gr)
        put(gr, "A", goal["title"], to=v.title_merge_to)
        first_ind_row = gr + 1
        typed_sum = 0.0
        for label, items in goal["sections"]:
            if not items:  # 满意度指标 with a "……" placeholder row
                pr = new_row()
                put(pr, "A", label)
                put(pr, "B", "……")
                continue
            sec_first = len(rows) + 1
            for ii, item in enumerate(items):
                idx = sum(1 for (g, _) in indicator_rows if g == gi)
                level2, ind_name, weight, desc, std, target, actual, typed, reason = item
                typed = v.typed.get((gi, idx), typed)
                ir = new_row()
                indicator_rows[(gi, idx)] = ir
                if v.level1 == "repeated" or ii == 0:
                    put(ir, "A", label)
                put(ir, "B", level2)
                put(ir, "C", ind_name)
                put(ir, "D", weight)
                put(ir, "E", desc)
                put(ir, "F", std)
                put(ir, "G", target)
                put(ir, "H", actual)
                put(ir, "I", typed)
                put(ir, "J", reason or None)
                typed_sum += typed if isinstance(typed, (int, float)) else 0
                if seq_col:
                    seq += 1
                    rows[ir - 1][seq_col] = seq
            if v.level1 == "merged" and len(items) > 1:
                merged.append((sec_first, phys["A"], len(rows), phys["A"]))
        if v.title_merge_to < "I":
            I = phys["I"]
            rows[gr - 1][I] = typed_sum
            if v.formulas:
                formulas[(gr, I)] = f"=SUM({a1(first_ind_row, I)}:{a1(len(rows), I)})"

    c = ex["constraint"]
    constraint_row = r = new_row()
    put(r, "A", "约束性指标", to="B")
    put(r, "C", c["name"])
    put(r, "D", "—")
    put(r, "E", c["description"])
    put(r, "F", c["standard"])
    put(r, "G", "—")
    put(r, "H", v.constraint_actual)
    put(r, "I", v.constraint_score)
    total_row = r = new_row()
    I = phys["I"]
    put(r, "A", "合计", to="H")
    put(r, "I", ex["claimed_total"], formula=f"=SUM({a1(goal_rows[0], I)}:{a1(constraint_row, I)})")
    grade_row = r = new_row()
    put(r, "A", "评价等级", to="H")
    put(r, "I", "优", formula=f'=IF({a1(total_row, I)}>=90,"优","良")')
    if v.self_score == "label" and v.formulas:
        formulas[parse_a1(claimed_cell)] = f"={a1(total_row, I)}"

    width = max((max(rw) for rw in rows if rw), default=0)
    values = [[rw.get(c) for c in range(1, width + 1)] for rw in rows]
    grid = Grid(name=name, values=values, merged=merged, formulas=formulas if v.formulas else None)
    return Built(grid, phys, header_row, goal_rows, indicator_rows, total_row, grade_row,
                 constraint_row, budget_row, claimed_cell)


def apply_plan(grid: Grid, plan: WritePlan) -> Grid:
    """A copy of ``grid`` with the plan's blocks written in (what an adapter does)."""
    out = copy.deepcopy(grid)
    for b in plan.blocks:
        for i, row in enumerate(b.values):
            r = b.row + i
            while len(out.values) < r:
                out.values.append([])
            line = out.values[r - 1]
            for j, value in enumerate(row):
                c = b.col + j
                while len(line) < c:
                    line.append(None)
                line[c - 1] = value
    return out


def planned_values(plan: WritePlan) -> dict[str, Any]:
    """A1 -> value of every write in the plan."""
    out = {}
    for b in plan.blocks:
        for i, row in enumerate(b.values):
            for j, value in enumerate(row):
                out[a1(b.row + i, b.col + j)] = value
    return out


def seed_text_grid() -> Optional[Grid]:
    """The seed form's tab-separated text extraction as a grid (None when shared/ is absent)."""
    if not SEED_TEXT.is_file():
        return None
    rows = []
    for line in SEED_TEXT.read_text(encoding="utf-8").splitlines():
        rows.append([_typed(cell) for cell in line.split("\t")])
    return Grid(name="seed", values=rows)


def _typed(cell: str) -> Any:
    """A text extraction has lost the cell types: a cell that is only a number was a number in the
    workbook (the printed form shows 2, not "2"), anything else stays text."""
    s = cell.strip()
    if not s:
        return None
    try:
        number = float(s)
    except ValueError:
        return cell
    return int(number) if number.is_integer() and "." not in s else number


def project_form_grid(name: str = "项目支出绩效自评表") -> Grid:
    """A 财预〔2020〕10号 项目支出绩效自评表: budget row with its own 分值 column, no 年度目标 rows,
    分值 after 实际完成值, a 绩效指标 column merged down on the left, 总分 at the bottom."""
    rows = [
        ["附件"],
        ["项目支出绩效自评表"],
        ["（2021年度）"],
        ["项目名称", "就业补助资金"],
        ["主管部门", "十堰市人力资源和社会保障局", None, None, "实施单位", "十堰市就业服务局"],
        ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, "年度资金总额", 100, 120, 108, 10, 0.9, 9],
        [None, "其中：当年财政拨款", 100, 120, 108, "—", "—", "—"],
        ["年度总体目标", "预期目标", None, None, "实际完成情况"],
        [None, "促进城乡劳动者就业", None, None, "完成"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
        [None, "产出指标", "数量指标", "职业技能培训人数", "≥1000人", "1000人", 30, 30, None],
        [None, None, "质量指标", "培训合格率", "≥90%", "80%", 20, 17.78, "部分学员未参加考核"],
        [None, "效益指标", "社会效益指标", "培训后就业率", "≥80%", "85%", 30, 30, None],
        [None, "满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "95%", 10, 10, None],
        ["总分", None, None, None, None, None, 100, 96.78, None],
    ]
    width = max(len(r) for r in rows)
    values = [r + [None] * (width - len(r)) for r in rows]
    merged = [(11, 1, 15, 1), (12, 2, 13, 2), (9, 1, 10, 1), (6, 1, 8, 1)]
    return Grid(name=name, values=values, merged=merged)
