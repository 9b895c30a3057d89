"""Writes to what the PMO maintains: KPI definitions, targets, the safety checklist,
incidents. Validated, attributed in history; the PMO only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jvtracker.common.services import validated_save
from jvtracker.models import User
from kpis.models import Incident, KPIDefinition, KPITarget, SafetyCheck
from kpis.services.computed import SAFETY_PIPELINE, SERIOUS_INCIDENTS, computed_kpis_enqueue


def _require_pmo(actor: User | None) -> None:
    if actor is not None and not actor.is_pmo:
        raise PermissionDenied(_("Only the PMO may change KPI definitions and targets."))


@transaction.atomic
def kpi_save(*, kpi: KPIDefinition, actor: User | None) -> KPIDefinition:
    """Create or update a KPI. Its unit and monthly aggregation are fixed once it has
    measurements: changing them would silently reinterpret every stored value."""
    _require_pmo(actor)
    if kpi.pk is not None:
        stored = KPIDefinition.objects.get(pk=kpi.pk)
        if kpi.measurements.exists():
            errors = {
                field: _("Fixed once the KPI has measurements; define a new KPI instead.")
                for field in ("code", "unit")
                if getattr(stored, field) != getattr(kpi, field)
            }
            if errors:
                raise ValidationError(errors)
        aggregation_changed = stored.aggregation != kpi.aggregation
    else:
        aggregation_changed = False
    validated_save(kpi, actor=actor)
    if aggregation_changed:
        from kpis.services.ingest import monthly_values_rebuild

        monthly_values_rebuild(kpi=kpi)
    return kpi


@transaction.atomic
def kpi_target_save(*, target: KPITarget, actor: User | None) -> KPITarget:
    _require_pmo(actor)
    return validated_save(target, actor=actor)


@transaction.atomic
def safety_check_save(*, check: SafetyCheck, actor: User | None) -> SafetyCheck:
    _require_pmo(actor)
    validated_save(check, actor=actor)
    computed_kpis_enqueue([SAFETY_PIPELINE])
    return check


@transaction.atomic
def incident_save(*, incident: Incident, actor: User | None) -> Incident:
    """Record or update an incident: the PMO for any organization, a partner for their own."""
    from datagov.services.access import require_own_organization

    require_own_organization(actor, incident.organization_id, "organization")
    if incident.pk is not None and actor is not None and not actor.is_pmo:
        stored = Incident.objects.get(pk=incident.pk)
        require_own_organization(actor, stored.organization_id, "organization")
    validated_save(incident, actor=actor)
    computed_kpis_enqueue([SERIOUS_INCIDENTS])
    return incident
