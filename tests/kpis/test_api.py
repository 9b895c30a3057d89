"""The KPI API: definitions (by code) with their targets, every KPI's status at a gate and a
KPI's series; measurements listed in cursor pages; ingest batches; incidents.

Every role reads the programme's KPIs and their status. Of measurements, batches and
incidents a partner reads only their own organization's, and another organization's row
is a 404, as if it did not exist. The PMO defines KPIs; the PMO records incidents for any
organization and a partner for their own; policy staff read and change nothing here.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jvtracker.choices import OrganizationKind
from kpis.choices import BatchSource, Direction, KPISource, Status, Unit
from kpis.models import Incident, KPIDefinition, Measurement
from kpis.periods import add_months
from kpis.selectors import (
    kpi_monthly_series,
    kpi_statuses,
    kpis_visible_to,
    next_gate,
)
from kpis.services import MeasurementRow, measurements_ingest
from milestones.choices import GateKind
from tests.api import assert_error, assert_history_user, token_client
from tests.factories import (
    IncidentFactory,
    KPIDefinitionFactory,
    KPITargetFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    StageGateFactory,
)

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(autouse=True)
def joint_venture(db):
    return OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)


@pytest.fixture
def sakura():
    return OrganizationFactory(code="sakura")


@pytest.fixture
def momiji():
    return OrganizationFactory(code="momiji")


@pytest.fixture
def pmo():
    return PMOUserFactory()


@pytest.fixture
def policy():
    return PolicyUserFactory()


@pytest.fixture
def partner(sakura):
    return PartnerUserFactory(organization=sakura)


@pytest.fixture
def gate():
    """FY2027, reviewed 2027-12-15: the next gate, judged on what is known now."""
    return StageGateFactory(fiscal_year=2027)


@pytest.fixture
def gpu(sakura):
    return KPIDefinitionFactory(
        code="gpu_utilization",
        unit=Unit.PERCENT,
        source=KPISource.PUSHED,
        owner=sakura,
        order=1,
    )


def month_start(months_ago: int) -> dt.datetime:
    """Noon on the 2nd of a month before this one, in Tokyo: safely in the past."""
    first = add_months(timezone.localdate().replace(day=1), -months_ago)
    return dt.datetime.combine(
        first.replace(day=2), dt.time(12), tzinfo=timezone.get_default_timezone()
    )


def push(kpi: KPIDefinition, organization, readings, *, subject: str = ""):
    """Store ``(start, value)`` readings of one subject as ``organization``'s."""
    rows = [
        MeasurementRow(
            number=number,
            kpi=kpi.code,
            value=value,
            unit=kpi.unit,
            start=start.isoformat(),
            subject=subject,
        )
        for number, (start, value) in enumerate(readings, start=1)
    ]
    return measurements_ingest(
        rows=rows, source=BatchSource.API, actor=None, organization=organization
    )


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content[:2000]
    return response.json()["results"]


# ---------------------------------------------------------------------------- definitions


@pytest.mark.parametrize("role", ["pmo", "policy", "partner"])
def test_every_role_reads_kpis_with_their_targets_per_gate(request, role, gpu, gate):
    KPITargetFactory(kpi=gpu, gate=gate, target_value=80, amber_value=70)
    mid = StageGateFactory(fiscal_year=2028, kind=GateKind.MID_TERM)
    KPITargetFactory(kpi=gpu, gate=mid, target_value=90, amber_value=85)

    body = results(token_client(request.getfixturevalue(role)).get(f"{V1}/kpis/"))

    assert [k["code"] for k in body] == ["gpu_utilization"]
    kpi = body[0]
    assert kpi["owner"] == "sakura"
    assert "id" not in kpi  # a KPI is named by its code, in URLs and references alike
    assert [(t["gate_code"], t["target_value"], t["amber_value"]) for t in kpi["targets"]] == [
        ("FY2027", 80.0, 70.0),
        ("FY2028-MID", 90.0, 85.0),
    ]
    assert kpi["targets"][0]["gate"] == gate.pk


