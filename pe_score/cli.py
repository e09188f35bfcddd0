"""The ``pe-score`` command: score a 附件2-1 workbook, make a blank form, list the scoring profiles.

Start-up time matters (people run this on every save): only typer and the standard library are
imported at module level; openpyxl, rich and the scoring core are imported on the paths that use them.

Exit status: 0 scored without error findings, 1 error findings exist, 2 the file cannot be read /
holds no form / cannot be written (or the command line is wrong).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Optional

import typer

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2

app = typer.Typer(
    name="pe-score",
    help="部门整体支出绩效自评表（附件2-1）自动评分。",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Failed(Exception):
    """A user-facing failure with a Chinese message; exit status 2."""


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


def _show_version(value: bool) -> None:
    if value:
        print(f"pe-score {_version()}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="显示版本号并退出。", callback=_show_version, is_eager=True
    ),
) -> None:
    """部门整体支出绩效自评表（附件2-1）自动评分。"""


# ---- helpers ------------------------------------------------------------------------------


def _err(message: str) -> None:
    sys.stderr.write(f"pe-score：{message}\n")
    sys.stderr.flush()


def _num(x: Optional[float], digits: int = 2) -> str:
    if x is None:
        return "—"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.{digits}f}".rstrip("0").rstrip(".")


_LEVELS = {"error": "错误", "warning": "警告", "info": "提示"}
_LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _load_profile(name: str):
    from scoring.profiles import load_profile

    try:
        return load_profile(name)
    except Exception as exc:  # ProfileError, missing file, bad TOML
        raise Failed(f"无法加载评分规则“{name}”：{exc}。可用 pe-score profiles 查看可选规则。") from None


def _print_table(scored: Any, profile: Any, written: Any) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from scoring.report import METHOD_ZH

    form, result = scored.form, scored.result
    # Piped output (files, CI logs) gets room for the Chinese columns instead of rich's 80.
    wide = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120
    console = Console(highlight=False, soft_wrap=False, width=wide)

    head = form.unit or "（未填写单位名称）"
    year = f"{form.year}年度" if form.year else "年度未知"
    console.print(Text(f"{head} · {year} · 工作表“{result.sheet or form.sheet}”", style="bold"))
    title = getattr(profile, "title", "") or ""
    console.print(f"评分规则：{profile.name}" + (f"（{title}）" if title else ""))
    reading = getattr(scored, "reading", None)
    if reading is not None:
        console.print(Text(f"  {reading.why}", style="dim"))

    b = result.budget
    rate = f"{b.rate * 100:.2f}%" if b.rate is not None else "—"
    console.print(
        f"预算执行：预算数 {_num(b.planned)} 万元，执行数 {_num(b.executed)} 万元，执行率 {rate}，"
        f"得分 {_num(b.score)} / {_num(b.points)}"
    )
    if b.explanation:
        console.print(Text(f"  {b.explanation}", style="dim"))

    table = Table(box=box.SIMPLE_HEAVY, show_lines=False, expand=False)
    table.add_column("指标", overflow="fold", ratio=3)
    table.add_column("分值", justify="right", no_wrap=True)
    table.add_column("方法", no_wrap=True)
    table.add_column("得分", justify="right", no_wrap=True)
    table.add_column("说明", overflow="fold", ratio=4)
    by_goal: dict[int, list[Any]] = {}
    for ir in result.indicators:
        by_goal.setdefault(ir.goal, []).append(ir)
    for gi, goal in enumerate(result.goals):
        table.add_row(
            Text(goal.title, style="bold"), _num(goal.points), "小计", Text(_num(goal.score), style="bold"), "",
            end_section=False,
        )
        items = by_goal.get(gi, [])
        for k, ir in enumerate(items):
            table.add_row(
                f"  {ir.name}", _num(ir.weight), METHOD_ZH.get(ir.method, str(ir.method)), _num(ir.score),
                ir.explanation, end_section=(k == len(items) - 1),
            )
    console.print(table)

    lines = []
    if result.deduction:
        lines.append(f"约束性指标扣分：-{_num(result.deduction)}")
    lines.append(f"合计（封顶前）：{_num(result.raw_total)}")
    if result.capped:
        limit = getattr(getattr(profile, "cap", None), "limit", 60)
        lines.append(f"约束性指标触发封顶：总分不超过 {_num(limit)} 分")
    console.print("\n".join(lines))
    if reading is not None and reading.status == "unscored":
        console.print(Text("总分：未评分（表中没有填写任何得分，不计总分）", style="bold"))
    else:
        console.print(Text(f"总分：{_num(result.total)}    评价等级：{result.grade}", style="bold"))
    if result.claimed_total is not None:
        same = abs(result.claimed_total - result.total) < 0.005
        console.print(f"表内自评得分：{_num(result.claimed_total)}" + ("（一致）" if same else "（与计算结果不一致）"))

    if result.findings:
        ft = Table(title="检查发现", box=box.SIMPLE, title_justify="left")
        ft.add_column("代码", no_wrap=True)
        ft.add_column("级别", no_wrap=True)
        ft.add_column("单元格", no_wrap=True)
        ft.add_column("说明", overflow="fold")
        for f in result.findings:
            ft.add_row(f.code, Text(_LEVELS.get(f.severity, f.severity), style=_LEVEL_STYLE.get(f.severity, "")),
                       f.cell or "—", f.message)
        console.print(ft)
        n_err = len(result.errors)
        console.print(f"共 {len(result.findings)} 条发现，其中错误 {n_err} 条。")
    else:
        console.print("未发现问题。")
    if written is not None:
        console.print(f"已写入评分结果：{written.path}")
        if written.backup:
            console.print(f"原文件已备份为：{written.backup}")


# ---- commands -----------------------------------------------------------------------------


@app.command()
def score(
    file: Path = typer.Argument(..., help="要评分的工作簿（.xlsx / .xlsm / .xls / .ods）。", show_default=False),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="表单所在的工作表名；默认自动查找。"),
    profile: Optional[str] = typer.Option(
        None, "--profile", help="评分规则名或 TOML 文件路径；默认按表格式样自动选择（并说明理由）。", show_default=False),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出结果（只输出 JSON）。"),
    write: Optional[Path] = typer.Option(None, "--write", help="把评分结果写入这个新文件。", show_default=False),
    in_place: bool = typer.Option(False, "--in-place", help="直接写回原文件（默认先备份）。"),
    no_backup: bool = typer.Option(False, "--no-backup", help="与 --in-place 同用：不备份原文件。"),
    force: bool = typer.Option(False, "--force", help="即使会丢失图片、图表等内容也写入。"),
) -> None:
    """给一个附件2-1 工作簿评分。"""
    raise typer.Exit(_score(file, sheet, profile, as_json, write, in_place, no_backup, force))


def _score(file: Path, sheet, profile_name, as_json, write, in_place, no_backup, force) -> int:
    from workbook.errors import WorkbookError

    try:
        if write is not None and in_place:
            raise Failed("--write 与 --in-place 不能同时使用。")
        if no_backup and not in_place:
            raise Failed("--no-backup 只能与 --in-place 一起使用。")
        if write is not None and file.exists() and write.exists() and os.path.samefile(file, write):
            raise Failed(f"输出文件与输入文件相同（{file.name}）；如要直接修改原文件，请使用 --in-place。")
        if not file.exists():
            raise Failed(f"找不到文件：{file}")
        if file.is_dir():
            raise Failed(f"{file} 是文件夹，不是工作簿。")
        writing = write is not None or in_place
        if writing and file.suffix.lower() not in (".xlsx", ".xlsm"):
            raise Failed(
                f"只能把评分结果写入 .xlsx / .xlsm 工作簿；请先在 Excel 或 WPS 中把 {file.name} 另存为 .xlsx，"
                "再使用 --write 或 --in-place。"
            )
        profile = _load_profile(profile_name) if profile_name else None  # None: chosen from the form
        if writing:
            from workbook.xlsx import read_grids
        else:
            from workbook.fast import read_grids
        grids = read_grids(file)
        from workbook.pipeline import score_workbook

        scored = score_workbook(grids, sheet, profile)
        written = None
        if writing:
            from workbook.xlsx import write_scored

            written = write_scored(file, write, scored.plan, force=force, in_place=in_place, backup=not no_backup)
        if as_json:
            from scoring.report import result_json

            data = result_json(scored.result, scored.profile if getattr(scored, "profile", None) else profile)
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
                _err(f"已写入评分结果：{written.path}" + (f"（原文件备份为 {written.backup}）" if written.backup else ""))
        else:
            _print_table(scored, getattr(scored, "profile", None) or profile, written)
        return EXIT_FINDINGS if scored.result.errors else EXIT_OK
    except (Failed, WorkbookError) as exc:
        _err(str(exc))
        return EXIT_FAILED


@app.command()
def new(
    out: Path = typer.Option(..., "-o", "--output", help="新文件的路径（.xlsx）。", show_default=False),
    example: bool = typer.Option(False, "--example", help="生成填好的示例（十堰市人社局 2021 年，97 分）。"),
) -> None:
    """生成空白的附件2-1 表单（或示例）。"""
    from pe_score.templates import save_form

    if out.suffix.lower() != ".xlsx":
        _err(f"输出文件须使用 .xlsx 扩展名：{out}")
        raise typer.Exit(EXIT_FAILED)
    try:
        path = save_form(out, example=example)
    except FileExistsError:
        _err(f"文件已存在，未覆盖：{out}")
        raise typer.Exit(EXIT_FAILED)
    except OSError as exc:
        _err(f"无法写入 {out}：{exc.strerror or exc}")
        raise typer.Exit(EXIT_FAILED)
    print(f"已生成：{path}")


@app.command()
def check(
    paths: list[Path] = typer.Argument(..., help="工作簿、文件夹（递归查找 .xlsx/.xlsm/.xls/.ods）或 .zip 压缩包。", show_default=False),
    summary: Optional[Path] = typer.Option(None, "--summary", help="把汇总写入这个 Excel 文件（.xlsx）。", show_default=False),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 数组输出每张表的结果（只输出 JSON）。"),
    jobs: int = typer.Option(1, "--jobs", "-j", min=0, help="并行进程数；0 表示使用全部 CPU 核。"),
    profile: Optional[str] = typer.Option(
        None, "--profile", help="评分规则名或 TOML 文件路径；默认每张表按其式样自动选择。", show_default=False),
) -> None:
    """批量审核：逐个评分并与表中填报的自评得分比对。"""
    from pe_score.batch import run_check

    raise typer.Exit(run_check(paths, summary=summary, as_json=as_json, jobs=jobs, profile=profile))


@app.command()
def profiles() -> None:
    """列出可用的评分规则。"""
    from scoring.profiles import DEFAULT_PROFILE, list_profiles, load_profile

    for name in list_profiles():
        p = load_profile(name)
        mark = "（默认）" if name == DEFAULT_PROFILE else ""
        print(f"{name}{mark}\t{p.title or p.description}")


# Sub-commands defined in other modules register here (e.g. `check` from pe_score.batch).


# ---- entry point --------------------------------------------------------------------------


def _exit_code_for(exc: Exception) -> int:
    """Map an exception escaping the typer app to an exit status, printing a message.

    Click's exceptions are matched by shape, not class: newer typer vendors its own copy of click.
    """
    from workbook.errors import WorkbookError

    kind = type(exc).__name__
    if kind == "Exit" and hasattr(exc, "exit_code"):
        return int(exc.exit_code)
    if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # usage errors: wrong option, missing argument
        if kind == "NoArgsIsHelpError":
            return EXIT_FAILED
        try:
            detail = exc.format_message().rstrip(".")
        except Exception:
            detail = str(exc)
        _err(f"命令行参数有误：{detail}。用 pe-score -h 或 pe-score score -h 查看用法。")
        return EXIT_FAILED
    if kind == "Abort":
        _err("已中断。")
        return EXIT_FAILED
    if isinstance(exc, WorkbookError):
        _err(str(exc))
        return EXIT_FAILED
    _err(f"内部错误（{kind}：{exc}）。请把这条信息和文件一起报告给维护者。")
    if os.environ.get("PE_SCORE_DEBUG"):
        import traceback

        traceback.print_exception(exc)
    return EXIT_FAILED


def main(argv: Optional[list[str]] = None) -> int:
    """Console-script entry: never shows a traceback; returns (and exits with) the status above."""
    for stream in (sys.stdout, sys.stderr):
        try:  # a console that cannot show Chinese must not crash the run
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
    try:
        code = app(args=argv, prog_name="pe-score", standalone_mode=False)
        code = code if isinstance(code, int) else EXIT_OK
    except KeyboardInterrupt:
        _err("已中断。")
        code = EXIT_FAILED
    except Exception as exc:  # the last line of defence: a message, never a traceback
        code = _exit_code_for(exc)
    return code
