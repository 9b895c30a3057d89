"""Who sees what: the querysets the admin, the API and the pages all read through."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import F

from datagov.choices import ContractStatus, DataTier, TemplateStatus
from datagov.models import REDACTED, SignedDocument
from datagov.selectors import (
    artifacts_visible_to,
    contracts_awaiting_decision,
    contracts_expiring,
    contracts_visible_to,
    dataset_details_hidden_from,
    datasets_visible_to,
    documents_visible_to,
    templates_current,
    templates_visible_to,
    training_runs_visible_to,
)
from datagov.services import dataset_save
from tests.factories import (
    ContractTemplateFactory,
    DataAssetFactory,
    DataContractFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    TrainingRunFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two providers, each with a dataset, a contract and a signed document."""
    honda = OrganizationFactory(code="honda")
    sony = OrganizationFactory(code="sony")
    rows = {}
    for org in (honda, sony):
        dataset = DataAssetFactory(code=f"{org.code}-data", provider=org, tier=DataTier.RESTRICTED)
        contract = DataContractFactory(
            provider=org, template__tier=DataTier.RESTRICTED, datasets=[dataset]
        )
        document = SignedDocument.objects.create(
            contract=contract,
            file=f"contracts/{org.code}.pdf",
            original_name=f"{org.code}.pdf",
            sha256="0" * 64,
            size=1,
            page_count=1,
            uploaded_by=PartnerUserFactory(organization=org),
        )
        rows[org.code] = (dataset, contract, document)
    return honda, sony, rows


class TestPartnerIsolation:
    def test_a_partner_sees_only_their_own_organizations_contracts(self, world):
        honda, _, rows = world
        partner = PartnerUserFactory(organization=honda)

        assert list(contracts_visible_to(partner)) == [rows["honda"][1]]

    def test_a_partner_sees_only_their_own_organizations_datasets(self, world):
        honda, _, rows = world
        partner = PartnerUserFactory(organization=honda)

        assert list(datasets_visible_to(partner)) == [rows["honda"][0]]

    def test_a_partner_sees_only_their_own_organizations_documents(self, world):
        honda, _, rows = world
        partner = PartnerUserFactory(organization=honda)

        assert list(documents_visible_to(partner)) == [rows["honda"][2]]

    def test_a_partner_cannot_reach_another_organizations_contract_by_its_id(self, world):
        honda, _, rows = world
        partner = PartnerUserFactory(organization=honda)
        foreign_contract, foreign_document = rows["sony"][1], rows["sony"][2]

        assert not contracts_visible_to(partner).filter(pk=foreign_contract.pk).exists()
        assert not documents_visible_to(partner).filter(pk=foreign_document.pk).exists()
        assert not datasets_visible_to(partner).filter(pk=rows["sony"][0].pk).exists()

    def test_the_lineage_is_invisible_to_partners(self, world):
        honda, _, _ = world
        partner = PartnerUserFactory(organization=honda)
        TrainingRunFactory(responsible=honda, target__responsible=honda)

        assert not artifacts_visible_to(partner).exists()
        assert not training_runs_visible_to(partner).exists()

    def test_the_pmo_sees_everything(self, world):
        pmo = PMOUserFactory()
        TrainingRunFactory()

        assert contracts_visible_to(pmo).count() == 2
        assert datasets_visible_to(pmo).count() == 2
        assert documents_visible_to(pmo).count() == 2
        assert artifacts_visible_to(pmo).count() == 1
        assert training_runs_visible_to(pmo).count() == 1


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: AnonymousUser(), id="anonymous"),
        pytest.param(lambda: PMOUserFactory(is_active=False), id="inactive-pmo"),
        pytest.param(lambda: PolicyUserFactory(is_active=False), id="inactive-policy"),
        pytest.param(
            lambda: PartnerUserFactory(
                organization=OrganizationFactory(code="honda"), is_active=False
            ),
            id="inactive-partner",
        ),
    ],
)
def test_an_anonymous_or_inactive_user_sees_nothing(make_user, world):
    TrainingRunFactory()
    user = make_user()

    for selector in (
        contracts_visible_to,
        datasets_visible_to,
        documents_visible_to,
        templates_visible_to,
        artifacts_visible_to,
        training_runs_visible_to,
    ):
        assert not selector(user).exists(), selector.__name__


