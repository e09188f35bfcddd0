"""Recognise a sheet's family, build the reading view the reader reads, and tidy what it read.

The reading view is a copy of the sheet's values in which
- the family's words are replaced by the words the reader knows (``[vocabulary]``: 资金情况 → 项目资金,
  执行率权重 → 分值 ...), in label cells only;
- a target split over 指标性质 / 指标值 / 度量单位 (one header row or two) is put together in the
  target column ("≤" "30" "万元" → "≤30万元"), and a bare actual gets the unit of its row;
- a filled 调整指标值 replaces the 年初指标值 it adjusts;
- template placeholder rows (指标1：, "/", 其中… breakdowns without points) lose their name, so
  they are not read as indicators (one info finding PE918 per block says so);
- a funds block whose 年度资金总额 row is all zeros beside a filled 其中：财政拨款 row is read from the
  filled row (finding PE912).
Cell addresses do not move: every finding still points at the user's cell.
"""
from __future__ import annotations

import re

from scoring.lazy import compiled
from scoring.plaindata import dataclass, field  # not dataclasses: see scoring.plaindata
from functools import lru_cache
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Optional, Union

from scoring.findings import make
from scoring.formatting import compact
from scoring.models import Finding, Form, Method, Result
from scoring.profiles import Profile, load_profile
from scoring.placeholders import only_placeholders
from scoring.readings import is_blank
from scoring.values import parse_value
from workbook.grid import Grid, a1
from workbook.layout import HEADER_MAX_COLS, HEADER_MAX_ROWS, header_role, is_placeholder, norm

from .data import DEFAULT_FAMILY, Family, families, family, family_words, traditional

SCAN_ROWS = 80  # recognition reads the words of the first rows (title, funds block, header)
SCAN_COLS = 30
_WS = compiled(r"\s+")
_COMPARATORS = {"≥": "≥", ">=": "≥", ">": ">", "≤": "≤", "<=": "≤", "<": "<", "=": "=", "==": "="}
_PLACEHOLDER_NAME = compiled(r"^(?:指标\s*[\dLlI|]+\s*[:：]?|/+|-+|—+|无|\d+[.、]?)$")
_NUMBERISH = compiled(r"^[-+]?\d+(?:\.\d+)?$")
_PLANNED_WORDS = compiled(r"全年|调整")
_FROM_PAREN = compiled(r"[(（].*$")
_FIGURE_CHARS = compiled(r"[\d.%年月日天个次万元亿≥≤><=]+")


_norm = norm  # one normalisation of cell text for the layout reader and the families


@dataclass
class Reading:
    """What the pipeline needs to read one sheet: the view, the family and the profile."""

    grid: Grid  # the reading view (same size and addresses as the sheet)
    source: Grid  # the sheet as read
    family: Family
    profile: Profile
    chosen: bool  # True: the profile was chosen from the form (no --profile given)
    evidence: list[str] = field(default_factory=list)  # the words that made the family
    findings: list[Finding] = field(default_factory=list)  # reading findings of the family layer
    budget_initial: Optional[float] = None  # 年初预算数 of the row the budget was read from
    budget_initial_cell: Optional[str] = None
    placeholder_rows: list[int] = field(default_factory=list)
    header: Optional[tuple[int, dict[str, int]]] = None  # indicator header row and its columns (view)
    implicit_weights: Optional[str] = None  # the name header's cell when the form prints no 分值 column
    leading_goal: Optional[tuple[str, str]] = None  # a goal title above the header: (text, cell)
    status: str = "scored"  # "scored" or "unscored" (未评分: no score typed anywhere)

    @property
    def why(self) -> str:
        """Chinese: which family and profile, and why."""
        if not self.chosen:
            return f"按指定的评分方案“{self.profile.name}”评分（表格式样：{self.family.title}）。"
        if self.evidence:
            words = "、".join(f"“{w}”" for w in self.evidence[:4])
            return f"按表格式样“{self.family.title}”选用评分方案“{self.profile.name}”（表中有 {words}）。"
        return f"未识别出其他式样，按默认的“{self.family.title}”选用评分方案“{self.profile.name}”。"


# ---- recognition -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _traditional_re() -> re.Pattern:
    return compiled("[" + re.escape("".join(chr(k) for k in traditional())) + "]")


def _warm_patterns() -> None:
    """``python -m scoring.lazy`` caches the pattern built from the family data too."""
    _traditional_re()


def _scanned(grid: Grid) -> list[str]:
    """The texts recognition reads: every string in the first SCAN_ROWS rows and SCAN_COLS columns."""
    return [v for row in grid.values[:SCAN_ROWS] for v in row[:SCAN_COLS] if isinstance(v, str)]


def _blob(texts: list[str], trad: bool) -> str:
    """The texts normalised by ``_norm`` (NFKC, no whitespace), one a line, simplified when traditional."""
    blob = "\n".join(norm(t) for t in texts if t.strip())
    return blob.translate(traditional()) if trad else blob


def _has_traditional(texts: list[str]) -> bool:
    return _traditional_re().search("\0".join(texts)) is not None


def _is_traditional(grid: Grid) -> bool:
    return _has_traditional(_scanned(grid))


def recognise(grid: Grid, trad: Optional[bool] = None) -> tuple[Family, list[str]]:
    """The family whose words the sheet shows most (at least its ``min_score``), else the default."""
    texts = _scanned(grid)
    return _recognise(_blob(texts, _has_traditional(texts) if trad is None else trad))


