"""Benchmark of the safety gate (``workbook.safety.check_file``) against the calamine read floor.

    python bench/gate.py [--repeat 7] [--n 300] [--steps]

Same process, same run, CPU time (``time.process_time``), best of ``--repeat`` rounds of ``--n`` calls:

(a) the floor: python-calamine opens the committed example and reads every cell of every sheet;
(b) the readers' gate, ``check_file(path, deep=False)``;
(c) the full gate, ``check_file(path)`` (what ``--write`` runs);
(d) ``workbook.fast.read_grids`` (gate + calamine read + clipping), what ``pe-score score`` reads with.

Then the same on a big sheet (the example plus 20,000 rows x 10 columns of numbers, ~1.8 MB of XML)
to show how the gate scales. Prints each figure in ms and the ratios b/a, c/a, d/a (target b/a <= 0.5).
``--steps``: instead, each step of (b) on the example timed on its own against the same floor.
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


def steps(path: Path, n: int, repeat: int) -> list[tuple[str, float]]:
    """What the fast tier's straight path does on ``path``, step by step, each step timed on its own
    (CPU per call, best of ``repeat`` rounds of ``n``): where the time of ``check_file(deep=False)`` goes
    and what the least work it has to do costs."""
    import os
    import re
    import zlib

    from workbook import gate, safety

    limits = safety.DEFAULT_LIMITS
    glimits = safety._gate_limits(limits)
    raw = path.read_bytes()
    entries = safety._lean_directory(raw)
    by_name = safety._quick_directory(entries, limits)
    if entries is None or by_name is None:
        raise SystemExit(f"{path}: not a plainly laid-out workbook, the straight path stands aside")
    probe = safety._Straight(path, raw, entries, by_name, limits)
    if probe.run() is None:
        raise SystemExit(f"{path}: the straight path stands aside on this file")
    whole = sorted(probe.whole)  # the parts the path inflates whole; every other XML part: its first bytes
    sheets = [part for part, role in probe.roles.items() if role == "worksheet" and part in by_name]
    heads = [e for e in entries if e.filename not in probe.whole and e.filename.lower().endswith(safety._XML_SUFFIXES)]
    sheet_data = [probe.whole[s] for s in sheets]

    def each(fn):
        return lambda _p: fn()

    def inflate_whole(names):
        return each(lambda: [safety._quick_member(raw, by_name[m], by_name[m].file_size) for m in names])

    def sheet_pass(pattern):
        return each(lambda: [pattern.search(d) for d in sheet_data])

    def hits(literal):
        pattern = re.compile(re.escape(literal))
        return each(lambda: [pattern.findall(d) for d in sheet_data])

    def head_facts():
        for name in whole:
            safety._head_facts(probe.whole[name][:safety._HEAD])
        for e in heads:
            safety._head_facts(safety._quick_member(raw, e, 128))

    absent = re.compile(rb"\x00\x01\x02")
    table = [
        ("stat + read the file (os.stat, os.read)", each(lambda: (os.stat(path), safety._read_all(path, len(raw) + 1)))),
        ("zip directory (_lean_directory, _quick_directory)",
         each(lambda: safety._quick_directory(safety._lean_directory(raw), limits))),
        (f"inflate the sheet(s) whole + checksum ({sum(map(len, sheet_data)):,} bytes)", inflate_whole(sheets)),
        ("  of which: the checksum alone", each(lambda: [zlib.crc32(d) for d in sheet_data])),
        (f"inflate the other {len(whole) - len(sheets)} parts read whole + checksums",
         inflate_whole([w for w in whole if w not in sheets])),
        (f"inflate the first 128 bytes of {len(heads)} other XML parts",
         each(lambda: [safety._quick_member(raw, e, 128) for e in heads])),
        ("prolog check of every XML part (_head_facts, incl. those 128-byte reads)", each(head_facts)),
        ("workbook part + relationships + sheet map (incl. their inflation)",
         each(lambda: safety._Straight(path, raw, entries, by_name, limits).map(probe.workbook_part() or ""))),
        ("sheet proof (gate.quick_sheet), all of it",
         each(lambda: [gate.quick_sheet(d, glimits, limits.max_sheet_area) for d in sheet_data])),
        ("  cell bounds pass (every <c is <c r=\"A1\"..)", sheet_pass(gate._Q_BOUNDS[0][0])),
        ("  prefixed element pass (:c, :row, :ref)", sheet_pass(gate._Q_PREFIXED)),
        ("  ranges pass (_quick_ranges: ref / late r / row r)", each(lambda: [gate._quick_ranges(d, glimits) for d in sheet_data])),
        ("floor of one regex pass over the sheet (a literal that is absent)", sheet_pass(absent)),
        ("one pass finding every '<c' (a literal hit per cell)", hits(b"<c")),
        ("the whole straight path (_Straight.run)", each(lambda: safety._Straight(path, raw, entries, by_name, limits).run())),
        ("check_file(deep=False)", lambda p: safety.check_file(p, deep=False)),
    ]
    return [(label, cpu_ms(fn, path, n, repeat)) for label, fn in table]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="safety gate vs calamine read floor")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--steps", action="store_true",
                    help="time each step of the fast tier on the example on its own, against the same floor")
    args = ap.parse_args(argv)
    if args.steps:
        base = cpu_ms(floor, EXAMPLE, args.n, args.repeat)
        print(f"example ({EXAMPLE.stat().st_size:,} bytes): calamine read floor {base * 1000:7.1f} us")
        for label, ms in steps(EXAMPLE, args.n, args.repeat):
            print(f"  {label:74} {ms * 1000:7.1f} us  {ms / base:5.2f} x floor")
        return 0
    report(f"example ({EXAMPLE.stat().st_size:,} bytes)", run(EXAMPLE, args.n, args.repeat))
    with tempfile.TemporaryDirectory() as tmp:
        big = big_sheet(Path(tmp))
        report(f"example + 20,000 x 10 numbers ({big.stat().st_size:,} bytes)", run(big, max(3, args.n // 100), args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
