"""The numbers of a profile's rules as people read them, for the text that states a rule: the Excel
functions' help (``addin.functions``), the notes the generated templates carry (``pe_score.templates`` and
its siblings) and the checked phrases of the finding pages (``tools.findings_pages``).

Such text is written as a template with ``{placeholders}`` and rendered from the profile it describes:
``render("总分不超过 {cap} 分", profile)``. The rule itself stays where it is decided (``scoring.totals``,
``scoring.methods`` ...); this module only writes its numbers, through ``scoring.formatting``.
Cheap: plain attribute reads on a ``Profile``, no pydantic, no file.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .formatting import compact

if TYPE_CHECKING:  # pragma: no cover
    from .settings import Profile


def grade_bands(profile: "Profile") -> str:
    """优良中差 as the forms state them: "90分（含）以上为优，80（含）—90分为良，60（含）—80分为中，60分以下为差"."""
    grades = list(profile.grades)
    parts = []
    for i, g in enumerate(grades):
        low = compact(g.min)
        if i == 0:
            parts.append(f"{low}分（含）以上为{g.name}" if len(grades) > 1 else f"均为{g.name}")
        elif i == len(grades) - 1 and g.min <= 0:
            parts.append(f"{compact(grades[i - 1].min)}分以下为{g.name}")
        else:
            parts.append(f"{low}（含）—{compact(grades[i - 1].min)}分为{g.name}")
    if len(grades) > 1 and grades[-1].min > 0:
        parts.append(f"{compact(grades[-1].min)}分以下也为{grades[-1].name}")
    return "，".join(parts)


def rule_values(profile: "Profile") -> dict[str, str]:
    """The placeholders a rule-stating template may use, each written from ``profile``."""
    q = profile.qualitative
    cap = compact(profile.cap.limit)
    return {
        "profile": profile.title,
        "total": compact(profile.total_points),
        "budget": compact(profile.budget.points),
        "budget_clause": "不超过分值" if profile.budget.cap else "执行率超过 100% 时按实际执行率计算",
        "cap": cap,
        "cap_clause": f"总分不超过 {cap} 分" if profile.cap.enabled else "总分不封顶（本评分方案不设封顶）",
        "top": compact(q.top * 100),
        "middle": compact(q.middle * 100),
        "over": compact(profile.quantitative.over_threshold * 100),
        "fraction_max": compact(profile.quantitative.percent_fraction_max),
        "tolerance": compact(profile.tolerance),
        "digits": str(profile.digits),
        "grades": grade_bands(profile),
    }


def render(template: str, profile: "Profile") -> str:
    """``template`` with its ``{placeholders}`` (see ``rule_values``) written from ``profile``."""
    return template.format_map(rule_values(profile))
