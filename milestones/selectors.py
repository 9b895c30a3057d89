"""Every read of the programme that views, the admin, reports and tasks need."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, QuerySet

from jvtracker.common.fiscal import FiscalYear
from jvtracker.models import User
from jvtracker.roles import reading_role
from milestones.models import (
    GATE_CODE_SUFFIX,
    EvidenceFile,
    GateCondition,
    GateCriterion,
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


def stage_gate_by_code(code: str, gates: QuerySet[StageGate] | None = None) -> StageGate | None:
    """The gate named by :attr:`StageGate.code` (FY2027, FY2028-MID, FY2030-FINAL), in any
    letter case, among ``gates`` (default: all); None when no gate has that code."""
    match = re.fullmatch(r"FY(\d{4})(-MID|-FINAL)?", code.strip().upper())
    if match is None:
        return None
    suffix = match.group(2) or ""
    kind = next(kind for kind, known in GATE_CODE_SUFFIX.items() if known == suffix)
    gates = StageGate.objects.all() if gates is None else gates
    return gates.filter(fiscal_year=int(match.group(1)), kind=kind).first()


def milestones_visible_to(user: User) -> QuerySet[Milestone]:
    """The programme's milestones: every role reads them (partners included: the programme
    is theirs to see); a user without a reading role sees none."""
    milestones = Milestone.objects.select_related("programme", "track", "owner").order_by(
        "due_date", "code"
    )
    return milestones if reading_role(user) else milestones.none()


def tracks_visible_to(user: User) -> QuerySet[Track]:
    tracks = Track.objects.order_by("order", "code")
    return tracks if reading_role(user) else tracks.none()


def stage_gates_visible_to(user: User) -> QuerySet[StageGate]:
    """The programme's stage gates with their criteria (and each criterion's KPI) and
    conditions (and each condition's owner); every role reads them."""
    gates = (
        StageGate.objects.select_related("programme")
        .prefetch_related(
            Prefetch(
                "criteria",
                queryset=GateCriterion.objects.select_related("kpi").order_by("order", "pk"),
            ),
            Prefetch(
                "conditions",
                queryset=GateCondition.objects.select_related("owner").order_by("due_date", "pk"),
            ),
        )
        .order_by("review_date", "kind")
    )
    return gates if reading_role(user) else gates.none()


def gate_criteria_kpi_met(gate: StageGate) -> dict[int, bool]:
    """Whether each KPI-bound criterion of ``gate`` holds (its KPI is green at the gate),
    by criterion id: :func:`kpis.selectors.criterion_kpi_met` for all of them at once,
    at a cost per gate rather than per criterion. Uses the gate's prefetched criteria."""
    from kpis.choices import Status
    from kpis.selectors import kpi_statuses

    criteria = [c for c in gate.criteria.all() if c.kpi_id is not None]
    if not criteria:
        return {}
    kpis = list({c.kpi_id: c.kpi for c in criteria}.values())
    green = {s.kpi.pk: s.status == Status.GREEN for s in kpi_statuses(gate=gate, kpis=kpis)}
    return {c.pk: green[c.kpi_id] for c in criteria}


def risks_visible_to(user: User) -> QuerySet[Risk]:
    """The risk register: the PMO's and policy staff's, not partners'. Each risk carries
    ``risk_score`` (likelihood × impact) to order by; the model's ``score`` property holds
    the same number, and an annotation may not take its name."""
    risks = (
        Risk.objects.select_related("owner")
        .annotate(risk_score=F("likelihood") * F("impact"))
        .order_by("code")
    )
    return risks if reading_role(user) in ("pmo", "policy") else risks.none()


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
