"""The bulk measurement endpoint: reshape the JSON into rows, call the ingest service.

Every rule (units, ranges, time zones, who may record what, the row limit, duplicates) is
the service's; the view only turns the body into :class:`MeasurementRow`s and the
service's refusals into the API's one error shape::

    {"code": "invalid", "message": "…", "errors": [{"row": 3, "field": "value", "message": "…"}]}

Rows are numbered from 1 as in the ``measurements`` array; ``row`` is null for an error
about the whole request.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, ValidationError
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.json import strict_constant
from rest_framework.views import APIView

from jvtracker.models import Organization
from kpis.api.serializers import (
    ErrorSerializer,
    IngestResultSerializer,
    MeasurementBatchSerializer,
)
from kpis.choices import BatchSource
from kpis.services import IngestRejected, MeasurementRow, RowError, measurements_ingest

ROW_FIELDS = frozenset({"kpi", "subject", "at", "start", "end", "value", "unit"})
BODY_FIELDS = frozenset({"measurements", "organization"})


class BodyTooLarge(exceptions.APIException):
    # 400 like every other refusal of the request's content (the API contract).
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "too_large"

    def __init__(self) -> None:
        super().__init__(
            _(
                "The request body is larger than %(limit)s bytes; "
                "send at most %(rows)s measurements a request."
            )
            % {
                "limit": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}",
                "rows": f"{settings.KPI_INGEST_MAX_ROWS:,}",
            }
        )


class LimitedJSONParser(JSONParser):
    """JSON of at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes; NaN and Infinity literals
    are refused (they are not JSON).

    DRF reads a JSON body through ``request.body``, where Django enforces the limit
    (raising RequestDataTooBig, answered as :class:`BodyTooLarge`). Reading at most one
    byte past the limit here keeps the bound should the parser be handed a raw stream.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise BodyTooLarge()
        try:
            return json.loads(body, parse_constant=strict_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise exceptions.ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": error}
            ) from None
        except RecursionError:
            # Thousands of nested brackets exhaust the parser's stack.
            raise exceptions.ParseError(_("The body's JSON is nested too deeply.")) from None


def _error(code: str, message: str, errors: list[dict], status_code: int) -> Response:
    return Response({"code": code, "message": message, "errors": errors}, status=status_code)


def _whole(field: str, message: str) -> dict:
    return {"row": None, "field": field, "message": message}


def api_error_response(exc: Exception, context: dict) -> Response | None:
    """Every refusal of the API as ``{"code", "message", "errors"}``; None re-raises."""
    if isinstance(exc, IngestRejected):
        return _error(
            "invalid",
            exc.message,
            [{"row": e.number or None, "field": e.field, "message": e.message} for e in exc.errors],
            status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, ValidationError):
        errors = (
            [_whole(field, m) for field, messages in exc.message_dict.items() for m in messages]
            if hasattr(exc, "error_dict")
            else [_whole(NON_FIELD_ERRORS, m) for m in exc.messages]
        )
        return _error(
            "invalid", " ".join(e["message"] for e in errors), errors, status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, exceptions.APIException):
        # A body the API cannot read is bad input like any other: 400, not 415.
        status_code = (
            status.HTTP_400_BAD_REQUEST
            if isinstance(exc, exceptions.UnsupportedMediaType)
            else exc.status_code
        )
        detail = exc.detail
        if isinstance(detail, str):
            response = _error(
                getattr(detail, "code", exc.default_code), str(detail), [], status_code
            )
        else:
            # A DRF ValidationError's fields (none of this view's own, but one shape).
            items = detail.items() if isinstance(detail, dict) else [(NON_FIELD_ERRORS, detail)]
            errors = [
                _whole(field, str(m))
                for field, messages in items
                for m in (messages if isinstance(messages, list) else [messages])
            ]
            message = " ".join(e["message"] for e in errors)
            response = _error(exc.default_code, message, errors, status_code)
        if getattr(exc, "auth_header", None):
            response["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            response["Retry-After"] = str(int(exc.wait))
        return response
    return None


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

    def get_exception_handler(self):
        return api_error_response

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
