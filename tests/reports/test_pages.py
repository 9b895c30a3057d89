"""The reports page outside the admin: the PMO and policy staff see every report with its
status and, once ready, its download; they request a stage-gate report through the same
service as the admin (a refusal shows beside its field, nothing is queued); each report's
status is served as JSON for the page to poll. Partners and users without a role get 404."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from milestones.models import StageGate
from reports.choices import ReportStatus, RequestChannel
from reports.models import Report
from tests.factories import (
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    ReportFactory,
    StageGateFactory,
)
from tests.reports.test_views import stored_report

pytestmark = pytest.mark.django_db

LIST_URL = reverse("reports:list")
STAFF_FACTORIES = [PMOUserFactory, PolicyUserFactory]
STAFF_IDS = ["pmo", "policy"]


class _Elements(HTMLParser):
    """Every start tag of a page with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(response, tag: str | None = None, **attrs: str) -> list[dict[str, str | None]]:
    """The attributes of each element of ``tag`` having ``attrs`` (``class_`` matches one
    of the element's classes; an attribute given as "" only needs to be present)."""
    parser = _Elements()
    parser.feed(response.content.decode())
    wanted_class = attrs.pop("class_", None)
    # data_report → data-report, for_ → for
    wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
    matches = []
    for found_tag, found in parser.found:
        if tag is not None and found_tag != tag:
            continue
        if wanted_class is not None and wanted_class not in (found.get("class") or "").split():
            continue
        if all(name in found and value in ("", found[name]) for name, value in wanted.items()):
            matches.append(found)
    return matches


def report_rows(response) -> list[tuple[str, str]]:
    """(data-report, data-status) of each row of the reports table, top to bottom."""
    return [
        (row["data-report"], row["data-status"]) for row in elements(response, "tr", data_report="")
    ]


def _login(client, user):
    client.force_login(user)
    # Assertions on messages and labels read the English source text.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def gate(db) -> StageGate:
    return StageGateFactory(fiscal_year=2027)


def _failed(**kwargs) -> Report:
    return ReportFactory(
        status=ReportStatus.FAILED,
        error="The report could not be produced: no Japanese font",
        attempts=1,
        finished_at=timezone.now(),
        **kwargs,
    )


# ------------------------------------------------------------------------- who sees it


@pytest.mark.parametrize("user_factory", STAFF_FACTORIES, ids=STAFF_IDS)
def test_pmo_and_policy_staff_see_every_report_newest_first(client, gate, user_factory):
    now = timezone.now()
    oldest = ReportFactory(gate=gate, requested_at=now - dt.timedelta(hours=3))
    ready = stored_report(gate=gate, requested_at=now - dt.timedelta(hours=2))
    failed = _failed(gate=gate, requested_at=now - dt.timedelta(hours=1))
    _login(client, user_factory())

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert report_rows(response) == [
        (str(failed.pk), "failed"),
        (str(ready.pk), "succeeded"),
        (str(oldest.pk), "queued"),
    ]
    html = response.content.decode()
    assert failed.reference in html and "no Japanese font" in html


def test_the_page_keeps_the_ids_the_browser_tests_rely_on(client, gate):
    queued = ReportFactory(gate=gate)
    ready = stored_report(gate=gate)
    _login(client, PolicyUserFactory())

    response = client.get(LIST_URL)

    [form] = elements(response, "form", id="report-request-form")
    assert form["method"] == "post"
    for name in ("gate", "as_of", "language"):
        [field] = elements(response, id=f"id_{name}")
        assert field["name"] == name
        assert elements(response, "label", for_=field["id"]), f"{name} has no label"
    [submit] = elements(response, "button", id="report-request-submit")
    assert submit["type"] == "submit"
    assert elements(response, "input", name="csrfmiddlewaretoken")
    assert elements(response, "table", id="reports")
    for report in (queued, ready):
        [row] = elements(response, "tr", id=f"report-{report.pk}")
        assert row["data-report"] == str(report.pk)
        assert row["data-status"] == report.status
        assert row["data-status-url"] == reverse("reports:status", kwargs={"pk": report.pk})
    assert len(elements(response, class_="report-status")) == 2
    # The download link only for the ready report.
    [download] = elements(response, "a", class_="report-download")
    assert download["href"] == reverse("reports:download", kwargs={"pk": ready.pk})
    # Announced without reloading, politely.
    [live] = elements(response, id="report-announcer")
    assert live["aria-live"] == "polite"
    assert elements(response, "script", id="report-list-text")


