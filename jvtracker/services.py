"""Writes to the consortium: organizations and the users who act for them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jvtracker.choices import Role
from jvtracker.common.services import require_pmo, validated_save
from jvtracker.models import Organization, User


@transaction.atomic
def organization_save(*, organization: Organization, actor: User | None) -> Organization:
    """Create or update an organization (the PMO's); equity shares may not exceed 100 %
    in total."""
    require_pmo(actor, _("Only the PMO may record organizations."))
    # Two concurrent saves must not both pass the equity check: on PostgreSQL lock the
    # table against other writers (row locks would not stop a concurrent insert); SQLite
    # already serialises writers.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Organization._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    return validated_save(organization, actor=actor)


def user_sync_role_group(*, user: User) -> None:
    """Make the user a member of exactly the group of their role."""
    group, _ = Group.objects.get_or_create(name=user.role)
    other_roles = user.groups.filter(name__in=Role.values).exclude(pk=group.pk)
    user.groups.remove(*other_roles)
    user.groups.add(group)


@transaction.atomic
def user_save(*, user: User, actor: User | None, password: str | None = None) -> User:
    """Create or update a user; role changes move them to the role's group.

    Only a superuser may create, promote or change a superuser: otherwise a PMO could
    reset a superuser's password and act as them.
    """
    if actor is not None and not actor.is_superuser:
        was_superuser = (
            user.pk is not None and User.objects.filter(pk=user.pk, is_superuser=True).exists()
        )
        if user.is_superuser or was_superuser:
            raise PermissionDenied(_("Only a superuser may create or change a superuser."))
    if password is not None:
        user.set_password(password)
    # Staff status follows the role: PMO and policy staff use the admin.
    user.is_staff = user.is_superuser or user.role in (Role.PMO, Role.POLICY)
    validated_save(user, actor=actor)
    user_sync_role_group(user=user)
    return user


def user_language_save(*, user: User, language: str) -> User:
    """Remember the language a user chose, for their next sign-in and their emails; in
    history as their own change."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose Japanese or English.")})
    if user.language != language:
        user.language = language
        user._change_reason = "language chosen"
        validated_save(user, actor=user)
    return user


def user_record_login(sender, user: User, **kwargs) -> None:
    """Note the time of a login without writing a history row for it."""
    user.last_login = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=user.last_login)
