"""The 财预〔2020〕10号 项目支出绩效自评表: a blank form and a filled example, generated from code.

Layout (columns A–J), the one the national form prints and most provinces reprint:

| row | content |
|---|---|
| 1–3 | `附件`, title `项目支出绩效自评表`, `（2022年度）` |
| 4–5 | 项目名称; 主管部门 / 实施单位 |
| 6–10 | funds block `项目资金（万元）` (A:B merged down): E 年初预算数, F 全年预算数, G 全年执行数, H 分值, I 执行率, J 得分; rows 年度资金总额 (= sum of the rows below), 其中：当年财政拨款, 上年结转资金, 其他资金 |
| 11–12 | 年度总体目标: 预期目标 (B:F) / 实际完成情况 (G:J) |
| 13 | indicator header: A 绩效指标 (merged down), B 一级指标, C 二级指标, D 三级指标, E 年度指标值, F 实际完成值, G 分值, H 得分, I:J 偏差原因分析及改进措施 |
| 14… | 产出 / 效益 / 满意度 rows, 一级 and 二级 labels merged down |
| n | `总分`: G = budget points + indicator points, H = budget score + indicator scores |
| n+1 | notes: the suggested weights and the scoring rules, with their source |

Native formulas: 年度资金总额 sums its rows, 执行率 = 全年执行数/全年预算数, 得分 = MIN(分值, 分值 × 执行率)
rounded to 2 places, and the 总分 row. Budget points and weights come from the ``national-project``
profile (rules are data, kept once in scoring/).

The example is a real published form, 中江县水利局 2022 (tests/real/forms/sc_zhongjiang_slj_biaochi_2022.toml),
with its own mistakes kept, as the 附件2-1 example keeps the seed's: 全年实际值 copied from the targets
(PE911) and 110 points of weights on a 100-point form (PE302). Its 总分 row holds the numbers the unit
typed (100 / 100), not the formula, so the form says what was published.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pe_score.templates import put_block
from scoring import formulas
from scoring.formatting import compact
from scoring.wording import rule_values
from scoring.profiles import load_profile

SHEET = "项目支出绩效自评表"
FORM_PATH = Path("templates") / "project_form.xlsx"
EXAMPLE_PATH = Path("templates") / "examples" / "zhongjiang_shuili_2022.xlsx"

PROFILE = load_profile("national-project")
BUDGET_POINTS = PROFILE.budget.points
LEVEL1_POINTS = dict(PROFILE.level1)  # 产出 50 / 效益 30 / 满意度 10
HEADER_ROW = 13
FIRST_ROW = 14
WIDTHS = [8, 12, 14, 26, 16, 16, 8, 8, 14, 14]

# Rule numbers are {placeholders} written from PROFILE (scoring.wording.rule_values; out/ben/sat: its level1).
SOURCE_NOTE = (
    "注：1. 一级指标权重建议：产出指标{out}分、效益指标{ben}分、满意度指标{sat}分、预算执行率{budget}分"
    "（财预〔2020〕10号《项目支出绩效评价管理办法》）；如有特殊情况可适当调整，合计应为{total}分。"
    "2. 预算执行得分 = 分值 × 全年执行数/全年预算数，{budget_clause}。"
    "3. 定量指标完成指标值的记全部分值，未完成的按完成值与指标值的比例记分；定性指标按达成、部分达成、未达成三档，"
    "分别按分值的100%-{top}%、{top}%-{middle}%、{middle}%-0%记分。4. 偏离绩效目标较大的，须在偏差原因栏说明原因和改进措施。"
)

BLANK_ROWS = [  # (一级指标, 二级指标, rows)
    ("产出指标", "数量指标", 2), ("产出指标", "质量指标", 1), ("产出指标", "时效指标", 1), ("产出指标", "成本指标", 1),
    ("效益指标", "经济效益指标", 1), ("效益指标", "社会效益指标", 1), ("效益指标", "生态效益指标", 1),
    ("效益指标", "可持续影响指标", 1), ("满意度指标", "服务对象满意度指标", 1),
]

_GREY = PatternFill("solid", fgColor="F2F2F2")
_FONT = "宋体"


def _al(h: str = "center", v: str = "center") -> Alignment:
    return Alignment(horizontal=h, vertical=v, wrap_text=True)


STYLES = {
    "title": (Font(name="黑体", size=18, bold=True), _al(), False, None, None),
    "top": (Font(name="黑体", size=12), _al("left"), False, None, None),
    "sub": (Font(name=_FONT, size=12), _al(), False, None, None),
    "head": (Font(name=_FONT, size=11, bold=True), _al(), True, _GREY, None),
    "c": (Font(name=_FONT, size=11), _al(), True, None, None),
    "l": (Font(name=_FONT, size=11), _al("left"), True, None, None),
    "money": (Font(name=_FONT, size=11), _al(), True, None, "#,##0.00####"),
    "pct": (Font(name=_FONT, size=11), _al(), True, _GREY, "0.00%"),
    "calc": (Font(name=_FONT, size=11, bold=True), _al(), True, _GREY, "0.00"),
    "note": (Font(name=_FONT, size=10), _al("left", "top"), False, None, None),
}


class _Writer:
    def __init__(self, ws) -> None:
        self.ws = ws
        self.merges: list[str] = []

    def put(self, row: int, col: int, value: Any, style: str, to_col: Optional[int] = None,
            to_row: Optional[int] = None, formula: bool = False) -> None:
        merged = put_block(self.ws, row, col, value, STYLES[style], to_col, to_row, formula)
        if merged:
            self.merges.append(merged)

    def finish(self) -> None:
        for rng in self.merges:
            self.ws.merge_cells(rng)


def _blank_data() -> dict:
    rows = []
    for l1, l2, n in BLANK_ROWS:
        for _ in range(n):
            rows.append({"level1": l1, "level2": l2})
    return {"year": 2022, "rows": rows, "funds": {}, "total": "formula"}


def example_data() -> dict:
    """中江县水利局 2022, as published (see the module docstring)."""
    q = "≥"
    rows = [
        ("产出指标", "数量指标", "安装坡面水标尺", f"{q}266米", f"{q}266米", 10, 10),
        ("产出指标", "数量指标", "水标尺宽度", f"{q}50厘米", f"{q}50厘米", 10, 10),
        ("产出指标", "质量指标", "项目（工程）验收合格率", "100%", "100%", 20, 20),
        ("产出指标", "时效指标", "及时（按期）开工率", f"{q}90%", f"{q}90%", 10, 10),
        ("产出指标", "时效指标", "及时（按期）完工率", f"{q}90%", f"{q}90%", 10, 10),
        ("产出指标", "成本指标", "项目计划总投资", "20万元", "20万元", 10, 10),
        ("效益指标", "经济效益指标", "", "", "", None, None),
        ("效益指标", "社会效益指标", "受益脱贫（含监测对象）户人口数", f"{q}1000人", f"{q}1000人", 10, 10),
        ("效益指标", "社会效益指标", "群众生产生活条件改善状况", "显著提升", "显著提升", 10, 10),
        ("满意度指标", "服务对象满意度指标", "受益脱贫（含监测对象）户满意度", f"{q}95%", f"{q}95%", 10, 10),
    ]
    return {
        "year": 2022,
        "project": "中江县农业水价综合改革精准补贴和节水奖励项目小型水库水标尺制作安装",
        "department": "中江县水利局",
        "unit": "中江县水利局",
        "funds": {"fiscal": (None, 20, 20)},
        "goal": "对农村地区供水计量设施设备进行改进，对项目区农业用水计量，为项目区农业生产夯实基础，",
        "done": "对项目区农业用水计量，为项目区农业生产夯实基础，",
        "rows": [dict(zip(("level1", "level2", "name", "target", "actual", "weight", "score"), r)) for r in rows],
        "labels": {"产出指标": "产出指标（70分）", "效益指标": "效益指标（20分）", "满意度指标": "满意度指标（10分）"},
        "total": (100, 100),  # typed on the published form (the formula would give 110 / 110)
        "source": "https://chacewang.com/newsdetail/news242266.html",
    }


def build_project_form(data: Optional[dict] = None, *, department: bool = False, sheet: str = SHEET) -> Workbook:
    """The blank national project form, or ``data`` (see ``example_data``) filled in. ``department`` lays out
    the 部门整体支出绩效自评表 that reprints it for a whole department (安徽): title, year, one 部门 line, and
    the funds block headed 预算资金（万元）; every row below moves up by two."""
    data = data or _blank_data()
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    w = _Writer(ws)
    if department:
        w.put(1, 1, "部门整体支出绩效自评表", "title", 10)
        w.put(2, 1, f"（{data.get('year') or '    '}年度）", "sub", 10)
        w.put(3, 1, "部门", "head", 2)
        w.put(3, 3, data.get("department"), "l", 10)
        f = 4
    else:
        w.put(1, 1, "附件", "top", 2)
        w.put(2, 1, "项目支出绩效自评表", "title", 10)
        w.put(3, 1, f"（{data.get('year') or '    '}年度）", "sub", 10)
        w.put(4, 1, "项目名称", "head", 2)
        w.put(4, 3, data.get("project"), "l", 10)
        w.put(5, 1, "主管部门", "head", 2)
        w.put(5, 3, data.get("department"), "l", 5)
        w.put(5, 6, "实施单位", "head", 7)
        w.put(5, 8, data.get("unit"), "l", 10)
        f = 6
    t = f + 1  # the 年度资金总额 row
    header, first = f + 7, f + 8
    # funds block
    w.put(f, 1, ("预算资金" if department else "项目资金") + "\n（万元）", "head", 2, f + 4)
    w.put(f, 3, None, "head", 4)
    for c, text in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), start=5):
        w.put(f, c, text, "head")
    w.put(t, 3, "年度资金总额", "l", 4)
    for c in (5, 6, 7):
        col = get_column_letter(c)
        w.put(t, c, f"=SUM({col}{t + 1}:{col}{t + 3})", "money", formula=True)
    w.put(t, 8, BUDGET_POINTS, "c")
    w.put(t, 9, f'=IF(N(F{t})>0,G{t}/F{t},"")', "pct", formula=True)
    w.put(t, 10, f'=IF(I{t}="","",ROUND(MIN(H{t},H{t}*I{t}),2))', "calc", formula=True)
    funds = data.get("funds", {})
    for r, (label, key) in enumerate((("其中：当年财政拨款", "fiscal"), ("上年结转资金", "carried"),
                                      ("其他资金", "other")), start=t + 1):
        w.put(r, 3, label, "l", 4)
        values = funds.get(key, (None, None, None))
        for c, v in zip((5, 6, 7), values):
            w.put(r, c, v, "money")
        for c in (8, 9, 10):
            w.put(r, c, "—", "c")
    # overall goal
    w.put(f + 5, 1, "年度总体目标", "head", None, f + 6)
    w.put(f + 5, 2, "预期目标", "head", 6)
    w.put(f + 5, 7, "实际完成情况", "head", 10)
    w.put(f + 6, 2, data.get("goal"), "l", 6)
    w.put(f + 6, 7, data.get("done"), "l", 10)
    # indicator table
    for c, text in enumerate(("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"), 1):
        w.put(header, c, text, "head")
    w.put(header, 9, "偏差原因分析及改进措施", "head", 10)
    rows = data["rows"]
    last = first + len(rows) - 1
    w.put(header, 1, "绩效指标", "head", None, last)
    r = first
    while r <= last:
        row = rows[r - first]
        l1 = row["level1"]
        end = r
        while end + 1 <= last and rows[end + 1 - first]["level1"] == l1:
            end += 1
        points = LEVEL1_POINTS.get(l1)
        label = data.get("labels", {}).get(l1) or (f"{l1}（{compact(points)}分）" if points is not None else l1)
        w.put(r, 2, label, "c", None, end)
        k = r
        while k <= end:
            l2 = rows[k - first]["level2"]
            e2 = k
            while e2 + 1 <= end and rows[e2 + 1 - first]["level2"] == l2:
                e2 += 1
            w.put(k, 3, l2, "c", None, e2)
            k = e2 + 1
        r = end + 1
    for r in range(first, last + 1):
        row = rows[r - first]
        w.put(r, 4, row.get("name"), "l")
        w.put(r, 5, row.get("target"), "l")
        w.put(r, 6, row.get("actual"), "l")
        w.put(r, 7, row.get("weight"), "c")
        w.put(r, 8, row.get("score"), "c")
        w.put(r, 9, row.get("reason"), "l", 10)
    total = last + 1
    w.put(total, 1, "总分", "head", 6)
    if data.get("total") == "formula" or data.get("total") is None:
        w.put(total, 7, f"=H{t}+SUM(G{first}:G{last})", "calc", formula=True)
        w.put(total, 8, formulas.budget_plus_scores(f"J{t}", f"H{first}", f"H{last}"), "calc",
              formula=True)
    else:
        typed_points, typed_score = data["total"]
        w.put(total, 7, typed_points, "calc")
        w.put(total, 8, typed_score, "calc")
        ws.cell(total, 8).comment = Comment(
            "原表填报的总分（照录）。按表内数字：预算执行 10 分 + 指标得分 100 分 = 110 分；"
            "指标分值合计已是 100 分，没有给预算执行留出 10 分。", "pe-score")
    w.put(total, 9, None, "c", 10)
    note = source_note(PROFILE)
    w.put(total + 1, 1, note, "note", 10)
    if data.get("source"):
        w.put(total + 2, 1, f"示例来源：{data['source']}（原表的错误照录）", "note", 10)
    w.finish()
    for c, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[2].height = 30
    ws.row_dimensions[f + 6].height = 48
    ws.row_dimensions[total + 1].height = 70
    print_landscape(ws, header)
    return wb


def source_note(profile) -> str:
    """The note under the form, its numbers written from ``profile`` (budget, 一级指标 points, tiers, total)."""
    level1 = {k: compact(v) for k, v in profile.level1.items()}
    return SOURCE_NOTE.format_map({**rule_values(profile), "out": level1["产出指标"], "ben": level1["效益指标"],
                                   "sat": level1["满意度指标"]})


def build_project_example() -> Workbook:
    return build_project_form(example_data())


def outputs() -> dict[Path, Workbook]:
    return {FORM_PATH: build_project_form(), EXAMPLE_PATH: build_project_example()}


def print_landscape(ws, header_row: int) -> None:
    """A4 landscape, one page wide and as many long as needed, the header row repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = f"{header_row}:{header_row}"
