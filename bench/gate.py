"""Benchmark of the safety gate (``workbook.safety.check_file``) against the calamine read floor.

    python bench/gate.py [--repeat 7] [--n 300]

Same process, same run, CPU time (``time.process_time``), best of ``--repeat`` rounds of ``--n`` calls:

(a) the floor: python-calamine opens the committed example and reads every cell of every sheet;
(b) the readers' gate, ``check_file(path, deep=False)``;
(c) the full gate, ``check_file(path)`` (what ``--write`` runs);
(d) ``workbook.fast.read_grids`` (gate + calamine read + clipping), what ``pe-score score`` reads with.

Then the same on a big sheet (the example plus 20,000 rows x 10 columns of numbers, ~1.8 MB of XML)
to show how the gate scales. Prints each figure in ms and the ratios b/a, c/a, d/a (target b/a <= 0.5).
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"


def floor(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    wb.close()


def cpu_ms(fn, path: Path, n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for _ in range(n):
            fn(path)
        best = min(best, (time.process_time() - t0) / n)
    return best * 1000


def big_sheet(folder: Path) -> Path:
    from tests.corpus.build import _example_bytes, _member, _rezip

    data = _example_bytes()
    sheet = _member(data, "xl/worksheets/sheet1.xml").decode()
    rows = io.StringIO()
    for r in range(100, 20100):
        cells = "".join(f'<c r="{chr(65 + c)}{r}"><v>{r * 10 + c}</v></c>' for c in range(10))
        rows.write(f'<row r="{r}">{cells}</row>')
    at = sheet.rindex("</sheetData>")
    path = folder / "big.xlsx"
    path.write_bytes(_rezip(data, {"xl/worksheets/sheet1.xml": (sheet[:at] + rows.getvalue() + sheet[at:]).encode()}))
    return path


def run(path: Path, n: int, repeat: int) -> dict[str, float]:
    from workbook import fast
    from workbook.safety import check_file

    def fast_gate(p):
        check_file(p, deep=False)

    return {
        "a calamine read floor": cpu_ms(floor, path, n, repeat),
        "b check_file(deep=False)": cpu_ms(fast_gate, path, n, repeat),
        "c check_file(deep=True)": cpu_ms(check_file, path, n, repeat),
        "d fast.read_grids": cpu_ms(fast.read_grids, path, n, repeat),
    }


def report(title: str, t: dict[str, float]) -> None:
    a = t["a calamine read floor"]
    print(title)
    for k, v in t.items():
        print(f"  {k:28} {v:8.3f} ms   {v / a:5.2f} x floor")
    print(f"  gate / floor (b/a) = {t['b check_file(deep=False)'] / a:.2f}  (target <= 0.5)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="safety gate vs calamine read floor")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--n", type=int, default=300)
    args = ap.parse_args(argv)
    report(f"example ({EXAMPLE.stat().st_size:,} bytes)", run(EXAMPLE, args.n, args.repeat))
    with tempfile.TemporaryDirectory() as tmp:
        big = big_sheet(Path(tmp))
        report(f"example + 20,000 x 10 numbers ({big.stat().st_size:,} bytes)", run(big, max(3, args.n // 100), args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
