"""Cost of the form-family layer (workbook.families): the pipeline's read + score against the reader and
the engine alone, on the same grids in the same run (CPU time, so the ratio holds across machines).

    python bench/families.py [-n REPEAT]

Grids: the 附件2-1 example and the real published forms of tests/real/. Printed per grid: the baseline
(``score_form(read_form(grid))``), the pipeline (``score_grid(grid, plan=False)``: recognition, reading
view, after_read, after_score) and their ratio; then the median ratio.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from timing import median_cpu as cpu  # noqa: E402  (bench/ is on sys.path when run as a script)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--repeat", type=int, default=30)
    args = ap.parse_args()

    from pe_score.templates import example_grid
    from scoring.engine import score_form
    from scoring.profiles import load_profile
    from tests.real.build import all_forms, grid
    from workbook.errors import NotAForm
    from workbook.layout import read_form
    from workbook.pipeline import score_grid

    grids = [("附件2-1 example", example_grid(), "hubei-2-1")]
    grids += [(f.id, grid(f), f.profile) for f in all_forms()]
    ratios = []
    print(f"{'grid':40} {'baseline ms':>12} {'pipeline ms':>12} {'ratio':>7}")
    for name, g, prof in grids:
        profile = load_profile(prof)
        try:
            read_form(g)
        except NotAForm:  # read only through the family layer (score tables)
            base_fn = None
        else:
            def base_fn(g=g, profile=profile):
                score_form(read_form(g), profile)
        try:
            pipe = cpu(lambda g=g: score_grid(g, plan=False), args.repeat)
        except NotAForm:  # a real form the tool cannot read yet (a strict xfail in tests/real)
            print(f"{name:40} {'—':>12} {'未读出':>12} {'—':>7}")
            continue
        if base_fn is None:
            print(f"{name:40} {'—':>12} {pipe * 1000:12.3f} {'—':>7}")
            continue
        base = cpu(base_fn, args.repeat)
        ratios.append(pipe / base)
        print(f"{name:40} {base * 1000:12.3f} {pipe * 1000:12.3f} {pipe / base:7.2f}")
    print(f"median ratio pipeline / baseline: {statistics.median(ratios):.2f} over {len(ratios)} grids")


if __name__ == "__main__":
    main()
