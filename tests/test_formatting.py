"""One home for writing numbers (scoring.formatting): the formats are pinned, and no surface keeps its own."""
from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pytest

from scoring.formatting import compact, fixed, literal, percent

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("x, text", [
    (2, "2"), (2.0, "2"), (35000.0, "35000"), (-3.0, "-3"), (1e20, "100000000000000000000"),
    (1.5, "1.5"), (0.5, "0.5"), (-0.5, "-0.5"), (97.5, "97.5"),
    (3.30, "3.3"), (0.1 + 0.2, "0.3"), (1.7142857142857142, "1.7143"), (-1.23456, "-1.2346"),
    (1234567.5, "1234567.5"),  # never an exponent (f"{x:g}" gave 1.23457e+06)
    (-0.0, "0"), (-0.00001 * 1e-6, "0"), (0.1 + 0.2 - 0.3, "0"),  # binary noise is 0, never -0
    (0.00005, "0.00005"), (-0.000012345, "-0.00001234"),  # small but real: not 0, not 5e-05
    (None, "—"), ("", "—"), ("abc", "—"), (math.nan, "—"), (math.inf, "—"), (True, "—"),
    ("2.50", "2.5"),  # numeric text is a number
])
def test_compact(x, text):
    assert compact(x) == text


def test_compact_digits_and_blank():
    assert compact(1.7142857, 2) == "1.71" and compact(96.999, 2) == "97" and compact(0.125, 2) == "0.12"
    assert compact(1.0000000001, 10) == "1.0000000001"
    assert compact(None, blank="（空）") == "（空）" and compact(None, blank="") == ""


@pytest.mark.parametrize("x, digits, text", [
    (2, 2, "2.00"), (96.999, 2, "97.00"), (1.5, 2, "1.50"), (-3, 2, "-3.00"), (1.23456, 1, "1.2"),
    (-0.001, 2, "0.00"), (-0.0, 2, "0.00"), (1234567.891, 2, "1234567.89"), (None, 2, "—"),
])
def test_fixed(x, digits, text):
    assert fixed(x, digits) == text


def test_fixed_and_percent_blank():
    assert fixed(None, blank="") == "" and percent(None) == "—" and percent(math.nan) == "—"


@pytest.mark.parametrize("ratio, digits, text", [
    (1.42, 1, "142.0%"), (0.5, 2, "50.00%"), (1, 1, "100.0%"), (0.6667, 1, "66.7%"), (-0.00001, 1, "0.0%"),
])
def test_percent(ratio, digits, text):
    assert percent(ratio, digits) == text


@pytest.mark.parametrize("x, text", [
    (20, "20"), (20.0, "20"), (0.8, "0.8"), (0.01, "0.01"), (-3, "-3"), (0.1 + 0.2, "0.30000000000000004"),
    (0.010000001, "0.010000001"), (2**60, str(2**60)),
])
def test_literal_is_exact(x, text):
    assert literal(x) == text
    assert float(literal(x)) == float(x)


@pytest.mark.parametrize("bad", [None, math.nan, math.inf, "x", True])
def test_literal_refuses_what_is_not_a_number(bad):
    with pytest.raises(ValueError):
        literal(bad)


def test_surfaces_write_numbers_through_the_one_home():
    """The helpers that each surface kept are now the shared ones (or thin calls into them)."""
    from addin import ribbon
    from pe_score import batch, cli
    from scoring import family_checks, formulas, methods, values
    from workbook import writeplan
    from workbook.families import reading

    assert methods.compact is compact and methods.fixed is fixed and methods.percent is percent
    from workbook import sheetxml

    assert values._fmt is compact and family_checks._num is compact and formulas._num is literal
    assert sheetxml._number is literal
    cases = [2.0, 1.5, 1.7142857, -0.5, 0.1 + 0.2, 1234567.5]
    for x in cases:
        assert cli._num(x) == compact(x, 2) and ribbon._fmt(x) == compact(x, 2)
        assert reading._fmt(x) == compact(x) and writeplan._fmt(x) == compact(x, 10)
        assert batch._fmt(x) == fixed(x, 2)
    assert cli._num(None) == "—" and reading._fmt(None) == "（空）" and batch._fmt(None) == ""
    assert values.format_number(49700, "人") == "4.97万人" and values.format_number(0.00005, "吨") == "0.00005吨"
    assert family_checks._pct(0.5) == "50.00%"


# Python's format specs that write a number: {x:g}, {x:.2f}, {x:.{d}f}, {x:.1%} ...
_SPEC = re.compile(r"^\.?(\d+|\{\w+\})?[fgeG%]$")
_SCANNED = ("scoring", "pe_score", "addin", "workbook/families", "workbook/writeplan.py", "workbook/layout.py",
            "workbook/explain_layout.py", "workbook/record.py")
_ELSEWHERE = {"scoring/formatting.py"}


def _format_specs(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                           for v in node.format_spec.values)
            if _SPEC.match(spec):
                found.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}: {{{ast.unparse(node.value)}:{spec}}}")
    return found


def test_no_surface_formats_numbers_on_its_own():
    paths = []
    for name in _SCANNED:
        p = ROOT / name
        paths += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    found = [hit for p in paths if p.relative_to(ROOT).as_posix() not in _ELSEWHERE for hit in _format_specs(p)]
    assert not found, "write numbers with scoring.formatting (compact / fixed / percent / literal):\n" + "\n".join(found)


def test_the_scan_can_fail(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('x = 1.5\na = f"{x:g}"\nb = f"{x:.2f}"\nc = f"{x:.{d}f}"\nd = f"{x:,}"\ne = f"{x!r}"\n')
    specs = [h.split(": ", 1)[1] for h in _format_specs_at(probe)]
    assert specs == ["{x:g}", "{x:.2f}", "{x:.{d}f}"]


def _format_specs_at(path: Path) -> list[str]:
    global ROOT
    saved, ROOT = ROOT, path.parent
    try:
        return _format_specs(path)
    finally:
        ROOT = saved
