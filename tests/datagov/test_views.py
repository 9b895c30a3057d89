"""Downloads of template documents and signed contracts: signed-in users only, each object
read through the selector of what that user may see, anything else a 404."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from datagov.choices import ContractStatus, TemplateStatus
from datagov.services import contract_document_upload
from tests.factories import (
    ContractTemplateFactory,
    DataContractFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
)
from tests.pdfs import pdf_bytes, pdf_upload

pytestmark = pytest.mark.django_db

TEMPLATE_VIEWS = ("datagov:template-document-html", "datagov:template-document-pdf")


@pytest.fixture
def partner():
    return PartnerUserFactory()


@pytest.fixture
def published():
    return ContractTemplateFactory(code="restricted-provision", version=2)


@pytest.fixture
def draft():
    return ContractTemplateFactory(status=TemplateStatus.DRAFT, published_at=None)


def _signed_document(user, *, name: str = "署名済み契約書.pdf", pages: int = 2):
    """A signed PDF uploaded by a partner of the contract's provider, as the service stores it."""
    contract = DataContractFactory(provider=user.organization, status=ContractStatus.DRAFT)
    upload = pdf_upload(name, pages=pages)
    return contract_document_upload(contract=contract, upload=upload, actor=user)


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


# ----------------------------------------------------------------------------- templates


def test_partner_downloads_a_published_template_as_a_pdf_attachment(client, partner, published):
    client.force_login(partner)

    response = client.get(
        reverse("datagov:template-document-pdf", args=[published.pk]), {"lang": "en"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="restricted-provision-v2-en.pdf"'
    )
    assert _content(response).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("query", "accept_language", "shown"),
    [
        ({"lang": "en"}, "ja", "en"),
        ({"lang": "ja"}, "en", "ja"),
        ({}, "en", "en"),  # no choice: the language the user reads the site in
        ({}, "ja", "ja"),
        ({"lang": "fr"}, "en", "ja"),  # anything else: the Japanese original
        ({"lang": "<script>"}, "en", "ja"),
    ],
)
def test_template_html_is_shown_inline_in_the_chosen_language(
    client, partner, published, query, accept_language, shown
):
    client.force_login(partner)

    response = client.get(
        reverse("datagov:template-document-html", args=[published.pk]),
        query,
        HTTP_ACCEPT_LANGUAGE=accept_language,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Language"] == shown
    assert f'<html lang="{shown}">' in html
    assert getattr(published, f"title_{shown}") in html
    assert "<script>" not in html


@pytest.mark.parametrize("view", TEMPLATE_VIEWS)
def test_partner_cannot_see_a_draft_template(client, partner, draft, view):
    client.force_login(partner)

    assert client.get(reverse(view, args=[draft.pk])).status_code == 404


@pytest.mark.parametrize("view", TEMPLATE_VIEWS)
def test_a_template_that_does_not_exist_is_a_404(client, partner, view):
    client.force_login(partner)

    assert client.get(reverse(view, args=[999_999])).status_code == 404


def test_pmo_sees_a_draft_template_marked_as_not_for_signature(client, draft):
    client.force_login(PMOUserFactory())

    response = client.get(
        reverse("datagov:template-document-html", args=[draft.pk]), {"lang": "en"}
    )

    assert response.status_code == 200
    assert "must not be signed" in response.content.decode()


# ----------------------------------------------------------------------------- signed documents


def test_partner_downloads_their_own_organizations_signed_document(client, partner):
    document = _signed_document(partner)
    client.force_login(partner)

    response = client.get(reverse("datagov:document-download", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E7%BD%B2%E5%90%8D" in response["Content-Disposition"]  # 署名, RFC 5987-encoded
    assert _content(response) == pdf_bytes(pages=2)


def test_partner_cannot_download_another_organizations_signed_document(client, partner):
    document = _signed_document(PartnerUserFactory())
    client.force_login(partner)

    response = client.get(reverse("datagov:document-download", args=[document.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("staff_factory", [PMOUserFactory, PolicyUserFactory])
def test_pmo_and_policy_staff_download_any_signed_document(client, staff_factory):
    document = _signed_document(PartnerUserFactory())
    client.force_login(staff_factory())

    response = client.get(reverse("datagov:document-download", args=[document.pk]))

    assert response.status_code == 200
    assert _content(response) == pdf_bytes(pages=2)


def test_a_signed_document_missing_from_storage_is_a_logged_404(client, partner, caplog):
    document = _signed_document(partner)
    document.file.storage.delete(document.file.name)
    client.force_login(partner)

    with caplog.at_level(logging.ERROR, logger="datagov.views"):
        response = client.get(reverse("datagov:document-download", args=[document.pk]))

    assert response.status_code == 404
    assert document.file.name in caplog.text


# ----------------------------------------------------------------------------- access


def _urls(template, document) -> list[str]:
    return [
        reverse("datagov:documents"),
        *(reverse(view, args=[template.pk]) for view in TEMPLATE_VIEWS),
        reverse("datagov:document-download", args=[document.pk]),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, partner, published):
    for url in _urls(published, _signed_document(partner)):
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_the_views_only_read(client, partner, published):
    client.force_login(partner)

    urls = _urls(published, _signed_document(partner))
    for url in urls:
        assert client.post(url).status_code == 405
        assert client.delete(url).status_code == 405
    # HEAD is a GET without the body (the PDF view is left out only to render one PDF less).
    for url in (u for u in urls if not u.endswith(".pdf")):
        assert client.head(url).status_code == 200


def test_a_partner_signs_in_on_the_plain_login_page_and_lands_on_their_documents(client, partner):
    page = client.get(reverse("login"))
    response = client.post(
        reverse("login"), {"username": partner.username, "password": "correct-horse-battery"}
    )

    assert page.status_code == 200
    assert 'id="login-form"' in page.content.decode()
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("datagov:contracts")


def test_the_front_door_sends_each_role_where_its_work_is(client, partner):
    from tests.factories import PMOUserFactory

    assert client.get("/")["Location"] == reverse("login")
    client.force_login(partner)
    assert client.get("/")["Location"] == reverse("datagov:contracts")
    client.force_login(PMOUserFactory())
    assert client.get("/")["Location"] == reverse("dashboard")


def test_logging_out_returns_to_the_login_page(client, partner):
    client.force_login(partner)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("datagov:documents")).status_code == 302


def test_the_document_list_shows_a_partner_only_what_they_may_download(
    client, partner, published, draft
):
    own = _signed_document(partner, name="own-contract.pdf")
    other = _signed_document(PartnerUserFactory(), name="other-contract.pdf")
    client.force_login(partner)

    html = client.get(reverse("datagov:documents"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    assert reverse("datagov:template-document-pdf", args=[published.pk]) in html
    assert reverse("datagov:template-document-pdf", args=[draft.pk]) not in html
    assert draft.title_ja not in html
    assert reverse("datagov:document-download", args=[own.pk]) in html
    assert "own-contract.pdf" in html
    assert reverse("datagov:document-download", args=[other.pk]) not in html
    assert "other-contract.pdf" not in html
