"""Bodies of the programme API: milestones, stage gates (with criteria and conditions),
risks."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jvtracker.common.api.serializers import (
    StrictModelSerializer,
    StrictSerializer,
    VisibleSlugRelatedField,
)
from jvtracker.selectors import organizations_visible_to
from milestones.choices import GateDecision
from milestones.models import GateCondition, GateCriterion, Milestone, Risk, StageGate
from milestones.selectors import gate_criteria_kpi_met, tracks_visible_to


class MilestoneSerializer(StrictModelSerializer):
    programme = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        help_text=_("A new milestone joins the programme the tracker governs."),
    )
    track = VisibleSlugRelatedField(selector=tracks_visible_to, help_text=_("The track's code."))
    owner = VisibleSlugRelatedField(
        selector=organizations_visible_to, help_text=_("The owning organization's code.")
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "code",
            "programme",
            "track",
            "title_ja",
            "title_en",
            "description_ja",
            "description_en",
            "window_start",
            "due_date",
            "date_precision",
            "owner",
            "status",
            "evidence",
        ]


class GateCriterionSerializer(serializers.ModelSerializer):
    kpi = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=_("The KPI the criterion is bound to, by code; null when none."),
    )

    class Meta:
        model = GateCriterion
        fields = ["id", "axis", "text_ja", "text_en", "assessment", "order", "kpi"]
        read_only_fields = fields


class GateCriterionDetailSerializer(GateCriterionSerializer):
    kpi_met = serializers.SerializerMethodField(
        help_text=_(
            "Whether the bound KPI meets its target at this gate now; null for a criterion "
            "without a KPI."
        )
    )

    class Meta(GateCriterionSerializer.Meta):
        fields = [*GateCriterionSerializer.Meta.fields, "kpi_met"]
        read_only_fields = fields

    def get_kpi_met(self, criterion: GateCriterion) -> bool | None:
        if criterion.kpi_id is None:
            return None
        # One computation per gate for all its criteria, not one per criterion.
        by_gate = self.context.setdefault("kpi_met_by_gate", {})
        if criterion.gate_id not in by_gate:
            by_gate[criterion.gate_id] = gate_criteria_kpi_met(criterion.gate)
        return by_gate[criterion.gate_id].get(criterion.pk)


class GateConditionSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("The owning organization's code.")
    )

    class Meta:
        model = GateCondition
        fields = ["id", "text_ja", "text_en", "owner", "due_date", "fulfilled_on"]
        read_only_fields = fields


class StageGateSerializer(StrictModelSerializer):
    code = serializers.CharField(
        read_only=True,
        help_text=_("FY2027 for an annual gate, FY2028-MID, FY2030-FINAL for the evaluations."),
    )
    programme = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        help_text=_("A new gate joins the programme the tracker governs."),
    )
    criteria = GateCriterionSerializer(many=True, read_only=True)
    conditions = GateConditionSerializer(many=True, read_only=True)

    class Meta:
        model = StageGate
        fields = [
            "id",
            "code",
            "programme",
            "fiscal_year",
            "kind",
            "title_ja",
            "title_en",
            "review_date",
            "decision",
            "decision_date",
            "rationale",
            "score_positioning",
            "score_management",
            "score_results",
            "score_outlook",
            "criteria",
            "conditions",
        ]
        # A decision is recorded through POST …/decide/, never by editing the gate.
        read_only_fields = ["decision", "decision_date", "rationale"]


class StageGateDetailSerializer(StageGateSerializer):
    """One gate, its KPI-bound criteria judged (which costs queries per gate, so only
    here and not in the list)."""

    criteria = GateCriterionDetailSerializer(many=True, read_only=True)


class StageGateDecisionSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=GateDecision.choices)
    rationale = serializers.CharField(
        allow_blank=True, help_text=_("Required for any decision other than pending.")
    )
    decision_date = serializers.DateField(
        required=False, allow_null=True, help_text=_("Default: today.")
    )


class RiskSerializer(StrictModelSerializer):
    owner = VisibleSlugRelatedField(
        selector=organizations_visible_to, help_text=_("The owning organization's code.")
    )
    score = serializers.IntegerField(read_only=True, help_text=_("Likelihood × impact, 1 … 25."))

    class Meta:
        model = Risk
        fields = [
            "id",
            "code",
            "category",
            "title_ja",
            "title_en",
            "description_ja",
            "description_en",
            "likelihood",
            "impact",
            "score",
            "owner",
            "mitigation_ja",
            "mitigation_en",
            "status",
            "review_date",
        ]
