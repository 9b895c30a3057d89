"""Where each KPI stands against a gate's target: green, amber, red or no data, judged at the
gate's review date (or now, for a gate still ahead), with a twelve-month trend."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jvtracker.choices import OrganizationKind
from kpis.choices import Aggregation, Combination, Direction, Status, Unit
from kpis.models import KPITarget
from kpis.selectors import (
    TREND_MONTHS,
    criterion_kpi_met,
    gate_moment,
    kpi_monthly_series,
    kpi_status,
    kpi_statuses,
    kpi_subject_series,
    next_gate,
    status_of,
)
from milestones.choices import GateKind
from tests.factories import (
    GateCriterionFactory,
    KPIDefinitionFactory,
    KPITargetFactory,
    OrganizationFactory,
    StageGateFactory,
)
from tests.kpis.core_helpers import NOW, TOKYO, record, tokyo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def joint_venture(db):
    return OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)


@pytest.fixture
def gate():
    """The FY2027 gate, reviewed on 2027-12-15: still ahead at NOW (2027-06-15)."""
    return StageGateFactory(fiscal_year=2027)


@pytest.fixture
def gpu():
    return KPIDefinitionFactory(
        code="gpu_utilization",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER_IS_BETTER,
        aggregation=Aggregation.MEAN,
        combination=Combination.MEAN,
    )


def month(year: int, number: int) -> dt.date:
    return dt.date(year, number, 1)


# --------------------------------------------------------------------- the colours

HIGHER = KPITarget(target_value=80.0, amber_value=70.0)
LOWER = KPITarget(target_value=0.5, amber_value=0.8)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (100.0, Status.GREEN),
        (80.0, Status.GREEN),  # the target itself meets it
        (79.999, Status.AMBER),
        (70.0, Status.AMBER),  # the amber bound itself is amber
        (69.999, Status.RED),
        (0.0, Status.RED),
    ],
)
def test_higher_is_better_at_the_boundaries(value, expected):
    assert status_of(value, HIGHER, higher_is_better=True) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, Status.GREEN),
        (0.5, Status.GREEN),
        (0.50001, Status.AMBER),
        (0.8, Status.AMBER),
        (0.80001, Status.RED),
        (5.0, Status.RED),
    ],
)
def test_lower_is_better_at_the_boundaries(value, expected):
    assert status_of(value, LOWER, higher_is_better=False) == expected


def test_an_amber_bound_equal_to_the_target_leaves_no_amber_band():
    target = KPITarget(target_value=1.0, amber_value=1.0)
    assert status_of(1.0, target, higher_is_better=True) == Status.GREEN
    assert status_of(0.0, target, higher_is_better=True) == Status.RED
    assert status_of(0.0, KPITarget(target_value=0, amber_value=0), higher_is_better=False) == (
        Status.GREEN
    )
    assert status_of(1.0, KPITarget(target_value=0, amber_value=0), higher_is_better=False) == (
        Status.RED
    )


def test_no_target_means_no_status_and_no_value_means_no_data():
    assert status_of(50.0, None, higher_is_better=True) is None
    assert status_of(None, None, higher_is_better=True) is None
    assert status_of(None, HIGHER, higher_is_better=True) == Status.NO_DATA


# ------------------------------------------------------------------- KPI statuses


def test_the_status_is_the_latest_month_with_data_against_the_gates_target(gate, gpu):
    KPITargetFactory(kpi=gpu, gate=gate, target_value=80, amber_value=70)
    record(gpu, [(tokyo(2027, 4, 10), 60), (tokyo(2027, 4, 20), 70)])
    record(gpu, [(tokyo(2027, 5, 10), 74), (tokyo(2027, 5, 20), 76)])

    status = kpi_status(kpi=gpu, gate=gate, now=NOW)

    # June has no data yet: May's mean of 75 is the value, amber against 80/70.
    assert (status.month, status.value, status.status) == (month(2027, 5), 75.0, Status.AMBER)
    assert status.at == NOW
    assert status.target.target_value == 80.0


def test_the_trend_has_twelve_months_with_gaps_as_none(gate, gpu):
    record(gpu, [(tokyo(2026, 7, 1), 10), (tokyo(2027, 4, 10), 60), (tokyo(2027, 5, 10), 75)])

    trend = kpi_status(kpi=gpu, gate=gate, now=NOW).trend

    assert len(trend) == TREND_MONTHS == 12
    assert [m for m, _ in trend] == [month(2026, 7 + i) for i in range(6)] + [
        month(2027, i + 1) for i in range(6)
    ]
    assert dict(trend) == {
        **{m: None for m, _ in trend},
        month(2026, 7): 10.0,
        month(2027, 4): 60.0,
        month(2027, 5): 75.0,
    }


def test_data_older_than_the_trend_window_counts_as_no_data(gate, gpu):
    KPITargetFactory(kpi=gpu, gate=gate)
    record(gpu, [(tokyo(2026, 6, 30, 23), 95)])  # the month before the window

    status = kpi_status(kpi=gpu, gate=gate, now=NOW)

    assert (status.value, status.month, status.status) == (None, None, Status.NO_DATA)
    assert all(value is None for _, value in status.trend)


def test_a_kpi_without_a_target_at_the_gate_has_a_value_but_no_status(gate, gpu):
    KPITargetFactory(kpi=gpu, gate=StageGateFactory(fiscal_year=2028))
    record(gpu, [(tokyo(2027, 5, 10), 90)])

    status = kpi_status(kpi=gpu, gate=gate, now=NOW)

    assert (status.value, status.target, status.status) == (90.0, None, None)


def test_no_data_against_a_target(gate, gpu):
    KPITargetFactory(kpi=gpu, gate=gate)
    status = kpi_status(kpi=gpu, gate=gate, now=NOW)
    assert (status.value, status.status) == (None, Status.NO_DATA)
    assert len(status.trend) == 12


@pytest.mark.parametrize(
    ("combination", "expected"),
    [
        (Combination.SUM, 90.0),
        (Combination.MEAN, 30.0),
        (Combination.MIN, 10.0),
        (Combination.MAX, 60.0),
    ],
)
def test_subjects_are_combined_as_the_kpi_says(gate, combination, expected):
    kpi = KPIDefinitionFactory(unit=Unit.COUNT, combination=combination)
    for subject, value in (("steel", 10), ("finance", 20), ("mobility", 60)):
        record(kpi, [(tokyo(2027, 5, 3), value)], subject=subject)

    assert kpi_status(kpi=kpi, gate=gate, now=NOW).value == expected
    assert kpi_monthly_series(kpi=kpi) == [(month(2027, 5), expected)]


def test_a_lower_is_better_kpi_is_green_at_or_below_its_target(gate):
    cost = KPIDefinitionFactory(
        unit=Unit.JPY_PER_1K_TOKENS,
        direction=Direction.LOWER_IS_BETTER,
        aggregation=Aggregation.LATEST,
    )
    KPITargetFactory(kpi=cost, gate=gate, target_value=0.5, amber_value=0.8)
    record(cost, [(tokyo(2027, 4, 1), tokyo(2027, 5, 1), 0.9)])
    assert kpi_status(kpi=cost, gate=gate, now=NOW).status == Status.RED
    record(cost, [(tokyo(2027, 5, 1), tokyo(2027, 6, 1), 0.8)])
    assert kpi_status(kpi=cost, gate=gate, now=NOW).status == Status.AMBER
    record(cost, [(tokyo(2027, 6, 1), tokyo(2027, 6, 2), 0.5)])
    assert kpi_status(kpi=cost, gate=gate, now=NOW).status == Status.GREEN


# ----------------------------------------------------------------- when it is judged


def test_a_gate_still_ahead_is_judged_now():
    gate = StageGateFactory(fiscal_year=2027)  # reviewed 2027-12-15
    assert gate_moment(gate, NOW) == NOW


def test_a_past_gate_is_judged_at_the_end_of_its_review_day_in_tokyo():
    gate = StageGateFactory(fiscal_year=2026)  # reviewed 2026-12-15
    moment = gate_moment(gate, NOW)
    assert moment == dt.datetime(2026, 12, 15, 23, 59, 59, 999999, tzinfo=TOKYO)


def test_a_past_gate_ignores_measurements_after_its_review(gpu):
    gate = StageGateFactory(fiscal_year=2026)  # reviewed 2026-12-15
    KPITargetFactory(kpi=gpu, gate=gate, target_value=80, amber_value=70)
    record(gpu, [(tokyo(2026, 11, 10), 50), (tokyo(2026, 12, 10), 72)])
    # After the review: later in December, and in the months since.
    record(gpu, [(tokyo(2026, 12, 16, 0), 100), (tokyo(2027, 1, 10), 100)])

    status = kpi_status(kpi=gpu, gate=gate, now=NOW)

    assert status.at == dt.datetime(2026, 12, 15, 23, 59, 59, 999999, tzinfo=TOKYO)
    assert (status.month, status.value, status.status) == (month(2026, 12), 72.0, Status.AMBER)
    assert status.trend[-1] == (month(2026, 12), 72.0)
    assert status.trend[-2] == (month(2026, 11), 50.0)
    assert status.trend[0][0] == month(2026, 1)
    # The month itself, seen whole, includes the later reading.
    assert dict(kpi_monthly_series(kpi=gpu))[month(2026, 12)] == 86.0


def test_a_past_gate_reviewed_before_any_data_of_its_month_takes_the_month_before(gpu):
    gate = StageGateFactory(fiscal_year=2026)  # reviewed 2026-12-15
    KPITargetFactory(kpi=gpu, gate=gate, target_value=80, amber_value=70)
    record(gpu, [(tokyo(2026, 11, 10), 85), (tokyo(2026, 12, 20), 10)])

    status = kpi_status(kpi=gpu, gate=gate, now=NOW)

    assert (status.month, status.value, status.status) == (month(2026, 11), 85.0, Status.GREEN)
    assert status.trend[-1] == (month(2026, 12), None)


def test_a_past_gate_weighs_time_only_up_to_its_review(joint_venture):
    gate = StageGateFactory(fiscal_year=2026)  # reviewed 2026-12-15
    kpi = KPIDefinitionFactory(aggregation=Aggregation.TIME_WEIGHTED_MEAN)
    # 20 from 1 December, 80 from 11 December: by the end of the 15th, 10 days at 20 and
    # 5 days at 80, so (200 + 400) / 15 = 40; the month whole would be (200 + 1680) / 31.
    record(kpi, [(tokyo(2026, 12, 1), 20), (tokyo(2026, 12, 11), 80)])

    status = kpi_status(kpi=kpi, gate=gate, now=NOW)

    assert status.value == pytest.approx(40.0, abs=1e-6)
    assert dict(kpi_monthly_series(kpi=kpi))[month(2026, 12)] == pytest.approx(1880 / 31)


def test_the_next_gate_is_the_first_not_yet_reviewed():
    assert next_gate(dt.date(2027, 6, 15)) is None
    fy2026 = StageGateFactory(fiscal_year=2026)
    fy2027 = StageGateFactory(fiscal_year=2027)
    final = StageGateFactory(fiscal_year=2029, kind=GateKind.FINAL)

    assert next_gate(dt.date(2026, 12, 15)) == fy2026  # reviewed today: still next
    assert next_gate(dt.date(2026, 12, 16)) == fy2027
    assert next_gate(dt.date(2027, 6, 15)) == fy2027
    assert next_gate(dt.date(2028, 1, 1)) == final
    assert next_gate(dt.date(2031, 1, 1)) == final  # all past: the last one


# -------------------------------------------------------------------- gate criteria


def test_a_criterion_bound_to_a_kpi_holds_when_the_kpi_is_green(gate, gpu):
    KPITargetFactory(kpi=gpu, gate=gate, target_value=80, amber_value=70)
    criterion = GateCriterionFactory(gate=gate, kpi=gpu)
    unbound = GateCriterionFactory(gate=gate)

    assert criterion_kpi_met(unbound, now=NOW) is None
    assert criterion_kpi_met(criterion, now=NOW) is False  # no data
    record(gpu, [(tokyo(2027, 5, 1), 75)])
    assert criterion_kpi_met(criterion, now=NOW) is False  # amber
    record(gpu, [(tokyo(2027, 6, 1), 80)])
    assert criterion_kpi_met(criterion, now=NOW) is True  # green


def test_a_criterion_without_a_target_for_its_kpi_is_not_met(gate, gpu):
    criterion = GateCriterionFactory(gate=gate, kpi=gpu)
    record(gpu, [(tokyo(2027, 6, 1), 100)])
    assert criterion_kpi_met(criterion, now=NOW) is False


# ------------------------------------------------------------------------ series


def test_subject_series_are_per_subject_and_in_month_order(gpu):
    record(gpu, [(tokyo(2027, 5, 1), 50), (tokyo(2027, 4, 1), 40)], subject="b")
    record(gpu, [(tokyo(2027, 4, 2), 30)], subject="a")

    assert kpi_subject_series(kpi=gpu) == {
        "a": [(month(2027, 4), 30.0)],
        "b": [(month(2027, 4), 40.0), (month(2027, 5), 50.0)],
    }
    assert kpi_monthly_series(kpi=gpu) == [(month(2027, 4), 35.0), (month(2027, 5), 50.0)]
    assert kpi_monthly_series(kpi=gpu, first=dt.date(2027, 5, 20)) == [(month(2027, 5), 50.0)]
    assert kpi_monthly_series(kpi=gpu, last=month(2027, 4)) == [(month(2027, 4), 35.0)]


# ----------------------------------------------------------------------- queries


def _queries_for_statuses(gate, count: int) -> int:
    """Statuses of ``count`` KPIs, each green from two subjects in the gate's last month."""
    last = gate_moment(gate, NOW).replace(day=1, hour=0)
    before = last - dt.timedelta(days=20)
    kpis = [KPIDefinitionFactory() for _ in range(count)]
    for kpi in kpis:
        KPITargetFactory(kpi=kpi, gate=gate)
        record(kpi, [(before, 50), (last, 90)], subject="a")
        record(kpi, [(last, 70)], subject="b")
    with CaptureQueriesContext(connection) as context:
        statuses = kpi_statuses(gate=gate, now=NOW)
        assert len(statuses) >= count
        assert {s.status for s in statuses if s.kpi in kpis} == {Status.GREEN}
    return len(context)


@pytest.mark.parametrize("fiscal_year", [2027, 2026], ids=["gate-ahead", "gate-past"])
def test_statuses_of_many_kpis_take_a_constant_number_of_queries(fiscal_year):
    gate = StageGateFactory(fiscal_year=fiscal_year)
    few = _queries_for_statuses(gate, 2)
    many = _queries_for_statuses(gate, 20)
    assert few == many
    assert many <= 4


def test_statuses_for_given_kpis_only(gate, gpu):
    other = KPIDefinitionFactory()
    statuses = kpi_statuses(gate=gate, kpis=[gpu], now=NOW)
    assert [s.kpi for s in statuses] == [gpu]
    assert {s.kpi for s in kpi_statuses(gate=gate, now=NOW)} == {gpu, other}