class TestTemplates:
    @pytest.fixture
    def versions(self):
        return {
            status: ContractTemplateFactory(code=f"t-{status}", status=status)
            for status in TemplateStatus.values
        }

    @pytest.mark.parametrize(
        "make_user",
        [
            pytest.param(lambda: PartnerUserFactory(), id="partner"),
            pytest.param(lambda: PolicyUserFactory(), id="policy"),
        ],
    )
    def test_drafts_are_hidden_from_partners_and_policy_staff(self, make_user, versions):
        visible = set(templates_visible_to(make_user()))

        assert visible == {versions["published"], versions["withdrawn"]}

    def test_the_pmo_sees_draft_versions(self, versions):
        assert set(templates_visible_to(PMOUserFactory())) == set(versions.values())

    def test_only_published_versions_are_current(self, versions):
        assert list(templates_current()) == [versions["published"]]


class TestPolicyStaffRedaction:
    @pytest.fixture
    def datasets(self):
        secret = DataAssetFactory(
            code="worker-video",
            tier=DataTier.SECRET,
            description_ja="作業者の映像と音声",
            description_en="Workers' video and audio",
            storage_detail="大分工場",
        )
        restricted = DataAssetFactory(
            code="plant-logs",
            tier=DataTier.RESTRICTED,
            description_en="Plant logs",
            storage_detail="東京リージョン",
        )
        return secret, restricted

    def test_policy_staff_see_a_secret_dataset_without_its_description_or_storage(self, datasets):
        policy = PolicyUserFactory()

        seen = {d.code: d for d in datasets_visible_to(policy)}

        secret = seen["worker-video"]
        assert secret.description_ja == secret.description_en == REDACTED
        assert secret.description == REDACTED
        assert secret.storage_detail == REDACTED
        assert secret.is_redacted
        assert dataset_details_hidden_from(policy, secret)
        # Existence, tier and provider stay visible.
        assert secret.tier == DataTier.SECRET
        assert secret.provider == datasets[0].provider

    def test_redaction_also_holds_for_a_single_lookup(self, datasets):
        secret = datasets_visible_to(PolicyUserFactory()).get(code="worker-video")
        assert secret.storage_detail == REDACTED

    def test_policy_staff_see_restricted_datasets_in_full(self, datasets):
        policy = PolicyUserFactory()

        restricted = datasets_visible_to(policy).get(code="plant-logs")

        assert restricted.description_en == "Plant logs"
        assert restricted.storage_detail == "東京リージョン"
        assert not restricted.is_redacted
        assert not dataset_details_hidden_from(policy, restricted)

    def test_a_redacted_dataset_refuses_to_be_saved(self, datasets):
        secret = datasets_visible_to(PolicyUserFactory()).get(code="worker-video")

        with pytest.raises(ValueError, match="redacted"):
            secret.save()
        with pytest.raises(ValueError, match="redacted"):
            dataset_save(dataset=secret, actor=PMOUserFactory())

        datasets[0].refresh_from_db()
        assert datasets[0].storage_detail == "大分工場"

    def test_the_pmo_sees_secret_datasets_in_full(self, datasets):
        pmo = PMOUserFactory()
        secret = datasets_visible_to(pmo).get(code="worker-video")

        assert secret.storage_detail == "大分工場"
        assert not dataset_details_hidden_from(pmo, secret)

    def test_policy_staff_see_every_contract_and_the_lineage(self, world):
        policy = PolicyUserFactory()
        TrainingRunFactory()

        assert contracts_visible_to(policy).count() == 2
        assert documents_visible_to(policy).count() == 2
        assert artifacts_visible_to(policy).count() == 1
        assert training_runs_visible_to(policy).count() == 1


