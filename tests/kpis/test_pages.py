"""The KPI pages outside the admin: the board every reading role sees, and the page where
a partner (or the PMO) uploads or records their organization's measurements."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jvtracker.choices import OrganizationKind
from jvtracker.common.fiscal import FiscalYear
from kpis.choices import BatchSource, KPISource, Status
from kpis.models import IngestBatch, KPIDefinition, Measurement
from kpis.periods import add_months, month_bounds, month_of
from kpis.services import MeasurementRow, measurements_ingest
from tests.factories import (
    KPIDefinitionFactory,
    KPITargetFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    StageGateFactory,
)

pytestmark = pytest.mark.django_db

BOARD = "kpis:board"
MEASUREMENTS = "kpis:measurements"
TEMPLATE = "kpis:measurements-template"
ROLE_FACTORIES = {
    "pmo": PMOUserFactory,
    "policy": PolicyUserFactory,
    "partner": PartnerUserFactory,
}


def _sign_in(client, user):
    client.force_login(user)
    # Assertions on messages read the English source text.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _element(html: str, tag: str, element_id: str) -> str:
    """The element with that id, up to its first closing tag of the same name."""
    match = re.search(rf'<{tag}[^>]*\bid="{element_id}".*?</{tag}>', html, re.S)
    assert match is not None, f"no <{tag} id={element_id}>"
    return match.group(0)


def _field_errors(response, field_id: str) -> str:
    """The error list Django renders beside a field (``<ul id="<field id>_error">``)."""
    return _element(response.content.decode(), "ul", f"{field_id}_error")


def _counts() -> tuple[int, int]:
    return IngestBatch.objects.count(), Measurement.objects.count()


# ------------------------------------------------------------------------------ the board


def _gate_ahead(days: int):
    """A gate reviewed ``days`` from today, so today's figures are judged against it."""
    review = timezone.localdate() + dt.timedelta(days=days)
    return StageGateFactory(fiscal_year=FiscalYear.of(review).year, review_date=review)


def _last_month_moment() -> dt.datetime:
    start, _ = month_bounds(add_months(month_of(timezone.now()), -1))
    return start + dt.timedelta(days=1, hours=9)


def _record(kpi: KPIDefinition, value: float) -> None:
    row = MeasurementRow(
        number=1, kpi=kpi.code, value=value, unit=kpi.unit, start=_last_month_moment().isoformat()
    )
    measurements_ingest(rows=[row], source=BatchSource.SEED, actor=None, organization=kpi.owner)


@pytest.fixture
def gate(db):
    return _gate_ahead(180)


@pytest.fixture
def four_kpis(gate):
    """Higher-is-better KPIs with target 80 and amber bound 70 at the gate."""
    kpis = {
        name: KPIDefinitionFactory(code=f"kpi_{name}", name_en=f"KPI {name}")
        for name in ("green", "amber", "red", "silent")
    }
    for kpi in kpis.values():
        KPITargetFactory(kpi=kpi, gate=gate, target_value=80.0, amber_value=70.0)
    _record(kpis["green"], 85.0)
    _record(kpis["amber"], 72.0)
    _record(kpis["red"], 69.5)
    return kpis


def _board_rows(response) -> dict[str, str]:
    table = _element(response.content.decode(), "table", "kpi-board")
    return dict(re.findall(r'<tr data-kpi="([\w-]+)" data-status="(\w+)">', table))


def _board_row(response, code: str) -> str:
    return re.search(rf'<tr data-kpi="{code}".*?</tr>', response.content.decode(), re.S).group(0)


@pytest.mark.parametrize("role", ["pmo", "policy", "partner"])
def test_every_reading_role_sees_each_kpi_with_its_status_in_words_and_a_trend_chart(
    client, four_kpis, role
):
    _sign_in(client, ROLE_FACTORIES[role]())

    response = client.get(reverse(BOARD))

    assert response.status_code == 200
    assert _board_rows(response) == {
        "kpi_green": Status.GREEN,
        "kpi_amber": Status.AMBER,
        "kpi_red": Status.RED,
        "kpi_silent": Status.NO_DATA,
    }
    # In colour and in words.
    for code, colour, words in [
        ("kpi_green", "kb-green", "Green: meets the target"),
        ("kpi_amber", "kb-amber", "Amber: within the threshold"),
        ("kpi_red", "kb-red", "Red: misses the threshold"),
        ("kpi_silent", "kb-no_data", "No data"),
    ]:
        row = _board_row(response, code)
        assert f'<span class="kb-badge {colour}">{words}</span>' in row
        assert row.count("<svg") == 1


