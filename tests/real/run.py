"""Run the tool on every real form and compare with what a careful reviewer expects.

    python -m tests.real.run        # one line per form, then the counts (forms read, totals reproduced,
                                    # anomalies flagged / present, noise)

For each form (``tests/real/forms/*.toml``) the workbook is built and read back through the same
adapter the command line uses, and scored with the profile chosen from the form. Expectations:
- the family's profile is chosen (``profile`` in the file);
- a complete form with a published total reproduces it, or a finding names a cell listed among its
  anomalies (the tool says where the form is wrong);
- a form nobody scored is reported 未评分 (PE913), not given a total;
- every anomaly is flagged: a finding at its cell (inside its range), with one of its codes if the
  file lists codes; a whole-form finding counts when its code is listed;
- no noise: every finding is an anomaly's, or one of the few the issue asks for on every form of this
  kind (PE918, the one placeholder note per block; PE920, "this form prints no 分值 column"; PE913 on a
  form nobody scored), or, on a
  form the page shows only in part, a consequence of the missing rows (PE302 / PE306 / PE907 / PE919;
  PE308 when no indicator row is left; PE501 when the budget block is not on the page; PE603 / PE604:
  a claimed total against the rows the page shows).
"""
from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from openpyxl.utils import range_boundaries

from tests.real.build import Anomaly, RealForm, all_forms, workbook
from workbook.errors import NotAForm
from workbook.grid import parse_a1

# Asked for by the issue on every form of its kind: at most one info note per block for template rows
# (PE918); the note that a form prints no 分值 column, so the points are implicit (PE920).
ALWAYS_OK = {"PE918", "PE920"}
# Rows missing from a partial page break these sums; PE308: no indicator row is left on the page;
# PE501: the budget block is on a part of the form the page does not show.
FRAGMENT_OK = {"PE302", "PE306", "PE907", "PE919", "PE603", "PE604", "PE308", "PE501"}


@dataclass
class Outcome:
    form: RealForm
    read: bool
    profile: Optional[str] = None
    why: str = ""
    status: str = ""
    total: Optional[float] = None
    total_ok: Optional[bool] = None  # None: nothing to compare (partial page or no published total)
    flagged: list[Anomaly] = field(default_factory=list)
    missed: list[Anomaly] = field(default_factory=list)
    noise: list[str] = field(default_factory=list)  # "PE202 I10: message"
    error: str = ""

    @property
    def problems(self) -> list[str]:
        out = []
        if not self.read:
            out.append(f"not read: {self.error}")
            return out
        if self.profile != self.form.profile:
            out.append(f"profile {self.profile}, expected {self.form.profile}")
        if self.form.unscored and self.status != "unscored":
            out.append("not reported 未评分")
        if not self.form.unscored and self.status == "unscored":
            out.append("reported 未评分 but the form is scored")
        if self.total_ok is False:
            out.append(f"total {self.total} != published {self.form.published_total} and no anomaly cell named")
        out += [f"missed {a.cell or '(form)'}: {a.what}" for a in self.missed]
        out += [f"noise {n}" for n in self.noise]
        return out


def _inside(cell: Optional[str], spec: Optional[str]) -> bool:
    if cell is None or spec is None:
        return False
    if ":" not in spec:
        return cell == spec
    c1, r1, c2, r2 = range_boundaries(spec)
    r, c = parse_a1(cell)
    return r1 <= r <= r2 and c1 <= c <= c2


def _matches(finding, anomaly: Anomaly) -> bool:
    """A finding flags an anomaly: at its cell (or inside its range), with one of its codes if listed;
    a whole-form finding (no cell) flags an anomaly that lists its code."""
    if anomaly.codes and finding.code not in anomaly.codes:
        return False
    if finding.cell is None:
        return bool(anomaly.codes)
    return _inside(finding.cell, anomaly.cell)


def evaluate(form: RealForm, folder: Path) -> Outcome:
    from workbook import xlsx
    from workbook.pipeline import score_workbook

    path = folder / f"{form.id}.xlsx"
    workbook(form).save(path)
    try:
        scored = score_workbook(xlsx.read_grids(path))
    except NotAForm as exc:
        return Outcome(form=form, read=False, error=str(exc))
    reading = scored.reading
    out = Outcome(form=form, read=True, profile=scored.profile.name, why=reading.why if reading else "",
                  status=reading.status if reading else "scored", total=scored.result.total)
    findings = list(scored.result.findings)
    if form.complete and form.published_total is not None and not form.unscored:
        same = abs(scored.result.total - form.published_total) <= 0.01 + 1e-9
        named = any(_matches(f, a) for f in findings for a in form.anomalies if a.cell)
        out.total_ok = same or named
    for a in form.anomalies:
        (out.flagged if any(_matches(f, a) for f in findings) else out.missed).append(a)
    for f in findings:
        if any(_matches(f, a) for a in form.anomalies):
            continue
        if f.code in ALWAYS_OK or (not form.complete and f.code in FRAGMENT_OK):
            continue
        if form.unscored and f.code == "PE913":  # the 未评分 report a form nobody scored must get
            continue
        out.noise.append(f"{f.code} {f.cell or '（全表）'}: {f.message}")
    return out


def evaluate_all() -> list[Outcome]:
    with tempfile.TemporaryDirectory() as tmp:
        return [evaluate(form, Path(tmp)) for form in all_forms()]


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    return {
        "forms": len(outcomes),
        "provinces": len({o.form.province for o in outcomes}),
        "read": sum(o.read for o in outcomes),
        "profile_right": sum(o.read and o.profile == o.form.profile for o in outcomes),
        "totals_published": sum(o.form.complete and o.form.published_total is not None and not o.form.unscored
                                for o in outcomes),
        "totals_reproduced": sum(bool(o.total_ok) for o in outcomes),
        "unscored_present": sum(o.form.unscored for o in outcomes),
        "unscored_reported": sum(o.form.unscored and o.status == "unscored" for o in outcomes),
        "anomalies_present": sum(len(o.form.anomalies) for o in outcomes),
        "anomalies_flagged": sum(len(o.flagged) for o in outcomes),
        "noise": sum(len(o.noise) for o in outcomes),
        "clean": sum(not o.problems for o in outcomes),
    }


def main() -> int:
    outcomes = evaluate_all()
    for o in outcomes:
        mark = "ok " if not o.problems else "-- "
        print(f"{mark}{o.form.id} [{o.form.province} {o.form.family}] profile={o.profile} status={o.status} "
              f"total={o.total if o.total is None else round(o.total, 2)} published={o.form.published_total}")
        for p in o.problems:
            print(f"     {p}")
    print(counts(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