class TestExpiring:
    TODAY = dt.date(2027, 1, 10)

    @pytest.mark.parametrize(
        ("days_left", "listed"),
        [(-1, False), (0, True), (1, True), (90, True), (91, False)],
    )
    def test_active_contracts_ending_within_90_days_are_expiring(self, days_left, listed):
        contract = DataContractFactory(
            effective_date=dt.date(2026, 6, 1),
            expiry_date=self.TODAY + dt.timedelta(days=days_left),
        )

        assert (contract in contracts_expiring(today=self.TODAY)) is listed

    @pytest.mark.parametrize(
        "status",
        [
            ContractStatus.DRAFT,
            ContractStatus.SUBMITTED,
            ContractStatus.EXPIRED,
            ContractStatus.TERMINATED,
        ],
    )
    def test_only_active_contracts_are_expiring(self, status):
        DataContractFactory(
            status=status,
            effective_date=dt.date(2026, 6, 1),
            expiry_date=self.TODAY + dt.timedelta(days=30),
        )

        assert not contracts_expiring(today=self.TODAY).exists()

    def test_the_window_can_be_chosen(self):
        contract = DataContractFactory(
            effective_date=dt.date(2026, 6, 1), expiry_date=self.TODAY + dt.timedelta(days=31)
        )

        assert contract not in contracts_expiring(within_days=30, today=self.TODAY)
        assert contract in contracts_expiring(within_days=31, today=self.TODAY)


def test_contracts_awaiting_decision_are_the_submitted_and_under_review_ones():
    by_status = {status: DataContractFactory(status=status) for status in ContractStatus.values}

    assert set(contracts_awaiting_decision()) == {
        by_status[ContractStatus.SUBMITTED],
        by_status[ContractStatus.UNDER_REVIEW],
    }


class TestRedactionCannotBeSidestepped:
    @pytest.fixture
    def secret(self):
        return DataAssetFactory(
            code="worker-video",
            tier=DataTier.SECRET,
            description_en="Workers' video and audio",
            storage_detail="大分工場",
        )

    def test_the_source_of_a_derivative_is_redacted_too(self, secret):
        DataAssetFactory(
            code="worker-video-sim",
            provider=secret.provider,
            derived_from=secret,
            conversion_method="simulation",
        )

        derivative = datasets_visible_to(PolicyUserFactory()).get(code="worker-video-sim")

        assert derivative.derived_from.description_en == REDACTED
        assert derivative.derived_from.storage_detail == REDACTED

    @pytest.mark.parametrize(
        "read",
        [
            pytest.param(lambda qs: qs.values(), id="values"),
            pytest.param(lambda qs: qs.values("code", "storage_detail"), id="values-field"),
            pytest.param(lambda qs: qs.values_list(), id="values-list"),
            pytest.param(
                lambda qs: qs.values_list("description_en", flat=True), id="values-list-field"
            ),
            pytest.param(
                lambda qs: qs.filter(tier=DataTier.SECRET).values_list("description_ja"),
                id="values-list-after-filter",
            ),
            pytest.param(lambda qs: qs.values(where=F("storage_detail")), id="values-expression"),
        ],
    )
    def test_policy_staff_cannot_read_redacted_columns_with_values(self, read, secret):
        with pytest.raises(ValueError, match="Redacted"):
            list(read(datasets_visible_to(PolicyUserFactory())))

    def test_other_columns_can_still_be_read_with_values(self, secret):
        visible = datasets_visible_to(PolicyUserFactory())

        assert list(visible.values_list("code", flat=True)) == ["worker-video"]
        assert list(visible.values("tier")) == [{"tier": DataTier.SECRET}]

    def test_the_pmo_reads_every_column_with_values(self, secret):
        visible = datasets_visible_to(PMOUserFactory())

        assert list(visible.values_list("storage_detail", flat=True)) == ["大分工場"]
