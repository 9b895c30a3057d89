"""The one ingest service: all or nothing, every bad row named, re-sent batches recognised,
corrections superseding (never updating) what they correct, and who may record what."""

from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from jvtracker.choices import OrganizationKind
from kpis.choices import Aggregation, BatchSource, KPISource, Unit
from kpis.models import IngestBatch, Measurement, MonthlyValue
from kpis.services import (
    IngestRejected,
    RowError,
    may_record,
    measurements_ingest,
    monthly_values_rebuild,
)
from tests.factories import (
    KPIDefinitionFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
)
from tests.kpis.core_helpers import NOW, ingest, monthly, record, row, tokyo

pytestmark = pytest.mark.django_db

APRIL = dt.date(2027, 4, 1)
MAY = dt.date(2027, 5, 1)


@pytest.fixture(autouse=True)
def joint_venture(db):
    """The tracker's own batches are the joint venture's unless they say otherwise."""
    return OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)


@pytest.fixture
def owner():
    return OrganizationFactory(code="sakura")


@pytest.fixture
def gpu(owner):
    """GPU utilisation in %, monthly mean of its readings, pushed by partners."""
    return KPIDefinitionFactory(
        code="gpu_utilization",
        unit=Unit.PERCENT,
        aggregation=Aggregation.MEAN,
        source=KPISource.PUSHED,
        owner=owner,
    )


@pytest.fixture
def pmo(owner):
    return PMOUserFactory(organization=owner)


def _rejected(rows, **options) -> IngestRejected:
    with pytest.raises(IngestRejected) as caught, translation.override("en"):
        ingest(rows, **options)
    return caught.value


def _nothing_stored() -> None:
    assert IngestBatch.objects.count() == 0
    assert Measurement.objects.count() == 0
    assert MonthlyValue.objects.count() == 0


def _hourly(kpi, count: int, *, subject: str = "cluster-a", first: int = 1) -> list:
    start = tokyo(2027, 4, 1)
    return [
        row(
            first + i,
            kpi=kpi,
            value=50 + i % 10,
            unit="%",
            start=(start + dt.timedelta(hours=i)).isoformat(),
            subject=subject,
        )
        for i in range(count)
    ]


# ------------------------------------------------------------------------ a good batch


def test_a_batch_is_stored_with_its_audit_record(gpu, pmo, owner):
    result = ingest(
        _hourly(gpu, 3),
        actor=pmo,
        organization=owner,
        file_name="april.csv",
        source=BatchSource.FILE,
    )

    assert result.created is True
    assert (result.stored, result.superseded) == (3, 0)
    batch = IngestBatch.objects.get()
    assert result.batch == batch
    assert batch.submitted_by == pmo
    assert batch.organization == owner
    assert batch.source == BatchSource.FILE
    assert batch.file_name == "april.csv"
    assert (batch.row_count, batch.superseded_count) == (3, 0)
    assert re.fullmatch("[0-9a-f]{64}", batch.checksum)
    assert list(batch.measurements.values_list("subject", "value")) == [
        ("cluster-a", 50.0),
        ("cluster-a", 51.0),
        ("cluster-a", 52.0),
    ]


def test_values_are_stored_in_the_kpi_unit(owner):
    volume = KPIDefinitionFactory(unit=Unit.TB_PER_MONTH, aggregation=Aggregation.SUM, owner=owner)
    ingest([row(kpi=volume, value=2500, unit="GB/month", start=tokyo(2027, 4, 2).isoformat())])

    assert Measurement.objects.get().value == 2.5
    assert monthly(volume) == {("", APRIL): 2.5}


def test_a_period_is_stored_with_its_end(owner):
    cost = KPIDefinitionFactory(unit=Unit.JPY_PER_1K_TOKENS, owner=owner)
    ingest(
        [
            row(
                kpi=cost,
                value=420,
                unit="JPY/1M tokens",
                start="2027-04-01T00:00:00+09:00",
                end="2027-05-01T00:00:00+09:00",
            )
        ]
    )

    measurement = Measurement.objects.get()
    assert (measurement.start, measurement.end) == (tokyo(2027, 4, 1), tokyo(2027, 5, 1))
    assert measurement.value == 0.42