def test_a_board_row_shows_the_latest_value_with_unit_and_month_the_target_and_amber_bound(
    client, four_kpis
):
    _sign_in(client, PolicyUserFactory())

    row = _board_row(client.get(reverse(BOARD)), "kpi_red")

    assert "69.5 %" in row
    month = _last_month_moment().date()
    assert f"{month:%B} {month.year}" in row
    assert ">80 %<" in row and ">70 %<" in row


def test_the_summary_counts_the_kpis_in_each_status(client, four_kpis):
    _sign_in(client, PolicyUserFactory())
    KPIDefinitionFactory(code="untargeted")

    html = client.get(reverse(BOARD)).content.decode()

    summary = _element(html, "ul", "kpi-board-summary")
    counts = dict(re.findall(r'<li data-status="(\w+)" data-count="(\d+)">', summary))
    assert counts == {"green": "1", "amber": "1", "red": "1", "no_data": "1", "no_target": "1"}


def test_only_the_pmo_gets_links_into_the_admin_from_the_board(client, four_kpis):
    kpi = four_kpis["green"]
    admin_url = reverse("admin:kpis_kpidefinition_change", args=[kpi.pk])

    _sign_in(client, PMOUserFactory())
    pmo_row = _board_row(client.get(reverse(BOARD)), kpi.code)
    _sign_in(client, PartnerUserFactory())
    partner_row = _board_row(client.get(reverse(BOARD)), kpi.code)

    assert admin_url in pmo_row
    assert "/admin/" not in partner_row


def test_a_gate_can_be_chosen(client, gate):
    later = _gate_ahead(545)
    kpi = KPIDefinitionFactory(code="capacity")
    KPITargetFactory(kpi=kpi, gate=gate, target_value=80.0, amber_value=70.0)
    KPITargetFactory(kpi=kpi, gate=later, target_value=95.0, amber_value=90.0)
    _record(kpi, 85.0)
    _sign_in(client, PolicyUserFactory())

    default = client.get(reverse(BOARD))
    chosen = client.get(reverse(BOARD), {"gate": later.pk})

    assert default.context["gate"] == gate
    assert _board_rows(default) == {"capacity": Status.GREEN}
    assert chosen.context["gate"] == later
    assert _board_rows(chosen) == {"capacity": Status.RED}
    assert f'<option value="{later.pk}" selected>' in chosen.content.decode()


def test_an_unknown_gate_is_answered_with_an_error_beside_the_field(client, four_kpis, gate):
    _sign_in(client, PolicyUserFactory())

    response = client.get(reverse(BOARD), {"gate": "bogus"})

    assert response.status_code == 400
    form = _element(response.content.decode(), "form", "kpi-board-gate")
    assert 'id="id_gate_error"' in form
    assert "Select a valid choice" in form
    # The board still shows, against the next gate.
    assert response.context["gate"] == gate
    assert len(_board_rows(response)) == 4


def test_without_a_gate_the_board_says_what_to_do(client):
    KPIDefinitionFactory()
    _sign_in(client, PolicyUserFactory())

    response = client.get(reverse(BOARD))

    assert response.status_code == 200
    empty = _element(response.content.decode(), "div", "kpi-board-empty")
    assert "No stage gates are defined yet" in empty
    assert "The PMO records the programme's stage gates" in empty


def test_without_kpis_the_board_sends_the_pmo_to_define_them(client, gate):
    _sign_in(client, PMOUserFactory())

    response = client.get(reverse(BOARD))

    empty = _element(response.content.decode(), "div", "kpi-board-empty")
    assert "No KPIs are defined yet." in empty
    assert reverse("admin:kpis_kpidefinition_add") in empty


