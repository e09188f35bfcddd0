"""Install pe-score into Excel: its own virtual environment, the add-in in Excel's start-up folder,
the add-in pointed at that interpreter, and the worksheet functions imported (Windows).

Run by ``install.bat`` / ``install.command`` / ``uninstall.bat``; those scripts only find a Python and
call ``python install/pe_install.py install|uninstall``. Everything that can be decided without Excel
(paths, configuration, version checks, what to tell the user) is a pure function tested on Linux;
the few Windows/macOS calls are at the bottom and kept thin.

Run with ``--dry-run`` to print the plan without changing anything.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Callable, Mapping, Optional, Sequence

MIN_PYTHON = (3, 10)
APP_DIR_NAME = "pe-score"
ADDIN_FILE = "addin.xlam"  # the ribbon runs "import addin; addin.main()": the file name is the module name
UDF_MODULE = "addin.functions"
UDF_VBA_MODULE = "xlwings_udfs"  # the VBA module xlwings' import_udfs creates
OFFICE_VERSIONS = ("16.0", "15.0", "14.0")  # 2016/2019/2021/365, 2013, 2010
MAC_STARTUP = ("Library", "Group Containers", "UBF8T346G9.Office", "User Content.localized",
               "Startup.localized", "Excel")
REPO = Path(__file__).resolve().parents[1]


class InstallError(Exception):
    """Stops the installer; ``str()`` is the Chinese message shown to the user."""


# ---- pure: versions --------------------------------------------------------------------------


def version_ok(version: Sequence[int], minimum: Sequence[int] = MIN_PYTHON) -> bool:
    return tuple(version[:2]) >= tuple(minimum)


def parse_python_version(text: str) -> Optional[tuple[int, int, int]]:
    """"Python 3.11.7" (output of ``python --version``) → (3, 11, 7); None if unreadable."""
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def pick_python(candidates: Mapping[str, str], minimum: Sequence[int] = MIN_PYTHON) -> Optional[str]:
    """The newest interpreter ≥ minimum among {path: "--version output"}; None when there is none."""
    best: Optional[tuple[tuple[int, int, int], str]] = None
    for path, out in candidates.items():
        v = parse_python_version(out)
        if v and version_ok(v, minimum) and (best is None or v > best[0]):
            best = (v, path)
    return best[1] if best else None


def parse_py_launcher_list(text: str) -> list[str]:
    """Interpreter paths from ``py -0p`` (Windows launcher), old (`` -3.11-64  C:\\...``) and new
    (`` -V:3.12 *  C:\\...``) formats alike."""
    out = []
    for line in (text or "").splitlines():
        m = re.match(r"^\s*-\S+(?:\s+\*)?\s+(.+?\.exe)\s*$", line, re.I)
        if m:
            out.append(m.group(1))
    return out


def python_too_old_message(version: Sequence[int]) -> str:
    have = ".".join(str(x) for x in version[:3])
    need = ".".join(str(x) for x in MIN_PYTHON)
    return (f"当前 Python 版本为 {have}，pe-score 需要 Python {need} 或更高版本。\n"
            "请从 https://www.python.org/downloads/ 下载安装（安装时勾选“Add python.exe to PATH”），"
            "然后重新运行安装程序。")


# ---- pure: paths -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paths:
    platform: str  # "win" or "mac"
    app_dir: PurePath
    venv: PurePath
    python: PurePath  # the venv's interpreter for pip and the installer's second stage
    excel_python: PurePath  # what the add-in runs (Windows: pythonw.exe, no console window)
    xlstart: PurePath
    addin: PurePath  # the installed add-in
    staged_addin: PurePath  # built and configured here before it is copied into XLSTART
    launcher: Optional[PurePath] = None  # macOS: a space-free wrapper script (see mac_launcher_script)


def platform_key(sys_platform: str = sys.platform) -> str:
    if sys_platform.startswith("win"):
        return "win"
    if sys_platform == "darwin":
        return "mac"
    raise InstallError("pe-score 的 Excel 加载项只能安装在 Windows 或 macOS 上；Linux 请使用命令行 pe-score。")


def install_paths(platform: str, env: Mapping[str, str], home: Optional[str] = None) -> Paths:
    """Where everything goes. ``env`` is the environment (LOCALAPPDATA, APPDATA on Windows)."""
    if platform == "win":
        local, roaming = env.get("LOCALAPPDATA"), env.get("APPDATA")
        if not local or not roaming:
            raise InstallError("找不到用户目录（LOCALAPPDATA / APPDATA 环境变量为空），请以普通用户身份运行安装程序。")
        app = PureWindowsPath(local) / APP_DIR_NAME
        venv = app / "venv"
        xlstart = PureWindowsPath(roaming) / "Microsoft" / "Excel" / "XLSTART"
        return Paths("win", app, venv, venv / "Scripts" / "python.exe", venv / "Scripts" / "pythonw.exe",
                     xlstart, xlstart / ADDIN_FILE, app / ADDIN_FILE)
    if platform == "mac":
        h = PurePosixPath(home or env.get("HOME") or "")
        if not str(h) or str(h) == ".":
            raise InstallError("找不到用户主目录（HOME 为空）。")
        app = h / "Library" / "Application Support" / APP_DIR_NAME
        venv = app / "venv"
        xlstart = h.joinpath(*MAC_STARTUP)
        py = venv / "bin" / "python"
        launcher = h / ".pe-score" / "python"
        return Paths("mac", app, venv, py, launcher, xlstart, xlstart / ADDIN_FILE, app / ADDIN_FILE, launcher)
    raise InstallError(f"不支持的平台：{platform}")


def mac_launcher_script(paths: Paths) -> str:
    """xlwings' AppleScript puts the interpreter path into a shell command unquoted, so the venv under
    "Application Support" (a space) cannot be named directly; the add-in runs this wrapper instead."""
    target = str(paths.python).replace("'", "'\\''")
    return f"#!/bin/sh\n# pe-score: run the add-in's Python (created by install.command)\nexec '{target}' \"$@\"\n"


def addin_config(paths: Paths) -> dict[str, str]:
    """Config keys written into the add-in's own ``myaddin.conf`` sheet. xlwings' VBA reads, in order,
    the active workbook's sheet, the add-in's sheet, a file next to the workbook, then the user's file;
    the add-in's sheet keeps the setting with the add-in and away from other xlwings add-ins."""
    key = "Interpreter_Win" if paths.platform == "win" else "Interpreter_Mac"
    return {key: str(paths.excel_python), "UDF Modules": UDF_MODULE}