def test_timestamps_may_be_given_as_aware_datetimes_or_with_z(gpu):
    ingest(
        [
            row(1, kpi=gpu, value=10, start="2027-04-01T00:00:00Z"),
            row(2, kpi=gpu, value=20, start=tokyo(2027, 4, 2)),
        ]
    )
    assert sorted(Measurement.objects.values_list("start", flat=True)) == [
        dt.datetime(2027, 4, 1, tzinfo=dt.UTC),
        tokyo(2027, 4, 2),
    ]


def test_a_measurement_falls_in_the_tokyo_month(gpu):
    # 15:30 UTC on 31 March is 00:30 on 1 April in Tokyo.
    ingest([row(kpi=gpu, value=64, start="2027-03-31T15:30:00Z")])
    assert monthly(gpu) == {("", APRIL): 64.0}


def test_the_subject_is_stripped_and_may_be_64_characters(gpu):
    ingest([row(kpi=gpu, value=1, start=tokyo(2027, 4, 1).isoformat(), subject=f"  {'x' * 64} ")])
    assert Measurement.objects.get().subject == "x" * 64


def test_an_unknown_source_is_a_programming_error(gpu):
    with pytest.raises(ValueError):
        measurements_ingest(rows=_hourly(gpu, 1), source="carrier-pigeon", actor=None, now=NOW)


# ------------------------------------------------------------------- all or nothing


def test_one_bad_row_among_many_stores_nothing(gpu):
    rows = _hourly(gpu, 200)
    rows[136] = row(137, kpi=gpu, value="abc", start=tokyo(2027, 5, 1).isoformat())

    rejected = _rejected(rows)

    assert [(e.number, e.field) for e in rejected.errors] == [(137, "value")]
    _nothing_stored()


def test_every_bad_row_is_named_with_its_number_and_field(gpu, owner):
    counts = KPIDefinitionFactory(code="incidents", unit=Unit.COUNT, owner=owner)
    good = tokyo(2027, 4, 1).isoformat()
    rows = [
        row(1, kpi=gpu, value=50, start=good),
        row(2, kpi="no_such_kpi", value=50, unit="%", start=good),
        row(3, kpi=gpu, value=50, unit="JPY", start=good),
        row(4, kpi=gpu, value="NaN", start=good),
        row(5, kpi=gpu, value=100.5, start=good),
        row(6, kpi=gpu, value=50, unit="furlongs", start=good),
        row(7, kpi=gpu, value=50, unit="", start=good),
        row(8, kpi=gpu, value=50, start="2027-04-01T09:00:00"),
        row(9, kpi=gpu, value=50, start="2027-07-01T00:00:00+09:00"),
        row(10, kpi=gpu, value=50, start=good, end="2027-03-01T00:00:00+09:00"),
        row(11, kpi=gpu, value=50, start=good, subject="s" * 65),
        row(12, kpi=gpu, value=50, start=None),
        row(13, kpi=gpu, value=50, start="yesterday"),
        row(14, kpi=counts, value=1.5, start=good),
        row(15, kpi=gpu, value=-1, start=good),
        row(16, kpi=gpu, value="inf", start=good),
        row(17, kpi=gpu, value=True, start=good),
        row(18, kpi=gpu, value=50, start=good, subject=42),
        row(19, kpi=gpu, value=50, start=20270401),
        row(20, kpi=gpu, value=50, start=good, subject="ok"),
    ]

    rejected = _rejected(rows)

    assert [(e.number, e.field) for e in rejected.errors] == [
        (2, "kpi"),
        (3, "unit"),
        (4, "value"),
        (5, "value"),
        (6, "unit"),
        (7, "unit"),
        (8, "start"),
        (9, "start"),
        (10, "end"),
        (11, "subject"),
        (12, "start"),
        (13, "start"),
        (14, "value"),
        (15, "value"),
        (16, "value"),
        (17, "value"),
        (18, "subject"),
        (19, "start"),
    ]
    messages = {e.number: e.message for e in rejected.errors}
    assert "no_such_kpi" in messages[2]
    assert "time zone" in messages[8]
    assert "future" in messages[9]
    assert "after its start" in messages[10]
    assert "64" in messages[11]
    assert "yesterday" in messages[13]
    _nothing_stored()


