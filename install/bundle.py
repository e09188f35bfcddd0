"""Build the offline installation bundle: one zip with every wheel pe-score needs, the add-in, the
installer scripts and a Chinese 安装说明.

    python -m install.bundle --platform win_amd64 -o DIR [--embed-python python-3.12.x-embed-amd64.zip]
    python -m install.bundle --platform current -o DIR

Run from the repository root on any machine with internet access (or a PyPI mirror configured for
pip). ``win_amd64`` downloads wheels for Windows x64 and each supported Python (3.10–3.13);
``current`` builds a bundle for the machine it runs on (its platform tag and its Python).

pip resolves the dependencies per Python version, but it evaluates environment markers such as
``platform_system == "Windows"`` for the machine it runs on, not for ``--platform``; so after pip
the bundle walks every wheel's requirements with the target's markers and fetches what pip left out
(``colorama`` for click, ``pywin32`` for xlwings on Windows). A dependency published only as a
source archive is built into a wheel when it is pure Python; otherwise the build stops and names it.
"""
from __future__ import annotations

import argparse
import email.parser
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

try:  # pip always carries packaging; use the installed one when there is one
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.tags import Tag, compatible_tags, cpython_tags, sys_tags
    from packaging.utils import canonicalize_name, parse_wheel_filename
    from packaging.version import Version
except ImportError:  # pragma: no cover - a bare Python with pip only
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.specifiers import SpecifierSet
    from pip._vendor.packaging.tags import Tag, compatible_tags, cpython_tags, sys_tags
    from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename
    from pip._vendor.packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
WINDOWS = "win_amd64"
PLATFORM_RE = re.compile(r"^(win32|win_amd64|win_arm64|macosx_\d+_\d+_(x86_64|arm64|universal2)|"
                         r"(many|musl)linux_\d+_\d+_(x86_64|aarch64)|manylinux\d+_(x86_64|aarch64)|linux_(x86_64|aarch64))$")
EMBED_RE = re.compile(r"^python-(3)\.(\d+)\.(\d+)(?:[a-z]+\d+)?-embed-amd64\.zip$")
ROOT_FILES = {  # repository file -> place in the bundle (the bundle keeps the repository's layout)
    "install/pe_install.py": "install/pe_install.py",
    "addin/build_addin.py": "addin/build_addin.py",
    "addin/addin.xlam": "addin/addin.xlam",
    "install/install.bat": "install.bat",
    "install/add-functions.bat": "add-functions.bat",
    "install/uninstall.bat": "uninstall.bat",
    "install/install.command": "install.command",
    "install/uninstall.command": "uninstall.command",
    "docs/excel.md": "docs/excel.md",
}


class BundleError(Exception):
    """Stops the build; the message says what is missing and what to do."""


class TargetUnsupported(BundleError):
    """A Python version that a pinned requirement does not support (xlwings 0.37 needs Python 3.11+):
    left out of the bundle when it was only a default, an error when it was asked for."""


# ---- targets: which wheels fit where -----------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One (platform, Python version) the bundle must install on."""

    platform: str  # a wheel platform tag (win_amd64) or "current"
    python: str  # "3.12"

    @property
    def pip_args(self) -> list[str]:
        if self.platform == "current":
            return []
        return ["--platform", self.platform, "--python-version", self.python, "--implementation", "cp"]

    def tags(self) -> set[Tag]:
        if self.platform == "current":
            return set(sys_tags())
        ver = tuple(int(x) for x in self.python.split("."))
        return set(cpython_tags(ver, platforms=[self.platform])) | set(
            compatible_tags(ver, interpreter=f"cp{ver[0]}{ver[1]}", platforms=[self.platform]))

    def environment(self) -> dict[str, str]:
        """The values environment markers are evaluated with on the target."""
        if self.platform == "current":
            return dict(default_environment())
        env = {"python_version": self.python, "python_full_version": f"{self.python}.0",
               "implementation_name": "cpython", "platform_python_implementation": "CPython",
               "implementation_version": f"{self.python}.0", "extra": ""}
        if self.platform.startswith("win"):
            env.update({"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows",
                        "platform_machine": "AMD64" if self.platform.endswith("amd64") else
                        "ARM64" if self.platform.endswith("arm64") else "x86",
                        "platform_release": "10", "platform_version": "10.0.19045"})
        elif self.platform.startswith("macosx"):
            env.update({"os_name": "posix", "sys_platform": "darwin", "platform_system": "Darwin",
                        "platform_machine": self.platform.rsplit("_", 1)[-1], "platform_release": "",
                        "platform_version": ""})
        else:
            env.update({"os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
                        "platform_machine": self.platform.split("_", 1)[-1] if "_" in self.platform else "",
                        "platform_release": "", "platform_version": ""})
        return env


