"""What the fuzzer found the API reading as something the client did not send, now
refused with a 400 naming the parameter or field (and changing nothing):

- a page or page size that is not a whole number from 1, given twice, or given empty;
- a filter given twice or empty, a yes/no filter given anything but true or false, a
  year or id filter given a fraction or a number no database holds;
- a query serializer's parameter given twice or empty (where it takes no blank);
- a JSON value of another type than the schema gives the field (12 for text, "3" for a
  number, "true" for a boolean, 12.5 for a decimal, which the API exchanges as text).
"""

from __future__ import annotations

import pytest

from jvtracker.models import Organization
from milestones.models import GateCriterion
from tests.api import assert_error
from tests.api.world import World

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


def _get(world: World, url: str, query: dict | list | None = None, role: str = "pmo"):
    return world.client(role).get(url, query)


# ------------------------------------------------------------------------ pagination


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "null", "١٢"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_a_400(world, value):
    assert_error(_get(world, f"{V1}/datasets/", {"page_size": value}), 400, field="page_size")


@pytest.mark.parametrize("name", ["page", "page_size"])
def test_a_page_parameter_given_twice_or_empty_is_a_400(world, name):
    assert_error(_get(world, f"{V1}/datasets/", {name: ["1", "2"]}), 400, field=name)
    assert_error(_get(world, f"{V1}/datasets/", {name: ""}), 400, field=name)


def test_a_page_past_the_last_is_a_404_and_a_large_page_size_is_capped(world):
    assert_error(_get(world, f"{V1}/datasets/", {"page": "99"}), 404, "not_found")
    response = _get(world, f"{V1}/datasets/", {"page_size": "100000"})
    assert response.status_code == 200, response.content[:500]


def test_a_cursor_page_size_is_held_to_the_same_rules(world):
    assert_error(_get(world, f"{V1}/measurements/", {"page_size": "-1"}), 400, field="page_size")
    assert _get(world, f"{V1}/measurements/", {"page_size": "1"}).status_code == 200


# --------------------------------------------------------------------------- filters


def test_a_yes_no_filter_takes_true_or_false_only(world):
    body = assert_error(
        _get(world, f"{V1}/organizations/", {"provides_data": "maybe"}),
        400,
        field="provides_data",
    )
    assert "true or false" in body["message"]
    assert _get(world, f"{V1}/organizations/", {"provides_data": "true"}).status_code == 200


def test_a_filter_given_twice_or_empty_is_a_400(world):
    assert_error(_get(world, f"{V1}/datasets/", {"tier": ["public", "secret"]}), 400, field="tier")
    assert_error(_get(world, f"{V1}/datasets/", {"tier": ""}), 400, field="tier")


def test_a_range_filters_suffixed_parameters_are_held_to_the_same_rules(world):
    assert_error(
        _get(world, f"{V1}/contracts/", {"expiry_date_before": ""}),
        400,
        field="expiry_date_before",
    )
    response = _get(world, f"{V1}/contracts/", {"expiry_date_before": "2030-01-01"})
    assert response.status_code == 200


def test_the_ordering_is_given_once(world):
    assert_error(
        _get(world, f"{V1}/datasets/", {"ordering": ["code", "tier"]}), 400, field="ordering"
    )


@pytest.mark.parametrize("value", ["2027.5", "0", "99999999999999999999"])
def test_a_fiscal_year_filter_takes_a_whole_year(world, value):
    assert_error(
        _get(world, f"{V1}/stage-gates/", {"fiscal_year": value}), 400, field="fiscal_year"
    )


@pytest.mark.parametrize("value", ["1.5", "0", "99999999999999999999999"])
def test_a_template_filter_takes_an_id_a_database_can_hold(world, value):
    assert_error(_get(world, f"{V1}/contracts/", {"template": value}), 400, field="template")


def test_a_measurement_filter_given_empty_is_a_400(world):
    assert_error(_get(world, f"{V1}/measurements/", {"start__lt": ""}), 400, field="start__lt")


# ------------------------------------------------------------------ query serializers


def test_a_document_parameter_given_empty_or_twice_is_a_400(world):
    url = f"{V1}/contract-templates/{world.own('template').pk}/document/"
    assert_error(_get(world, url, {"format": ""}), 400, field="format")
    assert_error(_get(world, url, {"format": ["pdf", "html"]}), 400, field="format")


