"""The offline bundle (``python -m install.bundle``): built for this machine and installed with the
network blocked, once into a fresh venv and once into a private interpreter laid out like the Windows
embeddable package; built for Windows and checked wheel by wheel.

Building downloads wheels from PyPI (or the mirror pip is configured for): these tests are marked
``slow`` and ``network``. pip's cache makes a second run take seconds.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"
SHIPPED = (ROOT / "addin" / "addin.xlam").read_bytes()
DEAD = "http://127.0.0.1:9"  # discard port: nothing listens, every connection is refused

pytestmark = [pytest.mark.slow, pytest.mark.network]

from install import bundle  # noqa: E402
from tests.scripts import load_script


def _installer():
    return load_script("install/pe_install.py", "pe_install_b")


def _build(platform: str, out: Path, *extra: str) -> Path:
    r = subprocess.run([sys.executable, "-m", "install.bundle", "--platform", platform, "-o", str(out), *extra],
                       cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout + r.stderr
    zips = list(out.glob("*.zip"))
    assert len(zips) == 1 and sorted(out.iterdir()) == zips, list(out.iterdir())  # one zip, nothing else
    return zips[0]


def _unpack(zip_path: Path, dest: Path) -> Path:
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(dest)
    (top,) = list(dest.iterdir())
    return top


def _offline_env(tmp: Path, home: Path) -> dict:
    """No network: a dead proxy, a dead index, and nothing of this machine's pip configuration."""
    return {"PATH": os.defpath, "HOME": str(tmp / "home"), "PE_SCORE_HOME": str(home), "LANG": "C.UTF-8",
            "HTTP_PROXY": DEAD, "HTTPS_PROXY": DEAD, "http_proxy": DEAD, "https_proxy": DEAD,
            "ALL_PROXY": DEAD, "PIP_INDEX_URL": DEAD + "/simple", "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_CACHE_DIR": "1"}


@pytest.fixture(scope="module")
def current_bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    zip_path = _build("current", out)
    assert zip_path.name == f"pe-score-{bundle.project_version()}-{bundle.current_platform_tag()}.zip"
    return _unpack(zip_path, tmp_path_factory.mktemp("unpacked"))


def _score(cmd: list[str], env: dict) -> float:
    r = subprocess.run([*cmd, "score", str(EXAMPLE), "--json"], capture_output=True, text=True, env=env)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)["total"]


def _assert_staged_equals_shipped_but_config(staged: Path, interpreter: str) -> None:
    from addin import build_addin

    def parts(data):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {n: z.read(n) for n in z.namelist()}

    a, b = parts(SHIPPED), parts(staged.read_bytes())
    assert a.keys() == b.keys()
    differ = sorted(n for n in a if a[n] != b[n])
    assert differ == ["xl/worksheets/sheet1.xml"], differ  # the configuration sheet, nothing else
    assert a["xl/vbaProject.bin"] == b["xl/vbaProject.bin"]
    cfg, shipped_cfg = build_addin.read_config(staged.read_bytes()), build_addin.read_config(SHIPPED)
    assert cfg["Interpreter_Mac"] == interpreter
    assert {k: v for k, v in cfg.items() if k != "Interpreter_Mac"} == \
        {k: v for k, v in shipped_cfg.items() if k != "Interpreter_Mac"}


