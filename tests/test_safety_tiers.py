"""The two safety tiers: the fast one (prologs only, used by the readers) refuses every bomb the deep
one refuses, and whatever it lets through to a reader that then fails gets the deep tier's message."""
from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from tests.corpus.build import ENTRIES, _example_bytes, _member, _rezip, build
from workbook import fast, xlsx
from workbook.errors import UnreadableFile, WorkbookError
from workbook.safety import _prolog_clean, check_file, explain_failure

NAMES = [e.name for e, _ in ENTRIES]
BY_NAME = {e.name: e for e, _ in ENTRIES}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("corpus_tiers")
    return {e.name: p for e, p in build(folder)}


def _message(fn, *args, **kw) -> str | None:
    try:
        fn(*args, **kw)
    except UnreadableFile as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("name", NAMES)
def test_fast_tier_refuses_or_the_reader_gives_the_deep_message(corpus, name):
    path = corpus[name]
    deep = _message(check_file, path)
    quick = _message(check_file, path, deep=False)
    if deep is None:
        assert quick is None, quick  # the fast tier refuses nothing the deep one accepts
        return
    if quick is not None:
        assert quick == deep
        return
    # Let through (malformed XML, a corrupt non-worksheet part): both readers must answer with the
    # deep tier's own message, as check_file alone did before.
    for reader in (fast.read_grids, xlsx.read_grids):
        if reader is xlsx.read_grids and not name.endswith((".xlsx", ".xlsm")):
            continue
        assert _message(reader, path) == deep, reader


