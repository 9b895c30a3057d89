"""Policy staff generate a stage-gate report from the reports page and download it; the
page follows the report from queued to ready without being reloaded.

In CI the broker is a real Redis with no worker listening, so a request would stay queued;
here the publish is caught (the test stands in for the broker) and the test then does the
worker's job in its own process, running the render task on the published id. The page,
polling, sees the result.
"""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports.choices import ReportKind, ReportStatus, RequestChannel
from reports.models import Report, ReportDownload
from reports.tasks import report_render_task
from tests.browser.helpers import assert_pdf, downloaded, login, screenshot
from tests.factories import (
    FunderFactory,
    GateCriterionFactory,
    PolicyUserFactory,
    ProgrammeFactory,
    StageGateFactory,
)

# How long the page may take to notice the finished report (it asks every two seconds).
POLL_TIMEOUT_MS = 15_000


class Broker:
    """Stands in for report_render_task when it is published: keeps the report ids, as a
    broker with no worker would keep the messages."""

    def __init__(self) -> None:
        self.published: list[int] = []

    def apply_async(self, args, kwargs=None, **options) -> None:
        self.published.append(args[0])


@pytest.fixture
def broker(monkeypatch) -> Broker:
    broker = Broker()
    # reports.services.report_enqueue imports the task when it publishes.
    monkeypatch.setattr("reports.tasks.report_render_task", broker)
    return broker


@pytest.fixture
def gate():
    programme = ProgrammeFactory(funder=FunderFactory())
    gate = StageGateFactory(programme=programme, fiscal_year=2026)
    GateCriterionFactory(gate=gate)
    return gate


@pytest.fixture
def policy():
    return PolicyUserFactory(username="policy", organization=FunderFactory())


def test_policy_staff_generate_a_stage_gate_report_and_download_it(
    quiet_server, page, broker, gate, policy
):
    login(page, policy.username)
    page.goto("/reports/")
    expect(page.locator("#no-reports")).to_be_visible()

    today = timezone.localdate()
    form = page.locator("#report-request-form")
    form.locator('select[name="gate"]').select_option(str(gate.pk))
    form.locator('input[name="as_of"]').fill(today.isoformat())
    form.locator('select[name="language"]').select_option("ja")
    page.locator("#report-request-submit").click()

    row = page.locator("tr[data-report]")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", ReportStatus.QUEUED)
    expect(row.locator("a.report-download")).to_have_count(0)
    # The page polls the report's status from now on: the test keeps the server still
    # while it reads the database (see quiet_server).
    with quiet_server():
        report = Report.objects.get()
    assert row.get_attribute("data-report") == str(report.pk)
    expect(row).to_contain_text(report.reference)
    assert (report.kind, report.gate_id, report.as_of, report.language) == (
        ReportKind.STAGE_GATE,
        gate.pk,
        today,
        "ja",
    )
    assert (report.requested_by_id, report.requested_via) == (policy.pk, RequestChannel.PAGE)
    assert broker.published == [report.pk]
    screenshot(page, "story-report-queued")

    # Marks this document: a reload would lose the mark.
    page.evaluate("window.notReloaded = true")
    with quiet_server():
        assert report_render_task.apply(args=[report.pk]).get() == ReportStatus.SUCCEEDED

    expect(row).to_have_attribute("data-status", ReportStatus.SUCCEEDED, timeout=POLL_TIMEOUT_MS)
    assert page.evaluate("window.notReloaded") is True
    download_link = row.locator("a.report-download")
    expect(download_link).to_be_visible()
    screenshot(page, "story-report-ready")

    with page.expect_download() as download_info:
        download_link.click()
    data = downloaded(download_info.value)
    assert_pdf(data)
    with quiet_server():
        report.refresh_from_db()
        downloads = list(ReportDownload.objects.values_list("report", "user"))
    assert len(data) == report.size > 10_000
    assert hashlib.sha256(data).hexdigest() == report.sha256
    assert downloads == [(report.pk, policy.pk)]
