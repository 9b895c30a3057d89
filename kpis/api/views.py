"""The bulk measurement endpoint: reshape the JSON into rows, call the ingest service.

Every rule (units, ranges, time zones, who may record what, the row limit, duplicates) is
the service's; the view only turns the body into :class:`MeasurementRow`s and the
service's refusals into the API's one error shape::

    {"code": "invalid", "message": "…", "errors": [{"row": 3, "field": "value", "message": "…"}]}

Rows are numbered from 1 as in the ``measurements`` array; ``row`` is null for an error
about the whole request.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jvtracker.common.api.errors import BodyTooLarge, ErrorSerializer  # noqa: F401
from jvtracker.common.api.parsers import LimitedJSONParser
from jvtracker.models import Organization
from kpis.api.serializers import IngestResultSerializer, MeasurementBatchSerializer
from kpis.choices import BatchSource
from kpis.services import IngestRejected, MeasurementRow, RowError, measurements_ingest

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


class MeasurementIngestView(APIView):
    """``POST /api/v1/measurements/`` (URL name ``kpis-api:measurements``)."""

    parser_classes = [LimitedJSONParser]

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
