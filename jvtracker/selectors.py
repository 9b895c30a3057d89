"""Every read of the consortium that views, the API and reports need."""

from __future__ import annotations

from django.db.models import QuerySet

from jvtracker.models import Organization, User
from jvtracker.roles import reading_role


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    """The PMO and policy staff see every member, the funder and the JV; a partner sees
    their own organization only (nothing of other partners)."""
    role = reading_role(user)
    organizations = Organization.objects.order_by("code")
    if role in ("pmo", "policy"):
        return organizations
    if role == "partner":
        return organizations.filter(pk=user.organization_id)
    return organizations.none()
