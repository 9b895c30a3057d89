"""Every read of KPIs, with the role rules in one place.

PMO and policy staff read every KPI, target, measurement and incident. Partners read the
KPI definitions, targets and programme-level status (the programme's own figures), but of
measurements, batches and incidents only their own organization's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Min, QuerySet
from django.utils import timezone

from jvtracker.models import User
from jvtracker.roles import reading_role
from kpis.choices import Aggregation, Status
from kpis.models import (
    Incident,
    IngestBatch,
    KPIDefinition,
    KPITarget,
    Measurement,
    MonthlyValue,
    SafetyCheck,
)
from kpis.periods import Sample, add_months, aggregate, combine, month_bounds, month_of
from milestones.models import GateCriterion, StageGate

TREND_MONTHS = 12


def kpis_visible_to(user: User) -> QuerySet[KPIDefinition]:
    kpis = KPIDefinition.objects.select_related("owner")
    return kpis if reading_role(user) else kpis.none()


def kpis_recordable_by(user: User) -> QuerySet[KPIDefinition]:
    """The KPIs ``user`` may record measurements of, by the ingest service's own rule."""
    from kpis.services.ingest import may_record

    kpis = kpis_visible_to(user).order_by("order", "code")
    return kpis.filter(pk__in=[kpi.pk for kpi in kpis if may_record(user, kpi)])


def kpi_targets_visible_to(user: User) -> QuerySet[KPITarget]:
    targets = KPITarget.objects.select_related("kpi", "gate")
    return targets if reading_role(user) else targets.none()


def measurements_visible_to(user: User) -> QuerySet[Measurement]:
    measurements = Measurement.objects.select_related("kpi", "batch")
    role = reading_role(user)
    if role in ("pmo", "policy"):
        return measurements
    if role == "partner":
        return measurements.filter(organization_id=user.organization_id)
    return measurements.none()


def batches_visible_to(user: User) -> QuerySet[IngestBatch]:
    batches = IngestBatch.objects.select_related("submitted_by", "organization")
    role = reading_role(user)
    if role in ("pmo", "policy"):
        return batches
    if role == "partner":
        return batches.filter(organization_id=user.organization_id)
    return batches.none()


def incidents_visible_to(user: User) -> QuerySet[Incident]:
    incidents = Incident.objects.select_related("organization")
    role = reading_role(user)
    if role in ("pmo", "policy"):
        return incidents
    if role == "partner":
        return incidents.filter(organization_id=user.organization_id)
    return incidents.none()


def safety_checks() -> QuerySet[SafetyCheck]:
    return SafetyCheck.objects.all()


def gate_moment(gate: StageGate, now: dt.datetime | None = None) -> dt.datetime:
    """The moment a gate is judged at: the end of its review day, or now if that is later
    than now (a future gate is judged on what is known today)."""
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    review_end = dt.datetime.combine(
        gate.review_date + dt.timedelta(days=1), dt.time(), tzinfo=zone
    )
    return min(now, review_end - dt.timedelta(microseconds=1))


def next_gate(today: dt.date | None = None) -> StageGate | None:
    """The first gate not yet reviewed; the last gate once all are past."""
    today = today or timezone.localdate()
    gates = StageGate.objects.order_by("review_date", "kind")
    return gates.filter(review_date__gte=today).first() or gates.last()


def status_of(
    value: float | None, target: KPITarget | None, higher_is_better: bool
) -> Status | None:
    """Green at or beyond the target, amber at or beyond the amber bound, else red.
    None when the KPI has no target at the gate."""
    if target is None:
        return None
    if value is None:
        return Status.NO_DATA
    if higher_is_better:
        if value >= target.target_value:
            return Status.GREEN
        return Status.AMBER if value >= target.amber_value else Status.RED
    if value <= target.target_value:
        return Status.GREEN
    return Status.AMBER if value <= target.amber_value else Status.RED


@dataclass
class KPIStatus:
    kpi: KPIDefinition
    gate: StageGate
    target: KPITarget | None
    at: dt.datetime
    month: dt.date | None = None
    value: float | None = None
    status: Status | None = None
    # (month, value or None) for the TREND_MONTHS months up to ``at``, oldest first.
    trend: list[tuple[dt.date, float | None]] = field(default_factory=list)


