"""Model artifacts, training runs, and the contamination guard."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from datagov.choices import Allowance
from datagov.models import DataAsset, ModelArtifact, TrainingRun
from datagov.policy import allowance, purpose_of
from datagov.services.access import require_pmo
from datagov.services.decisions import UseDecision, dataset_use_decision, tier_label
from jvtracker.common.services import validated_save
from jvtracker.models import User


@transaction.atomic
def artifact_save(*, artifact: ModelArtifact, actor: User | None) -> ModelArtifact:
    require_pmo(actor, _("Only the PMO records model artifacts."))
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
    decisions = [dataset_use_decision(dataset=d, run=run) for d in datasets]
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
                    "tier": tier_label(tier),
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
    require_pmo(actor, _("Only the PMO registers training runs."))
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
def training_run_update(
    *,
    run: TrainingRun,
    actor: User | None,
    datasets: Iterable[DataAsset] | None = None,
    input_artifacts: Iterable[ModelArtifact] | None = None,
) -> TrainingRun:
    """Record a run's end or notes; what it trained on and for what is fixed at registration.

    ``datasets`` and ``input_artifacts``, when given (an API client sending the whole run
    back), must be the registered ones.
    """
    require_pmo(actor, _("Only the PMO records training runs."))
    stored = TrainingRun.objects.select_for_update().get(pk=run.pk)
    fixed = _(
        "A registered run's inputs, kind, target, start and responsible organization are "
        "fixed; register a new run instead."
    )
    for field in ("code", "purpose", "target_id", "started_on", "responsible_id"):
        if getattr(stored, field) != getattr(run, field):
            raise ValidationError({field.removesuffix("_id"): fixed})
    for field, given in (("datasets", datasets), ("input_artifacts", input_artifacts)):
        if given is not None and {item.pk for item in given} != set(
            getattr(stored, field).values_list("pk", flat=True)
        ):
            raise ValidationError({field: fixed})
    return validated_save(run, actor=actor)
