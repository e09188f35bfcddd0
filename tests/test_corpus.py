"""Bad input gets a clear answer: every corpus file through check_file, the command line and the ribbon.

The corpus (``tests/corpus/build.py``) is generated once per session into a temporary folder.
"""
from __future__ import annotations

import io
import re
import signal
import time
import tracemalloc
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.corpus.build import ENTRIES, build
from tests.corpus.run import CJK, cli_in_process, judge
from workbook.errors import UnreadableFile
from workbook.grid import Grid
from workbook.safety import DEFAULT_LIMITS, Limits, check_file, clip_grid, iter_clipped, sheets_to_scan

NAMES = [e.name for e, _ in ENTRIES]
BY_NAME = {e.name: e for e, _ in ENTRIES}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("corpus")
    return {e.name: p for e, p in build(folder)}


def test_corpus_is_large_and_covers_every_kind():
    assert len(NAMES) >= 40 and len(set(NAMES)) == len(NAMES)
    kinds = {e.expect for e, _ in ENTRIES}
    assert kinds == {"score", "notform", "refuse", "any"}
    assert sum(e.bomb for e, _ in ENTRIES) >= 5


# ---- check_file -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_check_file_refuses_exactly_the_bad_files(corpus, name):
    entry, path = BY_NAME[name], corpus[name]
    if entry.expect == "refuse":
        with pytest.raises(UnreadableFile) as err:
            check_file(path)
        msg = str(err.value)
        assert CJK.search(msg) and path.name in msg
        assert "Traceback" not in msg and "Error" not in msg  # a sentence for a person, not an exception name
    else:
        info = check_file(path)
        assert info.kind in ("xlsx", "xlsm", "xls", "ods")


@pytest.mark.parametrize("name", [e.name for e, _ in ENTRIES if e.bomb])
def test_bombs_refused_before_expansion_within_budget(corpus, name):
    """Refused in under a second with under 16 MB allocated, whatever the part would expand to."""
    t = time.perf_counter()
    with pytest.raises(UnreadableFile, match="炸弹|实体|校验|超过上限|部件"):
        check_file(corpus[name])
    seconds = time.perf_counter() - t
    tracemalloc.start()  # a second run under tracemalloc (which slows it down) for the memory peak
    try:
        with pytest.raises(UnreadableFile):
            check_file(corpus[name])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seconds < 1.0, seconds
    assert peak < 16 * 1024 * 1024, peak


def test_specific_messages_name_the_problem(corpus):
    def msg(name):
        with pytest.raises(UnreadableFile) as err:
            check_file(corpus[name])
        return str(err.value)

    assert "CSV" in msg("csv_renamed.xlsx") and "文本" in msg("csv_renamed.xlsx")
    assert "文本" in msg("tsv_gbk_renamed.xlsx")
    assert "加密" in msg("encrypted.xlsx") and "密码" in msg("encrypted.xlsx")
    assert "加密" in msg("xls_encrypted.xls") and ".xls" in msg("xls_encrypted.xls")
    assert "损坏" in msg("truncated.xlsx")
    assert "XFD1048576" in msg("cell_bomb_far_corner.xlsx") and "删除多余的行和列" in msg("stray_cell_far_away.xlsx")
    assert "改为 .xls" in msg("xls_renamed.xlsx") and "改为 .xlsx" in msg("xlsx_renamed.xls")
    assert "炸弹" in msg("xml_bomb_sharedstrings.xlsx")
    assert "炸弹" in msg("zip_bomb_declared.xlsx") and "未解压" in msg("zip_bomb_declared.xlsx")
    assert "50.0 MB" in msg("oversize_51mb.xlsx")
    assert "Word" in msg("docx_renamed.xlsx")
    assert "网页" in msg("html_renamed.xls")
    assert "ods" in msg("ods_renamed.xlsx")


def test_check_file_missing_and_folder(tmp_path):
    with pytest.raises(UnreadableFile, match="不存在"):
        check_file(tmp_path / "nope.xlsx")
    with pytest.raises(UnreadableFile, match="文件夹"):
        check_file(tmp_path)


def test_limits_are_configurable(corpus):
    small = Limits(max_file_bytes=10_000)
    with pytest.raises(UnreadableFile, match="超过本工具的上限"):
        check_file(corpus["example.xlsx"], small)
    with pytest.raises(UnreadableFile, match="内部部件"):
        check_file(corpus["noise_50000_rows.xlsx"], Limits(max_part_bytes=1024 * 1024))


