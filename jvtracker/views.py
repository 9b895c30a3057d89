"""The site's front door: each role lands where its work is."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import defaults


def home(request: HttpRequest) -> HttpResponseRedirect:
    """Partners to their organization's contracts, the PMO and policy staff to the
    programme dashboard; anyone not signed in to the login page that serves both."""
    if not request.user.is_authenticated:
        return redirect("login")
    if request.user.is_partner:
        return redirect("datagov:contracts")
    return redirect("dashboard")


def dashboard(request: HttpRequest) -> HttpResponse:
    raise Http404  # filled in by the dashboard work


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Under /api/ a path that matches no route answers the API's error shape, not HTML."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "message": _("No such API path."), "errors": []}, status=404
        )
    return defaults.page_not_found(request, exception)
