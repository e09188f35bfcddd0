"""Benchmark of `--write` (the surgical writer): CPU-time ratios against baselines measured in the same run.

    python bench/write.py

1. In-process: ``write_scored`` on the example (plan given) vs a python-calamine read of the same file.
2. Command line, fresh processes (CPU of the child, best of N): `pe-score score EXAMPLE --json --write OUT`
   vs `pe-score score EXAMPLE --json` vs a process that imports python-calamine and reads the file.
   The difference of the first two is what writing costs; the rest is the command's start-up.
3. The example plus a 50,000 x 10 second sheet through `--json --write`: CPU seconds and peak memory of
   the child (targets: <= 3 s, <= 150 MB).
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


def child(cmd: list[str], n: int = 3) -> tuple[float, float]:
    """(best CPU seconds, peak MB) of running ``cmd`` in a fresh process, as a wrapper process sees its
    child (RUSAGE_CHILDREN: the child's CPU and its own peak resident memory)."""
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
               "r = resource.getrusage(resource.RUSAGE_CHILDREN);"
               "print(r.ru_utime + r.ru_stime, r.ru_maxrss / 1024)")
    best, peak = float("inf"), 0.0
    for _ in range(n):
        out = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True, text=True,
                             cwd=ROOT).stdout.split()
        best, peak = min(best, float(out[0])), max(peak, float(out[1]))
    return best, peak


def big_workbook(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb.create_sheet("明细")
    for r in range(50_000):
        ws.append([f"项目{r}", r, r * 1.5, "说明文字", r % 7, r * 2, f"单位{r % 13}", 3.25, r, "完成"])
    wb.save(path)
    return path


def main() -> int:
    import python_calamine as pc

    from workbook import pipeline, xlsx

    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.xlsx"
        scored = pipeline.score_workbook(xlsx.read_grids(EXAMPLE))

        def read():
            wb = pc.CalamineWorkbook.from_path(str(EXAMPLE))
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()

        base = cpu(read, 30)
        write = cpu(lambda: xlsx.write_scored(EXAMPLE, out, scored.plan), 30)
        print(f"in-process: calamine read {base * 1000:.2f} ms; write_scored {write * 1000:.2f} ms "
              f"({write / base:.1f}x)")

        floor, _ = child([py, "-c", "import python_calamine as pc, sys; wb = pc.CalamineWorkbook.from_path(sys.argv[1]);"
                          "[wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]", str(EXAMPLE)])
        plain, _ = child([py, "-m", "pe_score", "score", str(EXAMPLE), "--json"])
        written = min(child([py, "-m", "pe_score", "score", str(EXAMPLE), "--json", "--write",
                             str(Path(tmp) / f"cli{i}.xlsx")], n=1)[0] for i in range(3))  # a new file each time
        print(f"command line: calamine read process {floor * 1000:.0f} ms; score --json {plain * 1000:.0f} ms "
              f"({plain / floor:.1f}x); score --json --write {written * 1000:.0f} ms ({written / floor:.1f}x; "
              f"writing itself {max(written - plain, 0) / floor:.1f}x the read floor; target <= 3x overall)")

        big = big_workbook(Path(tmp) / "big.xlsx")
        secs, mb = child([py, "-m", "pe_score", "score", str(big), "--json", "--write", str(Path(tmp) / "big_out.xlsx")], n=1)
        print(f"example + 50,000 x 10 sheet, score --json --write: {secs:.2f} s CPU (target <= 3 s), "
              f"peak {mb:.0f} MB (target <= 150 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
