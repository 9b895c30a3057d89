"""KPIs the tracker computes from its own records: data contracts in force per industry,
the safety-evaluation pipeline, serious incidents this fiscal year; refreshed when their
inputs change (on commit) and daily."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from datagov.choices import ContractStatus
from datagov.services import contract_approve, contract_terminate
from jvtracker.choices import Industry
from kpis.choices import (
    Aggregation,
    BatchSource,
    Combination,
    Direction,
    KPISource,
    Status,
    Unit,
)
from kpis.models import Incident, IngestBatch, Measurement, SafetyCheck
from kpis.selectors import kpi_status
from kpis.services import (
    CONTRACTS_BY_INDUSTRY,
    SAFETY_PIPELINE,
    SERIOUS_INCIDENTS,
    computed_kpis_refresh,
    contracts_in_force_by_industry,
    incident_save,
    safety_check_save,
    safety_pipeline_in_place,
    serious_incidents_this_fiscal_year,
)
from tests.factories import (
    DataAssetFactory,
    DataContractFactory,
    IncidentFactory,
    KPIDefinitionFactory,
    KPITargetFactory,
    OrganizationFactory,
    PMOUserFactory,
    SafetyCheckFactory,
    StageGateFactory,
)
from tests.kpis.core_helpers import NOW, tokyo

pytestmark = pytest.mark.django_db

TODAY = NOW.date()  # 2027-06-15


def _computed(code: str, unit: str = Unit.COUNT, direction: str = Direction.HIGHER_IS_BETTER):
    return KPIDefinitionFactory(
        code=code,
        unit=unit,
        direction=direction,
        source=KPISource.COMPUTED,
        aggregation=Aggregation.LATEST,
        combination=Combination.SUM,
        owner=OrganizationFactory(code="jv"),
    )


def _contract(*industries: str, **fields):
    fields.setdefault("effective_date", dt.date(2026, 6, 1))
    fields.setdefault("expiry_date", dt.date(2029, 3, 31))
    return DataContractFactory(
        datasets=[DataAssetFactory(industry=industry) for industry in industries], **fields
    )


def _current(kpi) -> dict[str, float]:
    """Each subject's current (not superseded) latest value."""
    latest = {}
    for subject, value in (
        Measurement.objects.filter(kpi=kpi, superseded_by__isnull=True)
        .order_by("start", "id")
        .values_list("subject", "value")
    ):
        latest[subject] = value
    return latest


# ------------------------------------------------------------ contracts in force


def test_contracts_in_force_are_counted_by_the_industry_of_their_data():
    _contract(Industry.STEEL)
    _contract(Industry.STEEL, Industry.STEEL)
    _contract(Industry.FINANCE)
    _contract(Industry.STEEL, Industry.MOBILITY)  # several industries
    _contract(Industry.FINANCE, Industry.AI, Industry.STEEL)

    assert contracts_in_force_by_industry(TODAY) == {
        Industry.STEEL: 2,
        Industry.FINANCE: 1,
        Industry.CROSS_INDUSTRY: 2,
    }


def test_contracts_not_in_force_are_not_counted():
    _contract(Industry.STEEL)  # the one that counts
    _contract(Industry.FINANCE, status=ContractStatus.DRAFT)
    _contract(Industry.FINANCE, status=ContractStatus.SUBMITTED)
    _contract(Industry.FINANCE, status=ContractStatus.UNDER_REVIEW)
    _contract(
        Industry.FINANCE,
        status=ContractStatus.EXPIRED,
        effective_date=dt.date(2025, 4, 1),
        expiry_date=dt.date(2027, 3, 31),
    )
    _contract(Industry.FINANCE, effective_date=dt.date(2027, 7, 1))  # signed, not yet effective
    terminated = _contract(Industry.FINANCE)
    contract_terminate(
        contract=terminated, actor=PMOUserFactory(), reason="違反", on=dt.date(2027, 6, 1)
    )

    assert contracts_in_force_by_industry(TODAY) == {Industry.STEEL: 1}


def test_a_contract_is_in_force_on_its_first_and_last_day():
    _contract(Industry.STEEL, effective_date=TODAY, expiry_date=TODAY)
    assert contracts_in_force_by_industry(TODAY) == {Industry.STEEL: 1}
    assert contracts_in_force_by_industry(TODAY + dt.timedelta(days=1)) == {}
    assert contracts_in_force_by_industry(TODAY - dt.timedelta(days=1)) == {}