def test_a_kpi_is_addressed_by_its_code(pmo, gpu):
    response = token_client(pmo).get(f"{V1}/kpis/gpu_utilization/")

    assert response.status_code == 200
    assert response.json()["code"] == "gpu_utilization"
    assert_error(token_client(pmo).get(f"{V1}/kpis/no_such_kpi/"), 404, "not_found")


def test_the_kpi_list_reads_targets_in_one_query_whatever_their_number(pmo, gate):
    def queries() -> int:
        client = token_client(pmo)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{V1}/kpis/").status_code == 200
        return len(captured)

    for _ in range(2):
        KPITargetFactory(gate=gate)
    few = queries()
    for _ in range(8):
        KPITargetFactory(gate=gate)
    assert queries() == few


def test_kpis_filter_by_source_owner_and_unit_and_order_by_order_then_code(pmo, gpu, sakura):
    KPIDefinitionFactory(code="a_cost", unit=Unit.JPY, source=KPISource.MANUAL, order=2)
    KPIDefinitionFactory(code="b_power", unit=Unit.PERCENT, source=KPISource.PUSHED, order=1)
    client = token_client(pmo)

    def codes(query: str = "") -> list[str]:
        return [k["code"] for k in results(client.get(f"{V1}/kpis/{query}"))]

    assert codes() == ["b_power", "gpu_utilization", "a_cost"]
    assert codes("?ordering=code") == ["a_cost", "b_power", "gpu_utilization"]
    assert codes("?source=manual") == ["a_cost"]
    assert codes("?owner=sakura") == ["gpu_utilization"]
    assert codes("?unit=percent") == ["b_power", "gpu_utilization"]
    assert_error(client.get(f"{V1}/kpis/?unit=furlongs"), 400, "invalid", field="unit")


def kpi_body(**changes) -> dict:
    body = {
        "code": "power_per_token",
        "name_ja": "トークンあたり電力",
        "name_en": "Power per token",
        "unit": Unit.JOULE_PER_TOKEN,
        "direction": Direction.LOWER_IS_BETTER,
        "aggregation": "mean",
        "combination": "mean",
        "source": KPISource.MANUAL,
        "owner": "jv",
    }
    body.update(changes)
    return body


def test_pmo_defines_and_changes_a_kpi_recorded_in_history_as_theirs(pmo):
    client = token_client(pmo)

    created = client.post(f"{V1}/kpis/", kpi_body(), format="json")

    assert created.status_code == 201, created.content
    assert created.json()["targets"] == []
    kpi = KPIDefinition.objects.get(code="power_per_token")
    assert kpi.owner.code == "jv"
    assert_history_user(kpi, pmo)

    changed = client.patch(
        f"{V1}/kpis/power_per_token/", {"name_en": "Energy per token"}, format="json"
    )

    assert changed.status_code == 200, changed.content
    kpi.refresh_from_db()
    assert kpi.name_en == "Energy per token"
    assert_history_user(kpi, pmo)


def test_the_code_and_unit_of_a_measured_kpi_are_fixed_through_the_api_too(pmo, gpu, sakura):
    push(gpu, sakura, [(month_start(1), 70)])

    response = token_client(pmo).patch(
        f"{V1}/kpis/gpu_utilization/", {"unit": Unit.COUNT}, format="json"
    )

    assert_error(response, 400, "invalid", field="unit")
    gpu.refresh_from_db()
    assert gpu.unit == Unit.PERCENT


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"targets": []}, "targets"),
        ({"owner": "nobody"}, "owner"),
        ({"unit": "furlongs"}, "unit"),
        ({"code": "not a slug"}, "code"),
        ({"code": "gpu_utilization"}, "code"),
    ],
    ids=["unknown-field", "read-only-targets", "unknown-owner", "unknown-unit", "slug", "taken"],
)
def test_a_bad_kpi_is_refused_naming_the_field_and_nothing_is_stored(pmo, gpu, changes, field):
    response = token_client(pmo).post(f"{V1}/kpis/", kpi_body(**changes), format="json")

    assert_error(response, 400, "invalid", field=field)
    assert list(KPIDefinition.objects.values_list("code", flat=True)) == ["gpu_utilization"]


