"""Admin of reports: the list of every requested report, each one's read-only record with its
download log, and the page that requests a new one.

Reports are append-only (jvtracker.roles.APPEND_ONLY_MODELS): a report changes only through
its worker, so nobody adds one through the normal form, changes or deletes one here. A new
report is requested on its own page, through the same ``report_request`` service the
stage-gate action, the API and the command call. The PDF itself is never linked from
storage: only the permission-checked download view (``reports:download``) serves it.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from jvtracker.admin import ExportResource, ServiceModelAdmin
from milestones.models import StageGate
from reports.choices import ReportKind, ReportStatus, RequestChannel
from reports.forms import ReportRequestForm, StageGateReportForm, report_request_from_form
from reports.models import Report, ReportDownload
from reports.selectors import reports_visible_to
from reports.services import may_request_reports

# RPT-000042, rpt42 or 42: a report by its reference or id.
REFERENCE_SEARCH = re.compile(r"(?:RPT-?)?0*(\d{1,12})", re.IGNORECASE)
# A SHA-256 or a prefix of one long enough to name a single PDF: which report is this file?
SHA256_SEARCH = re.compile(r"[0-9a-f]{8,64}", re.IGNORECASE)


def status_badge(report: Report) -> SafeString:
    """The status in words on its colour (the colour only repeats what the words say)."""
    return format_html(
        '<span class="report-status report-status-{}">{}</span>',
        report.status,
        report.get_status_display(),
    )


def download_link(report: Report) -> SafeString | str:
    if report.pk is None or report.status != ReportStatus.SUCCEEDED:
        return ""
    url = reverse("reports:download", kwargs={"pk": report.pk})
    return format_html(
        '<a href="{}" download class="report-download">{}</a>', url, gettext("Download PDF")
    )


class ReportResource(ExportResource):
    """The report list for Excel: what was asked, by whom, and the PDF's proof."""

    reference = Field(
        attribute="reference",
        column_name=capfirst(pgettext_lazy("report", "reference")),
        readonly=True,
    )
    gate_code = Field(attribute="gate__code", column_name=capfirst(_("stage gate")), readonly=True)

    class Meta:
        model = Report
        # The stored file's name means nothing outside the server.
        exclude = ("id", "file", "gate")
        export_order = ("reference", "kind", "gate_code", "as_of", "language", "status")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReportDownloadInline(ReadOnlyInline):
    """Who took the PDF, when: the evidence's chain of custody."""

    model = ReportDownload
    fields = ("user", "user_organization", "at")
    readonly_fields = fields
    ordering = ("-at", "-pk")
    verbose_name_plural = _("download log")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReportDownload]:
        return super().get_queryset(request).select_related("user__organization")

    @admin.display(description=_("organization"))
    def user_organization(self, download: ReportDownload) -> str:
        return str(download.user.organization or "")