def pip_install_command(paths: Paths, source: PurePath, xlwings_version: str) -> list[str]:
    """pip into the venv: the package from ``source`` and xlwings pinned to the add-in's VBA version
    (its VBA declares ``xlwings64-<version>.dll`` by name)."""
    return [str(paths.python), "-m", "pip", "install", "--disable-pip-version-check", "--upgrade",
            str(source), f"xlwings=={xlwings_version}"]


# ---- pure: Excel's security settings -----------------------------------------------------------

VBA_WARNINGS = {
    1: "启用所有宏",
    2: "禁用所有宏，并发出通知",
    3: "禁用无数字签署的所有宏",
    4: "禁用所有宏，并且不通知",
}


def security_problems(settings: Mapping[str, Optional[int]], need_udfs: bool = True) -> list[str]:
    """Chinese step-by-step instructions for every Excel setting that stops pe-score.

    ``settings`` are the DWORDs under HKCU\\Software\\Microsoft\\Office\\<ver>\\Excel\\Security
    (missing = None = Excel's default): VBAWarnings (default 2) and AccessVBOM (default 0).
    The add-in sits in XLSTART, a trusted location, so only "disable all without notification"
    (4) and a policy that blocks trusted locations stop its macros.
    """
    problems: list[str] = []
    warnings = settings.get("VBAWarnings")
    if warnings == 4 or settings.get("DisableAllTrustedLocations") == 1:
        problems.append(
            "Excel 禁止运行宏，“绩效评分”选项卡的按钮将无法使用。请按以下步骤打开：\n"
            "  1. 打开 Excel，点击“文件” → “选项” → “信任中心” → “信任中心设置”；\n"
            "  2. 在“宏设置”中选择“禁用所有宏，并发出通知”（不要选“禁用所有宏，并且不通知”）；\n"
            "  3. 在“受信任位置”中确认未勾选“禁用所有受信任位置”；\n"
            "  4. 点击“确定”，关闭并重新打开 Excel。\n"
            "  （如果这些选项是灰色的，说明由单位的组策略管理，请联系信息中心。）")
    if need_udfs and settings.get("AccessVBOM") != 1:
        problems.append(
            "导入工作表函数（=PE_SCORE 等）需要暂时允许访问 VBA 工程。请按以下步骤打开：\n"
            "  1. 打开 Excel，点击“文件” → “选项” → “信任中心” → “信任中心设置”；\n"
            "  2. 点击“宏设置”，勾选“信任对 VBA 工程对象模型的访问”；\n"
            "  3. 点击“确定”，关闭 Excel，然后重新运行安装程序。\n"
            "  （安装完成后可以再取消勾选；不导入函数时，功能区按钮“重新计算得分”仍可使用。）")
    return problems


