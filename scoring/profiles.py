"""Scoring profiles found and loaded: every rule that varies between provinces and documents, as TOML data.

The one module of ``scoring`` that reads files: the command line, the pipeline, the UDF module and the
ribbon resolve a name or path here and hand the core a ``Profile`` (``scoring.settings``).
A profile is a TOML file validated by ``scoring.settings_schema``. Shipped profiles live in
``scoring/profiles/``; ``load_profile`` also accepts a path to a user's own file. The settings and their
sources are in docs/rules.md.

Validation imports pydantic, which costs more CPU than scoring a form in a new process. So the shipped
profiles' texts are validated ahead of time: ``scoring/profiles/validated.json`` holds, for each shipped
TOML text, the complete settings it validated to. A file whose text is exactly one of those (any path) is
built from that snapshot; any other text — a user's file, an edited shipped file — is validated.
``python -m scoring.profiles`` writes the snapshot again; ``tests/test_profile_snapshot.py`` fails when
it is stale.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
import json
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Optional, Union

from .settings import (  # noqa: F401  (re-exported: scoring.profiles.Profile is public)
    DEFAULT_PROFILE,
    BudgetRules,
    CapRules,
    Grade,
    Profile,
    QualitativeRules,
    QuantitativeRules,
)


def _tomllib():
    # imported when a text is parsed: a shipped profile comes from the snapshot without it
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - pyproject pulls tomli in for 3.10
        import tomli as tomllib
    return tomllib


PROFILE_DIR = Path(__file__).with_name("profiles")
SNAPSHOT = PROFILE_DIR / "validated.json"

# pydantic's error types, said in Chinese for the people who edit profile files.
_ERROR_ZH = {
    "missing": "缺少这项设置",
    "extra_forbidden": "没有这项设置（名称写错了？）",
    "literal_error": "取值不在可选范围内",
    "greater_than": "取值太小",
    "greater_than_equal": "取值太小",
    "less_than": "取值太大",
    "less_than_equal": "取值太大",
}


def _explain(exc) -> str:  # a pydantic.ValidationError
    """One Chinese line per problem: where in the file, and what is wrong."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err.get("loc", ())) or "（整个文件）"
        kind = err.get("type", "")
        if kind == "value_error":
            what = str(err.get("ctx", {}).get("error", err.get("msg", "")))
        elif kind in _ERROR_ZH:
            what = _ERROR_ZH[kind]
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            what = f"类型不对（填的是 {err.get('input')!r}）"
        else:
            what = f"取值无效（{err.get('input')!r}）"
        lines.append(f"{where}：{what}")
    return "；".join(lines)
class ProfileError(ValueError):
    """A profile cannot be found or is invalid; ``str()`` is a Chinese message."""


def list_profiles() -> list[str]:
    """Names of the shipped profiles."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


# Loaded profiles by (path, mtime, size): a Profile is frozen, so one instance can be shared, and
# an edited file is read again. Parsing and validating the TOML costs more than scoring a row.
_LOADED: dict[tuple[str, int, int], Profile] = {}


def load_profile(name_or_path: Union[str, Path, Profile, None] = DEFAULT_PROFILE) -> Profile:
    """A shipped profile by name (``hubei-2-1``) or a TOML file by path."""
    if isinstance(name_or_path, Profile):
        return name_or_path
    text = str(name_or_path) if name_or_path not in (None, "") else DEFAULT_PROFILE
    path = Path(text)
    if not (text.endswith(".toml") or path.is_file()):
        path = PROFILE_DIR / f"{text}.toml"
        if not path.is_file():
            raise ProfileError(f"未知的评分方案“{text}”；可用：{'、'.join(list_profiles())}，或给出 .toml 文件路径。")
    try:
        st = path.stat()
        key = (os.path.abspath(path), st.st_mtime_ns, st.st_size)
    except OSError:
        key = None
    if key is not None and key in _LOADED:
        return _LOADED[key]
    profile = _load_file(path)
    if key is not None:
        if len(_LOADED) >= 64:  # user files edited over and over in one session
            _LOADED.clear()
        _LOADED[key] = profile
    return profile


def _load_file(path: Path) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(f"找不到评分方案文件：{path}") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"评分方案文件 {path.name} 格式错误：{exc}") from None
    known = _snapshot().get(text)
    if known is not None:  # this exact text passed validation when the snapshot was written
        settings, name_in_file = known
        return Profile._from_validated(settings if name_in_file else dict(settings, name=path.stem))
    tomllib = _tomllib()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"评分方案文件 {path.name} 格式错误：{exc}") from None
    data.setdefault("name", path.stem)
    return _validate(data, path.name)


def _validate(data: dict[str, Any], filename: str) -> Profile:
    from pydantic import ValidationError

    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"评分方案文件 {filename} 的设置无效：{_explain(exc)}") from None


_SNAPSHOT: Optional[dict[str, tuple[dict[str, Any], bool]]] = None


def _snapshot() -> dict[str, tuple[dict[str, Any], bool]]:
    """TOML text -> (the complete settings it validated to, whether the text names the profile itself)
(``scoring/profiles/validated.json``)."""
    global _SNAPSHOT
    if _SNAPSHOT is None:
        try:
            entries = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = []  # no snapshot: every file is validated, which is correct, only slower
        _SNAPSHOT = {e["toml"]: (e["settings"], bool(e.get("name_in_file"))) for e in entries
                     if isinstance(e, dict) and "toml" in e and "settings" in e}
    return _SNAPSHOT


def snapshot_entries() -> list[dict[str, Any]]:
    """The snapshot of the shipped profiles as it should be: each TOML text, validated now."""
    out = []
    for name in list_profiles():
        path = PROFILE_DIR / f"{name}.toml"
        text = path.read_text(encoding="utf-8")
        data = _tomllib().loads(text)
        name_in_file = "name" in data
        data.setdefault("name", name)
        out.append({"file": path.name, "name_in_file": name_in_file, "toml": text,
                    "settings": _validate(data, path.name).model_dump()})
    return out


def write_snapshot() -> Path:
    global _SNAPSHOT
    SNAPSHOT.write_text(json.dumps(snapshot_entries(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    _SNAPSHOT = None
    return SNAPSHOT


if __name__ == "__main__":  # python -m scoring.profiles: validate the shipped profiles, write the snapshot
    print(write_snapshot())
