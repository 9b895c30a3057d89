"""Page-number pagination with a maximum page size from settings."""

from __future__ import annotations

from django.conf import settings
from rest_framework import pagination


class PagePagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most ``API_MAX_PAGE_SIZE``)."""

    page_size_query_param = "page_size"

    @property
    def page_size(self) -> int:
        return settings.API_PAGE_SIZE

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE
