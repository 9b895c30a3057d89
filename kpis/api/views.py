"""The KPI API: definitions with their status at a gate and their series, measurements
(listed, and stored in bulk), ingest batches and incidents. HTTP only: every rule is in
``kpis.services`` and every read, role filtering included, in ``kpis.selectors``.

The bulk measurement endpoint reshapes the JSON into rows and calls the ingest service.
Every rule (units, ranges, time zones, who may record what, the row limit, duplicates) is
the service's; the view only turns the body into :class:`MeasurementRow`s and the
service's refusals into the API's one error shape::

    {"code": "invalid", "message": "…", "errors": [{"row": 3, "field": "value", "message": "…"}]}

Rows are numbered from 1 as in the ``measurements`` array; ``row`` is null for an error
about the whole request.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.request import Request
from rest_framework.response import Response

from jvtracker.common.api.errors import BodyTooLarge, ErrorSerializer  # noqa: F401
from jvtracker.common.api.filters import StrictFilterBackend
from jvtracker.common.api.pagination import CursorPagePagination
from jvtracker.common.api.parsers import LimitedJSONParser
from jvtracker.common.api.representation import prefetched_list
from jvtracker.common.api.viewsets import ServiceViewSet
from jvtracker.models import Organization
from jvtracker.roles import reading_role
from kpis.api.serializers import (
    GateQuerySerializer,
    GateStatusSerializer,
    IncidentSerializer,
    IngestBatchSerializer,
    IngestResultSerializer,
    KPIDefinitionSerializer,
    KPISeriesSerializer,
    MeasurementBatchSerializer,
    MeasurementSerializer,
    SeriesQuerySerializer,
)
from kpis.choices import BatchSource
from kpis.filters import (
    IncidentFilterSet,
    IngestBatchFilterSet,
    KPIDefinitionFilterSet,
    MeasurementFilterSet,
)
from kpis.models import Incident, KPIDefinition, KPITarget, Measurement
from kpis.selectors import (
    batches_visible_to,
    gate_moment,
    incidents_visible_to,
    kpi_monthly_series,
    kpi_statuses,
    kpi_subject_monthly_series,
    kpis_visible_to,
    measurements_visible_to,
    next_gate,
)
from kpis.services import (
    IngestRejected,
    MeasurementRow,
    RowError,
    incident_save,
    kpi_save,
    measurements_ingest,
)

ROW_FIELDS = frozenset({"kpi", "subject", "at", "start", "end", "value", "unit"})
BODY_FIELDS = frozenset({"measurements", "organization"})


def _batch_from_body(data: object) -> tuple[list[MeasurementRow], Organization | None]:
    """The body as rows for the service and the organization it names. A row given as an
    instant (``at``) says so, so the service reports its time errors under ``at``."""
    usage = _(
        "The body must be a JSON object with a “measurements” list of objects, "
        'e.g. {"measurements": [{"kpi": …, "at": …, "value": …, "unit": …}]}.'
    )
    if not isinstance(data, dict):
        raise IngestRejected([RowError(0, "measurements", usage)])
    errors = _unknown_fields(0, data.keys() - BODY_FIELDS)
    items = data.get("measurements")
    if not isinstance(items, list):
        raise IngestRejected([*errors, RowError(0, "measurements", usage)])
    organization = _organization(data.get("organization"), errors)
    limit = settings.KPI_INGEST_MAX_ROWS
    if len(items) > limit:
        # Refused before reshaping: a 10 MB body can hold millions of tiny rows.
        # Same words as the service's own check.
        errors.append(
            RowError(
                0,
                "measurements",
                _("A batch may hold at most %(limit)s measurements; this one has %(count)s.")
                % {"limit": f"{limit:,}", "count": f"{len(items):,}"},
            )
        )
    if errors:
        raise IngestRejected(errors)

    rows: list[MeasurementRow] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(
                RowError(number, "measurements", _("Each measurement must be a JSON object."))
            )
            continue
        errors.extend(_unknown_fields(number, item.keys() - ROW_FIELDS))
        at, start, end = item.get("at"), item.get("start"), item.get("end")
        if at is not None:
            errors.extend(_instant_errors(number, start=start, end=end))
        rows.append(
            MeasurementRow(
                number=number,
                kpi=item.get("kpi"),
                value=item.get("value"),
                unit=item.get("unit"),
                start=at if at is not None else start,
                start_field="at" if at is not None else "start",
                end=end,
                subject=item.get("subject", ""),
            )
        )
    if errors:
        raise IngestRejected(errors)
    return rows, organization


def _unknown_fields(number: int, keys: set[str]) -> list[RowError]:
    # Named rather than ignored: a misspelt "unti" would otherwise read as a missing unit.
    return [
        RowError(number, key, _("Unknown field “%(field)s”.") % {"field": key})
        for key in sorted(keys)
    ]


def _instant_errors(number: int, *, start: object, end: object) -> list[RowError]:
    errors = []
    if start is not None:
        errors.append(
            RowError(
                number, "at", _("Give either “at” (an instant) or “start” (a period), not both.")
            )
        )
    if end is not None:
        errors.append(
            RowError(
                number,
                "end",
                _("An instant (“at”) has no end; give “start” and “end” for a period."),
            )
        )
    return errors


def _organization(org_id: object, errors: list[RowError]) -> Organization | None:
    """The organization named by id, if any; a bad or unknown id is added to ``errors``.
    Whether the caller may name it is the service's rule."""
    if org_id is None:
        return None
    if isinstance(org_id, bool) or not isinstance(org_id, int):
        errors.append(RowError(0, "organization", _("The organization must be given by its id.")))
        return None
    organization = Organization.objects.filter(pk=org_id).first()
    if organization is None:
        errors.append(
            RowError(
                0, "organization", _("There is no organization with id %(id)s.") % {"id": org_id}
            )
        )
    return organization


