"""The site's front door: each role lands where its work is."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import defaults


def home(request: HttpRequest) -> HttpResponseRedirect:
    """Staff (PMO, policy staff) to the admin; partners, who are not staff, to their
    documents; anyone not signed in to the login page that serves both."""
    if not request.user.is_authenticated:
        return redirect("login")
    if request.user.is_staff:
        return redirect("admin:index")
    return redirect("datagov:documents")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Under /api/ a path that matches no route answers the API's error shape, not HTML."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "message": _("No such API path."), "errors": []}, status=404
        )
    return defaults.page_not_found(request, exception)
