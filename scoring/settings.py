"""The settings of a scoring profile as the scoring core reads them: plain frozen data, every rule that
varies between provinces and documents. The core reads a ``Profile`` and nothing else; finding and
loading one by name or path is ``scoring.profiles`` (the edges call it). Sources: docs/rules.md.

What a setting may hold, and its default, is decided once, in the validation schema
(``scoring.settings_schema``, pydantic). A ``Profile`` is only ever built from data that passed it:
``Profile.model_validate`` validates, and ``scoring.profiles`` builds a shipped profile from its validated
snapshot when the TOML text is unchanged, so a cold start imports no pydantic.
"""
from __future__ import annotations

from scoring.plaindata import asdict, dataclass, fields  # not dataclasses: see scoring.plaindata
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, ClassVar

DEFAULT_PROFILE = "hubei-2-1"


class _Settings:
    __slots__ = ()
    model_fields: ClassVar[dict[str, Any]] = {}
    _nested: ClassVar[dict[str, type]] = {}

    def model_dump(self) -> dict[str, Any]:
        return asdict(self)

    def model_dump_json(self) -> str:
        import json

        return json.dumps(self.model_dump(), ensure_ascii=False)

    @classmethod
    def _from_validated(cls, data: dict[str, Any]):
        """Built from a complete, already validated dump (``model_dump`` of the schema model)."""
        values = {}
        for name in cls.model_fields:
            value = data[name]
            kind = cls._nested.get(name)
            if kind is Grade:
                value = [Grade._from_validated(g) for g in value]
            elif kind is not None:
                value = kind._from_validated(value)
            elif isinstance(value, (list, dict)):
                value = type(value)(value)
            values[name] = value
        return cls(**values)


def _settings(cls):
    cls = dataclass(frozen=True, kw_only=True)(cls)
    cls.model_fields = {f.name: f for f in fields(cls)}
    return cls


@_settings
class BudgetRules(_Settings):
    points: float
    cap: bool  # score = points × min(B/A, 1); False: points × B/A even above 100%


@_settings
class QuantitativeRules(_Settings):
    reverse_formula: str  # "ratio" | "linear"
    over_threshold: float
    over_mode: str  # "full" | "reduce"
    percent_fraction_max: float


@_settings
class QualitativeRules(_Settings):
    top: float  # lower bound of 达成
    middle: float  # lower bound of 部分达成
    three_tier_level1: list[str]


@_settings
class CapRules(_Settings):
    enabled: bool
    limit: float
    triggers: list[str]
    negations: list[str]
    not_negations: list[str]
    no_deduction: list[str]
    clause_marks: list[str]


@_settings
class Grade(_Settings):
    name: str
    min: float


@_settings
class Profile(_Settings):
    name: str
    title: str
    description: str
    total_points: float
    digits: int
    tolerance: float
    share_tolerance: float  # a "分值权重50%" label may differ this much from its rows' share
    budget: BudgetRules
    quantitative: QuantitativeRules
    qualitative: QualitativeRules
    cap: CapRules
    level1: dict[str, float]  # prescribed points per 一级指标; {} = unchecked
    grades: list[Grade]

    @classmethod
    def model_validate(cls, data: dict[str, Any]) -> "Profile":
        """Checked against ``scoring.settings_schema`` (raises ``pydantic.ValidationError``)."""
        from .settings_schema import Profile as Schema

        return cls._from_validated(Schema.model_validate(data).model_dump())

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


Profile._nested = {"budget": BudgetRules, "quantitative": QuantitativeRules, "qualitative": QualitativeRules,
                   "cap": CapRules, "grades": Grade}


def require_profile(profile: object) -> Profile:
    """The scoring core takes a Profile; a name or a path is resolved by the caller with
    ``scoring.profiles.load_profile`` (the command line, the pipeline, the UDF module, the ribbon)."""
    if isinstance(profile, Profile):
        return profile
    raise TypeError(f"the scoring core takes a Profile, not {type(profile).__name__} ({profile!r}); "
                    "resolve names with scoring.profiles.load_profile")
