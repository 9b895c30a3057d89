"""Admin of the programme: the PMO's working screen for milestones, gates and risks.

Thin like the API: every save calls the service of milestones.services, and the forms
show the models' own validation (clean()) beside the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count, F, QuerySet, TextField
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field
from import_export.widgets import IntegerWidget

from jvtracker.admin import ExportResource, ServiceModelAdmin
from jvtracker.common.fiscal import FiscalYear
from jvtracker.models import User
from kpis.choices import Status
from kpis.selectors import kpi_status
from milestones.models import (
    Deliverable,
    EvidenceFile,
    GateCondition,
    GateCriterion,
    Milestone,
    Programme,
    Risk,
    StageGate,
    Track,
)
from milestones.services import (
    deliverable_save,
    evidence_attach,
    gate_condition_save,
    gate_criterion_save,
    milestone_save,
    programme_save,
    risk_save,
    stage_gate_save,
    track_save,
)
from milestones.templatetags.jpdates import date_label, span_label
from reports.admin import stage_gate_reports_request
from reports.services import may_request_reports


def _save_criterion(criterion: GateCriterion, actor: User) -> GateCriterion:
    return gate_criterion_save(criterion=criterion, actor=actor)


def _save_condition(condition: GateCondition, actor: User) -> GateCondition:
    return gate_condition_save(condition=condition, actor=actor)


def _save_deliverable(deliverable: Deliverable, actor: User) -> Deliverable:
    return deliverable_save(deliverable=deliverable, actor=actor)


def _file_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _download_link(evidence: EvidenceFile) -> SafeString | str:
    if evidence.pk is None:
        return ""
    url = reverse("milestones:evidence-download", args=[evidence.pk])
    return format_html('<a href="{}" download>{}</a>', url, gettext("Download"))


class FiscalYearFilter(admin.SimpleListFilter):
    """Gates by fiscal year, labelled 2027年度 / FY2027 as everywhere else."""

    title = _("fiscal year")
    parameter_name = "fiscal_year"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        years = model_admin.get_queryset(request).values_list("fiscal_year", flat=True)
        return [(str(year), FiscalYear(year).label()) for year in sorted(set(years))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() and self.value().isascii() and self.value().isdigit():
            return queryset.filter(fiscal_year=int(self.value()))
        return queryset


# ----------------------------------------------------------------------------- resources


class ProgrammeResource(ExportResource):
    class Meta:
        model = Programme
        exclude = ("id",)


class TrackResource(ExportResource):
    class Meta:
        model = Track
        exclude = ("id",)


class MilestoneResource(ExportResource):
    class Meta:
        model = Milestone
        exclude = ("id",)
        export_order = ("programme", "code", "track", "title_ja", "title_en", "due_date")


class StageGateResource(ExportResource):
    class Meta:
        model = StageGate
        exclude = ("id",)
        export_order = ("programme", "fiscal_year", "kind", "title_ja", "title_en")


class GateCriterionResource(ExportResource):
    class Meta:
        model = GateCriterion
        exclude = ("id",)


class GateConditionResource(ExportResource):
    class Meta:
        model = GateCondition
        exclude = ("id",)


class DeliverableResource(ExportResource):
    milestone_code = Field(
        attribute="milestone__code", column_name=capfirst(_("milestone code")), readonly=True
    )

    class Meta:
        model = Deliverable
        export_order = ("id", "milestone_code", "milestone")


class EvidenceFileResource(ExportResource):
    milestone_code = Field(
        attribute="deliverable__milestone__code",
        column_name=capfirst(_("milestone code")),
        readonly=True,
    )

    class Meta:
        model = EvidenceFile
        # The stored name is generated and means nothing outside the server.
        exclude = ("file",)
        export_order = ("id", "milestone_code", "deliverable")


class RiskResource(ExportResource):
    # Numbers, not "4: high": the register is sorted and charted by them in Excel.
    likelihood = Field(
        attribute="likelihood",
        column_name=capfirst(_("likelihood")),
        widget=IntegerWidget(),
        readonly=True,
    )
    impact = Field(
        attribute="impact",
        column_name=capfirst(_("impact")),
        widget=IntegerWidget(),
        readonly=True,
    )
    score = Field(
        attribute="score",
        column_name=capfirst(_("score (likelihood × impact)")),
        widget=IntegerWidget(),
        readonly=True,
    )

    class Meta:
        model = Risk
        exclude = ("id",)
        export_order = (
            "code",
            "category",
            "title_ja",
            "title_en",
            "likelihood",
            "impact",
            "score",
        )


# ------------------------------------------------------------------------------- inlines


class DeliverableInline(admin.TabularInline):
    model = Deliverable
    fields = ("title_ja", "title_en", "due_date", "status", "evidence_count")
    readonly_fields = ("evidence_count",)
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Deliverable]:
        return super().get_queryset(request).annotate(evidence_total=Count("evidence"))

    @admin.display(description=_("evidence files"))
    def evidence_count(self, deliverable: Deliverable) -> int:
        return getattr(deliverable, "evidence_total", 0)


# Criteria and conditions are a sentence or two: keep the inline rows compact.
COMPACT_TEXT = {TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 48})}}


def kpi_holds_label(criterion: GateCriterion) -> str:
    """Whether a KPI-bound criterion holds today: its KPI green at the criterion's gate."""
    if criterion.pk is None or criterion.kpi_id is None:
        return ""
    status = kpi_status(kpi=criterion.kpi, gate=criterion.gate).status
    if status is None:
        return gettext("Not judged: the KPI has no target at this gate")
    if status == Status.NO_DATA:
        return gettext("Does not hold: the KPI has no recent data")
    if status == Status.GREEN:
        return gettext("Holds: the KPI meets its target")
    return gettext("Does not hold: the KPI misses its target")


