"""Role permissions for API writes; 404 for what a user may not see."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, permissions
from rest_framework.request import Request


class RolePermissions(permissions.DjangoModelPermissions):
    """Writes need the role's model permission (the role groups of ``jvtracker.roles``);
    which rows a user reaches is the selectors' business.

    A user without the permission is told 403 only about an object they can see; about one
    they cannot it is 404, exactly as if it did not exist.
    """

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "POST": ["%(app_label)s.add_%(model_name)s"],
    }

    def has_permission(self, request: Request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method.lower() not in view.http_method_names:
            # Not offered at all: the dispatcher answers 405, whoever asks.
            return True
        required = getattr(view, "required_permissions", {}).get(getattr(view, "action", None))
        if required is not None:
            allowed = request.user.has_perms(required)
        else:
            allowed = super().has_permission(request, view)
        if allowed:
            return True
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if lookup in view.kwargs and not _visible(view, view.kwargs[lookup]):
            raise exceptions.NotFound()
        return False


def _visible(view, value: str) -> bool:
    """Whether the object the URL names is among the rows the user may see; a value the
    lookup field cannot hold (``/organizations/abc/``) names nothing, as in
    ``get_object_or_404``."""
    try:
        return view.get_queryset().filter(**{getattr(view, "lookup_field", "pk"): value}).exists()
    except (TypeError, ValueError, DjangoValidationError):
        return False
