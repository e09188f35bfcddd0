"""Worksheet functions (=PE_SCORE, =PE_SCORES, ...) for desktop Excel on Windows through xlwings.

Every function is a thin call into ``scoring.engine`` / ``scoring.values``: no scoring rule lives here.
xlwings registers a UDF under its Python name, so the functions are named exactly as Excel shows them.
Argument names stay ASCII because they become VBA identifiers; the Chinese help is in ``doc=`` and in
the docstrings (the function wizard shows both).

A value the engine cannot read raises ``PEValueError``. xlwings' generated VBA would turn an exception
into the message text, and text in a score cell is silently skipped by SUM; the installer therefore
patches the generated wrappers to return ``CVErr(xlErrValue)`` (#VALUE!) instead
(``install/pe_install.py: patch_udf_vba``).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Iterable, Optional

import xlwings as xw

from scoring.methods import Method


class PEValueError(ValueError):
    """The engine cannot read an input; Excel shows #VALUE! (message kept for Python callers)."""


# Names users may type in the [方法] argument, Chinese or the engine's own names.
METHOD_NAMES = {
    "ratio": Method.RATIO, "正向": Method.RATIO, "比率": Method.RATIO, "定量": Method.RATIO,
    "reverse": Method.REVERSE, "反向": Method.REVERSE,
    "zero": Method.ZERO, "零目标": Method.ZERO,
    "qualitative": Method.QUALITATIVE, "文字": Method.QUALITATIVE, "完成": Method.QUALITATIVE,
    "judgement": Method.JUDGEMENT, "三档": Method.JUDGEMENT, "定性": Method.JUDGEMENT,
    "manual": Method.MANUAL, "人工": Method.MANUAL,
}


@lru_cache(maxsize=8)
def _profile(name: str = ""):
    from scoring.profiles import load_profile

    return load_profile(name) if name else load_profile()


def _rendered(text: str) -> str:
    """Help text that states a rule, written from the profile the functions score with: "{cap}" -> "60"
    (placeholders: ``scoring.wording.rule_values``)."""
    from scoring.wording import render

    return render(text, _profile())


def _help(f):
    """The docstring (Excel's function help) rendered by ``_rendered``; the template stays in ``__help__``.
    The innermost decorator: xlwings reads ``__doc__`` when the first ``@xw.arg`` below ``@xw.func`` applies."""
    f.__help__ = f.__doc__
    f.__doc__ = _rendered(f.__doc__)
    return f


def _engine():
    # Imported on first call: keeps `import addin.functions` cheap when Excel imports the UDF module.
    from scoring import engine

    return engine


# With err_to_str=True xlwings hands cell errors to Python as these strings instead of None, which
# would look like an empty cell and be skipped.
EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!",
                          "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!",
                          "#BUSY!", "#UNKNOWN!"})