def patch_udf_vba(code: str) -> tuple[str, int]:
    """xlwings' generated UDF wrappers turn a Python exception into the message text
    (``PE_SCORE = Err.Description``). Text in a score cell is skipped by SUM, so make it #VALUE!
    (``CVErr(xlErrValue)``, xlErrValue = 2015). Returns (code, number of wrappers patched)."""
    pattern = re.compile(r"^(\s*)(\w+) = Err\.Description\s*$", re.M)
    return pattern.subn(r"\1\2 = CVErr(2015)", code)


def xlwings_version_of(addin_bytes: bytes) -> str:
    sys.path.insert(0, str(REPO))
    from addin.build_addin import read_config

    return read_config(addin_bytes)["XLWINGS_VERSION"]


@dataclass
class Step:
    what: str  # Chinese, shown to the user
    run: Callable[[], None]


def plan_install(paths: Paths, source: PurePath, addin_bytes: bytes, *, with_udfs: bool) -> list[Step]:
    """The install as a list of steps (nothing happens until they are run)."""
    version = xlwings_version_of(addin_bytes)
    steps = [
        Step(f"创建独立的 Python 环境：{paths.venv}", lambda: _create_venv(paths)),
        Step(f"安装 pe-score 与 xlwings {version}（需要联网，约 1–3 分钟）",
             lambda: _run(pip_install_command(paths, source, version))),
        Step(f"生成加载项并指向 {paths.excel_python}", lambda: _stage_addin(paths, addin_bytes)),
    ]
    if with_udfs:
        steps.append(Step("把工作表函数（=PE_SCORE 等）导入加载项",
                          lambda: _run([str(paths.python), str(Path(__file__)), "import-udfs",
                                        str(paths.staged_addin)])))
    if paths.launcher is not None:
        steps.append(Step(f"创建启动脚本：{paths.launcher}", lambda: _write_launcher(paths)))
    if paths.platform == "mac":
        xlwings_cli = paths.venv / "bin" / "xlwings"
        steps.append(Step("允许 Excel 调用 Python（xlwings runpython install）",
                          lambda: _run([str(xlwings_cli), "runpython", "install"])))
    steps.append(Step(f"把加载项放入 Excel 启动文件夹：{paths.addin}", lambda: _copy_addin(paths)))
    return steps


def plan_uninstall(paths: Paths) -> list[Step]:
    steps = [
        Step(f"删除加载项：{paths.addin}", lambda: _remove(Path(paths.addin))),
        Step(f"删除 Python 环境：{paths.app_dir}", lambda: _remove(Path(paths.app_dir))),
    ]
    if paths.launcher is not None:
        steps.append(Step(f"删除启动脚本：{paths.launcher.parent}", lambda: _remove(Path(paths.launcher.parent))))
    return steps


# ---- side effects (thin) -----------------------------------------------------------------------


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd)
    if result.returncode != 0:
        raise InstallError(f"命令执行失败（退出码 {result.returncode}）：{' '.join(cmd)}\n"
                           "请检查网络连接后重新运行安装程序；如仍失败，请把上面的输出发给维护人员。")


def _create_venv(paths: Paths) -> None:
    if Path(paths.python).exists():
        return
    Path(paths.app_dir).mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "venv", str(paths.venv)])


def _write_launcher(paths: Paths) -> None:
    path = Path(paths.launcher)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(mac_launcher_script(paths), encoding="utf-8")
    path.chmod(0o755)


def _stage_addin(paths: Paths, addin_bytes: bytes) -> None:
    sys.path.insert(0, str(REPO))
    from addin.build_addin import set_config

    Path(paths.staged_addin).write_bytes(set_config(addin_bytes, addin_config(paths)))


def _copy_addin(paths: Paths) -> None:
    target = Path(paths.addin)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(paths.staged_addin, target)
    except PermissionError:
        raise InstallError("无法写入加载项文件：Excel 可能正在运行。请关闭所有 Excel 窗口后重新运行安装程序。") from None
    if paths.platform == "win":
        # A file unpacked from a downloaded zip carries the "Mark of the Web"; Excel then blocks its macros.
        try:
            os.remove(str(target) + ":Zone.Identifier")
        except OSError:
            pass


def _remove(path: Path) -> None:
    try:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    except PermissionError:
        raise InstallError(f"无法删除 {path}：请关闭所有 Excel 窗口后重试。") from None


