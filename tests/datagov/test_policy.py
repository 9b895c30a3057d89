"""The tier policy: every cell of the tier × purpose table, and where each tier may be stored.

The expected table is written out here by hand from the separation design, not read from
``TIER_POLICY``: a change to the policy must be a change to this specification too.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from datagov.choices import Allowance, DataPurpose, DataTier, StorageLocation
from datagov.models import TrainingRun
from datagov.policy import allowance, tier_rule
from datagov.services import dataset_use_decision
from tests.factories import (
    DataAssetFactory,
    DataContractFactory,
    OrganizationFactory,
    PMOUserFactory,
)

pytestmark = pytest.mark.django_db

P, D, F = Allowance.PERMITTED, Allowance.BY_DEVIATION, Allowance.FORBIDDEN
BASE, FINE, RAG, SYNTH, EDGE = (
    DataPurpose.BASE_PRETRAINING,
    DataPurpose.FINE_TUNING,
    DataPurpose.RAG_INDEX,
    DataPurpose.SYNTHETIC_DERIVATION,
    DataPurpose.EDGE_LEARNING,
)

EXPECTED = {
    #                      base pre-training, fine-tuning, RAG, synthetic, edge
    DataTier.PUBLIC: {BASE: P, FINE: P, RAG: P, SYNTH: P, EDGE: P},
    DataTier.RESTRICTED: {BASE: F, FINE: P, RAG: P, SYNTH: D, EDGE: D},
    DataTier.SECRET: {BASE: F, FINE: F, RAG: F, SYNTH: P, EDGE: P},
}
CELLS = [
    pytest.param(tier, purpose, cell, id=f"{tier.value}-{purpose.value}")
    for tier, row in EXPECTED.items()
    for purpose, cell in row.items()
]
RUN_DATE = dt.date(2027, 1, 10)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _dataset_under_contract(tier: DataTier, purpose: DataPurpose, **contract_fields):
    dataset = DataAssetFactory(tier=tier)
    contract = DataContractFactory(
        provider=dataset.provider,
        template__tier=tier,
        permitted_uses=[purpose],
        datasets=[dataset],
        **contract_fields,
    )
    return dataset, contract


def test_the_expected_table_covers_every_tier_and_purpose():
    assert set(EXPECTED) == set(DataTier)
    assert all(set(row) == set(DataPurpose) for row in EXPECTED.values())


@pytest.mark.parametrize(("tier", "purpose", "cell"), CELLS)
def test_allowance_returns_the_cell_of_the_policy_table(tier, purpose, cell):
    assert allowance(tier, purpose) == cell
    # The plain string values the database stores answer the same.
    assert allowance(tier.value, purpose.value) == cell


@pytest.mark.parametrize(("tier", "purpose", "cell"), CELLS)
def test_use_decision_under_an_active_contract_follows_the_policy_cell(tier, purpose, cell):
    dataset, contract = _dataset_under_contract(tier, purpose)

    decision = dataset_use_decision(dataset=dataset, purpose=purpose, on=RUN_DATE)

    assert decision.allowed is (cell == P)
    assert decision.tier == tier
    assert dataset.code in decision.reason
    assert str(tier.label) in decision.reason
    assert contract.reference in decision.reason
    if cell == P:
        assert decision.contract == contract


@pytest.mark.parametrize(
    ("tier", "purpose"),
    [
        pytest.param(tier, purpose, id=f"{tier.value}-{purpose.value}")
        for tier, row in EXPECTED.items()
        for purpose, cell in row.items()
        if cell == D
    ],
)
def test_a_by_deviation_cell_is_refused_without_an_approved_deviation(tier, purpose):
    dataset, contract = _dataset_under_contract(tier, purpose)

    decision = dataset_use_decision(dataset=dataset, purpose=purpose, on=RUN_DATE)

    assert not decision.allowed
    assert "no approved deviation" in decision.reason
    assert contract.reference in decision.reason


@pytest.mark.parametrize(
    ("tier", "purpose"),
    [
        pytest.param(tier, purpose, id=f"{tier.value}-{purpose.value}")
        for tier, row in EXPECTED.items()
        for purpose, cell in row.items()
        if cell == D
    ],
)
def test_a_by_deviation_cell_is_allowed_with_an_approved_deviation(tier, purpose):
    dataset, contract = _dataset_under_contract(
        tier,
        purpose,
        deviation_reason="保守履歴からエッジ推論モデルを作るため",
        deviation_approved_by=PMOUserFactory(),
        deviation_approved_at=timezone.now(),
    )

    decision = dataset_use_decision(dataset=dataset, purpose=purpose, on=RUN_DATE)

    assert decision.allowed
    assert decision.contract == contract
    assert dataset.code in decision.reason
    assert str(tier.label) in decision.reason
    assert contract.reference in decision.reason


@pytest.mark.parametrize(
    ("tier", "purpose"),
    [
        pytest.param(tier, purpose, id=f"{tier.value}-{purpose.value}")
        for tier, row in EXPECTED.items()
        for purpose, cell in row.items()
        if cell == F
    ],
)
def test_a_forbidden_cell_is_refused_even_with_an_approved_deviation(tier, purpose):
    dataset, contract = _dataset_under_contract(
        tier,
        purpose,
        deviation_reason="理由",
        deviation_approved_by=PMOUserFactory(),
        deviation_approved_at=timezone.now(),
    )

    decision = dataset_use_decision(dataset=dataset, purpose=purpose, on=RUN_DATE)

    assert not decision.allowed
    assert "may never be used" in decision.reason
    assert contract.reference in decision.reason


# --------------------------------------------------------------------------- storage

STORAGE = [
    # tier, location, allowed
    (DataTier.PUBLIC, StorageLocation.DOMESTIC_CLOUD, True),
    (DataTier.PUBLIC, StorageLocation.ON_PREMISES, True),
    (DataTier.PUBLIC, StorageLocation.OVERSEAS, True),
    (DataTier.RESTRICTED, StorageLocation.DOMESTIC_CLOUD, True),
    (DataTier.RESTRICTED, StorageLocation.ON_PREMISES, True),
    (DataTier.RESTRICTED, StorageLocation.OVERSEAS, False),
    (DataTier.SECRET, StorageLocation.DOMESTIC_CLOUD, False),
    (DataTier.SECRET, StorageLocation.ON_PREMISES, True),
    (DataTier.SECRET, StorageLocation.OVERSEAS, False),
]


@pytest.mark.parametrize(
    ("tier", "location", "allowed"),
    [pytest.param(*row, id=f"{row[0].value}-{row[1].value}") for row in STORAGE],
)
def test_a_dataset_is_stored_only_where_its_tier_allows(tier, location, allowed):
    dataset = DataAssetFactory.build(
        provider=OrganizationFactory(), tier=tier, storage_location=location
    )

    if allowed:
        dataset.full_clean()
    else:
        with pytest.raises(ValidationError) as error:
            dataset.full_clean()
        assert list(error.value.message_dict) == ["storage_location"]
        assert str(tier.label) in error.value.message_dict["storage_location"][0]


def test_only_public_data_may_leave_japan_and_only_secret_data_stays_on_the_premises():
    assert tier_rule(DataTier.PUBLIC).may_leave_premises
    assert not tier_rule(DataTier.PUBLIC).domestic_storage_only
    assert tier_rule(DataTier.RESTRICTED).may_leave_premises
    assert tier_rule(DataTier.RESTRICTED).domestic_storage_only
    assert not tier_rule(DataTier.SECRET).may_leave_premises


# --------------------------------------------------------------------------- unknown values


def test_an_unknown_tier_is_a_validation_error_on_tier():
    with pytest.raises(ValidationError) as error:
        allowance("top-secret", DataPurpose.FINE_TUNING)
    assert "tier" in error.value.message_dict
    assert "top-secret" in error.value.message_dict["tier"][0]


def test_an_unknown_purpose_is_a_validation_error_on_purpose():
    with pytest.raises(ValidationError) as error:
        allowance(DataTier.PUBLIC, "weights-export")
    assert "purpose" in error.value.message_dict
    assert "weights-export" in error.value.message_dict["purpose"][0]


def test_a_use_decision_for_an_unknown_purpose_is_a_validation_error_on_purpose():
    dataset = DataAssetFactory()
    with pytest.raises(ValidationError) as error:
        dataset_use_decision(dataset=dataset, purpose="weights-export", on=RUN_DATE)
    assert "purpose" in error.value.message_dict


def test_a_dataset_with_an_unknown_tier_is_invalid_on_tier():
    dataset = DataAssetFactory.build(
        provider=OrganizationFactory(),
        tier="top-secret",
        storage_location=StorageLocation.ON_PREMISES,
    )
    with pytest.raises(ValidationError) as error:
        dataset.full_clean()
    assert list(error.value.message_dict) == ["tier"]


def test_a_contract_with_an_unknown_purpose_is_invalid_on_permitted_uses():
    contract = DataContractFactory.build(
        reference="DC-2026-9999",
        provider=OrganizationFactory(),
        template=DataContractFactory().template,
        permitted_uses=[DataPurpose.FINE_TUNING, "weights-export"],
    )
    with pytest.raises(ValidationError) as error:
        contract.full_clean()
    assert "permitted_uses" in error.value.message_dict
    assert "weights-export" in error.value.message_dict["permitted_uses"][0]


def test_asked_for_a_run_the_decision_uses_the_runs_kind_and_start_date():
    dataset, contract = _dataset_under_contract(DataTier.RESTRICTED, DataPurpose.FINE_TUNING)
    before_term = contract.effective_date - dt.timedelta(days=1)
    fine_tuning = TrainingRun(purpose=DataPurpose.FINE_TUNING, started_on=RUN_DATE)
    too_early = TrainingRun(purpose=DataPurpose.FINE_TUNING, started_on=before_term)
    pretraining = TrainingRun(purpose=DataPurpose.BASE_PRETRAINING, started_on=RUN_DATE)

    assert dataset_use_decision(dataset=dataset, run=fine_tuning).allowed
    assert not dataset_use_decision(dataset=dataset, run=too_early).allowed
    assert not dataset_use_decision(dataset=dataset, run=pretraining).allowed


def test_a_use_decision_without_a_purpose_or_run_is_a_validation_error_on_purpose():
    dataset, _ = _dataset_under_contract(DataTier.PUBLIC, DataPurpose.FINE_TUNING)

    with pytest.raises(ValidationError) as error:
        dataset_use_decision(dataset=dataset)

    assert "purpose" in error.value.message_dict
