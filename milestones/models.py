"""The NEDO programme: its tracks, milestones, stage gates, deliverables and risks."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jvtracker.common.fiscal import FISCAL_YEAR_HELP, FiscalYear
from jvtracker.common.models import PrivateFile, localized
from jvtracker.common.storage import generated_name, private_storage
from jvtracker.models import Organization
from milestones.choices import (
    AxisScore,
    CriterionAssessment,
    DatePrecision,
    DeliverableStatus,
    EvaluationAxis,
    GateDecision,
    GateKind,
    MilestoneStatus,
    RiskCategory,
    RiskLevel,
    RiskStatus,
)

# The suffix of StageGate.code per kind; an annual gate has none.
GATE_CODE_SUFFIX = {GateKind.ANNUAL: "", GateKind.MID_TERM: "-MID", GateKind.FINAL: "-FINAL"}

fiscal_year_validators = [MinValueValidator(2000), MaxValueValidator(2100)]


class Programme(models.Model):
    """A funded programme, e.g. NEDO's multimodal foundation-model programme FY2026–2030.

    Its window runs from ``opens_on`` (the call for proposals, which may precede the first
    fiscal year) to the end of its last fiscal year.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    funder = models.ForeignKey(
        Organization, verbose_name=_("funder"), on_delete=models.PROTECT, related_name="+"
    )
    first_fiscal_year = models.PositiveSmallIntegerField(
        _("first fiscal year"), validators=fiscal_year_validators, help_text=FISCAL_YEAR_HELP
    )
    last_fiscal_year = models.PositiveSmallIntegerField(
        _("last fiscal year"), validators=fiscal_year_validators, help_text=FISCAL_YEAR_HELP
    )
    opens_on = models.DateField(
        _("opens on"),
        null=True,
        blank=True,
        help_text=_("When the programme's window opens (e.g. the call for proposals)."),
    )
    budget_note = models.TextField(_("budget note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["first_fiscal_year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_fiscal_year__lte=F("last_fiscal_year")),
                name="programme_fiscal_years_in_order",
            ),
        ]

    def __str__(self) -> str:
        return localized(self, "name")

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def window_start(self) -> dt.date:
        return self.opens_on or FiscalYear(self.first_fiscal_year).start

    @property
    def window_end(self) -> dt.date:
        return FiscalYear(self.last_fiscal_year).end

    @property
    def fiscal_years(self) -> list[FiscalYear]:
        return [FiscalYear(y) for y in range(self.first_fiscal_year, self.last_fiscal_year + 1)]

    def clean(self) -> None:
        super().clean()
        first, last = self.first_fiscal_year, self.last_fiscal_year
        if first is not None and last is not None and first > last:
            raise ValidationError(
                {"last_fiscal_year": _("The last fiscal year is before the first.")}
            )
        if self.opens_on and first is not None and self.opens_on > FiscalYear(first).end:
            raise ValidationError(
                {"opens_on": _("The window must open by the end of the first fiscal year.")}
            )

    def validate_within_window(self, field: str, day: dt.date | None) -> None:
        """Raise a ValidationError on ``field`` when ``day`` falls outside the window."""
        if day is not None and not (self.window_start <= day <= self.window_end):
            raise ValidationError(
                {
                    field: _("%(day)s is outside the programme window %(start)s … %(end)s.")
                    % {
                        "day": date_format(day),
                        "start": date_format(self.window_start),
                        "end": date_format(self.window_end),
                    }
                }
            )


