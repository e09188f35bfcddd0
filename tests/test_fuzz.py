"""The fuzzer (tests/fuzz.py) with a fixed seed and a small budget: every mutation class, through
``pe-score score --json``, ``score --write`` and ``check``; each run exits 0/1/2 with no traceback and
no 内部错误, within time and memory bounds, and leaves its input unchanged. For a longer search:
``python -m tests.fuzz --budget 400 --seed N``."""
from __future__ import annotations

import random
from pathlib import Path

from tests import fuzz


def test_mutants_cover_every_class_and_are_reproducible():
    a = fuzz.mutants(seed=7, budget=2 * len(fuzz.CLASSES))
    b = fuzz.mutants(seed=7, budget=2 * len(fuzz.CLASSES))
    assert a == b
    assert {name.split("_", 1)[1][:-5] for name, _ in a} == set(fuzz.CLASSES)
    base = fuzz._example_bytes()
    assert sum(data != base for _, data in a) >= len(a) - 2  # the mutations apply


def test_every_mutation_class_actually_mutates():
    base = fuzz._example_bytes()
    for name, mutate in fuzz.CLASSES.items():
        changed = sum(mutate(random.Random(i), base) != base for i in range(5))
        assert changed >= 4, name


def _run_clean(files, tmp_path) -> None:
    work = tmp_path / "out"
    work.mkdir()
    failures = fuzz.run(files, work, timeout=60)
    assert not failures, "\n".join(f"{f.name} {f.argv[2:]}: {f.why}" for f in failures)


def test_fuzz_fixed_seed_small_budget(tmp_path):
    folder = tmp_path / "mutants"
    folder.mkdir()
    files = []
    for name, data in fuzz.mutants(seed=20261201, budget=2 * len(fuzz.CLASSES)):
        (folder / name).write_bytes(data)
        files.append(folder / name)
    _run_clean(files, tmp_path)


# Mutants longer runs found, kept as the files themselves (a mutant is derived from the generated example,
# so a seed and an index name another file whenever the example's template changes): a corrupt deflate
# stream in xl/workbook.xml or a .rels part escaped the gate as zlib.error (内部错误); a UTF-16
# [Content_Types].xml or broken comments XML, or a legacyDrawing part that is not VML, escaped the writer's
# own parsers on --write; a GBK-declared comments part made expat raise ValueError in the gate; a UTF-16
# workbook part without a byte-order mark gave 内部错误“两处修改重叠” on --write (seed 9, mutant 20).
FOUND = Path(__file__).resolve().parent / "fuzz_found"


def test_mutants_found_by_longer_runs_stay_fixed(tmp_path):
    files = sorted(FOUND.glob("*.xlsx"))
    assert len(files) == 8
    _run_clean(files, tmp_path)
