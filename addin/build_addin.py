"""Build ``addin/addin.xlam`` from xlwings' own ``quickstart_addin_ribbon.xlam``.

Only two parts of the template change; its VBA project is kept byte for byte:
- ``customUI/customUI.xml``: a tab 绩效评分 with one large button 重新计算得分 whose ``onAction`` is the
  template's existing callback ``RibbonMyAddin.RunMain``. That sub runs
  ``RunPython "import <file name without extension>; <same>.main()"``, so the file is called
  ``addin.xlam`` and a click runs ``addin.main()``.
- the configuration sheet ``_myaddin.conf`` (inactive, xlwings ignores it) becomes ``myaddin.conf``
  (the VBA constant PROJECT_NAME is "myaddin", so that is the name its ``GetConfig`` reads in the
  add-in itself), with ``UDF Modules = addin.functions``. The interpreter keys stay empty here; the
  installer fills them with ``set_config`` for the virtual environment it creates.

Run ``python -m addin.build_addin`` after upgrading xlwings (the VBA names the xlwings DLL version, so
the add-in and the installed xlwings must match: ``XLWINGS_VERSION`` in the config sheet records it).
``python -m addin.build_addin --check`` exits 1 when the committed file is stale.
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path
from typing import Mapping, Optional
from xml.sax.saxutils import escape

ADDIN_NAME = "addin.xlam"  # decides the module the ribbon imports: "import addin; addin.main()"
OUTPUT = Path(__file__).with_name(ADDIN_NAME)
PROJECT_NAME = "myaddin"  # the template's VBA constant; its config sheet and file are named after it
CONFIG_SHEET = f"{PROJECT_NAME}.conf"
RIBBON_CALLBACK = "RibbonMyAddin.RunMain"
UDF_MODULES = "addin.functions"
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)

RIBBON_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
    <ribbon>
        <tabs>
            <tab id="peScoreTab" label="绩效评分">
                <group id="peScoreGroup" label="附件2-1 自评表">
                    <button id="peScoreRecalculate" label="重新计算得分" size="large" onAction="{RIBBON_CALLBACK}" imageMso="CalculateNow" screentip="重新计算得分" supertip="按评分规则计算当前工作簿中附件2-1《部门整体支出绩效自评表》的各项得分、小计、总分和评价等级，在有问题的单元格加批注，并更新“评分说明”工作表。" />
                </group>
            </tab>
        </tabs>
    </ribbon>
</customUI>
"""

# Order and spelling as in the template; values are what the built add-in ships with.
DEFAULT_CONFIG: dict[str, str] = {
    "Interpreter_Win": "",
    "Interpreter_Mac": "",
    "PYTHONPATH": "",
    "Conda Path": "",
    "Conda Env": "",
    "UDF Modules": UDF_MODULES,
    "Debug UDFs": "FALSE",
    "Use UDF Server": "FALSE",
    "Show Console": "FALSE",
    # A folder next to the user's workbook must not shadow our "addin" package.
    "ADD_WORKBOOK_TO_PYTHONPATH": "FALSE",
}


def template_path() -> Path:
    import xlwings

    return Path(xlwings.__file__).with_name("quickstart_addin_ribbon.xlam")


def xlwings_version() -> str:
    import xlwings

    return xlwings.__version__


def config_sheet_xml(config: Mapping[str, str]) -> str:
    """The worksheet XML of the config sheet: keys in column A, values in column B (inline strings,
    booleans as Excel booleans because xlwings' VBA compares them with True/False)."""
    rows = []
    for r, (key, value) in enumerate(config.items(), start=1):
        cells = [f'<c r="A{r}" t="inlineStr"><is><t>{escape(key)}</t></is></c>']
        if value.upper() in ("TRUE", "FALSE"):
            cells.append(f'<c r="B{r}" t="b"><v>{1 if value.upper() == "TRUE" else 0}</v></c>')
        elif value != "":
            cells.append(f'<c r="B{r}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheetPr codeName="Sheet2"/>'
        f'<dimension ref="A1:B{max(1, len(config))}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15.75"/>'
        '<cols><col min="1" max="1" width="28" customWidth="1"/><col min="2" max="2" width="60" customWidth="1"/></cols>'
        f'<sheetData>{"".join(rows)}</sheetData>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '</worksheet>'
    )


def _sheet_part(parts: Mapping[str, bytes]) -> str:
    # The template has exactly one worksheet, the config sheet.
    sheets = sorted(n for n in parts if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
    if len(sheets) != 1:
        raise RuntimeError(f"unexpected add-in template: worksheets {sheets}")
    return sheets[0]


def _read(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def _write(parts: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        # [Content_Types].xml first, as Office writes it.
        for name in sorted(parts, key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, parts[name])
    return out.getvalue()


def read_config(data: bytes) -> dict[str, str]:
    """The config sheet of a built add-in as {key: value} (for tests and the installer)."""
    import re
    from xml.sax.saxutils import unescape

    parts = _read(data)
    xml = parts[_sheet_part(parts)].decode("utf-8")
    out: dict[str, str] = {}
    for row in re.findall(r"<row [^>]*>(.*?)</row>", xml):
        key = re.search(r'r="A\d+"[^>]*><is><t>(.*?)</t>', row)
        if not key:
            continue
        b_str = re.search(r'r="B\d+" t="inlineStr"><is><t[^>]*>(.*?)</t>', row)
        b_bool = re.search(r'r="B\d+" t="b"><v>(\d)</v>', row)
        value = unescape(b_str.group(1)) if b_str else ("TRUE" if b_bool and b_bool.group(1) == "1" else
                                                       "FALSE" if b_bool else "")
        out[unescape(key.group(1))] = value
    return out


def set_config(data: bytes, changes: Mapping[str, str]) -> bytes:
    """The add-in ``data`` with config keys changed (used by the installer for the interpreter)."""
    config = read_config(data)
    config.update(changes)
    parts = _read(data)
    parts[_sheet_part(parts)] = config_sheet_xml(config).encode("utf-8")
    return _write(parts)


def build(template: Optional[bytes] = None, version: Optional[str] = None) -> bytes:
    """The add-in's bytes, built from xlwings' ribbon add-in template."""
    parts = _read(template if template is not None else template_path().read_bytes())
    if "customUI/customUI.xml" not in parts or "xl/vbaProject.bin" not in parts:
        raise RuntimeError("the xlwings template has no ribbon or no VBA project")
    parts["customUI/customUI.xml"] = RIBBON_XML.encode("utf-8")
    wb_xml = parts["xl/workbook.xml"].decode("utf-8")
    inactive = f'name="_{CONFIG_SHEET}"'
    if inactive not in wb_xml:
        raise RuntimeError(f"the template has no sheet _{CONFIG_SHEET}")
    parts["xl/workbook.xml"] = wb_xml.replace(inactive, f'name="{CONFIG_SHEET}"').encode("utf-8")
    config = dict(DEFAULT_CONFIG)
    config["XLWINGS_VERSION"] = version or xlwings_version()
    parts[_sheet_part(parts)] = config_sheet_xml(config).encode("utf-8")
    return _write(parts)


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    data = build()
    if "--check" in args:
        current = OUTPUT.read_bytes() if OUTPUT.exists() else b""
        if not current or _read(current) != _read(data):
            print(f"{OUTPUT.name} 已过期：请运行 python -m addin.build_addin", file=sys.stderr)
            return 1
        print(f"{OUTPUT.name} 与构建结果一致")
        return 0
    OUTPUT.write_bytes(data)
    print(f"已生成 {OUTPUT.name}（xlwings {xlwings_version()}）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
