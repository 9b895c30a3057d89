"""The reports admin: the list and each report's read-only record for the PMO and policy
staff, the request page and the stage-gate action (both through report_request, whose
refusals show beside the field with nothing queued), and nothing changed or deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.forms import BooleanField
from django.urls import reverse
from django.utils import timezone

from milestones.models import StageGate
from reports.choices import ReportStatus, RequestChannel
from reports.models import Report, ReportDownload
from tests.factories import (
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    ReportFactory,
    StageGateFactory,
)
from tests.reports.test_views import stored_report

pytestmark = pytest.mark.django_db

REQUEST_URL = "admin:reports_report_request"
STAFF_FACTORIES = [PMOUserFactory, PolicyUserFactory]
STAFF_IDS = ["pmo", "policy"]


def _url(name: str, *args) -> str:
    return reverse(f"admin:reports_report_{name}", args=args)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _login(client, user):
    client.force_login(user)
    # Assertions on messages and labels read the English source text.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


@pytest.fixture
def gate(db) -> StageGate:
    return StageGateFactory(fiscal_year=2027)


@pytest.fixture
def failed(gate) -> Report:
    return ReportFactory(
        gate=gate,
        status=ReportStatus.FAILED,
        error="The report could not be produced: no Japanese font",
        attempts=1,
        started_at=timezone.now() - dt.timedelta(seconds=3),
        finished_at=timezone.now(),
    )


# ------------------------------------------------------------------ list and record


@pytest.mark.parametrize("user_factory", STAFF_FACTORIES, ids=STAFF_IDS)
def test_pmo_and_policy_staff_see_every_report_with_status_words_and_download_links(
    client, user_factory, gate, failed
):
    succeeded = stored_report(gate=gate)
    queued = ReportFactory(gate=gate)
    _login(client, user_factory())

    response = client.get(_url("changelist"))

    assert response.status_code == 200
    assert {r.pk for r in response.context["cl"].result_list} == {
        succeeded.pk,
        queued.pk,
        failed.pk,
    }
    html = response.content.decode()
    for report in (succeeded, queued, failed):
        assert report.reference in html
    assert '<span class="report-status report-status-failed">Failed</span>' in html
    assert '<span class="report-status report-status-succeeded">Succeeded</span>' in html
    assert reverse("reports:download", kwargs={"pk": succeeded.pk}) in html
    assert reverse("reports:download", kwargs={"pk": queued.pk}) not in html
    assert reverse("reports:download", kwargs={"pk": failed.pk}) not in html


@pytest.mark.parametrize(
    "url", [_url("changelist"), reverse("admin:reports_reportdownload_changelist")]
)
def test_the_lists_do_not_query_per_row(client, url, django_assert_max_num_queries):
    gates = [StageGateFactory(fiscal_year=year) for year in (2027, 2028)]
    _login(client, PolicyUserFactory())

    def add_reports(count: int) -> None:
        for index in range(count):
            report = stored_report(gate=gates[index % 2])
            ReportDownload.objects.create(report=report, user=PMOUserFactory())

    add_reports(2)
    with django_assert_max_num_queries(100) as few:
        assert client.get(url).status_code == 200
    add_reports(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


@pytest.mark.parametrize("user_factory", STAFF_FACTORIES, ids=STAFF_IDS)
def test_a_succeeded_reports_record_shows_its_proof_and_its_download_log(client, user_factory):
    report = stored_report(pages=3)
    reader = PolicyUserFactory(username="hayashi")
    ReportDownload.objects.create(report=report, user=reader)
    _login(client, user_factory())

    response = client.get(_url("change", report.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert report.reference in html
    assert report.sha256 in html
    assert f"({report.size:,} bytes)" in html
    assert reverse("reports:download", kwargs={"pk": report.pk}) in html
    assert "Download log" in html
    assert "hayashi" in html
    # Read-only: no form fields, no save button, and the file never linked from storage.
    assert 'name="_save"' not in html
    assert report.file.name not in html


def test_a_failed_reports_record_shows_its_error_and_no_download(client, failed):
    _login(client, PolicyUserFactory())

    response = client.get(_url("change", failed.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert "field-error" in html and "no Japanese font" in html
    assert 'http-equiv="refresh"' not in html
    assert reverse("reports:download", kwargs={"pk": failed.pk}) not in html


def test_a_queued_reports_record_says_it_is_not_ready_and_reloads_itself(client):
    report = ReportFactory()
    _login(client, PolicyUserFactory())

    html = client.get(_url("change", report.pk)).content.decode()

    assert 'id="report-pending"' in html
    assert 'http-equiv="refresh"' in html
    assert "field-error" not in html


@pytest.mark.parametrize("user_factory", STAFF_FACTORIES, ids=STAFF_IDS)
def test_the_history_of_a_report_can_be_read(client, user_factory):
    report = stored_report()
    _login(client, user_factory())

    response = client.get(_url("history", report.pk))

    assert response.status_code == 200


def test_reports_can_be_found_by_reference_or_by_the_sha256_of_their_pdf(client, gate):
    report, other = stored_report(gate=gate), stored_report(gate=gate, pages=3)
    _login(client, PolicyUserFactory())

    def found(term: str) -> set[int]:
        response = client.get(_url("changelist"), {"q": term})
        assert response.status_code == 200
        return {r.pk for r in response.context["cl"].result_list}

    assert found(report.reference) == {report.pk}
    assert found(report.reference.lower()) == {report.pk}
    assert found(str(other.pk)) == {other.pk}
    assert found(other.sha256) == {other.pk}
    assert found(other.sha256[:12].upper()) == {other.pk}
    assert found("'; drop table reports_report; --") == set()


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:reports_report_changelist"),
        reverse("admin:reports_report_request"),
        reverse("admin:reports_reportdownload_changelist"),
    ],
)
def test_partners_are_sent_to_the_admin_login(client, url):
    client.force_login(PartnerUserFactory())

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_partner_with_the_staff_flag_still_reaches_no_report(client):
    report = stored_report()
    client.force_login(PartnerUserFactory(is_staff=True))

    assert client.get(_url("changelist")).status_code == 403
    assert client.get(_url("change", report.pk)).status_code == 403
    assert client.get(reverse(REQUEST_URL)).status_code == 403
    assert client.post(reverse(REQUEST_URL), {"kind": "contamination"}).status_code == 403
    assert Report.objects.count() == 1


@pytest.mark.parametrize("user_factory", STAFF_FACTORIES, ids=STAFF_IDS)
def test_nobody_adds_changes_or_deletes_a_report_in_the_admin(client, user_factory):
    report = stored_report()
    _login(client, user_factory())

    # The normal add form is not offered: its URL leads to the request page.
    add = client.get(_url("add"))
    change = client.post(_url("change", report.pk), {"language": "en", "_save": "Save"})
    delete = client.post(_url("delete", report.pk), {"post": "yes"})

    assert add.status_code == 302 and add["Location"] == reverse(REQUEST_URL)
    assert change.status_code == 403
    assert delete.status_code == 403
    report.refresh_from_db()
    assert report.language == "ja"
    history = client.post(
        _url("history", report.pk) + f"{report.history.earliest().history_id}/", {}
    )
    assert history.status_code == 403


def test_the_download_log_is_listed_read_only(client):
    report = stored_report()
    ReportDownload.objects.create(report=report, user=PMOUserFactory(username="ogawa"))
    _login(client, PolicyUserFactory())

    response = client.get(reverse("admin:reports_reportdownload_changelist"))

    assert response.status_code == 200
    assert "ogawa" in response.content.decode()
    download = ReportDownload.objects.get()
    change_url = reverse("admin:reports_reportdownload_change", args=[download.pk])
    assert client.post(change_url, {}).status_code == 403
    delete_url = reverse("admin:reports_reportdownload_delete", args=[download.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert ReportDownload.objects.count() == 1


def test_the_report_list_exports_references_gate_codes_and_proof_not_storage_names(client, gate):
    report = stored_report(gate=gate)
    _login(client, PolicyUserFactory())
    page = client.get(_url("export"))
    data = {"format": "0", "resource": "0"}
    data.update(
        {
            name: "on"
            for name, f in page.context["form"].fields.items()
            if isinstance(f, BooleanField)
        }
    )

    text = client.post(_url("export"), data).content.decode("utf-8-sig")

    assert report.reference in text
    assert "FY2027" in text
    assert report.sha256 in text
    assert report.file.name not in text


# ---------------------------------------------------------------------- the request page


@pytest.mark.parametrize("user_factory", STAFF_FACTORIES, ids=STAFF_IDS)
def test_the_report_list_links_the_request_page(client, user_factory, gate):
    _login(client, user_factory())

    html = client.get(_url("changelist")).content.decode()
    page = client.get(reverse(REQUEST_URL))

    assert f'href="{reverse(REQUEST_URL)}"' in html
    assert page.status_code == 200
    form = page.context["form"]
    assert form["as_of"].value() == timezone.localdate()
    assert form["language"].value() == "ja"
    # Gates are offered by title and code.
    assert f"{gate.title} (FY2027)" in page.content.decode()


def test_requesting_a_report_queues_it_for_after_commit_and_records_who_asked(
    client, gate, django_capture_on_commit_callbacks
):
    policy = _login(client, PolicyUserFactory())

    with django_capture_on_commit_callbacks() as published:
        response = client.post(
            reverse(REQUEST_URL),
            {"kind": "stage_gate", "gate": gate.pk, "as_of": "2026-09-30", "language": "en"},
            follow=True,
        )

    report = Report.objects.get()
    assert len(published) == 1
    assert response.redirect_chain == [(_url("change", report.pk), 302)]
    assert (report.kind, report.gate, report.as_of, report.language) == (
        "stage_gate",
        gate,
        dt.date(2026, 9, 30),
        "en",
    )
    assert report.status == ReportStatus.QUEUED
    assert (report.requested_by, report.requested_via) == (policy, RequestChannel.ADMIN)
    assert any(
        f"{report.reference} (Stage-gate report) is queued" in m for m in _messages(response)
    )
    created = report.history.earliest()
    assert created.history_user == policy


def test_a_requested_report_is_rendered_once_its_request_commits(
    client, gate, django_capture_on_commit_callbacks
):
    pmo = _login(client, PMOUserFactory())

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(REQUEST_URL), {"kind": "stage_gate", "gate": gate.pk, "language": "ja"})

    report = Report.objects.get()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    assert report.as_of == timezone.localdate()
    assert report.pages >= 1 and len(report.sha256) == 64
    assert report.history.earliest().history_user == pmo
    html = client.get(_url("change", report.pk)).content.decode()
    assert reverse("reports:download", kwargs={"pk": report.pk}) in html


def _tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


BAD_REQUESTS = {
    "as-of-in-the-future": ({"as_of": _tomorrow}, "as_of", "is in the future"),
    "as-of-before-the-programme": ({"as_of": "2026-02-27"}, "as_of", "before the programme"),
    "as-of-not-a-date": ({"as_of": "2026-02-30"}, "as_of", "valid date"),
    "gate-missing": ({"gate": ""}, "gate", "choose the gate"),
    "gate-for-a-programme-report": ({"kind": "contamination"}, "gate", "whole programme"),
    "gate-unknown": ({"gate": "999999"}, "gate", "valid choice"),
    "kind-unknown": ({"kind": "horoscope"}, "kind", "valid choice"),
    "language-unknown": ({"language": "fr"}, "language", "valid choice"),
}


@pytest.mark.parametrize(("changes", "field", "message"), BAD_REQUESTS.values(), ids=BAD_REQUESTS)
def test_a_bad_request_shows_the_reason_beside_its_field_and_queues_nothing(
    client, gate, django_capture_on_commit_callbacks, changes, field, message
):
    _login(client, PolicyUserFactory())
    data = {"kind": "stage_gate", "gate": str(gate.pk), "as_of": "2026-09-30", "language": "ja"}
    data.update({key: value() if callable(value) else value for key, value in changes.items()})

    with django_capture_on_commit_callbacks() as published:
        response = client.post(reverse(REQUEST_URL), data)

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in " ".join(form.errors[field])
    # What was typed is shown again.
    assert form.data.dict() == data
    html = response.content.decode()
    assert f'value="{data["as_of"]}"' in html
    if field != "gate":
        assert f'<option value="{gate.pk}" selected>' in html
    assert not Report.objects.exists()
    assert published == []


def test_a_request_page_post_from_a_partner_is_refused_without_a_report(client, gate):
    client.force_login(PartnerUserFactory())

    response = client.post(reverse(REQUEST_URL), {"kind": "stage_gate", "gate": gate.pk})

    assert response.status_code == 302
    assert not Report.objects.exists()


# ------------------------------------------------------------- the stage-gate action


def _gate_action(client, gates, **extra):
    data = {
        "action": "generate_report",
        ACTION_CHECKBOX_NAME: [str(gate.pk) for gate in gates],
        **extra,
    }
    return client.post(reverse("admin:milestones_stagegate_changelist"), data)


def test_the_stage_gate_action_asks_for_the_date_and_language_first(client, gate):
    other = StageGateFactory(fiscal_year=2028)
    _login(client, PolicyUserFactory())

    response = _gate_action(client, [gate, other])

    assert response.status_code == 200
    html = response.content.decode()
    assert f"{gate.title} (FY2027)" in html and f"{other.title} (FY2028)" in html
    assert response.context["form"]["as_of"].value() == timezone.localdate()
    assert not Report.objects.exists()


@pytest.mark.parametrize("user_factory", STAFF_FACTORIES, ids=STAFF_IDS)
def test_the_stage_gate_action_requests_one_report_per_gate(
    client, gate, user_factory, django_capture_on_commit_callbacks
):
    other = StageGateFactory(fiscal_year=2028)
    user = _login(client, user_factory())

    with django_capture_on_commit_callbacks() as published:
        response = _gate_action(
            client, [gate, other], post="yes", as_of="2026-10-31", language="en"
        )

    assert response.status_code == 302
    reports = list(Report.objects.order_by("gate__fiscal_year"))
    assert [r.gate for r in reports] == [gate, other]
    assert all(
        (r.kind, r.as_of, r.language, r.status, r.requested_by, r.requested_via)
        == ("stage_gate", dt.date(2026, 10, 31), "en", "queued", user, "admin")
        for r in reports
    )
    assert len(published) == 2
    messages = _messages(client.get(response["Location"]))
    assert any(all(r.reference in m for r in reports) for m in messages)


def test_a_bad_as_of_date_in_the_stage_gate_action_is_shown_and_queues_nothing(
    client, gate, django_capture_on_commit_callbacks
):
    other = StageGateFactory(fiscal_year=2028)
    _login(client, PMOUserFactory())

    with django_capture_on_commit_callbacks() as published:
        response = _gate_action(client, [gate, other], post="yes", as_of=_tomorrow(), language="ja")

    assert response.status_code == 400
    form = response.context["form"]
    assert "is in the future" in " ".join(form.errors["as_of"])
    assert form["as_of"].value() == _tomorrow()
    assert not Report.objects.exists()
    assert published == []


def test_only_users_who_may_request_reports_are_offered_the_stage_gate_action(client, gate):
    _login(client, PolicyUserFactory())
    policy_actions = _action_names(client)
    # Partners read the gates (with the staff flag they reach the admin) but request nothing.
    _login(client, PartnerUserFactory(is_staff=True))
    partner_actions = _action_names(client)

    response = _gate_action(client, [gate], post="yes", as_of="2026-10-31", language="ja")

    assert "generate_report" in policy_actions
    assert "generate_report" not in partner_actions
    assert response.status_code == 302
    assert not Report.objects.exists()


def _action_names(client) -> list[str]:
    response = client.get(reverse("admin:milestones_stagegate_changelist"))
    assert response.status_code == 200
    return [name for name, _label in response.context["action_form"].fields["action"].choices]


@pytest.mark.parametrize("user_factory", STAFF_FACTORIES, ids=STAFF_IDS)
def test_the_admin_index_links_the_request_page_and_the_report_list(client, user_factory):
    _login(client, user_factory())

    html = client.get(reverse("admin:index")).content.decode()

    assert f'href="{reverse(REQUEST_URL)}"' in html
    assert f'href="{_url("changelist")}"' in html
