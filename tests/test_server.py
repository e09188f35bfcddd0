"""pe-score on xlwings Server (server/), tested through the real xlwings Server app.

FastAPI's TestClient drives the app exactly as Excel's Office.js add-in would: the manifest, the
custom-function metadata and calls, and the button's script with the JSON book (built from real
workbooks by tests/remote_book.py) plus the formulas the button's JavaScript sends. The returned
actions are replayed onto an openpyxl copy and checked cell by cell, against the command line's
scored copy and, for the recalculated total, against LibreOffice.
"""
from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest

if importlib.util.find_spec("xlwings_server") is None:  # not importorskip: importing it reads its settings
    pytest.skip("the [server] extra is not installed (pip install '.[server]')", allow_module_level=True)

from tests import remote_book as rb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "server"
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"
SCRIPT_URL = "/xlwings/custom-scripts-call/重新计算得分"


@pytest.fixture(scope="module")
def server_app():
    """server/app.py imported as uvicorn would import it (its environment restored afterwards)."""
    saved = {k: os.environ.get(k) for k in ("XLWINGS_ON_SERVER", "XLWINGS_PROJECT_DIR", "PE_AUTH")}
    os.environ["PE_AUTH"] = "anonymous"
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    rb.enable_remote_engine()
    if str(SERVER) not in sys.path:
        sys.path.insert(0, str(SERVER))
    import app  # noqa: PLC0415 - server/app.py

    yield app
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def client(server_app):
    from fastapi.testclient import TestClient

    return TestClient(server_app.app)


# ---- manifest, metadata, pages -----------------------------------------------------------------

NS = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1",
      "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
      "v": "http://schemas.microsoft.com/office/taskpaneappversionoverrides"}


def test_manifest_is_chinese_and_points_only_at_this_server(client):
    r = client.get("/manifest.xml", headers={"X-Forwarded-Proto": "https"})
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    assert root.find("o:Id", NS).text == "8655043d-303c-4612-abf5-78e6b56300dd"  # production ID
    assert root.find("o:DefaultLocale", NS).text == "zh-CN"
    assert root.find("o:DisplayName", NS).get("DefaultValue") == "绩效评分"
    strings = {s.get("id"): s.get("DefaultValue") for s in root.iter(f"{{{NS['bt']}}}String")}
    assert strings["PeScoreTab.Label"] == "绩效评分"
    assert strings["PeRecalculateButton.Label"] == "重新计算得分"
    assert "Functions.Namespace" not in strings  # =PE_SCORE(...) as on the desktop
    assert root.find(".//v:FunctionName", NS).text == "pe-recalculate"
    # Every URL in an attribute or element text (namespace declarations are not content).
    values = [v for el in root.iter() for v in [*el.attrib.values(), el.text or ""]]
    urls = [v.strip() for v in values if "://" in v]
    assert len(urls) >= 10 and all(u == "https://testserver" or u.startswith("https://testserver/") for u in urls), urls
    assert root.find("o:SupportUrl", NS).get("DefaultValue") == "https://testserver/pe/help"
    for u in urls:  # every icon, page and script the manifest names is served here
        assert client.get(u.replace("https://testserver", "") or "/").status_code == 200, u


def test_function_metadata_lists_the_eight_functions_with_chinese_help(client):
    from addin import functions as desktop

    meta = client.get("/xlwings/custom-functions-meta.json").json()
    funcs = {f["name"]: f for f in meta["functions"]}
    assert set(funcs) == {"PE_SCORE", "PE_SCORES", "PE_RATE", "PE_PARSE", "PE_BUDGET", "PE_TOTAL",
                          "PE_GRADE", "PE_EXPLAIN"} == set(desktop._exported())
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for name, f in funcs.items():
        assert f["description"] == getattr(desktop, name).__doc__
        assert cjk.search(f["description"]), name
        for p in f["parameters"]:
            assert cjk.search(p["description"]), (name, p["name"])
    assert [p["name"] for p in funcs["PE_SCORE"]["parameters"]] == ["points", "target", "actual", "method", "tier"]
    assert [p.get("optional", False) for p in funcs["PE_SCORE"]["parameters"]] == [False, False, False, True, True]
    assert funcs["PE_SCORE"]["parameters"][1]["description"] == "年初目标值(A)：如 3.5万人、4.5%以内、完成"
    code = client.get("/xlwings/custom-functions-code.js").text  # what Excel runs to call them
    for name in funcs:
        assert f'CustomFunctions.associate("{name}", {name});' in code


