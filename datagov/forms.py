"""Forms of the data-governance pages. They only collect input: the services judge it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from datagov.choices import DataPurpose
from datagov.models import ContractTemplate, DataAsset, DataContract
from jvtracker.models import Organization


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


class TemplateChoiceIterator(ModelChoiceIterator):
    """Lists the versions a new contract may be signed under (``field.offered``)."""

    def __init__(self, field: forms.ModelChoiceField) -> None:
        super().__init__(field)
        self.queryset = field.offered


class TemplateVersionField(forms.ModelChoiceField):
    """Offers the current template versions but accepts any version the user may see, so
    that a version replaced since the page was loaded reaches the service, which says why
    it cannot be used instead of a bare "not one of the available choices"."""

    iterator = TemplateChoiceIterator

    def __init__(self, queryset: QuerySet, *, offered: QuerySet, **kwargs: Any) -> None:
        self.offered = offered
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, template: ContractTemplate) -> str:
        return _("%(title)s, version %(version)s (%(code)s)") % {
            "title": template.title,
            "version": template.version,
            "code": template.code,
        }


class TemplateSelect(forms.Select):
    """Each option carries its version's standard uses and tier, which the page's script
    preselects when the version is chosen."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        template = getattr(value, "instance", None)
        if template is not None:
            option["attrs"]["data-uses"] = " ".join(template.permitted_uses)
            option["attrs"]["data-tier"] = template.tier
        return option


class DatasetCheckboxes(forms.CheckboxSelectMultiple):
    """Each box carries its dataset's tier, so the page's script can set aside those a
    chosen template version cannot cover."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        dataset = getattr(value, "instance", None)
        if dataset is not None:
            option["attrs"]["data-tier"] = dataset.tier
        return option


class DatasetChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, queryset: QuerySet, *, with_provider: bool = False, **kwargs: Any) -> None:
        self.with_provider = with_provider
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, dataset: DataAsset) -> str:
        if self.with_provider:
            return _("%(code)s: %(name)s (%(provider)s; %(tier)s)") % {
                "code": dataset.code,
                "name": dataset.name,
                "provider": dataset.provider,
                "tier": dataset.get_tier_display(),
            }
        return _("%(code)s: %(name)s (%(tier)s)") % {
            "code": dataset.code,
            "name": dataset.name,
            "tier": dataset.get_tier_display(),
        }


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and shows ISO dates."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class ContractForm(forms.Form):
    """A new draft contract under a published template version.

    The provider is the partner's own organization; only the PMO chooses one (the view
    drops the field for everyone else). The querysets come from the view's selectors.
    """

    provider = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        label=_("Provider"),
        help_text=_("The organization that provides the data and signs the contract."),
    )
    template = TemplateVersionField(
        queryset=ContractTemplate.objects.none(),
        offered=ContractTemplate.objects.none(),
        label=_("Template version"),
        widget=TemplateSelect,
        help_text=_(
            "The standard contract you will sign. Its document is what you download, sign "
            "and upload."
        ),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("A name you will recognise, e.g. “Driving-environment data, Tochigi”."),
    )
    datasets = DatasetChoiceField(
        queryset=DataAsset.objects.none(),
        label=_("Datasets covered"),
        widget=DatasetCheckboxes,
        help_text=_("Only datasets of the template version's data tier can be covered."),
    )
    permitted_uses = forms.MultipleChoiceField(
        label=_("Permitted uses"),
        choices=DataPurpose.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The template version's standard uses are preselected. A use beyond them is a "
            "deviation: give the reason below; the PMO must approve it."
        ),
    )
    deviation_reason = forms.CharField(
        label=_("Reason for deviation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the permitted uses go beyond the template's."),
    )
    effective_date = forms.DateField(label=_("Effective date"), widget=DateInput)
    expiry_date = forms.DateField(label=_("Expiry date"), widget=DateInput)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        templates: QuerySet[ContractTemplate],
        current_templates: QuerySet[ContractTemplate],
        datasets: QuerySet[DataAsset],
        providers: QuerySet[Organization] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        template_field = self.fields["template"]
        template_field.offered = current_templates
        template_field.queryset = templates  # also refreshes the offered choices
        self.fields["datasets"].queryset = datasets
        if providers is None:
            del self.fields["provider"]
        else:
            self.fields["provider"].queryset = providers
            self.fields["datasets"].with_provider = True
        self.order_fields(["provider"])
        if not self.is_bound:
            template = self.initial.get("template")
            if isinstance(template, ContractTemplate):
                self.initial.setdefault("permitted_uses", list(template.permitted_uses))

    def new_contract(self, *, provider: Organization | None = None) -> DataContract:
        """The unsaved draft the input describes, for :func:`contract_save` to judge."""
        data = self.cleaned_data
        return DataContract(
            provider=provider or data["provider"],
            template=data["template"],
            title=data["title"],
            permitted_uses=list(data["permitted_uses"]),
            deviation_reason=data["deviation_reason"],
            effective_date=data["effective_date"],
            expiry_date=data["expiry_date"],
            notes=data["notes"],
        )
