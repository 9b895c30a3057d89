"""The sections reports are made of, each worked out from a snapshot of the tracker.

Every function here reads only its arguments: the :class:`~reports.snapshot.Snapshot` at
the report's knowledge cut-off and the report's own fields. Nothing reads today's rows or
the clock, so the same report rendered again, after any later change, says the same.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from datagov.choices import ArtifactKind, ContractStatus, DataTier
from datagov.fields import purpose_labels
from datagov.models import DataAsset, DataContract
from datagov.selectors import ArtifactLineage, RunLineage, lineage_report
from jvtracker.choices import Industry
from jvtracker.common.fiscal import FiscalYear
from jvtracker.common.models import localized
from jvtracker.models import User
from kpis.charts import trend_svg, value_label
from kpis.choices import Status, Unit
from kpis.selectors import KPIStatus, kpi_statuses
from milestones.choices import (
    CriterionAssessment,
    DatePrecision,
    EvaluationAxis,
    GateDecision,
    MilestoneStatus,
)
from milestones.models import GateCondition, GateCriterion, Milestone, Risk, StageGate, Track
from reports.choices import RequestChannel
from reports.models import Report
from reports.snapshot import ChangeLog, Snapshot, changes_between, display_name

# Milestones still to be reached: past their due date, they are overdue.
OPEN_MILESTONE_STATUSES = (
    MilestoneStatus.PLANNED,
    MilestoneStatus.IN_PROGRESS,
    MilestoneStatus.AT_RISK,
)
AWAITING_PMO = (ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW)
TREND_WIDTH, TREND_HEIGHT = 150, 36


def local(moment: dt.datetime) -> dt.datetime:
    """``moment`` in the project's time zone, whatever zone is active."""
    return timezone.localtime(moment, timezone.get_default_timezone())


def day_of(report: Report) -> dt.date:
    """The calendar day the report speaks of: its cut-off's day in Tokyo."""
    return local(report.knowledge_cutoff).date()


def long_date(day: dt.date | None) -> str:
    return date_format(day, "DATE_FORMAT") if day else "—"


def long_moment(moment: dt.datetime | None) -> str:
    return date_format(local(moment), "DATETIME_FORMAT") if moment else "—"


def month_label(month: dt.date | None) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT") if month else "—"


# ---------------------------------------------------------------------------------- cover


@dataclass(frozen=True)
class GateFacts:
    """The gate a report is about, as the snapshot has it, or as it was first recorded
    when the snapshot predates it."""

    gate: StageGate
    recorded: bool  # the gate existed at the cut-off

    @property
    def fiscal_year(self) -> str:
        return FiscalYear(self.gate.fiscal_year).label()


def gate_facts(report: Report, snapshot: Snapshot) -> GateFacts | None:
    """The report's gate as the snapshot has it; None for a report of no gate."""
    if report.gate_id is None:
        return None
    gate = snapshot.gate(report.gate_id)
    if gate is not None:
        return GateFacts(gate, recorded=True)
    # Requested as of a day before the gate was entered: name it as first recorded (the
    # history is append-only, so this reads the same every time), and say so.
    first = (
        StageGate.history.filter(id=report.gate_id).order_by("history_date", "history_id").first()
    )
    if first is None:  # written without history (a bulk load): all there is to go on
        return GateFacts(report.gate, recorded=False)
    return GateFacts(first.instance, recorded=False)