class AppendOnlyMixin:
    """Written only by the services: nothing added through the normal form, changed or
    deleted, by anyone (the PMO lacks those permissions too)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(AppendOnlyMixin, ServiceModelAdmin):
    """Every report the user may see, newest first; each one's record read-only."""

    change_list_template = "admin/reports/report/change_list.html"
    # import-export's wrapper shows the object tools only to those who may add, and
    # nobody adds a report through the admin: ours lists the request page and the export.
    import_export_change_list_template = None
    change_form_template = "admin/reports/report/change_form.html"
    resource_classes = [ReportResource]
    list_display = (
        "reference_link",
        "kind",
        "gate",
        "as_of",
        "language",
        "status_display",
        "requested_by",
        "requested_via",
        "requested_at",
        "finished_at",
        "pages",
        "size_display",
        "download",
    )
    list_display_links = None
    list_filter = ("kind", "status", "language", "gate", "requested_via")
    list_select_related = ("gate", "requested_by")
    # The reference or id, or the PDF's SHA-256 (see get_search_results).
    search_fields = ("=id",)
    search_help_text = _("A report's reference (RPT-000042) or the SHA-256 of its PDF.")
    date_hierarchy = "requested_at"
    ordering = ("-requested_at", "-pk")
    # Never the file field itself: rendering it would ask the URL-less storage for a URL.
    fieldsets = (
        (None, {"fields": ("reference", "kind", "gate", "as_of", "knowledge_cutoff", "language")}),
        (_("Status"), {"fields": ("status_display", "error", "attempts")}),
        (
            _("Request and timings"),
            {
                "fields": (
                    "requested_by",
                    "requested_via",
                    "requested_at",
                    "started_at",
                    "finished_at",
                    "duration_display",
                )
            },
        ),
        (_("PDF"), {"fields": ("download", "sha256", "size_exact", "pages")}),
    )
    readonly_fields = (
        "reference",
        "kind",
        "gate",
        "as_of",
        "knowledge_cutoff",
        "language",
        "status_display",
        "error",
        "attempts",
        "requested_by",
        "requested_via",
        "requested_at",
        "started_at",
        "finished_at",
        "duration_display",
        "download",
        "sha256",
        "size_exact",
        "pages",
    )
    inlines = [ReportDownloadInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return reports_visible_to(request.user)

    def get_fieldsets(self, request: HttpRequest, obj: Report | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.status == ReportStatus.FAILED:
            return fieldsets
        # Only a failure has an error to show.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "error"]})
            for name, options in fieldsets
        ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Report], search_term: str
    ) -> tuple[QuerySet[Report], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q()
        if reference := REFERENCE_SEARCH.fullmatch(term):
            matches |= Q(pk=int(reference.group(1)))
        if SHA256_SEARCH.fullmatch(term):
            matches |= Q(sha256__startswith=term.lower())
        # Anything else names no report; never a 500 on odd input.
        return (queryset.filter(matches) if matches else queryset.none()), False

    def get_urls(self) -> list:
        request_page = path(
            "request/",
            self.admin_site.admin_view(self.request_view),
            name="reports_report_request",
        )
        return [request_page, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {"may_request": may_request_reports(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        # The normal add form would save a report past the service: send a bookmark of it
        # to the request page instead.
        if not may_request_reports(request.user):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:reports_report_request"))

    # --------------------------------------------------------------------- the columns

    @admin.display(description=pgettext_lazy("report", "reference"), ordering="pk")
    def reference(self, report: Report) -> str:
        return report.reference

    @admin.display(description=pgettext_lazy("report", "reference"), ordering="pk")
    def reference_link(self, report: Report) -> SafeString:
        url = reverse("admin:reports_report_change", args=[report.pk])
        return format_html('<a href="{}">{}</a>', url, report.reference)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, report: Report) -> SafeString:
        return status_badge(report)

    @admin.display(description=_("size"), ordering="size")
    def size_display(self, report: Report) -> str:
        if report.size is None:
            return self.get_empty_value_display()
        return filesizeformat(report.size)

    @admin.display(description=_("size"))
    def size_exact(self, report: Report) -> str:
        if report.size is None:
            return self.get_empty_value_display()
        return gettext("%(size)s (%(bytes)s bytes)") % {
            "size": filesizeformat(report.size),
            "bytes": f"{report.size:,}",
        }

    @admin.display(description=_("duration"))
    def duration_display(self, report: Report) -> str:
        duration = report.duration
        if duration is None:
            return self.get_empty_value_display()
        return gettext("%(seconds).1f s") % {"seconds": duration.total_seconds()}

    @admin.display(description=_("download"))
    def download(self, report: Report) -> SafeString | str:
        return download_link(report) or self.get_empty_value_display()

    # ----------------------------------------------------------------- the request page

    def request_view(self, request: HttpRequest) -> HttpResponse:
        """Request a report through ``report_request``; a refused request is shown again
        with the service's reasons beside the fields, and nothing is queued."""
        if not may_request_reports(request.user):
            raise PermissionDenied
        if request.method == "POST":
            form = ReportRequestForm(request.POST)
            report = report_request_from_form(form, actor=request.user, via=RequestChannel.ADMIN)
            if report is not None:
                self.message_user(request, queued_message(report), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:reports_report_change", args=[report.pk])
                )
        else:
            form = ReportRequestForm(initial=_initial_from(request))
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Request a report"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "gate_kinds": [kind.value for kind in ReportKind if kind.needs_gate],
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(
            request, "admin/reports/report/request.html", context, status=status
        )


def _initial_from(request: HttpRequest) -> dict[str, str]:
    """A link may preselect the kind or the gate (?kind=stage_gate&gate=3)."""
    return {name: request.GET[name] for name in ("kind", "gate") if request.GET.get(name)}


def queued_message(report: Report) -> str:
    return gettext(
        "%(reference)s (%(kind)s) is queued. Its page shows when it is ready, with the link "
        "to download it."
    ) % {"reference": report.reference, "kind": report.get_kind_display()}


def queued_links(reports: list[Report]) -> SafeString:
    """The reports as links to their pages, for a message."""
    return format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        ((reverse("admin:reports_report_change", args=[r.pk]), r.reference) for r in reports),
    )


def stage_gate_reports_request(
    model_admin: admin.ModelAdmin, request: HttpRequest, gates: QuerySet[StageGate]
) -> TemplateResponse | None:
    """The stage-gate admin's action: ask for the as-of date and the language on a
    confirmation page (as delete-selected does), then request one report per gate.

    All or nothing: a refused request (an as-of date in the future) queues no report for
    any gate, and the confirmation page shows the reason beside the field.
    """
    gates = gates.order_by("review_date", "kind")
    confirmed = "post" in request.POST
    form = StageGateReportForm(request.POST if confirmed else None)
    if confirmed and form.is_valid():
        queued: list[Report] = []
        with transaction.atomic():
            for gate in gates:
                report = report_request_from_form(
                    form, actor=request.user, via=RequestChannel.ADMIN, gate=gate
                )
                if report is None:
                    # Also drops the publishing of the reports already requested.
                    transaction.set_rollback(True)
                    queued = []
                    break
                queued.append(report)
        if queued:
            model_admin.message_user(
                request,
                format_html(
                    "{} {}",
                    ngettext(
                        "%(count)s stage-gate report is queued:",
                        "%(count)s stage-gate reports are queued:",
                        len(queued),
                    )
                    % {"count": len(queued)},
                    queued_links(queued),
                ),
                messages.SUCCESS,
            )
            model_admin.message_user(
                request,
                gettext("Each report's page shows when it is ready, with the link to download it."),
                messages.INFO,
            )
            return None
    request.current_app = model_admin.admin_site.name
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Generate stage-gate reports"),
        "subtitle": None,
        "form": form,
        "action": request.POST.get("action", ""),
        "gates": gates,
        "opts": model_admin.opts,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": model_admin.media,
    }
    status = 400 if confirmed else 200
    return TemplateResponse(
        request, "admin/reports/stage_gate_report_confirmation.html", context, status=status
    )


@admin.register(ReportDownload)
class ReportDownloadAdmin(AppendOnlyMixin, admin.ModelAdmin):
    """Every download of every report the user may see: the log across reports."""

    actions = None
    list_display = ("at", "report_link", "report_kind", "user", "user_organization")
    list_display_links = None
    list_filter = ("report__kind", "user__organization")
    list_select_related = ("report__gate", "user__organization")
    search_fields = ("=report__id", "user__username")
    date_hierarchy = "at"
    ordering = ("-at", "-pk")
    fields = ("report_link", "report_kind", "user", "user_organization", "at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReportDownload]:
        visible = reports_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(report__in=visible)

    @admin.display(description=_("report"), ordering="report_id")
    def report_link(self, download: ReportDownload) -> SafeString:
        url = reverse("admin:reports_report_change", args=[download.report_id])
        return format_html('<a href="{}">{}</a>', url, download.report.reference)

    @admin.display(description=_("kind"), ordering="report__kind")
    def report_kind(self, download: ReportDownload) -> str:
        return download.report.get_kind_display()

    @admin.display(description=_("organization"))
    def user_organization(self, download: ReportDownload) -> str:
        return str(download.user.organization or "")
