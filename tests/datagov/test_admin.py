"""The data-governance admin: the PMO's contract register and its actions, datasets seen
through the role's selector, the contamination guard on the run form, and the report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.forms import BooleanField
from django.urls import reverse
from django.utils import timezone

from datagov.choices import (
    ArtifactKind,
    ContractStatus,
    DataPurpose,
    DataTier,
    TemplateStatus,
)
from datagov.models import (
    ContractTemplate,
    ContractTransition,
    DataAsset,
    DataContract,
    ModelArtifact,
    TrainingRun,
)
from datagov.services import contract_document_upload
from jvtracker.choices import Industry
from tests.factories import (
    ContractTemplateFactory,
    DataAssetFactory,
    DataContractFactory,
    ModelArtifactFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    TrainingRunFactory,
)
from tests.milestones.factories_admin import changeform_data
from tests.pdfs import pdf_upload

pytestmark = pytest.mark.django_db

MODELS = [DataAsset, ContractTemplate, DataContract, ModelArtifact, TrainingRun]
SECRET_DESCRIPTION = "作業者の映像と音声（個人情報）"
SECRET_STORAGE = "大分製作所 第2工場"


def _url(model, action: str, *args) -> str:
    return reverse(f"admin:datagov_{model._meta.model_name}_{action}", args=args)


def _today() -> dt.date:
    return timezone.localdate()


def _codes(response) -> list[str]:
    return [str(obj) for obj in response.context["cl"].result_list]


def _references(response) -> set[str]:
    return {contract.reference for contract in response.context["cl"].result_list}


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _act(client, action: str, *objects, **extra):
    model = type(objects[0])
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(o.pk) for o in objects], **extra}
    return client.post(_url(model, "changelist"), data, follow=True)


@pytest.fixture
def pmo(client):
    user = PMOUserFactory()
    client.force_login(user)
    # Assertions on messages read the English source text.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


@pytest.fixture
def restricted_template(db) -> ContractTemplate:
    return ContractTemplateFactory(tier=DataTier.RESTRICTED)


def _submitted(**kwargs) -> DataContract:
    return DataContractFactory(
        status=ContractStatus.SUBMITTED,
        effective_date=_today(),
        expiry_date=_today() + dt.timedelta(days=700),
        **kwargs,
    )


@pytest.fixture
def one_of_each(db) -> dict[type, object]:
    dataset = DataAssetFactory()
    contract = DataContractFactory(datasets=[dataset])
    run = TrainingRunFactory(datasets=[dataset])
    return {
        DataAsset: dataset,
        ContractTemplate: contract.template,
        DataContract: contract,
        ModelArtifact: run.target,
        TrainingRun: run,
    }


# ------------------------------------------------------------------------------ the pages


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_pmo_can_open_the_list_the_page_the_history_and_the_add_form_of_every_model(
    client, pmo, one_of_each, model
):
    obj = one_of_each[model]

    assert client.get(_url(model, "changelist")).status_code == 200
    assert client.get(_url(model, "change", obj.pk)).status_code == 200
    assert client.get(_url(model, "history", obj.pk)).status_code == 200
    assert client.get(_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_policy_staff_can_view_every_model_but_add_nothing(client, one_of_each, model):
    client.force_login(PolicyUserFactory())

    assert client.get(_url(model, "changelist")).status_code == 200
    assert client.get(_url(model, "change", one_of_each[model].pk)).status_code == 200
    assert client.get(_url(model, "add")).status_code == 403


ROW_FACTORIES = {
    DataAsset: lambda: DataAssetFactory(
        derived_from=DataAssetFactory(tier=DataTier.SECRET),
        conversion_method="simulation",
    ),
    DataContract: lambda: DataContractFactory(datasets=[DataAssetFactory()]),
    ModelArtifact: lambda: TrainingRunFactory().target,
    TrainingRun: lambda: TrainingRunFactory(),
}


@pytest.mark.parametrize("model", list(ROW_FACTORIES), ids=lambda m: m.__name__)
def test_list_pages_do_not_query_per_row(client, pmo, django_assert_max_num_queries, model):
    for _ in range(2):
        ROW_FACTORIES[model]()
    with django_assert_max_num_queries(100) as few:
        client.get(_url(model, "changelist"))
    for _ in range(5):
        ROW_FACTORIES[model]()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(_url(model, "changelist"))


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:datagov_datacontract_changelist"),
        reverse("admin:datagov_dataasset_changelist"),
        reverse("admin:datagov_contamination"),
        reverse("admin:index"),
    ],
)
def test_partner_users_are_sent_to_the_admin_login(client, url):
    client.force_login(PartnerUserFactory())

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_index_links_the_contract_queues_and_the_contamination_report(client, pmo):
    response = client.get(reverse("admin:index"))

    changelist = _url(DataContract, "changelist")
    assert f'href="{changelist}?expiry=within_90"' in response.content.decode()
    assert f'href="{changelist}?status=awaiting"' in response.content.decode()
    assert f'href="{reverse("admin:datagov_contamination")}"' in response.content.decode()
    assert f'href="{reverse("milestones:timeline")}"' in response.content.decode()


# ----------------------------------------------------------------- the contract register


def test_the_register_filters_by_status_tier_and_industry(client, pmo, restricted_template):
    mobility = DataAssetFactory(industry=Industry.MOBILITY, tier=DataTier.RESTRICTED)
    steel = DataAssetFactory(industry=Industry.STEEL)
    steel_too = DataAssetFactory(industry=Industry.STEEL, provider=steel.provider)
    restricted = DataContractFactory(
        reference="DC-2026-0101",
        template=restricted_template,
        provider=mobility.provider,
        datasets=[mobility],
    )
    public = DataContractFactory(
        reference="DC-2026-0102", provider=steel.provider, datasets=[steel, steel_too]
    )
    draft = DataContractFactory(reference="DC-2026-0103", status=ContractStatus.DRAFT)
    changelist = _url(DataContract, "changelist")

    assert _references(client.get(changelist, {"status": "draft"})) == {draft.reference}
    assert _references(client.get(changelist, {"template__tier": "restricted"})) == {
        restricted.reference
    }
    # Two steel datasets under one contract still list it once.
    steel_list = client.get(changelist, {"datasets__industry": "steel"})
    assert _codes(steel_list) == [str(public)]
    assert _references(client.get(changelist, {"datasets__industry": "mobility"})) == {
        restricted.reference
    }


def test_expiring_within_90_days_lists_exactly_the_active_contracts_ending_in_that_window(
    client, pmo
):
    today = _today()
    start = today - dt.timedelta(days=400)

    def contract(reference: str, days: int, status=ContractStatus.ACTIVE) -> DataContract:
        return DataContractFactory(
            reference=reference,
            status=status,
            effective_date=start,
            expiry_date=today + dt.timedelta(days=days),
        )

    contract("today", 0)
    contract("day-90", 90)
    contract("day-91", 91)
    contract("yesterday", -1)
    contract("draft-day-30", 30, status=ContractStatus.DRAFT)
    contract("terminated-day-30", 30, status=ContractStatus.TERMINATED)
    contract("day-365", 365)
    contract("day-366", 366)
    changelist = _url(DataContract, "changelist")

    assert _references(client.get(changelist, {"expiry": "within_90"})) == {"today", "day-90"}
    assert _references(client.get(changelist, {"expiry": "within_year"})) == {
        "today",
        "day-90",
        "day-91",
        "day-365",
    }
    assert _references(client.get(changelist, {"expiry": "expired"})) == {"yesterday"}
    assert _references(client.get(changelist, {"expiry": "later"})) == {"day-366"}


def test_awaiting_a_decision_lists_submitted_and_under_review_contracts(client, pmo):
    submitted = _submitted(reference="DC-2026-0201")
    reviewing = DataContractFactory(reference="DC-2026-0202", status=ContractStatus.UNDER_REVIEW)
    DataContractFactory(reference="DC-2026-0203", status=ContractStatus.DRAFT)
    DataContractFactory(reference="DC-2026-0204")

    response = client.get(_url(DataContract, "changelist"), {"status": "awaiting"})

    assert _references(response) == {submitted.reference, reviewing.reference}


def test_approve_makes_a_submitted_contract_active_with_both_steps_logged_by_the_pmo(client, pmo):
    contract = _submitted()

    response = _act(client, "approve", contract)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    steps = list(contract.transitions.order_by("at", "pk"))
    assert [(s.from_status, s.to_status) for s in steps] == [
        (ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW),
        (ContractStatus.UNDER_REVIEW, ContractStatus.ACTIVE),
    ]
    assert {s.actor for s in steps} == {pmo}
    assert any(contract.reference in m and "active" in m for m in _messages(response))


def test_the_contract_page_shows_who_moved_it_and_when(client, pmo):
    contract = _submitted()
    _act(client, "approve", contract)

    response = client.get(_url(DataContract, "change", contract.pk))

    inline = next(
        f for f in response.context["inline_admin_formsets"] if f.opts.model is ContractTransition
    )
    assert len(inline.formset.forms) == 2
    assert pmo.username in response.content.decode()


def test_start_review_moves_only_submitted_contracts_under_review(client, pmo):
    submitted = _submitted()
    active = DataContractFactory()

    _act(client, "start_review", submitted, active)

    submitted.refresh_from_db()
    active.refresh_from_db()
    assert submitted.status == ContractStatus.UNDER_REVIEW
    assert submitted.transitions.get().actor == pmo
    assert active.status == ContractStatus.ACTIVE
    assert not active.transitions.exists()


def test_an_invalid_transition_changes_nothing_and_says_why(client, pmo):
    draft = DataContractFactory(status=ContractStatus.DRAFT)
    submitted = _submitted()

    response = _act(client, "approve", draft, submitted)

    draft.refresh_from_db()
    submitted.refresh_from_db()
    assert draft.status == ContractStatus.DRAFT
    assert not draft.transitions.exists()
    assert submitted.status == ContractStatus.ACTIVE
    errors = [m for m in _messages(response) if draft.reference in m]
    assert errors and "Draft" in errors[0]


def test_reject_without_a_reason_asks_for_one_and_changes_nothing(client, pmo):
    contract = _submitted()

    confirmation = _act(client, "reject", contract)
    assert confirmation.templates[0].name == "admin/datagov/datacontract/reason_confirmation.html"
    response = _act(client, "reject", contract, post="yes", reason="  ")

    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED
    assert not contract.transitions.exists()
    assert response.context["form"].errors["reason"]


def test_reject_with_a_reason_returns_the_contract_to_draft_with_the_note(client, pmo):
    contract = _submitted()

    _act(client, "reject", contract, post="yes", reason="署名欄が空欄です。")

    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    step = contract.transitions.get()
    assert (step.from_status, step.to_status) == (ContractStatus.SUBMITTED, ContractStatus.DRAFT)
    assert step.note == "署名欄が空欄です。"
    assert step.actor == pmo


def test_terminate_needs_a_reason_and_records_it(client, pmo):
    contract = DataContractFactory()

    _act(client, "terminate", contract, post="yes", reason="")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE

    _act(client, "terminate", contract, post="yes", reason="提供者の事業撤退")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED
    assert contract.transitions.get().note == "提供者の事業撤退"


def test_approving_a_contract_with_a_pending_deviation_is_refused_and_it_stays_submitted(
    client, pmo, restricted_template
):
    contract = _submitted(
        template=restricted_template,
        permitted_uses=[DataPurpose.FINE_TUNING, DataPurpose.SYNTHETIC_DERIVATION],
        deviation_reason="合成データ化してモデル評価に使うため",
    )

    response = _act(client, "approve", contract)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED
    assert not contract.transitions.exists()
    errors = [m for m in _messages(response) if contract.reference in m]
    assert errors and "deviation" in errors[0]

    _act(client, "approve_deviation", contract)
    _act(client, "approve", contract)
    contract.refresh_from_db()
    assert contract.deviation_approved_by == pmo
    assert contract.status == ContractStatus.ACTIVE


def test_policy_staff_get_no_workflow_actions(client):
    contract = _submitted()
    client.force_login(PolicyUserFactory())

    response = client.get(_url(DataContract, "changelist"))
    assert "approve" not in dict(response.context["action_form"].fields["action"].choices)

    _act(client, "approve", contract)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED


# --------------------------------------------------------------------- adding a contract


def _contract_add_data(client, **changes) -> dict:
    page = client.get(_url(DataContract, "add"))
    base = {
        "title": "工場操業ログ提供契約",
        "effective_date": _today().isoformat(),
        "expiry_date": (_today() + dt.timedelta(days=365)).isoformat(),
    }
    return changeform_data(page, **{**base, **changes})


def test_a_contract_added_in_the_admin_is_a_draft_covering_its_datasets(client, pmo):
    dataset = DataAssetFactory()
    template = ContractTemplateFactory()

    data = _contract_add_data(
        client,
        provider=str(dataset.provider.pk),
        template=str(template.pk),
        datasets=[str(dataset.pk)],
        permitted_uses=list(template.permitted_uses),
    )
    response = client.post(_url(DataContract, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    contract = DataContract.objects.get()
    assert contract.status == ContractStatus.DRAFT
    assert list(contract.datasets.all()) == [dataset]
    assert contract.created_by == pmo
    assert contract.history.first().history_user == pmo


def test_a_contract_covering_another_organizations_dataset_is_refused_beside_the_field(client, pmo):
    ours = OrganizationFactory()
    theirs = DataAssetFactory()
    template = ContractTemplateFactory()

    data = _contract_add_data(
        client,
        provider=str(ours.pk),
        template=str(template.pk),
        datasets=[str(theirs.pk)],
        permitted_uses=list(template.permitted_uses),
    )
    response = client.post(_url(DataContract, "add"), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["datasets"]
    assert any(theirs.code in error and "another organization" in error for error in errors)
    assert not DataContract.objects.exists()
    assert not DataContract.history.exists()


def test_a_new_contract_may_only_pick_a_current_template_version(client, pmo):
    current = ContractTemplateFactory(code="provision", version=2)
    ContractTemplateFactory(code="provision", version=1, status=TemplateStatus.WITHDRAWN)
    ContractTemplateFactory(code="sharing", status=TemplateStatus.DRAFT, published_at=None)

    page = client.get(_url(DataContract, "add"))

    choices = page.context["adminform"].form.fields["template"].queryset
    assert list(choices) == [current]


def test_a_contract_past_draft_opens_read_only_without_save_buttons(client, pmo):
    contract = DataContractFactory()

    response = client.get(_url(DataContract, "change", contract.pk))

    form = response.context["adminform"].form
    assert "title" not in form.fields and "datasets" not in form.fields
    assert 'name="_save"' not in response.content.decode()


def test_editing_a_draft_cannot_add_another_organizations_dataset(client, pmo):
    ours = DataAssetFactory()
    theirs = DataAssetFactory()
    draft = DataContractFactory(
        status=ContractStatus.DRAFT, provider=ours.provider, datasets=[ours]
    )
    page = client.get(_url(DataContract, "change", draft.pk))

    response = client.post(
        _url(DataContract, "change", draft.pk),
        changeform_data(page, title="改題", datasets=[str(ours.pk), str(theirs.pk)]),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["datasets"]
    draft.refresh_from_db()
    assert draft.title != "改題"
    assert list(draft.datasets.all()) == [ours]


def test_the_contract_page_lists_the_signed_documents_with_a_checked_download_link(client, pmo):
    draft = DataContractFactory(status=ContractStatus.DRAFT)
    document = contract_document_upload(
        contract=draft, upload=pdf_upload("署名済み契約書.pdf", pages=3), actor=pmo
    )

    response = client.get(_url(DataContract, "change", draft.pk))

    text = response.content.decode()
    assert "署名済み契約書.pdf" in text and document.sha256 in text
    assert reverse("datagov:document-download", kwargs={"pk": document.pk}) in text
    # The stored name is never shown: the file is reached only through the checked view.
    assert document.file.name not in text


# ------------------------------------------------------------------------------ datasets


@pytest.fixture
def secret_dataset(db) -> DataAsset:
    return DataAssetFactory(
        code="worker-video",
        tier=DataTier.SECRET,
        contains_personal_data=True,
        description_ja=SECRET_DESCRIPTION,
        description_en="Workers' video and audio",
        storage_detail=SECRET_STORAGE,
    )


def test_policy_staff_see_a_secret_datasets_description_and_storage_as_a_dash(
    client, secret_dataset
):
    client.force_login(PolicyUserFactory())

    listing = client.get(_url(DataAsset, "changelist"))
    page = client.get(_url(DataAsset, "change", secret_dataset.pk))

    for response in (listing, page):
        text = response.content.decode()
        assert response.status_code == 200
        assert SECRET_DESCRIPTION not in text and SECRET_STORAGE not in text
        assert "worker-video" in text and "—" in text
    row = next(d for d in listing.context["cl"].result_list if d.pk == secret_dataset.pk)
    assert row.description_ja == "—" and row.storage_detail == "—"


def test_policy_staff_cannot_change_a_dataset_nor_read_a_secret_ones_history(
    client, secret_dataset
):
    client.force_login(PolicyUserFactory())

    change = client.post(_url(DataAsset, "change", secret_dataset.pk), {"code": "renamed"})
    history = client.get(_url(DataAsset, "history", secret_dataset.pk))

    assert change.status_code == 403
    assert history.status_code == 403
    secret_dataset.refresh_from_db()
    assert secret_dataset.code == "worker-video"


def test_the_dataset_export_of_policy_staff_is_redacted_too(client, secret_dataset):
    client.force_login(PolicyUserFactory())

    page = client.get(_url(DataAsset, "export"))
    data = {"format": "0", "resource": "0"}
    data.update(
        {
            name: "on"
            for name, field in page.context["form"].fields.items()
            if isinstance(field, BooleanField)
        }
    )
    response = client.post(_url(DataAsset, "export"), data)

    text = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert "worker-video" in text
    assert SECRET_DESCRIPTION not in text and SECRET_STORAGE not in text


def test_the_pmo_sees_the_secret_description(client, pmo, secret_dataset):
    response = client.get(_url(DataAsset, "change", secret_dataset.pk))

    assert SECRET_DESCRIPTION in response.content.decode()


def test_approving_a_synthetic_conversion_records_the_pmo_and_refuses_non_derivatives(
    client, pmo, secret_dataset
):
    derivative = DataAssetFactory(
        code="worker-video-dp",
        provider=secret_dataset.provider,
        derived_from=secret_dataset,
        conversion_method="differential_privacy",
        dp_epsilon=1,
    )

    response = _act(client, "approve_conversion", derivative, secret_dataset)

    derivative.refresh_from_db()
    secret_dataset.refresh_from_db()
    assert derivative.conversion_approved_by == pmo
    assert derivative.conversion_approved_at is not None
    assert secret_dataset.conversion_approved_at is None
    assert any(str(secret_dataset) in m for m in _messages(response))


def test_conversion_approval_cannot_be_typed_into_the_dataset_form(client, pmo, secret_dataset):
    page = client.get(_url(DataAsset, "change", secret_dataset.pk))

    form = page.context["adminform"].form
    assert "conversion_approved_by" not in form.fields
    assert "conversion_approved_at" not in form.fields


def test_a_dataset_saved_in_the_admin_names_the_admin_user_in_history(client, pmo):
    dataset = DataAssetFactory()
    page = client.get(_url(DataAsset, "change", dataset.pk))

    response = client.post(
        _url(DataAsset, "change", dataset.pk), changeform_data(page, name_en="Plant logs v2")
    )

    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.name_en == "Plant logs v2"
    assert dataset.history.first().history_user == pmo


def test_a_dataset_stored_where_its_tier_forbids_is_refused_beside_the_field(client, pmo):
    dataset = DataAssetFactory(tier=DataTier.RESTRICTED)
    page = client.get(_url(DataAsset, "change", dataset.pk))

    response = client.post(
        _url(DataAsset, "change", dataset.pk), changeform_data(page, storage_location="overseas")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["storage_location"]
    dataset.refresh_from_db()
    assert dataset.storage_location != "overseas"


# ----------------------------------------------------------------------------- templates


def test_a_published_template_opens_with_every_field_read_only(client, pmo):
    template = ContractTemplateFactory()

    response = client.get(_url(ContractTemplate, "change", template.pk))

    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert 'name="_save"' not in response.content.decode()


def test_the_template_page_links_its_documents_in_japanese_and_english(client, pmo):
    template = ContractTemplateFactory()

    text = client.get(_url(ContractTemplate, "change", template.pk)).content.decode()

    for name in ("datagov:template-document-html", "datagov:template-document-pdf"):
        url = reverse(name, kwargs={"pk": template.pk})
        assert f'href="{url}?lang=ja"' in text and f'href="{url}?lang=en"' in text


def test_a_draft_template_never_offers_its_status_for_editing(client, pmo):
    draft = ContractTemplateFactory(status=TemplateStatus.DRAFT, published_at=None)

    response = client.get(_url(ContractTemplate, "change", draft.pk))

    form = response.context["adminform"].form
    assert "title_ja" in form.fields
    assert not {"status", "published_at", "published_by"} & set(form.fields)


def test_publish_and_new_version_actions_go_through_the_services(client, pmo):
    published = ContractTemplateFactory(code="provision-restricted", tier=DataTier.RESTRICTED)

    _act(client, "new_version", published)
    draft = ContractTemplate.objects.get(code="provision-restricted", version=2)
    assert draft.status == TemplateStatus.DRAFT
    response = _act(client, "new_version", published)
    assert ContractTemplate.objects.filter(code="provision-restricted").count() == 2
    assert any("draft" in m for m in _messages(response))

    _act(client, "publish", draft)
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.status, draft.published_by) == (TemplateStatus.PUBLISHED, pmo)
    assert published.status == TemplateStatus.WITHDRAWN


# ------------------------------------------------------------------------------- lineage


@pytest.fixture
def restricted_logs(restricted_template) -> DataAsset:
    logs = DataAssetFactory(code="factory-logs", tier=DataTier.RESTRICTED)
    DataContractFactory(
        template=restricted_template,
        provider=logs.provider,
        datasets=[logs],
        effective_date=dt.date(2026, 6, 1),
    )
    return logs


def _run_add_data(client, **changes) -> dict:
    page = client.get(_url(TrainingRun, "add"))
    # An unchosen multiple choice is absent from a browser's POST, not an empty string.
    return changeform_data(page, **{"datasets": [], "input_artifacts": [], **changes})


def test_a_run_putting_restricted_data_into_a_base_model_is_refused_naming_the_dataset(
    client, pmo, restricted_logs
):
    base = ModelArtifactFactory(kind=ArtifactKind.BASE_MODEL)
    data = _run_add_data(
        client,
        code="pretrain-1",
        purpose=DataPurpose.BASE_PRETRAINING,
        target=str(base.pk),
        responsible=str(base.responsible.pk),
        started_on="2027-01-10",
        datasets=[str(restricted_logs.pk)],
    )

    response = client.post(_url(TrainingRun, "add"), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["datasets"]
    assert any("factory-logs" in e and "Enterprise-restricted" in e for e in errors)
    assert not TrainingRun.objects.exists()


def test_a_run_reaching_a_base_model_through_a_fine_tune_is_refused_beside_the_inputs(
    client, pmo, restricted_logs
):
    tuned = ModelArtifactFactory(code="tuned", kind=ArtifactKind.SPECIALISED)
    TrainingRunFactory(purpose=DataPurpose.FINE_TUNING, target=tuned, datasets=[restricted_logs])
    base = ModelArtifactFactory(kind=ArtifactKind.BASE_MODEL)
    data = _run_add_data(
        client,
        code="distil-into-base",
        purpose=DataPurpose.BASE_PRETRAINING,
        target=str(base.pk),
        responsible=str(base.responsible.pk),
        started_on="2027-02-01",
        input_artifacts=[str(tuned.pk)],
    )

    response = client.post(_url(TrainingRun, "add"), data)

    errors = response.context["adminform"].form.errors["input_artifacts"]
    assert any("tuned" in e and "factory-logs" in e for e in errors)
    assert not TrainingRun.objects.filter(code="distil-into-base").exists()


def test_a_permitted_run_is_registered_with_its_inputs_and_the_pmo_in_history(
    client, pmo, restricted_logs
):
    tuned = ModelArtifactFactory(kind=ArtifactKind.SPECIALISED)
    data = _run_add_data(
        client,
        code="tune-1",
        purpose=DataPurpose.FINE_TUNING,
        target=str(tuned.pk),
        responsible=str(tuned.responsible.pk),
        started_on="2027-01-10",
        datasets=[str(restricted_logs.pk)],
    )

    response = client.post(_url(TrainingRun, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    run = TrainingRun.objects.get(code="tune-1")
    assert list(run.datasets.all()) == [restricted_logs]
    assert run.history.first().history_user == pmo


def test_after_registration_only_a_runs_end_and_notes_can_change(client, pmo):
    run = TrainingRunFactory()
    page = client.get(_url(TrainingRun, "change", run.pk))

    assert set(page.context["adminform"].form.fields) == {"finished_on", "notes"}
    response = client.post(
        _url(TrainingRun, "change", run.pk),
        changeform_data(page, finished_on="2027-03-31", notes="完了"),
    )

    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.finished_on, run.notes) == (dt.date(2027, 3, 31), "完了")


def test_the_contamination_report_puts_the_contaminated_base_model_first_and_names_the_data(
    client, pmo, restricted_logs
):
    public = DataAssetFactory(code="jis-standards")
    TrainingRunFactory(target=ModelArtifactFactory(code="aaa-clean-base"), datasets=[public])
    tuned = ModelArtifactFactory(code="tuned", kind=ArtifactKind.SPECIALISED)
    TrainingRunFactory(purpose=DataPurpose.FINE_TUNING, target=tuned, datasets=[restricted_logs])
    TrainingRunFactory(
        target=ModelArtifactFactory(code="zzz-tainted-base"),
        datasets=[public],
        input_artifacts=[tuned],
    )

    response = client.get(reverse("admin:datagov_contamination"))

    assert response.status_code == 200
    rows = response.content.decode().split('data-artifact="')[1:]
    assert rows[0].startswith("zzz-tainted-base")
    assert 'class="cr-flag"' in rows[0]
    offending = rows[0].split('class="cr-offending"')[1]
    assert "factory-logs" in offending and "tier-restricted" in offending
    assert all('class="cr-flag"' not in row for row in rows[1:])
    clean = next(row for row in rows if row.startswith("aaa-clean-base"))
    assert "jis-standards" in clean


def test_the_contamination_report_needs_the_view_permission_for_artifacts(client):
    client.force_login(PartnerUserFactory(is_staff=True))

    response = client.get(reverse("admin:datagov_contamination"))

    assert response.status_code == 403


def test_policy_staff_may_read_the_contamination_report(client):
    client.force_login(PolicyUserFactory())

    assert client.get(reverse("admin:datagov_contamination")).status_code == 200
