"""Real PDF files for upload tests, written with pypdf."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile


def pdf_bytes(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_upload(name: str = "signed.pdf", pages: int = 1, **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(pages), content_type="application/pdf", **kwargs)