def _recognise(blob: str) -> tuple[Family, list[str]]:
    shown = {w for w in family_words() if w in blob}  # each word looked for once
    best: Optional[tuple[float, int, Family, list[str]]] = None
    for fam in families():
        hits = [w for w, _ in fam.words if w in shown]
        score = sum(p for w, p in fam.words if w in shown)
        if score < fam.min_score or score <= 0:
            continue
        key = (score, -fam.order)
        if best is None or key > (best[0], best[1]):
            best = (score, -fam.order, fam, hits)
    if best is None:
        return family(DEFAULT_FAMILY), []
    return best[2], best[3]


def prepare(grid: Grid, profile: Union[str, Profile, None] = None) -> Reading:
    """Recognise the family and build the reading view; ``profile=None`` chooses it from the form."""
    texts = _scanned(grid)
    trad = _has_traditional(texts)
    fam, evidence = _recognise(_blob(texts, trad))
    chosen = profile in (None, "", "auto")
    prof = load_profile(fam.profile if chosen else profile)
    reading = Reading(grid=grid, source=grid, family=fam, profile=prof, chosen=chosen, evidence=evidence)
    reading.grid = _view(grid, fam, reading, trad)
    return reading


# ---- the reading view ------------------------------------------------------------------------


class _View:
    def __init__(self, grid: Grid) -> None:
        self.values = [list(r) for r in grid.values]
        self.merged = grid.merged

    def get(self, r: int, c: int) -> Any:
        if r < 1 or c < 1 or r > len(self.values):
            return None
        row = self.values[r - 1]
        return row[c - 1] if c <= len(row) else None

    def set(self, r: int, c: int, v: Any) -> None:
        row = self.values[r - 1]
        if c > len(row):
            row.extend([None] * (c - len(row)))
        row[c - 1] = v


def _row_roles(v: _View, r: int) -> dict[str, int]:
    """Header role -> first column naming it, in row ``r`` (roles as ``layout.header_role`` reads them)."""
    roles: dict[str, int] = {}
    for c, val in enumerate(v.values[r - 1][:HEADER_MAX_COLS], start=1):
        role = header_role(val) if isinstance(val, str) else None
        if role and role not in roles:
            roles[role] = c
    return roles


def _header_row(v: _View, scores_only: bool = False, no_weight: bool = False) -> Optional[tuple[int, dict[str, int]]]:
    """The indicator header: the first row naming 三级指标/指标名称, 分值/权重 and 得分."""
    for r in range(1, min(len(v.values), HEADER_MAX_ROWS) + 1):
        roles = _row_roles(v, r)
        need = {"name", "score"} if no_weight else {"name", "weight", "score"}
        if need <= set(roles) and ("target" in roles or "actual" in roles or scores_only):
            return r, roles
    return None


def _view(grid: Grid, fam: Family, reading: Reading, trad: bool = False) -> Grid:
    v = _View(grid)
    if trad:
        _simplify(v)
    _instructions(v, reading)
    _vocabulary(v, fam)
    found = _header_row(v, fam.scores_only)
    if found is None:
        _two_row_header(v)
        found = _header_row(v, fam.scores_only)
    if found is None and fam.scores_only:
        bare = _header_row(v, True, no_weight=True)
        if bare and "weight" not in bare[1] and _label_weight_column(v, *bare):
            found = _header_row(v, True)
    if found and fam.scores_only and not {"target", "actual"} & set(found[1]):
        _fold_level_points(v, *found)
        found = _header_row(v, True)
        _virtual_columns(v, *found)
        found = _header_row(v)
    if found is None and fam.implicit_weights:
        bare = _header_row(v, no_weight=True)
        if bare and "weight" not in bare[1]:
            _implicit_weight_column(v, *bare, reading)
            found = _header_row(v)
    if found is None:
        goals_only = _goals_only_header(v)
        if goals_only:
            _unscored_columns(v, *goals_only, reading)
            found = _header_row(v)
    if found:
        hr, roles = found
        reading.header = (hr, dict(roles))
        _leading_goal(v, hr, reading)
        _split_targets(v, hr, roles)
        _adjusted_targets(v, hr, roles)
        _level1_names(v, hr, roles, fam)
        _placeholders(v, hr, roles, fam, reading)
        _units(v, hr, roles, fam)
        _budget_rows(v, hr, reading)
    return Grid(name=grid.name, values=v.values, merged=grid.merged, formulas=grid.formulas, clipped=grid.clipped)


def _fold_level_points(v: _View, hr: int, roles: dict[str, int]) -> None:
    """一级/二级 labels with their own 分值 column (一级指标 | 分值 | 二级指标 | 分值 | 三级指标 | 分值 | 得分):
    the points go into the label, "项目决策（20分）", so the 三级 分值 is the indicators' weight and the
    label sums are checked (PE919)."""
    row = v.values[hr - 1]
    for c, val in enumerate(row, start=1):
        if not isinstance(val, str) or header_role(val) not in ("level1", "level2"):
            continue
        pc = c + 1
        if header_role(v.get(hr, pc)) != "weight":
            continue
        for r in range(hr + 1, len(v.values) + 1):
            label, points = v.get(r, c), v.get(r, pc)
            if isinstance(label, str) and _norm(label) and _is_num(points):
                v.set(r, c, f"{_norm(label)}（{_fmt(_num(points))}分）")
            v.set(r, pc, None)
        v.set(hr, pc, None)


_NAME_POINTS = compiled(r"^(.*?)[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]$")