class GateCriterionInline(admin.TabularInline):
    model = GateCriterion
    fields = ("order", "axis", "text_ja", "text_en", "assessment", "kpi", "kpi_holds")
    readonly_fields = ("kpi_holds",)
    formfield_overrides = COMPACT_TEXT
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[GateCriterion]:
        return super().get_queryset(request).select_related("gate", "kpi")

    @admin.display(description=_("KPI at this gate"))
    def kpi_holds(self, criterion: GateCriterion) -> str:
        return kpi_holds_label(criterion)


class GateConditionInline(admin.TabularInline):
    model = GateCondition
    fields = ("text_ja", "text_en", "owner", "due_date", "fulfilled_on")
    formfield_overrides = COMPACT_TEXT
    extra = 0


class EvidenceFileInline(admin.TabularInline):
    """Evidence is shown, never edited here: files come in through the upload form only."""

    model = EvidenceFile
    fields = ("original_name", "size_display", "sha256", "uploaded_by", "uploaded_at", "download")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvidenceFile]:
        return super().get_queryset(request).select_related("uploaded_by")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("size"))
    def size_display(self, evidence: EvidenceFile) -> str:
        return _file_size(evidence.size)

    @admin.display(description=_("download"))
    def download(self, evidence: EvidenceFile) -> SafeString | str:
        return _download_link(evidence)


# -------------------------------------------------------------------------------- admins


@admin.register(Programme)
class ProgrammeAdmin(ServiceModelAdmin):
    resource_classes = [ProgrammeResource]
    list_display = (
        "code",
        "name_ja",
        "name_en",
        "funder",
        "first_fiscal_year",
        "last_fiscal_year",
        "opens_on",
    )
    list_select_related = ("funder",)
    search_fields = ("code", "name_ja", "name_en")
    ordering = ("first_fiscal_year", "code")

    def save_model(self, request: HttpRequest, obj: Programme, form, change: bool) -> None:
        programme_save(programme=obj, actor=request.user)


@admin.register(Track)
class TrackAdmin(ServiceModelAdmin):
    resource_classes = [TrackResource]
    list_display = ("code", "name_ja", "name_en", "order")
    search_fields = ("code", "name_ja", "name_en")
    ordering = ("order", "code")

    def save_model(self, request: HttpRequest, obj: Track, form, change: bool) -> None:
        track_save(track=obj, actor=request.user)


