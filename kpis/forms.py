"""Forms of the KPI admin pages. They only collect input: the services judge it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from jvtracker.models import Organization
from milestones.models import StageGate
from milestones.templatetags.jpdates import date_label


class GateField(forms.ModelChoiceField):
    def label_from_instance(self, gate: StageGate) -> str:
        # Several gates share a fiscal year (annual and interim): the date tells them apart.
        return f"{gate.title} ({date_label(gate.review_date)})"


class GateChoiceForm(forms.Form):
    """Which stage gate the KPI board judges against (a GET form)."""

    gate = GateField(
        queryset=StageGate.objects.order_by("review_date", "kind"),
        label=capfirst(_("stage gate")),
        required=False,
        empty_label=None,
    )


class MeasurementImportForm(forms.Form):
    """A CSV or Excel file of measurements for the PMO to import as one batch."""

    file = forms.FileField(
        label=capfirst(_("file (CSV or Excel)")),
        # An empty file reaches the import, which says so in the same words as elsewhere.
        allow_empty_file=True,
        widget=forms.FileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("code"),
        label=capfirst(_("organization")),
        required=False,
        help_text=_("Whose measurements these are; empty for the joint venture."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read at each use, so the text follows the setting as it stands.
        self.fields["file"].help_text = _(
            "A .csv (UTF-8) or .xlsx file of at most %(limit)s rows, one measurement a row. "
            "The whole file is stored as one batch, or nothing of it."
        ) % {"limit": f"{settings.KPI_FILE_IMPORT_MAX_ROWS:,}"}