def _label_weight_column(v: _View, hr: int, roles: dict[str, int]) -> bool:
    """No 分值 column, the points written after each 三级 name (四川 得分表: 相关性(5分)): a 分值 column
    right of the table gets them, and the name keeps its words. False (nothing changed) when no
    row carries its points this way."""
    name_c = roles["name"]
    rows = []
    for r in range(hr + 1, len(v.values) + 1):
        m = _NAME_POINTS.match(_norm(v.get(r, name_c)))
        if m and m.group(1):
            rows.append((r, m.group(1), float(m.group(2))))
    if not rows:
        return False
    last = max(len(v.values[hr - 1]), max(roles.values())) + 1
    v.set(hr, last, "分值")
    for r, name, points in rows:
        v.set(r, name_c, name)
        v.set(r, last, points)
    return True


def _implicit_weight_column(v: _View, hr: int, roles: dict[str, int], reading: Reading) -> None:
    """No 分值 column (湖北项目表): an empty one right of the table lets the reader read the rows; their
    typed scores are kept and PE920 says the points are implicit. Every repeated header row gets it too."""
    last = max(len(v.values[hr - 1]), max(roles.values())) + 1
    name_c = roles["name"]
    for r in range(hr, len(v.values) + 1):
        if r == hr or header_role(v.get(r, name_c)) == "name":
            v.set(r, last, "分值")
    reading.implicit_weights = a1(hr, name_c)


def _goals_only_header(v: _View) -> Optional[tuple[int, dict[str, int]]]:
    """A 绩效目标自评表 that prints neither 分值 nor 得分: 三级指标 / 年度指标值 / 全年完成值 only."""
    for r in range(1, min(len(v.values), HEADER_MAX_ROWS) + 1):
        roles = _row_roles(v, r)
        if {"name", "target", "actual"} <= set(roles) and not {"weight", "score"} & set(roles):
            return r, roles
    return None


def _unscored_columns(v: _View, hr: int, roles: dict[str, int], reading: Reading) -> None:
    """No 分值 and no 得分 column: empty ones right of the table let the reader read the rows; the form
    is then 未评分 (PE913) with its other checks, and PE920 says the points are not printed."""
    last = max(len(v.values[hr - 1]), max(roles.values()))
    v.set(hr, last + 1, "分值")
    v.set(hr, last + 2, "得分")
    reading.implicit_weights = a1(hr, roles["name"])


_GOAL_TITLE = compiled(r"^年度目标\s*[0-9一二三四五六七八九十]+")


def _leading_goal(v: _View, hr: int, reading: Reading) -> None:
    """A goal title printed above its own header row (年度绩效目标1（40分） then 一级指标 …): the reader
    starts after the header, so the title is kept here and given to the rows below it (after_read)."""
    for r in (hr - 1, hr - 2):
        for c, x in enumerate(v.values[r - 1] if r >= 1 else [], start=1):
            if isinstance(x, str) and _GOAL_TITLE.match(_norm(x)):
                reading.leading_goal = (x, a1(r, c))
                return


def _virtual_columns(v: _View, hr: int, roles: dict[str, int]) -> None:
    """A 评分表 has no target and actual: two empty columns right of the table stand for them, so the
    reader reads its rows (their scores are kept as typed; nothing is computed from targets)."""
    last = max(len(v.values[hr - 1]), max(roles.values()))
    v.set(hr, last + 1, "年度指标值")
    v.set(hr, last + 2, "实际完成值")


def _simplify(v: _View) -> None:
    """Traditional characters (and the small-form ﹦﹤﹥) read as the simplified words they are."""
    table = traditional()
    for row in v.values:
        for c, val in enumerate(row):
            if isinstance(val, str):
                row[c] = val.translate(table)


def _two_row_header(v: _View) -> None:
    """A header printed on two rows (绩效指标 / 年度指标值 above, 一级/二级/三级指标 and 指标性质 /
    指标值 / 度量单位 below): the names of the lower row move up where the upper row is empty or
    merged over them, so the reader finds one header row. The lower row stays for ``_split_targets``."""
    for r in range(1, min(len(v.values), HEADER_MAX_ROWS)):
        upper = {header_role(x) for x in v.values[r - 1] if isinstance(x, str)}
        if not ({"weight", "score"} <= upper and ({"target", "actual"} & upper)) or "name" in upper:
            continue
        lower = v.values[r]
        if not any(isinstance(x, str) and header_role(x) == "name" for x in lower):
            continue
        for c, x in enumerate(lower, start=1):
            if not isinstance(x, str) or header_role(x) not in ("name", "level1", "level2", "seq"):
                continue
            above = v.get(r, c)
            covered = any(r1 <= r <= r2 and c1 <= c <= c2 for r1, c1, r2, c2 in v.merged)
            if above is None or covered and header_role(above) not in ("target", "actual", "weight", "score"):
                v.set(r, c, x)
                v.set(r + 1, c, None)
        return


# Template instructions left in an answer cell: "对照年度目标，说明……（100字以内）".
_INSTRUCTION = compiled(r"^(?:对照|结合|针对|简要|请|填写|说明).*[(（]\d+字以内[)）][。.]?$")


def _instructions(v: _View, reading: Reading) -> None:
    cells = [(r, c) for r, row in enumerate(v.values, start=1) for c, val in enumerate(row, start=1)
             if isinstance(val, str) and "字以内" in val and _INSTRUCTION.match(_norm(val))]
    if cells:
        r, c = cells[0]
        reading.findings.append(make("PE917", a1(r, c), count=len(cells),
                                     cells="、".join(a1(*x) for x in cells[:6]) + ("……" if len(cells) > 6 else "")))


def _vocabulary(v: _View, fam: Family) -> None:
    if not fam.vocabulary:
        return
    for r, row in enumerate(v.values, start=1):
        for c, val in enumerate(row, start=1):
            if not isinstance(val, str) or len(val) > 40:
                continue
            s = _norm(val)
            new = s
            for old, to in fam.vocabulary:
                if old in new and to not in new:
                    new = new.replace(old, to)
            if new != s:
                row[c - 1] = new