def test_a_row_with_several_faults_reports_each(gpu):
    rejected = _rejected([row(kpi=gpu, value="abc", start="2027-04-01T09:00:00", subject="s" * 65)])
    assert {e.field for e in rejected.errors} == {"value", "start", "subject"}


def test_the_rejection_reads_as_a_message_and_as_lines(gpu):
    good = tokyo(2027, 4, 1).isoformat()
    rejected = _rejected(
        [
            row(3, kpi=gpu, value="abc", start=good),
            row(4, kpi=gpu, value=50, start="2027-04-01T09:00:00"),
            row(5, kpi=gpu, value=50, unit="JPY", start="2027-04-01T09:00:00"),
        ],
        numbering="line",
    )

    with translation.override("en"):
        assert rejected.message == (
            "The batch was rejected: 3 lines have errors. Nothing was stored."
        )
        lines = rejected.lines()
    assert lines[0] == "line 3, value: “abc” is not a number."
    assert lines[1].startswith("line 4, start: ")
    assert rejected.errors[0].as_dict("line") == {
        "line": 3,
        "field": "value",
        "message": "“abc” is not a number.",
    }
    assert RowError(7, "unit", "x").as_dict() == {"row": 7, "field": "unit", "message": "x"}


def test_an_empty_batch_is_refused(gpu):
    rejected = _rejected([])
    assert [(e.number, e.field) for e in rejected.errors] == [(0, "measurements")]
    with translation.override("en"):
        assert rejected.message == "The batch was rejected: The batch is empty. Nothing was stored."
    _nothing_stored()


def test_a_batch_over_the_limit_is_refused_naming_the_limit(gpu):
    rejected = _rejected(_hourly(gpu, 4), max_rows=3)
    assert [(e.number, e.field) for e in rejected.errors] == [(0, "measurements")]
    assert "3" in rejected.errors[0].message and "4" in rejected.errors[0].message
    _nothing_stored()


@override_settings(KPI_INGEST_MAX_ROWS=5)
def test_the_default_limit_comes_from_the_setting(gpu):
    assert ingest(_hourly(gpu, 5)).stored == 5
    rejected = _rejected(_hourly(gpu, 6, first=100))
    assert "5" in rejected.errors[0].message
    assert Measurement.objects.count() == 5


def test_the_default_limit_is_ten_thousand(settings):
    assert settings.KPI_INGEST_MAX_ROWS == 10_000


# ------------------------------------------------------------------------ timestamps


@override_settings(KPI_FUTURE_TOLERANCE_SECONDS=300)
def test_a_time_just_within_the_future_tolerance_is_accepted(gpu):
    within = NOW + dt.timedelta(seconds=300)
    ingest([row(kpi=gpu, value=50, start=within.isoformat())])
    assert Measurement.objects.get().start == within


@override_settings(KPI_FUTURE_TOLERANCE_SECONDS=300)
def test_a_time_beyond_the_future_tolerance_is_refused(gpu):
    beyond = NOW + dt.timedelta(seconds=301)
    rejected = _rejected([row(kpi=gpu, value=50, start=beyond.isoformat())])
    assert [(e.number, e.field) for e in rejected.errors] == [(1, "start")]
    _nothing_stored()


def test_a_period_may_not_end_in_the_future(gpu):
    rejected = _rejected(
        [row(kpi=gpu, value=50, start=tokyo(2027, 6, 1).isoformat(), end=tokyo(2027, 7, 1))]
    )
    assert [(e.number, e.field) for e in rejected.errors] == [(1, "end")]


@pytest.mark.parametrize("start", ["2027-04-01T09:00:00", "2027-04-01", dt.datetime(2027, 4, 1)])
def test_a_time_without_a_zone_is_refused(gpu, start):
    rejected = _rejected([row(kpi=gpu, value=50, start=start)])
    assert [(e.number, e.field) for e in rejected.errors] == [(1, "start")]