def test_check_file_reports_sheets_and_vba(corpus):
    info = check_file(corpus["form_third_sheet.xlsx"])
    assert info.sheets == ["填表说明", "基础数据", "自评表"] and info.kind == "xlsx"
    info = check_file(corpus["xlsm_fake_vba.xlsm"])
    assert info.kind == "xlsm" and info.has_vba


def test_a_doctype_anywhere_is_refused_even_without_entities(tmp_path, corpus):
    data = corpus["example.xlsx"].read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/styles.xml":
                body = re.sub(rb"^<\?xml[^>]*\?>", b"", body)
                body = b'<?xml version="1.0"?><!DOCTYPE styleSheet SYSTEM "http://example.invalid/x.dtd">' + body
            dst.writestr(info.filename, body)
    p = tmp_path / "dtd_styles.xlsx"
    p.write_bytes(out.getvalue())
    with pytest.raises(UnreadableFile, match="xl/styles.xml"):
        check_file(p)


def test_malformed_vml_is_tolerated_but_a_doctype_in_it_is_refused(tmp_path, corpus):
    """Excel's legacy VML drawings are not always well-formed XML and no reader needs them;
    an entity declaration is refused in every part all the same."""
    from tests.corpus.build import _rezip

    data = corpus["example.xlsx"].read_bytes()
    vml = "xl/drawings/commentsDrawing1.vml"
    ok = tmp_path / "vml.xlsx"
    ok.write_bytes(_rezip(data, {vml: b"<xml><v:shape><br></xml>"}))
    assert check_file(ok).kind == "xlsx"
    bomb = tmp_path / "vml_bomb.xlsx"
    bomb.write_bytes(_rezip(data, {vml: b'<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>'}))
    with pytest.raises(UnreadableFile, match="实体"):
        check_file(bomb)


# ---- reading limits -----------------------------------------------------------------------------


def test_clip_grid_cuts_rows_columns_merges_and_formulas():
    lim = Limits(max_rows=5, max_cols=3, max_cells=1000)
    g = Grid("s", [[r * 10 + c for c in range(6)] for r in range(9)], merged=[(1, 1, 2, 5), (7, 1, 8, 2)],
             formulas={(1, 1): "=1", (9, 1): "=2", (1, 6): "=3"})
    c = clip_grid(g, lim)
    assert c.n_rows == 5 and c.n_cols == 3
    assert c.merged == [(1, 1, 2, 3)] and c.formulas == {(1, 1): "=1"}
    assert g.n_rows == 9  # the input is not modified
    small = Grid("s", [[1, 2]], [], None)
    assert clip_grid(small, lim) is small


def test_clip_grid_respects_the_cell_budget():
    g = Grid("s", [[0] * 50 for _ in range(100)])
    c = clip_grid(g, Limits(max_rows=1000, max_cols=100, max_cells=500))
    assert c.n_rows == 10 and c.n_cols == 50


def test_iter_clipped_is_lazy_and_bounded():
    pulled = 0

    def rows():
        nonlocal pulled
        for i in range(10**9):
            pulled += 1
            yield [i] * 1000

    out = list(iter_clipped(rows(), Limits(max_rows=7, max_cols=4)))
    assert len(out) == 7 and all(len(r) == 4 for r in out) and pulled <= 8


def test_sheets_to_scan():
    assert sheets_to_scan([str(i) for i in range(80)]) == [str(i) for i in range(DEFAULT_LIMITS.max_sheets)]


# ---- the command line on every file -------------------------------------------------------------------


@pytest.fixture(scope="session")
def cli_outcomes(corpus, tmp_path_factory):
    """Every corpus file through the command's entry point, in this process (one after the other:
    the streams are redirected process-wide), with a deadline per file."""
    out_dir = tmp_path_factory.mktemp("corpus_out")
    return {n: judge(BY_NAME[n], corpus[n], out_dir, runner=cli_in_process) for n in NAMES}


@pytest.fixture(scope="session")
def process_outcomes(corpus, tmp_path_factory):
    """Every corpus file through a real ``python -m pe_score`` process (the exit status the shell sees,
    nothing printed by the interpreter itself, a native crash of a reader kills only that file)."""
    out_dir = tmp_path_factory.mktemp("corpus_out_processes")
    with ThreadPoolExecutor(max_workers=2) as pool:
        outs = list(pool.map(lambda n: judge(BY_NAME[n], corpus[n], out_dir), NAMES))
    return {o.name: o for o in outs}


