"""Signing in on the pages, the admin's included, under the same limits as the API's token
login: per client address and per username from anywhere, counted in the shared cache."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.forms.utils import ErrorDict, ErrorList
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jvtracker.api.auth import LoginAddressThrottle, LoginUsernameThrottle
from jvtracker.language import remember_language


def login_wait(request: HttpRequest) -> int | None:
    """Seconds until ``request`` may try to sign in again, or None if it may now. Every
    attempt counts, as at the API, so guessing is slow whichever door it uses."""
    waits = []
    for throttle in (LoginAddressThrottle(), LoginUsernameThrottle()):
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 1)
    return math.ceil(max(waits)) if waits else None


class ThrottledLoginView(auth_views.LoginView):
    """Django's login view; beyond the limit it answers 429 with the form, the username
    kept and the reason above it, without checking the password."""

    def get_redirect_url(self) -> str:
        # A "next" naming the login page itself would send a signed-in user round in a
        # loop (Django refuses with a 500): go to their front door instead.
        url = super().get_redirect_url()
        return "" if url and urlsplit(url).path == self.request.path else url

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        remember_language(self.request, response)
        return response

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wait = login_wait(request)
        if wait is None:
            return super().post(request, *args, **kwargs)
        form = self.get_form_class()(request, data={"username": request.POST.get("username", "")})
        form.cleaned_data = {}
        form._errors = ErrorDict(
            {
                "__all__": ErrorList(
                    [
                        _("Too many sign-in attempts. Try again in %(seconds)s seconds.")
                        % {"seconds": wait}
                    ]
                )
            }
        )
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 429
        response["Retry-After"] = str(wait)
        return response


def site_login_view():
    """The login page outside the admin, for everyone (partners are not staff)."""
    return ThrottledLoginView.as_view(
        redirect_authenticated_user=True,
        extra_context={
            "site_header": admin.site.site_header,
            "site_title": admin.site.site_title,
            "title": gettext_lazy("Log in"),
        },
    )


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's login page under the same limits (it is routed before the admin's own)."""
    if request.method == "GET" and admin.site.has_permission(request):
        return admin.site.login(request)
    context = {
        **admin.site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=admin.site.name)
    request.current_app = admin.site.name
    return ThrottledLoginView.as_view(
        authentication_form=AdminAuthenticationForm,
        template_name="admin/login.html",
        extra_context=context,
    )(request)
