"""The cache of compiled regular expressions (``scoring.lazy``): a pattern built from it is the pattern
``re.compile`` builds, the cache is written and read the way bytecode is, and a missing, damaged or
foreign cache changes nothing but the time.

Each test runs fresh interpreters with ``-X pycache_prefix=DIR`` so that the cache lives in a folder of
the test's own (``scoring.lazy.cache_path`` honours the prefix, as the bytecode cache does).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scoring import lazy

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"


def run(prefix: Path, code: str, *, write: bool = True, args: tuple = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    flags = ["-X", f"pycache_prefix={prefix}"] + ([] if write else ["-B"])
    return subprocess.run([sys.executable, *flags, "-c", code, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=True)


def cache_file(prefix: Path) -> Path:
    out = run(prefix, "from scoring import lazy; print(lazy.cache_path())", write=False).stdout.strip()
    assert out.startswith(str(prefix)), out
    return Path(out)


CHECK_ALL = """
import re, json, marshal
from scoring import lazy
header, entries = marshal.loads(open(lazy.cache_path(), 'rb').read())
assert header == lazy._header()
built = std = 0
for key, entry in entries.items():
    if len(key) == 3:  # a pattern of the standard library's, put in re's own cache by seed_re_cache
        assert key[0] == "re"
        _, pattern, flags = key
        p = lazy._build(pattern, flags, entry)
        std += 1
    else:
        pattern, flags = key
        p = lazy.compiled(pattern, flags)
        built += 1
    q = re.compile(pattern, flags)
    # Pattern equality is the text, the flags and the engine's code; the groups are compared too
    assert p == q and p.groups == q.groups and p.groupindex == q.groupindex, pattern
print(json.dumps({"built": built, "std": std, "new": len(lazy._new)}))
"""


def test_warmed_cache_builds_every_pattern_equal_to_re_compile(tmp_path):
    out = run(tmp_path, "import runpy; runpy.run_module('scoring.lazy', run_name='__main__')", write=False)
    path = cache_file(tmp_path)
    assert path.is_file(), out.stdout
    # every lazy pattern the project defines and the modules' compiled ones, the parser's big CJK classes among them
    got = json.loads(run(tmp_path, CHECK_ALL, write=False).stdout)
    assert got["built"] >= 80 and got["std"] >= 5 and got["new"] == 0, got


def test_cache_is_written_at_exit_like_bytecode_and_not_under_dont_write_bytecode(tmp_path):
    code = "from scoring.lazy import compiled; assert compiled(r'(?P<a>[\\u4e00-\\u9fff]+)\\d', 2).match('年2')"
    run(tmp_path / "off", code, write=False)
    assert not cache_file(tmp_path / "off").exists()
    run(tmp_path / "on", code, write=True)
    path = cache_file(tmp_path / "on")
    assert path.is_file()
    got = json.loads(run(tmp_path / "on", CHECK_ALL, write=False).stdout)
    assert got == {"built": 1, "std": 0, "new": 0}
    # a second process adds its own pattern to what the file holds
    run(tmp_path / "on", "from scoring.lazy import compiled; compiled(b'<c r=\"([A-Z]+)')", write=True)
    assert json.loads(run(tmp_path / "on", CHECK_ALL, write=False).stdout) == {"built": 2, "std": 0, "new": 0}
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("content", [b"", b"not marshal at all", b"\xff" * 100, None])
def test_damaged_or_foreign_cache_is_ignored(tmp_path, content):
    path = cache_file(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is None:  # a well-formed cache of another interpreter, with entries that would be wrong here
        import marshal

        foreign = ((lazy._FILE_FORMAT, "2.7.18 (elsewhere)", 0, 1, 4, 65535), {("a+", 0): (32, [1, 2, 3], 0, {}, (None,))})
        content = marshal.dumps(foreign)
    path.write_bytes(content)
    code = ("import re; from scoring.lazy import compiled; p = compiled('a+', 0);"
            "assert p == re.compile('a+') and p.fullmatch('aaa'); print('ok')")
    assert run(tmp_path, code, write=False).stdout.strip() == "ok"


def test_an_entry_the_engine_refuses_is_compiled_afresh(tmp_path, monkeypatch):
    monkeypatch.setattr(lazy, "_cache", {("x[0-9]+", 0): (32, [999999], 0, {}, (None,))})
    monkeypatch.setattr(lazy, "_new", {})
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    p = lazy.compiled("x[0-9]+")
    assert p == re.compile("x[0-9]+") and p.match("x12")
    assert lazy._cache[("x[0-9]+", 0)][1] != [999999]


def test_bad_pattern_raises_re_error_as_re_compile_does():
    with pytest.raises(re.error):
        lazy.compiled("[unclosed")


def test_command_output_is_the_same_with_and_without_the_cache(tmp_path):
    """`pe-score score --json --write` through the cache and without it: the same JSON, the same workbook."""
    entry = "import sys; from pe_score.cli import main; sys.exit(main())"
    run(tmp_path / "warm", "import runpy; runpy.run_module('scoring.lazy', run_name='__main__')", write=False)
    assert cache_file(tmp_path / "warm").is_file()
    outputs = {}
    for name in ("warm", "cold"):
        out = tmp_path / f"{name}.xlsx"
        outputs[name] = (run(tmp_path / name, entry, write=False,
                             args=("score", str(EXAMPLE), "--json", "--write", str(out))).stdout, out)
    assert not cache_file(tmp_path / "cold").exists()
    assert outputs["warm"][0] == outputs["cold"][0] and json.loads(outputs["warm"][0])["total"] > 0
    import zipfile

    with zipfile.ZipFile(outputs["warm"][1]) as a, zipfile.ZipFile(outputs["cold"][1]) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name


def test_re_cached_is_re_with_compile_from_the_cache():
    from scoring import re_cached

    assert re_cached.compile is lazy.compiled
    for name in re.__all__:
        if name != "compile":
            assert getattr(re_cached, name) is getattr(re, name), name
    assert re_cached.compile(rb'<c r="([A-Z]+)"', re_cached.S) == re.compile(rb'<c r="([A-Z]+)"', re.S)


def test_the_gate_and_the_readers_compile_nothing_when_the_cache_holds_their_patterns(tmp_path):
    """With a warmed cache, importing the modules and scoring the example misses no pattern of theirs."""
    run(tmp_path, "import runpy; runpy.run_module('scoring.lazy', run_name='__main__')", write=False)
    code = ("import sys, io, contextlib; from scoring import lazy; from pe_score.cli import main\n"
            "with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())):\n"
            "    rc = main(['score', sys.argv[1], '--json', '--write', sys.argv[2]])\n"
            "print(rc, len(lazy._new), sorted(str(k[0])[:60] for k in lazy._new))")
    out = run(tmp_path, code, write=False, args=(str(EXAMPLE), str(tmp_path / "o.xlsx"))).stdout
    assert out.startswith("0 0 "), out
    assert (tmp_path / "o.xlsx").is_file()


COUNT_COMPILES = """
import sys, io, contextlib, re._compiler as compiler
calls = []
real = compiler.compile
compiler.compile = lambda p, flags=0: calls.append(p) or real(p, flags)
from pe_score.cli import main
with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())):
    rc = main(['score', sys.argv[1], '--json', '--write', sys.argv[2]])
