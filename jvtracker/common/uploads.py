"""Checks every uploaded document passes before anything is stored.

A file is judged by its content, never by its name or the type the browser declared: a
PDF starts with the ``%PDF-`` signature and a PDF parser must open it and find its pages.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

PDF_SIGNATURE = b"%PDF-"
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class UploadFacts:
    sha256: str
    size: int
    original_name: str


@dataclass(frozen=True)
class PdfFacts(UploadFacts):
    page_count: int


def _error(message: str, code: str, field: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def checked_file_name(name: str | None, *, field: str = "file") -> str:
    """The upload's own name, if it is one a person could have chosen; else an error.

    The name is only ever shown and offered back on download (files are stored under a
    generated name), but a name with path parts or control characters is refused outright
    rather than quietly rewritten.
    """
    name = name or ""
    stripped = name.strip()
    hostile = (
        not stripped
        or "/" in name
        or "\\" in name
        or stripped in {".", ".."}
        or stripped.startswith(".")
        or any(unicodedata.category(ch)[0] == "C" for ch in name)
        or len(name) > MAX_NAME_LENGTH
    )
    if hostile:
        raise _error(
            _(
                "The file name is not acceptable: use a plain name of at most %(max)s "
                "characters, without folders or control characters."
            )
            % {"max": MAX_NAME_LENGTH},
            "hostile_name",
            field,
        )
    return unicodedata.normalize("NFC", stripped)


def inspect_upload(upload: UploadedFile, *, field: str = "file") -> UploadFacts:
    """Check what every upload must pass (a plain name, not empty, within the size limit)
    and return its facts, the SHA-256 included."""
    name = checked_file_name(upload.name, field=field)
    limit = settings.UPLOAD_MAX_BYTES
    size = upload.size or 0
    if size == 0:
        raise _error(_("The file is empty."), "empty", field)
    if size > limit:
        raise _error(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            "too_large",
            field,
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return UploadFacts(sha256=digest.hexdigest(), size=size, original_name=name)


def inspect_pdf(upload: UploadedFile, *, field: str = "file") -> PdfFacts:
    """Check that ``upload`` is a readable PDF within the size limit; return its facts.

    Raises a ValidationError on ``field`` whose message says what is wrong in plain words.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    facts = inspect_upload(upload, field=field)
    name = facts.original_name
    upload.seek(0)
    if upload.read(len(PDF_SIGNATURE)) != PDF_SIGNATURE:
        raise _error(
            _("The file is not a PDF (whatever its name says). Upload the signed PDF."),
            "not_pdf",
            field,
        )
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted:
            raise _error(
                _("The PDF is password-protected; upload it without a password."),
                "encrypted_pdf",
                field,
            )
        page_count = len(reader.pages)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # A damaged or hostile PDF: say so, never crash.
        logger.info("Rejected an unreadable PDF %r: %s", name, exc)
        raise _error(
            _("The PDF is damaged or unreadable; export it again and upload the new file."),
            "unreadable_pdf",
            field,
        ) from None
    if page_count < 1:
        raise _error(_("The PDF has no pages."), "empty_pdf", field)
    upload.seek(0)
    return PdfFacts(sha256=facts.sha256, size=facts.size, original_name=name, page_count=page_count)