def _find(v: _View, r: int, words: tuple[str, ...]) -> Optional[int]:
    for c, val in enumerate(v.values[r - 1] if 0 < r <= len(v.values) else [], start=1):
        s = _norm(val) if isinstance(val, str) else ""
        if s and any(s.startswith(w) for w in words):
            return c
    return None


def _split_targets(v: _View, hr: int, roles: dict[str, int]) -> None:
    """指标性质 / 指标值 / 度量单位 (in the header row, or in a second header row under a merged
    年度指标值): put the three together in the column the reader takes as the target."""
    tc = roles.get("target")
    for sub in (hr, hr + 1):
        cmp_c = _find(v, sub, ("指标性质",))
        unit_c = _find(v, sub, ("度量单位", "计量单位"))
        if cmp_c is None or (unit_c is None and sub == hr + 1):
            continue
        val_c = _find(v, sub, ("指标值",)) if sub == hr + 1 else tc
        if val_c is None:
            continue
        dest = tc if tc is not None else val_c
        first = hr + 1
        if sub == hr + 1:
            for c in range(1, len(v.values[sub - 1]) + 1):
                v.set(sub, c, None)  # the second header row is not a body row
            first = hr + 2
        act_c = roles.get("actual")
        for r in range(first, len(v.values) + 1):
            val = v.get(r, val_c)
            if _norm(val) == "":
                continue
            comp = _COMPARATORS.get(_norm(v.get(r, cmp_c)), "")
            if not comp and "反向" in _norm(v.get(r, cmp_c)):
                comp = "≤"
            unit = _norm(v.get(r, unit_c)) if unit_c else ""
            text = _norm(val)
            number = _NUMBERISH.match(text) is not None
            joined = comp + text + (unit if number else "")
            v.set(r, cmp_c, None)
            if val_c != dest:
                v.set(r, val_c, None)
            v.set(r, dest, joined)
            if unit_c and unit_c not in (dest, act_c):
                v.set(r, unit_c, None)
            if act_c and unit:
                a = v.get(r, act_c)
                if a is not None and _NUMBERISH.match(_norm(a)):
                    v.set(r, act_c, _norm(a) + unit)
        return


def _adjusted_targets(v: _View, hr: int, roles: dict[str, int]) -> None:
    """A filled 调整指标值 replaces the 年初指标值 (the reader takes the first target column)."""
    tc = roles.get("target")
    if tc is None:
        return
    adj = None
    for c, val in enumerate(v.values[hr - 1], start=1):
        s = _norm(val) if isinstance(val, str) else ""
        if c != tc and "调整" in s and header_role(val) == "target":
            adj = c
    if adj is None:
        return
    for r in range(hr + 1, len(v.values) + 1):
        a = v.get(r, adj)
        if _norm(a):
            v.set(r, tc, a)


def _level1_names(v: _View, hr: int, roles: dict[str, int], fam: Family) -> None:
    """一级 labels the layout words its own way (项目产出（30分）): read as the 一级指标 they are (产出指标（30分）)."""
    c = roles.get("level1")
    if c is None or not fam.level1_names:
        return
    for r in range(hr + 1, len(v.values) + 1):
        s = _norm(v.get(r, c))
        for old, new in fam.level1_names:
            if s.startswith(old) and not s.startswith(new):
                v.set(r, c, new + s[len(old):])
                break


def _placeholders(v: _View, hr: int, roles: dict[str, int], fam: Family, reading: Reading) -> None:
    """Template rows are not indicators: "指标1：", "/", "……", and 其中… breakdowns without points."""
    nc, wc, sc = roles["name"], roles["weight"], roles["score"]
    weighted: Optional[bool] = None  # some row below the header has points (looked up when first needed)
    for r in range(hr + 1, len(v.values) + 1):
        name = v.get(r, nc)
        s = _norm(name)
        if not s:
            continue
        if _total_row(v, r, nc):
            break
        no_figures = not _is_num(v.get(r, wc)) and not _is_num(v.get(r, sc))
        # only a row without figures can be template residue, a 其中… detail or an unchosen option
        residue = no_figures and (_PLACEHOLDER_NAME.match(s) is not None or is_placeholder(name)) and (
            _rest_blank(v, r, nc))
        detail = no_figures and any(s.startswith(p) for p in fam.detail_prefixes)
        if detail and weighted is None:
            weighted = any(_is_num(v.get(x, wc)) for x in range(hr + 1, len(v.values) + 1))
        detail = detail and bool(weighted)
        unchosen = no_figures and (any(m in s for m in fam.optional_marks) or s in fam.template_names)
        if residue or detail or unchosen:
            v.set(r, nc, None)
            reading.placeholder_rows.append(r)
    if reading.placeholder_rows:
        rows = reading.placeholder_rows
        reading.findings.append(make(
            "PE918", a1(rows[0], nc), count=len(rows),
            rows="、".join(str(r) for r in rows[:6]) + ("……" if len(rows) > 6 else "")))


def _rest_blank(v: _View, r: int, nc: int) -> bool:
    """Nothing of substance right of the name: a bare "2" there with text beside it is a row shifted
    one column left by text extraction (the reader realigns it, PE906), not template residue."""
    width = max((len(row) for row in v.values), default=0)
    for c in range(nc + 1, width + 1):
        s = _norm(v.get(r, c))
        if s and _PLACEHOLDER_NAME.match(s) is None and not is_placeholder(s):
            return False
    return True


