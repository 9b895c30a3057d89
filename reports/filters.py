"""Filters of report lists, shared by the API and the pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from milestones.selectors import stage_gate_by_code
from reports.models import Report


class ReportFilterSet(filters.FilterSet):
    gate = filters.CharFilter(
        method="filter_gate",
        help_text=_("The stage gate's code (e.g. FY2027) or id."),
    )

    class Meta:
        model = Report
        fields = ["kind", "status", "gate", "language"]

    def filter_gate(self, queryset: QuerySet[Report], name: str, value: str) -> QuerySet[Report]:
        reference = value.strip()
        if reference.isascii() and reference.isdigit():
            number = int(reference)
            return queryset.filter(gate_id=number) if number < 2**63 else queryset.none()
        gate = stage_gate_by_code(reference)
        return queryset.filter(gate=gate) if gate is not None else queryset.none()