def read_security_settings() -> dict[str, Optional[int]]:  # pragma: no cover - Windows registry
    """The Excel security DWORDs of the newest Office version that has a Security key."""
    import winreg

    for ver in OFFICE_VERSIONS:
        key_path = rf"Software\Microsoft\Office\{ver}\Excel\Security"
        try:
            key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, key_path)
        except OSError:
            continue
        out: dict[str, Optional[int]] = {}
        for name in ("VBAWarnings", "AccessVBOM"):
            try:
                out[name] = int(winreg.QueryValueEx(key, name)[0])
            except OSError:
                out[name] = None
        try:
            tl = winreg.OpenKey(winreg.HKEY_CURRENT_USER, key_path + r"\Trusted Locations")
            out["DisableAllTrustedLocations"] = int(winreg.QueryValueEx(tl, "AllLocationsDisabled")[0])
        except OSError:
            out["DisableAllTrustedLocations"] = None
        return out
    return {}


def find_newer_python() -> Optional[str]:  # pragma: no cover - needs the Windows py launcher
    try:
        listing = subprocess.run(["py", "-0p"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    candidates = {}
    for exe in parse_py_launcher_list(listing):
        try:
            candidates[exe] = subprocess.run([exe, "--version"], capture_output=True, text=True,
                                             timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            continue
    return pick_python(candidates)


def import_udfs(xlam: str) -> None:  # pragma: no cover - needs Excel on Windows
    """Second stage, run by the venv's Python: open the staged add-in in a hidden Excel, let xlwings
    write the UDF wrappers into its VBA project, make failures #VALUE!, save."""
    import xlwings as xw
    from xlwings.udfs import import_udfs as xw_import_udfs

    app = xw.App(visible=False, add_book=False)
    try:
        app.display_alerts = False
        book = app.books.open(xlam)
        try:
            xw_import_udfs(UDF_MODULE, book.api)
        except Exception as exc:  # noqa: BLE001 - COM raises many kinds; the user needs the fix, not the type
            raise InstallError(
                "导入工作表函数失败。最常见的原因是没有勾选“信任对 VBA 工程对象模型的访问”：\n"
                "文件 → 选项 → 信任中心 → 信任中心设置 → 宏设置 → 勾选该项，然后重新运行安装程序。\n"
                f"（详细信息：{exc}）") from None
        module = book.api.VBProject.VBComponents(UDF_VBA_MODULE).CodeModule
        code = module.Lines(1, module.CountOfLines) if module.CountOfLines else ""
        patched, n = patch_udf_vba(code)
        if n:
            module.DeleteLines(1, module.CountOfLines)
            module.AddFromString(patched)
        book.api.Save()
        book.close()
    finally:
        app.quit()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="pe_install", description="安装或卸载 pe-score Excel 加载项")
    parser.add_argument("action", choices=["install", "uninstall", "import-udfs", "check"])
    parser.add_argument("path", nargs="?")
    parser.add_argument("--no-udfs", action="store_true", help="只安装功能区按钮，不导入工作表函数")
    parser.add_argument("--dry-run", action="store_true", help="只显示将要执行的步骤")
    args = parser.parse_args(argv)
    try:
        if not version_ok(sys.version_info):
            newer = find_newer_python()
            if newer:  # re-run ourselves with a suitable interpreter found by the py launcher
                return subprocess.call([newer, str(Path(__file__))] + list(argv if argv is not None else sys.argv[1:]))
            raise InstallError(python_too_old_message(sys.version_info))
        if args.action == "import-udfs":
            import_udfs(args.path)
            return 0
        platform = platform_key()
        paths = install_paths(platform, os.environ, str(Path.home()))
        with_udfs = platform == "win" and not args.no_udfs
        if args.action in ("install", "check") and platform == "win":
            problems = security_problems(read_security_settings(), need_udfs=with_udfs)
            for i, p in enumerate(problems, 1):
                print(f"\n【需要设置 {i}】{p}")
            if args.action == "check":
                print("\nExcel 设置检查完成。" if not problems else "")
                return 1 if problems else 0
            if any("VBA 工程" in p for p in problems):
                raise InstallError("请先完成上面的设置，再重新运行安装程序；"
                                   "或运行 install.bat --no-udfs 只安装功能区按钮。")
        if args.action == "check":
            return 0
        if args.action == "install":
            addin_bytes = (REPO / "addin" / ADDIN_FILE).read_bytes()
            steps = plan_install(paths, REPO, addin_bytes, with_udfs=with_udfs)
        else:
            steps = plan_uninstall(paths)
        for i, step in enumerate(steps, 1):
            print(f"[{i}/{len(steps)}] {step.what}")
            if not args.dry_run:
                step.run()
        if not args.dry_run:
            print("\n完成。" + ("请重新打开 Excel，功能区会出现“绩效评分”选项卡。" if args.action == "install"
                               else "请重新打开 Excel。"))
        return 0
    except InstallError as exc:
        print(f"\n安装未完成：{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
