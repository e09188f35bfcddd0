"""Helpers that once had two homes now have one; the behaviour the duplicates disagreed on is pinned."""
from __future__ import annotations

import ast
import io
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scoring", "workbook", "addin", "pe_score", "server")


def _definitions(name: str) -> list[str]:
    out = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                    out.append(path.relative_to(ROOT).as_posix())
    return out


def test_xml_text_has_one_definition():
    assert _definitions("xml_text") == ["workbook/opc.py"]
    from workbook.opc import xml_text

    assert xml_text("a<b&\x01") == "a&lt;b&amp;_x0001_"


def test_template_cells_hold_text_by_one_rule():
    """Both form templates put cells through one block writer, and their text through
    workbook.text.set_text: a unit name that starts with '=' stays text, and one with a control
    character (pasted from Word) no longer stops the workbook from being built."""
    from pe_score import project_template, templates

    assert _definitions("put_block") == ["pe_score/templates.py"]
    assert templates.put_block is project_template.put_block
    data = project_template._blank_data()
    data.update(unit='=HYPERLINK("http://example.invalid","单位")\x01', project="项目\x02名称")
    buf = io.BytesIO()
    project_template.build_project_form(data).save(buf)
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    texts = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    unit = texts['=HYPERLINK("http://example.invalid","单位")']
    assert unit.data_type == "s"  # text, not a formula
    assert "项目名称" in texts


def test_a_typed_cell_and_a_blank_one_are_told_apart_by_one_rule():
    """The family checks and the family reader ask readings.is_blank whether something was typed
    (they kept their own lists of dashes, which missed "／", "……" and "、")."""
    from scoring import family_checks
    from scoring.readings import is_blank
    from workbook.families import reading

    cases = [None, "", "  ", "—", "——", "-", "/", "／", "…", "……", "、", 0, 2, 2.5, "2", "无", "已完成", True, False]
    for v in cases:
        expected = not isinstance(v, bool) and not is_blank(v)
        assert family_checks._typed(v) is expected and reading._typed(v) is expected, v
    assert [v for v in cases if family_checks._typed(v)] == [0, 2, 2.5, "2", "无", "已完成"]


def test_numbers_from_cells_have_two_meanings_each_with_one_home():
    """What SUM counts (scoring.totals.cell_number: the batch's claimed total) and what a person typed
    (scoring.readings.typed_number: the command line's 表内填报 figures)."""
    import math

    from pe_score import batch, cli

    assert [batch._number(v) for v in (97, 96.5, "97", math.nan, True, None)] == [97.0, 96.5, None, None, None, None]
    assert [cli._number(v) for v in (97, "97", "2分", " 3 ", "—", "nan", "1e5", "满分", True, None)] == \
        [97.0, 97.0, 2.0, 3.0, None, None, None, None, None, None]
    assert cli._differs("2分", 1.0) and not cli._differs("1分", 1.0) and not cli._differs("酌情", 1.0)


PLACEHOLDERS = ["—", "——", "-", "--", "/", "／", "－", "…", "……", "...", "·", "・", "、", "_", "~", "～", "*", "|",
                " — ", "-/-"]


def test_every_reader_knows_one_set_of_placeholders():
    """A value, score, row name or target holding only dashes, slashes or dots holds nothing: the parser,
    the score cells, the layout and the families read them by scoring.placeholders (each adds its own
    words: the parser's 无/暂无, the families' OCR'd dash 一)."""
    from scoring.placeholders import only_placeholders
    from scoring.readings import is_blank
    from scoring.values import parse_value
    from workbook.families import reading
    from workbook.layout import is_placeholder

    for text in PLACEHOLDERS:
        assert only_placeholders(text), text
        assert parse_value(text).kind == "empty", text
        assert is_blank(text), text
        assert is_placeholder(text), text
        assert reading._not_applicable(text), text
    for text in ["2", "完成", "≥95%", "1-2", "3/4", "A.", "无"]:
        assert not only_placeholders(text) and not is_blank(text) and not is_placeholder(text), text
    assert parse_value("无").kind == "empty" and reading._not_applicable("无") and reading._not_applicable("一")
    assert not is_placeholder("") and is_blank("") and is_blank(None)


def test_placeholder_characters_have_one_definition():
    sources = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
               for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    defining = [name for name, text in sources.items() if "…⋯" in text or "·・" in text or "—–" in text]
    assert defining == ["scoring/placeholders.py"], defining


def test_the_families_read_a_figure_typed_as_text_as_the_layout_does():
    """A level's points typed as text ("20分") were taken for a number by one helper of the family reader
    and read as none by the other: the label became “项目决策（（空）分）”. One reading now (the layout's)."""
    from tests.real.build import grid, load
    from workbook.families import reading
    from workbook.pipeline import score_grid

    assert [reading._num(v) for v in (2, "2", "2分", "10,072.67", "89.974万元", "约2", True, None)] == \
        [2.0, 2.0, 2.0, 10072.67, 89.974, None, None, None]
    assert all(reading._is_num(v) == (reading._num(v) is not None) for v in (2, "2分", "x", None, "1.5"))

    def pe919(**cells):
        form = load(ROOT / "tests" / "real" / "forms" / "hi_shangwu_fuwumaoyi.toml")
        form.cells.update(cells, F16=6)  # 决策过程（8分） and 项目决策（20分） no longer add up
        s = score_grid(grid(form), plan=False)
        return [(f.cell, f.message) for f in s.result.findings if f.code == "PE919"]

    as_numbers = pe919()
    assert [cell for cell, _ in as_numbers] == ["A14", "A25", "C15"]
    # Before: A14 and C15 unreported, and a false one at C14 (项目目标 credited with 决策过程's rows).
    assert pe919(B14="20分", D15="8 分") == as_numbers
