"""The gate's quick path (``workbook.safety._quick_zip``, ``workbook.gate.quick_sheet`` ...) only ever
accepts, and accepts only what the full fast tier accepts.

Each shortcut is compared with the code it stands in for, over every file of the bad-input corpus,
the adversarial corpus and a few hundred fuzzer mutants, and over generated inputs built from the
spellings that matter (prologs, references, attributes, zip directories):

- ``_lean_directory`` (the zip directory read from the file's bytes) gives exactly zipfile's entries,
  or None, and then zipfile decides;
- ``_quick_zip`` returns a FileInfo only when ``_check_zip(..., deep=False)`` returns the same one, and
  it takes the ordinary files (the example, most of the corpus);
- ``gate.quick_sheet`` vouches for a sheet only when ``gate.scan_sheet`` accepts it, both ways (the
  fast way and expat), within the area limit;
- ``gate.quick_shared_strings``, ``_head_facts``, ``gate.prolog_end``'s shortcut, ``_resolve``,
  ``_rels_part`` and ``_attrs`` give what the general code gives.
"""
from __future__ import annotations

import io
import posixpath
import pyexpat
import random
import zipfile
from pathlib import Path

import pytest

from tests import fuzz
from tests.corpus import adversarial
from tests.corpus.build import ENTRIES, _example_bytes, _member, _rezip, build
from workbook import gate, safety
from workbook.errors import UnreadableFile
from workbook.safety import DEFAULT_LIMITS, _gate_limits

GLIMITS = _gate_limits(DEFAULT_LIMITS)
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, bytes]:
    """name -> bytes: the corpus (bombs and heavy files left out), the adversarial corpus and fuzz mutants."""
    folder = tmp_path_factory.mktemp("quick")
    out = {}
    skip = {e.name for e, _ in ENTRIES if e.bomb or e.heavy}
    for entry, path in build(folder / "corpus", only={e.name for e, _ in ENTRIES} - skip):
        out["corpus/" + entry.name] = path.read_bytes()
    for _cls, name, _expect, path in adversarial.build(folder / "adversarial"):
        out["adversarial/" + name] = path.read_bytes()
    for name, data in fuzz.mutants(seed=20261201, budget=240):
        out["fuzz/" + name] = data
    return out


FIELDS = ("filename", "flag_bits", "compress_type", "CRC", "compress_size", "file_size", "header_offset",
          "orig_filename", "create_system", "external_attr", "date_time")  # what the gate and the writer read


def _fields(info):
    return tuple(getattr(info, f) for f in FIELDS)


def _zipfile_entries(data: bytes):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [_fields(i) for i in zf.infolist()]
    except Exception:
        return None


# ---- the zip directory -----------------------------------------------------------------------------