@admin.register(Milestone)
class MilestoneAdmin(ServiceModelAdmin):
    resource_classes = [MilestoneResource]
    list_display = ("code", "title", "track", "due", "status", "owner")
    list_filter = ("status", "track", "owner", "date_precision", "programme")
    list_select_related = ("track", "owner", "programme")
    search_fields = ("code", "title_ja", "title_en", "description_ja", "description_en")
    date_hierarchy = "due_date"
    ordering = ("due_date", "code")
    fieldsets = (
        (None, {"fields": ("programme", "code", "track", "owner", "status")}),
        (
            _("Title and description"),
            {"fields": ("title_ja", "title_en", "description_ja", "description_en")},
        ),
        (_("Dates"), {"fields": ("window_start", "due_date", "date_precision")}),
        (_("Evidence"), {"fields": ("evidence",)}),
    )
    inlines = [DeliverableInline]
    inline_saves = {Deliverable: _save_deliverable}

    @admin.display(description=_("title"), ordering="title_ja")
    def title(self, milestone: Milestone) -> str:
        return milestone.title

    @admin.display(description=_("due"), ordering="due_date")
    def due(self, milestone: Milestone) -> str:
        return span_label(milestone.window_start, milestone.due_date, milestone.date_precision)

    def save_model(self, request: HttpRequest, obj: Milestone, form, change: bool) -> None:
        milestone_save(milestone=obj, actor=request.user)


@admin.register(StageGate)
class StageGateAdmin(ServiceModelAdmin):
    resource_classes = [StageGateResource]
    list_display = (
        "title",
        "fiscal_year_label",
        "kind",
        "review",
        "decision",
        "decision_date",
        "criteria_count",
    )
    list_filter = ("kind", "decision", FiscalYearFilter, "programme")
    list_select_related = ("programme",)
    search_fields = ("title_ja", "title_en", "rationale")
    date_hierarchy = "review_date"
    ordering = ("review_date", "kind")
    fieldsets = (
        (
            None,
            {"fields": ("programme", "fiscal_year", "kind", "title_ja", "title_en", "review_date")},
        ),
        (_("Decision"), {"fields": ("decision", "decision_date", "rationale")}),
        (
            _("Scores on NEDO's evaluation axes"),
            {
                "fields": (
                    "score_positioning",
                    "score_management",
                    "score_results",
                    "score_outlook",
                )
            },
        ),
    )
    inlines = [GateCriterionInline, GateConditionInline]
    inline_saves = {GateCriterion: _save_criterion, GateCondition: _save_condition}
    actions = ["generate_report"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StageGate]:
        return super().get_queryset(request).annotate(criteria_total=Count("criteria"))

    @admin.action(description=_("Generate stage-gate report"), permissions=["request_report"])
    def generate_report(
        self, request: HttpRequest, queryset: QuerySet[StageGate]
    ) -> HttpResponse | None:
        return stage_gate_reports_request(self, request, queryset)

    def has_request_report_permission(self, request: HttpRequest) -> bool:
        return may_request_reports(request.user)

    @admin.display(description=_("title"), ordering="title_ja")
    def title(self, gate: StageGate) -> str:
        return gate.title

    @admin.display(description=_("fiscal year"), ordering="fiscal_year")
    def fiscal_year_label(self, gate: StageGate) -> str:
        return FiscalYear(gate.fiscal_year).label()

    @admin.display(description=_("review date"), ordering="review_date")
    def review(self, gate: StageGate) -> str:
        return date_label(gate.review_date)

    @admin.display(description=_("criteria"), ordering="criteria_total")
    def criteria_count(self, gate: StageGate) -> int:
        return getattr(gate, "criteria_total", 0)

    def save_model(self, request: HttpRequest, obj: StageGate, form, change: bool) -> None:
        stage_gate_save(gate=obj, actor=request.user)


