"""The report download: the only way a report's PDF leaves the server.

Every lookup goes through ``reports_visible_to``: a report the user may not see is a 404,
indistinguishable from one that does not exist (never a 403, which would confirm it). A
report the user may see whose PDF is not there yet (queued, running, failed) gets a page
saying so with a 409, rather than a 404 that would read as "no such report". Each download
is logged through ``report_download_record`` before the first byte is sent.
"""

from __future__ import annotations

import logging

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from reports.choices import ReportStatus
from reports.models import Report
from reports.selectors import reports_visible_to
from reports.services import report_download_record

logger = logging.getLogger(__name__)


@require_safe
@login_required
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The report's PDF as an attachment named after the report, to those who may see it."""
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    if report.status != ReportStatus.SUCCEEDED:
        return _not_ready(request, report)
    return report_file_response(report, request.user)


def report_file_response(report: Report, user) -> FileResponse:
    """A succeeded report's PDF as an attachment, its download logged first; the page and
    the API both send it this way. 404 when the file is missing from storage."""
    try:
        handle = report.file.open("rb")
    except FileNotFoundError:
        # verify_reports lists it too; the download log keeps no entry for a file not sent.
        logger.error("Report %s is missing from storage (%s).", report.reference, report.file.name)
        raise Http404(_("The report's PDF is missing from storage.")) from None
    try:
        report_download_record(report=report, user=user)
    except BaseException:
        handle.close()
        raise
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=report.download_name(),
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Evidence for one signed-in user: no shared cache may keep a copy.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _not_ready(request: HttpRequest, report: Report) -> TemplateResponse:
    request.current_app = admin.site.name
    context = {
        **admin.site.each_context(request),
        "title": _("%(reference)s has no PDF yet") % {"reference": report.reference},
        "subtitle": None,
        "report": report,
    }
    return TemplateResponse(request, "admin/reports/report/not_ready.html", context, status=409)


def report_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
