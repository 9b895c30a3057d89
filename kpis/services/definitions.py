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
    """Create or update a KPI. Its code and unit are fixed once it has measurements:
    changing them would silently reinterpret every stored value (or break every sender).
    A new monthly aggregation rebuilds the monthly values; a new direction or unit must
    still fit the KPI's targets."""
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
        _check_targets_still_fit(kpi, stored)
        aggregation_changed = stored.aggregation != kpi.aggregation
    else:
        aggregation_changed = False
    validated_save(kpi, actor=actor)
    if aggregation_changed:
        from kpis.services.ingest import monthly_values_rebuild

        monthly_values_rebuild(kpi=kpi)
    return kpi


def _check_targets_still_fit(kpi: KPIDefinition, stored: KPIDefinition) -> None:
    """Targets were validated against the KPI's direction and unit; if either changes, each
    target must still hold (an amber bound on the wrong side would make amber unreachable)."""
    changed = [f for f in ("direction", "unit") if getattr(stored, f) != getattr(kpi, f)]
    if not changed:
        return
    for target in KPITarget.objects.filter(kpi=kpi).select_related("gate"):
        target.kpi = kpi
        try:
            target.clean()
        except ValidationError:
            raise ValidationError(
                {
                    field: _(
                        "The target at %(gate)s would no longer be valid; adjust it first "
                        "(an amber threshold equal to the target fits either direction)."
                    )
                    % {"gate": target.gate}
                    for field in changed
                }
            ) from None


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
