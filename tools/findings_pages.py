"""The finding pages in docs/findings/: where each code is raised, what each page declares, the index.

Every page ``docs/findings/PEnnn.md`` ends with a section in a fixed, machine-readable form::

    ## 依据的设置与出处

    - 评分方案设置：`tolerance`、`quantitative.over_threshold`     (or: 无)
    - 产生位置：`scoring.checks.check_score_range`

``tests/test_catalogue.py`` checks every named setting against ``scoring.profiles.Profile``, every
named function by importing it, and that the 产生位置 list is exactly the set of functions whose
code raises the finding (found by reading the source, see ``raising_sites``).

A page that states a number a profile sets does so in a phrase listed in ``STATED``, checked against
the profile (``stated_numbers``). After moving code around or changing a shipped profile, refresh the
产生位置 lines, the stated numbers and the index in one go::

    python -m tools.findings_pages --write

The 评分方案设置 lines are written by hand: they say which profile settings change whether or how the
finding is raised.
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "findings"
PACKAGES = ("scoring", "workbook", "addin", "pe_score")
CODE = re.compile(r"PE\d{3}")
SECTION = "## 依据的设置与出处"
SETTINGS_PREFIX = "- 评分方案设置："
SITES_PREFIX = "- 产生位置："
SPAN = re.compile(r"`([^`]+)`")

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
GROUPS = {
    "1": "PE1xx 数值识别",
    "2": "PE2xx 指标得分",
    "3": "PE3xx 结构与分值",
    "4": "PE4xx 需要说明原因",
    "5": "PE5xx 预算执行",
    "6": "PE6xx 约束性指标与总分",
    "9": "PE9xx 表格版式（读取）",
}


# ---- where codes are raised --------------------------------------------------------------------


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class _Sites(ast.NodeVisitor):
    """Calls with a literal finding code among their first two arguments, by enclosing top-level function
    or method."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.stack: list[str] = []
        self.found: dict[str, set[str]] = defaultdict(set)

    def _scoped(self, node, kind: str) -> None:
        # Qualified as far as getattr can reach: module.function or module.Class.method.
        depth_ok = not self.stack or (len(self.stack) == 1 and self.stack[0].startswith("class:"))
        self.stack.append(f"{kind}:{node.name}" if depth_ok else "nested")
        self.generic_visit(node)
        self.stack.pop()

    def visit_ClassDef(self, node):
        self._scoped(node, "class")

    def visit_FunctionDef(self, node):
        self._scoped(node, "def")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        # the code is the first argument (make("PE201", ...)) or the second, after the list the
        # finding is added to (_add(found, "PE101", ...))
        code = next((a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)
                     and CODE.fullmatch(a.value)), None)
        if code is not None:
            names = [s.split(":", 1)[1] for s in self.stack if s != "nested"]
            if names:
                self.found[code].add(".".join([self.module, *names]))
        self.generic_visit(node)


def raising_sites(root: Path = ROOT) -> dict[str, set[str]]:
    """code -> {"package.module.function", ...}: every function whose body calls something with the
    code as its first or second argument (``make("PE201", ...)``, ``reader.finding("PE902", ...)``,
    ``_add(found, "PE101", ...)``).
    The catalogue itself (scoring/findings.py) is not a raising site."""
    out: dict[str, set[str]] = defaultdict(set)
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            if path.name == "findings.py" and path.parent.name == "scoring":
                continue
            visitor = _Sites(_module_name(path))
            visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
            for code, names in visitor.found.items():
                out[code] |= names
    return dict(out)


# ---- what the pages say ------------------------------------------------------------------------


def page_path(code: str) -> Path:
    return PAGES / f"{code}.md"


def _line(text: str, prefix: str) -> Optional[str]:
    tail = text.split(SECTION, 1)[1] if SECTION in text else ""
    for line in tail.splitlines():
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    return None


def declared_settings(text: str) -> Optional[list[str]]:
    """The settings a page names (``[]`` for 无); None when the line is missing."""
    line = _line(text, SETTINGS_PREFIX)
    if line is None:
        return None
    return SPAN.findall(line)


def declared_sites(text: str) -> Optional[list[str]]:
    line = _line(text, SITES_PREFIX)
    return None if line is None else SPAN.findall(line)


def title_of(text: str) -> str:
    first = text.splitlines()[0]
    return first.split("—", 1)[1].strip() if "—" in first else ""


