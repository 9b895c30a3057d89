"""The site's front door: each role lands where its work is."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponseRedirect:
    """Staff (PMO, policy staff) to the admin; partners, who are not staff, to their
    documents; anyone not signed in to the login page that serves both."""
    if not request.user.is_authenticated:
        return redirect("login")
    if request.user.is_staff:
        return redirect("admin:index")
    return redirect("datagov:documents")
