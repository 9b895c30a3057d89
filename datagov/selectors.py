"""Every read of data governance, with the role rules in one place.

PMO: everything. Policy staff: everything read-only, but a secret dataset's description
and storage details come back redacted. Partners: their own organization's datasets,
contracts and signed documents, and the published templates; nothing of the lineage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from datagov.choices import (
    IN_FORCE_STATUSES,
    ArtifactKind,
    ContractStatus,
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
from jvtracker.common.api.representation import prefetched_list
from jvtracker.models import User
from jvtracker.roles import reading_role

EXPIRY_WARNING_DAYS = 90


def datasets_visible_to(user: User) -> QuerySet[DataAsset]:
    role = reading_role(user)
    datasets = DataAsset.objects.select_related("provider", "derived_from")
    if role == "pmo":
        return datasets
    if role == "policy":
        return datasets.redacted()
    if role == "partner":
        return datasets.filter(provider_id=user.organization_id)
    return datasets.none()


def datasets_to_contract(user: User) -> QuerySet[DataAsset]:
    """The datasets ``user`` may put under a new contract: a partner their own
    organization's (a contract's provider is theirs), the PMO any it may see."""
    datasets = datasets_visible_to(user)
    if reading_role(user) == "partner":
        return datasets.filter(provider_id=user.organization_id)
    return datasets


def datasets_with_contracts(user: User) -> QuerySet[DataAsset]:
    """The datasets ``user`` may see, each with the contracts covering it that they may
    see prefetched (``dataset.contracts.all()``), with provider and template."""
    return datasets_visible_to(user).prefetch_related(
        Prefetch("contracts", queryset=contracts_visible_to(user).order_by("reference"))
    )


def dataset_details_hidden_from(user: User, dataset: DataAsset) -> bool:
    """Whether ``user`` sees ``dataset`` without its description and storage details."""
    return dataset.effective_tier == DataTier.SECRET and reading_role(user) == "policy"


def templates_visible_to(user: User) -> QuerySet[ContractTemplate]:
    """Published (and withdrawn) versions for everyone signed in; drafts for the PMO only."""
    role = reading_role(user)
    templates = ContractTemplate.objects.all()
    if role == "pmo":
        return templates
    if role in ("policy", "partner"):
        return templates.exclude(status=TemplateStatus.DRAFT)
    return templates.none()


def templates_current() -> QuerySet[ContractTemplate]:
    """The versions a new contract may be signed under."""
    return ContractTemplate.objects.filter(status=TemplateStatus.PUBLISHED)


def contracts_visible_to(user: User) -> QuerySet[DataContract]:
    role = reading_role(user)
    contracts = DataContract.objects.select_related("provider", "template")
    if role in ("pmo", "policy"):
        return contracts
    if role == "partner":
        return contracts.filter(provider_id=user.organization_id)
    return contracts.none()


def documents_visible_to(user: User) -> QuerySet[SignedDocument]:
    """Signed documents of the contracts ``user`` may see."""
    return SignedDocument.objects.filter(
        contract__in=contracts_visible_to(user).values("pk")
    ).select_related("contract", "uploaded_by")


def contract_transitions(contract: DataContract) -> QuerySet[ContractTransition]:
    return contract.transitions.select_related("actor").order_by("at", "pk")


def contract_details_prefetch(user: User) -> list[Prefetch]:
    """What a list of contracts shows of each, loaded for all of them at once: the datasets
    ``user`` may see (``contract.datasets.all()``), the status log in
    :func:`contract_transitions`' order and the signed documents newest first (as lists,
    ``contract.transitions_prefetched`` and ``contract.documents_prefetched``, which the
    API's serializers read in place of the managers)."""
    return [
        Prefetch("datasets", queryset=datasets_visible_to(user).order_by("code")),
        prefetched_list(
            "transitions",
            ContractTransition.objects.select_related("actor").order_by("at", "pk"),
        ),
        prefetched_list(
            "documents",
            SignedDocument.objects.select_related("uploaded_by").order_by("-uploaded_at", "-pk"),
        ),
    ]


