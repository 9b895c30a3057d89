"""Forms of the data-governance pages. They only collect input: the services judge it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


class SignedDocumentForm(forms.Form):
    """The signed contract PDF a partner uploads to a draft contract."""

    file = forms.FileField(
        label=_("Signed contract (PDF)"),
        # An empty file reaches the upload service, which says so in the same words as
        # for every other way in (admin, API).
        allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read at each use, so the text follows the setting as it stands.
        self.fields["file"].help_text = _(
            "The signed and sealed contract as a PDF file of at most %(limit)s."
        ) % {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError beside the fields the form has, the rest above it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
