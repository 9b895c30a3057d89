"""Who may act: the PMO's prerogatives and partners' own organization."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from jvtracker.models import User


def require_pmo(actor: User | None, message: str) -> None:
    if actor is not None and not actor.is_pmo:
        raise PermissionDenied(message)


def require_own_organization(actor: User | None, organization_id: int | None, field: str) -> None:
    """A partner acts only for their own organization."""
    if actor is not None and actor.is_partner and organization_id != actor.organization_id:
        raise ValidationError(
            {field: _("You may only act for your own organization.")}, code="other_organization"
        )