@admin.register(GateCriterion)
class GateCriterionAdmin(ServiceModelAdmin):
    resource_classes = [GateCriterionResource]
    list_display = ("__str__", "gate", "axis", "assessment", "kpi", "kpi_holds", "order")
    list_filter = ("axis", "assessment", "gate__kind", "gate__fiscal_year")
    list_select_related = ("gate", "kpi")
    fields = ("gate", "axis", "text_ja", "text_en", "assessment", "order", "kpi", "kpi_holds")
    readonly_fields = ("kpi_holds",)
    search_fields = ("text_ja", "text_en", "gate__title_ja", "gate__title_en")
    ordering = ("gate__review_date", "order", "pk")

    @admin.display(description=_("KPI at this gate"))
    def kpi_holds(self, criterion: GateCriterion) -> str:
        return kpi_holds_label(criterion)

    def save_model(self, request: HttpRequest, obj: GateCriterion, form, change: bool) -> None:
        gate_criterion_save(criterion=obj, actor=request.user)


@admin.register(GateCondition)
class GateConditionAdmin(ServiceModelAdmin):
    resource_classes = [GateConditionResource]
    list_display = ("__str__", "gate", "owner", "due_date", "fulfilled_on")
    list_filter = (("fulfilled_on", admin.EmptyFieldListFilter), "owner", "gate__kind")
    list_select_related = ("gate", "owner")
    search_fields = ("text_ja", "text_en", "gate__title_ja", "gate__title_en")
    date_hierarchy = "due_date"
    ordering = ("due_date", "pk")

    def save_model(self, request: HttpRequest, obj: GateCondition, form, change: bool) -> None:
        gate_condition_save(condition=obj, actor=request.user)


@admin.register(Deliverable)
class DeliverableAdmin(ServiceModelAdmin):
    resource_classes = [DeliverableResource]
    list_display = ("__str__", "milestone", "due_date", "status", "evidence_count")
    list_filter = ("status", "milestone__track", "milestone")
    list_select_related = ("milestone",)
    search_fields = ("title_ja", "title_en", "milestone__code", "milestone__title_ja")
    date_hierarchy = "due_date"
    ordering = ("milestone__due_date", "due_date", "pk")
    fields = ("milestone", "title_ja", "title_en", "due_date", "status", "add_evidence")
    readonly_fields = ("add_evidence",)
    inlines = [EvidenceFileInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Deliverable]:
        return super().get_queryset(request).annotate(evidence_total=Count("evidence"))

    def get_fields(self, request: HttpRequest, obj: Deliverable | None = None) -> Any:
        fields = super().get_fields(request, obj)
        if not request.user.has_perm("milestones.add_evidencefile"):
            fields = [name for name in fields if name != "add_evidence"]
        return fields

    @admin.display(description=_("evidence files"), ordering="evidence_total")
    def evidence_count(self, deliverable: Deliverable) -> int:
        return getattr(deliverable, "evidence_total", 0)

    @admin.display(description=_("add evidence"))
    def add_evidence(self, deliverable: Deliverable) -> SafeString | str:
        if deliverable.pk is None:
            return gettext("Save the deliverable first, then attach its evidence.")
        url = reverse("admin:milestones_evidencefile_add")
        return format_html(
            '<a class="addlink" href="{}?deliverable={}">{}</a>',
            url,
            deliverable.pk,
            gettext("Upload an evidence file"),
        )

    def save_model(self, request: HttpRequest, obj: Deliverable, form, change: bool) -> None:
        deliverable_save(deliverable=obj, actor=request.user)


class EvidenceUploadForm(forms.Form):
    deliverable = forms.ModelChoiceField(
        queryset=Deliverable.objects.select_related("milestone").order_by(
            "milestone__due_date", "due_date", "pk"
        ),
        label=capfirst(_("deliverable")),
    )
    file = forms.FileField(
        label=capfirst(_("file")),
        help_text=_("Stored privately with its SHA-256; only staff can download it."),
    )


