"""One shared table of indicator rows for the tests that compare two paths of the same rule: the rows of
the seed form, of the real forms in tests/real/forms/ (read as the command line reads them), and of the
generated forms bench/batch.py scores (every figure its own, as in ``bench/score.py``'s column)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[1]


def _bench_batch():
    return load_script("bench/batch.py", "_bench_batch_rows")


@lru_cache(maxsize=1)
def scored_forms() -> tuple:
    """(form, profile) of the seed form, every real form that reads, and 12 generated bench forms."""
    from scoring.profiles import load_profile
    from tests.real.build import all_forms, grid
    from tests.seed_form import seed_form
    from workbook.errors import NotAForm
    from workbook.pipeline import score_grid

    hubei = load_profile("hubei-2-1")
    out = [(seed_form(), hubei)]
    for real in all_forms():
        try:
            scored = score_grid(grid(real), plan=False)
        except NotAForm:
            continue
        out.append((scored.form, scored.profile))
    batch = _bench_batch()
    out += [(seed_form(batch.varied_data(i)[0]), hubei) for i in range(12)]
    return tuple(out)


@lru_cache(maxsize=1)
def bench_column(n: int = 1000) -> tuple:
    """(points, target, actual) of the first n indicator rows of the bench forms, every row (the
    bench keeps only the rows that score; here the others are kept too: both paths must refuse them)."""
    batch = _bench_batch()
    rows: list = []
    i = 0
    while len(rows) < n:
        data, _ = batch.varied_data(i)
        i += 1
        for goal in data["goals"]:
            for _label, section in goal["sections"]:
                rows += [(r[2], r[5], r[6]) for r in section]
    return tuple(rows[:n])


def form_rows() -> list[tuple]:
    """(points, target, actual, method) of every indicator row of ``scored_forms``, as a person would
    pass them to the worksheet functions."""
    rows = []
    for form, _profile in scored_forms():
        for goal in form.goals:
            for ind in goal.indicators:
                rows.append((ind.weight_text or ind.weight, ind.target, ind.actual, None))
    return rows
