"""The contract pages partners use outside the admin: they see, upload to and submit only
their own organization's contracts; policy staff read; the services judge every write."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from datagov.choices import ContractStatus, DataTier, TemplateStatus
from datagov.models import ContractTransition, SignedDocument
from datagov.services import contract_document_upload, contract_reject, contract_submit
from tests.factories import (
    ContractTemplateFactory,
    DataAssetFactory,
    DataContractFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
)
from tests.pdfs import pdf_bytes, pdf_upload

pytestmark = pytest.mark.django_db

ACTION_VIEWS = ("datagov:contract-document-upload", "datagov:contract-submit")


@pytest.fixture
def provider():
    return OrganizationFactory(code="honda", name_en="Honda", name_ja="本田技研工業")


@pytest.fixture
def partner(provider):
    return PartnerUserFactory(username="honda-partner", organization=provider)


@pytest.fixture
def pmo():
    return PMOUserFactory(username="pmo-sato")


@pytest.fixture
def contract(provider):
    """A draft the provider has still to sign and submit."""
    dataset = DataAssetFactory(provider=provider, code="honda-driving", name_en="Driving logs")
    return DataContractFactory(
        provider=provider,
        status=ContractStatus.DRAFT,
        title="走行環境データ提供契約",
        datasets=[dataset],
    )


@pytest.fixture
def other_contract():
    other = OrganizationFactory(code="sony")
    dataset = DataAssetFactory(provider=other, code="sony-sensing")
    return DataContractFactory(
        provider=other,
        status=ContractStatus.DRAFT,
        title="センシングデータ契約",
        datasets=[dataset],
    )


def _sign_in(client: Client, user, *, language: str = "en") -> None:
    """Sign ``user`` in, reading the site in ``language`` (as the language switch leaves it)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)


def _url(name: str, contract) -> str:
    return reverse(name, args=[contract.pk])


def _stored_files() -> list[Path]:
    return [p for p in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if p.is_file()]


def _field_errors(html: str) -> str:
    """The error list Django renders beside the upload field (and only there)."""
    match = re.search(r'<ul class="errorlist" id="id_file_error">(.*?)</ul>', html, re.S)
    assert match, "no error list beside the file field"
    return match.group(1)


def _upload(client: Client, contract, upload):
    return client.post(_url("datagov:contract-document-upload", contract), {"file": upload})


