"""The base of every data-governance admin: service refusals shown beside the field,
nothing deleted or reverted past the services, per-object action reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from datagov.fields import purpose_labels
from datagov.forms import add_service_errors
from jvtracker.admin import ServiceModelAdmin

# The request attribute carrying a service's refusal from the first attempt at saving to
# the second rendering of the same form.
SERVICE_ERROR_ATTR = "_datagov_service_error"
# A frozen row (published template, contract past draft) opens without save buttons.
NO_SAVE_BUTTONS = {
    "show_save": False,
    "show_save_and_continue": False,
    "show_save_and_add_another": False,
}


def error_text(error: ValidationError | PermissionDenied) -> str:
    """A refusal as one line for a message."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def outcome(obj: Any, text: str) -> str:
    """What happened to one object of an action."""
    return gettext("%(object)s: %(outcome)s") % {"object": obj, "outcome": text}


def codes(items: Iterable[Any]) -> str:
    return ", ".join(item.code for item in items)


def swap_field(fieldsets: Any, old: str, new: str) -> list:
    """``fieldsets`` with ``old`` replaced by ``new`` (a read-only display of the same value)."""
    return [
        (name, {**options, "fields": [new if f == old else f for f in options["fields"]]})
        for name, options in fieldsets
    ]


class ServiceErrorForm(forms.ModelForm):
    """A model form that shows the refusal of the service that was to save it."""

    service_error: ValidationError | None = None

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.service_error is not None:
            add_service_errors(self, self.service_error)


class DatagovAdmin(ServiceModelAdmin):
    """Base of every data-governance admin.

    A service may refuse a save for reasons the form cannot see (another organization's
    dataset, a contract no longer a draft). The first attempt runs inside the admin's own
    transaction, so a refusal rolls everything back; the form is then built again from the
    same POST with the refusal attached, and shows it beside the field.

    Nothing here is deleted: datasets, runs and contracts are the evidence of what data
    went where, and their many-to-many links are not protected by the database.
    """

    form = ServiceErrorForm

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, SERVICE_ERROR_ATTR, None)
        if error is None:
            return form
        return type(form.__name__, (form,), {"service_error": error})

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            if request.method != "POST" or getattr(request, SERVICE_ERROR_ATTR, None):
                raise
            setattr(request, SERVICE_ERROR_ATTR, error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ) -> HttpResponse:
        # A revert saves the old row and its many-to-many links directly, past the
        # services' checks (a run's inputs, a contract's datasets and status).
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return True

    def run_each(
        self,
        request: HttpRequest,
        objects: Iterable[Any],
        step: Callable[[Any], Any],
        done: str,
    ) -> None:
        """Apply ``step`` to each object, reporting per object what happened.

        Each service call is its own transaction: a refusal changes nothing of that object
        and does not undo what was done to the others.
        """
        for obj in objects:
            try:
                step(obj)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, outcome(obj, error_text(error)), messages.ERROR)
            else:
                self.message_user(request, outcome(obj, done), messages.SUCCESS)


class PurposeResourceMixin:
    """Exports permitted uses by their labels, not as a JSON list of codes."""

    def dehydrate_permitted_uses(self, obj: Any) -> str:
        return purpose_labels(obj.permitted_uses)
