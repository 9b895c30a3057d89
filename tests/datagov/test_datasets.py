"""Datasets: who records them, and synthetic derivatives of secret data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from datagov.choices import ConversionMethod, DataPurpose, DataTier, StorageLocation
from datagov.models import DataAsset
from datagov.services import dataset_conversion_approve, dataset_save, dataset_use_decision
from tests.factories import (
    DataAssetFactory,
    DataContractFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
)

pytestmark = pytest.mark.django_db

BASE = DataPurpose.BASE_PRETRAINING
RUN = dt.date(2027, 1, 10)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def sony():
    return OrganizationFactory(code="sony")


@pytest.fixture
def pmo():
    return PMOUserFactory()


@pytest.fixture
def source(sony):
    return DataAssetFactory(code="worker-video", provider=sony, tier=DataTier.SECRET)


@pytest.fixture
def derivative(sony, source):
    """A DP-synthetic derivative meant to travel as public data, under its own contract."""
    dataset = DataAssetFactory(
        code="worker-video-dp",
        provider=sony,
        tier=DataTier.PUBLIC,
        derived_from=source,
        conversion_method=ConversionMethod.DIFFERENTIAL_PRIVACY,
        dp_epsilon=Decimal("1.0"),
    )
    DataContractFactory(provider=sony, template__tier=DataTier.PUBLIC, datasets=[dataset])
    return dataset


class TestSyntheticDerivatives:
    def test_an_unapproved_derivative_of_secret_data_is_treated_as_secret(self, derivative):
        assert derivative.effective_tier == DataTier.SECRET

        decision = dataset_use_decision(dataset=derivative, purpose=BASE, on=RUN)

        assert not decision.allowed
        assert decision.tier == DataTier.SECRET
        assert "worker-video-dp" in decision.reason
        assert "worker-video" in decision.reason.replace("worker-video-dp", "")
        assert "conversion not approved" in decision.reason
        assert str(DataTier.SECRET.label) in decision.reason

    def test_a_pmo_approved_conversion_lets_the_derivative_travel_as_its_own_tier(
        self, derivative, pmo
    ):
        dataset_conversion_approve(dataset=derivative, actor=pmo)

        derivative.refresh_from_db()
        assert derivative.conversion_approved_by == pmo
        assert derivative.conversion_approved_at is not None
        assert derivative.history.first().history_user == pmo
        decision = dataset_use_decision(dataset=derivative, purpose=BASE, on=RUN)
        assert decision.allowed, decision.reason
        assert decision.tier == DataTier.PUBLIC

    def test_an_approved_derivative_still_needs_its_own_contract(self, sony, source, pmo):
        orphan = DataAssetFactory(
            provider=sony,
            derived_from=source,
            conversion_method=ConversionMethod.SIMULATION,
        )
        dataset_conversion_approve(dataset=orphan, actor=pmo)

        decision = dataset_use_decision(dataset=orphan, purpose=BASE, on=RUN)

        assert not decision.allowed
        assert "no contract" in decision.reason

    def test_a_partner_cannot_approve_a_conversion(self, derivative, sony):
        partner = PartnerUserFactory(organization=sony)

        with pytest.raises(PermissionDenied):
            dataset_conversion_approve(dataset=derivative, actor=partner)

        derivative.refresh_from_db()
        assert not derivative.conversion_approved

    def test_policy_staff_cannot_approve_a_conversion(self, derivative):
        from tests.factories import PolicyUserFactory

        with pytest.raises(PermissionDenied):
            dataset_conversion_approve(dataset=derivative, actor=PolicyUserFactory())

    def test_only_a_derived_dataset_has_a_conversion_to_approve(self, source, pmo):
        with pytest.raises(ValidationError) as error:
            dataset_conversion_approve(dataset=source, actor=pmo)
        assert "derived_from" in error.value.message_dict

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("dp_epsilon", Decimal("8.0")),
            ("conversion_method", ConversionMethod.ANONYMISATION),
            ("tier", DataTier.RESTRICTED),
        ],
    )
    def test_changing_how_a_derivative_was_made_voids_its_approval(
        self, derivative, pmo, field, value
    ):
        dataset_conversion_approve(dataset=derivative, actor=pmo)
        derivative.refresh_from_db()

        setattr(derivative, field, value)
        dataset_save(dataset=derivative, actor=pmo)

        derivative.refresh_from_db()
        assert derivative.conversion_approved_by is None
        assert derivative.conversion_approved_at is None
        assert derivative.effective_tier == DataTier.SECRET
        assert not dataset_use_decision(dataset=derivative, purpose=BASE, on=RUN).allowed

    def test_editing_a_derivatives_description_keeps_its_approval(self, derivative, pmo):
        dataset_conversion_approve(dataset=derivative, actor=pmo)
        derivative.refresh_from_db()

        derivative.description_en = "Synthetic worker poses, ε = 1"
        dataset_save(dataset=derivative, actor=pmo)

        derivative.refresh_from_db()
        assert derivative.conversion_approved_by == pmo

    def test_differential_privacy_needs_its_epsilon(self, sony, source, pmo):
        dataset = DataAssetFactory.build(
            code="dp-without-budget",
            provider=sony,
            derived_from=source,
            conversion_method=ConversionMethod.DIFFERENTIAL_PRIVACY,
            dp_epsilon=None,
        )

        with pytest.raises(ValidationError) as error:
            dataset_save(dataset=dataset, actor=pmo)

        assert list(error.value.message_dict) == ["dp_epsilon"]
        assert not DataAsset.objects.filter(code="dp-without-budget").exists()

    def test_a_derived_dataset_must_say_how_it_was_converted(self, sony, source, pmo):
        dataset = DataAssetFactory.build(provider=sony, derived_from=source, conversion_method="")

        with pytest.raises(ValidationError) as error:
            dataset_save(dataset=dataset, actor=pmo)

        assert "conversion_method" in error.value.message_dict

    def test_a_dataset_cannot_be_derived_from_itself(self, source, pmo):
        source.derived_from = source
        source.conversion_method = ConversionMethod.SIMULATION

        with pytest.raises(ValidationError) as error:
            dataset_save(dataset=source, actor=pmo)

        assert "derived_from" in error.value.message_dict
        assert DataAsset.objects.get(pk=source.pk).derived_from_id is None

    def test_a_derivation_cycle_is_refused(self, source, derivative, pmo):
        source.derived_from = derivative
        source.conversion_method = ConversionMethod.SIMULATION

        with pytest.raises(ValidationError) as error:
            dataset_save(dataset=source, actor=pmo)

        assert "derived_from" in error.value.message_dict
        assert DataAsset.objects.get(pk=source.pk).derived_from_id is None

    def test_a_partner_cannot_approve_a_conversion_by_saving_the_dataset(self, sony, source):
        partner = PartnerUserFactory(organization=sony)
        dataset = DataAssetFactory.build(
            code="self-approved",
            provider=sony,
            derived_from=source,
            conversion_method=ConversionMethod.SIMULATION,
            conversion_approved_by=partner,
            conversion_approved_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        )

        dataset_save(dataset=dataset, actor=partner)

        dataset.refresh_from_db()
        assert not dataset.conversion_approved
        assert dataset.effective_tier == DataTier.SECRET


class TestPartnerDatasets:
    def test_a_partner_records_datasets_only_for_their_own_organization(self, sony):
        partner = PartnerUserFactory(organization=sony)
        foreign = DataAssetFactory.build(code="honda-drive", provider=OrganizationFactory())

        with pytest.raises(ValidationError) as error:
            dataset_save(dataset=foreign, actor=partner)

        assert "provider" in error.value.message_dict
        assert not DataAsset.objects.filter(code="honda-drive").exists()

    def test_a_partner_cannot_move_a_dataset_to_a_less_strict_tier(self, sony):
        partner = PartnerUserFactory(organization=sony)
        dataset = DataAssetFactory(provider=sony, tier=DataTier.RESTRICTED)

        dataset.tier = DataTier.PUBLIC
        with pytest.raises(ValidationError) as error:
            dataset_save(dataset=dataset, actor=partner)

        assert "tier" in error.value.message_dict
        assert DataAsset.objects.get(pk=dataset.pk).tier == DataTier.RESTRICTED

    def test_a_partner_may_make_a_dataset_stricter(self, sony):
        partner = PartnerUserFactory(organization=sony)
        dataset = DataAssetFactory(provider=sony, tier=DataTier.RESTRICTED)

        dataset.tier = DataTier.SECRET
        dataset.storage_location = StorageLocation.ON_PREMISES
        dataset_save(dataset=dataset, actor=partner)

        assert DataAsset.objects.get(pk=dataset.pk).tier == DataTier.SECRET
        assert dataset.history.first().history_user == partner


def test_a_partner_cannot_approve_an_existing_conversion_by_saving_the_dataset(sony, source):
    partner = PartnerUserFactory(organization=sony)
    dataset = DataAssetFactory(
        provider=sony, derived_from=source, conversion_method=ConversionMethod.SIMULATION
    )

    dataset.conversion_approved_by = partner
    dataset.conversion_approved_at = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    dataset_save(dataset=dataset, actor=partner)

    dataset.refresh_from_db()
    assert not dataset.conversion_approved
    assert dataset.effective_tier == DataTier.SECRET
