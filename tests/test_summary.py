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
    DIFF_LABEL_HEADER,
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
    # The difference block: one row per form, sorted by 复核 − 自评, labelled by unit and file.
    labels = [ch.cell(r, 1).value for r in range(1, ch.max_row + 1)]
    i = labels.index(DIFF_LABEL_HEADER)
    assert [ch.cell(i + 2, c).value for c in (1, 2, 3, 4)] == ["某某局2｜单位2.xlsx", 90, 85, -5]
    assert [ch.cell(i + 3, c).value for c in (1, 2, 3, 4)] == ["某某局1｜单位1.xlsx", 97, 97, 0]


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
    start = labels.index(DIFF_LABEL_HEADER) + 1
    assert ch.max_row - start == CHART_UNITS
    diffs = [ch.cell(r, 4).value for r in range(start + 1, ch.max_row + 1)]
    assert diffs == sorted(diffs) and diffs[0] == -12  # the largest differences, sorted
    assert len(set(labels[start:])) == CHART_UNITS


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


# ---- text stays text; the difference chart ------------------------------------------------------------

INJECT = ['=HYPERLINK("http://example.com","点击")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)"]


def _cells(path, part):
    import xml.etree.ElementTree as ET

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read(part))
    return root, ns


def test_text_from_forms_and_file_names_stays_text_in_every_sheet(tmp_path):
    """Unit, sheet and file names starting with "=" are strings in 汇总, 问题清单 and 图表 (no <f>)."""
    out = tmp_path / "s.xlsx"
    rows = [FormRow(file=f"{i}/{text}.xlsx", sheet=text, unit=text, year=2021, claimed=90, total=80 + i,
                    grade="良", issues=[{"code": "PE201", "severity": "error", "cell": "I12", "message": text}])
            for i, text in enumerate(INJECT)]
    wb = _write(out, rows, [(INJECT[0], INJECT[1])])
    for i in (1, 2, 3):
        root, ns = _cells(out, f"xl/worksheets/sheet{i}.xml")
        assert root.find(f".//{ns}f") is None, i  # not one formula anywhere
    values = {c.value for ws in wb for r in ws.iter_rows() for c in r}
    for text in INJECT:
        assert text in values
        assert f"{text}.xlsx" in " ".join(str(v) for v in values)
    for ws in wb:
        for r in ws.iter_rows():
            for c in r:
                if isinstance(c.value, str) and c.value[:1] in "=+@":
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)


def test_control_characters_and_undecodable_names_do_not_fail_the_summary(tmp_path):
    out = tmp_path / "s.xlsx"
    gbk = "财政局".encode("gbk").decode("utf-8", "surrogateescape")  # a raw GBK name read on Linux
    rows = [FormRow(file=f"{gbk}.xlsx", sheet="附件\x01 2-1", unit="某局\x01\x1f（_x0001_）", year=2021,
                    claimed=90, total=91, grade="优",
                    issues=[{"code": "PE201", "severity": "error", "cell": "I12", "message": "坏\x00字"}])]
    wb = _write(out, rows, [(f"坏\x07{gbk}.xlsx", "原因\x0b")])
    data = [[c.value for c in r] for r in wb["汇总"].iter_rows(min_row=2)]
    assert data[0][:3] == ["财政局.xlsx", "附件 2-1", "某局（_x0001_）"]
    assert data[1][0] == "坏财政局.xlsx" and data[1][11] == "原因"
    assert [c.value for c in wb["问题清单"][2]][5] == "坏字"


def test_difference_chart_series_and_unique_sorted_labels(tmp_path):
    """The 图表 sheet's second chart plots 复核得分 − 自评得分 per form: one series over column D,
    categories over column A, sorted by the difference; two forms of the same unit and file name in
    different folders, and two forms in one file, still get different labels."""
    import xml.etree.ElementTree as ET

    out = tmp_path / "s.xlsx"
    rows = [
        FormRow(file="甲/局.xlsx", sheet="附件2-1", unit="某局", claimed=97, total=96.71, grade="优"),
        FormRow(file="乙/局.xlsx", sheet="附件2-1", unit="某局", claimed=80, total=95, grade="优"),
        FormRow(file="丙/两表.xlsx", sheet="表一", unit="另一局", claimed=90, total=70, grade="中"),
        FormRow(file="丙/两表.xlsx", sheet="表二", unit="另一局", claimed=90, total=90, grade="优"),
        FormRow(file="丁/无自评.xlsx", sheet="附件2-1", unit="无自评局", claimed=None, total=90, grade="优"),
    ]
    wb = _write(out, rows)
    ch = wb["图表"]
    assert len(ch._charts) == 2
    col_a = [ch.cell(r, 1).value for r in range(1, ch.max_row + 1)]
    head = col_a.index(DIFF_LABEL_HEADER) + 1
    table = [[ch.cell(r, c).value for c in (1, 2, 3, 4)] for r in range(head + 1, ch.max_row + 1)]
    assert table == [
        ["另一局｜丙/两表.xlsx｜表一", 90, 70, -20],
        ["某局｜甲/局.xlsx", 97, 96.71, -0.29],
        ["另一局｜丙/两表.xlsx｜表二", 90, 90, 0],
        ["某局｜乙/局.xlsx", 80, 95, 15],
    ]
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/charts/chart2.xml")
    c = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
    root = ET.fromstring(xml)
    (bar,) = root.iter(f"{c}barChart")
    assert bar.find(f"{c}barDir").get("val") == "bar"
    (ser,) = bar.findall(f"{c}ser")
    first, last = head + 1, head + len(table)
    assert ser.find(f"{c}val/{c}numRef/{c}f").text == f"'图表'!$D${first}:$D${last}"
    assert ser.find(f"{c}cat/{c}numRef/{c}f") is None or True
    cat = ser.find(f"{c}cat")
    refs = [e.text for e in cat.iter(f"{c}f")]
    assert refs == [f"'图表'!$A${first}:$A${last}"]
    assert ser.find(f"{c}tx/{c}strRef/{c}f").text == f"'图表'!D{head}"
    labels = root.find(f".//{c}dLbls")
    assert labels.find(f"{c}showVal").get("val") == "1"
    assert labels.find(f"{c}numFmt").get("formatCode") == "+0.00;-0.00;0.00"
    # the grade distribution stays, first
    with zipfile.ZipFile(out) as z:
        grades = ET.fromstring(z.read("xl/charts/chart1.xml"))
    (ser1,) = grades.iter(f"{c}ser")
    assert ser1.find(f"{c}val/{c}numRef/{c}f").text == "'图表'!$B$3:$B$6"
