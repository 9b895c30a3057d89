"""Datasets: seen through the role's selector, so policy staff get secret ones redacted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from datagov import selectors
from datagov.admin.base import DatagovAdmin, codes
from datagov.choices import Allowance, DataPurpose, DataTier, StorageLocation
from datagov.models import DataAsset
from datagov.policy import TIER_POLICY
from datagov.services import dataset_conversion_approve, dataset_save
from jvtracker.admin import ExportResource
from jvtracker.common.text import listing


class DataAssetResource(ExportResource):
    contract_references = Field(column_name=capfirst(_("contracts")), readonly=True)

    class Meta:
        model = DataAsset
        exclude = ("id",)
        export_order = ("code", "name_ja", "name_en", "provider", "tier", "industry")

    def dehydrate_contract_references(self, dataset: DataAsset) -> str:
        return ", ".join(c.reference for c in dataset.contracts.all())


@admin.register(DataAsset)
class DataAssetAdmin(DatagovAdmin):
    resource_classes = [DataAssetResource]
    list_display = (
        "code",
        "name",
        "provider",
        "tier",
        "effective_tier_label",
        "industry",
        "contains_personal_data",
        "storage",
        "conversion_approved",
    )
    list_filter = ("tier", "industry", "provider", "storage_location", "contains_personal_data")
    search_fields = ("code", "name_ja", "name_en")
    ordering = ("provider__code", "code")
    fieldsets = (
        (None, {"fields": ("code", "name_ja", "name_en", "provider", "tier", "industry")}),
        (_("Description"), {"fields": ("description_ja", "description_en", "volume_tb")}),
        (
            _("Personal data and storage"),
            {"fields": ("contains_personal_data", "storage_location", "storage_detail")},
        ),
        (
            _("Synthetic derivation"),
            {
                "fields": (
                    "derived_from",
                    "conversion_method",
                    "dp_epsilon",
                    "conversion_note",
                    "conversion_approved_by",
                    "conversion_approved_at",
                )
            },
        ),
        (_("Derivatives and contracts"), {"fields": ("derivatives_list", "contracts_list")}),
    )
    readonly_fields = (
        "conversion_approved_by",
        "conversion_approved_at",
        "derivatives_list",
        "contracts_list",
    )
    actions = ["approve_conversion"]

    def get_urls(self) -> list:
        policy = path(
            "policy/",
            self.admin_site.admin_view(self.tier_policy_view),
            name="datagov_tier_policy",
        )
        return [policy, *super().get_urls()]

    def tier_policy_view(self, request: HttpRequest) -> TemplateResponse:
        """The tier policy as the services apply it: read from the one table, not restated."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = [
            {
                "tier": DataTier(tier),
                "cells": [(purpose, Allowance(rule.uses[purpose])) for purpose in DataPurpose],
                "rule": rule,
                "storage": listing(StorageLocation(p).label for p in rule.storage_locations),
            }
            for tier, rule in TIER_POLICY.items()
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Tier policy"),
            "opts": self.opts,
            "purposes": list(DataPurpose),
            "rows": rows,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/datagov/tier_policy.html", context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[DataAsset]:
        queryset = selectors.datasets_visible_to(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.name == "derived_from":
            kwargs["queryset"] = selectors.datasets_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("name"), ordering="name_ja")
    def name(self, dataset: DataAsset) -> str:
        return dataset.name

    @admin.display(description=_("effective tier"))
    def effective_tier_label(self, dataset: DataAsset) -> str:
        return str(dataset.effective_tier.label)

    @admin.display(description=_("storage"), ordering="storage_location")
    def storage(self, dataset: DataAsset) -> str:
        location = dataset.get_storage_location_display()
        return f"{location} ({dataset.storage_detail})" if dataset.storage_detail else location

    @admin.display(description=_("conversion approved"), boolean=True)
    def conversion_approved(self, dataset: DataAsset) -> bool | None:
        return dataset.conversion_approved if dataset.derived_from_id else None

    @admin.display(description=_("derivatives"))
    def derivatives_list(self, dataset: DataAsset) -> str:
        if dataset.pk is None:
            return ""
        return codes(dataset.derivatives.order_by("code")) or self.get_empty_value_display()

    @admin.display(description=_("covering contracts"))
    def contracts_list(self, dataset: DataAsset) -> SafeString | str:
        if dataset.pk is None:
            return ""
        contracts = dataset.contracts.order_by("reference")
        if not contracts:
            return self.get_empty_value_display()
        return format_html_join(
            ", ",
            '<a href="{}">{}</a> ({})',
            (
                (
                    reverse("admin:datagov_datacontract_change", args=[c.pk]),
                    c.reference,
                    c.get_status_display(),
                )
                for c in contracts
            ),
        )

    def _hidden(self, request: HttpRequest, object_id: str) -> bool:
        dataset = self.get_object(request, unquote(object_id))
        return dataset is not None and selectors.dataset_details_hidden_from(request.user, dataset)

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        # The history shows every past description and storage detail.
        if self._hidden(request, object_id):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ) -> HttpResponse:
        if self._hidden(request, object_id):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    @admin.action(description=_("Approve synthetic conversion"), permissions=["change"])
    def approve_conversion(self, request: HttpRequest, queryset: QuerySet[DataAsset]) -> None:
        self.run_each(
            request,
            queryset,
            lambda dataset: dataset_conversion_approve(dataset=dataset, actor=request.user),
            gettext("conversion approved."),
        )

    def save_model(self, request: HttpRequest, obj: DataAsset, form, change: bool) -> None:
        dataset_save(dataset=obj, actor=request.user)
