"""Measurement history, the ingest batches that are its audit trail, and the PMO's file
import. Measurements and batches are append-only: nobody adds, changes or deletes them
here; rows arrive only through ``measurements_ingest``.

The measurement list must stay fast over millions of rows: no full count, no facet counts,
no date hierarchy (each would scan the table), filters whose choices come from the KPI
definitions and monthly values rather than from the measurements, and sorting by time only.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from datagov.forms import add_service_errors
from kpis import selectors
from kpis.admin.base import AppendOnlyAdmin
from kpis.choices import BatchSource, Unit
from kpis.forms import MeasurementImportForm
from kpis.imports import COLUMNS, outcome_messages, rows_from_upload
from kpis.models import IngestBatch, Measurement
from kpis.services import IngestRejected, IngestResult, measurements_ingest

# Shown on the import page under the columns the import reads (kpis.imports.COLUMNS): an
# instant of a subject, and a period of the programme as a whole.
IMPORT_EXAMPLES = (
    {
        "kpi": "gpu_utilization",
        "subject": "cluster-a",
        "at": "2026-04-01T09:00:00+09:00",
        "value": "71.5",
        "unit": "%",
    },
    {
        "kpi": "inference_cost",
        "start": "2026-04-01T00:00:00+09:00",
        "end": "2026-05-01T00:00:00+09:00",
        "value": "0.42",
        "unit": "JPY/1k tokens",
    },
)
# The subject filter's value for measurements of the programme as a whole (empty subject),
# which a list filter cannot carry as an empty parameter.
PROGRAMME_SUBJECT = "__programme__"


def batch_measurements_url(batch: IngestBatch) -> str:
    query = urlencode({"batch__id__exact": batch.pk})
    return f"{reverse('admin:kpis_measurement_changelist')}?{query}"


def exact_value(value: float, unit: str) -> str:
    """A stored value as it is, for the audit trail: ten significant digits, no rounding
    to the board's three."""
    label = Unit(unit).label if unit in Unit.values else unit
    return f"{value:.10g} {label}"


class KPIFilter(admin.SimpleListFilter):
    """By KPI; the choices are the KPI definitions, so nothing counts measurements."""

    title = _("KPI")
    parameter_name = "kpi"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        kpis = selectors.kpis_visible_to(request.user).order_by("order", "code")
        return [(str(kpi.pk), f"{kpi.code}: {kpi.name}") for kpi in kpis]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if _is_id(self.value()):
            return queryset.filter(kpi_id=int(self.value()))
        return queryset


