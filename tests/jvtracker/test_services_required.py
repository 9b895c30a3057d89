"""On PostgreSQL the model constraints are real database constraints.

SQLite enforces CHECK constraints too, but production runs on PostgreSQL: these tests
prove that the migrations created the constraints there and that the database itself
rejects bad rows, even from code that bypasses the services (``QuerySet.update()``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from milestones.choices import GateDecision
from milestones.models import StageGate
from tests.factories import StageGateFactory

CONSTRAINT = "stagegate_decision_has_rationale_and_date"


def test_suite_runs_on_postgresql(postgres):
    assert connection.vendor == "postgresql"


def test_stage_gate_constraint_exists_in_postgresql(postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = %s AND contype = 'c'",
            [CONSTRAINT],
        )
        rows = cursor.fetchall()
    assert len(rows) == 1, f"CHECK constraint {CONSTRAINT} is missing"
    assert "rationale" in rows[0][0]


def test_database_rejects_decision_without_rationale(postgres):
    gate = StageGateFactory()

    with pytest.raises(IntegrityError, match=CONSTRAINT), transaction.atomic():
        StageGate.objects.filter(pk=gate.pk).update(
            decision=GateDecision.CONTINUE, rationale="", decision_date=dt.date(2027, 12, 15)
        )

    gate.refresh_from_db()
    assert gate.decision == GateDecision.PENDING


def test_database_rejects_decision_without_date(postgres):
    gate = StageGateFactory()

    with pytest.raises(IntegrityError, match=CONSTRAINT), transaction.atomic():
        StageGate.objects.filter(pk=gate.pk).update(
            decision=GateDecision.CONTINUE, rationale="Targets met.", decision_date=None
        )


def test_database_accepts_decision_with_rationale_and_date(postgres):
    gate = StageGateFactory()

    StageGate.objects.filter(pk=gate.pk).update(
        decision=GateDecision.CONTINUE,
        rationale="Targets met.",
        decision_date=dt.date(2027, 12, 15),
    )

    gate.refresh_from_db()
    assert gate.decision == GateDecision.CONTINUE
