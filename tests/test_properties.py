"""Property tests for the reader and the whole scoring path on arbitrary grids.

The value parser and the engine on arbitrary Forms have their own property tests
(test_values_properties.py, test_engine_properties.py); here the inputs are grids: random cells of
form words, numbers and odd values with random (even overlapping) merged ranges, and the seed form
with random edits. Only NotAForm / WorkbookError may come out of the reader; scores stay in range;
the plan never writes over a formula; everything is deterministic.
"""
from __future__ import annotations

import copy
import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook.errors import NotAForm, WorkbookError
from workbook.grid import Grid
from workbook.safety import Limits, clip_grid

from pe_score import templates  # noqa: E402
from workbook import layout, pipeline  # noqa: E402

from scoring.profiles import load_profile  # noqa: E402
from scoring.report import result_json  # noqa: E402

HUBEI = load_profile("hubei-2-1")
NATIONAL = load_profile("national-project")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

WORDS = [
    "附件2-1", "部门整体支出绩效自评表", "一级指标", "二级指标", "三级指标", "分值", "指标说明", "评分标准",
    "年初目标值（A）", "实际完成值（B）", "得分", "偏差原因分析及改进措施", "年度目标1：积极促进就业（18分）",
    "年度目标2：（10分）", "产出指标（分值权重50%）", "效益指标（分值权重100%）", "满意度指标", "数量指标", "质量指标",
    "预算执行情况（万元）（20分）", "预算数（A）", "执行数（B）", "执行率（B/A）", "部门整体支出总额", "约束性指标",
    "资金管理", "合计", "总分", "评价等级", "自评得分：", "同上", "……", "—", "完成", "未完成", "3.5万人", "≤4.5%",
    "100%", "98%（新目标）", "2分", "存在审计等部门重点披露的问题", "无", "#DIV/0!", "#N/A", "=SUM(I1:I9)", "",
    " ", "\u200b", "年度目标", "指标", "2.5", "-3", "１８分",
]
cell_value = st.one_of(
    st.none(),
    st.sampled_from(WORDS),
    st.integers(-1000, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.text(max_size=30),
)


@st.composite
def random_grid(draw):
    n_rows = draw(st.integers(0, 40))
    n_cols = draw(st.integers(1, 12))
    values = [draw(st.lists(cell_value, min_size=0, max_size=n_cols)) for _ in range(n_rows)]
    merged = []
    for _ in range(draw(st.integers(0, 8))):
        r1 = draw(st.integers(1, max(n_rows, 1)))
        c1 = draw(st.integers(1, n_cols))
        merged.append((r1, c1, r1 + draw(st.integers(0, 5)), c1 + draw(st.integers(0, 5))))
    return Grid(name=draw(st.sampled_from(["附件2-1", "Sheet1", ""])), values=values, merged=merged, formulas=None)


def _example() -> Grid:
    return templates.example_grid()


EXAMPLE = _example()


@st.composite
def edited_example(draw):
    """The seed form with random cell edits, row deletions/duplications and extra merges."""
    g = copy.deepcopy(EXAMPLE)
    rows = g.values
    for _ in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(["set", "set", "set", "clear_row", "dup_row", "merge", "del_row"]))
        if not rows:
            break
        r = draw(st.integers(0, len(rows) - 1))
        if op == "set":
            c = draw(st.integers(0, 11))
            row = rows[r]
            while len(row) <= c:
                row.append(None)
            row[c] = draw(cell_value)
        elif op == "clear_row":
            rows[r] = [None] * len(rows[r])
        elif op == "dup_row":
            rows.insert(r, list(rows[r]))
        elif op == "del_row":
            del rows[r]
        else:
            c = draw(st.integers(1, 10))
            g.merged.append((r + 1, c, r + 1 + draw(st.integers(0, 3)), c + draw(st.integers(0, 3))))
    # formula positions refer to the unedited rows; keep only those still inside the grid
    g.formulas = {k: v for k, v in (g.formulas or {}).items() if k[0] <= len(rows)}
    return g


def _check_scored(scored, grid: Grid, profile) -> None:
    res = scored.result
    assert 0.0 <= res.budget.score <= res.budget.points + 1e-9
    for ind in res.indicators:
        if ind.score is None:
            continue
        assert math.isfinite(ind.score) and ind.score >= 0.0
        if ind.weight is not None and math.isfinite(ind.weight) and ind.weight > 0 and ind.computed:
            assert ind.score <= ind.weight + 1e-9, (ind.name, ind.score, ind.weight)
    for g in res.goals:
        assert math.isfinite(g.score) and g.score >= -1e-9
    assert 0.0 <= res.total <= 100.0
    if res.capped:
        assert res.total <= profile.cap.limit
    assert res.grade in ("优", "良", "中", "差")
    # the plan never writes over a formula the sheet holds
    formulas = set((grid.formulas or {}).keys())
    assert not (scored.plan.owned_cells() & formulas)


def _score_or_refuse(grid: Grid, profile=HUBEI):
    try:
        return pipeline.score_grid(grid, profile)
    except WorkbookError as exc:
        assert str(exc) and any("\u4e00" <= ch <= "\u9fff" for ch in str(exc))
        return None


@FAST
@given(random_grid())
def test_reader_on_random_grids_raises_only_not_a_form(grid):
    try:
        form = layout.read_form(grid)
    except NotAForm as exc:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc))
        return
    assert form is not None


@FAST
@given(random_grid(), st.sampled_from([HUBEI, NATIONAL]))
def test_pipeline_on_random_grids(grid, profile):
    scored = _score_or_refuse(grid, profile)
    if scored is not None:
        _check_scored(scored, grid, profile)


