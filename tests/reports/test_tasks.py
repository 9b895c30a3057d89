"""Worker hygiene: the settings that keep a report from being lost, run twice at once, or
left hanging, read from the Celery app the worker actually builds."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from jvtracker.celery import app
from reports.choices import ReportStatus
from reports.tasks import report_render_task, reports_requeue_stuck_task
from tests.factories import ReportFactory

ROOT = Path(__file__).resolve().parents[2]
SWEEPER_ENTRY = "reports-requeue-stuck"


def test_render_task_is_acknowledged_late_and_requeued_when_its_worker_dies():
    # A message is acknowledged only after the render, so a worker killed mid-render
    # leaves it to be delivered again; report_render is idempotent, so that is safe.
    assert report_render_task.acks_late is True
    assert report_render_task.reject_on_worker_lost is True


def test_render_task_has_a_soft_limit_that_leaves_time_to_record_the_failure():
    soft, hard = report_render_task.soft_time_limit, report_render_task.time_limit

    assert (soft, hard) == (settings.REPORT_TASK_SOFT_TIME_LIMIT, settings.REPORT_TASK_TIME_LIMIT)
    assert 0 < soft < hard
    assert hard - soft >= 10


def test_redis_redelivers_an_unacknowledged_report_only_after_every_time_limit():
    """Redis hands an unacknowledged message to another worker after the visibility
    timeout: below a running task's limit, a long report would be rendered twice."""
    visibility = app.conf.broker_transport_options["visibility_timeout"]

    assert visibility > settings.REPORT_TASK_TIME_LIMIT
    assert visibility > settings.CELERY_TASK_TIME_LIMIT
    assert visibility > report_render_task.time_limit


def test_settings_refuse_a_report_time_limit_beyond_the_visibility_timeout():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jvtracker.settings.base",
        "REPORT_TASK_TIME_LIMIT": str(
            settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        ),
    }

    loaded = subprocess.run(
        [sys.executable, "-c", "import jvtracker.settings.base"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert loaded.returncode != 0
    assert "visibility timeout must exceed REPORT_TASK_TIME_LIMIT" in loaded.stderr


def test_a_worker_takes_one_report_at_a_time_and_is_recycled_when_it_grows():
    assert app.conf.worker_prefetch_multiplier == 1
    # WeasyPrint keeps what it allocated: a child is replaced once past this (KiB).
    assert isinstance(app.conf.worker_max_memory_per_child, int)
    assert app.conf.worker_max_memory_per_child > 0


def test_beat_sweeps_stuck_reports_more_often_than_a_queued_report_is_presumed_lost():
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule[SWEEPER_ENTRY]

    assert entry["task"] == reports_requeue_stuck_task.name
    assert entry["task"] in app.tasks
    assert float(entry["schedule"]) <= settings.REPORT_QUEUED_GRACE_SECONDS


def test_publishing_gives_up_after_a_bounded_number_of_quick_retries():
    """A request publishes its report in the web process: with the broker down, the
    publish must give up quickly (the sweeper publishes later) rather than hang."""
    assert app.conf.task_publish_retry is True
    policy = app.conf.task_publish_retry_policy
    assert 0 <= policy["max_retries"] <= 3
    waits = [
        min(policy["interval_start"] + retry * policy["interval_step"], policy["interval_max"])
        for retry in range(policy["max_retries"])
    ]
    assert sum(waits) <= 1
    assert 0 < app.conf.broker_connection_timeout <= 1
    transport = app.conf.broker_transport_options
    assert 0 < transport["socket_connect_timeout"] <= 1
    # Without it, a broker that accepts connections but never answers makes the publish
    # wait forever (test_worker.py freezes a Redis server to show it does not).
    assert 0 < transport["socket_timeout"] <= 1
    assert 0 <= transport["max_retries"] <= 3


def test_transient_retries_are_bounded():
    assert report_render_task.max_retries == settings.REPORT_TRANSIENT_RETRIES
    assert 1 <= report_render_task.max_retries <= 5
    assert settings.REPORT_MAX_ATTEMPTS >= 2  # a report survives at least one lost worker


@pytest.mark.django_db
def test_sweeper_task_publishes_a_report_whose_publish_was_lost():
    lost = ReportFactory(
        requested_at=timezone.now() - dt.timedelta(seconds=settings.REPORT_QUEUED_GRACE_SECONDS + 5)
    )

    assert reports_requeue_stuck_task.delay().get() == [lost.pk]

    lost.refresh_from_db()
    assert lost.status == ReportStatus.SUCCEEDED


@pytest.mark.django_db
def test_render_task_of_an_unknown_report_does_nothing():
    assert report_render_task.delay(987654).get() is None