def _call(client, name, *args):
    """One custom-function call as Office.js sends it: every argument a 2-D matrix."""
    body = {"func_name": name, "args": [a if isinstance(a, list) else [[a]] for a in args],
            "caller_address": "附件2-1!K11", "client": "Office.js", "version": "0.37.8",
            "runtime": "1.4", "culture_info_name": "zh-CN", "date_format": "yyyy/m/d"}
    return client.post("/xlwings/custom-functions-call", json=body)


POINTS = [[2], [2], ["产出指标"], [3], [None]]
TARGETS = [["3.5万人"], ["≥95%"], [None], ["0起"], [None]]
ACTUALS = [["4.97万人"], ["97.3%"], [None], [0], [None]]
CASES = [
    ("PE_SCORE", (2, "3.5万人", "4.97万人")),
    ("PE_SCORE", (4, "100%", "85%")),
    ("PE_SCORE", (2, "4.5%以内", "3.30%", "反向")),
    ("PE_SCORE", (3, "0起", 0)),
    ("PE_SCORES", (POINTS, TARGETS, ACTUALS)),
    ("PE_RATE", ("2亿元", "7.01亿元")),
    ("PE_PARSE", ("4.97万人",)),
    ("PE_PARSE", ("98%",)),
    ("PE_BUDGET", (10072.67, 9870.5)),
    ("PE_BUDGET", (100, 80, 10)),
    ("PE_TOTAL", (19.6, [[18], [17.5], [9], [None]], [["存在审计等部门重点披露的问题"], [-2]])),
    ("PE_TOTAL", (20, [[18], [18], [9], [10], [10], [8], [4]])),
    ("PE_GRADE", (89.99,)),
    ("PE_GRADE", (60,)),
    ("PE_EXPLAIN", (2, "2亿元", "7.01亿元")),
]


@pytest.mark.parametrize("name,args", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_each_function_through_the_call_endpoint_equals_the_desktop_udf(client, name, args):
    from addin import functions as desktop

    r = _call(client, name, *args)
    assert r.status_code == 200, r.text
    expected = getattr(desktop, name)(*args)
    got = r.json()["result"]
    if isinstance(expected, list):  # a spilled column; empty cells come back as ""
        assert got == [["" if v is None else v for v in row] for row in expected]
    else:
        assert got == [[expected]]


BAD = [
    ("PE_SCORE", ("abc", "3.5万人", "4.97万人"), "分值“abc”无法识别为数字"),
    ("PE_SCORE", (2, "3.5万人", "4.97万人", "随便"), "未知的评分方法“随便”"),
    ("PE_BUDGET", (100, "#DIV/0!"), "执行数是错误值 #DIV/0!"),
    ("PE_BUDGET", (0, 80), ""),
    ("PE_SCORES", ([[2], [3]], [["1"]], [["1"]]), "行数必须相同"),
    ("PE_TOTAL", (20, [["十八"]]), "目标得分区域中有非数字“十八”"),
    ("PE_PARSE", ("暂无",), "没有可识别的数值"),
    ("PE_GRADE", ("优秀",), "总分“优秀”无法识别为数字"),
]


@pytest.mark.parametrize("name,args,message", BAD, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(BAD)])
def test_bad_input_is_a_400_with_the_chinese_message(client, name, args, message):
    from addin import functions as desktop

    with pytest.raises(desktop.PEValueError) as desktop_error:
        getattr(desktop, name)(*args)
    r = _call(client, name, *args)
    assert r.status_code == 400  # not in custom_functions_retry_codes: Excel does not retry
    assert r.text == str(desktop_error.value) and message in r.text
    assert re.search(r"[\u4e00-\u9fff]", r.text)