@FAST
@given(edited_example(), st.sampled_from([HUBEI, NATIONAL]))
def test_pipeline_on_edited_seed_form_stays_in_range_and_is_deterministic(grid, profile):
    first = _score_or_refuse(grid, profile)
    second = _score_or_refuse(copy.deepcopy(grid), profile)
    assert (first is None) == (second is None)
    if first is None:
        return
    _check_scored(first, grid, profile)
    assert result_json(first.result, profile) == result_json(second.result, profile)
    assert first.plan == second.plan


def test_unedited_seed_scores_97():
    scored = pipeline.score_grid(copy.deepcopy(EXAMPLE), HUBEI)
    assert round(scored.result.total, 2) == 97


@settings(max_examples=80, deadline=None)
@given(random_grid(), st.integers(1, 30), st.integers(1, 12), st.integers(1, 400))
def test_clip_grid_is_a_bounded_idempotent_prefix(grid, max_rows, max_cols, max_cells):
    lim = Limits(max_rows=max_rows, max_cols=max_cols, max_cells=max_cells)
    c = clip_grid(grid, lim)
    assert c.n_rows <= max_rows and c.n_cols <= max_cols
    assert c.n_rows <= max(1, max_cells // max(1, min(grid.n_cols, max_cols))) or c is grid
    for r in range(1, c.n_rows + 1):
        for col in range(1, c.n_cols + 1):
            assert c.get(r, col) == grid.get(r, col) or (c.get(r, col) != c.get(r, col))  # NaN != NaN
    for r1, c1, r2, c2 in c.merged:
        assert r1 <= max_rows and c1 <= max_cols and r2 <= max_rows and c2 <= max_cols
    again = clip_grid(c, lim)
    assert again.values == c.values or again is c


# ---- check_file and the readers on damaged files --------------------------------------------------

from workbook.errors import UnreadableFile  # noqa: E402
from workbook.safety import check_file  # noqa: E402


def _example_bytes() -> bytes:
    from tests.corpus.build import _example_bytes as eb

    return eb()


@st.composite
def damaged(draw):
    """The seed workbook with random byte flips, a cut, or an inserted run of bytes."""
    data = bytearray(_example_bytes())
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "flip", "cut", "insert", "zero"]))
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[i: i + draw(st.integers(1, 4096))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=64))
        else:
            data[i: i + 16] = bytes(min(16, len(data) - i))
        if not data:
            data = bytearray(b"\0")
    return bytes(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(damaged())
def test_damaged_files_get_a_chinese_answer_from_check_file_and_the_readers(tmp_path_factory, data):
    """check_file on a damaged workbook accepts it or raises UnreadableFile; what it accepts, both
    readers read or refuse with a WorkbookError — nothing else escapes."""
    from workbook import fast, xlsx

    path = tmp_path_factory.mktemp("damaged") / "表.xlsx"
    path.write_bytes(data)
    try:
        check_file(path)
    except UnreadableFile as exc:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc))
        return
    for reader in (fast.read_grids, xlsx.read_grids):
        try:
            grids = reader(path)
        except WorkbookError as exc:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc))
            continue
        try:
            pipeline.score_workbook(grids)
        except WorkbookError:
            pass


_CELL = __import__("re").compile(r'<c r="([A-Z]+\d+)"([^>]*?)(/>|>(.*?)</c>)')


@st.composite
def odd_cells(draw):
    """The seed workbook whose sheet XML has cells retyped with random, often impossible, values:
    t="s" pointing past the shared strings, t="b" holding text, t="d" holding garbage, a style index
    that does not exist ... The XML stays well-formed, so check_file lets it through to the readers."""
    import io
    import zipfile

    from tests.corpus.build import _esc, _member, _rezip

    data = _example_bytes()
    xml = _member(data, "xl/worksheets/sheet1.xml").decode("utf-8")
    cells = list(_CELL.finditer(xml))
    picks = draw(st.lists(st.integers(0, len(cells) - 1), min_size=1, max_size=12, unique=True))
    out, last = [], 0
    for i in sorted(picks):
        m = cells[i]
        t = draw(st.sampled_from(["s", "n", "b", "e", "str", "d", "zz", ""]))
        v = draw(st.one_of(st.sampled_from(["9999", "-1", "1e999", "nan", "x", "", "2021-13-45T99:99", "#REF!", "1"]),
                           st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=10)))
        s_attr = draw(st.sampled_from(["", ' s="0"', ' s="999"']))
        t_attr = f' t="{t}"' if t else ""
        out.append(xml[last:m.start()])
        out.append(f'<c r="{m.group(1)}"{s_attr}{t_attr}><v>{_esc(v)}</v></c>')
        last = m.end()
    out.append(xml[last:])
    return _rezip(data, {"xl/worksheets/sheet1.xml": "".join(out).encode("utf-8")})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(odd_cells())
def test_impossible_cell_values_get_a_result_or_a_chinese_answer(tmp_path_factory, data):
    from workbook import fast, xlsx

    path = tmp_path_factory.mktemp("odd") / "表.xlsx"
    path.write_bytes(data)
    check_file(path)  # well-formed XML: accepted
    for reader in (fast.read_grids, xlsx.read_grids):
        try:
            grids = reader(path)
        except WorkbookError as exc:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc))
            continue
        try:
            scored = pipeline.score_workbook(grids)
        except WorkbookError:
            continue
        assert 0 <= scored.result.total <= 100
