"""KPI pages outside the admin."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def board(request: HttpRequest) -> HttpResponse:
    raise Http404


def measurements(request: HttpRequest) -> HttpResponse:
    raise Http404