def _total_row(v: _View, r: int, nc: int) -> bool:
    row = v.values[r - 1] if 0 < r <= len(v.values) else []
    # only a text can read 合计 (a number, a date or a blank never does)
    return any(type(x) is str and norm(x).startswith(("合计", "总分", "总计")) for x in row[:nc])


def _is_num(x: Any) -> bool:
    return _num(x) is not None


def _units(v: _View, hr: int, roles: dict[str, int], fam: Family) -> None:
    if not fam.units:
        return
    for role in ("target", "actual"):
        c = roles.get(role)
        if c is None:
            continue
        for r in range(hr + 1, len(v.values) + 1):
            val = v.get(r, c)
            if isinstance(val, str):
                s = _norm(val)
                for old, to in fam.units:
                    s = s.replace(old, to)
                if s != _norm(val):
                    v.set(r, c, s)


_BUDGET_BLOCK = ("预算执行情况", "项目资金")


def _budget_rows(v: _View, hr: int, reading: Reading) -> None:
    """A 年度资金总额 row of zeros (or blanks) beside a filled 其中：财政拨款 row: read the filled row."""
    r = next((r for r in range(1, hr) if any(any(w in _norm(x) for w in _BUDGET_BLOCK)
                                             for x in v.values[r - 1] if isinstance(x, str))), None)
    head = None if r is None else _budget_head(v, r, hr)
    if head is None:
        return
    h, cols = head
    planned_c = cols["planned_cols"][-1]
    for c in cols["planned_cols"]:
        if _PLANNED_WORDS.search(_norm(v.get(h, c))):
            planned_c = c
    first = h + 1
    if first >= hr:
        return
    _budget_score_repeated(v, h, first, hr, reading)
    _budget_from_detail_row(v, first, hr, (planned_c, cols["executed"], cols.get("initial")), reading)


def _budget_head(v: _View, r: int, hr: int) -> Optional[tuple[int, dict]]:
    """The funds block's header row (from ``r``, within 3 rows): its 执行数 and 预算数 columns."""
    for h in range(r, min(r + 3, hr)):
        cols: dict = {}
        for c, x in enumerate(v.values[h - 1], start=1):
            s = _norm(x) if isinstance(x, str) else ""
            if "执行数" in s:
                cols["executed"] = c
            elif "预算" in s and "数" in s and "年度预算数" not in s:
                if "年初" in s:
                    cols["initial"] = c
                cols.setdefault("planned_cols", []).append(c)
        if "executed" in cols and cols.get("planned_cols"):
            return h, cols
    return None


def _budget_score_repeated(v: _View, h: int, first: int, hr: int, reading: Reading) -> None:
    """PE916: the budget score typed again on a row below the total row (it counts once)."""
    score_c = next((c for c, x in enumerate(v.values[h - 1], start=1)
                    if isinstance(x, str) and "得分" in _norm(x)), None)
    if score_c is None:
        return
    for row in range(first + 1, min(first + 5, hr)):
        x = v.get(row, score_c)
        if _is_num(x) and not any(isinstance(y, str) and "总体目标" in _norm(y) for y in v.values[row - 1]):
            label = next((_norm(y) for y in v.values[row - 1] if isinstance(y, str) and _norm(y)), f"第 {row} 行")
            reading.findings.append(make(
                "PE916", a1(row, score_c),
                what=f"在第 {row} 行“{label}”又填了一次（{_fmt(_num(x))} 分）；预算执行只在合计行计一次，请删去"))


def _budget_from_detail_row(v: _View, first: int, hr: int, cols: tuple[int, int, Optional[int]],
                            reading: Reading) -> None:
    """The total row ``first`` has no figures: take them from the first 其中 row below with both (PE912)."""
    planned_c, exec_c, init_c = cols

    def nums(row: int) -> list[Optional[float]]:
        return [_num(v.get(row, c)) for c in (planned_c, exec_c)]

    reading.budget_initial = _num(v.get(first, init_c)) if init_c else None
    reading.budget_initial_cell = a1(first, init_c) if init_c else None
    if any(n for n in nums(first)):
        return
    for alt in range(first + 1, min(first + 4, hr)):
        if all(n for n in nums(alt)):
            for c in (planned_c, exec_c) + ((init_c,) if init_c else ()):
                v.set(first, c, v.get(alt, c))
            reading.budget_initial = _num(v.get(alt, init_c)) if init_c else None
            reading.budget_initial_cell = a1(alt, init_c) if init_c else None
            label = next((_norm(x) for x in v.values[alt - 1] if isinstance(x, str) and _norm(x)), "")
            src = reading.source
            computed = any(src.has_formula(first, c) for c in (planned_c, exec_c)) or (
                src.formulas is None and all(src.get(first, c) is None for c in (planned_c, exec_c)))
            if computed:
                return  # a SUM row without cached values: the rows below are what it adds up
            reading.findings.append(make(
                "PE912", a1(first, planned_c), row=alt, label=label or f"第 {alt} 行",
                planned=_fmt(_num(v.get(alt, planned_c))), executed=_fmt(_num(v.get(alt, exec_c)))))
            return


# A figure typed in a cell ("2", "2分", "10,072.67", "89.974万元"): the layout reader's one reading of it
# (this module's own test, which accepted "2分", and its own reading, which did not, disagreed).
from workbook.layout import _number as _num  # noqa: E402


def _fmt(x: Optional[float]) -> str:
    return compact(x, blank="（空）")


# ---- after the reader ------------------------------------------------------------------------

