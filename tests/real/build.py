"""Real published self-evaluation forms, transcribed as data, and the workbooks built from them.

Each ``forms/*.toml`` file is one form as a public page shows it: its cells by A1 address, its
merged ranges, where it was published, the total it claims and the anomalies a careful reviewer
would flag, each tied to its cell. The layout is the form's own (header rows, merged labels, its
mistakes kept); where the page is a text extraction of the published file, the columns are put
back in the order the page lists them and the file says so in ``layout_note``.

    python -m tests.real.build OUT_DIR      # one .xlsx per form, named after the form's id

Nothing binary is committed: tests build the workbooks into a temporary folder.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from workbook.grid import Grid, parse_a1

HERE = Path(__file__).resolve().parent
FORMS = HERE / "forms"

FAMILIES = {
    "hubei-2-1": "湖北 附件2-1 部门整体支出绩效自评表",
    "national-project": "财预〔2020〕10号 项目支出绩效自评表（及各地同式样表）",
    "sichuan-project": "四川 部门预算项目支出绩效自评表（指标性质/指标值/度量单位 分列）",
    "anhui-department": "安徽 部门整体支出绩效自评表（预算资金块）",
    "chongqing-department": "重庆 部门整体绩效自评表（执行率权重、指标性质、得分系数）",
    "hunan-department": "湖南 部门整体支出绩效自评表（年度预算申请块，按收入/支出性质分列）",
    "hubei-project": "湖北 项目绩效自评表（预算执行 20 分，年度绩效目标1（x分）块）",
    "score-table": "只有评分标准和得分的评分表",
}


@dataclass
class Anomaly:
    cell: Optional[str]  # A1 address, None: the whole form
    what: str  # Chinese, as a reviewer would write it
    codes: list[str] = field(default_factory=list)  # finding codes that name it; empty: any finding at the cell


@dataclass
class RealForm:
    id: str
    title: str
    province: str
    family: str
    source: str
    published: str  # the date the page or the file states
    complete: bool  # False: the page shows only part of the form (see ``note``)
    note: str
    layout_note: str
    published_total: Optional[float]  # the self-score the form claims; None when the page shows none
    total_cell: Optional[str]  # where the claimed total sits
    unscored: bool  # nobody typed any score
    profile: str  # the profile a reviewer would score it with
    cells: dict[str, Any]
    merges: list[str]
    anomalies: list[Anomaly]
    sheet: str = "自评表"
    widths: dict[str, float] = field(default_factory=dict)
    xfail: str = ""  # why the tool cannot yet meet this form's expectations (the test is xfail, strict)

    @property
    def size(self) -> tuple[int, int]:
        rows = cols = 1
        for ref in list(self.cells) + [m.split(":")[1] for m in self.merges]:
            r, c = parse_a1(ref)
            rows, cols = max(rows, r), max(cols, c)
        return rows, cols


def load(path: Path) -> RealForm:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    anomalies = [Anomaly(cell=a.get("cell") or None, what=a["what"], codes=list(a.get("codes", [])))
                 for a in data.get("anomalies", [])]
    return RealForm(
        id=path.stem,
        title=data["title"],
        province=data["province"],
        family=data["family"],
        source=data["source"],
        published=data["published"],
        complete=data["complete"],
        note=data.get("note", ""),
        layout_note=data.get("layout_note", ""),
        published_total=data.get("published_total"),
        total_cell=data.get("total_cell"),
        unscored=data.get("unscored", False),
        profile=data["profile"],
        cells=dict(data["cells"]),
        merges=list(data.get("merges", [])),
        anomalies=anomalies,
        sheet=data.get("sheet", "自评表"),
        widths=dict(data.get("widths", {})),
        xfail=data.get("xfail", ""),
    )


def all_forms() -> list[RealForm]:
    return [load(p) for p in sorted(FORMS.glob("*.toml"))]


_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def workbook(form: RealForm) -> Workbook:
    """The form as an .xlsx workbook: values, merged ranges, borders and wrapped text."""
    wb = Workbook()
    ws = wb.active
    ws.title = form.sheet
    rows, cols = form.size
    for ref, value in form.cells.items():
        ws[ref] = value
        if isinstance(value, str) and value.startswith("="):
            ws[ref].data_type = "s"  # "=8个" is text on the form, not a formula
    for rng in form.merges:
        ws.merge_cells(rng)
    font = Font(name="宋体", size=10)
    wrap = Alignment(wrap_text=True, vertical="center")
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            cell = ws.cell(row=r, column=c)
            if type(cell).__name__ == "MergedCell":
                continue
            cell.font = font
            cell.alignment = wrap
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            try:
                ws.cell(row=r, column=c).border = _BOX
            except AttributeError:  # pragma: no cover - merged cells keep their border
                pass
    for c in range(1, cols + 1):
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = form.widths.get(letter, 14)
    return wb


def grid(form: RealForm) -> Grid:
    """The same form as the Grid every adapter produces (no file in between)."""
    rows, cols = form.size
    values: list[list[Any]] = [[None] * cols for _ in range(rows)]
    for ref, value in form.cells.items():
        r, c = parse_a1(ref)
        values[r - 1][c - 1] = value
    merged = []
    for rng in form.merges:
        c1, r1, c2, r2 = range_boundaries(rng)
        merged.append((r1, c1, r2, c2))
    return Grid(name=form.sheet, values=values, merged=sorted(merged), formulas={})  # no formulas: typed values


def build(out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for form in all_forms():
        path = out_dir / f"{form.id}.xlsx"
        workbook(form).save(path)
        paths.append(path)
    return paths


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tests.real.build OUT_DIR", file=sys.stderr)
        return 2
    for path in build(Path(args[0])):
        print(path)
    return 0


__all__ = ["RealForm", "Anomaly", "all_forms", "load", "workbook", "grid", "build", "column_index_from_string"]

if __name__ == "__main__":
    raise SystemExit(main())
