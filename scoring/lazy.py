"""Regular expressions compiled on first use, from a cache of compiled patterns when there is one.

Compiling the parser's and the reader's patterns costs more than starting Python; a process that
never reads a cell (``pe-score --help``, the Excel UDF module loading) should not pay for it
(``lazy_re``). A process that does read one paid it anyway: ~150 patterns, ~16 ms of CPU on the
example form, most of it the ``re`` compiler filling a 65,536-entry map one code point at a time for
every ``[\\u4e00-\\u9fff]`` class. So the patterns' compiled form is cached the way Python caches
bytecode (``compiled``):

- The cache is one file per interpreter beside this module's bytecode,
  ``scoring/__pycache__/patterns.<cache tag>.bin`` (under ``sys.pycache_prefix`` when set), written
  when a process exits having compiled patterns it did not find there, unless bytecode writing is
  off (``PYTHONDONTWRITEBYTECODE``, ``-B``), exactly as ``.pyc`` files are. ``python -m scoring.lazy``
  writes it regardless, as ``python -m compileall`` does for bytecode.
- It maps (pattern, flags) to the ``re`` compiler's own output (the opcode list, the groups) and is
  read only by the interpreter that wrote it: the file starts with the interpreter's version and the
  regular-expression engine's magic number, and any other file is ignored. The engine checks the
  opcodes again when it builds a pattern (``_sre.compile``), and a pattern built from the cache is
  equal (``==``: same text, flags and code) to what ``re.compile`` returns (tested).
- Anything unexpected (no file, a damaged file, an interpreter without ``_sre.compile``) means
  ``re.compile``, never an error.
"""
from __future__ import annotations

import re
import sys

try:  # the engine behind ``re``: CPython's C module (PyPy has a Python one with the same names)
    import _sre
    from re import _compiler, _parser  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10 names them sre_compile / sre_parse
    try:
        import _sre
        import sre_compile as _compiler  # type: ignore[no-redef]
        import sre_parse as _parser  # type: ignore[no-redef]
    except ImportError:
        _sre = None  # type: ignore[assignment]

_FILE_FORMAT = 1
_MAX_ENTRIES = 4000  # a cache that grew past this (patterns built from data) is started afresh

_cache: dict | None = None  # (pattern, flags) -> compiled form, read from the file on first use
_new: dict = {}  # entries compiled in this process and not in the file
_registered: list = []  # every lazy pattern defined, so that ``python -m scoring.lazy`` can compile them all
_saver_registered = False


def _header() -> tuple:
    return (_FILE_FORMAT, sys.version, sys.hexversion, getattr(_sre, "MAGIC", None),
            getattr(_sre, "CODESIZE", None), sys.maxunicode)


def cache_path() -> str | None:
    """Where this interpreter's pattern cache lives, or None when it has none (no bytecode cache tag)."""
    import os

    tag = getattr(sys.implementation, "cache_tag", None)
    if not tag or _sre is None:
        return None
    here = os.path.dirname(os.path.abspath(__file__))
    prefix = getattr(sys, "pycache_prefix", None)
    folder = (os.path.join(prefix, os.path.splitdrive(here)[1].lstrip(os.sep)) if prefix
              else os.path.join(here, "__pycache__"))
    return os.path.join(folder, f"patterns.{tag}.bin")


def _load() -> dict:
    global _cache
    if _cache is None:
        _cache = _read(cache_path())
    return _cache


def _read(path: str | None) -> dict:
    if path is None:
        return {}
    import marshal

    try:
        with open(path, "rb") as f:
            header, entries = marshal.loads(f.read())
        if header == _header() and isinstance(entries, dict):
            return entries
    except Exception:  # no file, a damaged or foreign one: compile as if there were none
        pass
    return {}


def _build(pattern, flags: int, entry) -> re.Pattern:
    final_flags, code, groups, groupindex, indexgroup = entry
    return _sre.compile(pattern, final_flags, code, groups, groupindex, indexgroup)


def _compile_entry(pattern, flags: int) -> tuple:
    """What ``re._compiler.compile`` hands the engine for ``pattern``, as plain values."""
    parsed = _parser.parse(pattern, flags)
    code = [int(op) for op in _compiler._code(parsed, flags)]
    groupindex = dict(parsed.state.groupdict)
    indexgroup = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return (int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup))


def compiled(pattern, flags: int = 0) -> re.Pattern:
    """``re.compile(pattern, flags)``, built from the pattern cache when it holds it."""
    flags = int(flags)
    if _sre is None:
        return re.compile(pattern, flags)
    key = (pattern, flags)
    cache = _load()
    entry = cache.get(key)
    if entry is not None:
        try:
            return _build(pattern, flags, entry)
        except Exception:  # an entry the engine refuses: compile it afresh (and store the good one)
            pass
    try:
        entry = _compile_entry(pattern, flags)
        result = _build(pattern, flags, entry)
    except re.error:
        raise
    except Exception:  # the engine's private interface is not what this module knows: plain re
        return re.compile(pattern, flags)
    cache[key] = _new[key] = entry
    _schedule_save()
    return result


# The standard library compiles its own patterns through ``re`` on the command line's path (json's and
# gettext's at import, argparse's while it builds and parses): ~0.6 ms a process. The cache keeps them too,
# under ("re", pattern, flags), and ``seed_re_cache`` puts them in ``re``'s own cache before those modules
# are imported, so ``re.compile`` finds them built; the patterns are equal to the ones it would compile.
_RE_KEY = "re"