# A figure whose number is glued to one stray character (scanned forms read by OCR): "到0次",
# "扁2200篇"; or a letter O/o/l/I where a digit belongs: "第O份", "O76%".
_GLUED = compiled(r"^([\u4e00-\u9fff])(\d+(?:\.\d+)?)([\u4e00-\u9fff%]*)$")
# One character before a figure that people do type: 约3次, 超5%, 减5%, 共12项, 第3季度, 每1次 ...
_OK_PREFIX = set("约近超达共计逾满余第减增降升提不低高少多每按占仅已均总全累新各限控下上内外年月日周季时")
_ASCII_LETTER = compiled(r"[A-Za-z]")
_LETTER_POINT = compiled(r"(?:^|[^A-Za-z])[A-Za-z][.．]\d")
_LETTER_DIGIT = compiled(r"(?:^|[^A-Za-z])[OolI](?:\d|[\u4e00-\u9fff%](?<![级类型期区段号])|$)")


def garbled(text: str) -> bool:
    """True for a figure that looks mangled by text recognition, not typed by a person."""
    return _garbled(_norm(text))


def _garbled(s: str) -> bool:
    """``garbled`` of a text already normalised (``_norm``)."""
    if not s:
        return False
    m = _GLUED.match(s)
    if m and m.group(1) not in _OK_PREFIX:
        return True
    if _ASCII_LETTER.search(s) is None:  # both tests below need a Latin letter
        return False
    if _LETTER_DIGIT.search(s) and not re.search(r"[A-Za-z]{2,}", s):
        return True
    if _LETTER_POINT.search(s):  # M.8万元: a digit read as a letter before the decimal point
        return True
    return False


def _not_applicable(target: str) -> bool:
    """A target left blank, struck through with a dash or slash (an OCR'd dash reads 一), or 无."""
    return _struck(_norm(target))


def _struck(s: str) -> bool:
    """``_not_applicable`` on a text already normalised by ``_norm``."""
    return s in ("一", "无") or only_placeholders(s)


def _level1_key(name: Optional[str]) -> str:
    return _FROM_PAREN.sub("", _norm(name))


_SHARE_OF_PEOPLE = compiled(r"满意度|满意率")  # a share of the people asked: never above 100%


def _impossible_rate(ind: Any, target: str, actual: str) -> Optional[str]:
    """Which figure of a 满意度 row reads above 100% (290% is an OCR'd ≥90%): 年度指标值 / 实际完成值 / None."""
    if not _SHARE_OF_PEOPLE.search(_norm(ind.name) + _norm(ind.level2)):
        return None
    for what, text in (("年度指标值", target), ("实际完成值", actual)):
        p = parse_value(text)
        if p.kind == "number" and p.unit == "%" and p.number is not None and p.number > 100:
            return what
    return None


_SIGN = compiled(r"[≥≤><=]|以上|以内|不低于|不少于|不超过|不高于|以下")


def after_read(form: Form, reading: Reading) -> None:
    """Reading findings and methods the family layer knows; called on the Form the reader made."""
    fam = reading.family
    extra: list[Finding] = list(reading.findings)
    _goal_titles(form, reading)
    if reading.implicit_weights:
        extra.append(make("PE920", reading.implicit_weights, count=sum(len(g.indicators) for g in form.goals)))
    budget = form.budget
    if budget is not None and any(f.code == "PE912" for f in extra):
        _budget_cells_from(budget, next(f for f in extra if f.code == "PE912"))
    for goal in form.goals:
        for ind in goal.indicators:
            found = _row_method(ind, fam, bool(reading.implicit_weights))
            if found is not None:
                extra.append(found)
    extra += _label_points(form, reading)
    extra += [f for g in form.goals for i in g.indicators for f in _misfiled(i)]
    if budget is not None and isinstance(budget.typed_rate, str) and garbled(budget.typed_rate):
        extra.append(make("PE910", budget.cells.get("rate"), name="预算执行", what="执行率", text=budget.typed_rate))
    form.findings = list(form.findings) + extra
    scored = [i for g in form.goals for i in g.indicators if _typed(i.typed_score)]
    budget_typed = budget is not None and _typed(budget.typed_score)
    if not scored and not budget_typed and not _typed(form.typed_total) and form.claimed_total is None:
        if any(g.indicators for g in form.goals):
            reading.status = "unscored"
    if reading.status != "unscored":  # a blank template's empty rows are for the user to fill
        form.findings = list(form.findings) + _empty_level1(form, reading)


def _goal_titles(form: Form, reading: Reading) -> None:
    """A goal title printed above the header goes to the first goal; titles as the user typed them."""
    if not reading.family.goals:
        form.findings = [f for f in form.findings if f.code != "PE904"]
    if reading.leading_goal and form.goals and form.goals[0].cell is None and form.goals[0].number is None:
        text, cell = reading.leading_goal
        first = form.goals[0]
        first.title, first.cell, first.number = text, cell, 1
        m = re.search(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]", text)
        first.points = float(m.group(1)) if m else first.points
        form.findings = [f for f in form.findings if f.code != "PE904"]
    from workbook.grid import parse_a1

    for goal in form.goals:  # titles as the user typed them, not as the reading view spells them
        if goal.cell:
            raw = reading.source.get(*parse_a1(goal.cell))
            if isinstance(raw, str) and raw.strip():
                goal.title = raw.strip()


def _budget_cells_from(budget: Any, pe912: Finding) -> None:
    """The budget's values came from the 其中 row PE912 names: point its value cells there."""
    found = re.search(r"第 ?(\d+) ?行", pe912.message)
    alt_row = int(found.group(1)) if found else None
    if alt_row:
        for k in ("planned", "executed"):
            cell = budget.cells.get(k)
            if cell:
                budget.cells[k] = re.sub(r"\d+$", str(alt_row), cell)


