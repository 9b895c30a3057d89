"""Contract templates (versioned), data contracts, their status log and signed documents."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from datagov.choices import (
    IN_FORCE_STATUSES,
    ContractStatus,
    ContractType,
    DataPurpose,
    DataTier,
    TemplateStatus,
)
from datagov.fields import PurposeSetField
from datagov.models.datasets import DataAsset
from datagov.policy import tier_rule
from jvtracker.common.models import PrivateFile, localized
from jvtracker.common.storage import generated_name, private_storage
from jvtracker.common.text import listing
from jvtracker.models import Organization


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
                        "uses": listing(str(DataPurpose(p).label) for p in beyond),
                    }
                }
            )


EARLIEST_CONTRACT_DATE = dt.date(2000, 1, 1)
LATEST_CONTRACT_DATE = dt.date(2100, 12, 31)


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
        if self.status not in IN_FORCE_STATUSES:
            return False
        if not self.effective_date <= day <= self.expiry_date:
            return False
        if self.status == ContractStatus.TERMINATED:
            # Iterating .all() uses a prefetched log where a caller loaded one.
            ended = next(
                (t for t in self.transitions.all() if t.to_status == ContractStatus.TERMINATED),
                None,
            )
            if ended is not None and ended.effective_on <= day:
                return False
        return True

    def clean(self) -> None:
        errors: dict[str, list] = {}
        # A year such as 0001 or 9999 is a slip of the keyboard, and would number the
        # contract DC-0001-…; no contract of the JV's dates from before 2000 or runs past 2100.
        if self.effective_date and self.effective_date < EARLIEST_CONTRACT_DATE:
            errors["effective_date"] = [
                _("The effective date must be in %(year)s or later.")
                % {"year": EARLIEST_CONTRACT_DATE.year}
            ]
        if self.expiry_date and self.expiry_date > LATEST_CONTRACT_DATE:
            errors["expiry_date"] = [
                _("The expiry date must be in %(year)s or earlier.")
                % {"year": LATEST_CONTRACT_DATE.year}
            ]
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
                        "uses": listing(str(DataPurpose(p).label) for p in forbidden),
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
                    % {"uses": listing(str(DataPurpose(p).label) for p in beyond)}
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


class SignedDocument(PrivateFile):
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
    page_count = models.PositiveIntegerField(_("pages"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")
        ordering = ["contract", "-uploaded_at", "-pk"]