def test_a_gate_status_asked_with_an_empty_gate_is_a_400(world):
    assert_error(_get(world, f"{V1}/kpis/status/", {"gate": ""}), 400, field="gate")


# ---------------------------------------------------------------------- body types


def _organization(**changes) -> dict:
    return {
        "code": "newco",
        "name_ja": "新会社",
        "name_en": "NewCo",
        "kind": "minority_backer",
        "industry": "steel",
        **changes,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name_en", 12),
        ("equity_share", 12.5),
        ("provides_data", "true"),
        ("provides_data", 1),
        ("kind", 3),
        ("code", ["newco"]),
    ],
)
def test_a_value_of_the_wrong_json_type_is_a_400_and_stores_nothing(world, field, value):
    response = world.client("pmo").post(
        f"{V1}/organizations/", _organization(**{field: value}), format="json"
    )
    assert_error(response, 400, "invalid", field=field)
    assert not Organization.objects.filter(code="newco").exists()


def test_a_decimal_written_as_text_is_taken(world):
    response = world.client("pmo").post(
        f"{V1}/organizations/", _organization(equity_share="12.50"), format="json"
    )
    assert response.status_code == 201, response.content[:500]


def test_every_other_fields_error_is_named_beside_a_wrong_type(world):
    response = world.client("pmo").post(
        f"{V1}/organizations/",
        _organization(provides_data="maybe", equity_share="a lot", kind=3),
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert {e["field"] for e in body["errors"]} == {"provides_data", "equity_share", "kind"}


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("risks/{risk}/", {"likelihood": "3"}, "likelihood"),
        ("risks/{risk}/", {"owner": 0}, "owner"),
        ("contracts/{contract}/", {"template": "1"}, "template"),
        ("contracts/{contract}/", {"datasets": [1]}, "datasets"),
        ("contracts/{contract}/reject/", {"reason": 0}, "reason"),
    ],
)
def test_references_numbers_and_text_take_their_own_json_type(world, url, body, field):
    objects = {
        "risk": world.own("risk").pk,
        "contract": world.own("contract").pk,
    }
    method = "post" if url.endswith("reject/") else "patch"
    if method == "post":
        objects["contract"] = world.own("contract_submitted").pk
    response = getattr(world.client("pmo"), method)(
        f"{V1}/{url.format(**objects)}", body, format="json"
    )
    assert_error(response, 400, "invalid", field=field)


# ------------------------------------------------------------------------ responses


def test_a_gate_criterion_without_a_kpi_reads_as_null(world):
    gate = world.own("gate")
    GateCriterion.objects.filter(gate=gate).update(kpi=None)
    criteria = _get(world, f"{V1}/stage-gates/{gate.pk}/").json()["criteria"]
    assert criteria and all(criterion["kpi"] is None for criterion in criteria)


def test_an_instant_with_an_offset_postgresql_refuses_is_read_in_utc(world):
    # ISO 8601 allows offsets to ±23:59, PostgreSQL only to ±15:59: this was a 500 there.
    response = _get(world, f"{V1}/ingest-batches/", {"received_at__gte": "2027-01-01T00:00+22:50"})
    assert response.status_code == 200, response.content[:500]


@pytest.mark.parametrize("position", ["abc", "1.5", "%00", "99999999999999999999"])
def test_a_forged_measurement_cursor_is_a_404_not_a_server_error(world, position):
    import base64

    cursor = base64.b64encode(f"p={position}".encode()).decode()
    assert_error(_get(world, "/api/v1/measurements/", {"cursor": cursor}), 404, "not_found")


@pytest.mark.parametrize("ordering", ["nonsense", "-notes", "code,", "reference,title"])
def test_an_ordering_the_list_does_not_offer_is_a_400_naming_ordering(world, ordering):
    response = _get(world, "/api/v1/contracts/", {"ordering": ordering})

    assert_error(response, 400, "invalid", field="ordering")


def test_too_many_multipart_fields_answer_the_error_shape(world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = {f"field{n}": "x" for n in range(10)}

    draft = world.rows["contract"]["a"]

    response = world.client("pmo").post(
        f"/api/v1/contracts/{draft.pk}/document/", body, format="multipart"
    )

    assert_error(response, 400, "too_large")