def test_the_board_page_and_the_admin_board_show_the_same_rows(client, four_kpis):
    _sign_in(client, PMOUserFactory())

    page = client.get(reverse(BOARD))
    admin = client.get(reverse("admin:kpis_board"))

    assert page.context["rows"] == admin.context["rows"]


@pytest.mark.parametrize("name", [BOARD, MEASUREMENTS, TEMPLATE])
def test_anonymous_visitors_are_sent_to_the_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# ------------------------------------------------------------------------ measurements


@pytest.fixture
def organization(db):
    return OrganizationFactory(code="sony")


@pytest.fixture
def partner(client, organization):
    return _sign_in(client, PartnerUserFactory(organization=organization))


@pytest.fixture
def own_kpi(organization):
    """A KPI the partner's organization reports by hand."""
    return KPIDefinitionFactory(
        code="productivity_gain", unit="percent", source=KPISource.MANUAL, owner=organization
    )


@pytest.fixture
def others_kpi(db):
    """Another organization's KPI, which only that organization (and the PMO) records."""
    return KPIDefinitionFactory(
        code="gpu_utilization", unit="percent", source=KPISource.MANUAL, owner=OrganizationFactory()
    )


def _csv(text: str, name: str = "measurements.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


GOOD_CSV = (
    "kpi,subject,at,value,unit\n"
    "productivity_gain,adopter-a,2026-04-01T09:00:00+09:00,12.5,%\n"
    "productivity_gain,adopter-b,2026-04-01T09:00:00+09:00,8,%\n"
)


def _upload(client, file, **extra):
    data = {"form": "upload", "upload-file": file, **extra}
    return client.post(reverse(MEASUREMENTS), data)


def _record_one(client, **fields):
    data = {"form": "record", **{f"record-{name}": value for name, value in fields.items()}}
    return client.post(reverse(MEASUREMENTS), data)


def test_a_partner_uploads_a_csv_stored_as_one_batch_of_their_organization(
    client, partner, own_kpi
):
    response = _upload(client, _csv(GOOD_CSV))

    assert response.status_code == 302
    assert response["Location"] == reverse(MEASUREMENTS)
    batch = IngestBatch.objects.get()
    assert (batch.source, batch.submitted_by, batch.organization) == (
        BatchSource.FILE,
        partner,
        partner.organization,
    )
    assert (batch.row_count, batch.file_name) == (2, "measurements.csv")
    assert sorted(batch.measurements.values_list("subject", "value", "organization")) == [
        ("adopter-a", 12.5, partner.organization_id),
        ("adopter-b", 8.0, partner.organization_id),
    ]
    page = client.get(response["Location"])
    assert f"Imported 2 measurements as batch #{batch.pk}." in _messages(page)
    assert f'<tr id="batch-{batch.pk}" data-batch="{batch.pk}">' in page.content.decode()


def test_a_partner_cannot_upload_for_another_organization(client, partner, own_kpi):
    other = OrganizationFactory()

    _upload(client, _csv(GOOD_CSV), **{"upload-organization": other.pk})

    assert IngestBatch.objects.get().organization == partner.organization
    assert not Measurement.objects.filter(organization=other).exists()


def test_a_csv_with_a_bad_line_is_refused_naming_line_and_column_and_nothing_is_stored(
    client, partner, own_kpi
):
    _upload(client, _csv(GOOD_CSV))
    before = _counts()
    text = (
        "kpi,subject,at,value,unit\n"
        "productivity_gain,adopter-a,2026-05-01T09:00:00+09:00,12.5,%\n"
        "productivity_gain,adopter-b,2026-05-01T09:00:00+09:00,140,%\n"
    )

    response = _upload(client, _csv(text))

    assert response.status_code == 400
    errors = _field_errors(response, "id_upload-file")
    assert "The batch was rejected: 1 line has errors. Nothing was stored." in errors
    assert "line 3, column “value”: A percentage must be between 0 and 100." in errors
    assert "line 2" not in errors
    assert _counts() == before


def test_a_file_with_many_bad_lines_shows_the_first_fifty_and_counts_the_rest(
    client, partner, own_kpi
):
    lines = [f"productivity_gain,a,2026-04-{day:02d}T09:00:00+09:00,140,%" for day in range(1, 29)]
    lines += [f"productivity_gain,b,2026-04-{day:02d}T09:00:00+09:00,-1,%" for day in range(1, 29)]
    text = "kpi,subject,at,value,unit\n" + "\n".join(lines) + "\n"

    response = _upload(client, _csv(text))

    errors = _field_errors(response, "id_upload-file")
    assert "56 lines have errors" in errors
    assert errors.count("column “value”") == 50
    assert "…and 6 more errors." in errors
    assert _counts() == (0, 0)


def test_a_file_with_another_organizations_kpi_is_refused_and_nothing_is_stored(
    client, partner, own_kpi, others_kpi
):
    text = "kpi,at,value,unit\ngpu_utilization,2026-04-01T09:00:00+09:00,70,%\n"

    response = _upload(client, _csv(text))

    assert response.status_code == 400
    assert "You may not record measurements of “gpu_utilization”." in _field_errors(
        response, "id_upload-file"
    )
    assert _counts() == (0, 0)


def test_a_file_of_another_type_is_refused_in_words_beside_the_field(client, partner, own_kpi):
    response = _upload(client, _csv(GOOD_CSV, name="measurements.txt"))

    assert response.status_code == 400
    errors = _field_errors(response, "id_upload-file")
    assert "Only CSV (.csv) and Excel (.xlsx) files can be imported" in errors
    # Said once, in the summary of the refusal.
    assert errors.count("<li>") == 1
    assert _counts() == (0, 0)


def test_a_partner_records_one_measurement_as_a_batch_of_one(client, partner, own_kpi):
    response = _record_one(
        client, kpi=own_kpi.pk, subject="adopter-a", at="2026-04-01T09:00", value="12.5"
    )

    assert response.status_code == 302
    measurement = Measurement.objects.get()
    assert (measurement.kpi, measurement.organization, measurement.subject) == (
        own_kpi,
        partner.organization,
        "adopter-a",
    )
    assert measurement.value == 12.5
    # Typed in Tokyo time.
    assert measurement.start == dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.UTC)
    assert measurement.batch.submitted_by == partner
    page = client.get(response["Location"])
    assert f"Recorded the measurement as batch #{measurement.batch_id}." in _messages(page)