def _add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError beside the fields the form has, the rest on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ServiceModelAdmin):
    """Upload only: an evidence file is a fact, never edited or deleted through the admin."""

    resource_classes = [EvidenceFileResource]
    list_display = (
        "original_name",
        "deliverable",
        "milestone",
        "size_display",
        "short_sha256",
        "uploaded_by",
        "uploaded_at",
        "download",
    )
    list_filter = ("deliverable__milestone__track", "uploaded_by__organization")
    list_select_related = ("deliverable__milestone", "uploaded_by")
    search_fields = (
        "original_name",
        "sha256",
        "deliverable__title_ja",
        "deliverable__title_en",
        "deliverable__milestone__code",
    )
    date_hierarchy = "uploaded_at"
    ordering = ("-uploaded_at",)
    # Never the file field itself: rendering it would ask the URL-less storage for a URL.
    fields = (
        "deliverable",
        "original_name",
        "size_display",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "download",
    )
    readonly_fields = fields

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("milestone"), ordering="deliverable__milestone__due_date")
    def milestone(self, evidence: EvidenceFile) -> Milestone:
        return evidence.deliverable.milestone

    @admin.display(description=_("size"), ordering="size")
    def size_display(self, evidence: EvidenceFile) -> str:
        return _file_size(evidence.size)

    @admin.display(description=_("SHA-256"), ordering="sha256")
    def short_sha256(self, evidence: EvidenceFile) -> SafeString:
        return format_html('<code title="{}">{}…</code>', evidence.sha256, evidence.sha256[:12])

    @admin.display(description=_("download"))
    def download(self, evidence: EvidenceFile) -> SafeString | str:
        return _download_link(evidence)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """Upload through evidence_attach, whose errors (size, emptiness) show on the form."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = EvidenceUploadForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    evidence = evidence_attach(
                        deliverable=form.cleaned_data["deliverable"],
                        upload=form.cleaned_data["file"],
                        actor=request.user,
                    )
                except ValidationError as error:
                    _add_service_errors(form, error)
                else:
                    self.log_addition(request, evidence, [{"added": {}}])
                    return self.response_add(request, evidence)
        else:
            form = EvidenceUploadForm(initial=self.get_changeform_initial_data(request))

        admin_form = helpers.AdminForm(
            form, [(None, {"fields": ["deliverable", "file"]})], {}, model_admin=self
        )
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": _("Add %s") % self.opts.verbose_name,
            "subtitle": None,
            "adminform": admin_form,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)


@admin.register(Risk)
class RiskAdmin(ServiceModelAdmin):
    resource_classes = [RiskResource]
    list_display = (
        "code",
        "title",
        "category",
        "likelihood_level",
        "impact_level",
        "score",
        "owner",
        "status",
        "review_date",
    )
    list_filter = ("category", "status", "likelihood", "impact", "owner")
    list_select_related = ("owner",)
    search_fields = ("code", "title_ja", "title_en", "description_ja", "description_en")
    date_hierarchy = "review_date"
    ordering = ((F("likelihood") * F("impact")).desc(), "code")
    fieldsets = (
        (None, {"fields": ("code", "category", "owner", "status", "review_date")}),
        (
            _("Title and description"),
            {"fields": ("title_ja", "title_en", "description_ja", "description_en")},
        ),
        (_("Assessment"), {"fields": ("likelihood", "impact")}),
        (_("Mitigation"), {"fields": ("mitigation_ja", "mitigation_en")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Risk]:
        # Not "score": that is the model's read-only property.
        return super().get_queryset(request).annotate(risk_score=F("likelihood") * F("impact"))

    @admin.display(description=_("title"), ordering="title_ja")
    def title(self, risk: Risk) -> str:
        return risk.title

    # Bare numbers keep the register narrow; the filters show the scale's labels.
    @admin.display(description=_("likelihood"), ordering="likelihood")
    def likelihood_level(self, risk: Risk) -> int:
        return risk.likelihood

    @admin.display(description=_("impact"), ordering="impact")
    def impact_level(self, risk: Risk) -> int:
        return risk.impact

    @admin.display(description=_("score (likelihood × impact)"), ordering="risk_score")
    def score(self, risk: Risk) -> int:
        return risk.score

    def save_model(self, request: HttpRequest, obj: Risk, form, change: bool) -> None:
        risk_save(risk=obj, actor=request.user)
