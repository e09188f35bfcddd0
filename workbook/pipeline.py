"""The one scoring path: grid -> Form -> Result -> WritePlan.

The command line, the Excel ribbon and the batch review all call these functions, so a form
scores the same everywhere.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from scoring.plaindata import dataclass  # not dataclasses: see scoring.plaindata
from pathlib import Path
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Optional, Union

from scoring.engine import score_form
from scoring.models import Form, Result
from scoring.profiles import DEFAULT_PROFILE, Profile, load_profile
from workbook import families
from workbook.errors import NotAForm
from workbook.grid import Grid
from workbook.layout import read_form
from workbook.plan import WritePlan
from workbook.writeplan import build_plan

if TYPE_CHECKING:
    ProfileLike = Union[str, Path, Profile]
    Grids = Union[Iterable[Grid], Mapping[str, Grid]]


@dataclass
class Scored:
    form: Form
    result: Result
    plan: Optional[WritePlan]  # None when the caller asked for plan=False (nothing is written)
    profile: Profile
    reading: Optional["families.Reading"] = None  # family, why this profile, 未评分 status


def _profile(profile: Optional[ProfileLike]) -> Optional[Profile]:
    # a Profile passes through; a name or a .toml path is loaded; None: chosen per form (families)
    return None if profile in (None, "", "auto") else load_profile(profile)


# ---- form families (workbook.families): recognise the layout, read it, choose the profile ----
def _read(grid: Grid, profile: Optional[Profile]) -> tuple[Form, "families.Reading"]:
    reading = families.prepare(grid, profile)
    form = read_form(reading.grid)
    form.sheet = grid.name
    families.after_read(form, reading)
    return form, reading


def _score(form: Form, grid: Grid, profile: Optional[Profile], plan: bool = True,
           reading: Optional["families.Reading"] = None) -> Scored:
    if reading is not None:
        profile = reading.profile
    result = score_form(form, profile)
    if reading is not None:
        families.after_score(form, result, reading)
    # The write plan costs about as much as reading the form; callers that only report skip it.
    plan = build_plan(form, result, grid, profile=profile) if plan else None
    return Scored(form=form, result=result, plan=plan, profile=profile, reading=reading)
# ---- end of the families hook --------------------------------------------------------------


def score_grid(grid: Grid, profile: Optional[ProfileLike] = None, plan: bool = True) -> Scored:
    """Score the form on one sheet; raises NotAForm when the sheet holds none.
    ``profile=None``: chosen from the form (``Scored.reading.why`` says which and why).
    ``plan=False``: skip the write plan (``Scored.plan`` is None)."""
    prof = _profile(profile)
    form, reading = _read(grid, prof)
    return _score(form, grid, prof, plan, reading)


def _as_list(grids: Grids) -> list[Grid]:
    """The grids, with the user's original values put back where an earlier pe-score run overwrote them
    (``workbook.record.restore_originals``): a rescore starts from what the user typed."""
    from workbook.record import restore_originals

    return restore_originals(grids.values() if isinstance(grids, Mapping) else grids)


def score_workbook(grids: Grids, sheet: str | None = None,
                   profile: Optional[ProfileLike] = None) -> Scored:
    """Score the named sheet, else the first sheet that holds a form."""
    prof = _profile(profile)
    sheets = _as_list(grids)
    if sheet is not None:
        for grid in sheets:
            if grid.name == sheet:
                return score_grid(grid, prof)
        names = "、".join(f"「{g.name}」" for g in sheets) or "（无）"
        raise NotAForm(f"工作簿中没有名为「{sheet}」的工作表；现有工作表：{names}。")
    for grid in sheets:
        try:
            form, reading = _read(grid, prof)
        except NotAForm:
            continue
        return _score(form, grid, prof, True, reading)
    tried = "、".join(f"「{g.name}」" for g in sheets) or "（工作簿中没有工作表）"
    raise NotAForm(f"工作簿中没有找到附件2-1绩效自评表（已查看：{tried}）；"
                   "表头须含“三级指标、分值、年初目标值、实际完成值、得分”。")


def find_forms(grids: Grids, profile: Optional[ProfileLike] = None, plan: bool = True) -> list[Scored]:
    """Every sheet that holds a form, scored (for the batch review); other sheets are skipped.
    ``plan=False``: skip the write plans (``Scored.plan`` is None), for callers that write nothing."""
    prof = _profile(profile)
    out = []
    for grid in _as_list(grids):
        try:
            form, reading = _read(grid, prof)
        except NotAForm:
            continue
        out.append(_score(form, grid, prof, plan, reading))
    return out
