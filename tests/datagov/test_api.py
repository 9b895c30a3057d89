"""The data-governance API: datasets, contract templates, contracts (with their signed
documents and workflow), model artifacts and training runs.

Every row is read through the selectors and written through the services: the PMO does
everything, policy staff read everything (a secret dataset's description and storage
details redacted) and change nothing, a partner reaches their own organization's datasets
and contracts and the published templates, and nothing of the lineage. What a user may not
see is a 404, what they may see but not change a 403.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from datagov.choices import (
    ArtifactKind,
    ContractStatus,
    ConversionMethod,
    DataPurpose,
    DataTier,
    TemplateStatus,
)
from datagov.models import ContractTemplate, DataAsset, DataContract, SignedDocument, TrainingRun
from datagov.selectors import artifact_lineage, contamination_report
from datagov.services import contract_document_upload, training_run_update
from jvtracker.choices import Industry
from tests.api import assert_error, assert_history_user, token_client
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
from tests.pdfs import pdf_bytes, pdf_upload

pytestmark = pytest.mark.django_db

V1 = "/api/v1"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
# What a secret dataset holds and where it lives: never in an answer to policy staff.
SECRET_TEXTS = (
    "大分製鉄所の炉内センサー",
    "Blast-furnace sensor feed",
    "大分製鉄所 第2高炉 制御室",
)


@pytest.fixture
def honda():
    return OrganizationFactory(code="honda", industry=Industry.MOBILITY)


@pytest.fixture
def sony():
    return OrganizationFactory(code="sony", industry=Industry.ELECTRONICS_SENSING)


@pytest.fixture
def pmo():
    return PMOUserFactory()


@pytest.fixture
def policy():
    return PolicyUserFactory()


@pytest.fixture
def partner(honda):
    return PartnerUserFactory(organization=honda)


@pytest.fixture
def other_partner(sony):
    return PartnerUserFactory(organization=sony)


@pytest.fixture
def own_dataset(honda):
    return DataAssetFactory(code="honda-drive-logs", provider=honda, industry=Industry.MOBILITY)


@pytest.fixture
def other_dataset(sony):
    return DataAssetFactory(
        code="sony-sensor", provider=sony, industry=Industry.ELECTRONICS_SENSING
    )


@pytest.fixture
def secret_dataset(honda):
    return DataAssetFactory(
        code="honda-secret",
        provider=honda,
        tier=DataTier.SECRET,
        description_ja=SECRET_TEXTS[0],
        description_en=SECRET_TEXTS[1],
        storage_detail=SECRET_TEXTS[2],
        contains_personal_data=True,
    )


@pytest.fixture
def template():
    return ContractTemplateFactory(code="public-provision")


@pytest.fixture
def draft_template():
    return ContractTemplateFactory(
        code="public-provision-next", status=TemplateStatus.DRAFT, published_at=None
    )


@pytest.fixture
def own_contract(honda, template, own_dataset):
    return DataContractFactory(
        provider=honda, template=template, status=ContractStatus.DRAFT, datasets=[own_dataset]
    )


@pytest.fixture
def other_contract(sony, template, other_dataset):
    return DataContractFactory(
        provider=sony, template=template, status=ContractStatus.DRAFT, datasets=[other_dataset]
    )


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:2000]
    return [row["id"] for row in response.json()["results"]]


def _stored_files(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


def _dataset_body(provider: str, **overrides) -> dict:
    return {
        "code": "new-dataset",
        "name_ja": "新しいデータ",
        "name_en": "New data",
        "provider": provider,
        "tier": "public",
        "industry": "mobility",
        "storage_location": "domestic_cloud",
        **overrides,
    }


def _contract_body(template: ContractTemplate, /, datasets: list[str] = (), **overrides) -> dict:
    today = timezone.localdate()
    return {
        "title": "走行ログ提供契約",
        "provider": "honda",
        "template": template.pk,
        "datasets": list(datasets),
        "permitted_uses": list(template.permitted_uses),
        "effective_date": today.isoformat(),
        "expiry_date": (today + dt.timedelta(days=730)).isoformat(),
        **overrides,
    }


def _upload(client, contract, content: bytes, name: str = "signed.pdf"):
    return client.post(
        f"{V1}/contracts/{contract.pk}/document/",
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        format="multipart",
    )


# ------------------------------------------------------------------------------ datasets


def test_partner_lists_only_their_own_organizations_datasets(
    partner, own_dataset, other_dataset, secret_dataset
):
    response = token_client(partner).get(f"{V1}/datasets/")

    assert sorted(_ids(response)) == sorted([own_dataset.pk, secret_dataset.pk])
    # Their own secret dataset is theirs to read in full.
    body = {row["code"]: row for row in response.json()["results"]}
    assert body["honda-secret"]["storage_detail"] == SECRET_TEXTS[2]
    assert body["honda-secret"]["redacted"] is False


def test_partner_gets_404_for_another_organizations_dataset_on_read_write_and_action(
    partner, other_dataset
):
    client = token_client(partner)
    url = f"{V1}/datasets/{other_dataset.pk}/"

    assert_error(client.get(url), 404, "not_found")
    assert_error(client.patch(url, {"name_en": "Mine now"}, format="json"), 404, "not_found")
    assert_error(client.put(url, _dataset_body("honda"), format="json"), 404, "not_found")
    assert_error(client.post(f"{url}approve-conversion/"), 404, "not_found")
    other_dataset.refresh_from_db()
    assert other_dataset.name_en != "Mine now"


def test_policy_staff_read_datasets_but_every_write_is_403(
    policy, own_dataset, other_dataset, secret_dataset
):
    client = token_client(policy)

    assert len(_ids(client.get(f"{V1}/datasets/"))) == 3
    assert client.get(f"{V1}/datasets/{own_dataset.pk}/").status_code == 200
    assert_error(
        client.post(f"{V1}/datasets/", _dataset_body("honda"), format="json"),
        403,
        "permission_denied",
    )
    assert_error(
        client.patch(f"{V1}/datasets/{own_dataset.pk}/", {"name_en": "X"}, format="json"), 403
    )
    assert_error(client.post(f"{V1}/datasets/{own_dataset.pk}/approve-conversion/"), 403)
    assert not DataAsset.objects.filter(code="new-dataset").exists()


def test_pmo_creates_and_updates_any_organizations_dataset_recorded_as_the_actor(pmo, sony):
    client = token_client(pmo)

    created = client.post(f"{V1}/datasets/", _dataset_body("sony"), format="json")

    assert created.status_code == 201, created.content
    assert created.json()["provider"] == "sony"
    dataset = DataAsset.objects.get(code="new-dataset")
    assert_history_user(dataset, pmo)

    updated = client.patch(
        f"{V1}/datasets/{dataset.pk}/", {"volume_tb": "12.5", "tier": "restricted"}, format="json"
    )

    assert updated.status_code == 200, updated.content
    assert updated.json()["tier"] == "restricted"
    dataset.refresh_from_db()
    assert dataset.volume_tb == 12.5
    assert_history_user(dataset, pmo)


def test_partner_records_datasets_for_their_own_organization_only(partner, sony, own_dataset):
    client = token_client(partner)

    own = client.post(f"{V1}/datasets/", _dataset_body("honda"), format="json")
    foreign = client.post(f"{V1}/datasets/", _dataset_body("sony", code="sneaky"), format="json")
    loosened = client.patch(f"{V1}/datasets/{own_dataset.pk}/", {"provider": "sony"}, format="json")

    assert own.status_code == 201, own.content
    assert_history_user(DataAsset.objects.get(code="new-dataset"), partner)
    assert_error(foreign, 400, "invalid", field="provider")
    assert_error(loosened, 400, "invalid", field="provider")
    assert not DataAsset.objects.filter(code="sneaky").exists()
    own_dataset.refresh_from_db()
    assert own_dataset.provider.code == "honda"


def test_partner_may_not_loosen_a_tier_the_service_refuses_it(partner, honda):
    dataset = DataAssetFactory(provider=honda, tier=DataTier.RESTRICTED)

    response = token_client(partner).patch(
        f"{V1}/datasets/{dataset.pk}/", {"tier": "public"}, format="json"
    )

    assert_error(response, 400, "invalid", field="tier")


def test_a_secret_datasets_details_never_reach_policy_staff(
    policy, secret_dataset, own_dataset, template
):
    derivative = DataAssetFactory(
        code="honda-synthetic",
        provider=secret_dataset.provider,
        derived_from=secret_dataset,
        conversion_method=ConversionMethod.SIMULATION,
        tier=DataTier.PUBLIC,
    )
    secret_template = ContractTemplateFactory(tier=DataTier.SECRET)
    DataContractFactory(
        provider=secret_dataset.provider, template=secret_template, datasets=[secret_dataset]
    )
    artifact = ModelArtifactFactory(kind=ArtifactKind.SYNTHETIC_GENERATOR)
    TrainingRunFactory(
        purpose=DataPurpose.SYNTHETIC_DERIVATION, target=artifact, datasets=[secret_dataset]
    )
    client = token_client(policy)

    responses = [
        client.get(f"{V1}/datasets/"),
        client.get(f"{V1}/datasets/", {"page_size": 500}),
        client.get(f"{V1}/datasets/{secret_dataset.pk}/"),
        client.get(f"{V1}/datasets/{derivative.pk}/"),
        client.get(f"{V1}/datasets/", {"tier": "secret"}),
        client.get(f"{V1}/datasets/", {"ordering": "-tier"}),
        client.get(f"{V1}/contracts/"),
        client.get(f"{V1}/training-runs/"),
        client.get(f"{V1}/model-artifacts/{artifact.pk}/lineage/"),
    ]

    for response in responses:
        assert response.status_code == 200, response.content[:2000]
        text = response.content.decode()
        for secret in SECRET_TEXTS:
            assert secret not in text, (response.request["PATH_INFO"], secret)
    detail = responses[2].json()
    assert detail["description_ja"] == detail["description_en"] == "—"
    assert detail["storage_detail"] == "—"
    assert detail["redacted"] is True
    # What is not redacted still reads: that the dataset exists, its tier and location.
    assert detail["tier"] == "secret"
    assert detail["storage_location"] == "on_premises"
    assert responses[3].json()["derived_from"] == "honda-secret"


@pytest.mark.parametrize(
    "query",
    [
        {"description_en": SECRET_TEXTS[1]},
        {"description_ja__icontains": "センサー"},
        {"storage_detail": SECRET_TEXTS[2]},
        {"storage_detail__startswith": "大分"},
        {"search": "Blast"},
    ],
)
def test_policy_staff_cannot_probe_secret_details_by_filtering_or_ordering(
    policy, secret_dataset, own_dataset, other_dataset, query
):
    DataAssetFactory(code="a-first", description_en="Zzz", storage_detail="Zzz")
    client = token_client(policy)
    unfiltered = _ids(client.get(f"{V1}/datasets/"))

    probed = _ids(client.get(f"{V1}/datasets/", query))

    assert probed == unfiltered


@pytest.mark.parametrize("ordering", ["storage_detail", "-description_en", "-description_ja,code"])
def test_policy_staff_cannot_order_by_secret_details(policy, secret_dataset, ordering):
    response = token_client(policy).get(f"{V1}/datasets/", {"ordering": ordering})

    body = assert_error(response, 400, "invalid", field="ordering")
    assert "results" not in body


def test_datasets_filter_by_provider_tier_industry_and_personal_data(
    pmo, own_dataset, other_dataset, secret_dataset
):
    client = token_client(pmo)

    assert sorted(_ids(client.get(f"{V1}/datasets/", {"provider": "honda"}))) == sorted(
        [own_dataset.pk, secret_dataset.pk]
    )
    assert _ids(client.get(f"{V1}/datasets/", {"tier": "secret"})) == [secret_dataset.pk]
    assert _ids(client.get(f"{V1}/datasets/", {"industry": "electronics_sensing"})) == [
        other_dataset.pk
    ]
    assert _ids(client.get(f"{V1}/datasets/", {"contains_personal_data": "true"})) == [
        secret_dataset.pk
    ]
    assert _ids(client.get(f"{V1}/datasets/", {"ordering": "-tier"}))[0] == secret_dataset.pk
    assert _ids(client.get(f"{V1}/datasets/", {"ordering": "code"})) == [
        own_dataset.pk,
        secret_dataset.pk,
        other_dataset.pk,
    ]
    assert_error(client.get(f"{V1}/datasets/", {"tier": "top"}), 400, "invalid", field="tier")


def test_pmo_approves_a_synthetic_conversion_partners_may_not(pmo, partner, secret_dataset):
    derivative = DataAssetFactory(
        provider=secret_dataset.provider,
        derived_from=secret_dataset,
        conversion_method=ConversionMethod.SIMULATION,
        tier=DataTier.PUBLIC,
    )
    url = f"{V1}/datasets/{derivative.pk}/approve-conversion/"

    refused = token_client(partner).post(url)
    approved = token_client(pmo).post(url)
    again = token_client(pmo).post(url)

    assert_error(refused, 403, "permission_denied")
    assert approved.status_code == 200, approved.content
    assert approved.json()["conversion_approved_by"] == pmo.username
    assert approved.json()["effective_tier"] == "public"
    derivative.refresh_from_db()
    assert derivative.conversion_approved_by == pmo
    assert_history_user(derivative, pmo)
    assert_error(again, 400, "invalid", field="conversion_method")


def test_a_dataset_body_that_is_wrong_is_refused_and_changes_nothing(pmo, own_dataset):
    client = token_client(pmo)
    url = f"{V1}/datasets/{own_dataset.pk}/"

    assert_error(client.patch(url, {"colour": "red"}, format="json"), 400, field="colour")
    assert_error(
        client.patch(url, {"conversion_approved_at": "2026-01-01T00:00:00Z"}, format="json"),
        400,
        field="conversion_approved_at",
    )
    assert_error(client.patch(url, {"volume_tb": "lots"}, format="json"), 400, field="volume_tb")
    assert_error(client.patch(url, {"name_en": "x" * 201}, format="json"), 400, field="name_en")
    assert_error(
        client.patch(url, {"derived_from": "no-such-dataset"}, format="json"),
        400,
        field="derived_from",
    )
    # The tier policy: secret data stays on the provider's premises.
    assert_error(
        client.patch(url, {"tier": "secret"}, format="json"), 400, field="storage_location"
    )
    assert_error(
        client.post(
            f"{V1}/datasets/", _dataset_body("honda", code=own_dataset.code), format="json"
        ),
        400,
        field="code",
    )
    own_dataset.refresh_from_db()
    assert own_dataset.tier == DataTier.PUBLIC
    assert own_dataset.history.count() == 1


def test_a_non_numeric_id_is_a_404_in_the_error_shape(policy):
    response = token_client(policy).patch(f"{V1}/datasets/abc/", {}, format="json")

    assert_error(response, 404, "not_found")


# ------------------------------------------------------------------- contract templates


def test_everyone_reads_published_versions_only_the_pmo_drafts(
    pmo, policy, partner, template, draft_template
):
    for user in (policy, partner):
        client = token_client(user)
        assert _ids(client.get(f"{V1}/contract-templates/")) == [template.pk]
        assert_error(client.get(f"{V1}/contract-templates/{draft_template.pk}/"), 404)
        assert_error(client.get(f"{V1}/contract-templates/{draft_template.pk}/document/"), 404)
        assert_error(client.post(f"{V1}/contract-templates/{draft_template.pk}/publish/"), 404)
    assert sorted(_ids(token_client(pmo).get(f"{V1}/contract-templates/"))) == sorted(
        [template.pk, draft_template.pk]
    )


def test_each_template_version_is_listed_separately_with_its_status(pmo, partner, template):
    client = token_client(pmo)

    created = client.post(f"{V1}/contract-templates/{template.pk}/new-version/")
    assert created.status_code == 201, created.content
    draft = created.json()
    published = client.post(f"{V1}/contract-templates/{draft['id']}/publish/")
    assert published.status_code == 200, published.content

    rows = token_client(partner).get(f"{V1}/contract-templates/", {"code": "public-provision"})
    listed = [(r["code"], r["version"], r["status"]) for r in rows.json()["results"]]
    assert listed == [
        ("public-provision", 2, "published"),
        ("public-provision", 1, "withdrawn"),
    ]


def test_pmo_drafts_edits_and_publishes_a_template_recorded_as_the_actor(pmo):
    client = token_client(pmo)
    body = {
        "code": "secret-creation",
        "contract_type": "creation",
        "tier": "secret",
        "title_ja": "秘匿データ創出契約",
        "title_en": "Secret data creation",
        "redistribution_ja": "再配布しない。",
        "redistribution_en": "No redistribution.",
        "ip_attribution_ja": "提供者に帰属する。",
        "ip_attribution_en": "Stays with the provider.",
        "synthetic_conversion_ja": "シミュレーション",
        "synthetic_conversion_en": "Simulation",
        "permitted_uses": ["synthetic_derivation"],
        "retention_ja": "30日",
        "retention_en": "30 days",
        "storage_ja": "提供者施設内",
        "storage_en": "On the provider's premises",
    }

    created = client.post(f"{V1}/contract-templates/", body, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["status"], created.json()["version"]) == ("draft", 1)
    template = ContractTemplate.objects.get(code="secret-creation")
    assert_history_user(template, pmo)

    edited = client.patch(
        f"{V1}/contract-templates/{template.pk}/", {"title_en": "Secret creation"}, format="json"
    )
    assert edited.status_code == 200, edited.content
    published = client.post(f"{V1}/contract-templates/{template.pk}/publish/")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    assert published.json()["published_by"] == pmo.username
    template.refresh_from_db()
    assert_history_user(template, pmo)

    frozen = client.patch(
        f"{V1}/contract-templates/{template.pk}/", {"title_en": "Changed"}, format="json"
    )
    assert_error(frozen, 400, "invalid", field="title_en")
    beyond = client.post(
        f"{V1}/contract-templates/",
        {**body, "code": "secret-pretraining", "permitted_uses": ["base_pretraining"]},
        format="json",
    )
    assert_error(beyond, 400, "invalid", field="permitted_uses")


def test_partners_and_policy_staff_change_no_template(policy, partner, template):
    for user in (policy, partner):
        client = token_client(user)
        assert_error(client.post(f"{V1}/contract-templates/{template.pk}/publish/"), 403)
        assert_error(client.post(f"{V1}/contract-templates/{template.pk}/new-version/"), 403)
        assert_error(
            client.patch(
                f"{V1}/contract-templates/{template.pk}/", {"title_en": "X"}, format="json"
            ),
            403,
        )
        assert_error(client.post(f"{V1}/contract-templates/", {}, format="json"), 403)
    assert ContractTemplate.objects.count() == 1


def test_a_template_document_is_a_pdf_by_default_and_html_on_request(partner, template):
    client = token_client(partner)
    url = f"{V1}/contract-templates/{template.pk}/document/"

    pdf = client.get(url, {"language": "en"}, HTTP_ACCEPT="application/pdf")
    html = client.get(url, {"format": "html", "language": "ja"})

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Language"] == "en"
    assert pdf["Content-Disposition"] == 'attachment; filename="public-provision-v1-en.pdf"'
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert html.status_code == 200
    assert html["Content-Type"] == "text/html; charset=utf-8"
    assert html["Content-Language"] == "ja"
    assert html["Content-Disposition"] == 'inline; filename="public-provision-v1-ja.html"'
    assert "default-src 'none'" in html["Content-Security-Policy"]
    assert template.title_ja in html.content.decode()


def test_a_template_documents_language_defaults_to_the_requests(partner, template):
    response = token_client(partner, language="en").get(
        f"{V1}/contract-templates/{template.pk}/document/", {"format": "html"}
    )

    assert response["Content-Language"] == "en"
    assert template.title_en in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"language": "fr"}, "language"),
        ({"format": "docx"}, "format"),
        ({"lang": "en"}, "lang"),
    ],
)
def test_a_template_document_query_it_cannot_answer_is_a_400(partner, template, query, field):
    response = token_client(partner).get(
        f"{V1}/contract-templates/{template.pk}/document/", query, HTTP_ACCEPT="application/pdf"
    )

    assert_error(response, 400, "invalid", field=field)


# ------------------------------------------------------------------------------ contracts


def test_partner_lists_only_their_own_organizations_contracts(
    partner, own_contract, other_contract
):
    assert _ids(token_client(partner).get(f"{V1}/contracts/")) == [own_contract.pk]


def test_partner_gets_404_for_another_organizations_contract_everywhere(
    partner, other_contract, template
):
    client = token_client(partner)
    url = f"{V1}/contracts/{other_contract.pk}/"
    contract_document_upload(
        contract=other_contract,
        upload=pdf_upload(),
        actor=PartnerUserFactory(organization=other_contract.provider),
    )

    assert_error(client.get(url), 404)
    assert_error(client.patch(url, {"title": "Mine"}, format="json"), 404)
    assert_error(client.get(f"{url}document/"), 404)
    assert_error(_upload(client, other_contract, pdf_bytes()), 404)
    for step in ("submit", "start-review", "approve-deviation", "approve", "reject", "terminate"):
        assert_error(client.post(f"{url}{step}/", {"reason": "x"}, format="json"), 404)
    other_contract.refresh_from_db()
    assert other_contract.status == ContractStatus.DRAFT
    assert other_contract.documents.count() == 1


def test_policy_staff_read_contracts_but_every_write_and_step_is_403(
    policy, own_contract, other_contract
):
    client = token_client(policy)
    url = f"{V1}/contracts/{own_contract.pk}/"

    assert len(_ids(client.get(f"{V1}/contracts/"))) == 2
    assert client.get(url).status_code == 200
    assert_error(client.patch(url, {"title": "X"}, format="json"), 403)
    assert_error(client.post(f"{V1}/contracts/", {}, format="json"), 403)
    assert_error(_upload(client, own_contract, pdf_bytes()), 403)
    for step in ("submit", "start-review", "approve-deviation", "approve", "reject", "terminate"):
        assert_error(client.post(f"{url}{step}/", {"reason": "x"}, format="json"), 403)
    own_contract.refresh_from_db()
    assert own_contract.status == ContractStatus.DRAFT


def test_a_contract_goes_from_a_partners_draft_to_active_through_the_api(
    partner, pmo, template, own_dataset, _private_media
):
    provider = token_client(partner)
    reviewer = token_client(pmo)

    created = provider.post(
        f"{V1}/contracts/", _contract_body(template, [own_dataset.code]), format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft"
    assert body["reference"].startswith("DC-")
    assert body["datasets"] == [own_dataset.code]
    assert body["created_by"] == partner.username
    contract = DataContract.objects.get(pk=body["id"])
    assert_history_user(contract, partner)

    uploaded = _upload(provider, contract, pdf_bytes(pages=2), name="署名済み.pdf")
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["page_count"] == 2
    assert uploaded.json()["original_name"] == "署名済み.pdf"

    submitted = provider.post(f"{V1}/contracts/{contract.pk}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert_error(provider.post(f"{V1}/contracts/{contract.pk}/start-review/"), 403)

    reviewing = reviewer.post(f"{V1}/contracts/{contract.pk}/start-review/")
    assert reviewing.json()["status"] == "under_review"
    approved = reviewer.post(
        f"{V1}/contracts/{contract.pk}/approve/", {"note": "署名確認済み"}, format="json"
    )

    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "active"
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert_history_user(contract, pmo)
    log = token_client(partner).get(f"{V1}/contracts/{contract.pk}/").json()["transitions"]
    assert [(t["from_status"], t["to_status"], t["actor"]) for t in log] == [
        ("draft", "submitted", partner.username),
        ("submitted", "under_review", pmo.username),
        ("under_review", "active", pmo.username),
    ]
    assert log[-1]["note"] == "署名確認済み"
    # Past draft, the contract and its documents are frozen.
    assert_error(
        provider.patch(f"{V1}/contracts/{contract.pk}/", {"title": "X"}, format="json"),
        400,
        field="status",
    )
    assert_error(_upload(provider, contract, pdf_bytes()), 400, field="file")


def test_pmo_drafts_and_edits_any_organizations_contract_recorded_as_the_actor(
    pmo, honda, template, other_dataset
):
    client = token_client(pmo)
    body = _contract_body(template, [other_dataset.code], provider="sony")

    created = client.post(f"{V1}/contracts/", body, format="json")
    assert created.status_code == 201, created.content
    contract = DataContract.objects.get(pk=created.json()["id"])
    assert_history_user(contract, pmo)
    edited = client.patch(
        f"{V1}/contracts/{contract.pk}/", {"title": "センサーデータ提供契約"}, format="json"
    )

    assert edited.status_code == 200, edited.content
    assert edited.json()["datasets"] == [other_dataset.code]
    contract.refresh_from_db()
    assert contract.title == "センサーデータ提供契約"
    assert_history_user(contract, pmo)
    # The PMO sees every dataset, so the service's own words apply: not the provider's.
    mixed = client.patch(f"{V1}/contracts/{contract.pk}/", {"provider": "honda"}, format="json")
    assert_error(mixed, 400, "invalid", field="datasets")


def test_submitting_without_a_signed_document_is_a_400_naming_it(partner, own_contract):
    response = token_client(partner).post(f"{V1}/contracts/{own_contract.pk}/submit/")

    assert_error(response, 400, "invalid", field="document")


def test_the_pmo_returns_a_contract_with_a_reason_and_terminates_an_active_one(
    pmo, partner, own_contract
):
    own_contract.status = ContractStatus.SUBMITTED
    own_contract.save()
    client = token_client(pmo)
    url = f"{V1}/contracts/{own_contract.pk}/"

    assert_error(client.post(f"{url}reject/", {}, format="json"), 400, field="reason")
    assert_error(
        client.post(f"{url}reject/", {"reason": "   "}, format="json"), 400, field="reason"
    )
    returned = client.post(f"{url}reject/", {"reason": "印影が不鮮明"}, format="json")

    assert returned.status_code == 200, returned.content
    assert returned.json()["status"] == "draft"
    log = token_client(partner).get(url).json()["transitions"]
    assert log[-1]["note"] == "印影が不鮮明"

    own_contract.status = ContractStatus.ACTIVE
    own_contract.save()
    ended = client.post(
        f"{url}terminate/", {"reason": "提供者の撤退", "on": "2027-04-01"}, format="json"
    )
    assert ended.status_code == 200, ended.content
    assert ended.json()["status"] == "terminated"
    assert ended.json()["transitions"][-1]["effective_on"] == "2027-04-01"
    assert_error(client.post(f"{url}approve/"), 400, "invalid", field="status")


def test_a_deviation_needs_the_pmos_approval_before_the_contract_can_be_active(
    pmo, honda, own_dataset
):
    template = ContractTemplateFactory(permitted_uses=["fine_tuning"])
    contract = DataContractFactory(
        provider=honda,
        template=template,
        permitted_uses=["fine_tuning", "rag_index"],
        deviation_reason="RAG索引にも使う",
        status=ContractStatus.UNDER_REVIEW,
        effective_date=timezone.localdate(),
        datasets=[own_dataset],
    )
    client = token_client(pmo)
    url = f"{V1}/contracts/{contract.pk}/"

    assert_error(client.post(f"{url}approve/"), 400, field="permitted_uses")
    deviation = client.post(f"{url}approve-deviation/")
    assert deviation.status_code == 200, deviation.content
    assert deviation.json()["deviation_approved_by"] == pmo.username
    assert deviation.json()["deviation_uses"] == ["rag_index"]
    assert client.post(f"{url}approve/").json()["status"] == "active"


def test_a_step_takes_no_field_it_does_not_know(pmo, own_contract):
    response = token_client(pmo).post(
        f"{V1}/contracts/{own_contract.pk}/submit/", {"force": True}, format="json"
    )

    assert_error(response, 400, "invalid", field="force")


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (PNG, ContractStatus.DRAFT),
        (b"%PDF-1.7\nnot really a pdf", ContractStatus.DRAFT),
        (b"", ContractStatus.DRAFT),
        (b"%PDF-" + b"0" * (1024 * 1024), ContractStatus.DRAFT),
        (pdf_bytes(), ContractStatus.SUBMITTED),
    ],
    ids=["not-a-pdf", "damaged-pdf", "empty", "too-large", "contract-not-a-draft"],
)
def test_a_refused_upload_is_a_400_naming_file_and_leaves_no_file_and_no_row(
    partner, own_contract, _private_media, content, status
):
    own_contract.status = status
    own_contract.save()

    response = _upload(token_client(partner), own_contract, content)

    assert_error(response, 400, "invalid", field="file")
    assert SignedDocument.objects.count() == 0
    assert _stored_files(_private_media) == []


def test_an_upload_must_be_multipart_with_one_file_field(partner, own_contract, _private_media):
    client = token_client(partner)
    url = f"{V1}/contracts/{own_contract.pk}/document/"

    as_json = client.post(url, {"file": "JVBERi0xLjQ="}, format="json")
    without_file = client.post(url, {"note": "here"}, format="multipart")
    text_not_file = client.post(url, {"file": "%PDF-1.4"}, format="multipart")
    hidden_name = _upload(client, own_contract, pdf_bytes(), name=".signed.pdf")

    assert_error(as_json, 400, "unsupported_media_type")
    assert_error(without_file, 400, "invalid", field="note")
    assert_error(text_not_file, 400, "invalid", field="file")
    assert_error(hidden_name, 400, "invalid", field="file")
    assert SignedDocument.objects.count() == 0
    assert _stored_files(_private_media) == []


def test_the_document_route_downloads_the_latest_signed_pdf(
    pmo, policy, partner, other_partner, own_contract
):
    first = contract_document_upload(
        contract=own_contract, upload=pdf_upload("v1.pdf"), actor=partner
    )
    content = pdf_bytes(pages=3)
    contract_document_upload(
        contract=own_contract,
        upload=SimpleUploadedFile("契約書_v2.pdf", content, content_type="application/pdf"),
        actor=partner,
    )
    url = f"{V1}/contracts/{own_contract.pk}/document/"

    for user in (partner, pmo, policy):
        response = token_client(user).get(url, HTTP_ACCEPT="application/pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content) == content
    assert_error(token_client(other_partner).get(url), 404)
    listed = token_client(partner).get(f"{V1}/contracts/{own_contract.pk}/").json()
    assert [d["original_name"] for d in listed["documents"]] == [
        "契約書_v2.pdf",
        first.original_name,
    ]


def test_a_contract_without_a_signed_document_has_no_document_to_download(partner, own_contract):
    response = token_client(partner).get(
        f"{V1}/contracts/{own_contract.pk}/document/", HTTP_ACCEPT="application/pdf"
    )

    body = assert_error(response, 404, "not_found")
    assert "No signed document" in body["message"]


def test_a_contract_body_that_is_wrong_is_a_400_naming_the_field(
    partner, template, draft_template, own_dataset, other_dataset
):
    client = token_client(partner)

    def post(**overrides):
        return client.post(
            f"{V1}/contracts/",
            _contract_body(template, **{"datasets": [own_dataset.code], **overrides}),
            format="json",
        )

    assert_error(post(colour="red"), 400, field="colour")
    assert_error(post(status="active"), 400, field="status")
    assert_error(post(effective_date="tomorrow"), 400, field="effective_date")
    assert_error(post(datasets="honda-drive-logs"), 400, field="datasets")
    assert_error(post(datasets=[own_dataset.code] * 1001), 400, field="datasets")
    assert_error(post(template="one"), 400, field="template")
    assert_error(post(title="契" * 201), 400, field="title")
    assert_error(post(permitted_uses=["world_domination"]), 400, field="permitted_uses.0")
    assert_error(post(expiry_date="2020-01-01"), 400, field="expiry_date")
    assert_error(post(provider="sony"), 400, field="provider")
    # A draft template the partner cannot see reads exactly like one that does not exist.
    draft = assert_error(post(template=draft_template.pk), 400, field="template")
    missing = assert_error(post(template=999_999), 400, field="template")
    assert draft["message"].replace(str(draft_template.pk), "N") == missing["message"].replace(
        "999999", "N"
    )
    # Another organization's dataset reads exactly like one that does not exist.
    foreign = assert_error(post(datasets=[other_dataset.code]), 400, field="datasets")
    absent = assert_error(post(datasets=["no-such-dataset"]), 400, field="datasets")
    assert foreign["message"].replace(other_dataset.code, "X") == absent["message"].replace(
        "no-such-dataset", "X"
    )
    assert "belongs" not in foreign["message"]
    assert "organization" not in foreign["message"]
    assert DataContract.objects.count() == 0


def test_contracts_filter_by_provider_status_template_and_date_ranges(
    pmo, honda, sony, template, own_contract, other_contract
):
    later = DataContractFactory(
        provider=honda,
        template=ContractTemplateFactory(code="restricted-provision", tier=DataTier.RESTRICTED),
        effective_date=dt.date(2027, 4, 1),
        expiry_date=dt.date(2030, 3, 31),
    )
    client = token_client(pmo)

    def ids(**query):
        return sorted(_ids(client.get(f"{V1}/contracts/", query)))

    assert ids(provider="honda") == sorted([own_contract.pk, later.pk])
    assert ids(status="active") == [later.pk]
    assert ids(template_code="restricted-provision") == [later.pk]
    assert ids(template=template.pk) == sorted([own_contract.pk, other_contract.pk])
    assert ids(effective_date_after="2027-01-01") == [later.pk]
    assert ids(effective_date_before="2026-12-31") == sorted([own_contract.pk, other_contract.pk])
    assert ids(expiry_date_after="2029-04-01", expiry_date_before="2030-03-31") == [later.pk]
    assert ids(dataset="sony-sensor") == [other_contract.pk]
    assert _ids(client.get(f"{V1}/contracts/", {"ordering": "-effective_date"}))[0] == later.pk
    assert_error(
        client.get(f"{V1}/contracts/", {"effective_date_after": "soon"}),
        400,
        field="effective_date",
    )
    assert_error(client.get(f"{V1}/contracts/", {"status": "signed"}), 400, field="status")


# --------------------------------------------------------------------------- lineage


@pytest.fixture
def base_model():
    return ModelArtifactFactory(code="jv-base-7b", kind=ArtifactKind.BASE_MODEL)


def _artifact_body(**overrides) -> dict:
    return {
        "code": "jv-vision-ft",
        "name_ja": "視覚特化モデル",
        "name_en": "Vision fine-tune",
        "kind": "specialised",
        "responsible": "honda",
        **overrides,
    }


def test_partners_see_no_artifact_or_run_and_create_none(partner, honda, base_model):
    run = TrainingRunFactory(target=base_model, responsible=honda)
    client = token_client(partner)

    assert _ids(client.get(f"{V1}/model-artifacts/")) == []
    assert _ids(client.get(f"{V1}/training-runs/")) == []
    assert_error(client.get(f"{V1}/model-artifacts/{base_model.pk}/"), 404)
    assert_error(client.get(f"{V1}/model-artifacts/{base_model.pk}/lineage/"), 404)
    assert_error(
        client.patch(f"{V1}/model-artifacts/{base_model.pk}/", {"name_en": "X"}, format="json"),
        404,
    )
    assert_error(client.get(f"{V1}/training-runs/{run.pk}/"), 404)
    assert_error(client.patch(f"{V1}/training-runs/{run.pk}/", {"notes": "X"}, format="json"), 404)
    assert_error(client.post(f"{V1}/model-artifacts/", _artifact_body(), format="json"), 403)


def test_policy_staff_read_the_lineage_and_change_none_of_it(policy, honda, base_model):
    run = TrainingRunFactory(target=base_model, responsible=honda)
    client = token_client(policy)

    assert _ids(client.get(f"{V1}/model-artifacts/")) == [base_model.pk]
    assert _ids(client.get(f"{V1}/training-runs/")) == [run.pk]
    assert client.get(f"{V1}/model-artifacts/{base_model.pk}/lineage/").status_code == 200
    assert_error(client.post(f"{V1}/model-artifacts/", _artifact_body(), format="json"), 403)
    assert_error(
        client.patch(f"{V1}/model-artifacts/{base_model.pk}/", {"name_en": "X"}, format="json"),
        403,
    )
    assert_error(client.post(f"{V1}/training-runs/", {}, format="json"), 403)
    assert_error(client.patch(f"{V1}/training-runs/{run.pk}/", {"notes": "X"}, format="json"), 403)


def test_pmo_records_artifacts_as_the_actor(pmo, honda):
    client = token_client(pmo)

    created = client.post(f"{V1}/model-artifacts/", _artifact_body(), format="json")
    assert created.status_code == 201, created.content
    artifact_id = created.json()["id"]
    updated = client.patch(
        f"{V1}/model-artifacts/{artifact_id}/", {"description": "第1版"}, format="json"
    )

    assert updated.status_code == 200, updated.content
    artifact = ModelArtifactFactory._meta.model.objects.get(pk=artifact_id)
    assert artifact.description == "第1版"
    assert_history_user(artifact, pmo)
    assert_error(
        client.post(f"{V1}/model-artifacts/", _artifact_body(kind="oracle"), format="json"),
        400,
        field="kind",
    )


def test_an_artifacts_lineage_names_its_tiers_datasets_and_contamination(policy, honda, base_model):
    restricted = DataAssetFactory(code="honda-restricted", provider=honda, tier=DataTier.RESTRICTED)
    public = DataAssetFactory(code="honda-public", provider=honda)
    contract = DataContractFactory(
        provider=honda,
        template=ContractTemplateFactory(tier=DataTier.RESTRICTED),
        datasets=[restricted],
    )
    fine_tune = ModelArtifactFactory(code="jv-ft", kind=ArtifactKind.SPECIALISED)
    TrainingRunFactory(purpose=DataPurpose.FINE_TUNING, target=fine_tune, datasets=[restricted])
    # Recorded past the guard, as a reclassification after the fact would leave it.
    TrainingRunFactory(target=base_model, datasets=[public], input_artifacts=[fine_tune])

    response = token_client(policy).get(f"{V1}/model-artifacts/{base_model.pk}/lineage/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["artifact"] == "jv-base-7b"
    assert body["contaminated"] is True
    assert body["tiers"] == ["public", "restricted"]
    assert body["contaminating"] == ["honda-restricted"]
    assert body["upstream"] == ["jv-ft"]
    assert body["datasets"] == [
        {
            "dataset": "honda-restricted",
            "provider": "honda",
            "tier": "restricted",
            "contracts": [contract.reference],
            "via": ["jv-ft"],
        },
        {
            "dataset": "honda-public",
            "provider": "honda",
            "tier": "public",
            "contracts": [],
            "via": [],
        },
    ]


def test_an_artifacts_lineage_is_its_row_of_the_contamination_report(honda, base_model):
    grandparent = ModelArtifactFactory(kind=ArtifactKind.SPECIALISED)
    parent = ModelArtifactFactory(kind=ArtifactKind.SPECIALISED)
    unrelated = ModelArtifactFactory(kind=ArtifactKind.SPECIALISED)
    secret = DataAssetFactory(provider=honda, tier=DataTier.SECRET)
    TrainingRunFactory(purpose=DataPurpose.FINE_TUNING, target=grandparent, datasets=[secret])
    TrainingRunFactory(
        purpose=DataPurpose.FINE_TUNING, target=parent, input_artifacts=[grandparent]
    )
    TrainingRunFactory(target=base_model, input_artifacts=[parent, grandparent])
    TrainingRunFactory(
        purpose=DataPurpose.FINE_TUNING, target=unrelated, datasets=[DataAssetFactory()]
    )

    def shape(lineage):
        return (
            lineage.artifact.pk,
            [a.pk for a in lineage.upstream],
            [(r.dataset.pk, r.tier, [a.pk for a in r.via]) for r in lineage.datasets],
            lineage.contaminated,
        )

    report = {item.artifact.pk: item for item in contamination_report()}
    for artifact in (base_model, parent, grandparent, unrelated):
        assert shape(artifact_lineage(artifact)) == shape(report[artifact.pk])


@pytest.fixture
def licensed(honda):
    """A public dataset under an active contract permitting every use."""
    dataset = DataAssetFactory(code="honda-licensed", provider=honda)
    DataContractFactory(provider=honda, datasets=[dataset])
    return dataset


@pytest.fixture
def restricted(honda):
    """Restricted data under an active contract: never for a base model."""
    dataset = DataAssetFactory(code="honda-restricted", provider=honda, tier=DataTier.RESTRICTED)
    DataContractFactory(
        provider=honda,
        template=ContractTemplateFactory(tier=DataTier.RESTRICTED),
        datasets=[dataset],
    )
    return dataset


def _run_body(**overrides) -> dict:
    return {
        "code": "pretrain-2027-01",
        "purpose": "base_pretraining",
        "target": "jv-base-7b",
        "datasets": ["honda-licensed"],
        "input_artifacts": [],
        "started_on": "2027-01-10",
        "responsible": "honda",
        **overrides,
    }


def test_pmo_registers_a_training_run_as_the_actor(pmo, base_model, licensed):
    response = token_client(pmo).post(f"{V1}/training-runs/", _run_body(), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["datasets"] == ["honda-licensed"]
    run = TrainingRun.objects.get(code="pretrain-2027-01")
    assert list(run.datasets.all()) == [licensed]
    assert_history_user(run, pmo)


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("datasets", {"datasets": ["honda-licensed", "honda-restricted"]}),
        ("input_artifacts", {"input_artifacts": ["jv-ft"], "datasets": []}),
    ],
)
def test_the_contamination_guard_refuses_restricted_data_for_a_base_model_with_a_400(
    pmo, base_model, licensed, restricted, field, body
):
    fine_tune = ModelArtifactFactory(code="jv-ft", kind=ArtifactKind.SPECIALISED)
    TrainingRunFactory(purpose=DataPurpose.FINE_TUNING, target=fine_tune, datasets=[restricted])

    response = token_client(pmo).post(f"{V1}/training-runs/", _run_body(**body), format="json")

    error = assert_error(response, 400, "invalid", field=field)
    reasons = [e["message"] for e in error["errors"] if e["field"] == field]
    assert any(
        "honda-restricted" in reason and "may never" in reason and "pre-training" in reason
        for reason in reasons
    ), reasons
    assert not TrainingRun.objects.filter(code="pretrain-2027-01").exists()


def test_a_registered_runs_inputs_are_fixed_its_end_and_notes_are_not(
    pmo, base_model, licensed, honda
):
    client = token_client(pmo)
    run_id = client.post(f"{V1}/training-runs/", _run_body(), format="json").json()["id"]
    url = f"{V1}/training-runs/{run_id}/"
    other = DataAssetFactory(code="honda-other", provider=honda)

    finished = client.patch(url, {"finished_on": "2027-03-31", "notes": "収束"}, format="json")
    same_inputs = client.put(url, _run_body(finished_on="2027-03-31"), format="json")

    assert finished.status_code == 200, finished.content
    assert finished.json()["finished_on"] == "2027-03-31"
    assert same_inputs.status_code == 200, same_inputs.content
    assert_history_user(TrainingRun.objects.get(pk=run_id), pmo)
    assert_error(
        client.patch(url, {"datasets": [other.code]}, format="json"), 400, field="datasets"
    )
    assert_error(
        client.patch(url, {"started_on": "2027-01-11"}, format="json"), 400, field="started_on"
    )
    assert_error(
        client.patch(url, {"finished_on": "2026-01-01"}, format="json"), 400, field="finished_on"
    )
    assert list(TrainingRun.objects.get(pk=run_id).datasets.all()) == [licensed]


def test_training_run_update_refuses_other_inputs_than_the_registered_ones(
    pmo, honda, base_model, licensed
):
    """The service rule the API's PUT relies on."""
    run = TrainingRunFactory(target=base_model, datasets=[licensed], responsible=honda)

    training_run_update(run=run, actor=pmo, datasets=[licensed], input_artifacts=[])
    with pytest.raises(ValidationError) as refused:
        training_run_update(run=run, actor=pmo, datasets=[DataAssetFactory()])
    with pytest.raises(ValidationError) as refused_inputs:
        training_run_update(run=run, actor=pmo, input_artifacts=[ModelArtifactFactory()])

    assert set(refused.value.message_dict) == {"datasets"}
    assert set(refused_inputs.value.message_dict) == {"input_artifacts"}


