"""Cold start of one ribbon click, as a ratio to a bare ``python -c "import xlwings"``.

Each sample is a new Python process that imports ``addin``, opens the seed example on xlwings' remote
engine from a pre-built Office.js payload (JSON file in a temp dir, built once) and runs
``addin.recalculate``: what a click costs before Excel sees the first write. The baseline is measured
in the same run, interleaved, so machine load affects both alike. Target: ratio ≤ 2.

    python bench/ribbon_cold_start.py [--runs 7]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bytecode import compile_project

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"
TARGET = 2.0

CLICK = (
    "import json, sys\n"
    "import xlwings as xw\n"
    "import addin\n"
    "book = xw.Book(json=json.load(open(sys.argv[1], encoding='utf-8')))\n"
    "out = addin.recalculate(book)\n"
    "assert out.ok and round(out.scored.result.total) == 97, out.message\n"
)
BASELINE = "import xlwings"


def _time(args: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(args, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="samples of each (median; at least 5)")
    args = ap.parse_args(argv)
    runs = max(5, args.runs)
    sys.path.insert(0, str(ROOT))
    from tests.remote_book import payload

    env = dict(os.environ, XLWINGS_LICENSE_KEY=os.environ.get("XLWINGS_LICENSE_KEY", "noncommercial"),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "seed_payload.json"
        path.write_text(json.dumps(payload(EXAMPLE), ensure_ascii=False), encoding="utf-8")
        compile_project()  # .pyc files as pip writes them (PYTHONDONTWRITEBYTECODE would skip them)
        _time([sys.executable, "-c", CLICK, str(path)], env)  # warm the OS file cache and .pyc files
        _time([sys.executable, "-c", BASELINE], env)
        clicks, bases = [], []
        for _ in range(runs):
            bases.append(_time([sys.executable, "-c", BASELINE], env))
            clicks.append(_time([sys.executable, "-c", CLICK, str(path)], env))
    click, base = statistics.median(clicks), statistics.median(bases)
    ratio = click / base
    print(f"ribbon click (new process, seed form, remote engine): median {click * 1000:.0f} ms over {runs} runs")
    print(f"baseline python -c \"import xlwings\":                  median {base * 1000:.0f} ms over {runs} runs")
    print(f"ratio {ratio:.2f} (target ≤ {TARGET:g}) {'OK' if ratio <= TARGET else 'ABOVE TARGET'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
