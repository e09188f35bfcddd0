"""What the command line's path does not load: modules whose import would only cost start-up time.

`pe-score score --json --write` on the example, in a fresh interpreter: no ``decimal`` (the parser
needs it only for figures over 15 digits and to recognise a Decimal cell value, which cannot exist
while the module is not loaded), no ``numbers`` (a Real other than int and float is registered
through it, so it is loaded before such a value exists), no ``datetime`` (a date cell value cannot
exist before the module is loaded: ``workbook.fast.cell_value`` and the parser look it up), no
``locale`` (argparse's gettext lookups: the command's parser is built with its phrases already in
Chinese), no ``dataclasses``/``inspect`` (``scoring.plaindata``), no pydantic, no ``typing``
(annotations are strings; the named tuples on the path are ``collections.namedtuple`` classes), no
``zipfile``/``shutil``/``threading`` (the gate and the writer read a plainly laid-out zip directory
themselves; ``scoring.lazy.LazyModule``), no ``copy``/``weakref`` (``plaindata.asdict`` returns the
values deepcopy would return as they are, and a model is copied only when asked).
"""
from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from scoring.values import _scaled, parse_value

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"
NOT_LOADED = ("decimal", "_decimal", "numbers", "datetime", "locale", "dataclasses", "inspect", "pydantic", "openpyxl", "xml.dom.minidom",
              "typing", "zipfile", "shutil", "threading", "bz2", "lzma", "copy", "weakref")


def test_score_json_write_loads_none_of_the_deferred_modules(tmp_path):
    code = ("import sys; from pe_score.cli import main; rc = main(sys.argv[1:]);"
            f"sys.stderr.write('LOADED=' + ','.join(m for m in {NOT_LOADED!r} if m in sys.modules) + '\\n');"
            "sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code, "score", str(EXAMPLE), "--json", "--write",
                        str(tmp_path / "out.xlsx")], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                       capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "LOADED=\n" in r.stderr, r.stderr
    assert (tmp_path / "out.xlsx").is_file()


def test_decimal_values_and_long_figures_read_as_before():
    v = parse_value(Decimal("1.5"))
    assert v.kind == "number" and v.number == 1.5
    assert parse_value(Decimal("NaN")).kind == "text"
    # over 15 digits: the exact product through decimal, rounded once
    assert _scaled("1234567890123456789", 1e4) == float(Decimal("1234567890123456789") * 10000)
    assert parse_value("1234567890123456.5万").number == float(Decimal("1234567890123456.5") * 10000)


def test_real_values_of_other_types_read_as_numbers():
    from fractions import Fraction

    class Registered:  # a Real registered with the ABC, as numpy registers its floats
        def __float__(self):
            return 2.5

        def __str__(self):
            return "2.5"

    import numbers

    numbers.Real.register(Registered)
    for value, number in ((Fraction(3, 4), 0.75), (Registered(), 2.5), (7, 7.0), (1.25, 1.25)):
        v = parse_value(value)
        assert v.kind == "number" and v.number == number, value
    assert parse_value(object()).kind == "text"


def test_a_date_cell_read_in_a_fresh_process_is_a_datetime(tmp_path):
    """calamine hands over dates and datetimes (loading the module itself); ``cell_value`` turns a bare
    date into a datetime at midnight, with nothing imported by the reader beforehand."""
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = dt.datetime(2022, 4, 14)
    ws["A1"].number_format = "yyyy-mm-dd"
    ws["B1"] = dt.datetime(2022, 4, 14, 8, 30)
    path = tmp_path / "dates.xlsx"
    wb.save(path)
    code = ("import sys; assert 'datetime' not in sys.modules; from workbook import fast;"
            "g = fast.read_grids(sys.argv[1])[0]; print(repr(g.get(1, 1)), repr(g.get(1, 2)))")
    r = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120, check=True)
    assert r.stdout.split() == ["datetime.datetime(2022,", "4,", "14,", "0,", "0)",
                                "datetime.datetime(2022,", "4,", "14,", "8,", "30)"], r.stdout


def test_the_named_tuples_keep_their_fields_defaults_and_methods():
    from scoring.readings import IndicatorReading, RowInput
    from workbook.record import Entry
    from workbook.xlsx import WriteResult

    row = RowInput("≥90%")
    assert row == ("≥90%", "", None, "", None, None, None, "", "", "", "", "", None)
    assert row.target == "≥90%" and row.cells is None and row._replace(actual="95%").actual == "95%"
    assert type(row._replace(actual="x")) is RowInput and repr(row).startswith("RowInput(target='≥90%'")
    assert IndicatorReading._fields == ("indicator", "name", "weight", "typed", "typed_written",
                                        "typed_is_text", "target", "actual", "method", "numeric")
    assert Entry("J12") == ("J12", "", "", "", "", None, None) and Entry("J12", argb="FFFF0000").argb == "FFFF0000"
    result = WriteResult(Path("a.xlsx"), None)
    assert result.skipped_formula_cells == () and result._asdict() == {
        "path": Path("a.xlsx"), "backup": None, "skipped_formula_cells": ()}
    for cls in (RowInput, IndicatorReading, Entry, WriteResult):
        assert not hasattr(cls(*range(len(cls._fields))), "__dict__")  # slotted like a NamedTuple


def test_score_runs_without_cycle_collection_and_check_keeps_it(tmp_path):
    """``score`` pauses the cyclic collector while it runs (it walked every imported object ~20 times on
    a ``--write``) and resumes it; ``check`` (many files in one process) keeps it running. With the
    collector's first threshold at 10, any run that kept it would collect many times."""
    code = (
        "import gc, sys\n"
        "from pe_score.cli import main\n"
        "seen = []\n"
        "def on_collect(phase, info):\n"
        "    frame, names = sys._getframe(), set()\n"
        "    while frame is not None:\n"
        "        names.add(frame.f_code.co_name)\n"
        "        frame = frame.f_back\n"
        "    if phase == 'start':\n"
        "        seen.append(names)\n"
        "gc.callbacks.append(on_collect)\n"
        "gc.set_threshold(10)\n"
        "rc = main(sys.argv[1:])\n"
        "during = sum('_score' in names or '_check' in names for names in seen)\n"
        "sys.stderr.write(f'DURING={during} ENABLED={gc.isenabled()}\\n')\n"
        "sys.exit(rc)\n")
    runs = {"score": ["score", str(EXAMPLE), "--json", "--write", str(tmp_path / "out.xlsx")],
            "check": ["check", str(EXAMPLE), "--json"]}
    during = {}
    for command, argv in runs.items():
        r = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                           capture_output=True, text=True, encoding="utf-8", timeout=120)
        assert r.returncode == 0, r.stderr
        assert "ENABLED=True" in r.stderr, r.stderr
        during[command] = int(r.stderr.split("DURING=")[1].split()[0])
    assert during["score"] == 0 and during["check"] > 10, during
    assert (tmp_path / "out.xlsx").is_file()
