"""Admin of the consortium, and the base every jvtracker admin builds on.

Every admin here is a thin shell: forms show the model's own validation, and every save
goes through the same service the API, the pages and the commands call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from import_export import resources, widgets
from import_export.admin import ExportActionMixin
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX
from knox.models import AuthToken
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from jvtracker.models import Organization, User
from jvtracker.services import organization_save, user_save

# The fields that name a row to a person reading an export, in order of preference.
NATURAL_KEY_FIELDS = ("code", "username")

InlineSave = Callable[[models.Model, User], models.Model]


class ExportResource(resources.ModelResource):
    """A resource whose export reads well in Excel: verbose-name headers, choice labels,
    and foreign keys by their code (or username, or name) rather than a database id."""

    @classmethod
    def field_from_django_field(cls, field_name: str, django_field, readonly: bool) -> Field:
        header = capfirst(django_field.verbose_name)
        if django_field.is_relation and django_field.many_to_one:
            related = django_field.related_model
            natural = next((name for name in NATURAL_KEY_FIELDS if _has_field(related, name)), None)
            attribute = f"{field_name}__{natural}" if natural else field_name
            return Field(
                attribute=attribute, column_name=header, widget=widgets.Widget(), readonly=True
            )
        if django_field.choices:
            return Field(
                attribute=f"get_{field_name}_display",
                column_name=header,
                widget=widgets.Widget(),
                readonly=True,
            )
        field = super().field_from_django_field(field_name, django_field, readonly)
        field.column_name = header
        return field


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(field.name == name for field in model._meta.get_fields())


class LabelledHistoryContextHelper(HistoricalRecordContextHelper):
    """History shows a changed choice by its label ("Pending → Continue"), as forms do."""

    def prepare_delta_change_value(self, change, value: Any) -> Any:
        field = self.model._meta.get_field(change.field)
        if field.choices and value is not None:
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class ServiceModelAdmin(ExportActionMixin, SimpleHistoryAdmin):
    """History and CSV/Excel export for every model; saves only through services.

    Subclasses override ``save_model`` to call their service and list each inline model's
    service in ``inline_saves``; the base refuses to save anything it has no service for.
    """

    # import-export wraps this in its own template that adds the export button.
    change_list_template = "admin/jvtracker_change_list.html"
    export_formats = [CSV, XLSX]
    # Excel only reads a UTF-8 CSV as UTF-8 when it starts with a byte-order mark; without
    # it every Japanese title opens as mojibake.
    to_encoding = "utf-8-sig"
    inline_saves: dict[type[models.Model], InlineSave] = {}

    def save_model(self, request: HttpRequest, obj: models.Model, form, change: bool) -> None:
        raise NotImplementedError(f"{type(self).__name__} must save through a service.")

    def save_formset(self, request: HttpRequest, form, formset: BaseFormSet, change: bool) -> None:
        instances = formset.save(commit=False)
        # Deletion has no rule of its own: history records it, PROTECT keys guard it.
        for obj in formset.deleted_objects:
            obj.delete()
        if instances:
            save = self.inline_saves.get(formset.model)
            if save is None:
                raise NotImplementedError(f"No service saves {formset.model.__name__} inlines.")
            for instance in instances:
                save(instance, request.user)
        formset.save_m2m()

    def has_export_permission(self, request: HttpRequest) -> bool:
        # import-export allows any staff user to export by default; an export is a read.
        return self.has_view_permission(request)

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record
    ) -> HistoricalRecordContextHelper:
        return LabelledHistoryContextHelper(self.model, historical_record)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ) -> HttpResponse:
        # simple-history accepts a revert POST from anyone who may view the history; a
        # revert is a change, so it needs the change permission.
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class OrganizationResource(ExportResource):
    class Meta:
        model = Organization
        fields = (
            "code",
            "name_ja",
            "name_en",
            "kind",
            "industry",
            "equity_share",
            "equity_note",
            "provides_data",
        )
        export_order = fields


@admin.register(Organization)
class OrganizationAdmin(ServiceModelAdmin):
    resource_classes = [OrganizationResource]
    list_display = (
        "code",
        "name_ja",
        "name_en",
        "kind",
        "industry",
        "equity_share",
        "equity_note",
        "provides_data",
    )
    list_filter = ("kind", "industry", "provides_data")
    search_fields = ("code", "name_ja", "name_en")
    ordering = ("code",)
    fieldsets = (
        (None, {"fields": ("code", "name_ja", "name_en", "kind", "industry")}),
        (_("Equity"), {"fields": ("equity_share", "equity_note")}),
        (
            _("Role in the joint venture"),
            {"fields": ("provides_data", "role_description_ja", "role_description_en")},
        ),
    )

    def save_model(self, request: HttpRequest, obj: Organization, form, change: bool) -> None:
        organization_save(organization=obj, actor=request.user)


class UserResource(ExportResource):
    class Meta:
        model = User
        # Never the password hash.
        fields = (
            "username",
            "first_name",
            "last_name",
            "email",
            "organization",
            "role",
            "is_active",
            "is_staff",
            "is_superuser",
            "last_login",
            "date_joined",
        )
        export_order = fields


class UserPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's password form, saving through user_save like every other user write."""

    def save(self, commit: bool = True) -> User:
        user = self.set_password_and_save(self.user, commit=False)
        if commit:
            # HistoryRequestMiddleware records the admin user who changed it.
            user_save(user=user, actor=None)
        return user


@admin.register(User)
class UserAdmin(ServiceModelAdmin, DjangoUserAdmin):
    resource_classes = [UserResource]
    change_password_form = UserPasswordChangeForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Organization and role"), {"fields": ("organization", "role", "language")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": _(
                    "Staff status and groups follow the role: PMO and policy staff use the "
                    "admin, and each user is a member of exactly the group of their role."
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "organization",
                    "role",
                    "language",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    # The role decides staff status and groups (user_save); direct permissions would
    # bypass the role table in jvtracker.roles.
    readonly_fields = ("is_staff", "groups", "user_permissions", "last_login", "date_joined")
    filter_horizontal = ()
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "organization",
        "role",
        "is_staff",
        "is_active",
    )
    list_filter = ("role", "organization", "is_active", "is_superuser")
    list_select_related = ("organization",)
    search_fields = (
        "username",
        "first_name",
        "last_name",
        "email",
        "organization__code",
        "organization__name_ja",
        "organization__name_en",
    )
    ordering = ("organization__code", "username")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # A PMO may manage users but not make anyone, themselves included, a superuser.
            readonly += ("is_superuser",)
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            # Otherwise a PMO could reset a superuser's password and act as them.
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Deleting a user would blank their name on every history row they wrote;
        # a user who leaves is deactivated instead.
        return False

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        # On add, the creation form has already hashed the password onto ``obj``.
        user_save(user=obj, actor=request.user)


# API tokens: knox's own admin would let the PMO mint a token for another user (and so act
# as them) and shows the digest; this one lists, and only revokes.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    list_display = ["token_key", "user", "created", "expiry"]
    list_filter = ["expiry"]
    search_fields = ["token_key", "user__username"]
    list_select_related = ["user"]
    fields = ["token_key", "user", "created", "expiry"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
