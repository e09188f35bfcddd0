"""The ``pe-score`` command: score a 附件2-1 workbook, make a blank form, review a batch, list profiles.

The command line is parsed with the standard library's ``argparse`` behind a Chinese front: every
help screen, usage error and message is Chinese (argparse's few built-in English phrases are
translated while it runs, see ``_ZH``). ``argparse`` was chosen over typer/click for start-up time:
people run ``pe-score score`` on every save, and typer alone cost more than the scoring itself.
Only the standard library is imported at module level; openpyxl, rich and the scoring core are
imported on the paths that use them.

Exit status: 0 scored without error findings, 1 error findings exist, 2 the file cannot be read /
holds no form / cannot be written (or the command line is wrong). ``check`` has its own (see its help).
"""
from __future__ import annotations

from scoring.lazy import seed_re_cache

seed_re_cache()  # argparse's, json's and gettext's patterns built from the pattern cache (scoring.lazy)

import argparse  # noqa: E402
import json  # noqa: E402
import os
import sys
from pathlib import Path
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Callable, Optional, Sequence

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2
PROG = "pe-score"


class Failed(Exception):
    """A user-facing failure with a Chinese message; exit status 2."""


class UsageError(Exception):
    """The command line is wrong; ``command`` names the sub-command whose help to point to."""

    def __init__(self, message: str, command: Optional[str] = None):
        super().__init__(message)
        self.command = command


class _HelpShown(Exception):
    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


def _sentence(text: str) -> str:
    """``text`` ending in exactly one full stop (messages are joined from parts that may carry one)."""
    text = str(text).rstrip()
    if text.endswith(("？", "！")):
        return text
    while text.endswith(("。", ".")):
        text = text[:-1]
    return text + "。"


def _message(exc: BaseException) -> str:
    """The Chinese message of a failure, as one sentence. A message built around an operating-system
    error's English wording (``…：No space left on device``) gets the Chinese description instead:
    the OSError is still the exception's context even when it was raised ``from None``."""
    text = str(exc)
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, OSError):
        from workbook.errors import describe_os_error

        chinese = describe_os_error(cause).rstrip("。")
        for english in filter(None, (cause.strerror, str(cause))):
            if english in text:
                text = text.replace(english, chinese)
                break
    return _sentence(text)


# ---- Chinese argparse ---------------------------------------------------------------------

# argparse's own phrases (Python 3.10–3.13), looked up through its module-level ``_`` while it runs.
_ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "argument %(argument_name)s: %(message)s": "选项 %(argument_name)s：%(message)s",
    "expected one argument": "后面须跟一个值",
    "expected at most one argument": "后面最多跟一个值",
    "expected at least one argument": "后面至少须跟一个值",
    "expected %s argument": "后面须跟 %s 个值",
    "expected %s arguments": "后面须跟 %s 个值",
    "ignored explicit argument %r": "不接受值 %r",
    "invalid %(type)s value: %(value)r": "值 %(value)r 无效",
    "invalid choice: %(value)r (choose from %(choices)s)": "值 %(value)r 无效（可选：%(choices)s）",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "not allowed with argument %s": "不能与 %s 同时使用",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "one of the arguments %s is required": "须给出 %s 之一",
    "%(prog)s: error: %(message)s\n": "%(prog)s：%(message)s\n",
}


class _Chinese:
    """While parsing or formatting, argparse's English phrases come out in Chinese."""

    def __enter__(self):
        self._saved = (argparse._, argparse.ngettext)  # type: ignore[attr-defined]
        argparse._ = lambda s: _ZH.get(s, s)  # type: ignore[attr-defined]
        argparse.ngettext = lambda s, p, n: _ZH.get(s if n == 1 else p, s if n == 1 else p)  # type: ignore[attr-defined]
        return self

    def __exit__(self, *exc):
        argparse._, argparse.ngettext = self._saved  # type: ignore[attr-defined]
        return False


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK and full-width characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_NO_LINE_START = set("、，。；：？！）」』”’》〉】%")


def _wrap(text: str, width: int) -> list[str]:
    """Wrap by display width. Chinese may break between any two characters, but a run of Latin
    letters, digits and signs (an option, a file name) stays whole, and closing punctuation never
    starts a line."""
    import re

    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line, used = "", 0
        for token in re.findall(r"[!-~]+| +|.", para):
            w = _width(token)
            if used + w > width and line.strip() and token[0] not in _NO_LINE_START:
                lines.append(line.rstrip())
                line, used = "", 0
                if token.startswith(" "):
                    continue
            line += token
            used += w
        lines.append(line.rstrip())
    return lines


