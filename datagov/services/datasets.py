"""Writes to datasets, and the PMO's approval of a synthetic conversion."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from datagov.choices import DataTier
from datagov.models import DataAsset
from datagov.services.access import require_own_organization, require_pmo
from jvtracker.common.services import validated_save
from jvtracker.models import User


@transaction.atomic
def dataset_save(*, dataset: DataAsset, actor: User | None) -> DataAsset:
    """Create or update a dataset.

    A partner records only their own organization's datasets and may not loosen a tier
    or touch a conversion approval; changing how a derivative was made voids its approval.
    """
    require_own_organization(actor, dataset.provider_id, "provider")
    previous = DataAsset.objects.filter(pk=dataset.pk).first() if dataset.pk else None
    if actor is not None and actor.is_partner and previous is not None:
        if previous.provider_id != actor.organization_id:
            raise ValidationError({"provider": _("You may only act for your own organization.")})
        if (
            dataset.tier in DataTier.values
            and DataTier(dataset.tier).rank < DataTier(previous.tier).rank
        ):
            raise ValidationError(
                {"tier": _("Only the PMO may move a dataset to a less strict tier.")}
            )
    if actor is not None and actor.is_partner:
        # Only dataset_conversion_approve grants an approval; a partner's edit keeps the
        # stored one (a new dataset has none).
        dataset.conversion_approved_by_id = previous.conversion_approved_by_id if previous else None
        dataset.conversion_approved_at = previous.conversion_approved_at if previous else None
        # Nor may they loosen it sideways: unlinking an unapproved derivative from its
        # secret source, or pointing it at a laxer one, would make it count as public.
        if (
            previous is not None
            and dataset.tier in DataTier.values
            and dataset.effective_tier.rank < previous.effective_tier.rank
        ):
            raise ValidationError(
                {
                    "derived_from": _(
                        "Only the PMO may make a dataset's effective tier less strict; "
                        "it is %(tier)s through its source."
                    )
                    % {"tier": previous.effective_tier.label}
                }
            )
    if previous is not None and previous.conversion_approved_at is not None:
        conversion = ("derived_from_id", "conversion_method", "dp_epsilon", "tier")
        if any(getattr(previous, f) != getattr(dataset, f) for f in conversion):
            dataset.conversion_approved_by = None
            dataset.conversion_approved_at = None
    return validated_save(dataset, actor=actor)


@transaction.atomic
def dataset_conversion_approve(*, dataset: DataAsset, actor: User) -> DataAsset:
    """The PMO approves a synthetic conversion, letting the derivative travel as its own tier."""
    require_pmo(actor, _("Only the PMO may approve a synthetic-data conversion."))
    if dataset.derived_from_id is None:
        raise ValidationError(
            {"derived_from": _("Only a derived dataset has a conversion to approve.")}
        )
    if dataset.conversion_approved:
        raise ValidationError({"conversion_method": _("This conversion is already approved.")})
    dataset.conversion_approved_by = actor
    dataset.conversion_approved_at = timezone.now()
    return validated_save(dataset, actor=actor)