def test_the_status_is_said_in_words(client, gate):
    ReportFactory(gate=gate, status=ReportStatus.RUNNING, attempts=1, started_at=timezone.now())
    stored_report(gate=gate)
    _failed(gate=gate)
    ReportFactory(gate=gate)
    _login(client, PMOUserFactory())

    html = client.get(LIST_URL).content.decode()

    for words in (">Queued<", ">Running<", ">Ready<", ">Failed<"):
        assert words in html


@pytest.mark.parametrize(
    "user_factory",
    [PartnerUserFactory, lambda: PartnerUserFactory(is_staff=True)],
    ids=["partner", "partner-with-staff-flag"],
)
def test_partners_get_404_for_the_page_the_request_and_any_status(client, gate, user_factory):
    report = stored_report(gate=gate)
    client.force_login(user_factory())

    assert client.get(LIST_URL).status_code == 404
    assert client.post(LIST_URL, {"gate": gate.pk, "language": "ja"}).status_code == 404
    assert client.get(reverse("reports:status", kwargs={"pk": report.pk})).status_code == 404
    assert not Report.objects.exclude(pk=report.pk).exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client, gate):
    report = ReportFactory(gate=gate)

    for url in (LIST_URL, reverse("reports:status", kwargs={"pk": report.pk})):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_with_no_report_the_page_says_how_to_make_the_first(client, gate):
    _login(client, PolicyUserFactory())

    response = client.get(LIST_URL)

    assert not elements(response, "table", id="reports")
    [empty] = elements(response, id="no-reports")
    assert "site-empty" in empty["class"]
    assert "To make the first one" in response.content.decode()


def test_the_list_is_paginated_by_25(client, gate):
    policy = PolicyUserFactory()
    now = timezone.now()
    reports = [
        ReportFactory(gate=gate, requested_by=policy, requested_at=now - dt.timedelta(minutes=i))
        for i in range(26)
    ]
    _login(client, policy)

    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page": 2})

    assert [pk for pk, _status in report_rows(first)] == [str(r.pk) for r in reports[:25]]
    assert [pk for pk, _status in report_rows(second)] == [str(reports[25].pk)]


# ----------------------------------------------------------------------------- request


def test_the_form_defaults_to_today_the_pages_language_and_a_gate_named_in_the_link(client, gate):
    other = StageGateFactory(fiscal_year=2028)
    _login(client, PolicyUserFactory())

    response = client.get(LIST_URL, {"gate": other.pk})

    form = response.context["form"]
    assert form["gate"].value() == other.pk
    assert form["as_of"].value() == timezone.localdate()
    assert form["language"].value() == "en"
    [gate_select] = elements(response, "select", id="id_gate")
    assert gate_select["name"] == "gate"
    assert f'<option value="{other.pk}" selected>' in response.content.decode()
    # In Japanese, the page offers a Japanese report.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    assert client.get(LIST_URL).context["form"]["language"].value() == "ja"


@pytest.mark.parametrize("user_factory", STAFF_FACTORIES, ids=STAFF_IDS)
def test_a_request_queues_a_report_and_returns_to_the_list_with_its_reference(
    client, gate, user_factory, django_capture_on_commit_callbacks
):
    earlier = ReportFactory(gate=gate, requested_at=timezone.now() - dt.timedelta(days=1))
    user = _login(client, user_factory())

    with django_capture_on_commit_callbacks() as published:
        response = client.post(
            LIST_URL, {"gate": gate.pk, "as_of": "2026-09-30", "language": "en"}, follow=True
        )

    report = Report.objects.exclude(pk=earlier.pk).get()
    # Published to a worker after commit; here nothing runs it, so it stays queued.
    assert len(published) == 1
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert (report.kind, report.gate, report.as_of, report.language, report.status) == (
        "stage_gate",
        gate,
        dt.date(2026, 9, 30),
        "en",
        ReportStatus.QUEUED,
    )
    assert (report.requested_by, report.requested_via) == (user, RequestChannel.PAGE)
    assert report.history.earliest().history_user == user
    assert any(report.reference in message for message in _messages(response))
    assert report_rows(response)[0] == (str(report.pk), "queued")


