"""KPIs the tracker computes from its own records, refreshed when their inputs change
(on commit) and daily by Celery beat.

A computed KPI stores a measurement only when a subject's value differs from its current
one, so the history shows when things changed rather than a row per refresh; and once a
month (the first refresh of a month) every subject's value is restated, because a month's
value is combined from the subjects measured in it and the status reads the last twelve
months: without it a month where one industry changed would count that industry alone,
and a count unchanged for a year would show as no data.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from datagov.choices import IN_FORCE_STATUSES
from datagov.models import DataAsset, DataContract
from jvtracker.choices import Industry
from jvtracker.common.fiscal import FiscalYear
from kpis.choices import BatchSource, Unit
from kpis.models import Incident, KPIDefinition, Measurement, SafetyCheck
from kpis.periods import month_of

CONTRACTS_BY_INDUSTRY = "data_contracts_by_industry"
SAFETY_PIPELINE = "safety_pipeline"
SERIOUS_INCIDENTS = "serious_incidents"


def contracts_in_force_by_industry(on: dt.date) -> dict[str, int]:
    """Data contracts in force on ``on``, by the industry of the data they cover.

    A contract whose datasets span several industries counts once, as cross-industry, so
    the subjects add up to the number of contracts.
    """
    contracts = DataContract.objects.filter(
        status__in=IN_FORCE_STATUSES, effective_date__lte=on, expiry_date__gte=on
    ).prefetch_related(
        Prefetch("datasets", queryset=DataAsset.objects.only("id", "industry")),
        "transitions",
    )
    counts: Counter[str] = Counter()
    for contract in contracts:
        if not contract.is_in_force_on(on):
            continue
        industries = {d.industry for d in contract.datasets.all()}
        counts[industries.pop() if len(industries) == 1 else Industry.CROSS_INDUSTRY] += 1
    return dict(counts)


def safety_pipeline_in_place(on: dt.date) -> dict[str, int]:
    """1 when the checklist has required items and all are in place by ``on``, else 0."""
    required = list(SafetyCheck.objects.filter(required=True).values_list("done_on", flat=True))
    in_place = bool(required) and all(d is not None and d <= on for d in required)
    return {"": int(in_place)}


def serious_incidents_this_fiscal_year(on: dt.date) -> dict[str, int]:
    """Serious incidents (severity at or above the configured level) so far in ``on``'s
    fiscal year."""
    year = FiscalYear.of(on)
    count = Incident.objects.filter(
        severity__gte=settings.KPI_SERIOUS_INCIDENT_SEVERITY,
        occurred_on__gte=year.start,
        occurred_on__lte=on,
    ).count()
    return {"": count}


COMPUTED: dict[str, Callable[[dt.date], dict[str, int]]] = {
    CONTRACTS_BY_INDUSTRY: contracts_in_force_by_industry,
    SAFETY_PIPELINE: safety_pipeline_in_place,
    SERIOUS_INCIDENTS: serious_incidents_this_fiscal_year,
}
UNITS = {
    CONTRACTS_BY_INDUSTRY: Unit.COUNT,
    SAFETY_PIPELINE: Unit.YES_NO,
    SERIOUS_INCIDENTS: Unit.COUNT,
}


def computed_kpis_refresh(*, codes: Iterable[str] | None = None, now: dt.datetime | None = None):
    """Recompute the computed KPIs (all, or ``codes``); store what changed. Returns the
    ingest results of the batches written (one per KPI that changed)."""
    from kpis.services.ingest import MeasurementRow, measurements_ingest

    now = now or timezone.now()
    today = timezone.localdate(now)
    results = []
    wanted = set(codes) if codes is not None else set(COMPUTED)
    for kpi in KPIDefinition.objects.filter(code__in=wanted & set(COMPUTED)):
        values = COMPUTED[kpi.code](today)
        current = _current_values(kpi)
        # A subject that has dropped out (an industry's last contract expired) goes to 0.
        values = {**dict.fromkeys(current, 0), **values}
        if any(month_of(start) != month_of(now) for _, start in current.values()):
            changed = values  # a new month: restate every subject
        else:
            changed = {s: v for s, v in values.items() if current.get(s, (None,))[0] != v}
        if not changed:
            continue
        rows = [
            MeasurementRow(
                number=i,
                kpi=kpi.code,
                subject=subject,
                start=now,
                value=value,
                unit=UNITS[kpi.code],
            )
            for i, (subject, value) in enumerate(sorted(changed.items()), start=1)
        ]
        results.append(
            measurements_ingest(
                rows=rows, source=BatchSource.COMPUTED, actor=None, organization=kpi.owner, now=now
            )
        )
    return results


def _current_values(kpi: KPIDefinition) -> dict[str, tuple[float, dt.datetime]]:
    """Each subject's latest current measurement: its value and when it was taken."""
    latest: dict[str, tuple[float, dt.datetime]] = {}
    rows = (
        Measurement.objects.filter(kpi=kpi, superseded_by__isnull=True)
        .order_by("subject", "start", "id")
        .values_list("subject", "value", "start")
    )
    for subject, value, start in rows:
        latest[subject] = (value, start)
    return latest


def computed_kpis_enqueue(codes: Iterable[str] | None = None) -> None:
    """Refresh the computed KPIs by Celery once the current transaction commits."""
    from kpis.tasks import computed_kpis_refresh_task

    codes = sorted(codes) if codes is not None else None
    transaction.on_commit(lambda: computed_kpis_refresh_task.delay(codes))