@pytest.mark.parametrize("role", ["policy", "partner"])
def test_only_the_pmo_defines_kpis(request, role, gpu):
    client = token_client(request.getfixturevalue(role))

    assert_error(client.post(f"{V1}/kpis/", kpi_body(), format="json"), 403, "permission_denied")
    response = client.patch(f"{V1}/kpis/gpu_utilization/", {"name_en": "X"}, format="json")
    assert_error(response, 403, "permission_denied")
    assert_error(client.delete(f"{V1}/kpis/gpu_utilization/"), 405, "method_not_allowed")
    gpu.refresh_from_db()
    assert gpu.name_en != "X"
    assert KPIDefinition.objects.count() == 1


# --------------------------------------------------------------------------------- status


@pytest.fixture
def judged(gate, sakura):
    """Three KPIs with targets at the gate (80, amber 70), last month green, amber and red;
    one lower-is-better amber; one without a target; one with a target and no data."""
    kpis = {}
    for order, (code, value) in enumerate(
        [("green_kpi", 85.0), ("amber_kpi", 75.0), ("red_kpi", 60.0)], start=1
    ):
        kpi = KPIDefinitionFactory(code=code, order=order)
        KPITargetFactory(kpi=kpi, gate=gate, target_value=80, amber_value=70)
        push(kpi, sakura, [(month_start(3), 10.0), (month_start(1), value)])
        kpis[code] = kpi
    cost = KPIDefinitionFactory(
        code="cost_kpi", unit=Unit.JPY, direction=Direction.LOWER_IS_BETTER, order=4
    )
    KPITargetFactory(kpi=cost, gate=gate, target_value=100, amber_value=120)
    push(cost, sakura, [(month_start(1), 110.0)])
    untargeted = KPIDefinitionFactory(code="untargeted_kpi", order=5)
    push(untargeted, sakura, [(month_start(1), 50.0)])
    silent = KPIDefinitionFactory(code="silent_kpi", order=6)
    KPITargetFactory(kpi=silent, gate=gate)
    return kpis


def expected_statuses(gate, user) -> list[dict]:
    """What kpis.selectors says, in the API's words."""
    return [
        {
            "kpi": s.kpi.code,
            "target": s.target.target_value if s.target else None,
            "amber": s.target.amber_value if s.target else None,
            "month": s.month.isoformat() if s.month else None,
            "value": s.value,
            "status": s.status,
            "trend": [{"month": month.isoformat(), "value": value} for month, value in s.trend],
        }
        for s in kpi_statuses(gate=gate, kpis=list(kpis_visible_to(user)))
    ]


def comparable(body: dict) -> list[dict]:
    keys = ("kpi", "target", "amber", "month", "value", "status", "trend")
    return [{key: row[key] for key in keys} for row in body["kpis"]]