def _check_error(value: Any, what: str) -> None:
    if isinstance(value, str) and "#" in value and value.strip().upper() in EXCEL_ERRORS:
        raise PEValueError(f"{what}是错误值 {value.strip()}")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    """Cell value → the text the engine reads (Excel gives whole numbers as floats: 2.0 → "2")."""
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: Any, what: str) -> float:
    """A number from a cell: numbers as they are, text through the engine's value parser."""
    _check_error(value, what)
    if isinstance(value, bool):
        raise PEValueError(f"{what}不是数字：{value}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise PEValueError(f"{what}不是有限数字")
        return float(value)
    if _blank(value):
        raise PEValueError(f"{what}为空")
    from scoring.values import parse_value

    parsed = parse_value(value)
    if parsed.kind != "number" or parsed.number is None:
        raise PEValueError(f"{what}“{value}”无法识别为数字")
    return float(parsed.number)


def _weight(points: Any) -> float:
    """分值 of a row: a finite number, not negative, or PEValueError."""
    kind = points.__class__
    if (kind is float and math.isfinite(points)) or kind is int:  # the usual case: a number
        weight = float(points)
    else:
        weight = _number(points, "分值")
    if weight < 0:
        raise PEValueError("分值不能为负数")
    return weight


def _method(value: Any) -> Optional[Method]:
    if _blank(value):
        return None
    key = _text(value).lower()
    if key in METHOD_NAMES:
        return METHOD_NAMES[key]
    raise PEValueError(f"未知的评分方法“{value}”；可用：{'、'.join(METHOD_NAMES)}")


def _indicator(points: Any, target: Any, actual: Any, method: Any = None, tier: Any = None,
               typed: Any = None):
    from scoring.models import Indicator

    _check_error(target, "年初目标值")
    _check_error(actual, "实际完成值")
    weight = _weight(points)
    # Built from checked values: no validation pass (the UDFs run per cell, and per row in PE_SCORES).
    return Indicator.model_construct(
        weight=weight,
        weight_text=_text(points),
        target=_text(target),
        actual=_text(actual),
        typed_score=typed,
        method=_method(method),
        tier=None if _blank(tier) else _text(tier),
    )


def _score(ind):
    result, findings = _engine().score_indicator(ind, _profile())
    return result, findings


# PE_SCORES row scores by their inputs. Excel passes the whole column again on every recalculation
# (one changed cell recalculates the column), so the rows that did not change are answered from here.
# Only the scores-only path fills it; bounded, and emptied when the profile file changes.
_ROW_SCORES: dict[tuple, Any] = {}
_ROW_SCORES_MAX = 50_000


def _row_scores(p: list, t: list, a: list, m: list) -> list[list[Any]]:
    """PE_SCORES' rows: a score each (no findings, no explanation, no result model), None for a row
    without 分值, or PEValueError naming the first row that cannot be scored."""
    from scoring import engine, readings, values

    profile = _profile()
    memo, pid, out = _ROW_SCORES, id(profile), []
    parse = values.batch_parser()  # a text that repeats down the column is read once per call
    for i, (pi, ti, ai, mi) in enumerate(zip(p, t, a, m), start=1):
        try:
            if ((isinstance(pi, str) and "#" in pi) or (isinstance(ti, str) and "#" in ti)
                    or (isinstance(ai, str) and "#" in ai)):  # an Excel error value has a "#"
                _check_error(pi, "分值")
                _check_error(ti, "目标")
                _check_error(ai, "实际")
            if pi.__class__ not in (float, int) and (_blank(pi) or (isinstance(pi, str) and not any(ch.isdigit() for ch in pi))):
                out.append([None])  # not an indicator row
                continue
            key = (pid, type(pi), pi, type(ti), ti, type(ai), ai, mi)
            try:
                known = memo.get(key)
            except TypeError:  # an unhashable value: compute without the memo
                known, key = None, None
            if known is None:
                known = _compute_row(pi, ti, ai, mi, profile, engine, readings, parse)
                if key is not None:
                    if len(memo) >= _ROW_SCORES_MAX:
                        memo.clear()
                    memo[key] = known
            if known.__class__ is str:
                raise PEValueError(known)
        except PEValueError as exc:
            raise PEValueError(f"第 {i} 行：{exc}") from None
        out.append([known])
    return out


def _compute_row(points, target, actual, method, profile, engine, readings, parse) -> Any:
    """One row's score, or the reason it has none (a str); Excel errors are already ruled out."""
    try:
        # positional (target, actual, weight, weight_text, typed_score, method): built for every row,
        # the texts Excel passes as str converted inline (_text's first case)
        row = readings.RowInput(target.strip() if target.__class__ is str else _text(target),
                                actual.strip() if actual.__class__ is str else _text(actual),
                                _weight(points), _text(points), None, None if method is None else _method(method))
    except PEValueError as exc:
        return str(exc)
    score = engine.indicator_score(readings.read_indicator(row, profile, parse), profile)
    if score is None:  # the reason, from the full path
        return _score(_indicator(points, target, actual, method))[0].explanation or "无法计算得分"
    return score


def _flat(values: Any) -> list[Any]:
    """A cell or a range (1-D or 2-D list) → a flat list, row by row."""
    if isinstance(values, (list, tuple)):
        if set(map(type, values)) == {list} and set(map(len, values)) == {1}:  # a column, as xlwings passes it
            return [v[0] for v in values]
        out: list[Any] = []
        for v in values:
            out.extend(_flat(v))
        return out
    return [values]


# ---- the worksheet functions ------------------------------------------------------------------


@xw.func(category="绩效评分")
@xw.arg("points", doc="分值：该三级指标的分值，如 2")
@xw.arg("target", doc="年初目标值(A)：如 3.5万人、4.5%以内、完成")
@xw.arg("actual", doc="实际完成值(B)：如 4.97万人、3.30%、完成")
@xw.arg("method", doc="[方法]（可省略，自动判断）：正向/反向/零目标/文字/三档/人工")
@xw.arg("tier", doc="[档次]（三档定性指标）：达成/部分达成/未达成")
@_help
def PE_SCORE(points, target, actual, method=None, tier=None):
    """按评分规则计算一个三级指标的得分（定量指标按完成率×分值，封顶分值；反向、零目标、文字目标按规则；三档定性指标按档次在分值的 {top}%（含）以上、{middle}%（含）—{top}%、{middle}% 以下区间给分）。无法识别的数值返回 #VALUE!。"""
    result, _ = _score(_indicator(points, target, actual, method, tier))
    if result.score is None:
        raise PEValueError(result.explanation or "无法计算得分")
    return result.score


@xw.func(category="绩效评分")
@xw.arg("points", ndim=2, err_to_str=True, doc="分值列：各指标分值所在的区域")
@xw.arg("targets", ndim=2, err_to_str=True, doc="目标列：年初目标值(A)所在的区域，行数与分值列相同")
@xw.arg("actuals", ndim=2, err_to_str=True, doc="实际列：实际完成值(B)所在的区域，行数与分值列相同")
@xw.arg("methods", ndim=2, err_to_str=True, doc="[方法列]（可省略）：每行的评分方法")
@_help
def PE_SCORES(points, targets, actuals, methods=None):
    """一次计算整列得分（动态数组，向下溢出）。分值为空的行（标题行、“……”占位行）返回空白；有分值但无法计算的行使整列返回 #VALUE!，以免求和时被忽略。"""
    p, t, a = _flat(points), _flat(targets), _flat(actuals)
    m = _flat(methods) if methods is not None else [None] * len(p)
    if not (len(p) == len(t) == len(a)) or len(m) != len(p):
        raise PEValueError("分值列、目标列、实际列（及方法列）的行数必须相同")
    return _row_scores(p, t, a, m)


@xw.func(category="绩效评分")
@xw.arg("target", doc="年初目标值(A)")
@xw.arg("actual", doc="实际完成值(B)")
@_help
def PE_RATE(target, actual):
    """完成率（实际/目标，反向指标为目标/实际），与评分所用的完成率相同，如 1.42 表示 142%。"""
    result, _ = _score(_indicator(1, target, actual))
    if result.ratio is None:
        raise PEValueError(result.explanation or "无法计算完成率")
    return result.ratio


@xw.func(category="绩效评分")
@xw.arg("cell_text", doc="文本：单元格中的目标值或完成值，如 4.97万人")
@_help
def PE_PARSE(cell_text):
    """返回评分引擎从文本中读出的数值（换算为基本单位：4.97万人 → 49700，98% → 98）。读不出数值返回 #VALUE!。"""
    from scoring.values import parse_value

    if isinstance(cell_text, (int, float)) and not isinstance(cell_text, bool):
        return float(cell_text)
    parsed = parse_value(cell_text)
    if parsed.number is None:
        raise PEValueError(f"“{_text(cell_text)}”中没有可识别的数值")
    return parsed.number


@xw.func(category="绩效评分")
@xw.arg("planned", doc="预算数(A)（万元）")
@xw.arg("executed", doc="执行数(B)（万元）")
@xw.arg("points", doc=_rendered("[分值]（可省略）：预算执行的分值，默认按评分方案（{profile}：{budget} 分）"))
@_help
def PE_BUDGET(planned, executed, points=None):
    """预算执行得分 = 分值 × 执行率(B/A)，{budget_clause}。分值省略时为 {budget} 分。"""
    a = _number(planned, "预算数")
    b = _number(executed, "执行数")
    pts = None if _blank(points) else _number(points, "分值")
    result, findings = _engine().score_budget(a, b, pts, _profile())
    if result.score is None or any(f.code == "PE501" for f in findings):
        # PE501: A or B unusable (e.g. 预算数 0); the form scores that as 0, a formula must not.
        raise PEValueError(result.explanation or "无法计算预算执行得分")
    return result.score


@xw.func(category="绩效评分")
@xw.arg("budget_score", doc="预算得分：预算执行情况的得分")
@xw.arg("goal_scores", err_to_str=True, doc="目标得分区域：各年度目标（或各指标）的得分")
@xw.arg("constraint", err_to_str=True, doc="[约束性指标]（可省略）：约束性指标情况（如“存在审计等部门重点披露的问题”）和/或扣分（负数）")
@_help
def PE_TOTAL(budget_score, goal_scores, constraint=None):
    """总分 = 预算得分 + 目标得分合计 − 酌情扣分（约束性指标得分栏的数字，-3 或 3 都扣 3 分），最低 0 分、最高 {total} 分；约束性指标写明出现审计重点披露问题或重大不良影响（未被“未发现”“无”等否定）时，{cap_clause}。得分区域中有文字时返回 #VALUE!。"""
    from scoring.totals import form_totals

    budget = _number(budget_score, "预算得分")
    scores = []
    for v in _flat(goal_scores):
        _check_error(v, "目标得分区域中")
        if _blank(v):
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise PEValueError(f"目标得分区域中有非数字“{v}”，求和会忽略它")
        scores.append(float(v))
    deduction, texts = 0.0, []
    for v in _flat(constraint) if constraint is not None else []:
        _check_error(v, "约束性指标")
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            deduction -= abs(float(v))  # a discretionary deduction, typed as a negative number
        elif not _blank(v):
            texts.append(_text(v))
    # The clause marks end a clause, so two cells read as two clauses of one text.
    t = form_totals(budget, [scores], deduction, "；".join(texts), _profile())
    return t.total


@xw.func(category="绩效评分")
@xw.arg("total", doc="总分")
@_help
def PE_GRADE(total):
    """评价等级：{grades}（按保留 {digits} 位小数的总分）。"""
    from scoring.totals import grade_of

    return grade_of(_number(total, "总分"), _profile())


@xw.func(category="绩效评分")
@xw.arg("points", doc="分值")
@xw.arg("target", doc="年初目标值(A)")
@xw.arg("actual", doc="实际完成值(B)")
@xw.arg("method", doc="[方法]（可省略）")
@xw.arg("tier", doc="[档次]（可省略）")
@xw.arg("typed", doc="[填报得分]（可省略）：用于说明填报得分与计算得分的差异")
@_help
def PE_EXPLAIN(points, target, actual, method=None, tier=None, typed=None):
    """用中文说明该指标得分是怎样算出的，以及需要注意的问题。"""
    result, findings = _score(_indicator(points, target, actual, method, tier, typed))
    parts = [result.explanation]
    parts += [f"{f.code} {f.message}" for f in findings]
    return "；".join(p for p in parts if p)


def _exported() -> Iterable[str]:
    return [n for n in globals() if n.startswith("PE_")]
