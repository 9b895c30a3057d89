"""A gate's KPI status as the tracker knew it at an instant (``known_by``), for reports
"as of" a date: later batches and later corrections are ignored, and the answer read from
the stored monthly values equals the one formed from the measurements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jvtracker.choices import OrganizationKind
from kpis.choices import Aggregation, Combination, Direction, Status, Unit
from kpis.selectors import kpi_statuses
from tests.factories import (
    KPIDefinitionFactory,
    KPITargetFactory,
    OrganizationFactory,
    StageGateFactory,
)
from tests.kpis.core_helpers import record, tokyo

pytestmark = pytest.mark.django_db

APRIL, MAY = dt.date(2027, 4, 1), dt.date(2027, 5, 1)


@pytest.fixture(autouse=True)
def joint_venture(db):
    return OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)


@pytest.fixture
def gate():
    return StageGateFactory(fiscal_year=2027, review_date=dt.date(2027, 12, 15))


@pytest.fixture
def gpu(gate):
    kpi = KPIDefinitionFactory(
        code="gpu_utilization",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER_IS_BETTER,
        aggregation=Aggregation.TIME_WEIGHTED_MEAN,
        combination=Combination.MEAN,
    )
    KPITargetFactory(kpi=kpi, gate=gate, target_value=80, amber_value=70)
    return kpi


def trend(status) -> dict[dt.date, float]:
    return {month: value for month, value in status.trend if value is not None}


def test_a_batch_received_after_the_instant_is_ignored(gate, gpu):
    record(gpu, [(tokyo(2027, 4, 10), 60)], subject="a", now=tokyo(2027, 4, 30))
    record(gpu, [(tokyo(2027, 5, 10), 90)], subject="a", now=tokyo(2027, 5, 31))

    (then,) = kpi_statuses(gate=gate, kpis=[gpu], now=tokyo(2027, 5, 1), known_by=tokyo(2027, 5, 1))
    (today,) = kpi_statuses(gate=gate, kpis=[gpu], now=tokyo(2027, 6, 1))

    assert trend(then) == {APRIL: 60}
    assert (then.month, then.value, then.status) == (APRIL, 60, Status.RED)
    assert trend(today) == {APRIL: 60, MAY: 90}
    assert today.status == Status.GREEN


def test_a_correction_received_later_leaves_the_superseded_value_counting(gate, gpu):
    record(gpu, [(tokyo(2027, 4, 10), 60)], subject="a", now=tokyo(2027, 4, 20))
    record(gpu, [(tokyo(2027, 4, 10), 85)], subject="a", now=tokyo(2027, 5, 20))

    (then,) = kpi_statuses(gate=gate, kpis=[gpu], now=tokyo(2027, 5, 1), known_by=tokyo(2027, 5, 1))
    (after,) = kpi_statuses(
        gate=gate, kpis=[gpu], now=tokyo(2027, 5, 21), known_by=tokyo(2027, 5, 21)
    )

    assert trend(then) == {APRIL: 60}
    assert trend(after) == {APRIL: 85}


def test_untouched_kpis_read_from_stored_values_agree_with_values_formed_from_measurements(
    gate, gpu
):
    """The same instant, read once before and once after a later batch arrives: the first
    read uses the stored monthly values, the second re-forms them; both say the same."""
    readings = [(tokyo(2027, 4, d), 50 + d) for d in (1, 5, 9, 17, 28)]
    record(gpu, readings, subject="a", now=tokyo(2027, 4, 30))
    record(gpu, [(tokyo(2027, 4, 3), 99)], subject="b", now=tokyo(2027, 4, 30))
    instant = tokyo(2027, 5, 2)
    (before,) = kpi_statuses(gate=gate, kpis=[gpu], now=instant, known_by=instant)

    record(gpu, [(tokyo(2027, 5, 1, 12), 10)], subject="a", now=tokyo(2027, 5, 3))
    (regenerated,) = kpi_statuses(gate=gate, kpis=[gpu], now=instant, known_by=instant)

    assert trend(before) == pytest.approx(trend(regenerated))
    assert before.value == pytest.approx(regenerated.value)
    assert before.status == regenerated.status


def test_a_past_gate_known_later_keeps_its_review_day_cut(gpu):
    """A gate reviewed mid-month, read as known a month later with a later batch in
    between: its last month is still formed only up to the review."""
    past = StageGateFactory(fiscal_year=2026, review_date=dt.date(2027, 3, 15))
    KPITargetFactory(kpi=gpu, gate=past, target_value=80, amber_value=70)
    record(gpu, [(tokyo(2027, 3, 1), 90), (tokyo(2027, 3, 20), 10)], now=tokyo(2027, 3, 31))
    record(gpu, [(tokyo(2027, 3, 25), 20)], now=tokyo(2027, 4, 10))

    (as_known,) = kpi_statuses(
        gate=past, kpis=[gpu], now=tokyo(2027, 4, 1), known_by=tokyo(2027, 4, 1)
    )

    assert as_known.month == dt.date(2027, 3, 1)
    assert as_known.value == pytest.approx(90)
    assert as_known.status == Status.GREEN


def test_targets_given_replace_the_current_ones(gate, gpu):
    record(gpu, [(tokyo(2027, 4, 10), 75)], now=tokyo(2027, 4, 30))
    older = KPITargetFactory.build(kpi=gpu, gate=gate, target_value=70, amber_value=60)

    (current,) = kpi_statuses(gate=gate, kpis=[gpu], now=tokyo(2027, 5, 1))
    (with_older,) = kpi_statuses(
        gate=gate, kpis=[gpu], now=tokyo(2027, 5, 1), targets={gpu.pk: older}
    )

    assert current.status == Status.AMBER
    assert with_older.status == Status.GREEN
    assert with_older.target is older


def test_an_aggregation_changed_since_is_formed_as_it_was_defined_then(gate, gpu):
    record(gpu, [(tokyo(2027, 4, 1), 40), (tokyo(2027, 4, 30), 100)], now=tokyo(2027, 4, 30))
    then_definition = type(gpu).objects.get(pk=gpu.pk)
    then_definition.aggregation = Aggregation.LATEST  # as the history would show it

    (as_defined_then,) = kpi_statuses(
        gate=gate, kpis=[then_definition], now=tokyo(2027, 5, 1), known_by=tokyo(2027, 5, 1)
    )

    assert as_defined_then.value == pytest.approx(100)


def test_finding_the_months_touched_since_groups_by_kpi_not_by_measurement(gate, gpu):
    """Which KPIs a later batch touched, and from which start, is grouped by KPI: the
    measurements' default ordering must not widen it to every measurement (millions in
    the benchmark)."""
    record(gpu, [(tokyo(2027, 4, d), 50 + d) for d in range(1, 20)], now=tokyo(2027, 5, 10))

    with CaptureQueriesContext(connection) as queries:
        kpi_statuses(gate=gate, kpis=[gpu], now=tokyo(2027, 5, 1), known_by=tokyo(2027, 5, 1))

    [grouped] = [q["sql"] for q in queries.captured_queries if "MIN(" in q["sql"].upper()]
    selected = grouped.split(" FROM ")[0]
    assert '"kpi_id"' in selected and "MIN(" in selected.upper()
    assert '"subject"' not in selected and '"organization_id"' not in selected
    assert "GROUP BY" in grouped.upper()


def test_only_the_months_a_later_batch_touched_are_formed_again(gate, gpu):
    """A correction of May received after the instant: April is read as stored, May as it
    was known; both as they stood then."""
    record(gpu, [(tokyo(2027, 4, 10), 60), (tokyo(2027, 5, 10), 75)], now=tokyo(2027, 5, 20))
    record(gpu, [(tokyo(2027, 5, 10), 95)], now=tokyo(2027, 6, 2))

    (then,) = kpi_statuses(
        gate=gate, kpis=[gpu], now=tokyo(2027, 5, 31), known_by=tokyo(2027, 5, 31)
    )

    assert trend(then) == {APRIL: 60, MAY: 75}
    assert then.status == Status.AMBER


@pytest.mark.parametrize("how", list(Aggregation))
@pytest.mark.parametrize("partial_last", [False, True])
def test_postgresql_forms_the_months_exactly_as_python_does(postgres, gate, how, partial_last):
    """The database's months (used on PostgreSQL for speed) equal kpis.periods.aggregate's
    for every aggregation: instants and periods, two subjects and two organizations, a
    correction known in time and one received too late, a partial last month."""
    from kpis import selectors

    kpi = KPIDefinitionFactory(code=f"k_{how}", unit=Unit.PERCENT, aggregation=how)
    other = OrganizationFactory(code="other", kind=OrganizationKind.TECHNICAL_PARTNER)
    record(
        kpi,
        [(tokyo(2027, 3, 3), 40), (tokyo(2027, 3, 9, 7), 55)],
        subject="a",
        now=tokyo(2027, 3, 10),
    )
    record(
        kpi,
        [
            (tokyo(2027, 3, 5), tokyo(2027, 3, 8), 70),
            (tokyo(2027, 4, 2), 20),
            (tokyo(2027, 4, 2), tokyo(2027, 4, 24, 12), 35),
            (tokyo(2027, 4, 20), 90),
        ],
        subject="b",
        now=tokyo(2027, 4, 25),
    )
    record(kpi, [(tokyo(2027, 3, 3), 45)], subject="a", now=tokyo(2027, 4, 1))  # in time
    record(kpi, [(tokyo(2027, 4, 20), 10)], subject="b", now=tokyo(2027, 5, 9))  # too late
    from tests.factories import UserFactory

    partner = UserFactory(organization=other)
    record(
        kpi,
        [(tokyo(2027, 4, 1, 9), 60), (tokyo(2027, 4, 15), 80)],
        subject="a",
        actor=partner,
        now=tokyo(2027, 4, 16),
    )
    arguments = {
        "at": tokyo(2027, 4, 21, 12),
        "known_by": tokyo(2027, 5, 1),
        "partial_last": partial_last,
    }
    first, last = dt.date(2027, 3, 1), dt.date(2027, 4, 1)

    in_python = selectors._monthly_values_known_by_in_python(
        {kpi.pk: kpi}, first, last, **arguments
    )
    in_database = selectors._monthly_values_known_by_in_database(
        {kpi.pk: kpi}, first, last, **arguments
    )

    assert len(in_python) == 4  # a and b in March; b and the partner's a in April
    in_database, in_python = sorted(in_database), sorted(in_python)
    assert [row[:2] for row in in_database] == [row[:2] for row in in_python]
    assert [row[2] for row in in_database] == pytest.approx([row[2] for row in in_python])
