"""Benchmark of `--write` (the surgical writer), as CPU-time ratios against a baseline measured in the same run.

    python bench/write.py

1. The example: ``write_scored`` (plan given) vs a python-calamine read of the same file (the floor any
   reader pays), in-process, best of N. Target: <= 3x.
2. The example plus a 50,000 x 10 second sheet: the whole `--write` path (read + score + write) in a fresh
   process, CPU seconds and peak memory (ru_maxrss). Targets: <= 3 s and <= 150 MB.
"""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"
sys.path.insert(0, str(ROOT))


def cpu(fn, n: int) -> float:
    best = float("inf")
    for _ in range(n):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def big_workbook(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb.create_sheet("明细")
    for r in range(50_000):
        ws.append([f"项目{r}", r, r * 1.5, "说明文字", r % 7, r * 2, f"单位{r % 13}", 3.25, r, "完成"])
    wb.save(path)
    return path


CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
t = time.process_time()
from workbook import pipeline, xlsx
scored = pipeline.score_workbook(xlsx.read_grids({src!r}))
xlsx.write_scored({src!r}, {out!r}, scored.plan)
print(time.process_time() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> int:
    import python_calamine as pc

    from workbook import pipeline, xlsx

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.xlsx"
        scored = pipeline.score_workbook(xlsx.read_grids(EXAMPLE))

        def read():
            wb = pc.CalamineWorkbook.from_path(str(EXAMPLE))
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()

        base = cpu(read, 30)
        write = cpu(lambda: xlsx.write_scored(EXAMPLE, out, scored.plan), 30)
        print(f"example: calamine read {base * 1000:.2f} ms CPU; write_scored {write * 1000:.2f} ms CPU; "
              f"ratio {write / base:.2f}x (target <= 3x)")

        big = big_workbook(Path(tmp) / "big.xlsx")
        code = CHILD.format(root=str(ROOT), src=str(big), out=str(Path(tmp) / "big_out.xlsx"))
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        secs, mb = (float(x) for x in res.stdout.split())
        print(f"example + 50,000 x 10 sheet, read + score + write in a fresh process: {secs:.2f} s CPU "
              f"(target <= 3 s), peak {mb:.0f} MB (target <= 150 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