def _odd_zips() -> dict[str, bytes]:
    """Zips zipfile reads in its own way: a comment, data before the first entry, extra fields,
    ZIP64 records, non-UTF-8 names, a NUL in a name, a truncated directory."""
    base = _example_bytes()
    out = {}
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.comment = b"a comment"
    out["comment"] = buf.getvalue()
    out["prefixed"] = b"MZ" + b"\0" * 100 + base  # a self-extractor stub: zipfile shifts every offset
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, info.date_time)
            new.extra = b"UT\x05\x00\x01\x00\x00\x00\x00"  # an extended time stamp field
            dst.writestr(new, src.read(info), zipfile.ZIP_DEFLATED)
    out["extra"] = buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED,
                                                                    allowZip64=True) as dst:
        for info in src.infolist():
            with dst.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(src.read(info))
    out["zip64"] = buf.getvalue()
    raw = bytearray(base)
    at = raw.find(b"PK\x01\x02")
    raw[at + 9] &= ~0x08  # clear the UTF-8 flag of the first entry (its name is ASCII: the same name)
    out["cp437"] = bytes(raw)
    gbk = _rezip(base, {}, {"附件/表.xml": b"<a/>"})
    raw = bytearray(gbk)
    at = raw.rfind("附件/表.xml".encode())
    central = raw.rfind(b"PK\x01\x02", 0, at)
    raw[central + 9] &= ~0x08  # the UTF-8 name read as cp437, as zipfile reads an unflagged name
    out["cp437_name"] = bytes(raw)
    raw = bytearray(base)
    at = raw.find(b"PK\x01\x02")
    name_len = int.from_bytes(raw[at + 28:at + 30], "little")
    raw[at + 46 + name_len // 2] = 0  # a NUL in a name: zipfile cuts the name there
    out["nul_name"] = bytes(raw)
    out["truncated_directory"] = base[:-30] + base[-22:]
    raw = bytearray(base)
    end = raw.rfind(b"PK\x05\x06")
    raw[end + 16] ^= 1  # the directory's offset off by one
    out["bad_offset"] = bytes(raw)
    raw = bytearray(base)
    at = raw.find(b"PK\x01\x02")
    raw[at + 6] = 90  # 'version needed to extract' 9.0: zipfile raises NotImplementedError
    out["version"] = bytes(raw)
    return out


def test_lean_directory_reads_exactly_what_zipfile_reads(files):
    taken = 0
    cases = dict(files)
    cases.update({"odd/" + k: v for k, v in _odd_zips().items()})
    for name, data in cases.items():
        lean = safety._lean_directory(data)
        if lean is None:
            continue
        assert [_fields(e) for e in lean] == _zipfile_entries(data), name
        assert [(e.filename, e.file_size, e.header_offset) for e in lean] == [(e[0], e[5], e[6]) for e in lean]
        taken += 1
    assert taken >= len(files) * 0.6, taken  # the ordinary layout is the common one
    odd = _odd_zips()
    for plain in ("extra", "cp437", "cp437_name", "nul_name"):  # plain layouts, read the lean way
        assert safety._lean_directory(odd[plain]) is not None, plain
    for unusual in ("comment", "prefixed", "truncated_directory", "bad_offset", "version"):
        assert safety._lean_directory(odd[unusual]) is None, unusual


# ---- the straight path ---------------------------------------------------------------------------


def _general(path: Path, data: bytes):
    try:
        return safety._check_zip(path, len(data), DEFAULT_LIMITS, False, data)
    except UnreadableFile as exc:
        return exc


def test_quick_zip_accepts_only_what_the_full_fast_tier_accepts(files, tmp_path):
    taken = 0
    for name, data in files.items():
        if not data.startswith(b"PK"):
            continue
        path = tmp_path / name.replace("/", "_")
        quick = safety._quick_zip(path, data, DEFAULT_LIMITS)
        if quick is None:
            continue
        taken += 1
        general = _general(path, data)
        assert not isinstance(general, UnreadableFile), (name, str(general))
        assert (quick.kind, quick.sheets, quick.has_vba, quick.size) == (
            general.kind, general.sheets, general.has_vba, general.size), name
    assert taken >= 100, taken


def test_quick_zip_takes_the_example_and_check_file_gives_the_same_answer(tmp_path):
    path = tmp_path / "示例.xlsx"
    path.write_bytes(_example_bytes())
    quick = safety._quick_zip(path, path.read_bytes(), DEFAULT_LIMITS)
    assert quick is not None and quick.sheets == ["附件2-1"] and quick.kind == "xlsx"
    assert safety.check_file(path, deep=False) == quick == safety.check_file(path)


def test_every_refusal_comes_from_the_general_path(files, tmp_path):
    """The quick path never refuses: on every hostile or broken file it stands aside (None)."""
    for name, data in files.items():
        path = tmp_path / name.replace("/", "_")
        if isinstance(_general(path, data), UnreadableFile) and data.startswith(b"PK"):
            assert safety._quick_zip(path, data, DEFAULT_LIMITS) is None, name


# ---- sheets ---------------------------------------------------------------------------------------


def _scan(data: bytes, fast: bool):
    try:
        s = gate.scan_sheet(lambda: iter([data]), GLIMITS, fast=fast)
    except gate.Refused:
        return "refused"
    except (pyexpat.ExpatError, gate._Hostile):
        return "broken"
    return s


def _sheet_variants() -> dict[str, bytes]:
    """The example's sheet with the spellings quick_sheet must not be fooled by."""
    xml = _member(_example_bytes(), SHEET).decode()
    end = xml.rindex("</sheetData>")
    merges = xml.index("</mergeCells>")

    def rows(fragment: str) -> bytes:
        return (xml[:end] + fragment + xml[end:]).encode()

    def tail(fragment: str) -> bytes:
        return (xml[:merges] + fragment + xml[merges:]).encode()

    far = "XFD1048576"
    out = {
        "plain": xml.encode(),
        "second_r": rows(f'<row r="70"><c r="A70" r="{far}"><v>1</v></c></row>'),
        "second_r_spaced": rows(f'<row r="70"><c r="A70" s="0"   r="{far}"><v>1</v></c></row>'),
        "second_r_tab": rows(f'<row r="70"><c r="A70"\tr="{far}"><v>1</v></c></row>'),
        "second_r_newline": rows(f'<row r="70"><c r="A70"\nr="{far}"><v>1</v></c></row>'),
        "second_r_quote": rows(f"<row r=\"70\"><c r=\"A70\" t='n' r='{far}'><v>1</v></c></row>"),
        "late_r_small": rows('<row r="70"><c r="A70" s="0" r="B70"><v>1</v></c></row>'),
        "three_letters": rows('<row r="70"><c r="AAA70"><v>1</v></c></row>'),
        "five_digits": rows('<row r="70"><c r="A10000"><v>1</v></c></row>'),
        "row_zero": rows('<row r="70"><c r="A0"><v>1</v></c></row>'),
        "no_r": rows('<row r="70"><c><v>1</v></c></row>'),
        "s_first": rows('<row r="70"><c s="0" r="A70"><v>1</v></c></row>'),
        "prefixed": rows(f'<row r="70"><x:c xmlns:x="u" r="{far}"><x:v>1</x:v></x:c></row>'),
        "prefixed_no_r": rows('<row r="70"><x:c xmlns:x="u"><x:v>1</x:v></x:c></row>'),
        "quote_r": rows(f"<row r='70'><c r='{far}'><v>1</v></c></row>"),
        "spaced_r": rows(f'<row r="70"><c r = "{far}"><v>1</v></c></row>'),
        "charref_r": rows('<row r="70"><c r="&#65;70"><v>1</v></c></row>'),
        "lower_r": rows('<row r="70"><c r="a70"><v>1</v></c></row>'),
        "shared_formula": rows('<row r="70"><c r="K70"><f t="shared" ref="K70:K90" si="9">1</f><v>2</v></c></row>'),
        "shared_formula_huge": rows(
            f'<row r="70"><c r="K70"><f t="shared" ref="K70:{far}" si="9">1</f><v>2</v></c></row>'),
        "shared_formula_prefixed_ref": rows(
            f'<row r="70"><c r="K70"><f t="shared" x:ref="K70:{far}" si="9">1</f><v>2</v></c></row>'),
        "merge_huge": tail(f'<mergeCell ref="K1:{far}"/>'),
        "merge_single": tail('<mergeCell ref="K1"/>'),
        "merge_spaced": tail('<mergeCell ref = "K1:Z1000"/>'),
        "merge_many": tail("".join(f'<mergeCell ref="K{i * 600 + 1}:Z{i * 600 + 500}"/>' for i in range(30))),
        "merge_ok": tail('<mergeCell ref="K1:Z100"/>'),
        "merge_second_ref": tail(f'<mergeCell ref="K1:K2" ref="K1:{far}"/>'),
        "hyperlink_range": (xml.replace("<pageMargins", f'<hyperlinks><hyperlink ref="A1:{far}" location="A1"/>'
                                                        "</hyperlinks><pageMargins", 1)).encode(),
        "hyperlink_cell": (xml.replace("<pageMargins", '<hyperlinks><hyperlink ref="B3" location="A1"/>'
                                                       "</hyperlinks><pageMargins", 1)).encode(),
        "validation_whole_column": (xml.replace("<pageMargins", '<dataValidations count="1"><dataValidation '
                                                'type="list" sqref="K1:K1048576"><formula1>"a"</formula1>'
                                                "</dataValidation></dataValidations><pageMargins", 1)).encode(),
        "comment_hides_cell": rows(f'<!-- <c r="{far}"/> --><row r="70"><c r="A70"><v>1</v></c></row>'),
        "cdata_text": rows('<row r="70"><c r="A70" t="inlineStr"><is><t><![CDATA[<c r="B1">]]></t></is></c></row>'),
        "ref_in_text": rows('<row r="70"><c r="A70" t="inlineStr"><is><t>a ref="K1:XFD9" b</t></is></c></row>'),
        "row_past_the_grid": rows('<row r="2000000"><c r="A70"><v>1</v></c></row>'),
        "row_zero_r": rows('<row r="0"><c r="A70"><v>1</v></c></row>'),
        "row_seven_digits": rows('<row r="1000000"><c r="A70"><v>1</v></c></row>'),
        "row_spaced_r": rows('<row r = "2000000"><c r="A70"><v>1</v></c></row>'),
        "row_second_r": rows('<row r="70" r="2000000"><c r="A70"><v>1</v></c></row>'),
        "row_late_r": rows('<row spans="1:1" r="2000000"><c r="A70"><v>1</v></c></row>'),
        "row_prefixed": rows('<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                             'r="2000000"><c r="A70"><v>1</v></c></x:row>'),
        "row_ordinary": rows('<row r="999999" spans="1:1"><c r="A70"><v>1</v></c></row>'),
        "no_sheet_data_end": xml.replace("</sheetData>", "").encode(),
        # long sheets: A1:Z99999 is the second bound
        "long_sheet": rows("".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="J{r}"><v>2</v></c></row>'
                                   for r in range(9990, 10010))),
        "long_and_wide": rows('<row r="10000"><c r="AA10000"><v>1</v></c></row>'),
        "longer_than_the_second_bound": rows('<row r="100000"><c r="A100000"><v>1</v></c></row>'),
        "text_over_1mb": rows('<row r="70"><c r="A70" t="inlineStr"><is><t>' + "长" * 400_000 + "</t></is></c></row>"),
        "text_under_1mb_in_a_big_part": rows("".join(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{"长" * 3000}</t></is></c></row>' for r in range(70, 200))),
    }
    return out


def _sheets_of(data: bytes) -> list[bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [zf.read(n) for n in zf.namelist() if n.endswith(".xml") and b"<worksheet" in zf.read(n)[:2000]]
    except Exception:
        return []


def test_quick_sheet_vouches_only_for_sheets_the_scan_accepts(files):
    sheets = dict(_sheet_variants())
    for name, data in files.items():
        for i, part in enumerate(_sheets_of(data)):
            sheets[f"{name}#{i}"] = part
    vouched = 0
    for name, data in sheets.items():
        if not safety._prolog_clean(data[:1024]):
            continue  # quick_sheet is only asked about parts with a clean prolog
        if not gate.quick_sheet(data, GLIMITS, DEFAULT_LIMITS.max_sheet_area):
            continue
        vouched += 1
        quick_way = _scan(data, True)
        assert quick_way not in ("refused", "broken"), name
        assert quick_way.area <= DEFAULT_LIMITS.max_sheet_area, name
        regular = _scan(data, False)
        assert regular != "refused", name  # accepted, or not XML at all (the reader then fails)
    assert vouched >= 100, vouched


@pytest.mark.parametrize("name", [
    "second_r", "second_r_spaced", "second_r_tab", "second_r_newline", "second_r_quote", "three_letters",
    "row_zero", "no_r", "s_first", "prefixed", "prefixed_no_r", "quote_r", "spaced_r",
    "charref_r", "lower_r", "shared_formula_huge", "shared_formula_prefixed_ref", "merge_huge", "merge_spaced",
    "merge_many", "merge_second_ref", "hyperlink_range", "comment_hides_cell", "long_and_wide",
    "longer_than_the_second_bound", "text_over_1mb", "row_past_the_grid", "row_zero_r", "row_seven_digits",
    "row_spaced_r", "row_second_r", "row_late_r", "row_prefixed",
])
def test_quick_sheet_stands_aside_for_every_odd_spelling(name):
    assert not gate.quick_sheet(_sheet_variants()[name], GLIMITS, DEFAULT_LIMITS.max_sheet_area)


@pytest.mark.parametrize("name", ["plain", "shared_formula", "merge_single", "merge_ok", "hyperlink_cell",
                                  "validation_whole_column", "ref_in_text", "cdata_text", "long_sheet", "five_digits",
                                  "text_under_1mb_in_a_big_part", "row_ordinary"])
def test_quick_sheet_takes_ordinary_sheets(name):
    data = _sheet_variants()[name]
    assert gate.quick_sheet(data, GLIMITS, DEFAULT_LIMITS.max_sheet_area)
    assert _scan(data, True).expanded == _scan(data, False).expanded


def test_rows_without_r_past_the_grid_are_left_to_the_scan():
    # 1,048,577 rows without r: the last one is numbered past the grid, and the scan refuses the part
    xml = _member(_example_bytes(), SHEET).decode()
    end = xml.index("</sheetData>")
    many = (xml[:end] + "<row/>" * (gate.MAX_ROW + 1) + xml[end:]).encode()
    assert _scan(many, False) == "refused"
    assert _scan(many, True) == "refused"
    assert not gate.quick_sheet(many, GLIMITS, DEFAULT_LIMITS.max_sheet_area)
    # the same rows below the grid's end (each numbered after row 68) are taken
    fewer = (xml[:end] + "<row/>" * (gate.MAX_ROW - 68) + xml[end:]).encode()
    assert gate.quick_sheet(fewer, GLIMITS, DEFAULT_LIMITS.max_sheet_area) is False  # long: stands aside
    assert _scan(fewer, False) != "refused"
    short = (xml[:end] + "<row/>" * 1000 + xml[end:]).encode()
    assert gate.quick_sheet(short, GLIMITS, DEFAULT_LIMITS.max_sheet_area)
    assert _scan(short, False) != "refused"


def test_quick_sheet_counts_merged_cells_as_the_scan_does():
    xml = _member(_example_bytes(), SHEET).decode()
    at = xml.index("</mergeCells>")
    rng = random.Random(5)
    for _ in range(200):
        refs = []
        for _ in range(rng.randint(1, 12)):
            c1, c2 = (gate.a1(1, rng.randint(1, 702))[:-1] for _ in range(2))
            r1, r2 = rng.randint(1, 999_999), rng.randint(1, 999_999)
            if rng.random() < 0.7:
                r2 = r1 + rng.randint(-3, 3) or 1
            refs.append(f"{c1}{r1}:{c2}{max(r2, 1)}")
        data = (xml[:at] + "".join(f'<mergeCell ref="{r}"/>' for r in refs) + xml[at:]).encode()
        quick = gate.quick_sheet(data, GLIMITS, DEFAULT_LIMITS.max_sheet_area)
        scan = _scan(data, False)
        assert quick == (scan != "refused"), refs


def test_quick_shared_strings_vouches_only_for_tables_the_scan_accepts():
    base = '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="x" {}><si><t>a</t></si></sst>'
    for attrs in ['count="1" uniqueCount="1"', 'uniqueCount="4000000000"', "uniqueCount='lots'",
                  'x:uniqueCount="9999999999999"', "", 'count="99999999999"', 'uniqueCount = "2000001"']:
        data = base.format(attrs).encode()
        try:
            gate.scan_shared_strings(iter([data]), GLIMITS)
            accepted = True
        except gate.Refused:
            accepted = False
        assert gate.quick_shared_strings(data, GLIMITS) == accepted, attrs


# ---- prologs, names, attributes --------------------------------------------------------------------

_PIECES = [b"", b"\xef\xbb\xbf", b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>",
           b"<?xml version='1.0' encoding='gb2312'?>", b"<?xml version=\"1.0\"?>", b"<?pi x?>", b"<?pi ?x?>",
           b"<!-- c -->", b"<!DOCTYPE a>", b"\r\n", b" ", b"text", b"\x00", b"<?xml-stylesheet href=\"a\"?>",
           b"<?xml encoding=\"UTF-16\"?>", b"<??>", b"<?>"]
_ROOTS = [b"<worksheet xmlns=\"x\">", b"<x:worksheet>", b"<sst/>", b"<comments>", b"<:worksheet>", b"< a>",
          b"<_a>", b"<\xe8\xa1\xa8>", b"<a" + b"b" * 400 + b":worksheet>", b"<p:sst\t/>", b""]


def test_head_facts_and_the_prolog_shortcut_agree_with_the_walk():
    rng = random.Random(11)
    heads = set()
    for _ in range(20_000):
        head = b"".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 3))) + rng.choice(_ROOTS)
        heads.add(head[:rng.choice([1024, 1024, 60, 30])])
    for head in heads:
        assert gate.prolog_end(head) == gate._walk_prolog(head), head
        assert safety._head_facts(head) == (gate.root_name(head), safety._prolog_clean(head)), head


def _old_resolve(base_part: str, target: str) -> str:
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target)).lstrip("/")