@pytest.mark.parametrize("role", ["pmo", "policy", "partner"])
def test_status_at_a_gate_is_what_the_selectors_compute_for_every_role(request, role, gate, judged):
    user = request.getfixturevalue(role)

    response = token_client(user).get(f"{V1}/kpis/status/", {"gate": "FY2027"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["gate"] == {
        "id": gate.pk,
        "code": "FY2027",
        "title": gate.title_en,
        "review_date": "2027-12-15",
    }
    assert comparable(body) == expected_statuses(gate, user)
    by_code = {row["kpi"]: row for row in body["kpis"]}
    assert {code: row["status"] for code, row in by_code.items()} == {
        "green_kpi": Status.GREEN,
        "amber_kpi": Status.AMBER,
        "red_kpi": Status.RED,
        "cost_kpi": Status.AMBER,
        "untargeted_kpi": None,
        "silent_kpi": Status.NO_DATA,
    }
    green = by_code["green_kpi"]
    assert (green["target"], green["amber"], green["value"]) == (80.0, 70.0, 85.0)
    assert green["month"] == month_start(1).date().replace(day=1).isoformat()
    assert len(green["trend"]) == 12
    assert green["trend"][-4]["value"] == 10.0
    assert by_code["untargeted_kpi"]["target"] is None


def test_status_defaults_to_the_next_gate_and_takes_a_gate_by_id(pmo, gate, judged):
    StageGateFactory(fiscal_year=2028, kind=GateKind.MID_TERM)
    assert next_gate() == gate
    client = token_client(pmo)

    default = client.get(f"{V1}/kpis/status/").json()
    by_id = client.get(f"{V1}/kpis/status/", {"gate": gate.pk}).json()

    assert default["gate"]["code"] == by_id["gate"]["code"] == "FY2027"
    assert comparable(default) == comparable(by_id) == expected_statuses(gate, pmo)


def test_status_at_another_gate_uses_that_gates_targets(pmo, gate, judged):
    mid = StageGateFactory(fiscal_year=2028, kind=GateKind.MID_TERM)
    KPITargetFactory(kpi=judged["red_kpi"], gate=mid, target_value=50, amber_value=40)

    body = token_client(pmo).get(f"{V1}/kpis/status/", {"gate": "fy2028-mid"}).json()

    by_code = {row["kpi"]: row for row in body["kpis"]}
    assert by_code["red_kpi"]["status"] == Status.GREEN
    assert by_code["green_kpi"]["status"] is None
    assert comparable(body) == expected_statuses(mid, pmo)


@pytest.mark.parametrize("reference", ["FY1999", "FY2027-HALF", "999999", "x" * 100, "0"])
def test_status_at_an_unknown_gate_is_refused_naming_the_gate(pmo, gate, reference):
    response = token_client(pmo).get(f"{V1}/kpis/status/", {"gate": reference})

    body = assert_error(response, 400, "invalid", field="gate")
    assert f"“{reference[:40]}”" in body["message"]


def test_status_without_any_gate_is_a_404(pmo, gpu):
    assert_error(token_client(pmo).get(f"{V1}/kpis/status/"), 404, "not_found")


def test_status_reads_every_kpi_in_a_fixed_number_of_queries(pmo, gate, sakura):
    def queries() -> int:
        client = token_client(pmo)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{V1}/kpis/status/").status_code == 200
        return len(captured)

    def add(count: int) -> None:
        for _ in range(count):
            kpi = KPIDefinitionFactory()
            KPITargetFactory(kpi=kpi, gate=gate)
            push(kpi, sakura, [(month_start(1), 75.0)])

    add(2)
    few = queries()
    add(6)
    assert queries() == few


# --------------------------------------------------------------------------------- series


def test_a_kpis_series_is_its_combined_monthly_values(partner, gpu, sakura, momiji):
    push(gpu, sakura, [(month_start(2), 60.0), (month_start(1), 70.0)], subject="cluster-a")
    push(gpu, momiji, [(month_start(1), 90.0)], subject="cluster-b")

    response = token_client(partner).get(f"{V1}/kpis/gpu_utilization/series/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kpi"], body["unit"], body["subject"]) == ("gpu_utilization", "percent", None)
    assert body["months"] == [
        {"month": month.isoformat(), "value": value} for month, value in kpi_monthly_series(kpi=gpu)
    ]
    assert [m["value"] for m in body["months"]] == [60.0, 80.0]  # mean of the clusters


def test_a_subjects_series_is_every_organizations_for_the_pmo_and_own_for_a_partner(
    pmo, partner, gpu, sakura, momiji
):
    push(gpu, sakura, [(month_start(1), 70.0)], subject="shared")
    push(gpu, momiji, [(month_start(1), 90.0)], subject="shared")
    push(gpu, momiji, [(month_start(2), 50.0)], subject="momiji-only")
    url = f"{V1}/kpis/gpu_utilization/series/"

    def values(user, subject: str) -> list[float]:
        body = token_client(user).get(url, {"subject": subject}).json()
        assert body["subject"] == subject
        return [m["value"] for m in body["months"]]

    assert values(pmo, "shared") == [80.0]
    assert values(partner, "shared") == [70.0]
    assert values(pmo, "momiji-only") == [50.0]
    assert values(partner, "momiji-only") == []


def test_a_series_may_be_bounded_by_month(pmo, gpu, sakura):
    push(gpu, sakura, [(month_start(3), 30.0), (month_start(2), 20.0), (month_start(1), 10.0)])
    first = month_start(2).date().isoformat()
    client = token_client(pmo)

    body = client.get(f"{V1}/kpis/gpu_utilization/series/", {"first": first, "last": first})

    assert [m["value"] for m in body.json()["months"]] == [20.0]
    response = client.get(
        f"{V1}/kpis/gpu_utilization/series/", {"first": "2027-02-01", "last": "2027-01-01"}
    )
    assert_error(response, 400, "invalid", field="last")
    assert_error(client.get(f"{V1}/kpis/nothing/series/"), 404)


# --------------------------------------------------------------------------- measurements


@pytest.fixture
def measured(gpu, sakura, momiji):
    """Two measurements of sakura's (one of them corrected once) and one of momiji's."""
    first = push(gpu, sakura, [(month_start(2), 60.0), (month_start(1), 70.0)], subject="a")
    correction = push(gpu, sakura, [(month_start(1), 72.0)], subject="a")
    other = push(gpu, momiji, [(month_start(1), 90.0)], subject="b")
    return {"first": first.batch, "correction": correction.batch, "other": other.batch}


def test_the_pmo_lists_current_measurements_with_their_kpi_organization_and_batch(pmo, measured):
    body = results(token_client(pmo).get(f"{V1}/measurements/"))

    assert [(m["organization"], m["subject"], m["value"]) for m in body] == [
        ("momiji", "b", 90.0),
        ("sakura", "a", 72.0),
        ("sakura", "a", 60.0),
    ]
    newest = body[0]
    assert (newest["kpi"], newest["unit"], newest["batch"]) == (
        "gpu_utilization",
        "percent",
        measured["other"].pk,
    )
    assert newest["end"] is None
    assert all(m["superseded_by"] is None for m in body)
    correction = Measurement.objects.get(value=72.0)
    assert body[1]["supersedes"] == correction.supersedes_id


def test_superseded_measurements_are_listed_only_when_asked_for(pmo, measured):
    body = results(token_client(pmo).get(f"{V1}/measurements/?include_superseded=true"))

    assert sorted(m["value"] for m in body) == [60.0, 70.0, 72.0, 90.0]
    replaced = next(m for m in body if m["value"] == 70.0)
    assert replaced["superseded_by"] == Measurement.objects.get(value=72.0).pk


def test_a_partner_lists_only_their_own_organizations_measurements(partner, measured):
    body = results(token_client(partner).get(f"{V1}/measurements/?include_superseded=true"))

    assert {m["organization"] for m in body} == {"sakura"}
    assert results(token_client(partner).get(f"{V1}/measurements/?organization=momiji")) == []


def test_policy_staff_read_every_measurement(policy, measured):
    body = results(token_client(policy).get(f"{V1}/measurements/"))

    assert {m["organization"] for m in body} == {"sakura", "momiji"}


def test_measurements_filter_by_kpi_subject_organization_batch_and_start(pmo, measured, gpu):
    other_kpi = KPIDefinitionFactory(code="other_kpi")
    push(other_kpi, measured["first"].organization, [(month_start(1), 5.0)])
    client = token_client(pmo)

    def values(**query) -> list[float]:
        return sorted(m["value"] for m in results(client.get(f"{V1}/measurements/", query)))

    assert values(kpi="other_kpi") == [5.0]
    assert values(kpi="gpu_utilization") == [60.0, 72.0, 90.0]
    assert values(kpi="unknown") == []
    assert values(subject="b") == [90.0]
    assert values(organization="momiji") == [90.0]
    assert values(batch=measured["first"].pk) == [60.0]
    assert values(batch=measured["first"].pk, include_superseded="true") == [60.0, 70.0]
    boundary = month_start(1).isoformat()
    assert values(kpi="gpu_utilization", start__lt=boundary) == [60.0]
    assert values(kpi="gpu_utilization", start__gte=boundary) == [72.0, 90.0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"batch": "first"}, "batch"),
        ({"batch": "1.5"}, "batch"),
        ({"batch": str(10**30)}, "batch"),
        ({"start__gte": "yesterday"}, "start__gte"),
        ({"start__lt": "0001-01-01T00:00:00+14:00"}, "start__lt"),
        ({"subject": "a\x00b"}, "subject"),
    ],
)
def test_a_bad_measurement_filter_is_refused_naming_it(pmo, measured, query, field):
    assert_error(token_client(pmo).get(f"{V1}/measurements/", query), 400, "invalid", field=field)


