"""Template context every page gets."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """The site's name, as the admin shows it, for the pages outside the admin too."""
    return {"site_header": admin.site.site_header, "site_title": admin.site.site_title}
