"""The family definitions, loaded from ``scoring/profiles/families/*.toml`` (see the README there).

Parsing TOML (tomllib is pure Python) costs a cold start more than the rest of recognition, so the
shipped texts are parsed ahead of time: ``families/parsed.json`` holds each shipped TOML text with what
it parses to. A file whose text is one of those is taken from there; any other text is parsed.
``python -m workbook.families`` writes the snapshot again; ``tests/test_profile_snapshot.py`` fails
when it is stale.
"""
from __future__ import annotations

import json
import os
import sys
import unicodedata
from scoring.plaindata import dataclass, field  # not dataclasses: see scoring.plaindata
from functools import lru_cache
from pathlib import Path
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any

from scoring.profiles import PROFILE_DIR

FAMILY_DIR = PROFILE_DIR / "families"
SNAPSHOT = FAMILY_DIR / "parsed.json"
DEFAULT_FAMILY = "hubei-2-1"


def _key(text: str) -> str:
    """Words are matched NFKC-normalised and without whitespace, like the reader's ``norm``."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    profile: str
    source: str = ""
    order: int = 100
    min_score: float = 3
    goals: bool = True
    quiet: tuple[str, ...] = ()
    words: tuple[tuple[str, float], ...] = ()
    vocabulary: tuple[tuple[str, str], ...] = ()
    units: tuple[tuple[str, str], ...] = ()
    lower_is_better: tuple[str, ...] = ()
    higher_is_better: tuple[str, ...] = ()  # the longer match wins: 成本控制率 is higher-is-better
    detail_prefixes: tuple[str, ...] = ()
    optional_marks: tuple[str, ...] = ()  # 可选项: such a row with no points and no score was not chosen
    template_names: tuple[str, ...] = ()  # names printed by the template (部门特性指标): residue when unfilled
    level1_suggested: tuple[tuple[str, float], ...] = ()  # 一级指标 → suggested points (a suggestion, not the profile's rule)
    level1_optional: tuple[str, ...] = ()  # suggested 一级指标 a form may leave out (满意度 where no one is served)
    level1_names: tuple[tuple[str, str], ...] = ()  # 一级 labels of the layout → the 一级指标 they are (项目产出 → 产出指标)
    judged_level1: tuple[str, ...] = ()  # 一级指标 judged without a target (决策/过程): a dash or blank target is "not applicable"
    adjustment_reason: bool = False  # the layout asks for the reason of a mid-year budget change (PE922)
    scores_only: bool = False  # a 评分表: no target/actual columns; the scores are kept and added up
    implicit_weights: bool = False  # may print no 分值 column: the rows' points are implicit (PE920)
    budget_score_typed: bool = False  # the budget score is typed by hand (no formula): a blank one is PE916
    path: Path = field(default=FAMILY_DIR, compare=False)


_KNOWN = {"name", "title", "profile", "source", "order", "min_score", "goals", "quiet", "words",
          "vocabulary", "units", "lower_is_better", "higher_is_better", "detail_prefixes", "optional_marks", "template_names", "level1_suggested", "level1_optional", "level1_names", "judged_level1", "adjustment_reason", "scores_only", "implicit_weights", "budget_score_typed"}


def _toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def _snapshot() -> dict[str, dict[str, Any]]:
    """Shipped TOML text -> what it parses to (read-only: ``load_family`` copies what it keeps)."""
    try:
        entries = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no snapshot: every file is parsed, which is correct, only slower
    return {e["toml"]: e["data"] for e in entries if isinstance(e, dict) and "toml" in e and "data" in e}


def _family_files() -> list[Path]:
    """The family files, sorted: what ``sorted(FAMILY_DIR.glob("*.toml"))`` gives, without the pattern
    a glob compiles on every run."""
    return sorted(FAMILY_DIR / n for n in os.listdir(FAMILY_DIR) if os.path.normcase(n).endswith(".toml"))


def snapshot_entries() -> list[dict[str, Any]]:
    """The snapshot as it should be: each shipped family file's text, parsed now."""
    out = []
    for p in _family_files():
        text = p.read_text(encoding="utf-8")
        out.append({"file": p.name, "toml": text, "data": _toml(text)})
    return out


def write_snapshot() -> Path:
    SNAPSHOT.write_text(json.dumps(snapshot_entries(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    _snapshot.cache_clear()
    return SNAPSHOT


def load_family(path: Path) -> Family:
    text = Path(path).read_text(encoding="utf-8")
    data = _snapshot().get(text)
    if data is None:
        data = _toml(text)
    unknown = set(data) - _KNOWN
    if unknown:
        raise ValueError(f"表格式样文件 {Path(path).name} 含未知设置：{'、'.join(sorted(unknown))}")
    return Family(
        name=data.get("name", Path(path).stem),
        title=data.get("title", ""),
        profile=data["profile"],
        source=data.get("source", ""),
        order=int(data.get("order", 100)),
        min_score=float(data.get("min_score", 3)),
        goals=bool(data.get("goals", True)),
        quiet=tuple(data.get("quiet", ())),
        words=tuple((_key(k), float(v)) for k, v in data.get("words", {}).items()),
        vocabulary=tuple((_key(k), _key(v)) for k, v in data.get("vocabulary", {}).items()),
        units=tuple((_key(k), _key(v)) for k, v in data.get("units", {}).items()),
        lower_is_better=tuple(_key(x) for x in data.get("lower_is_better", ())),
        higher_is_better=tuple(_key(x) for x in data.get("higher_is_better", ())),
        detail_prefixes=tuple(_key(x) for x in data.get("detail_prefixes", ())),
        optional_marks=tuple(_key(x) for x in data.get("optional_marks", ())),
        template_names=tuple(_key(x) for x in data.get("template_names", ())),
        level1_suggested=tuple((_key(k), float(v)) for k, v in data.get("level1_suggested", {}).items()),
        level1_optional=tuple(_key(x) for x in data.get("level1_optional", ())),
        level1_names=tuple((_key(k), _key(v)) for k, v in data.get("level1_names", {}).items()),
        judged_level1=tuple(_key(x) for x in data.get("judged_level1", ())),
        adjustment_reason=bool(data.get("adjustment_reason", False)),
        scores_only=bool(data.get("scores_only", False)),
        implicit_weights=bool(data.get("implicit_weights", False)),
        budget_score_typed=bool(data.get("budget_score_typed", False)),
        path=Path(path),
    )


@lru_cache(maxsize=1)
def _all() -> tuple[Family, ...]:
    found = [load_family(p) for p in _family_files()]
    return tuple(sorted(found, key=lambda f: (f.order, f.name)))


def families() -> list[Family]:
    """Every shipped family, in tie-break order (the default family first)."""
    return list(_all())


@lru_cache(maxsize=1)
def family_words() -> frozenset[str]:
    """Every recognition word of every family (recognition looks each one up once per sheet)."""
    return frozenset(w for fam in _all() for w, _ in fam.words)


@lru_cache(maxsize=1)
def traditional() -> dict[int, str]:
    """Traditional -> simplified characters (``characters.txt``), as a ``str.translate`` table."""
    table: dict[int, str] = {}
    for line in (FAMILY_DIR / "characters.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        for pair in line.split():
            if len(pair) == 2 and pair[0] != pair[1]:
                table[ord(pair[0])] = pair[1]
    return table


def family(name: str) -> Family:
    for f in _all():
        if f.name == name:
            return f
    raise KeyError(name)

