"""The batch's speed-ups change no output: what ``pe-score check`` keeps of a file (its ``--json`` objects
and its summary rows, ``pe_score.batch._outcome_for``) equals what the straightforward path gives — the
family reading view, the reader, the engine with every row's explanation written at once
(``score_form(..., explain_now=True)``), the family checks, ``result_json`` — on the seed form, the real
forms of tests/real/forms/, the corpus files that hold a form, the family templates and generated bench
forms (bench/batch.py). Invariants, not stored digests: both sides are computed here.

Also: a row's explanation written on first access is the text the rule writes, and a copied or
pickled result holds the text, never the function that writes it.
"""
from __future__ import annotations

import copy
import pickle

import pytest

from pe_score.batch import _form_row, _outcome_for, _profile_fields
from scoring.engine import score_form
from scoring.models import IndicatorResult
from scoring.report import result_json
from tests.conftest import EXAMPLE
from workbook import families
from workbook.errors import NotAForm
from workbook.fast import read_grids
from workbook.layout import read_form
from workbook.pipeline import Scored
from workbook.record import restore_originals
from tests.scripts import bench_forms, corpus_forms


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list:
    """The seed example, the real forms, the corpus forms, the family templates and 12 bench forms."""
    from pe_score.family_templates import outputs
    from tests.real.build import build as build_real

    folder = tmp_path_factory.mktemp("batch_inv")
    corpus = corpus_forms(folder / "corpus")
    real = build_real(folder / "real")
    templates = []
    for rel, wb in outputs().items():
        path = folder / "templates" / rel.name
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
        templates.append(path)
    return [EXAMPLE, *real, *corpus, *templates, *bench_forms(folder, 11, start=40)]


def _straightforward(path, display: str) -> tuple[list, list]:
    """(json objects, summary rows) of one file, every step spelled out, explanations written at once."""
    objects, rows = [], []
    for grid in restore_originals(read_grids(path)):
        reading = families.prepare(grid, None)
        try:
            form = read_form(reading.grid)
        except NotAForm:
            continue
        form.sheet = grid.name
        families.after_read(form, reading)
        result = score_form(form, reading.profile, explain_now=True)
        assert all("explanation" in vars(i) and "_why" not in vars(i) for i in result.indicators)
        families.after_score(form, result, reading)
        item = Scored(form=form, result=result, plan=None, profile=reading.profile, reading=reading)
        rows.append(_form_row(display, item, None, True))
        obj = result_json(result, reading.profile, form=form)
        obj.update(_profile_fields(item))
        objects.append({"file": display, **obj, "claimed_total": rows[-1].claimed})
    return objects, rows


def test_the_batch_keeps_what_the_straightforward_path_gives(files):
    forms = kinds = 0
    for path in files:
        try:
            ref_objects, ref_rows = _straightforward(path, path.name)
        except Exception:  # refused by the reader (a corpus file): the batch must refuse it too
            out = _outcome_for(path.name, str(path), path.suffix, None, True, True)
            assert out.error and not out.rows, path.name
            continue
        out = _outcome_for(path.name, str(path), path.suffix, None, True, True)
        assert out.objects == ref_objects, path.name
        assert out.rows == ref_rows, path.name
        forms += len(ref_rows)
        kinds += bool(ref_rows)
    assert forms >= 50 and kinds >= 45  # seed, ~20 real forms, corpus, 6 templates, 12 bench forms


def test_without_json_the_rows_are_the_same(files):
    for path in files[:1] + files[-12:]:
        full = _outcome_for(path.name, str(path), path.suffix, None, True, True)
        brief = _outcome_for(path.name, str(path), path.suffix, None, False, True)
        assert brief.rows == full.rows and brief.objects == [], path.name


