"""Contract templates, the contract workflow, and what a contract lets a dataset be used for."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from datagov.choices import (
    ContractStatus,
    ContractType,
    DataPurpose,
    DataTier,
    TemplateStatus,
)
from datagov.models import ContractTemplate, ContractTransition, DataContract
from datagov.services import (
    contract_approve,
    contract_deviation_approve,
    contract_document_upload,
    contract_reject,
    contract_review_start,
    contract_save,
    contract_submit,
    contract_terminate,
    dataset_save,
    dataset_use_decision,
    template_new_version,
    template_publish,
    template_save,
)
from tests.factories import (
    ContractTemplateFactory,
    DataAssetFactory,
    DataContractFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
)
from tests.pdfs import pdf_upload

pytestmark = pytest.mark.django_db

FINE, RAG, EDGE, BASE = (
    DataPurpose.FINE_TUNING,
    DataPurpose.RAG_INDEX,
    DataPurpose.EDGE_LEARNING,
    DataPurpose.BASE_PRETRAINING,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def provider():
    return OrganizationFactory(code="nipponsteel")


@pytest.fixture
def partner(provider):
    return PartnerUserFactory(username="steel-partner", organization=provider)


@pytest.fixture
def pmo():
    return PMOUserFactory(username="pmo-sato")


@pytest.fixture
def template():
    return ContractTemplateFactory(code="provision-restricted", tier=DataTier.RESTRICTED)


@pytest.fixture
def dataset(provider):
    return DataAssetFactory(code="kimitsu-plant-logs", provider=provider, tier=DataTier.RESTRICTED)


def _term() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today, today + dt.timedelta(days=730)


def _new_contract(partner, template, **fields) -> DataContract:
    effective, expiry = _term()
    values = {
        "title": "君津製鉄所 操業ログ提供契約",
        "provider": partner.organization,
        "template": template,
        "permitted_uses": [FINE],
        "effective_date": effective,
        "expiry_date": expiry,
    }
    values.update(fields)
    return DataContract(**values)


def _draft(partner, template, dataset, **fields) -> DataContract:
    return contract_save(
        contract=_new_contract(partner, template, **fields), actor=partner, datasets=[dataset]
    )


def _submitted(partner, template, dataset, **fields) -> DataContract:
    contract = _draft(partner, template, dataset, **fields)
    contract_document_upload(contract=contract, upload=pdf_upload(), actor=partner)
    return contract_submit(contract=contract, actor=partner)


def test_a_draft_under_a_replaced_template_version_cannot_be_submitted(
    partner, pmo, template, dataset
):
    contract = _draft(partner, template, dataset)
    contract_document_upload(contract=contract, upload=pdf_upload(), actor=partner)
    template_publish(template=template_new_version(template=template, actor=pmo), actor=pmo)

    with pytest.raises(ValidationError) as error:
        contract_submit(contract=contract, actor=partner)

    assert "template" in error.value.message_dict
    assert _snapshot(contract)[0] == ContractStatus.DRAFT


def _snapshot(contract: DataContract) -> tuple:
    contract = DataContract.objects.get(pk=contract.pk)
    return (contract.status, contract.transitions.count(), contract.history.count())


def _steps(contract: DataContract) -> list[tuple[str, str, object]]:
    return [
        (t.from_status, t.to_status, t.actor)
        for t in ContractTransition.objects.filter(contract=contract).order_by("at", "pk")
    ]


# --------------------------------------------------------------------------- decisions


class TestContractDecidesUse:
    RUN = dt.date(2027, 1, 10)

    def test_a_dataset_without_a_contract_is_refused_naming_the_dataset(self):
        dataset = DataAssetFactory(code="honda-driving-env", tier=DataTier.RESTRICTED)

        decision = dataset_use_decision(dataset=dataset, purpose=FINE, on=self.RUN)

        assert not decision.allowed
        assert "honda-driving-env" in decision.reason
        assert "no contract" in decision.reason
        assert decision.contract is None

    @pytest.mark.parametrize(
        "status",
        [ContractStatus.DRAFT, ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW],
    )
    def test_a_contract_not_yet_active_does_not_allow_use(self, status):
        dataset = DataAssetFactory(tier=DataTier.RESTRICTED)
        contract = DataContractFactory(
            provider=dataset.provider,
            template__tier=DataTier.RESTRICTED,
            status=status,
            datasets=[dataset],
        )

        decision = dataset_use_decision(dataset=dataset, purpose=FINE, on=self.RUN)

        assert not decision.allowed
        assert contract.reference in decision.reason
        assert "not in force" in decision.reason

    @pytest.mark.parametrize(
        "day",
        [dt.date(2026, 5, 31), dt.date(2029, 4, 1)],
        ids=["before-effective", "after-expiry"],
    )
    def test_an_active_contract_does_not_allow_use_outside_its_term(self, day):
        dataset = DataAssetFactory(tier=DataTier.RESTRICTED)
        contract = DataContractFactory(
            provider=dataset.provider,
            template__tier=DataTier.RESTRICTED,
            effective_date=dt.date(2026, 6, 1),
            expiry_date=dt.date(2029, 3, 31),
            datasets=[dataset],
        )

        decision = dataset_use_decision(dataset=dataset, purpose=FINE, on=day)

        assert not decision.allowed
        assert contract.reference in decision.reason

    @pytest.mark.parametrize(
        "day", [dt.date(2026, 6, 1), dt.date(2029, 3, 31)], ids=["first-day", "last-day"]
    )
    def test_an_active_contract_allows_use_on_the_first_and_last_day_of_its_term(self, day):
        dataset = DataAssetFactory(tier=DataTier.RESTRICTED)
        DataContractFactory(
            provider=dataset.provider,
            template__tier=DataTier.RESTRICTED,
            effective_date=dt.date(2026, 6, 1),
            expiry_date=dt.date(2029, 3, 31),
            datasets=[dataset],
        )

        assert dataset_use_decision(dataset=dataset, purpose=FINE, on=day).allowed

    def test_an_expired_contract_still_allows_a_run_dated_within_its_term(self):
        dataset = DataAssetFactory(tier=DataTier.RESTRICTED)
        contract = DataContractFactory(
            provider=dataset.provider,
            template__tier=DataTier.RESTRICTED,
            status=ContractStatus.EXPIRED,
            effective_date=dt.date(2026, 6, 1),
            expiry_date=dt.date(2027, 3, 31),
            datasets=[dataset],
        )

        decision = dataset_use_decision(dataset=dataset, purpose=FINE, on=self.RUN)

        assert decision.allowed
        assert decision.contract == contract
        assert not dataset_use_decision(
            dataset=dataset, purpose=FINE, on=dt.date(2027, 4, 1)
        ).allowed

    def test_a_terminated_contract_allows_use_only_before_the_termination_takes_effect(self, pmo):
        dataset = DataAssetFactory(tier=DataTier.RESTRICTED)
        contract = DataContractFactory(
            provider=dataset.provider, template__tier=DataTier.RESTRICTED, datasets=[dataset]
        )
        ends = dt.date(2027, 6, 1)
        contract_terminate(contract=contract, actor=pmo, reason="提供者の申し入れ", on=ends)

        def allowed(day):
            return dataset_use_decision(dataset=dataset, purpose=FINE, on=day).allowed

        assert allowed(ends - dt.timedelta(days=1))
        assert not allowed(ends)
        assert not allowed(dt.date(2028, 1, 1))
        refused = dataset_use_decision(dataset=dataset, purpose=FINE, on=ends)
        assert contract.reference in refused.reason
        assert str(ContractStatus.TERMINATED.label) in refused.reason

    def test_a_contract_that_does_not_permit_the_purpose_does_not_allow_it(self):
        dataset = DataAssetFactory(code="sony-sensing", tier=DataTier.RESTRICTED)
        DataContractFactory(
            provider=dataset.provider,
            template__tier=DataTier.RESTRICTED,
            permitted_uses=[RAG],
            datasets=[dataset],
        )

        decision = dataset_use_decision(dataset=dataset, purpose=FINE, on=self.RUN)

        assert not decision.allowed
        assert "sony-sensing" in decision.reason
        assert str(FINE.label) in decision.reason
        assert dataset_use_decision(dataset=dataset, purpose=RAG, on=self.RUN).allowed


# --------------------------------------------------------------------------- templates

CONTENT_CHANGES = {
    "code": "another-code",
    "version": 7,
    "contract_type": ContractType.DATA_SHARING,
    "tier": DataTier.RESTRICTED,
    "permitted_uses": [FINE],
}


class TestTemplates:
    @pytest.mark.parametrize("field", ContractTemplate.CONTENT_FIELDS)
    def test_a_published_version_refuses_any_content_edit(self, field, pmo):
        template = ContractTemplateFactory(tier=DataTier.PUBLIC)
        before = {f: getattr(template, f) for f in ContractTemplate.CONTENT_FIELDS}
        history = template.history.count()

        setattr(template, field, CONTENT_CHANGES.get(field, "改訂された条項 / revised clause"))
        with pytest.raises(ValidationError) as error:
            template_save(template=template, actor=pmo)

        assert field in error.value.message_dict
        assert "published" in error.value.message_dict[field][0]
        stored = ContractTemplate.objects.get(pk=template.pk)
        assert {f: getattr(stored, f) for f in ContractTemplate.CONTENT_FIELDS} == before
        assert stored.history.count() == history

    def test_a_draft_version_may_be_edited(self, pmo):
        template = ContractTemplateFactory(status=TemplateStatus.DRAFT, published_at=None)
        template.redistribution_en = "Redistribution only to JV members."
        template_save(template=template, actor=pmo)
        template.refresh_from_db()
        assert template.redistribution_en == "Redistribution only to JV members."

    def test_only_the_pmo_edits_templates(self, partner):
        template = ContractTemplateFactory(status=TemplateStatus.DRAFT, published_at=None)
        template.title_en = "Mine now"
        with pytest.raises(PermissionDenied):
            template_save(template=template, actor=partner)

    def test_a_new_version_is_a_draft_with_the_next_number_and_the_same_text(self, pmo):
        v1 = ContractTemplateFactory(code="sharing-public", version=1)
        v1_again = ContractTemplateFactory.build(code="sharing-public", version=2)
        v1_again.status = TemplateStatus.WITHDRAWN
        v1_again.save()

        draft = template_new_version(template=v1, actor=pmo)

        assert draft.pk not in (v1.pk, v1_again.pk)
        assert draft.version == 3
        assert draft.status == TemplateStatus.DRAFT
        assert draft.published_at is None
        for field in ContractTemplate.CONTENT_FIELDS:
            if field != "version":
                assert getattr(draft, field) == getattr(v1, field), field

    def test_publishing_a_new_version_withdraws_the_old_and_contracts_keep_theirs(self, pmo):
        v1 = ContractTemplateFactory(code="provision-public", version=1)
        signed = DataContractFactory(template=v1)
        v2 = template_new_version(template=v1, actor=pmo)
        v2.retention_en = "Deleted within 14 days of the contract's end."
        template_save(template=v2, actor=pmo)

        template_publish(template=v2, actor=pmo)

        v1.refresh_from_db()
        v2.refresh_from_db()
        signed.refresh_from_db()
        assert v1.status == TemplateStatus.WITHDRAWN
        assert v2.status == TemplateStatus.PUBLISHED
        assert v2.published_by == pmo
        assert signed.template_id == v1.pk
        assert signed.template.retention_en == "Deleted within 30 days of the contract's end."

    @pytest.mark.parametrize("status", [TemplateStatus.DRAFT, TemplateStatus.WITHDRAWN])
    def test_a_contract_cannot_be_signed_under_a_draft_or_withdrawn_version(
        self, status, partner, dataset
    ):
        template = ContractTemplateFactory(tier=DataTier.RESTRICTED, status=status)

        with pytest.raises(ValidationError) as error:
            _draft(partner, template, dataset)

        assert "template" in error.value.message_dict
        assert not DataContract.objects.exists()

    @pytest.mark.parametrize(
        ("tier", "use"),
        [
            (DataTier.RESTRICTED, BASE),
            (DataTier.RESTRICTED, EDGE),
            (DataTier.SECRET, FINE),
        ],
    )
    def test_a_template_cannot_permit_as_standard_what_its_tier_does_not(self, tier, use, pmo):
        template = ContractTemplateFactory.build(
            tier=tier, permitted_uses=[use], status=TemplateStatus.DRAFT, published_at=None
        )

        with pytest.raises(ValidationError) as error:
            template_save(template=template, actor=pmo)

        assert "permitted_uses" in error.value.message_dict
        assert str(use.label) in error.value.message_dict["permitted_uses"][0]
        assert not ContractTemplate.objects.exists()


# --------------------------------------------------------------------------- workflow


class TestWorkflow:
    def test_a_contract_goes_from_draft_to_active_with_who_and_when_for_every_step(
        self, partner, pmo, template, dataset
    ):
        contract = _draft(partner, template, dataset)
        assert contract.status == ContractStatus.DRAFT
        assert contract.created_by == partner
        assert contract.history.first().history_user == partner

        contract_document_upload(contract=contract, upload=pdf_upload(), actor=partner)
        contract = contract_submit(contract=contract, actor=partner)
        assert contract.status == ContractStatus.SUBMITTED
        assert contract.history.first().history_user == partner

        contract = contract_review_start(contract=contract, actor=pmo)
        assert contract.status == ContractStatus.UNDER_REVIEW
        assert contract.history.first().history_user == pmo

        contract = contract_approve(contract=contract, actor=pmo, note="条項確認済み")
        assert contract.status == ContractStatus.ACTIVE
        latest = contract.history.first()
        assert latest.history_user == pmo
        assert latest.status == ContractStatus.ACTIVE
        assert latest.history_change_reason == "under_review → active"

        assert _steps(contract) == [
            (ContractStatus.DRAFT, ContractStatus.SUBMITTED, partner),
            (ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW, pmo),
            (ContractStatus.UNDER_REVIEW, ContractStatus.ACTIVE, pmo),
        ]
        assert all(t.at is not None for t in contract.transitions.all())
        assert contract.transitions.last().note == "条項確認済み"
        assert DataContract.objects.get(pk=contract.pk).status == ContractStatus.ACTIVE

    def test_approving_a_submitted_contract_records_the_review_step_too(
        self, partner, pmo, template, dataset
    ):
        contract = _submitted(partner, template, dataset)

        contract_approve(contract=contract, actor=pmo)

        assert _steps(contract) == [
            (ContractStatus.DRAFT, ContractStatus.SUBMITTED, partner),
            (ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW, pmo),
            (ContractStatus.UNDER_REVIEW, ContractStatus.ACTIVE, pmo),
        ]

    def test_an_active_contract_can_be_terminated_with_a_reason(
        self, partner, pmo, template, dataset
    ):
        contract = contract_approve(contract=_submitted(partner, template, dataset), actor=pmo)

        contract_terminate(contract=contract, actor=pmo, reason="提供停止の申し入れ")

        contract.refresh_from_db()
        assert contract.status == ContractStatus.TERMINATED
        last = contract.transitions.last()
        assert (last.from_status, last.to_status, last.actor) == (
            ContractStatus.ACTIVE,
            ContractStatus.TERMINATED,
            pmo,
        )
        assert last.note == "提供停止の申し入れ"
        assert last.effective_on == timezone.localdate()
        assert contract.history.first().history_user == pmo

    def test_submitting_needs_the_signed_document(self, partner, template, dataset):
        contract = _draft(partner, template, dataset)
        before = _snapshot(contract)

        with pytest.raises(ValidationError) as error:
            contract_submit(contract=contract, actor=partner)

        assert "document" in error.value.message_dict
        assert _snapshot(contract) == before

    def test_submitting_needs_the_datasets(self, partner, template):
        contract = contract_save(contract=_new_contract(partner, template), actor=partner)
        contract_document_upload(contract=contract, upload=pdf_upload(), actor=partner)
        before = _snapshot(contract)

        with pytest.raises(ValidationError) as error:
            contract_submit(contract=contract, actor=partner)

        assert "datasets" in error.value.message_dict
        assert _snapshot(contract) == before

    def test_approving_a_draft_is_refused_and_changes_nothing(
        self, partner, pmo, template, dataset
    ):
        contract = _draft(partner, template, dataset)
        before = _snapshot(contract)

        with pytest.raises(ValidationError) as error:
            contract_approve(contract=contract, actor=pmo)

        assert "status" in error.value.message_dict
        assert _snapshot(contract) == before

    def test_submitting_an_active_contract_is_refused_and_changes_nothing(
        self, partner, pmo, template, dataset
    ):
        contract = contract_approve(contract=_submitted(partner, template, dataset), actor=pmo)
        before = _snapshot(contract)

        with pytest.raises(ValidationError) as error:
            contract_submit(contract=contract, actor=partner)

        assert "status" in error.value.message_dict
        assert _snapshot(contract) == before

    @pytest.mark.parametrize(
        "step",
        [
            lambda c, pmo: contract_terminate(contract=c, actor=pmo, reason="理由"),
            lambda c, pmo: contract_review_start(contract=c, actor=pmo),
            lambda c, pmo: contract_reject(contract=c, actor=pmo, reason="理由"),
        ],
        ids=["terminate", "review", "reject"],
    )
    def test_steps_that_need_a_later_status_are_refused_on_a_draft(
        self, step, partner, pmo, template, dataset
    ):
        contract = _draft(partner, template, dataset)
        before = _snapshot(contract)

        with pytest.raises(ValidationError) as error:
            step(contract, pmo)

        assert "status" in error.value.message_dict
        assert _snapshot(contract) == before

    @pytest.mark.parametrize(
        "step",
        [
            lambda c, who: contract_review_start(contract=c, actor=who),
            lambda c, who: contract_approve(contract=c, actor=who),
            lambda c, who: contract_reject(contract=c, actor=who, reason="理由"),
            lambda c, who: contract_deviation_approve(contract=c, actor=who),
        ],
        ids=["review", "approve", "reject", "approve-deviation"],
    )
    def test_a_partner_may_not_decide_on_a_contract(self, step, partner, template, dataset):
        contract = _submitted(partner, template, dataset)
        before = _snapshot(contract)

        with pytest.raises(PermissionDenied):
            step(contract, partner)

        assert _snapshot(contract) == before

    def test_a_partner_may_not_terminate_a_contract(self, partner):
        contract = DataContractFactory(provider=partner.organization)
        before = _snapshot(contract)

        with pytest.raises(PermissionDenied):
            contract_terminate(contract=contract, actor=partner, reason="自社判断")

        assert _snapshot(contract) == before

    def test_rejecting_needs_a_reason(self, partner, pmo, template, dataset):
        contract = _submitted(partner, template, dataset)
        before = _snapshot(contract)

        with pytest.raises(ValidationError) as error:
            contract_reject(contract=contract, actor=pmo, reason="  ")

        assert "reason" in error.value.message_dict
        assert _snapshot(contract) == before

    def test_rejecting_returns_the_contract_to_the_provider_as_a_draft(
        self, partner, pmo, template, dataset
    ):
        contract = _submitted(partner, template, dataset)

        contract_reject(contract=contract, actor=pmo, reason="保管場所の記載が不足")

        contract.refresh_from_db()
        assert contract.status == ContractStatus.DRAFT
        last = contract.transitions.last()
        assert (last.from_status, last.to_status, last.actor, last.note) == (
            ContractStatus.SUBMITTED,
            ContractStatus.DRAFT,
            pmo,
            "保管場所の記載が不足",
        )
        # The provider can now edit and submit again.
        contract.title = "君津製鉄所 操業ログ提供契約（改訂）"
        contract_save(contract=contract, actor=partner)
        contract_submit(contract=contract, actor=partner)
        assert DataContract.objects.get(pk=contract.pk).status == ContractStatus.SUBMITTED

    def test_terminating_needs_a_reason(self, pmo):
        contract = DataContractFactory()
        before = _snapshot(contract)

        with pytest.raises(ValidationError) as error:
            contract_terminate(contract=contract, actor=pmo, reason="")

        assert "reason" in error.value.message_dict
        assert _snapshot(contract) == before


class TestDeviations:
    def test_a_pending_deviation_blocks_approval_until_the_pmo_approves_it(
        self, partner, pmo, template, dataset
    ):
        contract = _submitted(
            partner,
            template,
            dataset,
            permitted_uses=[FINE, EDGE],
            deviation_reason="工場サーバー上でのエッジ学習に限る",
        )
        before = _snapshot(contract)

        with pytest.raises(ValidationError) as error:
            contract_approve(contract=contract, actor=pmo)
        assert "permitted_uses" in error.value.message_dict
        assert _snapshot(contract) == before

        contract_deviation_approve(contract=contract, actor=pmo)
        contract.refresh_from_db()
        assert contract.deviation_approved_by == pmo
        assert contract.deviation_approved_at is not None
        assert contract.history.first().history_user == pmo

        contract_approve(contract=contract, actor=pmo)
        assert DataContract.objects.get(pk=contract.pk).status == ContractStatus.ACTIVE

    def test_changing_the_uses_of_a_draft_voids_an_earlier_deviation_approval(
        self, partner, pmo, template, dataset
    ):
        contract = _submitted(
            partner,
            template,
            dataset,
            permitted_uses=[FINE, EDGE],
            deviation_reason="エッジ学習",
        )
        contract_deviation_approve(contract=contract, actor=pmo)
        contract_reject(contract=contract, actor=pmo, reason="合成データ変換も検討のこと")
        contract.refresh_from_db()
        assert contract.deviation_approved_at is not None

        contract.permitted_uses = [FINE, EDGE, DataPurpose.SYNTHETIC_DERIVATION]
        contract_save(contract=contract, actor=partner)

        contract.refresh_from_db()
        assert contract.deviation_approved_by is None
        assert contract.deviation_approved_at is None
        assert contract.deviation_pending

    def test_editing_a_draft_without_touching_its_uses_keeps_the_deviation_approval(
        self, partner, pmo, template, dataset
    ):
        contract = _submitted(
            partner, template, dataset, permitted_uses=[FINE, EDGE], deviation_reason="エッジ学習"
        )
        contract_deviation_approve(contract=contract, actor=pmo)
        contract_reject(contract=contract, actor=pmo, reason="題名を修正")
        contract.refresh_from_db()

        contract.title = "題名修正版"
        contract_save(contract=contract, actor=partner)

        contract.refresh_from_db()
        assert contract.deviation_approved_by == pmo

    def test_a_use_the_tier_forbids_is_refused_outright(self, partner, template, dataset):
        with pytest.raises(ValidationError) as error:
            _draft(
                partner,
                template,
                dataset,
                permitted_uses=[FINE, BASE],
                deviation_reason="基盤モデルの性能向上のため",
            )

        assert "permitted_uses" in error.value.message_dict
        assert str(BASE.label) in error.value.message_dict["permitted_uses"][0]
        assert not DataContract.objects.exists()

    def test_uses_beyond_the_template_need_a_reason(self, partner, template, dataset):
        with pytest.raises(ValidationError) as error:
            _draft(partner, template, dataset, permitted_uses=[FINE, EDGE])

        assert list(error.value.message_dict) == ["deviation_reason"]
        assert str(EDGE.label) in error.value.message_dict["deviation_reason"][0]
        assert not DataContract.objects.exists()

    def test_a_deviation_cannot_be_approved_on_a_contract_without_one(
        self, partner, pmo, template, dataset
    ):
        contract = _submitted(partner, template, dataset)
        with pytest.raises(ValidationError) as error:
            contract_deviation_approve(contract=contract, actor=pmo)
        assert "permitted_uses" in error.value.message_dict


class TestContractInput:
    def test_an_expiry_before_the_effective_date_is_refused_on_expiry_date(
        self, partner, template, dataset
    ):
        with pytest.raises(ValidationError) as error:
            _draft(
                partner,
                template,
                dataset,
                effective_date=dt.date(2027, 4, 1),
                expiry_date=dt.date(2027, 3, 31),
            )

        assert "expiry_date" in error.value.message_dict
        assert not DataContract.objects.exists()

    def test_the_database_refuses_an_expiry_before_the_effective_date(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            DataContractFactory(
                effective_date=dt.date(2027, 4, 1), expiry_date=dt.date(2027, 3, 31)
            )

    def test_a_contract_covering_another_organizations_dataset_is_refused(
        self, partner, pmo, template, dataset
    ):
        foreign = DataAssetFactory(code="kobe-steel-logs", tier=DataTier.RESTRICTED)

        for actor in (partner, pmo):
            with pytest.raises(ValidationError) as error:
                contract_save(
                    contract=_new_contract(partner, template),
                    actor=actor,
                    datasets=[dataset, foreign],
                )
            assert list(error.value.message_dict) == ["datasets"]
            assert "kobe-steel-logs" in error.value.message_dict["datasets"][0]
        assert not DataContract.objects.exists()

    def test_a_contract_covering_a_dataset_of_another_tier_is_refused(
        self, partner, template, provider
    ):
        secret = DataAssetFactory(code="worker-video", provider=provider, tier=DataTier.SECRET)

        with pytest.raises(ValidationError) as error:
            contract_save(
                contract=_new_contract(partner, template), actor=partner, datasets=[secret]
            )

        assert "worker-video" in error.value.message_dict["datasets"][0]
        assert not DataContract.objects.exists()

    def test_a_partner_cannot_create_a_contract_for_another_organization(self, partner, template):
        other = OrganizationFactory(code="kobesteel")

        with pytest.raises(ValidationError) as error:
            contract_save(contract=_new_contract(partner, template, provider=other), actor=partner)

        assert "provider" in error.value.message_dict
        assert not DataContract.objects.exists()

    def test_a_partner_cannot_edit_another_organizations_draft(self, partner, template):
        other = OrganizationFactory(code="kobesteel")
        contract = DataContractFactory(provider=other, status=ContractStatus.DRAFT)

        contract.title = "乗っ取り"
        with pytest.raises(ValidationError) as error:
            contract_save(contract=contract, actor=partner)

        assert "provider" in error.value.message_dict
        assert DataContract.objects.get(pk=contract.pk).title != "乗っ取り"

    @pytest.mark.parametrize(
        "status",
        [
            ContractStatus.SUBMITTED,
            ContractStatus.UNDER_REVIEW,
            ContractStatus.ACTIVE,
            ContractStatus.EXPIRED,
            ContractStatus.TERMINATED,
        ],
    )
    def test_only_a_draft_can_be_edited(self, status, pmo):
        contract = DataContractFactory(status=status)
        title = contract.title

        contract.title = "変更"
        with pytest.raises(ValidationError) as error:
            contract_save(contract=contract, actor=pmo)

        assert "status" in error.value.message_dict
        assert DataContract.objects.get(pk=contract.pk).title == title

    def test_an_edit_cannot_change_the_status(self, partner, template, dataset):
        contract = _draft(partner, template, dataset)

        contract.status = ContractStatus.ACTIVE
        contract_save(contract=contract, actor=partner)

        assert DataContract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT

    def test_references_are_unique_and_numbered_per_year(self, partner, template, dataset):
        def create(effective: dt.date) -> str:
            contract = contract_save(
                contract=_new_contract(
                    partner,
                    template,
                    effective_date=effective,
                    expiry_date=effective + dt.timedelta(days=365),
                ),
                actor=partner,
            )
            return contract.reference

        assert [
            create(dt.date(2026, 7, 1)),
            create(dt.date(2026, 9, 1)),
            create(dt.date(2027, 4, 1)),
            create(dt.date(2026, 12, 1)),
        ] == ["DC-2026-0001", "DC-2026-0002", "DC-2027-0001", "DC-2026-0003"]


def test_policy_staff_change_nothing_through_any_contract_or_dataset_service(
    partner, template, dataset, _private_media
):
    policy = PolicyUserFactory()
    draft = _draft(partner, template, dataset)
    before = _snapshot(draft)
    dataset.description_ja = "書き換え"

    with pytest.raises(PermissionDenied):
        contract_save(contract=_new_contract(partner, template), actor=policy, datasets=[dataset])
    with pytest.raises(PermissionDenied):
        contract_document_upload(contract=draft, upload=pdf_upload(), actor=policy)
    with pytest.raises(PermissionDenied):
        contract_submit(contract=draft, actor=policy)
    with pytest.raises(PermissionDenied):
        dataset_save(dataset=dataset, actor=policy)

    assert _snapshot(draft) == before
    assert DataContract.objects.count() == 1
    assert not draft.documents.exists()
    assert not [p for p in _private_media.rglob("*") if p.is_file()]
    dataset.refresh_from_db()
    assert dataset.description_ja != "書き換え"