def summary_of(text: str) -> str:
    """The first paragraph after the heading table: the one-line Chinese summary."""
    lines = text.splitlines()
    i = 1
    while i < len(lines) and (not lines[i].strip() or lines[i].startswith("|")):
        i += 1
    para = []
    while i < len(lines) and lines[i].strip() and not lines[i].startswith("#"):
        para.append(lines[i].strip())
        i += 1
    return "".join(para)


def sites_line(sites) -> str:
    return SITES_PREFIX + "、".join(f"`{s}`" for s in sorted(sites))


def with_sites(text: str, sites) -> str:
    """The page with its 产生位置 line set to ``sites``."""
    return re.sub(rf"^{re.escape(SITES_PREFIX)}.*$", lambda _: sites_line(sites), text, count=1, flags=re.M)


# ---- numbers the pages state -------------------------------------------------------------------
#
# A page that states a number a profile sets (the cap, the budget points, the tier bands, the
# over-completion threshold ...) states it in one of the phrases below: a template whose {placeholders}
# are written from the named profile (``stated_values``: ``scoring.wording.rule_values`` plus the few
# below). ``stated_numbers`` reports every phrase the page no longer contains and every number that
# differs from the profile's; ``--write`` rewrites the numbers. Quotations of the documents the rules
# come from (“……不得超过60分”) and the worked examples' own data are not phrases: they do not change
# with a profile.

DEFAULT_PROFILE = "hubei-2-1"
NATIONAL = "national-project"
STATED: dict[str, list[tuple[str, str]]] = {
    "PE105": [(DEFAULT_PROFILE, "不大于 {fraction_max} 的纯数字")],
    "PE201": [(DEFAULT_PROFILE, "否则总分可能超过 {total} 分")],
    "PE204": [(DEFAULT_PROFILE, "达成为分值的 {top}%–100%（含 {top}%），部分达成为 {middle}%–{top}%（含 {middle}%），"
                                "未达成为 0–{middle}%（湖北评分方案的默认区间）")],
    "PE205": [(DEFAULT_PROFILE, "“未达成”，区间为分值的 0–{middle}%"),
              (DEFAULT_PROFILE, "得分区间应为 [0,{middle}%)")],
    "PE301": [(DEFAULT_PROFILE, "总分值也就不再是 {total} 分")],
    "PE302": [(DEFAULT_PROFILE, "各年度目标分值不等于 {total} 分"),
              (DEFAULT_PROFILE, "总分限制在 0 到 {total} 分之间"),
              (DEFAULT_PROFILE, "（湖北附件2-1 为 {budget} 分，"),
              (NATIONAL, "全国项目支出表为 {budget} 分）加上全部年度目标"),
              (DEFAULT_PROFILE, "加上全部年度目标，应为 {total} 分"),
              (DEFAULT_PROFILE, "= 110 分，应为 {total} 分"),
              (DEFAULT_PROFILE, "各年度目标分值 = {total} 分")],
    "PE306": [(NATIONAL, "产出 {level1.产出指标} 分、效益 {level1.效益指标} 分、满意度 {level1.满意度指标} 分，预算执行 {budget} 分"),
              (NATIONAL, "评分方案“national-project”规定为 {level1.产出指标} 分")],
    "PE308": [(DEFAULT_PROFILE, "（如 {total} 分中的 {budget} 分）")],
    "PE402": [(DEFAULT_PROFILE, "（默认 {over}%）"), (DEFAULT_PROFILE, "达到 {over}% 以上")],
    "PE501": [(DEFAULT_PROFILE, "预算执行占 {budget} 分（湖北）"), (NATIONAL, "或 {budget} 分（全国项目支出）")],
    "PE503": [(DEFAULT_PROFILE, "应为 {budget_fixed}（执行率 100.0%：{budget} × 100.0% = {budget_fixed}）"),
              (DEFAULT_PROFILE, "`=MIN({budget},{budget}*F8/E8)`")],
    "PE504": [(DEFAULT_PROFILE, "（附件2-1 为 {budget} 分，"), (NATIONAL, "全国项目支出表为 {budget} 分）"),
              (DEFAULT_PROFILE, "表头 `预算执行情况（万元）（{budget}分）`"), (NATIONAL, "评分方案（{budget} 分）评分"),
              (DEFAULT_PROFILE, "表头标注预算执行 {budget} 分"), (NATIONAL, "评分方案“national-project”为 {budget} 分")],
    "PE601": [(DEFAULT_PROFILE, "（湖北为 {cap} 分）"), (DEFAULT_PROFILE, "总分 97 → {cap}。"),
              (DEFAULT_PROFILE, "总分不得超过 {cap} 分（封顶前 97.00 分）")],
    "PE607": [(DEFAULT_PROFILE, "97 分的表会被算成 {cap} 分")],
    "PE908": [(DEFAULT_PROFILE, "每张工作表最多读取 {max_rows} 行、{max_cols} 列"),
              (DEFAULT_PROFILE, "（单元格 A{max_rows_next}）"),
              (DEFAULT_PROFILE, "工作表超过 {max_rows_plain} 行，只读取了前 {max_rows_plain} 行；第 {max_rows_next} 行起")],
}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_FIGURE = r"(-?[\d,]+(?:\.\d+)?)"


