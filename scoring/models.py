"""Typed models of a 附件2-1 form and of its scoring result.

The scoring core never sees Excel: a form arrives here as plain text and numbers, and every
field that came from a cell carries that cell's A1 address (``cells``) only so findings can
point at it, the way Beancount entries carry their source location.
"""
from __future__ import annotations

from scoring.plaindata import asdict, dataclass, field, fields  # not dataclasses: see scoring.plaindata
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Callable, ClassVar, Literal, Optional

from .methods import Method  # noqa: F401  (re-exported: scoring.models.Method is public)

if TYPE_CHECKING:
    Severity = Literal["error", "warning", "info"]


class _Model:
    """Plain dataclasses with the few pydantic-style methods the project uses (``model_dump``,
    ``model_copy``, ``model_construct``, ``model_fields``). The values come from the form reader and the
    engine, never from untrusted input, so they need no validation; importing pydantic and building its
    validators cost more than scoring a whole form in a new process (docs/performance.md)."""

    __slots__ = ()
    model_fields: ClassVar[dict[str, Any]] = {}

    @classmethod
    def model_construct(cls, **values: Any):
        return cls(**values)

    def model_dump(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def built(cls, values: dict[str, Any]):
        """``cls(**values)`` for values the reader and the engine computed, without the per-field loop
        of the generic ``__init__`` (~2 µs for each of the ~100 models a form makes): the fields not in
        ``values`` take their defaults, and the keys must be field names (checked, as ``__init__``
        would)."""
        plan = cls.__dict__.get("_plain_build")
        if plan is None:
            plan = _build_plan(cls)
        names, plain, factories = plan
        if not names.issuperset(values):
            return cls(**values)  # raises the constructor's TypeError for the unknown name
        out = object.__new__(cls)
        d = out.__dict__
        d.update(plain)
        for name, factory in factories:
            if name not in values:
                d[name] = factory()
        d.update(values)
        return out

    def model_copy(self, *, update: Optional[dict[str, Any]] = None, deep: bool = False):
        import copy  # only here: the command line's path never copies a model

        out = copy.deepcopy(self) if deep else copy.copy(self)
        for key, value in (update or {}).items():
            object.__setattr__(out, key, value)
        return out


def _build_plan(cls) -> tuple:
    """(field names, plain defaults, (name, factory) pairs) of a model class, kept on the class."""
    from scoring.plaindata import MISSING

    flds = fields(cls)
    missing = [f.name for f in flds if f.default is MISSING and f.default_factory is MISSING]
    plan = (frozenset(f.name for f in flds),
            {f.name: f.default for f in flds if f.default is not MISSING},
            tuple((f.name, f.default_factory) for f in flds if f.default_factory is not MISSING))
    if missing:  # a required field has no default: built() must be given it, as the constructor
        plan = (plan[0], plan[1], plan[2] + tuple((n, _required(cls, n)) for n in missing))
    cls._plain_build = plan
    return plan


def _required(cls, name: str):
    def missing() -> Any:
        raise TypeError(f"{cls.__name__}.__init__() missing 1 required argument: {name!r}")
    return missing


def _model(cls=None, *, frozen: bool = False):
    def wrap(c):
        c = dataclass(kw_only=True, frozen=frozen)(c)
        c.model_fields = {f.name: f for f in fields(c)}
        return c
    return wrap if cls is None else wrap(cls)


def Field(default: Any = None, *, default_factory=None) -> Any:  # noqa: N802  (reads like pydantic's)
    return field(default_factory=default_factory) if default_factory is not None else default


@_model(frozen=True)
class Finding(_Model):
    """One mistake or remark about the form. Codes are documented in docs/findings/."""

    code: str  # stable, e.g. "PE201"; see scoring.findings.CATALOGUE
    severity: Severity
    cell: Optional[str] = None  # A1 address (no sheet name), None when it concerns the whole form
    message: str  # Chinese, tells the user what to fix


@_model
class Cells(_Model):
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


@_model
class Indicator(_Model):
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


@_model
class Level1Label(_Model):
    """A 一级指标 label cell inside a goal, e.g. "产出指标(分值权重50%)"."""

    name: str  # 产出指标
    share: Optional[float] = None  # 0.5 for "分值权重50%", None when no share is declared
    text: str = ""
    cell: Optional[str] = None


@_model
class Goal(_Model):
    """One 年度目标 block: its title row and the indicator rows under it."""

    number: Optional[int] = None  # 1 for 年度目标1
    title: str  # full title text as typed
    points: Optional[float] = None  # declared points, "(18分)"
    cell: Optional[str] = None  # the title cell
    subtotal_cell: Optional[str] = None  # where the subtotal may be written; None when the row is merged across
    typed_subtotal: Any = None
    labels: list[Level1Label] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)


@_model
class Budget(_Model):
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


@_model
class Constraint(_Model):
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


@_model
class Form(_Model):
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


@_model
class IndicatorResult(_Model):
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

    @classmethod
    def explained_later(cls, why: Callable[[], str], **values: Any) -> "IndicatorResult":
        """A result whose ``explanation`` is written by ``why()`` on first access, then kept.

        The batch keeps a summary row of most forms and never reads a row's sentence; the JSON, the
        command line's table, the 评分说明 sheet and PE202's message do, and get exactly the text
        ``why()`` writes (the rules' ``why`` read only values fixed when the row was scored). Copying
        or pickling a result writes the sentence first, so a copy never holds the function."""
        values["explanation"] = ""
        out = cls.built(values)
        d = out.__dict__
        del d["explanation"]
        d["_why"] = why
        return out

    def __getattr__(self, name: str) -> Any:  # reached only when ``explanation`` is not written yet
        if name == "explanation":
            d = self.__dict__
            why = d.pop("_why", None)
            if why is not None:
                d["explanation"] = text = why()
                return text
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getstate__(self) -> dict[str, Any]:
        self.explanation  # noqa: B018  (written before a copy or a pickle takes the fields)
        state = dict(self.__dict__)
        state.pop("_why", None)
        return state


@_model
class GoalResult(_Model):
    title: str
    points: Optional[float]
    score: float
    cell: Optional[str] = None  # title cell
    subtotal_cell: Optional[str] = None


@_model
class BudgetResult(_Model):
    points: float
    planned: Optional[float] = None
    executed: Optional[float] = None
    rate: Optional[float] = None
    score: float
    explanation: str
    cell: Optional[str] = None  # score cell
    rate_cell: Optional[str] = None


@_model
class Result(_Model):
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
