"""The report services: a request is validated, recorded as queued and published after
commit; a render claims the row, stores one PDF and proves it with its SHA-256; errors end
as failed with a reason a person can read; the sweeper republishes what got stuck.

Celery runs eagerly here (settings.test), so publishing renders at once; the worker tests
in test_worker.py run the same path through a real broker and worker process.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
from pathlib import Path

import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.utils import timezone, translation

import jvtracker.common.pdf
import reports.services as services
from jvtracker.common.storage import private_storage
from milestones.models import StageGate
from reports.choices import ReportKind, ReportStatus, RequestChannel
from reports.models import Report, ReportDownload
from reports.selectors import stored_report_problems
from reports.services import (
    knowledge_cutoff,
    report_download_record,
    report_fail,
    report_render,
    report_request,
    reports_requeue_stuck,
)
from reports.tasks import report_render_task
from tests.factories import (
    TOKYO,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    ReportFactory,
    StageGateFactory,
)

pytestmark = pytest.mark.django_db

# A fixed "now" for the validation tests, so they do not depend on the calendar.
NOW = dt.datetime(2027, 4, 10, 10, 0, tzinfo=TOKYO)


@pytest.fixture
def gate():
    """A stage gate of the NEDO programme, whose window opens on 2026-03-01."""
    return StageGateFactory()


@pytest.fixture
def policy_user():
    return PolicyUserFactory()


@pytest.fixture
def pmo_user():
    return PMOUserFactory()


@pytest.fixture
def builders():
    """The builder registry with every content module imported, so a builder a test puts
    in (with monkeypatch.setitem, undone afterwards) is not overwritten by the import that
    report_html does on first use."""
    from reports.content import (  # noqa: F401
        BUILDERS,
        contamination,
        contracts,
        kpi_board,
        stage_gate,
    )

    return BUILDERS


def new_report(**kwargs) -> Report:
    """A queued stage-gate report (ReportFactory) on the programme's one FY2027 gate."""
    kwargs.setdefault("gate", StageGate.objects.first() or StageGateFactory())
    return ReportFactory(**kwargs)


def run_as_a_worker_would(task, *args) -> tuple[object, list]:
    """Run ``task`` eagerly, then each retry it asks for, with request.retries one higher
    each time, as a worker would; its result and the countdowns it asked for.

    Eager Celery with CELERY_TASK_EAGER_PROPAGATES (the project's setting) does not run a
    retry: ``self.retry()`` raises Retry out of ``delay()``. So the retries are run here,
    one after another, without waiting the countdown.
    """
    countdowns = []
    while True:
        try:
            return task.apply(args=args, retries=len(countdowns)).get(), countdowns
        except Retry as retry:
            countdowns.append(retry.when)


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def change_reasons(report: Report) -> list[str]:
    rows = report.history.order_by("history_id").values_list("history_change_reason", flat=True)
    return [reason or "" for reason in rows]


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def rendered_report(**kwargs) -> Report:
    """A report rendered to success through the service, as a worker would."""
    report = new_report(**kwargs)
    rendered = report_render(report_id=report.pk)
    assert rendered.status == ReportStatus.SUCCEEDED, rendered.error
    return rendered


def failing_builder(exc: BaseException, calls: list | None = None):
    def build(report):
        if calls is not None:
            calls.append(report.attempts)
        raise exc

    return build


# ----------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("field", "arguments"),
    [
        ("kind", {"kind": "weekly_digest", "gate": "gate"}),
        ("gate", {"kind": ReportKind.STAGE_GATE}),
        ("gate", {"kind": ReportKind.KPI_BOARD}),
        ("gate", {"kind": ReportKind.CONTRACT_REGISTER, "gate": "gate"}),
        ("as_of", {"kind": ReportKind.STAGE_GATE, "gate": "gate", "as_of": dt.date(2027, 4, 11)}),
        ("as_of", {"kind": ReportKind.STAGE_GATE, "gate": "gate", "as_of": dt.date(2026, 2, 28)}),
        ("language", {"kind": ReportKind.STAGE_GATE, "gate": "gate", "language": "fr"}),
    ],
    ids=[
        "unknown-kind",
        "stage-gate-without-gate",
        "kpi-board-without-gate",
        "whole-programme-kind-with-gate",
        "as-of-in-the-future",
        "as-of-before-the-programme",
        "language-fr",
    ],
)
def test_bad_request_names_the_field_and_records_and_publishes_nothing(
    field, arguments, gate, policy_user, django_capture_on_commit_callbacks
):
    if arguments.get("gate") == "gate":
        arguments = {**arguments, "gate": gate}

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError) as raised,
    ):
        report_request(actor=policy_user, via=RequestChannel.ADMIN, now=NOW, **arguments)

    assert set(raised.value.message_dict) == {field}
    assert raised.value.message_dict[field][0]
    assert not Report.objects.exists()
    assert not Report.history.exists()
    assert callbacks == []