def contract_latest_document(user: User, contract: DataContract) -> SignedDocument | None:
    """The signed document that counts (the newest upload), if ``user`` may see it."""
    return (
        documents_visible_to(user)
        .filter(contract_id=contract.pk)
        .order_by("-uploaded_at", "-pk")
        .first()
    )


def contracts_expiring(
    *, within_days: int = EXPIRY_WARNING_DAYS, today: dt.date | None = None
) -> QuerySet[DataContract]:
    """Active contracts whose term ends within ``within_days`` of today."""
    today = today or timezone.localdate()
    return DataContract.objects.filter(
        status=ContractStatus.ACTIVE,
        expiry_date__gte=today,
        expiry_date__lte=today + dt.timedelta(days=within_days),
    ).select_related("provider", "template")


def contracts_awaiting_decision() -> QuerySet[DataContract]:
    return DataContract.objects.filter(
        status__in=(ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW)
    ).select_related("provider", "template")


def artifacts_visible_to(user: User) -> QuerySet[ModelArtifact]:
    if reading_role(user) in ("pmo", "policy"):
        return ModelArtifact.objects.select_related("responsible")
    return ModelArtifact.objects.none()


def training_runs_visible_to(user: User) -> QuerySet[TrainingRun]:
    if reading_role(user) in ("pmo", "policy"):
        return TrainingRun.objects.select_related("target", "responsible")
    return TrainingRun.objects.none()


# --------------------------------------------------------------------------- contamination


@dataclass
class DatasetReach:
    """A dataset an artifact depends on, and the path by which it got there."""

    dataset: DataAsset
    tier: DataTier
    contracts: list[DataContract]
    via: list[ModelArtifact]  # artifacts between the dataset and this one; empty if direct


@dataclass
class ArtifactLineage:
    artifact: ModelArtifact
    upstream: list[ModelArtifact] = field(default_factory=list)
    datasets: list[DatasetReach] = field(default_factory=list)

    @property
    def tiers(self) -> list[DataTier]:
        reached = {reach.tier for reach in self.datasets}
        return [tier for tier in DataTier if tier in reached]

    @property
    def contracts(self) -> list[DataContract]:
        seen: dict[int, DataContract] = {}
        for reach in self.datasets:
            for contract in reach.contracts:
                seen.setdefault(contract.pk, contract)
        return sorted(seen.values(), key=lambda c: c.reference)

    @property
    def contaminating(self) -> list[DatasetReach]:
        """For a base model: the restricted or secret data that reached it."""
        if self.artifact.kind != ArtifactKind.BASE_MODEL:
            return []
        return [reach for reach in self.datasets if reach.tier != DataTier.PUBLIC]

    @property
    def contaminated(self) -> bool:
        return bool(self.contaminating)


@dataclass(frozen=True)
class RunLineage:
    """One training run as an edge of the lineage: what it produced from what."""

    target_id: int
    datasets: Sequence[DataAsset]
    input_artifact_ids: Collection[int]


def _lineage_runs(runs: QuerySet[TrainingRun]) -> list[TrainingRun]:
    """``runs`` with their datasets (and each one's source and in-force contracts) and
    input artifacts loaded, as :func:`lineage_report` reads them."""
    return list(
        runs.prefetch_related(
            Prefetch(
                "datasets",
                queryset=DataAsset.objects.select_related(
                    "provider", "derived_from"
                ).prefetch_related(
                    Prefetch(
                        "contracts",
                        # What the data was used under: contracts that came into force.
                        queryset=DataContract.objects.filter(status__in=IN_FORCE_STATUSES).order_by(
                            "reference"
                        ),
                    )
                ),
            ),
            Prefetch(
                "input_artifacts", queryset=ModelArtifact.objects.select_related("responsible")
            ),
        )
    )


