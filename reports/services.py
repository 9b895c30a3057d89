"""Every write of reports: requesting one, rendering it in a worker, failing it, sweeping
up stuck requests, and logging downloads.

The life of a report: :func:`report_request` validates the request and saves the row as
queued, then publishes its id after commit. A worker runs :func:`report_render`, which
claims the row (running, one more attempt), renders without holding any lock, and stores
the PDF only if no other attempt has stored one meanwhile. A permanent error ends as
failed with a reason a person can read; a transient one (the database away) is retried
by the task. :func:`reports_requeue_stuck` republishes what the broker lost or a dead
worker left behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from jvtracker.common.storage import private_storage
from jvtracker.models import User
from jvtracker.notifications import notify
from jvtracker.roles import Role, reading_role
from milestones.models import StageGate
from milestones.selectors import programme_current
from reports.choices import GATE_KINDS, ReportKind, ReportLanguage, ReportStatus, RequestChannel
from reports.models import Report, ReportDownload

logger = logging.getLogger(__name__)

# Errors that say nothing about the report itself: the same render may well succeed on a
# later try. Everything else fails the report at once.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
MAX_ERROR_LENGTH = 2000


def may_request_reports(user: User) -> bool:
    """Reports are the PMO's and policy staff's: they cover every organization."""
    return reading_role(user) in (Role.PMO, Role.POLICY) and user.has_perm("reports.add_report")


def knowledge_cutoff(as_of: dt.date, now: dt.datetime) -> dt.datetime:
    """The instant a report as of ``as_of`` reads the tracker at: the end of that day in
    Tokyo, or ``now`` when the day is not over yet."""
    zone = timezone.get_default_timezone()
    day_end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return min(now, day_end - dt.timedelta(microseconds=1))


def _validated_parameters(
    *, kind: str, gate: StageGate | None, as_of: dt.date | None, language: str, now: dt.datetime
) -> dict:
    errors: dict[str, str] = {}
    if kind not in ReportKind.values:
        errors["kind"] = _("Unknown kind of report %(kind)r; choose one of: %(kinds)s.") % {
            "kind": kind,
            "kinds": ", ".join(ReportKind.values),
        }
    elif kind in GATE_KINDS and gate is None:
        errors["gate"] = _("This report is about a stage gate: choose the gate.")
    elif kind not in GATE_KINDS and gate is not None:
        errors["gate"] = _("This report covers the whole programme, not one stage gate.")
    if language not in ReportLanguage.values:
        errors["language"] = _(
            "Reports are written in Japanese (ja) or English (en), not %(language)r."
        ) % {"language": language}
    today = timezone.localtime(now).date()
    as_of = as_of or today
    if as_of > today:
        errors["as_of"] = _("%(day)s is in the future: a report can only state what is known.") % {
            "day": date_format(as_of)
        }
    else:
        programme = programme_current()
        if programme is not None and as_of < programme.window_start:
            errors["as_of"] = _("%(day)s is before the programme began (%(start)s).") % {
                "day": date_format(as_of),
                "start": date_format(programme.window_start),
            }
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "gate": gate, "as_of": as_of, "language": language}


def report_request(
    *,
    kind: str,
    actor: User | None,
    via: str,
    gate: StageGate | None = None,
    as_of: dt.date | None = None,
    language: str = ReportLanguage.JAPANESE,
    now: dt.datetime | None = None,
    enqueue: bool = True,
) -> Report:
    """Record a request for a report as queued and publish it to a worker after commit;
    if the same user's same request is still queued or running, that report instead.

    The row is the durable record: if the broker cannot be reached the request still
    succeeds, and :func:`reports_requeue_stuck` publishes it later. ``actor`` may be None
    only on the command line (``via`` COMMAND), which is the server operator's; the
    command renders in its own process (``enqueue=False``).
    """
    if actor is None:
        if via != RequestChannel.COMMAND:
            raise PermissionDenied(_("Sign in to request a report."))
    elif not may_request_reports(actor):
        raise PermissionDenied(_("Only the PMO and policy staff may request reports."))
    now = now or timezone.now()
    parameters = _validated_parameters(
        kind=kind, gate=gate, as_of=as_of, language=language, now=now
    )
    with transaction.atomic():
        if actor is not None:
            # A form sent twice or a script's retry: the same person's same request, still
            # being prepared, is that report, not a second render of it.
            pending = (
                Report.objects.select_for_update()
                .filter(
                    **parameters,
                    requested_by=actor,
                    status__in=(ReportStatus.QUEUED, ReportStatus.RUNNING),
                )
                .order_by("-requested_at")
                .first()
            )
            if pending is not None:
                return pending
        report = Report(
            **parameters,
            knowledge_cutoff=knowledge_cutoff(parameters["as_of"], now),
            requested_by=actor,
            requested_via=via,
            requested_at=now,
            status=ReportStatus.QUEUED,
        )
        report._change_reason = "requested"
        report.full_clean()
        report._history_user = actor
        report.save()
        report_id = report.pk
        if enqueue:
            transaction.on_commit(lambda: report_enqueue(report_id))
    return report


def report_enqueue(report_id: int, *, stuck_attempt: int | None = None) -> bool:
    """Publish the report's render task; False (logged) when the broker is unreachable.

    ``stuck_attempt``: the sweeper found that attempt running for too long, and the task
    may take the report over from it (see :func:`_claim`).

    Publishing is bounded (CELERY_TASK_PUBLISH_RETRY_POLICY, the broker's connect timeout)
    so a request answers within a second even with the broker down.
    """
    from reports.tasks import report_render_task

    kwargs = {} if stuck_attempt is None else {"stuck_attempt": stuck_attempt}
    try:
        report_render_task.apply_async(args=[report_id], kwargs=kwargs)
    except Exception:  # kombu raises OperationalError, ConnectionError, timeouts …
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        logger.warning(
            "Report %s stays queued: the broker is unreachable", report_id, exc_info=True
        )
        return False
    return True


def _claim(
    report_id: int, worker: str, *, resuming: bool = False, stuck_attempt: int | None = None
) -> Report | None:
    """Mark the report running for one more attempt; None when there is nothing to do.

    A running report is taken over only from an attempt known to have ended: by a message
    redelivered or retried (``resuming``: its worker was lost, or it hit a transient
    error), or by the sweeper's message for the attempt it found stuck. Any other message
    is a duplicate (the sweeper republished a request that was waiting in a long queue)
    and must neither render it a second time nor use up its attempts.
    """
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.is_finished:
            return None
        if (
            report.status == ReportStatus.RUNNING
            and not resuming
            and report.attempts != stuck_attempt
        ):
            logger.info("Report %s is already being rendered", report.reference)
            return None
        if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
            _finish_failed(
                report,
                _(
                    "The report was tried %(attempts)s times without finishing; the worker "
                    "was probably stopped or ran out of memory each time."
                )
                % {"attempts": report.attempts},
            )
            return None
        report.status = ReportStatus.RUNNING
        report.attempts += 1
        report.started_at = timezone.now()
        report.error = ""
        # The history row of each attempt says where it ran: a retry after a worker was
        # lost shows as a second "attempt" row.
        report._change_reason = f"attempt {report.attempts}" + (f" on {worker}" if worker else "")
        report.save()
        return report


def _finish_failed(report: Report, reason: str) -> None:
    report.status = ReportStatus.FAILED
    report.finished_at = timezone.now()
    report.error = reason[:MAX_ERROR_LENGTH]
    report._change_reason = "failed"
    report.save()
    _notify_finished(report)


def failure_reason(exc: BaseException) -> str:
    """What a person reading the report list should see for an error."""
    detail = str(exc).strip() or type(exc).__name__
    return _("The report could not be produced: %(detail)s") % {"detail": detail}


def report_render(
    *,
    report_id: int,
    worker: str = "",
    resuming: bool = False,
    stuck_attempt: int | None = None,
) -> Report | None:
    """Render the report and store its PDF, once; the report, or None if there was
    nothing to do (unknown, already finished, or being rendered by another attempt: see
    :func:`_claim` for ``resuming`` and ``stuck_attempt``).

    Idempotent: a second run of a finished report does nothing, and two runs racing (a
    redelivered task and the sweeper's) store one PDF between them. Transient errors
    propagate for the task to retry; any other error fails the report with its reason.
    """
    from reports.content import report_html
    from reports.rendering import render_pdf

    report = _claim(report_id, worker, resuming=resuming, stuck_attempt=stuck_attempt)
    if report is None:
        return None
    try:
        rendered = render_pdf(report_html(report))
    except TRANSIENT_ERRORS as exc:
        if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
            # No attempt is left for a retry, whose claim would fail the report blaming a
            # lost worker: fail it now, with the error that actually happened.
            return report_fail(report_id=report_id, reason=failure_reason(exc))
        raise
    except SoftTimeLimitExceeded:
        raise  # the task fails the report saying it took too long
    except Exception as exc:
        logger.exception("Report %s failed", report.reference)
        return report_fail(report_id=report_id, reason=failure_reason(exc))
    return _store(report_id, rendered.data, rendered.pages)


def _store(report_id: int, data: bytes, pages: int) -> Report | None:
    sha256 = hashlib.sha256(data).hexdigest()
    stored_name = None
    try:
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=report_id)
            if report.is_finished:
                return report  # another attempt finished first: keep its PDF, drop ours
            report.file.save(f"{sha256[:16]}.pdf", ContentFile(data), save=False)
            stored_name = report.file.name
            report.sha256 = sha256
            report.size = len(data)
            report.pages = pages
            report.status = ReportStatus.SUCCEEDED
            report.finished_at = timezone.now()
            report._change_reason = "succeeded"
            report.save()
    except BaseException:
        # Nothing names the file unless the row committed: never leave it behind.
        if stored_name:
            private_storage().delete(stored_name)
        raise
    logger.info("Report %s stored as %s (%s pages)", report.reference, stored_name, pages)
    _notify_finished(report)
    return report


def _notify_finished(report: Report) -> None:
    """Tell the person who asked that their report is ready, or why it is not."""
    if report.requested_by_id is not None:
        notify([report.requested_by], "report_finished", {"report": report})


def report_fail(*, report_id: int, reason: str) -> Report | None:
    """End the report as failed with ``reason``, unless it has already finished."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.is_finished:
            return report
        _finish_failed(report, reason)
        return report


def reports_requeue_stuck(*, now: dt.datetime | None = None) -> list[int]:
    """Publish again every report left queued or running for too long; their ids.

    Queued beyond REPORT_QUEUED_GRACE_SECONDS: the publish was lost (broker down at the
    request, or its message dropped). Running beyond the task's hard time limit: the
    worker died without its message being redelivered. Publishing twice is harmless, as
    :func:`report_render` is idempotent. A report the command line is rendering in its
    own process (which has no time limit) is left to that process.
    """
    now = now or timezone.now()
    queued_before = now - dt.timedelta(seconds=settings.REPORT_QUEUED_GRACE_SECONDS)
    running_before = now - dt.timedelta(seconds=settings.REPORT_TASK_TIME_LIMIT + 60)
    stuck = list(
        Report.objects.filter(
            Q(status=ReportStatus.QUEUED, requested_at__lt=queued_before)
            | (
                Q(status=ReportStatus.RUNNING, started_at__lt=running_before)
                & ~Q(requested_via=RequestChannel.COMMAND)
            )
        )
        .order_by("pk")
        .values_list("pk", "status", "attempts")
    )
    published = []
    for report_id, status, attempts in stuck:
        # A running one is taken over from the attempt found stuck, and only from it: a
        # second sweep's message, once the first has taken over, is a duplicate.
        stuck_attempt = attempts if status == ReportStatus.RUNNING else None
        if not report_enqueue(report_id, stuck_attempt=stuck_attempt):
            break  # the broker is still away; the next sweep tries again
        published.append(report_id)
    return published


def report_download_record(*, report: Report, user: User) -> ReportDownload:
    """Log that ``user`` took the report's PDF (the caller has checked they may)."""
    if report.status != ReportStatus.SUCCEEDED:
        raise ValidationError(_("Only a finished report can be downloaded."))
    return ReportDownload.objects.create(report=report, user=user)
