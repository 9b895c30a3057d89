"""The lineage of the models the programme trains: artifacts and training runs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from datagov.choices import ARTIFACT_KIND_OF_PURPOSE, ArtifactKind, DataPurpose
from datagov.models.datasets import DataAsset
from jvtracker.common.models import localized
from jvtracker.models import Organization


class ModelArtifact(models.Model):
    """A model the programme produces: a base model, a specialised fine-tune, a RAG index,
    an edge distillate or a synthetic-data generator."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=ArtifactKind.choices)
    responsible = models.ForeignKey(
        Organization,
        verbose_name=_("responsible organization"),
        on_delete=models.PROTECT,
        related_name="model_artifacts",
    )
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("model artifact")
        verbose_name_plural = _("model artifacts")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return localized(self, "name")

    @property
    def name(self) -> str:
        return localized(self, "name")


class TrainingRun(models.Model):
    """A run that produces (or extends) an artifact from datasets and earlier artifacts.

    Registered only through ``datagov.services.training_run_register``, which refuses any
    input the tier policy or the contracts forbid for the run's purpose.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    purpose = models.CharField(_("kind"), max_length=32, choices=DataPurpose.choices)
    target = models.ForeignKey(
        ModelArtifact,
        verbose_name=_("target artifact"),
        on_delete=models.PROTECT,
        related_name="runs",
    )
    datasets = models.ManyToManyField(
        DataAsset, verbose_name=_("input datasets"), related_name="training_runs", blank=True
    )
    input_artifacts = models.ManyToManyField(
        ModelArtifact,
        verbose_name=_("input artifacts"),
        related_name="consumed_by_runs",
        blank=True,
        help_text=_("Artifacts this run starts from or distils."),
    )
    started_on = models.DateField(_("started on"))
    finished_on = models.DateField(_("finished on"), null=True, blank=True)
    responsible = models.ForeignKey(
        Organization,
        verbose_name=_("responsible organization"),
        on_delete=models.PROTECT,
        related_name="training_runs",
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(m2m_fields=[datasets, input_artifacts])

    class Meta:
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")
        ordering = ["-started_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_on__isnull=True) | Q(finished_on__gte=F("started_on")),
                name="trainingrun_finished_after_started",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.finished_on and self.started_on and self.finished_on < self.started_on:
            errors["finished_on"] = [_("A run cannot finish before it starts.")]
        if self.target_id is not None and self.purpose in DataPurpose.values:
            expected = ARTIFACT_KIND_OF_PURPOSE[self.purpose]
            if self.target.kind != expected:
                errors["target"] = [
                    _("A %(purpose)s run produces a %(kind)s, not a %(actual)s.")
                    % {
                        "purpose": DataPurpose(self.purpose).label,
                        "kind": ArtifactKind(expected).label,
                        "actual": ArtifactKind(self.target.kind).label,
                    }
                ]
        if errors:
            raise ValidationError(errors)
