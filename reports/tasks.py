"""Celery entry points; each only calls a service."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext as _

from reports.services import (
    TRANSIENT_ERRORS,
    failure_reason,
    report_fail,
    report_render,
    reports_requeue_stuck,
)


# Idempotent (report_render claims and stores under a row lock), so it may be acked late
# and redelivered when its worker dies mid-render.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.REPORT_TRANSIENT_RETRIES,
    soft_time_limit=settings.REPORT_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TASK_TIME_LIMIT,
)
def report_render_task(self, report_id: int, stuck_attempt: int | None = None) -> str | None:
    """Render report ``report_id``; its status afterwards, or None when there was nothing
    to do (no such report, it had already finished, or another attempt is rendering it).
    ``stuck_attempt``: the sweeper's, for the attempt it found running for too long."""
    # A message given back after its worker was lost, or a retry after a transient
    # error, continues an attempt that has ended: it may take the running report over.
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    try:
        report = report_render(
            report_id=report_id,
            worker=self.request.hostname or "",
            resuming=redelivered or self.request.retries > 0,
            stuck_attempt=stuck_attempt,
        )
    except TRANSIENT_ERRORS as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
        report = report_fail(report_id=report_id, reason=failure_reason(exc))
    except SoftTimeLimitExceeded:
        report = report_fail(
            report_id=report_id,
            reason=_("The report took longer than %(seconds)s seconds and was stopped.")
            % {"seconds": settings.REPORT_TASK_SOFT_TIME_LIMIT},
        )
    return report.status if report is not None else None


@shared_task
def reports_requeue_stuck_task() -> list[int]:
    """Every minute: publish again the reports the broker lost or a dead worker left."""
    return reports_requeue_stuck()