def test_a_terminated_contract_counted_until_its_termination_takes_effect():
    contract = _contract(Industry.STEEL)
    contract_terminate(contract=contract, actor=PMOUserFactory(), reason="違反", on=TODAY)

    assert contracts_in_force_by_industry(TODAY - dt.timedelta(days=1)) == {Industry.STEEL: 1}
    assert contracts_in_force_by_industry(TODAY) == {}


def _queries_counting_contracts(terminated: int) -> int:
    pmo = PMOUserFactory()
    for _ in range(terminated):
        contract_terminate(contract=_contract(Industry.STEEL), actor=pmo, reason="違反", on=TODAY)
    with CaptureQueriesContext(connection) as context:
        contracts_in_force_by_industry(TODAY - dt.timedelta(days=1))
    return len(context.captured_queries)


def test_counting_contracts_does_not_query_per_terminated_contract():
    one = _queries_counting_contracts(1)
    assert _queries_counting_contracts(5) == one


# -------------------------------------------------------------- the refresh itself


def test_a_refresh_stores_each_subjects_value_in_a_computed_batch():
    kpi = _computed(CONTRACTS_BY_INDUSTRY)
    _contract(Industry.STEEL)
    _contract(Industry.STEEL)
    _contract(Industry.FINANCE)

    [result] = computed_kpis_refresh(now=NOW)

    assert result.created
    batch = result.batch
    assert (batch.source, batch.submitted_by, batch.organization) == (
        BatchSource.COMPUTED,
        None,
        kpi.owner,
    )
    assert _current(kpi) == {Industry.STEEL: 2.0, Industry.FINANCE: 1.0}
    assert set(batch.measurements.values_list("start", flat=True)) == {NOW}


def test_a_refresh_with_nothing_changed_writes_no_batch():
    kpi = _computed(CONTRACTS_BY_INDUSTRY)
    _contract(Industry.STEEL)
    computed_kpis_refresh(now=NOW)

    assert computed_kpis_refresh(now=NOW + dt.timedelta(hours=1)) == []
    assert IngestBatch.objects.count() == 1
    assert Measurement.objects.filter(kpi=kpi).count() == 1


def test_only_the_subjects_that_changed_are_stored():
    kpi = _computed(CONTRACTS_BY_INDUSTRY)
    _contract(Industry.STEEL)
    _contract(Industry.FINANCE)
    computed_kpis_refresh(now=NOW)

    _contract(Industry.FINANCE)
    [result] = computed_kpis_refresh(now=NOW + dt.timedelta(hours=1))

    assert list(result.batch.measurements.values_list("subject", "value")) == [
        (Industry.FINANCE, 2.0)
    ]
    assert _current(kpi) == {Industry.STEEL: 1.0, Industry.FINANCE: 2.0}


def test_a_subject_that_drops_out_goes_to_zero():
    kpi = _computed(CONTRACTS_BY_INDUSTRY)
    _contract(Industry.STEEL)
    finance = _contract(Industry.FINANCE)
    computed_kpis_refresh(now=NOW)

    contract_terminate(contract=finance, actor=PMOUserFactory(), reason="解約", on=TODAY)
    computed_kpis_refresh(now=NOW + dt.timedelta(hours=1))

    assert _current(kpi) == {Industry.STEEL: 1.0, Industry.FINANCE: 0.0}


def test_the_first_refresh_of_a_month_restates_every_subject_so_the_month_adds_up():
    """Months are combined from the subjects measured in them: a month where only one
    industry changed must still count every industry's contracts."""
    kpi = _computed(CONTRACTS_BY_INDUSTRY)
    gate = StageGateFactory(fiscal_year=2027)
    KPITargetFactory(kpi=kpi, gate=gate, target_value=3, amber_value=1)
    _contract(Industry.STEEL)
    _contract(Industry.FINANCE)
    computed_kpis_refresh(now=tokyo(2027, 5, 10))

    # Nothing changes in June until the 20th, when a third contract comes into force.
    assert computed_kpis_refresh(now=tokyo(2027, 5, 31, 23)) == []
    _contract(Industry.MOBILITY, effective_date=dt.date(2027, 6, 20))
    computed_kpis_refresh(now=tokyo(2027, 6, 1, 0, 15))  # the daily run
    computed_kpis_refresh(now=tokyo(2027, 6, 20, 0, 15))

    status = kpi_status(kpi=kpi, gate=gate, now=tokyo(2027, 6, 25))
    assert (status.month, status.value, status.status) == (dt.date(2027, 6, 1), 3.0, Status.GREEN)
    assert status.trend[-2] == (dt.date(2027, 5, 1), 2.0)


