"""The report download: only the PMO and policy staff get a report's PDF, every download is
logged, and whoever may not see a report cannot tell it from one that does not exist."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from reports.choices import ReportLanguage, ReportStatus, RequestChannel
from reports.models import Report, ReportDownload
from reports.services import report_request
from tests.factories import (
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    ReportFactory,
    StageGateFactory,
)
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db


def stored_report(pages: int = 2, **kwargs) -> Report:
    """A succeeded report with a real (blank) PDF in private storage, without rendering:
    for tests of who may reach the PDF, not of what it says."""
    report = ReportFactory(**kwargs)
    data = pdf_bytes(pages=pages)
    report.file.save("stored.pdf", ContentFile(data), save=False)
    report.sha256 = hashlib.sha256(data).hexdigest()
    report.size = len(data)
    report.pages = pages
    report.status = ReportStatus.SUCCEEDED
    report.attempts = 1
    report.started_at = timezone.now() - dt.timedelta(seconds=2)
    report.finished_at = timezone.now()
    report.save()
    return report


def _url(report_or_pk) -> str:
    pk = getattr(report_or_pk, "pk", report_or_pk)
    return reverse("reports:download", kwargs={"pk": pk})


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_policy_staff_download_a_rendered_report_and_the_download_is_logged(
    client, django_capture_on_commit_callbacks
):
    policy = PolicyUserFactory()
    gate = StageGateFactory()
    # The report is requested and rendered as in production: published on commit, run
    # by the (eager) task through WeasyPrint.
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(
            kind="stage_gate",
            actor=policy,
            via=RequestChannel.ADMIN,
            gate=gate,
            language=ReportLanguage.ENGLISH,
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    client.force_login(policy)

    response = client.get(_url(report))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'attachment; filename="{report.download_name()}"'
    assert "no-store" in response["Cache-Control"]
    data = _content(response)
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == report.sha256
    download = ReportDownload.objects.get()
    assert (download.report, download.user) == (report, policy)


def test_the_download_name_says_which_report_it_is(client):
    report = stored_report(as_of=dt.date(2026, 9, 30), language="en")
    client.force_login(PMOUserFactory())

    response = client.get(_url(report))

    assert response.status_code == 200
    expected = f"RPT-{report.pk:06d}_stage_gate_FY2027_2026-09-30_en.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'


def test_each_download_is_logged_with_its_user(client):
    report = stored_report()
    pmo, policy = PMOUserFactory(), PolicyUserFactory()

    for user in (pmo, policy, pmo):
        client.force_login(user)
        assert _content(client.get(_url(report))) == report.file.open("rb").read()

    assert sorted(d.user.username for d in ReportDownload.objects.filter(report=report)) == sorted(
        [pmo.username, pmo.username, policy.username]
    )


@pytest.mark.parametrize(
    "user_factory",
    [
        PartnerUserFactory,
        # A partner who could reach the admin still has no report to see.
        lambda: PartnerUserFactory(is_staff=True),
    ],
    ids=["partner", "partner-with-staff-flag"],
)
def test_a_partner_gets_a_404_for_a_report_never_a_403(client, user_factory):
    report = stored_report()
    client.force_login(user_factory())

    response = client.get(_url(report))

    assert response.status_code == 404
    assert not ReportDownload.objects.exists()


def test_an_inactive_policy_user_cannot_download(client):
    report = stored_report()
    user = PolicyUserFactory()
    client.force_login(user)
    user.is_active = False
    user.save()

    response = client.get(_url(report))

    # The session no longer authenticates an inactive user: off to the login page.
    assert response.status_code == 302
    assert not ReportDownload.objects.exists()


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    report = stored_report()

    response = client.get(_url(report))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not ReportDownload.objects.exists()


def test_an_unknown_report_is_a_404(client):
    client.force_login(PolicyUserFactory())

    assert client.get(_url(987654)).status_code == 404


@pytest.mark.parametrize("status", [ReportStatus.QUEUED, ReportStatus.RUNNING])
def test_a_report_not_ready_yet_gets_a_409_page_pointing_to_its_record(client, status):
    report = ReportFactory(status=status)
    client.force_login(PolicyUserFactory())

    response = client.get(_url(report), headers={"accept-language": "en"})

    assert response.status_code == 409
    html = response.content.decode()
    assert f"{report.reference} is not ready yet" in html
    assert reverse("admin:reports_report_change", args=[report.pk]) in html
    assert not ReportDownload.objects.exists()


def test_a_failed_report_gets_a_409_page_with_its_error(client):
    report = ReportFactory(
        status=ReportStatus.FAILED,
        error="The report could not be produced: <script>boom</script>",
        finished_at=timezone.now(),
    )
    client.force_login(PMOUserFactory())

    response = client.get(_url(report), headers={"accept-language": "en"})

    assert response.status_code == 409
    html = response.content.decode()
    assert f"{report.reference} failed" in html
    assert "&lt;script&gt;boom&lt;/script&gt;" in html
    assert "<script>boom" not in html
    assert not ReportDownload.objects.exists()


def test_a_pdf_missing_from_storage_is_a_logged_404_and_no_download(client, caplog):
    report = stored_report()
    report.file.storage.delete(report.file.name)
    client.force_login(PolicyUserFactory())

    response = client.get(_url(report))

    assert response.status_code == 404
    assert report.reference in caplog.text
    assert not ReportDownload.objects.exists()


def test_a_download_is_read_only(client):
    report = stored_report()
    client.force_login(PolicyUserFactory())

    assert client.post(_url(report)).status_code == 405
    assert not ReportDownload.objects.exists()
