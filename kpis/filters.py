"""Filters of KPI lists, shared by the API and the pages.

Organizations and KPIs are named by code, as everywhere in the API; a code nobody uses
matches nothing rather than being an error, so a filter never tells whether a code exists.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from kpis.models import Incident, IngestBatch, KPIDefinition, Measurement

# Instants outside these years cannot be shifted to UTC for the database without overflow
# (year 1 at +14:00) and no measurement lies there (the ingest refuses anything before 2000).
EARLIEST_YEAR, LATEST_YEAR = 1900, 9000
MAX_ID = 2**63 - 1


class BoundedIsoDateTimeField(IsoDateTimeField):
    def clean(self, value: object) -> dt.datetime | None:
        moment = super().clean(value)
        if moment is not None and not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise ValidationError(
                _("Give an instant between the years %(first)s and %(last)s."),
                code="out_of_range",
                params={"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            )
        # In UTC: PostgreSQL refuses an offset beyond ±15:59, which ISO 8601 (and Python)
        # allow up to ±23:59 (a 500 for ?received_at__gte=2027-01-01T00:00+22:50).
        return None if moment is None else moment.astimezone(dt.UTC)


class InstantFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 instant; one without a time zone is read in Tokyo time."""

    field_class = BoundedIsoDateTimeField


class IntegerFilter(filters.NumberFilter):
    """A whole number (NumberFilter alone would take 1.5)."""

    field_class = forms.IntegerField


class IdField(forms.IntegerField):
    def __init__(self, **kwargs) -> None:
        # Beyond a bigint the database driver fails rather than matching nothing.
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A row's id: a whole number a database can hold."""

    field_class = IdField


class KPIDefinitionFilterSet(filters.FilterSet):
    owner = filters.CharFilter(
        field_name="owner__code", help_text=_("The owner organization's code.")
    )

    class Meta:
        model = KPIDefinition
        fields = ["source", "owner", "unit"]


class MeasurementFilterSet(filters.FilterSet):
    """Current measurements only unless ``include_superseded`` is true: a superseded value
    is history, and counting it with its correction would count the figure twice."""

    kpi = filters.CharFilter(field_name="kpi__code", help_text=_("The KPI's code."))
    organization = filters.CharFilter(
        field_name="organization__code", help_text=_("The organization's code.")
    )
    batch = IdFilter(field_name="batch_id", help_text=_("The ingest batch's id."))
    start__gte = InstantFilter(
        field_name="start", lookup_expr="gte", help_text=_("Starting at or after this instant.")
    )
    start__lt = InstantFilter(
        field_name="start", lookup_expr="lt", help_text=_("Starting before this instant.")
    )
    include_superseded = filters.BooleanFilter(
        method="filter_include_superseded",
        help_text=_("Also list measurements a later correction has superseded."),
    )

    class Meta:
        model = Measurement
        fields = ["kpi", "subject", "organization", "batch"]

    def filter_include_superseded(
        self, queryset: QuerySet[Measurement], name: str, value: bool | None
    ) -> QuerySet[Measurement]:
        return queryset  # applied in filter_queryset, which also sees it missing

    def filter_queryset(self, queryset: QuerySet[Measurement]) -> QuerySet[Measurement]:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_superseded"):
            queryset = queryset.filter(superseded_by__isnull=True)
        return queryset


class IngestBatchFilterSet(filters.FilterSet):
    organization = filters.CharFilter(
        field_name="organization__code", help_text=_("The organization's code.")
    )
    submitted_by = filters.CharFilter(
        field_name="submitted_by__username", help_text=_("The sender's username.")
    )
    received_at__gte = InstantFilter(
        field_name="received_at", lookup_expr="gte", help_text=_("Received at or after.")
    )
    received_at__lt = InstantFilter(
        field_name="received_at", lookup_expr="lt", help_text=_("Received before.")
    )

    class Meta:
        model = IngestBatch
        fields = ["source", "organization", "submitted_by"]


class IncidentFilterSet(filters.FilterSet):
    organization = filters.CharFilter(
        field_name="organization__code", help_text=_("The organization's code.")
    )
    severity__gte = IntegerFilter(
        field_name="severity", lookup_expr="gte", help_text=_("At least this severity (1–5).")
    )
    resolved = filters.BooleanFilter(
        field_name="resolved_on",
        lookup_expr="isnull",
        exclude=True,
        help_text=_("true: resolved incidents only; false: open ones only."),
    )

    class Meta:
        model = Incident
        fields = {"severity": ["exact"], "occurred_on": ["gte", "lte"]}