def test_retries_only_for_transient_faults(server_app):
    from xlwings_server.config import settings

    assert all(code >= 500 for code in settings.custom_functions_retry_codes)
    assert 400 not in settings.custom_functions_retry_codes and 500 not in settings.custom_functions_retry_codes
    assert settings.enable_socketio is False  # stateless workers (docs/server.md)
    assert settings.cdn_officejs is False


def test_help_task_pane_and_findings_pages_are_served_in_chinese(client):
    from scoring.findings import CATALOGUE

    pane = client.get("/taskpane.html").text
    assert "重新计算得分" in pane and 'id="pe-recalculate"' in pane and 'id="pe-findings"' in pane
    for code, rule in CATALOGUE.items():
        assert f"/pe/findings/{code}" in pane and rule.title_zh in pane
    assert not re.search(r"(src|href)=\"https?://", pane)  # nothing from outside the server
    help_page = client.get("/pe/help").text
    assert "=PE_SCORE(points, target, actual, [method], [tier])" in help_page
    index = client.get("/pe/findings/").text
    assert all(f'href="/pe/findings/{code}"' in index for code in CATALOGUE)
    page = client.get("/pe/findings/PE402")
    assert page.status_code == 200 and "<h1>PE402" in page.text and "<table>" in page.text
    assert client.get("/pe/findings/PE999").status_code == 404
    assert client.get("/pe/findings/..%2Fserver").status_code == 404
    for size in (16, 32, 64, 80):
        icon = client.get(f"/static/images/icons/pe-{size}.png")
        assert icon.status_code == 200 and icon.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/static/js/ribbon.js").text.startswith("// pe-score on xlwings Server")


# ---- the button -------------------------------------------------------------------------------


def formulas_of(wb) -> dict:
    """What the button's JavaScript sends: {sheet: {A1: formula}} for every sheet but 评分说明."""
    return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row
                       if isinstance(c.value, str) and c.value.startswith("=")}
            for ws in wb.worksheets if ws.title != "评分说明"}


def clone(wb):
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return openpyxl.load_workbook(buf)


def click(client, wb, formulas=True, notes_supported=True):
    """One click of the button on ``wb``: (response, replayed copy, extra from the replay)."""
    body = rb.payload(wb)  # reads only; formula cells go as None, as openpyxl has no results for them
    if not notes_supported:
        for sheet in body["sheets"]:
            sheet["notes_supported"] = False
    if formulas:
        body["args"] = [formulas_of(wb)]
    r = client.post(SCRIPT_URL, json=body)
    if r.status_code != 200:
        return r, None, None
    after = clone(wb)
    extra = rb.apply_actions(after, r.json()["actions"])
    return r, after, extra


def _cells_written(actions, position):
    out = set()
    for a in actions:
        if a["func"] == "setValues" and a["sheet_position"] == position:
            out |= {(a["start_row"] + 1 + i, a["start_column"] + 1 + j)
                    for i in range(a["row_count"]) for j in range(a["column_count"])}
    return out


def _fill(cell):
    return cell.fill.fgColor.rgb[-6:].upper() if cell.fill is not None and cell.fill.fill_type == "solid" else None


def state(wb):
    """Everything a click may change: form values, fills and notes; 评分说明 down to its record."""
    out = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                value = None if c.value == "" else c.value
                if value is None and c.comment is None and _fill(c) is None:
                    continue
                cells[c.coordinate] = (value, c.comment.text if c.comment else None, _fill(c))
        out[ws.title] = cells
    return out


