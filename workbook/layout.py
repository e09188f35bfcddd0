"""Recognise a 附件2-1 部门整体支出绩效自评表 in a grid of cell values and read it into a ``Form``.

The layout is found by its words, never by fixed positions: the indicator header row is the
first row holding 三级指标/指标名称, 分值/权重, a target column, an actual column and 得分; every
other part (unit, year, header self-score, budget block, goals, constraint, total, grade) is
found relative to it by its wording.

Besides the Hubei 附件2-1 layout, the reader accepts the 财预〔2020〕10号 项目支出 form: a budget
block labelled 项目资金 with 年初/全年预算数, 全年执行数 and its own 分值 column, and no 年度目标 rows
(one implicit goal, PE904).

Scan limits (so a huge sheet of noise is rejected quickly, in one bounded pass):
- the indicator header must lie within the first ``HEADER_MAX_ROWS`` rows and ``HEADER_MAX_COLS``
  columns;
- the table body ends at the grade row, after ``BODY_MAX_GAP`` consecutive rows without any table
  content, or ``BODY_MAX_ROWS`` rows below the header, whichever comes first;
- after the table, ``SECOND_FORM_ROWS`` more rows are checked for a second header (finding PE902).
Measured: a 50,000 × 60 sheet of noise is rejected in about 0.05 s; 50,000 indicator-like rows
under a header are cut at ``BODY_MAX_ROWS`` in about 0.2 s.

Reader findings (PE9xx, catalogue in scoring.findings) describe layout problems; they go into
``Form.findings``:
- PE902 a second form in the same sheet (only the first is read);
- PE903 a row inside the table with figures but no 三级指标 (skipped);
- PE904 no 年度目标 rows: all indicators form one implicit goal whose points are the sum of weights;
- PE905 a 一级指标 cell whose text is not a label (e.g. a stray "50%)"), ignored;
- PE906 a row whose cells are shifted against the header and were realigned;
- PE907 no 合计/总分 row (the total cannot be written back).
- PE908 the sheet was cut at the reading limits (``Grid.clipped``, set by ``workbook.safety.clip_grid``).
A missing 分值 (PE304) and a goal title without points (PE307) are the engine's structure checks;
the reader passes such rows on with ``weight=None`` / ``points=None``. With no header at all the
reader raises ``NotAForm``.
"""
from __future__ import annotations

import re
import unicodedata
from scoring.plaindata import dataclass  # not dataclasses: see scoring.plaindata
from functools import lru_cache
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Optional

from scoring.lazy import lazy_re
from scoring.methods import compact
from scoring.placeholders import PLACEHOLDER_CHARS
from scoring.findings import make
from scoring.values import cn_number
from scoring.models import (
    Budget,
    Cells,
    Constraint,
    Finding,
    Form,
    Goal,
    Indicator,
    Level1Label,
)
from workbook.errors import NotAForm
from workbook.grid import Grid, col_letter

_letter = lru_cache(maxsize=1024)(col_letter)


def a1(row: int, col: int) -> str:
    """workbook.grid.a1 with cached column letters (called for every cell of every row)."""
    return f"{_letter(col)}{row}"


HEADER_MAX_ROWS = 200
HEADER_MAX_COLS = 60
BODY_MAX_GAP = 100
BODY_MAX_ROWS = 2000  # a real form has well under 200 rows
SECOND_FORM_ROWS = 200
_MAX_INDEXED_MERGE = 20000  # merged ranges larger than this many cells are checked linearly

ROLES = (
    "seq", "level1", "level2", "name", "weight", "description", "standard",
    "target", "actual", "score", "reason", "note",
)
REQUIRED = ("name", "weight", "target", "actual", "score")

# ---- text helpers -------------------------------------------------------------------------