def test_a_period_ending_at_or_before_its_start_is_refused(gpu):
    start = tokyo(2027, 4, 1).isoformat()
    rejected = _rejected(
        [
            row(1, kpi=gpu, value=50, start=start, end=start),
            row(2, kpi=gpu, value=50, start=start, end=tokyo(2027, 3, 31).isoformat()),
        ]
    )
    assert [(e.number, e.field) for e in rejected.errors] == [(1, "end"), (2, "end")]


# ---------------------------------------------------------------- re-sent batches


def test_the_same_rows_in_another_order_are_recognised_and_not_stored_twice(gpu):
    rows = _hourly(gpu, 5)
    first = ingest(rows)

    again = ingest(list(reversed(rows)))

    assert again.created is False
    assert again.batch == first.batch
    assert (again.stored, again.superseded) == (0, 0)
    assert IngestBatch.objects.count() == 1
    assert Measurement.objects.count() == 5


def test_the_checksum_does_not_depend_on_how_rows_are_numbered_or_written(gpu):
    first = ingest(
        [
            row(1, kpi=gpu, value="71.50", start="2027-04-01T09:00:00+09:00", subject="a"),
            row(2, kpi=gpu, value=20, start="2027-04-02T09:00:00+09:00", subject="a"),
        ]
    )
    # The same facts: other row numbers, the same instants in UTC, 71.5 written otherwise,
    # the subject with spaces around it, the value in another spelling of the unit.
    again = ingest(
        [
            row(8, kpi=gpu, value=20.0, start="2027-04-02T00:00:00Z", subject=" a "),
            row(
                9,
                kpi=gpu,
                value=71.5,
                unit="percent",
                start="2027-04-01T00:00:00+00:00",
                subject="a",
            ),
        ]
    )

    assert again.created is False
    assert again.batch == first.batch
    assert Measurement.objects.count() == 2


def test_a_batch_with_a_changed_value_is_not_a_duplicate(gpu):
    first = ingest(_hourly(gpu, 2))
    changed = _hourly(gpu, 2)
    changed[1] = row(2, kpi=gpu, value=99, unit="%", start=changed[1].start, subject="cluster-a")

    second = ingest(changed)

    assert second.created is True
    assert second.batch.checksum != first.batch.checksum


def test_the_same_rows_for_another_organization_are_not_a_resent_batch(pmo, gpu, owner):
    first = ingest(_hourly(gpu, 2), actor=pmo, organization=owner)
    other = ingest(_hourly(gpu, 2), actor=pmo, organization=OrganizationFactory())

    assert other.created is True
    assert other.batch.checksum != first.batch.checksum
    # Same KPI, subject and times, but another organization's figures: its own, and the
    # first organization's stay current.
    assert other.superseded == 0
    assert Measurement.objects.filter(superseded_by__isnull=True).count() == 4


# -------------------------------------------------------------------- corrections


def test_a_correction_supersedes_the_measurement_and_leaves_it_unchanged(gpu):
    moment = tokyo(2027, 4, 10, 9)
    original = record(gpu, [(moment, 50)], subject="cluster-a")
    [old] = original.batch.measurements.all()
    assert monthly(gpu) == {("cluster-a", APRIL): 50.0}

    correction = record(gpu, [(moment, 70)], subject="cluster-a")

    assert (correction.created, correction.stored, correction.superseded) == (True, 1, 1)
    assert correction.batch.superseded_count == 1
    [new] = correction.batch.measurements.all()
    assert new.supersedes == old
    old.refresh_from_db()
    assert (old.value, old.start, old.batch) == (50.0, moment, original.batch)
    assert old.superseded_by == new
    assert monthly(gpu) == {("cluster-a", APRIL): 70.0}