def test_every_bad_parameter_is_named_at_once(gate, policy_user):
    with pytest.raises(ValidationError) as raised:
        report_request(
            kind=ReportKind.CONTRACT_REGISTER,
            gate=gate,
            as_of=dt.date(2030, 1, 1),
            language="fr",
            actor=policy_user,
            via=RequestChannel.API,
            now=NOW,
        )

    assert set(raised.value.message_dict) == {"gate", "as_of", "language"}
    assert not Report.objects.exists()


def test_as_of_before_the_programme_names_the_programme_start(gate, policy_user):
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        report_request(
            kind=ReportKind.STAGE_GATE,
            gate=gate,
            as_of=dt.date(2026, 2, 28),
            actor=policy_user,
            via=RequestChannel.ADMIN,
            now=NOW,
        )

    assert "before the programme began" in raised.value.message_dict["as_of"][0]


def test_first_and_last_allowed_days_are_accepted(gate, policy_user):
    first = report_request(
        kind=ReportKind.STAGE_GATE,
        gate=gate,
        as_of=dt.date(2026, 3, 1),
        actor=policy_user,
        via=RequestChannel.ADMIN,
        now=NOW,
        enqueue=False,
    )
    today = report_request(
        kind=ReportKind.STAGE_GATE,
        gate=gate,
        as_of=NOW.date(),
        actor=policy_user,
        via=RequestChannel.ADMIN,
        now=NOW,
        enqueue=False,
    )

    assert (first.status, today.status) == (ReportStatus.QUEUED, ReportStatus.QUEUED)


# ---------------------------------------------------------------------- permission


def _partner():
    return PartnerUserFactory()


def _policy_without_permission():
    user = PolicyUserFactory()
    user.groups.clear()
    return user


def _inactive_policy():
    return PolicyUserFactory(is_active=False)


@pytest.mark.parametrize(
    "make_actor",
    [_partner, _policy_without_permission, _inactive_policy, AnonymousUser],
    ids=["partner", "policy-role-without-permission", "inactive-policy", "anonymous"],
)
def test_who_may_not_request_reports_is_refused_and_nothing_is_recorded(
    make_actor, gate, django_capture_on_commit_callbacks
):
    actor = make_actor()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PermissionDenied):
        report_request(
            kind=ReportKind.STAGE_GATE,
            gate=gate,
            as_of=yesterday(),
            actor=actor,
            via=RequestChannel.PAGE,
        )

    assert not Report.objects.exists()
    assert callbacks == []


@pytest.mark.parametrize("factory", [PMOUserFactory, PolicyUserFactory], ids=["pmo", "policy"])
def test_pmo_and_policy_staff_may_request_reports(factory, gate):
    report = report_request(
        kind=ReportKind.STAGE_GATE,
        gate=gate,
        as_of=yesterday(),
        actor=factory(),
        via=RequestChannel.PAGE,
        enqueue=False,
    )

    assert report.status == ReportStatus.QUEUED


@pytest.mark.parametrize("via", [RequestChannel.ADMIN, RequestChannel.PAGE, RequestChannel.API])
def test_a_request_without_a_user_is_refused_unless_from_the_command_line(
    via, gate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PermissionDenied):
        report_request(kind=ReportKind.STAGE_GATE, gate=gate, actor=None, via=via)

    assert not Report.objects.exists()
    assert callbacks == []