def _combined_months(
    kpis: list[KPIDefinition], first: dt.date, last: dt.date
) -> dict[int, dict[dt.date, float]]:
    """Each KPI's combined value per month in [first, last], in one query."""
    by_kpi: dict[int, dict[dt.date, list[float]]] = defaultdict(lambda: defaultdict(list))
    rows = MonthlyValue.objects.filter(
        kpi__in=[k.pk for k in kpis], month__gte=first, month__lte=last
    ).values_list("kpi_id", "month", "value")
    for kpi_id, month, value in rows:
        by_kpi[kpi_id][month].append(value)
    combination = {k.pk: k.combination for k in kpis}
    return {
        kpi_id: {month: combine(values, combination[kpi_id]) for month, values in months.items()}
        for kpi_id, months in by_kpi.items()
    }


def _combined_month_until(
    kpis: list[KPIDefinition], month: dt.date, at: dt.datetime
) -> dict[int, float]:
    """Each KPI's combined value for ``month`` from its measurements up to ``at`` only,
    in one query: a past gate's month as it stood at the review, not as it ended."""
    start, _ = month_bounds(month)
    by_pk = {k.pk: k for k in kpis}
    samples: dict[tuple[int, int, str], list[Sample]] = defaultdict(list)
    rows = (
        Measurement.objects.filter(
            kpi__in=list(by_pk), start__gte=start, start__lte=at, superseded_by__isnull=True
        )
        .order_by("kpi_id", "organization_id", "subject", "start", "id")
        .values_list("kpi_id", "organization_id", "subject", "start", "end", "value")
    )
    for kpi_id, organization_id, subject, begins, ends, value in rows:
        samples[(kpi_id, organization_id, subject)].append(Sample(begins, ends, value))
    by_kpi: dict[int, list[float]] = defaultdict(list)
    for (kpi_id, _organization_id, _subject), items in samples.items():
        by_kpi[kpi_id].append(aggregate(items, by_pk[kpi_id].aggregation, until=at))
    return {kpi_id: combine(values, by_pk[kpi_id].combination) for kpi_id, values in by_kpi.items()}


def _combined_months_known_by(
    kpis: list[KPIDefinition],
    first: dt.date,
    last: dt.date,
    *,
    at: dt.datetime,
    known_by: dt.datetime,
    partial_last: bool,
) -> dict[int, dict[dt.date, float]]:
    """Each KPI's combined value per month in [first, last] as the tracker knew it at
    ``known_by``, from the measurements alone, in one query.

    Known then: its batch had been received, and no correction received by then had
    superseded it. Months are formed as the stored monthly values are (to the month's
    end), except the last when ``partial_last``: only up to ``at``, as a past gate's
    review saw it. On PostgreSQL the months are formed in the database (a year of hourly
    data for 100 KPIs is close to a million rows, too many to bring into Python); the
    other databases aggregate the rows here, with :func:`kpis.periods.aggregate`.
    """
    if not kpis:
        return {}
    by_pk = {k.pk: k for k in kpis}
    if connection.vendor == "postgresql":
        subject_values = _monthly_values_known_by_in_database(
            by_pk, first, last, at=at, known_by=known_by, partial_last=partial_last
        )
    else:
        subject_values = _monthly_values_known_by_in_python(
            by_pk, first, last, at=at, known_by=known_by, partial_last=partial_last
        )
    per_month: dict[tuple[int, dt.date], list[float]] = defaultdict(list)
    for kpi_id, month, value in subject_values:
        per_month[(kpi_id, month)].append(value)
    combined: dict[int, dict[dt.date, float]] = defaultdict(dict)
    for (kpi_id, month), values in per_month.items():
        combined[kpi_id][month] = combine(values, by_pk[kpi_id].combination)
    return combined


def _known_measurements(
    kpi_ids: list[int],
    first: dt.date,
    last: dt.date,
    *,
    at: dt.datetime,
    known_by: dt.datetime,
    partial_last: bool,
) -> QuerySet[Measurement]:
    within = {"start__lte": at} if partial_last else {"start__lt": month_bounds(last)[1]}
    return (
        Measurement.objects.filter(
            kpi__in=kpi_ids,
            start__gte=month_bounds(first)[0],
            batch__received_at__lte=known_by,
            **within,
        )
        .exclude(superseded_by__batch__received_at__lte=known_by)
        .order_by()
    )


