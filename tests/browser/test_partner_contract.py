"""A partner's data contract from start to approval, in a real browser: the partner drafts
it from a template version, downloads the template's PDF, uploads the signed PDF and
submits it; the PMO starts the review and approves it in the admin; the partner sees it
active."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from datagov.choices import ContractStatus, DataTier
from datagov.models import ContractTransition, DataContract, SignedDocument
from jvtracker.choices import OrganizationKind
from tests.browser.helpers import ADMIN_LOGIN_PATH, assert_pdf, downloaded, login, screenshot
from tests.factories import (
    ContractTemplateFactory,
    DataAssetFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
)
from tests.pdfs import pdf_bytes

TITLE = "走行環境データ提供契約（栃木）"
SIGNED_NAME = "走行環境データ提供契約_署名済み.pdf"


@pytest.fixture
def honda():
    return OrganizationFactory(
        code="honda", name_ja="本田技研工業", name_en="Honda Motor", provides_data=True
    )


@pytest.fixture
def partner(honda):
    return PartnerUserFactory(username="partner-honda", organization=honda)


@pytest.fixture
def pmo():
    jv = OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)
    return PMOUserFactory(username="pmo", organization=jv)


@pytest.fixture
def template():
    return ContractTemplateFactory(
        tier=DataTier.RESTRICTED,
        title_ja="限定データ提供契約ひな形",
        title_en="Enterprise-restricted data provision template",
    )


@pytest.fixture
def driving_logs(honda):
    return DataAssetFactory(
        provider=honda,
        tier=DataTier.RESTRICTED,
        code="honda-driving-env",
        name_ja="走行環境データ",
        name_en="Driving-environment data",
    )


@pytest.fixture
def someone_elses_dataset():
    return DataAssetFactory(provider=OrganizationFactory(code="sony"), tier=DataTier.RESTRICTED)


def _admin_action(page: Page, contract: DataContract, action: str) -> None:
    """In the contract register: find the contract by its reference, tick it, run ``action``."""
    page.goto("/admin/datagov/datacontract/")
    page.locator("#searchbar").fill(contract.reference)
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text(TITLE)
    page.locator(f'#result_list input.action-select[value="{contract.pk}"]').check()
    page.locator('select[name="action"]').select_option(action)
    page.locator('button[name="index"]').click()
    expect(page.locator("ul.messagelist .success")).to_contain_text(contract.reference)


def test_a_partner_signs_a_contract_and_the_pmo_approves_it_in_the_admin(
    new_page, partner, pmo, template, driving_logs, someone_elses_dataset
):
    # The partner signs in and starts a new contract from their contract list.
    page = new_page()
    login(page, partner.username)
    page.goto("/datagov/contracts/")
    page.locator("#new-contract").click()
    form = page.locator("#contract-form")
    expect(form).to_be_visible()
    # Only their own organization's datasets are offered.
    expect(
        form.locator(f'input[name="datasets"][value="{someone_elses_dataset.pk}"]')
    ).to_have_count(0)
    form.locator('select[name="template"]').select_option(str(template.pk))
    form.locator('input[name="title"]').fill(TITLE)
    form.locator(f'input[name="datasets"][value="{driving_logs.pk}"]').check()
    form.locator('input[name="effective_date"]').fill("2027-04-01")
    form.locator('input[name="expiry_date"]').fill("2030-03-31")
    page.locator("#contract-create").click()

    status = page.locator("#contract-status")
    expect(status).to_have_attribute("data-status", ContractStatus.DRAFT)
    contract = DataContract.objects.get(title=TITLE)
    assert contract.provider == partner.organization
    assert contract.template == template
    assert list(contract.datasets.all()) == [driving_logs]
    assert (contract.effective_date, contract.expiry_date) == (
        dt.date(2027, 4, 1),
        dt.date(2030, 3, 31),
    )
    assert contract.created_by == partner
    expect(page).to_have_url(f"/datagov/contracts/{contract.pk}/")
    expect(page.locator("#content-main")).to_contain_text(contract.reference)

    # Step 1: the template's document, as a PDF to print and sign.
    pdf_link = page.locator("a.template-download").first
    with page.expect_download() as download_info:
        pdf_link.click()
    assert_pdf(downloaded(download_info.value))
    assert download_info.value.suggested_filename.endswith(".pdf")

    # Step 2: the signed PDF, uploaded (with a progress bar) into the contract.
    screenshot(page, "story-contract-draft")
    page.locator('#upload-form input[name="file"]').set_input_files(
        files=[{"name": SIGNED_NAME, "mimeType": "application/pdf", "buffer": pdf_bytes(2)}]
    )
    page.locator("#upload-form [type=submit]").click()
    expect(page.locator("#uploaded-document")).to_contain_text(SIGNED_NAME)
    document = SignedDocument.objects.get(contract=contract)
    assert (document.original_name, document.page_count) == (SIGNED_NAME, 2)
    assert document.uploaded_by == partner

    # Step 3: submitted for the PMO's review.
    page.locator("#submit-form [type=submit]").click()
    expect(status).to_have_attribute("data-status", ContractStatus.SUBMITTED)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED
    screenshot(page, "story-contract-submitted")

    # The PMO signs in to the admin, starts the review and approves the contract.
    admin = new_page()
    login(admin, pmo.username, path=f"{ADMIN_LOGIN_PATH}?next=/admin/")
    _admin_action(admin, contract, "start_review")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.UNDER_REVIEW
    _admin_action(admin, contract, "approve")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE

    steps = list(
        ContractTransition.objects.filter(contract=contract)
        .order_by("at", "pk")
        .values_list("from_status", "to_status", "actor__username")
    )
    assert steps == [
        (ContractStatus.DRAFT, ContractStatus.SUBMITTED, partner.username),
        (ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW, pmo.username),
        (ContractStatus.UNDER_REVIEW, ContractStatus.ACTIVE, pmo.username),
    ]

    # The partner reloads their page: the contract is active, and no longer offers the forms.
    page.reload()
    expect(status).to_have_attribute("data-status", ContractStatus.ACTIVE)
    expect(page.locator("#upload-form")).to_have_count(0)
    expect(page.locator("#submit-form")).to_have_count(0)
    screenshot(page, "story-contract-active")
