"""Data contracts: drafting, the status workflow, and signed documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from datagov.choices import ContractStatus, TemplateStatus
from datagov.models import ContractTransition, DataAsset, DataContract, SignedDocument
from datagov.services.access import require_own_organization, require_pmo
from datagov.services.decisions import tier_label
from jvtracker.choices import Role
from jvtracker.common.services import private_file_save, validated_save
from jvtracker.common.uploads import inspect_pdf
from jvtracker.models import User
from jvtracker.notifications import notify

EDITABLE_STATUSES = (ContractStatus.DRAFT,)


def _next_reference(year: int) -> str:
    prefix = f"DC-{year}-"
    existing = DataContract.objects.filter(reference__startswith=prefix).values_list(
        "reference", flat=True
    )
    numbers = [
        int(ref.removeprefix(prefix)) for ref in existing if ref.removeprefix(prefix).isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _check_datasets(contract: DataContract, datasets: list[DataAsset]) -> None:
    problems = []
    template = contract.template if contract.template_id else None
    for dataset in datasets:
        if dataset.provider_id != contract.provider_id:
            problems.append(
                _("%(dataset)s belongs to another organization.") % {"dataset": dataset.code}
            )
        elif template is not None and dataset.tier != template.tier:
            problems.append(
                _("%(dataset)s is %(tier)s data; this template is for %(template_tier)s data.")
                % {
                    "dataset": dataset.code,
                    "tier": tier_label(dataset.tier),
                    "template_tier": tier_label(template.tier),
                }
            )
    if problems:
        raise ValidationError({"datasets": problems})


@transaction.atomic
def contract_save(
    *,
    contract: DataContract,
    actor: User | None,
    datasets: Iterable[DataAsset] | None = None,
) -> DataContract:
    """Create or edit a draft contract and the datasets it covers.

    A partner acts only for their own organization and their own datasets; the template
    version must be published (a new contract cannot pick a withdrawn one); uses beyond the
    template need a reason, and changing them voids an earlier deviation approval.
    """
    require_own_organization(actor, contract.provider_id, "provider")
    previous = (
        DataContract.objects.select_for_update().filter(pk=contract.pk).first()
        if contract.pk
        else None
    )
    if previous is not None:
        require_own_organization(actor, previous.provider_id, "provider")
        if previous.status not in EDITABLE_STATUSES:
            raise ValidationError(
                {
                    "status": _("A %(status)s contract cannot be edited; only a draft can.")
                    % {"status": previous.get_status_display()}
                }
            )
        contract.status = previous.status
        if sorted(previous.permitted_uses) != sorted(contract.permitted_uses or []):
            contract.deviation_approved_by = None
            contract.deviation_approved_at = None
    else:
        contract.status = ContractStatus.DRAFT
        contract.deviation_approved_by = None
        contract.deviation_approved_at = None
        if actor is not None:
            contract.created_by = actor
    template_chosen = previous is None or previous.template_id != contract.template_id
    if template_chosen and contract.template_id is not None:
        template = contract.template
        if template.status == TemplateStatus.WITHDRAWN:
            raise ValidationError(
                {
                    "template": _(
                        "Version %(version)s of this template has been replaced; sign "
                        "under the current version."
                    )
                    % {"version": template.version}
                }
            )
    chosen = list(datasets) if datasets is not None else None
    if chosen is not None:
        _check_datasets(contract, chosen)
    if not contract.reference:
        year = (contract.effective_date or timezone.localdate()).year
        contract.reference = _next_reference(year)
    try:
        with transaction.atomic():
            validated_save(contract, actor=actor)
    except IntegrityError:
        # Two contracts numbered at once: take the next number.
        contract.reference = _next_reference(contract.effective_date.year)
        validated_save(contract, actor=actor)
    if chosen is not None:
        contract._history_user = actor
        contract.datasets.set(chosen)
    elif previous is not None:
        _check_datasets(contract, list(contract.datasets.all()))
    return contract


def _transition(
    contract: DataContract,
    to_status: str,
    *,
    actor: User | None,
    note: str = "",
    effective_on: dt.date | None = None,
) -> DataContract:
    transition = ContractTransition(
        contract=contract,
        from_status=contract.status,
        to_status=to_status,
        actor=actor,
        at=timezone.now(),
        effective_on=effective_on or timezone.localdate(),
        note=note,
    )
    contract.status = to_status
    contract._change_reason = f"{transition.from_status} → {to_status}"
    validated_save(contract, actor=actor)
    transition.save()
    notify(
        _transition_recipients(contract, to_status),
        "contract_transition",
        {
            "contract": contract,
            "transition": transition,
        },
    )
    return contract


def _transition_recipients(contract: DataContract, to_status: str) -> QuerySet[User]:
    """Who hears of a step: the PMO of a submission, which awaits them; the provider's
    people of a decision on their contract. Starting a review tells nobody anything new."""
    active = User.objects.filter(is_active=True).exclude(email="")
    if to_status == ContractStatus.SUBMITTED:
        return active.filter(Q(role=Role.PMO) | Q(is_superuser=True))
    if to_status == ContractStatus.UNDER_REVIEW:
        return active.none()
    return active.filter(organization_id=contract.provider_id, role=Role.PARTNER)


def _locked(contract: DataContract, *allowed: str) -> DataContract:
    fresh = DataContract.objects.select_for_update().select_related("template").get(pk=contract.pk)
    if fresh.status not in allowed:
        raise ValidationError(
            {
                "status": _("The contract is %(status)s; this step needs it to be %(allowed)s.")
                % {
                    "status": fresh.get_status_display(),
                    "allowed": " / ".join(str(ContractStatus(s).label) for s in allowed),
                }
            },
            code="invalid_transition",
        )
    return fresh


@transaction.atomic
def contract_submit(*, contract: DataContract, actor: User) -> DataContract:
    """The provider submits a draft, with its signed document, for the PMO's review."""
    contract = _locked(contract, ContractStatus.DRAFT)
    require_own_organization(actor, contract.provider_id, "provider")
    errors = {}
    if not contract.documents.exists():
        errors["document"] = _("Upload the signed contract (PDF) before submitting.")
    if not contract.datasets.exists():
        errors["datasets"] = _("Choose the datasets the contract covers before submitting.")
    if contract.template.status == TemplateStatus.WITHDRAWN:
        # The provider must sign the text in force; one already under review keeps its version.
        errors["template"] = _(
            "Version %(version)s of this template has been replaced; change the contract to "
            "the current version and sign that."
        ) % {"version": contract.template.version}
    if errors:
        raise ValidationError(errors)
    contract.full_clean()
    return _transition(contract, ContractStatus.SUBMITTED, actor=actor)