def test_a_second_correction_supersedes_the_first_correction(gpu):
    moment = tokyo(2027, 4, 10, 9)
    values = [50, 70, 65]
    for value in values:
        record(gpu, [(moment, value)])

    first, second, third = Measurement.objects.order_by("id")
    assert [m.value for m in (first, second, third)] == [50.0, 70.0, 65.0]
    assert first.superseded_by == second
    assert second.superseded_by == third
    assert third.supersedes == second
    assert not Measurement.objects.filter(pk=third.pk, superseded_by__isnull=False).exists()
    assert list(Measurement.objects.filter(superseded_by__isnull=True)) == [third]
    assert monthly(gpu) == {("", APRIL): 65.0}


def test_correcting_back_to_the_original_value_is_stored_not_taken_for_a_resend(gpu):
    moment = tokyo(2027, 4, 10, 9)
    original = record(gpu, [(moment, 70)])
    record(gpu, [(moment, 72)])

    back = record(gpu, [(moment, 70)])

    assert back.created
    assert back.batch.checksum == original.batch.checksum
    assert back.superseded == 1
    assert monthly(gpu) == {("", APRIL): 70.0}
    # Sent once more, the same rows are now a re-send: nothing new.
    again = record(gpu, [(moment, 70)])
    assert not again.created
    assert again.batch == back.batch
    assert Measurement.objects.count() == 3


def _day_of_readings(first_hour: int, hours: int = 24) -> list[tuple[dt.datetime, float]]:
    """Hourly readings whose value depends on the hour only, as a re-sending system has."""
    start = tokyo(2027, 4, 1)
    return [
        (start + dt.timedelta(hours=h), 50 + h % 10) for h in range(first_hour, first_hour + hours)
    ]


def test_rows_repeating_current_values_are_counted_not_stored_again(gpu):
    """A system re-sending the last day every hour: the overlap is not stored twice."""
    first = record(gpu, _day_of_readings(0))

    moved = record(gpu, _day_of_readings(1))  # 23 hours repeated, 1 new

    assert (moved.created, moved.stored, moved.superseded, moved.unchanged) == (True, 1, 0, 23)
    assert (moved.batch.row_count, moved.batch.unchanged_count) == (1, 23)
    assert Measurement.objects.count() == 25
    assert not Measurement.objects.filter(supersedes__isnull=False).exists()
    # Nothing new at all: no batch, and the answer names a batch that brought the values.
    again = record(gpu, _day_of_readings(2, hours=10))
    assert (again.created, again.stored, again.unchanged) == (False, 0, 10)
    assert again.batch in (first.batch, moved.batch)
    assert IngestBatch.objects.count() == 2


def test_only_the_same_kpi_subject_start_and_end_is_a_correction(gpu, owner):
    other = KPIDefinitionFactory(owner=owner)
    moment = tokyo(2027, 4, 10)
    record(gpu, [(moment, 50)], subject="a")

    record(gpu, [(moment, 60)], subject="b")  # another subject
    record(other, [(moment, 60)], subject="a")  # another KPI
    record(gpu, [(moment, tokyo(2027, 4, 11), 60)], subject="a")  # a period, not the instant
    record(gpu, [(moment + dt.timedelta(seconds=1), 60)], subject="a")  # another time

    assert Measurement.objects.filter(supersedes__isnull=False).count() == 0
    assert Measurement.objects.filter(superseded_by__isnull=True).count() == 5


def test_a_correction_of_a_period_needs_the_same_end(gpu):
    start, end = tokyo(2027, 4, 1), tokyo(2027, 5, 1)
    record(gpu, [(start, end, 40)])
    result = record(gpu, [(start, end, 45)])
    assert result.superseded == 1
    assert monthly(gpu) == {("", APRIL): 45.0}


def test_a_batch_mixing_new_rows_and_corrections_counts_the_corrections(gpu):
    record(gpu, [(tokyo(2027, 4, 1), 10), (tokyo(2027, 4, 2), 20)])
    result = record(gpu, [(tokyo(2027, 4, 2), 30), (tokyo(2027, 4, 3), 40), (tokyo(2027, 5, 1), 5)])

    assert (result.stored, result.superseded) == (3, 1)
    assert result.batch.row_count == 3
    assert monthly(gpu) == {("", APRIL): (10 + 30 + 40) / 3, ("", MAY): 5.0}


