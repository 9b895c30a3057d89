"""POST /api/v1/measurements/: a batch stored all or nothing, every bad row named by its
place in the array, re-sent batches recognised, and each caller held to what they may
record. Every refusal has one shape: {"code", "message", "errors": [{"row", "field",
"message"}]}."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from jvtracker.choices import OrganizationKind
from kpis.api.views import BodyTooLarge, LimitedJSONParser
from kpis.choices import BatchSource, KPISource, Unit
from kpis.models import IngestBatch, Measurement
from tests.factories import (
    KPIDefinitionFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/measurements/"
# Past instants: the endpoint judges "the future" by the real clock.
AT = "2026-04-01T09:00:00+09:00"
APRIL = ("2026-04-01T00:00:00+09:00", "2026-05-01T00:00:00+09:00")


@pytest.fixture(autouse=True)
def joint_venture(db):
    """Whose batches are the PMO's when they name no organization."""
    return OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)


@pytest.fixture
def partner_org():
    return OrganizationFactory(code="sakura")


@pytest.fixture
def gpu(partner_org):
    return KPIDefinitionFactory(
        code="gpu_utilization", unit=Unit.PERCENT, source=KPISource.PUSHED, owner=partner_org
    )


@pytest.fixture
def cost(joint_venture):
    """Entered by the PMO only: manual and owned by the joint venture."""
    return KPIDefinitionFactory(
        code="inference_cost",
        unit=Unit.JPY_PER_1K_TOKENS,
        source=KPISource.MANUAL,
        owner=joint_venture,
    )


@pytest.fixture
def pmo():
    return PMOUserFactory()


@pytest.fixture
def partner(partner_org):
    return PartnerUserFactory(organization=partner_org)