def _monthly_values_known_by_in_python(
    by_pk: dict[int, KPIDefinition],
    first: dt.date,
    last: dt.date,
    *,
    at: dt.datetime,
    known_by: dt.datetime,
    partial_last: bool,
) -> list[tuple[int, dt.date, float]]:
    """(KPI id, month, one subject's value) for every series and month."""
    rows = (
        _known_measurements(
            list(by_pk), first, last, at=at, known_by=known_by, partial_last=partial_last
        )
        .order_by("kpi_id", "organization_id", "subject", "start", "id")
        .values_list("kpi_id", "organization_id", "subject", "start", "end", "value")
    )
    samples: dict[tuple[int, int, str, dt.date], list[Sample]] = defaultdict(list)
    for kpi_id, organization_id, subject, begins, ends, value in rows:
        samples[(kpi_id, organization_id, subject, month_of(begins))].append(
            Sample(begins, ends, value)
        )
    values = []
    for (kpi_id, _organization_id, _subject, month), items in samples.items():
        until = at if partial_last and month == last else month_bounds(month)[1]
        values.append((kpi_id, month, aggregate(items, by_pk[kpi_id].aggregation, until=until)))
    return values


# The same months as kpis.periods.aggregate forms them, in SQL. Each (KPI, organization,
# subject, Tokyo month) is one series-month; its samples in (start, id) order. A period
# weighs its duration up to the month's end (or the cut); an instant holds until the next
# sample of its series-month, the last one until the month's end (or the cut).
_MONTHS_SQL = """
WITH known AS (
    SELECT m.kpi_id, m.organization_id, m.subject, m.start, m."end", m.value, m.id,
           date_trunc('month', m.start AT TIME ZONE %(zone)s)::date AS month
    FROM ({known}) AS m
), framed AS (
    SELECT known.*,
           LEAD(start) OVER series AS next_start,
           ROW_NUMBER() OVER (
               PARTITION BY kpi_id, organization_id, subject, month ORDER BY start DESC, id DESC
           ) AS from_last,
           CASE WHEN %(partial_last)s AND month = %(last)s THEN %(at)s
                ELSE ((month + interval '1 month')::timestamp AT TIME ZONE %(zone)s)
           END AS until
    FROM known
    WINDOW series AS (PARTITION BY kpi_id, organization_id, subject, month ORDER BY start, id)
), weighed AS (
    SELECT framed.*,
           GREATEST(EXTRACT(EPOCH FROM (
               CASE WHEN "end" IS NOT NULL THEN LEAST("end", until)
                    WHEN next_start IS NOT NULL THEN next_start
                    ELSE until END
           ) - start), 0)::double precision AS weight
    FROM framed
)
SELECT kpi_id, month,
       AVG(value), SUM(value), MAX(value), MAX(value) FILTER (WHERE from_last = 1),
       SUM(weight * value), SUM(weight)
FROM weighed
GROUP BY kpi_id, organization_id, subject, month
"""


def _monthly_values_known_by_in_database(
    by_pk: dict[int, KPIDefinition],
    first: dt.date,
    last: dt.date,
    *,
    at: dt.datetime,
    known_by: dt.datetime,
    partial_last: bool,
) -> list[tuple[int, dt.date, float]]:
    """As :func:`_monthly_values_known_by_in_python`, with the months formed by
    PostgreSQL: one row per series-month instead of one per measurement."""
    known = _known_measurements(
        list(by_pk), first, last, at=at, known_by=known_by, partial_last=partial_last
    ).values("kpi_id", "organization_id", "subject", "start", "end", "value", "id")
    known_sql, known_params = known.query.sql_with_params()
    parameters = {f"known_{index}": value for index, value in enumerate(known_params)}
    known_sql = known_sql % tuple(f"%({name})s" for name in parameters)
    parameters.update(
        zone=str(timezone.get_default_timezone()), partial_last=partial_last, last=last, at=at
    )
    values = []
    with connection.cursor() as cursor:
        cursor.execute(_MONTHS_SQL.format(known=known_sql), parameters)
        for kpi_id, month, mean, total, highest, latest, weighted, weight in cursor.fetchall():
            how = by_pk[kpi_id].aggregation
            if how == Aggregation.LATEST:
                value = latest
            elif how == Aggregation.MEAN:
                value = mean
            elif how == Aggregation.SUM:
                value = total
            elif how == Aggregation.MAX:
                value = highest
            elif how == Aggregation.TIME_WEIGHTED_MEAN:
                value = weighted / weight if weight else mean
            else:
                raise ValueError(f"unknown aggregation {how!r}")
            values.append((kpi_id, month, float(value)))
    return values