def test_two_rows_with_the_same_key_in_one_batch_are_refused(gpu):
    start = tokyo(2027, 4, 1).isoformat()
    rejected = _rejected(
        [
            row(1, kpi=gpu, value=50, start=start, subject="a"),
            row(2, kpi=gpu, value=50, start=start, subject="b"),
            row(3, kpi=gpu, value=60, start="2027-03-31T15:00:00Z", subject=" a"),
        ]
    )
    assert [(e.number, e.field) for e in rejected.errors] == [(3, "start")]
    assert "row 1" in rejected.errors[0].message
    _nothing_stored()


# ------------------------------------------------------------------- who may record


@pytest.fixture
def partner(owner):
    return PartnerUserFactory(organization=owner)


def test_computed_kpis_are_recorded_by_the_tracker_alone(owner, pmo, partner):
    computed = KPIDefinitionFactory(source=KPISource.COMPUTED, unit=Unit.COUNT, owner=owner)
    assert may_record(None, computed)
    assert not may_record(pmo, computed)
    assert not may_record(partner, computed)

    rejected = _rejected([row(kpi=computed, value=1, start=tokyo(2027, 4, 1))], actor=pmo)
    assert [(e.number, e.field) for e in rejected.errors] == [(1, "kpi")]
    assert ingest([row(kpi=computed, value=1, start=tokyo(2027, 4, 1))]).stored == 1


def test_the_pmo_records_any_kpi_that_is_not_computed(pmo):
    for source in (KPISource.MANUAL, KPISource.PUSHED, KPISource.SCRAPED):
        kpi = KPIDefinitionFactory(source=source, owner=OrganizationFactory())
        assert may_record(pmo, kpi)


def test_a_partner_records_their_own_organizations_kpis_and_pushed_ones(owner, partner):
    own_manual = KPIDefinitionFactory(source=KPISource.MANUAL, owner=owner)
    others_pushed = KPIDefinitionFactory(source=KPISource.PUSHED, owner=OrganizationFactory())
    others_manual = KPIDefinitionFactory(source=KPISource.MANUAL, owner=OrganizationFactory())
    others_scraped = KPIDefinitionFactory(source=KPISource.SCRAPED, owner=OrganizationFactory())

    assert may_record(partner, own_manual)
    assert may_record(partner, others_pushed)
    assert not may_record(partner, others_manual)
    assert not may_record(partner, others_scraped)

    start = tokyo(2027, 4, 1)
    rejected = _rejected(
        [
            row(1, kpi=own_manual, value=1, start=start),
            row(2, kpi=others_pushed, value=1, start=start),
            row(3, kpi=others_manual, value=1, start=start),
        ],
        actor=partner,
    )
    assert [(e.number, e.field) for e in rejected.errors] == [(3, "kpi")]
    _nothing_stored()


def test_a_partners_batch_is_their_organizations(owner, partner, gpu):
    result = ingest(_hourly(gpu, 1), actor=partner)
    assert result.batch.organization == owner
    assert result.batch.submitted_by == partner
    # Naming their own organization is the same thing.
    assert ingest(_hourly(gpu, 1, first=5, subject="b"), actor=partner, organization=owner).created


def test_another_organizations_figure_for_the_same_time_is_its_own_not_a_correction(
    owner, partner, gpu
):
    moment = tokyo(2027, 4, 10)
    record(gpu, [(moment, 50)], subject="shared", actor=partner)
    assert record(gpu, [(moment, 55)], subject="shared", actor=partner).superseded == 1

    rival = PartnerUserFactory(organization=OrganizationFactory())
    theirs = record(gpu, [(moment, 60)], subject="shared", actor=rival)

    # Nothing tells the rival that the partner has a figure there, and nothing of the
    # partner's changes: the month holds both organizations' series.
    assert (theirs.created, theirs.superseded) == (True, 0)
    current = Measurement.objects.filter(superseded_by__isnull=True)
    assert sorted(current.values_list("organization_id", "value")) == sorted(
        [(partner.organization_id, 55.0), (rival.organization_id, 60.0)]
    )
    assert sorted(
        MonthlyValue.objects.filter(kpi=gpu).values_list("organization_id", "value")
    ) == sorted([(partner.organization_id, 55.0), (rival.organization_id, 60.0)])


