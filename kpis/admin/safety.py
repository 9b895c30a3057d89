"""The safety-evaluation checklist and the incident register, both inputs of computed
KPIs: their services recompute the KPIs once the change is committed."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jvtracker.admin import ExportResource
from kpis import selectors
from kpis.admin.base import KPIServiceAdmin, refusals_reported
from kpis.models import Incident, SafetyCheck
from kpis.services import incident_save, safety_check_save


class SafetyCheckResource(ExportResource):
    class Meta:
        model = SafetyCheck
        exclude = ("id",)
        export_order = ("order", "code", "text_ja", "text_en", "required", "done_on")


class IncidentResource(ExportResource):
    class Meta:
        model = Incident
        exclude = ("id",)
        export_order = ("occurred_on", "severity", "organization", "title")


@admin.register(SafetyCheck)
class SafetyCheckAdmin(KPIServiceAdmin):
    resource_classes = [SafetyCheckResource]
    list_display = ("code", "text", "required", "done_on", "order")
    list_filter = ("required", ("done_on", admin.EmptyFieldListFilter))
    search_fields = ("code", "text_ja", "text_en")
    ordering = ("order", "code")
    fields = ("code", "text_ja", "text_en", "required", "done_on", "evidence", "order")

    def get_queryset(self, request: HttpRequest) -> QuerySet[SafetyCheck]:
        queryset = selectors.safety_checks()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    @admin.display(description=_("item"), ordering="text_ja")
    def text(self, check: SafetyCheck) -> str:
        return str(check)

    def save_model(self, request: HttpRequest, obj: SafetyCheck, form, change: bool) -> None:
        with refusals_reported():
            safety_check_save(check=obj, actor=request.user)


@admin.register(Incident)
class IncidentAdmin(KPIServiceAdmin):
    resource_classes = [IncidentResource]
    list_display = ("occurred_on", "severity", "organization", "title", "resolved_on")
    list_filter = ("severity", "organization", ("resolved_on", admin.EmptyFieldListFilter))
    list_select_related = ("organization",)
    search_fields = ("title", "description", "corrective_action")
    date_hierarchy = "occurred_on"
    ordering = ("-occurred_on", "-pk")
    fieldsets = (
        (None, {"fields": ("occurred_on", "severity", "organization", "title", "description")}),
        (_("Follow-up"), {"fields": ("corrective_action", "resolved_on")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        queryset = selectors.incidents_visible_to(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def save_model(self, request: HttpRequest, obj: Incident, form, change: bool) -> None:
        with refusals_reported():
            incident_save(incident=obj, actor=request.user)