def _row_method(ind: Any, fam: Family, implicit_weights: bool) -> Optional[Finding]:
    """The method the family layer knows for one row (set on ``ind``), and the finding that says why
    when there is one (PE910 a garbled or impossible figure, PE911 the target copied as the actual).
    The target and the actual are normalised once, and the target parsed only where its reading decides
    (the readings stage parses every row)."""
    target, actual = ind.target or "", ind.actual or ""
    nt, na = _norm(target), _norm(actual)
    what = "年度指标值" if _garbled(nt) else _impossible_rate(ind, target, actual) or (
        "实际完成值" if _garbled(na) else None)
    if what:
        ind.method = Method.MANUAL
        text, cell = (target, ind.cells.target) if what == "年度指标值" else (actual, ind.cells.actual)
        return make("PE910", cell, name=ind.name, what=what, text=text)
    if _struck(nt) and _level1_key(ind.level1) in fam.judged_level1:
        ind.method = Method.JUDGEMENT  # 决策/过程 rows are judged, not measured: the typed score is kept
    elif ind.method is None and na and na == nt and parse_value(target).kind not in ("number", "empty"):
        # the actual repeats the text target word for word: the unit says it was met as written, so it
        # is scored as a met qualitative target (a deduction then needs its reason, PE202) rather than
        # left to a three-tier judgement of a 效益 text; with no 分值 the typed score is kept
        if implicit_weights:
            ind.method, ind.tier = Method.JUDGEMENT, "达成"
        else:
            ind.method = Method.QUALITATIVE
    elif _deadline_met_norm(nt, na):
        ind.method, ind.tier = Method.JUDGEMENT, "达成"
    elif na and _SIGN.search(na) and na == nt and parse_value(target).kind == "number":
        ind.method = Method.MANUAL
        return make("PE911", ind.cells.actual, name=ind.name, actual=actual)
    elif ind.method is None and lower_is_better(ind.name, fam):
        tp = parse_value(target)
        if tp.kind == "number" and tp.comparator is None and not tp.reverse:
            ind.method = Method.REVERSE
    return None


def _empty_level1(form: Form, reading: Reading) -> list[Finding]:
    """PE923: a 一级指标 label (效益指标) standing alone on empty rows: no indicator, no template row (……),
    nothing else in the table's columns (the 约束性指标 row has its own cells)."""
    if reading.header is None or "level1" not in reading.header[1]:
        return []
    from workbook.grid import parse_a1

    hr, roles = reading.header
    c = roles["level1"]
    g = reading.grid
    rows = {parse_a1(i.cells.name)[0] for goal in form.goals for i in goal.indicators if i.cells.name}
    if not rows:
        return []
    taken = rows | set(reading.placeholder_rows)
    labels = [(r, t) for r in range(hr + 1, max(rows) + 2) if (t := _norm(g.get(r, c)))]
    out = []
    for i, (r, text) in enumerate(labels):
        if not _level1_key(text).endswith("指标") or header_role(text):
            continue
        rng = next(((r1, r2) for r1, c1, r2, c2 in g.merged if r1 == r and c1 <= c <= c2), None)
        end = rng[1] if rng else (labels[i + 1][0] - 1 if i + 1 < len(labels) else r)
        if any(r <= x <= end for x in taken):
            continue
        others = any(k != c and x is not None and _norm(x)
                     for row in range(r, end + 1) for k, x in enumerate(g.values[row - 1], start=1))
        if not others:  # the label alone on empty rows
            out.append(make("PE923", a1(r, c), label=text))
    return out


_COST_NAME = compiled(r"成本")  # 资金 / 经费 amounts under 数量 are common and read as quantities


def _misfiled(ind: Any) -> list[Finding]:
    """PE924: a 三级 name that is a value (“1年”, “100%”), a cost filed as a 数量指标, or a 满意度指标 whose
    name says nothing of 满意 (粮食安全事件发生数 under 满意度指标)."""
    name = _norm(ind.name)
    if not name:
        return []
    what = None
    # the cheap shape test first: parsing every row's name cost ~15 µs a row for the few names it fits
    if (len(name) <= 8 and _FIGURE_CHARS.fullmatch(name)
            and (p := parse_value(name)).kind == "number" and p.number is not None):
        what = "是一个数值，不是指标名称，看不出考核什么"
    elif "数量" in _norm(ind.level2) and _COST_NAME.search(name):
        what = f"放在“{_norm(ind.level2)}”下，但考核的是成本，不是数量"
    elif ("满意度" in _norm(ind.level1) or "满意度" in _norm(ind.level2)) and "满意" not in name:
        what = "放在满意度指标下，但名称不是满意度"
    if what is None:
        return []
    return [make("PE924", ind.cells.name, name=ind.name, what=what)]


_LABEL_POINTS = compiled(r"[(（](\d+(?:\.\d+)?)分[)）]\s*$")


