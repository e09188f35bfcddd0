"""The finding pages in docs/findings/: where each code is raised, what each page declares, the index.

Every page ``docs/findings/PEnnn.md`` ends with a section in a fixed, machine-readable form::

    ## 依据的设置与出处

    - 评分方案设置：`tolerance`、`quantitative.over_threshold`     (or: 无)
    - 产生位置：`scoring.checks.check_score_range`

``tests/test_catalogue.py`` checks every named setting against ``scoring.profiles.Profile``, every
named function by importing it, and that the 产生位置 list is exactly the set of functions whose
code raises the finding (found by reading the source, see ``raising_sites``).

After moving code around, refresh the 产生位置 lines and the index in one go::

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
                                 description="Check or refresh the 产生位置 lines and the index of docs/findings/.")
    ap.add_argument("--write", action="store_true", help="rewrite the 产生位置 lines and README.md")
    args = ap.parse_args(argv)
    from scoring.findings import CATALOGUE

    sites = raising_sites()
    stale = []
    for code in sorted(CATALOGUE):
        path = page_path(code)
        text = path.read_text(encoding="utf-8")
        new = with_sites(text, sites.get(code, ()))
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
        print(("rewritten: " if args.write else "out of date: ") + str(path.relative_to(ROOT)))
    return 0 if args.write or not stale else 1


if __name__ == "__main__":
    sys.exit(main())
