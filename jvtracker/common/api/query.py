"""Query parameters read strictly: given once, and with a value."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request


def query_errors(request: Request, name: str, *, repeatable: bool = False) -> list[str]:
    """What is wrong with query parameter ``name`` as given: more than once (unless it is
    ``repeatable``), or empty. Django would read the last of several values, and an empty
    one as no value at all; a client meaning either would be answered as if it had not
    asked."""
    values = request.query_params.getlist(name)
    errors = []
    if len(values) > 1 and not repeatable:
        errors.append(_("Give this parameter once."))
    if any(value == "" for value in values):
        errors.append(_("Give a value, or leave the parameter out."))
    return errors


def single_value(request: Request, name: str) -> str | None:
    """The one non-empty value of query parameter ``name``, or None when it is absent;
    a ValidationError naming it otherwise."""
    errors = query_errors(request, name)
    if errors:
        raise exceptions.ValidationError({name: errors})
    return request.query_params.get(name)