ERROR_EXAMPLE = {
    "code": "invalid",
    "message": "The batch was rejected: 1 row has errors. Nothing was stored.",
    "errors": [{"row": 2, "field": "value", "message": "A percentage must be between 0 and 100."}],
}


class MeasurementCursorPagination(CursorPagePagination):
    """Pages of at most ``API_MAX_PAGE_SIZE`` measurements, newest first, linked by an
    opaque cursor: no COUNT over millions of rows, and no page shifts while batches arrive.
    The order is fixed (the id, which is indexed and unique) so a cursor is a plain seek."""

    ordering = "-id"

    def __init__(self) -> None:
        # Read per request (the paginator is made per view), not frozen at import.
        self.page_size = settings.API_PAGE_SIZE
        self.max_page_size = settings.API_MAX_PAGE_SIZE


class MeasurementView(ListModelMixin, GenericAPIView):
    """``GET /api/v1/measurements/`` lists, ``POST`` stores a batch (URL name
    ``kpis-api:measurements``).

    Authentication is all the view asks for: who may record which KPI for which
    organization is the ingest service's rule, and what a user reads is the selector's.
    """

    parser_classes = [LimitedJSONParser]
    serializer_class = MeasurementSerializer

    @property
    def body_too_large_hint(self) -> str:
        return _("Send at most %(rows)s measurements a request.") % {
            "rows": f"{settings.KPI_INGEST_MAX_ROWS:,}"
        }

    pagination_class = MeasurementCursorPagination
    filter_backends = [StrictFilterBackend]
    filterset_class = MeasurementFilterSet

    def get_serializer_class(self) -> type:
        # What OPTIONS describes for POST; the POST itself runs no serializer per row.
        if self.request.method == "POST":
            return MeasurementBatchSerializer
        return MeasurementSerializer

    def get_queryset(self) -> QuerySet[Measurement]:
        return measurements_visible_to(self.request.user).select_related(
            "organization", "superseded_by"
        )

    @extend_schema(
        operation_id="measurements_list",
        tags=["kpis"],
        summary=gettext_lazy("List measurements"),
        description=gettext_lazy(
            "Current measurements (not superseded by a correction) unless "
            "`include_superseded=true`, newest first, in pages linked by `next` and "
            "`previous` cursors. Partners see their own organization's only."
        ),
    )
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        operation_id="measurements_ingest",
        tags=["kpis"],
        summary=gettext_lazy("Store a batch of measurements"),
        description=gettext_lazy(
            "Up to 10,000 measurements, stored all or nothing. Each is an instant (`at`) "
            "or a period (`start`, optional `end`), in ISO 8601 with a time zone, with a "
            "value in the KPI's unit or one exactly convertible to it. A rejected batch "
            "answers 400 naming every bad row (rows numbered from 1) and stores nothing. "
            "The same rows sent again are recognised: 200 with the earlier batch."
        ),
        request=MeasurementBatchSerializer,
        responses={
            201: IngestResultSerializer,
            200: IngestResultSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
        },
        examples=[
            OpenApiExample(
                "Two measurements",
                request_only=True,
                value={
                    "measurements": [
                        {
                            "kpi": "gpu_utilization",
                            "subject": "cluster-a",
                            "at": "2027-04-01T09:00:00+09:00",
                            "value": 71.5,
                            "unit": "%",
                        },
                        {
                            "kpi": "inference_cost",
                            "start": "2027-04-01T00:00:00+09:00",
                            "end": "2027-05-01T00:00:00+09:00",
                            "value": 0.42,
                            "unit": "JPY/1k tokens",
                        },
                    ]
                },
            ),
            OpenApiExample(
                "Stored",
                response_only=True,
                status_codes=["201"],
                value={
                    "batch": 42,
                    "stored": 2,
                    "superseded": 0,
                    "unchanged": 0,
                    "duplicate": False,
                    "checksum": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                },
            ),
            OpenApiExample(
                "Rejected", response_only=True, status_codes=["400"], value=ERROR_EXAMPLE
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        rows, organization = _batch_from_body(request.data)
        result = measurements_ingest(
            rows=rows,
            source=BatchSource.API,
            actor=request.user,
            organization=organization,
            numbering="row",
            max_rows=settings.KPI_INGEST_MAX_ROWS,
        )
        return Response(
            {
                "batch": result.batch.pk,
                "stored": result.stored,
                "superseded": result.superseded,
                "unchanged": result.unchanged,
                "duplicate": not result.created,
                "checksum": result.batch.checksum,
            },
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class IngestBatchViewSet(ServiceViewSet):
    """Ingest batches: who sent which measurements, when, by which path; read-only (the
    batch is written by the ingest service alone). Partners see their own organization's."""

    selector = batches_visible_to
    serializer_class = IngestBatchSerializer
    filterset_class = IngestBatchFilterSet
    ordering_fields = ["received_at", "id"]
    ordering = ["-received_at", "-id"]
    http_method_names = ["get", "head", "options"]


class KPIDefinitionViewSet(ServiceViewSet):
    """The programme's KPIs, addressed by code, with their targets per gate; every role
    reads them, the PMO defines them. ``status/`` judges every KPI at a gate, and a KPI's
    ``series/`` gives its monthly values."""

    selector = kpis_visible_to
    serializer_class = KPIDefinitionSerializer
    filterset_class = KPIDefinitionFilterSet
    lookup_field = "code"
    # A KPI code is a slug; anything else cannot name one.
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    ordering_fields = ["order", "code"]
    ordering = ["order", "code"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[KPIDefinition]:
        kpis = super().get_queryset()
        if self.action in ("gate_status", "series"):
            return kpis  # they read targets and values through their own selectors
        targets = KPITarget.objects.select_related("gate").order_by(
            "gate__review_date", "gate__kind"
        )
        return kpis.prefetch_related(prefetched_list("targets", targets))

    def save_object(self, instance: KPIDefinition, data: dict, *, created: bool) -> KPIDefinition:
        return kpi_save(kpi=instance, actor=self.request.user)

    @extend_schema(
        operation_id="kpis_status",
        summary=gettext_lazy("Every KPI's status at a gate"),
        description=gettext_lazy(
            "Each KPI's target and amber bound at the gate, its latest month with data and "
            "that month's value, its status (green, amber, red, no_data; null without a "
            "target) and the trend of the twelve months up to the moment the gate is "
            "judged at. Programme-level figures: every role reads them."
        ),
        parameters=[GateQuerySerializer],
        responses={200: GateStatusSerializer},
    )
    @action(detail=False, methods=["get"], url_path="status", url_name="status")
    def gate_status(self, request: Request) -> Response:
        query = GateQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        gate = query.validated_data.get("gate")
        if gate is None and reading_role(request.user) is not None:
            gate = next_gate()
        if gate is None:
            raise exceptions.NotFound(_("No stage gate is recorded yet."))
        # One call for every KPI: its query count does not grow with the KPIs.
        statuses = kpi_statuses(gate=gate, kpis=list(self.get_queryset()))
        body = {
            "gate": {
                "id": gate.pk,
                "code": gate.code,
                "title": gate.title,
                "review_date": gate.review_date,
            },
            "at": statuses[0].at if statuses else gate_moment(gate),
            "kpis": [
                {
                    "kpi": s.kpi,
                    "target": s.target,
                    "month": s.month,
                    "value": s.value,
                    "status": s.status,
                    "trend": [{"month": month, "value": value} for month, value in s.trend],
                }
                for s in statuses
            ],
        }
        return Response(GateStatusSerializer(body).data)

    @extend_schema(
        operation_id="kpis_series",
        summary=gettext_lazy("A KPI's monthly series"),
        description=gettext_lazy(
            "The KPI's value for every month with data, its subjects combined, or one "
            "subject's with `subject`."
        ),
        parameters=[SeriesQuerySerializer],
        responses={200: KPISeriesSerializer},
    )
    @action(detail=True, methods=["get"])
    def series(self, request: Request, code: str | None = None) -> Response:
        kpi = self.get_object()
        query = SeriesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        bounds = {key: query.validated_data.get(key) for key in ("first", "last")}
        subject = query.validated_data.get("subject")
        if subject is None:
            months = kpi_monthly_series(kpi=kpi, **bounds)
        else:
            months = kpi_subject_monthly_series(
                kpi=kpi, subject=subject, user=request.user, **bounds
            )
        body = {
            "kpi": kpi.code,
            "unit": kpi.unit,
            "subject": subject,
            "months": [{"month": month, "value": value} for month, value in months],
        }
        return Response(KPISeriesSerializer(body).data)


class IncidentViewSet(ServiceViewSet):
    """Incidents: the PMO records them for any organization, a partner for their own;
    policy staff read them all, partners their own."""

    selector = incidents_visible_to
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    ordering_fields = ["occurred_on", "severity", "id"]
    ordering = ["-occurred_on", "-id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def save_object(self, instance: Incident, data: dict, *, created: bool) -> Incident:
        return incident_save(incident=instance, actor=self.request.user)
