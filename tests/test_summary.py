"""The summary workbook of ``pe-score check --summary``: sheets, tables, formats, charts, atomic save."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import zipfile

import openpyxl
import pytest

from pe_score.summary import (
    CHART_UNITS,
    ISSUE_HEADERS,
    SUMMARY_HEADERS,
    FormRow,
    SummaryWriter,
)


def _row(i: int, claimed: float, total: float, **kw) -> FormRow:
    grade = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"
    return FormRow(file=f"2021/单位{i}.xlsx", sheet="附件2-1", unit=f"某某局{i}", year=2021,
                   claimed=claimed, total=total, grade=grade, **kw)


ISSUE = {"code": "PE201", "severity": "error", "cell": "I12", "message": "得分与计算不符"}
WARN = {"code": "PE402", "severity": "warning", "cell": "J15", "message": "超额完成未说明原因"}


def _write(path, rows, unreadable=()):
    with SummaryWriter(path) as w:
        for r in rows:
            w.add_form(r)
        for f, why in unreadable:
            w.add_unreadable(f, why)
    return openpyxl.load_workbook(path)


def test_sheets_rows_and_values(tmp_path):
    out = tmp_path / "汇总.xlsx"
    rows = [
        _row(1, 97, 97),
        _row(2, 99, 97, errors=1, issues=[ISSUE]),
        _row(3, 97, 60, capped=True, warnings=1, issues=[ISSUE, WARN]),
    ]
    wb = _write(out, rows, [("坏.xlsx", "文件已加密，请先解除密码保护")])
    assert wb.sheetnames == ["汇总", "问题清单", "图表"]
    ws = wb["汇总"]
    assert [c.value for c in ws[1]] == SUMMARY_HEADERS
    data = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(data) == 4
    assert data[0][:11] == ["2021/单位1.xlsx", "附件2-1", "某某局1", 2021, 97, 97, 0, "优", "否", 0, 0]
    assert data[1][4:7] == [99, 97, -2]
    assert data[2][6] == -37 and data[2][8] == "是" and data[2][7] == "中"
    assert data[3][0] == "坏.xlsx" and data[3][11] == "文件已加密，请先解除密码保护"
    assert all(v is None for v in data[3][1:11])
    assert ws["E2"].number_format == "0.00" and ws["G2"].number_format.startswith("+0.00")
    assert ws.freeze_panes == "A2"

    iss = wb["问题清单"]
    assert [c.value for c in iss[1]] == ISSUE_HEADERS
    irows = [[c.value for c in r] for r in iss.iter_rows(min_row=2)]
    assert irows == [
        ["2021/单位2.xlsx", "附件2-1", "I12", "PE201", "错误", "得分与计算不符"],
        ["2021/单位3.xlsx", "附件2-1", "I12", "PE201", "错误", "得分与计算不符"],
        ["2021/单位3.xlsx", "附件2-1", "J15", "PE402", "警告", "超额完成未说明原因"],
    ]


def test_tables_conditional_formats_and_charts(tmp_path):
    out = tmp_path / "s.xlsx"
    wb = _write(out, [_row(1, 97, 97), _row(2, 90, 85, issues=[ISSUE])], [("x.xls", "不是 Excel 文件")])
    ws = wb["汇总"]
    (t,) = ws.tables.values()
    assert t.ref == "A1:L4" and [c.name for c in t.tableColumns] == SUMMARY_HEADERS
    assert t.autoFilter is not None and t.autoFilter.ref == "A1:L4"
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    formulas = " ".join(f for r in rules for f in r.formula)
    assert "ABS($G2)>0.01" in formulas and '$I2="是"' in formulas and '$L2<>""' in formulas
    (it,) = wb["问题清单"].tables.values()
    assert it.ref == "A1:F2"

    ch = wb["图表"]
    assert len(ch._charts) == 2
    grades = {ch.cell(r, 1).value: ch.cell(r, 2).value for r in range(3, 8)}
    assert grades == {"优": 1, "良": 1, "中": 0, "差": 0, "无法读取": 1}
    # The per-unit block lists the largest difference first.
    labels = [ch.cell(r, 1).value for r in range(1, ch.max_row + 1)]
    i = labels.index("单位")
    assert [ch.cell(i + 2, c).value for c in (1, 2, 3)] == ["某某局2", 90, 85]


def test_empty_summary_is_still_a_valid_workbook(tmp_path):
    out = tmp_path / "empty.xlsx"
    wb = _write(out, [])
    assert wb["汇总"].tables["SummaryTable"].ref == "A1:L2"
    assert len(wb["图表"]._charts) == 1  # grade chart only: nothing to compare
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    out = tmp_path / "s.xlsx"
    out.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with SummaryWriter(out) as w:
            w.add_form(_row(1, 97, 97))
            raise RuntimeError("boom")
    assert out.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["s.xlsx"]


def test_thousands_of_forms_stream_quickly_and_chart_stays_small(tmp_path):
    out = tmp_path / "big.xlsx"
    t0 = time.perf_counter()
    with SummaryWriter(out) as w:
        for i in range(3000):
            w.add_form(_row(i, 90 + i % 10, 90 + i % 10 - (i % 7 == 0) * (i % 13), issues=[WARN]))
    elapsed = time.perf_counter() - t0
    assert elapsed < 10, elapsed
    wb = openpyxl.load_workbook(out, read_only=False)
    assert wb["汇总"].max_row == 3001 and wb["问题清单"].max_row == 3001
    ch = wb["图表"]
    labels = [ch.cell(r, 1).value for r in range(1, ch.max_row + 1)]
    start = labels.index("单位") + 1
    assert ch.max_row - start == CHART_UNITS
    diffs = [abs(ch.cell(r, 2).value - ch.cell(r, 3).value) for r in range(start + 1, ch.max_row + 1)]
    assert diffs == sorted(diffs, reverse=True) and diffs[0] == 12


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_summary(tmp_path):
    out = tmp_path / "s.xlsx"
    _write(out, [_row(1, 97, 97), _row(2, 99, 97, errors=1, issues=[ISSUE])], [("坏.xlsx", "文件已损坏")])
    env = dict(os.environ, HOME=str(tmp_path))  # a private LibreOffice profile
    proc = subprocess.run(
        ["soffice", "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=180, env=env)
    pdf = tmp_path / "s.pdf"
    assert proc.returncode == 0 and pdf.exists() and pdf.stat().st_size > 5000, proc.stderr
    # Round trip through LibreOffice's own xlsx writer keeps the sheets (no repair dropped them).
    proc = subprocess.run(
        ["soffice", "--headless", "--norestore", "--convert-to", "ods", "--outdir", str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=180, env=env)
    ods = tmp_path / "s.ods"
    assert ods.exists()
    with zipfile.ZipFile(ods) as zf:
        content = zf.read("content.xml").decode("utf-8")
    for name in ("汇总", "问题清单", "图表"):
        assert f'table:name="{name}"' in content
    assert "chart" in content


# ---- the 问题清单 rows are written raw (pe_score.summary._RawRows) -----------------------------------

TRICKY = [
    {"code": "PE201", "severity": "error", "cell": "I12", "message": "a & b < c > d “引号” 'x' \"y\""},
    {"code": "PE903", "severity": "warning", "cell": None, "message": "  前后有空格  "},
    {"code": "PE907", "severity": "info", "cell": "", "message": "   "},
    {"code": "PE999", "severity": "odd", "cell": "A1", "message": "第一行\n第二行\t制表"},
    {"code": "PE104", "severity": "info", "cell": "AB10000", "message": "长" * 40000},
]


def _data_rows(path, part):
    with zipfile.ZipFile(path) as z:
        xml = z.read(part)
    return xml[xml.index(b'<row r="2"'):xml.rindex(b"</sheetData>")]


def test_issue_rows_are_the_cells_openpyxl_writes(tmp_path):
    """Same XML as openpyxl's own write-only writer gives for these values (escaping, xml:space, skips)."""
    from openpyxl import Workbook

    from pe_score.summary import SEVERITY_ZH

    out = tmp_path / "s.xlsx"
    _write(out, [_row(1, 97, 95, issues=TRICKY), _row(2, 90, 90, issues=[ISSUE])])
    ref = Workbook(write_only=True)
    ws = ref.create_sheet("问题清单")
    ws.append(ISSUE_HEADERS)
    for file, issues in [("2021/单位1.xlsx", TRICKY), ("2021/单位2.xlsx", [ISSUE])]:
        for i in issues:
            ws.append([file, "附件2-1", i["cell"], i["code"], SEVERITY_ZH.get(i["severity"], i["severity"]),
                       i["message"]])
    ref.save(tmp_path / "ref.xlsx")
    ours = _data_rows(out, "xl/worksheets/sheet2.xml")
    assert ours == _data_rows(tmp_path / "ref.xlsx", "xl/worksheets/sheet1.xml")
    assert ours.count(b"<row ") == len(TRICKY) + 1
    wb = openpyxl.load_workbook(out)
    got = [[c.value for c in r] for r in wb["问题清单"].iter_rows(min_row=2)]
    assert got[0][5] == TRICKY[0]["message"] and got[1][2] is None and got[1][5] == "  前后有空格  "
    assert len(got[4][5]) == 32767  # Excel's cell limit, as openpyxl truncates
    assert wb["问题清单"].tables["IssueTable"].ref == "A1:F7"


def test_issue_text_with_control_characters_does_not_fail_the_summary(tmp_path):
    # openpyxl refuses such text (IllegalCharacterError); one odd message must not cost the whole summary
    out = tmp_path / "s.xlsx"
    bad = dict(ISSUE, message="坏\x00字\x0b符\x1f")
    wb = _write(out, [_row(1, 97, 97, issues=[bad])])
    assert [c.value for c in next(wb["问题清单"].iter_rows(min_row=2))][5] == "坏字符"


def test_no_temp_files_left_after_close_or_discard(tmp_path):
    out = tmp_path / "s.xlsx"
    _write(out, [_row(1, 97, 97, issues=[ISSUE, WARN])])
    with pytest.raises(RuntimeError):
        with SummaryWriter(tmp_path / "t.xlsx") as w:
            w.add_form(_row(1, 97, 97, issues=[ISSUE]))
            raise RuntimeError("boom")
    assert sorted(os.listdir(tmp_path)) == ["s.xlsx"]
