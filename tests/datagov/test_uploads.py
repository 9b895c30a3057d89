"""Signed contract uploads: checked by content, stored privately under a generated name, and
leaving nothing behind when refused."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from datagov.choices import ContractStatus
from datagov.models import DataContract, SignedDocument
from datagov.services import contract_document_upload
from tests.factories import DataContractFactory, OrganizationFactory, PartnerUserFactory
from tests.pdfs import pdf_bytes, pdf_upload

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def partner():
    return PartnerUserFactory(organization=OrganizationFactory(code="honda"))


@pytest.fixture
def contract(partner):
    return DataContractFactory(provider=partner.organization, status=ContractStatus.DRAFT)


def _stored_files(root: Path) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password="", owner_password="owner-only")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_valid_pdf_is_stored_privately_under_a_generated_name_with_its_facts(
    contract, partner, _private_media
):
    content = pdf_bytes(pages=3)
    upload = SimpleUploadedFile("君津_署名済み契約書.pdf", content, content_type="application/pdf")

    document = contract_document_upload(contract=contract, upload=upload, actor=partner)

    document.refresh_from_db()
    stored = Path(document.file.path).resolve()
    assert stored.is_relative_to(Path(_private_media).resolve())
    assert stored.read_bytes() == content
    assert "君津" not in document.file.name
    assert "署名済み" not in stored.name
    assert stored.suffix == ".pdf"
    assert document.original_name == "君津_署名済み契約書.pdf"
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert document.page_count == 3
    assert document.uploaded_by == partner
    assert document.history.first().history_user == partner
    assert _stored_files(_private_media) == [stored]


def test_two_uploads_of_the_same_name_do_not_overwrite_each_other(
    contract, partner, _private_media
):
    first = contract_document_upload(contract=contract, upload=pdf_upload(), actor=partner)
    second = contract_document_upload(contract=contract, upload=pdf_upload(pages=2), actor=partner)

    assert first.file.name != second.file.name
    assert len(_stored_files(_private_media)) == 2


def test_a_path_in_the_upload_name_never_reaches_the_storage(contract, partner, _private_media):
    upload = SimpleUploadedFile("../../etc/passwd.pdf", pdf_bytes())

    document = contract_document_upload(contract=contract, upload=upload, actor=partner)

    root = Path(_private_media).resolve()
    stored = Path(document.file.path).resolve()
    assert stored.is_relative_to(root)
    assert "passwd" not in document.file.name
    assert ".." not in document.file.name
    assert document.original_name == "passwd.pdf"
    assert all(path.is_relative_to(root) for path in _stored_files(root))


def test_a_pdf_named_as_something_else_is_stored_as_a_pdf(contract, partner):
    upload = SimpleUploadedFile("contract.pdf.html", pdf_bytes())

    document = contract_document_upload(contract=contract, upload=upload, actor=partner)

    assert Path(document.file.name).suffix == ".pdf"
    assert document.original_name == "contract.pdf.html"


REJECTED = [
    pytest.param("scan.pdf", PNG, "not a PDF", id="png-renamed"),
    pytest.param("contract.pdf", "契約書です".encode(), "not a PDF", id="text-renamed"),
    pytest.param("contract.pdf", b"", "empty", id="empty"),
    pytest.param("contract.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 200, "damaged", id="garbage"),
    pytest.param("contract.pdf", pdf_bytes()[:200], "damaged", id="truncated"),
    pytest.param("contract.pdf", _encrypted_pdf(), "password", id="encrypted"),
    pytest.param("bad\nname.pdf", pdf_bytes(), "file name", id="newline-in-name"),
    pytest.param("bad\x00name.pdf", pdf_bytes(), "file name", id="nul-in-name"),
    pytest.param("bell\x07.pdf", pdf_bytes(), "file name", id="control-in-name"),
    pytest.param("\u202egpj.pdf", pdf_bytes(), "file name", id="bidi-override-in-name"),
    pytest.param(".htaccess.pdf", pdf_bytes(), "file name", id="dot-name"),
    pytest.param("a" * 240 + ".pdf", pdf_bytes(), "file name", id="over-long-name"),
]


@pytest.mark.parametrize(("name", "content", "message"), REJECTED)
def test_a_rejected_upload_says_why_and_leaves_no_row_and_no_file(
    name, content, message, contract, partner, _private_media
):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    with pytest.raises(ValidationError) as error:
        contract_document_upload(contract=contract, upload=upload, actor=partner)

    assert list(error.value.message_dict) == ["file"]
    assert message in error.value.message_dict["file"][0]
    assert not SignedDocument.objects.exists()
    assert _stored_files(_private_media) == []


def test_an_upload_over_the_size_limit_is_rejected(contract, partner, settings, _private_media):
    content = pdf_bytes()
    settings.UPLOAD_MAX_BYTES = len(content) - 1

    with pytest.raises(ValidationError) as error:
        contract_document_upload(
            contract=contract, upload=SimpleUploadedFile("big.pdf", content), actor=partner
        )

    assert "limit" in error.value.message_dict["file"][0]
    assert not SignedDocument.objects.exists()
    assert _stored_files(_private_media) == []


def test_an_upload_exactly_at_the_size_limit_is_accepted(contract, partner, settings):
    content = pdf_bytes()
    settings.UPLOAD_MAX_BYTES = len(content)

    contract_document_upload(
        contract=contract, upload=SimpleUploadedFile("ok.pdf", content), actor=partner
    )

    assert SignedDocument.objects.count() == 1


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
def test_a_document_can_only_be_added_to_a_draft(status, partner, _private_media):
    contract = DataContractFactory(provider=partner.organization, status=status)

    with pytest.raises(ValidationError) as error:
        contract_document_upload(contract=contract, upload=pdf_upload(), actor=partner)

    assert "file" in error.value.message_dict
    assert not SignedDocument.objects.exists()
    assert _stored_files(_private_media) == []


def test_a_partner_cannot_upload_to_another_organizations_contract(partner, _private_media):
    foreign = DataContractFactory(status=ContractStatus.DRAFT)

    with pytest.raises(ValidationError) as error:
        contract_document_upload(contract=foreign, upload=pdf_upload(), actor=partner)

    assert "provider" in error.value.message_dict
    assert not SignedDocument.objects.exists()
    assert _stored_files(_private_media) == []


def test_a_file_stored_before_the_database_refuses_the_row_is_removed(
    contract, partner, _private_media
):
    # Someone submits the contract after this caller read it as a draft: the upload passes
    # the first check and is stored, then the locked re-read refuses it.
    DataContract.objects.filter(pk=contract.pk).update(status=ContractStatus.SUBMITTED)
    assert contract.status == ContractStatus.DRAFT

    with pytest.raises(ValidationError) as error:
        contract_document_upload(contract=contract, upload=pdf_upload(), actor=partner)

    assert "status" in error.value.message_dict
    assert not SignedDocument.objects.exists()
    assert _stored_files(_private_media) == []