def _file(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("signed.pdf", content, content_type="application/pdf")


def _submittable(contract, partner) -> None:
    contract_document_upload(contract=contract, upload=pdf_upload(), actor=partner)


# ----------------------------------------------------------------------------- reading


def test_partner_lists_only_their_own_organizations_contracts(
    client, partner, contract, other_contract
):
    _sign_in(client, partner)

    response = client.get(reverse("datagov:contracts"))

    html = response.content.decode()
    assert response.status_code == 200
    assert _url("datagov:contract", contract) in html
    assert contract.reference in html and contract.title in html
    assert other_contract.reference not in html
    assert other_contract.title not in html


def test_a_partner_without_contracts_is_pointed_to_the_new_contract_page(
    client, partner, other_contract
):
    # Changed with the new-contract page: partners start their own drafts now, where
    # this empty state used to tell them to ask the PMO.
    _sign_in(client, partner)

    html = client.get(reverse("datagov:contracts")).content.decode()

    empty = re.search(r'<div class="site-empty" id="no-contracts">.*?</div>', html, re.S)
    assert empty, "no empty state"
    assert f'href="{reverse("datagov:contract-new")}"' in empty.group(0)
    assert other_contract.reference not in html


def test_the_landing_page_links_to_the_contracts(client, partner):
    client.force_login(partner)

    html = client.get(reverse("datagov:documents")).content.decode()

    assert f'href="{reverse("datagov:contracts")}"' in html


def test_partner_reads_their_contracts_terms_datasets_and_template_documents(
    client, partner, contract
):
    _sign_in(client, partner)

    response = client.get(_url("datagov:contract", contract))

    html = response.content.decode()
    assert response.status_code == 200
    assert contract.reference in html
    assert "Driving logs" in html
    assert "Fine-tuning of a specialised model" in html  # the public tier's permitted uses
    assert "within the template" in html  # no deviation
    pdf = reverse("datagov:template-document-pdf", args=[contract.template_id])
    assert f"{pdf}?lang=ja" in html and f"{pdf}?lang=en" in html


def test_partner_cannot_read_upload_to_or_submit_another_organizations_contract(
    client, partner, other_contract
):
    client.force_login(partner)

    assert client.get(_url("datagov:contract", other_contract)).status_code == 404
    assert _upload(client, other_contract, pdf_upload()).status_code == 404
    assert client.post(_url("datagov:contract-submit", other_contract)).status_code == 404

    other_contract.refresh_from_db()
    assert other_contract.status == ContractStatus.DRAFT
    assert not SignedDocument.objects.exists()
    assert not ContractTransition.objects.exists()
    assert _stored_files() == []


def test_a_contract_that_does_not_exist_is_a_404(client, partner):
    client.force_login(partner)

    assert client.get(reverse("datagov:contract", args=[999_999])).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, contract):
    for url in (reverse("datagov:contracts"), _url("datagov:contract", contract)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"
    for name in ACTION_VIEWS:
        response = client.post(_url(name, contract), {"file": pdf_upload()})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not SignedDocument.objects.exists()
    assert _stored_files() == []


@pytest.mark.parametrize("name", ACTION_VIEWS)
def test_the_action_urls_only_accept_posts(client, partner, contract, name):
    client.force_login(partner)

    assert client.get(_url(name, contract)).status_code == 405


@pytest.mark.parametrize("name", ACTION_VIEWS)
def test_a_post_without_the_csrf_token_is_refused(partner, contract, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(partner)

    response = client.post(_url(name, contract), {"file": pdf_upload()})

    assert response.status_code == 403
    assert not SignedDocument.objects.exists()
    assert _stored_files() == []


# ----------------------------------------------------------------------------- uploading


def test_the_upload_field_asks_for_a_pdf_and_states_the_size_limit(
    client, partner, contract, settings
):
    settings.UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    _sign_in(client, partner)

    html = client.get(_url("datagov:contract", contract)).content.decode()

    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'<input type="file" name="file"[^>]*accept="application/pdf"', html)
    assert "Signed contract (PDF)" in html
    with translation.override("en"):
        assert f"at most {filesizeformat(5 * 1024 * 1024)}" in html


def test_partner_uploads_a_signed_pdf_to_their_draft_contract(client, partner, contract):
    _sign_in(client, partner)

    response = _upload(client, contract, pdf_upload("署名済み契約書.pdf", pages=2))

    assert response.status_code in (302, 303)
    assert response["Location"] == _url("datagov:contract", contract)
    document = SignedDocument.objects.get(contract=contract)
    assert document.original_name == "署名済み契約書.pdf"
    assert document.page_count == 2
    assert document.uploaded_by == partner
    assert document.history.get().history_user == partner
    stored = _stored_files()
    assert [p.name for p in stored] == [Path(document.file.name).name]
    assert stored[0].name != "署名済み契約書.pdf"  # a generated name
    assert stored[0].read_bytes() == pdf_bytes(pages=2)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The signed document “署名済み契約書.pdf” was uploaded."
    ]
    page = client.get(response["Location"]).content.decode()
    assert reverse("datagov:document-download", args=[document.pk]) in page


@pytest.mark.parametrize(
    ("make_upload", "error"),
    [
        # Named and declared as a PDF; the content is HTML.
        (lambda: _file(b"<html><script>alert(1)</script></html>"), "The file is not a PDF"),
        (lambda: _file(b""), "The file is empty."),
        (lambda: pdf_upload(pages=8), "the limit is 1000"),
    ],
    ids=["not-a-pdf", "empty", "over-the-limit"],
)
def test_a_rejected_upload_is_shown_beside_the_field_and_stores_nothing(
    client, partner, contract, settings, make_upload, error
):
    settings.UPLOAD_MAX_BYTES = 1000
    assert len(pdf_bytes(pages=8)) > 1000
    _sign_in(client, partner)

    response = _upload(client, contract, make_upload())

    assert response.status_code == 400
    assert error in _field_errors(response.content.decode())
    assert not SignedDocument.objects.exists()
    assert _stored_files() == []


def test_an_upload_without_a_file_is_shown_beside_the_field(client, partner, contract):
    _sign_in(client, partner)

    response = client.post(_url("datagov:contract-document-upload", contract), {})

    assert response.status_code == 400
    assert "required" in _field_errors(response.content.decode())
    assert not SignedDocument.objects.exists()


# ----------------------------------------------------------------------------- submitting


