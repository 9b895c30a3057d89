"""KPI definitions with their targets per gate, and the KPI board."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jvtracker.admin import ExportResource
from jvtracker.models import User
from kpis import board, selectors
from kpis.admin.base import (
    KPIServiceAdmin,
    ServiceInline,
    kpi_value,
    month_label,
    refusals_reported,
)
from kpis.choices import Status, Unit
from kpis.forms import GateChoiceForm
from kpis.models import KPIDefinition, KPITarget
from kpis.periods import add_months
from kpis.services import kpi_save, kpi_target_save

# The KPI change page shows this many months of each subject.
SUBJECT_MONTHS = 12


def _save_target(target: KPITarget, actor: User) -> KPITarget:
    return kpi_target_save(target=target, actor=actor)


def measurements_url(kpi: KPIDefinition) -> str:
    """The measurement history, filtered to one KPI."""
    return board.admin_history_url(kpi)


class KPIDefinitionResource(ExportResource):
    class Meta:
        model = KPIDefinition
        exclude = ("id",)
        export_order = ("code", "name_ja", "name_en", "unit", "direction", "aggregation")


class KPITargetResource(ExportResource):
    class Meta:
        model = KPITarget
        exclude = ("id",)
        export_order = ("kpi", "gate", "target_value", "amber_value")


class KPITargetInline(ServiceInline):
    model = KPITarget
    fields = ("gate", "target_value", "amber_value", "note_ja", "note_en")
    ordering = ("gate__review_date",)
    # The target's own page has its history.
    show_change_link = True
    # Notes are a line or two; full-size text areas made the page twice the screen's width.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 36})}
    }

    def get_queryset(self, request: HttpRequest) -> QuerySet[KPITarget]:
        return selectors.kpi_targets_visible_to(request.user)


@admin.register(KPIDefinition)
class KPIDefinitionAdmin(KPIServiceAdmin):
    # import-export wraps this in its own template that adds the export button.
    change_list_template = "admin/kpis/kpidefinition/change_list.html"
    resource_classes = [KPIDefinitionResource]
    list_display = ("code", "name", "unit", "direction", "aggregation", "source", "owner")
    list_filter = ("unit", "direction", "source", "owner")
    list_select_related = ("owner",)
    search_fields = ("code", "name_ja", "name_en")
    ordering = ("order", "code")
    fieldsets = (
        (None, {"fields": ("code", "name_ja", "name_en", "owner", "order")}),
        (
            _("How it is measured"),
            {"fields": ("unit", "direction", "aggregation", "combination", "source")},
        ),
        (_("Description"), {"fields": ("description_ja", "description_en")}),
    )
    measurement_fieldset = (
        _("Measurements"),
        {"fields": ("measurement_history", "subject_months")},
    )
    readonly_fields = ("measurement_history", "subject_months")
    inlines = [KPITargetInline]
    inline_saves = {KPITarget: _save_target}

    def get_queryset(self, request: HttpRequest) -> QuerySet[KPIDefinition]:
        queryset = selectors.kpis_visible_to(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_fieldsets(self, request: HttpRequest, obj: KPIDefinition | None = None):
        fieldsets = list(super().get_fieldsets(request, obj))
        # A KPI being added has no measurements yet.
        return [*fieldsets, self.measurement_fieldset] if obj is not None else fieldsets

    def get_urls(self) -> list:
        board = path("board/", self.admin_site.admin_view(self.board_view), name="kpis_board")
        return [board, *super().get_urls()]

    @admin.display(description=_("name"), ordering="name_ja")
    def name(self, kpi: KPIDefinition) -> str:
        return kpi.name

    @admin.display(description=_("measurement history"))
    def measurement_history(self, kpi: KPIDefinition) -> SafeString | str:
        if kpi.pk is None:
            return ""
        return format_html(
            '<a href="{}">{}</a>', measurements_url(kpi), gettext("Every measurement of this KPI")
        )

    @admin.display(description=_("last 12 months by subject"))
    def subject_months(self, kpi: KPIDefinition) -> SafeString | str:
        """Each subject's monthly value, read from the monthly values (never measurements)."""
        if kpi.pk is None:
            return ""
        series = selectors.kpi_subject_series(kpi=kpi)
        if not series:
            return gettext("No measurements yet.")
        last = max(month for values in series.values() for month, _value in values)
        months = [add_months(last, offset) for offset in range(-(SUBJECT_MONTHS - 1), 1)]
        rows = [
            {
                "subject": subject or gettext("(programme as a whole)"),
                "cells": [
                    kpi_value(dict(values).get(month), kpi.unit, with_unit=False)
                    for month in months
                ],
            }
            for subject, values in sorted(series.items())
        ]
        return render_to_string(
            "admin/kpis/kpidefinition/subject_months.html",
            {
                "months": [month_label(month) for month in months],
                "rows": rows,
                "unit": Unit(kpi.unit).label,
            },
        )

    def save_model(self, request: HttpRequest, obj: KPIDefinition, form, change: bool) -> None:
        with refusals_reported():
            kpi_save(kpi=obj, actor=request.user)

    # ------------------------------------------------------------------------- the board

    def board_view(self, request: HttpRequest) -> TemplateResponse:
        """Where every KPI stands against a gate's target: the next gate unless one is
        chosen, each with its status and the trend of the last twelve months."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        chosen = GateChoiceForm(request.GET)
        gate = (
            chosen.cleaned_data["gate"]
            if "gate" in request.GET and chosen.is_valid()
            else selectors.next_gate()
        )
        # The rows the board page shows too, with links to the admin's own pages.
        rows = board.with_admin_links(board.board_rows(request.user, gate))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("KPI board"),
            "subtitle": gate.title if gate is not None else None,
            "opts": self.opts,
            "form": GateChoiceForm(initial={"gate": gate}),
            "gate": gate,
            "rows": rows,
            "statuses": [(status.value, status.label) for status in Status],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/kpis/board.html", context)


@admin.register(KPITarget)
class KPITargetAdmin(KPIServiceAdmin):
    """Every KPI's targets, gate by gate; also edited inline on the KPI's page."""

    resource_classes = [KPITargetResource]
    list_display = ("kpi", "gate", "target", "amber")
    list_filter = ("gate", "kpi")
    list_select_related = ("kpi", "gate")
    search_fields = ("kpi__code", "kpi__name_ja", "kpi__name_en")
    ordering = ("gate__review_date", "kpi__order", "kpi__code")
    fields = ("kpi", "gate", "target_value", "amber_value", "note_ja", "note_en")

    def get_queryset(self, request: HttpRequest) -> QuerySet[KPITarget]:
        queryset = selectors.kpi_targets_visible_to(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    @admin.display(description=_("target"), ordering="target_value")
    def target(self, target: KPITarget) -> str:
        return kpi_value(target.target_value, target.kpi.unit)

    @admin.display(description=_("amber threshold"), ordering="amber_value")
    def amber(self, target: KPITarget) -> str:
        return kpi_value(target.amber_value, target.kpi.unit)

    def save_model(self, request: HttpRequest, obj: KPITarget, form, change: bool) -> None:
        with refusals_reported():
            kpi_target_save(target=obj, actor=request.user)