def _tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


BAD_REQUESTS = {
    "as-of-in-the-future": ({"as_of": _tomorrow}, "as_of", "is in the future"),
    "as-of-before-the-programme": ({"as_of": "2026-02-27"}, "as_of", "before the programme"),
    "as-of-not-a-date": ({"as_of": "2026-02-30"}, "as_of", "valid date"),
    "gate-missing": ({"gate": ""}, "gate", "choose the gate"),
    "gate-unknown": ({"gate": "999999"}, "gate", "valid choice"),
    "language-unknown": ({"language": "fr"}, "language", "valid choice"),
}


@pytest.mark.parametrize(("changes", "field", "message"), BAD_REQUESTS.values(), ids=BAD_REQUESTS)
def test_a_bad_request_shows_the_reason_beside_its_field_keeps_the_input_and_queues_nothing(
    client, gate, django_capture_on_commit_callbacks, changes, field, message
):
    _login(client, PolicyUserFactory())
    data = {"gate": str(gate.pk), "as_of": "2026-09-30", "language": "ja"}
    data.update({key: value() if callable(value) else value for key, value in changes.items()})

    with django_capture_on_commit_callbacks() as published:
        response = client.post(LIST_URL, data)

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in " ".join(form.errors[field])
    # Beside the field: its error list is named by the field and marks it invalid.
    assert elements(response, "ul", id=f"id_{field}_error")
    [widget] = elements(response, id=f"id_{field}")
    assert widget["aria-invalid"] == "true"
    assert f"id_{field}_error" in widget["aria-describedby"]
    # What was typed is shown again.
    assert form.data.dict() == data
    [as_of] = elements(response, "input", name="as_of")
    assert as_of["value"] == data["as_of"]
    assert not Report.objects.exists()
    assert published == []


# ------------------------------------------------------------------------------ status


def _status(client, report_or_pk):
    pk = getattr(report_or_pk, "pk", report_or_pk)
    return client.get(reverse("reports:status", kwargs={"pk": pk}))


def test_the_status_of_a_queued_report(client, gate):
    report = ReportFactory(gate=gate)
    _login(client, PolicyUserFactory())

    response = _status(client, report)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "id": report.pk,
        "reference": report.reference,
        "status": "queued",
        "status_label": "Queued",
        "download_url": None,
        "failure_reason": None,
    }


def test_the_status_of_a_ready_report_gives_its_download(client, gate):
    report = stored_report(gate=gate)
    _login(client, PMOUserFactory())

    data = _status(client, report).json()

    assert (data["status"], data["status_label"]) == ("succeeded", "Ready")
    assert data["download_url"] == reverse("reports:download", kwargs={"pk": report.pk})
    assert data["failure_reason"] is None


def test_the_status_of_a_failed_report_gives_the_reason(client, gate):
    report = _failed(gate=gate)
    _login(client, PolicyUserFactory())

    data = _status(client, report).json()

    assert (data["status"], data["status_label"]) == ("failed", "Failed")
    assert data["failure_reason"] == "The report could not be produced: no Japanese font"
    assert data["download_url"] is None


def test_the_status_of_a_report_that_does_not_exist_is_404(client, gate):
    _login(client, PolicyUserFactory())

    assert _status(client, 999999).status_code == 404


def test_the_status_answers_only_reads(client, gate):
    report = ReportFactory(gate=gate)
    _login(client, PolicyUserFactory())

    response = client.post(reverse("reports:status", kwargs={"pk": report.pk}))

    assert response.status_code == 405
