"""Blank forms (and a filled example) for the form families beyond 附件2-1 and the national project form.

So far the 四川 部门预算项目支出绩效自评表 (报表编号 510000_0013zp, family ``sichuan-project``), columns A–K,
laid out as the published forms print it (tests/real/forms/sc_qingshen_fgj_gongzi_2023.toml,
sc_daying_sfj_anke_2023.toml):

| row | content |
|---|---|
| 1–4 | 报表编号, title `部门预算项目支出绩效自评表（YYYY年度）`, 项目名称, 主管部门 / 实施单位（盖章） |
| 5–7 | 项目基本情况: 1.项目年度目标完成情况 (项目年度目标 C:F / 年度目标完成情况 G:K), 2.项目实施内容及过程概述 |
| 8–13 | 预算执行情况（10分）: B 年度预算数（万元）, C 年初预算, D 调整后预算数, E 预算执行数, F 预算执行率, G 权重, H 得分, I:K 原因; rows 总额, 其中：财政资金, 财政专户管理资金, 单位资金, 其他资金 |
| 14 | 绩效指标（90分） header: B 一级指标, C 二级指标, D 三级指标, E 指标性质, F 指标值, G 度量单位, H 完成值, I 权重, J 得分, K 未完成原因分析 |
| 15… | indicator rows, 一级 and 二级 labels merged down |
| n | 合计 (A:H): I = 10 + the weights, J = budget score + indicator scores |
| n+1… | 评价结论, 存在问题, 改进措施, 项目负责人 / 财务负责人 |

The budget points come from the ``sichuan-project`` profile. Cells are written by ``pe_score.templates.put_block``
through the national project form's writer and styles (``pe_score.project_template``).

The example is 青神县发展和改革局 2023 工资性支出 as published (www.scqs.gov.cn/info/13206/211004.htm): the unit
filled the targets and weights but left every 完成值 and 得分 empty and the template's 填写说明 in place, so
it scores as the published form does: not scored (PE913), 年度目标完成情况 unfilled (PE917).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from pe_score.project_template import _Writer, build_project_form, print_landscape
from scoring import formulas
from scoring.formatting import compact, literal
from scoring.profiles import load_profile

SC_SHEET = "部门预算项目支出绩效自评表"
SC_FORM_PATH = Path("templates") / "sichuan_project_form.xlsx"
SC_EXAMPLE_PATH = Path("templates") / "examples" / "qingshen_fgj_gongzi_2023.xlsx"
SC_PROFILE = load_profile("sichuan-project")
SC_BUDGET_POINTS = SC_PROFILE.budget.points
SC_HEADER_ROW = 14
SC_FIRST_ROW = 15
SC_WIDTHS = [10, 14, 14, 24, 10, 10, 9, 12, 8, 8, 20]
SC_HEADER = ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分", "未完成原因分析"]
SC_FUNDS = ["总额", "其中：财政资金", "财政专户管理资金", "单位资金", "其他资金"]
SC_REASON_NOTE = ("1.预算执行率=预算执行数/调整后预算数，预算执行率未达到90%的需说明原因（100字以内）；"
                  "2.年中发生预算调整的（追加或调减），应单独说明理由；3.其他资金包括：社会投入资金、银行贷款.")
SC_PROMPTS = {
    "done": "对照年度目标，说明相关任务目标的完成情况（100字以内）",
    "conclusion": "结合自评情况，说明项目自评总分，说明项目实施取得的成效或成果。（200字以内）",
    "problems": "结合自评情况，分析存在的问题及原因。（200字以内）",
    "measures": "针对项目自评中发现的问题，提出下一步改进完善的意见及有关政策性建议。（200字以内）",
}
SC_BLANK_ROWS = [  # (一级指标, 二级指标, rows)
    ("产出指标", "数量指标", 2), ("产出指标", "质量指标", 1), ("产出指标", "时效指标", 1), ("产出指标", "成本指标", 1),
    ("效益指标", "经济效益指标", 1), ("效益指标", "社会效益指标", 1), ("效益指标", "生态效益指标", 1),
    ("效益指标", "可持续影响指标", 1), ("满意度指标", "服务对象满意度指标", 1),
]


def put_levels(w: _Writer, rows: list[dict], first: int, col1: int, col2: int) -> None:
    """Write the 一级 (``col1``) and 二级 (``col2``) labels of ``rows`` from row ``first``, each run merged down."""
    last = first + len(rows) - 1
    r = first
    while r <= last:
        end = r
        while end + 1 <= last and rows[end + 1 - first]["level1"] == rows[r - first]["level1"]:
            end += 1
        w.put(r, col1, rows[r - first]["level1"], "c", None, end)
        k = r
        while k <= end:
            e2 = k
            while e2 + 1 <= end and rows[e2 + 1 - first]["level2"] == rows[k - first]["level2"]:
                e2 += 1
            w.put(k, col2, rows[k - first]["level2"], "c", None, e2)
            k = e2 + 1
        r = end + 1


def _sc_blank() -> dict:
    rows = [{"level1": l1, "level2": l2} for l1, l2, n in SC_BLANK_ROWS for _ in range(n)]
    return {"year": None, "rows": rows, "funds": {}, "total": "formula", "prompts": True}


def sichuan_example_data() -> dict:
    """青神县发展和改革局 2023 工资性支出, as published (see the module docstring)."""
    rows = [
        ("产出指标", "数量指标", "发放（缴纳）覆盖率", "=", 100, "%", 60),
        ("效益指标", "社会效益指标", "足额保障率（参保率）", "=", 100, "%", 30),
    ]
    return {
        "year": 2023,
        "project": "51000021R000000019951-工资性支出",
        "department": "青神县发展和改革局本级",
        "unit": "青神县发展和改革局",
        "goal": "严格执行相关政策，保障工资及时、足额发放或社保及时、足额缴纳，预算编制科学合理，减少结余资金。",
        "funds": {"总额": (238.93, 251.89, 251.89, "100.00%"), "其中：财政资金": (238.93, 251.89, 251.89, "100.00%"),
                  "财政专户管理资金": (0.0, 0.0, 0.0, "0.00%"), "单位资金": (0.0, 0.0, 0.0, "0.00%")},
        "rows": [dict(zip(("level1", "level2", "name", "kind", "value", "unit", "weight"), r)) for r in rows],
        "total": (100, None),  # typed on the published form: the weights only, no score
        "prompts": True,  # the template's 填写说明 left in place
        "source": "https://www.scqs.gov.cn/info/13206/211004.htm（tests/real/forms/sc_qingshen_fgj_gongzi_2023.toml）",
    }


def build_sichuan_project_form(data: Optional[dict] = None) -> Workbook:
    """The blank 四川 部门预算项目支出绩效自评表, or ``data`` (see ``sichuan_example_data``) filled in."""
    data = data or _sc_blank()
    wb = Workbook()
    ws = wb.active
    ws.title = SC_SHEET
    w = _Writer(ws)
    prompt = (lambda key: SC_PROMPTS[key]) if data.get("prompts") else (lambda key: None)
    w.put(1, 9, "报表编号：510000_0013zp", "top", 11)
    w.put(2, 1, f"部门预算项目支出绩效自评表（{data.get('year') or '    '}年度）", "title", 11)
    w.put(3, 1, "项目名称", "head", 2)
    w.put(3, 3, data.get("project"), "l", 11)
    w.put(4, 1, "主管部门", "head", 2)
    w.put(4, 3, data.get("department"), "l", 5)
    w.put(4, 6, "实施单位（盖章）", "head", 7)
    w.put(4, 8, data.get("unit"), "l", 11)
    w.put(5, 1, "项目基本情况", "head", None, 7)
    w.put(5, 2, "1.项目年度目标完成情况", "head", None, 6)
    w.put(5, 3, "项目年度目标", "head", 6)
    w.put(5, 7, "年度目标完成情况", "head", 11)
    w.put(6, 3, data.get("goal"), "l", 6)
    w.put(6, 7, data.get("done") or prompt("done"), "l", 11)
    w.put(7, 2, "2.项目实施内容及过程概述", "head")
    w.put(7, 3, data.get("content"), "l", 11)
    # budget block
    w.put(8, 1, f"预算执行情况（{compact(SC_BUDGET_POINTS)}分）", "head", None, 13)
    for c, text in enumerate(("年度预算数（万元）", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分"), 2):
        w.put(8, c, text, "head")
    w.put(8, 9, "原因", "head", 11)
    funds = data.get("funds", {})
    for r, label in enumerate(SC_FUNDS, start=9):
        w.put(r, 2, label, "l")
        values = funds.get(label)
        if values:
            for c, v in zip((3, 4, 5, 6), values):
                w.put(r, c, v, "money" if c < 6 else "c")
        else:
            for c in (3, 4, 5):
                w.put(r, c, None, "money")
            if label != "其他资金":
                w.put(r, 6, f'=IF(N(D{r})>0,E{r}/D{r},"")', "pct", formula=True)
            else:
                w.put(r, 6, None, "c")
        w.put(r, 7, SC_BUDGET_POINTS if r == 9 else "/", "c")
        w.put(r, 8, data.get("budget_score") if r == 9 else "/", "c")
    w.put(9, 9, SC_REASON_NOTE, "l", 11, 13)
    # indicator table
    rows = data["rows"]
    last = SC_FIRST_ROW + len(rows) - 1
    w.put(SC_HEADER_ROW, 1, f"绩效指标（{compact(SC_PROFILE.total_points - SC_BUDGET_POINTS)}分）", "head", None, last)
    for c, text in enumerate(SC_HEADER, start=2):
        w.put(SC_HEADER_ROW, c, text, "head")
    put_levels(w, rows, SC_FIRST_ROW, 2, 3)
    for r, row in enumerate(rows, start=SC_FIRST_ROW):
        for c, key, style in ((4, "name", "l"), (5, "kind", "c"), (6, "value", "c"), (7, "unit", "c"),
                              (8, "actual", "c"), (9, "weight", "c"), (10, "score", "c"), (11, "reason", "l")):
            w.put(r, c, row.get(key), style)
    total = last + 1
    w.put(total, 1, "合计", "head", 8)
    if data.get("total") == "formula":
        w.put(total, 9, f"=G9+SUM(I{SC_FIRST_ROW}:I{last})", "calc", formula=True)
        w.put(total, 10, formulas.budget_plus_scores("H9", f"J{SC_FIRST_ROW}", f"J{last}"),
              "calc", formula=True)
    else:
        w.put(total, 9, data["total"][0], "calc")
        w.put(total, 10, data["total"][1], "calc")
    w.put(total, 11, None, "c")
    for r, (label, key) in enumerate((("评价结论", "conclusion"), ("存在问题", "problems"), ("改进措施", "measures")),
                                     start=total + 1):
        w.put(r, 1, label, "head", 2)
        w.put(r, 3, data.get(key) or prompt(key), "l", 11)
    w.put(total + 4, 1, "项目负责人：", "top", 5)
    w.put(total + 4, 6, "财务负责人：", "top", 11)
    if data.get("source"):
        w.put(total + 5, 1, f"示例来源：{data['source']}（原表照录）", "note", 11)
    w.finish()
    for c, width in enumerate(SC_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[2].height = 30
    ws.row_dimensions[9].height = 30
    print_landscape(ws, SC_HEADER_ROW)
    return wb


def build_sichuan_project_example() -> Workbook:
    return build_sichuan_project_form(sichuan_example_data())


HB_SHEET = "项目绩效自评表"
HB_FORM_PATH = Path("templates") / "hubei_project_form.xlsx"
HB_PROFILE = load_profile("hubei-project")
HB_BUDGET_POINTS = HB_PROFILE.budget.points
HB_GOALS = 1  # 年度绩效目标1（80分）, as the published form; a unit with more goals splits the 80 points
HB_WIDTHS = [16, 16, 26, 16, 16, 12]
HB_GOAL_ROWS = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"), ("产出指标", "成本指标"),
                ("效益指标", "经济效益指标"), ("效益指标", "社会效益指标"), ("效益指标", "生态效益指标"),
                ("效益指标", "可持续影响指标"), ("满意度指标", "服务对象满意度指标")]


def build_hubei_project_form(goals: int = HB_GOALS) -> Workbook:
    """The blank 湖北 项目绩效自评表 (鄂财绩发〔2020〕3号 系列表式), columns A–F, laid out as the published
    2020年度长江禁捕项目自评表 (tests/real/forms/hb_changjiang_jinbu_yuye_2020.toml): 预算执行情况（万元）（20分）
    with 年度财政资金总额, then each 年度绩效目标N（40分） followed by its own header row; no 分值 column
    (each goal's points are its rows' share, as the published form prints it)."""
    wb = Workbook()
    ws = wb.active
    ws.title = HB_SHEET
    w = _Writer(ws)
    w.put(1, 1, "    年度项目绩效自评表", "title", 6)
    w.put(2, 1, "单位名称：", "top")
    w.put(2, 2, None, "top", 3)
    w.put(2, 4, "填报日期：", "top", 6)
    w.put(3, 1, "项目名称", "head")
    w.put(3, 2, None, "l", 3)
    w.put(3, 4, "主管部门", "head")
    w.put(3, 5, None, "l", 6)
    for r, (label, text) in enumerate((("项目实施单位", None),
                                       ("项目类别", "1、部门预算项目□ 2、市直专项□ 3、市对下转移支付项目□"),
                                       ("项目属性", "1、持续性项目□ 2、新增性项目□"),
                                       ("项目类型", "1、常年性项目□ 2、延续性项目□ 3、一次性项目□")), start=4):
        w.put(r, 1, label, "head")
        w.put(r, 2, text, "l", 6)
    w.put(8, 1, f"预算执行情况（万元）（{compact(HB_BUDGET_POINTS)}分）", "head")
    for c, text in enumerate(("预算数（A）", "执行数（B）", "执行率（B/A）"), start=2):
        w.put(8, c, text, "head")
    w.put(8, 5, f"得分（{compact(HB_BUDGET_POINTS)}分*执行率）", "head", 6)
    w.put(9, 1, "年度财政资金总额", "l")
    w.put(9, 2, None, "money")
    w.put(9, 3, None, "money")
    w.put(9, 4, '=IF(N(B9)>0,C9/B9,"")', "pct", formula=True)
    w.put(9, 5, f'=IF(D9="","",ROUND(MIN({literal(HB_BUDGET_POINTS)},{literal(HB_BUDGET_POINTS)}*D9),2))', "calc", 6, formula=True)
    points = (HB_PROFILE.total_points - HB_BUDGET_POINTS) / goals
    r = 10
    rows = [{"level1": l1, "level2": l2} for l1, l2 in HB_GOAL_ROWS]
    for g in range(1, goals + 1):
        w.put(r, 1, f"年度绩效目标{g}（{compact(points)}分）", "head", 6)
        for c, text in enumerate(("一级指标", "二级指标", "三级指标", "年初目标值（A）", "实际完成值（B）", "得分"), 1):
            w.put(r + 1, c, text, "head")
        put_levels(w, rows, r + 2, 1, 2)
        for k in range(len(rows)):
            for c in range(3, 7):
                w.put(r + 2 + k, c, None, "l" if c == 3 else "c")
        r += 2 + len(rows)
    w.put(r, 1, "总分", "head")
    w.put(r, 2, formulas.budget_plus_scores("E9", "F12", f"F{r - 1}"), "calc", 6, formula=True)
    w.put(r + 1, 1, "偏差大或目标未完成原因分析", "head")
    w.put(r + 1, 2, None, "l", 6)
    w.put(r + 2, 1, "改进措施及结果应用方案", "head")
    w.put(r + 2, 2, None, "l", 6)
    w.finish()
    for c, width in enumerate(HB_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[1].height = 30
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    return wb


AH_SHEET = "部门整体支出绩效自评表"
AH_FORM_PATH = Path("templates") / "anhui_department_form.xlsx"


def build_anhui_department_form() -> Workbook:
    """The blank 安徽 部门整体支出绩效自评表: the national project form's layout for a whole department
    (as 金寨县茶谷和美丽乡村建设服务中心 2023 publishes it, tests/real/forms/ah_jinzhai_chagu_2023.toml)."""
    return build_project_form(department=True, sheet=AH_SHEET)


CQ_SHEET = "部门整体绩效自评表"
CQ_FORM_PATH = Path("templates") / "chongqing_department_form.xlsx"
CQ_PROFILE = load_profile("chongqing-department")
CQ_BUDGET_POINTS = CQ_PROFILE.budget.points
CQ_HEADER_ROW = 9
CQ_ROWS = 12
CQ_WIDTHS = [24, 10, 12, 12, 12, 12, 12, 12, 12, 12]
CQ_HEADER = ["指标名称", "计量单位", "指标性质", "年初指标值", "调整指标值", "全年完成值", "得分系数（%）", "指标权重（分）",
             "指标得分（分）", "是否核心指标"]


def build_chongqing_department_form(rows: int = CQ_ROWS) -> Workbook:
    """The blank 重庆 部门整体绩效自评表, columns A–J, laid out as 西部（重庆）科学城融媒体中心 2021 publishes it
    (tests/real/forms/cq_kexuecheng_rongmeiti_2021.toml): 部门预算执行情况（万元） with 执行率权重 / 执行率得分,
    当年绩效目标, then one indicator table without 一级/二级 labels."""
    wb = Workbook()
    ws = wb.active
    ws.title = CQ_SHEET
    w = _Writer(ws)
    last = CQ_HEADER_ROW + rows
    w.put(1, 1, "部门整体绩效自评表", "title", 10)
    w.put(2, 1, "主管部门", "head")
    w.put(2, 2, None, "l", 4)
    w.put(2, 5, "财政处室", "head")
    w.put(2, 6, None, "l", 7)
    w.put(2, 8, "自评总分（分）", "head")
    w.put(2, 9, formulas.budget_plus_scores("G5", f"I{CQ_HEADER_ROW + 1}", f"I{last}"),
          "calc", 10, formula=True)
    w.put(3, 1, "部门联系人", "head", 2)
    w.put(3, 3, None, "l", 4)
    w.put(3, 5, "联系电话", "head", 7)
    w.put(3, 8, None, "l", 10)
    w.put(4, 1, "部门预算执行情况（万元）", "head", None, 5)
    for c, text in enumerate(("年初预算数", "全年（调整）预算数", "全年执行数", "执行率（%）", "执行率权重", "执行率得分（分）"), 2):
        w.put(4, c, text, "head")
    w.put(4, 8, None, "head", 10, 5)
    for c in (2, 3, 4):
        w.put(5, c, None, "money")
    w.put(5, 5, '=IF(N(C5)>0,D5/C5,"")', "pct", formula=True)
    w.put(5, 6, CQ_BUDGET_POINTS, "c")
    w.put(5, 7, '=IF(E5="","",ROUND(MIN(F5,F5*E5),2))', "calc", formula=True)
    w.put(6, 1, "当年绩效目标", "head", 2)
    w.put(6, 3, None, "l", 10)
    w.put(7, 1, "全年目标实际完成情况", "head", 2)
    w.put(7, 3, None, "l", 10)
    for c, text in enumerate(CQ_HEADER, start=1):
        w.put(CQ_HEADER_ROW, c, text, "head")
    for r in range(CQ_HEADER_ROW + 1, last + 1):
        for c in range(1, 11):
            w.put(r, c, None, "l" if c == 1 else "c")
    w.finish()
    for c, width in enumerate(CQ_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[6].height = ws.row_dimensions[7].height = 48
    print_landscape(ws, CQ_HEADER_ROW)
    return wb


ST_SHEET = "绩效评价自评表"
ST_FORM_PATH = Path("templates") / "score_table_form.xlsx"
ST_HEADER_ROW = 3
ST_ROWS = 15
ST_WIDTHS = [6, 12, 12, 16, 9, 36, 36, 9]
ST_HEADER = ["序号", "一级指标", "二级指标", "三级指标", "指标分值", "指标解释", "指标说明及评分标准", "自评得分"]


def build_score_table_form(rows: int = ST_ROWS) -> Workbook:
    """The blank 评分表 (family ``score-table``): 一级/二级/三级指标, 指标分值, 指标解释, 评分标准, 自评得分 and no
    target or actual columns, laid out as 寿县 2023年度部门整体支出绩效评价自评表 prints it
    (tests/real/forms/ah_shouxian_bumen_2023.toml), with a 合计 row summing the points and the scores."""
    wb = Workbook()
    ws = wb.active
    ws.title = ST_SHEET
    w = _Writer(ws)
    first, last = ST_HEADER_ROW + 1, ST_HEADER_ROW + rows
    w.put(1, 1, "    年度部门整体支出绩效评价自评表", "title", 8)
    w.put(2, 1, "单位", "head")
    w.put(2, 2, None, "l", 8)
    for c, text in enumerate(ST_HEADER, start=1):
        w.put(ST_HEADER_ROW, c, text, "head")
    for r in range(first, last + 1):
        w.put(r, 1, r - ST_HEADER_ROW, "c")
        for c in range(2, 9):
            w.put(r, c, None, "l" if c in (6, 7) else "c")
    w.put(last + 1, 1, "合计", "head", 4)
    w.put(last + 1, 5, f"=SUM(E{first}:E{last})", "calc", formula=True)
    w.put(last + 1, 6, None, "c", 7)
    w.put(last + 1, 8, formulas.subtotal(f"H{first}", f"H{last}"), "calc", formula=True)
    w.finish()
    for c, width in enumerate(ST_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[1].height = 30
    print_landscape(ws, ST_HEADER_ROW)
    return wb


def outputs() -> dict[Path, Workbook]:
    return {SC_FORM_PATH: build_sichuan_project_form(), SC_EXAMPLE_PATH: build_sichuan_project_example(),
            HB_FORM_PATH: build_hubei_project_form(), AH_FORM_PATH: build_anhui_department_form(),
            CQ_FORM_PATH: build_chongqing_department_form(), ST_FORM_PATH: build_score_table_form()}