def requester_name(report: Report) -> str:
    """Who asked for the report, by their name when they asked."""
    if report.requested_by_id is None:
        return str(RequestChannel(report.requested_via).label)
    record = (
        User.history.filter(id=report.requested_by_id, history_date__lte=report.requested_at)
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None:
        return _("user #%(id)s") % {"id": report.requested_by_id}
    return display_name(record)


def cover(report: Report, snapshot: Snapshot, gate: GateFacts | None) -> dict:
    programme = snapshot.programme
    jv = snapshot.joint_venture
    return {
        "kind": report.get_kind_display(),
        "programme": programme.name if programme else "",
        "funder": programme.funder.name if programme and programme.funder else "",
        "jv": jv.name if jv else "",
        "gate": gate,
        "as_of": long_date(report.as_of),
        "cutoff": long_moment(report.knowledge_cutoff),
        "requested_by": requester_name(report),
        "requested_via": report.get_requested_via_display(),
        "requested_at": long_moment(report.requested_at),
        "language": report.get_language_display(),
    }


# ------------------------------------------------------------------------------------ KPIs


@dataclass
class KPIRow:
    status: KPIStatus
    target: str
    amber: str
    latest: str
    month: str
    state: str  # green, amber, red, no_data, no_target
    state_label: str
    chart: SafeString


def quantity(value: float | None, unit: str) -> str:
    """A KPI value with its unit, as a reader expects it: 71.5%, ¥1,250, yes."""
    if value is None:
        return "—"
    if unit == Unit.YES_NO:
        return _("yes") if value >= 1 else _("no")
    if unit == Unit.PERCENT:
        return f"{value_label(value)}%"
    if unit == Unit.JPY:
        return _("¥%(amount)s") % {"amount": f"{value:,.0f}"}
    if unit == Unit.JPY_PER_1K_TOKENS:
        return _("¥%(amount)s per 1k tokens") % {"amount": value_label(value)}
    if unit == Unit.JOULE_PER_TOKEN:
        return _("%(amount)s J per token") % {"amount": value_label(value)}
    return f"{value_label(value)} {Unit(unit).label}" if unit in Unit.values else value_label(value)


def bound(value: float | None, unit: str, higher_is_better: bool) -> str:
    if value is None:
        return "—"
    if unit == Unit.YES_NO:
        return quantity(value, unit)
    return ("≥ " if higher_is_better else "≤ ") + quantity(value, unit)


STATE_LABELS = {
    Status.GREEN: Status.GREEN.label,
    Status.AMBER: Status.AMBER.label,
    Status.RED: Status.RED.label,
    Status.NO_DATA: Status.NO_DATA.label,
}


def state_of(status: Status | None) -> tuple[str, str]:
    if status is None:
        return "no_target", _("No target at this gate")
    return str(status), str(STATE_LABELS[status])


def kpi_rows(gate: StageGate, snapshot: Snapshot, cutoff: dt.datetime) -> list[KPIRow]:
    """Every KPI against its target at ``gate``, as known at ``cutoff``."""
    statuses = kpi_statuses(
        gate=gate,
        kpis=list(snapshot.kpis),
        now=cutoff,
        known_by=cutoff,
        targets=snapshot.targets_for(gate),
    )
    rows = []
    for status in statuses:
        kpi, target = status.kpi, status.target
        state, label = state_of(status.status)
        rows.append(
            KPIRow(
                status=status,
                target=bound(target and target.target_value, kpi.unit, kpi.higher_is_better),
                amber=bound(
                    target.amber_value
                    if target and target.amber_value != target.target_value
                    else None,
                    kpi.unit,
                    kpi.higher_is_better,
                ),
                latest=quantity(status.value, kpi.unit),
                month=month_label(status.month),
                state=state,
                state_label=label,
                chart=trend_svg(
                    status.trend,
                    target=target.target_value if target else None,
                    amber=target.amber_value if target else None,
                    higher_is_better=kpi.higher_is_better,
                    width=TREND_WIDTH,
                    height=TREND_HEIGHT,
                    status=status.status,
                    name=kpi.name,
                ),
            )
        )
    return rows


def kpi_summary(rows: list[KPIRow]) -> list[tuple[str, str, int]]:
    """(state, label, count) for each state that occurs, in a fixed order."""
    counts = Counter(row.state for row in rows)
    order = ["green", "amber", "red", "no_data", "no_target"]
    labels = {row.state: row.state_label for row in rows}
    return [(state, labels[state], counts[state]) for state in order if counts[state]]


# -------------------------------------------------------------------------------- criteria


@dataclass
class CriterionRow:
    criterion: GateCriterion
    assessment: str
    kpi: KPIRow | None
    holds: str  # holds, misses, open
    holds_label: str


@dataclass
class AxisGroup:
    axis: str
    label: str
    rows: list[CriterionRow] = field(default_factory=list)


HOLDS_LABELS = {
    "holds": lambda: _("Holds"),
    "misses": lambda: _("Does not hold"),
    "open": lambda: _("Not yet assessed"),
}


def criterion_holds(criterion: GateCriterion, kpi: KPIRow | None) -> str:
    """A criterion bound to a KPI holds only if the KPI is green at the gate (and nobody
    has assessed it as not met); any other holds as assessed."""
    if criterion.kpi_id is not None:
        green = kpi is not None and kpi.status.status == Status.GREEN
        if not green or criterion.assessment == CriterionAssessment.NOT_MET:
            return "misses"
        return "holds"
    return {
        CriterionAssessment.MET: "holds",
        CriterionAssessment.NOT_MET: "misses",
    }.get(criterion.assessment, "open")


def criteria_by_axis(gate: StageGate, snapshot: Snapshot, kpis: list[KPIRow]) -> list[AxisGroup]:
    by_kpi = {row.status.kpi.pk: row for row in kpis}
    groups = {axis: AxisGroup(axis, str(label)) for axis, label in EvaluationAxis.choices}
    for criterion in snapshot.criteria_of(gate):
        kpi = by_kpi.get(criterion.kpi_id) if criterion.kpi_id else None
        holds = criterion_holds(criterion, kpi)
        groups[criterion.axis].rows.append(
            CriterionRow(
                criterion=criterion,
                assessment=criterion.get_assessment_display(),
                kpi=kpi,
                holds=holds,
                holds_label=HOLDS_LABELS[holds](),
            )
        )
    return [group for group in groups.values() if group.rows]


def criteria_tally(groups: list[AxisGroup]) -> dict[str, int]:
    counts = Counter(row.holds for group in groups for row in group.rows)
    return {"total": sum(counts.values()), **{k: counts[k] for k in HOLDS_LABELS}}


# -------------------------------------------------------------------------------- decision


@dataclass
class ConditionRow:
    condition: GateCondition
    owner: str
    due: str
    state: str  # fulfilled, open, overdue
    state_label: str
    fulfilled: str


def decision(gate: StageGate, snapshot: Snapshot, day: dt.date) -> dict:
    conditions = []
    for condition in snapshot.conditions_of(gate):
        if condition.fulfilled_on and condition.fulfilled_on <= day:
            state, label = "fulfilled", _("Fulfilled")
        elif condition.due_date < day:
            state, label = "overdue", _("Overdue")
        else:
            state, label = "open", _("Open")
        conditions.append(
            ConditionRow(
                condition=condition,
                owner=condition.owner.name if condition.owner else "—",
                due=long_date(condition.due_date),
                state=state,
                state_label=label,
                fulfilled=long_date(condition.fulfilled_on),
            )
        )
    scores = [
        (
            str(label),
            getattr(gate, f"get_score_{axis}_display")()
            if getattr(gate, f"score_{axis}") is not None
            else "—",
        )
        for axis, label in EvaluationAxis.choices
    ]
    scored = any(getattr(gate, f"score_{axis}") is not None for axis in EvaluationAxis.values)
    return {
        "pending": gate.decision == GateDecision.PENDING,
        "label": gate.get_decision_display(),
        "date": long_date(gate.decision_date),
        "rationale": gate.rationale,
        "scores": scores if scored else [],
        "conditions": conditions,
    }


# ------------------------------------------------------------------------------ milestones


@dataclass
class MilestoneRow:
    milestone: Milestone
    due: str
    owner: str
    status: str
    status_label: str
    overdue: bool


@dataclass
class TrackGroup:
    track: Track | None
    rows: list[MilestoneRow] = field(default_factory=list)


def milestone_due(milestone: Milestone) -> str:
    def shown(day: dt.date) -> str:
        if milestone.date_precision == DatePrecision.MONTH:
            return month_label(day)
        return long_date(day)

    if milestone.window_start:
        return f"{shown(milestone.window_start)} – {shown(milestone.due_date)}"
    return shown(milestone.due_date)


def milestones_by_track(snapshot: Snapshot, day: dt.date) -> list[TrackGroup]:
    """Each track's milestones (tracks in their order), with whether each was overdue on
    ``day``: due before it and not yet achieved (or missed)."""
    groups = {track.pk: TrackGroup(track) for track in snapshot.tracks}
    for milestone in snapshot.milestones:
        group = groups.setdefault(milestone.track_id, TrackGroup(None))
        group.rows.append(
            MilestoneRow(
                milestone=milestone,
                due=milestone_due(milestone),
                owner=milestone.owner.name if milestone.owner else "—",
                status=milestone.status,
                status_label=milestone.get_status_display(),
                overdue=milestone.due_date < day and milestone.status in OPEN_MILESTONE_STATUSES,
            )
        )
    return [group for group in groups.values() if group.rows]


# ----------------------------------------------------------------------------------- risks


@dataclass
class RiskRow:
    risk: Risk
    owner: str
    review: str
    mitigation: str


def risk_register(snapshot: Snapshot) -> list[RiskRow]:
    """The register by score (likelihood × impact), highest first; ties by code."""
    risks = sorted(snapshot.risks, key=lambda r: (-r.score, r.code))
    return [
        RiskRow(
            risk=r,
            owner=r.owner.name if r.owner else "—",
            review=long_date(r.review_date),
            mitigation=localized(r, "mitigation"),
        )
        for r in risks
    ]


# ------------------------------------------------------------------------ data governance


def contract_in_force(contract: DataContract, day: dt.date) -> bool:
    # The model's rule, reading the status log the snapshot prefetched as of then.
    return contract.is_in_force_on(day)


def contracts_in_force_by_industry(snapshot: Snapshot, day: dt.date) -> dict[str, int]:
    """The rule of the computed KPI (kpis.services.computed), on the snapshot: contracts in
    force on ``day`` by the industry of the data they cover; one covering several
    industries counts once, as cross-industry."""
    counts: Counter[str] = Counter()
    for contract in snapshot.contracts:
        if not contract_in_force(contract, day):
            continue
        industries = {d.industry for d in snapshot.datasets_of(contract)}
        counts[industries.pop() if len(industries) == 1 else Industry.CROSS_INDUSTRY] += 1
    return dict(counts)


def _labelled_counts(counts: dict[str, int], choices: type[TextChoices]) -> list[tuple[str, int]]:
    return [(str(label), counts[value]) for value, label in choices.choices if counts.get(value)]


@dataclass
class DeviationRow:
    contract: DataContract
    uses: str
    provider: str


def data_governance(snapshot: Snapshot, day: dt.date) -> dict:
    """Contracts by status, those in force by industry and tier, deviations awaiting the
    PMO, and the contamination findings."""
    by_status = Counter(c.status for c in snapshot.contracts)
    in_force = [c for c in snapshot.contracts if contract_in_force(c, day)]
    by_tier = Counter(c.template.tier for c in in_force if c.template)
    deviations = [
        DeviationRow(
            contract=c,
            uses=purpose_labels(c.deviation_uses),
            provider=c.provider.name if c.provider else "—",
        )
        for c in snapshot.contracts
        if c.status in AWAITING_PMO and c.template and c.deviation_pending
    ]
    lineage = contamination(snapshot)
    return {
        "total": len(snapshot.contracts),
        "by_status": [
            (str(label), by_status.get(value, 0)) for value, label in ContractStatus.choices
        ],
        "in_force_count": len(in_force),
        "by_industry": _labelled_counts(contracts_in_force_by_industry(snapshot, day), Industry),
        "by_tier": _labelled_counts(dict(by_tier), DataTier),
        "deviations": deviations,
        "lineage": lineage,
        "contaminated": [item for item in lineage if item.contaminated],
        "base_models": [item for item in lineage if item.artifact.kind == ArtifactKind.BASE_MODEL],
    }


def contamination(snapshot: Snapshot) -> list[ArtifactLineage]:
    """The contamination report of the lineage as it stood, with the tiers of then."""
    return lineage_report(
        artifacts=snapshot.artifacts.values(),
        runs=[
            RunLineage(
                target_id=run.target_id,
                datasets=[
                    snapshot.datasets[pk]
                    for pk in snapshot.run_datasets.get(run.pk, ())
                    if pk in snapshot.datasets
                ],
                input_artifact_ids=snapshot.run_inputs.get(run.pk, ()),
            )
            for run in snapshot.runs
        ],
        contracts_by_dataset=snapshot.contracts_by_dataset(),
    )


# ------------------------------------------------------------------------ contract register


@dataclass
class ContractRow:
    contract: DataContract
    provider: str
    template: str
    tier: str
    tier_code: str
    status: str
    term: str
    datasets: list[DataAsset]
    uses: str
    deviation_uses: str
    deviation_approval: str
    in_force: bool


def contract_register(snapshot: Snapshot, day: dt.date) -> list[ContractRow]:
    rows = []
    for contract in snapshot.contracts:
        template = contract.template
        deviation = contract.deviation_uses if template else []
        if not deviation:
            approval = ""
        elif contract.deviation_approved_at:
            approval = _("Approved by %(user)s on %(date)s") % {
                "user": snapshot.user_name(contract.deviation_approved_by_id),
                "date": long_date(local(contract.deviation_approved_at).date()),
            }
        else:
            approval = _("Awaiting the PMO's approval")
        rows.append(
            ContractRow(
                contract=contract,
                provider=contract.provider.name if contract.provider else "—",
                template=str(template) if template else "—",
                tier=str(DataTier(template.tier).label) if template else "—",
                tier_code=template.tier if template else "",
                status=contract.get_status_display(),
                term=f"{long_date(contract.effective_date)} – {long_date(contract.expiry_date)}",
                datasets=snapshot.datasets_of(contract),
                uses=purpose_labels(contract.permitted_uses) or "—",
                deviation_uses=purpose_labels(deviation),
                deviation_approval=approval,
                in_force=contract_in_force(contract, day),
            )
        )
    return rows


# -------------------------------------------------------------------------------- changes


def change_window_start(
    gate: StageGate, snapshot: Snapshot
) -> tuple[dt.datetime, StageGate | None]:
    """Where "changes since the previous gate" start: the end of the previous gate's review
    day, or the start of the programme's window when this is the first gate."""
    zone = timezone.get_default_timezone()
    previous = snapshot.previous_gate(gate)
    if previous is not None:
        day = previous.review_date + dt.timedelta(days=1)
    elif snapshot.programme is not None:
        day = snapshot.programme.window_start
    else:
        day = gate.review_date
    return dt.datetime.combine(day, dt.time(), tzinfo=zone), previous


def changes_since_previous_gate(
    gate: StageGate, snapshot: Snapshot, cutoff: dt.datetime
) -> tuple[ChangeLog, StageGate | None]:
    start, previous = change_window_start(gate, snapshot)
    return changes_between(snapshot, start, cutoff), previous
