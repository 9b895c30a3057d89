"""A real Celery worker, fed through a real Redis broker, runs the overdue sweep.

The rest of the suite runs tasks eagerly; these tests prove the wiring eager mode skips:
task discovery, JSON serialization through the broker, and a worker thread writing
through its own database connection. The sweep is sent by beat and takes no ids, so it
needs no ``transaction.on_commit``: the milestones are committed (``transactional_db``)
before the task is sent.
"""

from __future__ import annotations

import datetime as dt

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from jvtracker.celery import app
from milestones.choices import MilestoneStatus
from milestones.tasks import milestones_flag_overdue_task
from tests.factories import MilestoneFactory, ProgrammeFactory

# redis-py deprecates a call inside Celery's Redis result backend; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")

# A queue of its own, so a developer's running worker cannot take the test's tasks.
TEST_QUEUE = "jvtracker-test-worker"
RESULT_TIMEOUT = 10


def _forget_connections() -> None:
    """Drop what Celery built from the previous config: broker pools, queues and routes,
    and the result backend. Celery caches them on first use and has no public reset."""
    kombu.pools.reset()
    app._pool = None
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    vars(app._local).pop("backend", None)


def send_sweep():
    """Send the sweep through the broker, as beat does, keeping its result to wait on.

    Not ``delay()``: the project ignores task results (CELERY_TASK_IGNORE_RESULT), and
    ``.get()`` on an ignored result returns None at once instead of waiting.
    """
    result = milestones_flag_overdue_task.apply_async(ignore_result=False)
    assert not result.ignored
    return result


@pytest.fixture
def redis_worker(redis_url, transactional_db):
    """jvtracker's Celery app pointed at Redis, with a solo worker running in a thread."""
    overrides = {
        "broker_url": redis_url,
        "result_backend": redis_url,
        "result_expires": 300,
        "task_always_eager": False,
        "task_default_queue": TEST_QUEUE,
        "worker_hijack_root_logger": False,
        "worker_enable_remote_control": False,
    }
    saved = {key: app.conf[key] for key in overrides}
    app.conf.update(overrides)
    _forget_connections()
    try:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(TEST_QUEUE)
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)
        _forget_connections()


@pytest.fixture
def programme_open_today():
    """A programme whose window contains today, so past due dates pass validation."""
    today = timezone.localdate()
    return ProgrammeFactory(
        code="worker-test",
        first_fiscal_year=today.year - 2,
        last_fiscal_year=today.year + 2,
        opens_on=None,
    )


def test_worker_flags_overdue_milestone_through_redis(redis_worker, programme_open_today):
    today = timezone.localdate()
    overdue = MilestoneFactory(
        programme=programme_open_today,
        due_date=today - dt.timedelta(days=7),
        status=MilestoneStatus.PLANNED,
    )
    upcoming = MilestoneFactory(
        programme=programme_open_today,
        due_date=today + dt.timedelta(days=7),
        status=MilestoneStatus.PLANNED,
    )

    assert send_sweep().get(timeout=RESULT_TIMEOUT) == [overdue.pk]
    overdue.refresh_from_db()
    upcoming.refresh_from_db()
    assert overdue.status == MilestoneStatus.AT_RISK
    assert upcoming.status == MilestoneStatus.PLANNED
    latest = overdue.history.first()
    assert latest.status == MilestoneStatus.AT_RISK
    assert latest.history_change_reason == "overdue sweep"
    assert latest.history_user is None


def test_worker_sweep_twice_flags_once(redis_worker, programme_open_today):
    overdue = MilestoneFactory(
        programme=programme_open_today,
        due_date=timezone.localdate() - dt.timedelta(days=1),
        status=MilestoneStatus.IN_PROGRESS,
    )

    first = send_sweep().get(timeout=RESULT_TIMEOUT)
    second = send_sweep().get(timeout=RESULT_TIMEOUT)

    assert (first, second) == ([overdue.pk], [])
    assert overdue.history.filter(history_change_reason="overdue sweep").count() == 1


def test_beat_schedule_names_registered_tasks():
    """A typo in CELERY_BEAT_SCHEDULE would make beat send a task no worker knows."""
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert "milestones-flag-overdue" in schedule
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, f"beat entry {name!r} names an unknown task"