def test_the_command_line_may_request_without_a_user(gate):
    report = report_request(
        kind=ReportKind.STAGE_GATE,
        gate=gate,
        as_of=yesterday(),
        actor=None,
        via=RequestChannel.COMMAND,
        enqueue=False,
    )

    assert report.requested_by is None
    assert report.history.get().history_user is None


# ------------------------------------------------------------------ knowledge cut-off


def test_knowledge_cutoff_of_a_past_day_is_the_end_of_that_day_in_tokyo():
    # 01:00 in Tokyo on 1 April is still 31 March in UTC: the day that is over is
    # Tokyo's 31 March, which ended at 14:59:59.999999 UTC.
    now = dt.datetime(2027, 3, 31, 16, 0, tzinfo=dt.UTC)

    cutoff = knowledge_cutoff(dt.date(2027, 3, 31), now)

    assert cutoff == dt.datetime(2027, 3, 31, 23, 59, 59, 999999, tzinfo=TOKYO)
    assert cutoff == dt.datetime(2027, 3, 31, 14, 59, 59, 999999, tzinfo=dt.UTC)


def test_knowledge_cutoff_of_today_in_tokyo_is_the_moment_of_the_request():
    now = dt.datetime(2027, 3, 31, 16, 0, tzinfo=dt.UTC)  # 1 April, 01:00 in Tokyo

    assert knowledge_cutoff(dt.date(2027, 4, 1), now) == now


def test_requested_report_records_its_cutoff(gate, policy_user):
    past = report_request(
        kind=ReportKind.STAGE_GATE,
        gate=gate,
        as_of=dt.date(2027, 3, 31),
        actor=policy_user,
        via=RequestChannel.ADMIN,
        now=NOW,
        enqueue=False,
    )
    today = report_request(
        kind=ReportKind.STAGE_GATE,
        gate=gate,
        as_of=None,
        actor=policy_user,
        via=RequestChannel.ADMIN,
        now=NOW,
        enqueue=False,
    )
    past.refresh_from_db()
    today.refresh_from_db()

    assert past.knowledge_cutoff == dt.datetime(2027, 3, 31, 23, 59, 59, 999999, tzinfo=TOKYO)
    assert today.as_of == NOW.date()
    assert today.knowledge_cutoff == NOW == today.requested_at


# -------------------------------------------------------------- request and render


def test_request_is_recorded_as_queued_and_published_only_on_commit(
    gate, policy_user, django_capture_on_commit_callbacks, _private_media
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = report_request(
            kind=ReportKind.STAGE_GATE,
            gate=gate,
            as_of=yesterday(),
            actor=policy_user,
            via=RequestChannel.ADMIN,
        )

    assert len(callbacks) == 1
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.QUEUED, 0)
    assert stored_files(_private_media) == []

    callbacks[0]()  # the commit: publish, which eager Celery runs at once

    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED


def test_the_same_request_again_while_the_first_is_pending_is_that_report(
    gate, policy_user, pmo_user, django_capture_on_commit_callbacks
):
    def ask(actor, **changes):
        parameters = {
            "kind": ReportKind.STAGE_GATE,
            "gate": gate,
            "as_of": yesterday(),
            "actor": actor,
            "via": RequestChannel.PAGE,
            **changes,
        }
        return report_request(**parameters)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = ask(policy_user)
        again = ask(policy_user)
        in_english = ask(policy_user, language="en")
        by_someone_else = ask(pmo_user)

    assert again.pk == first.pk
    assert len({first.pk, in_english.pk, by_someone_else.pk}) == 3
    assert Report.objects.count() == 3
    assert len(callbacks) == 3  # one publish a report, none for the repeat

    report_fail(report_id=first.pk, reason="The worker ran out of time.")
    assert ask(policy_user).pk not in (first.pk, in_english.pk, by_someone_else.pk)


