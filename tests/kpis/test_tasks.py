"""The scheduled GPU-utilisation scrape: off unless an exporter URL is configured, retried
only when the exporter did not answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.exceptions import Retry
from django.test import override_settings

from kpis.models import IngestBatch, Measurement
from kpis.scrape import ExporterUnreachable
from kpis.services import IngestRejected
from kpis.tasks import gpu_utilization_scrape_task
from tests.kpis.dcgm_helpers import (
    CLUSTER_A,
    CLUSTER_A_MEAN,
    LocalExporter,
    fixture_text,
    gpu_kpi,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
BEAT_ENTRY = "kpis-scrape-gpu-utilization"


@pytest.fixture
def exporter():
    with LocalExporter() as server:
        yield server


@override_settings(KPI_GPU_EXPORTER_URL="")
def test_without_an_exporter_url_the_task_does_nothing():
    gpu_kpi()

    assert gpu_utilization_scrape_task.delay().get() is None

    assert not IngestBatch.objects.exists()


def test_with_an_exporter_url_the_task_stores_the_clusters_mean(exporter):
    gpu_kpi()
    url = exporter.serve("/metrics", fixture_text(CLUSTER_A))

    with override_settings(KPI_GPU_EXPORTER_URL=url, KPI_GPU_CLUSTER="cluster-a"):
        batch_id = gpu_utilization_scrape_task.delay().get()

    measurement = Measurement.objects.get()
    assert batch_id == measurement.batch_id
    assert measurement.subject == "cluster-a"
    assert measurement.value == pytest.approx(CLUSTER_A_MEAN)
    assert IngestBatch.objects.get().file_name == url
    assert exporter.requests == ["/metrics"]


def test_an_exporter_that_does_not_answer_is_retried(exporter):
    gpu_kpi()
    url = exporter.serve("/metrics", "unavailable", status=503)

    # Eagerly, Celery raises Retry where a worker would schedule the retry.
    with override_settings(KPI_GPU_EXPORTER_URL=url), pytest.raises(Retry) as caught:
        gpu_utilization_scrape_task.delay()

    assert isinstance(caught.value.exc, ExporterUnreachable)
    assert not IngestBatch.objects.exists()


def test_a_malformed_exposition_fails_without_retrying(exporter):
    gpu_kpi()
    url = exporter.serve("/metrics", fixture_text(CLUSTER_A).replace("} 97\n", "}\n", 1))

    with override_settings(KPI_GPU_EXPORTER_URL=url), pytest.raises(IngestRejected) as caught:
        gpu_utilization_scrape_task.delay()

    assert not isinstance(caught.value, ExporterUnreachable)
    assert caught.value.numbering == "line"
    assert not IngestBatch.objects.exists()


def _beat_schedule(**env: str) -> str:
    """What the settings module schedules, imported afresh with only ``env`` varying."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KPI_GPU_")}
    code = (
        "import jvtracker.settings.test as s\n"
        f"entry = s.CELERY_BEAT_SCHEDULE.get({BEAT_ENTRY!r})\n"
        "print(entry and f\"{entry['task']} every {entry['schedule']:g} s\")\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_the_beat_schedule_has_the_scrape_only_when_an_exporter_url_is_configured():
    assert _beat_schedule() == "None"
    assert _beat_schedule(KPI_GPU_EXPORTER_URL="") == "None"
    assert _beat_schedule(KPI_GPU_EXPORTER_URL="http://gpu-a01:9400/metrics") == (
        f"{gpu_utilization_scrape_task.name} every 900 s"
    )
    assert _beat_schedule(
        KPI_GPU_EXPORTER_URL="http://gpu-a01:9400/metrics", KPI_GPU_SCRAPE_MINUTES="5"
    ) == (f"{gpu_utilization_scrape_task.name} every 300 s")
