"""The upload checks every document passes: judged by content, never by name or declared type."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from jvtracker.common.uploads import MAX_NAME_LENGTH, checked_file_name, inspect_pdf
from tests.pdfs import pdf_bytes


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _codes(error: ValidationError, field: str = "file") -> list[str]:
    return [e.code for e in error.error_dict[field]]


def _encrypted(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password=user_password, owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_yields_its_hash_size_pages_and_name():
    content = pdf_bytes(pages=2)

    facts = inspect_pdf(SimpleUploadedFile("契約書.pdf", content, content_type="text/plain"))

    assert facts.sha256 == hashlib.sha256(content).hexdigest()
    assert facts.size == len(content)
    assert facts.page_count == 2
    assert facts.original_name == "契約書.pdf"


def test_the_upload_can_be_read_again_after_inspection():
    content = pdf_bytes()
    upload = SimpleUploadedFile("a.pdf", content)

    inspect_pdf(upload)

    assert upload.read() == content


def test_a_pdf_without_a_pdf_suffix_is_judged_by_content():
    assert inspect_pdf(SimpleUploadedFile("scan", pdf_bytes())).page_count == 1


@pytest.mark.parametrize(
    ("content", "code"),
    [
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "not_pdf", id="png"),
        pytest.param(b"<html><body>%PDF-</body></html>", "not_pdf", id="html"),
        pytest.param(b" %PDF-1.7" + pdf_bytes()[8:], "not_pdf", id="signature-not-first"),
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"%PDF-", "unreadable_pdf", id="signature-only"),
        pytest.param(b"%PDF-1.7\n" + b"\xff\x00junk" * 100, "unreadable_pdf", id="garbage"),
        pytest.param(pdf_bytes()[:-40], "unreadable_pdf", id="truncated"),
        pytest.param(_encrypted(""), "encrypted_pdf", id="owner-password"),
        pytest.param(_encrypted("user"), "encrypted_pdf", id="user-password"),
    ],
)
def test_content_that_is_not_a_readable_pdf_is_refused_on_the_field(content, code):
    with pytest.raises(ValidationError) as error:
        inspect_pdf(SimpleUploadedFile("contract.pdf", content, content_type="application/pdf"))

    assert list(error.value.message_dict) == ["file"]
    assert _codes(error.value) == [code]


def test_the_field_name_can_be_chosen():
    with pytest.raises(ValidationError) as error:
        inspect_pdf(SimpleUploadedFile("a.pdf", b"not a pdf"), field="evidence")
    assert list(error.value.message_dict) == ["evidence"]


def test_the_size_limit_comes_from_settings(settings):
    content = pdf_bytes()
    settings.UPLOAD_MAX_BYTES = len(content) - 1

    with pytest.raises(ValidationError) as error:
        inspect_pdf(SimpleUploadedFile("a.pdf", content))

    assert _codes(error.value) == ["too_large"]

    settings.UPLOAD_MAX_BYTES = len(content)
    assert inspect_pdf(SimpleUploadedFile("a.pdf", content)).size == len(content)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param(".", id="dot"),
        pytest.param("..", id="dot-dot"),
        pytest.param(".bashrc.pdf", id="hidden"),
        pytest.param("dir/contract.pdf", id="slash"),
        pytest.param("..\\..\\contract.pdf", id="backslash"),
        pytest.param("contract\n.pdf", id="newline"),
        pytest.param("contract\r.pdf", id="carriage-return"),
        pytest.param("contract\x00.pdf", id="nul"),
        pytest.param("contract\t.pdf", id="tab"),
        pytest.param("\u202efdp.exe", id="bidi-override"),
        pytest.param("a" * (MAX_NAME_LENGTH + 1), id="over-long"),
    ],
)
def test_a_hostile_file_name_is_refused(name):
    with pytest.raises(ValidationError) as error:
        checked_file_name(name)
    assert _codes(error.value) == ["hostile_name"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("契約書 2026年度.pdf", "契約書 2026年度.pdf"),
        ("  signed.pdf ", "signed.pdf"),
        ("a" * MAX_NAME_LENGTH, "a" * MAX_NAME_LENGTH),
        # Decomposed kana (が as か + combining mark) is stored composed.
        ("\u304b\u3099.pdf", "\u304c.pdf"),
    ],
)
def test_a_plain_file_name_is_kept(name, expected):
    assert checked_file_name(name) == expected
