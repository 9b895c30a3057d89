"""Every read of the programme that views, the admin, reports and tasks need."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import QuerySet

from jvtracker.common.fiscal import FiscalYear
from jvtracker.models import User
from milestones.models import (
    GATE_CODE_SUFFIX,
    EvidenceFile,
    Milestone,
    Programme,
    Risk,
    StageGate,
    Track,
)


def programme_current() -> Programme | None:
    """The programme the tracker governs (the earliest, if several are recorded)."""
    return Programme.objects.select_related("funder").first()


def milestones_for(programme: Programme) -> QuerySet[Milestone]:
    return programme.milestones.select_related("track", "owner").order_by("due_date", "code")


def stage_gates_for(programme: Programme) -> QuerySet[StageGate]:
    return programme.gates.order_by("review_date", "kind")


def stage_gate_by_code(code: str) -> StageGate | None:
    """The gate named by :attr:`StageGate.code` (FY2027, FY2028-MID, FY2030-FINAL), in any
    letter case; None when no gate has that code."""
    match = re.fullmatch(r"FY(\d{4})(-MID|-FINAL)?", code.strip().upper())
    if match is None:
        return None
    suffix = match.group(2) or ""
    kind = next(kind for kind, known in GATE_CODE_SUFFIX.items() if known == suffix)
    return StageGate.objects.filter(fiscal_year=int(match.group(1)), kind=kind).first()


def evidence_visible_to(user: User) -> QuerySet[EvidenceFile]:
    """Evidence files ``user`` may open: the PMO's and policy staff's business, not partners'."""
    if not user.is_authenticated or not user.has_perm("milestones.view_evidencefile"):
        return EvidenceFile.objects.none()
    return EvidenceFile.objects.select_related("deliverable", "uploaded_by")


def risks_by_score() -> list[Risk]:
    return sorted(Risk.objects.select_related("owner"), key=lambda r: (-r.score, r.code))


@dataclass
class TimelineRow:
    """One track on the timeline, with its milestones (gates sit on their own row)."""

    track: Track | None
    milestones: list[Milestone] = field(default_factory=list)


@dataclass
class Timeline:
    programme: Programme
    start: dt.date
    end: dt.date
    fiscal_years: list[FiscalYear]
    rows: list[TimelineRow]
    gates: list[StageGate]

    def position(self, day: dt.date) -> float:
        """Where ``day`` falls between start (0) and end (100), in percent."""
        span = (self.end - self.start).days or 1
        return round(100 * (day - self.start).days / span, 3)


def programme_timeline(programme: Programme) -> Timeline:
    """Milestones by track and the stage gates, laid out over the programme's fiscal years."""
    start = FiscalYear.of(programme.window_start).start
    end = programme.window_end
    rows = {track.pk: TimelineRow(track=track) for track in Track.objects.all()}
    for milestone in milestones_for(programme):
        rows.setdefault(milestone.track_id, TimelineRow(track=milestone.track))
        rows[milestone.track_id].milestones.append(milestone)
    return Timeline(
        programme=programme,
        start=start,
        end=end,
        fiscal_years=[FiscalYear(y) for y in range(start.year, programme.last_fiscal_year + 1)],
        rows=[row for row in rows.values() if row.milestones],
        gates=list(stage_gates_for(programme)),
    )
