"""Who may act: the PMO's prerogatives and partners' own organization."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from jvtracker.common.services import require_pmo
from jvtracker.models import User
from jvtracker.roles import Role, reading_role

__all__ = ["may_act_for", "require_own_organization", "require_pmo"]


def may_act_for(actor: User, organization_id: int | None) -> bool:
    """Whether ``actor`` may record data governance for an organization: the PMO for any,
    a partner for their own; policy staff read everything and change nothing."""
    return actor.is_active and (
        actor.is_pmo or (actor.is_partner and actor.organization_id == organization_id)
    )


def require_own_organization(actor: User | None, organization_id: int | None, field: str) -> None:
    """The PMO acts for any organization, a partner only for their own, nobody else at all.

    ``actor`` None is the system (seed, commands) acting on the PMO's behalf.
    """
    if actor is None or may_act_for(actor, organization_id):
        return
    if actor.is_partner:
        raise ValidationError(
            {field: _("You may only act for your own organization.")}, code="other_organization"
        )
    raise PermissionDenied(_("Your role may read data governance but not change it."))


def may_draft_contracts(actor: User) -> bool:
    """Who may start a contract: the PMO for any provider, a partner for their own
    organization (:func:`require_own_organization` holds them to it); policy staff read."""
    return reading_role(actor) in (Role.PMO, Role.PARTNER)
