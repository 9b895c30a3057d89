"""Filters of the project-level API."""

import django_filters

from jvtracker.models import Organization


class OrganizationFilterSet(django_filters.FilterSet):
    class Meta:
        model = Organization
        fields = ["kind", "industry", "provides_data"]