def current_platform_tag() -> str:
    """This machine's platform tag as it appears in a file name: win_amd64, linux_x86_64, macosx_11_0_arm64."""
    return re.sub(r"[-.]", "_", sysconfig.get_platform())


def targets_for(platform: str, pythons: Optional[Sequence[str]] = None) -> list[Target]:
    if platform == "current":
        return [Target("current", f"{sys.version_info[0]}.{sys.version_info[1]}")]
    return [Target(platform, p) for p in (pythons or SUPPORTED_PYTHONS)]


# ---- wheels and their requirements ------------------------------------------------------------


@dataclass
class Wheel:
    path: Path
    name: str  # canonical
    version: Version
    tags: frozenset
    requires: list[Requirement] = field(default_factory=list)
    requires_python: Optional[SpecifierSet] = None

    def fits(self, target: Target) -> bool:
        return bool(self.tags & target.tags())


def read_wheel(path: Path) -> Wheel:
    name, version, _build, tags = parse_wheel_filename(path.name)
    with zipfile.ZipFile(path) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        meta = email.parser.Parser().parsestr(z.read(meta_name).decode("utf-8"))
    rp = meta.get("Requires-Python")
    return Wheel(path, canonicalize_name(name), version, frozenset(tags),
                 [Requirement(r) for r in meta.get_all("Requires-Dist") or []],
                 SpecifierSet(rp) if rp else None)


def read_wheels(folder: Path) -> list[Wheel]:
    return [read_wheel(p) for p in sorted(folder.glob("*.whl"))]


def unmet(wheels: Sequence[Wheel], roots: Iterable[str], target: Target) -> list[Requirement]:
    """The requirements reachable from ``roots`` that no wheel in ``wheels`` satisfies on ``target``
    (markers evaluated for the target, extras followed). Empty when the set installs offline."""
    env = target.environment()
    by_name: dict[str, list[Wheel]] = {}
    for w in wheels:
        if w.fits(target):
            by_name.setdefault(w.name, []).append(w)
    missing: list[Requirement] = []
    seen: set[tuple[str, frozenset]] = set()
    queue = [(Requirement(r), frozenset()) for r in roots]
    while queue:
        req, _ = queue.pop()
        key = (str(req), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        candidates = [w for w in by_name.get(canonicalize_name(req.name), [])
                      if req.specifier.contains(w.version, prereleases=True)]
        if not candidates:
            missing.append(req)
            continue
        best = max(candidates, key=lambda w: w.version)
        for sub in best.requires:
            extras = req.extras or {""}
            if sub.marker is None or any(sub.marker.evaluate({**env, "extra": e}) for e in extras):
                queue.append((Requirement(_without_marker(sub)), frozenset()))
    return missing


def _without_marker(req: Requirement) -> str:
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}" if not req.url else f"{req.name}{extras} @ {req.url}"


# ---- pip ------------------------------------------------------------------------------------------


def _pip(args: Sequence[str], log: Path) -> int:
    cmd = [sys.executable, "-m", "pip", *args]
    with log.open("a", encoding="utf-8") as fh:
        fh.write("\n$ " + " ".join(cmd) + "\n")
        fh.flush()
        return subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT).returncode