def test_measurements_come_in_cursor_pages_capped_at_the_maximum_size(settings, pmo, gpu, sakura):
    settings.API_PAGE_SIZE = 3
    settings.API_MAX_PAGE_SIZE = 4
    push(gpu, sakura, [(month_start(1) + dt.timedelta(hours=h), float(h)) for h in range(10)])
    client = token_client(pmo)

    first = client.get(f"{V1}/measurements/", {"page_size": 100})

    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"next", "previous", "results"}  # no count: no COUNT over the table
    assert [m["value"] for m in body["results"]] == [9.0, 8.0, 7.0, 6.0]
    seen = [m["value"] for m in body["results"]]
    url = body["next"]
    while url:
        assert "cursor" in parse_qs(urlsplit(url).query)
        page = client.get(url).json()
        assert len(page["results"]) <= 4
        seen += [m["value"] for m in page["results"]]
        url = page["next"]
    assert seen == [float(h) for h in range(9, -1, -1)]
    assert [m["value"] for m in results(client.get(f"{V1}/measurements/"))] == [9.0, 8.0, 7.0]


def test_a_forged_cursor_is_refused_in_the_error_shape(pmo, measured):
    response = token_client(pmo).get(f"{V1}/measurements/", {"cursor": "not-a-cursor"})

    assert_error(response, 404, "not_found")