@pytest.fixture(scope="module")
def cli_scored(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "scored.xlsx"
    proc = subprocess.run([sys.executable, "-m", "pe_score", "score", str(EXAMPLE), "--write", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode in (0, 1), proc.stderr
    return openpyxl.load_workbook(out)


@pytest.fixture(scope="module")
def first_click(client):
    wb = openpyxl.load_workbook(EXAMPLE)
    r, after, extra = click(client, wb)
    assert r.status_code == 200, r.text
    return wb, r.json()["actions"], after, extra


def test_button_never_writes_a_formula_cell(first_click):
    wb, actions, after, _ = first_click
    formulas = formulas_of(wb)["附件2-1"]
    assert len(formulas) == 11  # G8, H8, seven subtotals, total, grade
    written = _cells_written(actions, 0)
    assert written, "the scores were written"
    assert not {openpyxl.utils.cell.coordinate_from_string(a) for a in formulas} & {
        (openpyxl.utils.get_column_letter(c), r) for r, c in written}
    for ref, formula in formulas.items():
        assert after["附件2-1"][ref].value == formula


def test_button_matches_the_command_line_scored_copy(first_click, cli_scored):
    _, _, after, extra = first_click
    ours, cli = after["附件2-1"], cli_scored["附件2-1"]
    for row in cli.iter_rows():
        for c in row:
            mine = ours[c.coordinate]
            assert (None if mine.value == "" else mine.value) == (None if c.value == "" else c.value), c.coordinate
            assert _fill(mine) == _fill(c), c.coordinate
            assert (mine.comment is None) == (c.comment is None), c.coordinate
    assert after.sheetnames == cli_scored.sheetnames == ["附件2-1", "评分说明"]
    from workbook.record import FILL_MARKER

    def explained(ws):
        rows = [[None if v == "" else v for v in r] for r in ws.iter_rows(values_only=True)]
        marker = next(i for i, r in enumerate(rows) if r[0] == FILL_MARKER)
        return [r for r in rows[:marker] if any(v is not None for v in r)], sorted(r[0] for r in rows[marker + 1:] if r[0])

    assert explained(after["评分说明"]) == explained(cli_scored["评分说明"])
    assert extra["active"] == "附件2-1"
    assert extra["alerts"] and "总分 97 分" in extra["alerts"][-1] and "批注" in extra["alerts"][-1]


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="soffice (LibreOffice) is not installed")
def test_libreoffice_recalculates_97_from_the_replayed_copy(first_click, tmp_path):
    _, _, after, _ = first_click
    src = tmp_path / "replayed.xlsx"
    after.save(src)
    out = tmp_path / "out"
    proc = subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                           "--norestore", "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                          capture_output=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    ws = openpyxl.load_workbook(out / "replayed.xlsx", data_only=True)["附件2-1"]
    assert ws["I58"].value == 97 and ws["I59"].value == "优" and ws["J4"].value == 97
    assert ws["H8"].value == 20 and [ws[f"I{r}"].value for r in (10, 20, 29, 37, 43, 49, 54)] == [18, 18, 9, 10, 10, 8, 4]


def _office_formulas(ws):
    """Range.formulas of the used range as Office.js returns it: constants as values, "" for empty."""
    def cell(v):
        if v is None:
            return ""
        return v.isoformat() if hasattr(v, "isoformat") else v

    return [[cell(c.value) for c in row] for row in ws.iter_rows(
        min_row=ws.min_row, max_row=ws.max_row, min_col=ws.min_column, max_col=ws.max_column)]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_button_javascript_under_node_sends_the_formulas(client, tmp_path):
    """tests/js/ribbon.test.js clicks the button on the example (an Office.js stand-in built from
    it); the request it sent goes to the real server, which writes no formula cell."""
    wb = openpyxl.load_workbook(EXAMPLE)
    sheets = [{"name": ws.title, "formulas": _office_formulas(ws),
               "used": [ws.min_row - 1, ws.min_column - 1, ws.max_row - ws.min_row + 1,
                        ws.max_column - ws.min_column + 1]} for ws in wb.worksheets]
    fixture, request = tmp_path / "book.json", tmp_path / "request.json"
    fixture.write_text(json.dumps({"payload": rb.payload(wb), "sheets": sheets}, ensure_ascii=False), "utf-8")
    proc = subprocess.run(["node", "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PE_BOOK_FIXTURE": str(fixture), "PE_REQUEST_OUT": str(request)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "# fail 0" in proc.stdout and "# skipped 0" in proc.stdout, proc.stdout
    body = json.loads(request.read_text("utf-8"))
    assert body["args"] == [formulas_of(wb)] and len(body["args"][0]["附件2-1"]) == 11
    r = client.post(SCRIPT_URL, json=body)
    assert r.status_code == 200, r.text
    written = _cells_written(r.json()["actions"], 0)
    formula_cells = {openpyxl.utils.cell.coordinate_to_tuple(ref) for ref in body["args"][0]["附件2-1"]}
    assert written and not written & formula_cells


def test_without_notes_the_message_says_what_was_done(client):
    wb = openpyxl.load_workbook(EXAMPLE)
    r, after, extra = click(client, wb, notes_supported=False)
    assert r.status_code == 200
    funcs = [a["func"] for a in r.json()["actions"]]
    assert "addNote" not in funcs and "setRangeColor" in funcs
    notes = {c.coordinate for row in after["附件2-1"].iter_rows() for c in row if c.comment}
    assert notes == {c.coordinate for row in wb["附件2-1"].iter_rows() for c in row if c.comment}  # the user's own
    message = extra["alerts"][-1]
    assert "底色" in message and "不支持批注" in message and "已在单元格批注中标出" not in message
    assert "评分说明" in after.sheetnames


def test_missing_or_malformed_formulas_are_a_400_and_nothing_is_written(client):
    wb = openpyxl.load_workbook(EXAMPLE)
    r, _, _ = click(client, wb, formulas=False)
    assert r.status_code == 400 and "未收到工作表中的公式" in r.json()["detail"]
    body = rb.payload(clone(wb))
    for bad in (["G8"], {"附件2-1": ["G8"]}, {"附件2-1": {"第八行": "=1"}}, {"附件2-1": {"G8": 1}}):
        body["args"] = [bad]
        r = client.post(SCRIPT_URL, json=body)
        assert r.status_code == 400 and "公式数据格式不正确" in r.json()["detail"], bad


def test_task_pane_report_equals_the_command_line_json_and_writes_nothing(client):
    wb = openpyxl.load_workbook(EXAMPLE)
    body = rb.payload(wb)
    body["args"] = [formulas_of(wb)]
    r = client.post("/pe/report", json=body)
    assert r.status_code == 200, r.text
    report = r.json()
    cli = subprocess.run([sys.executable, "-m", "pe_score", "score", "--json", str(EXAMPLE)],
                         capture_output=True, text=True, cwd=ROOT)
    expected = json.loads(cli.stdout)
    for key in ("sheet", "total", "grade", "capped", "budget", "goals", "indicators"):
        assert report[key] == expected[key], key
    assert [{k: v for k, v in i.items() if k != "title"} for i in report["issues"]] == expected["issues"]
    from scoring.findings import CATALOGUE

    assert all(i["title"] == CATALOGUE[i["code"]].title_zh for i in report["issues"])
    empty = openpyxl.Workbook()
    empty.active["A1"] = "采购清单"
    r = client.post("/pe/report", json={**rb.payload(empty), "args": [{}]})
    assert r.status_code == 422 and "附件2-1" in r.json()["detail"]
    r = client.post("/pe/report", json=rb.payload(wb))
    assert r.status_code == 400 and "未收到工作表中的公式" in r.json()["detail"]


def test_no_form_is_a_chinese_message_and_nothing_else(client):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "采购清单"
    r, _, extra = click(client, wb)
    assert r.status_code == 200
    assert [a["func"] for a in r.json()["actions"]] == ["alert"]
    assert "附件2-1" in extra["alerts"][0]


# ---- stopping part-way -------------------------------------------------------------------------


def _unordered(wb):
    """The same click's actions in addin.recalculate's own order (without pe_server.ordering)."""
    import addin

    book = rb.book(rb.payload(clone(wb)))
    addin.recalculate(book, formulas=formulas_of(wb))
    return rb.actions(book)


def _cuts(actions):
    """Every place a stop can fall between two kinds of write (and the ends): stopping inside a
    run of like actions (the fills, say) leaves the same kind of state as stopping at its edges."""
    def kind(a):
        f = a["func"]
        group = next((g for g, names in (("values", ("setValues",)), ("notes", ("addNote", "deleteNote", "setNoteText")),
                                          ("fills", ("setRangeColor",)), ("hidden", ("setRowHidden",)))
                      if f in names), "clear" if "Clear" in f else "other")  # other: layout, nothing we compare
        return group, a.get("sheet_position")

    kinds = [kind(a) for a in actions]
    return sorted({0, len(actions)} | {i for i in range(1, len(actions)) if kinds[i] != kinds[i - 1]}
                  | {i + 1 for i in range(1, len(actions)) if kinds[i] != kinds[i - 1]})


def _stopped_then_repaired(client, wb, actions):
    """(cut, state after Excel stopped after ``cut`` actions and the user clicked again), lazily."""
    for cut in _cuts(actions):
        half = clone(wb)
        rb.apply_actions(half, actions[:cut])
        yield cut, state(click(client, half)[1])


@pytest.fixture(scope="module")
def rescoring(client):
    """A scored form the user then edits (one PE402 explained, a new finding): (edited, wanted state)."""
    once = click(client, openpyxl.load_workbook(EXAMPLE))[1]
    edited = clone(once)
    edited["附件2-1"]["J11"] = "年初目标按上年实际数保守设定，本年就业形势好于预期。"
    edited["附件2-1"]["H12"] = "1.2万人"
    return edited, state(click(client, edited)[1])


@pytest.mark.slow  # about 15 clicks, each replayed onto an openpyxl copy
def test_stopped_at_any_action_the_next_click_repairs_the_form(client, rescoring):
    edited, want = rescoring
    actions = client.post(SCRIPT_URL, json={**rb.payload(clone(edited)), "args": [formulas_of(edited)]}).json()["actions"]
    on_form = [i for i, a in enumerate(actions) if a.get("sheet_position") == 0 and a["func"] != "activateSheet"]
    on_explain = [i for i, a in enumerate(actions) if a["func"] == "setValues" and a.get("sheet_position") == 1]
    assert on_explain[0] < on_form[0] < on_form[-1] < on_explain[-1]  # 评分说明 first, its final record last
    assert "sheetClear" not in [a["func"] for a in actions]  # never a moment without the previous record
    assert actions[-1]["func"] == "alert"
    assert len(_cuts(actions)) >= 8
    for cut, got in _stopped_then_repaired(client, edited, actions):
        assert got == want, f"stopped after {cut} of {len(actions)} actions"


def test_without_the_ordering_some_stop_leaves_marks_behind(client, rescoring):
    edited, want = rescoring
    assert any(got != want for _, got in _stopped_then_repaired(client, edited, _unordered(edited))), \
        "the plain order would be as safe; pe_server.ordering would be pointless"


# ---- sign-in ----------------------------------------------------------------------------------


def _auth_client(server_app, environ):
    from fastapi.testclient import TestClient
    from pe_server.auth import RequireUser
    from xlwings_server.main import main_app

    return TestClient(RequireUser(main_app, environ=environ))


def test_anonymous_use_must_be_chosen(server_app):
    from pe_server.auth import AuthConfigError, RequireUser

    with pytest.raises(AuthConfigError, match="PE_AUTH"):
        RequireUser(object(), environ={})
    proc = subprocess.run([sys.executable, "-c", "import app"], cwd=SERVER, capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k != "PE_AUTH"}, timeout=120)
    assert proc.returncode != 0 and "PE_AUTH" in proc.stderr


def test_without_a_licence_key_the_server_refuses_to_start_in_chinese():
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"}
    proc = subprocess.run([sys.executable, "-c", "import app"], cwd=SERVER, capture_output=True, text=True,
                          env={**env, "PE_AUTH": "anonymous", "PYTHONIOENCODING": "utf-8"}, timeout=120)
    assert proc.returncode != 0
    assert "未设置环境变量 XLWINGS_LICENSE_KEY" in proc.stderr and "noncommercial" in proc.stderr
    assert "is not set" not in proc.stderr and "Traceback" not in proc.stderr


def test_reverse_proxy_header_and_secret(server_app):
    c = _auth_client(server_app, {"PE_AUTH": "header", "PE_AUTH_PROXY_SECRET": "s3cret"})
    args = (2, "3.5万人", "4.97万人")
    r = _call(c, "PE_SCORE", *args)
    assert r.status_code == 401 and "身份" in r.json()["detail"]
    c.headers.update({"X-Remote-User": "wangjun"})
    assert _call(c, "PE_SCORE", *args).status_code == 401  # not through the proxy
    c.headers.update({"X-PE-Proxy-Secret": "s3cret"})
    assert _call(c, "PE_SCORE", *args).status_code == 200
    assert c.get("/manifest.xml").status_code == 200  # Office fetches these before anyone signs in
    anon = _auth_client(server_app, {"PE_AUTH": "header"})
    assert anon.get("/taskpane.html").status_code == 200
    for path in (SCRIPT_URL, "/pe/report"):
        assert anon.post(path, json=rb.payload(openpyxl.load_workbook(EXAMPLE))).status_code == 401, path


def sso_hook(headers):
    """A stand-in for an intranet single sign-on check (tests only): a token the SSO issued."""
    token = headers.get("authorization", "")
    return {"Bearer good": "lisi"}.get(token)


def test_sign_on_hook(server_app):
    c = _auth_client(server_app, {"PE_AUTH": "hook", "PE_AUTH_HOOK": "tests.test_server:sso_hook"})
    args = (2, "3.5万人", "4.97万人")
    assert _call(c, "PE_SCORE", *args).status_code == 401
    c.headers.update({"Authorization": "Bearer good"})
    assert _call(c, "PE_SCORE", *args).status_code == 200


# ---- the Dockerfile (no docker here: read it) ----------------------------------------------------


def test_dockerfile_copies_what_exists_and_starts_the_app():
    text = (SERVER / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in text.replace("\\\n", " ").splitlines() if ln.strip() and not ln.startswith("#")]
    assert re.fullmatch(r"FROM python:3\.1[1-9]-slim", lines[0])
    copies = [ln.split()[1:-1] for ln in lines if ln.startswith("COPY ")]
    assert copies and all((ROOT / src).exists() for srcs in copies for src in srcs), copies
    copied = {src for srcs in copies for src in srcs}
    assert {"scoring", "workbook", "addin", "server", "docs/findings"} <= copied
    assert any(ln.startswith("RUN pip install \".[server]\"") for ln in lines)
    assert any(ln.startswith("USER ") and "root" not in ln for ln in lines)
    cmd = json.loads(next(ln for ln in lines if ln.startswith("CMD "))[4:])
    assert cmd[:5] == ["uvicorn", "app:app", "--app-dir", "server", "--host"]
    assert not any("PE_AUTH" in ln for ln in lines if ln.startswith("ENV "))  # IT chooses; never anonymous by default
