"""History is evidence: every change is kept, with who made it, and survives deletion."""

import datetime as dt

import pytest

from milestones.choices import MilestoneStatus
from milestones.models import Milestone, Risk
from milestones.services import milestone_save
from tests.factories import MilestoneFactory, PMOUserFactory, RiskFactory

pytestmark = pytest.mark.django_db


def test_every_save_of_a_milestone_adds_a_history_row_with_its_actor():
    pmo = PMOUserFactory()
    milestone = MilestoneFactory(due_date=dt.date(2027, 9, 30))

    milestone.status = MilestoneStatus.IN_PROGRESS
    milestone_save(milestone=milestone, actor=pmo)
    milestone.status = MilestoneStatus.ACHIEVED
    milestone.evidence = "モデルα版を公開デモで提示"
    milestone_save(milestone=milestone, actor=pmo)

    statuses = list(milestone.history.order_by("history_date").values_list("status", flat=True))
    assert statuses == [
        MilestoneStatus.PLANNED,
        MilestoneStatus.IN_PROGRESS,
        MilestoneStatus.ACHIEVED,
    ]
    assert milestone.history.first().history_user == pmo


def test_deleting_an_object_keeps_its_history_and_records_the_deletion():
    risk = RiskFactory(code="talent")
    risk_id = risk.pk
    risk.delete()

    assert not Risk.objects.filter(pk=risk_id).exists()
    rows = Risk.history.filter(id=risk_id).order_by("history_date")
    assert [row.history_type for row in rows] == ["+", "-"]


def test_as_of_reconstructs_a_milestone_as_it_stood():
    milestone = MilestoneFactory(status=MilestoneStatus.PLANNED)
    before = milestone.history.first().history_date
    milestone.status = MilestoneStatus.AT_RISK
    milestone_save(milestone=milestone, actor=None)

    assert Milestone.history.as_of(before).get(pk=milestone.pk).status == MilestoneStatus.PLANNED
