"""Data-governance pages: contract-template documents and signed-document downloads.

Partners are not staff, so these views sit outside the admin behind the plain login.
Every object is looked up through the selector of what the user may see: anything else,
drafts included, is a 404, indistinguishable from a missing row.
"""

from __future__ import annotations

import io
import logging

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from datagov import documents
from datagov.selectors import documents_visible_to, templates_visible_to

logger = logging.getLogger(__name__)

# The document is self-contained (inline styles, no scripts, no external resources):
# a browser showing it needs to load nothing else.
DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _document_language(request: HttpRequest) -> str:
    """``?lang=`` if it names a document language; the page's language if absent; else ja."""
    requested = request.GET.get("lang")
    if requested is None:
        requested = (get_language() or "").split("-")[0]
    return requested if requested in documents.DOCUMENT_LANGUAGES else "ja"


@require_safe
@login_required
def document_list(request: HttpRequest) -> TemplateResponse:
    """The template versions and signed documents the user may download."""
    context = {
        "title": _("Contract documents"),
        "templates": templates_visible_to(request.user).order_by("code", "-version"),
        "signed_documents": documents_visible_to(request.user).order_by(
            "contract__reference", "-uploaded_at", "-pk"
        ),
        "languages": documents.DOCUMENT_LANGUAGES,
    }
    return TemplateResponse(request, "datagov/document_list.html", context)


@require_safe
@login_required
def template_document(request: HttpRequest, pk: int) -> HttpResponse:
    """A template version's document as HTML, shown in the browser."""
    template = get_object_or_404(templates_visible_to(request.user), pk=pk)
    language = _document_language(request)
    return HttpResponse(
        documents.template_document_html(template, language=language),
        content_type="text/html; charset=utf-8",
        headers={
            "Content-Language": language,
            "Content-Security-Policy": DOCUMENT_CSP,
            "Content-Disposition": 'inline; filename="{}"'.format(
                documents.template_document_filename(template, language=language, ext="html")
            ),
        },
    )


@require_safe
@login_required
def template_document_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """A template version's document as a PDF to print and sign."""
    template = get_object_or_404(templates_visible_to(request.user), pk=pk)
    language = _document_language(request)
    pdf = documents.template_document_pdf(template, language=language)
    response = FileResponse(
        io.BytesIO(pdf),
        as_attachment=True,
        filename=documents.template_document_filename(template, language=language, ext="pdf"),
        content_type="application/pdf",
    )
    response["Content-Language"] = language
    return response


@require_safe
@login_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """A signed contract PDF under its original name, to those who may see the contract."""
    document = get_object_or_404(documents_visible_to(request.user), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        logger.error("Signed document %s is missing from storage (%s).", pk, document.file.name)
        raise Http404(_("The file is missing from storage.")) from None
    return FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type="application/pdf"
    )