def test_listing_measurements_does_not_count_or_grow_its_queries_with_rows(pmo, gpu, sakura):
    def queries() -> list[str]:
        client = token_client(pmo)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{V1}/measurements/").status_code == 200
        return [q["sql"] for q in captured]

    push(gpu, sakura, [(month_start(1) + dt.timedelta(hours=h), 1.0) for h in range(3)])
    few = queries()
    push(gpu, sakura, [(month_start(2) + dt.timedelta(hours=h), 2.0) for h in range(30)])
    many = queries()

    assert len(many) == len(few)
    assert not any("COUNT(" in sql.upper() for sql in many)


def test_the_bulk_post_still_answers_at_the_same_url_beside_the_list(partner, gpu):
    body = {
        "measurements": [
            {"kpi": "gpu_utilization", "at": month_start(1).isoformat(), "value": 1, "unit": "%"}
        ]
    }
    client = token_client(partner)

    assert client.post(f"{V1}/measurements/", body, format="json").status_code == 201
    assert [m["value"] for m in results(client.get(f"{V1}/measurements/"))] == [1.0]
    assert_error(client.put(f"{V1}/measurements/", body, format="json"), 405)


# ------------------------------------------------------------------------- ingest batches


def test_a_partner_sees_only_their_own_organizations_batches(partner, pmo, measured):
    client = token_client(partner)

    body = results(client.get(f"{V1}/ingest-batches/"))

    assert sorted(b["id"] for b in body) == sorted(
        [measured["first"].pk, measured["correction"].pk]
    )
    assert {b["organization"] for b in body} == {"sakura"}
    assert_error(client.get(f"{V1}/ingest-batches/{measured['other'].pk}/"), 404, "not_found")
    assert len(results(token_client(pmo).get(f"{V1}/ingest-batches/"))) == 3