class Track(models.Model):
    """A line of events on the timeline: the corporate track or the NEDO policy track."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return localized(self, "name")


class Milestone(models.Model):
    """An event the programme must reach, due on a date or within a window."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="milestones"
    )
    code = models.SlugField(_("code"), max_length=64)
    track = models.ForeignKey(
        Track, verbose_name=_("track"), on_delete=models.PROTECT, related_name="milestones"
    )
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    window_start = models.DateField(
        _("window start"),
        null=True,
        blank=True,
        help_text=_("For a milestone due within a window; leave blank for a single date."),
    )
    due_date = models.DateField(_("due date"))
    date_precision = models.CharField(
        _("date precision"),
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=_("Month when the source gives only a month: shown as 2026年3月."),
    )
    owner = models.ForeignKey(
        Organization, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="milestones"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    evidence = models.TextField(
        _("evidence"), blank=True, help_text=_("What shows the milestone was reached.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="milestone_code_unique"),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True) | Q(window_start__lte=F("due_date")),
                name="milestone_window_in_order",
            ),
        ]

    def __str__(self) -> str:
        return localized(self, "title")

    @property
    def title(self) -> str:
        return localized(self, "title")

    def clean(self) -> None:
        super().clean()
        if self.window_start and self.due_date and self.window_start > self.due_date:
            raise ValidationError({"window_start": _("The window starts after the due date.")})
        if self.programme_id is not None:
            self.programme.validate_within_window("due_date", self.due_date)
            self.programme.validate_within_window("window_start", self.window_start)


class StageGate(models.Model):
    """A NEDO stage-gate evaluation and the committee's decision on it."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="gates"
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=fiscal_year_validators, help_text=FISCAL_YEAR_HELP
    )
    kind = models.CharField(_("kind"), max_length=16, choices=GateKind.choices)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    review_date = models.DateField(_("review date"))
    decision = models.CharField(
        _("decision"), max_length=32, choices=GateDecision.choices, default=GateDecision.PENDING
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    score_positioning = models.PositiveSmallIntegerField(
        EvaluationAxis.POSITIONING.label, choices=AxisScore.choices, null=True, blank=True
    )
    score_management = models.PositiveSmallIntegerField(
        EvaluationAxis.MANAGEMENT.label, choices=AxisScore.choices, null=True, blank=True
    )
    score_results = models.PositiveSmallIntegerField(
        EvaluationAxis.RESULTS.label, choices=AxisScore.choices, null=True, blank=True
    )
    score_outlook = models.PositiveSmallIntegerField(
        EvaluationAxis.OUTLOOK.label, choices=AxisScore.choices, null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage gate")
        verbose_name_plural = _("stage gates")
        ordering = ["review_date", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "fiscal_year", "kind"], name="stagegate_one_per_year_and_kind"
            ),
            models.CheckConstraint(
                condition=Q(decision=GateDecision.PENDING)
                | (~Q(rationale="") & Q(decision_date__isnull=False)),
                name="stagegate_decision_has_rationale_and_date",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"score_{axis}__isnull": True})
                    | Q(**{f"score_{axis}__lte": AxisScore.A}),
                    name=f"stagegate_score_{axis}_in_scale",
                )
                for axis in EvaluationAxis.values
            ],
        ]

    def __str__(self) -> str:
        return localized(self, "title")

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def fiscal(self) -> FiscalYear:
        return FiscalYear(self.fiscal_year)

    @property
    def code(self) -> str:
        """How commands and files name the gate: FY2027 for an annual gate, FY2028-MID for
        the mid-term evaluation held in FY2028, FY2030-FINAL for the final one."""
        suffix = GATE_CODE_SUFFIX[self.kind]
        return f"FY{self.fiscal_year}{suffix}"

    def scores(self) -> dict[str, int | None]:
        return {axis: getattr(self, f"score_{axis}") for axis in EvaluationAxis.values}

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.decision and self.decision != GateDecision.PENDING:
            if not (self.rationale or "").strip():
                errors["rationale"] = _("A decision other than pending needs a rationale.")
            if self.decision_date is None:
                errors["decision_date"] = _("A decision other than pending needs its date.")
        if (
            self.fiscal_year
            and self.review_date
            and self.review_date < FiscalYear(self.fiscal_year).start
        ):
            errors["review_date"] = _(
                "The review date is before %(fy)s, the fiscal year it judges (from %(start)s)."
            ) % {"fy": self.fiscal.label(), "start": date_format(self.fiscal.start)}
        if self.decision_date and self.review_date and self.decision_date < self.review_date:
            errors["decision_date"] = _("The decision date is before the review date.")
        if self.programme_id is not None and self.fiscal_year:
            programme = self.programme
            if not programme.first_fiscal_year <= self.fiscal_year <= programme.last_fiscal_year:
                errors["fiscal_year"] = _("The programme runs %(first)s … %(last)s.") % {
                    "first": FiscalYear(programme.first_fiscal_year).label(),
                    "last": FiscalYear(programme.last_fiscal_year).label(),
                }
        if errors:
            raise ValidationError(errors)


class GateCriterion(models.Model):
    """What must hold at a gate, judged on one of NEDO's four axes."""

    gate = models.ForeignKey(
        StageGate, verbose_name=_("stage gate"), on_delete=models.CASCADE, related_name="criteria"
    )
    axis = models.CharField(_("evaluation axis"), max_length=16, choices=EvaluationAxis.choices)
    text_ja = models.TextField(_("criterion (Japanese)"))
    text_en = models.TextField(_("criterion (English)"), blank=True)
    assessment = models.CharField(
        _("assessment"),
        max_length=16,
        choices=CriterionAssessment.choices,
        default=CriterionAssessment.NOT_ASSESSED,
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kpi = models.ForeignKey(
        "kpis.KPIDefinition",
        verbose_name=_("KPI"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gate_criteria",
        help_text=_("When set, the criterion holds only if the KPI meets its target at this gate."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gate criterion")
        verbose_name_plural = _("gate criteria")
        ordering = ["gate", "order", "pk"]

    def __str__(self) -> str:
        return localized(self, "text")


class GateCondition(models.Model):
    """A condition attached to a gate decision, with who owns it and by when."""

    gate = models.ForeignKey(
        StageGate, verbose_name=_("stage gate"), on_delete=models.CASCADE, related_name="conditions"
    )
    text_ja = models.TextField(_("condition (Japanese)"))
    text_en = models.TextField(_("condition (English)"), blank=True)
    owner = models.ForeignKey(
        Organization, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    fulfilled_on = models.DateField(_("fulfilled on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gate condition")
        verbose_name_plural = _("gate conditions")
        ordering = ["gate", "due_date", "pk"]

    def __str__(self) -> str:
        return localized(self, "text")


class Deliverable(models.Model):
    """A deliverable of a milestone; its evidence files hang off it."""

    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        on_delete=models.PROTECT,
        related_name="deliverables",
    )
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DeliverableStatus.choices,
        default=DeliverableStatus.PLANNED,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        ordering = ["milestone", "due_date", "pk"]

    def __str__(self) -> str:
        return localized(self, "title")


def evidence_upload_to(instance: EvidenceFile, filename: str) -> str:
    return generated_name("evidence", filename)


class EvidenceFile(PrivateFile):
    """A file that evidences a deliverable; stored privately under a generated name."""

    deliverable = models.ForeignKey(
        Deliverable,
        verbose_name=_("deliverable"),
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, storage=private_storage)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["-uploaded_at"]


class Risk(models.Model):
    """An entry of the risk register."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    category = models.CharField(_("category"), max_length=32, choices=RiskCategory.choices)
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), choices=RiskLevel.choices)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=RiskLevel.choices)
    owner = models.ForeignKey(
        Organization, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="risks"
    )
    mitigation_ja = models.TextField(_("mitigation (Japanese)"), blank=True)
    mitigation_en = models.TextField(_("mitigation (English)"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RiskStatus.choices, default=RiskStatus.OPEN
    )
    review_date = models.DateField(_("next review"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risk register")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                name="risk_levels_in_scale",
            ),
        ]

    def __str__(self) -> str:
        return localized(self, "title")

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def score(self) -> int:
        """Likelihood × impact, 1 … 25."""
        return self.likelihood * self.impact
