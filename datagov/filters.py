"""Filters of data governance, shared by the API and the pages.

They narrow what a selector already returned; they never widen it. Datasets offer no
filter on their description or storage details: policy staff read a secret dataset with
those redacted, and a filter on the stored values would let them probe what the redaction
hides.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from datagov.models import ContractTemplate, DataAsset, DataContract, ModelArtifact, TrainingRun


class DataAssetFilterSet(django_filters.FilterSet):
    provider = django_filters.CharFilter(
        field_name="provider__code", label=_("Provider (organization code)")
    )

    class Meta:
        model = DataAsset
        fields = ["provider", "tier", "industry", "contains_personal_data"]


class ContractTemplateFilterSet(django_filters.FilterSet):
    class Meta:
        model = ContractTemplate
        fields = ["code", "status", "tier", "contract_type"]


class DataContractFilterSet(django_filters.FilterSet):
    provider = django_filters.CharFilter(
        field_name="provider__code", label=_("Provider (organization code)")
    )
    # An id, not a ModelChoiceFilter: "not a valid choice" would tell a partner which
    # draft template ids exist.
    # A whole number a database id can be: a larger one failed in the database driver.
    template = django_filters.NumberFilter(
        field_name="template_id",
        label=_("Template version (id)"),
        min_value=1,
        max_value=2**63 - 1,
        decimal_places=0,
    )
    template_code = django_filters.CharFilter(
        field_name="template__code", label=_("Template code (any version)")
    )
    effective_date = django_filters.DateFromToRangeFilter(
        label=_("Effective date (from, to; both inclusive)")
    )
    expiry_date = django_filters.DateFromToRangeFilter(
        label=_("Expiry date (from, to; both inclusive)")
    )
    dataset = django_filters.CharFilter(
        field_name="datasets__code", label=_("Covers the dataset (code)"), distinct=True
    )

    class Meta:
        model = DataContract
        fields = ["provider", "status", "template", "template_code"]


class ModelArtifactFilterSet(django_filters.FilterSet):
    responsible = django_filters.CharFilter(
        field_name="responsible__code", label=_("Responsible organization (code)")
    )

    class Meta:
        model = ModelArtifact
        fields = ["kind", "responsible"]


class TrainingRunFilterSet(django_filters.FilterSet):
    target = django_filters.CharFilter(field_name="target__code", label=_("Target artifact (code)"))
    responsible = django_filters.CharFilter(
        field_name="responsible__code", label=_("Responsible organization (code)")
    )
    dataset = django_filters.CharFilter(
        field_name="datasets__code", label=_("Trained on the dataset (code)"), distinct=True
    )

    class Meta:
        model = TrainingRun
        fields = ["purpose", "target", "responsible"]
