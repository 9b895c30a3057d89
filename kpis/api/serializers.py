"""Bodies of the KPI API.

The bulk measurement endpoint's classes are for the OpenAPI document only: the endpoint
does not run them per row (a DRF serializer costs tens of microseconds a row, too slow for
10,000 rows a second, and the ingest service validates every row anyway). The view
reshapes the JSON itself; these classes describe it. The others serialize as usual.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jvtracker.common.api.serializers import (
    ReadModelSerializer,
    StrictModelSerializer,
    StrictSerializer,
    VisibleSlugRelatedField,
)
from jvtracker.models import User
from jvtracker.selectors import organizations_visible_to
from kpis.choices import Direction, Status, Unit
from kpis.filters import MAX_ID
from kpis.models import Incident, IngestBatch, KPIDefinition, KPITarget, Measurement
from milestones.models import StageGate
from milestones.selectors import stage_gate_by_code, stage_gates_visible_to


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


# ------------------------------------------------------------------ KPIs, status, series


# A gate's code in any letter case, or its id as text (as a query parameter gives it).
GATE_REFERENCE_PATTERN = (
    r"^([1-9][0-9]{0,17}|[Ff][Yy][0-9]{4}(-([Mm][Ii][Dd]|[Ff][Ii][Nn][Aa][Ll]))?)$"
)


def stage_gate_by_reference(reference: object, user: User) -> StageGate | None:
    """The gate named by its code (FY2027, FY2028-MID, FY2030-FINAL) or id among those
    ``user`` may see; None when there is none."""
    if isinstance(reference, bool):
        return None
    # Only the gate is wanted, not the criteria and conditions the selector prefetches.
    gates = stage_gates_visible_to(user).prefetch_related(None)
    if isinstance(reference, str) and reference.isascii() and reference.strip().isdigit():
        reference = int(reference)
    if isinstance(reference, int):
        return gates.filter(pk=reference).first() if 0 < reference <= MAX_ID else None
    if isinstance(reference, str) and len(reference) <= 32:
        return stage_gate_by_code(reference, gates)
    return None


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": GATE_REFERENCE_PATTERN, "example": "FY2027"},
            {"type": "integer", "minimum": 1},
        ],
        "description": "A stage gate: its code (FY2027, FY2028-MID, FY2030-FINAL) or id.",
    }
)
class StageGateReferenceField(serializers.Field):
    """A stage gate named by code or id; one the user may not see does not exist."""

    default_error_messages = {
        "does_not_exist": _(
            "There is no stage gate “{reference}”; name one by its code "
            "(FY2027, FY2028-MID, FY2030-FINAL) or id."
        ),
        "invalid": _("Name the stage gate by its code (e.g. FY2027) or id."),
    }

    def to_internal_value(self, data: object) -> StageGate:
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            self.fail("invalid")
        gate = stage_gate_by_reference(data, self.context["request"].user)
        if gate is None:
            self.fail("does_not_exist", reference=str(data)[:40])
        return gate

    def to_representation(self, gate: StageGate) -> str:
        return gate.code


class KPITargetSerializer(ReadModelSerializer):
    gate = serializers.IntegerField(source="gate_id", read_only=True)
    gate_code = serializers.CharField(
        source="gate.code", read_only=True, help_text=_("e.g. FY2027, FY2028-MID.")
    )
    review_date = serializers.DateField(source="gate.review_date", read_only=True)

    class Meta:
        model = KPITarget
        fields = [
            "gate",
            "gate_code",
            "review_date",
            "target_value",
            "amber_value",
            "note_ja",
            "note_en",
        ]
        read_only_fields = fields


class KPIDefinitionSerializer(StrictModelSerializer):
    owner = VisibleSlugRelatedField(
        selector=organizations_visible_to, help_text=_("The owner organization's code.")
    )
    targets = KPITargetSerializer(
        many=True, read_only=True, help_text=_("The KPI's target at each gate where it is judged.")
    )

    class Meta:
        model = KPIDefinition
        fields = [
            "code",
            "name_ja",
            "name_en",
            "description_ja",
            "description_en",
            "unit",
            "direction",
            "aggregation",
            "combination",
            "source",
            "owner",
            "order",
            "targets",
        ]


class GateQuerySerializer(StrictSerializer):
    gate = StageGateReferenceField(
        required=False,
        help_text=_("The gate's code (e.g. FY2027) or id; by default the next gate to review."),
    )


class GateSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text=_("e.g. FY2027, FY2028-MID."))
    title = serializers.CharField()
    review_date = serializers.DateField()


class MonthValueSerializer(serializers.Serializer):
    month = serializers.DateField(help_text=_("The month's first day (Tokyo time)."))
    value = serializers.FloatField(allow_null=True, help_text=_("Null: no data that month."))


class KPIStatusSerializer(serializers.Serializer):
    kpi = serializers.CharField(source="kpi.code", help_text=_("The KPI's code."))
    name = serializers.CharField(source="kpi.name")
    unit = serializers.ChoiceField(source="kpi.unit", choices=Unit.choices)
    direction = serializers.ChoiceField(source="kpi.direction", choices=Direction.choices)
    target = serializers.FloatField(
        source="target.target_value", allow_null=True, help_text=_("Null: no target at this gate.")
    )
    amber = serializers.FloatField(
        source="target.amber_value",
        allow_null=True,
        help_text=_("The worst value still counted as amber; null without a target."),
    )
    month = serializers.DateField(
        allow_null=True, help_text=_("The latest month with data within the trend, if any.")
    )
    value = serializers.FloatField(allow_null=True, help_text=_("That month's value."))
    status = serializers.ChoiceField(
        choices=Status.choices,
        allow_null=True,
        help_text=_("green, amber, red or no_data; null when the KPI has no target at the gate."),
    )
    trend = MonthValueSerializer(
        many=True, help_text=_("The twelve months up to the moment the gate is judged at.")
    )


class GateStatusSerializer(serializers.Serializer):
    gate = GateSummarySerializer()
    at = serializers.DateTimeField(
        help_text=_(
            "The moment the gate is judged at: the end of its review day, or now while "
            "that is still ahead."
        )
    )
    kpis = KPIStatusSerializer(many=True)


class SeriesQuerySerializer(StrictSerializer):
    subject = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        trim_whitespace=False,
        help_text=_(
            "One subject's series (a cluster, an industry, an adopter; empty for the "
            "programme as a whole) instead of the KPI's combined series. Partners get "
            "their own organization's figures of a subject only."
        ),
    )
    first = serializers.DateField(required=False, help_text=_("From this date's month."))
    last = serializers.DateField(required=False, help_text=_("Up to this date's month."))

    def validate(self, data: dict) -> dict:
        if "first" in data and "last" in data and data["first"] > data["last"]:
            raise serializers.ValidationError({"last": _("The last month precedes the first.")})
        return data


class KPISeriesSerializer(serializers.Serializer):
    kpi = serializers.CharField(help_text=_("The KPI's code."))
    unit = serializers.ChoiceField(choices=Unit.choices)
    subject = serializers.CharField(
        allow_null=True, help_text=_("The subject asked for; null for the combined series.")
    )
    months = MonthValueSerializer(many=True, help_text=_("Every month with data, oldest first."))


# --------------------------------------------------------------- measurements, batches


class MeasurementSerializer(ReadModelSerializer):
    kpi = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("The KPI's code.")
    )
    organization = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("Whose measurement it is.")
    )
    unit = serializers.ChoiceField(
        source="kpi.unit", choices=Unit.choices, read_only=True, help_text=_("The KPI's unit.")
    )
    superseded_by = serializers.SerializerMethodField(
        help_text=_("The correction that replaced this value; null while it is current.")
    )

    class Meta:
        model = Measurement
        fields = [
            "id",
            "kpi",
            "organization",
            "subject",
            "start",
            "end",
            "value",
            "unit",
            "batch",
            "supersedes",
            "superseded_by",
        ]
        read_only_fields = fields

    def get_superseded_by(self, measurement: Measurement) -> int | None:
        try:
            return measurement.superseded_by.pk
        except Measurement.DoesNotExist:
            return None


class IngestBatchSerializer(ReadModelSerializer):
    submitted_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        help_text=_("Who sent it; null for the tracker itself (scrape, computed KPIs, seed)."),
    )
    organization = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("Whose measurements these are.")
    )

    class Meta:
        model = IngestBatch
        fields = [
            "id",
            "source",
            "submitted_by",
            "organization",
            "received_at",
            "row_count",
            "superseded_count",
            "unchanged_count",
            "checksum",
            "file_name",
        ]
        read_only_fields = fields


# ------------------------------------------------------------------------------ incidents


class IncidentSerializer(StrictModelSerializer):
    organization = VisibleSlugRelatedField(
        selector=organizations_visible_to,
        help_text=_("The organization's code; a partner records their own organization's."),
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "occurred_on",
            "severity",
            "organization",
            "title",
            "description",
            "corrective_action",
            "resolved_on",
        ]