def test_requested_report_succeeds_after_commit_with_a_verified_pdf(
    gate, policy_user, django_capture_on_commit_callbacks, _private_media
):
    from pypdf import PdfReader

    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(
            kind=ReportKind.STAGE_GATE,
            gate=gate,
            as_of=yesterday(),
            actor=policy_user,
            via=RequestChannel.ADMIN,
        )
    assert report.status == ReportStatus.QUEUED  # what the caller was answered
    requested = report.history.earliest("history_id")
    assert requested.history_change_reason == "requested"
    assert requested.status == ReportStatus.QUEUED
    assert requested.history_user == policy_user

    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED
    assert report.error == ""
    assert report.attempts == 1
    assert report.requested_at <= report.started_at <= report.finished_at
    [path] = stored_files(_private_media)
    assert path == Path(private_storage().path(report.file.name))
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert report.sha256 == hashlib.sha256(data).hexdigest()
    assert report.size == len(data)
    assert report.pages == len(PdfReader(io.BytesIO(data)).pages) >= 1
    reasons = change_reasons(report)
    assert reasons[0] == "requested"
    assert reasons[1].startswith("attempt 1")
    assert reasons[2:] == ["succeeded"]


# --------------------------------------------------------------------- idempotence


def test_rendering_a_report_twice_stores_one_pdf_and_changes_nothing_the_second_time(
    _private_media,
):
    report = rendered_report()
    history_rows = report.history.count()
    facts = (report.file.name, report.sha256, report.size, report.pages, report.finished_at)

    again = report_render(report_id=report.pk)

    assert again is None
    report.refresh_from_db()
    assert (report.file.name, report.sha256, report.size, report.pages, report.finished_at) == (
        facts
    )
    assert report.attempts == 1
    assert report.history.count() == history_rows
    assert len(stored_files(_private_media)) == 1


def test_the_task_run_twice_stores_one_pdf(_private_media):
    report = new_report()

    first = report_render_task.delay(report.pk).get()
    second = report_render_task.delay(report.pk).get()

    assert first == ReportStatus.SUCCEEDED
    assert second is None  # nothing to do: the report had already finished
    report.refresh_from_db()
    assert report.attempts == 1
    assert len(stored_files(_private_media)) == 1


def test_two_renders_racing_store_one_pdf_and_delete_nothing_referenced(
    builders, monkeypatch, _private_media
):
    """A redelivered task runs while the first attempt is still rendering: the second
    claims, renders and stores; the first then finds the report succeeded and drops its
    own PDF without touching the one the row names."""
    report = new_report()
    real_builder = builders[ReportKind.STAGE_GATE]
    second_run = []

    def build_while_another_run_finishes(report):
        if report.attempts == 1:  # the first run: the second one starts and finishes now
            second_run.append(report_render(report_id=report.pk, resuming=True))
        return real_builder(report)

    monkeypatch.setitem(builders, ReportKind.STAGE_GATE, build_while_another_run_finishes)

    first = report_render(report_id=report.pk)

    [second] = second_run
    assert second.status == ReportStatus.SUCCEEDED
    assert first.status == ReportStatus.SUCCEEDED
    report.refresh_from_db()
    assert report.attempts == 2
    assert (report.file.name, report.sha256) == (second.file.name, second.sha256)
    [path] = stored_files(_private_media)
    assert path == Path(private_storage().path(report.file.name))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == report.sha256
    assert change_reasons(report).count("succeeded") == 1
    assert stored_report_problems() == []


def test_duplicate_messages_for_a_report_being_rendered_neither_render_it_nor_fail_it(
    settings, builders, monkeypatch, _private_media
):
    """A request waits in a long queue past the grace period, so each sweep publishes it
    again; the copies arrive while the first message's attempt is rendering. They must not
    render it a second time, nor use up its attempts and fail a report that is fine."""
    settings.REPORT_MAX_ATTEMPTS = 2
    report = new_report()
    real_builder = builders[ReportKind.STAGE_GATE]
    duplicates = []

    def build_while_duplicates_arrive(report):
        duplicates.extend(report_render(report_id=report.pk) for _ in range(3))
        return real_builder(report)

    monkeypatch.setitem(builders, ReportKind.STAGE_GATE, build_while_duplicates_arrive)

    first = report_render(report_id=report.pk)

    assert duplicates == [None, None, None]
    assert first.status == ReportStatus.SUCCEEDED
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.SUCCEEDED, 1)
    assert len(stored_files(_private_media)) == 1


