"""Form families (workbook.families): recognition, the reading view, the family checks, PE910-PE918.

The real published forms of tests/real/ are the main fixtures; small synthetic grids test one rule
each. Nothing of the project is mocked.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pe_score.templates import example_grid
from scoring.findings import CATALOGUE
from scoring.models import Method
from tests.real.build import all_forms, grid, load, workbook
from workbook import families
from workbook.families.reading import garbled, lower_is_better
from workbook.grid import Grid
from workbook.pipeline import find_forms, score_grid

ROOT = Path(__file__).resolve().parent.parent
REAL = {f.id: f for f in all_forms()}


def scored(form_id, profile=None):
    return score_grid(grid(REAL[form_id]), profile, plan=False)


def codes_at(s, code):
    return [f.cell for f in s.result.findings if f.code == code]


# ---- recognition and the profile choice ------------------------------------------------------


def test_the_example_is_the_hubei_family_and_still_scores_97():
    s = score_grid(example_grid())
    assert s.profile.name == "hubei-2-1" and s.reading.family.name == "hubei-2-1"
    assert s.result.total == 97
    assert "附件2-1" in s.reading.why


@pytest.mark.parametrize("form_id", sorted(f.id for f in all_forms() if not f.xfail))
def test_each_real_form_gets_its_family_profile(form_id):
    s = scored(form_id)
    assert s.profile.name == REAL[form_id].profile
    assert s.reading.chosen and s.profile.name in s.reading.why


def test_an_explicit_profile_wins_and_is_said():
    s = scored("sc_zhongjiang_slj_biaochi_2022", "hubei-2-1")
    assert s.profile.name == "hubei-2-1" and not s.reading.chosen
    assert "指定" in s.reading.why
    # the reading view still applies: the funds block 资金情况 is read
    assert s.result.budget.planned == 20


def test_an_unknown_sheet_falls_back_to_the_default_family():
    fam, evidence = families.recognise(Grid("x", [["随便"], ["什么"]]))
    assert fam.name == "hubei-2-1" and evidence == []


def test_every_family_names_a_shipped_profile_and_a_source():
    from scoring.profiles import list_profiles

    for fam in families.families():
        assert fam.profile in list_profiles(), fam.name
        assert fam.source and fam.title, fam.name


# ---- the reading view ------------------------------------------------------------------------


def _two_row_form(comparator="≥", value="95", unit="%", actual="96"):
    """A national project form with 年度指标值 split over two header rows (simplified script)."""
    rows = [
        ["项目支出绩效自评表"] + [None] * 9,
        ["项目资金（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", None],
        [None, None, "年度资金总额", 10, 10, 10, 10, "100%", 10, None],
        ["绩效指标", None, None, "年度指标值", None, None, "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", None, None, None, None],
        ["产出指标", "质量指标", "验收合格率", comparator, value, unit, actual, 90, 90, None],
        ["总分", None, None, None, None, None, None, 100, 100, None],
    ]
    rows[3][0] = "绩效指标"
    merged = [(4, 1, 4, 3), (4, 4, 4, 6), (4, 7, 5, 7), (4, 8, 5, 8), (4, 9, 5, 9), (4, 10, 5, 10)]
    return Grid("表", rows, merged=merged)


def test_a_two_row_header_reads_the_split_target_as_one():
    s = score_grid(_two_row_form(), plan=False)
    ind = s.form.goals[0].indicators[0]
    assert ind.name == "验收合格率" and ind.target == "≥95%" and ind.actual == "96%"
    assert ind.cells.target == "D6" and ind.cells.score == "I6"
    assert s.result.total == 100 and not s.result.errors


def test_a_split_ceiling_keeps_its_comparator():
    s = score_grid(_two_row_form("≤", "30", "万元", "33"), plan=False)
    ir = s.result.indicators[0]
    assert ir.method == Method.REVERSE and ir.score < 90  # 33 万元 against ≤30 万元 is missed


def test_the_original_grid_is_not_changed_by_the_view():
    g = _two_row_form()
    before = [list(r) for r in g.values]
    score_grid(g, plan=False)
    assert g.values == before


def test_traditional_script_is_read():
    s = scored("yn_lijiang_gucheng_weipian_2020")
    names = [i.name for g in s.form.goals for i in g.indicators]
    assert "卫片执法补助经费" in names and "违法行为责停率" in names
    first = s.form.goals[0].indicators[0]
    assert first.target == "=72890元"  # the small-form ﹦ of the page is an ordinary =


def test_placeholder_rows_are_not_indicators_and_are_said_once():
    s = scored("he_langfang_spgcxx_nuantong_2019")
    names = [i.name for g in s.form.goals for i in g.indicators]
    assert "指标2" not in names and "……" not in names and "指标1" not in names
    assert len(codes_at(s, "PE918")) == 1
    assert not codes_at(s, "PE304") and not codes_at(s, "PE204")


def test_breakdown_rows_of_a_quantity_are_not_indicators():
    s = scored("ah_xiaoxian_hexi_2023")
    names = [i.name for g in s.form.goals for i in g.indicators]
    assert not any(n.startswith("其中") for n in names)
    assert not codes_at(s, "PE304")


def test_a_zero_funds_total_row_is_read_from_the_filled_row():
    s = scored("ah_chizhou_tangxi_weituo_2022")
    b = s.form.budget
    assert (b.planned, b.executed) == (89.974, 89.974)
    assert b.cells["planned"] == "F8" and b.cells["score"] == "J7"
    assert codes_at(s, "PE912") == ["F7"]
    assert s.result.budget.score == 10


# ---- rules by meaning ------------------------------------------------------------------------


def test_lower_is_better_by_meaning():
    fam = families.family("national-project")
    assert lower_is_better("预算调整率", fam) and lower_is_better("结转结余率", fam)
    assert lower_is_better("项目总成本", fam) and lower_is_better("财政供养人员控制率", fam)
    assert not lower_is_better("成本控制率", fam)  # a 控制率: higher is better
    assert not lower_is_better("验收合格率", fam)


def test_ceilings_without_a_sign_score_full_when_kept():
    s = scored("cq_kexuecheng_rongmeiti_2021")
    by_name = {r.name: r for r in s.result.indicators}
    for name in ("预算调整率", "结转结余率", "财政供养人员控制率", "公用经费控制率"):
        assert by_name[name].method == Method.REVERSE and by_name[name].score == by_name[name].weight, name


@pytest.mark.parametrize("text, bad", [
    ("到0次", True), ("第O份", True), ("扁2200篇", True), ("O76%", True),
    ("达到5次", False), ("约3次", False), ("≥266米", False), ("2200篇", False), ("100%", False),
    ("第3季度", False), ("全年3次", False), ("OK", False), ("", False),
    ("减5%", False), ("超3次", False), ("每1次", False), ("I级", False), ("ISO9001", False), ("O级", False),
])
def test_garbled_figures(text, bad):
    assert garbled(text) is bad


def test_a_garbled_target_is_not_a_zero_target():
    s = scored("cq_kexuecheng_rongmeiti_2021")
    assert "D25" in codes_at(s, "PE910")
    assert not codes_at(s, "PE206")  # "到0次" is not read as a target of 0
    row = next(r for r in s.result.indicators if r.name == "组织宣传活动次数")
    assert row.method == Method.MANUAL and row.score == 10


def test_an_actual_copied_from_the_target_is_not_full_marks_by_itself():
    s = scored("sc_zhongjiang_slj_biaochi_2022")
    assert set(codes_at(s, "PE911")) == {"G12", "G13", "G15", "G16", "G19", "G21"}
    row = next(r for r in s.result.indicators if r.name == "安装坡面水标尺")
    assert row.method == Method.MANUAL and not row.computed


def test_a_kept_deadline_is_not_a_manual_review():
    s = scored("ah_jinzhai_chagu_2023")
    assert not codes_at(s, "PE207")
    rows = [r for r in s.result.indicators if "验收时间" in r.name]
    assert rows and all(r.method == Method.JUDGEMENT and r.score == r.weight for r in rows)


# ---- 未评分 and the budget checks ---------------------------------------------------------------


def test_a_form_nobody_scored_is_unscored_with_its_checks():
    s = scored("sc_qingshen_fgj_gongzi_2023")
    assert s.reading.status == "unscored"
    codes = {f.code for f in s.result.findings}
    assert "PE913" in codes and not codes & {"PE204", "PE102", "PE401"}
    assert "PE917" in codes  # the template instructions still in the answer cells


def test_budget_checks():
    cut = scored("ah_chizhou_tangxi_cunji_2022")
    assert codes_at(cut, "PE915") == ["F8"] and codes_at(cut, "PE914") == ["I7"]
    missing = scored("ah_jinzhai_chagu_2023")
    assert codes_at(missing, "PE916") == ["J5"]
    twice = scored("ah_xiaoxian_hexi_2023")
    assert codes_at(twice, "PE916") == ["I7"]


def test_no_budget_score_finding_on_a_formula_cell():
    s = score_grid(example_grid())  # the 附件2-1 example: the budget score is a formula
    assert not codes_at(s, "PE916")


def test_every_family_code_is_produced():
    produced = set()
    for f in all_forms():
        if f.xfail:
            continue
        produced |= {x.code for x in scored(f.id).result.findings}
    g = _hubei_project_grid()  # the Hubei project layout (no 分值 column), and one goal over its points
    produced |= {x.code for x in score_grid(g, plan=False).result.findings}
    g.values[12][5] = 25
    produced |= {x.code for x in score_grid(g, plan=False).result.findings}
    family_codes = {c for c in CATALOGUE if c.startswith(("PE91", "PE92"))}
    assert family_codes <= produced, family_codes - produced


# ---- surfaces: the command line and the batch ------------------------------------------------


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pe_score", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd or ROOT, timeout=120)


def test_score_json_says_which_profile_and_why(tmp_path):
    path = tmp_path / "zj.xlsx"
    workbook(REAL["sc_zhongjiang_slj_biaochi_2022"]).save(path)
    p = _cli("score", str(path), "--json")
    data = json.loads(p.stdout)
    assert data["profile"] == "national-project" and "绩效目标自评表" in data["profile_reason"]
    assert data["status"] == "已评分" and data["total"] == 100


def test_score_json_of_an_unscored_form_has_no_total(tmp_path):
    path = tmp_path / "qs.xlsx"
    workbook(REAL["sc_qingshen_fgj_gongzi_2023"]).save(path)
    p = _cli("score", str(path), "--json")
    data = json.loads(p.stdout)
    assert data["status"] == "未评分" and data["total"] is None and data["profile"] == "sichuan-project"
    table = _cli("score", str(path))
    assert "未评分" in table.stdout and "按表格式样" in table.stdout


def test_check_on_a_mixed_folder_scores_each_with_its_profile(tmp_path):
    from pe_score.batch import run_check
    from pe_score.templates import save_form

    save_form(tmp_path / "hubei.xlsx", example=True)
    expected = {"hubei.xlsx": "hubei-2-1"}
    for fid in ("sc_zhongjiang_slj_biaochi_2022", "sc_qingshen_fgj_gongzi_2023", "cq_kexuecheng_rongmeiti_2021",
                "ah_jinzhai_chagu_2023"):
        workbook(REAL[fid]).save(tmp_path / f"{fid}.xlsx")
        expected[f"{fid}.xlsx"] = REAL[fid].profile
    out, err = io.StringIO(), io.StringIO()
    run_check([tmp_path], as_json=True, stdout=out, stderr=err, progress=False)
    objects = json.loads(out.getvalue())
    got = {Path(o["file"]).name: o["profile"] for o in objects}
    assert got == expected
    assert all(o["profile_reason"] for o in objects)
    text = io.StringIO()
    run_check([tmp_path], stdout=text, stderr=io.StringIO(), progress=False)
    report = text.getvalue()
    for name in set(expected.values()):  # the printed report counts the forms per profile
        n = sum(1 for v in expected.values() if v == name)
        assert re.search(rf"评分方案 {re.escape(name)}\s*│?\s*{n}\b", report), (name, report)


def test_find_forms_chooses_per_sheet():
    sheets = [grid(REAL["sc_zhongjiang_slj_biaochi_2022"]), example_grid()]
    sheets[1].name = "附件2-1"
    found = find_forms(sheets, plan=False)
    assert [s.profile.name for s in found] == ["national-project", "hubei-2-1"]


# ---- score tables (评分表) ----------------------------------------------------------------------


def test_a_score_table_is_read_and_its_arithmetic_checked():
    s = scored("ah_shouxian_bumen_2023")
    assert s.profile.name == "score-table"
    assert [r.score for r in s.result.indicators] == [3, 3, 3, 4, 2]
    assert not codes_at(s, "PE919") and not codes_at(s, "PE101")


def test_a_label_that_does_not_add_up_is_named():
    form = load(ROOT / "tests" / "real" / "forms" / "ah_shouxian_bumen_2023.toml")
    form.cells["E8"] = 3  # 年度绩效目标明确性 2 -> 3: 绩效目标（6分） and 规划（15分） no longer add up
    s = score_grid(grid(form), plan=False)
    assert set(codes_at(s, "PE919")) == {"C7", "B4"}


def test_a_score_table_with_a_points_column_per_level():
    """一级指标 | 分值 | 二级指标 | 分值 | 三级指标 | 分值 | 得分: the 三级 分值 are the weights and the
    一级/二级 points are checked against them."""
    s = scored("hi_shangwu_fuwumaoyi")
    assert s.profile.name == "score-table"
    weights = [r.weight for r in s.result.indicators]
    assert weights[:5] == [4, 3, 5, 2, 6] and sum(weights) == 60
    assert codes_at(s, "PE919") == ["A25"]  # 项目绩效（55分）: the page shows only 项目产出's 15 points
    form = load(ROOT / "tests" / "real" / "forms" / "hi_shangwu_fuwumaoyi.toml")
    form.cells["F16"] = 6  # 决策程序 5 -> 6: 决策过程（8分） and 项目决策（20分） no longer add up
    s = score_grid(grid(form), plan=False)
    assert set(codes_at(s, "PE919")) >= {"C15", "A14"}


# ---- the Hubei project form --------------------------------------------------------------------


def _hubei_project_grid():
    """The 湖北 项目绩效自评表 layout as the 黄冈 2020 水土保持监测 form prints it (shared reference notes
    §2.2; the index gave no address for that page, so it is a layout fixture here, not a corpus form):
    goal titles above their own header rows, no 分值 column, 总分 99.6."""
    rows = [
        ["2020年度水土保持监测项目绩效自评表", None, None, None, None, None, None],
        ["单位名称：黄冈市水土保持与农田水利科研所", None, None, None, "填报日期：2021年3月10日", None, None],
        ["项目名称", "水土保持监测", None, "主管部门", "黄冈市水利和湖泊局", None, None],
        ["预算执行情况（万元）（20分）", None, "预算数（A）", "执行数（B）", "执行率（B/A）", "得分（20分*执行率）", None],
        [None, "年度财政资金总额", 10, 10, "100%", 20, None],
        ["年度绩效目标1（40分）", None, None, None, None, None, None],
        ["一级指标", "二级指标", "三级指标", "年初目标值（A）", "实际完成值（B）", "得分", "偏差大或目标未完成原因分析"],
        ["产出指标", "质量指标", "监测数据必须合格", "100%", "100%", 10, None],
        [None, "进度指标", "取得2018-2022监测资料", "100%", "100%", 10, None],
        ["效益指标", "满意度指标", "服务对象满意度指标整编资料审核", "98%", "98%", 19.6, None],
        ["年度绩效目标2（40分）", None, None, None, None, None, None],
        ["一级指标", "二级指标", "三级指标", "年初目标值（A）", "实际完成值（B）", "得分", "偏差大或目标未完成原因分析"],
        ["产出指标", "质量指标", "监测数据资料整编", "100%", "100%", 20, None],
        [None, "进度指标", "完成年度资料上报", "100%", "100%", 20, None],
        ["总分", None, None, None, None, 99.6, None],
    ]
    merged = [(4, 1, 5, 2), (6, 1, 6, 7), (11, 1, 11, 7), (8, 1, 9, 1), (13, 1, 14, 1), (15, 1, 15, 5)]
    return Grid("自评表", rows, merged=merged, formulas={})


def test_the_hubei_project_form_without_a_points_column():
    s = score_grid(_hubei_project_grid(), plan=False)
    assert s.profile.name == "hubei-project" and s.reading.family.name == "hubei-project"
    goals = s.form.goals
    assert [g.title for g in goals] == ["年度绩效目标1（40分）", "年度绩效目标2（40分）"]
    assert [g.points for g in goals] == [40, 40]
    assert [len(g.indicators) for g in goals] == [3, 2]
    assert s.result.budget.score == 20
    assert round(s.result.total, 2) == 99.6  # the published 总分, from the typed scores kept
    codes = [f.code for f in s.result.findings]
    assert codes == ["PE920"]  # the points are implicit: said once; nothing else is wrong on this form


def test_a_goal_whose_scores_exceed_its_points_without_a_points_column():
    g = _hubei_project_grid()
    g.values[12][5] = 25  # 监测数据资料整编 20 -> 25: goal 2 now adds up to 45 of 40
    s = score_grid(g, plan=False)
    assert [(f.code, f.cell) for f in s.result.findings if f.code == "PE921"] == [("PE921", "A11")]


# ---- 四川 评分表: points only in brackets, no 分值 column --------------------------------------------


def test_a_sichuan_score_table_with_points_only_in_the_names():
    """一级 / 二级 / 三级 / 得分, the points written after each name (相关性(5分)): read from the brackets."""
    s = scored("sc_2017_bumen_defen_wanglu")
    assert s.profile.name == "score-table" and s.reading.family.name == "score-table"
    assert [r.name for r in s.result.indicators][:2] == ["相关性", "明确性"]
    assert [(r.weight, r.score) for r in s.result.indicators] == [(5, 5), (5, 5), (5, 5), (5, 2), (5, 4), (1, 1)]
    assert not codes_at(s, "PE401")  # no 偏差原因 column: nowhere to explain the lost points
    form = load(ROOT / "tests" / "real" / "forms" / "sc_2017_bumen_defen_wanglu.toml")
    form.cells["D6"] = 6  # 测算依据 2 -> 6 of its 5 points
    s = score_grid(grid(form), plan=False)
    assert "D6" in {f.cell for f in s.result.findings}


def test_a_sichuan_project_score_table_unscored_and_its_unchosen_options():
    s = scored("sc_dazhou_nyj_xiangmu_blank")
    assert s.profile.name == "score-table" and s.reading.status == "unscored"
    assert codes_at(s, "PE913")
    s = scored("sc_2017_xiangmu_pingfen_wanglu")
    names = [r.name for r in s.result.indicators]
    assert "经济效益（可选项）" in names and "生态效益（可选项）" not in names  # not chosen: no points, no score
    assert codes_at(s, "PE918") == ["C15"]
    assert not codes_at(s, "PE304") and s.result.total == 58


# ---- 一级 split suggested by the family (四川 项目表) -----------------------------------------------


def test_a_sichuan_project_form_leaving_out_a_whole_level1_is_named():
    """All 90 points on one 产出 row: 效益 is left out (PE306); 满意度 may be left out; an adjusted
    split (产出 60 / 效益 30, no 满意度) is not reported."""
    s = scored("sc_daying_chengben_tail_2023")
    pe306 = [f for f in s.result.findings if f.code == "PE306"]
    assert [f.message for f in pe306] == ["“效益指标”合计 0 分，评分方案“sichuan-project”规定为 30 分。"]
    assert not codes_at(scored("sc_qingshen_fgj_gongzi_2023"), "PE306")
    form = load(ROOT / "tests" / "real" / "forms" / "sc_daying_chengben_tail_2023.toml")
    form.cells["B2"] = "效益指标"  # now 产出 is the one left out
    s = score_grid(grid(form), plan=False)
    assert [f.message for f in s.result.findings if f.code == "PE306"] == [
        "“产出指标”合计 0 分，评分方案“sichuan-project”规定为 50 分。"]


# ---- the evaluation-framework labels (决策 / 过程 / 产出 / 效益) and OCR residue -------------------------


def test_evaluation_framework_level1_labels_and_not_applicable_targets():
    """银川 2021: 项目决策/项目管理/项目产出/项目效益（N分） are the 一级指标; a dash or blank target on
    决策/管理 rows is "not applicable" (typed score kept, no PE101/PE207); 指标L is OCR'd 指标1 (residue);
    M.8万元 is an unreadable figure (PE910)."""
    s = scored("nx_yinchuan_liuzhong_gongyong_2021")
    assert not codes_at(s, "PE905")
    levels = {i.name: i.level1 for g in s.form.goals for i in g.indicators}
    assert levels["完整性"].startswith("决策指标") and levels["保障人数"].startswith("产出指标")
    assert levels["效果显著"].startswith("效益指标")
    assert not codes_at(s, "PE101") and not codes_at(s, "PE207") and not codes_at(s, "PE304")
    kept = {r.name: r.score for r in s.result.indicators}
    assert kept["完整性"] == 4 and kept["预算执行率"] == 9  # typed scores kept
    assert "指标L" not in kept
    assert codes_at(s, "PE910") == ["E26"]
    assert codes_at(s, "PE919") == ["A27"]  # 效益（35分）: the page shows 25 points of it
    # a text actual that repeats the target word for word is a met target: a deduction needs its reason
    assert set(codes_at(s, "PE202")) == {"G22", "G29", "G32"}
    # a real target on a 决策 row is still read as one
    form = load(ROOT / "tests" / "real" / "forms" / "nx_yinchuan_liuzhong_gongyong_2021.toml")
    form.cells["E12"] = "≥95%"
    form.cells["F12"] = "90%"
    s = score_grid(grid(form), plan=False)
    r = next(r for r in s.result.indicators if r.name == "可行性")
    assert r.method.value == "ratio" and round(r.score, 4) == round(2 * 90 / 95, 4)


def test_a_satisfaction_above_100_percent_is_an_unreadable_figure():
    """满意度 “290%” (an OCR'd “≥90%”) is no satisfaction rate: PE910, the typed score is not confirmed."""
    s = scored("hb_changjiang_jinbu_yuye_2020")
    assert codes_at(s, "PE910") == ["E16"]
    form = load(ROOT / "tests" / "real" / "forms" / "hb_changjiang_jinbu_yuye_2020.toml")
    form.cells["E16"] = "92%"
    assert not codes_at(score_grid(grid(form), plan=False), "PE910")


def test_a_text_actual_equal_to_its_target_is_not_sent_for_review_without_a_points_column():
    """湖北 项目表 without 分值: “专款专用” as target and actual is met; PE920 already says the scores are
    kept, so no PE207 row by row."""
    s = scored("hb_xiangyang_zhongxin_dongjin_2021")
    assert codes_at(s, "PE920") and not codes_at(s, "PE207")


def test_a_budget_added_mid_year_without_a_reason():
    """四川: 年初预算 0 → 调整后 3.36 with only the printed note in the 原因 cell: PE922; a reason, or a small
    change (238.93 → 251.89), is not reported."""
    s = scored("sc_daying_sfj_anke_2023")
    assert [(f.cell, f.message) for f in s.result.findings if f.code == "PE922"] == [
        ("D8", "年初预算数 0 在年中调整为 3.36（追加 3.36），原因栏没有说明调整理由；请说明追加或调减的理由。")]
    form = load(ROOT / "tests" / "real" / "forms" / "sc_daying_sfj_anke_2023.toml")
    form.cells["I8"] = "年中根据县委政法委通知追加安可替代补助资金"
    assert not codes_at(score_grid(grid(form), plan=False), "PE922")
    assert not codes_at(scored("sc_qingshen_fgj_gongzi_2023"), "PE922")


def test_a_level1_label_with_no_indicator_under_it():
    s = scored("hb_changjiang_jinbu_yuye_2020")
    assert [(f.cell, f.message) for f in s.result.findings if f.code == "PE923"] == [
        ("A15", "“效益指标”下没有填任何指标；请补填指标（含分值、目标值和完成值），或说明不设此类指标的原因。")]
    # template rows under a label are PE918's, not PE923's
    assert not codes_at(scored("nx_yinchuan_liuzhong_gongyong_2021"), "PE923")
    assert not codes_at(score_grid(example_grid(), plan=False), "PE923")


def test_a_goals_form_with_neither_points_nor_scores_is_read_as_unscored():
    """湖南 绩效目标自评表: 年度指标值 / 全年完成值 / 未完成原因, no 分值 and no 得分 column: read, 未评分 (PE913),
    the points said to be implicit once (PE920), no weight-sum noise; the OCR'd “290%” target is PE910."""
    s = scored("hn_hengshan_liangshi_chubei_2020")
    assert s.profile.name == "national-project" and s.reading.status == "unscored"
    assert len(s.result.indicators) == 16
    assert s.result.budget.score == 10  # 194.9 / 194.9
    assert sorted(f.code for f in s.result.findings) == ["PE910", "PE913", "PE920", "PE924"]
    assert codes_at(s, "PE910") == ["E25"]


def test_an_indicator_named_by_a_value_or_filed_under_the_wrong_class():
    """PE924: “1年” is a value, not a name; 成本控制 under 数量指标; a 满意度 row that names no 满意."""
    s = scored("hb_xiangyang_zhongxin_dongjin_2021")
    assert sorted(codes_at(s, "PE924")) == ["C12", "C15"]
    s = scored("hn_hengshan_liangshi_chubei_2020")
    assert codes_at(s, "PE924") == ["D24"]  # 粮食安全事件发生数 under 满意度指标; 市民满意度调查 is fine
    # amounts of money under 数量 are common and not reported
    assert not codes_at(scored("yn_lijiang_gucheng_weipian_2020"), "PE924")
    assert not codes_at(score_grid(example_grid(), plan=False), "PE924")
