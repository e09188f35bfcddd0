"""Cold start of the command line: CPU time of ``pe-score score EXAMPLE --json`` against ``python -c pass``.

Also timed: the table output, ``--help``, and ``score --json --write OUT`` (a new OUT each run; the
target of issue 9 for it is ≤ 3× a process that reads the file with python-calamine, printed too).

Both are run in fresh processes, interleaved, in the same run, and timed by the CPU time the kernel
charges to the child (user + system, from ``resource.getrusage(RUSAGE_CHILDREN)``), so the ratio holds on a
shared machine where wall-clock time does not. The command is run the way the console script runs it
(``python -c "from pe_score.cli import main; ..."``) with the same interpreter, after the project's
bytecode is compiled (``bench/bytecode.py``: as installed by pip) and one warm-up run of each command.

Usage: python bench/cli_start.py [FILE] [-n RUNS] [--target 5]
Exit status 1 when the median ratio is above the target.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import resource
import statistics
import subprocess
import sys
from pathlib import Path

from bytecode import compile_project

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"
ENTRY = "import sys; from pe_score.cli import main; sys.exit(main())"


def child_cpu(argv: list[str]) -> float:
    """CPU seconds (user + system) of one child process running ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _fresh(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=str(EXAMPLE))
    ap.add_argument("-n", "--runs", type=int, default=20)
    ap.add_argument("--target", type=float, default=5.0)
    args = ap.parse_args()

    py = sys.executable
    baseline = [py, "-c", "pass"]
    out = os.path.join(tempfile.mkdtemp(), "scored.xlsx")
    commands = {
        "score --json": [py, "-c", ENTRY, "score", args.file, "--json"],
        "score（表格）": [py, "-c", ENTRY, "score", args.file],
        "--help": [py, "-c", ENTRY, "--help"],
        "score --json --write": [py, "-c", ENTRY, "score", args.file, "--json", "--write", out],
        "calamine 读取进程": [py, "-c", "import python_calamine as pc, sys; wb = pc.CalamineWorkbook.from_path(sys.argv[1]);"
                          "[wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]", args.file],
    }
    compile_project()
    for argv in [baseline, *commands.values()]:  # warm-up: bytecode caches, page cache
        _fresh(out)
        child_cpu(argv)
    base, times = [], {k: [] for k in commands}
    for _ in range(args.runs):  # interleaved, so load changes hit both sides alike
        base.append(child_cpu(baseline))
        for name, argv in commands.items():
            _fresh(out)
            times[name].append(child_cpu(argv))
    b = statistics.median(base)
    print(f"CPU 时间中位数，{args.runs} 次，冷启动进程；1 分钟负载 {os.getloadavg()[0]:.2f}，nproc {os.cpu_count()}")
    print(f"{'python -c pass（基准）':<24} {b * 1000:8.1f} ms   1.00×")
    ratio = None
    for name, samples in times.items():
        m = statistics.median(samples)
        print(f"{'pe-score ' + name:<24} {m * 1000:8.1f} ms  {m / b:5.2f}×")
        if name == "score --json":
            ratio = m / b
    write, floor = statistics.median(times["score --json --write"]), statistics.median(times["calamine 读取进程"])
    print(f"score --json --write / calamine 读取进程 = {write / floor:.2f}（issue 9 目标 ≤ 3）")
    ok = ratio is not None and ratio <= args.target
    print(f"score --json / python -c pass = {ratio:.2f}（目标 ≤ {args.target}）：{'达到' if ok else '未达到'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