def test_submitting_without_a_signed_document_is_refused_and_changes_nothing(
    client, partner, contract
):
    _sign_in(client, partner)

    response = client.post(_url("datagov:contract-submit", contract))

    assert response.status_code == 400
    assert "Upload the signed contract (PDF) before submitting." in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    assert not ContractTransition.objects.exists()


def test_partner_submits_their_signed_draft_for_review(client, partner, contract):
    _submittable(contract, partner)
    _sign_in(client, partner)

    response = client.post(_url("datagov:contract-submit", contract))

    assert response.status_code in (302, 303)
    assert response["Location"] == _url("datagov:contract", contract)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED
    transition = ContractTransition.objects.get(contract=contract)
    assert (transition.from_status, transition.to_status) == ("draft", "submitted")
    assert transition.actor == partner
    assert contract.history.first().history_user == partner
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Contract {contract.reference} was submitted for the PMO's review."
    ]


def test_a_contract_past_draft_offers_no_upload_and_refuses_one(client, partner, contract):
    _submittable(contract, partner)
    contract_submit(contract=contract, actor=partner)
    _sign_in(client, partner)
    before = _stored_files()

    page = client.get(_url("datagov:contract", contract)).content.decode()
    upload = _upload(client, contract, pdf_upload("again.pdf"))
    submit = client.post(_url("datagov:contract-submit", contract))

    assert 'id="upload-form"' not in page and 'id="submit-form"' not in page
    assert upload.status_code == 400
    assert "a signed document can only be added to a draft" in upload.content.decode()
    assert submit.status_code == 400
    assert SignedDocument.objects.filter(contract=contract).count() == 1
    assert _stored_files() == before
    assert ContractTransition.objects.filter(contract=contract).count() == 1


def test_pmo_may_upload_and_submit_for_a_provider(client, pmo, contract):
    client.force_login(pmo)

    page = client.get(_url("datagov:contract", contract)).content.decode()
    uploaded = _upload(client, contract, pdf_upload())
    submitted = client.post(_url("datagov:contract-submit", contract))

    assert 'id="upload-form"' in page and 'id="submit-form"' in page
    assert uploaded.status_code in (302, 303) and submitted.status_code in (302, 303)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED


# ----------------------------------------------------------------------------- other roles


def test_policy_staff_read_a_contract_without_forms_and_may_not_post(client, partner, contract):
    _submittable(contract, partner)
    client.force_login(PolicyUserFactory())
    before = _stored_files()

    page = client.get(_url("datagov:contract", contract))
    upload = _upload(client, contract, pdf_upload("policy.pdf"))
    submit = client.post(_url("datagov:contract-submit", contract))

    assert page.status_code == 200
    assert contract.reference in page.content.decode()
    assert 'id="upload-form"' not in page.content.decode()
    assert 'id="submit-form"' not in page.content.decode()
    assert upload.status_code == 403 and submit.status_code == 403
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    assert SignedDocument.objects.filter(contract=contract).count() == 1
    assert _stored_files() == before


def test_policy_staff_see_a_secret_dataset_on_a_contract_without_its_description(
    client, provider, partner
):
    secret = DataAssetFactory(
        provider=provider, tier=DataTier.SECRET, description_en="Workers' faces on video"
    )
    contract = DataContractFactory(
        provider=provider,
        template=ContractTemplateFactory(tier=DataTier.SECRET),
        datasets=[secret],
    )

    _sign_in(client, PolicyUserFactory())
    as_policy = client.get(_url("datagov:contract", contract)).content.decode()
    client.force_login(partner)
    as_partner = client.get(_url("datagov:contract", contract)).content.decode()

    assert secret.code in as_policy
    assert "Workers&#x27; faces on video" not in as_policy
    assert "Workers&#x27; faces on video" in as_partner


def test_a_returned_contract_shows_the_pmos_reason(client, partner, pmo, contract):
    _submittable(contract, partner)
    contract_submit(contract=contract, actor=partner)
    contract_reject(contract=contract, actor=pmo, reason="Storage clause names no region.")
    _sign_in(client, partner)

    html = client.get(_url("datagov:contract", contract)).content.decode()

    returned = re.search(r'<div class="errornote" id="returned".*?</div>', html, re.S)
    assert returned, "the reason is not shown prominently"
    assert "Storage clause names no region." in returned.group(0)
    assert "pmo-sato" in returned.group(0)
    assert 'id="upload-form"' in html  # back to the provider, who can fix and resubmit


