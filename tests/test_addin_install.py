"""install/pe_install.py: every decision the installer makes without Excel, tested on Linux over
realistic inputs (registry readings and ``--version`` probes passed in as data)."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import types
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[1]


def _load_installer():
    return load_script("install/pe_install.py", "pe_install")


pi = _load_installer()

WIN_ENV = {"LOCALAPPDATA": r"C:\Users\张三\AppData\Local", "APPDATA": r"C:\Users\张三\AppData\Roaming"}
SHIPPED = (ROOT / "addin" / "addin.xlam").read_bytes()


# ---- Python discovery --------------------------------------------------------------------------

STUB = pi.Probe(r"C:\Users\张三\AppData\Local\Microsoft\WindowsApps\python.exe", 9009,
                "Python was not found; run without arguments to install from the Microsoft Store, "
                "or disable this shortcut from Settings > Manage App Execution Aliases.\n")
STORE = pi.Probe(r"C:\Users\张三\AppData\Local\Microsoft\WindowsApps\PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0"
                 r"\python.exe", 0, "Python 3.12.7\n")
STORE_PF = pi.Probe(r"C:\Program Files\WindowsApps\PythonSoftwareFoundation.Python.3.13_3.13.1008.0_x64__qbz5n2kfra8p0"
                    r"\python.exe", 0, "Python 3.13.1\n")
ORG_312 = pi.Probe(r"C:\Users\张三\AppData\Local\Programs\Python\Python312\python.exe", 0, "Python 3.12.7\n")
ORG_313 = pi.Probe(r"C:\Program Files\Python313\python.exe", 0, "Python 3.13.0\n")
ORG_310 = pi.Probe(r"C:\Python310\python.exe", 0, "Python 3.10.11\n")
MISSING = pi.Probe(r"C:\Program Files\Python311\python.exe", -1, "[WinError 2] 系统找不到指定的文件。")


def test_versions():
    assert pi.version_ok((3, 10, 0)) and pi.version_ok((3, 13, 1)) and pi.version_ok((4, 0))
    assert not pi.version_ok((3, 9, 18)) and not pi.version_ok((2, 7, 18))
    assert not pi.version_ok((3, 10, 11), pi.ADDIN_MIN_PYTHON)
    assert pi.parse_python_version("Python 3.11.7") == (3, 11, 7)
    assert pi.parse_python_version("Python 3.12") == (3, 12, 0)
    assert pi.parse_python_version("'python' 不是内部或外部命令，也不是可运行的程序") is None
    assert pi.parse_python_version(STUB.output) is None
    msg = pi.python_too_old_message((3, 10, 11))
    assert "3.10.11" in msg and "3.11" in msg and "python.org" in msg


def test_addin_minimum_python_is_what_the_pinned_xlwings_requires():
    from importlib.metadata import metadata

    from addin import build_addin

    pinned = build_addin.read_config(SHIPPED)["XLWINGS_VERSION"]
    meta = metadata("xlwings")
    if meta["Version"] != pinned:
        pytest.skip(f"installed xlwings {meta['Version']} is not the add-in's {pinned}")
    from packaging.specifiers import SpecifierSet

    spec = SpecifierSet(meta["Requires-Python"])
    low = f"{pi.ADDIN_MIN_PYTHON[0]}.{pi.ADDIN_MIN_PYTHON[1]}.0"
    below = f"{pi.ADDIN_MIN_PYTHON[0]}.{pi.ADDIN_MIN_PYTHON[1] - 1}.99"
    assert spec.contains(low) and not spec.contains(below)


def test_store_stub_and_store_python_are_recognised():
    assert pi.classify(STUB) == pi.STORE_STUB
    assert pi.classify(STORE) == pi.STORE_PYTHON and pi.classify(STORE_PF) == pi.STORE_PYTHON
    assert pi.classify(ORG_312) == pi.USABLE
    assert pi.classify(ORG_310) == pi.TOO_OLD  # xlwings 0.37 needs 3.11
    assert pi.classify(MISSING) == pi.BROKEN
    # an offline bundle holds wheels for some versions only
    assert pi.classify(ORG_313, allowed=("3.11", "3.12")) == pi.TOO_OLD
    assert pi.classify(ORG_312, allowed=("3.11", "3.12")) == pi.USABLE


def test_choose_python_skips_the_store_and_takes_the_newest_usable_one():
    best, kinds = pi.choose_python([STUB, STORE, ORG_310, ORG_312, ORG_313, MISSING])
    assert best == ORG_313.path
    assert kinds == [pi.STORE_STUB, pi.STORE_PYTHON, pi.TOO_OLD, pi.BROKEN]
    assert pi.choose_python([STUB, STORE, ORG_313, ORG_312], allowed=("3.11", "3.12"))[0] == ORG_312.path
    assert pi.choose_python([]) == (None, [])


def test_no_python_message_explains_the_store_in_chinese():
    stub_only = pi.no_python_message([pi.STORE_STUB])
    assert "应用商店" in stub_only and "占位程序" in stub_only
    assert "embeddable" in stub_only and "python.org" in stub_only and "install.bat" in stub_only
    store = pi.no_python_message([pi.STORE_PYTHON], allowed=("3.11", "3.12", "3.13"))
    assert "%APPDATA%" in store and "Excel 找不到" in store and "3.11、3.12、3.13" in store
    assert "占位程序" not in store
    assert "版本不符合" in pi.no_python_message([pi.TOO_OLD])


def test_where_and_py_launcher_outputs_become_candidates():
    where = ("C:\\Users\\张三\\AppData\\Local\\Programs\\Python\\Python312\\python.exe\r\n"
             "C:\\Users\\张三\\AppData\\Local\\Microsoft\\WindowsApps\\python.exe\r\n")
    assert pi.parse_where_output(where) == [
        r"C:\Users\张三\AppData\Local\Programs\Python\Python312\python.exe",
        r"C:\Users\张三\AppData\Local\Microsoft\WindowsApps\python.exe"]
    assert pi.parse_where_output("信息: 用提供的模式无法找到文件。\r\n") == []
    listing = (" -V:3.12 *        C:\\Users\\张三\\AppData\\Local\\Programs\\Python\\Python312\\python.exe\n"
               " -V:3.9           C:\\Program Files\\Python39\\python.exe\n"
               " -3.11-64        C:\\Users\\a b\\AppData\\Local\\Programs\\Python\\Python311\\python.exe\n"
               "Installed Pythons found by py Launcher for Windows\n")
    assert pi.parse_py_launcher_list(listing) == [
        r"C:\Users\张三\AppData\Local\Programs\Python\Python312\python.exe", r"C:\Program Files\Python39\python.exe",
        r"C:\Users\a b\AppData\Local\Programs\Python\Python311\python.exe"]
    env = dict(WIN_ENV, ProgramFiles=r"C:\Program Files")
    cands = pi.windows_python_candidates(env, listing, where.upper())  # where's case differs: still one entry
    assert cands[0] == r"C:\Users\张三\AppData\Local\Programs\Python\Python312\python.exe"
    assert sum(c.lower().endswith(r"python312\python.exe") and "programs" in c.lower() for c in cands) == 1
    assert r"C:\Program Files\Python313\python.exe" in cands  # the all-users default folder
    assert any(pi.is_store_path(c) for c in cands)


# ---- Excel's settings: the user's, the machine's and Group Policy's -------------------------------

POL = r"Software\Policies\Microsoft\Office\16.0"
USR = r"Software\Microsoft\Office\16.0"


def settings(readings, want_udfs=True):
    return pi.assess(pi.effective_settings(readings, "16.0"), want_udfs)


def test_default_excel_installs_the_ribbon_and_explains_the_functions():
    a = settings({})
    assert a.ribbon and not a.udfs
    assert len(a.notes) == 1
    note = a.notes[0]
    assert "信任对 VBA 工程对象模型的访问" in note and "add-functions.bat" in note and "1." in note
    assert "管理员" not in note
    assert "禁用所有宏" not in note  # no false alarm: XLSTART is trusted


def test_disable_all_macros_is_no_problem_for_xlstart():
    a = settings({("HKCU", USR + r"\Excel\Security", "VBAWarnings"): 4,
                  ("HKCU", USR + r"\Excel\Security", "AccessVBOM"): 1})
    assert a.ribbon and a.udfs and a.notes == []


def test_a_user_policy_locks_vba_access():
    readings = {("HKCU", USR + r"\Excel\Security", "AccessVBOM"): 1,  # the user ticked it...
                ("HKCU", POL + r"\Excel\Security", "accessvbom"): 0}  # ...but Group Policy wins
    s = pi.effective_settings(readings, "16.0")
    assert s["AccessVBOM"] == pi.Setting(0, "policy-user", "HKCU\\" + POL + r"\Excel\Security\accessvbom")
    assert s["AccessVBOM"].locked
    a = pi.assess(s)
    assert a.ribbon and not a.udfs
    assert "管理员锁定" in a.notes[0] and "组策略（用户配置）" in a.notes[0] and POL in a.notes[0]
    assert "信息中心" in a.notes[0] and "add-functions.bat" not in a.notes[0]


def test_machine_policy_beats_user_policy_and_the_users_own_setting():
    readings = {("HKLM", POL + r"\Excel\Security", "AccessVBOM"): 1,
                ("HKCU", POL + r"\Excel\Security", "AccessVBOM"): 0,
                ("HKCU", USR + r"\Excel\Security", "AccessVBOM"): 0}
    s = pi.effective_settings(readings, "16.0")
    assert s["AccessVBOM"].value == 1 and s["AccessVBOM"].source == "policy-machine"
    assert pi.assess(s).udfs
    # a machine-wide (HKLM) value set by an administrator is also beyond the user's reach
    s = pi.effective_settings({("HKLM", USR + r"\Excel\Security", "AccessVBOM"): 0}, "16.0")
    assert s["AccessVBOM"].locked and s["AccessVBOM"].source == "machine"
    # the user's own setting is not locked; defaults are Excel's
    s = pi.effective_settings({("HKCU", USR + r"\Excel\Security", "ACCESSVBOM"): 1}, "16.0")
    assert s["AccessVBOM"] == pi.Setting(1, "user", "HKCU\\" + USR + r"\Excel\Security\accessvbom")
    assert not s["AccessVBOM"].locked
    assert s["VBAWarnings"] == pi.Setting(2, "default")


def test_trusted_locations_disabled_by_policy():
    tl = POL + r"\Excel\Security\Trusted Locations"
    # with "disable all without notification" the add-in's macros cannot run at all
    a = settings({("HKCU", tl, "alllocationsdisabled"): 1, ("HKCU", POL + r"\Excel\Security", "vbawarnings"): 4,
                  ("HKCU", USR + r"\Excel\Security", "AccessVBOM"): 1})
    assert not a.ribbon and a.udfs
    assert len(a.notes) == 1 and "禁用所有受信任位置" in a.notes[0] and "管理员锁定" in a.notes[0]
    # with the default macro setting Excel asks at each start: installed, with a note
    a = settings({("HKCU", tl, "alllocationsdisabled"): 1, ("HKCU", USR + r"\Excel\Security", "AccessVBOM"): 1})
    assert a.ribbon and "启用宏" in a.notes[0]
    # "enable all macros" needs no trusted location
    assert settings({("HKCU", tl, "alllocationsdisabled"): 1, ("HKCU", USR + r"\Excel\Security", "VBAWarnings"): 1,
                     ("HKCU", USR + r"\Excel\Security", "AccessVBOM"): 1}).notes == []


def test_signature_policies_disable_the_unsigned_add_in():
    a = settings({("HKCU", r"Software\Policies\Microsoft\Office\16.0\Common\Security", "requirealwaysonmacrosig"): 1},
                 want_udfs=False)
    assert not a.ribbon and "签名" in a.notes[0] and "管理员锁定" in a.notes[0]
    a = settings({("HKCU", USR + r"\Excel\Security", "RequireAddinSig"): 1}, want_udfs=False)
    assert not a.ribbon and "取消勾选" in a.notes[0]  # the user's own choice: how to undo it


def test_office_version_and_registry_locations():
    assert pi.office_version(["15.0", "16.0"]) == "16.0"
    assert pi.office_version(["15.0"]) == "15.0"
    assert pi.office_version([]) == "16.0"
    locs = pi.registry_locations("16.0")
    assert ("HKLM", POL + r"\Excel\Security") in locs and ("HKCU", POL + r"\Excel\Security\Trusted Locations") in locs
    assert ("HKCU", POL + r"\Common\Security") in locs and ("HKCU", USR + r"\Excel\Security") in locs
    assert locs.index(("HKLM", POL + r"\Excel\Security")) < locs.index(("HKCU", USR + r"\Excel\Security"))
    s = pi.effective_settings({("HKCU", r"Software\Microsoft\Office\15.0\Excel\Security", "AccessVBOM"): 1}, "15.0")
    assert s["AccessVBOM"].value == 1


# ---- paths, configuration, pip -------------------------------------------------------------------


def test_windows_paths():
    p = pi.install_paths("win", WIN_ENV)
    assert p.venv == PureWindowsPath(r"C:\Users\张三\AppData\Local\pe-score\venv")
    assert p.python == PureWindowsPath(r"C:\Users\张三\AppData\Local\pe-score\venv\Scripts\python.exe")
    assert p.excel_python.name == "pythonw.exe"  # no console window on each click
    assert p.xlstart == PureWindowsPath(r"C:\Users\张三\AppData\Roaming\Microsoft\Excel\XLSTART")
    assert p.addin.name == "addin.xlam" and p.addin.parent == p.xlstart
    assert p.staged_addin.parent == p.app_dir and p.log.parent == p.app_dir
    e = pi.install_paths("win", WIN_ENV, embedded=True)
    assert e.python == PureWindowsPath(r"C:\Users\张三\AppData\Local\pe-score\python\python.exe")
    assert e.excel_python == PureWindowsPath(r"C:\Users\张三\AppData\Local\pe-score\python\pythonw.exe")
    it = pi.install_paths("win", dict(WIN_ENV, PE_SCORE_HOME=r"D:\Apps\pe-score"))
    assert it.app_dir == PureWindowsPath(r"D:\Apps\pe-score") and it.xlstart == p.xlstart
    with pytest.raises(pi.InstallError):
        pi.install_paths("win", {"APPDATA": "x"})


def test_mac_and_linux_paths():
    p = pi.install_paths("mac", {}, home="/Users/zhang")
    assert p.venv == PurePosixPath("/Users/zhang/Library/Application Support/pe-score/venv")
    assert p.python == p.venv / "bin" / "python"
    # xlwings' AppleScript does not quote the interpreter: the add-in runs a space-free wrapper.
    assert p.excel_python == p.launcher == PurePosixPath("/Users/zhang/.pe-score/python")
    assert p.xlstart == PurePosixPath(
        "/Users/zhang/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel")
    assert p.addin == p.xlstart / "addin.xlam"
    lx = pi.install_paths("linux", {}, home="/home/zhang")
    assert lx.addin is None and lx.xlstart is None  # no Excel: the command line only
    assert lx.python == PurePosixPath("/home/zhang/.local/share/pe-score/venv/bin/python")


def test_mac_launcher_runs_the_venv_python(tmp_path):
    import stat

    p = pi.install_paths("mac", {}, home=str(tmp_path / "home it's"))
    assert pi.mac_launcher_script(p).startswith("#!/bin/sh\n")
    # Run the wrapper for real, pointed at this interpreter, through a path with a space and a quote.
    real = pi.Paths(**{**p.__dict__, "python": PurePosixPath(tmp_path / "home it's" / "py thon")})
    Path(real.python).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(sys.executable, real.python)
    launcher = tmp_path / "launcher"
    launcher.write_text(pi.mac_launcher_script(real))
    launcher.chmod(launcher.stat().st_mode | stat.S_IEXEC)
    out = subprocess.run([str(launcher), "-c", "print('ok 你好')"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok 你好"


def test_platform_key():
    assert pi.platform_key("win32") == "win" and pi.platform_key("darwin") == "mac"
    assert pi.platform_key("linux") == "linux"


def test_addin_file_name_is_the_entry_module():
    # The ribbon's VBA imports the module named like the file: addin.xlam → import addin; addin.main()
    from addin import build_addin

    assert pi.ADDIN_FILE == build_addin.ADDIN_NAME
    assert pi.UDF_MODULE == build_addin.UDF_MODULES
    assert pi.is_our_addin(SHIPPED)


def test_config_points_the_addin_at_the_environment_and_round_trips_through_the_xlam():
    from addin import build_addin

    win = pi.install_paths("win", WIN_ENV, embedded=True)
    cfg = pi.addin_config(win)
    assert cfg == {"Interpreter_Win": str(win.excel_python), "UDF Modules": "addin.functions"}
    mac = pi.install_paths("mac", {}, home="/Users/zhang")
    assert pi.addin_config(mac)["Interpreter_Mac"] == "/Users/zhang/.pe-score/python"
    data = build_addin.set_config(SHIPPED, cfg)
    read = build_addin.read_config(data)
    assert read["Interpreter_Win"] == str(win.excel_python) and read["Interpreter_Mac"] == ""


def _source(tmp_path, offline=True):
    wheels = tmp_path / "wheels"
    wheels.mkdir(exist_ok=True)
    (wheels / "pip-26.3-py3-none-any.whl").write_bytes(b"")
    return pi.Source(tmp_path, offline, "0.1.0", "0.37.8", ("3.11", "3.12", "3.13") if offline else None)


def test_offline_pip_command_reads_only_the_bundles_wheels(tmp_path):
    p = pi.install_paths("win", WIN_ENV)
    src = _source(tmp_path)
    cmd = pi.pip_install_command(p, src)
    assert cmd[0] == str(p.python)
    assert cmd[1] == str(tmp_path / "wheels" / "pip-26.3-py3-none-any.whl" / "pip")  # pip runs from its wheel
    assert cmd[2] == "install" and "--no-index" in cmd and "--only-binary=:all:" in cmd
    assert cmd[cmd.index("--find-links") + 1] == str(tmp_path / "wheels")
    assert cmd[-3:] == ["pip", "pe-score==0.1.0", "xlwings==0.37.8"]
    with pytest.raises(pi.InstallError, match="pip"):
        (tmp_path / "wheels" / "pip-26.3-py3-none-any.whl").unlink()
        pi.pip_install_command(p, src)


def test_online_pip_command_leaves_the_index_to_pips_configuration(tmp_path):
    p = pi.install_paths("win", WIN_ENV)
    cmd = pi.pip_install_command(p, _source(tmp_path, offline=False))
    assert cmd[:4] == [str(p.python), "-m", "pip", "install"]
    assert str(tmp_path) in cmd and "xlwings==0.37.8" in cmd
    # a mirror set by IT in pip.ini or PIP_INDEX_URL applies: nothing here overrides the index
    assert not any(a in cmd for a in ("--no-index", "-i", "--index-url", "--extra-index-url"))


EMBED_PTH = "python312.zip\r\n.\r\n\r\n# Uncomment to run site.main() automatically\r\n#import site\r\n"


def test_embeddable_pth_gets_site_packages_and_import_site():
    out = pi.pth_with_site(EMBED_PTH)
    lines = out.split("\r\n")
    assert lines[:2] == ["python312.zip", "."]  # the standard library stays first
    assert "Lib\\site-packages" in lines and "import site" in lines and "#import site" not in lines
    assert lines.index("Lib\\site-packages") < lines.index("import site")
    assert pi.pth_with_site(out) == out  # idempotent on a second install
    assert pi.pth_with_site(EMBED_PTH.replace("\r\n", "\n")) == out
    assert pi.embedded_site_dir("win", (3, 12)) == "Lib\\site-packages"


def test_find_embed_zip_takes_the_newest_the_wheels_cover(tmp_path):
    for name in ("python-3.12.7-embed-amd64.zip", "python-3.13.1-embed-amd64.zip", "python-3.12.10-embed-amd64.zip",
                 "python-3.12.7-embed-win32.zip", "python-3.12.7-amd64.exe"):
        (tmp_path / name).write_bytes(b"")
    assert pi.find_embed_zip(tmp_path).name == "python-3.13.1-embed-amd64.zip"
    assert pi.find_embed_zip(tmp_path, ("3.11", "3.12")).name == "python-3.12.10-embed-amd64.zip"
    assert pi.find_embed_zip(tmp_path, ("3.11",)) is None
    assert pi.find_embed_zip(tmp_path / "missing") is None


# ---- pip's output behind one Chinese line ------------------------------------------------------

PIP_OUTPUT = """\
Looking in links: c:\\users\\张三\\desktop\\pe-score-0.1.0\\wheels
Processing c:\\users\\张三\\desktop\\pe-score-0.1.0\\wheels\\pip-26.3-py3-none-any.whl
Processing c:\\users\\张三\\desktop\\pe-score-0.1.0\\wheels\\pe_score-0.1.0-py3-none-any.whl
Processing c:\\users\\张三\\desktop\\pe-score-0.1.0\\wheels\\pydantic_core-2.50.5-cp312-cp312-win_amd64.whl (from pydantic>=2.5)
Collecting xlwings==0.37.8
Installing collected packages: xlwings, pydantic-core, pip, pe-score
Successfully installed pe-score-0.1.0 pip-26.3 pydantic-core-2.50.5 xlwings-0.37.8
"""


def test_progress_line_is_chinese():
    state = {}
    shown = [t for t in (pi.progress_text(ln, state) for ln in PIP_OUTPUT.splitlines()) if t]
    assert shown == ["正在准备第 1 个组件：pip", "正在准备第 2 个组件：pe_score", "正在准备第 3 个组件：pydantic_core",
                     "正在准备第 4 个组件：xlwings", "正在安装 4 个组件（约 1 分钟）……", "组件安装完成"]
    assert all(not any(w in t for w in ("Processing", "Collecting", "Installing")) for t in shown)


def test_pip_failures_are_explained_with_the_log_path():
    log = PureWindowsPath(r"C:\Users\张三\AppData\Local\pe-score\install.log")
    offline = pi.explain_pip_failure(
        "ERROR: Could not find a version that satisfies the requirement pydantic-core==2.50.5\n"
        "ERROR: No matching distribution found for pydantic-core==2.50.5\n", True, log)
    assert "安装包中缺少" in offline and str(log) in offline and "No matching distribution" in offline
    net = pi.explain_pip_failure("WARNING: Retrying (Retry(total=4)) after connection broken by "
                                 "'ProxyError('Cannot connect to proxy.')'\nERROR: Could not find a version", False, log)
    assert "离线安装包" in net and "PIP_INDEX_URL" in net and str(log) in net


# ---- the plan --------------------------------------------------------------------------------------


def test_install_plan_order(tmp_path):
    src = _source(tmp_path)
    p = pi.install_paths("win", WIN_ENV)
    whats = [s.what for s in pi.plan_install(p, src, with_udfs=True, python_version=(3, 12))]
    assert "环境" in whats[0] and "离线" in whats[1]
    udf = [i for i, w in enumerate(whats) if "工作表函数" in w]
    assert len(udf) == 1 and [s.optional for s in pi.plan_install(p, src, with_udfs=True,
                                                                  python_version=(3, 12))][udf[0]]
    assert "启动文件夹" in whats[-1]  # the add-in reaches XLSTART only once it is configured
    ribbon_only = [s.what for s in pi.plan_install(p, src, with_udfs=False, python_version=(3, 12))]
    assert not any("工作表函数" in w for w in ribbon_only) and "启动文件夹" in ribbon_only[-1]
    emb = pi.install_paths("win", WIN_ENV, embedded=True)
    assert "内置的 Python" in pi.plan_install(emb, src, with_udfs=False, python_version=(3, 12))[0].what
    mac = pi.install_paths("mac", {}, home="/Users/zhang")
    mac_steps = [s.what for s in pi.plan_install(mac, _source(tmp_path, offline=False), with_udfs=False,
                                                 python_version=(3, 12))]
    assert any("runpython" in w for w in mac_steps) and any("启动脚本" in w for w in mac_steps)
    assert "联网" in mac_steps[1]


def test_uninstall_removes_what_the_install_added_and_nothing_else():
    p = pi.install_paths("win", WIN_ENV)
    fresh = pi.manifest_for(p, app_dir_existed=False, addin_existed=False, xlstart_existed=True,
                            launcher_existed=False, version="0.1.0")
    assert fresh["added"] == [str(p.app_dir), str(p.addin)]
    un = [s.what for s in pi.plan_uninstall(p, fresh, running=r"C:\Python312\python.exe")]
    assert un == [f"删除加载项：{p.addin}", f"删除：{p.app_dir}"]
    # a user who had their own files in the install folder keeps them; XLSTART created by us goes if empty
    kept = pi.manifest_for(p, app_dir_existed=True, addin_existed=False, xlstart_existed=False,
                           launcher_existed=False, version="0.1.0")
    assert str(p.app_dir) not in kept["added"] and str(p.venv) in kept["added"]
    un = [s.what for s in pi.plan_uninstall(p, kept, running=r"C:\Python312\python.exe")]
    assert un[-1] == f"删除空的启动文件夹：{p.xlstart}"
    # the private Python runs its own uninstall: its folder goes once it has exited
    e = pi.install_paths("win", WIN_ENV, embedded=True)
    m = pi.manifest_for(e, app_dir_existed=False, addin_existed=False, xlstart_existed=True,
                        launcher_existed=False, version="0.1.0")
    un = [s.what for s in pi.plan_uninstall(e, m, running=str(e.python).upper())]
    assert "退出后删除" in un[1]


def test_a_foreign_addin_xlam_is_never_overwritten_or_removed(tmp_path):
    parts = {}
    with zipfile.ZipFile(io.BytesIO(SHIPPED)) as z:
        for n in z.namelist():
            parts[n] = z.read(n)
    parts["customUI/customUI.xml"] = parts["customUI/customUI.xml"].replace(b"peScoreTab", b"someoneElse")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    assert not pi.is_our_addin(buf.getvalue()) and not pi.is_our_addin(b"not a zip")
    xlstart = tmp_path / "XLSTART"
    xlstart.mkdir()
    (xlstart / "addin.xlam").write_bytes(buf.getvalue())
    (tmp_path / "staged.xlam").write_bytes(SHIPPED)
    p = pi.Paths("linux", PurePosixPath(tmp_path), PurePosixPath(tmp_path), PurePosixPath(sys.executable),
                 PurePosixPath(sys.executable), PurePosixPath(xlstart), PurePosixPath(xlstart / "addin.xlam"),
                 PurePosixPath(tmp_path / "staged.xlam"))
    with pytest.raises(pi.InstallError, match="不会覆盖"):
        pi._copy_addin(p)
    pi._remove_addin(Path(p.addin))
    assert (xlstart / "addin.xlam").read_bytes() == buf.getvalue()


def test_installer_dry_run_on_linux_changes_nothing(tmp_path):
    home = tmp_path / "home"
    env = dict(os.environ, HOME=str(home), PE_SCORE_HOME=str(tmp_path / "app"))
    out = subprocess.run([sys.executable, str(ROOT / "install" / "pe_install.py"), "install", "--dry-run"],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "[1/3] 创建独立的 Python 环境" in out.stdout and "Traceback" not in out.stderr
    assert not (tmp_path / "app").exists()
    out = subprocess.run([sys.executable, str(ROOT / "install" / "pe_install.py"), "check"],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 5 and "检查完成" in out.stdout  # Linux has no Excel


def test_exit_codes_are_documented():
    doc = (ROOT / "docs" / "excel.md").read_text(encoding="utf-8")
    for code, meaning in pi.EXIT_CODES.items():
        assert f"| {code} |" in doc, code
    bat = (ROOT / "install" / "install.bat").read_bytes()
    assert b"\r\n" in bat and b"\n" not in bat.replace(b"\r\n", b"")  # cmd.exe wants CRLF
    assert b"exit /b 4" in bat  # EXIT_NO_PYTHON when there is no Python at all


# ---- the UDF wrappers xlwings generates, and our #VALUE! patch ---------------------------------


def _xlwings_generated_vba() -> str:
    """The VBA that xlwings' own generator writes for addin.functions (its Windows-only imports stubbed:
    the generator itself is plain Python)."""
    stubs = {n: types.ModuleType(n) for n in ("pythoncom", "pywintypes", "win32com", "win32com.client")}
    stubs["pythoncom"].CoInitialize = lambda: None
    stubs["win32com.client"].Dispatch = lambda *a, **k: None
    stubs["win32com"].client = stubs["win32com.client"]
    saved = {n: sys.modules.get(n) for n in list(stubs) + ["xlwings.udfs"]}
    sys.modules.update(stubs)
    sys.modules.pop("xlwings.udfs", None)
    try:
        import xlwings.udfs as U

        import addin.functions as F

        mod = types.ModuleType("addin_functions_for_vba")
        for name in dir(F):
            if name.startswith("PE_"):
                f = getattr(F, name)
                g = types.FunctionType(f.__code__, f.__globals__, name, f.__defaults__)
                g.__doc__ = f.__doc__
                setattr(mod, name, U.xlfunc(category="绩效评分")(g))

        class _Book:
            Name = "addin.xlam"

        buf = io.StringIO()
        U.generate_vba_wrapper("addin.functions", mod, buf, _Book())
        return buf.getvalue()
    finally:
        for n, m in saved.items():
            if m is None:
                sys.modules.pop(n, None)
            else:
                sys.modules[n] = m


def test_patch_makes_every_udf_failure_a_value_error():
    code = _xlwings_generated_vba()
    n_funcs = code.count("End Function")
    assert n_funcs == 8 and code.count("= Err.Description") == 8
    patched, n = pi.patch_udf_vba(code)
    assert n == 8
    assert "Err.Description" not in patched
    for name in ("PE_SCORE", "PE_SCORES", "PE_TOTAL", "PE_GRADE"):
        assert f"    {name} = CVErr(2015)" in patched
        assert f'XLPy.CallUDF("addin.functions", "{name}"' in patched
    assert pi.patch_udf_vba(patched) == (patched, 0)  # idempotent on re-import
    # Argument names become VBA identifiers: ASCII only.
    import re

    for sig in re.findall(r"^Function \w+\((.*)\)$", code, re.M):
        assert sig.isascii()


# ---- the bundle builder's checks that need no download ------------------------------------------------


def test_bundle_accepts_only_pythons_embeddable_package(tmp_path):
    from install import bundle

    good = tmp_path / "python-3.12.10-embed-amd64.zip"
    with zipfile.ZipFile(good, "w") as z:
        for n in ("python.exe", "pythonw.exe", "python312._pth", "python312.zip"):
            z.writestr(n, b"")
    assert bundle.embed_version(good) == "3.12"
    for bad in ("python-3.12.10-amd64.exe", "python-3.12.10-embed-win32.zip", "python.zip"):
        (tmp_path / bad).write_bytes(good.read_bytes())
        with pytest.raises(bundle.BundleError, match="嵌入式"):
            bundle.embed_version(tmp_path / bad)
    hollow = tmp_path / "python-3.13.1-embed-amd64.zip"
    with zipfile.ZipFile(hollow, "w") as z:
        z.writestr("python.exe", b"")
    with pytest.raises(bundle.BundleError, match="python313._pth"):
        bundle.embed_version(hollow)


def test_bundle_targets_and_markers():
    from install import bundle

    win = bundle.Target("win_amd64", "3.12")
    env = win.environment()
    assert env["sys_platform"] == "win32" and env["platform_system"] == "Windows" and env["python_version"] == "3.12"
    from packaging.tags import Tag

    tags = win.tags()
    assert Tag("cp312", "cp312", "win_amd64") in tags and Tag("py3", "none", "any") in tags
    assert Tag("cp313", "cp313", "win_amd64") not in tags and Tag("cp312", "cp312", "manylinux_2_17_x86_64") not in tags
    assert [t.python for t in bundle.targets_for("win_amd64")] == ["3.10", "3.11", "3.12", "3.13"]
    assert bundle.targets_for("current")[0].python == f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert bundle.current_platform_tag().replace("_", "").isalnum()
    out = subprocess.run([sys.executable, "-m", "install.bundle", "--platform", "win_amd64", "-o", "x",
                          "--python", "3.9"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "3.9" in out.stderr
    out = subprocess.run([sys.executable, "-m", "install.bundle", "--platform", "windows", "-o", "x"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "win_amd64" in out.stderr and not (ROOT / "x").exists()
    for tag in ("win_amd64", "win32", "macosx_11_0_arm64", "manylinux_2_17_x86_64", "linux_x86_64"):
        assert bundle.PLATFORM_RE.match(tag), tag


def _wheel(folder, filename, requires=(), requires_python=None):
    name, version = filename.split("-")[:2]
    with zipfile.ZipFile(folder / filename, "w") as z:
        meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
        if requires_python:
            meta += f"Requires-Python: {requires_python}\n"
        z.writestr(f"{name}-{version}.dist-info/METADATA", meta)


def test_requirement_walk_uses_the_targets_markers(tmp_path):
    """pip evaluates platform markers for the machine it runs on; the bundle's own walk evaluates them
    for the target, so a Windows bundle built on Linux still gets pywin32 and colorama."""
    from install import bundle

    _wheel(tmp_path, "pe_score-0.1.0-py3-none-any.whl",
           ["xlwings>=0.30", "typer[all]>=0.12", "tomli>=2.0; python_version < '3.11'"])
    _wheel(tmp_path, "xlwings-0.37.8-cp312-cp312-win_amd64.whl", ['pywin32; platform_system == "Windows"'],
           requires_python=">=3.11")
    _wheel(tmp_path, "typer-0.12.0-py3-none-any.whl", ["click>=8", 'rich; extra == "all"'])
    _wheel(tmp_path, "click-8.1.7-py3-none-any.whl", ['colorama; platform_system == "Windows"'])
    _wheel(tmp_path, "rich-13.0.0-py3-none-any.whl")
    wheels = bundle.read_wheels(tmp_path)
    win312 = bundle.Target("win_amd64", "3.12")
    assert sorted(r.name for r in bundle.unmet(wheels, ["pe-score==0.1.0"], win312)) == ["colorama", "pywin32"]
    _wheel(tmp_path, "colorama-0.4.6-py2.py3-none-any.whl")
    _wheel(tmp_path, "pywin32-312-cp312-cp312-win_amd64.whl")
    wheels = bundle.read_wheels(tmp_path)
    assert bundle.unmet(wheels, ["pe-score==0.1.0"], win312) == []
    # the cp312 wheels do not fit Python 3.13; the extra [all] pulled rich in; tomli only below 3.11
    assert [r.name for r in bundle.unmet(wheels, ["pe-score==0.1.0"], bundle.Target("win_amd64", "3.13"))] \
        == ["xlwings"]
    assert sorted(r.name for r in bundle.unmet(wheels, ["pe-score==0.1.0"], bundle.Target("win_amd64", "3.10"))) \
        == ["tomli", "xlwings"]  # xlwings has no wheel for 3.10 (and needs 3.11+)
    (tmp_path / "rich-13.0.0-py3-none-any.whl").unlink()
    assert [r.name for r in bundle.unmet(bundle.read_wheels(tmp_path), ["pe-score==0.1.0"], win312)] == ["rich"]
    assert next(w for w in wheels if w.name == "typer").requires_python is None
    assert next(w for w in wheels if w.name == "xlwings").requires_python.contains("3.10.0") is False


def test_exit_codes_of_a_finished_install():
    full, ribbon_only = pi.Assessment(True, True), pi.Assessment(True, False)
    blocked = pi.Assessment(False, False)
    assert pi.install_outcome("win", full) == pi.EXIT_OK
    assert pi.install_outcome("win", ribbon_only) == pi.EXIT_RIBBON_ONLY == 3
    assert pi.install_outcome("win", full, udf_failed=True) == pi.EXIT_RIBBON_ONLY  # Excel refused the import
    assert pi.install_outcome("win", blocked) == pi.EXIT_BLOCKED == 5
    assert pi.install_outcome("mac", pi.Assessment(True, False)) == pi.EXIT_OK  # no functions on a Mac
    assert pi.install_outcome("linux", blocked) == pi.EXIT_OK  # the command line only
    from install import bundle

    text = bundle.readme_text("0.1.0", "win_amd64", ["3.11", "3.12"], "0.37.8", None)
    codes = next(line for line in text.splitlines() if line.strip().startswith("退出码"))
    for code, meaning in pi.EXIT_CODES.items():
        assert f"{code} " in codes, code
    assert "embeddable" in text and "python.org" in text and "\r\n" in text
    assert "Python 3.12" in bundle.readme_text("0.1.0", "win_amd64", ["3.12"], "0.37.8", "3.12")


def test_the_second_stages_chinese_reason_reaches_the_user():
    log = PureWindowsPath(r"C:\Users\张三\AppData\Local\pe-score\install.log")
    stderr = ("Traceback-free noise\n\n安装未完成：导入工作表函数失败。最常见的原因是没有勾选“信任对 VBA 工程对象模型的访问”：\n"
              "文件 → 选项 → …\n")
    assert pi.child_error(stderr, log).startswith("导入工作表函数失败。最常见的原因")
    assert str(log) in pi.child_error("pywintypes.com_error: (-2147352567, 'Exception occurred.')", log)


def test_mac_uninstall_takes_back_xlwings_applescript_only_if_the_install_added_it():
    mac = pi.install_paths("mac", {}, home="/Users/zhang")
    script = pi.mac_applescript("/Users/zhang", "0.37.8")
    assert str(script) == "/Users/zhang/Library/Application Scripts/com.microsoft.Excel/xlwings-0.37.8.applescript"
    m = pi.manifest_for(mac, app_dir_existed=False, addin_existed=False, xlstart_existed=True, launcher_existed=False,
                        version="0.1.0", new_files=[script])
    assert m["added"] == [str(mac.app_dir), str(mac.addin), "/Users/zhang/.pe-score", str(script)]
    un = [s.what for s in pi.plan_uninstall(mac, m, running="/usr/bin/python3")]
    assert un == [f"删除加载项：{mac.addin}", f"删除：{mac.app_dir}", "删除：/Users/zhang/.pe-score", f"删除：{script}"]
    kept = pi.manifest_for(mac, app_dir_existed=False, addin_existed=False, xlstart_existed=True,
                           launcher_existed=True, version="0.1.0")
    assert str(script) not in kept["added"] and "/Users/zhang/.pe-score" not in kept["added"]


def test_readme_and_docs_say_what_works_where():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## 支持的软件与离线安装"):]
    section = section[:section.index("\n## ", 1)]
    for word in ("Windows 版 Excel", "macOS 版 Excel", "WPS", "LibreOffice", "python -m install.bundle --platform win_amd64",
                 "add-functions.bat", "install.bat --silent", "docs/excel.md"):
        assert word in section, word
    doc = (ROOT / "docs" / "excel.md").read_text(encoding="utf-8")
    for word in ("Windows embeddable package (64-bit)", "https://www.python.org/downloads/windows/", "--embed-python",
                 "pythonw.exe", "XLSTART", "AppLocker", "PIP_INDEX_URL", "由管理员锁定", "应用商店"):
        assert word in doc, word
