"""The built add-in: its ribbon calls a VBA sub that exists, and that sub runs addin.main()."""
from __future__ import annotations

import importlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

import xlwings
from addin import build_addin as ba

ROOT = Path(__file__).resolve().parents[1]
CUSTOMUI_NS = "{http://schemas.microsoft.com/office/2006/01/customui}"


def _members(data: bytes) -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture(scope="module")
def built() -> bytes:
    return ba.build()


@pytest.fixture(scope="module")
def vba_modules(tmp_path_factory) -> dict[str, str]:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(ba.OUTPUT))
    try:
        return {Path(vba_filename).stem: code for (_, _, vba_filename, code) in parser.extract_macros()}
    finally:
        parser.close()


def test_committed_addin_is_what_the_script_builds(built):
    assert ba.OUTPUT.exists(), "run python -m addin.build_addin"
    assert _members(ba.OUTPUT.read_bytes()) == _members(built)
    assert ba.main(["--check"]) == 0


def test_vba_project_is_the_templates_untouched(built):
    template = _members(ba.template_path().read_bytes())
    ours = _members(built)
    assert ours["xl/vbaProject.bin"] == template["xl/vbaProject.bin"]
    changed = {n for n in template if template[n] != ours.get(n)}
    assert changed == {"customUI/customUI.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"}


def test_ribbon_has_our_tab_and_one_large_button():
    xml = _members(ba.OUTPUT.read_bytes())["customUI/customUI.xml"]
    root = ET.fromstring(xml)
    tabs = root.findall(f".//{CUSTOMUI_NS}tab")
    assert [t.get("label") for t in tabs] == ["绩效评分"]
    buttons = root.findall(f".//{CUSTOMUI_NS}button")
    assert len(buttons) == 1
    assert buttons[0].get("label") == "重新计算得分"
    assert buttons[0].get("size") == "large"


def test_ribbon_callback_exists_in_the_vba_and_runs_addin_main(vba_modules):
    xml = _members(ba.OUTPUT.read_bytes())["customUI/customUI.xml"]
    actions = {b.get("onAction") for b in ET.fromstring(xml).iter(f"{CUSTOMUI_NS}button")}
    assert actions == {ba.RIBBON_CALLBACK}
    module, sub = ba.RIBBON_CALLBACK.split(".")
    code = vba_modules[module]
    # A ribbon callback must take the IRibbonControl argument, or Excel reports "wrong number of arguments".
    m = re.search(rf"^Sub {sub}\(control As IRibbonControl\)\s*$(.*?)^End Sub", code, re.M | re.S)
    assert m, f"Sub {sub}(control As IRibbonControl) missing from VBA module {module}"
    body = m.group(1)
    # The sub imports the module named like the add-in file, then calls its main().
    assert "ThisWorkbook.Name" in body
    assert re.search(r'RunPython "import " & mymodule & ";" & mymodule & "\.main\(\)"', body)
    module_name = Path(ba.ADDIN_NAME).stem
    imported = importlib.import_module(module_name)
    import addin

    assert imported is addin and imported.main is addin.main and callable(addin.recalculate)
    # RunPython itself is defined in the add-in's VBA.
    assert any(re.search(r"^Public Function RunPython\(", c, re.M) for c in vba_modules.values())


def test_config_sheet_is_active_and_names_our_udf_module(vba_modules):
    data = ba.OUTPUT.read_bytes()
    wb_xml = _members(data)["xl/workbook.xml"].decode()
    # xlwings' VBA reads the sheet "<PROJECT_NAME>.conf"; "_myaddin.conf" would be ignored.
    consts = [re.search(r'PROJECT_NAME As String = "(\w+)"', c) for c in vba_modules.values()]
    project = next(m.group(1) for m in consts if m)
    assert project == ba.PROJECT_NAME
    assert f'name="{project}.conf"' in wb_xml and f'name="_{project}.conf"' not in wb_xml
    config = ba.read_config(data)
    assert config["UDF Modules"] == "addin.functions"
    mod = importlib.import_module(config["UDF Modules"])
    assert all(callable(getattr(mod, n)) for n in ("PE_SCORE", "PE_SCORES", "PE_RATE", "PE_PARSE",
                                                   "PE_BUDGET", "PE_TOTAL", "PE_GRADE", "PE_EXPLAIN"))
    assert config["Interpreter_Win"] == "" and config["Interpreter_Mac"] == ""  # filled by the installer
    assert config["ADD_WORKBOOK_TO_PYTHONPATH"] == "FALSE"


def test_addin_matches_the_installed_xlwings(vba_modules):
    # The VBA declares the xlwings DLL by version; the installer pins this version.
    version = ba.read_config(ba.OUTPUT.read_bytes())["XLWINGS_VERSION"]
    assert version == xlwings.__version__
    assert any(f"xlwings64-{version}.dll" in c for c in vba_modules.values())


def test_set_config_changes_only_the_given_keys(built):
    path = r"C:\Users\张三\AppData\Local\pe-score\venv\Scripts\pythonw.exe"
    out = ba.set_config(built, {"Interpreter_Win": path})
    before, after = ba.read_config(built), ba.read_config(out)
    assert after.pop("Interpreter_Win") == path
    before.pop("Interpreter_Win")
    assert after == before
    assert _members(out)["xl/vbaProject.bin"] == _members(built)["xl/vbaProject.bin"]
    ET.fromstring(_members(out)["xl/worksheets/sheet1.xml"])  # well-formed


@pytest.mark.slow
def test_installed_package_ships_the_addin_and_its_entry_module(tmp_path):
    import shutil

    # Build from a copy: setuptools writes build/ and *.egg-info next to pyproject.toml.
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(ROOT / "pyproject.toml", src)
    readme = ROOT / "README.md"
    (src / "README.md").write_text(readme.read_text(encoding="utf-8") if readme.exists() else "pe-score\n",
                                   encoding="utf-8")
    for pkg in ("scoring", "workbook", "addin", "pe_score"):
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    # setuptools' build_py lays out exactly the files a wheel would carry (packages + package data),
    # without needing the wheel package or network access; then import addin from that copy only.
    out = tmp_path / "lib"
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                    "--build-lib", str(out)], cwd=src, check=True, capture_output=True)
    shipped = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"addin/__init__.py", "addin/functions.py", "addin/ribbon.py", "addin/addin.xlam"} <= shipped
    probe = subprocess.run(
        [sys.executable, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import addin, addin.functions; "
         "print(addin.__file__); print(addin.main.__module__)", str(out)],
        check=True, capture_output=True, text=True)
    file, module = probe.stdout.split()
    assert Path(file).is_relative_to(out) and module == "addin"
