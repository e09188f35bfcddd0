"""Table tests for scoring.values: what people type in 年初目标值 / 实际完成值 and how it must read.

The first block is every 年初目标值 and 实际完成值 text of the seed form (十堰市人社局 2021), copied
here; the rest are texts of the kind other departments write (教育, 卫健, 交通, 农业 ...).
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from scoring.values import ParsedValue, format_number, parse_value, same_dimension

WAN = 10_000
YI = 100_000_000

LIST_TEXT = (
    "1、协调保障义务教育教师待遇落实；2、落实事业单位工作人员和机关工勤人员工资标准调整政策和高层次人才工资分配激励政策；"
    "3、推进公立医院薪酬制度改革；4、做好市属国有企业负责人薪酬考核兑现工作"
)
STABLE_JOBS = (
    "预计对全市5000家企业拨付稳岗返还资金，经营出现严重困难的参保单位，按有关规定申请缓缴社会保险费，"
    "缓缴期原则上不超过6个月，缓缴期间免收滞纳金"
)
SUBSIDY = "全市发放一次性创业补贴115人、44.3万元,带动就业682人"


def R(text, kind, number=None, unit=None, cmp=None, status=None, confident=True, **extra):
    """One expected reading. extra: candidates=, per=, high=, multiplier=, note_has=."""
    return pytest.param(text, dict(kind=kind, number=number, unit=unit, cmp=cmp, status=status,
                                   confident=confident, **extra), id=repr(text)[:40])


SEED = [
    # goal 1
    R("3.5万人", "number", 3.5 * WAN, "人", multiplier=WAN),
    R("4.97万人", "number", 49700, "人"),
    R("1.2万人", "number", 12000, "人"),
    R("1.74万人", "number", 17400, "人"),
    R("0.5万人", "number", 5000, "人"),
    R("0.91万人", "number", 9100, "人"),
    R("2亿元", "number", 2 * YI, "元", multiplier=YI),
    R("7.01亿元", "number", 701_000_000, "元"),
    R("2200人", "number", 2200, "人"),
    R("全市新增返乡创业3377人", "number", 3377, "人", candidates=1),
    R("完成省人才服务局制定的年度目标任务", "text", status="done"),
    R("完成", "text", status="done"),
    R("根据毕业生申报数应发尽发", "text"),
    R(SUBSIDY, "number", 115, "人", confident=False, candidates=3, note_has="3 个数值"),
    R("全市发放一次性创业补贴115人、44.3万元，带动就业682人", "number", 115, "人", confident=False, candidates=3),
    R("招募选派大学生170人左右", "number", 170, "人", "approx"),
    R("210人", "number", 210, "人"),
    R("4.5%以内", "number", 4.5, "%", "le"),
    R("3.30%", "number", 3.3, "%"),
    # goal 2
    R("57.89万人", "number", 578_900, "人"),
    R("62.27", "number", 62.27),
    R("完成省厅的年度目标任务", "text", status="done"),
    R("参加城乡居民养老保险人数达168.58万人。", "number", 1_685_800, "人"),
    R("25万人", "number", 250_000, "人"),
    R("28.54万人", "number", 285_400, "人"),
    R("30.9万人", "number", 309_000, "人"),
    R("34.91万人", "number", 349_100, "人"),
    R("90%", "number", 90, "%"),
    R("100%", "number", 100, "%"),
    R(STABLE_JOBS, "number", 5000, "家", confident=False, candidates=2),
    R("为7348家企业返还失业保险1654.89万元，稳定就业岗位16.4万个", "number", 7348, "家", confident=False, candidates=3),
    R("失业保险减、免、缓", "text"),
    R("为11520家单位减轻失业保险费负担10868.4万元。", "number", 11520, "家", confident=False, candidates=2),
    # goal 3
    R("2500人", "number", 2500, "人"),
    R("2562人", "number", 2562, "人"),
    R("5万人", "number", 50_000, "人"),
    R("9.04万人", "number", 90_400, "人"),
    R("发布2021年十堰市高层次、急需紧缺人才目录并做好人才引进的相关服务工作", "text", candidates=0),
    R("引进高层次和急需紧缺人才107人，组团赴兰州招才引才，达成初步意向776人次", "number", 107, "人",
      status="done", confident=False, candidates=2),
    R("完成专业技术人员职称评定工作", "text", status="done"),
    R("不超过80%", "number", 80, "%", "le"),
    R("未超过80%", "number", 80, "%", "le"),
    R("开展2021年“北京院士专家十堰行”活动，拟分2-3批次。（方案待市级批复）", "number", 2, "批次",
      confident=False, high=3, note_has="方案待市级批复"),
    R("受疫情影响本年未开展“北京院士专家行活动”", "text", status="not_done"),
    # goal 4
    R("2次", "number", 2, "次"),
    R("1次", "number", 1, "次"),
    R("0%", "number", 0, "%"),
    R(LIST_TEXT, "text", candidates=0),
    # goal 5
    R("80%", "number", 80, "%"),
    R("98%", "number", 98, "%"),
    R("50%", "number", 50, "%"),
    R("71.98%", "number", 71.98, "%"),
    R("98% (新目标)", "number", 98, "%", note_has="新目标"),
    R("98%（新目标）", "number", 98, "%", note_has="新目标"),
    # goal 6
    R("335.8万人", "number", 3_358_000, "人"),
    R("344.88万人", "number", 3_448_800, "人"),
    R("提供5×8小时人工服务和7×24小时自动语音服", "text", candidates=0, note_has="5×8"),
    R("提供5×8小时人工服务和7×24小时自动语音服务", "text", candidates=0),
    R("继续推进", "text", status="ongoing"),
    # goal 7
    R("15000人", "number", 15000, "人"),
    R("全市41.1万脱贫劳动力实现转移就业33.6万人", "number", 336_000, "人", status="done", confident=False,
      candidates=2),
    # constraint row placeholders
    R("—", "empty"),
]

OTHERS = [
    # 教育
    R("义务教育巩固率≥95%", "number", 95, "%", "ge"),
    R("学前三年毛入园率达到90%以上", "number", 90, "%", "ge"),
    R("资助家庭经济困难学生1200人次", "number", 1200, "人次"),
    R("新建校舍面积1.2万平方米", "number", 12000, "平方米"),
    R("改造农村学校15所", "number", 15, "所"),
    R("教师培训覆盖率100%", "number", 100, "%"),
    R("校园安全事故0起", "number", 0, "起"),
    R("学生满意度≥90%", "number", 90, "%", "ge"),
    R("生均公用经费不低于650元/生", "number", 650, "元", "ge", per="生"),
    R("3.5万人次", "number", 35_000, "人次"),
    # 卫健
    R("婴儿死亡率<5‰", "number", 5, "‰", "lt"),
    R("家庭医生签约服务覆盖率65%以上", "number", 65, "%", "ge"),
    R("适龄儿童免疫规划疫苗接种率≥90%", "number", 90, "%", "ge"),
    R("基层医疗卫生机构门急诊量达120万人次", "number", 1_200_000, "人次"),
    R("传染病报告及时率达到100%", "number", 100, "%", "ge"),
    R("医疗纠纷发生率较上年下降", "text"),
    R("完成65岁以上老年人健康体检3.2万人", "number", 65, "岁", "ge", status="done", confident=False,
      candidates=2),
    R("孕产妇系统管理率≥90%（省定标准）", "number", 90, "%", "ge", note_has="省定标准"),
    # 交通
    R("新改建农村公路120公里", "number", 120, "公里"),
    R("公路养护里程≥500km", "number", 500, "公里", "ge"),
    R("改造危桥8座", "number", 8, "座"),
    R("交通安全事故0起", "number", 0, "起"),
    R("客运班车准点率≥95%", "number", 95, "%", "ge"),
    R("购置新能源公交车50辆", "number", 50, "辆"),
    R("完成投资2.5亿元", "number", 2.5 * YI, "元", status="done"),
    R("群众出行时间缩短10分钟", "number", 10, "分钟"),
    R("5千米", "number", 5, "公里"),
    # 农业
    R("新建高标准农田2.5万亩", "number", 25_000, "亩"),
    R("粮食播种面积稳定在120万亩以上", "number", 1_200_000, "亩", "ge"),
    R("农作物耕种收综合机械化率达到70%", "number", 70, "%", "ge"),
    R("培训新型职业农民500人次", "number", 500, "人次"),
    R("动物疫病强制免疫密度≥90%", "number", 90, "%", "ge"),
    R("带动农户增收1500元/户", "number", 1500, "元", per="户"),
    R("补贴资金发放到户率100%", "number", 100, "%"),
    # rates and periods
    R("≥1次/年", "number", 1, "次", "ge", per="年"),
    R("3个工作日内", "number", 3, "工作日", "le"),
    R("12个月", "number", 12, "月"),
    R("1.5万元/人", "number", 15_000, "元", per="人"),
    R("0起", "number", 0, "起"),
    R("按时完成", "text", status="done"),
    # comparators
    R("≤5%", "number", 5, "%", "le"),
    R("<=5%", "number", 5, "%", "le"),
    R("＜5%", "number", 5, "%", "lt"),
    R(">90%", "number", 90, "%", "gt"),
    R("＞90%", "number", 90, "%", "gt"),
    R(">=90%", "number", 90, "%", "ge"),
    R("不低于90%", "number", 90, "%", "ge"),
    R("不少于10次", "number", 10, "次", "ge"),
    R("超过90%", "number", 90, "%", "gt"),
    R("不高于5%", "number", 5, "%", "le"),
    R("5%以下", "number", 5, "%", "le"),
    R("低于3%", "number", 3, "%", "lt"),
    R("控制在2%以内", "number", 2, "%", "le"),
    R("3万人以上", "number", 30_000, "人", "ge"),
    R("=100%", "number", 100, "%", "eq"),
    R("等于100%", "number", 100, "%", "eq"),
    R("约3000人", "number", 3000, "人", "approx"),
    R("3万余人", "number", 30_000, "人", "approx"),
    R("未达到90%", "text", status="not_done", confident=False, note_has="未达到"),
    R("低于5%", "number", 5, "%", "lt"),
    # full width, separators, spaces, line breaks
    R("９８％", "number", 98, "%"),
    R("１，２３４人", "number", 1234, "人"),
    R("３．５万人", "number", 35_000, "人"),
    R("≥９５％", "number", 95, "%", "ge"),
    R("９８％（新目标）", "number", 98, "%"),
    R("1,234", "number", 1234),
    R("12,000,000元", "number", 12_000_000, "元"),
    R("  98 % ", "number", 98, "%"),
    R("4.97\n万人", "number", 49700, "人"),
    R("98%。", "number", 98, "%"),
    R("100%（预计）", "number", 100, "%", note_has="预计"),
    R("3.5（万人）", "number", 35_000, "人"),
    R("10072.67", "number", 10072.67),
    R("0.98", "number", 0.98),
    R("0", "number", 0),
    R("-5%", "number", -5, "%"),
    R("两次", "number", 2, "次"),
    R("未发生", "number", 0, status="done"),
    R("每年1次", "number", 1, "次", per="年"),
    R("每年不少于2次", "number", 2, "次", "ge", per="年"),
    R("大于等于95%", "number", 95, "%", "ge"),
    R("30日内", "number", 30, "天", "le"),
    R("15个工作日以内", "number", 15, "工作日", "le"),
    R("1小时内响应", "number", 1, "小时", "le"),
    R("≤30万元", "number", 300_000, "元", "le"),
    R("90分以上", "number", 90, "分", "ge"),
    R("下降5个百分点", "number", 5, "百分点"),
    R("1,234.56万元", "number", 12_345_600, "元"),
    R("10.5万", "number", 105_000, multiplier=WAN),
    R("3.5万人（其中女性1.2万人）", "number", 35_000, "人", note_has="其中女性"),
    R("十二个月", "number", 12, "月"),
    R("三项", "number", 3, "项"),
    R("10万-20万元", "number", 100_000, "元", confident=False, high=200_000),
    R("4.97万人，完成率142%", "number", 49700, "人", status="done", confident=False, candidates=2),
    R("无重大安全事故", "number", 0, status="done"),
    R("无法完成", "text", status="not_done"),
    R("合格", "text", status="done"),
    R("不合格", "text", status="not_done"),
    R("未超标", "text", status="done"),
    R("成本控制在预算范围内", "text"),
    R("12月底前完成", "text", status="done"),
    R("2021年12月31日前完成", "text", status="done"),
    R("2021.12.31", "text"),
    R("(10072.67)", "number", 10072.67),
    R("5千元", "number", 5000, "元", multiplier=1000),
    R("1.2百万元", "number", 1_200_000, "元"),
    R("#DIV/0!", "text", confident=False, note_has="错误值"),
    R("#N/A", "text", confident=False),
    R("#VALUE!", "text", confident=False),
    R("取消行政事业性收费", "text"),
    R("（新目标）", "text"),
    # not numbers
    R("5×8小时", "text"),
    R("7×24小时", "text"),
    R("2021年", "text"),
    R("2022年04月14日", "text"),
    R("2-3批次", "number", 2, "批次", confident=False, high=3),
    R("80%-100%", "number", 80, "%", confident=False, high=100),
    R("年度目标1", "text", confident=False, candidates=1),
    R("12333话务服务", "text", confident=False, candidates=1),
    R("开通12333咨询热线，提供政策咨询服务", "text", confident=False, candidates=1),
    R("第3季度完成", "text", status="done", confident=False),
    # status words
    R("已完成", "text", status="done"),
    R("全部完成", "text", status="done"),
    R("达成", "text", status="done"),
    R("达到", "text", status="done"),
    R("已落实", "text", status="done"),
    R("是", "text", status="done"),
    R("否", "text", status="not_done"),
    R("部分完成", "text", status="partial"),
    R("部分达成", "text", status="partial"),
    R("基本完成", "text", status="partial"),
    R("未完成", "text", status="not_done"),
    R("未达成", "text", status="not_done"),
    R("未开展", "text", status="not_done"),
    R("未实施", "text", status="not_done"),
    R("持续推进", "text", status="ongoing"),
    R("推进中", "text", status="ongoing"),
    R("正在实施", "text", status="ongoing"),
    R("项目已按期完成并通过验收", "text", status="done"),
    # empty cells
    R("", "empty"),
    R("-", "empty"),
    R("／", "empty"),
    R("/", "empty"),
    R("无", "empty"),
    R("……", "empty"),
    R("...", "empty"),
    R("····", "empty"),
    R("——", "empty"),
    R("   \n ", "empty"),
]


def _check(got: ParsedValue, want: dict) -> None:
    assert got.kind == want["kind"], got
    if want["number"] is None:
        assert got.number is None, got
    else:
        assert got.number == pytest.approx(want["number"], rel=1e-12, abs=1e-12), got
    assert got.unit == want["unit"], got
    assert got.comparator == want["cmp"], got
    assert got.reverse == (want["cmp"] in ("le", "lt")), got
    assert got.status == want["status"], got
    assert got.confident == want["confident"], got
    for key in ("candidates", "per", "high", "multiplier"):
        if key in want:
            assert getattr(got, key) == want[key], (key, got)
    if "note_has" in want:
        assert want["note_has"] in got.note, got


@pytest.mark.parametrize("text,want", SEED + OTHERS)
def test_reading(text, want):
    got = parse_value(text)
    _check(got, want)
    assert got.raw == text


def test_table_is_large_enough():
    assert len(SEED) + len(OTHERS) >= 110


# ---- expect: the target's unit chooses the figure in a sentence ----------------------------

@pytest.mark.parametrize(
    "target,actual,number,unit,confident",
    [
        ("15000人", "全市41.1万脱贫劳动力实现转移就业33.6万人", 336_000, "人", True),
        ("15000人", SUBSIDY, 115, "人", False),  # 115人 and 682人 both match
        ("40万元", SUBSIDY, 443_000, "元", True),
        ("5000家", "为7348家企业返还失业保险1654.89万元，稳定就业岗位16.4万个", 7348, "家", True),
        ("1000万元", "为7348家企业返还失业保险1654.89万元，稳定就业岗位16.4万个", 16_548_900, "元", True),
        ("3万人", "完成65岁以上老年人健康体检3.2万人", 32_000, "人", True),
        ("500人次", "引进高层次和急需紧缺人才107人，组团赴兰州招才引才，达成初步意向776人次", 776, "人次", True),
        ("2200人", "全市新增返乡创业3377人", 3377, "人", True),
    ],
)
def test_expect_picks_figure_with_target_unit(target, actual, number, unit, confident):
    t = parse_value(target)
    got = parse_value(actual, expect=t)
    assert got.kind == "number"
    assert got.number == pytest.approx(number)
    assert got.unit == unit
    assert got.confident is confident
    assert got.candidates >= 1


def test_expect_without_matching_unit_is_not_confident():
    got = parse_value(SUBSIDY, expect=parse_value("98%"))
    assert got.kind == "number" and got.number == 115 and not got.confident
    assert "%" in got.note


def test_actual_without_unit_notes_the_target_unit():
    got = parse_value("62.27", expect=parse_value("57.89万人"))
    assert got.number == pytest.approx(62.27) and got.unit is None
    assert "人" in got.note
    assert parse_value("57.89万人").multiplier == WAN


def test_expect_of_another_type_is_ignored():
    got = parse_value("3377人", expect="not a ParsedValue")  # type: ignore[arg-type]
    assert got.number == 3377 and got.unit == "人"


# ---- non-text inputs ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "value,kind,number,confident",
    [
        (None, "empty", None, True),
        (0.98, "number", 0.98, True),  # a 98%-formatted cell: kept as the float
        (2, "number", 2.0, True),
        (10072.67, "number", 10072.67, True),
        (-3, "number", -3.0, True),
        (Decimal("1.5"), "number", 1.5, True),
        (True, "text", None, False),
        (False, "text", None, False),
        (dt.datetime(2021, 12, 31), "text", None, False),
        (dt.date(2021, 12, 31), "text", None, False),
        (float("nan"), "text", None, False),
        (float("inf"), "text", None, False),
        (float("-inf"), "text", None, False),
        (10**400, "text", None, False),  # too large for a float
        ([1, 2], "text", None, False),
        ({"a": 1}, "text", None, False),
        (object(), "text", None, False),
    ],
)
def test_python_values(value, kind, number, confident):
    got = parse_value(value)
    assert got.kind == kind
    assert got.number == number
    assert got.unit is None
    assert got.confident is confident
    if not confident:
        assert got.note


def test_bytes_are_decoded():
    assert parse_value("98%".encode()).number == 98


def test_broken_str_does_not_raise():
    class Broken:
        def __str__(self):
            raise RuntimeError("boom")

        def __repr__(self):
            raise RuntimeError("boom")

    got = parse_value(Broken())
    assert got.kind == "text" and not got.confident


def test_huge_numbers_are_not_infinite():
    for text in ["9" * 400, "9" * 400 + "亿元", "1e999"]:
        got = parse_value(text)
        assert got.kind == "text" and not got.confident, text
        assert got.number is None


# ---- same_dimension and format_number ----------------------------------------------------

def test_same_dimension():
    p = parse_value
    assert same_dimension(p("3.5万人"), p("4.97万人"))
    assert same_dimension(p("2亿元"), p("44.3万元"))
    assert not same_dimension(p("15000人"), p("44.3万元"))
    assert not same_dimension(p("2500人"), p("776人次"))
    assert not same_dimension(p("90%"), p("90人"))
    assert same_dimension(p("3个工作日内"), p("2天"))
    assert same_dimension(p("57.89万人"), p("62.27"))  # missing unit = unknown
    assert same_dimension(p("完成"), p("98%"))
    assert same_dimension("人", "名") is True  # units as strings also accepted
    assert same_dimension(p("170名"), p("210人"))


@pytest.mark.parametrize(
    "x,unit,text",
    [
        (49700, "人", "4.97万人"),
        (701_000_000, "元", "7.01亿元"),
        (443_000, "元", "44.3万元"),
        (3.3, "%", "3.3%"),
        (98, "%", "98%"),
        (10072.67, None, "10072.67"),
        (2200, "人", "2200人"),
        (1_685_800, "人", "168.58万人"),
        (12, "月", "12月"),
        (0, "起", "0起"),
        (-5, "%", "-5%"),
        (1 / 3, None, "0.3333"),
        (0.00001, None, "0.00001"),  # never an exponent (scoring.formatting.compact)
        (float("nan"), "人", "—"),
    ],
)
def test_format_number(x, unit, text):
    assert format_number(x, unit) == text


def test_format_round_trips_through_parse():
    for text in ["4.97万人", "7.01亿元", "44.3万元", "3.3%", "2200人", "168.58万人"]:
        v = parse_value(text)
        assert format_number(v.number, v.unit) == text
        assert parse_value(format_number(v.number, v.unit)).number == v.number


def test_binary_noise_is_avoided():
    assert parse_value("168.58万人").number == 1_685_800.0
    assert parse_value("0.91万人").number == 9100.0
    assert not math.isnan(parse_value("7.01亿元").number)
