"""Contract templates: drafts are edited, published versions only shown."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from datagov import selectors
from datagov.admin.base import (
    NO_SAVE_BUTTONS,
    DatagovAdmin,
    PurposeResourceMixin,
    error_text,
    outcome,
    swap_field,
)
from datagov.fields import purpose_labels
from datagov.models import ContractTemplate
from datagov.services import template_new_version, template_publish, template_save
from jvtracker.admin import ExportResource


class ContractTemplateResource(PurposeResourceMixin, ExportResource):
    class Meta:
        model = ContractTemplate
        exclude = ("id",)
        export_order = ("code", "version", "status", "contract_type", "tier")


@admin.register(ContractTemplate)
class ContractTemplateAdmin(DatagovAdmin):
    """Drafts are edited here; a published or withdrawn version is shown, never changed."""

    resource_classes = [ContractTemplateResource]
    list_display = ("code", "version", "title", "contract_type", "tier", "status", "published_at")
    list_filter = ("status", "contract_type", "tier")
    search_fields = ("code", "title_ja", "title_en")
    ordering = ("code", "-version")
    fieldsets = (
        (None, {"fields": ("code", "version", "contract_type", "tier", "title_ja", "title_en")}),
        (
            _("Standard clauses"),
            {
                "fields": (
                    "redistribution_ja",
                    "redistribution_en",
                    "ip_attribution_ja",
                    "ip_attribution_en",
                    "synthetic_conversion_ja",
                    "synthetic_conversion_en",
                    "permitted_uses",
                    "retention_ja",
                    "retention_en",
                    "storage_ja",
                    "storage_en",
                )
            },
        ),
        (
            _("Publication"),
            {"fields": ("status", "published_at", "published_by", "documents")},
        ),
    )
    readonly_fields = (
        "status",
        "published_at",
        "published_by",
        "documents",
        "permitted_uses_labels",
    )
    actions = ["publish", "new_version"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContractTemplate]:
        queryset = selectors.templates_visible_to(request.user).select_related("published_by")
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_readonly_fields(self, request: HttpRequest, obj: ContractTemplate | None = None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_published:
            readonly += ContractTemplate.CONTENT_FIELDS
        return readonly

    def get_fieldsets(self, request: HttpRequest, obj: ContractTemplate | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if "permitted_uses" in self.get_readonly_fields(request, obj) or not (
            self.has_change_permission(request, obj)
        ):
            return swap_field(fieldsets, "permitted_uses", "permitted_uses_labels")
        return fieldsets

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        template = self.get_object(request, unquote(object_id))
        if template is not None and template.is_published:
            extra_context = {**NO_SAVE_BUTTONS, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("title"), ordering="title_ja")
    def title(self, template: ContractTemplate) -> str:
        return template.title

    @admin.display(description=_("permitted uses"))
    def permitted_uses_labels(self, template: ContractTemplate) -> str:
        return purpose_labels(template.permitted_uses)

    @admin.display(description=_("documents to sign"))
    def documents(self, template: ContractTemplate) -> SafeString | str:
        if template.pk is None:
            return gettext("Save the template first.")
        links = []
        for kind, label in (("html", "HTML"), ("pdf", "PDF")):
            url = reverse(f"datagov:template-document-{kind}", kwargs={"pk": template.pk})
            for language, name in (("ja", gettext("Japanese")), ("en", gettext("English"))):
                links.append((f"{url}?lang={language}", f"{label} ({name})"))
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @admin.action(description=_("Publish"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[ContractTemplate]) -> None:
        self.run_each(
            request,
            queryset,
            lambda template: template_publish(template=template, actor=request.user),
            gettext("published."),
        )

    @admin.action(description=_("Create new version"), permissions=["add"])
    def new_version(self, request: HttpRequest, queryset: QuerySet[ContractTemplate]) -> None:
        for template in queryset:
            try:
                draft = template_new_version(template=template, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, outcome(template, error_text(error)), messages.ERROR)
                continue
            url = reverse("admin:datagov_contracttemplate_change", args=[draft.pk])
            self.message_user(
                request,
                format_html(
                    '{}: <a href="{}">{}</a>',
                    str(template),
                    url,
                    gettext("draft version %(version)s created.") % {"version": draft.version},
                ),
                messages.SUCCESS,
            )

    def save_model(self, request: HttpRequest, obj: ContractTemplate, form, change: bool) -> None:
        template_save(template=obj, actor=request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # A draft nobody has signed may go; never from the list, where a published version
        # could be among the selected.
        return (
            obj is not None
            and not obj.is_published
            and super(DatagovAdmin, self).has_delete_permission(request, obj)
        )
