"""Reports survive crashes and outages: real worker processes, real Redis, real PostgreSQL.

The worker is ``celery worker`` run as a subprocess (prefork, one pool child), consuming
a queue of the test's own so a developer's worker cannot take its tasks, and connected to
the database pytest-django created; rows are committed (``transactional_db``) so it sees
them. Every process started here is killed in a fixture's teardown.

A render is held still mid-way by the seam in :mod:`tests.reports.worker_helpers` (after
WeasyPrint produced the PDF, before it is stored), so the kill always lands mid-render.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from jvtracker.common.storage import private_storage
from jvtracker.roles import sync_role_groups
from reports.choices import FINISHED_STATUSES, ReportKind, ReportStatus, RequestChannel
from reports.models import Report
from reports.services import report_request, reports_requeue_stuck
from reports.tasks import report_render_task
from tests.conftest import REQUIRE_SERVICES
from tests.factories import PolicyUserFactory, StageGateFactory
from tests.reports.worker_helpers import (
    PrivateRedis,
    WorkerProcess,
    parent_pid,
    process_exists,
    publishing_to,
    wait_until,
)

# Hang detection only: how long a step may take before the test gives up on it.
HANG = 60


@pytest.fixture
def queue() -> str:
    return f"jvtracker-test-reports-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def shared_queue(redis_url, queue):
    """A queue of the test's own on the shared Redis, whose keys are removed afterwards."""
    import redis

    yield queue
    client = redis.Redis.from_url(redis_url)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


@pytest.fixture
def committed(postgres, transactional_db, settings):
    """A gate and a policy user, committed so a worker process can read them; publishing
    is for real (a worker does not care about eager mode, the requesting side does)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # The role groups come from a data migration, which a transactional test's flush
    # empties: make sure they are there.
    sync_role_groups()
    return StageGateFactory(), PolicyUserFactory()


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own, which it may stop and start again."""
    if shutil.which("redis-server") is None:
        reason = "needs the redis-server binary"
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(reason)
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def start_worker(committed, _private_media, tmp_path):
    """Start ``celery worker`` subprocesses; all of them are killed afterwards, before the
    test database is flushed."""
    started: list[WorkerProcess] = []

    def start(
        broker_url: str,
        queue: str,
        pause_marker: Path | None = None,
        settings: dict[str, str] | None = None,
    ) -> WorkerProcess:
        worker = WorkerProcess(
            broker_url=broker_url,
            queue=queue,
            private_media=_private_media,
            log_path=tmp_path / f"worker-{len(started) + 1}.log",
            pause_marker=pause_marker,
            settings=settings,
        )
        started.append(worker)
        worker.start()
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        for worker in started:
            assert not worker.alive()
            assert worker.session_processes() == []


def request_report(gate, actor, *, days_back: int = 1) -> Report:
    """A stage-gate report as of ``days_back`` days ago (another day is another request:
    the same one while it is still pending would be that report again)."""
    return report_request(
        kind=ReportKind.STAGE_GATE,
        gate=gate,
        as_of=timezone.localdate() - dt.timedelta(days=days_back),
        actor=actor,
        via=RequestChannel.ADMIN,
    )


def status_of(report_id: int) -> tuple[str, int]:
    return Report.objects.filter(pk=report_id).values_list("status", "attempts").get()


def wait_until_finished(report: Report, log) -> Report:
    wait_until(
        lambda: status_of(report.pk)[0] in FINISHED_STATUSES,
        timeout=HANG,
        what=f"{report.reference} to finish",
        log=log,
    )
    report.refresh_from_db()
    return report


def wait_for_paused_render(marker: Path, log) -> int:
    """The pid of the pool child holding the first render still."""
    return int(wait_until(lambda: marker.exists() and marker.read_text(), timeout=HANG,
                          what="the first render to pause", log=log))  # fmt: skip


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def attempts_in_history(report: Report) -> list[str]:
    reasons = report.history.order_by("history_id").values_list("history_change_reason", flat=True)
    return [reason for reason in reasons if reason and reason.startswith("attempt ")]


def assert_stored_once_and_intact(report: Report, private_media: Path) -> None:
    assert report.status == ReportStatus.SUCCEEDED, report.error
    [path] = stored_files(private_media)
    assert path == Path(private_storage().path(report.file.name))
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == report.sha256
    assert report.size == len(data)