def test_the_page_speaks_japanese_by_default(client, partner, contract):
    client.force_login(partner)

    html = client.get(_url("datagov:contract", contract)).content.decode()

    assert '<html lang="ja"' in html
    assert "対象データセット" in html
    assert "署名済み契約書（PDF）" in html
    assert "審査に提出" in html
    assert "Datasets covered" not in html


# ----------------------------------------------------------------------------- the contract list


def test_the_contract_list_offers_a_new_contract_and_the_template_documents(
    client, partner, contract
):
    _sign_in(client, partner)

    html = client.get(reverse("datagov:contracts")).content.decode()

    assert re.search(rf'<a [^>]*id="new-contract" href="{reverse("datagov:contract-new")}"', html)
    assert f'href="{reverse("datagov:documents")}"' in html


def test_policy_staff_are_offered_no_new_contract(client, contract):
    _sign_in(client, PolicyUserFactory())

    html = client.get(reverse("datagov:contracts")).content.decode()

    assert contract.reference in html
    assert 'id="new-contract"' not in html
    assert reverse("datagov:contract-new") not in html


def test_the_documents_page_starts_a_contract_under_a_published_version(client, partner):
    published = ContractTemplateFactory()
    withdrawn = ContractTemplateFactory(status=TemplateStatus.WITHDRAWN)
    _sign_in(client, partner)

    html = client.get(reverse("datagov:documents")).content.decode()

    new = reverse("datagov:contract-new")
    assert f"{new}?template={published.pk}" in html
    assert f"{new}?template={withdrawn.pk}" not in html


# ----------------------------------------------------------------------------- the guide


def _element(html: str, element_id: str) -> str:
    """The opening tag of the element with ``element_id``."""
    match = re.search(rf'<[a-z0-9]+ [^>]*id="{element_id}"[^>]*>', html)
    assert match, f"no #{element_id}"
    return match.group(0)


def _done(html: str, step: str) -> str:
    match = re.search(r'data-done="(true|false)"', _element(html, f"step-{step}"))
    assert match, f"#step-{step} says nothing of being done"
    return match.group(1)


def test_a_draft_shows_its_status_and_the_three_steps_none_done(client, partner, contract):
    _sign_in(client, partner)

    html = client.get(_url("datagov:contract", contract)).content.decode()

    assert 'data-status="draft"' in _element(html, "contract-status")
    assert [_done(html, step) for step in ("download", "upload", "submit")] == [
        "false",
        "false",
        "false",
    ]
    # Step 1 downloads this contract's own template version, as a PDF in either language.
    pdf = reverse("datagov:template-document-pdf", args=[contract.template_id])
    links = re.findall(r'<a [^>]*class="[^"]*template-download[^"]*" href="([^"]+)"', html)
    assert sorted(links) == [f"{pdf}?lang=en", f"{pdf}?lang=ja"]
    # Steps 2 and 3 hold the upload and the submission, in that order.
    guide = html[html.index('id="guide"') : html.index('id="terms"')]
    assert guide.index('id="step-upload"') < guide.index('id="upload-form"')
    assert guide.index('id="upload-form"') < guide.index('id="step-submit"')
    assert guide.index('id="step-submit"') < guide.index('id="submit-form"')
    assert 'id="next-steps"' not in html


def test_the_guide_marks_the_upload_done_once_a_signed_document_is_there(client, partner, contract):
    _submittable(contract, partner)
    _sign_in(client, partner)

    html = client.get(_url("datagov:contract", contract)).content.decode()

    assert [_done(html, step) for step in ("download", "upload", "submit")] == [
        "true",
        "true",
        "false",
    ]
    assert "signed.pdf" in html[html.index('id="step-upload"') : html.index('id="step-submit"')]
    assert 'id="upload-form"' in html and 'id="submit-form"' in html


def test_after_submission_every_step_is_done_and_the_page_says_what_happens_next(
    client, partner, contract
):
    _submittable(contract, partner)
    contract_submit(contract=contract, actor=partner)
    _sign_in(client, partner)

    html = client.get(_url("datagov:contract", contract)).content.decode()

    assert 'data-status="submitted"' in _element(html, "contract-status")
    assert [_done(html, step) for step in ("download", "upload", "submit")] == [
        "true",
        "true",
        "true",
    ]
    assert 'id="next-steps"' in html
    assert "The PMO reviews" in html
    assert 'id="status-log"' in html
    assert 'id="upload-form"' not in html and 'id="submit-form"' not in html