_WS = lazy_re(r"[\s\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]+")  # incl. zero-width/bidi marks
_PAREN = lazy_re(r"\([^()]*\)")
_POINTS = lazy_re(r"\(\s*(?:分值|权重)?[:]?\s*(\d+(?:\.\d+)?)\s*分\s*\)")
_SHARE = lazy_re(r"权重\s*[:]?\s*(\d+(?:\.\d+)?)\s*%")
_FIGURE_POINTS = lazy_re(r"([-+]?\d+(?:\.\d+)?)(?:分|万元|元)?")
_WEIGHT_HEADER = lazy_re(r"(?:指标)?(?:分值|权重)(?:\(分\)|分)?")
_TITLE_YEAR = lazy_re(r"((?:19|20)\d{2})年")
_LABEL_END = lazy_re(r"[(\[]")
_YEAR = lazy_re(r"((?:19|20)\d{2})\s*年度")
# "填报单位：十堰市人社局（公章）  填报人…": the unit when there is no 单位名称 cell
_UNIT_FALLBACK = lazy_re(r"(?:填报单位|部门名称|单位)[:]((?:(?!\(公章\)|填报人|联系电话|填报日期|自评得分).)+)")
_CLAIMED = lazy_re(r"自评得分\s*[:]?\s*([-+]?\d+(?:\.\d+)?)")
_GOAL = lazy_re(r"^(?:年度目标|目标\s*(?=[0-9一二三四五六七八九十]))\s*([0-9]+|[一二三四五六七八九十]+)?")
_PLACEHOLDER_CHARS = set(PLACEHOLDER_CHARS + " ")
_FOREIGN = ("绩效自评表", "单位名称", "自评得分")  # words of a form's title block


