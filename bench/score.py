"""Scoring benchmark: per-form time of read + score, against reading the same cells with python-calamine.

Both are measured in the same run on the same file (CPU time), so the ratio holds across machines.
Also: =PE_SCORES over a 1000-row column (first call, a recalculation, and the same rows through the
full path one =PE_SCORE at a time for comparison), and the CPU time of importing the scoring core in a
new process against ``python -c pass``.
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


from timing import median_cpu as timed  # noqa: E402  (bench/ is on sys.path when run as a script)


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

    def fast_score_cold():
        return score_workbook(fast.read_grids(path), None, profile)

    def openpyxl_score():
        return score_workbook(xlsx.read_grids(path), None, profile)

    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"pe-score-bench-{os.getpid()}.xlsx"
    plan = fast_score().plan  # --write reads with calamine; the writer skips formula cells itself

    def write_copy():
        xlsx.write_scored(path, out, plan)

    rows = [("读取单元格（python-calamine，基准）", timed(calamine_cells, args.repeat))]
    rows.append(("评分（已读入的表格）", timed(score_only, args.repeat)))
    rows.append(("读取 + 评分（pe-score score 路径）", timed(fast_score, args.repeat)))
    rows.append(("读取公式与缓存值 + 评分（openpyxl，calamine 读不了时的后备）", timed(openpyxl_score, max(args.repeat // 5, 3))))
    rows.append(("写出评分副本（--write，只改本工具负责的部分）", timed(write_copy, max(args.repeat // 5, 3))))
    out.unlink(missing_ok=True)

    cold = []
    if args.cold:
        from bytecode import compile_project

        compile_project()  # .pyc files as pip writes them (PYTHONDONTWRITEBYTECODE would skip them)
        env = dict(os.environ, PYTHONPATH=str(ROOT))

        cold.append(("python -c pass（基准，CPU）", child_cpu([sys.executable, "-c", "pass"], env, args.cold)))
        cold.append(("pe-score score --json（CPU）", child_cpu(
            [sys.executable, "-m", "pe_score", "score", path, "--json"], env, args.cold, ok=(0, 1))))
        imports = [("python -c pass（基准，CPU）", child_cpu([sys.executable, "-c", "pass"], env, args.cold))]
        for what in ("import scoring.engine", "import scoring.engine, scoring.report, scoring.profiles",
                     "import addin.functions"):
            imports.append((what + "（CPU）", child_cpu([sys.executable, "-c", what], env, args.cold)))

    cpu = "unknown"
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"文件：{os.path.basename(path)}；CPU：{cpu}；核数：{os.cpu_count()}；负载：{load:.1f}；"
          f"Python {sys.version.split()[0]}")
    _table(f"进程内，每份表单（{args.repeat} 次取中位数）", rows)
    _table("=PE_SCORES 一次计算 1000 行（CPU，每次调用）", pe_scores_column(args.repeat))
    if cold:
        _table(f"冷启动进程（{args.cold} 次取中位数）", cold)
        _table(f"导入评分核心（子进程 CPU 时间，{args.cold} 次取中位数）", imports)


def child_cpu(cmd: list[str], env: dict, repeat: int, ok=(0,)) -> float:
    """Median CPU seconds (user + system) of a child process running ``cmd``."""
    import resource

    samples = []
    for _ in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        code = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL).returncode
        assert code in ok, (cmd, code)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        samples.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(samples[1:])  # the first run writes .pyc files


def _column(n: int = 1000) -> tuple[list, list, list]:
    """n quantitative rows of the bench forms (bench/batch.py: every form's figures its own)."""
    import importlib.util

    from addin import functions as F

    spec = importlib.util.spec_from_file_location("_bench_batch", ROOT / "bench" / "batch.py")
    batch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(batch)
    rows, i = [], 0
    while len(rows) < n:
        data, _ = batch.varied_data(i)
        i += 1
        for goal in data["goals"]:
            for _label, section in goal["sections"]:
                rows += [r for r in section if _scores(F, r)]
    rows = rows[:n]
    return [[r[2]] for r in rows], [[r[5]] for r in rows], [[r[6]] for r in rows]


def _scores(F, row) -> bool:
    try:
        F.PE_SCORE(row[2], row[5], row[6])
        return True
    except F.PEValueError:
        return False


def pe_scores_column(repeat: int) -> list[tuple[str, float]]:
    """CPU per =PE_SCORES call over 1000 rows: the first call, and a recalculation (Excel passes the
    whole column again when one cell changes) in which one row changed."""
    from addin import functions as F

    points, targets, actuals = _column()

    def first():
        F._ROW_SCORES.clear()
        F.PE_SCORES(points, targets, actuals)

    changed = [row[:] for row in actuals]

    def recalc():
        changed[500] = [f"{len(F._ROW_SCORES)}人"]  # one edited cell
        F.PE_SCORES(points, targets, changed)

    def cpu(fn) -> float:
        fn()
        samples = []
        for _ in range(max(3, repeat // 5)):
            t = time.process_time()
            fn()
            samples.append(time.process_time() - t)
        return statistics.median(samples)

    def full_path():  # the same rows through the full path, one =PE_SCORE per cell (findings, explanation)
        for p, t, a in zip(points, targets, actuals):
            F.PE_SCORE(p[0], t[0], a[0])

    base = cpu(lambda: [[float(p[0])] for p in points])  # the floor: touching every row once
    return [("遍历 1000 行（基准）", base), ("首次计算（无缓存）", cpu(first)), ("重算，改动 1 行", cpu(recalc)),
            ("同样 1000 行逐个 =PE_SCORE（完整路径，对照）", cpu(full_path))]


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
