"""Celery entry points; each only calls a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from kpis.scrape import ExporterUnreachable, gpu_utilization_scrape_url
from kpis.services import computed_kpis_refresh


@shared_task(acks_late=True, reject_on_worker_lost=True)
def computed_kpis_refresh_task(codes: list[str] | None = None) -> list[int]:
    """Recompute the computed KPIs; the ids of the batches written."""
    return [result.batch.pk for result in computed_kpis_refresh(codes=codes)]


# Only an exporter that did not answer is retried: a malformed exposition or a missing KPI
# would fail the same way again. Not acks_late, which is for idempotent tasks: a scrape
# lost with its worker is replaced by the next scheduled one.
@shared_task(autoretry_for=(ExporterUnreachable,), retry_backoff=True, max_retries=3)
def gpu_utilization_scrape_task() -> int | None:
    """Scrape the configured DCGM exporter; the id of the batch stored, None if unset."""
    if not settings.KPI_GPU_EXPORTER_URL:
        return None
    result = gpu_utilization_scrape_url(
        url=settings.KPI_GPU_EXPORTER_URL, cluster=settings.KPI_GPU_CLUSTER
    )
    return result.batch.pk