def test_an_active_contract_shows_its_status_without_the_guide(client, partner, provider):
    contract = DataContractFactory(provider=provider, status=ContractStatus.ACTIVE)
    _sign_in(client, partner)

    html = client.get(_url("datagov:contract", contract)).content.decode()

    assert 'data-status="active"' in _element(html, "contract-status")
    assert 'id="guide"' not in html
    assert "in force" in html


def test_policy_staff_see_a_drafts_status_but_not_the_providers_steps(client, contract):
    _sign_in(client, PolicyUserFactory())

    html = client.get(_url("datagov:contract", contract)).content.decode()

    assert 'data-status="draft"' in _element(html, "contract-status")
    assert 'id="guide"' not in html
    assert "jvtracker/upload.js" not in html


def test_a_replaced_template_version_is_pointed_out_on_a_draft(client, partner, contract):
    contract.template.status = TemplateStatus.WITHDRAWN
    contract.template.save()
    _sign_in(client, partner)

    html = client.get(_url("datagov:contract", contract)).content.decode()

    assert 'id="template-replaced"' in html


def test_the_upload_progress_script_is_loaded_and_served(client, partner, contract):
    _sign_in(client, partner)

    html = client.get(_url("datagov:contract", contract)).content.decode()

    src = re.search(r'<script src="([^"]*jvtracker/upload\.js)"', html)
    assert src, "the upload script is not loaded"
    assert '<progress id="upload-progress"' in html
    assert 'data-upload-progress="upload-progress"' in _element(html, "upload-form")
    assert finders.find("jvtracker/upload.js") is not None
    script = Path(finders.find("jvtracker/upload.js")).read_text()
    assert "data-upload-progress" in script and "responseURL" in script


# ----------------------------------------------------------------------------- datasets


