"""install/pe_install.py: every decision the installer makes without Excel, tested on Linux."""
from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
import types
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_installer():
    spec = importlib.util.spec_from_file_location("pe_install", ROOT / "install" / "pe_install.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["pe_install"] = mod
    spec.loader.exec_module(mod)
    return mod


pi = _load_installer()

WIN_ENV = {"LOCALAPPDATA": r"C:\Users\张三\AppData\Local", "APPDATA": r"C:\Users\张三\AppData\Roaming"}


def test_versions():
    assert pi.version_ok((3, 10, 0)) and pi.version_ok((3, 13, 1)) and pi.version_ok((4, 0))
    assert not pi.version_ok((3, 9, 18)) and not pi.version_ok((2, 7, 18))
    assert pi.parse_python_version("Python 3.11.7") == (3, 11, 7)
    assert pi.parse_python_version("Python 3.12") == (3, 12, 0)
    assert pi.parse_python_version("'python' 不是内部或外部命令") is None
    msg = pi.python_too_old_message((3, 8, 10))
    assert "3.8.10" in msg and "3.10" in msg and "python.org" in msg


def test_pick_python_takes_the_newest_suitable_one():
    found = {r"C:\Py38\python.exe": "Python 3.8.10", r"C:\Py311\python.exe": "Python 3.11.9",
             r"C:\Py312\python.exe": "Python 3.12.1", r"C:\broken.exe": ""}
    assert pi.pick_python(found) == r"C:\Py312\python.exe"
    assert pi.pick_python({r"C:\Py39\python.exe": "Python 3.9.0"}) is None
    assert pi.pick_python({}) is None


def test_py_launcher_listing_old_and_new_formats():
    listing = (" -V:3.12 *        C:\\Python312\\python.exe\n"
               " -V:3.9           C:\\Program Files\\Python39\\python.exe\n"
               " -3.11-64        C:\\Users\\a b\\AppData\\Local\\Programs\\Python\\Python311\\python.exe\n"
               "Installed Pythons found by py Launcher for Windows\n")
    assert pi.parse_py_launcher_list(listing) == [
        r"C:\Python312\python.exe", r"C:\Program Files\Python39\python.exe",
        r"C:\Users\a b\AppData\Local\Programs\Python\Python311\python.exe"]
    assert pi.parse_py_launcher_list("") == []


def test_windows_paths():
    p = pi.install_paths("win", WIN_ENV)
    assert p.venv == PureWindowsPath(r"C:\Users\张三\AppData\Local\pe-score\venv")
    assert p.python == PureWindowsPath(r"C:\Users\张三\AppData\Local\pe-score\venv\Scripts\python.exe")
    assert p.excel_python.name == "pythonw.exe"  # no console window on each click
    assert p.xlstart == PureWindowsPath(r"C:\Users\张三\AppData\Roaming\Microsoft\Excel\XLSTART")
    assert p.addin.name == "addin.xlam" and p.addin.parent == p.xlstart
    assert p.staged_addin.parent == p.app_dir
    with pytest.raises(pi.InstallError):
        pi.install_paths("win", {"APPDATA": "x"})


def test_mac_paths():
    p = pi.install_paths("mac", {}, home="/Users/zhang")
    assert p.venv == PurePosixPath("/Users/zhang/Library/Application Support/pe-score/venv")
    assert p.python == p.venv / "bin" / "python"
    # xlwings' AppleScript does not quote the interpreter: the add-in runs a space-free wrapper.
    assert p.excel_python == p.launcher == PurePosixPath("/Users/zhang/.pe-score/python")
    assert " " not in str(p.excel_python)
    assert p.xlstart == PurePosixPath(
        "/Users/zhang/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel")
    assert p.addin == p.xlstart / "addin.xlam"


def test_mac_launcher_runs_the_venv_python(tmp_path):
    import os
    import stat

    p = pi.install_paths("mac", {}, home=str(tmp_path / "home it's"))
    script = pi.mac_launcher_script(p)
    assert script.startswith("#!/bin/sh\n")
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
    with pytest.raises(pi.InstallError):
        pi.platform_key("linux")


def test_addin_file_name_is_the_entry_module():
    # The ribbon's VBA imports the module named like the file: addin.xlam → import addin; addin.main()
    from addin import build_addin

    assert pi.ADDIN_FILE == build_addin.ADDIN_NAME
    assert pi.UDF_MODULE == build_addin.UDF_MODULES


def test_config_points_the_addin_at_the_venv_and_round_trips_through_the_xlam():
    from addin import build_addin

    win = pi.install_paths("win", WIN_ENV)
    cfg = pi.addin_config(win)
    assert cfg == {"Interpreter_Win": str(win.excel_python), "UDF Modules": "addin.functions"}
    mac = pi.install_paths("mac", {}, home="/Users/zhang")
    assert pi.addin_config(mac)["Interpreter_Mac"] == "/Users/zhang/.pe-score/python"
    data = build_addin.set_config(build_addin.OUTPUT.read_bytes(), cfg)
    read = build_addin.read_config(data)
    assert read["Interpreter_Win"] == str(win.excel_python)
    assert read["Interpreter_Mac"] == ""


def test_pip_command_pins_xlwings_to_the_addins_vba():
    from addin import build_addin

    p = pi.install_paths("win", WIN_ENV)
    version = pi.xlwings_version_of(build_addin.OUTPUT.read_bytes())
    cmd = pi.pip_install_command(p, PureWindowsPath(r"D:\pe-score"), version)
    assert cmd[:4] == [str(p.python), "-m", "pip", "install"]
    assert r"D:\pe-score" in cmd and f"xlwings=={version}" in cmd


def test_security_problems_explain_each_setting_step_by_step():
    assert pi.security_problems({"VBAWarnings": 2, "AccessVBOM": 1}) == []
    assert pi.security_problems({"VBAWarnings": 2, "AccessVBOM": None}, need_udfs=False) == []
    vbom = pi.security_problems({"VBAWarnings": 2, "AccessVBOM": 0})
    assert len(vbom) == 1 and "信任对 VBA 工程对象模型的访问" in vbom[0] and "1." in vbom[0]
    macros = pi.security_problems({"VBAWarnings": 4, "AccessVBOM": 1})
    assert len(macros) == 1 and "禁用所有宏，并发出通知" in macros[0] and "信任中心" in macros[0]
    both = pi.security_problems({"VBAWarnings": 4})
    assert len(both) == 2
    assert pi.security_problems({"DisableAllTrustedLocations": 1, "AccessVBOM": 1})  # XLSTART no longer trusted


def test_install_plan_order_and_uninstall(tmp_path):
    from addin import build_addin

    p = pi.install_paths("win", WIN_ENV)
    steps = pi.plan_install(p, PureWindowsPath(r"D:\pe-score"), build_addin.OUTPUT.read_bytes(), with_udfs=True)
    whats = [s.what for s in steps]
    assert "虚拟" in whats[0] or "环境" in whats[0]
    assert any("工作表函数" in w for w in whats)
    assert "启动文件夹" in whats[-1]  # the add-in reaches XLSTART only once it is configured
    mac = pi.install_paths("mac", {}, home="/Users/zhang")
    mac_steps = [s.what for s in pi.plan_install(mac, PurePosixPath("/x"), build_addin.OUTPUT.read_bytes(),
                                                 with_udfs=False)]
    assert not any("工作表函数" in w for w in mac_steps) and any("runpython" in w for w in mac_steps)
    assert any("启动脚本" in w for w in mac_steps)
    un = [s.what for s in pi.plan_uninstall(p)]
    assert str(p.addin) in un[0] and str(p.app_dir) in un[1]


def test_installer_refuses_linux_with_a_chinese_message():
    out = subprocess.run([sys.executable, str(ROOT / "install" / "pe_install.py"), "install", "--dry-run"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "Windows 或 macOS" in out.stderr and "Traceback" not in out.stderr


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
