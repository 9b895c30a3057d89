"""Forms of the KPI pages, in the admin and outside it. They only collect input: the
services judge it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from jvtracker.models import Organization
from kpis.choices import Unit
from kpis.models import KPIDefinition
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

    def __init__(self, *args: Any, with_organization: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_organization:
            # A partner's batches are always their own organization's: nothing to choose.
            del self.fields["organization"]
        # Read at each use, so the text follows the setting as it stands.
        self.fields["file"].help_text = _(
            "A .csv (UTF-8) or .xlsx file of at most %(limit)s rows, one measurement a row. "
            "The whole file is stored as one batch, or nothing of it."
        ) % {"limit": f"{settings.KPI_FILE_IMPORT_MAX_ROWS:,}"}


class KPIField(forms.ModelChoiceField):
    def label_from_instance(self, kpi: KPIDefinition) -> str:
        return f"{kpi.name} ({kpi.code}, {Unit(kpi.unit).label})"


class MeasurementRecordForm(forms.Form):
    """One measurement, recorded as a batch of one row through the ingest service. The
    field names are the service's, so its errors land beside the field they name."""

    kpi = KPIField(queryset=KPIDefinition.objects.none(), label=capfirst(_("KPI")))
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("code"),
        label=capfirst(_("organization")),
        required=False,
        help_text=_("Whose measurement this is; empty for the joint venture."),
    )
    subject = forms.CharField(
        label=capfirst(_("subject")),
        required=False,
        # The service judges the length, in the same words as for files and the API.
        help_text=_(
            "What was measured when the KPI is reported per cluster, industry or adopter "
            "(e.g. cluster-a); empty for the programme as a whole."
        ),
    )
    at = forms.DateTimeField(
        label=capfirst(_("measured at")),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = forms.DateTimeField(
        label=capfirst(_("until (for a period)")),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_(
            "Empty for a value at one moment; for a value over a period (a month's cost, "
            "say), “measured at” is its start and this its end."
        ),
    )
    # Text, not a number field: the service reads "1,200" and "yes" as it does in files.
    value = forms.CharField(
        label=capfirst(_("value")), widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    unit = forms.CharField(
        label=capfirst(_("unit")),
        required=False,
        help_text=_(
            "Empty for the KPI's own unit (shown beside its name). Another unit of the same "
            "kind is converted exactly, e.g. 千円 for a KPI kept in JPY."
        ),
    )

    def __init__(
        self,
        *args: Any,
        kpis: QuerySet[KPIDefinition],
        with_organization: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = kpis
        if not with_organization:
            del self.fields["organization"]
        zone = timezone.get_current_timezone_name()
        self.fields["at"].help_text = _("Date and time in %(zone)s.") % {"zone": zone}
