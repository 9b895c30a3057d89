"""KPIs, their targets per stage gate, and the measurements that show where they stand.

Measurements are append-only and arrive in ingest batches; the batch is their audit record
(who, when, how, how many, checksum), so they carry no history of their own. A correction
is a new measurement that supersedes the old one. ``MonthlyValue`` is a derived cache of
the current measurements, rebuilt by the ingest service, so that status and series read a
few hundred rows instead of millions.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jvtracker.common.models import localized
from jvtracker.models import Organization
from kpis.choices import (
    Aggregation,
    BatchSource,
    Combination,
    Direction,
    IncidentSeverity,
    KPISource,
    Unit,
)
from kpis.units import UnitError, checked_value
from milestones.models import StageGate

RESERVED_KPI_CODES = frozenset({"status"})


class KPIDefinition(models.Model):
    code = models.SlugField(
        _("code"),
        max_length=64,
        unique=True,
        help_text=_("Used by the API, imports and the scrape, e.g. gpu_utilization."),
    )
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    unit = models.CharField(_("unit"), max_length=32, choices=Unit.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    aggregation = models.CharField(
        _("monthly value"),
        max_length=32,
        choices=Aggregation.choices,
        help_text=_("How a month's value is formed from one subject's measurements."),
    )
    combination = models.CharField(
        _("subjects combined by"),
        max_length=8,
        choices=Combination.choices,
        default=Combination.SUM,
        help_text=_(
            "How the monthly values of several subjects (clusters, industries, adopters) "
            "form the KPI's value."
        ),
    )
    source = models.CharField(_("source"), max_length=16, choices=KPISource.choices)
    owner = models.ForeignKey(
        Organization, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="kpis"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return localized(self, "name")

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.HIGHER_IS_BETTER

    def clean(self) -> None:
        # /api/v1/kpis/<code>/ would be shadowed by the collection's own actions.
        if self.code in RESERVED_KPI_CODES:
            raise ValidationError(
                {
                    "code": _("“%(code)s” is a reserved word; choose another code.")
                    % {"code": self.code}
                }
            )


class KPITarget(models.Model):
    """What a KPI must reach by a stage gate, and the bound below which it is red.

    Higher-is-better: green at or above the target, amber at or above the amber bound,
    red below it. Lower-is-better mirrors this. Both bounds are inclusive.
    """

    kpi = models.ForeignKey(
        KPIDefinition, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="targets"
    )
    gate = models.ForeignKey(
        StageGate,
        verbose_name=_("stage gate"),
        on_delete=models.PROTECT,
        related_name="kpi_targets",
    )
    target_value = models.FloatField(_("target"))
    amber_value = models.FloatField(
        _("amber threshold"),
        help_text=_(
            "The worst value still counted as amber: below the target for a higher-is-better "
            "KPI, above it for a lower-is-better one. Equal to the target means no amber band."
        ),
    )
    note_ja = models.TextField(_("note (Japanese)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["kpi", "gate__review_date"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "gate"], name="kpitarget_one_per_gate"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} @ {self.gate}"

    def clean(self) -> None:
        if self.kpi_id is None or self.target_value is None or self.amber_value is None:
            return
        errors = {}
        for field in ("target_value", "amber_value"):
            try:
                checked_value(getattr(self, field), self.kpi.unit)
            except UnitError as error:
                errors[field] = str(error)
        if self.kpi.higher_is_better and self.amber_value > self.target_value:
            errors.setdefault(
                "amber_value",
                _("For a higher-is-better KPI the amber threshold may not exceed the target."),
            )
        if not self.kpi.higher_is_better and self.amber_value < self.target_value:
            errors.setdefault(
                "amber_value",
                _("For a lower-is-better KPI the amber threshold may not be below the target."),
            )
        if errors:
            raise ValidationError(errors)


class IngestBatch(models.Model):
    """One delivery of measurements: the audit record of every row it brought."""

    source = models.CharField(_("source"), max_length=16, choices=BatchSource.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the tracker itself (scrape, computed KPIs, seed)."),
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="kpi_batches",
        help_text=_("Whose measurements these are."),
    )
    # The moment the ingest service accepted the batch: what a report "as of" a date
    # reads measurements by.
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    row_count = models.PositiveIntegerField(_("rows stored"))
    superseded_count = models.PositiveIntegerField(_("corrections"), default=0)
    # Rows that repeated the current value of their measurement (a system re-sending the
    # last day every hour, say): received and checked, not stored again.
    unchanged_count = models.PositiveIntegerField(_("unchanged rows"), default=0)
    checksum = models.CharField(
        _("checksum (SHA-256)"),
        max_length=64,
        db_index=True,
        help_text=_(
            "Of the organization and the normalised rows: the same rows sent again are "
            "recognised, unless they were corrected since."
        ),
    )
    file_name = models.CharField(_("file or URL"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("ingest batch")
        verbose_name_plural = _("ingest batches")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_source_display()} ({self.row_count})"


class Measurement(models.Model):
    """A value of a KPI at an instant (``end`` empty) or over a period [start, end).

    Never updated or deleted: a correction is a new row pointing at the one it supersedes.
    """

    id = models.BigAutoField(primary_key=True)
    kpi = models.ForeignKey(
        KPIDefinition, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="measurements"
    )
    batch = models.ForeignKey(
        IngestBatch,
        verbose_name=_("ingest batch"),
        on_delete=models.PROTECT,
        related_name="measurements",
    )
    # Whose measurement this is (its batch's organization, kept here because it is part of
    # the measurement's identity): another organization's figure for the same KPI, subject
    # and time is its own measurement, never a correction of this one.
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(
        _("subject"),
        max_length=64,
        blank=True,
        help_text=_("What was measured within the KPI: a cluster, an industry, an adopter."),
    )
    start = models.DateTimeField(_("at / from"))
    end = models.DateTimeField(_("until"), null=True, blank=True)
    value = models.FloatField(_("value"))
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["kpi", "subject", "start", "id"]
        indexes = [
            models.Index(
                fields=["kpi", "organization", "subject", "start"], name="measurement_series"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")),
                name="measurement_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.subject} {self.start:%Y-%m-%d %H:%M} = {self.value:g}"


class MonthlyValue(models.Model):
    """A subject's value of a KPI for one calendar month (Tokyo time), from the current
    measurements. Derived, so not audited: ``monthly_values_rebuild`` recreates it."""

    kpi = models.ForeignKey(
        KPIDefinition, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="months"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=64, blank=True)
    month = models.DateField(_("month"))
    value = models.FloatField(_("value"))
    samples = models.PositiveIntegerField(_("measurements"))

    class Meta:
        verbose_name = _("monthly value")
        verbose_name_plural = _("monthly values")
        ordering = ["kpi", "month", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "month", "organization", "subject"],
                name="monthlyvalue_one_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_id} {self.subject} {self.month:%Y-%m} = {self.value:g}"


class SafetyCheck(models.Model):
    """One item of the safety-evaluation pipeline the PMO keeps; the pipeline is in place
    when every required item is done."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    text_ja = models.CharField(_("item (Japanese)"), max_length=300)
    text_en = models.CharField(_("item (English)"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=True)
    done_on = models.DateField(_("in place since"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("safety-evaluation check")
        verbose_name_plural = _("safety-evaluation checklist")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return localized(self, "text")


class Incident(models.Model):
    occurred_on = models.DateField(_("occurred on"))
    severity = models.PositiveSmallIntegerField(_("severity"), choices=IncidentSeverity.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    corrective_action = models.TextField(_("corrective action"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=5), name="incident_severity_in_scale"
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=models.F("occurred_on")),
                name="incident_resolved_after_occurring",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.title}"

    def clean(self) -> None:
        # The database refuses it too; this names the field.
        if self.resolved_on and self.occurred_on and self.resolved_on < self.occurred_on:
            raise ValidationError(
                {"resolved_on": _("An incident is resolved on or after the day it occurred.")}
            )
