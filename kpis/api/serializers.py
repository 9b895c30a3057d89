"""Schemas of the KPI API, for the OpenAPI document only.

The bulk endpoint does not run these per row: a DRF serializer costs tens of microseconds
a row, too slow for 10,000 rows a second, and the ingest service validates every row
anyway. The view reshapes the JSON itself; these classes describe it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(
    {"oneOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}]},
)
class MeasurementValueField(serializers.JSONField):
    """A number; text such as "1,234.5" is also read, and yes/no KPIs take true/false."""


class MeasurementInputSerializer(serializers.Serializer):
    kpi = serializers.CharField(help_text=_("The KPI's code, e.g. gpu_utilization."))
    subject = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=_("What was measured within the KPI: a cluster, an industry, an adopter."),
    )
    at = serializers.DateTimeField(
        required=False,
        help_text=_("An instant, ISO 8601 with a time zone. Give either at, or start."),
    )
    start = serializers.DateTimeField(
        required=False,
        help_text=_("The start of a period, ISO 8601 with a time zone."),
    )
    end = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=_("The end of the period (exclusive), after start; only with start."),
    )
    value = MeasurementValueField(help_text=_("The value, in the given unit."))
    unit = serializers.CharField(
        help_text=_(
            "The value's unit: the KPI's own or one exactly convertible to it, "
            "e.g. %, JPY/1k tokens, kWh/1M tokens, GB/month."
        )
    )


class MeasurementBatchSerializer(serializers.Serializer):
    measurements = MeasurementInputSerializer(
        many=True,
        help_text=_("At most 10,000 measurements, stored all or nothing."),
    )
    organization = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_(
            "Whose measurements these are (an organization id). The PMO may name any "
            "organization; a partner's batches are always their own organization's."
        ),
    )


class IngestResultSerializer(serializers.Serializer):
    batch = serializers.IntegerField(help_text=_("The ingest batch's id."))
    stored = serializers.IntegerField(
        help_text=_("Measurements stored by this request; 0 for a batch sent before.")
    )
    superseded = serializers.IntegerField(help_text=_("Earlier measurements this batch corrected."))
    unchanged = serializers.IntegerField(
        help_text=_("Rows that repeated a current measurement's value, not stored again.")
    )
    duplicate = serializers.BooleanField(
        help_text=_(
            "True when nothing was new: every row was stored before. The batch that "
            "brought them is named."
        )
    )
    checksum = serializers.CharField(help_text=_("SHA-256 of the batch's normalised rows."))
