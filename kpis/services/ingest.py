"""The one way measurements enter the tracker: the API, file imports, the exporter scrape,
computed KPIs and the seed all call :func:`measurements_ingest`.

A batch is validated whole before anything is written: one bad row rejects the batch,
with every bad row named, and nothing of it is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jvtracker.choices import OrganizationKind
from jvtracker.models import Organization, User
from jvtracker.roles import reading_role
from kpis.choices import BatchSource, KPISource
from kpis.models import IngestBatch, KPIDefinition, Measurement, MonthlyValue
from kpis.periods import Sample, add_months, aggregate, month_bounds, month_of
from kpis.units import UnitError, to_kpi_unit

SUBJECT_MAX_LENGTH = Measurement._meta.get_field("subject").max_length
# Nothing the programme measures predates it by decades; earlier times are typing errors
# (and year 1 cannot even be converted to UTC).
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class MeasurementRow:
    """One measurement as received, before validation. ``number`` is how the sender
    counts it (row of a JSON array, line of a file), for error messages."""

    number: int
    kpi: object
    value: object
    unit: object
    start: object
    end: object = None
    subject: object = ""
    # What the sender called the start: "at" for an instant, so errors use their word.
    start_field: str = "start"


@dataclass(frozen=True)
class RowError:
    number: int
    field: str
    message: str

    def as_dict(self, numbering: str = "row") -> dict:
        return {numbering: self.number, "field": self.field, "message": self.message}


class IngestRejected(Exception):
    """The batch was refused; nothing of it was stored. ``errors`` name each bad row."""

    def __init__(self, errors: list[RowError], *, numbering: str = "row") -> None:
        self.errors = errors
        self.numbering = numbering
        super().__init__(self.message)

    def __reduce__(self):
        # Celery pickles a task's exception; the default would pass only the message.
        return (type(self), (self.errors,), {"numbering": self.numbering})

    @property
    def message(self) -> str:
        bad_rows = {e.number for e in self.errors if e.number}
        if not bad_rows:
            return _("The batch was rejected: %(reason)s Nothing was stored.") % {
                "reason": self.errors[0].message
            }
        if self.numbering == "line":
            return ngettext(
                "The batch was rejected: %(count)d line has errors. Nothing was stored.",
                "The batch was rejected: %(count)d lines have errors. Nothing was stored.",
                len(bad_rows),
            ) % {"count": len(bad_rows)}
        return ngettext(
            "The batch was rejected: %(count)d row has errors. Nothing was stored.",
            "The batch was rejected: %(count)d rows have errors. Nothing was stored.",
            len(bad_rows),
        ) % {"count": len(bad_rows)}

    def lines(self) -> list[str]:
        """Each error as one line of text, "line 3, value: …", for files and commands."""
        return [
            _("%(position)s, %(field)s: %(message)s")
            % {
                "position": position(self.numbering, e.number),
                "field": e.field,
                "message": e.message,
            }
            if e.number
            else e.message
            for e in self.errors
        ]


def position(numbering: str, number: int) -> str:
    """ "row 3" or "line 3" in the active language."""
    if numbering == "line":
        return _("line %(number)d") % {"number": number}
    return _("row %(number)d") % {"number": number}


@dataclass(frozen=True)
class IngestResult:
    batch: IngestBatch
    created: bool
    stored: int
    superseded: int
    unchanged: int = 0


@dataclass(frozen=True)
class _Valid:
    number: int
    kpi: KPIDefinition
    subject: str
    start: dt.datetime
    end: dt.datetime | None
    value: float

    @property
    def key(self) -> tuple:
        return (self.kpi.pk, self.subject, self.start, self.end)

    def canonical(self) -> str:
        # In UTC: the same instant written with another offset is the same row.
        start = self.start.astimezone(dt.UTC).isoformat()
        end = self.end.astimezone(dt.UTC).isoformat() if self.end else ""
        return f"{self.kpi.code}\t{self.subject}\t{start}\t{end}\t{self.value!r}"


def may_record(actor: User | None, kpi: KPIDefinition) -> bool:
    """Computed KPIs only by the tracker; otherwise the PMO for any KPI, a partner for the
    KPIs their organization owns or that partners push."""
    if kpi.source == KPISource.COMPUTED:
        return actor is None
    if actor is None:
        return True
    if not actor.is_active:
        return False
    if actor.is_pmo:
        return True
    return actor.is_partner and (
        kpi.owner_id == actor.organization_id or kpi.source == KPISource.PUSHED
    )


def may_record_batches(actor: User) -> bool:
    """Whether :func:`measurements_ingest` takes batches from ``actor`` at all: partners
    for their own organization, the PMO for any; policy staff read but never record."""
    if reading_role(actor) is None:
        return False
    try:
        batch_organization(actor, None)
    except PermissionDenied:
        return False
    except ValidationError:
        # The PMO without a joint venture to default to: they name the organization.
        return True
    return True


def batch_organization(actor: User | None, organization: Organization | None) -> Organization:
    """Whose measurements a batch holds: a partner's always their own organization's."""
    if actor is not None and actor.is_partner:
        if organization is not None and organization.pk != actor.organization_id:
            raise ValidationError(
                {"organization": _("You may only record measurements for your own organization.")}
            )
        return actor.organization
    if actor is not None and not actor.is_pmo:
        raise PermissionDenied(_("Your role may read KPIs but not record measurements."))
    if organization is not None:
        return organization
    joint_venture = Organization.objects.filter(kind=OrganizationKind.JOINT_VENTURE).first()
    if joint_venture is None:
        raise ValidationError({"organization": _("Say whose measurements these are.")})
    return joint_venture


def measurements_ingest(
    *,
    rows: Sequence[MeasurementRow],
    source: str,
    actor: User | None,
    organization: Organization | None = None,
    file_name: str = "",
    numbering: str = "row",
    max_rows: int | None = None,
    now: dt.datetime | None = None,
) -> IngestResult:
    """Validate and store a batch of measurements, all or nothing.

    A row with the same KPI, subject and time as one of the organization's current
    measurements supersedes it, unless it repeats its value: such a row is counted as
    unchanged and not stored again. A batch with nothing new (its rows were all stored
    before, and not corrected since) stores nothing: the earlier batch is returned with
    ``created`` False. Raises :class:`IngestRejected`.
    """
    if source not in BatchSource.values:
        raise ValueError(f"unknown source {source!r}")
    owner = batch_organization(actor, organization)
    limit = max_rows or settings.KPI_INGEST_MAX_ROWS
    if not rows:
        raise IngestRejected([RowError(0, "measurements", _("The batch is empty."))])
    if len(rows) > limit:
        raise IngestRejected(
            [
                RowError(
                    0,
                    "measurements",
                    _("A batch may hold at most %(limit)s measurements; this one has %(count)s.")
                    % {"limit": f"{limit:,}", "count": f"{len(rows):,}"},
                )
            ]
        )
    now = now or timezone.now()
    valid = _validated(rows, actor=actor, now=now, numbering=numbering)
    # The organization is part of what was sent: the same rows from another organization
    # are that organization's own measurements, not a re-sent batch.
    canonical = "\n".join([f"organization\t{owner.pk}", *sorted(v.canonical() for v in valid)])
    checksum = hashlib.sha256(canonical.encode()).hexdigest()

    with transaction.atomic():
        _lock_series(owner, valid)
        unchanged = _unchanged_batch(checksum)
        if unchanged is not None:
            return IngestResult(unchanged, created=False, stored=0, superseded=0)
        current = _current_with_same_key(valid, owner)
        repeated = {v.key for v in valid if v.key in current and current[v.key][1] == v.value}
        fresh = [v for v in valid if v.key not in repeated]
        if not fresh:
            # Every row repeats what is current: nothing to store. The answer names the
            # latest batch that brought those values.
            latest = (
                Measurement.objects.filter(pk__in=[current[key][0] for key in repeated])
                .order_by("-batch_id")
                .values_list("batch_id", flat=True)
                .first()
            )
            return IngestResult(
                IngestBatch.objects.get(pk=latest),
                created=False,
                stored=0,
                superseded=0,
                unchanged=len(valid),
            )
        superseded = {key: pk for key, (pk, _value) in current.items() if key not in repeated}
        try:
            with transaction.atomic():
                batch = IngestBatch.objects.create(
                    source=source,
                    submitted_by=actor,
                    organization=owner,
                    row_count=len(fresh),
                    superseded_count=len(superseded),
                    unchanged_count=len(repeated),
                    checksum=checksum,
                    file_name=file_name[:500],
                    received_at=now,
                )
                _insert_measurements(batch, fresh, superseded)
        except IntegrityError:
            # The series locks make this unreachable on PostgreSQL; SQLite serialises
            # writers. Kept so a concurrent correction could never end as a 500.
            raise IngestRejected(
                [
                    RowError(
                        0,
                        "measurements",
                        _(
                            "Another batch corrected the same measurements at the same time; "
                            "send this one again."
                        ),
                    )
                ]
            ) from None
        touched: dict[tuple[KPIDefinition, int, str], set[dt.date]] = defaultdict(set)
        for v in fresh:
            touched[(v.kpi, owner.pk, v.subject)].add(month_of(v.start))
        monthly_values_refresh_many(touched)
    return IngestResult(
        batch,
        created=True,
        stored=len(fresh),
        superseded=len(superseded),
        unchanged=len(repeated),
    )


# The columns a batch writes, in the order of the rows built for them.
_ROW_FIELDS = ("kpi", "batch", "organization", "subject", "start", "end", "value", "supersedes")


def _insert_measurements(batch: IngestBatch, valid: list[_Valid], superseded: dict) -> None:
    """Write the batch's rows. On PostgreSQL through COPY: building 10,000 model objects
    for ``bulk_create`` was the largest single cost of an API request, and nothing needs
    the new rows' ids. Constraints and foreign keys hold for COPY as for INSERT."""
    rows = (
        (
            v.kpi.pk,
            batch.pk,
            batch.organization_id,
            v.subject,
            v.start,
            v.end,
            v.value,
            superseded.get(v.key),
        )
        for v in valid
    )
    meta = Measurement._meta
    attnames = [meta.get_field(name).attname for name in _ROW_FIELDS]
    if connection.vendor != "postgresql":
        Measurement.objects.bulk_create(
            [Measurement(**dict(zip(attnames, row, strict=True))) for row in rows],
            batch_size=5000,
        )
        return
    columns = ", ".join(
        connection.ops.quote_name(meta.get_field(name).column) for name in _ROW_FIELDS
    )
    statement = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _lock_series(owner: Organization, valid: list[_Valid]) -> None:
    """Serialise concurrent batches writing the same series (KPI, organization, subject)
    from the search for corrections to the refreshed monthly values, so two batches can
    neither both take one key as new nor overwrite each other's monthly value. Identical
    batches share their series, so the later one then finds the earlier as a duplicate.
    Locks are taken in key order in one statement (no deadlock). SQLite serialises writers.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        {
            int.from_bytes(
                hashlib.blake2b(
                    f"{v.kpi.pk}\t{owner.pk}\t{v.subject}".encode(), digest_size=8
                ).digest(),
                "big",
                signed=True,
            )
            for v in valid
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) "
            "FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS keys",
            [keys],
        )


def _unchanged_batch(checksum: str) -> IngestBatch | None:
    """The latest batch with these rows if none of its measurements has been corrected
    since: sending it again changes nothing. Once corrected, the same rows are a new
    correction (back to the earlier values) and are stored."""
    latest = IngestBatch.objects.filter(checksum=checksum).order_by("-pk").first()
    if latest is None or latest.measurements.filter(superseded_by__isnull=False).exists():
        return None
    return latest


def _validated(
    rows: Sequence[MeasurementRow], *, actor: User | None, now: dt.datetime, numbering: str
) -> list[_Valid]:
    # A code with control characters is unknown without asking the database, which would
    # refuse a NUL outright.
    codes = {r.kpi for r in rows if isinstance(r.kpi, str) and r.kpi.isprintable()}
    kpis = {k.code: k for k in KPIDefinition.objects.filter(code__in=codes)}
    latest = now + dt.timedelta(seconds=settings.KPI_FUTURE_TOLERANCE_SECONDS)
    errors: list[RowError] = []
    valid: list[_Valid] = []
    seen: dict[tuple, int] = {}
    for row in rows:
        row_errors: list[RowError] = []

        def fail(field: str, message: str, row: MeasurementRow = row, into=row_errors) -> None:
            into.append(RowError(row.number, field, message))

        kpi = kpis.get(row.kpi) if isinstance(row.kpi, str) else None
        if kpi is None:
            fail("kpi", _("Unknown KPI code “%(code)s”.") % {"code": row.kpi})
        elif not may_record(actor, kpi):
            fail(
                "kpi",
                _("You may not record measurements of “%(code)s”.") % {"code": kpi.code},
            )
        subject = row.subject if row.subject is not None else ""
        if not isinstance(subject, str):
            fail("subject", _("The subject must be text."))
        elif len(subject.strip()) > SUBJECT_MAX_LENGTH:
            fail(
                "subject",
                _("The subject may have at most %(count)d characters.")
                % {"count": SUBJECT_MAX_LENGTH},
            )
        elif not subject.isprintable():
            fail("subject", _("The subject may not contain control characters."))
        subject = subject.strip() if isinstance(subject, str) else ""
        start = _moment(row.start, row.start_field, fail, required=True, latest=latest)
        end = _moment(row.end, "end", fail, required=False, latest=latest)
        if start is not None and end is not None and end <= start:
            fail("end", _("The end of a period must be after its start."))
        value = None
        if kpi is not None:
            try:
                value = to_kpi_unit(row.value, row.unit, kpi.unit)
            except UnitError as error:
                fail(error.field, str(error))
        if not row_errors and kpi is not None and start is not None and value is not None:
            item = _Valid(row.number, kpi, subject, start, end, value)
            first = seen.setdefault(item.key, row.number)
            if first != row.number:
                fail(
                    row.start_field,
                    _("Same KPI, subject and time as %(position)s.")
                    % {"position": position(numbering, first)},
                )
            else:
                valid.append(item)
        errors.extend(row_errors)
    if errors:
        raise IngestRejected(errors, numbering=numbering)
    return valid


def _moment(raw, field: str, fail, *, required: bool, latest: dt.datetime) -> dt.datetime | None:
    if raw is None or raw == "":
        if required:
            fail(field, _("A time is required."))
        return None
    if isinstance(raw, dt.datetime):
        moment = raw
    elif isinstance(raw, str):
        try:
            moment = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            fail(
                field,
                _("“%(value)s” is not an ISO 8601 time such as 2027-04-01T09:00:00+09:00.")
                % {"value": raw},
            )
            return None
    else:
        fail(field, _("A time must be given as ISO 8601 text."))
        return None
    if timezone.is_naive(moment):
        fail(
            field,
            _("“%(value)s” has no time zone; add one, e.g. +09:00 or Z.") % {"value": raw},
        )
        return None
    try:
        # Stored in UTC: PostgreSQL refuses offsets beyond ±15:59, which Python accepts.
        moment = moment.astimezone(dt.UTC)
    except OverflowError:
        moment = None
    if moment is None or moment < EARLIEST:
        fail(
            field,
            _("%(value)s is before %(earliest)s, earlier than any KPI of the programme.")
            % {"value": raw, "earliest": EARLIEST.year},
        )
        return None
    if moment > latest:
        fail(field, _("%(value)s is in the future.") % {"value": raw})
        return None
    return moment


def _current_with_same_key(
    valid: list[_Valid], owner: Organization
) -> dict[tuple, tuple[int, float]]:
    """Id and value of the owner's current measurement for each row's key, if any.

    Only the same organization's measurement is corrected: the PMO corrects a partner's
    figure by sending it as that organization's (naming it in the batch).
    """
    ranges: dict[tuple[int, str], list[dt.datetime]] = defaultdict(list)
    for v in valid:
        ranges[(v.kpi.pk, v.subject)].append(v.start)
    found: dict[tuple, tuple[int, float]] = {}
    conditions = [
        Q(kpi_id=kpi_id, subject=subject, start__gte=min(starts), start__lte=max(starts))
        for (kpi_id, subject), starts in ranges.items()
    ]
    for chunk in _chunks(conditions):
        current = Measurement.objects.filter(
            reduce(or_, chunk), organization=owner, superseded_by__isnull=True
        ).values_list("id", "kpi_id", "subject", "start", "end", "value")
        for pk, kpi_id, subject, start, end, value in current:
            found[(kpi_id, subject, start, end)] = (pk, value)
    return {v.key: found[v.key] for v in valid if v.key in found}


def monthly_values_refresh(
    *, kpi: KPIDefinition, organization_id: int, subject: str, months: set[dt.date]
) -> None:
    """Recompute one series' monthly values of a KPI from its current measurements."""
    monthly_values_refresh_many({(kpi, organization_id, subject): months})