def test_the_sweeper_takes_a_stuck_report_over_once_however_many_sweeps_publish_it(
    _private_media,
):
    report = new_report(
        status=ReportStatus.RUNNING, attempts=1, started_at=timezone.now() - dt.timedelta(hours=1)
    )

    # Two sweeps' messages for the stuck attempt 1, run one inside the other as two
    # worker processes would: the first takes over, the second finds attempt 2 running.
    inner = []
    real_claim = services._claim

    def claim_then_the_other_sweep(report_id, worker, **kwargs):
        claimed = real_claim(report_id, worker, **kwargs)
        if claimed is not None:
            inner.append(report_render(report_id=report_id, stuck_attempt=1))
        return claimed

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_claim", claim_then_the_other_sweep)
        taken_over = report_render(report_id=report.pk, stuck_attempt=1)

    assert inner == [None]
    assert taken_over.status == ReportStatus.SUCCEEDED
    report.refresh_from_db()
    assert report.attempts == 2
    assert len(stored_files(_private_media)) == 1


# -------------------------------------------------------------------------- failures


def test_a_builder_error_fails_the_report_with_its_message_and_leaves_no_file(
    builders, monkeypatch, _private_media
):
    report = new_report()
    monkeypatch.setitem(
        builders,
        ReportKind.STAGE_GATE,
        failing_builder(ValueError("criterion 7 of the gate has no text")),
    )

    status = report_render_task.delay(report.pk).get()

    assert status == ReportStatus.FAILED
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "criterion 7 of the gate has no text" in report.error
    assert report.finished_at is not None
    assert (report.file.name, report.sha256, report.size, report.pages) == ("", "", None, None)
    assert change_reasons(report)[-1] == "failed"
    assert stored_files(_private_media) == []