def test_training_runs_filter_by_purpose_target_and_dataset(pmo, base_model, licensed, honda):
    fine_tune = ModelArtifactFactory(code="jv-ft", kind=ArtifactKind.SPECIALISED)
    pretrain = TrainingRunFactory(target=base_model, datasets=[licensed])
    tune = TrainingRunFactory(purpose=DataPurpose.FINE_TUNING, target=fine_tune)
    client = token_client(pmo)

    assert _ids(client.get(f"{V1}/training-runs/", {"purpose": "fine_tuning"})) == [tune.pk]
    assert _ids(client.get(f"{V1}/training-runs/", {"target": "jv-base-7b"})) == [pretrain.pk]
    assert _ids(client.get(f"{V1}/training-runs/", {"dataset": "honda-licensed"})) == [pretrain.pk]
    assert _ids(client.get(f"{V1}/model-artifacts/", {"kind": "specialised"})) == [fine_tune.pk]


# ------------------------------------------------------------------------- query counts


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 500})
    assert response.status_code == 200, response.content[:2000]
    return len(captured)


def _grow(count: int, uploader, secret_source) -> None:
    """``count`` more of everything each list shows, with every relation filled."""
    for _ in range(count):
        dataset = DataAssetFactory(
            provider=uploader.organization,
            derived_from=secret_source,
            conversion_method=ConversionMethod.SIMULATION,
            conversion_approved_by=uploader,
            conversion_approved_at=timezone.now(),
        )
        contract = DataContractFactory(
            provider=uploader.organization, datasets=[dataset], created_by=uploader
        )
        SignedDocument.objects.create(
            contract=contract,
            file="contracts/signed.pdf",
            page_count=1,
            original_name="signed.pdf",
            sha256="0" * 64,
            size=1,
            uploaded_by=uploader,
        )
        contract.transitions.create(
            from_status=ContractStatus.DRAFT,
            to_status=ContractStatus.SUBMITTED,
            actor=uploader,
            at=timezone.now(),
            effective_on=timezone.localdate(),
        )
        honda = uploader.organization
        ModelArtifactFactory(responsible=honda)
        TrainingRunFactory(
            datasets=[dataset], input_artifacts=[ModelArtifactFactory()], responsible=honda
        )


@pytest.mark.parametrize("role", ["pmo", "policy", "partner"])
@pytest.mark.parametrize(
    "path", ["datasets", "contract-templates", "contracts", "model-artifacts", "training-runs"]
)
def test_a_list_costs_the_same_queries_for_few_rows_and_many(
    request, partner, secret_dataset, role, path
):
    client = token_client(request.getfixturevalue(role))
    url = f"{V1}/{path}/"
    _grow(2, partner, secret_dataset)
    ContractTemplateFactory.create_batch(2)
    few = _queries(client, url)

    _grow(8, partner, secret_dataset)
    ContractTemplateFactory.create_batch(8)

    assert _queries(client, url) == few