@pytest.mark.parametrize("name", [e.name for e, _ in ENTRIES if e.bomb])
def test_fast_tier_refuses_every_bomb_before_expansion(corpus, name):
    t = time.perf_counter()
    msg = _message(check_file, corpus[name], deep=False)
    seconds = time.perf_counter() - t
    assert msg is not None and msg == _message(check_file, corpus[name])
    tracemalloc.start()
    try:
        assert _message(check_file, corpus[name], deep=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seconds < 1.0 and peak < 16 * 1024 * 1024, (seconds, peak)


def test_the_corpus_exercises_both_paths(corpus):
    """Some refused files are caught by the fast tier itself, some only when the reader fails."""
    caught, deferred = set(), set()
    for e, _ in ENTRIES:
        if e.expect == "refuse":
            (caught if _message(check_file, corpus[e.name], deep=False) else deferred).add(e.name)
    assert "broken_xml_sheet.xlsx" in deferred
    assert {"xml_bomb_sharedstrings.xlsx", "dtd_in_workbook.xlsx", "crc_corrupt.xlsx"} <= caught


# ---- the prolog reader ------------------------------------------------------------------------


@pytest.mark.parametrize("head", [
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet xmlns="x">',
    b"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?><a/>",
    b"<!-- <!DOCTYPE x> only a comment --><?pi data?>\n<root>",
    b"<sst>",
    b'<?xml version="1.0" encoding="us-ascii"?><\xe8\xa1\xa8>',
])
def test_prolog_clean(head):
    assert _prolog_clean(head)


@pytest.mark.parametrize("head", [
    b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    b"<!-- c --><!DOCTYPE a SYSTEM 'http://example.invalid/a.dtd'><a/>",
    b'<?xml version="1.0"?><!ENTITY x "y"><a/>',
    "<?xml version='1.0' encoding='UTF-16'?><a/>".encode("utf-16"),  # BOM and NULs
    "<a/>".encode("utf-16-le"),  # UTF-16 without a BOM
    b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE a+AD4-<a/>',
    b'<?xml version="1.0" encoding="gb2312"?><a/>',  # ASCII-compatible, but when in doubt: deep scan
    b"<!-- never closed <!DOCTYPE a>",
    b"<?xml version='1.0'",
    b"   ",
    b"",
    b"text<a/>",
    b"< a/>",
    b"\x00<a/>",
])
def test_prolog_unclear_or_hostile(head):
    assert not _prolog_clean(head)


_HEADS = [
    b'<?xml version="1.0" encoding="UTF-8"?>\r\n<x:worksheet xmlns:x="x">',
    b"\xef\xbb\xbf<!-- c --><?pi?><sst>",
    b"<!-- <sst> in a comment --><comments>",
    b"text<worksheet>",
    b"\x00<worksheet>",
    b"<!DOCTYPE a><worksheet>",
    b"<!-- never closed <worksheet>",
    b"<?pi <worksheet>",
    b"< worksheet>",
]


@pytest.mark.parametrize("head", _HEADS)
def test_one_prolog_walker_for_the_root_name_and_the_fast_tier(head):
    """The part's role (its root element) and the fast tier's verdict come from the same walk of the
    prolog: a root is named exactly when the prolog before it is clean of DTDs, text and NULs."""
    from workbook import gate

    lt = gate.prolog_end(head)
    assert (gate.root_name(head) is not None) == (lt is not None) == _prolog_clean(head)
    if lt is not None:
        assert head[lt:lt + 1] == b"<" and gate.root_name(head) in ("worksheet", "sst", "comments")


def _with_part(tmp_path: Path, part: str, body: bytes, name: str = "t.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(_rezip(_example_bytes(), {part: body}))
    return path


def test_doctype_after_a_comment_and_pi_is_refused_by_the_fast_tier(tmp_path):
    styles = _member(_example_bytes(), "xl/styles.xml")
    body = b'<?xml version="1.0"?><!-- x --><?pi y?>\n<!DOCTYPE styleSheet [<!ENTITY a "b">]>' + styles
    path = _with_part(tmp_path, "xl/styles.xml", body)
    msg = _message(check_file, path, deep=False)
    assert msg and "实体" in msg and "xl/styles.xml" in msg


def test_a_utf16_part_with_a_dtd_is_refused_by_the_fast_tier(tmp_path):
    styles = _member(_example_bytes(), "xl/styles.xml").decode("utf-8")  # no XML declaration
    body = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE styleSheet [<!ENTITY a "b">]>' + styles).encode("utf-16")
    path = _with_part(tmp_path, "xl/styles.xml", body)
    msg = _message(check_file, path, deep=False)
    assert msg and "实体" in msg


def test_entity_bomb_behind_a_long_comment(tmp_path):
    """A bomb behind a long comment (past the prolog window) still goes to the full scan."""
    body = (b'<?xml version="1.0"?><!--' + b"x" * 200_000 + b'--><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><sst>&b;</sst>')
    path = tmp_path / "t.xlsx"
    path.write_bytes(_rezip(_example_bytes(), {}, add={"xl/sharedStrings.xml": body}))
    msg = _message(check_file, path, deep=False)
    assert msg and "实体" in msg and "sharedStrings" in msg


def test_stray_cell_found_when_the_reference_straddles_a_chunk(tmp_path):
    """The fast tier reads a worksheet in 1 MiB chunks; a far reference cut between two is still seen."""
    sheet = _member(_example_bytes(), "xl/worksheets/sheet1.xml")
    row = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    pad_to = 1024 * 1024 - 25  # r="XFD1048576" then starts 5 bytes before the first chunk boundary
    head, tail = sheet.split(b"</sheetData>", 1)
    filler = b"<!--" + b"y" * max(0, pad_to - len(head) - 4 - 3) + b"-->"
    body = head + filler + row + b"</sheetData>" + tail
    path = _with_part(tmp_path, "xl/worksheets/sheet1.xml", body)
    msg = _message(check_file, path, deep=False)
    assert msg and "XFD1048576" in msg and msg == _message(check_file, path)


# ---- explain_failure --------------------------------------------------------------------------


def test_explain_failure_gives_the_deep_message_or_the_fallback(corpus):
    broken = corpus["broken_xml_sheet.xlsx"]
    assert str(explain_failure(broken)) == _message(check_file, broken)
    ok = corpus["example.xlsx"]
    fallback = UnreadableFile("读取失败")
    assert explain_failure(ok, fallback) is fallback
    assert "example.xlsx" in str(explain_failure(ok, None)) and isinstance(explain_failure(ok), WorkbookError)
    assert str(explain_failure(ok, "自定义")) == "自定义"


def test_a_long_comment_before_the_root_is_read_through(tmp_path):
    """Past the first 4 KiB the fast tier reads on (up to its window) rather than guessing."""
    styles = _member(_example_bytes(), "xl/styles.xml")
    ok = _with_part(tmp_path, "xl/styles.xml", b"<!--" + b"z" * 10_000 + b"-->" + styles, "ok.xlsx")
    assert check_file(ok, deep=False).kind == "xlsx"
    bad = _with_part(tmp_path, "xl/styles.xml",
                     b"<!--" + b"z" * 10_000 + b'--><!DOCTYPE s [<!ENTITY a "b">]>' + styles, "bad.xlsx")
    assert "实体" in (_message(check_file, bad, deep=False) or "")


def _central_entry(data: bytearray, name: str) -> int:
    import struct

    i = data.find(b"PK\x01\x02")
    while i >= 0:
        n = struct.unpack_from("<H", data, i + 28)[0]
        if bytes(data[i + 46:i + 46 + n]) == name.encode():
            return i
        i = data.find(b"PK\x01\x02", i + 1)
    raise AssertionError(name)


def _zip_damage(kind: str, member: str) -> bytes:
    """The example with one central-directory field of ``member`` changed the way damaged copies do."""
    import struct
    import zipfile

    data = bytearray(_example_bytes())
    at = _central_entry(data, member)
    if kind == "version":  # 'version needed to extract' 19.0: zipfile raises NotImplementedError
        struct.pack_into("<H", data, at + 6, 190)
    else:  # the directory declares fewer / more bytes than the member holds
        size = struct.unpack_from("<I", data, at + 24)[0]
        struct.pack_into("<I", data, at + 24, size - 1 if kind == "shorter" else size + 1)
    if kind == "longer":  # zipfile reads up to the end of the deflate stream and does not notice
        return bytes(data)
    try:  # the damage is the one meant: zipfile itself stumbles on it
        with zipfile.ZipFile(__import__("io").BytesIO(bytes(data))) as zf:
            zf.read(member)
    except (zipfile.BadZipFile, NotImplementedError):
        pass
    else:
        raise AssertionError(f"{kind} {member}: zipfile reads it")
    return bytes(data)


@pytest.mark.parametrize("kind", ["version", "shorter", "longer"])
@pytest.mark.parametrize("member", ["xl/worksheets/_rels/sheet1.xml.rels", "xl/_rels/workbook.xml.rels",
                                    "xl/worksheets/sheet1.xml", "[Content_Types].xml"])
@pytest.mark.parametrize("deep", [True, False])
def test_zip_directory_damage_is_a_chinese_damaged_answer(tmp_path, kind, member, deep):
    """A member holding more or less than the zip directory declares, or a directory entry zipfile
    will not open at all, is the Chinese '文件已损坏' answer — never a raw zipfile error."""
    p = tmp_path / "表.xlsx"
    p.write_bytes(_zip_damage(kind, member))
    with pytest.raises(UnreadableFile, match="文件已损坏"):
        check_file(p, deep=deep)