def test_missing_japanese_font_fails_the_report_naming_the_package(monkeypatch, _private_media):
    # Only the font lookup is faked (fontconfig answering "no IPAex font"); a cached
    # function, because the check clears the lookup's cache when it fails.
    monkeypatch.setattr(
        jvtracker.common.pdf, "japanese_fonts_installed", functools.cache(lambda: ())
    )
    report = new_report()

    report_render(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "fonts-ipaexfont-gothic" in report.error
    assert report.finished_at is not None
    assert stored_files(_private_media) == []


def test_a_report_at_the_attempt_cap_fails_instead_of_rendering(
    settings, builders, monkeypatch, _private_media
):
    settings.REPORT_MAX_ATTEMPTS = 2
    calls = []
    monkeypatch.setitem(builders, ReportKind.STAGE_GATE, failing_builder(AssertionError(), calls))
    report = new_report(
        status=ReportStatus.RUNNING, attempts=2, started_at=timezone.now() - dt.timedelta(hours=1)
    )

    with translation.override("en"):  # redelivered after its worker was lost again
        assert report_render(report_id=report.pk, resuming=True) is None

    report.refresh_from_db()
    assert calls == []
    assert report.status == ReportStatus.FAILED
    assert "tried 2 times" in report.error
    assert report.attempts == 2
    assert report.finished_at is not None
    assert stored_files(_private_media) == []


def test_failing_a_succeeded_report_changes_nothing(_private_media):
    report = rendered_report()
    history_rows = report.history.count()
    data = Path(private_storage().path(report.file.name)).read_bytes()

    returned = report_fail(report_id=report.pk, reason="someone tried to fail it")

    assert returned.status == ReportStatus.SUCCEEDED
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED
    assert report.error == ""
    assert report.history.count() == history_rows
    assert Path(private_storage().path(report.file.name)).read_bytes() == data
    assert hashlib.sha256(data).hexdigest() == report.sha256


def test_failing_an_already_failed_report_keeps_the_first_reason():
    report = new_report()
    report_fail(report_id=report.pk, reason="first reason")

    report_fail(report_id=report.pk, reason="second reason")

    report.refresh_from_db()
    assert report.error == "first reason"
    assert change_reasons(report) == ["", "failed"]


# ---------------------------------------------------------------- transient errors


def test_a_transient_database_error_is_retried_with_backoff_then_fails_with_its_message(
    builders, monkeypatch, _private_media
):
    """Every try is an attempt; the last one REPORT_MAX_ATTEMPTS allows fails with the
    database's message rather than being retried into the cap's reason (a lost worker)."""
    calls = []
    monkeypatch.setitem(
        builders,
        ReportKind.STAGE_GATE,
        failing_builder(OperationalError("server closed the connection unexpectedly"), calls),
    )
    report = new_report()

    status, countdowns = run_as_a_worker_would(report_render_task, report.pk)

    assert status == ReportStatus.FAILED
    assert countdowns == [2, 4]
    assert calls == [1, 2, 3]
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.attempts == 3
    assert "server closed the connection unexpectedly" in report.error
    assert report.finished_at is not None
    assert [reason.split(" on ")[0] for reason in change_reasons(report)] == [
        "",
        "attempt 1",
        "attempt 2",
        "attempt 3",
        "failed",
    ]
    assert stored_files(_private_media) == []


def test_a_transient_error_fails_the_report_once_the_task_retries_are_exhausted(
    settings, builders, monkeypatch, _private_media
):
    settings.REPORT_MAX_ATTEMPTS = 10
    calls = []
    monkeypatch.setitem(
        builders,
        ReportKind.STAGE_GATE,
        failing_builder(OperationalError("could not connect to server"), calls),
    )
    report = new_report()

    status, countdowns = run_as_a_worker_would(report_render_task, report.pk)

    assert status == ReportStatus.FAILED
    assert countdowns == [2, 4, 8][: report_render_task.max_retries]
    assert len(calls) == 1 + report_render_task.max_retries
    report.refresh_from_db()
    assert report.attempts == 1 + report_render_task.max_retries
    assert "could not connect to server" in report.error


def test_a_transient_error_that_clears_up_ends_in_success(builders, monkeypatch, _private_media):
    real_builder = builders[ReportKind.STAGE_GATE]
    calls = []

    def flaky(report):
        calls.append(report.attempts)
        if len(calls) == 1:
            raise OperationalError("the database system is starting up")
        return real_builder(report)

    monkeypatch.setitem(builders, ReportKind.STAGE_GATE, flaky)
    report = new_report()

    status, countdowns = run_as_a_worker_would(report_render_task, report.pk)

    assert (status, countdowns) == (ReportStatus.SUCCEEDED, [2])
    report.refresh_from_db()
    assert calls == [1, 2]
    assert report.error == ""
    assert len(stored_files(_private_media)) == 1


def test_a_permanent_error_is_not_retried(builders, monkeypatch):
    calls = []
    monkeypatch.setitem(
        builders, ReportKind.STAGE_GATE, failing_builder(KeyError("no such KPI"), calls)
    )
    report = new_report()

    status, countdowns = run_as_a_worker_would(report_render_task, report.pk)

    assert (status, countdowns, calls) == (ReportStatus.FAILED, [], [1])


def test_the_soft_time_limit_fails_the_report_saying_it_took_too_long(
    settings, builders, monkeypatch, _private_media
):
    # The worker's pool raises SoftTimeLimitExceeded inside the running task; here it is
    # raised where a long render spends its time.
    monkeypatch.setitem(builders, ReportKind.STAGE_GATE, failing_builder(SoftTimeLimitExceeded()))
    report = new_report()

    with translation.override("en"):
        status = report_render_task.delay(report.pk).get()

    assert status == ReportStatus.FAILED
    report.refresh_from_db()
    assert f"longer than {settings.REPORT_TASK_SOFT_TIME_LIMIT} seconds" in report.error
    assert stored_files(_private_media) == []


# ------------------------------------------------------------------------- sweeper


def test_sweeper_republishes_reports_stuck_queued_or_running_and_nothing_else(
    settings, _private_media
):
    now = timezone.now()
    grace = dt.timedelta(seconds=settings.REPORT_QUEUED_GRACE_SECONDS)
    hard_limit = dt.timedelta(seconds=settings.REPORT_TASK_TIME_LIMIT)
    lost_publish = new_report(requested_at=now - grace - dt.timedelta(seconds=1))
    just_queued = new_report(requested_at=now - grace + dt.timedelta(seconds=30))
    dead_worker = new_report(
        status=ReportStatus.RUNNING,
        attempts=1,
        requested_at=now - hard_limit * 2,
        started_at=now - hard_limit - dt.timedelta(seconds=61),
    )
    still_rendering = new_report(
        status=ReportStatus.RUNNING,
        attempts=1,
        requested_at=now - hard_limit * 2,
        started_at=now - hard_limit + dt.timedelta(seconds=30),
    )
    # The command line renders in its own process, with no time limit: left to it.
    long_command = new_report(
        status=ReportStatus.RUNNING,
        attempts=1,
        requested_by=None,
        requested_via=RequestChannel.COMMAND,
        requested_at=now - hard_limit * 2,
        started_at=now - hard_limit - dt.timedelta(seconds=61),
    )
    old_failed = new_report(
        status=ReportStatus.FAILED,
        error="broken",
        requested_at=now - dt.timedelta(days=1),
        finished_at=now - dt.timedelta(days=1),
    )
    old_succeeded = rendered_report(requested_at=now - dt.timedelta(days=1))
    succeeded_facts = (old_succeeded.sha256, old_succeeded.history.count())

    published = reports_requeue_stuck(now=now)

    assert published == sorted([lost_publish.pk, dead_worker.pk])
    for report in (lost_publish, dead_worker):  # eager Celery rendered them when published
        report.refresh_from_db()
        assert report.status == ReportStatus.SUCCEEDED
    assert dead_worker.attempts == 2
    assert change_reasons(dead_worker)[-2].startswith("attempt 2")
    just_queued.refresh_from_db()
    assert (just_queued.status, just_queued.attempts) == (ReportStatus.QUEUED, 0)
    still_rendering.refresh_from_db()
    assert (still_rendering.status, still_rendering.attempts) == (ReportStatus.RUNNING, 1)
    long_command.refresh_from_db()
    assert (long_command.status, long_command.attempts) == (ReportStatus.RUNNING, 1)
    old_failed.refresh_from_db()
    assert (old_failed.status, old_failed.error) == (ReportStatus.FAILED, "broken")
    old_succeeded.refresh_from_db()
    assert (old_succeeded.sha256, old_succeeded.history.count()) == succeeded_facts
    assert len(stored_files(_private_media)) == 3


def test_sweeping_later_republishes_a_request_whose_publish_was_lost(
    gate, policy_user, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the publish never happens
        report = report_request(
            kind=ReportKind.STAGE_GATE,
            gate=gate,
            as_of=yesterday(),
            actor=policy_user,
            via=RequestChannel.ADMIN,
        )

    assert reports_requeue_stuck() == []  # within the grace period: perhaps still in flight
    later = timezone.now() + dt.timedelta(seconds=settings.REPORT_QUEUED_GRACE_SECONDS + 1)
    assert reports_requeue_stuck(now=later) == [report.pk]

    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED


# ------------------------------------------------------------------------ downloads


@pytest.mark.parametrize("status", [ReportStatus.QUEUED, ReportStatus.RUNNING, ReportStatus.FAILED])
def test_a_report_that_has_not_succeeded_cannot_be_downloaded(status, policy_user):
    extra = {"error": "broken", "finished_at": timezone.now()} if status == "failed" else {}
    report = new_report(status=status, **extra)

    with pytest.raises(ValidationError):
        report_download_record(report=report, user=policy_user)

    assert not ReportDownload.objects.exists()


def test_a_download_of_a_succeeded_report_is_logged(policy_user):
    report = rendered_report()

    download = report_download_record(report=report, user=policy_user)

    assert (download.report, download.user) == (report, policy_user)
    assert download.at is not None


# ------------------------------------------------------------ stored file verification


def test_stored_report_problems_lists_altered_and_missing_pdfs_only():
    intact = rendered_report()
    altered = rendered_report()
    missing = rendered_report()
    new_report()  # queued: no file to verify yet
    altered_path = Path(private_storage().path(altered.file.name))
    with altered_path.open("ab") as stored:
        stored.write(b"\0")
    private_storage().delete(missing.file.name)

    problems = stored_report_problems()

    assert [(p.report.pk, p.problem) for p in problems] == [
        (altered.pk, "altered"),
        (missing.pk, "missing"),
    ]
    assert problems[0].found_sha256 == hashlib.sha256(altered_path.read_bytes()).hexdigest()
    assert problems[0].found_sha256 != altered.sha256
    assert intact.pk not in {p.report.pk for p in problems}


def test_stored_report_problems_is_empty_when_every_pdf_is_intact():
    rendered_report()
    rendered_report()

    assert stored_report_problems() == []
