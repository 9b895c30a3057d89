"""Calendar months in Tokyo time and how a month's value is formed from measurements."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from kpis.choices import Aggregation, Combination


@dataclass(frozen=True)
class Sample:
    """A current measurement as the aggregation sees it; ``end`` None for an instant."""

    start: dt.datetime
    end: dt.datetime | None
    value: float


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the Tokyo calendar month in which ``moment`` falls."""
    # The project's zone, not the active one: months must agree with month_bounds and
    # with the stored monthly values whatever zone a request or command activated.
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month as aware datetimes in the project's time zone."""
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(month, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(next_month(month), dt.time(), tzinfo=zone)
    return start, end


def aggregate(samples: Sequence[Sample], how: str, *, until: dt.datetime) -> float:
    """One subject's value for a period from its samples, ordered by start then arrival.

    Time-weighted mean: a period sample weighs its duration; an instant holds until the
    next sample, and the last one until ``until`` (the end of the month). If nothing has
    any duration (one instant at the very end), it is the plain mean.
    """
    if not samples:
        raise ValueError("no samples")
    values = [s.value for s in samples]
    if how == Aggregation.LATEST:
        return values[-1]
    if how == Aggregation.MEAN:
        return statistics.fmean(values)
    if how == Aggregation.SUM:
        return float(sum(values))
    if how == Aggregation.MAX:
        return max(values)
    if how == Aggregation.TIME_WEIGHTED_MEAN:
        total = weighted = 0.0
        for index, sample in enumerate(samples):
            if sample.end is not None:
                stop = min(sample.end, until)
            elif index + 1 < len(samples):
                stop = samples[index + 1].start
            else:
                stop = until
            weight = max((stop - sample.start).total_seconds(), 0.0)
            total += weight
            weighted += weight * sample.value
        return weighted / total if total else statistics.fmean(values)
    raise ValueError(f"unknown aggregation {how!r}")


def combine(values: Sequence[float], how: str) -> float:
    """The KPI's value from its subjects' values for the same month."""
    if not values:
        raise ValueError("no values")
    if how == Combination.SUM:
        return float(sum(values))
    if how == Combination.MEAN:
        return statistics.fmean(values)
    if how == Combination.MIN:
        return min(values)
    if how == Combination.MAX:
        return max(values)
    raise ValueError(f"unknown combination {how!r}")
