"""Data governance: datasets and their tiers, contract templates, contracts, and the
lineage of the models trained on them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP
from django.db.models.query import ModelIterable
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from datagov.choices import (
    ARTIFACT_KIND_OF_PURPOSE,
    ArtifactKind,
    ContractStatus,
    ContractType,
    ConversionMethod,
    DataPurpose,
    DataTier,
    StorageLocation,
    TemplateStatus,
)
from datagov.fields import PurposeSetField
from datagov.policy import tier_rule
from jvtracker.choices import Industry
from jvtracker.common.models import localized
from jvtracker.common.storage import generated_name, private_storage
from jvtracker.models import Organization

REDACTED = "—"


class RedactingIterable(ModelIterable):
    """Yields datasets with a secret dataset's description and storage details blanked.

    Used by the selectors for readers who may see that a secret dataset exists but not
    what it holds or where it lives (policy staff). A redacted instance refuses to save.
    """

    def __iter__(self):
        for dataset in super().__iter__():
            # A source loaded alongside (select_related) is as private as the dataset.
            source = dataset._state.fields_cache.get("derived_from")
            for item in (dataset, source):
                if item is not None and item.tier == DataTier.SECRET:
                    item.description_ja = item.description_en = REDACTED
                    item.storage_detail = REDACTED
                    item.is_redacted = True
            yield dataset


REDACTED_FIELDS = ("description_ja", "description_en", "storage_detail")


def _referenced(expression) -> list[str]:
    """Field names an expression passed to values() reads."""
    if isinstance(expression, F):
        return [expression.name]
    sources = getattr(expression, "get_source_expressions", list)()
    return [name for source in sources for name in _referenced(source)]


class DataAssetQuerySet(models.QuerySet):
    _redacting = False

    def redacted(self) -> DataAssetQuerySet:
        clone = self._chain()
        clone._iterable_class = RedactingIterable
        clone._redacting = True
        return clone

    def _clone(self) -> DataAssetQuerySet:
        clone = super()._clone()
        clone._redacting = self._redacting
        return clone

    def _refuse_redacted_values(self, fields: tuple, expressions: dict) -> None:
        # values() and values_list() bypass the redacting iterable: refuse to read the
        # redacted columns that way rather than hand them out unredacted.
        if not self._redacting:
            return
        names = [f for f in fields if isinstance(f, str)] if fields or expressions else ["*"]
        names += [name for e in (*fields, *expressions.values()) for name in _referenced(e)]
        if any(name == "*" or name.split(LOOKUP_SEP)[0] in REDACTED_FIELDS for name in names):
            raise ValueError("Redacted dataset fields cannot be read with values().")

    def values(self, *fields, **expressions) -> models.QuerySet:
        self._refuse_redacted_values(fields, expressions)
        return super().values(*fields, **expressions)

    def values_list(self, *fields, flat: bool = False, named: bool = False) -> models.QuerySet:
        self._refuse_redacted_values(fields, {})
        return super().values_list(*fields, flat=flat, named=named)


class DataAsset(models.Model):
    """A dataset a member provides (or the JV derives), with the tier that governs its use.

    A dataset derived as synthetic data from another records its source and conversion.
    Until the PMO approves that conversion the derivative is treated as strictly as its
    source (:attr:`effective_tier`); an approved conversion lets it travel as its own tier.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    provider = models.ForeignKey(
        Organization,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    tier = models.CharField(_("tier"), max_length=16, choices=DataTier.choices)
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    contains_personal_data = models.BooleanField(_("contains personal data"), default=False)
    storage_location = models.CharField(
        _("storage location"), max_length=16, choices=StorageLocation.choices
    )
    storage_detail = models.CharField(
        _("storage details"),
        max_length=200,
        blank=True,
        help_text=_("Region, data centre or site, e.g. “Tokyo region” or “Oita works”."),
    )
    volume_tb = models.DecimalField(
        _("volume (TB)"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    derived_from = models.ForeignKey(
        "self",
        verbose_name=_("derived from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derivatives",
        help_text=_("The dataset this one was synthesised from."),
    )
    conversion_method = models.CharField(
        _("conversion method"), max_length=32, choices=ConversionMethod.choices, blank=True
    )
    dp_epsilon = models.DecimalField(
        _("privacy budget ε"),
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Required for differential privacy."),
    )
    conversion_note = models.TextField(_("conversion note"), blank=True)
    conversion_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("conversion approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    conversion_approved_at = models.DateTimeField(
        _("conversion approved at"), null=True, blank=True
    )

    history = HistoricalRecords()
    objects = DataAssetQuerySet.as_manager()

    is_redacted = False

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["provider__code", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(derived_from__isnull=False) | Q(conversion_method=""),
                name="dataasset_conversion_needs_source",
            ),
            models.CheckConstraint(
                condition=Q(derived_from__isnull=True) | ~Q(conversion_method=""),
                name="dataasset_derivative_needs_method",
            ),
            models.CheckConstraint(
                condition=~Q(conversion_method=ConversionMethod.DIFFERENTIAL_PRIVACY)
                | Q(dp_epsilon__gt=0),
                name="dataasset_dp_needs_epsilon",
            ),
            models.CheckConstraint(
                condition=Q(
                    conversion_approved_by__isnull=True, conversion_approved_at__isnull=True
                )
                | Q(
                    conversion_approved_by__isnull=False,
                    conversion_approved_at__isnull=False,
                    derived_from__isnull=False,
                ),
                name="dataasset_approval_complete",
            ),
            models.CheckConstraint(
                condition=~Q(derived_from=F("pk")), name="dataasset_not_derived_from_itself"
            ),
        ]

    def __str__(self) -> str:
        return localized(self, "name")

    def save(self, *args, **kwargs) -> None:
        if self.is_redacted:
            raise ValueError("A redacted dataset cannot be saved.")
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def description(self) -> str:
        return localized(self, "description")

    @property
    def conversion_approved(self) -> bool:
        return self.conversion_approved_at is not None

    @property
    def effective_tier(self) -> DataTier:
        """The tier the policy applies: a derivative without an approved conversion is as
        strict as its source."""
        tier = DataTier(self.tier)
        if self.derived_from_id is not None and not self.conversion_approved:
            source = self.derived_from.effective_tier
            if source.rank > tier.rank:
                return source
        return tier

    def clean(self) -> None:
        errors: dict[str, list] = {}
        rule = tier_rule(self.tier) if self.tier in DataTier.values else None
        if (
            rule is not None
            and self.storage_location in StorageLocation.values
            and self.storage_location not in rule.storage_locations
        ):
            errors.setdefault("storage_location", []).append(
                _("%(tier)s data may only be stored at: %(places)s.")
                % {
                    "tier": DataTier(self.tier).label,
                    "places": ", ".join(
                        str(StorageLocation(p).label) for p in rule.storage_locations
                    ),
                }
            )
        if self.derived_from_id is not None:
            if not self.conversion_method:
                errors.setdefault("conversion_method", []).append(
                    _("A derived dataset must say how it was converted.")
                )
            seen = {self.pk} if self.pk else set()
            source = self.derived_from
            while source is not None:
                if source.pk in seen:
                    errors.setdefault("derived_from", []).append(
                        _("A dataset cannot be derived from itself, directly or indirectly.")
                    )
                    break
                seen.add(source.pk)
                source = source.derived_from
        elif self.conversion_method:
            errors.setdefault("conversion_method", []).append(
                _("Only a derived dataset has a conversion method.")
            )
        if self.conversion_method == ConversionMethod.DIFFERENTIAL_PRIVACY and not (
            self.dp_epsilon and self.dp_epsilon > 0
        ):
            errors.setdefault("dp_epsilon", []).append(
                _("Differential privacy needs its privacy budget ε (greater than 0).")
            )
        if errors:
            raise ValidationError(errors)


class ContractTemplate(models.Model):
    """One version of a standard contract template.

    A published version never changes: a new version is a new row with the same code, and
    each contract pins the version it was signed under.
    """

    code = models.SlugField(_("code"), max_length=64)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    contract_type = models.CharField(
        _("contract type"), max_length=16, choices=ContractType.choices
    )
    tier = models.CharField(_("tier"), max_length=16, choices=DataTier.choices)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    redistribution_ja = models.TextField(_("redistribution conditions (Japanese)"))
    redistribution_en = models.TextField(_("redistribution conditions (English)"))
    ip_attribution_ja = models.TextField(_("IP attribution (Japanese)"))
    ip_attribution_en = models.TextField(_("IP attribution (English)"))
    synthetic_conversion_ja = models.TextField(_("synthetic-data conversion process (Japanese)"))
    synthetic_conversion_en = models.TextField(_("synthetic-data conversion process (English)"))
    permitted_uses = PurposeSetField(_("permitted uses"))
    retention_ja = models.TextField(_("retention and deletion (Japanese)"))
    retention_en = models.TextField(_("retention and deletion (English)"))
    storage_ja = models.TextField(_("storage location (Japanese)"))
    storage_en = models.TextField(_("storage location (English)"))
    status = models.CharField(
        _("status"), max_length=16, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords()

    # Fields that make up the text a partner signs; frozen once published.
    CONTENT_FIELDS = (
        "code",
        "version",
        "contract_type",
        "tier",
        "title_ja",
        "title_en",
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

    class Meta:
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="template_code_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(status=TemplateStatus.DRAFT) | Q(published_at__isnull=False),
                name="template_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{localized(self, 'title')} v{self.version}"

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def is_published(self) -> bool:
        return self.status != TemplateStatus.DRAFT

    def clean(self) -> None:
        if self.tier not in DataTier.values or not isinstance(self.permitted_uses, list):
            return
        allowed = tier_rule(self.tier).permitted_uses()
        beyond = [p for p in self.permitted_uses if p in DataPurpose.values and p not in allowed]
        if beyond:
            raise ValidationError(
                {
                    "permitted_uses": _(
                        "A template for %(tier)s data cannot permit: %(uses)s. The tier "
                        "policy does not allow it as a standard term."
                    )
                    % {
                        "tier": DataTier(self.tier).label,
                        "uses": ", ".join(str(DataPurpose(p).label) for p in beyond),
                    }
                }
            )


class DataContract(models.Model):
    """A data contract between a provider and the JV, signed under one template version.

    Its permitted uses may go beyond the template's only as a recorded deviation, with the
    provider's justification, which the PMO must approve before the contract can be active.
    Every change of status is also written to :class:`ContractTransition` (who and when).
    """

    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    provider = models.ForeignKey(
        Organization,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="data_contracts",
    )
    template = models.ForeignKey(
        ContractTemplate,
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    datasets = models.ManyToManyField(
        DataAsset, verbose_name=_("datasets covered"), related_name="contracts", blank=True
    )
    permitted_uses = PurposeSetField(_("permitted uses"))
    deviation_reason = models.TextField(
        _("reason for deviation"),
        blank=True,
        help_text=_("Required when the permitted uses go beyond the template's."),
    )
    deviation_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deviation approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    deviation_approved_at = models.DateTimeField(
        _("deviation approved at"), null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
        editable=False,
    )
    effective_date = models.DateField(_("effective date"))
    expiry_date = models.DateField(_("expiry date"))
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords(m2m_fields=[datasets])

    class Meta:
        verbose_name = _("data contract")
        verbose_name_plural = _("data contracts")
        ordering = ["-effective_date", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expiry_date__gte=F("effective_date")),
                name="contract_expiry_after_effective",
            ),
            models.CheckConstraint(
                condition=Q(deviation_approved_by__isnull=True, deviation_approved_at__isnull=True)
                | Q(deviation_approved_by__isnull=False, deviation_approved_at__isnull=False),
                name="contract_deviation_approval_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def tier(self) -> str:
        return self.template.tier

    @property
    def deviation_uses(self) -> list[str]:
        """Permitted uses beyond the template's standard terms."""
        standard = set(self.template.permitted_uses)
        return [p for p in self.permitted_uses if p not in standard]

    @property
    def deviation_pending(self) -> bool:
        return bool(self.deviation_uses) and self.deviation_approved_at is None

    def is_in_force_on(self, day: dt.date) -> bool:
        """Whether the contract was in force on ``day``: it reached active, ``day`` lies
        within its term, and it had not been terminated by then."""
        if self.status not in (
            ContractStatus.ACTIVE,
            ContractStatus.EXPIRED,
            ContractStatus.TERMINATED,
        ):
            return False
        if not self.effective_date <= day <= self.expiry_date:
            return False
        if self.status == ContractStatus.TERMINATED:
            ended = self.transitions.filter(to_status=ContractStatus.TERMINATED).first()
            if ended is not None and ended.effective_on <= day:
                return False
        return True

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.effective_date and self.expiry_date and self.expiry_date < self.effective_date:
            errors["expiry_date"] = [_("The expiry date is before the effective date.")]
        if self.template_id is not None and isinstance(self.permitted_uses, list):
            template = self.template
            if not template.is_published:
                errors.setdefault("template", []).append(
                    _("A contract can only be signed under a published template version.")
                )
            rule = tier_rule(template.tier)
            forbidden = [
                p
                for p in self.permitted_uses
                if p in DataPurpose.values and rule.uses[p] == "forbidden"
            ]
            if forbidden:
                errors.setdefault("permitted_uses", []).append(
                    _("%(tier)s data may never be used for: %(uses)s.")
                    % {
                        "tier": DataTier(template.tier).label,
                        "uses": ", ".join(str(DataPurpose(p).label) for p in forbidden),
                    }
                )
            # Unknown purposes are reported by the field itself.
            beyond = [p for p in self.deviation_uses if p in DataPurpose.values]
            if not forbidden and beyond and not self.deviation_reason.strip():
                errors.setdefault("deviation_reason", []).append(
                    _(
                        "These uses go beyond the template (%(uses)s): give the reason for "
                        "the deviation, which the PMO must approve."
                    )
                    % {"uses": ", ".join(str(DataPurpose(p).label) for p in beyond)}
                )
        if errors:
            raise ValidationError(errors)


class ContractTransition(models.Model):
    """One change of a contract's status: who, when, from what to what, and why.

    Append-only: rows are written by the contract services and never changed.
    """

    contract = models.ForeignKey(
        DataContract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="transitions",
    )
    from_status = models.CharField(_("from"), max_length=16, choices=ContractStatus.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=ContractStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system made the change (e.g. on expiry)."),
    )
    at = models.DateTimeField(_("at"))
    effective_on = models.DateField(_("effective on"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("contract status change")
        verbose_name_plural = _("contract status changes")
        ordering = ["contract", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.contract.reference}: {self.from_status} → {self.to_status}"


def signed_document_upload_to(instance: SignedDocument, filename: str) -> str:
    # The content was checked to be a PDF; the uploader's suffix (".html", ".exe") is not
    # kept, so nothing serving the file by its name can take it for something else.
    return generated_name("contracts", "document.pdf")


class SignedDocument(models.Model):
    """A signed contract PDF a partner uploaded; the latest one is the contract's document.

    Earlier uploads are kept: they are what was submitted at the time.
    """

    contract = models.ForeignKey(
        DataContract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=signed_document_upload_to, max_length=255
    )
    original_name = models.CharField(_("original file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    page_count = models.PositiveIntegerField(_("pages"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")
        ordering = ["contract", "-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name


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