def _report_of_runs(
    artifacts: Iterable[ModelArtifact], runs: list[TrainingRun]
) -> list[ArtifactLineage]:
    contracts_by_dataset = {
        dataset.pk: list(dataset.contracts.all()) for run in runs for dataset in run.datasets.all()
    }
    return lineage_report(
        artifacts=artifacts,
        runs=[
            RunLineage(
                target_id=run.target_id,
                datasets=list(run.datasets.all()),
                input_artifact_ids=[a.pk for a in run.input_artifacts.all()],
            )
            for run in runs
        ],
        contracts_by_dataset=contracts_by_dataset,
    )


def contamination_report() -> list[ArtifactLineage]:
    """For every artifact, the datasets, tiers and contracts it depends on transitively.

    Reads the recorded lineage as it stands, with today's tiers: a dataset reclassified
    after a run shows up here even though the guard let the run through at the time.
    Base models touched by restricted or secret data come first.
    """
    return _report_of_runs(
        ModelArtifact.objects.select_related("responsible"),
        _lineage_runs(TrainingRun.objects.all()),
    )


def artifact_lineage(artifact: ModelArtifact) -> ArtifactLineage:
    """``artifact``'s row of :func:`contamination_report`, reading only the runs upstream
    of it: a few queries for each generation of its ancestry, not the whole lineage."""
    artifacts = {artifact.pk: artifact}
    runs: list[TrainingRun] = []
    walked: set[int] = set()
    frontier = {artifact.pk}
    while frontier:
        walked |= frontier
        generation = _lineage_runs(TrainingRun.objects.filter(target_id__in=frontier))
        runs.extend(generation)
        for run in generation:
            for parent in run.input_artifacts.all():
                artifacts.setdefault(parent.pk, parent)
        frontier = set(artifacts) - walked
    report = _report_of_runs(artifacts.values(), runs)
    return next(item for item in report if item.artifact.pk == artifact.pk)


def lineage_report(
    *,
    artifacts: Iterable[ModelArtifact],
    runs: Iterable[RunLineage],
    contracts_by_dataset: Mapping[int, Sequence[DataContract]],
) -> list[ArtifactLineage]:
    """The contamination report of the given lineage, without reading the database: each
    artifact's upstream artifacts and the datasets reaching it (with their effective
    tiers, so a dataset's ``derived_from`` must be loaded) and the contracts covering
    them (``contracts_by_dataset``: dataset id → contracts, in the order to list them).

    Base models touched by restricted or secret data come first. A report "as of" a date
    feeds it the lineage as it stood then.
    """
    artifacts = {a.pk: a for a in artifacts}
    direct: dict[int, list[DataAsset]] = {pk: [] for pk in artifacts}
    parents: dict[int, set[int]] = {pk: set() for pk in artifacts}
    for run in runs:
        if run.target_id not in artifacts:
            continue
        direct[run.target_id].extend(run.datasets)
        parents[run.target_id].update(pk for pk in run.input_artifact_ids if pk in artifacts)

    report = []
    for pk, artifact in artifacts.items():
        lineage = ArtifactLineage(artifact)
        reaches: dict[int, DatasetReach] = {}
        # Breadth-first, so each dataset is reported by its shortest path.
        queue: list[tuple[int, list[int]]] = [(pk, [])]
        visited = set()
        while queue:
            current, path = queue.pop(0)
            if current in visited:
                continue
            visited.add(current)
            if current != pk:
                lineage.upstream.append(artifacts[current])
            for dataset in direct[current]:
                if dataset.pk not in reaches:
                    reaches[dataset.pk] = DatasetReach(
                        dataset=dataset,
                        tier=dataset.effective_tier,
                        contracts=list(contracts_by_dataset.get(dataset.pk, ())),
                        via=[artifacts[p] for p in path],
                    )
            for parent in sorted(parents[current]):
                queue.append((parent, [*path, parent]))
        lineage.datasets = sorted(reaches.values(), key=lambda r: (-r.tier.rank, r.dataset.code))
        report.append(lineage)
    report.sort(key=lambda item: (not item.contaminated, item.artifact.kind, item.artifact.code))
    return report
