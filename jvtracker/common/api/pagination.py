"""Page-number pagination with a maximum page size from settings."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.request import Request

from jvtracker.common.api.query import single_value


class PagePagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most ``API_MAX_PAGE_SIZE``).

    Both are whole numbers from 1, given at most once: anything else is a 400 naming the
    parameter, where DRF would quietly answer the first page at the default size. A page
    past the last is a 404.
    """

    page_size_query_param = "page_size"
    # The schema says page is a number; "last" would be a second, undocumented spelling.
    last_page_strings = ()

    @property
    def page_size(self) -> int:
        return settings.API_PAGE_SIZE

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        size = _positive(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request: Request, paginator) -> int:
        number = _positive(request, self.page_query_param)
        return 1 if number is None else number


class CursorPagePagination(pagination.CursorPagination):
    """Cursor pages whose ``?page_size=`` is held to PagePagination's rules (a whole
    number from 1, given once; at most ``API_MAX_PAGE_SIZE``)."""

    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int:
        size = _positive(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def decode_cursor(self, request: Request):
        # A cursor is opaque but forgeable: a position the ordering column cannot hold
        # ("abc", "1.5" for an id) would reach the database and fail there.
        cursor = super().decode_cursor(request)
        ordering = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
        position = cursor.position if cursor is not None else None
        if (
            position is not None
            and ordering.lstrip("-") in ("id", "pk")
            and not (position.isascii() and position.isdigit() and int(position) < 2**63)
        ):
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor


def _positive(request: Request, name: str) -> int | None:
    value = single_value(request, name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise exceptions.ValidationError({name: [_("Give a whole number from 1.")]})
    return int(value)
