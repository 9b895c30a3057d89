"""The API's one error shape and DRF's exception handler that produces it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings


class ErrorItemSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True,
        help_text="The element of a bulk request, from 1; null for anything else.",
    )
    field = serializers.CharField(
        help_text="The field at fault, or non_field_errors for the request as a whole."
    )
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    code = serializers.CharField(
        help_text=(
            "invalid, parse_error, too_large, not_authenticated, authentication_failed, "
            "permission_denied, not_found, method_not_allowed, not_acceptable, "
            "unsupported_media_type, throttled, conflict"
        )
    )
    message = serializers.CharField(help_text="What went wrong, in the request's language.")
    errors = ErrorItemSerializer(many=True)


class BodyTooLarge(exceptions.APIException):
    # 400 like every other refusal of the request's content (the API contract).
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "too_large"

    def __init__(self, hint: str = "") -> None:
        message = _("The request body is larger than %(limit)s bytes.") % {
            "limit": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}"
        }
        super().__init__(f"{message} {hint}".strip())


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _error(code: str, message: str, errors: list[dict], status_code: int) -> Response:
    return Response({"code": code, "message": message, "errors": errors}, status=status_code)


def _whole(field: str, message: str) -> dict:
    return {"row": None, "field": field, "message": message}


def _flatten(detail: object, prefix: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list, fields joined by dots (``datasets.2``)."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            name = NON_FIELD_ERRORS if key == api_settings.NON_FIELD_ERRORS_KEY else str(key)
            items.extend(_flatten(value, f"{prefix}.{name}" if prefix else name))
        return items
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [_whole(prefix or NON_FIELD_ERRORS, str(item)) for item in detail]
        items = []
        for index, value in enumerate(detail):
            if value:
                items.extend(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return items
    return [_whole(prefix or NON_FIELD_ERRORS, str(detail))]


def api_error_response(exc: Exception, context: dict) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: every refusal as ``{"code", "message", "errors"}``.

    Django's ``ValidationError`` (what services raise) is a 400 naming its fields,
    ``PermissionDenied`` a 403, ``Http404`` a 404, a unique or foreign-key race lost in the
    database a 409. Anything else is re-raised (None): a bug, which must show as one.
    """
    from kpis.services import IngestRejected  # the bulk ingest's own row-numbered errors

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
    if isinstance(exc, IntegrityError):
        exc = Conflict(
            _("The change conflicts with one made at the same moment; read the data again.")
        )
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return _error(
            "too_large",
            _("The request has too many fields or files."),
            [],
            status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RequestDataTooBig):
        # A view may say what to send instead (the bulk ingest: fewer rows).
        exc = BodyTooLarge(getattr(context.get("view"), "body_too_large_hint", ""))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if not isinstance(exc, exceptions.APIException):
        return None
    # A body the API cannot read is bad input like any other: 400, not 415.
    status_code = (
        status.HTTP_400_BAD_REQUEST
        if isinstance(exc, exceptions.UnsupportedMediaType)
        else exc.status_code
    )
    detail = exc.detail
    if isinstance(detail, str):
        response = _error(getattr(detail, "code", exc.default_code), str(detail), [], status_code)
    else:
        errors = _flatten(detail)
        message = " ".join(
            e["message"] if e["field"] == NON_FIELD_ERRORS else f"{e['field']}: {e['message']}"
            for e in errors
        )
        response = _error(exc.default_code, message, errors, status_code)
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response
