"""The tracker as it stood at an instant (reports.snapshot): what changed or appeared
after the instant is not in it, what was deleted after it is, and reading it costs the
same number of queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from datagov.choices import ContractStatus, DataPurpose
from datagov.services import contract_save
from milestones.choices import MilestoneStatus
from milestones.models import StageGate
from milestones.services import milestone_save, risk_save
from reports.snapshot import changes_between, snapshot_at
from tests.factories import (
    ContractTemplateFactory,
    DataAssetFactory,
    DataContractFactory,
    GateCriterionFactory,
    KPITargetFactory,
    MilestoneFactory,
    ModelArtifactFactory,
    OrganizationFactory,
    PMOUserFactory,
    RiskFactory,
    StageGateFactory,
    TrainingRunFactory,
)

pytestmark = pytest.mark.django_db


def instant() -> dt.datetime:
    """A moment strictly after everything written so far and before anything written next."""
    moment = timezone.now()
    while timezone.now() <= moment:
        pass
    return moment


def test_a_milestone_changed_after_the_moment_shows_its_status_of_then():
    milestone = MilestoneFactory(status=MilestoneStatus.IN_PROGRESS)
    moment = instant()
    milestone.status = MilestoneStatus.ACHIEVED
    milestone_save(milestone=milestone, actor=None)

    [then] = snapshot_at(moment).milestones
    assert then.status == MilestoneStatus.IN_PROGRESS
    [now] = snapshot_at(timezone.now()).milestones
    assert now.status == MilestoneStatus.ACHIEVED


def test_a_risk_created_after_the_moment_is_absent_and_one_deleted_after_it_is_present():
    kept = RiskFactory(code="power")
    deleted = RiskFactory(code="talent")
    moment = instant()
    deleted.delete()
    later = RiskFactory.build(code="regulation", owner=kept.owner)
    risk_save(risk=later, actor=None)

    assert [r.code for r in snapshot_at(moment).risks] == ["power", "talent"]
    assert [r.code for r in snapshot_at(timezone.now()).risks] == ["power", "regulation"]


def test_nothing_created_after_the_moment_is_in_it():
    moment = instant()
    MilestoneFactory()
    snapshot = snapshot_at(moment)
    assert snapshot.milestones == ()
    assert snapshot.programme is None


def test_a_contract_covers_the_datasets_it_covered_then_and_has_its_status_of_then():
    pmo = PMOUserFactory()
    provider = OrganizationFactory(code="honda")
    first, second = (
        DataAssetFactory(code="drive", provider=provider),
        DataAssetFactory(code="drive-2", provider=provider),
    )
    contract = DataContractFactory.build(provider=provider, template=ContractTemplateFactory())
    contract_save(contract=contract, actor=pmo, datasets=[first])
    moment = instant()
    contract_save(contract=contract, actor=pmo, datasets=[first, second])
    contract.status = ContractStatus.SUBMITTED
    contract.save()

    then = snapshot_at(moment)
    [old] = then.contracts
    assert old.status == ContractStatus.DRAFT
    assert [d.code for d in then.datasets_of(old)] == ["drive"]
    assert then.contracts_by_dataset() == {}  # a draft covers nothing in force

    now = snapshot_at(timezone.now())
    [new] = now.contracts
    assert new.status == ContractStatus.SUBMITTED
    assert [d.code for d in now.datasets_of(new)] == ["drive", "drive-2"]


def test_a_contract_in_force_then_counts_by_the_status_log_of_then():
    contract = DataContractFactory(datasets=[DataAssetFactory()])
    snapshot = snapshot_at(timezone.now())
    [then] = snapshot.contracts
    with CaptureQueriesContext(connection) as queries:
        assert then.is_in_force_on(dt.date(2027, 1, 1))
        assert then.template.permitted_uses == contract.template.permitted_uses
        assert then.provider.code == contract.provider.code
    assert queries.captured_queries == []


def test_a_kpi_target_changed_after_the_moment_reads_its_old_value():
    target = KPITargetFactory(target_value=80.0, amber_value=70.0)
    moment = instant()
    target.target_value = 90.0
    target.save()

    snapshot = snapshot_at(moment)
    gate = snapshot.gate(target.gate_id)
    assert snapshot.targets_for(gate)[target.kpi_id].target_value == 80.0
    assert snapshot_at(timezone.now()).kpi_targets[0].target_value == 90.0


def test_training_runs_read_the_inputs_they_had_then():
    base = ModelArtifactFactory(code="base")
    old, new = DataAssetFactory(code="old"), DataAssetFactory(code="new")
    run = TrainingRunFactory(target=base, datasets=[old])
    moment = instant()
    run.datasets.add(new)

    snapshot = snapshot_at(moment)
    [then] = snapshot.runs
    assert [snapshot.datasets[pk].code for pk in snapshot.run_datasets[then.pk]] == ["old"]
    assert then.target is snapshot.artifacts[base.pk]


def test_objects_are_linked_to_the_snapshot_not_to_todays_rows():
    milestone = MilestoneFactory()
    criterion = GateCriterionFactory()
    moment = instant()
    milestone.owner.name_en = "Renamed later"
    milestone.owner.save()

    snapshot = snapshot_at(moment)
    [then] = snapshot.milestones
    [crit] = snapshot.criteria
    with CaptureQueriesContext(connection) as queries, translation.override("en"):
        assert then.owner.name != "Renamed later"
        assert then.track is snapshot.tracks[0]
        assert crit.gate is snapshot.gate(criterion.gate_id)
    assert queries.captured_queries == []


def _world(count: int) -> None:
    provider = OrganizationFactory()
    gate = StageGate.objects.first() or StageGateFactory()
    for _ in range(count):
        dataset = DataAssetFactory(provider=provider)
        DataContractFactory(provider=provider, datasets=[dataset])
        TrainingRunFactory(datasets=[dataset], input_artifacts=[ModelArtifactFactory()])
        MilestoneFactory()
        RiskFactory()
        KPITargetFactory(gate=gate)
        GateCriterionFactory(gate=gate)


def test_reading_a_snapshot_costs_the_same_queries_for_one_object_or_twenty():
    _world(1)
    with CaptureQueriesContext(connection) as small:
        snapshot_at(timezone.now())
    _world(19)
    with CaptureQueriesContext(connection) as large:
        snapshot = snapshot_at(timezone.now())

    assert len(snapshot.runs) == 20 and len(snapshot.contracts) == 20
    assert len(large.captured_queries) == len(small.captured_queries) <= 30


def test_changes_name_who_changed_which_field_from_what_to_what():
    pmo = PMOUserFactory(username="sato", first_name="Hanako", last_name="Sato")
    milestone = MilestoneFactory(status=MilestoneStatus.PLANNED)
    start = instant()
    milestone.status = MilestoneStatus.AT_RISK
    milestone_save(milestone=milestone, actor=pmo)
    risk = RiskFactory(code="gone")
    risk.delete()
    end = instant()
    milestone.status = MilestoneStatus.ACHIEVED
    milestone_save(milestone=milestone, actor=pmo)  # after the window

    with translation.override("en"):
        log = changes_between(snapshot_at(end), start, end)
    changed, created, deleted = log.changes
    assert (changed.user, changed.kind) == ("Hanako Sato", "changed")
    assert [(f.field, f.old, f.new) for f in changed.fields] == [("status", "Planned", "At risk")]
    assert (created.kind, created.user, deleted.kind) == ("created", "system", "deleted")
    assert log.omitted == 0


def test_the_change_log_keeps_the_latest_and_counts_the_rest():
    start = instant()
    for _ in range(5):
        RiskFactory()
    end = instant()
    log = changes_between(snapshot_at(end), start, end, limit=2)
    assert len(log.changes) == 2
    assert log.omitted == 3
    assert log.total == 5
    assert [c.object for c in log.changes] == [
        c.object for c in changes_between(snapshot_at(end), start, end).changes[-2:]
    ]


def test_a_contracts_datasets_and_uses_show_as_changes():
    pmo = PMOUserFactory()
    provider = OrganizationFactory(code="sony")
    dataset = DataAssetFactory(code="sensing", provider=provider)
    contract = DataContractFactory.build(provider=provider, template=ContractTemplateFactory())
    start = instant()
    contract_save(contract=contract, actor=pmo, datasets=[dataset])
    contract.permitted_uses = [DataPurpose.FINE_TUNING]
    contract_save(contract=contract, actor=pmo)
    end = instant()

    with translation.override("en"):
        log = changes_between(snapshot_at(end), start, end)
    fields = {f.field: (f.old, f.new) for c in log.changes for f in c.fields}
    assert fields["datasets covered"] == ("—", "sensing")
    assert fields["permitted uses"][1] == "Fine-tuning of a specialised model"