def test_a_batch_says_who_sent_what_how_and_how_many(pmo, partner, gpu):
    body = {
        "measurements": [
            {"kpi": "gpu_utilization", "at": month_start(1).isoformat(), "value": 1, "unit": "%"}
        ]
    }
    sent = token_client(partner).post(f"{V1}/measurements/", body, format="json")
    batch_id = sent.json()["batch"]

    batch = token_client(pmo).get(f"{V1}/ingest-batches/{batch_id}/").json()

    assert batch["submitted_by"] == partner.username
    assert (batch["source"], batch["organization"], batch["row_count"]) == ("api", "sakura", 1)
    assert len(batch["checksum"]) == 64


def test_batches_filter_by_organization_and_source_and_cannot_be_written(pmo, measured):
    client = token_client(pmo)

    assert len(results(client.get(f"{V1}/ingest-batches/", {"organization": "momiji"}))) == 1
    assert results(client.get(f"{V1}/ingest-batches/", {"source": "file"})) == []
    batch = measured["first"]
    response = client.post(f"{V1}/ingest-batches/", {}, format="json")
    assert response.status_code == 405, response.content
    response = client.patch(f"{V1}/ingest-batches/{batch.pk}/", {"row_count": 0}, format="json")
    assert response.status_code == 405, response.content
    batch.refresh_from_db()
    assert batch.row_count == 2


# ------------------------------------------------------------------------------ incidents


def incident_body(**changes) -> dict:
    body = {
        "occurred_on": "2026-10-01",
        "severity": 3,
        "organization": "sakura",
        "title": "冷却系統の停止",
        "description": "GPUクラスタの冷却が30分停止した。",
    }
    body.update(changes)
    return body


def test_a_partner_records_their_own_incident_recorded_in_history_as_theirs(partner):
    client = token_client(partner)

    response = client.post(f"{V1}/incidents/", incident_body(), format="json")

    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.organization.code == "sakura"
    assert_history_user(incident, partner)

    response = client.patch(
        f"{V1}/incidents/{incident.pk}/",
        {"resolved_on": "2026-10-02", "corrective_action": "予備系へ切替"},
        format="json",
    )

    assert response.status_code == 200, response.content
    incident.refresh_from_db()
    assert incident.resolved_on == dt.date(2026, 10, 2)
    assert_history_user(incident, partner)


def test_a_partner_may_not_record_an_incident_for_another_organization(partner, momiji):
    response = token_client(partner).post(
        f"{V1}/incidents/", incident_body(organization="momiji"), format="json"
    )

    assert_error(response, 400, "invalid", field="organization")
    assert not Incident.objects.exists()


def test_another_organizations_incident_is_a_404_to_a_partner_on_read_and_write(partner, momiji):
    other = IncidentFactory(organization=momiji, title="他社の事故")
    client = token_client(partner)

    assert results(client.get(f"{V1}/incidents/")) == []
    assert_error(client.get(f"{V1}/incidents/{other.pk}/"), 404, "not_found")
    response = client.patch(f"{V1}/incidents/{other.pk}/", {"title": "mine"}, format="json")
    assert_error(response, 404, "not_found")
    response = client.put(f"{V1}/incidents/{other.pk}/", incident_body(), format="json")
    assert_error(response, 404, "not_found")
    other.refresh_from_db()
    assert (other.title, other.organization) == ("他社の事故", momiji)


def test_a_partner_may_not_move_their_incident_to_another_organization(partner, sakura, momiji):
    own = IncidentFactory(organization=sakura)

    response = token_client(partner).patch(
        f"{V1}/incidents/{own.pk}/", {"organization": "momiji"}, format="json"
    )

    assert_error(response, 400, "invalid", field="organization")
    own.refresh_from_db()
    assert own.organization == sakura