def _label_points(form: Form, reading: Reading) -> list[Finding]:
    """一级/二级 labels that declare points, “规划（15分）” / “产出指标（50分）”, against the points of
    the rows under them (the label cell merged down over its rows, or the rows up to the next label)."""
    if reading.header is None:
        return []
    from workbook.grid import parse_a1

    hr, roles = reading.header
    g = reading.grid
    rows: dict[int, float] = {}
    for goal in form.goals:
        for ind in goal.indicators:
            if ind.cells.name and ind.weight is not None:
                rows[parse_a1(ind.cells.name)[0]] = ind.weight
    if not rows:
        return []
    last = max(rows)
    out = []
    for role in ("level1", "level2"):
        c = roles.get(role)
        if c is None:
            continue
        labels = []
        for r in range(hr + 1, last + 1):
            text = g.get(r, c)
            if isinstance(text, str) and _LABEL_POINTS.search(_norm(text)):
                labels.append((r, text))
        for i, (r, text) in enumerate(labels):
            rng = next(((r1, r2) for r1, c1, r2, c2 in g.merged if r1 == r and c1 <= c <= c2), None)
            end = rng[1] if rng else (labels[i + 1][0] - 1 if i + 1 < len(labels) else last)
            inside = [w for row, w in rows.items() if r <= row <= end]
            if not inside:
                continue
            declared = float(_LABEL_POINTS.search(_norm(text)).group(1))
            total = sum(inside)
            if abs(total - declared) > 1e-6:
                out.append(make("PE919", a1(r, c), label=_norm(text), declared=_fmt(declared),
                                total=_fmt(total), count=len(inside)))
    return out


_MONTH_BY = compiled(r"^(?:\d{4}年)?(\d{1,2})月(?:份)?(?:底|末|前|以前|之前|内|以内)$")
_MONTH_AT = compiled(r"^(?:\d{4}年)?(\d{1,2})月(?:份|底|末|前|上旬|中旬|下旬|\d{1,2}日)?(?:前)?(?:完成|已完成)?$")


def _deadline_met(target: str, actual: str) -> bool:
    """"9月前" against "7月": a deadline kept (same year; months 1–12)."""
    return _deadline_met_norm(_norm(target), _norm(actual))


def _deadline_met_norm(target: str, actual: str) -> bool:
    """``_deadline_met`` of texts already normalised (``_norm``)."""
    t, a = _MONTH_BY.match(target), _MONTH_AT.match(actual)
    if not t or not a:
        return False
    mt, ma = int(t.group(1)), int(a.group(1))
    return 1 <= ma <= 12 and 1 <= mt <= 12 and ma <= mt


def _implicit_sums(form: Form, result: Result) -> list[Finding]:
    """Without a 分值 column, what can be checked: a goal's typed scores do not exceed its points."""
    out = []
    for gi, goal in enumerate(form.goals):
        scores = [r.score for r in result.indicators if r.goal == gi and r.score is not None]
        if goal.points is not None and scores and sum(scores) > goal.points + 1e-6:
            out.append(make("PE921", goal.cell, goal=goal.title, points=_fmt(goal.points), total=_fmt(round(sum(scores), 2))))
    return out


def lower_is_better(name: str, fam: Family) -> bool:
    """A ceiling by meaning (预算调整率, 结转结余率, 差错率 ...): the longest word of the family's two
    lists found in the name decides, so 成本控制率 (a 控制率) stays higher-is-better while 项目总成本
    and 人员控制率 are ceilings."""
    s = _norm(name)
    low = max((len(w) for w in fam.lower_is_better if w in s), default=0)
    high = max((len(w) for w in fam.higher_is_better if w in s), default=0)
    return low > high


def _typed(x: Any) -> bool:
    return not isinstance(x, bool) and not is_blank(x)


def _answered(text: Any) -> bool:
    """A reason cell with an answer: not blank, not a dash, not the template's printed note (……100字以内)."""
    return _typed(text) and "字以内" not in _norm(text)


# Findings that only say "you did not score this": on a form nobody scored they are one fact (PE913).
_UNSCORED_NOISE = {"PE102", "PE204", "PE401", "PE402", "PE403", "PE505", "PE603", "PE604", "PE606", "PE907"}


def after_score(form: Form, result: Result, reading: Reading) -> None:
    """Family checks and the layout's quiet codes; 未评分 forms keep their structure checks only."""
    from scoring.family_checks import budget_adjusted, budget_checks, level1_missing

    found = list(result.findings)
    score_cell = form.budget.cells.get("score") if form.budget else None
    formula = False
    if score_cell:
        from workbook.grid import parse_a1

        formula = (not reading.family.budget_score_typed or reading.source.formulas is None
                   or reading.source.has_formula(*parse_a1(score_cell)))
    found += budget_checks(form, result, reading.profile, initial=reading.budget_initial,
                           initial_cell=reading.budget_initial_cell, score_is_formula=formula)
    found += level1_missing(form, result, reading.profile, reading.family.level1_suggested,
                            reading.family.level1_optional)
    if reading.family.adjustment_reason:
        found += budget_adjusted(form, reading.budget_initial, reading.budget_initial_cell,
                                 _answered(form.budget.reason if form.budget else None))
    quiet = set(reading.family.quiet)
    if reading.implicit_weights:
        # no row has points: the goal's points are checked against its scores instead; PE920 says it once
        quiet |= {"PE301", "PE304", "PE306"}  # PE306: the 一级 sums are of points nobody printed
        if not any(g.points for g in form.goals):
            quiet |= {"PE302"}  # nor does any goal declare its points: there is no sum to check
        found += _implicit_sums(form, result)
    if reading.header is not None and "reason" not in reading.header[1]:
        quiet |= {"PE401"}  # the layout has no 偏差原因 column: there is nowhere to explain a lost point
    if form.budget is not None and not form.budget.cells.get("reason"):
        quiet |= {"PE403"}  # the layout has no 未执行完原因 cell for the budget: nothing to fill in
    if reading.status == "unscored":
        quiet |= _UNSCORED_NOISE
        cell = form.total_cell or (form.budget.cells.get("score") if form.budget else None)
        found.append(make("PE913", cell, count=sum(len(g.indicators) for g in form.goals)))
    result.findings = [f for f in found if f.code not in quiet]