# ------------------------------------------------------------------- killed worker


def test_a_report_whose_pool_child_is_killed_mid_render_is_redelivered_and_stored_once(
    committed, redis_url, shared_queue, start_worker, _private_media, tmp_path
):
    gate, actor = committed
    queue = shared_queue
    marker = tmp_path / "paused-render"
    with publishing_to(redis_url, queue):
        worker = start_worker(redis_url, queue, pause_marker=marker)
        report = request_report(gate, actor)

        child = wait_for_paused_render(marker, worker.log)
        assert status_of(report.pk) == (ReportStatus.RUNNING, 1)
        assert stored_files(_private_media) == []
        assert parent_pid(child) == worker.pid
        os.kill(child, signal.SIGKILL)

        report = wait_until_finished(report, worker.log)

    assert_stored_once_and_intact(report, _private_media)
    assert report.attempts == 2
    assert [reason.split(" on ")[0] for reason in attempts_in_history(report)] == [
        "attempt 1",
        "attempt 2",
    ]
    assert not process_exists(child)
    assert worker.alive()  # the worker lived on: a fresh pool child took the message again
    assert "SIGKILL" in worker.log.text()


def test_after_the_whole_worker_is_killed_the_sweeper_and_a_new_worker_complete_the_report(
    committed, private_redis, queue, start_worker, _private_media, tmp_path, settings
):
    gate, actor = committed
    marker = tmp_path / "paused-render"
    with publishing_to(private_redis.url, queue):
        crashed = start_worker(private_redis.url, queue, pause_marker=marker)
        report = request_report(gate, actor)
        child = wait_for_paused_render(marker, crashed.log)

        crashed.kill()  # the worker and its child at once: nobody is left to requeue

        wait_until(lambda: not process_exists(child), timeout=HANG, what="the child to die")
        assert status_of(report.pk) == (ReportStatus.RUNNING, 1)
        # Redis keeps the unacknowledged message for the visibility timeout (beyond the
        # task's hard limit), so only the sweeper brings the report back before that.
        assert private_redis.client().hlen("unacked") == 1
        restarted = start_worker(private_redis.url, queue)
        report.refresh_from_db()
        later = report.started_at + dt.timedelta(seconds=settings.REPORT_TASK_TIME_LIMIT + 61)
        assert reports_requeue_stuck(now=later) == [report.pk]

        report = wait_until_finished(report, restarted.log)

    assert_stored_once_and_intact(report, _private_media)
    assert report.attempts == 2
    first, second = attempts_in_history(report)
    assert first.startswith("attempt 1 on reports-test-")
    assert second.startswith("attempt 2 on reports-test-")
    assert first.split(" on ")[1] != second.split(" on ")[1]  # two different workers


def test_a_render_past_the_soft_time_limit_fails_saying_it_took_too_long(
    committed, private_redis, queue, start_worker, _private_media, tmp_path, monkeypatch
):
    """The worker's pool enforces the task's soft limit: a report held past it fails
    with a reason a person can read, and leaves no file.

    The limits travel in the message, taken from the task where it is published: so they
    are lowered here, in the publishing process, and in the worker's settings (which word
    the reason) alike.
    """
    gate, actor = committed
    marker = tmp_path / "paused-render"
    hard_limit = 32  # the soft limit is 30 s less: 2 s
    monkeypatch.setattr(report_render_task, "time_limit", hard_limit)
    monkeypatch.setattr(report_render_task, "soft_time_limit", hard_limit - 30)
    monkeypatch.setattr(report_render_task, "_exec_options", None)  # Celery's cache of them
    with publishing_to(private_redis.url, queue):
        worker = start_worker(
            private_redis.url,
            queue,
            pause_marker=marker,
            settings={"REPORT_TASK_TIME_LIMIT": str(hard_limit)},
        )
        report = request_report(gate, actor)
        wait_for_paused_render(marker, worker.log)

        report = wait_until_finished(report, worker.log)

    # A worker speaks the site's language (settings.LANGUAGE_CODE), having no request.
    with translation.override(django_settings.LANGUAGE_CODE):
        expected = gettext("The report took longer than %(seconds)s seconds and was stopped.")
    assert report.status == ReportStatus.FAILED
    assert report.error == expected % {"seconds": hard_limit - 30}
    assert report.attempts == 1
    assert stored_files(_private_media) == []
    assert worker.alive()