def _terminal_columns(fallback: int = 100) -> int:
    """``shutil.get_terminal_size((fallback, 24)).columns``: COLUMNS first, then the terminal, else the
    fallback (without importing shutil, which the parser's every formatter would: ~2 ms of start-up)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns or fallback
        except (AttributeError, ValueError, OSError):
            columns = fallback
    return columns


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help laid out by display width (Chinese metavars and help text are two columns a character);
    the epilog (examples, exit statuses) is printed as written."""

    def __init__(self, prog: str):
        columns = _terminal_columns()
        super().__init__(prog, max_help_position=32, width=max(60, min(columns - 2, 100)))

    def _format_usage(self, usage, actions, groups, prefix):
        """``用法：pe-score score [-h] [--sheet 工作表名] ... [文件]``, wrapped by display width."""
        prefix = "用法：" if prefix is None else prefix
        if usage is not None:
            return prefix + usage % dict(prog=self._prog) + "\n\n"
        parts = []
        for action in [a for a in actions if a.option_strings] + [a for a in actions if not a.option_strings]:
            if action.help is argparse.SUPPRESS:
                continue
            if action.option_strings:
                part = action.option_strings[0]
                if action.nargs != 0:
                    part += " " + self._metavar_formatter(action, action.dest.upper())(1)[0]
                parts.append(part if action.required else f"[{part}]")
            else:
                parts.append(self._format_args(action, action.dest))
        lead = f"{prefix}{self._prog} "
        indent = " " * _width(lead)
        lines, line = [], lead
        for part in parts:
            if _width(line) + _width(part) > self._width and line.strip() != lead.strip():
                lines.append(line.rstrip())
                line = indent
            line += part + " "
        lines.append(line.rstrip())
        return "\n".join(lines) + "\n\n"

    def _fill_text(self, text, width, indent):
        # description and epilog: lines kept as written, a line too wide for the terminal wrapped
        return "\n".join(indent + part for line in text.splitlines() for part in _wrap(line, width - len(indent)))

    def add_argument(self, action):
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:  # widths as displayed, not as counted by len()
            width = _width(self._format_action_invocation(action)) + self._current_indent
            self._action_max_length = max(self._action_max_length, width)

    def _format_action(self, action):
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_width = max(self._width - help_position, 20)
        action_width = help_position - self._current_indent - 2
        header = self._format_action_invocation(action)
        indent = " " * self._current_indent
        if _width(header) <= action_width:
            first = indent + header + " " * (action_width - _width(header) + 2)
            parts, pad_first = [first], ""
        else:
            parts, pad_first = [indent + header + "\n"], " " * help_position
        lines = _wrap(self._expand_help(action), help_width) if action.help else [""]
        parts.append(pad_first + lines[0] + "\n")
        parts.extend(" " * help_position + line + "\n" for line in lines[1:])
        return "".join(parts)


