"""The one answer to "may dataset D be used for purpose P (in run R)?"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from datagov.choices import Allowance, DataPurpose, DataTier
from datagov.models import DataAsset, DataContract, TrainingRun
from datagov.policy import allowance, purpose_of


@dataclass(frozen=True)
class UseDecision:
    """The answer to "may this dataset be used for this purpose on this date?"."""

    dataset: DataAsset
    purpose: DataPurpose
    allowed: bool
    reason: str
    tier: DataTier
    contract: DataContract | None = None


def tier_label(tier: str) -> str:
    return str(DataTier(tier).label)


def dataset_use_decision(
    *,
    dataset: DataAsset,
    purpose: str | None = None,
    on: dt.date | None = None,
    run: TrainingRun | None = None,
) -> UseDecision:
    """May ``dataset`` be used for ``purpose`` on ``on`` (today by default)?

    Given a training ``run``, the question is asked for the run's kind on its start date.

    Three things must hold: the tier policy does not forbid it (for a synthetic derivative
    without an approved conversion, its source's tier applies); the use is standard for the
    tier or an approved deviation of the covering contract; and a contract covering the
    dataset was in force on that date and permits the purpose.
    """
    if run is not None:
        purpose, on = run.purpose, run.started_on
    if purpose is None:
        raise ValidationError({"purpose": _("Say what the data is to be used for.")})
    purpose = purpose_of(purpose)
    on = on or timezone.localdate()
    tier = dataset.effective_tier
    cell = allowance(tier, purpose)
    tier_text = tier_label(tier)
    if tier != dataset.tier:
        tier_text = _("%(tier)s (through its source %(source)s: conversion not approved)") % {
            "tier": tier_text,
            "source": dataset.derived_from.code,
        }
    if cell == Allowance.FORBIDDEN:
        return UseDecision(
            dataset,
            purpose,
            False,
            _(
                "Dataset %(dataset)s is %(tier)s data (contract %(contracts)s), which may "
                "never be used for %(purpose)s."
            )
            % {
                "dataset": dataset.code,
                "tier": tier_text,
                "contracts": ", ".join(c.reference for c in dataset.contracts.all()) or "—",
                "purpose": purpose.label,
            },
            tier,
        )
    # Sorted here rather than by a query, so a page deciding for many datasets reads the
    # contracts it prefetched (datagov.selectors.datasets_with_contracts) instead of one
    # query per dataset.
    covering = sorted(
        (c for c in dataset.contracts.all() if purpose in c.permitted_uses),
        key=lambda c: (-c.effective_date.toordinal(), c.pk),
    )
    in_force = [c for c in covering if c.is_in_force_on(on)]
    if not in_force:
        if covering:
            reason = _(
                "Dataset %(dataset)s (%(tier)s): contract %(contract)s permits %(purpose)s but "
                "was not in force on %(date)s (status: %(status)s)."
            ) % {
                "dataset": dataset.code,
                "tier": tier_text,
                "contract": covering[0].reference,
                "purpose": purpose.label,
                "date": on.isoformat(),
                "status": covering[0].get_status_display(),
            }
        else:
            reason = _(
                "Dataset %(dataset)s (%(tier)s) has no contract that permits %(purpose)s."
            ) % {"dataset": dataset.code, "tier": tier_text, "purpose": purpose.label}
        return UseDecision(dataset, purpose, False, reason, tier)
    contract = in_force[0]
    if cell == Allowance.BY_DEVIATION and contract.deviation_approved_at is None:
        return UseDecision(
            dataset,
            purpose,
            False,
            _(
                "Dataset %(dataset)s is %(tier)s data: %(purpose)s goes beyond the tier's "
                "standard terms and contract %(contract)s has no approved deviation for it."
            )
            % {
                "dataset": dataset.code,
                "tier": tier_text,
                "purpose": purpose.label,
                "contract": contract.reference,
            },
            tier,
            contract,
        )
    return UseDecision(
        dataset,
        purpose,
        True,
        _("Dataset %(dataset)s (%(tier)s) may be used for %(purpose)s under %(contract)s.")
        % {
            "dataset": dataset.code,
            "tier": tier_text,
            "purpose": purpose.label,
            "contract": contract.reference,
        },
        tier,
        contract,
    )
