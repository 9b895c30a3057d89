"""A set of data purposes, stored as a JSON list so it works on every database."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from datagov.choices import DataPurpose
from jvtracker.common.text import listing


class PurposeSetField(models.JSONField):
    """A list of distinct :class:`DataPurpose` values, kept in the enum's order."""

    description = _("Set of data purposes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        if not isinstance(value, list):
            raise ValidationError(_("Expected a list of purposes."), code="invalid")
        unknown = [item for item in value if item not in DataPurpose.values]
        if unknown:
            raise ValidationError(
                _("Unknown purpose “%(value)s”.") % {"value": ", ".join(map(str, unknown))},
                code="unknown_purpose",
            )

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, list | tuple | set) and all(v in DataPurpose.values for v in value):
            value = [purpose for purpose in DataPurpose.values if purpose in set(value)]
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs: Any) -> forms.Field:
        return forms.TypedMultipleChoiceField(
            choices=DataPurpose.choices,
            required=not self.blank,
            widget=forms.CheckboxSelectMultiple,
            label=kwargs.get("label", self.verbose_name),
            help_text=self.help_text,
        )


def purpose_labels(purposes: list[str]) -> str:
    """Purposes as a reader sees them: labels, in the enum's order."""
    chosen = set(purposes)
    return listing(p.label for p in DataPurpose if p in chosen)