def test_bundle_installs_into_a_fresh_venv_with_the_network_blocked(current_bundle, tmp_path):
    home = tmp_path / "app"
    env = _offline_env(tmp_path, home)
    installer = current_bundle / "install" / "pe_install.py"
    r = subprocess.run([sys.executable, str(installer), "install", "--silent"], capture_output=True, text=True,
                       env=env, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "离线" in r.stdout and "Processing" not in r.stdout  # pip's English stays in the log
    log = (home / "install.log").read_text(encoding="utf-8")
    assert "--no-index" in log and "Successfully installed" in log
    venv_py = home / "venv" / "bin" / "python"
    assert _score([str(home / "venv" / "bin" / "pe-score")], env) == 97
    _assert_staged_equals_shipped_but_config(home / "addin.xlam", str(venv_py))

    # uninstall removes the install folder and nothing next to it
    (tmp_path / "keep.txt").write_text("用户自己的文件", encoding="utf-8")
    r = subprocess.run([sys.executable, str(installer), "uninstall"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert not home.exists() and (tmp_path / "keep.txt").exists()


def _embeddable_zip(path: Path) -> Path:
    """A zip with the file names of python.org's embeddable package (contents are not run here)."""
    with zipfile.ZipFile(path, "w") as z:
        for name in ("python.exe", "pythonw.exe", "python312.dll", "python312.zip", "python3.dll"):
            z.writestr(name, b"MZ")
        z.writestr("python312._pth", "python312.zip\r\n.\r\n\r\n# Uncomment to run site.main() automatically\r\n"
                                     "#import site\r\n")
    return path


def _fake_embeddable(folder: Path) -> Path:
    """This machine's interpreter laid out like python.org's Windows embeddable package: the binary and
    a ``._pth`` in one folder (the ``._pth`` lists the standard library, ``.``, and ``#import site``),
    so Python starts isolated with no site-packages, as the real one does."""
    folder.mkdir(parents=True)
    exe = folder / "python3"
    shutil.copy2(os.path.realpath(sys.executable), exe)
    stdlib = sysconfig.get_paths()["stdlib"]
    dynload = os.path.join(stdlib, "lib-dynload")
    zipped = os.path.join(os.path.dirname(stdlib), f"python{sys.version_info[0]}{sys.version_info[1]}.zip")
    (folder / "python3._pth").write_text(
        f"{zipped}\n{stdlib}\n{dynload}\n.\n\n# Uncomment to run site.main() automatically\n#import site\n",
        encoding="utf-8")
    r = subprocess.run([str(exe), "-c", "import sys, json; print(json.dumps([sys.flags.isolated, sys.path]))"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"this interpreter cannot run from a copy: {r.stderr[-300:]}")
    isolated, path = json.loads(r.stdout)
    assert isolated == 1 and not any("site-packages" in p for p in path)
    return exe


def test_bundle_sets_up_a_private_embeddable_python_with_the_network_blocked(current_bundle, tmp_path):
    home = tmp_path / "app"
    exe = _fake_embeddable(home / "python")  # what install.bat unpacks from python-3.x.y-embed-amd64.zip
    env = _offline_env(tmp_path, home)
    r = subprocess.run([str(exe), str(current_bundle / "install" / "pe_install.py"), "install", "--silent"],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "内置的 Python" in r.stdout
    pth = (home / "python" / "python3._pth").read_text(encoding="utf-8").splitlines()
    assert pth[-1] == "import site" and "#import site" not in pth
    assert f"lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages" in pth
    log = (home / "install.log").read_text(encoding="utf-8")
    assert "--no-index" in log
    # pip was bootstrapped from the bundled wheel and is now installed in the private Python
    r = subprocess.run([str(exe), "-m", "pip", "--version"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and str(home / "python") in r.stdout
    assert _score([str(exe), "-m", "pe_score"], env) == 97
    _assert_staged_equals_shipped_but_config(home / "addin.xlam", str(exe))
    manifest = json.loads((home / "install.json").read_text(encoding="utf-8"))
    assert manifest["embedded"] is True and manifest["added"] == [str(home)]


def test_windows_bundle_holds_a_wheel_for_every_dependency_and_python(tmp_path):
    embed = _embeddable_zip(tmp_path / "python-3.12.10-embed-amd64.zip")
    zip_path = _build("win_amd64", tmp_path / "out", "--embed-python", str(embed))
    assert zip_path.name == f"pe-score-{bundle.project_version()}-win_amd64.zip"
    top = _unpack(zip_path, tmp_path / "unpacked")
    meta = json.loads((top / "bundle.json").read_text(encoding="utf-8"))
    xlwings = meta["xlwings"]
    # xlwings 0.37 (the add-in's VBA version) needs Python 3.11+: 3.10 is left out, and says why
    assert meta["pythons"] == ["3.11", "3.12", "3.13"]
    assert "xlwings" in meta["skipped_pythons"]["3.10"]
    for name in ("install.bat", "add-functions.bat", "uninstall.bat", "安装说明.txt", "install/pe_install.py", "docs/excel.md",
                 "addin/addin.xlam", "addin/build_addin.py"):
        assert (top / name).is_file(), name
    assert (top / "addin" / "addin.xlam").read_bytes() == SHIPPED
    for bat in top.glob("*.bat"):
        data = bat.read_bytes()
        assert b"\n" not in data.replace(b"\r\n", b""), bat.name  # CRLF for cmd.exe
    # the embeddable Python IT passed in is where install.bat looks for it
    assert (top / "python" / embed.name).read_bytes() == embed.read_bytes() and meta["embed_python"] == embed.name
    readme = (top / "安装说明.txt").read_text(encoding="utf-8-sig")
    assert "install.bat" in readme and "add-functions.bat" in readme and "--silent" in readme
    wheels = top / "wheels"
    names = sorted(p.name for p in wheels.glob("*.whl"))
    for py in meta["pythons"]:
        cp = "cp" + py.replace(".", "")
        # pip's resolver, offline, on the bundle's wheels alone, as a Windows Python of that version would
        report = tmp_path / f"report-{py}.json"
        r = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                            "--no-index", "--find-links", str(wheels), "--only-binary=:all:",
                            "--platform", "win_amd64", "--python-version", py, "--implementation", "cp",
                            "--target", str(tmp_path / "t"), "--report", str(report),
                            f"pe-score=={meta['version']}", f"xlwings=={xlwings}"],
                           capture_output=True, text=True, env=dict(os.environ, PIP_CONFIG_FILE=os.devnull))
        assert r.returncode == 0, r.stderr
        resolved = {i["metadata"]["name"].lower().replace("_", "-") for i in json.loads(report.read_text())["install"]}
        assert {"pe-score", "xlwings", "pydantic", "pydantic-core", "python-calamine", "openpyxl"} <= resolved
        # platform markers pip's resolver evaluates for this machine, not for Windows: checked by name
        assert any(n.startswith("pywin32-") and f"-{cp}-{cp}-win_amd64" in n for n in names), (py, names)
        for compiled in ("pydantic_core", "python_calamine", "xlwings"):
            assert any(n.startswith(compiled + "-") and f"-{cp}-" in n and n.endswith("win_amd64.whl")
                       for n in names), (compiled, py)
        # and the bundle's own walk over every wheel's requirements, with Windows markers, finds nothing missing
        target = bundle.Target("win_amd64", py)
        assert bundle.unmet(bundle.read_wheels(wheels), [f"pe-score=={meta['version']}", f"xlwings=={xlwings}"],
                            target) == []
    # nothing is downloaded at install time: the installer's pip command for this bundle carries --no-index
    pi = _installer()
    source = pi.read_source(top)
    assert source.offline and source.pythons == ("3.11", "3.12", "3.13") and source.xlwings == xlwings
    assert source.embed_zip == top / "python" / embed.name
    paths = pi.install_paths("win", {"LOCALAPPDATA": r"C:\Users\u\AppData\Local", "APPDATA": r"C:\Users\u\AppData\Roaming"},
                             embedded=True)
    cmd = pi.pip_install_command(paths, source)
    assert "--no-index" in cmd and cmd[cmd.index("--find-links") + 1] == str(wheels)


def _sdist(folder: Path, name: str, setup_py: str) -> Path:
    """A source-only distribution as PyPI would serve it (no wheel)."""
    import tarfile

    base = f"{name.replace('-', '_')}-1.0"
    files = {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
                          f'[project]\nname = "{name}"\nversion = "1.0"\n',
        "setup.py": setup_py,
        f"{name.replace('-', '_')}.py": "VALUE = 1\n",
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
    }
    path = folder / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{base}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_a_source_only_dependency_is_built_into_a_wheel_or_named(tmp_path, monkeypatch):
    links = tmp_path / "links"
    links.mkdir()
    _sdist(links, "pe-probe-pure", "from setuptools import setup\nsetup(py_modules=['pe_probe_pure'])\n")
    _sdist(links, "pe-probe-native", "raise SystemExit('error: Microsoft Visual C++ 14.0 or greater is required')\n")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    dest, log = tmp_path / "wheels", tmp_path / "bundle.log"
    dest.mkdir()
    target = bundle.Target("win_amd64", "3.12")
    got = bundle.collect_wheels(["pe-probe-pure==1.0"], [target], dest, log)
    assert [w.path.name for w in got] == ["pe_probe_pure-1.0-py3-none-any.whl"]
    with pytest.raises(bundle.BundleError, match="pe-probe-native==1.0.*win_amd64.*3.12"):
        bundle.collect_wheels(["pe-probe-native==1.0"], [target], dest, log)


def test_online_install_uses_the_mirror_it_configured(current_bundle, tmp_path):
    """From a source checkout the installer downloads, from PyPI or from the index IT set for pip
    (PIP_INDEX_URL / pip.ini): here a local mirror made of the bundle's wheels, with every proxy dead."""
    from packaging.utils import canonicalize_name, parse_wheel_filename

    mirror = tmp_path / "simple"
    files = list((current_bundle / "wheels").glob("*.whl"))
    r = subprocess.run([sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--dest", str(tmp_path / "build"),
                        "setuptools>=68", "wheel"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    files += list((tmp_path / "build").glob("*.whl"))
    for f in files:  # a PEP 503 "simple" index, as a mirror serves it
        project = mirror / canonicalize_name(parse_wheel_filename(f.name)[0])
        project.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, project / f.name)
    for project in mirror.iterdir():
        links = "".join(f'<a href="{w.name}">{w.name}</a><br>' for w in sorted(project.glob("*.whl")))
        (project / "index.html").write_text(f"<!DOCTYPE html><html><body>{links}</body></html>", encoding="utf-8")
    checkout = tmp_path / "checkout"  # a copy: pip builds a local project in its own folder
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, checkout / name)
    for pkg in bundle._package_dirs(ROOT) + ["install"]:
        shutil.copytree(ROOT / pkg, checkout / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    home = tmp_path / "app"
    env = dict(_offline_env(tmp_path, home), PIP_INDEX_URL=mirror.as_uri())
    r = subprocess.run([sys.executable, str(checkout / "install" / "pe_install.py"), "install", "--silent"],
                       capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr + (home / "install.log").read_text(encoding="utf-8")
    assert "需要联网或单位的 PyPI 镜像" in r.stdout
    log = (home / "install.log").read_text(encoding="utf-8")
    assert "--no-index" not in log and mirror.as_uri() in log  # pip said where it looked
    assert _score([str(home / "venv" / "bin" / "pe-score")], env) == 97


def test_a_failed_build_leaves_its_log_and_no_zip(tmp_path, monkeypatch):
    """An unreachable index: the build stops with a Chinese message naming the log it leaves behind."""
    monkeypatch.setenv("PIP_INDEX_URL", DEAD + "/simple")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "none"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(var, DEAD)
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "install.bundle", "--platform", "win_amd64", "--python", "3.12",
                        "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 1 and "安装包未生成" in r.stderr and "Traceback" not in r.stderr
    logs = list(out.glob("*.log"))
    assert len(logs) == 1 and str(logs[0]) in r.stderr and not list(out.glob("*.zip"))
    # a dependency that cannot be downloaded is named as such, not as "no wheel exists"
    (tmp_path / "w").mkdir()
    with pytest.raises(bundle.BundleError, match="下载 defusedxml>=0.7.*无法联网"):
        bundle.collect_wheels(["defusedxml>=0.7"], [bundle.Target("win_amd64", "3.12")], tmp_path / "w",
                              tmp_path / "w.log")