def client_for(user=None) -> APIClient:
    """A session-authenticated client answering in English."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def post(client: APIClient, body: object):
    return client.post(URL, body, format="json")


def gpu_row(**changes) -> dict:
    row = {"kpi": "gpu_utilization", "subject": "cluster-a", "at": AT, "value": 71.5, "unit": "%"}
    row.update(changes)
    return {key: value for key, value in row.items() if value is not ...}


def cost_row(**changes) -> dict:
    row = {
        "kpi": "inference_cost",
        "start": APRIL[0],
        "end": APRIL[1],
        "value": 0.42,
        "unit": "JPY/1k tokens",
    }
    row.update(changes)
    return row


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert body["message"]
    return body


def assert_nothing_stored() -> None:
    assert Measurement.objects.count() == 0
    assert IngestBatch.objects.count() == 0


# --------------------------------------------------------------------------------- success


def test_url_is_named_in_the_kpis_api_namespace():
    assert reverse("kpis-api:measurements") == URL


def test_pmo_stores_a_batch_and_the_batch_records_who_how_and_how_many(pmo, gpu, cost):
    response = post(client_for(pmo), {"measurements": [gpu_row(), cost_row()]})

    assert response.status_code == 201, response.content
    body = response.json()
    batch = IngestBatch.objects.get()
    assert body == {
        "batch": batch.pk,
        "stored": 2,
        "superseded": 0,
        "unchanged": 0,
        "duplicate": False,
        "checksum": batch.checksum,
    }
    assert len(batch.checksum) == 64
    assert batch.submitted_by == pmo
    assert batch.source == BatchSource.API
    assert batch.row_count == 2
    assert batch.organization.code == "jv"
    instant = Measurement.objects.get(kpi=gpu)
    assert (instant.batch, instant.subject, instant.value) == (batch, "cluster-a", 71.5)
    assert instant.start == dt.datetime.fromisoformat(AT)
    assert instant.end is None
    period = Measurement.objects.get(kpi=cost)
    assert (period.start, period.end) == tuple(dt.datetime.fromisoformat(t) for t in APRIL)
    assert period.subject == ""


def test_pmo_may_name_whose_measurements_a_batch_holds(pmo, gpu, partner_org):
    response = post(client_for(pmo), {"measurements": [gpu_row()], "organization": partner_org.pk})

    assert response.status_code == 201, response.content
    assert IngestBatch.objects.get().organization == partner_org


def test_values_are_converted_to_the_kpi_unit(pmo, cost):
    response = post(client_for(pmo), {"measurements": [cost_row(value=420, unit="JPY/1M tokens")]})

    assert response.status_code == 201, response.content
    assert Measurement.objects.get().value == pytest.approx(0.42)


def test_the_same_rows_sent_again_answer_200_with_the_earlier_batch(pmo, gpu, cost):
    client = client_for(pmo)
    body = {"measurements": [gpu_row(), cost_row()]}
    first = post(client, body).json()

    again = post(client, body)

    assert again.status_code == 200, again.content
    assert again.json() == {
        "batch": first["batch"],
        "stored": 0,
        "superseded": 0,
        "unchanged": 0,
        "duplicate": True,
        "checksum": first["checksum"],
    }
    assert IngestBatch.objects.count() == 1
    assert Measurement.objects.count() == 2


def test_a_correction_supersedes_the_measurement_it_corrects(pmo, gpu):
    client = client_for(pmo)
    post(client, {"measurements": [gpu_row(value=70)]})

    response = post(client, {"measurements": [gpu_row(value=72)]})

    assert response.status_code == 201, response.content
    assert response.json()["superseded"] == 1
    old, new = Measurement.objects.order_by("id")
    assert (old.value, new.value) == (70, 72)
    assert new.supersedes == old
    assert new.batch.superseded_count == 1


def test_a_partner_pushes_a_pushed_kpi_for_their_own_organization(partner, partner_org, gpu):
    response = post(client_for(partner), {"measurements": [gpu_row()]})

    assert response.status_code == 201, response.content
    batch = IngestBatch.objects.get()
    assert (batch.organization, batch.submitted_by) == (partner_org, partner)


def test_a_batch_of_ten_thousand_long_rows_is_accepted(settings, pmo, joint_venture):
    """The longest names a row may carry (a 64-character code and a 64-character Japanese
    subject, escaped as \\uXXXX), pretty-printed, still fit the body limit."""
    kpi = KPIDefinitionFactory(code="k" * 64, unit=Unit.PERCENT, owner=joint_venture)
    subject = ("東京第二データセンター推論クラスタ" * 4)[:64]
    first = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows = [
        {
            "kpi": kpi.code,
            "subject": subject,
            "start": (first + dt.timedelta(hours=n)).isoformat(timespec="microseconds"),
            "end": (first + dt.timedelta(hours=n + 1)).isoformat(timespec="microseconds"),
            "value": 71.12345678901234,
            "unit": "%",
        }
        for n in range(settings.KPI_INGEST_MAX_ROWS)
    ]
    body = json.dumps({"measurements": rows}, indent=4)
    assert len(body.encode()) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = client_for(pmo).post(URL, body, content_type="application/json")

    assert response.status_code == 201, response.content[:500]
    assert response.json()["stored"] == 10_000
    assert Measurement.objects.filter(kpi=kpi).count() == 10_000


# ------------------------------------------------------------------------------ bad rows


BAD_ROWS = {
    "non-numeric value": (gpu_row(value="seventy"), "value", "not a number"),
    "NaN text": (gpu_row(value="NaN"), "value", "finite"),
    "Infinity text": (gpu_row(value="Infinity"), "value", "finite"),
    "percentage above 100": (gpu_row(value=100.5), "value", "between 0 and 100"),
    "negative percentage": (gpu_row(value=-1), "value", "negative"),
    "unit of another kind": (gpu_row(unit="JPY"), "unit", "not a unit of this KPI"),
    "unknown unit": (gpu_row(unit="furlongs"), "unit", "Unknown unit"),
    "no unit": (gpu_row(unit=...), "unit", "unit is required"),
    "no time zone": (gpu_row(at="2026-04-01T09:00:00"), "at", "no time zone"),
    "not a time": (gpu_row(at="April 1st"), "at", "ISO 8601"),
    "far future": (gpu_row(at="2999-01-01T00:00:00+09:00"), "at", "future"),
    "no time at all": (gpu_row(at=...), "start", "time is required"),
    "unknown KPI code": (gpu_row(kpi="gpu_utilisation"), "kpi", "Unknown KPI"),
    "both at and start": (gpu_row(start=APRIL[0]), "at", "not both"),
    "an instant with an end": (gpu_row(end=APRIL[1]), "end", "no end"),
    "period ending before it starts": (
        cost_row(start=APRIL[1], end=APRIL[0]),
        "end",
        "after its start",
    ),
    "misspelt field": (gpu_row(valeu=3), "valeu", "Unknown field"),
    "not an object": (["gpu_utilization", AT, 71.5, "%"], "measurements", "JSON object"),
    "same time as row 1": (gpu_row(value=50), "at", "row 1"),
    "year 1": (gpu_row(at="0001-01-01T05:00:00+09:00"), "at", "before 2000"),
    "control character in the subject": (gpu_row(subject="a\u0000b"), "subject", "control"),
    "control character in the KPI code": (gpu_row(kpi="gpu\u0000"), "kpi", "Unknown KPI"),
}


@pytest.mark.parametrize("bad, field, words", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_row_rejects_the_whole_batch_naming_its_row_and_field(
    pmo, gpu, cost, bad, field, words
):
    # Row 1 is good; row 2 is bad (for the duplicate case, it repeats row 1's time).
    response = post(client_for(pmo), {"measurements": [gpu_row(), bad]})

    body = assert_error_shape(response, 400, "invalid")
    assert "Nothing was stored" in body["message"]
    assert {(e["row"], e["field"]) for e in body["errors"]} == {(2, field)}, body["errors"]
    assert words in body["errors"][0]["message"]
    assert_nothing_stored()


def test_a_json_number_too_large_for_a_float_is_refused_as_not_finite(pmo, gpu):
    raw = '{"measurements": [{"kpi": "gpu_utilization", "at": "%s", "value": 1e400, "unit": "%%"}]}'

    response = client_for(pmo).post(URL, raw % AT, content_type="application/json")

    body = assert_error_shape(response, 400, "invalid")
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(1, "value")]
    assert_nothing_stored()


def test_an_offset_postgresql_cannot_store_is_taken_as_the_instant_it_names(pmo, gpu):
    response = post(client_for(pmo), {"measurements": [gpu_row(at="2026-04-01T20:00:00+20:00")]})

    assert response.status_code == 201, response.content
    [stored] = Measurement.objects.all()
    assert stored.start == dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.UTC)


def test_json_nested_too_deeply_is_a_parse_error_not_a_crash(pmo, gpu):
    response = client_for(pmo).post(URL, "[" * 100_000, content_type="application/json")

    body = assert_error_shape(response, 400, "parse_error")
    assert "nested too deeply" in body["message"]
    assert_nothing_stored()


def test_every_bad_row_is_named_not_only_the_first(pmo, gpu):
    rows = [gpu_row(), gpu_row(subject="b", value="x"), gpu_row(subject="c", unit="JPY")]

    body = post(client_for(pmo), {"measurements": rows}).json()

    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "value"), (3, "unit")]
    assert "2 rows have errors" in body["message"]


def test_more_than_ten_thousand_rows_are_refused_naming_the_limit(settings, pmo, gpu):
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows = [
        gpu_row(at=(start + dt.timedelta(minutes=n)).isoformat())
        for n in range(settings.KPI_INGEST_MAX_ROWS + 1)
    ]

    response = post(client_for(pmo), {"measurements": rows})

    body = assert_error_shape(response, 400, "invalid")
    assert body["errors"] == [
        {
            "row": None,
            "field": "measurements",
            "message": "A batch may hold at most 10,000 measurements; this one has 10,001.",
        }
    ]
    assert_nothing_stored()


def test_an_empty_batch_is_refused(pmo):
    body = assert_error_shape(post(client_for(pmo), {"measurements": []}), 400, "invalid")

    assert body["errors"][0]["field"] == "measurements"
    assert_nothing_stored()


# ----------------------------------------------------------------------- bad request bodies


@pytest.mark.parametrize(
    "raw",
    [
        '{"measurements": [{"kpi": "gpu_utilization",',
        '{"measurements": [{"kpi": "gpu_utilization", "value": NaN, "unit": "%"}]}',
        '{"measurements": [{"kpi": "gpu_utilization", "value": Infinity, "unit": "%"}]}',
        b'{"measurements": [{"kpi": "gpu_\xff"}]}',
    ],
    ids=["truncated", "NaN literal", "Infinity literal", "not UTF-8"],
)
def test_a_body_that_is_not_json_is_refused(pmo, gpu, raw):
    body = raw if isinstance(raw, bytes) else raw.encode()
    response = client_for(pmo).post(URL, body, content_type="application/json")

    body = assert_error_shape(response, 400, "parse_error")
    assert "not valid JSON" in body["message"]
    assert body["errors"] == []
    assert_nothing_stored()


@pytest.mark.parametrize(
    "payload",
    [
        {"measurements": {"kpi": "gpu_utilization"}},
        {"measurement": [gpu_row()]},
        [gpu_row()],
        {},
    ],
    ids=["measurements not a list", "measurements missing", "body a list", "empty object"],
)
def test_a_body_without_a_measurements_list_is_refused(pmo, gpu, payload):
    body = assert_error_shape(post(client_for(pmo), payload), 400, "invalid")

    fields = {(e["row"], e["field"]) for e in body["errors"]}
    assert (None, "measurements") in fields
    assert_nothing_stored()


def test_an_unknown_top_level_field_is_named(pmo, gpu):
    body = post(client_for(pmo), {"measurements": [gpu_row()], "org": 3}).json()

    assert body["errors"][0]["row"] is None
    assert body["errors"][0]["field"] == "org"
    assert_nothing_stored()


@pytest.mark.parametrize("content_type", ["text/csv", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_declared_json_is_refused_with_400(pmo, gpu, content_type):
    response = client_for(pmo).post(URL, "kpi=gpu_utilization", content_type=content_type)

    assert_error_shape(response, 400, "unsupported_media_type")
    assert_nothing_stored()


def test_an_oversized_body_is_refused_with_400_not_500(settings, pmo, gpu):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    rows = [gpu_row(subject=f"cluster-{n}") for n in range(20)]

    response = post(client_for(pmo), {"measurements": rows})

    body = assert_error_shape(response, 400, "too_large")
    assert "1,000 bytes" in body["message"]
    assert "10,000 measurements" in body["message"]
    assert_nothing_stored()


def test_the_parser_reads_no_further_than_the_limit_from_a_raw_stream(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10

    with pytest.raises(BodyTooLarge):
        LimitedJSONParser().parse(io.BytesIO(b'{"measurements": []}'))


def test_pmo_naming_an_unknown_organization_is_refused(pmo, gpu):
    response = post(client_for(pmo), {"measurements": [gpu_row()], "organization": 999_999})

    body = assert_error_shape(response, 400, "invalid")
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(None, "organization")]
    assert_nothing_stored()


@pytest.mark.parametrize("organization", ["sakura", True, 1.5])
def test_an_organization_not_given_by_id_is_refused(pmo, gpu, organization):
    response = post(client_for(pmo), {"measurements": [gpu_row()], "organization": organization})

    body = assert_error_shape(response, 400, "invalid")
    assert body["errors"][0]["field"] == "organization"


# ----------------------------------------------------------------------- who may record


def test_a_partner_may_not_record_a_kpi_they_neither_own_nor_push(partner, gpu, cost):
    response = post(client_for(partner), {"measurements": [gpu_row(), cost_row()]})

    body = assert_error_shape(response, 400, "invalid")
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "kpi")]
    assert "may not record" in body["errors"][0]["message"]
    assert_nothing_stored()


def test_a_partner_may_not_name_another_organization(partner, gpu, joint_venture):
    response = post(
        client_for(partner), {"measurements": [gpu_row()], "organization": joint_venture.pk}
    )

    body = assert_error_shape(response, 400, "invalid")
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(None, "organization")]
    assert "your own organization" in body["errors"][0]["message"]
    assert_nothing_stored()


def test_policy_staff_are_refused_with_403(gpu):
    response = post(client_for(PolicyUserFactory()), {"measurements": [gpu_row()]})

    body = assert_error_shape(response, 403, "permission_denied")
    assert "may read KPIs but not record" in body["message"]
    assert_nothing_stored()


def test_an_anonymous_caller_is_refused(gpu):
    response = post(client_for(), {"measurements": [gpu_row()]})

    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    assert_nothing_stored()


def test_an_inactive_users_session_is_refused(gpu):
    user = PMOUserFactory()
    client = client_for(user)
    user.is_active = False
    user.save()

    assert_error_shape(post(client, {"measurements": [gpu_row()]}), 401, "not_authenticated")
    assert_nothing_stored()


def test_only_get_and_post_are_offered(pmo):
    # GET lists measurements (tests/kpis/test_api.py); nothing replaces or deletes them.
    for method in ("put", "patch", "delete"):
        response = getattr(client_for(pmo), method)(URL, {}, format="json")
        assert_error_shape(response, 405, "method_not_allowed")


# ----------------------------------------------------------------------------- schema


def test_the_schema_documents_the_request_and_every_answer():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    operation = schema["paths"][URL]["post"]
    assert set(operation["responses"]) == {"200", "201", "400", "401", "403", "404", "409", "429"}
    assert "application/json" in operation["requestBody"]["content"]
    components = schema["components"]["schemas"]
    assert set(components["MeasurementBatchRequest"]["properties"]) == {
        "measurements",
        "organization",
    }
    assert {"kpi", "at", "start", "end", "value", "unit", "subject"} <= set(
        components["MeasurementInputRequest"]["properties"]
    )
    assert set(components["Error"]["properties"]) == {"code", "message", "errors"}
    assert set(components["IngestResult"]["properties"]) == {
        "batch",
        "stored",
        "superseded",
        "unchanged",
        "duplicate",
        "checksum",
    }
