"""django-filter's API backend, refusing the query parameters it would silently ignore."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request

from jvtracker.common.api.query import query_errors

# How django-filter's yes/no filters spell true and false; anything else they read as
# "no filter" (so ?resolved=maybe would answer every row).
BOOLEAN_VALUES = frozenset({"true", "false", "True", "False", "1", "0"})


class StrictFilterBackend(DjangoFilterBackend):
    """Filters as django-filter applies them, after refusing with a 400 naming the
    parameter: a filter given twice (but for multiple-choice filters) or empty, and a
    yes/no filter given anything but true or false. The ordering parameter is held to the
    same "at most once"."""

    def filter_queryset(self, request: Request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        errors: dict[str, list[str]] = {}
        for name, filter_ in (filterset_class.base_filters if filterset_class else {}).items():
            for param in _parameters(name, filter_):
                if param not in request.query_params:
                    continue
                repeatable = isinstance(filter_, django_filters.MultipleChoiceFilter)
                messages = query_errors(request, param, repeatable=repeatable)
                if isinstance(filter_, django_filters.BooleanFilter) and any(
                    value not in BOOLEAN_VALUES and value != ""
                    for value in request.query_params.getlist(param)
                ):
                    messages.append(_("Give true or false."))
                if messages:
                    errors[param] = messages
        ordering = getattr(view, "ordering_fields", None) and "ordering"
        if ordering and len(request.query_params.getlist(ordering)) > 1:
            errors[ordering] = [_("Give this parameter once.")]
        if errors:
            raise exceptions.ValidationError(errors)
        return super().filter_queryset(request, queryset, view)


def _parameters(name: str, filter_: django_filters.Filter) -> list[str]:
    """The query parameters ``filter_`` reads: its name, or for a range its suffixed names
    (``expiry_date_after``, ``expiry_date_before``)."""
    widget = filter_.extra.get("widget") or getattr(filter_.field_class, "widget", None)
    suffixes = getattr(widget, "suffixes", None)
    return [f"{name}_{suffix}" for suffix in suffixes] if suffixes else [name]


class StrictOrderingFilter(OrderingFilter):
    """``?ordering=`` among the view's ``ordering_fields``: an unknown term is a 400 naming
    ``ordering``, where DRF would quietly answer in the default order."""

    def remove_invalid_fields(self, queryset, fields, view, request) -> list[str]:
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        unknown = [term for term in fields if term not in valid]
        if unknown:
            choices = sorted(
                name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
            )
            raise exceptions.ValidationError(
                {
                    "ordering": [
                        _(
                            "Cannot order by %(terms)s; choose among %(fields)s "
                            "(“-” first for descending)."
                        )
                        % {"terms": ", ".join(unknown) or "“”", "fields": ", ".join(choices)}
                    ]
                }
            )
        return valid