def monthly_values_refresh_many(
    touched: dict[tuple[KPIDefinition, int, str], set[dt.date]],
) -> None:
    """Recompute the monthly values of every (KPI, organization, subject) for the months
    given: one read of the current measurements and one upsert for the lot, whatever the
    number of series a batch touched (chunked to keep each statement a sane size)."""
    kpis = {kpi.pk: kpi for kpi, _organization, _subject in touched}
    conditions = []
    for (kpi, organization_id, subject), months in touched.items():
        for first, last in _runs(sorted(months)):
            conditions.append(
                Q(
                    kpi_id=kpi.pk,
                    organization_id=organization_id,
                    subject=subject,
                    start__gte=month_bounds(first)[0],
                    start__lt=month_bounds(last)[1],
                )
            )
    samples: dict[tuple[int, int, str, dt.date], list[Sample]] = defaultdict(list)
    for chunk in _chunks(conditions):
        current = (
            Measurement.objects.filter(reduce(or_, chunk), superseded_by__isnull=True)
            .order_by("kpi_id", "organization_id", "subject", "start", "id")
            .values_list("kpi_id", "organization_id", "subject", "start", "end", "value")
        )
        for kpi_id, organization_id, subject, start, end, value in current:
            samples[(kpi_id, organization_id, subject, month_of(start))].append(
                Sample(start, end, value)
            )
    MonthlyValue.objects.bulk_create(
        [
            MonthlyValue(
                kpi_id=kpi_id,
                organization_id=organization_id,
                subject=subject,
                month=month,
                value=aggregate(items, kpis[kpi_id].aggregation, until=month_bounds(month)[1]),
                samples=len(items),
            )
            for (kpi_id, organization_id, subject, month), items in samples.items()
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["kpi", "month", "organization", "subject"],
        update_fields=["value", "samples"],
    )


def _chunks(items: list, size: int = 200) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _runs(months: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive months grouped into (first, last) runs, so each run is one query."""
    runs: list[tuple[dt.date, dt.date]] = []
    for month in months:
        if runs and add_months(runs[-1][1], 1) == month:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


def monthly_values_rebuild(*, kpi: KPIDefinition) -> int:
    """Recreate all monthly values of a KPI from its measurements; the number of months."""
    with transaction.atomic():
        MonthlyValue.objects.filter(kpi=kpi).delete()
        spans = (
            Measurement.objects.filter(kpi=kpi)
            .order_by()  # the default ordering would make every row its own group
            .values("organization_id", "subject")
            .annotate(first=Min("start"), last=Max("start"))
        )
        for span in spans:
            months = set()
            month = month_of(span["first"])
            while month <= month_of(span["last"]):
                months.add(month)
                month = add_months(month, 1)
            monthly_values_refresh(
                kpi=kpi,
                organization_id=span["organization_id"],
                subject=span["subject"],
                months=months,
            )
        return MonthlyValue.objects.filter(kpi=kpi).count()