def test_policy_staff_read_every_incident_and_change_none(policy, sakura, momiji):
    own = IncidentFactory(organization=sakura, title="元の題")
    IncidentFactory(organization=momiji)
    client = token_client(policy)

    assert len(results(client.get(f"{V1}/incidents/"))) == 2
    assert client.get(f"{V1}/incidents/{own.pk}/").status_code == 200
    response = client.post(f"{V1}/incidents/", incident_body(), format="json")
    assert_error(response, 403, "permission_denied")
    response = client.patch(f"{V1}/incidents/{own.pk}/", {"title": "x"}, format="json")
    assert_error(response, 403, "permission_denied")
    assert_error(client.delete(f"{V1}/incidents/{own.pk}/"), 405, "method_not_allowed")
    own.refresh_from_db()
    assert own.title == "元の題"
    assert Incident.objects.count() == 2


def test_the_pmo_records_an_incident_for_any_organization(pmo, momiji):
    response = token_client(pmo).post(
        f"{V1}/incidents/", incident_body(organization="momiji", severity=5), format="json"
    )

    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert (incident.organization, incident.severity) == (momiji, 5)
    assert_history_user(incident, pmo)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"severity": 6}, "severity"),
        # The model's constraint, checked by full_clean, names no field.
        ({"resolved_on": "2026-09-30"}, "resolved_on"),
        ({"title": "x" * 201}, "title"),
        ({"occurred_on": "not a date"}, "occurred_on"),
        ({"reporter": "me"}, "reporter"),
    ],
)
def test_a_bad_incident_is_refused_naming_the_field(pmo, sakura, changes, field):
    response = token_client(pmo).post(f"{V1}/incidents/", incident_body(**changes), format="json")

    assert_error(response, 400, "invalid", field=field)
    assert not Incident.objects.exists()


def test_incidents_filter_by_organization_severity_date_and_resolution(pmo, sakura, momiji):
    IncidentFactory(organization=sakura, severity=1, occurred_on=dt.date(2026, 4, 1))
    IncidentFactory(
        organization=sakura,
        severity=4,
        occurred_on=dt.date(2026, 6, 1),
        resolved_on=dt.date(2026, 6, 2),
    )
    IncidentFactory(organization=momiji, severity=5, occurred_on=dt.date(2026, 8, 1))
    client = token_client(pmo)

    def severities(**query) -> list[int]:
        return sorted(i["severity"] for i in results(client.get(f"{V1}/incidents/", query)))

    assert severities() == [1, 4, 5]
    assert severities(organization="sakura") == [1, 4]
    assert severities(severity=4) == [4]
    assert severities(severity__gte=4) == [4, 5]
    assert severities(occurred_on__gte="2026-05-01", occurred_on__lte="2026-07-31") == [4]
    assert severities(resolved="true") == [4]
    assert severities(resolved="false") == [1, 5]
    newest_first = [i["occurred_on"] for i in results(client.get(f"{V1}/incidents/"))]
    assert newest_first == ["2026-08-01", "2026-06-01", "2026-04-01"]


def test_the_subject_series_selector_applies_the_role_rules_itself(
    pmo, policy, partner, gpu, sakura, momiji
):
    from kpis.selectors import kpi_subject_monthly_series

    push(gpu, sakura, [(month_start(1), 70.0)], subject="shared")
    push(gpu, momiji, [(month_start(1), 90.0)], subject="shared")
    inactive = PMOUserFactory(is_active=False)

    def values(user) -> list[float]:
        series = kpi_subject_monthly_series(kpi=gpu, subject="shared", user=user)
        return [value for _month, value in series]

    assert values(pmo) == values(policy) == [80.0]
    assert values(partner) == [70.0]
    assert values(inactive) == []


def test_a_kpi_may_not_be_coded_like_an_action_of_the_collection(pmo):
    response = token_client(pmo).post(
        f"{V1}/kpis/",
        {
            "code": "status",
            "name_ja": "状態",
            "name_en": "Status",
            "unit": "percent",
            "direction": "higher",
            "aggregation": "mean",
            "combination": "mean",
            "source": "pushed",
            "owner": pmo.organization.code,
        },
        format="json",
    )

    assert_error(response, 400, "invalid", field="code")
    assert not KPIDefinition.objects.filter(code="status").exists()
