"""The demo seed: the JV's real programme with its KPIs, the demo users, a data-governance
demo and a year of KPI history (``manage.py seed_demo``).

The data (:mod:`jvtracker.demo.data`) is applied through the services, so every row is
validated and has a history row whose change reason is ``seed_demo``.

The seed only ever adds what is missing, looked up by natural key: the PMO edits these rows
after the first run, and a re-run must neither undo those edits nor write a history row.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import models, transaction

from datagov.models import (
    ContractTemplate,
    DataAsset,
    DataContract,
    ModelArtifact,
    SignedDocument,
    TrainingRun,
)
from jvtracker import notifications
from jvtracker.demo.data import (
    MILESTONES,
    ORGANIZATIONS,
    PROGRAMME,
    RISK_REVIEW_DATE,
    RISKS,
    STAGE_GATES,
    TRACKS,
    Record,
    demo_users,
)
from jvtracker.models import Organization, User
from jvtracker.services import organization_save, user_save
from kpis.models import Incident, IngestBatch, KPIDefinition, KPITarget, Measurement, SafetyCheck
from milestones.choices import RiskStatus
from milestones.models import GateCriterion, Milestone, Programme, Risk, StageGate, Track
from milestones.services import (
    gate_criterion_save,
    milestone_save,
    programme_save,
    risk_save,
    stage_gate_save,
    track_save,
)

CHANGE_REASON = "seed_demo"
PASSWORD_ENV = "DEMO_PASSWORD"
PASSWORD_FILE_NAME = "demo-password"


class PasswordSource(StrEnum):
    ENVIRONMENT = "environment"
    FILE = "file"
    GENERATED = "generated"


@dataclass(frozen=True)
class DemoPassword:
    value: str
    source: PasswordSource
    path: Path


def demo_password_path() -> Path:
    return Path(settings.VAR_DIR) / PASSWORD_FILE_NAME


def demo_password() -> DemoPassword:
    """$DEMO_PASSWORD if set; else the saved one; else a new one, saved with mode 0600.

    Saving it means every run prints, and sets, the same password.
    """
    path = demo_password_path()
    if value := os.environ.get(PASSWORD_ENV):
        return DemoPassword(value, PasswordSource.ENVIRONMENT, path)
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise ValueError(f"{path} is empty; delete it to generate a new demo password.")
        return DemoPassword(value, PasswordSource.FILE, path)
    value = secrets.token_urlsafe(18)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: never clobber a file another run wrote meanwhile; 0600 from the first byte.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(value + "\n")
    return DemoPassword(value, PasswordSource.GENERATED, path)


# -------------------------------------------------------------------------------- seeding

# (singular, plural) for the summary line.
LABELS: dict[type[models.Model], tuple[str, str]] = {
    Organization: ("organization", "organizations"),
    Programme: ("programme", "programmes"),
    Track: ("track", "tracks"),
    Milestone: ("milestone", "milestones"),
    StageGate: ("stage gate", "stage gates"),
    GateCriterion: ("gate criterion", "gate criteria"),
    KPIDefinition: ("KPI", "KPIs"),
    KPITarget: ("KPI target", "KPI targets"),
    Risk: ("risk", "risks"),
    User: ("user", "users"),
    DataAsset: ("dataset", "datasets"),
    ContractTemplate: ("contract template", "contract templates"),
    DataContract: ("data contract", "data contracts"),
    SignedDocument: ("signed document", "signed documents"),
    ModelArtifact: ("model artifact", "model artifacts"),
    TrainingRun: ("training run", "training runs"),
    SafetyCheck: ("safety check", "safety checks"),
    Incident: ("incident", "incidents"),
    IngestBatch: ("measurement batch", "measurement batches"),
    Measurement: ("measurement", "measurements"),
}


@dataclass
class SeedResult:
    created: Counter[type[models.Model]] = field(default_factory=Counter)
    passwords_set: list[str] = field(default_factory=list)
    users: list[User] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.passwords_set)

    def created_summary(self) -> str:
        """What was created, in seeding order: "12 organizations, 1 programme, …"."""
        return ", ".join(
            f"{count} {singular if count == 1 else plural}"
            for model, (singular, plural) in LABELS.items()
            if (count := self.created[model])
        )


M = TypeVar("M", bound=models.Model)


def _add_missing(
    model: type[M],
    key: Record,
    fields: Record,
    save: Callable[[M], object],
    result: SeedResult,
) -> M:
    """The row with natural ``key``, created through ``save`` only when there is none.

    An existing row is returned untouched, whatever it holds now.
    """
    existing = model._default_manager.filter(**key).first()
    if existing is not None:
        return existing
    instance = model(**key, **fields)
    instance._change_reason = CHANGE_REASON
    save(instance)
    result.created[model] += 1
    return instance


def _without(record: Record, *names: str) -> Record:
    return {name: value for name, value in record.items() if name not in names}


@transaction.atomic
def seed_programme(result: SeedResult | None = None) -> SeedResult:
    """Add whatever of the real programme is missing (no users), with the briefing's KPIs,
    their targets per gate and the gate criteria bound to them, but no measurements;
    never change existing rows.

    This is what a production installation starts from; all or nothing.
    """
    result = result or SeedResult()
    _seed_programme(result)
    return result


@transaction.atomic
def seed_demo(*, password: str) -> SeedResult:
    """The real programme plus the demo users, the data-governance demo (datasets,
    contract templates, contracts, models and their training runs) and the KPI demo (the
    safety checklist, incidents and a year of measurements); never changes existing rows.

    The one exception: a demo user whose password is not ``password`` gets it, so the
    printed password always works. All or nothing: a validation error rolls back the lot.
    """
    # Imported here: the data-governance and KPI seeds build on this module's helpers.
    from jvtracker.demo.datagov import seed_datagov
    from jvtracker.demo.kpis import seed_kpis

    result = SeedResult()
    # The demo's contracts pass through their workflow as they are seeded: no emails.
    with notifications.silenced():
        organizations = _seed_programme(result)
        _seed_demo_users(organizations, password, result)
        users = {user.username: user for user in result.users}
        seed_datagov(result, organizations, users)
        # After the contracts: the computed KPIs count them.
        seed_kpis(result, organizations, users)
    return result


def _seed_programme(result: SeedResult) -> dict[str, Organization]:
    from jvtracker.demo.kpis import criterion_kpi, seed_kpi_definitions, seed_kpi_targets

    organizations: dict[str, Organization] = {}
    for record in ORGANIZATIONS:
        organizations[record["code"]] = _add_missing(
            Organization,
            {"code": record["code"]},
            _without(record, "code"),
            lambda org: organization_save(organization=org, actor=None),
            result,
        )

    # Before the gates: a criterion naming a KPI is created bound to it.
    kpis = seed_kpi_definitions(result, organizations)

    programme = _add_missing(
        Programme,
        {"code": PROGRAMME["code"]},
        {**_without(PROGRAMME, "code"), "funder": organizations[PROGRAMME["funder"]]},
        lambda obj: programme_save(programme=obj, actor=None),
        result,
    )

    tracks = {
        record["code"]: _add_missing(
            Track,
            {"code": record["code"]},
            _without(record, "code"),
            lambda obj: track_save(track=obj, actor=None),
            result,
        )
        for record in TRACKS
    }

    for record in MILESTONES:
        _add_missing(
            Milestone,
            {"programme": programme, "code": record["code"]},
            {
                **_without(record, "code", "track", "owner"),
                "track": tracks[record["track"]],
                "owner": organizations[record["owner"]],
            },
            lambda obj: milestone_save(milestone=obj, actor=None),
            result,
        )

    for record in STAGE_GATES:
        gate = _add_missing(
            StageGate,
            {"programme": programme, "fiscal_year": record["fiscal_year"], "kind": record["kind"]},
            _without(record, "fiscal_year", "kind", "criteria"),
            lambda obj: stage_gate_save(gate=obj, actor=None),
            result,
        )
        for order, (axis, text_ja, text_en) in enumerate(record["criteria"], start=1):
            _add_missing(
                GateCriterion,
                {"gate": gate, "order": order},
                {
                    "axis": axis,
                    "text_ja": text_ja,
                    "text_en": text_en,
                    "kpi": criterion_kpi(text_ja, kpis),
                },
                lambda obj: gate_criterion_save(criterion=obj, actor=None),
                result,
            )

    seed_kpi_targets(result, programme, kpis)

    for record in RISKS:
        _add_missing(
            Risk,
            {"code": record["code"]},
            {
                **_without(record, "code", "owner"),
                "owner": organizations[record["owner"]],
                "status": RiskStatus.OPEN,
                "review_date": RISK_REVIEW_DATE,
            },
            lambda obj: risk_save(risk=obj, actor=None),
            result,
        )
    return organizations


def _seed_demo_users(
    organizations: dict[str, Organization], password: str, result: SeedResult
) -> None:
    for record in demo_users():
        username = record["username"]
        user = _add_missing(
            User,
            {"username": username},
            {
                "email": f"{username}@example.jp",
                "organization": organizations[record["organization"]],
                "role": record["role"],
            },
            lambda obj: user_save(user=obj, actor=None, password=password),
            result,
        )
        # hashers.check_password without a setter: User.check_password would re-save the
        # user (and write history) whenever the hasher's parameters have changed.
        if not check_password(password, user.password):
            user._change_reason = CHANGE_REASON
            user_save(user=user, actor=None, password=password)
            result.passwords_set.append(username)
        result.users.append(user)
