"""The tier policy: what each data tier permits, in one table.

Every rule about where a dataset may go reads this table through :func:`tier_rule` and
:func:`allowance`; nothing else in the project hard-codes a tier's permissions.

The table follows the JV's separation design. Public & licensed data may go anywhere,
base-model pre-training included. Enterprise-restricted data serves specialised models
(fine-tuning, RAG) and is never mixed into base-model weights; deriving synthetic data from
it or learning from it at the edge goes beyond the standard terms and needs a deviation the
PMO approves. Secret / regulated data never leaves the provider's premises: edge-only
private learning, or conversion to synthetic data (e.g. with differential privacy) before
anything derived from it reaches the training layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from datagov.choices import Allowance, DataPurpose, DataTier, StorageLocation

P, D, F = Allowance.PERMITTED, Allowance.BY_DEVIATION, Allowance.FORBIDDEN


@dataclass(frozen=True)
class TierRule:
    tier: DataTier
    uses: MappingProxyType  # DataPurpose -> Allowance
    may_leave_premises: bool
    domestic_storage_only: bool

    @property
    def storage_locations(self) -> tuple[str, ...]:
        """Where data of this tier may be stored."""
        if not self.may_leave_premises:
            return (StorageLocation.ON_PREMISES,)
        if self.domestic_storage_only:
            return (StorageLocation.DOMESTIC_CLOUD, StorageLocation.ON_PREMISES)
        return tuple(StorageLocation.values)

    def permitted_uses(self) -> list[str]:
        return [purpose for purpose, cell in self.uses.items() if cell == P]


def _rule(tier: DataTier, cells: tuple[str, str, str, str, str], **kwargs: bool) -> TierRule:
    # Columns in DataPurpose order: base pre-training, fine-tuning, RAG index,
    # synthetic-data derivation, edge-only private learning.
    return TierRule(tier, MappingProxyType(dict(zip(DataPurpose, cells, strict=True))), **kwargs)


TIER_POLICY: MappingProxyType = MappingProxyType(
    {
        DataTier.PUBLIC: _rule(
            DataTier.PUBLIC, (P, P, P, P, P), may_leave_premises=True, domestic_storage_only=False
        ),
        DataTier.RESTRICTED: _rule(
            DataTier.RESTRICTED,
            (F, P, P, D, D),
            may_leave_premises=True,
            domestic_storage_only=True,
        ),
        DataTier.SECRET: _rule(
            DataTier.SECRET, (F, F, F, P, P), may_leave_premises=False, domestic_storage_only=True
        ),
    }
)


def tier_rule(tier: str) -> TierRule:
    """The rule for ``tier``; an unknown tier is a validation error naming it."""
    try:
        return TIER_POLICY[DataTier(tier)]
    except ValueError:
        raise ValidationError(
            {"tier": _("Unknown data tier “%(value)s”.") % {"value": tier}}, code="unknown_tier"
        ) from None


def purpose_of(value: str) -> DataPurpose:
    try:
        return DataPurpose(value)
    except ValueError:
        raise ValidationError(
            {"purpose": _("Unknown purpose “%(value)s”.") % {"value": value}},
            code="unknown_purpose",
        ) from None


def allowance(tier: str, purpose: str) -> Allowance:
    """The policy cell for data of ``tier`` used for ``purpose``."""
    return Allowance(tier_rule(tier).uses[purpose_of(purpose)])