def stated_values(profile) -> dict[str, str]:
    """The placeholders of the phrases, written from ``profile`` (and the reading limits)."""
    from scoring.formatting import compact, fixed
    from scoring.wording import rule_values
    from workbook.safety import DEFAULT_LIMITS

    values = dict(rule_values(profile))
    values["budget_fixed"] = fixed(profile.budget.points, profile.digits)
    values.update({f"level1.{k}": compact(v) for k, v in profile.level1.items()})
    values.update(max_rows=f"{DEFAULT_LIMITS.max_rows:,}", max_rows_plain=str(DEFAULT_LIMITS.max_rows),
                  max_rows_next=str(DEFAULT_LIMITS.max_rows + 1), max_cols=str(DEFAULT_LIMITS.max_cols))
    return values


def _phrase(template: str) -> re.Pattern:
    parts = _PLACEHOLDER.split(template)  # literal, name, literal, name, ...
    return re.compile("".join(re.escape(p) if i % 2 == 0 else _FIGURE for i, p in enumerate(parts)))


def stated_numbers(code: str, text: str, profiles=None) -> tuple[str, list[str]]:
    """(the page with its phrases' numbers written from the profiles, problems). ``profiles``: name ->
    Profile (default: the shipped ones, loaded)."""
    from scoring.profiles import load_profile

    problems = []
    for name, template in STATED.get(code, ()):
        profile = (profiles or {}).get(name) or load_profile(name)
        rendered = _PLACEHOLDER.sub(lambda m: stated_values(profile)[m.group(1)], template)
        found = list(_phrase(template).finditer(text))
        if not found:
            problems.append(f"{code}: the page no longer says “{template}”; reword the page or "
                            "tools/findings_pages.STATED")
        for m in found:
            if m.group(0) != rendered:
                problems.append(f"{code}: “{m.group(0)}” should read “{rendered}” ({name})")
        text = _phrase(template).sub(lambda m: rendered, text)
    return text, problems


# Numbers a page quotes from a document (not from a profile): they stay when a profile changes.
QUOTED_SOURCES: dict[str, list[str]] = {
    "PE402": ["广西要求完成率达到 130%"],
}
_RULE_FIGURE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(分|%)")


def _rule_numbers(profiles) -> tuple[set[str], set[str]]:
    """(points, percentages) the profiles set: totals, budget points, cap, grade bounds, 一级指标 points;
    tier bounds and the over-completion threshold."""
    from scoring.formatting import compact

    points: set[str] = set()
    shares: set[str] = set()
    for profile in profiles:
        v = stated_values(profile)
        points |= {v["total"], v["budget"], v["cap"]} | {compact(g.min) for g in profile.grades}
        points |= {compact(x) for x in profile.level1.values()}
        shares |= {v["top"], v["middle"], v["over"]}
    return points - {"0"}, shares


