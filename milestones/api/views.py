"""Milestones, stage gates and risks: reads through ``milestones.selectors``, every write
through ``milestones.services`` (which refuse anyone but the PMO)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from jvtracker.common.api.filters import StrictFilterBackend, StrictOrderingFilter
from jvtracker.common.api.viewsets import ServiceViewSet
from milestones.api.serializers import (
    MilestoneSerializer,
    RiskSerializer,
    StageGateDecisionSerializer,
    StageGateDetailSerializer,
    StageGateSerializer,
)
from milestones.filters import MilestoneFilterSet, RiskFilterSet, StageGateFilterSet
from milestones.models import Milestone, Risk, StageGate
from milestones.selectors import (
    milestones_visible_to,
    risks_visible_to,
    stage_gate_by_code,
    stage_gates_visible_to,
)
from milestones.services import milestone_save, risk_save, stage_gate_decide, stage_gate_save

WRITABLE = ["get", "post", "put", "patch", "head", "options"]


class MilestoneViewSet(ServiceViewSet):
    """The programme's milestones: every role reads them; the PMO records them."""

    selector = milestones_visible_to
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilterSet
    ordering_fields = ["due_date", "code"]
    ordering = ["due_date", "code"]
    http_method_names = WRITABLE

    def save_object(self, instance: Milestone, data: dict, *, created: bool) -> Milestone:
        return milestone_save(milestone=instance, actor=self.request.user)


GATE_LOOKUP = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=_("The gate's id, or its code: FY2027, FY2028-MID, FY2030-FINAL."),
    pattern=r"^([0-9]+|[Ff][Yy][0-9]{4}(-[A-Za-z]+)?)$",
)


@extend_schema_view(
    retrieve=extend_schema(parameters=[GATE_LOOKUP]),
    update=extend_schema(parameters=[GATE_LOOKUP]),
    partial_update=extend_schema(parameters=[GATE_LOOKUP]),
)
class StageGateViewSet(ServiceViewSet):
    """The stage gates with their criteria and conditions: every role reads them; the PMO
    records them and the committee's decisions."""

    selector = stage_gates_visible_to
    filterset_class = StageGateFilterSet
    ordering_fields = ["review_date", "fiscal_year"]
    ordering = ["review_date", "kind"]
    http_method_names = WRITABLE
    # An id, or a code (FY2027-MID) resolved to the id before anything else looks at it.
    lookup_value_regex = r"[0-9]+|[Ff][Yy][0-9]{4}(?:-[A-Za-z]+)?"
    required_permissions = {"decide": ["milestones.change_stagegate"]}

    def get_serializer_class(self) -> type[StageGateSerializer]:
        return StageGateSerializer if self.action == "list" else StageGateDetailSerializer

    def initial(self, request: Request, *args, **kwargs) -> None:
        # Before the permission check, which looks the object up by id too.
        value = self.kwargs.get(self.lookup_field)
        if value and not value.isdigit() and request.user.is_authenticated:
            gate = stage_gate_by_code(value, self.get_queryset().prefetch_related(None))
            if gate is not None:
                self.kwargs[self.lookup_field] = str(gate.pk)
        super().initial(request, *args, **kwargs)

    def save_object(self, instance: StageGate, data: dict, *, created: bool) -> StageGate:
        return stage_gate_save(gate=instance, actor=self.request.user)

    @extend_schema(
        summary="Record the committee's decision on a gate",
        parameters=[GATE_LOOKUP],
        request=StageGateDecisionSerializer,
        responses={200: StageGateDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        gate = self.get_object()
        body = StageGateDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        gate = stage_gate_decide(gate=gate, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(gate).data)


class RiskOrderingFilter(StrictOrderingFilter):
    """``?ordering=score`` orders by the annotated ``risk_score`` (likelihood × impact):
    the model's ``score`` property keeps an annotation from taking its name."""

    aliases = {"score": "risk_score"}

    def get_ordering(self, request: Request, queryset: QuerySet, view) -> list[str]:
        ordering = super().get_ordering(request, queryset, view) or []
        return [self._alias(term) for term in ordering]

    def _alias(self, term: str) -> str:
        name = term.lstrip("-")
        return term[: len(term) - len(name)] + self.aliases.get(name, name)


class RiskViewSet(ServiceViewSet):
    """The risk register: the PMO's and policy staff's (partners see none); the PMO
    records it."""

    selector = risks_visible_to
    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet
    filter_backends = [StrictFilterBackend, RiskOrderingFilter]
    ordering_fields = ["score", "review_date", "code"]
    ordering = ["-score", "code"]
    http_method_names = WRITABLE

    def save_object(self, instance: Risk, data: dict, *, created: bool) -> Risk:
        return risk_save(risk=instance, actor=self.request.user)