@pytest.mark.parametrize("name", NAMES)
def test_cli_answers_every_file_clearly(cli_outcomes, name):
    """Exit 0/1 with the JSON report, or exit 2 with a Chinese message; never a traceback or a hang;
    the input file is never modified; files meant to be refused get check_file's message."""
    o = cli_outcomes[name]
    assert not o.problems, f"{name}: rc={o.rc}\n" + "\n".join(o.problems)


def test_cli_bombs_answered_fast(cli_outcomes):
    """A refused bomb costs next to nothing (budget: 10 s on a busy 2-core CI)."""
    for e, _ in ENTRIES:
        if e.bomb:
            assert cli_outcomes[e.name].rc == 2 and cli_outcomes[e.name].seconds < 10, e.name


# A few files of each kind in real processes by default; all of them with ``-m slow`` (.ci/run).
PROCESS_SAMPLE = ["example.xlsx", "csv_renamed.xlsx", "encrypted.xlsx", "zip_bomb_declared.xlsx",
                     "truncated.xlsx", "xls_renamed.xlsx"]


@pytest.mark.parametrize("name", [n for n in PROCESS_SAMPLE if n in BY_NAME])
def test_real_process_answers_a_sample_clearly(corpus, tmp_path, name):
    o = judge(BY_NAME[name], corpus[name], tmp_path)
    assert not o.problems, f"{name}: rc={o.rc}\n" + "\n".join(o.problems)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_real_process_answers_every_file_clearly(process_outcomes, name):
    o = process_outcomes[name]
    assert not o.problems, f"{name}: rc={o.rc}\n" + "\n".join(o.problems)


def test_batch_review_answers_every_file(corpus):
    """``pe-score check FOLDER --json`` over the whole corpus: one entry per file (per form), each a
    result in range or a Chinese error."""
    import json

    folder = next(iter(corpus.values())).parent
    rc, out, err, seconds = cli_in_process("check", str(folder), "--json", timeout=300)
    assert rc in (0, 1), err
    assert "Traceback" not in out + err and "内部错误" not in out + err
    entries = json.loads(out)
    seen: dict[str, list] = {}
    for e in entries:
        seen.setdefault(Path(e["file"]).name, []).append(e)
    from pe_score.batch import SPREADSHEET_SUFFIXES  # the batch picks files by these names

    assert set(seen) == {n for n in NAMES if n.lower().endswith(SPREADSHEET_SUFFIXES)}
    for name, items in seen.items():
        for e in items:
            if e.get("error"):
                assert CJK.search(e["error"]), (name, e["error"])
                assert BY_NAME[name].expect != "score", (name, e["error"])
            else:
                assert 0 <= e["total"] <= 100 and e["grade"] in ("优", "良", "中", "差"), name
                assert BY_NAME[name].expect not in ("refuse", "notform"), name
        if BY_NAME[name].expect in ("refuse", "notform"):
            assert all(e.get("error") for e in items), name


# ---- the ribbon (xlwings remote engine) on every file Excel itself could open -----------------------


@contextmanager
def _deadline(seconds: int):
    def boom(*_):
        raise TimeoutError(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


OPENABLE = [e.name for e, _ in ENTRIES if e.expect != "refuse" and e.name.endswith((".xlsx", ".xlsm"))]
# Books whose remote-engine payload is large (a cell 200,000 rows down): a minute each, so not in the default run.
RIBBON_SLOW = {"stray_cell_row_200000.xlsx"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in RIBBON_SLOW else n
                                  for n in OPENABLE])
def test_ribbon_gives_a_result_or_a_chinese_alert(corpus, name, monkeypatch):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    from tests import remote_book

    import addin

    entry = BY_NAME[name]
    if name.startswith("noise_"):
        pytest.skip("a 50,000-row payload is a server-size test, not a corpus test")
    payload = remote_book.payload(corpus[name])
    bk = remote_book.book(payload)
    with _deadline(60):
        outcome = addin.recalculate(bk)
    acts = remote_book.actions(bk)
    alerts = [a for a in acts if a.get("func") == "alert"]
    assert alerts, f"{name}: no message shown to the user"
    text = str(alerts[-1]["args"][0])
    assert CJK.search(text) and "Traceback" not in text
    assert "写入评分结果时出错" not in text, text  # the adapter's last-resort message is a crash in disguise
    if entry.expect == "score":
        assert outcome.ok, f"{name}: {outcome.message}"
        assert any(a.get("func") == "setValues" for a in acts)
    if entry.expect == "notform":
        assert not outcome.ok
