"""The data the API proofs share: a small consortium with one of everything, and builders
of n rows for each list.

``build_world()`` makes two partner organizations (``a`` and ``b``), each with a dataset, a
contract, a measurement and an incident of its own, and the programme's rows every role
reads (a gate with a criterion, a milestone, a risk, a template, an artifact, a run, a
KPI, a report). Its users: ``pmo``, ``policy``, ``partner`` (of ``a``) and ``partner_b``
(of ``b``), each with a real token.

A partner's own objects are ``world.own(kind)``; those of the other partner
``world.other(kind)``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from datagov.choices import ContractStatus, ConversionMethod, DataPurpose, DataTier, TemplateStatus
from datagov.services import contract_document_upload, contract_submit
from jvtracker.choices import OrganizationKind
from jvtracker.models import Organization, User
from kpis.choices import BatchSource, KPISource, Unit
from kpis.models import IngestBatch, Measurement
from kpis.services import MeasurementRow, measurements_ingest
from reports.choices import ReportStatus
from tests import factories as f
from tests.pdfs import pdf_bytes, pdf_upload

PASSWORD = "correct-horse-battery"
ROLES = ("anonymous", "pmo", "policy", "partner")
# Past instants: the ingest refuses the future by the real clock.
MEASURED_AT = dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    organizations: dict[str, Organization]
    # kind -> {"a": row of partner a (the partner's own), "b": row of partner b}, or
    # {"a": row} for rows every role shares.
    rows: dict[str, dict[str, models.Model]] = field(default_factory=dict)

    def own(self, kind: str) -> models.Model:
        return self.rows[kind]["a"]

    def other(self, kind: str) -> models.Model:
        return self.rows[kind].get("b") or self.rows[kind]["a"]

    def user(self, role: str) -> User | None:
        return self.users.get(role)

    def client(self, role: str, *, language: str = "en") -> APIClient:
        """An API client for ``role`` (``anonymous``: no credentials), with its token."""
        client = APIClient(headers={"accept-language": language})
        if role != "anonymous":
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[role]}")
        return client


def _user(factory, organization: Organization, username: str) -> User:
    return factory(username=username, organization=organization, password=PASSWORD)


def ingest(organization: Organization, actor: User, kpi, values: list[float], *, hour: int = 0):
    """Store ``values`` as measurements of ``kpi`` for ``organization``, one an hour from
    ``hour`` hours after MEASURED_AT, through the ingest service as ``actor`` would."""
    rows = [
        MeasurementRow(
            number=i,
            kpi=kpi.code,
            value=value,
            unit="%",
            start=(MEASURED_AT + dt.timedelta(hours=hour + i)).isoformat(),
            start_field="at",
        )
        for i, value in enumerate(values, start=1)
    ]
    return measurements_ingest(
        rows=rows, source=BatchSource.API, actor=actor, organization=organization
    )


def stored_report(**kwargs):
    """A succeeded report with a real (blank) PDF in private storage, without rendering."""
    report = f.ReportFactory(**kwargs)
    data = pdf_bytes(pages=1)
    report.file.save("stored.pdf", ContentFile(data), save=False)
    report.sha256 = hashlib.sha256(data).hexdigest()
    report.size = len(data)
    report.pages = 1
    report.status = ReportStatus.SUCCEEDED
    report.attempts = 1
    report.started_at = timezone.now() - dt.timedelta(seconds=2)
    report.finished_at = timezone.now()
    report.save()
    return report


def build_world() -> World:
    jv = f.OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)
    nedo = f.FunderFactory()
    a = f.OrganizationFactory(code="sakura", kind=OrganizationKind.TECHNICAL_PARTNER)
    b = f.OrganizationFactory(code="fuji", kind=OrganizationKind.TECHNICAL_PARTNER)
    users = {
        "pmo": _user(f.PMOUserFactory, jv, "pmo"),
        "policy": _user(f.PolicyUserFactory, nedo, "policy"),
        "partner": _user(f.PartnerUserFactory, a, "partner"),
        "partner_b": _user(f.PartnerUserFactory, b, "partner_b"),
    }
    tokens = {role: AuthToken.objects.create(user=user)[1] for role, user in users.items()}
    world = World(users=users, tokens=tokens, organizations={"jv": jv, "a": a, "b": b})
    rows = world.rows

    rows["organization"] = {"a": a, "b": b}
    # Tokens a user may revoke by key: their own spare one, and someone else's.
    rows["token"] = {
        "a": AuthToken.objects.create(user=users["partner"])[0],
        "b": AuthToken.objects.create(user=users["partner_b"])[0],
    }

    programme = f.ProgrammeFactory(funder=nedo)
    track = f.TrackFactory()
    gate = f.StageGateFactory(programme=programme)
    rows["gate"] = {"a": gate}
    rows["criterion"] = {"a": f.GateCriterionFactory(gate=gate)}
    rows["milestone"] = {"a": f.MilestoneFactory(programme=programme, track=track, owner=a)}
    rows["risk"] = {"a": f.RiskFactory(owner=a)}

    template = f.ContractTemplateFactory(tier=DataTier.RESTRICTED)
    rows["template"] = {"a": template}
    rows["template_draft"] = {
        "a": f.ContractTemplateFactory(
            tier=DataTier.RESTRICTED, status=TemplateStatus.DRAFT, published_at=None
        )
    }
    # Permits fine-tuning only: a contract also asking for a RAG index deviates from it.
    narrow = f.ContractTemplateFactory(permitted_uses=[DataPurpose.FINE_TUNING])
    partners = {"a": (a, users["partner"]), "b": (b, users["partner_b"])}
    datasets = {
        key: f.DataAssetFactory(provider=org, tier=DataTier.RESTRICTED)
        for key, (org, _) in partners.items()
    }
    rows["dataset"] = datasets
    rows["dataset_derived"] = {
        key: f.DataAssetFactory(
            provider=org,
            tier=DataTier.PUBLIC,
            derived_from=datasets[key],
            conversion_method=ConversionMethod.SIMULATION,
        )
        for key, (org, _) in partners.items()
    }
    for key, (org, partner) in partners.items():
        contract = functools.partial(
            f.DataContractFactory, provider=org, template=template, datasets=[datasets[key]]
        )
        # A draft with its signed document, ready to submit.
        draft = contract(status=ContractStatus.DRAFT)
        contract_document_upload(contract=draft, upload=pdf_upload(), actor=partner)
        rows.setdefault("contract", {})[key] = draft
        rows.setdefault("contract_submitted", {})[key] = contract(status=ContractStatus.SUBMITTED)
        rows.setdefault("contract_under_review", {})[key] = contract(
            status=ContractStatus.UNDER_REVIEW
        )
        rows.setdefault("contract_deviating", {})[key] = contract(
            status=ContractStatus.UNDER_REVIEW,
            template=narrow,
            permitted_uses=[DataPurpose.FINE_TUNING, DataPurpose.RAG_INDEX],
            deviation_reason="RAG索引にも使う",
        )
        rows.setdefault("contract_active", {})[key] = contract(status=ContractStatus.ACTIVE)
    artifact = f.ModelArtifactFactory(responsible=jv)
    rows["artifact"] = {"a": artifact}
    rows["run"] = {
        "a": f.TrainingRunFactory(target=artifact, responsible=jv, datasets=[datasets["a"]])
    }

    kpi = f.KPIDefinitionFactory(
        code="gpu_utilization", unit=Unit.PERCENT, source=KPISource.PUSHED, owner=a
    )
    rows["kpi"] = {"a": kpi}
    rows["target"] = {"a": f.KPITargetFactory(kpi=kpi, gate=gate)}
    for key, org in (("a", a), ("b", b)):
        user = users["partner" if key == "a" else "partner_b"]
        batch = ingest(org, user, kpi, [70.0]).batch
        rows.setdefault("batch", {})[key] = IngestBatch.objects.get(pk=batch.pk)
        rows.setdefault("measurement", {})[key] = Measurement.objects.get(batch=batch)
    rows["incident"] = {
        key: f.IncidentFactory(organization=org) for key, org in (("a", a), ("b", b))
    }
    rows["report"] = {"a": stored_report(gate=gate, requested_by=users["policy"])}
    return world


# ------------------------------------------------------------------------- n rows


@dataclass(frozen=True)
class Rows:
    """How to add n rows to a list: ``build(world, n)`` makes rows the PMO sees, and the
    partner of organization ``a`` too when ``partner`` is true (the partner's list grows
    with n; a list showing a partner only their organization itself cannot)."""

    build: Callable[[World, int], None]
    partner: bool = True
    # The list's URL and query where the path has parameters or needs a filter.
    url: Callable[[World], str] | None = None
    query: Callable[[World], dict] | None = None


_serial = itertools.count(1)
_hours = itertools.count(1)


def _organizations(world: World, n: int) -> None:
    f.OrganizationFactory.create_batch(n)


def _tokens(world: World, n: int) -> None:
    # Each user lists their own tokens only: both get n.
    for role in ("pmo", "partner"):
        for _ in range(n):
            AuthToken.objects.create(user=world.users[role])


def _milestones(world: World, n: int) -> None:
    milestone = world.own("milestone")
    f.MilestoneFactory.create_batch(
        n, programme=milestone.programme, track=milestone.track, owner=world.organizations["b"]
    )


def _stage_gates(world: World, n: int) -> None:
    """Gates with a KPI-bound criterion and a condition each."""
    programme = world.own("gate").programme
    for _ in range(n):
        gate = f.StageGateFactory(programme=programme, fiscal_year=3000 + next(_serial))
        f.GateCriterionFactory(gate=gate, kpi=world.own("kpi"))
        f.GateConditionFactory(gate=gate, owner=world.organizations["b"])


def _risks(world: World, n: int) -> None:
    f.RiskFactory.create_batch(n, owner=world.organizations["b"])


def _datasets(world: World, n: int) -> None:
    """Partner a's derivatives of their dataset, approved by the PMO."""
    source = world.own("dataset")
    f.DataAssetFactory.create_batch(
        n,
        provider=world.organizations["a"],
        tier=DataTier.PUBLIC,
        derived_from=source,
        conversion_method=ConversionMethod.SIMULATION,
        conversion_approved_by=world.users["pmo"],
        conversion_approved_at=timezone.now(),
    )


