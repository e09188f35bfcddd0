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
