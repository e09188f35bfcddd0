"""The schema of a scoring profile (pydantic): every rule that varies between provinces and documents,
with its default and its allowed range. Sources: docs/rules.md.

Only validation imports this module: ``scoring.profiles`` checks a TOML file here when its text is not
one of the shipped, already validated texts (``scoring/profiles/validated.json``), and
``scoring.settings.Profile.model_validate`` converts the checked model into the plain frozen
``scoring.settings.Profile`` the scoring core reads.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    # 一级指标 whose rows with a text target are judged by the three tiers (the 评分标准 may also say so)
    three_tier_level1: list[str] = Field(default_factory=lambda: ["效益", "满意度"])

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
    share_tolerance: float = Field(0.005, ge=0)  # a "分值权重50%" label may differ this much from its rows' share
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
