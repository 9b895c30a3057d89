"""The daily task that marks contracts past their expiry date as expired."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from datagov.choices import ContractStatus
from datagov.models import ContractTransition, DataContract
from datagov.tasks import contracts_mark_expired_task
from tests.factories import DataContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contracts():
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    start = today - dt.timedelta(days=400)

    def make(status, expiry):
        return DataContractFactory(status=status, effective_date=start, expiry_date=expiry)

    return {
        "ended-yesterday": make(ContractStatus.ACTIVE, yesterday),
        "ended-long-ago": make(ContractStatus.ACTIVE, today - dt.timedelta(days=200)),
        "ends-today": make(ContractStatus.ACTIVE, today),
        "ends-later": make(ContractStatus.ACTIVE, today + dt.timedelta(days=30)),
        "submitted-late": make(ContractStatus.SUBMITTED, yesterday),
        "draft-late": make(ContractStatus.DRAFT, yesterday),
        "terminated": make(ContractStatus.TERMINATED, yesterday),
    }


def _status(contract: DataContract) -> str:
    return DataContract.objects.get(pk=contract.pk).status


def test_only_active_contracts_past_their_expiry_date_are_marked_expired(
    contracts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contracts_mark_expired_task.delay()

    assert {code: _status(c) for code, c in contracts.items()} == {
        "ended-yesterday": ContractStatus.EXPIRED,
        "ended-long-ago": ContractStatus.EXPIRED,
        "ends-today": ContractStatus.ACTIVE,
        "ends-later": ContractStatus.ACTIVE,
        "submitted-late": ContractStatus.SUBMITTED,
        "draft-late": ContractStatus.DRAFT,
        "terminated": ContractStatus.TERMINATED,
    }


def test_the_task_returns_the_references_it_expired(contracts):
    expired = contracts_mark_expired_task()

    assert sorted(expired) == sorted(
        [contracts["ended-yesterday"].reference, contracts["ended-long-ago"].reference]
    )


def test_expiry_is_recorded_as_a_system_transition_and_in_history(contracts):
    contracts_mark_expired_task()

    contract = contracts["ended-yesterday"]
    [transition] = ContractTransition.objects.filter(contract=contract)
    assert transition.from_status == ContractStatus.ACTIVE
    assert transition.to_status == ContractStatus.EXPIRED
    assert transition.actor is None
    assert transition.at is not None
    assert transition.effective_on == contract.expiry_date + dt.timedelta(days=1)
    assert contract.expiry_date.isoformat() in transition.note

    latest = contract.history.first()
    assert latest.status == ContractStatus.EXPIRED
    assert latest.history_user is None
    assert "expired" in latest.history_change_reason
    assert "active" in latest.history_change_reason


def test_running_the_task_twice_changes_nothing_more(contracts):
    contracts_mark_expired_task()
    transitions = ContractTransition.objects.count()
    history = DataContract.history.count()

    assert contracts_mark_expired_task() == []

    assert ContractTransition.objects.count() == transitions
    assert DataContract.history.count() == history


def test_the_task_is_in_the_beat_schedule_daily():
    scheduled = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    entry = scheduled["datagov.tasks.contracts_mark_expired_task"]
    assert contracts_mark_expired_task.name == "datagov.tasks.contracts_mark_expired_task"
    # Once a day: a fixed hour and minute, every day of the week.
    assert len(entry["schedule"].hour) == 1
    assert len(entry["schedule"].minute) == 1
    assert len(entry["schedule"].day_of_week) == 7