def _templates(world: World, n: int) -> None:
    f.ContractTemplateFactory.create_batch(n, published_by=world.users["pmo"])


def _contracts(world: World, n: int) -> None:
    """Partner a's contracts, each submitted with its signed document: a dataset, a
    document and a transition to show per row."""
    partner = world.users["partner"]
    for _ in range(n):
        contract = f.DataContractFactory(
            provider=world.organizations["a"],
            template=world.own("template"),
            datasets=[world.own("dataset")],
            status=ContractStatus.DRAFT,
            created_by=partner,
        )
        contract_document_upload(contract=contract, upload=pdf_upload(), actor=partner)
        contract_submit(contract=contract, actor=partner)


def _artifacts(world: World, n: int) -> None:
    f.ModelArtifactFactory.create_batch(n, responsible=world.organizations["jv"])


def _training_runs(world: World, n: int) -> None:
    source = f.ModelArtifactFactory(responsible=world.organizations["jv"])
    f.TrainingRunFactory.create_batch(
        n,
        target=world.own("artifact"),
        responsible=world.organizations["jv"],
        datasets=[world.own("dataset")],
        input_artifacts=[source],
    )


def _kpis(world: World, n: int) -> None:
    """KPIs with a target at the gate each."""
    for kpi in f.KPIDefinitionFactory.create_batch(n, owner=world.organizations["a"]):
        f.KPITargetFactory(kpi=kpi, gate=world.own("gate"))