def test_a_measurement_in_another_unit_of_the_same_kind_is_converted(client, partner):
    kpi = KPIDefinitionFactory(
        code="inference_cost", unit="jpy", source=KPISource.MANUAL, owner=partner.organization
    )

    _record_one(client, kpi=kpi.pk, at="2026-04-01T09:00", value="1.5", unit="千円")

    assert Measurement.objects.get().value == 1500.0


def test_a_rejected_measurement_shows_the_reason_beside_the_field_and_keeps_the_input(
    client, partner, own_kpi
):
    response = _record_one(
        client, kpi=own_kpi.pk, subject="adopter-a", at="2026-04-01T09:00", value="140"
    )

    assert response.status_code == 400
    assert "A percentage must be between 0 and 100." in _field_errors(response, "id_record-value")
    html = response.content.decode()
    assert 'value="140"' in html and 'value="adopter-a"' in html
    assert f'<option value="{own_kpi.pk}" selected>' in html
    assert _counts() == (0, 0)


def test_a_time_in_the_future_is_refused_beside_the_time(client, partner, own_kpi):
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    response = _record_one(client, kpi=own_kpi.pk, at=future, value="10")

    assert response.status_code == 400
    assert "is in the future" in _field_errors(response, "id_record-at")
    assert _counts() == (0, 0)


def test_a_partner_cannot_record_another_organizations_kpi(client, partner, own_kpi, others_kpi):
    page = client.get(reverse(MEASUREMENTS))
    response = _record_one(client, kpi=others_kpi.pk, at="2026-04-01T09:00", value="70")

    # Not offered, and refused when sent anyway.
    assert list(page.context["record_form"].fields["kpi"].queryset) == [own_kpi]
    assert response.status_code == 400
    assert "Select a valid choice" in _field_errors(response, "id_record-kpi")
    assert _counts() == (0, 0)