def _months_changed_since(
    kpis: list[KPIDefinition], known_by: dt.datetime, first: dt.date
) -> dict[int, dt.date]:
    """For each KPI whose stored monthly values no longer all show what was known at
    ``known_by``, the first month that must be formed again from the measurements.

    A batch received since brought or corrected measurements from its earliest start on;
    the months before are as they were. A monthly aggregation changed since (``kpis`` may
    be definitions as they stood then) changes every month: from ``first``.
    """
    pks = [k.pk for k in kpis]
    # No ordering: the model's default one would group by every measurement.
    earliest = (
        Measurement.objects.filter(kpi__in=pks, batch__received_at__gt=known_by)
        .order_by()
        .values("kpi_id")
        .annotate(earliest=Min("start"))
        .values_list("kpi_id", "earliest")
    )
    since = {kpi_id: max(month_of(start), first) for kpi_id, start in earliest}
    stored = dict(KPIDefinition.objects.filter(pk__in=pks).values_list("pk", "aggregation"))
    since.update({k.pk: first for k in kpis if stored.get(k.pk) != k.aggregation})
    return since


def kpi_statuses(
    *,
    gate: StageGate,
    kpis: list[KPIDefinition] | None = None,
    now: dt.datetime | None = None,
    known_by: dt.datetime | None = None,
    targets: dict[int, KPITarget] | None = None,
) -> list[KPIStatus]:
    """Where each KPI stands against ``gate``'s target, judged at :func:`gate_moment`.

    The value is the latest month with data within the trend window, so a KPI silent for
    a year shows as no data rather than with a stale figure. A past gate's last month is
    taken as it stood at the review: measurements after it are ignored. Three queries in
    all, four for a past gate.

    ``known_by`` reads only what the tracker knew at that instant (a report "as of" a
    date): measurements received later, and corrections received later, are ignored. A
    KPI nothing has touched since is read from the stored monthly values as usual; the
    others are formed from their measurements. ``targets`` (KPI id → target) replaces the
    current targets, e.g. with the targets as they stood then.
    """
    now = now or timezone.now()
    at = gate_moment(gate, now)
    kpis = list(kpis if kpis is not None else KPIDefinition.objects.select_related("owner"))
    if targets is None:
        targets = {t.kpi_id: t for t in KPITarget.objects.filter(gate=gate, kpi__in=kpis)}
    last = month_of(at)
    first = add_months(last, -(TREND_MONTHS - 1))
    months = [add_months(first, i) for i in range(TREND_MONTHS)]
    changed = _months_changed_since(kpis, known_by, first) if known_by is not None else {}
    combined = _combined_months(kpis, first, last)
    if at < now:
        # The stored monthly value holds the whole month; the review saw only its start.
        partial = _combined_month_until([k for k in kpis if k.pk not in changed], last, at)
        for kpi in kpis:
            if kpi.pk in changed:
                continue
            values = combined.setdefault(kpi.pk, {})
            values.pop(last, None)
            if kpi.pk in partial:
                values[last] = partial[kpi.pk]
    # The months changed since are formed again from what was known then, one query per
    # distinct first month (KPIs fed by the same late batches share one).
    by_since: dict[dt.date, list[KPIDefinition]] = defaultdict(list)
    for kpi in kpis:
        if kpi.pk in changed:
            by_since[changed[kpi.pk]].append(kpi)
    for since, group in sorted(by_since.items()):
        formed = _combined_months_known_by(
            group, since, last, at=at, known_by=known_by, partial_last=at < now
        )
        for kpi in group:
            values = combined.setdefault(kpi.pk, {})
            for month in [m for m in values if m >= since]:
                del values[month]
            values.update(formed.get(kpi.pk, {}))
    statuses = []
    for kpi in kpis:
        values = combined.get(kpi.pk, {})
        status = KPIStatus(kpi=kpi, gate=gate, target=targets.get(kpi.pk), at=at)
        status.trend = [(month, values.get(month)) for month in months]
        known = [(month, value) for month, value in status.trend if value is not None]
        if known:
            status.month, status.value = known[-1]
        status.status = status_of(status.value, status.target, kpi.higher_is_better)
        statuses.append(status)
    return statuses


