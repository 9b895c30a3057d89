"""Datasets and their tiers, with the redaction policy staff read them through."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP
from django.db.models.query import ModelIterable
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from datagov.choices import ConversionMethod, DataTier, StorageLocation
from datagov.policy import tier_rule
from jvtracker.choices import Industry, OrganizationKind
from jvtracker.common.models import localized
from jvtracker.common.text import listing
from jvtracker.models import Organization

REDACTED = "—"


class RedactingIterable(ModelIterable):
    """Yields datasets with a secret dataset's description, storage details and conversion
    note blanked; secret by its effective tier, so an unapproved derivative of secret data
    is as private as its source.

    Used by the selectors for readers who may see that a secret dataset exists but not
    what it holds or where it lives (policy staff). A redacted instance refuses to save.
    """

    def __iter__(self):
        for dataset in super().__iter__():
            # A source loaded alongside (select_related) is as private as the dataset.
            source = dataset._state.fields_cache.get("derived_from")
            for item in (dataset, source):
                if item is not None and item.effective_tier == DataTier.SECRET:
                    for name in REDACTED_FIELDS:
                        setattr(item, name, REDACTED)
                    item.is_redacted = True
            yield dataset


REDACTED_FIELDS = ("description_ja", "description_en", "storage_detail", "conversion_note")


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
                    "places": listing(
                        str(StorageLocation(p).label) for p in rule.storage_locations
                    ),
                }
            )
        if self.derived_from_id is not None:
            source = self.derived_from
            # A member derives only from its own data; the JV from anyone's (its synthetic
            # data). Otherwise a partner would read another member's dataset code and tier
            # on their own row.
            if (
                self.provider_id is not None
                and source.provider_id != self.provider_id
                and self.provider.kind != OrganizationKind.JOINT_VENTURE
            ):
                errors.setdefault("derived_from", []).append(
                    _("A member's dataset can only be derived from that member's own datasets.")
                )
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
