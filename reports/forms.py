"""Forms that ask for a report. They only collect input: ``reports.services.report_request``
judges it (a gate for a gate's report, an as-of date neither in the future nor before the
programme, a known language), and its ValidationError is shown beside the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from datagov.forms import add_service_errors
from jvtracker.models import User
from milestones.models import StageGate
from reports.choices import ReportKind, ReportLanguage
from reports.models import Report
from reports.services import report_request


class GateChoiceField(forms.ModelChoiceField):
    """A stage gate by its title and code: 2027年度ステージゲート評価 (FY2027)."""

    def label_from_instance(self, gate: StageGate) -> str:
        return f"{gate.title} ({gate.code})"


def _as_of_field() -> forms.DateField:
    # Not required: the service reads an empty date as today, the usual case.
    return forms.DateField(
        label=capfirst(_("as of")),
        required=False,
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "The report states what the tracker knew at the end of this day. Empty means today."
        ),
    )


def _language_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=capfirst(_("language")),
        choices=ReportLanguage.choices,
        initial=ReportLanguage.JAPANESE,
    )


class ReportRequestForm(forms.Form):
    """Which report, about which gate, as of which day, in which language."""

    kind = forms.ChoiceField(
        label=capfirst(_("kind")), choices=ReportKind.choices, initial=ReportKind.STAGE_GATE
    )
    gate = GateChoiceField(
        label=capfirst(_("stage gate")),
        queryset=StageGate.objects.order_by("review_date", "kind"),
        # Whether a gate is needed depends on the kind: the service says so.
        required=False,
        help_text=_("For the stage-gate report and the KPI board; leave empty for the others."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_of"] = _as_of_field()
        self.fields["language"] = _language_field()


class StageGateReportForm(forms.Form):
    """The stage-gate report's options when the gates are already chosen (the admin action)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_of"] = _as_of_field()
        self.fields["language"] = _language_field()


class StageGateReportRequestForm(StageGateReportForm):
    """The reports page's request: the stage-gate report of one gate, as of a day, in a
    language. The gate is not required here: ``report_request`` says why one is needed."""

    gate = GateChoiceField(
        label=capfirst(_("stage gate")),
        queryset=StageGate.objects.order_by("review_date", "kind"),
        required=False,
        empty_label=_("Choose a stage gate"),
    )

    def __init__(self, *args: Any, gates: QuerySet[StageGate] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if gates is not None:
            self.fields["gate"].queryset = gates


def report_request_from_form(
    form: ReportRequestForm, *, actor: User, via: str, gate: StageGate | None = None
) -> Report | None:
    """Request the report ``form`` describes; None, with the service's refusal shown on the
    form, when it was refused. Nothing is saved for a refused request.

    ``gate`` stands in for a form without a gate field (the stage-gate action).
    """
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return report_request(
            kind=data.get("kind", ReportKind.STAGE_GATE),
            actor=actor,
            via=via,
            gate=data.get("gate", gate),
            as_of=data.get("as_of"),
            language=data["language"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
    except PermissionDenied as refusal:
        form.add_error(None, str(refusal))
    return None
