"""Benchmark of ``pe-score check`` against the floor: reading every cell with python-calamine.

    python bench/batch.py [--n 1000] [--jobs N] [--keep DIR]

1. Generates N varied 附件2-1 forms (pe_score.templates.build_form on variations of the seed:
   unit, year, number of goals, typed scores, budget execution, claimed totals, every 25th form
   capped by the 约束性指标 row, and every target and actual with figures of its own, the description
   repeating its target's figures as the seed does, so no two forms share their value texts) into a
   temp folder.
2. (a) reads every cell of every sheet of every file with python-calamine, one process;
   (b) runs ``pe-score check`` on the folder in-process (``pe_score.batch.run_check``, same code as
   the command, no interpreter start-up) with one job, without and with a summary workbook: the
   files are read and scored in one worker process (in chunks), as the command does;
   (c) the same with ``--jobs`` (default: all cores), wall time.
   (a) and (b) are CPU times of this process and its worker processes (each run starts new workers,
   so nothing scored in an earlier run is remembered), the best of ``--repeat`` runs with a warm file
   cache; the ratio b/a is the figure that holds across machines and loads.
   Then where (b)'s time goes: each step of the per-file pipeline timed alone, the in-process total
   (every file through the worker's function, no pool), and (b) minus that (the pool and the report).
3. Peak memory (resource.getrusage ru_maxrss) of a fresh ``pe-score check --summary`` process
   (subprocess) on N and on 2N forms: it stays flat because results stream.

Prints forms/s and the ratio b/a (target ≤ 3).
"""
from __future__ import annotations

import argparse
import copy
import io
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CAP_TEXT = "存在审计等部门重点披露的问题"
UNITS = ["人力资源和社会保障局", "财政局", "教育局", "卫生健康委员会", "民政局", "交通运输局", "农业农村局",
         "自然资源和规划局", "生态环境局", "住房和城乡建设局", "文化和旅游局", "市场监督管理局"]
PLACES = ["十堰市", "襄阳市", "宜昌市", "荆州市", "黄冈市", "孝感市", "咸宁市", "随州市"]


_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def _vary_text(text, rnd: random.Random, same: dict[str, str] | None = None):
    """The same wording with other figures (same number of digits and decimals), so no two forms share
    their value texts, as real forms from different units do not. ``same``: figures already changed in
    this row (literal -> new), so a 指标说明 that repeats its target's figure still repeats it, as in
    the seed and in real forms (an independent figure there would be a PE107 on nearly every row)."""
    if not isinstance(text, str) or not text:
        return text

    def other(m: re.Match) -> str:
        lit = m.group(0)
        if len(lit) == 4 and lit.startswith(("19", "20")):
            return lit  # a year stays a year
        if same is not None and lit in same:
            return same[lit]
        whole, _, frac = lit.partition(".")
        x = rnd.randint(10 ** (len(whole) - 1) if len(whole) > 1 else 1, 10 ** len(whole) - 1)
        new = f"{x}.{rnd.randint(0, 10 ** len(frac) - 1):0{len(frac)}d}" if frac else str(x)
        if same is not None:
            same[lit] = new
        return new

    return _DIGITS.sub(other, text)


def varied_data(i: int) -> tuple[dict, float]:
    """Form data for form ``i`` (deterministic) and the self-score typed in its header. Every target and
    actual carries figures of its own, each description its target's (distinct texts: a cold batch)."""
    from pe_score.example_data import EXAMPLE

    rnd = random.Random(i)
    d = copy.deepcopy(EXAMPLE)
    d["unit"] = f"{PLACES[i % len(PLACES)]}{UNITS[(i // len(PLACES)) % len(UNITS)]}（{i:05d}）"
    d["year"] = 2019 + i % 5
    # Keep 3..7 goals: the forms differ in length, as real ones do.
    d["goals"] = d["goals"][: rnd.randint(3, len(d["goals"]))]
    for goal in d["goals"]:
        for _label, rows in goal["sections"]:
            for k, row in enumerate(rows):
                row = list(row)
                same: dict[str, str] = {}  # the description and the target share their figures
                for col in (5, 3):  # 年初目标值, 指标说明
                    row[col] = _vary_text(row[col], rnd, same)
                row[6] = _vary_text(row[6], rnd)  # 实际完成值: figures of its own
                if rnd.random() < 0.15 and isinstance(row[7], (int, float)):
                    row[7] = max(0, row[7] - rnd.choice([0.5, 1]))  # a typed score off the mark
                rows[k] = tuple(row)
    planned = round(rnd.uniform(500, 20000), 2)
    d["budget"] = {"planned": planned, "executed": round(planned * rnd.choice([1, 1, 0.95, 0.88]), 2),
                   "reason": "", "note": ""}
    if i % 25 == 7:
        d["constraint"] = {**d["constraint"], "actual": CAP_TEXT}
    claim = rnd.choice([97, 95, 92.5, 90, 88, 85, 99, 100, 60])
    return d, claim


