"""Reports: a request for a PDF, its rendering by a worker, and every download of it.

A :class:`Report` row is the durable record of a request: it exists before any message
reaches the broker, so a request made while the broker is down is found again by the
sweeper. Once it has succeeded, its PDF and the facts that prove it unaltered (SHA-256,
size, pages) never change; :mod:`reports.services` is the only writer.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jvtracker.common.storage import private_storage
from milestones.models import StageGate
from reports.choices import GATE_KINDS, ReportKind, ReportLanguage, ReportStatus, RequestChannel


def report_upload_to(instance: Report, filename: str) -> str:
    # Named by the report and its content, so the name alone reveals nothing and two
    # renderings of one report (a redelivered task) cannot collide with another's file.
    return f"reports/{instance.requested_at:%Y/%m}/{instance.pk:08d}-{filename}"


class Report(models.Model):
    """One requested PDF: what was asked for, by whom, and how its rendering went."""

    kind = models.CharField(_("kind"), max_length=32, choices=ReportKind.choices)
    gate = models.ForeignKey(
        StageGate,
        verbose_name=_("stage gate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    as_of = models.DateField(_("as of"), help_text=_("The report states what was known then."))
    # The instant the content is read as of: the end of the as-of day, or the moment of the
    # request when that is today, so rendering later (or again) reads the same state.
    knowledge_cutoff = models.DateTimeField(_("knowledge cut-off"))
    language = models.CharField(
        _("language"), max_length=2, choices=ReportLanguage.choices, default=ReportLanguage.JAPANESE
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    # Empty only for a request from the command line, which is the server operator's.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_via = models.CharField(
        _("requested via"), max_length=16, choices=RequestChannel.choices
    )
    requested_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(
        _("PDF"), upload_to=report_upload_to, storage=private_storage, blank=True, max_length=200
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "requested_at"], name="report_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ReportKind.values), name="report_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(language__in=ReportLanguage.values), name="report_language_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="report_status_known"
            ),
            models.CheckConstraint(
                condition=Q(requested_by__isnull=False) | Q(requested_via=RequestChannel.COMMAND),
                name="report_requested_by_someone",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=GATE_KINDS) | Q(gate__isnull=False),
                name="report_gate_kinds_have_gate",
            ),
            # A succeeded report has its PDF and the facts that prove it unaltered.
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.SUCCEEDED)
                | (
                    ~Q(file="")
                    & Q(sha256__regex=r"^[0-9a-f]{64}$")
                    & Q(size__gt=0)
                    & Q(pages__gt=0)
                    & Q(finished_at__isnull=False)
                ),
                name="report_succeeded_has_pdf",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.FAILED)
                | (~Q(error="") & Q(finished_at__isnull=False)),
                name="report_failed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"

    @property
    def reference(self) -> str:
        """The id printed on the report's cover and in every list: RPT-000042."""
        return f"RPT-{self.pk:06d}" if self.pk else "RPT-(new)"

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportStatus.SUCCEEDED, ReportStatus.FAILED)

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    def download_name(self) -> str:
        """The file name offered to the browser, e.g. RPT-000042_stage_gate_FY2027_ja.pdf."""
        parts = [self.reference, self.kind]
        if self.gate_id is not None:
            parts.append(self.gate.code)
        parts += [self.as_of.isoformat(), self.language]
        return "_".join(parts) + ".pdf"


class ReportDownload(models.Model):
    """One download of a report's PDF: the audit record of who took the evidence, when."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.PROTECT, related_name="downloads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report download")
        verbose_name_plural = _("report downloads")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.report.reference} {self.user} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"
