"""Every write and every rule of data governance.

The central question, "may dataset D be used for purpose P (in run R)?", is answered by
:func:`dataset_use_decision`; the contamination guard (:func:`training_run_register`) and
anything else that needs the answer call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from datagov.choices import (
    Allowance,
    ContractStatus,
    DataPurpose,
    DataTier,
    TemplateStatus,
)
from datagov.models import (
    ContractTemplate,
    ContractTransition,
    DataAsset,
    DataContract,
    ModelArtifact,
    SignedDocument,
    TrainingRun,
)
from datagov.policy import allowance, purpose_of
from jvtracker.common.services import validated_save
from jvtracker.common.uploads import inspect_pdf
from jvtracker.models import User

# --------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class UseDecision:
    """The answer to "may this dataset be used for this purpose on this date?"."""

    dataset: DataAsset
    purpose: DataPurpose
    allowed: bool
    reason: str
    tier: DataTier
    contract: DataContract | None = None


def _label(tier: str) -> str:
    return str(DataTier(tier).label)


def dataset_use_decision(
    *, dataset: DataAsset, purpose: str, on: dt.date | None = None
) -> UseDecision:
    """May ``dataset`` be used for ``purpose`` on ``on`` (today by default)?

    Three things must hold: the tier policy does not forbid it (for a synthetic derivative
    without an approved conversion, its source's tier applies); the use is standard for the
    tier or an approved deviation of the covering contract; and a contract covering the
    dataset was in force on that date and permits the purpose.
    """
    purpose = purpose_of(purpose)
    on = on or timezone.localdate()
    tier = dataset.effective_tier
    cell = allowance(tier, purpose)
    tier_text = _label(tier)
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
    covering = [
        c
        for c in dataset.contracts.select_related("template").order_by("-effective_date", "pk")
        if purpose in c.permitted_uses
    ]
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


# --------------------------------------------------------------------------- datasets


def _require_pmo(actor: User | None, message: str) -> None:
    if actor is not None and not actor.is_pmo:
        raise PermissionDenied(message)


def _require_own_organization(actor: User | None, organization_id: int | None, field: str) -> None:
    """A partner acts only for their own organization."""
    if actor is not None and actor.is_partner and organization_id != actor.organization_id:
        raise ValidationError(
            {field: _("You may only act for your own organization.")}, code="other_organization"
        )


@transaction.atomic
def dataset_save(*, dataset: DataAsset, actor: User | None) -> DataAsset:
    """Create or update a dataset.

    A partner records only their own organization's datasets and may not loosen a tier
    or touch a conversion approval; changing how a derivative was made voids its approval.
    """
    _require_own_organization(actor, dataset.provider_id, "provider")
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
    if previous is not None and previous.conversion_approved_at is not None:
        conversion = ("derived_from_id", "conversion_method", "dp_epsilon", "tier")
        if any(getattr(previous, f) != getattr(dataset, f) for f in conversion):
            dataset.conversion_approved_by = None
            dataset.conversion_approved_at = None
    return validated_save(dataset, actor=actor)


@transaction.atomic
def dataset_conversion_approve(*, dataset: DataAsset, actor: User) -> DataAsset:
    """The PMO approves a synthetic conversion, letting the derivative travel as its own tier."""
    _require_pmo(actor, _("Only the PMO may approve a synthetic-data conversion."))
    if dataset.derived_from_id is None:
        raise ValidationError(
            {"derived_from": _("Only a derived dataset has a conversion to approve.")}
        )
    if dataset.conversion_approved:
        raise ValidationError({"conversion_method": _("This conversion is already approved.")})
    dataset.conversion_approved_by = actor
    dataset.conversion_approved_at = timezone.now()
    return validated_save(dataset, actor=actor)


# --------------------------------------------------------------------------- templates


@transaction.atomic
def template_save(*, template: ContractTemplate, actor: User | None) -> ContractTemplate:
    """Create or edit a draft template version; a published version never changes."""
    _require_pmo(actor, _("Only the PMO may edit contract templates."))
    if template.pk:
        stored = ContractTemplate.objects.select_for_update().get(pk=template.pk)
        if stored.is_published:
            changed = [
                f
                for f in ContractTemplate.CONTENT_FIELDS
                if getattr(stored, f) != getattr(template, f)
            ]
            if changed or stored.status != template.status:
                raise ValidationError(
                    {
                        (changed[0] if changed else "status"): _(
                            "Version %(version)s of %(code)s is published and cannot change; "
                            "create a new version instead."
                        )
                        % {"version": stored.version, "code": stored.code}
                    },
                    code="published_template",
                )
            return stored
    else:
        template.status = TemplateStatus.DRAFT
        template.published_at = None
        template.published_by = None
    return validated_save(template, actor=actor)


@transaction.atomic
def template_publish(*, template: ContractTemplate, actor: User) -> ContractTemplate:
    """Publish a draft version; earlier published versions of the code are withdrawn for
    new contracts (contracts signed under them keep them)."""
    _require_pmo(actor, _("Only the PMO may publish contract templates."))
    template = ContractTemplate.objects.select_for_update().get(pk=template.pk)
    if template.status != TemplateStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft version can be published.")})
    template.full_clean()
    for older in ContractTemplate.objects.filter(
        code=template.code, status=TemplateStatus.PUBLISHED
    ).exclude(pk=template.pk):
        older.status = TemplateStatus.WITHDRAWN
        validated_save(older, actor=actor)
    template.status = TemplateStatus.PUBLISHED
    template.published_at = timezone.now()
    template.published_by = actor
    return validated_save(template, actor=actor)


@transaction.atomic
def template_new_version(*, template: ContractTemplate, actor: User) -> ContractTemplate:
    """A new draft version of ``template``'s code, starting from its text."""
    _require_pmo(actor, _("Only the PMO may edit contract templates."))
    if ContractTemplate.objects.filter(code=template.code, status=TemplateStatus.DRAFT).exists():
        raise ValidationError(
            {"version": _("%(code)s already has a draft version.") % {"code": template.code}}
        )
    latest = ContractTemplate.objects.filter(code=template.code).aggregate(v=Max("version"))["v"]
    draft = ContractTemplate(
        **{f: getattr(template, f) for f in ContractTemplate.CONTENT_FIELDS if f != "version"},
        version=(latest or 0) + 1,
    )
    draft.permitted_uses = list(template.permitted_uses)
    return validated_save(draft, actor=actor)


# --------------------------------------------------------------------------- contracts

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
                    "tier": _label(dataset.tier),
                    "template_tier": _label(template.tier),
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
    _require_own_organization(actor, contract.provider_id, "provider")
    previous = (
        DataContract.objects.select_for_update().filter(pk=contract.pk).first()
        if contract.pk
        else None
    )
    if previous is not None:
        _require_own_organization(actor, previous.provider_id, "provider")
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
    return contract


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
    _require_own_organization(actor, contract.provider_id, "provider")
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
    _require_pmo(actor, _("Only the PMO reviews contracts."))
    contract = _locked(contract, ContractStatus.SUBMITTED)
    return _transition(contract, ContractStatus.UNDER_REVIEW, actor=actor)


@transaction.atomic
def contract_deviation_approve(*, contract: DataContract, actor: User) -> DataContract:
    """The PMO accepts uses beyond the template, as the contract's reason explains."""
    _require_pmo(actor, _("Only the PMO may approve a deviation."))
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
    _require_pmo(actor, _("Only the PMO approves contracts."))
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
    _require_pmo(actor, _("Only the PMO rejects contracts."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the contract is returned.")})
    contract = _locked(contract, ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW)
    return _transition(contract, ContractStatus.DRAFT, actor=actor, note=reason)


@transaction.atomic
def contract_terminate(
    *, contract: DataContract, actor: User, reason: str, on: dt.date | None = None
) -> DataContract:
    _require_pmo(actor, _("Only the PMO terminates contracts."))
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
    _require_own_organization(actor, contract.provider_id, "provider")
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
    document = SignedDocument(
        contract=contract,
        original_name=facts.original_name,
        sha256=facts.sha256,
        size=facts.size,
        page_count=facts.page_count,
        uploaded_by=actor,
    )
    document.file.save(facts.original_name, upload, save=False)
    try:
        with transaction.atomic():
            locked = _locked(contract, *EDITABLE_STATUSES)
            document.contract = locked
            validated_save(document, actor=actor)
    except BaseException:
        document.file.delete(save=False)
        raise
    return document


# --------------------------------------------------------------------------- lineage


@transaction.atomic
def artifact_save(*, artifact: ModelArtifact, actor: User | None) -> ModelArtifact:
    _require_pmo(actor, _("Only the PMO records model artifacts."))
    return validated_save(artifact, actor=actor)


def _upstream_artifacts(artifacts: Iterable[ModelArtifact]) -> dict[int, ModelArtifact]:
    """The given artifacts and every artifact they were derived from, transitively."""
    seen: dict[int, ModelArtifact] = {}
    frontier = [a for a in artifacts]
    while frontier:
        artifact = frontier.pop()
        if artifact.pk in seen:
            continue
        seen[artifact.pk] = artifact
        for run in artifact.runs.prefetch_related("input_artifacts"):
            frontier.extend(run.input_artifacts.all())
    return seen


def training_run_check(
    *,
    run: TrainingRun,
    datasets: Iterable[DataAsset],
    input_artifacts: Iterable[ModelArtifact],
) -> list[UseDecision]:
    """Every input's decision for ``run``; raises a ValidationError naming each refusal.

    Direct input datasets need the full decision (tier, deviation, contract in force on the
    run's start). Datasets reaching the run through input artifacts were checked when those
    artifacts were trained; here the tier policy alone decides whether their data may flow
    on into this kind of artifact, so restricted data cannot reach a base model by way of a
    fine-tune, nor unconverted secret data by way of anything.
    """
    purpose = purpose_of(run.purpose)
    datasets = list(datasets)
    input_artifacts = list(input_artifacts)
    errors: dict[str, list[str]] = {}
    decisions = [
        dataset_use_decision(dataset=d, purpose=purpose, on=run.started_on) for d in datasets
    ]
    refused = [d.reason for d in decisions if not d.allowed]
    if refused:
        errors["datasets"] = refused
    upstream = _upstream_artifacts(input_artifacts)
    if run.target_id is not None and run.target_id in upstream:
        errors.setdefault("input_artifacts", []).append(
            _("%(artifact)s cannot be trained from itself, directly or through its inputs.")
            % {"artifact": run.target.code}
        )
    reported = set()
    # Per direct input, so the reason names the input the user chose, and the artifact
    # further up that was trained on the data when it is not the input itself.
    for source in input_artifacts:
        reach = _upstream_artifacts([source])
        lineage = (
            TrainingRun.objects.filter(target_id__in=reach)
            .prefetch_related("datasets")
            .order_by("started_on", "pk")
        )
        for upstream_run in lineage:
            carrier = reach[upstream_run.target_id]
            for dataset in upstream_run.datasets.all():
                tier = dataset.effective_tier
                key = (source.pk, dataset.pk)
                if key in reported or allowance(tier, purpose) != Allowance.FORBIDDEN:
                    continue
                reported.add(key)
                values = {
                    "artifact": source.code,
                    "via": carrier.code,
                    "dataset": dataset.code,
                    "tier": _label(tier),
                    "contracts": ", ".join(c.reference for c in dataset.contracts.all()) or "—",
                    "purpose": purpose.label,
                }
                if carrier.pk == source.pk:
                    message = _(
                        "Input %(artifact)s carries dataset %(dataset)s (%(tier)s, contract "
                        "%(contracts)s), which may never reach %(purpose)s."
                    )
                else:
                    message = _(
                        "Input %(artifact)s derives from %(via)s, which carries dataset "
                        "%(dataset)s (%(tier)s, contract %(contracts)s); that data may never "
                        "reach %(purpose)s."
                    )
                errors.setdefault("input_artifacts", []).append(message % values)
    if errors:
        raise ValidationError(errors, code="contamination")
    return decisions


@transaction.atomic
def training_run_register(
    *,
    run: TrainingRun,
    datasets: Iterable[DataAsset],
    input_artifacts: Iterable[ModelArtifact] = (),
    actor: User | None,
) -> TrainingRun:
    """Record a training run, refusing it if any input would contaminate its target."""
    _require_pmo(actor, _("Only the PMO registers training runs."))
    datasets = list(datasets)
    input_artifacts = list(input_artifacts)
    run.full_clean()
    if run.pk:
        raise ValidationError({"code": _("This run is already registered.")})
    training_run_check(run=run, datasets=datasets, input_artifacts=input_artifacts)
    validated_save(run, actor=actor)
    run._history_user = actor
    run.datasets.set(datasets)
    run.input_artifacts.set(input_artifacts)
    return run


@transaction.atomic
def training_run_update(*, run: TrainingRun, actor: User | None) -> TrainingRun:
    """Record a run's end or notes; what it trained on and for what is fixed at registration."""
    _require_pmo(actor, _("Only the PMO records training runs."))
    stored = TrainingRun.objects.select_for_update().get(pk=run.pk)
    for field in ("code", "purpose", "target_id", "started_on", "responsible_id"):
        if getattr(stored, field) != getattr(run, field):
            raise ValidationError(
                {
                    field.removesuffix("_id"): _(
                        "A registered run's inputs, kind, target, start and responsible "
                        "organization are fixed; "
                        "register a new run instead."
                    )
                }
            )
    return validated_save(run, actor=actor)