def test_the_page_lists_only_the_organizations_batches_and_its_kpis_latest_values(
    client, partner, own_kpi, others_kpi
):
    _record_one(client, kpi=own_kpi.pk, subject="adopter-a", at="2026-04-01T09:00", value="12.5")
    own = IngestBatch.objects.get()
    measurements_ingest(
        rows=[
            MeasurementRow(
                number=1, kpi="gpu_utilization", value=70, unit="%", start="2026-04-01T09:00+09:00"
            )
        ],
        source=BatchSource.API,
        actor=PMOUserFactory(),
        organization=others_kpi.owner,
    )
    other = IngestBatch.objects.exclude(pk=own.pk).get()

    html = client.get(reverse(MEASUREMENTS)).content.decode()

    batches = _element(html, "table", "measurement-batches")
    assert f'data-batch="{own.pk}"' in batches
    assert f'data-batch="{other.pk}"' not in batches
    kpis = _element(html, "table", "measurement-kpis")
    assert 'data-kpi="productivity_gain"' in kpis and "12.5 %" in kpis
    assert 'data-kpi="gpu_utilization"' not in kpis


def test_the_page_describes_the_columns_and_offers_a_template(client, partner, own_kpi):
    html = client.get(reverse(MEASUREMENTS)).content.decode()

    columns = _element(html, "details", "measurement-columns")
    for column in ("kpi", "subject", "at", "start", "end", "value", "unit"):
        assert f'<tr data-column="{column}">' in columns
    assert reverse(TEMPLATE) in columns


def test_the_template_lists_the_kpis_the_partner_may_record_and_imports_once_filled(
    client, partner, own_kpi, others_kpi
):
    response = client.get(reverse(TEMPLATE))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["kpi"] for row in rows] == ["productivity_gain"]
    assert rows[0]["unit"] == "%" and rows[0]["value"] == ""
    # Filled in, the template is a file the page takes.
    filled = text.replace("\r\n", "\n").replace(",,%", ",42,%")
    assert _upload(client, _csv(filled)).status_code == 302
    assert Measurement.objects.get().value == 42.0


def test_the_pmo_uploads_for_the_organization_they_choose(client, own_kpi, organization):
    pmo = _sign_in(client, PMOUserFactory())

    response = _upload(client, _csv(GOOD_CSV), **{"upload-organization": organization.pk})

    assert response.status_code == 302
    batch = IngestBatch.objects.get()
    assert (batch.organization, batch.submitted_by) == (organization, pmo)


def test_without_a_joint_venture_the_pmo_is_asked_whose_measurement_it_is(client, own_kpi):
    _sign_in(client, PMOUserFactory())

    response = _record_one(client, kpi=own_kpi.pk, at="2026-04-01T09:00", value="12")

    assert response.status_code == 400
    assert "Say whose measurements these are." in _field_errors(response, "id_record-organization")
    assert _counts() == (0, 0)


def test_the_pmo_records_for_the_joint_venture_by_default(client, own_kpi):
    joint_venture = OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)
    _sign_in(client, PMOUserFactory())

    _record_one(client, kpi=own_kpi.pk, at="2026-04-01T09:00", value="12")

    assert Measurement.objects.get().organization == joint_venture


def test_policy_staff_who_may_not_record_get_404(client, own_kpi):
    _sign_in(client, PolicyUserFactory())

    assert client.get(reverse(MEASUREMENTS)).status_code == 404
    assert client.get(reverse(TEMPLATE)).status_code == 404
    assert _upload(client, _csv(GOOD_CSV)).status_code == 404
    assert _counts() == (0, 0)


def test_a_post_with_neither_form_says_what_to_do_and_stores_nothing(client, partner, own_kpi):
    response = client.post(reverse("kpis:measurements"), {}, headers={"accept-language": "en"})

    assert response.status_code == 400
    assert "Choose a file to upload, or fill in one measurement." in response.content.decode()
    assert _counts() == (0, 0)