print(rc, len(calls), [str(c)[:40] for c in calls])
"""


def test_a_warmed_run_compiles_no_pattern_at_all(tmp_path):
    """With a warmed cache the standard library's patterns on the command's path (argparse's, json's,
    gettext's) are built from it too: a ``score --json --write`` run never calls re's compiler; without
    the cache they are compiled as usual and the output is the same."""
    cold = run(tmp_path / "cold", COUNT_COMPILES, write=False, args=(str(EXAMPLE), str(tmp_path / "a.xlsx"))).stdout
    assert cold.startswith("0 ") and int(cold.split()[1]) >= 5, cold
    run(tmp_path, "import runpy; runpy.run_module('scoring.lazy', run_name='__main__')", write=False)
    out = run(tmp_path, COUNT_COMPILES, write=False, args=(str(EXAMPLE), str(tmp_path / "b.xlsx"))).stdout
    assert out.startswith("0 0 "), out
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_patterns_re_compiles_are_added_at_exit_once_seeded(tmp_path):
    """A process that seeded re's cache records, at exit, the patterns re compiled that the file lacks."""
    code = ("from scoring import lazy; lazy.seed_re_cache(); import re; "
            "re.compile(r'pe-score-(?P<n>\\d+)-seed-test')")
    run(tmp_path, code)
    got = run(tmp_path, "from scoring import lazy; print(*sorted(k[1] for k in lazy._load() if len(k) == 3), sep=chr(10))").stdout
    assert "pe-score-(?P<n>\\d+)-seed-test" in got.splitlines(), got
    seeded = run(tmp_path, "from scoring import lazy; import re; n = lazy.seed_re_cache(); "
                 "p = re.compile(r'pe-score-(?P<n>\\d+)-seed-test'); "
                 "print(n >= 1, p.groupindex == {'n': 1}, p.match('pe-score-12-seed-test').group('n'))").stdout
    assert seeded.split() == ["True", "True", "12"], seeded