class SubjectFilter(admin.SimpleListFilter):
    """By subject of the KPI chosen; its subjects come from the monthly values."""

    title = _("subject")
    parameter_name = "subject"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        kpi_id = request.GET.get(KPIFilter.parameter_name, "")
        if not _is_id(kpi_id):
            return []
        kpi = selectors.kpis_visible_to(request.user).filter(pk=int(kpi_id)).first()
        if kpi is None:
            return []
        subjects = selectors.kpi_subjects(kpi=kpi)
        return [
            (subject or PROGRAMME_SUBJECT, subject or gettext("(programme as a whole)"))
            for subject in subjects
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() is None:
            return queryset
        return queryset.filter(subject="" if self.value() == PROGRAMME_SUBJECT else self.value())


@admin.register(Measurement)
class MeasurementAdmin(AppendOnlyAdmin):
    change_list_template = "admin/kpis/measurement/change_list.html"
    list_display = (
        "kpi_code",
        "organization",
        "subject",
        "start",
        "end",
        "value_with_unit",
        "batch_link",
        "correction",
    )
    list_filter = (KPIFilter, SubjectFilter, "batch__source")
    list_select_related = ("kpi", "batch", "organization", "superseded_by")
    # Newest recorded first: the primary key serves it at any size. A default order by
    # time, with no KPI and subject chosen, sorted the whole table (2.3 s for 5 million
    # measurements on PostgreSQL; 0.1 s once a KPI is chosen).
    ordering = ("-id",)
    sortable_by = ("start",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 100
    fields = (
        "kpi",
        "organization",
        "subject",
        "start",
        "end",
        "value_with_unit",
        "batch_link",
        "supersedes",
        "superseded_by_link",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Measurement]:
        # The changelist skips list_select_related for a queryset that already selects
        # related rows, as the selector's does: name them all here.
        return selectors.measurements_visible_to(request.user).select_related(
            *self.list_select_related
        )

    def get_urls(self) -> list:
        upload = path(
            "import/",
            self.admin_site.admin_view(self.import_view),
            name="kpis_measurement_import",
        )
        return [upload, *super().get_urls()]

    @admin.display(description=_("KPI"))
    def kpi_code(self, measurement: Measurement) -> str:
        return measurement.kpi.code

    @admin.display(description=_("value"))
    def value_with_unit(self, measurement: Measurement) -> str:
        return exact_value(measurement.value, measurement.kpi.unit)

    @admin.display(description=_("ingest batch"))
    def batch_link(self, measurement: Measurement) -> SafeString:
        url = reverse("admin:kpis_ingestbatch_change", args=[measurement.batch_id])
        return format_html('<a href="{}">#{}</a>', url, measurement.batch_id)

    @admin.display(description=_("correction"))
    def correction(self, measurement: Measurement) -> SafeString | str:
        parts = []
        if measurement.supersedes_id is not None:
            url = reverse("admin:kpis_measurement_change", args=[measurement.supersedes_id])
            parts.append(
                format_html(
                    '{} <a href="{}">#{}</a>', gettext("corrects"), url, measurement.supersedes_id
                )
            )
        successor = _successor(measurement)
        if successor is not None:
            url = reverse("admin:kpis_measurement_change", args=[successor.pk])
            parts.append(
                format_html('{} <a href="{}">#{}</a>', gettext("superseded by"), url, successor.pk)
            )
        return _joined(parts) if parts else self.get_empty_value_display()

    @admin.display(description=_("superseded by"))
    def superseded_by_link(self, measurement: Measurement) -> SafeString | str:
        successor = _successor(measurement)
        if successor is None:
            return gettext("Current: not superseded.")
        url = reverse("admin:kpis_measurement_change", args=[successor.pk])
        return format_html('<a href="{}">{}</a>', url, successor)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {"may_import": _may_import(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    # ----------------------------------------------------------------------- the import

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Import a CSV or Excel file as one batch through ``measurements_ingest``.

        A rejected file is shown again with every bad line; nothing of it is stored.
        """
        if not _may_import(request):
            raise PermissionDenied
        rejection: IngestRejected | None = None
        if request.method == "POST":
            form = MeasurementImportForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    result = self._ingest(request, form)
                except IngestRejected as error:
                    rejection = error
                except ValidationError as error:
                    if hasattr(error, "error_dict"):
                        add_service_errors(form, error)
                    else:
                        form.add_error("file", error)
                else:
                    self._report(request, result)
                    url = reverse("admin:kpis_ingestbatch_change", args=[result.batch.pk])
                    return HttpResponseRedirect(url)
        else:
            form = MeasurementImportForm()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import measurements"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "rejection": rejection,
            "rejection_lines": rejection.lines() if rejection else [],
            "columns": COLUMNS,
            "examples": [[row.get(column, "") for column in COLUMNS] for row in IMPORT_EXAMPLES],
        }
        request.current_app = self.admin_site.name
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(
            request, "admin/kpis/measurement/import.html", context, status=status
        )

    def _ingest(self, request: HttpRequest, form: MeasurementImportForm) -> IngestResult:
        upload = form.cleaned_data["file"]
        return measurements_ingest(
            rows=rows_from_upload(upload),
            source=BatchSource.FILE,
            actor=request.user,
            organization=form.cleaned_data["organization"],
            numbering="line",
            max_rows=settings.KPI_FILE_IMPORT_MAX_ROWS,
            file_name=upload.name,
        )

    def _report(self, request: HttpRequest, result: IngestResult) -> None:
        for level, text in outcome_messages(result):
            self.message_user(request, text, level)


def _may_import(request: HttpRequest) -> bool:
    # The ingest service refuses policy staff too; the page is not even offered to them.
    return request.user.is_pmo and request.user.has_perm("kpis.add_measurement")


def _successor(measurement: Measurement) -> Measurement | None:
    try:
        return measurement.superseded_by
    except ObjectDoesNotExist:
        return None


def _joined(parts: list[SafeString]) -> SafeString:
    return format_html("; ".join(["{}"] * len(parts)), *parts)


@admin.register(IngestBatch)
class IngestBatchAdmin(AppendOnlyAdmin):
    """Every delivery of measurements: who, when, how, how many, and the checksum."""

    list_display = (
        "batch_number",
        "received_at",
        "source",
        "organization",
        "submitted_by",
        "row_count",
        "superseded_count",
        "unchanged_count",
        "short_checksum",
        "file_name",
        "measurements_link",
    )
    list_filter = ("source", "organization")
    list_select_related = ("organization", "submitted_by")
    ordering = ("-received_at", "-pk")
    search_fields = ("checksum", "file_name")
    show_full_result_count = False
    fields = (
        "batch_number",
        "received_at",
        "source",
        "organization",
        "submitted_by",
        "row_count",
        "superseded_count",
        "unchanged_count",
        "checksum",
        "file_name",
        "measurements_link",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[IngestBatch]:
        return selectors.batches_visible_to(request.user)

    @admin.display(description=_("batch"), ordering="pk")
    def batch_number(self, batch: IngestBatch) -> str:
        return f"#{batch.pk}"

    @admin.display(description=_("checksum (SHA-256)"))
    def short_checksum(self, batch: IngestBatch) -> SafeString:
        return format_html('<code title="{}">{}…</code>', batch.checksum, batch.checksum[:12])

    @admin.display(description=_("measurements"))
    def measurements_link(self, batch: IngestBatch) -> SafeString | str:
        if batch.pk is None:
            return ""
        return format_html(
            '<a href="{}">{}</a>', batch_measurements_url(batch), gettext("Measurements")
        )


def _is_id(value: str | None) -> bool:
    # str.isdigit() accepts "²", which int() refuses.
    return bool(value) and value.isascii() and value.isdigit()
