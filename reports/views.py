"""The report pages: the list of reports with the request form and live statuses, each
report's status for the list to poll, and the download, the only way a report's PDF
leaves the server.

Every lookup goes through ``reports_visible_to``: a report the user may not see is a 404,
indistinguishable from one that does not exist (never a 403, which would confirm it). A
report the user may see whose PDF is not there yet (queued, running, failed) gets a page
saying so with a 409, rather than a 404 that would read as "no such report". Each download
is logged through ``report_download_record`` before the first byte is sent.
"""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from kpis.selectors import next_gate
from milestones.models import StageGate
from milestones.selectors import stage_gates_visible_to
from reports.choices import ReportLanguage, ReportStatus, RequestChannel
from reports.forms import StageGateReportRequestForm, report_request_from_form
from reports.models import Report
from reports.selectors import may_see_reports, reports_visible_to
from reports.services import may_request_reports, report_download_record

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


# ------------------------------------------------------------------- the reports page

REPORTS_PER_PAGE = 25

# The status as the reports page says it: a succeeded report is "ready" to download.
STATUS_LABELS = {
    ReportStatus.QUEUED: gettext_lazy("Queued"),
    ReportStatus.RUNNING: gettext_lazy("Running"),
    ReportStatus.SUCCEEDED: gettext_lazy("Ready"),
    ReportStatus.FAILED: gettext_lazy("Failed"),
}


def status_label(report: Report) -> str:
    return str(STATUS_LABELS.get(report.status, report.get_status_display()))


def _page_language() -> str:
    language = (get_language() or "").split("-")[0]
    return language if language in ReportLanguage.values else ReportLanguage.JAPANESE


def _request_initial(request: HttpRequest, gates: QuerySet[StageGate]) -> dict:
    """The gate a link names (?gate=3), else the next gate to be reviewed; the page's
    language; the as-of date defaults to today in the form itself."""
    initial: dict = {"language": _page_language()}
    asked = request.GET.get("gate", "")
    if asked.isascii() and asked.isdigit() and gates.filter(pk=int(asked)).exists():
        initial["gate"] = int(asked)
    else:
        upcoming = next_gate()
        if upcoming is not None and gates.filter(pk=upcoming.pk).exists():
            initial["gate"] = upcoming.pk
    return initial


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports the user may see, newest first, each with its live status and, once
    ready, its download; above them the form that requests a stage-gate report."""
    user = request.user
    if not may_see_reports(user):
        raise Http404
    may_request = may_request_reports(user)
    gates = stage_gates_visible_to(user).prefetch_related(None)
    form = None
    status = 200
    if request.method == "POST":
        if not may_request:
            raise PermissionDenied
        form = StageGateReportRequestForm(request.POST, gates=gates)
        report = report_request_from_form(form, actor=user, via=RequestChannel.PAGE)
        if report is not None:
            messages.success(
                request,
                _(
                    "%(reference)s, the stage-gate report of %(gate)s, is queued. It is at "
                    "the top of the list below, which shows when it is ready to download."
                )
                % {"reference": report.reference, "gate": report.gate.title},
            )
            return redirect("reports:list")
        status = 400
    elif may_request:
        form = StageGateReportRequestForm(initial=_request_initial(request, gates), gates=gates)
    reports = reports_visible_to(user).order_by("-requested_at", "-pk")
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for report in rows:
        report.status_label = status_label(report)
    context = {
        "title": _("Reports"),
        "form": form,
        "may_request": may_request,
        "page": page,
        "reports": rows,
        "script_text": {
            "ready": _("%(reference)s is ready to download."),
            "failed": _("%(reference)s failed."),
            "download": _("Download"),
        },
    }
    return TemplateResponse(request, "reports/pages/report_list.html", context, status=status)


@require_safe
@login_required
@never_cache
def report_status(request: HttpRequest, pk: int) -> JsonResponse:
    """One report's status for the reports page to poll: never cached, 404 for a report
    the user may not see."""
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    succeeded = report.status == ReportStatus.SUCCEEDED
    return JsonResponse(
        {
            "id": report.pk,
            "reference": report.reference,
            "status": report.status,
            "status_label": status_label(report),
            "download_url": (
                reverse("reports:download", kwargs={"pk": report.pk}) if succeeded else None
            ),
            "failure_reason": report.error if report.status == ReportStatus.FAILED else None,
        }
    )