@transaction.atomic
def contract_review_start(*, contract: DataContract, actor: User) -> DataContract:
    require_pmo(actor, _("Only the PMO reviews contracts."))
    contract = _locked(contract, ContractStatus.SUBMITTED)
    return _transition(contract, ContractStatus.UNDER_REVIEW, actor=actor)


@transaction.atomic
def contract_deviation_approve(*, contract: DataContract, actor: User) -> DataContract:
    """The PMO accepts uses beyond the template, as the contract's reason explains."""
    require_pmo(actor, _("Only the PMO may approve a deviation."))
    contract = _locked(contract, ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW)
    if not contract.deviation_uses:
        raise ValidationError({"permitted_uses": _("This contract has no deviation to approve.")})
    if contract.deviation_approved_at is not None:
        raise ValidationError({"permitted_uses": _("The deviation is already approved.")})
    contract.deviation_approved_by = actor
    contract.deviation_approved_at = timezone.now()
    contract._change_reason = "deviation approved"
    return validated_save(contract, actor=actor)


@transaction.atomic
def contract_approve(*, contract: DataContract, actor: User, note: str = "") -> DataContract:
    """The PMO approves a submitted contract; it becomes active.

    A contract approved straight from "submitted" passes through "under review", so the
    log shows both steps.
    """
    require_pmo(actor, _("Only the PMO approves contracts."))
    contract = _locked(contract, ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW)
    if contract.deviation_pending:
        raise ValidationError(
            {
                "permitted_uses": _(
                    "Approve the deviation (uses beyond the template) before approving the "
                    "contract, or return it to the provider."
                )
            }
        )
    if contract.expiry_date < timezone.localdate():
        raise ValidationError(
            {
                "expiry_date": _("The contract expired on %(date)s; it cannot become active.")
                % {"date": contract.expiry_date.isoformat()}
            }
        )
    if contract.status == ContractStatus.SUBMITTED:
        _transition(contract, ContractStatus.UNDER_REVIEW, actor=actor)
    return _transition(contract, ContractStatus.ACTIVE, actor=actor, note=note)


@transaction.atomic
def contract_reject(*, contract: DataContract, actor: User, reason: str) -> DataContract:
    """The PMO returns a submitted contract to the provider as a draft, saying why."""
    require_pmo(actor, _("Only the PMO rejects contracts."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the contract is returned.")})
    contract = _locked(contract, ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW)
    return _transition(contract, ContractStatus.DRAFT, actor=actor, note=reason)


@transaction.atomic
def contract_terminate(
    *, contract: DataContract, actor: User, reason: str, on: dt.date | None = None
) -> DataContract:
    require_pmo(actor, _("Only the PMO terminates contracts."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the contract is terminated.")})
    contract = _locked(contract, ContractStatus.ACTIVE)
    return _transition(
        contract, ContractStatus.TERMINATED, actor=actor, note=reason, effective_on=on
    )


@transaction.atomic
def contracts_mark_expired(*, today: dt.date | None = None) -> list[str]:
    """Mark active contracts past their expiry date as expired; return their references."""
    today = today or timezone.localdate()
    expired = []
    for contract in (
        DataContract.objects.select_for_update()
        .filter(status=ContractStatus.ACTIVE, expiry_date__lt=today)
        .order_by("pk")
    ):
        _transition(
            contract,
            ContractStatus.EXPIRED,
            actor=None,
            note=_("Expired on %(date)s.") % {"date": contract.expiry_date.isoformat()},
            effective_on=contract.expiry_date + dt.timedelta(days=1),
        )
        expired.append(contract.reference)
    return expired


def contract_document_upload(
    *, contract: DataContract, upload: UploadedFile, actor: User
) -> SignedDocument:
    """Store the signed PDF of a draft contract; a rejected upload leaves nothing behind."""
    require_own_organization(actor, contract.provider_id, "provider")
    if contract.status not in EDITABLE_STATUSES:
        raise ValidationError(
            {
                "file": _(
                    "The contract is %(status)s; a signed document can only be added to a draft."
                )
                % {"status": contract.get_status_display()}
            }
        )
    facts = inspect_pdf(upload)
    document = SignedDocument(contract=contract, page_count=facts.page_count)

    def still_a_draft() -> None:
        # The status may have moved on since the caller read it.
        document.contract = _locked(contract, *EDITABLE_STATUSES)

    return private_file_save(
        document, upload=upload, facts=facts, actor=actor, before_save=still_a_draft
    )