def _measurements(world: World, n: int) -> None:
    """One batch of n of partner a's measurements, each at its own hour."""
    # Hours apart from every earlier call's, and all in the past (the ingest refuses the
    # future).
    partner, kpi = world.users["partner"], world.own("kpi")
    ingest(world.organizations["a"], partner, kpi, [60.0] * n, hour=100 * next(_hours))


def _batches(world: World, n: int) -> None:
    IngestBatch.objects.bulk_create(
        IngestBatch(
            source=BatchSource.API,
            submitted_by=world.users["partner"],
            organization=world.organizations["a"],
            row_count=1,
            checksum=f"{next(_serial):064x}",
        )
        for _ in range(n)
    )


def _incidents(world: World, n: int) -> None:
    f.IncidentFactory.create_batch(n, organization=world.organizations["a"])


def _reports(world: World, n: int) -> None:
    f.ReportFactory.create_batch(n, gate=world.own("gate"), requested_by=world.users["policy"])


# Keyed by the list's path template, as the schema names it.
V1 = "/api/v1"
ROW_BUILDERS: dict[str, Rows] = {
    f"{V1}/organizations/": Rows(_organizations, partner=False),
    f"{V1}/auth/tokens/": Rows(_tokens),
    f"{V1}/milestones/": Rows(_milestones),
    f"{V1}/stage-gates/": Rows(_stage_gates),
    f"{V1}/risks/": Rows(_risks, partner=False),
    f"{V1}/datasets/": Rows(_datasets),
    f"{V1}/contract-templates/": Rows(_templates),
    f"{V1}/contracts/": Rows(_contracts),
    f"{V1}/model-artifacts/": Rows(_artifacts, partner=False),
    f"{V1}/training-runs/": Rows(_training_runs, partner=False),
    f"{V1}/kpis/": Rows(_kpis),
    f"{V1}/measurements/": Rows(_measurements),
    f"{V1}/ingest-batches/": Rows(_batches),
    f"{V1}/incidents/": Rows(_incidents),
    f"{V1}/reports/": Rows(_reports, partner=False),
}
