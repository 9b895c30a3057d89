"""Small builders shared by the KPI core's specification tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from kpis.choices import BatchSource
from kpis.models import KPIDefinition, MonthlyValue
from kpis.services import IngestResult, MeasurementRow, measurements_ingest

TOKYO = ZoneInfo("Asia/Tokyo")
# Every test that ingests says when "now" is, so nothing depends on the wall clock.
NOW = dt.datetime(2027, 6, 15, 12, 0, tzinfo=TOKYO)


def tokyo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def row(
    number: int = 1,
    *,
    kpi: KPIDefinition | str,
    value: object,
    start: object,
    end: object = None,
    unit: object = None,
    subject: object = "",
) -> MeasurementRow:
    """A row as a sender would give it; the unit defaults to the KPI's own code."""
    code = kpi.code if isinstance(kpi, KPIDefinition) else kpi
    if unit is None and isinstance(kpi, KPIDefinition):
        unit = kpi.unit
    return MeasurementRow(
        number=number, kpi=code, value=value, unit=unit, start=start, end=end, subject=subject
    )


def ingest(
    rows: Iterable[MeasurementRow],
    *,
    actor=None,
    now: dt.datetime = NOW,
    source: str = BatchSource.API,
    **options,
) -> IngestResult:
    return measurements_ingest(rows=list(rows), source=source, actor=actor, now=now, **options)


def record(
    kpi: KPIDefinition,
    readings: Iterable[tuple],
    *,
    subject: str = "",
    actor=None,
    now: dt.datetime = NOW,
) -> IngestResult:
    """Store ``(start, value)`` instants or ``(start, end, value)`` periods of one subject."""
    rows = []
    for number, reading in enumerate(readings, start=1):
        start, end, value = reading if len(reading) == 3 else (reading[0], None, reading[1])
        rows.append(row(number, kpi=kpi, value=value, start=start, end=end, subject=subject))
    return ingest(rows, actor=actor, now=now)


def monthly(kpi: KPIDefinition) -> dict[tuple[str, dt.date], float]:
    """The stored monthly values of a KPI by (subject, month)."""
    return {
        (subject, month): value
        for subject, month, value in MonthlyValue.objects.filter(kpi=kpi).values_list(
            "subject", "month", "value"
        )
    }
