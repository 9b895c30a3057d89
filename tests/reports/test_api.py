"""The reports API: the PMO and policy staff request a report (202, queued, rendered by a
worker), follow its status and download its PDF, each download logged; partners see no
report at all. A bad request is a 400 naming the field, and nothing is queued."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from milestones.choices import GateKind
from reports.choices import ReportStatus, RequestChannel
from reports.models import Report, ReportDownload
from tests.api import assert_error, token_client
from tests.factories import (
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    ReportFactory,
    StageGateFactory,
)
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/"


@pytest.fixture
def gate():
    return StageGateFactory(fiscal_year=2027)


@pytest.fixture
def pmo():
    return PMOUserFactory()


@pytest.fixture
def policy():
    return PolicyUserFactory()


@pytest.fixture
def partner():
    return PartnerUserFactory()


def stored_report(**kwargs) -> Report:
    """A succeeded report with a real (blank) PDF in private storage, without rendering."""
    report = ReportFactory(**kwargs)
    data = pdf_bytes(pages=2)
    report.file.save("stored.pdf", ContentFile(data), save=False)
    report.sha256 = hashlib.sha256(data).hexdigest()
    report.size = len(data)
    report.pages = 2
    report.status = ReportStatus.SUCCEEDED
    report.attempts = 1
    report.started_at = timezone.now() - dt.timedelta(seconds=2)
    report.finished_at = timezone.now()
    report.save()
    return report


def download_url(report: Report) -> str:
    return f"{URL}{report.pk}/download/"


def content(response) -> bytes:
    return b"".join(response.streaming_content)


# ------------------------------------------------------------------- request, render, take


def test_policy_requests_a_report_that_renders_and_downloads_with_its_recorded_sha256(
    policy, gate, django_capture_on_commit_callbacks
):
    client = token_client(policy)

    with django_capture_on_commit_callbacks(execute=True) as published:
        response = client.post(
            URL, {"kind": "stage_gate", "gate": "FY2027", "language": "en"}, format="json"
        )

        assert response.status_code == 202, response.content
        body = response.json()
        assert body["status"] == ReportStatus.QUEUED
        assert body["download_url"] is None
        report = Report.objects.get()
        assert response["Location"].endswith(f"{URL}{report.pk}/")
        # Nothing is rendered before the request's transaction commits.
        assert_error(client.get(download_url(report)), 409, "conflict")
    # The publish; then, once rendered, the email telling the requester it is ready.
    assert len(published) == 2
    [ready] = mail.outbox
    assert ready.to == [policy.email] and report.reference in ready.subject

    assert (body["id"], body["reference"], body["kind"]) == (
        report.pk,
        f"RPT-{report.pk:06d}",
        "stage_gate",
    )
    assert (body["gate"], body["gate_code"], body["language"]) == (gate.pk, "FY2027", "en")
    assert (body["requested_by"], body["requested_via"]) == (policy.username, "api")
    assert body["as_of"] == timezone.localdate().isoformat()
    requested = report.history.get(history_change_reason="requested")
    assert requested.history_user_id == policy.pk
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    assert report.requested_via == RequestChannel.API

    status = client.get(f"{URL}{report.pk}/").json()
    assert status["status"] == "succeeded"
    assert (status["sha256"], status["size"], status["pages"], status["attempts"]) == (
        report.sha256,
        report.size,
        report.pages,
        1,
    )
    assert status["started_at"] and status["finished_at"] and status["error"] == ""
    assert status["download_url"] == f"http://testserver{download_url(report)}"

    pdf = client.get(status["download_url"])

    assert pdf.status_code == 200
    data = content(pdf)
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == report.sha256 == status["sha256"]
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{report.download_name()}"'
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in pdf["Cache-Control"] and "private" in pdf["Cache-Control"]
    assert list(ReportDownload.objects.values_list("report", "user")) == [(report.pk, policy.pk)]


def test_the_api_download_sends_what_the_download_page_sends(client, pmo):
    report = stored_report()
    client.force_login(pmo)
    page = client.get(reverse("reports:download", kwargs={"pk": report.pk}))

    api = token_client(pmo).get(download_url(report))

    assert api.status_code == page.status_code == 200
    for header in ("Content-Type", "Content-Disposition", "X-Content-Type-Options"):
        assert api[header] == page[header]
    assert set(api["Cache-Control"].split(", ")) == set(page["Cache-Control"].split(", "))
    assert content(api) == content(page)
    assert ReportDownload.objects.filter(report=report).count() == 2


@pytest.mark.parametrize("accept", ["application/pdf", "text/html", "application/json"])
def test_the_pdf_is_sent_whatever_the_client_accepts(pmo, accept):
    report = stored_report()

    response = token_client(pmo).get(download_url(report), HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert content(response) == report.file.open("rb").read()


def test_the_pmo_requests_a_programme_report_without_a_gate(pmo):
    response = token_client(pmo).post(
        URL, {"kind": "contract_register", "as_of": "2026-06-30"}, format="json"
    )

    assert response.status_code == 202, response.content
    report = Report.objects.get()
    assert (report.kind, report.gate, report.as_of, report.language) == (
        "contract_register",
        None,
        dt.date(2026, 6, 30),
        "ja",
    )
    assert report.requested_by == pmo


def test_a_gate_may_be_named_by_id(policy, gate):
    response = token_client(policy).post(URL, {"kind": "kpi_board", "gate": gate.pk}, format="json")

    assert response.status_code == 202, response.content
    assert Report.objects.get().gate == gate


# --------------------------------------------------------------------------- not ready: 409


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ({"status": ReportStatus.QUEUED}, "not ready"),
        ({"status": ReportStatus.RUNNING, "attempts": 1}, "not ready"),
        (
            {
                "status": ReportStatus.FAILED,
                "error": "The report could not be produced: boom",
                "finished_at": dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
            },
            "boom",
        ),
    ],
    ids=["queued", "running", "failed"],
)
def test_a_report_without_a_pdf_is_a_409_and_no_download_is_logged(policy, state, words):
    report = ReportFactory(**state)

    body = assert_error(token_client(policy).get(download_url(report)), 409, "conflict")

    assert report.reference in body["message"] and words in body["message"]
    assert not ReportDownload.objects.exists()
    assert token_client(policy).get(f"{URL}{report.pk}/").json()["download_url"] is None


def test_a_pdf_missing_from_storage_is_a_404_and_no_download_is_logged(pmo):
    report = stored_report()
    report.file.storage.delete(report.file.name)

    assert_error(token_client(pmo).get(download_url(report)), 404, "not_found")
    assert not ReportDownload.objects.exists()


# ------------------------------------------------------------------------------------ roles


def test_partners_see_no_report_and_may_request_none(partner, gate):
    report = stored_report(gate=gate)
    client = token_client(partner)

    assert client.get(URL).json()["results"] == []
    assert_error(client.get(f"{URL}{report.pk}/"), 404, "not_found")
    assert_error(client.get(download_url(report)), 404, "not_found")
    response = client.post(URL, {"kind": "stage_gate", "gate": "FY2027"}, format="json")
    assert_error(response, 403, "permission_denied")
    assert Report.objects.count() == 1
    assert not ReportDownload.objects.exists()


@pytest.mark.parametrize("role", ["pmo", "policy"])
def test_pmo_and_policy_see_every_report_including_each_others(request, role, gate):
    by_policy = stored_report(gate=gate, requested_by=PolicyUserFactory())
    by_pmo = ReportFactory(gate=gate, requested_by=PMOUserFactory())

    body = token_client(request.getfixturevalue(role)).get(URL).json()

    assert sorted(r["id"] for r in body["results"]) == sorted([by_policy.pk, by_pmo.pk])
    assert body["count"] == 2


@pytest.mark.parametrize("role", ["pmo", "policy"])
def test_nobody_changes_or_deletes_a_report_through_the_api(request, role):
    report = stored_report()
    client = token_client(request.getfixturevalue(role))

    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(
            f"{URL}{report.pk}/", {"status": "failed"}, format="json"
        )
        assert response.status_code == 405, (method, response.content)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED


def test_an_anonymous_caller_gets_nothing(gate):
    report = stored_report(gate=gate)
    client = token_client()

    assert_error(client.get(URL), 401, "not_authenticated")
    assert_error(client.get(download_url(report)), 401, "not_authenticated")
    assert_error(client.post(URL, {"kind": "stage_gate"}, format="json"), 401)


# -------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "annual_report", "gate": "FY2027"}, "kind"),
        ({"kind": "stage_gate"}, "gate"),
        ({"kind": "stage_gate", "gate": None}, "gate"),
        ({"kind": "stage_gate", "gate": "FY1999"}, "gate"),
        ({"kind": "stage_gate", "gate": 10**30}, "gate"),
        ({"kind": "stage_gate", "gate": True}, "gate"),
        ({"kind": "stage_gate", "gate": ["FY2027"]}, "gate"),
        ({"kind": "contract_register", "gate": "FY2027"}, "gate"),
        ({"kind": "stage_gate", "gate": "FY2027", "as_of": "2999-01-01"}, "as_of"),
        ({"kind": "stage_gate", "gate": "FY2027", "as_of": "2020-01-01"}, "as_of"),
        ({"kind": "stage_gate", "gate": "FY2027", "as_of": "yesterday"}, "as_of"),
        ({"kind": "stage_gate", "gate": "FY2027", "language": "fr"}, "language"),
        ({"kind": "stage_gate", "gate": "FY2027", "format": "docx"}, "format"),
        ({"kind": "stage_gate", "gate": "FY2027", "status": "succeeded"}, "status"),
        ({"gate": "FY2027"}, "kind"),
    ],
)
def test_a_bad_request_names_the_field_and_queues_nothing(
    policy, gate, body, field, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as published:
        response = token_client(policy).post(URL, body, format="json")

    assert_error(response, 400, "invalid", field=field)
    assert not Report.objects.exists()
    assert published == []


def test_a_body_that_is_not_an_object_is_refused(policy, gate):
    response = token_client(policy).post(URL, ["stage_gate"], format="json")

    assert_error(response, 400, "invalid")
    assert not Report.objects.exists()


# ------------------------------------------------------------------------ filters and lists


def test_reports_filter_by_kind_status_gate_and_language(pmo, gate):
    mid = StageGateFactory(fiscal_year=2028, kind=GateKind.MID_TERM)
    annual_en = stored_report(gate=gate, language="en")
    mid_ja = ReportFactory(gate=mid)
    register = ReportFactory(kind="contract_register", gate=None, status=ReportStatus.QUEUED)
    client = token_client(pmo)

    def ids(**query) -> set[int]:
        return {r["id"] for r in client.get(URL, query).json()["results"]}

    assert ids(kind="contract_register") == {register.pk}
    assert ids(status="succeeded") == {annual_en.pk}
    assert ids(gate="FY2028-MID") == {mid_ja.pk}
    assert ids(gate=gate.pk) == {annual_en.pk}
    assert ids(gate="FY1999") == set()
    assert ids(language="en") == {annual_en.pk}
    assert_error(client.get(URL, {"status": "lost"}), 400, "invalid", field="status")


def test_reports_are_listed_newest_first_unless_ordered_otherwise(pmo, gate):
    now = timezone.now()
    old = ReportFactory(gate=gate, requested_at=now - dt.timedelta(days=2))
    new = ReportFactory(gate=gate, requested_at=now - dt.timedelta(days=1))
    client = token_client(pmo)

    assert [r["id"] for r in client.get(URL).json()["results"]] == [new.pk, old.pk]
    ordered = client.get(URL, {"ordering": "requested_at"}).json()["results"]
    assert [r["id"] for r in ordered] == [old.pk, new.pk]


def test_the_report_list_issues_as_many_queries_for_few_reports_as_for_many(pmo, gate):
    def queries() -> int:
        client = token_client(pmo)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    for _ in range(2):
        stored_report(gate=gate, requested_by=PolicyUserFactory())
    few = queries()
    for _ in range(6):
        stored_report(gate=gate, requested_by=PolicyUserFactory())
    assert queries() == few