def test_relationship_paths_resolve_as_posixpath_resolves_them():
    pieces = ["a", "xl", ".", "..", "/", "//", "\\", "sheet1.xml", "", " ", "_rels", ".rels", "../x"]
    rng = random.Random(3)
    for _ in range(50_000):
        base = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
        target = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
        assert safety._resolve(base, target) == _old_resolve(base, target), (base, target)
        assert safety._rels_part(base) == posixpath.join(
            posixpath.dirname(base), "_rels", posixpath.basename(base) + ".rels"), base


def test_attributes_read_alike_with_and_without_the_shortcut():
    pieces = [" ", "a", "r:id", "=", '"', "'", "x", "\t", "/", ">", "&amp;", "Id", "\n"]
    rng = random.Random(4)
    for _ in range(50_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        slow = {}
        for key, dq, sq in safety._ATTR.findall(text):
            value = dq if dq or not sq else sq
            slow[key] = safety._unescape(value) if "&" in value else value
        assert safety._attrs(text) == slow, text


def test_quick_member_reads_parts_as_the_members_reader_does(tmp_path):
    data = _example_bytes()
    path = tmp_path / "a.xlsx"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as zf:
        members = safety._Members(path, zf, len(data), data)
        for info in zf.infolist():
            entry = next(e for e in safety._lean_directory(data) if e.filename == info.filename)
            assert safety._quick_member(data, entry, info.file_size) == zf.read(info)
            assert safety._quick_member(data, entry, 1024) == members.head(info)
    broken = bytearray(data)
    entry = next(e for e in safety._lean_directory(data) if e.filename == SHEET)
    broken[entry.header_offset + 60] ^= 0xFF  # inside the compressed sheet
    assert safety._quick_member(bytes(broken), entry, entry.file_size) is None


def test_bench_steps_time_every_step_of_the_straight_path():
    # bench/gate.py --steps: each step of check_file(deep=False) on the example, timed on its own
    from tests.scripts import load_script

    bench = load_script("bench/gate.py", "_bench_gate")
    rows = dict(bench.steps(bench.EXAMPLE, 2, 1))
    assert len(rows) >= 12 and all(ms > 0 for ms in rows.values()), rows
    assert "check_file(deep=False)" in rows and any(label.startswith("sheet proof") for label in rows)