# ------------------------------------------------------------------------ Redis down


def run_within(function, timeout: float):
    """Run ``function`` in a thread: its result, and how long it took; fail if it has not
    returned after ``timeout`` seconds (a hang)."""
    outcome: dict = {}

    def run():
        started = time.monotonic()
        try:
            outcome["result"] = function()
        except BaseException as exc:  # reported to the test below
            outcome["error"] = exc
        finally:
            outcome["seconds"] = time.monotonic() - started
            connection.close()  # this thread's own database connection

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout} s: it hangs"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"], outcome["seconds"]


def test_a_report_requested_while_redis_is_down_is_queued_and_completed_once_redis_is_back(
    committed, private_redis, queue, start_worker, _private_media, settings
):
    gate, actor = committed
    with publishing_to(private_redis.url, queue):
        # Published while Redis is up, but no worker runs yet; its message dies with Redis.
        published = request_report(gate, actor)
        assert private_redis.client().llen(queue) == 1
        private_redis.stop()

        report, seconds = run_within(lambda: request_report(gate, actor, days_back=2), timeout=10)
        print(f"\nreport_request with Redis down returned in {seconds:.3f} s")

        assert report.status == ReportStatus.QUEUED
        assert status_of(report.pk) == (ReportStatus.QUEUED, 0)
        later = report.requested_at + dt.timedelta(seconds=settings.REPORT_QUEUED_GRACE_SECONDS + 1)
        swept, _seconds = run_within(lambda: reports_requeue_stuck(now=later), timeout=10)
        assert swept == []  # nothing could be published; the next sweep tries again

        private_redis.start()  # same port, empty: the first report's message is gone too
        worker = start_worker(private_redis.url, queue)
        assert reports_requeue_stuck(now=later) == sorted([published.pk, report.pk])

        for waiting in (published, report):
            wait_until_finished(waiting, worker.log)

    for finished in (published, report):
        finished.refresh_from_db()
        assert finished.status == ReportStatus.SUCCEEDED, finished.error
        assert finished.attempts == 1
    assert len(stored_files(_private_media)) == 2


def test_a_report_requested_while_redis_hangs_is_queued_and_completed_once_it_answers(
    committed, private_redis, queue, start_worker, _private_media, settings
):
    """A broker that accepts connections but never answers is worse than one that is down:
    without a socket timeout the publish, and so the request, would wait forever."""
    gate, actor = committed
    with publishing_to(private_redis.url, queue):
        worker = start_worker(private_redis.url, queue)
        before = wait_until_finished(request_report(gate, actor), worker.log)
        assert before.status == ReportStatus.SUCCEEDED  # the publishing connection is warm
        # The worker acknowledges a message after its task returns, a moment after the
        # report's row is stored (the requester's email is queued in between): freeze
        # Redis only once it has, or the worker's own connection is what hangs.
        wait_until(
            lambda: private_redis.client().hlen("unacked") == 0,
            timeout=30,
            what="the worker to acknowledge the first report",
            log=worker.log,
        )
        private_redis.freeze()

        report, seconds = run_within(lambda: request_report(gate, actor), timeout=10)
        print(f"\nreport_request with Redis frozen returned in {seconds:.3f} s")

        assert status_of(report.pk) == (ReportStatus.QUEUED, 0)
        later = report.requested_at + dt.timedelta(seconds=settings.REPORT_QUEUED_GRACE_SECONDS + 1)
        swept, _seconds = run_within(lambda: reports_requeue_stuck(now=later), timeout=10)
        assert swept == []

        private_redis.thaw()
        # A publish that timed out may still reach Redis (its bytes were in the socket's
        # buffer when the client gave up), so the report may come back by itself, by the
        # sweeper, or both: however many messages, it is rendered once.
        assert reports_requeue_stuck(now=later) in ([], [report.pk])
        report = wait_until_finished(report, worker.log)

    assert report.status == ReportStatus.SUCCEEDED, report.error
    assert report.attempts == 1
    assert len(stored_files(_private_media)) == 2
