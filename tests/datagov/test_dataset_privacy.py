"""Secret data stays secret through its derivatives: a partner cannot make an unapproved
derivative count as less strict, policy staff never read its details, and a member's
dataset derives only from that member's own data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from datagov.choices import ConversionMethod, DataTier
from datagov.models import REDACTED, DataAsset
from datagov.selectors import dataset_details_hidden_from, datasets_visible_to
from datagov.services import dataset_save
from jvtracker.choices import OrganizationKind
from tests.api import token_client
from tests.factories import (
    DataAssetFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def honda():
    return OrganizationFactory(code="honda")


@pytest.fixture
def furnace(honda):
    return DataAssetFactory(code="furnace-feed", provider=honda, tier=DataTier.SECRET)


@pytest.fixture
def synthetic(honda, furnace):
    """Meant to travel as public data, but its conversion is not approved yet."""
    return DataAssetFactory(
        code="furnace-synth",
        provider=honda,
        tier=DataTier.PUBLIC,
        derived_from=furnace,
        conversion_method=ConversionMethod.DIFFERENTIAL_PRIVACY,
        dp_epsilon=Decimal("1.0"),
        description_en="synthetic copy of furnace feed rows",
        storage_detail="Oita works room 2",
        conversion_note="rows sampled from line 3",
    )


def test_a_partner_cannot_unlink_an_unapproved_derivative_from_its_secret_source(honda, synthetic):
    partner = PartnerUserFactory(organization=honda)
    synthetic.derived_from = None
    synthetic.conversion_method = ""
    synthetic.dp_epsilon = None

    with pytest.raises(ValidationError) as refused:
        dataset_save(dataset=synthetic, actor=partner)

    assert "derived_from" in refused.value.message_dict
    stored = DataAsset.objects.get(pk=synthetic.pk)
    assert stored.derived_from_id is not None
    assert stored.effective_tier == DataTier.SECRET


def test_a_partner_cannot_repoint_an_unapproved_derivative_at_laxer_data(honda, synthetic):
    partner = PartnerUserFactory(organization=honda)
    lax = DataAssetFactory(code="furnace-public", provider=honda, tier=DataTier.PUBLIC)
    synthetic.derived_from = lax

    with pytest.raises(ValidationError) as refused:
        dataset_save(dataset=synthetic, actor=partner)

    assert "derived_from" in refused.value.message_dict


def test_the_pmo_may_unlink_a_derivative(honda, synthetic):
    synthetic.derived_from = None
    synthetic.conversion_method = ""
    synthetic.dp_epsilon = None

    dataset_save(dataset=synthetic, actor=PMOUserFactory())

    assert DataAsset.objects.get(pk=synthetic.pk).effective_tier == DataTier.PUBLIC


def test_policy_staff_never_read_the_details_of_an_unapproved_derivative_of_secret_data(
    synthetic,
):
    policy = PolicyUserFactory()

    shown = datasets_visible_to(policy).get(pk=synthetic.pk)
    assert dataset_details_hidden_from(policy, shown)
    assert (shown.description_en, shown.storage_detail, shown.conversion_note) == (REDACTED,) * 3

    for url in ("/api/v1/datasets/", f"/api/v1/datasets/{synthetic.pk}/"):
        body = token_client(policy).get(url).content.decode()
        assert "furnace feed rows" not in body
        assert "Oita works" not in body
        assert "line 3" not in body


def test_a_members_dataset_derives_only_from_that_members_own_data(honda, furnace):
    sony = OrganizationFactory(code="sony")
    foreign = DataAssetFactory.build(
        code="sony-copy",
        provider=sony,
        derived_from=furnace,
        conversion_method=ConversionMethod.DIFFERENTIAL_PRIVACY,
        dp_epsilon=Decimal("1.0"),
    )

    with pytest.raises(ValidationError) as refused:
        dataset_save(dataset=foreign, actor=PMOUserFactory())

    assert "derived_from" in refused.value.message_dict


def test_the_joint_venture_derives_from_any_members_data(furnace):
    jv = OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)
    pooled = DataAssetFactory.build(
        code="jv-synth",
        provider=jv,
        tier=DataTier.SECRET,
        derived_from=furnace,
        conversion_method=ConversionMethod.DIFFERENTIAL_PRIVACY,
        dp_epsilon=Decimal("1.0"),
    )

    dataset_save(dataset=pooled, actor=PMOUserFactory())

    assert DataAsset.objects.filter(code="jv-synth").exists()
