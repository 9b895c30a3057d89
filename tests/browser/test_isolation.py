"""A partner who guesses another organization's URLs gets "not found", exactly as for a
page that does not exist: nothing confirms that the other contract is there."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from datagov.choices import ContractStatus
from datagov.services import contract_document_upload
from tests.browser.helpers import login
from tests.factories import DataContractFactory, OrganizationFactory, PartnerUserFactory
from tests.pdfs import pdf_upload


@pytest.fixture
def sony():
    return OrganizationFactory(code="sony", name_ja="ソニーグループ", name_en="Sony Group")


@pytest.fixture
def honda():
    return OrganizationFactory(code="honda", name_ja="本田技研工業", name_en="Honda Motor")


@pytest.fixture
def partner(honda):
    return PartnerUserFactory(username="partner-honda", organization=honda)


@pytest.fixture
def own_contract(honda):
    return DataContractFactory(provider=honda, title="走行環境データ提供契約")


@pytest.fixture
def other_contract(sony):
    contract = DataContractFactory(
        provider=sony, title="センシングデータ共用契約", status=ContractStatus.DRAFT
    )
    contract_document_upload(
        contract=contract,
        upload=pdf_upload("ソニー_署名済み.pdf"),
        actor=PartnerUserFactory(organization=sony),
    )
    return contract


def test_a_partner_gets_404_for_another_organizations_contract(
    page, partner, own_contract, other_contract
):
    login(page, partner.username)
    # Their own contract list shows theirs and nothing of the other organization's.
    page.goto("/datagov/contracts/")
    expect(page.locator("#content-main")).to_contain_text(own_contract.reference)
    expect(page.locator("#content-main")).not_to_contain_text(other_contract.reference)

    own = page.goto(f"/datagov/contracts/{own_contract.pk}/")
    assert own is not None and own.status == 200

    guessed = page.goto(f"/datagov/contracts/{other_contract.pk}/")
    assert guessed is not None and guessed.status == 404
    body = page.locator("body")
    expect(body).not_to_contain_text(other_contract.reference)
    expect(body).not_to_contain_text(other_contract.title)
    # The same answer as for a contract that does not exist at all.
    missing = page.goto(f"/datagov/contracts/{other_contract.pk + 1000}/")
    assert missing is not None and missing.status == 404

    # Nor can they fetch its signed document, or post to it.
    document = other_contract.documents.get()
    assert page.request.get(f"/datagov/documents/{document.pk}/").status == 404
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    submit = page.request.post(
        f"/datagov/contracts/{other_contract.pk}/submit/",
        headers={"X-CSRFToken": csrf, "Referer": page.url},
    )
    assert submit.status == 404
    other_contract.refresh_from_db()
    assert other_contract.status == ContractStatus.DRAFT