def test_the_pmo_corrects_a_partners_figure_by_sending_it_as_that_organizations(pmo, partner, gpu):
    moment = tokyo(2027, 4, 10)
    record(gpu, [(moment, 50)], subject="plant", actor=partner)

    corrected = ingest(
        [row(kpi=gpu, value=52, start=moment, subject="plant")],
        actor=pmo,
        organization=partner.organization,
    )

    assert corrected.superseded == 1
    [current] = Measurement.objects.filter(superseded_by__isnull=True)
    assert (current.value, current.organization_id) == (52.0, partner.organization_id)
    assert current.batch.submitted_by == pmo
    # The partner still sees, and may correct again, their own figure.
    assert record(gpu, [(moment, 51)], subject="plant", actor=partner).superseded == 1


def test_a_partner_naming_another_organization_is_refused(partner, gpu):
    with pytest.raises(ValidationError) as caught:
        ingest(_hourly(gpu, 1), actor=partner, organization=OrganizationFactory())
    assert "organization" in caught.value.message_dict
    _nothing_stored()


def test_policy_staff_may_not_record_measurements(gpu):
    with pytest.raises(PermissionDenied):
        ingest(_hourly(gpu, 1), actor=PolicyUserFactory())
    _nothing_stored()


def test_an_inactive_user_records_nothing(owner, gpu):
    former = PMOUserFactory(organization=owner, is_active=False)
    assert not may_record(former, gpu)
    rejected = _rejected(_hourly(gpu, 1), actor=former)
    assert [(e.number, e.field) for e in rejected.errors] == [(1, "kpi")]


def test_the_pmo_says_whose_measurements_a_batch_holds(pmo, gpu):
    partner_org = OrganizationFactory()
    assert ingest(_hourly(gpu, 1), actor=pmo, organization=partner_org).batch.organization == (
        partner_org
    )


def test_without_an_organization_a_pmo_or_system_batch_is_the_joint_ventures(
    pmo, gpu, joint_venture
):
    assert ingest(_hourly(gpu, 1), actor=pmo).batch.organization == joint_venture
    assert ingest(_hourly(gpu, 1, subject="b")).batch.organization == joint_venture


def test_without_an_organization_or_a_joint_venture_the_batch_is_refused(pmo, gpu, joint_venture):
    joint_venture.delete()
    with pytest.raises(ValidationError) as caught:
        ingest(_hourly(gpu, 1), actor=pmo)
    assert "organization" in caught.value.message_dict
    _nothing_stored()


# --------------------------------------------------------- audit and derived values


def test_measurements_and_batches_write_no_history_rows():
    """Millions of measurements are expected: the batch is their audit record."""
    from kpis.models import IngestBatch as Batch

    assert not hasattr(Measurement, "history")
    assert not hasattr(Batch, "history")
    model_names = {m.__name__ for m in apps.get_app_config("kpis").get_models()}
    assert "HistoricalKPIDefinition" in model_names
    assert "HistoricalMeasurement" not in model_names
    assert "HistoricalIngestBatch" not in model_names


def _queries_other_than_inserting_measurements(rows) -> int:
    with CaptureQueriesContext(connection) as context:
        ingest(rows)
    return sum(
        not q["sql"].startswith('INSERT INTO "kpis_measurement"') for q in context.captured_queries
    )


def test_ingest_does_not_query_per_row(gpu):
    """Only the bulk insert grows with the batch (SQLite caps the rows per INSERT)."""
    small = _queries_other_than_inserting_measurements(_hourly(gpu, 3, subject="a"))
    large = _queries_other_than_inserting_measurements(_hourly(gpu, 24 * 60, subject="b"))
    assert large == small
    assert Measurement.objects.count() == 3 + 24 * 60


def _rebuild_queries(kpi) -> int:
    with CaptureQueriesContext(connection) as context:
        monthly_values_rebuild(kpi=kpi)
    return len(context.captured_queries)


