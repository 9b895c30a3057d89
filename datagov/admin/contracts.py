"""The contract register: filters, the workflow actions and the read-only history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from datagov import selectors
from datagov.admin.base import (
    NO_SAVE_BUTTONS,
    DatagovAdmin,
    PurposeResourceMixin,
    codes,
    swap_field,
)
from datagov.choices import ContractStatus, DataTier
from datagov.fields import purpose_labels
from datagov.models import ContractTemplate, ContractTransition, DataContract, SignedDocument
from datagov.services import (
    contract_approve,
    contract_deviation_approve,
    contract_reject,
    contract_review_start,
    contract_save,
    contract_terminate,
)
from jvtracker.admin import ExportResource


class DataContractResource(PurposeResourceMixin, ExportResource):
    template_version = Field(
        attribute="template__version", column_name=capfirst(_("version")), readonly=True
    )
    tier = Field(column_name=capfirst(_("tier")), readonly=True)
    datasets = Field(column_name=capfirst(_("datasets covered")), readonly=True)

    class Meta:
        model = DataContract
        exclude = ("id",)
        export_order = (
            "reference",
            "title",
            "provider",
            "template",
            "template_version",
            "tier",
            "status",
            "effective_date",
            "expiry_date",
            "datasets",
        )

    def dehydrate_tier(self, contract: DataContract) -> str:
        return str(DataTier(contract.template.tier).label)

    def dehydrate_datasets(self, contract: DataContract) -> str:
        return codes(contract.datasets.all())


class ContractStatusFilter(admin.SimpleListFilter):
    """The statuses, and the PMO's queue: contracts awaiting a decision."""

    title = _("status")
    parameter_name = "status"
    AWAITING = "awaiting"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [(self.AWAITING, _("Awaiting a decision")), *ContractStatus.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == self.AWAITING:
            return queryset.filter(pk__in=selectors.contracts_awaiting_decision().values("pk"))
        if self.value() in ContractStatus.values:
            return queryset.filter(status=self.value())
        return queryset


class ExpiryFilter(admin.SimpleListFilter):
    """When the term ends. "Within" lists active contracts only: those are the ones to renew."""

    title = _("expiry")
    parameter_name = "expiry"
    EXPIRED, WITHIN_WARNING, WITHIN_YEAR, LATER = "expired", "within_90", "within_year", "later"
    YEAR_DAYS = 365

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [
            (self.EXPIRED, _("Term ended")),
            (
                self.WITHIN_WARNING,
                _("Active, expiring within %(days)s days")
                % {"days": selectors.EXPIRY_WARNING_DAYS},
            ),
            (self.WITHIN_YEAR, _("Active, expiring within a year")),
            (self.LATER, _("Ending in more than a year")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        if self.value() == self.EXPIRED:
            return queryset.filter(expiry_date__lt=today)
        if self.value() == self.WITHIN_WARNING:
            return queryset.filter(pk__in=selectors.contracts_expiring().values("pk"))
        if self.value() == self.WITHIN_YEAR:
            expiring = selectors.contracts_expiring(within_days=self.YEAR_DAYS)
            return queryset.filter(pk__in=expiring.values("pk"))
        if self.value() == self.LATER:
            return queryset.filter(expiry_date__gt=today + dt.timedelta(days=self.YEAR_DAYS))
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ContractTransitionInline(ReadOnlyInline):
    """Who moved the contract from which status to which, and when."""

    model = ContractTransition
    fields = ("from_status", "to_status", "actor", "at", "effective_on", "note")
    readonly_fields = fields
    ordering = ("at", "pk")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContractTransition]:
        return super().get_queryset(request).select_related("actor")


class SignedDocumentInline(ReadOnlyInline):
    """The signed PDFs the provider uploaded; downloaded only through the checked view."""

    model = SignedDocument
    # Never the file field itself: rendering it would ask the URL-less storage for a URL.
    fields = (
        "original_name",
        "page_count",
        "size_display",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "download",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SignedDocument]:
        return selectors.documents_visible_to(request.user)

    @admin.display(description=_("size"))
    def size_display(self, document: SignedDocument) -> str:
        return filesizeformat(document.size)

    @admin.display(description=_("download"))
    def download(self, document: SignedDocument) -> SafeString | str:
        if document.pk is None:
            return ""
        url = reverse("datagov:document-download", kwargs={"pk": document.pk})
        return format_html('<a href="{}" download>{}</a>', url, gettext("Download"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=capfirst(_("reason")),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Recorded with the status change and shown to the provider."),
    )


@admin.register(DataContract)
class DataContractAdmin(DatagovAdmin):
    """The contract register. Only a draft is edited; every later step is an action."""

    resource_classes = [DataContractResource]
    list_display = (
        "reference",
        "title",
        "provider",
        "template_version",
        "tier",
        "status",
        "effective_date",
        "expiry_date",
        "deviation_pending",
    )
    list_filter = (
        ContractStatusFilter,
        "template__tier",
        "datasets__industry",
        "provider",
        ExpiryFilter,
    )
    list_select_related = ("provider", "template")
    search_fields = ("reference", "title")
    ordering = ("-effective_date", "reference")
    filter_horizontal = ("datasets",)
    fieldsets = (
        (None, {"fields": ("reference", "title", "provider", "template", "datasets")}),
        (
            _("Permitted uses"),
            {
                "fields": (
                    "permitted_uses",
                    "deviation_uses_labels",
                    "deviation_reason",
                    "deviation_approved_by",
                    "deviation_approved_at",
                )
            },
        ),
        (_("Term"), {"fields": ("effective_date", "expiry_date")}),
        (_("Status"), {"fields": ("status", "created_by", "notes")}),
    )
    readonly_fields = (
        "reference",
        "permitted_uses_labels",
        "deviation_uses_labels",
        "deviation_approved_by",
        "deviation_approved_at",
        "status",
        "created_by",
    )
    inlines = [ContractTransitionInline, SignedDocumentInline]
    actions = ["start_review", "approve", "approve_deviation", "reject", "terminate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[DataContract]:
        queryset = selectors.contracts_visible_to(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    @staticmethod
    def _frozen(obj: DataContract | None) -> bool:
        return obj is not None and obj.status != ContractStatus.DRAFT

    def get_readonly_fields(self, request: HttpRequest, obj: DataContract | None = None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if self._frozen(obj):
            readonly += (
                "title",
                "provider",
                "template",
                "datasets",
                "permitted_uses",
                "deviation_reason",
                "effective_date",
                "expiry_date",
                "notes",
            )
        return readonly

    def get_fieldsets(self, request: HttpRequest, obj: DataContract | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if self._frozen(obj) or not self.has_change_permission(request, obj):
            return swap_field(fieldsets, "permitted_uses", "permitted_uses_labels")
        return fieldsets

    def get_inline_instances(self, request: HttpRequest, obj: DataContract | None = None):
        # A new contract has no history and no document yet.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "template" in form.base_fields:
            templates = selectors.templates_current()
            if obj is not None:
                # A draft keeps the version it was started under even once it is replaced.
                templates = templates | ContractTemplate.objects.filter(pk=obj.template_id)
            form.base_fields["template"].queryset = templates.order_by("code", "-version")
        return form

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.name == "datasets":
            kwargs["queryset"] = selectors.datasets_visible_to(request.user).order_by(
                "provider__code", "code"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        if self._frozen(self.get_object(request, unquote(object_id))):
            extra_context = {**NO_SAVE_BUTTONS, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("template version"), ordering="template__code")
    def template_version(self, contract: DataContract) -> str:
        return f"{contract.template.code} v{contract.template.version}"

    @admin.display(description=_("tier"), ordering="template__tier")
    def tier(self, contract: DataContract) -> str:
        return str(DataTier(contract.template.tier).label)

    @admin.display(description=_("deviation pending"), boolean=True)
    def deviation_pending(self, contract: DataContract) -> bool:
        return contract.deviation_pending

    @admin.display(description=_("permitted uses"))
    def permitted_uses_labels(self, contract: DataContract) -> str:
        return purpose_labels(contract.permitted_uses)

    @admin.display(description=_("uses beyond the template"))
    def deviation_uses_labels(self, contract: DataContract) -> str:
        if contract.pk is None or contract.template_id is None:
            return ""
        return purpose_labels(contract.deviation_uses) or self.get_empty_value_display()

    def save_model(self, request: HttpRequest, obj: DataContract, form, change: bool) -> None:
        # The datasets go through the service too, which checks whose they are and their
        # tier; form.save_m2m() would set them unchecked.
        contract_save(contract=obj, actor=request.user, datasets=form.cleaned_data.get("datasets"))

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # ----------------------------------------------------------------------- actions

    @admin.action(description=_("Start review"), permissions=["change"])
    def start_review(self, request: HttpRequest, queryset: QuerySet[DataContract]) -> None:
        self.run_each(
            request,
            queryset,
            lambda c: contract_review_start(contract=c, actor=request.user),
            gettext("review started."),
        )

    @admin.action(description=_("Approve"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[DataContract]) -> None:
        self.run_each(
            request,
            queryset,
            lambda c: contract_approve(contract=c, actor=request.user),
            gettext("approved; the contract is active."),
        )

    @admin.action(description=_("Approve deviation"), permissions=["change"])
    def approve_deviation(self, request: HttpRequest, queryset: QuerySet[DataContract]) -> None:
        self.run_each(
            request,
            queryset,
            lambda c: contract_deviation_approve(contract=c, actor=request.user),
            gettext("deviation approved."),
        )

    @admin.action(description=_("Reject (return to provider)"), permissions=["change"])
    def reject(
        self, request: HttpRequest, queryset: QuerySet[DataContract]
    ) -> TemplateResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="reject",
            title=gettext("Return contracts to the provider"),
            step=lambda c, reason: contract_reject(contract=c, actor=request.user, reason=reason),
            done=gettext("returned to the provider as a draft."),
        )

    @admin.action(description=pgettext_lazy("contract", "Terminate"), permissions=["change"])
    def terminate(
        self, request: HttpRequest, queryset: QuerySet[DataContract]
    ) -> TemplateResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="terminate",
            title=gettext("Terminate contracts"),
            step=lambda c, reason: contract_terminate(
                contract=c, actor=request.user, reason=reason
            ),
            done=gettext("terminated."),
        )

    def _with_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet[DataContract],
        *,
        action: str,
        title: str,
        step: Callable[[DataContract, str], DataContract],
        done: str,
    ) -> TemplateResponse | None:
        """Ask for the reason on a confirmation page (as delete-selected does), then act."""
        form = ReasonForm(request.POST if "post" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self.run_each(request, queryset, lambda c: step(c, reason), done)
            return None
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "form": form,
            "action": action,
            "queryset": queryset,
            "opts": self.opts,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(
            request, "admin/datagov/datacontract/reason_confirmation.html", context
        )