def test_an_explanation_is_written_once_on_first_read_and_copies_hold_the_text():
    calls = []

    def why() -> str:
        calls.append(1)
        return "完成率 50.0%：2 × 50.0% = 1.00"

    res = IndicatorResult.explained_later(why, goal=0, index=1, name="培训人次", weight=2.0, score=1.0,
                                          method="ratio", ratio=0.5, cell="J12", typed=1.0)
    assert calls == []
    assert res.explanation == "完成率 50.0%：2 × 50.0% = 1.00" and res.explanation == why()
    assert len(calls) == 2  # the rule once for the result (kept), once for the comparison above
    eager = IndicatorResult(explanation=why(), goal=0, index=1, name="培训人次", weight=2.0, score=1.0,
                            method="ratio", ratio=0.5, cell="J12", typed=1.0)
    assert res == eager and res.model_dump() == eager.model_dump()
    with pytest.raises(AttributeError):
        res.no_such_field  # noqa: B018
    lazy = IndicatorResult.explained_later(why, goal=0, index=1, name="x", weight=None, score=None,
                                           method="manual")
    for twin in (copy.copy(lazy), copy.deepcopy(lazy), pickle.loads(pickle.dumps(lazy))):
        assert "_why" not in vars(twin) and twin.explanation == why() and twin == lazy
    assert lazy.model_copy(update={"score": 1.0}).explanation == why()


def test_built_models_equal_constructed_ones():
    """``Model.built(values)`` (the reader's and the engine's trusted constructor) gives what
    ``Model(**values)`` gives: the same fields, defaults and fresh default lists, and the same errors."""
    from scoring.models import Cells, Finding, Goal, Indicator

    cells = Cells(name="C5", target="F5")
    cases = [
        (Cells, {}), (Cells, {"name": "C5", "score": "J5"}),
        (Indicator, {}), (Indicator, {"name": "培训人次", "weight": 2.0, "target": "≥100人次", "cells": cells}),
        (Goal, {"title": "年度目标1（20分）"}), (Finding, {"code": "PE101", "severity": "error", "message": "m"}),
        (IndicatorResult, {"goal": 0, "index": 0, "name": "n", "weight": None, "score": None,
                           "method": "manual", "explanation": "无法自动计算，且未填报得分"}),
    ]
    for cls, values in cases:
        a, b = cls.built(dict(values)), cls(**values)
        assert a == b and a.model_dump() == b.model_dump() and repr(a) == repr(b), cls
        assert sorted(vars(a)) == sorted(vars(b)), cls
    one, two = Indicator.built({}), Indicator.built({})
    assert one.cells == two.cells and one.cells is not two.cells  # default_factory: a fresh Cells each
    g1, g2 = Goal.built({"title": "t"}), Goal.built({"title": "t"})
    g1.indicators.append(one)
    assert g2.indicators == []
    with pytest.raises(TypeError, match="unexpected keyword argument 'nmae'"):
        Indicator.built({"nmae": "x"})
    with pytest.raises(TypeError, match="missing 1 required argument: 'title'"):
        Goal.built({})
    with pytest.raises(Exception):  # frozen, as constructed
        Finding.built({"code": "PE101", "severity": "error", "message": "m"}).code = "PE102"


def test_every_row_address_points_at_the_cell_it_was_read_from(files):
    """The reader's addresses (column letters found once per header, ``layout._Reader._cells``) name
    the cells each field was read from, row by row, realigned rows (PE906) included."""
    from workbook.grid import parse_a1
    from workbook.layout import _text

    rows = 0
    for path in files:
        try:
            grids = restore_originals(read_grids(path))
        except Exception:
            continue
        for grid in grids:
            reading = families.prepare(grid, None)
            try:
                form = read_form(reading.grid)
            except NotAForm:
                continue
            view = reading.grid
            for ind in (i for g in form.goals for i in g.indicators):
                for field, value in (("name", ind.name), ("weight", ind.weight_text), ("target", ind.target),
                                     ("actual", ind.actual), ("description", ind.description),
                                     ("reason", ind.reason), ("score", ind.typed_score)):
                    address = getattr(ind.cells, field)
                    if address is None:
                        continue
                    here = view.get(*parse_a1(address))
                    assert (here if field == "score" else _text(here)) == value, (path.name, address, field)
                rows += 1
    assert rows >= 1000