def test_a_rebuild_costs_queries_per_subject_not_per_measurement(owner):
    sparse = KPIDefinitionFactory(owner=owner)
    dense = KPIDefinitionFactory(owner=owner)
    start = tokyo(2027, 1, 1)
    record(sparse, [(start + dt.timedelta(days=30 * i), 50) for i in range(4)])
    record(dense, [(start + dt.timedelta(hours=i), 50) for i in range(24 * 120)])

    assert _rebuild_queries(dense) == _rebuild_queries(sparse)


def test_monthly_values_after_ingest_equal_a_rebuild(owner):
    kpi = KPIDefinitionFactory(
        unit=Unit.PERCENT, aggregation=Aggregation.TIME_WEIGHTED_MEAN, owner=owner
    )
    for subject, step in (("cluster-a", 5), ("cluster-b", 6)):
        readings = [
            (tokyo(2027, 2, 20) + dt.timedelta(hours=step * i), (i * 13) % 100) for i in range(400)
        ]
        record(kpi, readings[:250], subject=subject)
        overlapping = record(kpi, readings[200:], subject=subject)
        assert overlapping.unchanged == 50  # the overlap repeats what is stored
        record(kpi, [(readings[10][0], 99.0)], subject=subject)
        record(kpi, [(readings[220][0], 1.0)], subject=subject)
    stored = monthly(kpi)
    assert Measurement.objects.filter(supersedes__isnull=False).count() == 2 * 2
    assert len(stored) > 4

    months = monthly_values_rebuild(kpi=kpi)

    assert months == len(stored)
    assert monthly(kpi) == stored


def test_on_postgresql_a_second_correction_of_one_measurement_fails_as_an_integrity_error(
    postgres, gpu, owner
):
    """Rows go in by COPY on PostgreSQL; its constraint errors must still reach the service
    as Django's IntegrityError, which it turns into a clear rejection."""
    from django.db import IntegrityError, transaction

    from kpis.services.ingest import _insert_measurements, _Valid

    moment = tokyo(2027, 4, 1, 9)
    record(gpu, [(moment, 50)])
    record(gpu, [(moment, 60)])
    corrected = Measurement.objects.get(value=50)
    batch = IngestBatch.objects.create(
        source=BatchSource.API, organization=owner, row_count=1, checksum="0" * 64
    )
    late = _Valid(1, gpu, "", moment, None, 70.0)

    with pytest.raises(IntegrityError), transaction.atomic():
        _insert_measurements(batch, [late], {late.key: corrected.pk})

    assert Measurement.objects.filter(value=70).count() == 0


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_concurrent_batches_of_one_series_take_turns(postgres, monkeypatch):
    """Two batches for the same new key at once: the second must see the first's row and
    correct it, never store a second current measurement or overwrite its monthly value.

    Each batch waits (up to 2 s) after looking for corrections, for the other to get as
    far; with the series lock the other cannot, so they take turns."""
    import threading

    from django.db import connection as main_connection

    from kpis.services import ingest as ingest_module

    owner = OrganizationFactory(code="sakura")
    kpi = KPIDefinitionFactory(code="gpu_utilization", source=KPISource.PUSHED, owner=owner)
    barrier = threading.Barrier(2, timeout=2)
    lookup = ingest_module._current_with_same_key

    def slow_lookup(*args, **kwargs):
        found = lookup(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return found

    monkeypatch.setattr(ingest_module, "_current_with_same_key", slow_lookup)
    moment = tokyo(2027, 4, 10, 9)
    errors = []

    def send(value: float) -> None:
        from django.db import connection

        try:
            record(kpi, [(moment, value)], subject="cluster-a")
        except Exception as error:  # reported below, not swallowed
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(value,)) for value in (10.0, 20.0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    main_connection.close()
    current = Measurement.objects.filter(superseded_by__isnull=True)
    assert current.count() == 1
    assert Measurement.objects.count() == 2
    [month] = MonthlyValue.objects.filter(kpi=kpi)
    assert (month.value, month.samples) == (current.get().value, 1)
