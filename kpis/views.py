"""KPI pages outside the admin: the board for everyone who reads the programme, and the
measurements page where a partner (or the PMO) records figures.

Thin like the API: the board's rows are the admin's (``kpis.board``), reads go through
``kpis.selectors`` and every measurement enters through ``measurements_ingest``, which
judges who may record what.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from datagov.forms import add_service_errors
from jvtracker.models import User
from jvtracker.roles import reading_role
from kpis import selectors
from kpis.admin.base import kpi_value
from kpis.board import board_rows, board_summary, with_admin_links
from kpis.choices import BatchSource, Unit
from kpis.forms import GateChoiceForm, MeasurementImportForm, MeasurementRecordForm
from kpis.imports import COLUMNS, outcome_messages, rows_from_upload
from kpis.models import KPIDefinition
from kpis.services import (
    IngestRejected,
    IngestResult,
    MeasurementRow,
    may_record_batches,
    measurements_ingest,
)
from kpis.services.ingest import position
from kpis.units import symbols_for

# The measurements page lists this many of the latest batches.
RECENT_BATCHES = 20
# A rejected file shows at most this many of its errors beside the field.
SHOWN_FILE_ERRORS = 50
# The two forms of the measurements page, told apart by their prefix.
UPLOAD, RECORD = "upload", "record"


# ------------------------------------------------------------------------------ the board


@require_safe
@login_required
def board(request: HttpRequest) -> TemplateResponse:
    """Every KPI the user may read against a gate's target: the next gate unless one is
    chosen, with a count of each status and each KPI's trend over twelve months."""
    if reading_role(request.user) is None:
        raise Http404
    status = 200
    if "gate" in request.GET:
        form = GateChoiceForm(request.GET)
        if form.is_valid():
            gate = form.cleaned_data["gate"] or selectors.next_gate()
        else:
            # The error stays beside the field; the board shows the next gate meanwhile
            # (without any gate there is no field, and nothing to choose).
            gate = selectors.next_gate()
            status = 400 if gate is not None else 200
    else:
        gate = selectors.next_gate()
        form = GateChoiceForm(initial={"gate": gate})
    rows = board_rows(request.user, gate)
    if request.user.is_pmo:
        # The PMO works in the admin: each KPI links to its page and measurement history.
        rows = with_admin_links(rows)
    context = {
        "title": _("KPI board"),
        "form": form,
        "gate": gate,
        "rows": rows,
        "summary": board_summary(rows) if rows else [],
    }
    return TemplateResponse(request, "kpis/board.html", context, status=status)


# ------------------------------------------------------------------------ measurements


def _forms(
    request: HttpRequest, kpis: QuerySet[KPIDefinition]
) -> tuple[MeasurementImportForm, MeasurementRecordForm]:
    user = request.user
    choose = user.is_pmo
    posted = request.POST.get("form") if request.method == "POST" else None
    upload = MeasurementImportForm(
        *((request.POST, request.FILES) if posted == UPLOAD else ()),
        prefix=UPLOAD,
        with_organization=choose,
    )
    record_data = (request.POST,) if posted == RECORD else ()
    now = timezone.localtime().replace(second=0, microsecond=0)
    record = MeasurementRecordForm(
        *record_data,
        prefix=RECORD,
        kpis=kpis,
        with_organization=choose,
        initial={"at": now},
    )
    return upload, record


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def measurements(request: HttpRequest) -> HttpResponse:
    """A partner uploads a CSV or Excel file of their organization's measurements, or
    records one, each as a batch through the ingest service; below, the recent batches
    and the KPIs they may record with their latest value. The PMO may use it too, naming
    the organization; policy staff, who never record, get 404."""
    if not may_record_batches(request.user):
        raise Http404
    kpis = selectors.kpis_recordable_by(request.user)
    upload, record = _forms(request, kpis)
    if request.method == "POST" and not (upload.is_bound or record.is_bound):
        # Neither form was sent (a hand-made request): say so rather than a bare 400.
        messages.error(request, _("Choose a file to upload, or fill in one measurement."))
    elif upload.is_bound and upload.is_valid():
        result = _ingest_file(request, upload)
        if result is not None:
            _report(request, result, file=True)
            return redirect("kpis:measurements")
    elif record.is_bound and record.is_valid():
        result = _ingest_one(request, record)
        if result is not None:
            _report(request, result, file=False)
            return redirect("kpis:measurements")
    context = {
        "title": _("KPI measurements"),
        "upload_form": upload,
        "record_form": record,
        "columns": _column_help(kpis.first()),
        "max_rows": f"{settings.KPI_FILE_IMPORT_MAX_ROWS:,}",
        "batches": selectors.batches_visible_to(request.user).order_by("-received_at", "-pk")[
            :RECENT_BATCHES
        ],
        "kpis": _with_latest(request.user, kpis),
        "organization": None if request.user.is_pmo else request.user.organization,
    }
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "kpis/measurements.html", context, status=status)


def _ingest_file(request: HttpRequest, form: MeasurementImportForm) -> IngestResult | None:
    """The file's batch, or None with the reasons added to the form."""
    upload = form.cleaned_data["file"]
    try:
        return measurements_ingest(
            rows=rows_from_upload(upload),
            source=BatchSource.FILE,
            actor=request.user,
            organization=form.cleaned_data.get("organization"),
            numbering="line",
            max_rows=settings.KPI_FILE_IMPORT_MAX_ROWS,
            file_name=upload.name,
        )
    except IngestRejected as rejection:
        form.add_error("file", _file_errors(rejection))
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            add_service_errors(form, error)
        else:
            form.add_error("file", error)
    return None


