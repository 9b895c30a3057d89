"""The bases of the KPI admins: saves through the services with their refusals shown where
they belong, nothing deleted or reverted, and append-only facts read-only for everyone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext

from datagov.admin.base import DatagovAdmin
from datagov.forms import add_service_errors
from kpis.charts import value_label
from kpis.choices import Unit
from milestones.choices import DatePrecision
from milestones.templatetags.jpdates import date_label

# The request attribute carrying an inline service's refusals, by form prefix, from the
# first attempt at saving to the second rendering of the same forms.
INLINE_SERVICE_ERRORS_ATTR = "_kpis_inline_service_errors"


class ServiceRefused(PermissionDenied):
    """A service refused the acting user (not the admin's own permission check): reported
    as a message rather than a bare 403 page."""


class InlineServiceError(Exception):
    """A service refused one inline row; ``prefix`` names the inline form that holds it."""

    def __init__(self, prefix: str, error: ValidationError) -> None:
        super().__init__(prefix)
        self.prefix = prefix
        self.error = error


@contextmanager
def refusals_reported() -> Iterator[None]:
    """Run a service call, marking its PermissionDenied as the service's refusal."""
    try:
        yield
    except ServiceRefused:
        raise
    except PermissionDenied as error:
        raise ServiceRefused(str(error)) from error


class ServiceErrorInlineForm(forms.ModelForm):
    """An inline row's form that shows the refusal of the service that was to save it."""

    service_errors: dict[str, ValidationError] = {}

    def _post_clean(self) -> None:
        super()._post_clean()
        error = self.service_errors.get(self.prefix)
        if error is not None:
            add_service_errors(self, error)


class ServiceInline(admin.TabularInline):
    """An inline saved row by row through its admin's ``inline_saves``; never deleted."""

    form = ServiceErrorInlineForm
    extra = 0
    can_delete = False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_formset(self, request: HttpRequest, obj=None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        errors = getattr(request, INLINE_SERVICE_ERRORS_ATTR, None)
        if not errors:
            return formset
        form = type(formset.form.__name__, (formset.form,), {"service_errors": errors})
        return type(formset.__name__, (formset,), {"form": form})


class KPIServiceAdmin(DatagovAdmin):
    """Base of the KPI admins that edit through services.

    From the data-governance base: the main form shows a service's ValidationError beside
    its field, nothing is deleted, history is read but never reverted. Added here: an
    inline row refused by its service shows the error beside that row's field (the first
    attempt is rolled back whole, then the same POST is rendered again with the error
    attached), and a service's PermissionDenied becomes an error message on the page the
    user came from instead of a bare 403.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        except InlineServiceError as failure:
            if request.method != "POST" or getattr(request, INLINE_SERVICE_ERRORS_ATTR, None):
                raise failure.error from None
            setattr(request, INLINE_SERVICE_ERRORS_ATTR, {failure.prefix: failure.error})
            return self.changeform_view(request, object_id, form_url, extra_context)

    def save_formset(self, request: HttpRequest, form, formset: BaseFormSet, change: bool) -> None:
        # Inlines here cannot delete (ServiceInline), so only saves remain.
        instances = formset.save(commit=False)
        prefixes = {id(inline_form.instance): inline_form.prefix for inline_form in formset.forms}
        save = self.inline_saves.get(formset.model)
        if instances and save is None:
            raise NotImplementedError(f"No service saves {formset.model.__name__} inlines.")
        for instance in instances:
            try:
                with refusals_reported():
                    save(instance, request.user)
            except ValidationError as error:
                prefix = prefixes.get(id(instance))
                if prefix is None:
                    raise
                raise InlineServiceError(prefix, error) from error
        formset.save_m2m()


class AppendOnlyAdmin(admin.ModelAdmin):
    """Facts written once by a service and never changed: read-only for everyone, the PMO
    included. They have no history of their own: the ingest batch is their audit record."""

    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


def kpi_value(value: float | None, unit: str, *, with_unit: bool = True) -> str:
    """A KPI's value for people: yes/no for a yes/no KPI, else the number and its unit."""
    if value is None:
        return ""
    if unit == Unit.YES_NO and value in (0, 1):
        return gettext("yes") if value == 1 else gettext("no")
    number = value_label(value)
    if not with_unit or unit == Unit.YES_NO:
        return number
    return f"{number} {Unit(unit).label}" if unit in Unit.values else number


def month_label(month) -> str:
    """A month as 2027年4月 / April 2027."""
    return date_label(month, DatePrecision.MONTH)
