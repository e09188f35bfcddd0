"""Typed models of a 附件2-1 form and of its scoring result.

The scoring core never sees Excel: a form arrives here as plain text and numbers, and every
field that came from a cell carries that cell's A1 address (``cells``) only so findings can
point at it, the way Beancount entries carry their source location.
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from .methods import Method  # noqa: F401  (re-exported: scoring.models.Method is public)

Severity = Literal["error", "warning", "info"]


class Finding(BaseModel):
    """One mistake or remark about the form. Codes are documented in docs/findings/."""

    model_config = ConfigDict(frozen=True)

    code: str  # stable, e.g. "PE201"; see scoring.findings.CATALOGUE
    severity: Severity
    cell: Optional[str] = None  # A1 address (no sheet name), None when it concerns the whole form
    message: str  # Chinese, tells the user what to fix


class Cells(BaseModel):
    """A1 addresses of the cells one row's fields came from (None: not present in this layout)."""

    level1: Optional[str] = None
    level2: Optional[str] = None
    name: Optional[str] = None
    weight: Optional[str] = None
    description: Optional[str] = None
    standard: Optional[str] = None
    target: Optional[str] = None
    actual: Optional[str] = None
    score: Optional[str] = None
    reason: Optional[str] = None


class Indicator(BaseModel):
    """One 三级指标 row."""

    level1: str = ""  # 一级指标, normalised without the weight label: 产出指标 / 效益指标 / 满意度指标
    level2: str = ""  # 二级指标: 数量指标 / 质量指标 / 社会效益指标 ...
    name: str = ""  # 三级指标
    weight: Optional[float] = None  # 分值 as read; None when missing or unreadable
    weight_text: str = ""  # the 分值 cell as typed ("2", "2分", "—")
    description: str = ""  # 指标说明
    standard: str = ""  # 评分标准, with "同上" already resolved by the reader
    target: str = ""  # 年初目标值 (A), raw text
    actual: str = ""  # 实际完成值 (B), raw text
    typed_score: Any = None  # the 得分 cell as found: number, text or None
    reason: str = ""  # 偏差原因分析及改进措施
    method: Optional[Method] = None  # explicit override; None = infer
    tier: Optional[str] = None  # declared three-tier judgement (达成/部分达成/未达成), if any
    cells: Cells = Field(default_factory=Cells)


class Level1Label(BaseModel):
    """A 一级指标 label cell inside a goal, e.g. "产出指标(分值权重50%)"."""

    name: str  # 产出指标
    share: Optional[float] = None  # 0.5 for "分值权重50%", None when no share is declared
    text: str = ""
    cell: Optional[str] = None


class Goal(BaseModel):
    """One 年度目标 block: its title row and the indicator rows under it."""

    number: Optional[int] = None  # 1 for 年度目标1
    title: str  # full title text as typed
    points: Optional[float] = None  # declared points, "(18分)"
    cell: Optional[str] = None  # the title cell
    subtotal_cell: Optional[str] = None  # where the subtotal may be written; None when the row is merged across
    typed_subtotal: Any = None
    labels: list[Level1Label] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)


class Budget(BaseModel):
    """预算执行情况 block. planned = 预算数(A) (调整后/全年), executed = 执行数(B)."""

    points: Optional[float] = None  # declared in the header, "(20分)"; None: use the profile
    planned: Optional[float] = None
    executed: Optional[float] = None
    planned_text: str = ""
    executed_text: str = ""
    typed_rate: Any = None
    typed_score: Any = None
    reason: str = ""
    cells: dict[str, Optional[str]] = Field(default_factory=dict)  # planned, executed, rate, score, reason


class Constraint(BaseModel):
    """约束性指标 (资金管理) row: the 60-point cap and discretionary deductions.

    Convention: the 实际完成值 cell states whether 审计等部门重点披露问题 / 重大不良社会影响 occurred
    (a trigger word not negated in its own clause triggers the cap: ``scoring.totals.read_constraint``);
    the number in its 得分 cell is a discretionary deduction (酌情扣分, its size is deducted).
    """

    name: str = "资金管理"
    description: str = ""
    actual: str = ""
    typed_score: Any = None
    reason: str = ""
    cells: Cells = Field(default_factory=Cells)


class Form(BaseModel):
    """A whole 附件2-1 form as read from one sheet."""

    sheet: str = ""
    unit: str = ""  # 单位名称
    year: Optional[int] = None
    claimed_total: Optional[float] = None  # header "自评得分: 97"
    claimed_total_cell: Optional[str] = None
    typed_total: Any = None  # the 合计/总分 row's score cell as found
    total_cell: Optional[str] = None
    grade_cell: Optional[str] = None
    budget: Optional[Budget] = None
    goals: list[Goal] = Field(default_factory=list)
    constraint: Optional[Constraint] = None
    findings: list[Finding] = Field(default_factory=list)  # raised by the reader (layout problems)


# ---- results -----------------------------------------------------------------------------


class IndicatorResult(BaseModel):
    goal: int  # index into Form.goals
    index: int  # index into Goal.indicators
    name: str
    weight: Optional[float]
    score: Optional[float]  # full precision; None when it cannot be determined
    method: Method
    ratio: Optional[float] = None  # completion ratio used, if any
    explanation: str  # Chinese, e.g. "完成率 142.0%，按 100% 计：2 × 100% = 2.00"
    cell: Optional[str] = None  # the score cell
    typed: Optional[float] = None  # typed score as a number, if it was one
    computed: bool = True  # False when the typed score was kept (judgement/manual rows)


class GoalResult(BaseModel):
    title: str
    points: Optional[float]
    score: float
    cell: Optional[str] = None  # title cell
    subtotal_cell: Optional[str] = None


class BudgetResult(BaseModel):
    points: float
    planned: Optional[float] = None
    executed: Optional[float] = None
    rate: Optional[float] = None
    score: float
    explanation: str
    cell: Optional[str] = None  # score cell
    rate_cell: Optional[str] = None


class Result(BaseModel):
    sheet: str = ""
    profile: str
    budget: BudgetResult
    goals: list[GoalResult]
    indicators: list[IndicatorResult]
    deduction: float = 0.0  # discretionary deduction from the constraint row (>= 0)
    raw_total: float  # budget + goals - deduction, before the cap
    capped: bool  # the 约束性指标 cap was applied
    total: float
    grade: str  # 优 / 良 / 中 / 差
    claimed_total: Optional[float] = None
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]