def build_project_wheel(dest: Path, log: Path, repo: Path = REPO) -> Path:
    """pe-score's own wheel, built from a copy of the sources (the checkout stays clean)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE", "setup.cfg", "setup.py", "MANIFEST.in"):
            if (repo / name).exists():
                shutil.copy2(repo / name, src / name)
        for pkg in _package_dirs(repo):
            shutil.copytree(repo / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        before = set(dest.glob("pe_score-*.whl"))
        if _pip(["wheel", "--no-deps", "--wheel-dir", str(dest), str(src)], log) != 0:
            raise BundleError(f"pe-score 的 wheel 构建失败（构建时要从 PyPI 或 pip 配置的镜像下载 setuptools），详见 {log}")
        built = sorted(set(dest.glob("pe_score-*.whl")) - before) or sorted(dest.glob("pe_score-*.whl"))
        return built[-1]


def _package_dirs(repo: Path) -> list[str]:
    """Top-level package folders named by [tool.setuptools.packages.find] include."""
    text = (repo / "pyproject.toml").read_text(encoding="utf-8")
    m = re.search(r"^include\s*=\s*\[(.*?)\]", text, re.M | re.S)
    patterns = re.findall(r'"([^"]+)"', m.group(1)) if m else []
    names = {p.rstrip("*").rstrip(".") for p in patterns}
    return sorted(n for n in names if (repo / n / "__init__.py").exists())


def project_version(repo: Path = REPO) -> str:
    m = re.search(r'^version\s*=\s*"([^"]+)"', (repo / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    if not m:
        raise BundleError("pyproject.toml 中没有 version")
    return m.group(1)


def addin_xlwings_version(repo: Path = REPO) -> str:
    """The xlwings version the add-in's VBA was built for (its config sheet records it)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_pe_build_addin", repo / "addin" / "build_addin.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.read_config((repo / "addin" / "addin.xlam").read_bytes())["XLWINGS_VERSION"]


def _fetch_one(req: Requirement, target: Target, dest: Path, log: Path) -> None:
    """One requirement, no dependencies: a wheel for the target, else a pure-Python wheel built from
    the source archive; anything else stops the build."""
    spec = _without_marker(req)
    for w in read_wheels(dest):  # a version we fetched for another Python tells why this one has none
        if (w.name == canonicalize_name(req.name) and req.specifier.contains(w.version, prereleases=True)
                and w.requires_python is not None and not w.requires_python.contains(f"{target.python}.0")):
            raise TargetUnsupported(f"{spec} 要求 Python {w.requires_python}，不支持 Python {target.python}")
    if _pip(["download", "--no-deps", "--only-binary=:all:", "--dest", str(dest), *target.pip_args, spec], log) == 0:
        return
    with tempfile.TemporaryDirectory() as tmp:
        sdist_dir, wheel_dir = Path(tmp) / "sdist", Path(tmp) / "wheel"
        if _pip(["download", "--no-deps", "--no-binary=:all:", "--dest", str(sdist_dir), spec], log) != 0 \
                or not any(sdist_dir.iterdir()):
            raise BundleError(f"下载 {spec}（{target.platform} / Python {target.python}）失败：PyPI 或 pip 配置的镜像"
                              f"没有它，或者无法联网。详见 {log}")
        ok = _pip(["wheel", "--no-deps", "--wheel-dir", str(wheel_dir), str(next(sdist_dir.iterdir()))], log) == 0
        built = sorted(wheel_dir.glob("*.whl")) if ok else []
        if built and read_wheel(built[0]).fits(target):
            shutil.copy2(built[0], dest / built[0].name)
            return
    raise BundleError(
        f"{spec} 没有适用于 {target.platform} / Python {target.python} 的 wheel，源码包也不是纯 Python，"
        f"无法放进离线安装包。请在目标平台上用 pip wheel 构建出它的 wheel，放进一个文件夹，"
        f"设置环境变量 PIP_FIND_LINKS=该文件夹 后重新打包。详见 {log}")


def collect_wheels(roots: Sequence[str], targets: Sequence[Target], dest: Path, log: Path,
                   local: Sequence[Path] = ()) -> list[Wheel]:
    """Download into ``dest`` every wheel ``roots`` need on each target; returns the wheels."""
    for target in targets:
        args = ["download", "--only-binary=:all:", "--dest", str(dest), *target.pip_args,
                *[str(p) for p in local], *roots]
        if _pip(args, log) != 0:
            print(f"  Python {target.python}：pip 一次下载未成功，改为逐个依赖下载", file=sys.stderr)
        for _round in range(50):
            missing = unmet(read_wheels(dest), roots, target)
            if not missing:
                break
            for req in missing:
                _fetch_one(req, target, dest, log)
        else:  # pragma: no cover - a requirement that keeps coming back
            raise BundleError(f"依赖无法收齐：{', '.join(map(str, missing))}")
    return read_wheels(dest)


# ---- the bundle ---------------------------------------------------------------------------------


def embed_version(path: Path) -> str:
    """'3.12' for python-3.12.7-embed-amd64.zip, after checking it is the embeddable package."""
    m = EMBED_RE.match(path.name)
    if not m:
        raise BundleError(f"{path.name} 不是 python.org 的 Windows 嵌入式包（应为 python-3.x.y-embed-amd64.zip）")
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    pth = f"python3{m.group(2)}._pth"
    if pth not in names or "python.exe" not in names or "pythonw.exe" not in names:
        raise BundleError(f"{path.name} 中没有 python.exe / pythonw.exe / {pth}，不是完整的嵌入式包")
    return f"3.{m.group(2)}"


