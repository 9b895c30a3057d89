"""How a month's value is formed from a subject's measurements, and how several subjects'
values combine, on examples worked out by hand. Months are Tokyo calendar months."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kpis.choices import Aggregation, Combination
from kpis.periods import (
    Sample,
    add_months,
    aggregate,
    combine,
    month_bounds,
    month_of,
    next_month,
)

TOKYO = ZoneInfo("Asia/Tokyo")
APRIL, MAY = month_bounds(dt.date(2027, 4, 1))  # [2027-04-01, 2027-05-01) in Tokyo


def at(day: int, hour: int = 0, month: int = 4) -> dt.datetime:
    return dt.datetime(2027, month, day, hour, tzinfo=TOKYO)


def instant(moment: dt.datetime, value: float) -> Sample:
    return Sample(start=moment, end=None, value=value)


def period(start: dt.datetime, end: dt.datetime, value: float) -> Sample:
    return Sample(start=start, end=end, value=value)


# Three readings in April: 10 on the 1st, 40 on the 11th, 20 on the 21st (midnight).
READINGS = [instant(at(1), 10.0), instant(at(11), 40.0), instant(at(21), 20.0)]


# ---------------------------------------------------------------------- aggregations


def test_latest_is_the_last_sample_in_order_of_time_and_arrival():
    assert aggregate(READINGS, Aggregation.LATEST, until=MAY) == 20.0
    # Two samples at the same time: the later arrival (later in the list) wins.
    same_time = [instant(at(5), 1.0), instant(at(5), 2.0)]
    assert aggregate(same_time, Aggregation.LATEST, until=MAY) == 2.0


def test_mean_is_the_plain_mean_whatever_the_spacing():
    assert aggregate(READINGS, Aggregation.MEAN, until=MAY) == pytest.approx(70.0 / 3)


def test_sum_adds_every_sample():
    assert aggregate(READINGS, Aggregation.SUM, until=MAY) == 70.0
    assert isinstance(aggregate([instant(at(1), 3)], Aggregation.SUM, until=MAY), float)


def test_max_is_the_largest_sample():
    assert aggregate(READINGS, Aggregation.MAX, until=MAY) == 40.0


def test_time_weighted_mean_holds_each_instant_until_the_next_and_the_last_to_month_end():
    # April has 30 days: 10 holds 10 days, 40 holds 10 days, 20 holds the last 10 days
    # (to the end of the month), so (10×10 + 40×10 + 20×10) / 30 = 700 / 30.
    assert aggregate(READINGS, Aggregation.TIME_WEIGHTED_MEAN, until=MAY) == pytest.approx(700 / 30)


def test_time_weighted_mean_of_unevenly_spaced_instants():
    # 0 % for 29 days, then 100 % for the last day: a GPU idle most of the month.
    samples = [instant(at(1), 0.0), instant(at(30), 100.0)]
    assert aggregate(samples, Aggregation.TIME_WEIGHTED_MEAN, until=MAY) == pytest.approx(100 / 30)
    # The plain mean would say 50 %.
    assert aggregate(samples, Aggregation.MEAN, until=MAY) == 50.0


def test_the_first_instant_holds_from_when_it_was_taken_not_from_month_start():
    # The only reading, on the 16th, covers the rest of the month: its value.
    samples = [instant(at(16), 60.0)]
    assert aggregate(samples, Aggregation.TIME_WEIGHTED_MEAN, until=MAY) == 60.0


def test_time_weighted_mean_of_periods_weighs_each_by_its_duration():
    # 10 over 1st–6th (5 days), 40 over 6th–26th (20 days): (50 + 800) / 25 = 34.
    samples = [period(at(1), at(6), 10.0), period(at(6), at(26), 40.0)]
    assert aggregate(samples, Aggregation.TIME_WEIGHTED_MEAN, until=MAY) == pytest.approx(34.0)


def test_a_period_running_past_month_end_weighs_only_its_days_in_the_month():
    # 30 over 21 April – 11 May counts 10 days in April; 0 over 1st–21st counts 20.
    samples = [period(at(1), at(21), 0.0), period(at(21), at(11, month=5), 30.0)]
    assert aggregate(samples, Aggregation.TIME_WEIGHTED_MEAN, until=MAY) == pytest.approx(10.0)


def test_instants_and_periods_mixed():
    # Period 1st–11th at 10 (10 days); instant 20 on the 11th holds to the 21st (10 days);
    # instant 50 on the 21st holds to month end (10 days): (100 + 200 + 500) / 30.
    samples = [period(at(1), at(11), 10.0), instant(at(11), 20.0), instant(at(21), 50.0)]
    assert aggregate(samples, Aggregation.TIME_WEIGHTED_MEAN, until=MAY) == pytest.approx(800 / 30)


def test_time_weighted_mean_falls_back_to_the_plain_mean_when_nothing_has_duration():
    # Judged at the very moment of the last reading, no reading has held for any time.
    samples = [instant(at(11), 40.0), instant(at(11), 20.0)]
    assert aggregate(samples, Aggregation.TIME_WEIGHTED_MEAN, until=at(11)) == 30.0


def test_an_instant_at_the_same_time_as_the_next_weighs_nothing():
    # The first 90 is immediately replaced by 30 at the same moment.
    samples = [instant(at(1), 90.0), instant(at(1), 30.0)]
    assert aggregate(samples, Aggregation.TIME_WEIGHTED_MEAN, until=MAY) == 30.0


@pytest.mark.parametrize("how", list(Aggregation))
def test_one_sample_is_its_own_value_under_every_aggregation(how):
    assert aggregate([instant(at(3), 42.0)], how, until=MAY) == 42.0


def test_aggregating_nothing_or_by_an_unknown_rule_is_a_programming_error():
    with pytest.raises(ValueError):
        aggregate([], Aggregation.MEAN, until=MAY)
    with pytest.raises(ValueError):
        aggregate(READINGS, "median", until=MAY)


# ----------------------------------------------------------------------- combination


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        (Combination.SUM, 90.0),
        (Combination.MEAN, 30.0),
        (Combination.MIN, 10.0),
        (Combination.MAX, 60.0),
    ],
)
def test_combining_subjects(how, expected):
    assert combine([10.0, 20.0, 60.0], how) == expected


def test_combining_nothing_or_by_an_unknown_rule_is_a_programming_error():
    with pytest.raises(ValueError):
        combine([], Combination.SUM)
    with pytest.raises(ValueError):
        combine([1.0], "median")


# ------------------------------------------------------------------- Tokyo months


def test_utc_15_00_on_the_last_day_of_a_month_is_the_next_month_in_tokyo():
    assert month_of(dt.datetime(2027, 3, 31, 14, 59, 59, tzinfo=dt.UTC)) == dt.date(2027, 3, 1)
    assert month_of(dt.datetime(2027, 3, 31, 15, 0, tzinfo=dt.UTC)) == dt.date(2027, 4, 1)
    assert month_of(dt.datetime(2027, 12, 31, 15, 0, tzinfo=dt.UTC)) == dt.date(2028, 1, 1)


def test_month_of_is_the_tokyo_month_whatever_time_zone_is_active():
    # A page or command may activate another zone; months stay the programme's months.
    moment = dt.datetime(2027, 3, 31, 16, 0, tzinfo=dt.UTC)  # 1 April 01:00 in Tokyo
    with timezone.override(ZoneInfo("Europe/London")):
        assert month_of(moment) == dt.date(2027, 4, 1)


def test_month_bounds_are_tokyo_midnights():
    start, end = month_bounds(dt.date(2027, 4, 1))
    assert start == dt.datetime(2027, 3, 31, 15, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2027, 4, 30, 15, 0, tzinfo=dt.UTC)
    assert month_of(start) == dt.date(2027, 4, 1)
    assert month_of(end) == dt.date(2027, 5, 1)


def test_month_arithmetic_across_year_ends():
    assert next_month(dt.date(2027, 12, 1)) == dt.date(2028, 1, 1)
    assert next_month(dt.date(2028, 1, 1)) == dt.date(2028, 2, 1)
    assert add_months(dt.date(2027, 4, 1), -4) == dt.date(2026, 12, 1)
    assert add_months(dt.date(2027, 4, 1), 11) == dt.date(2028, 3, 1)
    assert add_months(dt.date(2027, 4, 1), 0) == dt.date(2027, 4, 1)
