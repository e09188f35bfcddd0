"""Install pe-score into Excel: a Python environment of its own, the add-in in Excel's start-up folder
pointed at that interpreter, and (when Excel allows it) the worksheet functions imported.

Run by ``install.bat`` / ``add-functions.bat`` / ``uninstall.bat`` / ``install.command``; those scripts
only find a Python and call ``python install/pe_install.py install|add-functions|uninstall``. Every
decision that can be made without Excel (which Python, what the registry and Group Policy say, which
steps to run, what to tell the user, the embeddable Python's ``._pth``) is a pure function tested on
Linux with realistic inputs; the few Windows/macOS calls are at the bottom and kept thin.

Two sources:
- an offline bundle built by ``python -m install.bundle`` (a ``wheels`` folder next to ``install``):
  pip runs with ``--no-index --find-links wheels``, nothing is downloaded; a python.org "Windows
  embeddable package" in the bundle's ``python`` folder becomes a private interpreter (``install.bat``
  unpacks it, this script enables site-packages in its ``._pth`` and bootstraps pip from the bundled
  pip wheel), so nothing needs to be installed on the PC;
- a source checkout: pip installs the checkout and downloads the dependencies from PyPI, or from the
  mirror IT configured for pip (pip.ini / ``PIP_INDEX_URL``), which pip itself reads.

Everything goes under ``%LOCALAPPDATA%\\pe-score`` (``PE_SCORE_HOME`` overrides it) and Excel's
per-user start-up folder: no administrator rights. ``--silent`` for IT: no prompts, the result is the
exit code (see ``EXIT_*``), the log is ``install.log`` in the install folder.
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Callable, Iterable, Mapping, Optional, Sequence

MIN_PYTHON = (3, 10)  # pe-score itself
ADDIN_MIN_PYTHON = (3, 11)  # xlwings 0.37, the version the add-in's VBA is built for, needs Python 3.11+
APP_DIR_NAME = "pe-score"
HOME_VAR = "PE_SCORE_HOME"  # IT may put the install folder elsewhere (e.g. where AppLocker allows programs)
ADDIN_FILE = "addin.xlam"  # the ribbon runs "import addin; addin.main()": the file name is the module name
ADDIN_TAB_ID = b'id="peScoreTab"'  # how the installer recognises its own add-in in the start-up folder
UDF_MODULE = "addin.functions"
UDF_VBA_MODULE = "xlwings_udfs"  # the VBA module xlwings' import_udfs creates
OFFICE_VERSIONS = ("16.0", "15.0", "14.0")  # 2016/2019/2021/2024/365, 2013, 2010
MAC_STARTUP = ("Library", "Group Containers", "UBF8T346G9.Office", "User Content.localized",
               "Startup.localized", "Excel")
MANIFEST = "install.json"
LOG_FILE = "install.log"
ROOT = Path(__file__).resolve().parents[1]  # the checkout, or the unpacked bundle

EXIT_OK = 0  # installed: ribbon button and worksheet functions (macOS: the button)
EXIT_FAILED = 1  # not installed (the message and the log say why)
EXIT_RIBBON_ONLY = 3  # installed the button; the functions were skipped (VBA project access is off)
EXIT_NO_PYTHON = 4  # no usable Python and no embeddable Python in the bundle
EXIT_BLOCKED = 5  # installed, but an Excel setting (usually a Group Policy) stops the add-in's macros
EXIT_CODES = {EXIT_OK: "完成", EXIT_FAILED: "安装失败", EXIT_RIBBON_ONLY: "已安装按钮，未导入工作表函数",
              EXIT_NO_PYTHON: "没有可用的 Python", EXIT_BLOCKED: "已安装，但 Excel 的设置会阻止加载项运行"}


class InstallError(Exception):
    """Stops the installer; ``str()`` is the Chinese message shown to the user."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


# ---- pure: versions and Python discovery --------------------------------------------------------


def version_ok(version: Sequence[int], minimum: Sequence[int] = MIN_PYTHON) -> bool:
    return tuple(version[:2]) >= tuple(minimum)