def _file_errors(rejection: IngestRejected) -> list[str]:
    """What is wrong with a file, in words: the summary, then each error naming its
    line and column (at most SHOWN_FILE_ERRORS of them)."""
    if not any(error.number for error in rejection.errors):
        # A refusal of the whole file: the summary says why.
        return [rejection.message]
    errors = [rejection.message]
    for error in rejection.errors[:SHOWN_FILE_ERRORS]:
        if not error.number:
            errors.append(error.message)
            continue
        where = position(rejection.numbering, error.number)
        if error.field in COLUMNS:
            errors.append(
                _("%(position)s, column “%(column)s”: %(message)s")
                % {"position": where, "column": error.field, "message": error.message}
            )
        else:
            errors.append(
                _("%(position)s, %(field)s: %(message)s")
                % {"position": where, "field": error.field, "message": error.message}
            )
    hidden = len(rejection.errors) - SHOWN_FILE_ERRORS
    if hidden > 0:
        errors.append(
            ngettext("…and %(count)s more error.", "…and %(count)s more errors.", hidden)
            % {"count": f"{hidden:,}"}
        )
    return errors


def _ingest_one(request: HttpRequest, form: MeasurementRecordForm) -> IngestResult | None:
    """The measurement's batch of one row, or None with the reasons beside the fields."""
    data = form.cleaned_data
    kpi = data["kpi"]
    row = MeasurementRow(
        number=1,
        kpi=kpi.code,
        value=data["value"],
        unit=data["unit"] or kpi.unit,
        start=data["at"].isoformat(),
        end=data["end"].isoformat() if data["end"] else None,
        subject=data["subject"],
        start_field="at",
    )
    try:
        return measurements_ingest(
            rows=[row],
            source=BatchSource.FORM,
            actor=request.user,
            organization=data.get("organization"),
            numbering="row",
        )
    except IngestRejected as rejection:
        for error in rejection.errors:
            field = "at" if error.field == "start" else error.field
            form.add_error(field if field in form.fields else None, error.message)
    except ValidationError as error:
        add_service_errors(form, error)
    return None


def _report(request: HttpRequest, result: IngestResult, *, file: bool) -> None:
    for level, text in outcome_messages(result, file=file):
        messages.add_message(request, level, text)


def _column_help(kpi: KPIDefinition | None) -> list[tuple[str, bool, str, str]]:
    """(column, required, meaning, example) for each column a file may have; the example
    KPI is one the user may record."""
    code, unit = (kpi.code, symbols_for(kpi.unit)[0]) if kpi else ("productivity_gain", "%")
    value = {Unit.COUNT: "3", Unit.YES_NO: "yes"}.get(kpi.unit if kpi else "", "12.5")
    return [
        ("kpi", True, _("The KPI's code, as listed below."), code),
        (
            "subject",
            False,
            _("A cluster, an industry or an adopter; empty for the programme as a whole."),
            "cluster-a",
        ),
        (
            "at",
            False,
            _("The moment of the measurement, ISO 8601 with a time zone. Give “at” or “start”."),
            "2026-04-01T09:00:00+09:00",
        ),
        ("start", False, _("The start of a period, instead of “at”."), ""),
        ("end", False, _("The end of a period, with “start”."), ""),
        ("value", True, _("The number (or yes/no)."), value),
        ("unit", True, _("The value's unit, e.g. “%” or “JPY/1k tokens”."), unit),
    ]


def _with_latest(user: User, kpis: QuerySet[KPIDefinition]) -> list[dict]:
    """Each KPI with the latest current measurement ``user`` may see, in one query."""
    latest = (
        selectors.measurements_visible_to(user)
        .filter(kpi=OuterRef("pk"), superseded_by__isnull=True)
        .order_by("-start", "-id")
    )
    annotated = kpis.annotate(
        latest_value=Subquery(latest.values("value")[:1]),
        latest_start=Subquery(latest.values("start")[:1]),
        latest_subject=Subquery(latest.values("subject")[:1]),
    )
    return [
        {
            "kpi": kpi,
            "unit": Unit(kpi.unit).label,
            "symbols": symbols_for(kpi.unit),
            "value": kpi_value(kpi.latest_value, kpi.unit),
            "at": kpi.latest_start,
            "subject": kpi.latest_subject,
        }
        for kpi in annotated
    ]


@require_safe
@login_required
def measurements_template(request: HttpRequest) -> HttpResponse:
    """A CSV to fill in: the header, then a line per KPI the user may record with an
    example time and its unit, the value left for the user."""
    if not may_record_batches(request.user):
        raise Http404
    month_start = timezone.localtime().replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    at = month_start.isoformat(timespec="seconds")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for kpi in selectors.kpis_recordable_by(request.user):
        row = {"kpi": kpi.code, "at": at, "unit": symbols_for(kpi.unit)[0]}
        writer.writerow([row.get(column, "") for column in COLUMNS])
    # With a byte-order mark, so Excel opens it as UTF-8.
    response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kpi-measurements-template.csv"'
    return response
