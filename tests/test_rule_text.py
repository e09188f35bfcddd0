"""Text that states a rule — the Excel functions' help, the templates' notes — renders the profile's
values (scoring.wording) instead of repeating them as literal numbers."""
from __future__ import annotations

import ast
import inspect
import re

import openpyxl
import pytest

from scoring.formatting import compact
from scoring.profiles import load_profile
from scoring.wording import grade_bands, render, rule_values

P = load_profile()  # the default profile: the one the Excel functions score with
ALTERED = P.with_options(**{
    "cap.limit": 55, "budget.points": 15, "total_points": 100, "digits": 1, "qualitative.top": 0.75,
    "qualitative.middle": 0.4,
    "grades": [{"name": "优", "min": 85}, {"name": "良", "min": 75}, {"name": "中", "min": 55}, {"name": "差", "min": 0}],
})

# "60分", "60 分", "80（含）" state points; "80%" states a share. The numbers a profile sets, by kind.
_POINTS = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:分|（含）)")
_SHARES = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*%")


def _rule_numbers(profile):
    v = rule_values(profile)
    points = {v["total"], v["budget"], v["cap"]} | {compact(g.min) for g in profile.grades}
    shares = {v["top"], v["middle"], v["over"]}
    return points - {"0"}, shares


def literal_rule_numbers(template: str, profile=P) -> set[str]:
    """Numbers a rule-stating template writes literally although the profile sets them."""
    text = re.sub(r"\{\w+\}", "", template)
    points, shares = _rule_numbers(profile)
    return (set(_POINTS.findall(text)) & points) | (set(_SHARES.findall(text)) & shares)


def test_the_literal_check_can_fail():
    old_grade_help = "评价等级：90 分（含）以上为优，80（含）-90 为良，60（含）-80 为中，60 以下为差。"
    assert literal_rule_numbers(old_grade_help) == {"90", "80", "60"}
    assert literal_rule_numbers("分别在该指标分值的 100%–80%（含80%）") == {"80"}
    assert literal_rule_numbers("总分不超过 {cap} 分，财预〔2020〕10号，-3 或 3 都扣 3 分，100%") == set()


def test_grade_bands_follow_the_profile():
    assert grade_bands(P) == "90分（含）以上为优，80（含）—90分为良，60（含）—80分为中，60分以下为差"
    assert grade_bands(ALTERED) == "85分（含）以上为优，75（含）—85分为良，55（含）—75分为中，55分以下为差"
    two = P.with_options(grades=[{"name": "合格", "min": 60.5}, {"name": "不合格", "min": 0}])
    assert grade_bands(two) == "60.5分（含）以上为合格，60.5分以下为不合格"


def test_rule_values_are_written_from_the_profile():
    v = rule_values(P)
    assert (v["total"], v["budget"], v["cap"], v["top"], v["middle"], v["over"], v["digits"]) == \
        ("100", "20", "60", "80", "50", "130", "2")
    assert v["cap_clause"] == "总分不超过 60 分" and v["budget_clause"] == "不超过分值"
    off = P.with_options(**{"cap.enabled": False, "budget.cap": False})
    assert "不封顶" in rule_values(off)["cap_clause"] and "超过 100%" in rule_values(off)["budget_clause"]
    assert render("{cap}/{budget}/{top}%", ALTERED) == "55/15/75%"


# ---- the Excel functions' help ----------------------------------------------------------------


def _udfs():
    from addin import functions as F

    return F, [getattr(F, n) for n in F._exported()]


def test_udf_help_is_rendered_from_the_default_profile():
    F, udfs = _udfs()
    for f in udfs:
        assert f.__doc__ == render(f.__help__, P), f.__name__
        assert "{" not in f.__doc__, f.__name__
        assert not literal_rule_numbers(f.__help__), (f.__name__, literal_rule_numbers(f.__help__))
    assert "总分不超过 60 分" in F.PE_TOTAL.__doc__ and "最高 100 分" in F.PE_TOTAL.__doc__
    assert grade_bands(P) in F.PE_GRADE.__doc__
    assert "80%（含）以上" in F.PE_SCORE.__doc__ and "分值省略时为 20 分" in F.PE_BUDGET.__doc__
    # Another profile, other numbers: nothing in the help is fixed text.
    total = render(F.PE_TOTAL.__help__, ALTERED)
    assert "总分不超过 55 分" in total and "60" not in total
    assert "85分（含）以上为优" in render(F.PE_GRADE.__help__, ALTERED)
    assert "75%（含）以上" in render(F.PE_SCORE.__help__, ALTERED)