def norm(value: Any) -> str:
    """Cell text for matching: NFKC (full-width -> half-width punctuation), no whitespace at all."""
    if type(value) is str:
        return _norm_str(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return _norm_str(value)
    return _WS.sub("", unicodedata.normalize("NFKC", _text(value)))


@lru_cache(maxsize=4096)
def _norm_str(value: str) -> str:  # cell texts repeat a lot (数量指标, 同上 ...)
    return _WS.sub("", unicodedata.normalize("NFKC", value.strip()))


def _text(value: Any) -> str:
    """The cell as text: integral floats without ".0", everything else via str()."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip()


def _number(value: Any) -> Optional[float]:
    """A plain number, or a numeric text such as "2", "2分", "10,072.67", "10072.67万元"."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value == value else None
    s = norm(value).replace(",", "")
    m = _FIGURE_POINTS.fullmatch(s)
    return float(m.group(1)) if m else None


def _chinese_int(s: str) -> Optional[int]:
    """Goal numbers: "3" or "三" / "十二" (the parser's reading of small Chinese numerals)."""
    return int(s) if s.isdecimal() else cn_number(s)


def _last_points(text_norm: str) -> Optional[float]:
    found = _POINTS.findall(text_norm)
    return float(found[-1]) if found else None


def is_placeholder(value: Any) -> bool:
    """"……", "…", "...", "····": a row kept for layout, not an indicator."""
    s = norm(value)
    return bool(s) and all(ch in _PLACEHOLDER_CHARS for ch in s)


@lru_cache(maxsize=4096)
def _header_role_str(s: str) -> Optional[str]:
    return _role_of(s)


def header_role(value: Any) -> Optional[str]:
    """Which indicator-table column a header cell names, or None (see ``_role_of``)."""
    if value is None or isinstance(value, (int, float)):
        return None
    return _header_role_str(norm(value))


def _role_of(s: str) -> Optional[str]:
    """Which indicator-table column a header cell names, or None.

    Parenthesised parts are dropped first, so "年初目标值（A）" and "年初\\n目标值" both read 年初目标值.
    """
    if not s:
        return None
    core = _PAREN.sub("", s) or s
    if "三级指标" in core or "指标名称" in core:
        return "name"
    if "一级指标" in core:
        return "level1"
    if "二级指标" in core:
        return "level2"
    if "偏差" in core or "原因" in core:
        return "reason"
    if core.endswith("得分") and "分值" not in core:
        return "score"
    if "实际" in core or core.endswith("完成值"):
        return "actual"
    if "目标值" in core or core.endswith("指标值"):
        return "target"
    if _WEIGHT_HEADER.fullmatch(core):
        return "weight"
    if "指标说明" in core or "指标解释" in core:
        return "description"
    if "评分标准" in core or "评分规则" in core or "计分方法" in core or "评分方法" in core:
        return "standard"
    if core in ("序号", "编号"):
        return "seq"
    if core == "备注":
        return "note"
    return None


def _budget_role(value: Any) -> Optional[str]:
    s = norm(value)
    if not s:
        return None
    if "原因" in s:
        return "reason"
    if s.startswith("分值") or s == "权重":
        return "points"  # national project form: the budget's points in their own column
    if "得分" in s:
        return "score"
    if "执行率" in s:
        return "rate"
    if "执行数" in s:
        return "executed"
    if "预算数" in s:
        return "planned"
    return None


# ---- the reader ---------------------------------------------------------------------------



_NEXT, _STOP = "next", "stop"  # what a body row tells the loop


@dataclass
class _Body:
    """What the body reader carries from row to row."""

    goal: Optional[Goal] = None
    implicit: Optional[Goal] = None  # all indicators when the form has no 年度目标 rows
    level1: str = ""
    level1_cell: Optional[str] = None
    level2: str = ""
    level2_cell: Optional[str] = None
    last_standard: str = ""
    label_key: tuple = ()
    gap: int = 0  # empty rows in a row
    seen_total: bool = False

    def blank(self, limit: int) -> str:
        self.gap += 1
        return _STOP if self.gap >= limit else _NEXT

class _Reader:
    def __init__(self, grid: Grid) -> None:
        self.g = grid
        self.findings: list[Finding] = []
        self.second_form = False
        self.phys: dict[int, Optional[int]] = {}
        self.rest_col: Optional[int] = None
        self.right_limit = HEADER_MAX_COLS + 2  # last column read; less when a form sits to the right
        self.implicit_cell: Optional[str] = None
        self._cell_letters: Optional[tuple] = None  # (cols, ((field, column letter), ...)) for _cells
        self._merge_at: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        self._big_merges: list[tuple[int, int, int, int]] = []
        for rng in grid.merged:
            r1, c1, r2, c2 = rng
            if (r2 - r1 + 1) * (c2 - c1 + 1) > _MAX_INDEXED_MERGE:
                self._big_merges.append(rng)
                continue
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    self._merge_at[(r, c)] = rng

    # -- grid access

    def merge(self, r: int, c: int) -> Optional[tuple[int, int, int, int]]:
        rng = self._merge_at.get((r, c))
        if rng is not None:
            return rng
        for r1, c1, r2, c2 in self._big_merges:
            if r1 <= r <= r2 and c1 <= c <= c2:
                return (r1, c1, r2, c2)
        return None

    def row_cells(self, r: int, max_col: int) -> list[tuple[int, Any]]:
        """Non-empty (col, value) pairs of row r, up to max_col."""
        if r < 1 or r > len(self.g.values):
            return []
        return [(c, v) for c, v in enumerate(self.g.values[r - 1][:max_col], start=1)
                if v is not None and (type(v) is not str or v.strip())]

    def finding(self, code: str, cell: Optional[str], **fields: Any) -> None:
        self.findings.append(make(code, cell, **fields))

    # -- header

    def header_at(self, r: int, max_col: int, min_col: int = 1) -> Optional[dict[str, int]]:
        """Columns of the first complete header in row r (from min_col); ``self.rest_col`` is
        where a role repeats after that header is complete (another table to the right)."""
        cols: dict[str, int] = {}
        self.rest_col = None
        for c, v in self.row_cells(r, max_col):
            if c < min_col:
                continue
            role = header_role(v)
            if not role:
                continue
            if role in cols:
                if all(k in cols for k in REQUIRED):
                    self.rest_col = c
                    break
                continue
            cols[role] = c
        if all(k in cols for k in REQUIRED):
            return cols
        return None

    def find_header(self) -> tuple[int, dict[str, int]]:
        for r in range(1, min(self.g.n_rows, HEADER_MAX_ROWS) + 1):
            cols = self.header_at(r, HEADER_MAX_COLS)
            if cols:
                rest = self.rest_col
                if rest is not None and self.header_at(r, HEADER_MAX_COLS, rest):
                    # a second form to the right: read only the first
                    self.right_limit = rest - 1
                    self.finding("PE902", a1(r, rest), row=r)
                return r, cols
        raise NotAForm(
            f"工作表「{self.g.name}」中没有找到附件2-1绩效自评表：前 {HEADER_MAX_ROWS} 行、"
            f"{HEADER_MAX_COLS} 列内没有同时包含“三级指标、分值、年初目标值、实际完成值、得分”的表头行。"
        )

    # -- above the header

    def read_above(self, form: Form, header_row: int, max_col: int, last_col: int) -> None:
        """Unit, year, header self-score and budget block: rows above the header, up to max_col;
        last_col is the table's last column (a header self-score cell is never placed beyond it)."""
        budget_label: Optional[tuple[int, int, str]] = None
        year_in_title: Optional[int] = None
        unit_fallback = ""
        for r in range(1, header_row):
            cells = self.row_cells(r, max_col)
            for i, (c, v) in enumerate(cells):
                s = norm(v)
                if form.year is None:
                    m = _YEAR.search(s)
                    if m:
                        form.year = int(m.group(1))
                    elif year_in_title is None and "自评表" in s:
                        m = _TITLE_YEAR.search(s)  # "2021年部门整体支出绩效自评表"
                        year_in_title = int(m.group(1)) if m else None
                if not unit_fallback:
                    m = _UNIT_FALLBACK.search(s)
                    if m:
                        unit_fallback = m.group(1)
                if not form.unit and "单位名称" in s:
                    after = s.split("单位名称", 1)[1].lstrip(":")
                    raw = _text(v)
                    if after:
                        form.unit = raw.split("单位名称", 1)[1].lstrip(":： \t\n") if "单位名称" in raw else after
                    elif i + 1 < len(cells):
                        form.unit = _text(cells[i + 1][1])
                if form.claimed_total_cell is None and "自评得分" in s:
                    self._claimed(form, r, c, s, cells[i + 1:], last_col)
                if budget_label is None and ("预算执行情况" in s or "项目资金" in s):
                    budget_label = (r, c, s)
        if form.year is None:
            form.year = year_in_title
        if not form.unit:
            form.unit = unit_fallback
        if budget_label is not None:
            form.budget = self.read_budget(budget_label, header_row, max_col)

    def _claimed(self, form: Form, r: int, c: int, s: str, right: list[tuple[int, Any]], max_col: int) -> None:
        m = _CLAIMED.search(s)
        if m:  # "自评得分：97" inside one (possibly combined) text cell
            form.claimed_total = float(m.group(1))
            form.claimed_total_cell = a1(r, c)
            return
        if right:
            rc, rv = right[0]
            n = _number(rv)
            if n is not None:
                form.claimed_total = n
                form.claimed_total_cell = a1(r, rc)
                return
        label_only = re.fullmatch(r"自评得分[:]?(\(分\))?", s) is not None
        if not label_only and re.search(r"自评得分[:]?$", s):
            # combined text ending in an empty "自评得分：": the number goes into the text
            form.claimed_total_cell = a1(r, c)
            return
        # a label with an empty cell to its right (inside the form's columns): the number goes there
        rng = self.merge(r, c)
        nxt = (rng[3] if rng else c) + 1
        if nxt <= max_col and self.g.get(r, nxt) in (None, "") and self.merge(r, nxt) is None:
            form.claimed_total_cell = a1(r, nxt)

    def read_budget(self, label: tuple[int, int, str], header_row: int, max_col: int) -> Budget:
        lr, lc, ls = label
        budget = Budget(points=_last_points(ls))
        hdr_row, cols = None, {}
        for r in range(lr, min(lr + 3, header_row)):
            found: dict[str, int] = {}
            for c, v in self.row_cells(r, max_col):
                role = _budget_role(v)
                if role is None:
                    continue
                if role == "planned" and "planned" in found:
                    # several 预算数 columns: prefer 全年/调整后 over 年初 (scoring_rules.md §3.6)
                    if re.search(r"全年|调整", norm(v)):
                        found["planned"] = c
                    continue
                found.setdefault(role, c)
            if "planned" in found and "executed" in found:
                hdr_row, cols = r, found
                break
        if hdr_row is None:
            return budget
        if budget.points is None and "score" in cols:
            m = re.search(r"(\d+(?:\.\d+)?)分", norm(self.g.get(hdr_row, cols["score"])))
            if m:
                budget.points = float(m.group(1))
        vr = hdr_row + 1
        if vr >= header_row:
            return budget  # no value row (seen in text extractions): values unknown
        cells = {k: a1(vr, c) for k, c in cols.items()}
        budget.cells = {k: cells.get(k) for k in ("planned", "executed", "rate", "score", "reason")}
        get = lambda k: self.g.get(vr, cols[k]) if k in cols else None  # noqa: E731
        budget.planned, budget.planned_text = _number(get("planned")), _text(get("planned"))
        budget.executed, budget.executed_text = _number(get("executed")), _text(get("executed"))
        budget.typed_rate = get("rate")
        budget.typed_score = get("score")
        budget.reason = _text(get("reason"))
        if budget.points is None:
            budget.points = _number(get("points"))
        return budget

    # -- the table body

    def realign(self, r: int, vals: dict[int, Any], cols: dict[str, int]) -> dict[int, Any]:
        """Undo two kinds of shifted rows (seen in real sheets and their extractions); PE906.

        ``self.phys`` maps a header column to where that field physically sits in this row, so the
        row's cell addresses (and the plan's writes) point at the user's cells, not at the header's.
        """
        self.phys = {}
        wc, nc, sc = cols["weight"], cols["name"], cols["score"]
        if (
            wc == nc + 1
            and _number(vals.get(wc)) is None
            and _number(vals.get(nc)) is not None
            and norm(vals.get(nc - 1))
            and not any(self.merge(r, c) for c in vals)
        ):
            # the whole row one column to the left (a vertically merged first column was lost)
            self.finding("PE906", a1(r, nc), row=r, what="的内容相对表头向左错位一列")
            self.phys = {c: c - 1 for c in cols.values()}
            return {c + 1: v for c, v in vals.items()}
        rc = cols.get("reason")
        if rc and rc == sc + 1 and cols.get("actual"):
            sv, av, nv = vals.get(sc), vals.get(cols["actual"]), vals.get(rc)
            if (
                sv is not None and _number(sv) is None and norm(sv) == norm(av)
                and _number(nv) is not None and vals.get(rc + 1) in (None, "")
            ):
                # 实际完成值 repeated into 得分, the score pushed into 偏差原因
                out = dict(vals)
                out[sc], out[rc] = nv, None
                self.phys = {sc: rc, rc: None}
                self.finding("PE906", a1(r, sc), row=r, what="的得分列重复了实际完成值、得分写在了偏差原因列")
                return out
        return vals

    def read_body(self, form: Form, header_row: int, cols: dict[str, int]) -> int:
        """Read goals, indicators, constraint, total and grade; returns the last row examined."""
        span = min(max(cols.values()) + 2, self.right_limit)
        st = _Body()
        end = min(self.g.n_rows, header_row + BODY_MAX_ROWS)
        r = header_row
        while r < end:
            r += 1
            self.phys = {}
            cells = self.row_cells(r, span)
            step = self._body_row(form, st, r, cells, cols, span) if cells else st.blank(BODY_MAX_GAP)
            if step is _STOP:
                break
        if st.implicit is not None:
            st.implicit.points = sum(i.weight for i in st.implicit.indicators if i.weight is not None)
            self.finding("PE904", self.implicit_cell, points=compact(st.implicit.points))
        if not st.seen_total:
            self.finding("PE907", None)
        return r

    def _body_row(self, form: Form, st: "_Body", r: int, cells: list, cols: dict[str, int], span: int):
        """One row of the body: a repeated header, a label row, a block row or an indicator row."""
        first_c, first_v = _lead(cells)
        first = norm(first_v)
        if header_role(self.g.get(r, cols["name"])) == "name" and self.header_at(r, span):
            st.gap = 0
            return _NEXT  # header repeated (page break)
        step = self._label_row(form, st, r, cells, cols, first_c, first)
        if step is not None:
            return step
        if st.seen_total:
            return st.blank(10)
        step = self._block_row(form, st, r, cells, cols, first_c, first_v, first)
        if step is not None:
            return step
        return self._indicator_row(form, st, r, cells, cols, first_c)

    def _label_row(self, form: Form, st: "_Body", r: int, cells: list, cols: dict[str, int], first_c: int,
                   first: str):
        """Another form's title block (stop), 合计, 小计 and 评价等级 rows; None for other rows."""
        g, name_c, score_c = self.g, cols["name"], cols["score"]
        if _number(g.get(r, cols["weight"])) is None and any(
                m in t for t in (norm(v) for _, v in cells if isinstance(v, str)) for m in _FOREIGN):
            self.finding("PE902", a1(r, first_c), row=r)
            self.second_form = True
            return _STOP
        if not (first_c < name_c or not norm(g.get(r, name_c))):
            return None
        if not (_TOTAL_ROW.match(first) or first.startswith("小计") or _GRADE_ROW.match(first)):
            return None
        free = self._free(r, score_c, first_c)
        if _TOTAL_ROW.match(first):
            form.typed_total = g.get(r, score_c) if free else None
            form.total_cell = a1(r, score_c) if free else None
            st.seen_total, st.gap = True, 0
            return _NEXT
        if first.startswith("小计"):
            # a goal's subtotal on its own row (when the title row has no room for it)
            target_goal = st.goal or st.implicit
            if target_goal is not None and target_goal.subtotal_cell is None and free:
                target_goal.subtotal_cell = a1(r, score_c)
                target_goal.typed_subtotal = g.get(r, score_c)
            st.gap = 0
            return _NEXT
        if _GRADE_ROW.match(first):
            form.grade_cell = a1(r, score_c) if free else None
            return _STOP
        return None

    def _block_row(self, form: Form, st: "_Body", r: int, cells: list, cols: dict[str, int], first_c: int,
                   first_v: Any, first: str):
        """The constraint row and goal title rows; None for other rows."""
        name_c = cols["name"]
        if any("约束性指标" in norm(v) for c, v in cells if c <= name_c and isinstance(v, str)):
            form.constraint = self._constraint(r, cells, cols)
            st.gap = 0
            return _NEXT
        gm = _GOAL.match(first)
        if gm and (first_c < name_c or _number(self.g.get(r, cols["weight"])) is None):
            st.goal = self._goal(r, first_c, first_v, first, gm, cols["score"])
            form.goals.append(st.goal)
            st.level2, st.level2_cell = "", None
            st.gap = 0
            return _NEXT
        return None

    def _indicator_row(self, form: Form, st: "_Body", r: int, cells: list, cols: dict[str, int], first_c: int):
        name_c = cols["name"]
        vals = self.realign(r, dict(cells), cols)
        self._levels(form, st, r, vals, cols)
        name_v = vals.get(name_c)
        if not norm(name_v) and (_number(vals.get(cols["weight"])) is not None
                                 or _number(vals.get(cols["score"])) is not None):
            # figures without a 三级指标: cannot be scored
            text = " ".join(_text(x) for _, x in sorted(vals.items()))[:40]
            self.finding("PE903", a1(r, first_c), row=r, text=text)
        if not norm(name_v) or is_placeholder(name_v):
            l1_c = cols.get("level1")
            if l1_c and vals.get(l1_c):
                st.gap = 0
                return _NEXT
            return st.blank(BODY_MAX_GAP)
        st.gap = 0
        if st.goal is None and st.implicit is None:
            st.implicit = self._implicit(form, r, name_c)
        ind = self._indicator(r, vals, cols, st.level1, st.level1_cell, st.level2, st.level2_cell, st.last_standard)
        if ind.standard:
            st.last_standard = ind.standard
        (st.goal or st.implicit).indicators.append(ind)
        return _NEXT

    def _levels(self, form: Form, st: "_Body", r: int, vals: dict, cols: dict[str, int]) -> None:
        """一级 / 二级 labels fill down; the same 一级 text repeated on every row is a fill, not a new label."""
        l1_c, l2_c, name_c = cols.get("level1"), cols.get("level2"), cols["name"]
        if l1_c is not None and norm(vals.get(l1_c)):
            t = vals[l1_c]
            label = _parse_label(t, self.addr(r, l1_c))
            current = st.goal or st.implicit
            if label is None:
                self.finding("PE905", self.addr(r, l1_c), text=_text(t), level1=st.level1 or "（无）")
            elif not (st.label_key == (norm(t), id(current)) and current is not None):
                st.level1, st.level1_cell, st.level2, st.level2_cell = label.name, label.cell, "", None
                if current is None and norm(vals.get(name_c)) and not is_placeholder(vals.get(name_c)):
                    st.implicit = current = self._implicit(form, r, name_c)
                if current is not None:
                    current.labels.append(label)
                st.label_key = (norm(t), id(current))
        if l2_c is not None and norm(vals.get(l2_c)) and not is_placeholder(vals.get(l2_c)):
            st.level2, st.level2_cell = _text(vals[l2_c]), self.addr(r, l2_c)

    def _free(self, r: int, c: int, label_c: int) -> bool:
        """Cell (r, c) is not covered by the label's merged range nor by another merge."""
        if c == label_c:
            return False
        rng = self.merge(r, c)
        return rng is None or (rng[0], rng[1]) == (r, c)

    def _implicit(self, form: Form, r: int, name_c: int) -> Goal:
        goal = Goal(title="全部指标（未设年度目标）", points=None)
        form.goals.append(goal)
        self.implicit_cell = a1(r, name_c)
        return goal

    def _goal(self, r: int, c: int, v: Any, s: str, m: re.Match, score_c: int) -> Goal:
        number = _chinese_int(m.group(1)) if m.group(1) else None
        points = _last_points(s)
        subtotal_cell, typed = None, None
        title_rng = self.merge(r, c)
        covered = title_rng is not None and title_rng[1] <= score_c <= title_rng[3]
        here = self.g.get(r, score_c)
        used = norm(here) != "" and _number(here) is None  # text there (a note, a label): not ours
        if not covered and not used and self._free(r, score_c, c):
            subtotal_cell = a1(r, score_c)
            typed = here
        return Goal(number=number, title=_text(v), points=points, cell=a1(r, c),
                    subtotal_cell=subtotal_cell, typed_subtotal=typed)

    def _constraint(self, r: int, cells: list[tuple[int, Any]], cols: dict[str, int]) -> Constraint:
        get = lambda role: self.g.get(r, cols[role]) if role in cols else None  # noqa: E731
        name = ""
        for c, v in cells:
            t = norm(v)
            if t and "约束性指标" not in t and c <= cols["name"]:
                name = _text(v)
        return Constraint(
            name=name or "资金管理",
            description=_text(get("description")),
            actual=_text(get("actual")),
            typed_score=get("score"),
            reason=_text(get("reason")),
            cells=self._cells(r, cols),
        )

    def addr(self, r: int, c: int) -> Optional[str]:
        """A1 of where header column c's field sits in row r (see ``realign``)."""
        p = self.phys.get(c, c)
        return None if p is None else a1(r, p)

    def _cells(self, r: int, cols: dict[str, int]) -> Cells:
        if self.phys:
            return Cells.built({k: self.addr(r, c) for k, c in cols.items() if k in _CELL_FIELDS})
        known = self._cell_letters
        if known is None or known[0] is not cols:  # the column letters of a header, found once
            known = self._cell_letters = (cols, tuple((k, _letter(c)) for k, c in cols.items() if k in _CELL_FIELDS))
        row = str(r)
        return Cells.built({k: letter + row for k, letter in known[1]})

    def _indicator(self, r, vals, cols, level1, level1_cell, level2, level2_cell, last_standard) -> Indicator:
        col, get = cols.get, vals.get  # get(col(role)): None for a role the header lacks
        std_c = col("standard")
        standard = _text(get(std_c))
        if not standard and std_c is not None:
            rng = self.merge(r, std_c)  # a standard merged down over several rows
            if rng is not None and rng[0] < r:
                standard = _text(self.g.get(rng[0], rng[1]))
        if norm(standard) in ("同上", "同上。"):
            standard = last_standard
        wv = get(col("weight"))
        cells = self._cells(r, cols)
        if level1_cell:
            cells.level1 = level1_cell
        if level2_cell:
            cells.level2 = level2_cell
        return Indicator.built(dict(
            level1=level1, level2=level2, name=_text(get(col("name"))), weight=_number(wv), weight_text=_text(wv),
            description=_text(get(col("description"))), standard=standard,
            target=_text(get(col("target"))), actual=_text(get(col("actual"))),
            typed_score=get(col("score")), reason=_text(get(col("reason"))), cells=cells,
        ))


# Looked up once: pydantic's class attribute ``model_fields`` is slow to reach per row.
_CELL_FIELDS = frozenset(Cells.model_fields)

_SEQ = lazy_re(r"^\(?[0-9一二三四五六七八九十]+[).、]?$")
# Precompiled: matched against the first cell of every body row.
_TOTAL_ROW = lazy_re(r"^(合计|总分|总计)")
_GRADE_ROW = lazy_re(r"^(评价等级|绩效等级|等级|评级)")


def _lead(cells: list[tuple[int, Any]]) -> tuple[int, Any]:
    """The row's first meaningful cell: a leading sequence number ("1", "一", "（二）") is skipped."""
    if len(cells) > 1:
        v = cells[0][1]
        if (isinstance(v, (int, float)) and not isinstance(v, bool)) or _SEQ.match(norm(v)):
            return cells[1]
    return cells[0]


def _parse_label(value: Any, cell: str) -> Optional[Level1Label]:
    """"产出指标（分值权重50%）" -> Level1Label(name="产出指标", share=0.5); None if not a label."""
    s = norm(value)
    name = _LABEL_END.split(s, 1)[0]
    if "指标" not in name:
        return None
    m = _SHARE.search(s)
    share = float(m.group(1)) / 100 if m else None
    return Level1Label(name=name, share=share, text=_text(value), cell=cell)


def read_form(grid: Grid) -> Form:
    """Read the 附件2-1 form of one sheet; raises ``NotAForm`` when there is no indicator table."""
    reader = _Reader(grid)
    header_row, cols = reader.find_header()
    form = Form(sheet=grid.name)
    last_col = max(cols.values())
    reader.read_above(form, header_row, min(max(last_col + 2, 12), reader.right_limit), last_col)
    last = reader.read_body(form, header_row, cols)
    for r in range(last + 1, min(grid.n_rows, last + SECOND_FORM_ROWS) + 1):
        if reader.second_form:
            break
        if reader.header_at(r, reader.right_limit):
            # point at where the second form starts (its title rows), not at its header
            start = next((x for x in range(last + 1, r) if any(
                w in norm(v) for _, v in reader.row_cells(x, reader.right_limit) for w in _FOREIGN + ("附件2",)
            )), r)
            c = reader.row_cells(start, reader.right_limit)[0][0]
            reader.finding("PE902", a1(start, c), row=start)
            break
    if grid.clipped:
        # the adapter read only part of a huge sheet (workbook.safety.clip_grid): say so, or a form
        # cut at the limit would be scored as if it were complete
        rows, cols = grid.clipped
        limit = "、".join(([f"{rows - 1} 行"] if rows else []) + ([f"{cols - 1} 列"] if cols else []))
        rest = "、".join(([f"第 {rows} 行起"] if rows else []) + ([f"{col_letter(cols)} 列起"] if cols else []))
        reader.finding("PE908", a1(1, cols) if cols else a1(rows, 1), limit=limit, rest=rest)
    form.findings = reader.findings
    return form
