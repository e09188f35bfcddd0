"""Benchmark of `--write` (the surgical writer): CPU-time ratios against baselines measured in the same run.

    python bench/write.py [--no-big]

1. In-process: ``write_scored`` on the example (plan given) vs a python-calamine read of the same file,
   then where that time goes, step by step (the steps of ``workbook.surgical._write`` run one by one;
   their output is checked equal to ``surgical_write``'s). "first" is the first call in the process
   (regular expressions compiled, caches empty), as a command-line run pays it.
2. Command line, fresh processes (CPU of the child, best of N): `pe-score score EXAMPLE --json --write OUT`
   vs `pe-score score EXAMPLE --json` vs a process that imports python-calamine and reads the file.
   The difference of the first two is what writing costs; the rest is the command's start-up.
3. The example plus a 50,000 x 10 second sheet through `--json --write`: CPU seconds and peak memory of
   the child (targets: <= 3 s, <= 150 MB).
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"
sys.path.insert(0, str(ROOT))

from bytecode import compile_project  # noqa: E402  (bench/ is the script's folder)


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


def steps(plan, out: Path) -> list[tuple[str, float]]:
    """One ``write_scored`` on the example, step by step: (step, CPU seconds)."""
    from workbook import sheetxml as sx
    from workbook import surgical as S
    from workbook import xlsx
    from workbook.explain_layout import explain_layout
    from workbook.grid import parse_a1
    from workbook.opc import Package
    from workbook.record import NOTE_FLAG, Entry, record_rows
    from workbook.safety import check_file
    from workbook.stylesxml import Styles

    laps: list[tuple[str, float]] = []
    t = time.process_time()

    def lap(name: str) -> None:
        nonlocal t
        now = time.process_time()
        laps.append((name, now - t))
        t = now

    check_file(EXAMPLE, deep=False)
    lap("gate (check_file, fast tier; the command line skips it: its read was gated)")
    pkg = Package(EXAMPLE)
    book = S.Book(pkg)
    form = book.sheet(plan.sheet)
    explain, previous = S._previous_record(pkg, book, plan, False)
    S._refuse_threaded_conflicts(pkg, form, plan, False)
    lap("open the package, index the workbook part")
    data = S._utf8(pkg.read(form.part))
    styles = Styles(pkg.read(book.styles_part))
    lap("inflate the sheet, index the styles")
    sheet = S._SheetEdit(book, styles, data, plan, previous)
    lap("scan the sheet (rows, the planned rows' cells)")
    sheet.write_values(S._array_ranges(data))
    sheet.undo_previous_values()
    sheet.restore_previous_fills()
    sheet.apply_highlights()
    sheet.drop_unchanged_styles()
    lap("values, undo, highlights (styles)")
    entries = sheet.entries
    note_refs, extra = S._notes(pkg, form, pkg.rels(form.part), sheet.scan, plan, data)
    for ref in note_refs:
        entries[ref] = entries.get(ref, Entry(ref))._replace(note=NOTE_FLAG)
    lap("notes (comments part, VML)")
    pkg.write(form.part, sx.splice(data, sheet.scan, sheet.edits, extra))
    lap("splice the sheet")
    record = sorted(entries.values(), key=lambda e: parse_a1(e.ref))
    layout = explain_layout(plan.explain_rows, record_rows(record, plan.sheet))
    lap("explain sheet: layout")
    S._explain_sheet(pkg, book, styles, plan, layout, explain)
    S._save_styles(pkg, book, styles)
    S._full_calc_on_load(book)
    lap("explain sheet: XML; styles, workbook entries")
    package = pkg.to_bytes()
    pkg.close()
    lap("zip (raw copies + deflate level 1)")
    xlsx.save_atomically(package, out)
    lap("save (temp file, fsync, rename)")
    assert package == S.surgical_write(EXAMPLE, plan).data, "the steps above no longer are the writer's"
    return laps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-big", action="store_true", help="skip the 50,000-row workbook")
    args = ap.parse_args()
    import python_calamine as pc

    from workbook import fast, pipeline, xlsx

    compile_project()  # as pip installs it: the timed processes must not compile the project
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.xlsx"
        scored = pipeline.score_workbook(fast.read_grids(EXAMPLE))
        first = steps(scored.plan, out)

        def read():
            wb = pc.CalamineWorkbook.from_path(str(EXAMPLE))
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()

        base = cpu(read, 30)
        write = cpu(lambda: xlsx.write_scored(EXAMPLE, out, scored.plan), 30)
        print(f"in-process: calamine read {base * 1000:.2f} ms; write_scored {write * 1000:.2f} ms "
              f"({write / base:.1f}x)")
        runs = [steps(scored.plan, out) for _ in range(30)]
        print(f"  {'step':<74} {'first':>8} {'warm':>8} {'x read':>7}")
        for i, (name, t0) in enumerate(first):
            warm = min(r[i][1] for r in runs)
            print(f"  {name:<74} {t0 * 1000:7.2f}  {warm * 1000:7.2f}  {warm / base:6.1f}")
        total_first, total_warm = sum(t for _, t in first), sum(min(r[i][1] for r in runs) for i in range(len(first)))
        print(f"  {'total':<74} {total_first * 1000:7.2f}  {total_warm * 1000:7.2f}  {total_warm / base:6.1f}")

        floor, _ = child([py, "-c", "import python_calamine as pc, sys; wb = pc.CalamineWorkbook.from_path(sys.argv[1]);"
                          "[wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]", str(EXAMPLE)])
        plain, _ = child([py, "-m", "pe_score", "score", str(EXAMPLE), "--json"])
        written = min(child([py, "-m", "pe_score", "score", str(EXAMPLE), "--json", "--write",
                             str(Path(tmp) / f"cli{i}.xlsx")], n=1)[0] for i in range(5))  # a new file each time
        print(f"command line: calamine read process {floor * 1000:.0f} ms; score --json {plain * 1000:.0f} ms "
              f"({plain / floor:.1f}x); score --json --write {written * 1000:.0f} ms ({written / floor:.1f}x; "
              f"writing itself {max(written - plain, 0) / floor:.1f}x the read floor; target <= 3x overall)")

        if not args.no_big:
            big = big_workbook(Path(tmp) / "big.xlsx")
            secs, mb = child([py, "-m", "pe_score", "score", str(big), "--json", "--write",
                              str(Path(tmp) / "big_out.xlsx")], n=1)
            print(f"example + 50,000 x 10 sheet, score --json --write: {secs:.2f} s CPU (target <= 3 s), "
                  f"peak {mb:.0f} MB (target <= 150 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