def unlisted_numbers(code: str, text: str, profiles=None) -> list[str]:
    """Numbers in a page's rule-stating prose that equal a number a profile sets but are in no ``STATED``
    phrase: a page that says “总分不超过 60 分” on its own would not follow a change of the cap.
    Not read: the worked example (## 示例), the machine-readable section, quotations “……”, code spans,
    the message template, and ``QUOTED_SOURCES``."""
    from scoring.profiles import load_profile

    profiles = profiles or {n: load_profile(n) for n in (DEFAULT_PROFILE, NATIONAL)}
    points, shares = _rule_numbers(profiles.values())
    masked = text.split(SECTION)[0]
    spans = [m.span() for _, template in STATED.get(code, ()) for m in _phrase(template).finditer(masked)]
    spans += [m.span() for phrase in QUOTED_SOURCES.get(code, ()) for m in re.finditer(re.escape(phrase), masked)]
    for pattern, flags in ((r"\n## 示例\n.*?(?=\n## )", re.S), (r"“[^”\n]*”", 0), (r"`[^`\n]*`", 0),
                           (r"^\| 提示文字 .*$", re.M)):
        spans += [m.span() for m in re.finditer(pattern, masked, flags=flags)]
    chars = list(masked)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    masked = "".join(chars)
    return [f"{code}: “{m.group(0)}” states a profile's number outside the phrases of tools/findings_pages.STATED"
            for m in _RULE_FIGURE.finditer(masked)
            if m.group(1) in (points if m.group(2) == "分" else shares)]


# ---- the index ---------------------------------------------------------------------------------

_INDEX_HEAD = """# 检查发现一览

pe-score 报告的每个问题都有一个固定的代码（`PE` 加三位数字），在命令行输出、评分副本的批注、
“评分说明”工作表和汇总工作簿的“问题清单”中都用同一个代码。点击代码可查看该问题的含义、
为什么重要、示例和修改方法，以及它依据的评分方案设置。

级别：**错误**（error）——得分或表格有错，必须改正；**警告**（warning）——很可能有误或不完整，请核对；
**提示**（info）——说明某个值是怎样读取的，供复核参考。

代码按首位数字分组：

"""

_INDEX_TAIL = """
没有 PE901：工作簿中找不到附件2-1 表格不算检查发现，而是读取失败（“未找到附件2-1表单”，退出状态 2）。

<!-- 本页由 `python -m tools.findings_pages --write` 根据各页的标题和第一段生成，请勿手工修改。
     For developers: the catalogue is `scoring/findings.py`; `tests/test_catalogue.py` keeps it, the pages
     and this index in step. -->
"""


def render_index(catalogue) -> str:
    by_group: dict[str, list[str]] = defaultdict(list)
    for code in sorted(catalogue):
        by_group[code[2]].append(code)
    out = [_INDEX_HEAD]
    out.append("".join(f"- [{GROUPS[g]}](#{_anchor(GROUPS[g])})\n" for g in sorted(by_group)))
    for g in sorted(by_group):
        out.append(f"\n## {GROUPS[g]}\n\n| 代码 | 级别 | 名称 | 说明 |\n|---|---|---|---|\n")
        for code in by_group[g]:
            text = page_path(code).read_text(encoding="utf-8")
            sev = catalogue[code].severity
            out.append(f"| [{code}]({code}.md) | {SEVERITY_ZH[sev]} | {title_of(text)} | {summary_of(text)} |\n")
    out.append(_INDEX_TAIL)
    return "".join(out)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, spaces to hyphens, punctuation dropped."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.findings_pages",
                                 description="Check or refresh the 产生位置 lines, the numbers the pages state "
                                 "and the index of docs/findings/.")
    ap.add_argument("--write", action="store_true",
                    help="rewrite the 产生位置 lines, the stated numbers and README.md")
    args = ap.parse_args(argv)
    from scoring.findings import CATALOGUE

    sites = raising_sites()
    stale = []
    problems = []
    for code in sorted(CATALOGUE):
        path = page_path(code)
        text = path.read_text(encoding="utf-8")
        new, stated = stated_numbers(code, with_sites(text, sites.get(code, ())))
        problems += [p for p in stated if "no longer says" in p] + unlisted_numbers(code, text)
        if new != text:
            stale.append(path)
            if args.write:
                path.write_text(new, encoding="utf-8")
    index = PAGES / "README.md"
    rendered = render_index(CATALOGUE)
    if index.read_text(encoding="utf-8") != rendered:
        stale.append(index)
        if args.write:
            index.write_text(rendered, encoding="utf-8")
    for path in stale:
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(("rewritten: " if args.write else "out of date: ") + str(shown))
    for problem in problems:  # the page's wording must change: --write cannot do it
        print(problem)
    return 0 if (args.write or not stale) and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