def _row(html: str, code: str) -> str:
    match = re.search(rf'<tr data-dataset="{re.escape(code)}">.*?</tr>', html, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def test_a_partner_sees_only_their_own_organizations_datasets(
    client, partner, contract, other_contract
):
    _sign_in(client, partner)

    response = client.get(reverse("datagov:datasets"))

    html = response.content.decode()
    assert response.status_code == 200
    row = _row(html, "honda-driving")
    assert "Driving logs" in row
    assert "本田技研工業" in row or "Honda" in row
    assert 'data-tier="public"' in row and "Public &amp; licensed" in row
    assert f'href="{_url("datagov:contract", contract)}"' in row
    assert "sony-sensing" not in html
    assert _url("datagov:contract", other_contract) not in html
    assert client.get(_url("datagov:contract", other_contract)).status_code == 404


def test_the_dataset_list_says_whether_each_may_go_into_base_model_training(
    client, partner, provider
):
    today = timezone.localdate()
    public = DataAssetFactory(provider=provider, code="honda-manuals", tier=DataTier.PUBLIC)
    restricted = DataAssetFactory(provider=provider, code="honda-cad", tier=DataTier.RESTRICTED)
    DataContractFactory(
        provider=provider,
        status=ContractStatus.ACTIVE,
        effective_date=today - dt.timedelta(days=30),
        expiry_date=today + dt.timedelta(days=365),
        datasets=[public],
    )
    DataContractFactory(
        provider=provider,
        template=ContractTemplateFactory(tier=DataTier.RESTRICTED),
        status=ContractStatus.ACTIVE,
        effective_date=today - dt.timedelta(days=30),
        expiry_date=today + dt.timedelta(days=365),
        datasets=[restricted],
    )
    _sign_in(client, partner)

    html = client.get(reverse("datagov:datasets")).content.decode()

    assert 'data-allowed="true"' in _row(html, public.code)
    assert 'data-allowed="false"' in _row(html, restricted.code)
    assert "may never be used for Base-model pre-training" in _row(html, restricted.code)
    assert 'id="tier-legend"' in html


def test_policy_staff_see_a_secret_dataset_in_the_list_without_its_details(client, provider):
    DataAssetFactory(
        provider=provider,
        code="honda-worker-video",
        tier=DataTier.SECRET,
        description_en="Workers' faces on video",
        storage_detail="Sayama plant",
    )
    _sign_in(client, PolicyUserFactory())

    row = _row(client.get(reverse("datagov:datasets")).content.decode(), "honda-worker-video")

    assert 'data-tier="secret"' in row
    assert "Workers&#x27; faces on video" not in row
    assert "Sayama plant" not in row
    assert "withheld" in row


def test_a_partner_sees_their_own_secret_datasets_details(client, partner, provider):
    DataAssetFactory(
        provider=provider,
        code="honda-worker-video",
        tier=DataTier.SECRET,
        description_en="Workers' faces on video",
    )
    _sign_in(client, partner)

    row = _row(client.get(reverse("datagov:datasets")).content.decode(), "honda-worker-video")

    assert "Workers&#x27; faces on video" in row


def test_a_partner_without_datasets_is_told_how_they_are_registered(
    client, partner, other_contract
):
    _sign_in(client, partner)

    html = client.get(reverse("datagov:datasets")).content.decode()

    empty = re.search(r'<div class="site-empty" id="no-datasets">.*?</div>', html, re.S)
    assert empty, "no empty state"
    assert "/api/v1/datasets/" in empty.group(0)
    assert reverse("api-docs") in empty.group(0)
    assert "sony-sensing" not in html


def test_the_dataset_list_is_for_signed_in_users_and_only_reads(client, partner):
    url = reverse("datagov:datasets")
    assert client.get(url)["Location"] == f"{reverse('login')}?next={url}"
    client.force_login(partner)
    assert client.post(url).status_code == 405


def test_replaced_template_versions_are_set_apart_from_the_ones_to_sign(client, partner):
    old = ContractTemplateFactory(code="provision-public", version=1)
    new = ContractTemplateFactory(code="provision-public", version=2)
    old.status = TemplateStatus.WITHDRAWN
    old.save()
    _sign_in(client, partner)

    html = client.get(reverse("datagov:documents")).content.decode()

    current = html[html.index('id="current-templates"') : html.index('id="replaced-versions"')]
    replaced = html[html.index('id="replaced-versions"') :]
    assert f"?template={new.pk}" in current
    assert f"datagov/templates/{old.pk}/" not in current
    assert f"datagov/templates/{old.pk}/document.pdf" in replaced
    assert "start-contract" not in replaced


@pytest.mark.parametrize("role", ["partner", "pmo"])
def test_the_dataset_list_reads_the_same_number_of_queries_for_many_datasets(client, role):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import DataContractFactory, PMOUserFactory

    organization = OrganizationFactory()
    user = PartnerUserFactory(organization=organization) if role == "partner" else PMOUserFactory()
    _sign_in(client, user)

    def queries_with(count: int) -> int:
        for _ in range(count):
            dataset = DataAssetFactory(provider=organization)
            DataContractFactory(provider=organization).datasets.add(dataset)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("datagov:datasets")).status_code == 200
        return len(queries)

    assert queries_with(2) == queries_with(10)


def test_the_contract_list_comes_a_page_at_a_time_newest_first(client):
    from datagov.views import CONTRACTS_PER_PAGE
    from tests.factories import DataContractFactory, PMOUserFactory

    for day in range(CONTRACTS_PER_PAGE + 3):
        DataContractFactory(effective_date=dt.date(2026, 4, 1) + dt.timedelta(days=day))
    _sign_in(client, PMOUserFactory())

    first = list(client.get(reverse("datagov:contracts")).context["contracts"])
    second = list(client.get(reverse("datagov:contracts"), {"page": 2}).context["contracts"])
    beyond = client.get(reverse("datagov:contracts"), {"page": "²"})

    assert len(first) == CONTRACTS_PER_PAGE and len(second) == 3
    assert first[0].effective_date > first[-1].effective_date > second[0].effective_date
    assert beyond.status_code == 200


def test_the_contract_list_says_whose_move_each_contract_waits_for(client, partner):
    from tests.factories import DataContractFactory

    draft = DataContractFactory(provider=partner.organization, status=ContractStatus.DRAFT)
    submitted = DataContractFactory(provider=partner.organization, status=ContractStatus.SUBMITTED)
    _sign_in(client, partner)

    html = client.get(reverse("datagov:contracts"), headers={"accept-language": "en"})
    rows = html.content.decode().split("<tr>")

    [draft_row] = [row for row in rows if draft.reference in row]
    [submitted_row] = [row for row in rows if submitted.reference in row]
    assert "The provider: sign, upload the PDF, submit" in draft_row
    assert "The PMO: review" in submitted_row