def parse_python_version(text: str) -> Optional[tuple[int, int, int]]:
    """"Python 3.11.7" (output of ``python --version``) → (3, 11, 7); None if unreadable."""
    m = re.search(r"Python (\d+)\.(\d+)(?:\.(\d+))?", text or "") or re.fullmatch(
        r"\s*(\d+)\.(\d+)(?:\.(\d+))?\s*", text or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def parse_py_launcher_list(text: str) -> list[str]:
    """Interpreter paths from ``py -0p`` (Windows launcher), old (`` -3.11-64  C:\\...``) and new
    (`` -V:3.12 *  C:\\...``) formats alike."""
    out = []
    for line in (text or "").splitlines():
        m = re.match(r"^\s*-\S+(?:\s+\*)?\s+(.+?\.exe)\s*$", line, re.I)
        if m:
            out.append(m.group(1))
    return out


def parse_where_output(text: str) -> list[str]:
    """Paths printed by ``where python`` (one per line; the "not found" message has no path)."""
    return [ln.strip() for ln in (text or "").splitlines() if re.match(r"^[A-Za-z]:\\.*\.exe$", ln.strip(), re.I)]


def is_store_path(path: str) -> bool:
    """Under ...\\WindowsApps\\: either the Microsoft Store's "App execution alias" stub that opens
    the Store, or the Store's own Python package."""
    return "\\windowsapps\\" in path.replace("/", "\\").lower()


@dataclass(frozen=True)
class Probe:
    """What running ``<path> --version`` gave (output = stdout + stderr)."""

    path: str
    returncode: int
    output: str


STORE_STUB, STORE_PYTHON, TOO_OLD, BROKEN, USABLE = "store-stub", "store-python", "too-old", "broken", "usable"


def classify(probe: Probe, minimum: Sequence[int] = ADDIN_MIN_PYTHON,
             allowed: Optional[Iterable[str]] = None) -> str:
    """One of STORE_STUB, STORE_PYTHON, TOO_OLD, BROKEN, USABLE. ``allowed`` ("3.11", ...) are the
    versions an offline bundle holds wheels for."""
    version = parse_python_version(probe.output) if probe.returncode == 0 else None
    if is_store_path(probe.path):
        return STORE_PYTHON if version else STORE_STUB
    if not version:
        return BROKEN
    if not version_ok(version, minimum):
        return TOO_OLD
    if allowed is not None and f"{version[0]}.{version[1]}" not in set(allowed):
        return TOO_OLD
    return USABLE


def choose_python(probes: Sequence[Probe], minimum: Sequence[int] = ADDIN_MIN_PYTHON,
                  allowed: Optional[Iterable[str]] = None) -> tuple[Optional[str], list[str]]:
    """(the newest usable interpreter or None, the kinds found among the others, for the message)."""
    allowed = list(allowed) if allowed is not None else None
    best: Optional[tuple[tuple[int, int, int], str]] = None
    kinds: list[str] = []
    for p in probes:
        kind = classify(p, minimum, allowed)
        if kind == USABLE:
            v = parse_python_version(p.output)
            if best is None or v > best[0]:
                best = (v, p.path)
        elif kind not in kinds:
            kinds.append(kind)
    return (best[1] if best else None), kinds


def no_python_message(kinds: Sequence[str], minimum: Sequence[int] = ADDIN_MIN_PYTHON,
                      allowed: Optional[Sequence[str]] = None) -> str:
    need = "、".join(allowed) if allowed else ".".join(map(str, minimum)) + " 或更高版本"
    lines = [f"没有找到可用的 Python（需要 Python {need}，python.org 版本）。"]
    if STORE_STUB in kinds:
        lines.append("这台电脑上的“python”只是 Windows 自带的微软应用商店占位程序（运行时会打开应用商店或显示一段英文），"
                     "并不是真正的 Python。")
    if STORE_PYTHON in kinds:
        lines.append("这台电脑装的是微软应用商店版 Python：它写入 %APPDATA% 和 %LOCALAPPDATA% 的文件会被转存到应用商店的"
                     "私有目录，Excel 找不到加载项和 Python，所以不能使用。")
    if TOO_OLD in kinds:
        lines.append(f"电脑上的 Python 版本不符合要求（需要 {need}）。")
    lines.append("解决办法（任选其一）：\n"
                 "  1. 请信息中心把 python.org 的“Windows embeddable package (64-bit)”压缩包"
                 "（python-3.x.y-embed-amd64.zip）放进安装包的 python 文件夹，再双击 install.bat，电脑上无需安装 Python；\n"
                 "  2. 从 https://www.python.org/downloads/windows/ 下载安装 Python（安装时勾选“Add python.exe to PATH”），"
                 "然后重新双击 install.bat。")
    return "\n".join(lines)


def python_too_old_message(version: Sequence[int], minimum: Sequence[int] = ADDIN_MIN_PYTHON) -> str:
    have = ".".join(str(x) for x in version[:3])
    need = ".".join(str(x) for x in minimum)
    return (f"当前 Python 版本为 {have}，pe-score 的 Excel 加载项需要 Python {need} 或更高版本。\n"
            "请从 https://www.python.org/downloads/ 下载安装（安装时勾选“Add python.exe to PATH”），"
            "然后重新运行安装程序。")


def windows_python_candidates(env: Mapping[str, str], py_list: str, where: str) -> list[str]:
    """Where to look for a python.org interpreter on Windows: the ``py`` launcher's list, ``where
    python`` and the installer's default folders (per-user and all-users)."""
    seen: list[str] = []
    for path in parse_py_launcher_list(py_list) + parse_where_output(where):
        if path.lower() not in [s.lower() for s in seen]:
            seen.append(path)
    local, prog = env.get("LOCALAPPDATA"), env.get("ProgramFiles")
    for minor in (14, 13, 12, 11):
        for base in ((PureWindowsPath(local) / "Programs" / "Python") if local else None,
                     PureWindowsPath(prog) if prog else None):
            if base is not None:
                p = str(base / f"Python3{minor}" / "python.exe")
                if p.lower() not in [s.lower() for s in seen]:
                    seen.append(p)
    return seen


# ---- pure: the source (offline bundle or checkout) ----------------------------------------------


@dataclass(frozen=True)
class Source:
    root: Path
    offline: bool  # a bundle: wheels only, --no-index
    version: str  # pe-score's version
    xlwings: str  # the version the add-in's VBA is built for
    pythons: Optional[tuple[str, ...]] = None  # the bundle's Python versions (None: any supported)
    embed_zip: Optional[Path] = None

    @property
    def wheels(self) -> Path:
        return self.root / "wheels"

    def pip_wheel(self) -> Path:
        found = sorted(self.wheels.glob("pip-*-py3-none-any.whl"))
        if not found:
            raise InstallError(f"安装包不完整：{self.wheels} 中没有 pip 的安装文件。请重新解压安装包。")
        return found[-1]


EMBED_RE = re.compile(r"^python-3\.(\d+)\.(\d+)(?:[a-z]+\d+)?-embed-amd64\.zip$", re.I)


def find_embed_zip(folder: Path, allowed: Optional[Iterable[str]] = None) -> Optional[Path]:
    """The newest python.org embeddable package in ``folder`` whose version the wheels cover."""
    if not folder.is_dir():
        return None
    allowed = set(allowed) if allowed is not None else None
    best = None
    for p in folder.iterdir():
        m = EMBED_RE.match(p.name)
        if m and (allowed is None or f"3.{m.group(1)}" in allowed):
            key = (int(m.group(1)), int(m.group(2)))
            if best is None or key > best[0]:
                best = (key, p)
    return best[1] if best else None


def read_source(root: Path = ROOT) -> Source:
    xlwings = _build_addin(root).read_config((root / "addin" / ADDIN_FILE).read_bytes())["XLWINGS_VERSION"]
    meta = root / "bundle.json"
    if (root / "wheels").is_dir() and meta.exists():
        data = json.loads(meta.read_text(encoding="utf-8"))
        pythons = tuple(data.get("pythons") or ())
        return Source(root, True, data["version"], xlwings, pythons, find_embed_zip(root / "python", pythons))
    m = re.search(r'^version\s*=\s*"([^"]+)"', (root / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    return Source(root, False, m.group(1) if m else "", xlwings)


def _build_addin(root: Path):
    """addin/build_addin.py loaded by path (its package ``addin`` would shadow the installed one)."""
    spec = importlib.util.spec_from_file_location("pe_build_addin", root / "addin" / "build_addin.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---- pure: paths -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paths:
    platform: str  # "win", "mac" or "linux" (the command line only)
    app_dir: PurePath
    venv: PurePath  # the environment: a venv, or the unpacked embeddable Python
    python: PurePath  # the environment's interpreter for pip and the installer's second stage
    excel_python: PurePath  # what the add-in runs (Windows: pythonw.exe, no console window)
    xlstart: Optional[PurePath]
    addin: Optional[PurePath]  # the installed add-in
    staged_addin: PurePath  # built and configured here before it is copied into XLSTART
    launcher: Optional[PurePath] = None  # macOS: a space-free wrapper script (see mac_launcher_script)
    embedded: bool = False  # the environment is a private embeddable Python, not a venv
    log: Optional[PurePath] = None
    manifest: Optional[PurePath] = None


def platform_key(sys_platform: str = sys.platform) -> str:
    if sys_platform.startswith("win"):
        return "win"
    if sys_platform == "darwin":
        return "mac"
    return "linux"


def install_paths(platform: str, env: Mapping[str, str], home: Optional[str] = None,
                  embedded: bool = False) -> Paths:
    """Where everything goes. ``env`` is the environment (LOCALAPPDATA, APPDATA on Windows;
    PE_SCORE_HOME overrides the install folder everywhere)."""
    if platform == "win":
        local, roaming = env.get("LOCALAPPDATA"), env.get("APPDATA")
        if not local or not roaming:
            raise InstallError("找不到用户目录（LOCALAPPDATA / APPDATA 环境变量为空），请以普通用户身份运行安装程序。")
        app = PureWindowsPath(env.get(HOME_VAR) or PureWindowsPath(local) / APP_DIR_NAME)
        xlstart = PureWindowsPath(roaming) / "Microsoft" / "Excel" / "XLSTART"
        if embedded:
            venv = app / "python"
            py, pyw = venv / "python.exe", venv / "pythonw.exe"
        else:
            venv = app / "venv"
            py, pyw = venv / "Scripts" / "python.exe", venv / "Scripts" / "pythonw.exe"
        return Paths("win", app, venv, py, pyw, xlstart, xlstart / ADDIN_FILE, app / ADDIN_FILE,
                     embedded=embedded, log=app / LOG_FILE, manifest=app / MANIFEST)
    h = PurePosixPath(home or env.get("HOME") or "")
    if not str(h) or str(h) == ".":
        raise InstallError("找不到用户主目录（HOME 为空）。")
    # A private interpreter laid out like the Windows embeddable package (interpreter and ._pth in one
    # folder) works the same way on POSIX; the tests use one to run the embeddable set-up for real.
    if platform == "mac":
        app = PurePosixPath(env.get(HOME_VAR) or h / "Library" / "Application Support" / APP_DIR_NAME)
        venv = app / ("python" if embedded else "venv")
        py = venv / "python3" if embedded else venv / "bin" / "python"
        xlstart = h.joinpath(*MAC_STARTUP)
        launcher = h / ".pe-score" / "python"
        return Paths("mac", app, venv, py, launcher, xlstart, xlstart / ADDIN_FILE,
                     app / ADDIN_FILE, launcher, embedded=embedded, log=app / LOG_FILE, manifest=app / MANIFEST)
    if platform == "linux":  # no Excel: the command line for WPS / LibreOffice users
        app = PurePosixPath(env.get(HOME_VAR) or h / ".local" / "share" / APP_DIR_NAME)
        venv = app / ("python" if embedded else "venv")
        py = venv / "python3" if embedded else venv / "bin" / "python"
        return Paths("linux", app, venv, py, py, None, None, app / ADDIN_FILE, embedded=embedded,
                     log=app / LOG_FILE, manifest=app / MANIFEST)
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


def pip_install_command(paths: Paths, source: Source) -> list[str]:
    """pip into the environment: pe-score and xlwings pinned to the add-in's VBA version (its VBA
    declares ``xlwings64-<version>.dll`` by name). Offline: pip itself runs from the bundled wheel
    (a fresh venv or embeddable Python has none), installs itself too, and reads only the bundle's
    wheels. Online: the checkout, dependencies from PyPI or the mirror pip is configured for."""
    quiet = ["--disable-pip-version-check", "--no-warn-script-location", "--no-input", "--upgrade"]
    if source.offline:
        return [str(paths.python), str(source.pip_wheel() / "pip"), "install", "--no-index",
                "--find-links", str(source.wheels), "--only-binary=:all:", *quiet,
                "pip", f"pe-score=={source.version}", f"xlwings=={source.xlwings}"]
    return [str(paths.python), "-m", "pip", "install", *quiet, str(source.root), f"xlwings=={source.xlwings}"]


def pth_with_site(text: str, site_dir: str = r"Lib\site-packages") -> str:
    """The embeddable Python's ``python3XX._pth`` with ``import site`` enabled and ``site_dir`` on the
    path: packages pip installs become importable and their ``.pth`` files (pywin32's) are run.
    Idempotent; the zip of the standard library and ``.`` stay first."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    out = [ln for ln in lines if ln.strip().lstrip("#").strip() != "import site"]
    if not any(ln.strip() == site_dir for ln in out):
        out.append(site_dir)
    out.append("import site")
    return "\r\n".join(out) + "\r\n"


def embedded_site_dir(platform: str, python_version: Sequence[int]) -> str:
    """site-packages relative to the interpreter's folder, where pip installs (sysconfig's purelib)."""
    if platform == "win":
        return r"Lib\site-packages"
    return f"lib/python{python_version[0]}.{python_version[1]}/site-packages"


# ---- pure: Excel's security settings, the user's and Group Policy's -------------------------------

HKCU, HKLM = "HKCU", "HKLM"
# (name, key under Software\[Policies\]Microsoft\Office\<ver>, value, Excel's default)
SETTINGS = (
    ("VBAWarnings", r"Excel\Security", "vbawarnings", 2),
    ("AccessVBOM", r"Excel\Security", "accessvbom", 0),
    ("AllLocationsDisabled", r"Excel\Security\Trusted Locations", "alllocationsdisabled", 0),
    ("RequireAddinSig", r"Excel\Security", "requireaddinsig", 0),
    ("RequireAlwaysOnMacroSig", r"Common\Security", "requirealwaysonmacrosig", 0),
)
SOURCE_TEXT = {"policy-machine": "组策略（计算机配置）", "policy-user": "组策略（用户配置）",
               "machine": "本机设置（HKLM）", "user": "您自己的设置", "default": "Excel 默认值"}


def registry_locations(version: str) -> list[tuple[str, str]]:
    """Every (hive, key) the settings are read from, strongest first."""
    out = []
    for hive, prefix in ((HKLM, r"Software\Policies\Microsoft\Office"), (HKCU, r"Software\Policies\Microsoft\Office"),
                         (HKLM, r"Software\Microsoft\Office"), (HKCU, r"Software\Microsoft\Office")):
        for sub in sorted({s[1] for s in SETTINGS}):
            out.append((hive, rf"{prefix}\{version}\{sub}"))
    return out


@dataclass(frozen=True)
class Setting:
    value: int
    source: str  # a SOURCE_TEXT key
    registry: str = ""  # where it was read ("HKCU\Software\...\accessvbom"); empty for the default

    @property
    def locked(self) -> bool:
        """Set by the administrator: the Trust Center shows it greyed out, the user cannot change it."""
        return self.source in ("policy-machine", "policy-user", "machine")


def office_version(present: Iterable[str]) -> str:
    """The newest Office version whose ``HKCU\\Software\\Microsoft\\Office\\<ver>\\Excel`` key exists."""
    have = set(present)
    return next((v for v in OFFICE_VERSIONS if v in have), OFFICE_VERSIONS[0])


def effective_settings(readings: Mapping[tuple[str, str, str], int], version: str) -> dict[str, Setting]:
    """The value Excel uses for each setting and who set it, from registry ``readings``
    {(hive, key, value name): DWORD} (value names compared case-insensitively). A machine policy beats
    a user policy, which beats a machine setting, which beats the user's own Trust Center choice."""
    norm = {(h.upper(), k.lower(), n.lower()): v for (h, k, n), v in readings.items()}
    out: dict[str, Setting] = {}
    for name, sub, value_name, default in SETTINGS:
        for hive, prefix, source in ((HKLM, r"Software\Policies\Microsoft\Office", "policy-machine"),
                                     (HKCU, r"Software\Policies\Microsoft\Office", "policy-user"),
                                     (HKLM, r"Software\Microsoft\Office", "machine"),
                                     (HKCU, r"Software\Microsoft\Office", "user")):
            key = rf"{prefix}\{version}\{sub}"
            got = norm.get((hive, key.lower(), value_name))
            if got is not None:
                out[name] = Setting(int(got), source, rf"{hive}\{key}\{value_name}")
                break
        else:
            out[name] = Setting(default, "default")
    return out


@dataclass
class Assessment:
    ribbon: bool  # the add-in's macros will run from XLSTART
    udfs: bool  # the worksheet functions can be imported now
    notes: list[str] = field(default_factory=list)  # Chinese, one paragraph each


TRUST_CENTER = "文件 → 选项 → 信任中心 → 信任中心设置"


def _locked_note(setting: Setting) -> str:
    return (f"（此项由管理员锁定：{SOURCE_TEXT[setting.source]}，注册表 {setting.registry}；"
            "Excel 中该选项是灰色的，您无法自行更改，请联系单位信息中心。）")


def assess(settings: Mapping[str, Setting], want_udfs: bool = True) -> Assessment:
    """What the settings mean for the add-in in XLSTART (a trusted location by default: there its
    macros run whatever the macro setting, even "禁用所有宏，并且不通知"), with the way out in Chinese."""
    a = Assessment(ribbon=True, udfs=want_udfs)
    tl, warnings = settings["AllLocationsDisabled"], settings["VBAWarnings"]
    for key, what in (("RequireAlwaysOnMacroSig", "“始终加载的宏必须由受信任的发布者签名”"),
                      ("RequireAddinSig", "“应用程序加载项必须由受信任的发布者签名”")):
        s = settings[key]
        if s.value == 1:
            a.ribbon = False
            a.notes.append(f"Excel 设置了{what}：pe-score 的加载项没有数字签名，Excel 会直接禁用它，"
                           "“绩效评分”选项卡不会出现。"
                           + (_locked_note(s) if s.locked else
                              f"\n  请在 {TRUST_CENTER} → 加载项 中取消勾选“要求应用程序加载项由受信任的发布者签署”。"))
    if tl.value == 1 and warnings.value != 1:
        # XLSTART is no longer trusted: the macro setting decides.
        locked = "".join(_locked_note(x) for x in (tl, warnings) if x.locked)
        if warnings.value == 2:
            a.notes.append("Excel 勾选了“禁用所有受信任位置”：每次启动 Excel 时都会询问是否启用 pe-score 加载项的宏，"
                           "请选择“启用宏”。" + (locked if tl.locked else
                                             f"\n  要不再询问：{TRUST_CENTER} → 受信任位置，取消勾选“禁用所有受信任位置”。"))
        else:
            a.ribbon = False
            a.notes.append("Excel 勾选了“禁用所有受信任位置”，且宏设置为“" + VBA_WARNINGS.get(warnings.value, str(warnings.value))
                           + "”：pe-score 加载项的宏不能运行，“重新计算得分”按钮无法使用。"
                           + (locked if tl.locked else
                              f"\n  请在 {TRUST_CENTER} → 受信任位置 中取消勾选“禁用所有受信任位置”。"))
    vbom = settings["AccessVBOM"]
    if want_udfs and vbom.value != 1:
        a.udfs = False
        if vbom.locked:
            a.notes.append("工作表函数（=PE_SCORE 等）本次没有导入：导入需要“信任对 VBA 工程对象模型的访问”，"
                           + _locked_note(vbom)[1:-1] + "。按钮“重新计算得分”不受影响，可以正常使用。")
        else:
            a.notes.append(
                "工作表函数（=PE_SCORE 等）本次没有导入：导入时需要暂时允许“信任对 VBA 工程对象模型的访问”。"
                "按钮“重新计算得分”不受影响，可以正常使用。以后需要函数时：\n"
                f"  1. 打开 Excel，点击 {TRUST_CENTER} → 宏设置，勾选“信任对 VBA 工程对象模型的访问”，点击“确定”；\n"
                "  2. 关闭 Excel，双击安装包中的 add-functions.bat；\n"
                "  3. 完成后可以回到同一位置取消勾选。")
    return a


VBA_WARNINGS = {1: "启用所有宏", 2: "禁用所有宏，并发出通知", 3: "禁用无数字签署的所有宏", 4: "禁用所有宏，并且不通知"}


def patch_udf_vba(code: str) -> tuple[str, int]:
    """xlwings' generated UDF wrappers turn a Python exception into the message text
    (``PE_SCORE = Err.Description``). Text in a score cell is skipped by SUM, so make it #VALUE!
    (``CVErr(xlErrValue)``, xlErrValue = 2015). Returns (code, number of wrappers patched)."""
    pattern = re.compile(r"^(\s*)(\w+) = Err\.Description\s*$", re.M)
    return pattern.subn(r"\1\2 = CVErr(2015)", code)


# ---- pure: pip's output as one Chinese progress line --------------------------------------------


def progress_text(line: str, state: dict) -> Optional[str]:
    """The Chinese progress line for one line of pip's output (None: nothing to show). ``state``
    carries the count between calls."""
    line = line.strip()
    m = re.match(r"^(?:Processing|Collecting)\s+(\S+)", line)
    if m:
        state["n"] = state.get("n", 0) + 1
        name = re.split(r"[=<>!~\[;( ]", PurePosixPath(m.group(1).replace("\\", "/")).name)[0]
        name = re.sub(r"-\d.*$", "", name)
        return f"正在准备第 {state['n']} 个组件：{name}"
    m = re.match(r"^Installing collected packages:\s*(.*)$", line)
    if m:
        return f"正在安装 {len([p for p in m.group(1).split(',') if p.strip()])} 个组件（约 1 分钟）……"
    if line.startswith("Successfully installed"):
        return "组件安装完成"
    return None


def explain_pip_failure(log_text: str, offline: bool, log_path: PurePath) -> str:
    tail = [ln for ln in log_text.splitlines() if ln.startswith("ERROR")][-3:]
    if offline and re.search(r"No matching distribution|Could not find a version", log_text):
        why = "安装包中缺少适用于这台电脑（Python 版本或 32/64 位）的安装文件。请让信息中心用 python -m install.bundle 重新生成安装包。"
    elif re.search(r"ProxyError|ConnectionError|Max retries|NewConnectionError|Network is unreachable|timed out", log_text):
        why = ("无法连接网络下载组件。请改用信息中心提供的离线安装包（不需要联网），"
               "或请信息中心配置 PyPI 镜像（pip.ini 或 PIP_INDEX_URL）。")
    elif re.search(r"Permission denied|Access is denied|拒绝访问", log_text):
        why = "没有写入安装文件夹的权限，或文件被占用。请关闭 Excel 后重试；仍失败请联系信息中心。"
    else:
        why = "安装组件时出错。"
    return f"{why}\n详细记录见：{log_path}" + (f"\n（最后的错误：{tail[-1]}）" if tail else "")


# ---- pure: the plan ------------------------------------------------------------------------------


@dataclass
class Step:
    what: str  # Chinese, shown to the user
    run: Callable[[], None]
    optional: bool = False  # a failure is reported and the install goes on (the functions)


def plan_install(paths: Paths, source: Source, *, with_udfs: bool, python_version: Sequence[int],
                 base_python: str = sys.executable) -> list[Step]:
    """The install as a list of steps (nothing happens until they are run)."""
    offline = "（离线，不联网）" if source.offline else "（需要联网或单位的 PyPI 镜像，约 1–3 分钟）"
    steps = []
    if paths.embedded:
        steps.append(Step(f"设置内置的 Python：{paths.venv}", lambda: setup_embedded(paths, python_version)))
    else:
        steps.append(Step(f"创建独立的 Python 环境：{paths.venv}",
                          lambda: _create_venv(paths, base_python, with_pip=not source.offline)))
    steps.append(Step(f"安装 pe-score {source.version} 与 xlwings {source.xlwings}{offline}",
                      lambda: run_pip(pip_install_command(paths, source), paths, source.offline)))
    steps.append(Step(f"生成加载项并指向 {paths.excel_python}", lambda: _stage_addin(paths, source)))
    if with_udfs:
        steps.append(Step("把工作表函数（=PE_SCORE 等）导入加载项", lambda: _import_udfs(paths), optional=True))
    if paths.launcher is not None:
        steps.append(Step(f"创建启动脚本：{paths.launcher}", lambda: _write_launcher(paths)))
    if paths.platform == "mac":
        xlwings_cli = paths.venv / "bin" / "xlwings"
        steps.append(Step("允许 Excel 调用 Python（xlwings runpython install）",
                          lambda: _run([str(xlwings_cli), "runpython", "install"], paths)))
    if paths.addin is not None:
        steps.append(Step(f"把加载项放入 Excel 启动文件夹：{paths.addin}", lambda: _copy_addin(paths)))
    return steps


def mac_applescript(home: str, xlwings_version: str) -> PurePosixPath:
    """The file ``xlwings runpython install`` copies for Excel's sandbox on macOS."""
    return (PurePosixPath(home) / "Library" / "Application Scripts" / "com.microsoft.Excel"
            / f"xlwings-{xlwings_version}.applescript")


def manifest_for(paths: Paths, *, app_dir_existed: bool, addin_existed: bool, xlstart_existed: bool,
                 launcher_existed: bool, version: str, new_files: Sequence[PurePath] = ()) -> dict:
    """What this install added (uninstall removes exactly these); ``new_files``: other files it created
    (macOS: xlwings' AppleScript when it was not there before)."""
    added = []
    if not app_dir_existed:
        added.append(str(paths.app_dir))
    else:  # an earlier install's folder: our own entries only
        added += [str(paths.venv), str(paths.staged_addin), str(paths.log), str(paths.manifest)]
    if paths.addin is not None and not addin_existed:
        added.append(str(paths.addin))
    if paths.xlstart is not None and not xlstart_existed:
        added.append(str(paths.xlstart))
    if paths.launcher is not None and not launcher_existed:
        added.append(str(paths.launcher.parent))
    added += [str(f) for f in new_files]
    return {"version": version, "added": added, "addin": str(paths.addin) if paths.addin else None,
            "embedded": paths.embedded}


def plan_uninstall(paths: Paths, manifest: Optional[Mapping], running: str = sys.executable) -> list[Step]:
    """Remove what the install added: the add-in (only if it is pe-score's), the install folder, the
    macOS launcher; folders the install created (XLSTART) only when empty. Without a manifest
    (an install by an older version), the same places by their fixed names."""
    added = list(manifest["added"]) if manifest else [
        str(p) for p in (paths.addin, paths.app_dir, paths.launcher.parent if paths.launcher else None) if p]
    steps = []
    if paths.addin is not None and str(paths.addin) in added:
        steps.append(Step(f"删除加载项：{paths.addin}", lambda: _remove_addin(Path(paths.addin))))
    for p in added:
        if p == str(paths.addin) or (paths.xlstart is not None and p == str(paths.xlstart)):
            continue
        inside = _is_within(running, p)
        what = f"删除：{p}" + ("（正在使用其中的 Python，退出后删除）" if inside else "")
        steps.append(Step(what, (lambda p=p: _remove_later(Path(p))) if inside else (lambda p=p: _remove(Path(p)))))
    if paths.xlstart is not None and str(paths.xlstart) in added:
        steps.append(Step(f"删除空的启动文件夹：{paths.xlstart}", lambda: _remove_if_empty(Path(paths.xlstart))))
    return steps


def _is_within(path: str, folder: str) -> bool:
    norm = (lambda s: s.replace("\\", "/").rstrip("/").lower()) if "\\" in folder else (lambda s: s.rstrip("/"))
    return norm(path).startswith(norm(folder) + "/")


def install_outcome(platform: str, assessment: Assessment, udf_failed: bool = False) -> int:
    """The exit code of a finished install (see EXIT_*)."""
    if platform in ("linux",):
        return EXIT_OK
    if not assessment.ribbon:
        return EXIT_BLOCKED
    if platform == "win" and (not assessment.udfs or udf_failed):
        return EXIT_RIBBON_ONLY
    return EXIT_OK


# ---- side effects (thin) -----------------------------------------------------------------------

_SILENT = False


def say(text: str = "", *, end: str = "\n") -> None:
    print(text, end=end, flush=True)


def _log(paths: Paths, text: str) -> None:
    if paths.log is not None:
        Path(paths.log).parent.mkdir(parents=True, exist_ok=True)
        with open(paths.log, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")


def _run(cmd: list[str], paths: Paths) -> None:
    _log(paths, "$ " + " ".join(cmd))
    with open(paths.log, "a", encoding="utf-8") as fh:
        rc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        raise InstallError(f"命令执行失败（退出码 {rc}）：{cmd[0]}\n详细记录见：{paths.log}")


def run_pip(cmd: list[str], paths: Paths, offline: bool) -> None:
    """pip with its English output in the log and one Chinese progress line on screen."""
    _log(paths, "$ " + " ".join(cmd))
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PIP_NO_INPUT="1", PIP_PROGRESS_BAR="off")
    state: dict = {}
    width = 0
    with open(paths.log, "a", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                text=True, encoding="utf-8", errors="replace")
        for line in proc.stdout:
            fh.write(line)
            text = progress_text(line, state)
            if text:
                if _SILENT:
                    continue
                say("\r  " + text + " " * max(0, width - len(text)), end="")
                width = len(text)
        rc = proc.wait()
    if width:
        say()
    if rc != 0:
        raise InstallError(explain_pip_failure(Path(paths.log).read_text(encoding="utf-8", errors="replace"),
                                               offline, paths.log))


def _create_venv(paths: Paths, base_python: str, with_pip: bool) -> None:
    if Path(paths.python).exists():
        return
    Path(paths.app_dir).mkdir(parents=True, exist_ok=True)
    _run([base_python, "-m", "venv", *([] if with_pip else ["--without-pip"]), str(paths.venv)], paths)


def setup_embedded(paths: Paths, python_version: Sequence[int]) -> None:
    """The unpacked embeddable Python: enable site-packages in its ``._pth``. (pip is bootstrapped by
    the next step, which runs pip from the bundled wheel and installs it along the rest.)"""
    folder = Path(paths.python).parent
    pths = sorted(folder.glob("*._pth"))
    if not pths:
        raise InstallError(f"{folder} 不是 python.org 的嵌入式 Python（缺少 ._pth 文件）。请重新解压安装包。")
    site = embedded_site_dir(paths.platform, python_version)
    for pth in pths:
        pth.write_text(pth_with_site(pth.read_text(encoding="utf-8"), site), encoding="utf-8", newline="")
    (folder / site).mkdir(parents=True, exist_ok=True)


def _write_launcher(paths: Paths) -> None:
    path = Path(paths.launcher)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(mac_launcher_script(paths), encoding="utf-8")
    path.chmod(0o755)


def _stage_addin(paths: Paths, source: Source) -> None:
    data = (source.root / "addin" / ADDIN_FILE).read_bytes()
    Path(paths.staged_addin).write_bytes(_build_addin(source.root).set_config(data, addin_config(paths)))


def _import_udfs(paths: Paths) -> None:
    """The second stage in the environment's Python (it has xlwings); its Chinese reason, if any,
    is shown, everything else goes to the log."""
    cmd = [str(paths.python), str(Path(__file__).resolve()), "import-udfs", str(paths.staged_addin)]
    _log(paths, "$ " + " ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace",
                       env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    _log(paths, (r.stdout or "") + (r.stderr or ""))
    if r.returncode != 0:
        raise InstallError(child_error(r.stderr or "", paths.log))


def child_error(stderr: str, log: Optional[PurePath]) -> str:
    """The Chinese message a child installer printed ("安装未完成：…"), else a pointer to the log."""
    m = re.search(r"安装未完成：(.*)", stderr, re.S)
    return m.group(1).strip() if m else f"导入工作表函数失败，详细记录见：{log}"


def is_our_addin(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return ADDIN_TAB_ID in z.read("customUI/customUI.xml")
    except (zipfile.BadZipFile, KeyError):
        return False


def _copy_addin(paths: Paths) -> None:
    target = Path(paths.addin)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not is_our_addin(target.read_bytes()):
        raise InstallError(f"Excel 启动文件夹中已有一个不是 pe-score 的 {ADDIN_FILE}（{target}），安装程序不会覆盖它。"
                           "请先把它改名或移走，再重新运行安装程序。")
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


def _remove_addin(path: Path) -> None:
    if path.exists() and not is_our_addin(path.read_bytes()):
        say(f"  跳过 {path}：它不是 pe-score 的加载项。")
        return
    _remove(path)


def _remove_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


def _remove_later(path: Path) -> None:  # pragma: no cover - Windows: our own interpreter is in use
    """The private Python runs this uninstall from inside ``path``: delete what can go now, and the
    rest from a detached ``cmd`` once this process has exited."""
    for child in path.iterdir():
        if not _is_within(sys.executable, str(child)):
            try:
                _remove(child)
            except InstallError:
                pass
    if os.name == "nt":
        flags = getattr(subprocess, "DETACHED_PROCESS", 0) | getattr(subprocess, "CREATE_NO_WINDOW", 0)
        subprocess.Popen(["cmd", "/c", f'ping -n 3 127.0.0.1 >nul & rmdir /s /q "{path}"'], creationflags=flags,
                         close_fds=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


WINREG_HIVES = {HKCU: "HKEY_CURRENT_USER", HKLM: "HKEY_LOCAL_MACHINE"}


def read_registry() -> tuple[dict[tuple[str, str, str], int], list[str]]:  # pragma: no cover - Windows
    """(every DWORD the settings read, the Office versions the user has an Excel key for)."""
    import winreg

    readings: dict[tuple[str, str, str], int] = {}
    present = []
    for ver in OFFICE_VERSIONS:
        try:
            winreg.CloseKey(winreg.OpenKey(winreg.HKEY_CURRENT_USER, rf"Software\Microsoft\Office\{ver}\Excel"))
            present.append(ver)
        except OSError:
            pass
    for ver in present or [OFFICE_VERSIONS[0]]:
        for hive, key in registry_locations(ver):
            try:
                handle = winreg.OpenKey(getattr(winreg, WINREG_HIVES[hive]), key)
            except OSError:
                continue
            with handle:
                for _name, sub, value_name, _default in SETTINGS:
                    if not key.lower().endswith(sub.lower()):
                        continue
                    try:
                        readings[(hive, key, value_name)] = int(winreg.QueryValueEx(handle, value_name)[0])
                    except (OSError, ValueError, TypeError):
                        pass
    return readings, present


def probe(path: str) -> Probe:
    try:
        r = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
        return Probe(path, r.returncode, (r.stdout or "") + (r.stderr or ""))
    except (OSError, subprocess.SubprocessError) as exc:
        return Probe(path, -1, str(exc))


def _capture(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def find_windows_python(allowed: Optional[Sequence[str]]) -> tuple[Optional[str], list[str]]:  # pragma: no cover
    candidates = windows_python_candidates(os.environ, _capture(["py", "-0p"]), _capture(["where", "python"]))
    return choose_python([probe(c) for c in candidates if is_store_path(c) or os.path.exists(c)],
                         allowed=allowed)


def import_udfs(xlam: str) -> None:  # pragma: no cover - needs Excel on Windows
    """Second stage, run by the environment's Python: open the staged add-in in a hidden Excel, let
    xlwings write the UDF wrappers into its VBA project, make failures #VALUE!, save."""
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
                f"{TRUST_CENTER} → 宏设置 → 勾选该项，关闭 Excel 后双击 add-functions.bat。\n"
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


# ---- the commands ------------------------------------------------------------------------------


def _settings_assessment(platform: str, want_udfs: bool) -> Assessment:
    if platform != "win":
        return Assessment(ribbon=platform == "mac", udfs=False)
    readings, present = read_registry()
    return assess(effective_settings(readings, office_version(present)), want_udfs)


def _embedded_here() -> bool:
    """This interpreter is an embeddable Python (a ``._pth`` file next to it)."""
    return any(Path(sys.executable).parent.glob("*._pth"))


def cmd_install(args, source: Source) -> int:
    platform = platform_key()
    allowed = source.pythons
    embedded = _embedded_here()
    if platform == "win" and not embedded:
        here = Probe(sys.executable, 0, f"Python {sys.version.split()[0]}")
        if classify(here, ADDIN_MIN_PYTHON, allowed) != USABLE:  # Store Python, too old, or no wheels for it
            better, kinds = find_windows_python(allowed)
            if better and Path(better).resolve() != Path(sys.executable).resolve():
                say(f"改用 {better} 运行安装程序")
                return subprocess.call([better, str(Path(__file__).resolve()), *sys.argv[1:]])
            kinds = list(dict.fromkeys([classify(here, ADDIN_MIN_PYTHON, allowed), *kinds]))
            raise InstallError(no_python_message(kinds, ADDIN_MIN_PYTHON, allowed), EXIT_NO_PYTHON)
    elif not embedded:
        minimum = MIN_PYTHON if platform == "linux" else ADDIN_MIN_PYTHON
        mine = f"{sys.version_info[0]}.{sys.version_info[1]}"
        if not version_ok(sys.version_info, minimum):
            raise InstallError(python_too_old_message(sys.version_info, minimum), EXIT_NO_PYTHON)
        if allowed is not None and mine not in allowed:
            raise InstallError(f"当前 Python 为 {mine} 版，而安装包只含 Python {'、'.join(allowed)} 的组件。"
                               "请用对应版本的 Python 运行安装程序，或用本机的 Python 重新生成安装包"
                               "（python -m install.bundle --platform current）。", EXIT_NO_PYTHON)
    paths = install_paths(platform, os.environ, str(Path.home()), embedded=embedded)
    if embedded:
        if Path(sys.executable).parent.resolve() != Path(paths.python).parent.resolve():
            raise InstallError(f"内置 Python 应解压在 {paths.venv}，现在在 {Path(sys.executable).parent}。"
                               "请用安装包里的 install.bat 安装。")
        mine = f"{sys.version_info[0]}.{sys.version_info[1]}"
        if allowed is not None and mine not in allowed:
            raise InstallError(f"安装包 python 文件夹中的嵌入式 Python 是 {mine} 版，而安装包只含 Python "
                               f"{'、'.join(allowed)} 的组件。请放入对应版本的 python-3.x.y-embed-amd64.zip，"
                               f"并删除 {paths.venv} 后重新安装。", EXIT_NO_PYTHON)
    assessment = _settings_assessment(platform, want_udfs=platform == "win" and not args.no_udfs)
    # install.bat unpacks the embeddable Python into the install folder before this runs
    existed = dict(app_dir_existed=Path(paths.app_dir).exists() and any(
                       c.name != Path(paths.venv).name or not embedded for c in Path(paths.app_dir).iterdir()),
                   addin_existed=paths.addin is not None and Path(paths.addin).exists(),
                   xlstart_existed=paths.xlstart is None or Path(paths.xlstart).exists(),
                   launcher_existed=paths.launcher is not None and Path(paths.launcher).exists())
    previous = _read_manifest(paths)
    applescript = mac_applescript(str(Path.home()), source.xlwings) if platform == "mac" else None
    applescript_existed = applescript is None or Path(applescript).exists()
    steps = plan_install(paths, source, with_udfs=assessment.udfs, python_version=sys.version_info[:2])
    say(f"pe-score {source.version} 安装程序" + ("（离线安装包）" if source.offline else ""))
    for note in assessment.notes:
        say(f"\n【请注意】{note}")
    if assessment.notes:
        say()
    udf_failed = None
    for i, step in enumerate(steps, 1):
        say(f"[{i}/{len(steps)}] {step.what}")
        if args.dry_run:
            continue
        if i == 1:
            Path(paths.app_dir).mkdir(parents=True, exist_ok=True)
        try:
            step.run()
        except InstallError as exc:
            if not step.optional:
                raise
            udf_failed = str(exc)
            say(f"  {exc}\n  （按钮仍会安装，函数可以以后用 add-functions.bat 添加。）")
    if args.dry_run:
        return EXIT_OK
    manifest = manifest_for(paths, version=source.version, **existed,
                            new_files=[] if applescript_existed else [applescript])
    if previous:  # a reinstall keeps the record of what the first install added
        manifest["added"] = list(dict.fromkeys(previous.get("added", []) + manifest["added"]))
    Path(paths.manifest).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    if platform == "linux":
        cli = Path(paths.venv) / "bin" / "pe-score" if not embedded else f"{paths.python} -m pe_score"
        say(f"\n完成。命令行：{cli}\n"
            "Linux 上没有 Excel：WPS 表格和 LibreOffice 请使用模板（pe-score new）自带的公式和 pe-score 命令行。")
        return EXIT_OK
    code = install_outcome(platform, assessment, udf_failed=udf_failed is not None)
    say("\n安装完成。" + ("请重新打开 Excel，功能区会出现“绩效评分”选项卡。" if assessment.ribbon else
                         "但按上面的说明，Excel 目前不会运行加载项。"))
    if code == EXIT_RIBBON_ONLY:
        say("工作表函数没有导入（见上面的说明）；按钮“重新计算得分”可以使用。")
    return code


def cmd_add_functions(args, source: Source) -> int:
    platform = platform_key()
    if platform != "win":
        raise InstallError("工作表函数只支持 Windows 版 Excel。")
    paths = install_paths(platform, os.environ, embedded=(_read_manifest_any(os.environ) or {}).get("embedded", False))
    if not Path(paths.python).exists() or not Path(paths.staged_addin).exists():
        raise InstallError("还没有安装 pe-score：请先双击 install.bat。")
    assessment = _settings_assessment(platform, want_udfs=True)
    if not assessment.udfs:
        for note in assessment.notes:
            say(f"\n【请注意】{note}")
        return EXIT_RIBBON_ONLY
    steps = [Step("把工作表函数（=PE_SCORE 等）导入加载项", lambda: _import_udfs(paths)),
             Step(f"更新 Excel 启动文件夹中的加载项：{paths.addin}", lambda: _copy_addin(paths))]
    for i, step in enumerate(steps, 1):
        say(f"[{i}/{len(steps)}] {step.what}")
        if not args.dry_run:
            step.run()
    say("\n完成。请重新打开 Excel，在单元格中输入 =PE_SCORE( 试试。")
    return EXIT_OK


def _read_manifest(paths: Paths) -> Optional[dict]:
    try:
        return json.loads(Path(paths.manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_manifest_any(env: Mapping[str, str]) -> Optional[dict]:
    try:
        return _read_manifest(install_paths(platform_key(), env, str(Path.home())))
    except InstallError:
        return None


def cmd_uninstall(args) -> int:
    platform = platform_key()
    manifest = _read_manifest_any(os.environ)
    paths = install_paths(platform, os.environ, str(Path.home()), embedded=bool(manifest and manifest.get("embedded")))
    steps = plan_uninstall(paths, manifest)
    for i, step in enumerate(steps, 1):
        say(f"[{i}/{len(steps)}] {step.what}")
        if not args.dry_run:
            step.run()
    say("\n已卸载。" + ("请重新打开 Excel。" if platform != "linux" else ""))
    return EXIT_OK


def main(argv: Optional[list[str]] = None) -> int:
    global _SILENT
    for stream in (sys.stdout, sys.stderr):  # a console or log in a code page without Chinese must not crash us
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
    parser = argparse.ArgumentParser(prog="pe_install", description="安装或卸载 pe-score Excel 加载项")
    parser.add_argument("action", choices=["install", "add-functions", "uninstall", "import-udfs", "check"])
    parser.add_argument("path", nargs="?")
    parser.add_argument("--no-udfs", action="store_true", help="只安装功能区按钮，不导入工作表函数")
    parser.add_argument("--silent", action="store_true", help="静默安装：不提问，只显示步骤，以退出码报告结果")
    parser.add_argument("--dry-run", action="store_true", help="只显示将要执行的步骤")
    args = parser.parse_args(argv)
    _SILENT = args.silent
    try:
        if args.action == "import-udfs":
            import_udfs(args.path)
            return EXIT_OK
        if args.action == "uninstall":
            return cmd_uninstall(args)
        if args.action == "check":
            platform = platform_key()
            a = _settings_assessment(platform, want_udfs=platform == "win")
            for note in a.notes:
                say(f"\n【请注意】{note}")
            say("\nExcel 设置检查完成。" + ("没有发现问题。" if not a.notes else ""))
            return EXIT_OK if a.ribbon and a.udfs else EXIT_BLOCKED if not a.ribbon else EXIT_RIBBON_ONLY
        source = read_source(ROOT)
        if args.action == "add-functions":
            return cmd_add_functions(args, source)
        return cmd_install(args, source)
    except InstallError as exc:
        print(f"\n安装未完成：{exc}", file=sys.stderr, flush=True)
        return exc.code
    except KeyboardInterrupt:
        print("\n已取消。", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
