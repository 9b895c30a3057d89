"""Helpers for driving admin forms in tests: what a browser would post back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BoundField


def _bound_value(bound: BoundField) -> Any:
    value = bound.value()
    if isinstance(bound.field.widget, forms.CheckboxInput):
        return "on" if value else None
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _form_data(form: forms.BaseForm) -> dict[str, Any]:
    data = {}
    for bound in form:
        value = _bound_value(bound)
        if value is not None:
            data[bound.html_name] = value
    return data


def changeform_data(response, **changes: Any) -> dict[str, Any]:
    """The POST data of an admin add/change page as rendered, with ``changes`` applied.

    Includes every inline formset with its management form, as the admin expects.
    """
    data = _form_data(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    data.update(changes)
    return data