def _write_one(args: tuple[int, str]) -> None:
    from pe_score.templates import build_form

    i, folder = args
    data, claim = varied_data(i)
    wb = build_form(data)
    wb.active["J4"] = claim  # typed, as most units do (openpyxl files carry no cached formula values)
    sub = Path(folder) / f"单位组{i % 10:02d}"
    sub.mkdir(exist_ok=True)
    wb.save(sub / f"自评表_{i:05d}.xlsx")


def generate(folder: Path, n: int, start: int = 0, workers: int = 1) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    args = [(i, str(folder)) for i in range(start, start + n)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as ex:
            list(ex.map(_write_one, args, chunksize=16))
    else:
        for a in args:
            _write_one(a)


def files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"))


def read_all_cells(folder: Path) -> int:
    """The floor: open each file with python-calamine and read every cell of every sheet."""
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in files_of(folder):
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            cells += sum(len(r) for r in rows)
        wb.close()
    return cells


def check(folder: Path, jobs: int, summary: Path | None) -> int:
    from pe_score.batch import run_check

    return run_check([folder], summary=summary, jobs=jobs, stdout=io.StringIO(), stderr=io.StringIO(),
                     progress=False)


STEPS = ("fast.read_grids (incl. the safety check)", "  of which safety.check_file(deep=False)",
         "families.prepare (recognition, reading view)", "layout.read_form", "families.after_read",
         "engine.score_form", "families.after_score", "report.result_json")
WHOLE = "in-process total (_outcome_for, no pool)"


def stage_breakdown(folder: Path) -> dict[str, float]:
    """CPU seconds spent in each step of checking one file, summed over the folder (one process).

    For each file, first the whole of what ``pe-score check`` runs for it in its worker
    (``pe_score.batch._outcome_for``: read, find and score the forms, the summary row), then the same
    steps one at a time (``workbook.pipeline.find_forms`` spelled out), to show where the time above
    the calamine floor goes. Interleaved file by file, so a change of load on a shared machine
    skews both alike; the steps run second and find the cell texts' normalisation cached (a few %)."""
    from pe_score.batch import _outcome_for
    from scoring.engine import score_form
    from scoring.report import result_json
    from workbook import families
    from workbook.fast import read_grids
    from workbook.layout import read_form
    from workbook.record import restore_originals
    from workbook.safety import check_file

    t = dict.fromkeys(STEPS + (WHOLE,), 0.0)
    clock = time.process_time
    files = files_of(folder)
    _outcome_for(files[0].name, str(files[0]), files[0].suffix, None, False, False)  # imports, as a worker's first file
    for path in files:
        t0 = clock()
        _outcome_for(path.name, str(path), path.suffix, None, False, False)
        t1 = clock()
        t[WHOLE] += t1 - t0
        t0 = clock()
        check_file(path, deep=False)  # the fast tier, as the readers run it (then again inside read_grids)
        t1 = clock()
        grids = restore_originals(read_grids(path))
        t2 = clock()
        t[STEPS[1]] += t1 - t0
        t[STEPS[0]] += t2 - t1
        for grid in grids:
            t0 = clock()
            try:
                reading = families.prepare(grid, None)
                t1 = clock()
                form = read_form(reading.grid)
            except Exception:  # not a form (NotAForm): the batch skips the sheet too
                continue
            t2 = clock()
            form.sheet = grid.name
            families.after_read(form, reading)
            t3 = clock()
            result = score_form(form, reading.profile)
            t4 = clock()
            families.after_score(form, result, reading)
            t5 = clock()
            result_json(result, reading.profile, form=form)
            t6 = clock()
            for name, secs in zip(STEPS[2:], (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
                t[name] += secs
    return t


def cpu_now() -> float:
    """CPU time of this process plus its finished children: ``pe-score check`` reads files in worker
    processes even with one job (a crash in a native reader must not end the review), and their
    CPU time is the command's too."""
    import resource

    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + c.ru_utime + c.ru_stime


def best_of(repeat: int, fn, *args) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = cpu_now()
        fn(*args)
        best = min(best, cpu_now() - t0)
    return best


_RSS_CHILD = """
import resource, sys, io
sys.path.insert(0, sys.argv[1])
from pe_score.batch import run_check
code = run_check([sys.argv[2]], summary=sys.argv[3], stdout=io.StringIO(), stderr=io.StringIO(), progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mb(folder: Path, summary: Path) -> float:
    """Peak RSS of a fresh process running the check (ru_maxrss is in KiB on Linux)."""
    out = subprocess.run([sys.executable, "-c", _RSS_CHILD, str(ROOT), str(folder), str(summary)],
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="number of forms (default 1000)")
    ap.add_argument("--jobs", type=int, default=0, help="processes for the parallel run (0 = all cores)")
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs per timing")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    ap.add_argument("--no-memory", action="store_true", help="skip the N / 2N peak-memory runs")
    args = ap.parse_args(argv)

    cores = os.cpu_count() or 1
    jobs = args.jobs or cores
    tmp = Path(tempfile.mkdtemp(prefix="pe-bench-"))
    folder = args.keep or tmp / "forms"
    try:
        t0 = time.perf_counter()
        if args.keep and len(files_of(folder)) == args.n:
            print(f"reusing the {args.n} forms in {folder}")
        else:
            generate(folder, args.n, workers=cores)
            print(f"generated {args.n} forms in {time.perf_counter() - t0:.1f} s")
        n_files = len(files_of(folder))
        print(f"machine: {cores} cores ({cpu_model()}), Python {platform.python_version()}, "
              f"load average {os.getloadavg()[0]:.1f} (other work on the machine skews the timings)")

        cells = read_all_cells(folder)  # warm the file cache once
        # CPU time of this process (time.process_time): wall time on a shared machine swings 2x.
        t_read = best_of(args.repeat, read_all_cells, folder)
        t_plain = best_of(args.repeat, check, folder, 1, None)
        t_check = best_of(args.repeat, check, folder, 1, tmp / "summary.xlsx")
        t0 = time.perf_counter()
        check(folder, jobs, tmp / "summary_jobs.xlsx")
        t_jobs = time.perf_counter() - t0
        print(f"(a) calamine, read every cell ({cells} cells): {t_read:.2f} s CPU = {n_files / t_read:.0f} forms/s")
        print(f"(b) pe-score check, --jobs 1 (in-process, files read in one worker process): {t_plain:.2f} s CPU = {n_files / t_plain:.0f} forms/s")
        print(f"    ratio b/a = {t_plain / t_read:.2f} (target <= 3; every form's value texts are its own)")
        print(f"    with --summary: {t_check:.2f} s CPU, ratio {t_check / t_read:.2f} "
              f"(the summary workbook costs {(t_check - t_plain) / n_files * 1000:.2f} ms per form)")
        print(f"(c) pe-score check --summary --jobs {jobs}: {t_jobs:.2f} s wall = {n_files / t_jobs:.0f} forms/s")

        print("where the time of (b) goes, per form (one process, no pool):")
        steps = stage_breakdown(folder)
        whole = steps.pop(WHOLE)
        for name, secs in steps.items():
            print(f"    {name:<46} {secs / n_files * 1000:7.2f} ms  ({secs / t_read:5.1f} x a)")
        rest = whole - sum(v for k, v in steps.items() if not k.startswith("  "))
        for name, secs in (("the rest of a worker's file (glue, FormRow)", rest), (WHOLE, whole),
                           ("the worker pool and the report (b minus that)", t_plain - whole)):
            print(f"    {name:<46} {secs / n_files * 1000:7.2f} ms  ({secs / t_read:5.1f} x a)")

        if not args.no_memory:
            rss_n = peak_rss_mb(folder, tmp / "rss_n.xlsx")
            double = tmp / "double"
            shutil.copytree(folder, double / "a")
            shutil.copytree(folder, double / "b")
            rss_2n = peak_rss_mb(double, tmp / "rss_2n.xlsx")
            print(f"peak memory (subprocess, 1 process, --summary): N={n_files}: {rss_n:.0f} MB, "
                  f"2N={2 * n_files}: {rss_2n:.0f} MB")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
