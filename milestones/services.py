"""Every write to the programme: validated, attributed in history, atomic.

The programme is the PMO's to record: every save refuses any other actor, whatever calls
it (admin, API, pages). ``actor=None`` is the system (seed, commands, tasks).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jvtracker.common.services import private_file_save, require_pmo, validated_save
from jvtracker.common.uploads import inspect_upload
from jvtracker.models import User
from milestones.choices import GateDecision, MilestoneStatus
from milestones.models import (
    Deliverable,
    EvidenceFile,
    GateCondition,
    GateCriterion,
    Milestone,
    Programme,
    Risk,
    StageGate,
    Track,
)
from milestones.selectors import programme_current


def _require_pmo(actor: User | None) -> None:
    require_pmo(actor, _("Only the PMO may change the programme."))


def _join_current_programme(row: Milestone | StageGate) -> None:
    """A new row that names no programme belongs to the one the tracker governs."""
    if row.programme_id is None:
        programme = programme_current()
        if programme is None:
            raise ValidationError({"programme": _("No programme is recorded yet.")})
        row.programme = programme


@transaction.atomic
def programme_save(*, programme: Programme, actor: User | None) -> Programme:
    _require_pmo(actor)
    return validated_save(programme, actor=actor)


@transaction.atomic
def track_save(*, track: Track, actor: User | None) -> Track:
    _require_pmo(actor)
    return validated_save(track, actor=actor)


@transaction.atomic
def milestone_save(*, milestone: Milestone, actor: User | None) -> Milestone:
    """Create or update a milestone; its dates must fall within the programme window. A
    new milestone without a programme joins the programme the tracker governs."""
    _require_pmo(actor)
    _join_current_programme(milestone)
    return validated_save(milestone, actor=actor)


@transaction.atomic
def stage_gate_save(*, gate: StageGate, actor: User | None) -> StageGate:
    """Create or update a gate; a decision other than pending needs a rationale and date.
    A new gate without a programme joins the programme the tracker governs."""
    _require_pmo(actor)
    _join_current_programme(gate)
    return validated_save(gate, actor=actor)


@transaction.atomic
def stage_gate_decide(
    *,
    gate: StageGate,
    decision: str,
    rationale: str,
    actor: User | None,
    decision_date: dt.date | None = None,
) -> StageGate:
    """Record the evaluation committee's decision on a gate."""
    _require_pmo(actor)
    if decision not in GateDecision.values:
        raise ValidationError({"decision": _("Unknown decision %(value)s.") % {"value": decision}})
    gate.decision = decision
    gate.rationale = rationale
    gate.decision_date = decision_date or timezone.localdate()
    return validated_save(gate, actor=actor)


@transaction.atomic
def gate_criterion_save(*, criterion: GateCriterion, actor: User | None) -> GateCriterion:
    _require_pmo(actor)
    return validated_save(criterion, actor=actor)


@transaction.atomic
def gate_condition_save(*, condition: GateCondition, actor: User | None) -> GateCondition:
    _require_pmo(actor)
    return validated_save(condition, actor=actor)


@transaction.atomic
def deliverable_save(*, deliverable: Deliverable, actor: User | None) -> Deliverable:
    _require_pmo(actor)
    return validated_save(deliverable, actor=actor)


@transaction.atomic
def risk_save(*, risk: Risk, actor: User | None) -> Risk:
    _require_pmo(actor)
    return validated_save(risk, actor=actor)


def evidence_attach(*, deliverable: Deliverable, upload: UploadedFile, actor: User) -> EvidenceFile:
    """Store an evidence file privately, with its SHA-256; nothing is left behind on error.

    Evidence may be any kind of document (reports, spreadsheets, logs), so only the checks
    every upload passes apply: a plain name, not empty, within the size limit.
    """
    _require_pmo(actor)
    facts = inspect_upload(upload)
    return private_file_save(
        EvidenceFile(deliverable=deliverable), upload=upload, facts=facts, actor=actor
    )


OPEN_STATUSES = (MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS)


@transaction.atomic
def milestones_flag_overdue(*, today: dt.date | None = None) -> list[Milestone]:
    """Flag as at risk every milestone past its due date that is still planned or in progress.

    Only the PMO decides that a milestone was missed; the sweep only draws attention to it.
    Each flag is a history row whose change reason names the sweep.
    """
    today = today or timezone.localdate()
    flagged = []
    overdue = Milestone.objects.select_for_update().filter(
        due_date__lt=today, status__in=OPEN_STATUSES
    )
    for milestone in overdue:
        milestone.status = MilestoneStatus.AT_RISK
        milestone._change_reason = "overdue sweep"
        validated_save(milestone, actor=None)
        flagged.append(milestone)
    return flagged