def test_udf_help_is_rendered_before_xlwings_reads_it():
    """xlwings (Windows) copies ``__doc__`` when the first ``@xw.arg`` under ``@xw.func`` applies, and the
    server reads the ``doc=`` expressions from the source: ``@_help`` must be the innermost decorator, and
    argument help states no rule number literally."""
    F, _ = _udfs()
    tree = ast.parse(inspect.getsource(F))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("PE_"):
            last = node.decorator_list[-1]
            assert isinstance(last, ast.Name) and last.id == "_help", node.name
            for dec in node.decorator_list:
                for kw in getattr(dec, "keywords", []):
                    if kw.arg == "doc":
                        text = kw.value.value if isinstance(kw.value, ast.Constant) else ast.unparse(kw.value)
                        assert not literal_rule_numbers(text), (node.name, text)
    assert F._rendered("默认 {budget} 分") == "默认 20 分"


# ---- the templates' notes ----------------------------------------------------------------------


def _texts(wb):
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_form_notes_are_rendered_from_the_form_profile():
    from pe_score import templates as T

    for line in T.NOTES:
        assert not literal_rule_numbers(line, T.PROFILE), line
    notes = T._notes(T.BUDGET_POINTS)
    texts = _texts(T.build_form())
    assert all(line in texts for line in notes)
    joined = "\n".join(notes)
    assert "总分不超过 60 分" in joined and grade_bands(T.PROFILE) in joined and "（含80%）" in joined
    assert "评价总得分不得超过60分" in T.CONSTRAINT_DEFAULT["standard"]
    altered = "\n".join(T._notes(15, ALTERED))
    assert "总分不超过 55 分" in altered and "15分 × 执行数" in altered and "（含75%）" in altered
    assert "保留 1 位小数" in altered and grade_bands(ALTERED) in altered and "60" not in altered
    prompts = [dv.prompt for dv in T.build_form().active.data_validations.dataValidation]
    assert any("总分不超过 60 分" in (p or "") for p in prompts)


def test_project_and_family_notes_are_rendered_from_their_profiles():
    from pe_score import family_templates as FT
    from pe_score import project_template as PT

    assert not literal_rule_numbers(PT.SOURCE_NOTE, PT.PROFILE)
    note = PT.source_note(PT.PROFILE)
    assert "产出指标50分、效益指标30分、满意度指标10分、预算执行率10分" in note  # not "50.0分"
    assert "合计应为100分" in note and note in _texts(PT.build_project_form(PT._blank_data()))
    assert "100%-75%、75%-40%、40%-0%" in PT.source_note(ALTERED.with_options(level1=dict(PT.PROFILE.level1)))
    sc = _texts(FT.build_sichuan_project_form())
    expected = compact(FT.SC_PROFILE.total_points - FT.SC_BUDGET_POINTS)
    assert f"绩效指标（{expected}分）" in sc and f"预算执行情况（{compact(FT.SC_BUDGET_POINTS)}分）" in sc


@pytest.mark.parametrize("path", ["templates/form_2-1.xlsx", "templates/project_form.xlsx"])
def test_checked_in_templates_carry_the_rendered_notes(path):
    from pathlib import Path

    from pe_score import project_template as PT
    from pe_score import templates as T

    root = Path(__file__).resolve().parents[1]
    texts = _texts(openpyxl.load_workbook(root / path))
    if path.endswith("form_2-1.xlsx"):
        assert all(line in texts for line in T._notes(T.BUDGET_POINTS))
    else:
        assert PT.source_note(PT.PROFILE) in texts