class _HelpAction(argparse.Action):
    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        raise _HelpShown(parser.format_help())


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are exceptions (no printing, no sys.exit) and whose
    help is Chinese."""

    def __init__(self, command: str, description: str, epilog: str):
        super().__init__(
            prog=f"{PROG} {command}", description=description, epilog=epilog,
            formatter_class=_Formatter, add_help=False, allow_abbrev=False,
        )
        self.command = command
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action=_HelpAction, help="显示本帮助并退出")

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(message, self.command)

    def exit(self, status: int = 0, message: Optional[str] = None):  # type: ignore[override]
        raise UsageError(message or "命令行参数有误", self.command)

    def format_help(self) -> str:
        with _Chinese():
            text = super().format_help()
        return text.replace("参数:\n", "参数：\n").replace("选项:\n", "选项：\n")

    def parse_known_intermixed_args(self, args=None, namespace=None):
        # argparse stores the usage as format_usage()[7:], cutting len("usage: ") off; fix it first.
        if self.usage is None:
            self.usage = self.format_usage().rstrip("\n")[len("用法："):].replace(self.prog, "%(prog)s", 1)
        return super().parse_known_intermixed_args(args, namespace)

    def option_names(self) -> list[str]:
        return [s for a in self._actions for s in a.option_strings]


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是整数") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"须为 0 或正整数，不能是 {value}")
    return value


EXIT_STATUS_SCORE = """\
退出状态：
  0  已评分，没有“错误”级别的发现
  1  已评分，存在“错误”级别的发现
  2  文件无法读取、其中没有附件2-1 表单、无法写入，或命令行有误
     （标准错误上有中文说明）"""

EXIT_STATUS_CHECK = """\
退出状态：
  0  每个文件都已读取、每张表都已评分，没有错误，
     也没有自评得分与复核得分不一致的表
  1  有错误、有不一致，或有无法读取的文件
  2  一张表也没能评分，或汇总表无法写入，或命令行有误"""

EXIT_STATUS_SIMPLE = """\
退出状态：
  0  成功
  2  失败（标准错误上有中文说明）或命令行有误"""


def _score_parser() -> _Parser:
    p = _Parser(
        "score",
        "给一个附件2-1 部门整体支出绩效自评表评分：重新计算预算执行、每个指标、\n"
        "目标小计、约束性指标封顶、总分和评价等级，并按单元格顺序列出检查发现。",
        "示例：\n"
        "  pe-score score 自评表.xlsx                      # 在终端显示评分表\n"
        "  pe-score score 自评表.xlsx --json               # 只输出 JSON\n"
        "  pe-score score 自评表.xlsx --write 评分后.xlsx   # 另存一份评分副本\n"
        "  pe-score score 自评表.xlsx --write 评分后.xlsx --overwrite\n"
        "                                                  # 替换已有的副本（先备份）\n"
        "  pe-score score 自评表.xlsx --in-place           # 写回原文件（先备份）\n"
        "  pe-score score 自评表.xls --sheet 附件2-1 --profile national-project\n\n"
        + EXIT_STATUS_SCORE,
    )
    p.add_argument("file", metavar="文件", nargs="?", help="要评分的工作簿（.xlsx / .xlsm / .xls / .ods）")
    p.add_argument("--sheet", metavar="工作表名", help="表单所在的工作表；默认自动查找")
    p.add_argument("--profile", metavar="规则", default=None,
                   help="评分规则名（见 pe-score profiles）或 TOML 规则文件路径；默认按表格式样自动选择（并说明理由）")
    p.add_argument("--json", dest="as_json", action="store_true", help="只在标准输出上打印 JSON（UTF-8）")
    p.add_argument("--write", metavar="输出文件", help="把评分结果写入这个新文件（.xlsx / .xlsm）")
    p.add_argument("--overwrite", action="store_true",
                   help="与 --write 同用：输出文件已存在时替换它（先备份）")
    p.add_argument("--in-place", dest="in_place", action="store_true",
                   help="直接写回原文件（先备份）；是链接时写入它指向的文件")
    p.add_argument("--no-backup", dest="no_backup", action="store_true", help="与 --in-place 同用：不备份原文件")
    p.add_argument("--force", action="store_true", help="覆盖非本工具生成的“评分说明”工作表时使用")
    return p


def _new_parser() -> _Parser:
    p = _Parser(
        "new",
        "生成空白的附件2-1 表单（带公式和下拉选项），或填好的示例。\n已存在的文件不会被覆盖。",
        "示例：\n"
        "  pe-score new -o 新表.xlsx             # 空白表单\n"
        "  pe-score new --example -o 示例.xlsx   # 十堰市人社局 2021 年示例，97 分\n\n"
        + EXIT_STATUS_SIMPLE,
    )
    p.usage = "%(prog)s [-h] -o 新文件 [--example]"  # -o is required (checked in _new, in Chinese)
    p.add_argument("-o", "--output", metavar="新文件", help="新文件的路径（.xlsx；必填）")
    p.add_argument("--example", action="store_true", help="生成填好的示例（十堰市人社局 2021 年，97 分）")
    return p


def _check_parser() -> _Parser:
    p = _Parser(
        "check",
        "批量审核：逐个评分，与表中填报的自评得分比对，\n"
        "列出算错、自评偏高或触发 60 分上限的表。\n"
        "单个文件无法读取时给出原因并继续审核其余文件。",
        "示例：\n"
        "  pe-score check 2021年度自评表/             # 审核文件夹中的全部工作簿\n"
        "  pe-score check 2021年度自评表/ 各乡镇.zip --summary 汇总.xlsx --jobs 0\n"
        "  pe-score check a.xlsx b.xlsx --json        # 每张表一个 JSON 对象\n"
        "  pe-score check 自评表/ --summary 汇总.xlsx --overwrite\n"
        "                                             # 替换上次的汇总表（先备份）\n\n"
        + EXIT_STATUS_CHECK,
    )
    p.add_argument("paths", metavar="路径", nargs="*",
                   help="工作簿、文件夹（递归查找 .xlsx/.xlsm/.xls/.ods）或 .zip 压缩包，可给多个")
    p.add_argument("--summary", metavar="汇总.xlsx", help="把汇总写入这个 Excel 文件（.xlsx）")
    p.add_argument("--overwrite", action="store_true",
                   help="与 --summary 同用：汇总文件已存在时替换它（先备份）")
    p.add_argument("--json", dest="as_json", action="store_true", help="以 JSON 数组输出每张表的结果（只输出 JSON）")
    p.add_argument("--jobs", "-j", metavar="N", type=_non_negative_int, default=1,
                   help="并行进程数；0 表示使用全部 CPU 核；默认 1")
    p.add_argument("--profile", metavar="规则", default=None,
                   help="评分规则名或 TOML 规则文件路径；默认每张表按其式样自动选择")
    return p


def _profiles_parser() -> _Parser:
    return _Parser(
        "profiles",
        "列出可用的评分规则（默认规则标有“（默认）”）。",
        "示例：\n  pe-score profiles\n  pe-score score 自评表.xlsx --profile national-project\n\n" + EXIT_STATUS_SIMPLE,
    )


COMMANDS: dict[str, tuple[str, Callable[[], _Parser]]] = {
    "score": ("给一个附件2-1 工作簿评分", _score_parser),
    "new": ("生成空白的附件2-1 表单（或示例）", _new_parser),
    "check": ("批量审核：逐个评分并与表中填报的自评得分比对", _check_parser),
    "profiles": ("列出可用的评分规则", _profiles_parser),
}


def _top_help() -> str:
    width = max(len(c) for c in COMMANDS) + 2
    lines = [
        f"用法：{PROG} <子命令> [选项]",
        "",
        "部门整体支出绩效自评表（附件2-1）自动评分。",
        "",
        "子命令：",
        *(f"  {name:<{width}}{summary}" for name, (summary, _) in COMMANDS.items()),
        "",
        "选项：",
        "  -h, --help  显示本帮助并退出",
        "  --version   显示版本号并退出",
        "",
        "示例：",
        "  pe-score score 自评表.xlsx                      # 评分，在终端显示结果",
        "  pe-score score 自评表.xlsx --json               # 只输出 JSON",
        "  pe-score score 自评表.xlsx --write 评分后.xlsx   # 另存一份评分副本",
        "  pe-score check 2021年度自评表/ --summary 汇总.xlsx",
        "  pe-score new -o 空白表.xlsx",
        "",
        f"每个子命令的详细用法：{PROG} <子命令> -h，例如 {PROG} score -h",
        "",
        EXIT_STATUS_SCORE,
        "",
    ]
    return "\n".join(lines)


def _suggest(word: str, choices: Sequence[str]) -> Optional[str]:
    import difflib

    starts = [c for c in choices if c.startswith(word) or (len(word) >= 2 and word.startswith(c))]
    if len(starts) == 1:
        return starts[0]
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return close[0] if close else None


def _parse(command: str, argv: list[str]) -> argparse.Namespace:
    with _Chinese():  # built inside too: argparse's own gettext lookups (locale, .mo files) cost ~1 ms
        parser = COMMANDS[command][1]()
        args, extra = parser.parse_known_intermixed_args(argv)
    for token in extra:
        if token.startswith("-") and token != "-":
            name = token.split("=", 1)[0]
            hint = _suggest(name, parser.option_names())
            raise UsageError(f"{command} 没有选项 {name}" + (f"；你是不是要用 {hint}？" if hint else ""), command)
    if extra:
        raise UsageError(f"多余的参数：{' '.join(extra)}", command)
    return args


# ---- helpers ------------------------------------------------------------------------------


def _err(message: str) -> None:
    sys.stderr.write(f"{PROG}：{message}\n")
    sys.stderr.flush()


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("pe-score")
    except Exception:  # running from a checkout that was not installed
        try:
            import tomllib

            with open(Path(__file__).resolve().parent.parent / "pyproject.toml", "rb") as fh:
                return tomllib.load(fh)["project"]["version"]
        except Exception:
            return "未知"


def _num(x: Optional[float], digits: int = 2) -> str:
    from scoring.formatting import compact

    return compact(x, digits)


def _number(value: Any) -> Optional[float]:
    """What the form typed in a score or total cell ("2", "2分" count; blanks and dashes do not)."""
    from scoring.readings import typed_number

    return typed_number(value)[0]


def _differs(typed: Any, computed: Optional[float]) -> bool:
    t = _number(typed)
    return t is not None and computed is not None and abs(t - computed) >= 0.005


def _cell_key(cell: Optional[str]) -> tuple[int, int]:
    """Row-major order of an A1 address (``None`` and unparsable ones last)."""
    if not cell:
        return (1 << 30, 1 << 30)
    ref = cell.split(":", 1)[0].replace("$", "").upper()
    letters = "".join(ch for ch in ref if "A" <= ch <= "Z")
    digits = ref[len(letters):]
    if not letters or not digits.isdigit():
        return (1 << 30, 1 << 30)
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return (int(digits), col)


def in_cell_order(findings: Sequence[Any]) -> list[Any]:
    """Findings sorted as the form reads: by row, then column (stable for one cell)."""
    return sorted(findings, key=lambda f: _cell_key(getattr(f, "cell", None)))


_LEVELS = {"error": "错误", "warning": "警告", "info": "提示"}
_LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _load_profile(name: str):
    # pydantic looks for plugins through every installed distribution's entry points on first use
    # (a few ms of start-up); the command has none. A user's own setting wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from scoring.profiles import load_profile

    try:
        return load_profile(name)
    except Exception as exc:  # ProfileError, missing file, bad TOML
        raise Failed(
            f"无法加载评分规则“{name}”：{_sentence(exc)}可用 pe-score profiles 查看可选规则。"
        ) from None


def _print_table(scored: Any, profile: Any, written: Any, backup: Optional[Path], in_place: bool) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from scoring.report import METHOD_ZH, scored_goals

    form, result = scored.form, scored.result
    # Piped output (files, CI logs) gets room for the Chinese columns instead of rich's 80.
    wide = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120
    console = Console(highlight=False, soft_wrap=False, width=wide)

    head = form.unit or "（未填写单位名称）"
    year = f"{form.year}年度" if form.year else "年度未知"
    console.print(Text(f"{head} · {year} · 工作表“{result.sheet or form.sheet}”", style="bold"))
    title = getattr(profile, "title", "") or ""
    console.print(f"评分规则：{profile.name}" + (f"（{title}）" if title else ""))
    reading = getattr(scored, "reading", None)  # which family and profile, and why (workbook.families)
    if reading is not None:
        console.print(Text(f"  {reading.why}", style="dim"))

    b = result.budget
    from scoring.formatting import percent

    rate = percent(b.rate, 2)
    typed_budget = form.budget.typed_score if form.budget is not None else None
    budget_line = (
        f"预算执行：预算数 {_num(b.planned)} 万元，执行数 {_num(b.executed)} 万元，执行率 {rate}，"
        f"得分 {_num(b.score)} / {_num(b.points)}"
    )
    if _differs(typed_budget, b.score):
        budget_line += f"（表内填报 {_num(_number(typed_budget))}）"
    console.print(budget_line)
    if b.explanation:
        console.print(Text(f"  {b.explanation}", style="dim"))

    # The typed score beside the recomputed one, where they differ.
    differing = [ir for ir in result.indicators if _differs(ir.typed, ir.score)]
    goal_typed = [g.typed_subtotal for g in form.goals] if len(form.goals) == len(result.goals) else []
    differing_goals = [i for i, g in enumerate(result.goals) if i < len(goal_typed) and _differs(goal_typed[i], g.score)]
    show_typed = bool(differing or differing_goals)

    table = Table(box=box.SIMPLE_HEAVY, show_lines=False, expand=False)
    table.add_column("指标", overflow="fold", ratio=3)
    table.add_column("分值", justify="right", no_wrap=True)
    table.add_column("方法", no_wrap=True)
    table.add_column("得分", justify="right", no_wrap=True)
    if show_typed:
        table.add_column("表内填报", justify="right", no_wrap=True)
    table.add_column("说明", overflow="fold", ratio=4)
    by_goal: dict[int, list[Any]] = {}
    for ir in result.indicators:
        by_goal.setdefault(ir.goal, []).append(ir)
    scored = scored_goals(result)  # a goal without any indicator score shows a blank subtotal, not 0
    for gi, goal in enumerate(result.goals):
        row: list[Any] = [Text(goal.title, style="bold"), _num(goal.points), "小计",
                          Text(_num(goal.score if gi in scored else None), style="bold")]
        if show_typed:
            row.append(Text(_num(_number(goal_typed[gi])), style="red") if gi in differing_goals else "")
        table.add_row(*row, "", end_section=False)
        items = by_goal.get(gi, [])
        for k, ir in enumerate(items):
            row = [f"  {ir.name}", _num(ir.weight), METHOD_ZH.get(ir.method, str(ir.method)), _num(ir.score)]
            if show_typed:
                row.append(Text(_num(ir.typed), style="red") if _differs(ir.typed, ir.score) else "")
            table.add_row(*row, ir.explanation, end_section=(k == len(items) - 1))
    console.print(table)
    if show_typed:
        console.print(Text("“表内填报”一列只列出与重新计算的得分不一致的填报得分。", style="dim"))

    lines = []
    if result.deduction:
        lines.append(f"约束性指标扣分：-{_num(result.deduction)}")
    lines.append(f"合计（封顶前）：{_num(result.raw_total)}")
    if result.capped:
        limit = getattr(getattr(profile, "cap", None), "limit", 60)
        lines.append(f"约束性指标触发封顶：总分不超过 {_num(limit)} 分")
    console.print("\n".join(lines))
    total_line = f"总分：{_num(result.total)}"
    if _differs(form.typed_total, result.total):
        total_line += f"（表内合计填报 {_num(_number(form.typed_total))}）"
    if reading is not None and reading.status == "unscored":
        console.print(Text("总分：未评分（表中没有填写任何得分，不计总分）", style="bold"))
    else:
        console.print(Text(f"{total_line}    评价等级：{result.grade}", style="bold"))
    if result.claimed_total is not None:
        same = abs(result.claimed_total - result.total) < 0.005
        console.print(f"表内自评得分：{_num(result.claimed_total)}" + ("（一致）" if same else "（与计算结果不一致）"))

    if result.findings:
        ft = Table(title="检查发现（按单元格顺序）", box=box.SIMPLE, title_justify="left")
        ft.add_column("代码", no_wrap=True)
        ft.add_column("级别", no_wrap=True)
        ft.add_column("单元格", no_wrap=True)
        ft.add_column("说明", overflow="fold")
        for f in in_cell_order(result.findings):
            ft.add_row(f.code, Text(_LEVELS.get(f.severity, f.severity), style=_LEVEL_STYLE.get(f.severity, "")),
                       f.cell or "—", f.message)
        console.print(ft)
        n_err = len(result.errors)
        console.print(f"共 {len(result.findings)} 条发现，其中错误 {n_err} 条。")
    else:
        console.print("未发现问题。")
    if written is not None:
        console.print(f"已写入评分结果：{written.path}")
    if backup is not None:
        console.print(f"{'原文件' if in_place else '被替换的文件'}已备份为：{backup}")


# ---- commands -----------------------------------------------------------------------------


def _score(args: argparse.Namespace) -> int:
    from workbook.errors import WorkbookError, describe_os_error

    file, write = args.file, args.write
    if file is None:
        raise UsageError("缺少要评分的文件", "score")
    file = Path(file)
    write = Path(write) if write is not None else None
    overwritten: Optional[Path] = None
    created_backup: Optional[Path] = None
    try:
        if write is not None and args.in_place:
            raise Failed("--write 与 --in-place 不能同时使用。")
        if args.no_backup and not args.in_place:
            raise Failed("--no-backup 只能与 --in-place 一起使用。")
        if args.overwrite and write is None:
            raise Failed("--overwrite 只能与 --write 一起使用（--in-place 总是写回原文件）。")
        if not os.path.exists(file):
            raise Failed(f"找不到文件：{file}")
        if file.is_dir():
            raise Failed(f"{file} 是文件夹，不是工作簿。")
        import stat

        if not stat.S_ISREG(os.stat(file).st_mode):
            raise Failed(f"{file} 不是普通文件（是管道、设备或其他特殊文件），无法评分。")
        if write is not None and os.path.exists(write) and os.path.samefile(file, write):
            raise Failed(f"输出文件与输入文件相同（{file.name}）；如要直接修改原文件，请使用 --in-place。")
        writing = write is not None or args.in_place
        if writing and file.suffix.lower() not in (".xlsx", ".xlsm"):
            raise Failed(
                f"只能把评分结果写入 .xlsx / .xlsm 工作簿；请先在 Excel 或 WPS 中把 {file.name} 另存为 .xlsx，"
                "再使用 --write 或 --in-place。"
            )
        target = None
        source = file
        if write is not None:
            from pe_score import outputs

            target = outputs.check_output(write, overwrite=args.overwrite, inputs=[file])
        elif args.in_place:
            from pe_score import outputs

            source = outputs.check_in_place(file)  # a link: the file it points to
        profile = _load_profile(args.profile) if args.profile else None  # None: chosen from the form
        # One reader for both: the surgical writer itself never overwrites a cell holding a formula.
        from workbook.fast import read_grids

        gated = os.stat(source) if writing else None  # the file as the gate sees it (read_grids gates it)
        grids = read_grids(source)
        from workbook.pipeline import score_workbook

        scored = score_workbook(grids, args.sheet, profile)
        written = None
        if writing:
            from workbook.xlsx import write_scored

            # The backup is made here, and removed again if the write fails (the original is then
            # intact): a full disk must not leave a truncated copy that looks like a backup.
            if target is not None:
                created_backup = outputs.backup(target)
            elif not args.no_backup:
                created_backup = outputs.backup(outputs.Target(Path(source), existing=True))
            written = write_scored(source, target.path if target is not None else None, scored.plan,
                                   force=args.force, in_place=args.in_place, backup=False, gated=gated)
            overwritten, created_backup = created_backup, None
        used = getattr(scored, "profile", None) or profile
        if args.as_json:
            from scoring.report import result_json

            data = result_json(scored.result, used, form=scored.form)
            reading = getattr(scored, "reading", None)
            if reading is not None:  # which profile, and why; a form nobody scored has no total
                data["profile"] = scored.profile.name
                data["profile_reason"] = reading.why
                data["status"] = "未评分" if reading.status == "unscored" else "已评分"
                if reading.status == "unscored":
                    data["total"] = None
                    data["grade"] = None
            sys.stdout.buffer.write((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
            sys.stdout.flush()
            if written is not None:
                what = "原文件" if args.in_place else "被替换的文件"
                _err(f"已写入评分结果：{written.path}" + (f"（{what}备份为 {overwritten}）" if overwritten else ""))
        else:
            _print_table(scored, used, written, overwritten, args.in_place)
        return EXIT_FINDINGS if scored.result.errors else EXIT_OK
    except (Failed, WorkbookError) as exc:
        _err(_message(exc))
        return EXIT_FAILED
    except OSError as exc:
        _err(f"无法完成：{describe_os_error(exc, exc.filename or file)}")
        return EXIT_FAILED
    finally:
        if created_backup is not None:  # the write failed: the file it would have replaced is intact
            try:
                os.unlink(created_backup)
            except OSError:
                pass


def _new(args: argparse.Namespace) -> int:
    from workbook.errors import describe_os_error

    if not args.output:
        raise UsageError("缺少必需的选项 -o/--output（新文件的路径）", "new")
    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        _err(f"输出文件须使用 .xlsx 扩展名：{out}")
        return EXIT_FAILED
    from pe_score.templates import save_form

    try:
        path = save_form(out, example=args.example)
    except FileExistsError:
        _err(f"文件已存在，未覆盖：{out}")
        return EXIT_FAILED
    except OSError as exc:
        _err(f"无法写入 {out}：{describe_os_error(exc)}")
        return EXIT_FAILED
    print(f"已生成：{path}")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from workbook.errors import WorkbookError, describe_os_error

    if not args.paths:
        raise UsageError("缺少要审核的路径（工作簿、文件夹或 .zip 压缩包）", "check")
    summary = args.summary
    backup_made: Optional[Path] = None
    if args.overwrite and summary is None:
        _err("--overwrite 只能与 --summary 一起使用。")
        return EXIT_FAILED
    if summary is not None:
        from pe_score import outputs

        try:
            if Path(summary).suffix.lower() != ".xlsx":
                raise Failed(f"汇总文件须使用 .xlsx 扩展名：{summary}")
            target = outputs.check_output(summary, overwrite=args.overwrite, what="汇总表", inputs=args.paths)
            backup_made = outputs.backup(target)
        except (Failed, WorkbookError) as exc:
            _err(_message(exc))
            return EXIT_FAILED
        summary = target.path if target.existing else Path(summary)
    from pe_score.batch import run_check

    try:
        code = run_check(args.paths, summary=summary, as_json=args.as_json, jobs=args.jobs, profile=args.profile)
    except OSError as exc:
        where = f"汇总表 {summary}" if summary is not None else "结果"
        _err(f"无法写入{where}：{describe_os_error(exc)}")
        if backup_made is not None:
            _err(f"原来的汇总表未被改动（另有备份 {backup_made}）。")
        return EXIT_FAILED
    if backup_made is not None:
        print(f"被替换的汇总表已备份为：{backup_made}")
    return code


def _profiles(args: argparse.Namespace) -> int:
    from scoring.profiles import DEFAULT_PROFILE, list_profiles, load_profile

    for name in list_profiles():
        p = load_profile(name)
        mark = "（默认）" if name == DEFAULT_PROFILE else ""
        print(f"{name}{mark}\t{p.title or p.description}")
    return EXIT_OK


_RUN: dict[str, Callable[[argparse.Namespace], int]] = {
    "score": _score, "new": _new, "check": _check, "profiles": _profiles,
}


# ---- entry point --------------------------------------------------------------------------


def _dispatch(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write(_top_help())
        return EXIT_FAILED
    head, rest = argv[0], argv[1:]
    if head in ("-h", "--help"):
        sys.stdout.write(_top_help())
        return EXIT_OK
    if head == "--version":
        print(f"{PROG} {_version()}")
        return EXIT_OK
    if head.startswith("-"):
        hint = _suggest(head.split("=", 1)[0], ["--help", "--version"])
        raise UsageError(f"没有选项 {head}" + (f"；你是不是要用 {hint}？" if hint else "") + "选项须写在子命令之后")
    if head not in COMMANDS:
        hint = _suggest(head, list(COMMANDS))
        raise UsageError(
            f"没有子命令“{head}”" + (f"；你是不是要用“{hint}”？" if hint else "")
            + f"可用的子命令：{'、'.join(COMMANDS)}"
        )
    if head == "score":
        return _without_cycle_collection(lambda: _RUN[head](_parse(head, rest)))
    return _RUN[head](_parse(head, rest))


def _without_cycle_collection(run: Callable[[], int]) -> int:
    """``run()`` with Python's cyclic garbage collector paused, then resumed (if it was running).

    One file scored (and written) creates a bounded number of reference cycles (expat parsers and their
    handlers, the notes' element trees), all freed when the collector resumes or the process ends; left
    running, it walks every object the imports made, ~20 times on a ``--write`` of the example (~3 ms
    counted in its callbacks; the process's CPU time drops by ~1 ms).
    ``check`` reads many files in one process and keeps the collector."""
    import gc

    if not gc.isenabled():
        return run()
    gc.disable()
    try:
        return run()
    finally:
        gc.enable()


def _quiet_unraisable(unraisable) -> None:
    """Errors in finalisers (a ``ZipFile.__del__`` after the disk filled up) print a traceback by
    default; the user already has the Chinese message. ``PE_SCORE_DEBUG=1`` shows them."""
    if os.environ.get("PE_SCORE_DEBUG"):
        sys.__unraisablehook__(unraisable)


def _warm_patterns() -> None:
    """For ``python -m scoring.lazy``: what the standard library compiles on a run (every command's
    parser built and used, the JSON written with its indent) goes into the pattern cache."""
    for command in COMMANDS:
        _parse(command, [])
    _parse("score", ["示例.xlsx", "--json", "--write", "评分.xlsx"])
    json.dumps({"键": [1, 2.5, None]}, ensure_ascii=False, indent=2)


def main(argv: Optional[list[str]] = None) -> int:
    """Console-script entry: never shows a traceback; returns the exit status above."""
    for stream in (sys.stdout, sys.stderr):
        try:  # a console that cannot show Chinese must not crash the run
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
    argv = list(sys.argv[1:] if argv is None else argv)
    saved_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_unraisable
    code = EXIT_FAILED
    try:
        code = _dispatch([os.fspath(a) for a in argv])
    except _HelpShown as shown:
        sys.stdout.write(shown.text)
        code = EXIT_OK
    except UsageError as exc:
        where = f"{PROG} {exc.command} -h" if exc.command else f"{PROG} -h"
        _err(f"命令行参数有误：{_sentence(exc)}用 {where} 查看用法。")
        code = EXIT_FAILED
    except KeyboardInterrupt:
        _err("已中断。")
        code = EXIT_FAILED
    except SystemExit as exc:  # rich exits 1 itself when the reader of a pipe leaves
        code = exc.code if isinstance(exc.code, int) else EXIT_FAILED
    except BrokenPipeError:  # `pe-score ... | head`: the reader left; say nothing more
        try:  # Python's own advice: point stdout at devnull so the final flush cannot fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        code = EXIT_FAILED
    except Exception as exc:  # the last line of defence: a message, never a traceback
        code = _last_resort(exc)
    finally:
        try:
            sys.stdout.flush()
        except Exception:
            pass
        if code == EXIT_FAILED:
            import gc

            gc.collect()  # finalisers of a failed write run now, under the quiet hook
        sys.unraisablehook = saved_hook
    return code


def _last_resort(exc: Exception) -> int:
    from workbook.errors import WorkbookError, describe_os_error

    if isinstance(exc, WorkbookError):
        _err(_message(exc))
    elif isinstance(exc, OSError):
        _err(f"无法完成：{describe_os_error(exc, exc.filename)}")
    else:
        _err("内部错误：程序遇到了意料之外的情况。请把这条信息和文件一起报告给维护者"
             "（设置环境变量 PE_SCORE_DEBUG=1 再运行一次，可看到供维护者查看的详细信息）。")
        if os.environ.get("PE_SCORE_DEBUG"):
            import traceback

            traceback.print_exception(exc)
    return EXIT_FAILED