def readme_text(version: str, platform: str, pythons: Sequence[str], xlwings: str,
                embed: Optional[str]) -> str:
    windows = platform.startswith("win")
    py_line = (f"本安装包内含 Python {embed}（python.org 官方“Windows embeddable package”），电脑上不需要另装 Python。"
               if embed else
               f"电脑上需要有 Python {' / '.join(pythons)} 之一（python.org 版本，不要用微软应用商店版）；"
               "或者请信息中心把 python.org 的“Windows embeddable package (64-bit)”压缩包放进本文件夹下的 python 文件夹"
               "（没有就新建）。")
    if not windows:
        return (f"pe-score {version} 离线安装包（{platform}）\r\n\r\n"
                "在终端中运行：python3 install/pe_install.py install\r\n"
                "安装过程不联网；装好后可以使用 pe-score 命令。\r\n"
                "说明：WPS 表格和 LibreOffice 请使用模板自带的公式和 pe-score 命令行；"
                "Excel 加载项只支持 Windows 版和 macOS 版 Excel。\r\n")
    lines = [
        f"pe-score {version} 离线安装包（Windows 64 位）",
        "",
        "一、安装（不需要联网，不需要管理员权限）",
        "  0. 压缩包是从网上或邮件得到的：先右键 → 属性 → 勾选“解除锁定” → 确定。",
        "  1. 把整个压缩包解压到一个文件夹（不要在压缩包里直接双击）。",
        "  2. 关闭所有 Excel 窗口。",
        "  3. 双击 install.bat，等待出现“安装完成”。",
        "  4. 重新打开 Excel，功能区出现“绩效评分”选项卡，即可使用“重新计算得分”按钮。",
        "",
        f"  {py_line}",
        "",
        "二、工作表函数（=PE_SCORE 等）",
        "  导入函数需要 Excel 的“信任对 VBA 工程对象模型的访问”。该项没有打开时，安装程序只安装按钮，",
        "  并说明打开方法；打开后关闭 Excel，双击 add-functions.bat 即可添加函数（装好后可以再关闭该项）。",
        "  如果安装程序提示该项“由管理员锁定”，请联系单位信息中心。",
        "",
        "三、卸载",
        "  关闭 Excel，双击 uninstall.bat。只删除安装程序添加的内容（Excel 启动文件夹中的 addin.xlam",
        "  和 %LOCALAPPDATA%\\pe-score 文件夹）。",
        "",
        "四、信息中心批量部署",
        "  静默安装：install.bat --silent（不提问、不暂停，以退出码报告结果，日志在 %LOCALAPPDATA%\\pe-score\\install.log）。",
        "  退出码：0 完成；3 已装按钮、未导入函数；4 没有可用的 Python；5 Excel 的设置会阻止加载项；1 安装失败。",
        "  需要放行的项目与各种受限环境的处理见 docs\\excel.md 第 1 节。",
        "",
        "五、其他软件",
        "  Windows 版 Excel：按钮 + 工作表函数；macOS 版 Excel：按钮；",
        "  WPS 表格、LibreOffice：请使用模板（pe-score new）自带的公式和 pe-score 命令行。",
        "",
        f"本包内容：wheels 文件夹是 pe-score 及全部依赖（xlwings {xlwings}）适用于 Python "
        f"{'、'.join(pythons)} 的安装文件；addin 是 Excel 加载项；install 是安装程序。",
    ]
    return "\r\n".join(lines) + "\r\n"


