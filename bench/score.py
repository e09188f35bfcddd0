"""Scoring benchmark: per-form time of read + score, against reading the same cells with python-calamine.

Both are measured in the same run on the same file, so the ratio holds across machines.
Usage: python bench/score.py [FILE] [-n REPEAT]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"


def timed(fn, repeat: int) -> float:
    """Median seconds per call, after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=str(EXAMPLE))
    ap.add_argument("-n", "--repeat", type=int, default=50)
    ap.add_argument("--cold", type=int, default=5, help="cold-process runs (0 to skip)")
    args = ap.parse_args()
    path = args.file

    import python_calamine as pc

    from scoring.profiles import load_profile
    from workbook import fast, xlsx
    from workbook.pipeline import score_workbook

    profile = load_profile("hubei-2-1")

    def calamine_cells():
        wb = pc.CalamineWorkbook.from_path(path)
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        wb.close()

    def fast_score():
        return score_workbook(fast.read_grids(path), None, profile)

    grids = fast.read_grids(path)

    def score_only():
        return score_workbook(grids, None, profile)

    def score_cold():  # no memo: every run parses every cell (kept as a name for the report below)
        return score_workbook(grids, None, profile)

    def fast_score_cold():
        return score_workbook(fast.read_grids(path), None, profile)

    def openpyxl_score():
        return score_workbook(xlsx.read_grids(path), None, profile)

    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"pe-score-bench-{os.getpid()}.xlsx"
    plan = openpyxl_score().plan

    def write_copy():
        xlsx.write_scored(path, out, plan)

    rows = [("读取单元格（python-calamine，基准）", timed(calamine_cells, args.repeat))]
    rows.append(("评分（已读入的表格，解析缓存清空）", timed(score_cold, args.repeat)))
    rows.append(("评分（已读入的表格，重复文本走缓存）", timed(score_only, args.repeat)))
    rows.append(("读取 + 评分（pe-score score 路径，解析缓存清空）", timed(fast_score_cold, args.repeat)))
    rows.append(("读取 + 评分（同上，重复文本走缓存）", timed(fast_score, args.repeat)))
    rows.append(("读取公式与缓存值 + 评分（openpyxl，--write 路径）", timed(openpyxl_score, max(args.repeat // 5, 3))))
    rows.append(("写出评分副本（openpyxl）", timed(write_copy, max(args.repeat // 5, 3))))
    out.unlink(missing_ok=True)

    cold = []
    if args.cold:
        env = dict(os.environ, PYTHONPATH=str(ROOT))

        def cold_pass():
            subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)

        def cold_score():
            subprocess.run([sys.executable, "-m", "pe_score", "score", path, "--json"],
                           check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)

        cold.append(("python -c pass（基准）", timed(cold_pass, args.cold)))
        cold.append(("pe-score score --json", timed(cold_score, args.cold)))

    cpu = "unknown"
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"文件：{os.path.basename(path)}；CPU：{cpu}；核数：{os.cpu_count()}；负载：{load:.1f}；"
          f"Python {sys.version.split()[0]}")
    _table(f"进程内，每份表单（{args.repeat} 次取中位数）", rows)
    if cold:
        _table(f"冷启动进程（{args.cold} 次取中位数）", cold)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _table(title: str, rows: list[tuple[str, float]]) -> None:
    base = rows[0][1]
    w = max(_width(name) for name, _ in rows) + 2
    print(f"\n{title}")
    print("步骤" + " " * (w - 4) + f"{'毫秒':>8}{'倍数':>8}")
    for name, secs in rows:
        print(name + " " * (w - _width(name)) + f"{secs * 1000:>10.2f}{secs / base:>9.1f}×")

if __name__ == "__main__":
    main()
