"""Filters of the programme's lists, shared by the API and the pages."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from milestones.models import Milestone, Risk, StageGate


class MilestoneFilterSet(django_filters.FilterSet):
    # References by code, as the API names tracks and organizations: an unknown code
    # matches nothing rather than failing.
    track = django_filters.CharFilter(field_name="track__code", label=_("track (code)"))
    owner = django_filters.CharFilter(
        field_name="owner__code", label=_("owner (organization code)")
    )
    due_date_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label=_("due on or after")
    )
    due_date_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("due on or before")
    )

    class Meta:
        model = Milestone
        fields = ["track", "status", "owner", "due_date_after", "due_date_before"]


class StageGateFilterSet(django_filters.FilterSet):
    # A whole year: NumberFilter alone would take 2027.5.
    fiscal_year = django_filters.NumberFilter(
        label=_("fiscal year"), min_value=1, max_value=32767, decimal_places=0
    )

    class Meta:
        model = StageGate
        fields = ["fiscal_year", "kind", "decision"]


class RiskFilterSet(django_filters.FilterSet):
    owner = django_filters.CharFilter(
        field_name="owner__code", label=_("owner (organization code)")
    )

    class Meta:
        model = Risk
        fields = ["category", "status", "owner"]
