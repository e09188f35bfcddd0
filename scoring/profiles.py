"""Scoring profiles: every rule that varies between provinces and documents, as TOML data.

A profile is a TOML file validated by ``Profile``. Shipped profiles live in ``scoring/profiles/``;
``load_profile`` also accepts a path to a user's own file. The settings and their sources are in
docs/rules.md.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - pyproject pulls tomli in for 3.10
    import tomli as tomllib

PROFILE_DIR = Path(__file__).with_name("profiles")

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


def _explain(exc: ValidationError) -> str:
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
DEFAULT_PROFILE = "hubei-2-1"


class _Strict(BaseModel):
    # A typo in a profile key must fail loudly, not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class BudgetRules(_Strict):
    points: float = Field(20, ge=0)
    cap: bool = True  # score = points × min(B/A, 1); False: points × B/A even above 100%


class QuantitativeRules(_Strict):
    reverse_formula: Literal["ratio", "linear"] = "ratio"
    over_threshold: float = Field(1.30, ge=1.0)
    over_mode: Literal["full", "reduce"] = "full"
    percent_fraction_max: float = Field(1.5, ge=0)


class QualitativeRules(_Strict):
    top: float = Field(0.80, gt=0, le=1)  # lower bound of 达成
    middle: float = Field(0.50, ge=0, lt=1)  # lower bound of 部分达成

    @model_validator(mode="after")
    def _ordered(self):
        if not self.middle < self.top:
            raise ValueError("qualitative.middle（部分达成档下限）必须小于 qualitative.top（达成档下限）")
        return self


class CapRules(_Strict):
    enabled: bool = True
    limit: float = Field(60, ge=0)
    triggers: list[str] = Field(default_factory=lambda: ["重点披露", "重大不良"])
    # A trigger preceded by one of these words in its own clause is negated: no cap (a warning asks
    # for 无 from the drop-down). Clauses end at clause_marks; not_negations are removed first.
    negations: list[str] = Field(default_factory=lambda: [
        "未发现", "未造成", "未出现", "未发生", "未存在", "无", "没有", "不存在", "否"])
    not_negations: list[str] = Field(default_factory=lambda: ["是否", "无法", "无论"])
    # Text in the deduction cell that means "nothing deducted" (no PE605); other text deducts nothing either.
    no_deduction: list[str] = Field(default_factory=lambda: ["无", "0", "不扣分", "未扣分", "否"])
    clause_marks: list[str] = Field(default_factory=lambda: ["，", ",", "。", "；", ";", "！", "!", "？", "?", "\n"])


class Grade(_Strict):
    name: str
    min: float


class Profile(_Strict):
    name: str
    title: str = ""
    description: str = ""
    total_points: float = 100
    digits: int = Field(2, ge=0, le=6)
    tolerance: float = Field(0.01, ge=0)
    budget: BudgetRules = Field(default_factory=BudgetRules)
    quantitative: QuantitativeRules = Field(default_factory=QuantitativeRules)
    qualitative: QualitativeRules = Field(default_factory=QualitativeRules)
    cap: CapRules = Field(default_factory=CapRules)
    level1: dict[str, float] = Field(default_factory=dict)  # prescribed points per 一级指标; {} = unchecked
    grades: list[Grade]

    @model_validator(mode="after")
    def _grades_descending(self):
        mins = [g.min for g in self.grades]
        if not mins:
            raise ValueError("至少需要一个等级（[[grades]]）")
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError("等级须按 min 从高到低排列，且不能重复")
        return self

    def with_options(self, **changes) -> "Profile":
        """A copy with top-level or dotted settings changed, validated again:
        ``p.with_options(**{"quantitative.reverse_formula": "linear"})``."""
        data = self.model_dump()
        for key, value in changes.items():
            node = data
            *parents, leaf = key.split(".")
            for part in parents:
                node = node[part]
            node[leaf] = value
        return Profile.model_validate(data)


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
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"找不到评分方案文件：{path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"评分方案文件 {path.name} 格式错误：{exc}") from None
    data.setdefault("name", path.stem)
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"评分方案文件 {path.name} 的设置无效：{_explain(exc)}") from None