def _re_cache() -> dict | None:
    cache = getattr(re, "_cache", None)  # CPython's: {(type(pattern), pattern, flags): Pattern}
    return cache if isinstance(cache, dict) and _sre is not None else None


def seed_re_cache() -> int:
    """Put the standard library's patterns the cache holds into ``re``'s cache (call before importing
    the modules that compile them); patterns ``re`` compiles afterwards are added to the file at exit,
    as the project's are. Returns how many were put in."""
    cache = _re_cache()
    if cache is None:
        return 0
    n = 0
    for key, entry in _load().items():
        if len(key) == 3 and key[0] == _RE_KEY:
            _, pattern, flags = key
            slot = (type(pattern), pattern, flags)
            if slot not in cache:
                try:
                    cache[slot] = _build(pattern, flags, entry)
                except Exception:  # an entry the engine refuses: re compiles it as usual
                    continue
                n += 1
    global _record_re
    _record_re = True
    _schedule_save()
    return n


_record_re = False  # record re's own cache when saving (set by seed_re_cache and warm)


def _re_entries(known: dict) -> dict:
    """The patterns in ``re``'s cache that the file does not hold yet, as cache entries."""
    cache = _re_cache()
    if cache is None or not _record_re:
        return {}
    out = {}
    for slot in list(cache):
        if len(slot) != 3 or not isinstance(slot[2], int):
            continue
        key = (_RE_KEY, slot[1], int(slot[2]))
        if key in known or key in out:
            continue
        try:
            out[key] = _compile_entry(slot[1], int(slot[2]))
        except Exception:  # not a pattern this module can read back: leave it to re
            continue
    return out


def _schedule_save() -> None:
    global _saver_registered
    if not _saver_registered and not sys.dont_write_bytecode:
        import atexit

        atexit.register(save)
        _saver_registered = True


def save(force: bool = False) -> bool:
    """Write the patterns compiled in this process into the cache (merged with what the file holds now,
    which another process may have written meanwhile). Not when bytecode writing is off, unless
    ``force``. Atomic (a hidden temp file renamed over the cache); any OS error means no cache."""
    if sys.dont_write_bytecode and not force:
        return False
    path = cache_path()
    if path is None:
        return False
    std = _re_entries(_load())  # against what this process read: nothing new, no second read
    if not _new and not std:
        return False
    import marshal
    import os

    entries = _read(path)

    if len(entries) + len(_new) + len(std) > _MAX_ENTRIES:
        entries = {}
    entries.update(_new)
    entries.update(std)
    tmp = os.path.join(os.path.dirname(path), f".patterns.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(marshal.dumps((_header(), entries)))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    _new.clear()
    return True


class _LazyRe:
    """A regular expression compiled on first use: compiling the parser's patterns costs more than
    starting Python, and a process that never reads a cell (``pe-score --help``) should not pay it."""

    __slots__ = ("_args", "_compiled", "match", "search", "fullmatch", "sub", "finditer", "split", "findall")

    def __init__(self, *args) -> None:
        self._args = args
        _registered.append(self)

    def __getattr__(self, name: str):
        if name in ("_args", "_compiled"):
            raise AttributeError(name)
        pattern = compiled(*self._args)
        object.__setattr__(self, "_compiled", pattern)
        for attr in ("match", "search", "fullmatch", "sub", "finditer", "split", "findall"):
            object.__setattr__(self, attr, getattr(pattern, attr))
        return getattr(pattern, name)


def lazy_re(*args) -> "re.Pattern":
    return _LazyRe(*args)  # type: ignore[return-value]


class LazyModule:
    """A module imported when one of its attributes is first looked up. For a module needed only on
    rare paths: ``zipfile`` (with ``shutil``, ``bz2``, ``lzma``, ``threading``: ~3.5 ms of start-up) is
    used by the readers and the writer only for a zip laid out unusually and for its exception class,
    which an ``except (zipfile.BadZipFile, ...)`` clause looks up only when an exception reaches it."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):
        module = sys.modules.get(self._name)
        if module is None:
            import importlib

            module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


# The modules whose patterns ``python -m scoring.lazy`` compiles into the cache.
PATTERN_MODULES = (
    "scoring.values", "scoring.readings", "scoring.methods", "scoring.placeholders", "scoring.checks",
    "workbook.layout", "workbook.families.reading", "workbook.sheetxml", "workbook.stylesxml",
    "workbook.notes", "workbook.opc", "workbook.writeplan", "workbook.surgical", "workbook.xlsx", "workbook.grid",
    "workbook.text", "workbook.gate", "workbook.safety", "pe_score.cli",
)


def warm() -> int:
    """Compile every lazy pattern of the project's modules (and the patterns they build from their
    data) and write the cache; the number of patterns it holds."""
    import importlib

    global _record_re
    _record_re = True  # with the modules' patterns, what the standard library compiled for them
    for name in PATTERN_MODULES:
        module = importlib.import_module(name)
        warm_hook = getattr(module, "_warm_patterns", None)
        if warm_hook is not None:
            warm_hook()
    for lazy in list(_registered):
        lazy.__getattr__("pattern")
    save(force=True)
    return len(_read(cache_path()))


if __name__ == "__main__":  # run as a script this file is not the module the others import: use that one
    from scoring import lazy as _module

    print(f"{_module.warm()} patterns cached in {_module.cache_path()}")