def build_bundle(platform: str, out_dir: Path, *, pythons: Optional[Sequence[str]] = None,
                 embed_python: Optional[Path] = None, repo: Path = REPO) -> Path:
    version = project_version(repo)
    tag = current_platform_tag() if platform == "current" else platform
    targets = targets_for(platform, pythons)
    embed = None
    if embed_python is not None:
        if not tag.startswith("win"):
            raise BundleError("嵌入式 Python 只用于 Windows 安装包")
        embed = embed_version(embed_python)
        if embed not in {t.python for t in targets}:
            raise BundleError(f"嵌入式 Python {embed} 不在本安装包支持的版本中：{[t.python for t in targets]}")
    xlwings = addin_xlwings_version(repo)
    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / f"pe-score-{version}-{tag}.zip"
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp) / f"pe-score-{version}"
        wheels = top / "wheels"
        wheels.mkdir(parents=True)
        log = out_dir / f"pe-score-{version}-{tag}.log"  # pip's output; kept only when the build fails
        log.write_text("", encoding="utf-8")
        print(f"构建 pe-score {version} 的 wheel")
        own = build_project_wheel(wheels, log, repo)
        roots = [f"pe-score=={version}", f"xlwings=={xlwings}", "pip"]
        skipped: dict[str, str] = {}
        # Newest first: a version left out for an older Python is then explained by the newer
        # wheel's Requires-Python.
        for target in sorted(targets, key=lambda t: Version(t.python), reverse=True):
            print(f"下载依赖：{tag}，Python {target.python}")
            try:
                collect_wheels(roots, [target], wheels, log, local=[own])
            except TargetUnsupported as exc:
                if pythons or platform == "current":
                    raise
                print(f"  略去 Python {target.python}：{exc}", file=sys.stderr)
                skipped[target.python] = str(exc)
        targets = [t for t in targets if t.python not in skipped]
        if not targets:
            raise BundleError("没有一个 Python 版本能装上全部依赖")
        if embed and embed not in {t.python for t in targets}:
            raise BundleError(f"嵌入式 Python {embed} 不受支持：{skipped.get(embed, '')}")
        for src, dst in ROOT_FILES.items():
            if (repo / src).exists():
                (top / dst).parent.mkdir(parents=True, exist_ok=True)
                if dst.endswith(".bat"):  # cmd.exe wants CRLF, whatever the checkout did
                    text = (repo / src).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                    (top / dst).write_bytes(text)
                else:
                    shutil.copy2(repo / src, top / dst)
        if embed_python is not None:
            (top / "python").mkdir()
            shutil.copy2(embed_python, top / "python" / embed_python.name)
        manifest = {"version": version, "platform": tag, "pythons": [t.python for t in targets],
                    "skipped_pythons": skipped, "xlwings": xlwings,
                    "embed_python": embed_python.name if embed_python else None}
        (top / "bundle.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        (top / "安装说明.txt").write_text(readme_text(version, tag, manifest["pythons"], xlwings, embed),
                                         encoding="utf-8-sig")
        tmp_zip = zip_path.with_suffix(".zip.part")
        with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(top.rglob("*")):
                if path.is_file():
                    compress = zipfile.ZIP_STORED if path.suffix in (".whl", ".zip") else zipfile.ZIP_DEFLATED
                    z.write(path, path.relative_to(top.parent).as_posix(), compress_type=compress)
        tmp_zip.replace(zip_path)
    log.unlink()
    return zip_path


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m install.bundle",
                                     description="生成 pe-score 离线安装包（一个 zip：全部 wheel、加载项、安装脚本和安装说明）")
    parser.add_argument("--platform", required=True,
                        help="目标平台：win_amd64（Windows 64 位），或 current（运行本命令的这台电脑）")
    parser.add_argument("-o", "--output", required=True, type=Path, help="输出文件夹")
    parser.add_argument("--python", action="append", dest="pythons", metavar="3.X",
                        help=f"只为这些 Python 版本下载（可重复；默认 {'、'.join(SUPPORTED_PYTHONS)}）")
    parser.add_argument("--embed-python", type=Path, metavar="ZIP",
                        help="python.org 的 Windows 嵌入式包 python-3.x.y-embed-amd64.zip，放进安装包后目标电脑无需安装 Python")
    args = parser.parse_args(argv)
    if args.platform != "current" and not PLATFORM_RE.match(args.platform):
        parser.error(f"不认识的平台 {args.platform}：请用 win_amd64（Windows 64 位）或 current（本机），"
                     "也可以用 pip 的平台标记，如 macosx_11_0_arm64、manylinux_2_17_x86_64")
    if args.pythons and args.platform == "current":
        parser.error("--platform current 只能用运行本命令的 Python 版本")
    for p in args.pythons or []:
        if p not in SUPPORTED_PYTHONS:
            parser.error(f"不支持的 Python 版本 {p}（支持 {'、'.join(SUPPORTED_PYTHONS)}）")
    try:
        path = build_bundle(args.platform, args.output, pythons=args.pythons, embed_python=args.embed_python)
    except BundleError as exc:
        print(f"安装包未生成：{exc}", file=sys.stderr)
        return 1
    print(f"已生成 {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
