"""Model artifacts, training runs through the contamination guard, and the report."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from datagov import selectors
from datagov.admin.base import DatagovAdmin, ServiceErrorForm, codes
from datagov.forms import add_service_errors
from datagov.models import ModelArtifact, TrainingRun
from datagov.services import (
    artifact_save,
    training_run_check,
    training_run_register,
    training_run_update,
)
from jvtracker.admin import ExportResource


class ModelArtifactResource(ExportResource):
    class Meta:
        model = ModelArtifact
        exclude = ("id",)


class TrainingRunResource(ExportResource):
    datasets = Field(column_name=capfirst(_("input datasets")), readonly=True)
    input_artifacts = Field(column_name=capfirst(_("input artifacts")), readonly=True)

    class Meta:
        model = TrainingRun
        exclude = ("id",)
        export_order = ("code", "purpose", "target", "started_on", "finished_on")

    def dehydrate_datasets(self, run: TrainingRun) -> str:
        return codes(run.datasets.all())

    def dehydrate_input_artifacts(self, run: TrainingRun) -> str:
        return codes(run.input_artifacts.all())


@admin.register(ModelArtifact)
class ModelArtifactAdmin(DatagovAdmin):
    resource_classes = [ModelArtifactResource]
    list_display = ("code", "name", "kind", "responsible", "run_count")
    list_filter = ("kind", "responsible")
    search_fields = ("code", "name_ja", "name_en")
    ordering = ("kind", "code")
    fields = ("code", "name_ja", "name_en", "kind", "responsible", "description", "runs_list")
    readonly_fields = ("runs_list",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ModelArtifact]:
        queryset = selectors.artifacts_visible_to(request.user).annotate(run_total=Count("runs"))
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_urls(self) -> list:
        report = path(
            "contamination/",
            self.admin_site.admin_view(self.contamination_view),
            name="datagov_contamination",
        )
        return [report, *super().get_urls()]

    @admin.display(description=_("name"), ordering="name_ja")
    def name(self, artifact: ModelArtifact) -> str:
        return artifact.name

    @admin.display(description=_("training runs"), ordering="run_total")
    def run_count(self, artifact: ModelArtifact) -> int:
        return getattr(artifact, "run_total", 0)

    @admin.display(description=_("training runs"))
    def runs_list(self, artifact: ModelArtifact) -> SafeString | str:
        if artifact.pk is None:
            return ""
        runs = artifact.runs.order_by("started_on", "code")
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:datagov_trainingrun_change", args=[r.pk]), r.code) for r in runs),
        )

    def contamination_view(self, request: HttpRequest) -> TemplateResponse:
        """Every artifact's transitive datasets, tiers and contracts; contaminated first."""
        if not request.user.has_perm("datagov.view_modelartifact"):
            raise PermissionDenied
        report = selectors.contamination_report()
        contaminated = sum(1 for lineage in report if lineage.contaminated)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Contamination report"),
            "opts": self.opts,
            "report": report,
            "contaminated_count": contaminated,
            "summary": ngettext(
                "%(count)d base model is touched by restricted or secret data.",
                "%(count)d base models are touched by restricted or secret data.",
                contaminated,
            )
            % {"count": contaminated},
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/datagov/contamination.html", context)

    def save_model(self, request: HttpRequest, obj: ModelArtifact, form, change: bool) -> None:
        artifact_save(artifact=obj, actor=request.user)


class TrainingRunForm(ServiceErrorForm):
    """Runs the contamination guard while the form is checked, so its refusal, naming the
    dataset, tier and contract, appears beside the inputs."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk is not None:
            return cleaned
        purpose, target, started_on = (
            cleaned.get("purpose"),
            cleaned.get("target"),
            cleaned.get("started_on"),
        )
        if not (purpose and target and started_on):
            return cleaned
        run = TrainingRun(code=cleaned.get("code", ""), purpose=purpose, started_on=started_on)
        run.target = target
        try:
            training_run_check(
                run=run,
                datasets=cleaned.get("datasets") or [],
                input_artifacts=cleaned.get("input_artifacts") or [],
            )
        except ValidationError as error:
            add_service_errors(self, error)
        return cleaned


@admin.register(TrainingRun)
class TrainingRunAdmin(DatagovAdmin):
    """Runs are registered through the guard; afterwards only their end and notes change."""

    resource_classes = [TrainingRunResource]
    form = TrainingRunForm
    list_display = ("code", "purpose", "target", "started_on", "finished_on", "responsible")
    list_filter = ("purpose", "target__kind", "responsible")
    list_select_related = ("target", "responsible")
    search_fields = ("code", "target__code", "target__name_ja", "target__name_en")
    date_hierarchy = "started_on"
    ordering = ("-started_on", "code")
    filter_horizontal = ("datasets", "input_artifacts")
    fields = (
        "code",
        "purpose",
        "target",
        "responsible",
        "started_on",
        "finished_on",
        "datasets",
        "input_artifacts",
        "notes",
    )
    REGISTERED = ("code", "purpose", "target", "responsible", "started_on")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrainingRun]:
        queryset = selectors.training_runs_visible_to(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_readonly_fields(self, request: HttpRequest, obj: TrainingRun | None = None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += (*self.REGISTERED, "datasets", "input_artifacts")
        return readonly

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.name == "datasets":
            kwargs["queryset"] = selectors.datasets_visible_to(request.user).order_by(
                "provider__code", "code"
            )
        elif db_field.name == "input_artifacts":
            kwargs["queryset"] = selectors.artifacts_visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.name == "target":
            kwargs["queryset"] = selectors.artifacts_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: TrainingRun, form, change: bool) -> None:
        if change:
            training_run_update(run=obj, actor=request.user)
        else:
            training_run_register(
                run=obj,
                datasets=form.cleaned_data.get("datasets") or [],
                input_artifacts=form.cleaned_data.get("input_artifacts") or [],
                actor=request.user,
            )

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # training_run_register has set the inputs it checked; nothing else may set them.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