def test_a_single_valued_kpi_is_restated_monthly_so_it_never_looks_silent():
    kpi = _computed(SERIOUS_INCIDENTS, direction=Direction.LOWER_IS_BETTER)
    gate = StageGateFactory(fiscal_year=2028)
    KPITargetFactory(kpi=kpi, gate=gate, target_value=0, amber_value=1)
    computed_kpis_refresh(now=tokyo(2027, 6, 1))
    for month in range(7, 13):
        computed_kpis_refresh(now=tokyo(2027, month, 1, 0, 15))
    for month in range(1, 9):
        computed_kpis_refresh(now=tokyo(2028, month, 1, 0, 15))

    status = kpi_status(kpi=kpi, gate=gate, now=tokyo(2028, 8, 10))
    assert (status.value, status.status) == (0.0, Status.GREEN)
    assert all(value == 0.0 for _, value in status.trend)


def test_only_the_codes_asked_for_are_refreshed():
    contracts = _computed(CONTRACTS_BY_INDUSTRY)
    incidents = _computed(SERIOUS_INCIDENTS)
    _contract(Industry.STEEL)

    computed_kpis_refresh(codes=[SERIOUS_INCIDENTS], now=NOW)

    assert _current(contracts) == {}
    assert _current(incidents) == {"": 0.0}


def test_a_refresh_without_the_kpis_defined_does_nothing():
    _contract(Industry.STEEL)
    assert computed_kpis_refresh(now=NOW) == []
    assert Measurement.objects.count() == 0


# ------------------------------------------------------------------- safety pipeline


def test_without_required_items_the_pipeline_is_not_in_place():
    assert safety_pipeline_in_place(TODAY) == {"": 0}
    SafetyCheckFactory(required=False, done_on=dt.date(2027, 1, 1))
    assert safety_pipeline_in_place(TODAY) == {"": 0}


def test_the_pipeline_is_in_place_when_every_required_item_is_done():
    SafetyCheckFactory(done_on=dt.date(2027, 1, 1))
    SafetyCheckFactory(done_on=TODAY)
    SafetyCheckFactory(required=False)  # optional, not done: ignored
    assert safety_pipeline_in_place(TODAY) == {"": 1}


@pytest.mark.parametrize("missing", [None, TODAY + dt.timedelta(days=1)])
def test_one_required_item_not_done_by_the_day_means_not_in_place(missing):
    SafetyCheckFactory(done_on=dt.date(2027, 1, 1))
    SafetyCheckFactory(done_on=missing)
    assert safety_pipeline_in_place(TODAY) == {"": 0}


def test_the_pipeline_kpi_is_stored_as_yes_or_no():
    kpi = _computed(SAFETY_PIPELINE, unit=Unit.YES_NO)
    SafetyCheckFactory(done_on=dt.date(2027, 1, 1))
    computed_kpis_refresh(now=NOW)
    assert _current(kpi) == {"": 1.0}


# ------------------------------------------------------------------ serious incidents

APRIL_1 = tokyo(2027, 4, 1, 10)


def test_serious_incidents_count_this_fiscal_year_from_april_1():
    IncidentFactory(occurred_on=dt.date(2027, 3, 31), severity=5)  # last fiscal year
    IncidentFactory(occurred_on=dt.date(2027, 4, 1), severity=4)
    IncidentFactory(occurred_on=dt.date(2027, 4, 1), severity=3)  # not serious

    assert serious_incidents_this_fiscal_year(dt.date(2027, 3, 31)) == {"": 1}
    assert serious_incidents_this_fiscal_year(dt.date(2027, 4, 1)) == {"": 1}
    assert serious_incidents_this_fiscal_year(dt.date(2028, 3, 31)) == {"": 1}
    assert serious_incidents_this_fiscal_year(dt.date(2028, 4, 1)) == {"": 0}