def kpi_status(*, kpi: KPIDefinition, gate: StageGate, now: dt.datetime | None = None) -> KPIStatus:
    return kpi_statuses(gate=gate, kpis=[kpi], now=now)[0]


def kpi_monthly_series(
    *, kpi: KPIDefinition, first: dt.date | None = None, last: dt.date | None = None
) -> list[tuple[dt.date, float]]:
    """The KPI's combined value for every month with data, oldest first."""
    values: dict[dt.date, list[float]] = defaultdict(list)
    rows = MonthlyValue.objects.filter(kpi=kpi)
    if first is not None:
        rows = rows.filter(month__gte=first.replace(day=1))
    if last is not None:
        rows = rows.filter(month__lte=last)
    for month, value in rows.order_by("month").values_list("month", "value"):
        values[month].append(value)
    return [(month, combine(vs, kpi.combination)) for month, vs in values.items()]


def kpi_subject_series(*, kpi: KPIDefinition) -> dict[str, list[tuple[dt.date, float]]]:
    """Each series' monthly values, for a KPI's detail page, labelled by subject, and by
    organization too when a subject is reported by more than one."""
    series: dict[tuple[str, str], list[tuple[dt.date, float]]] = defaultdict(list)
    rows = MonthlyValue.objects.filter(kpi=kpi).order_by("subject", "organization__code", "month")
    for subject, organization, month, value in rows.values_list(
        "subject", "organization__code", "month", "value"
    ):
        series[(subject, organization)].append((month, value))
    shared = {s for s, _o in series if sum(1 for t, _p in series if t == s) > 1}
    return {
        (f"{subject} ({organization})" if subject in shared else subject): values
        for (subject, organization), values in series.items()
    }


def kpi_subject_monthly_series(
    *,
    kpi: KPIDefinition,
    subject: str,
    user: User,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> list[tuple[dt.date, float]]:
    """One subject's value of a KPI for every month with data, oldest first: the monthly
    values of the organizations reporting that subject, combined as the KPI combines its
    series, of those organizations whose figures ``user`` may see.

    The PMO and policy staff see every organization's; a partner only their own, since
    one subject's figures are an organization's measurements, not the programme's (the
    programme-level series is :func:`kpi_monthly_series`, which every role reads).
    """
    role = reading_role(user)
    rows = MonthlyValue.objects.filter(kpi=kpi, subject=subject)
    if role == "partner":
        rows = rows.filter(organization_id=user.organization_id)
    elif role not in ("pmo", "policy"):
        return []
    if first is not None:
        rows = rows.filter(month__gte=first.replace(day=1))
    if last is not None:
        rows = rows.filter(month__lte=last)
    values: dict[dt.date, list[float]] = defaultdict(list)
    for month, value in rows.order_by("month").values_list("month", "value"):
        values[month].append(value)
    return [(month, combine(vs, kpi.combination)) for month, vs in values.items()]


def kpi_subjects(*, kpi: KPIDefinition) -> list[str]:
    """The subjects a KPI has values for, from the monthly values (never by counting
    measurements)."""
    subjects = MonthlyValue.objects.filter(kpi=kpi).order_by("subject").values_list("subject")
    return [subject for (subject,) in subjects.distinct()]


def criterion_kpi_met(criterion: GateCriterion, now: dt.datetime | None = None) -> bool | None:
    """Whether a KPI-bound criterion holds: its KPI is green at the criterion's gate.
    None when the criterion names no KPI."""
    if criterion.kpi_id is None:
        return None
    return kpi_status(kpi=criterion.kpi, gate=criterion.gate, now=now).status == Status.GREEN