def test_incidents_after_the_day_are_not_counted():
    IncidentFactory(occurred_on=dt.date(2027, 6, 16), severity=5)
    assert serious_incidents_this_fiscal_year(TODAY) == {"": 0}


@override_settings(KPI_SERIOUS_INCIDENT_SEVERITY=3)
def test_the_severity_that_counts_as_serious_is_a_setting():
    IncidentFactory(occurred_on=dt.date(2027, 5, 1), severity=3)
    IncidentFactory(occurred_on=dt.date(2027, 5, 2), severity=2)
    assert serious_incidents_this_fiscal_year(TODAY) == {"": 1}


def test_the_count_falls_to_zero_when_a_new_fiscal_year_begins():
    kpi = _computed(SERIOUS_INCIDENTS)
    IncidentFactory(occurred_on=dt.date(2027, 3, 1), severity=5)
    computed_kpis_refresh(now=tokyo(2027, 3, 31, 23))
    assert _current(kpi) == {"": 1.0}

    computed_kpis_refresh(now=APRIL_1)
    assert _current(kpi) == {"": 0.0}


# ------------------------------------------------------- refresh when inputs change


@pytest.fixture
def pmo():
    return PMOUserFactory()


def test_approving_a_contract_refreshes_the_contract_kpi_on_commit(
    pmo, django_capture_on_commit_callbacks
):
    kpi = _computed(CONTRACTS_BY_INDUSTRY)
    today = timezone.localdate()
    contract = _contract(
        Industry.STEEL,
        status=ContractStatus.SUBMITTED,
        effective_date=today - dt.timedelta(days=10),
        expiry_date=today + dt.timedelta(days=365),
    )
    assert _current(kpi) == {}

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        contract_approve(contract=contract, actor=pmo)

    assert callbacks
    assert _current(kpi) == {Industry.STEEL: 1.0}


def test_terminating_a_contract_refreshes_the_contract_kpi_on_commit(
    pmo, django_capture_on_commit_callbacks
):
    kpi = _computed(CONTRACTS_BY_INDUSTRY)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        contract = _contract(
            Industry.FINANCE,
            effective_date=today - dt.timedelta(days=10),
            expiry_date=today + dt.timedelta(days=365),
        )
    assert _current(kpi) == {Industry.FINANCE: 1.0}

    with django_capture_on_commit_callbacks(execute=True):
        contract_terminate(contract=contract, actor=pmo, reason="解約")

    assert _current(kpi) == {Industry.FINANCE: 0.0}


def test_nothing_is_refreshed_before_the_transaction_commits(
    pmo, django_capture_on_commit_callbacks
):
    kpi = _computed(SERIOUS_INCIDENTS)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incident_save(
            incident=IncidentFactory.build(
                occurred_on=timezone.localdate(), severity=5, organization=pmo.organization
            ),
            actor=pmo,
        )
    assert _current(kpi) == {}
    assert len(callbacks) == 1


def test_saving_an_incident_refreshes_serious_incidents_on_commit(
    pmo, django_capture_on_commit_callbacks
):
    kpi = _computed(SERIOUS_INCIDENTS)
    with django_capture_on_commit_callbacks(execute=True):
        incident_save(
            incident=IncidentFactory.build(
                occurred_on=timezone.localdate(), severity=5, organization=pmo.organization
            ),
            actor=pmo,
        )
    assert _current(kpi) == {"": 1.0}
    assert Incident.objects.count() == 1


def test_saving_a_safety_check_refreshes_the_pipeline_on_commit(
    pmo, django_capture_on_commit_callbacks
):
    kpi = _computed(SAFETY_PIPELINE, unit=Unit.YES_NO)
    check = SafetyCheck(
        code="red_team", text_ja="レッドチーム評価", required=True, done_on=timezone.localdate()
    )
    with django_capture_on_commit_callbacks(execute=True):
        safety_check_save(check=check, actor=pmo)
    assert _current(kpi) == {"": 1.0}

    check.done_on = None
    with django_capture_on_commit_callbacks(execute=True):
        safety_check_save(check=check, actor=pmo)
    assert _current(kpi) == {"": 0.0}
