"""Every role × every API operation × (where it matters) the partner's own object or
another organization's → the status the role gets, from one table.

The table's keys must be exactly the operations of the generated schema: an operation
added without a row, or a row left after its operation went, fails
``test_the_table_has_a_row_for_every_operation_of_the_schema``.

A write the role may make is sent with a minimal valid body, so its 2xx proves the
permission and not merely the absence of a check; a write it may not make is sent the same
body and refused 403 when the role sees the object or collection, 404 when it cannot see
the object ("an object a user may not see is a 404, not a 403"). Every refusal is in the
API's one error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import models

from jvtracker.models import User
from tests.api import assert_error
from tests.api.operations import operations, path_parameters
from tests.api.world import PASSWORD, World
from tests.pdfs import pdf_upload

pytestmark = pytest.mark.django_db

AT = "2026-04-02T09:00:00+09:00"

# (world, acting user or None, the object of the path or None) -> the request body.
Body = Callable[[World, User | None, models.Model | None], object]


@dataclass(frozen=True)
class Multipart:
    """A body sent as multipart/form-data (a file upload), not JSON."""

    fields: dict


@dataclass(frozen=True)
class Expect:
    """The status each role gets. On an object route (``obj`` names the kind of object in
    the world), the PMO, policy staff and ``partner`` act on the partner's own
    organization's object (or the one shared object); ``partner_other`` is the partner on
    the other organization's object, where partners are confined to their own."""

    anonymous: int
    pmo: int
    policy: int
    partner: int
    partner_other: int | None = None
    obj: str | None = None
    body: Body | None = None


def _token_body(world: World, user: User | None, obj) -> dict:
    # Anyone may trade a username and password for a token; the anonymous use a partner's.
    return {"username": (user or world.users["partner"]).username, "password": PASSWORD}


def _own_code(world: World, user: User | None) -> str:
    """The organization a write names: the acting partner's own, else partner a's."""
    if user is not None and user.is_partner:
        return user.organization.code
    return world.organizations["a"].code


def _measurements_body(world: World, user: User | None, obj) -> dict:
    return {"measurements": [{"kpi": "gpu_utilization", "at": AT, "value": 71.5, "unit": "%"}]}


def _organization_body(world: World, user: User | None, obj) -> dict:
    return {
        "code": "newco",
        "name_ja": "新会社",
        "name_en": "NewCo",
        "kind": "minority_backer",
        "industry": "steel",
    }


def _dataset_body(world: World, user: User | None, obj) -> dict:
    return {
        "code": "new-dataset",
        "name_ja": "新しいデータ",
        "name_en": "New data",
        "provider": _own_code(world, user),
        "tier": "public",
        "industry": "mobility",
        "storage_location": "domestic_cloud",
    }


def _template_body(world: World, user: User | None, obj) -> dict:
    return {
        "code": "secret-creation",
        "contract_type": "creation",
        "tier": "secret",
        "title_ja": "秘匿データ創出契約",
        "title_en": "Secret data creation",
        "redistribution_ja": "再配布しない。",
        "redistribution_en": "No redistribution.",
        "ip_attribution_ja": "提供者に帰属する。",
        "ip_attribution_en": "Stays with the provider.",
        "synthetic_conversion_ja": "シミュレーション",
        "synthetic_conversion_en": "Simulation",
        "permitted_uses": ["synthetic_derivation"],
        "retention_ja": "30日",
        "retention_en": "30 days",
        "storage_ja": "提供者施設内",
        "storage_en": "On the provider's premises",
    }


def _contract_body(world: World, user: User | None, obj) -> dict:
    code = _own_code(world, user)
    key = "a" if code == world.organizations["a"].code else "b"
    template = world.own("template")
    return {
        "title": "走行ログ提供契約",
        "provider": code,
        "template": template.pk,
        "datasets": [world.rows["dataset"][key].code],
        "permitted_uses": list(template.permitted_uses),
        "effective_date": "2026-06-01",
        "expiry_date": "2028-05-31",
    }


def _document_body(world: World, user: User | None, obj) -> Multipart:
    return Multipart({"file": pdf_upload("署名済み.pdf")})


def _artifact_body(world: World, user: User | None, obj) -> dict:
    return {
        "code": "artifact-new",
        "name_ja": "新モデル",
        "name_en": "New model",
        "kind": "base_model",
        "responsible": "jv",
    }


def _run_body(world: World, user: User | None, obj) -> dict:
    return {
        "code": "run-new",
        "purpose": "base_pretraining",
        "target": world.own("artifact").code,
        "started_on": "2027-02-01",
        "responsible": "jv",
    }


def _milestone_body(world: World, user: User | None, obj) -> dict:
    return {
        "code": "milestone-new",
        "track": world.own("milestone").track.code,
        "title_ja": "新しいマイルストーン",
        "title_en": "New milestone",
        "due_date": "2027-12-31",
        "owner": _own_code(world, user),
    }


def _risk_body(world: World, user: User | None, obj) -> dict:
    return {
        "code": "risk-new",
        "category": "talent",
        "title_ja": "人材",
        "title_en": "Talent",
        "likelihood": 2,
        "impact": 3,
        "owner": _own_code(world, user),
        "review_date": "2027-06-30",
    }


def _gate_body(world: World, user: User | None, obj) -> dict:
    return {
        "fiscal_year": 2028,
        "kind": "annual",
        "title_ja": "2028年度ステージゲート評価",
        "title_en": "FY2028 stage gate",
        "review_date": "2028-12-15",
    }


def _kpi_body(world: World, user: User | None, obj) -> dict:
    return {
        "code": "power_per_token",
        "name_ja": "トークンあたり電力",
        "name_en": "Power per token",
        "unit": "j_per_token",
        "direction": "lower",
        "aggregation": "mean",
        "combination": "mean",
        "source": "manual",
        "owner": "jv",
    }


def _incident_body(world: World, user: User | None, obj) -> dict:
    return {
        "occurred_on": "2026-10-01",
        "severity": 3,
        "organization": _own_code(world, user),
        "title": "冷却系統の停止",
        "description": "GPUクラスタの冷却が30分停止した。",
    }


def _report_body(world: World, user: User | None, obj) -> dict:
    return {"kind": "stage_gate", "gate": world.own("gate").code, "as_of": "2026-06-30"}


def _fields(**fields) -> Body:
    return lambda world, user, obj: dict(fields)


# PUT sends the object back as the PMO reads it, its writable fields only (the request
# component of the schema), so a 2xx proves the whole representation round-trips.
PUT = _fields()  # a marker, replaced in _send


V1 = "/api/v1"
# fmt: off
TABLE: dict[tuple[str, str], Expect] = {
    # ---- tokens and the signed-in user
    ("POST", f"{V1}/auth/token/"): Expect(201, 201, 201, 201, body=_token_body),
    ("DELETE", f"{V1}/auth/token/"): Expect(401, 204, 204, 204),
    ("GET", f"{V1}/auth/tokens/"): Expect(401, 200, 200, 200),
    # Tokens are personal: only their holder may revoke one, the PMO included.
    ("DELETE", f"{V1}/auth/tokens/{{token_key}}/"): Expect(401, 404, 404, 204, 404, obj="token"),
    ("GET", f"{V1}/me/"): Expect(401, 200, 200, 200),
    # ---- organizations: the PMO records them; a partner sees their own only
    ("GET", f"{V1}/organizations/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/organizations/"): Expect(401, 201, 403, 403, body=_organization_body),
    ("GET", f"{V1}/organizations/{{id}}/"): Expect(401, 200, 200, 200, 404, obj="organization"),
    ("PUT", f"{V1}/organizations/{{id}}/"): Expect(
        401, 200, 403, 403, 404, obj="organization", body=PUT),
    ("PATCH", f"{V1}/organizations/{{id}}/"): Expect(
        401, 200, 403, 403, 404, obj="organization", body=_fields(name_en="Renamed")),
    # ---- milestones and stage gates: everyone reads the programme; the PMO writes it
    ("GET", f"{V1}/milestones/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/milestones/"): Expect(401, 201, 403, 403, body=_milestone_body),
    ("GET", f"{V1}/milestones/{{id}}/"): Expect(401, 200, 200, 200, obj="milestone"),
    ("PUT", f"{V1}/milestones/{{id}}/"): Expect(401, 200, 403, 403, obj="milestone", body=PUT),
    ("PATCH", f"{V1}/milestones/{{id}}/"): Expect(
        401, 200, 403, 403, obj="milestone", body=_fields(title_en="Renamed")),
    ("GET", f"{V1}/stage-gates/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/stage-gates/"): Expect(401, 201, 403, 403, body=_gate_body),
    ("GET", f"{V1}/stage-gates/{{id}}/"): Expect(401, 200, 200, 200, obj="gate"),
    ("PUT", f"{V1}/stage-gates/{{id}}/"): Expect(401, 200, 403, 403, obj="gate", body=PUT),
    ("PATCH", f"{V1}/stage-gates/{{id}}/"): Expect(
        401, 200, 403, 403, obj="gate", body=_fields(title_en="Renamed")),
    ("POST", f"{V1}/stage-gates/{{id}}/decide/"): Expect(
        401, 200, 403, 403, obj="gate",
        body=_fields(decision="continue", rationale="Targets met.", decision_date="2027-12-20")),
    # ---- risks: the PMO's and policy staff's; partners see none
    ("GET", f"{V1}/risks/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/risks/"): Expect(401, 201, 403, 403, body=_risk_body),
    ("GET", f"{V1}/risks/{{id}}/"): Expect(401, 200, 200, 404, obj="risk"),
    ("PUT", f"{V1}/risks/{{id}}/"): Expect(401, 200, 403, 404, obj="risk", body=PUT),
    ("PATCH", f"{V1}/risks/{{id}}/"): Expect(
        401, 200, 403, 404, obj="risk", body=_fields(likelihood=4)),
    # ---- datasets: a partner's own organization's, created and changed by them
    ("GET", f"{V1}/datasets/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/datasets/"): Expect(401, 201, 403, 201, body=_dataset_body),
    ("GET", f"{V1}/datasets/{{id}}/"): Expect(401, 200, 200, 200, 404, obj="dataset"),
    ("PUT", f"{V1}/datasets/{{id}}/"): Expect(401, 200, 403, 200, 404, obj="dataset", body=PUT),
    ("PATCH", f"{V1}/datasets/{{id}}/"): Expect(
        401, 200, 403, 200, 404, obj="dataset", body=_fields(name_en="Renamed")),
    # Approving a conversion is the PMO's (a rule of the service, which partners reach).
    ("POST", f"{V1}/datasets/{{id}}/approve-conversion/"): Expect(
        401, 200, 403, 403, 404, obj="dataset_derived"),
    # ---- contract templates: published versions for everyone, drafts the PMO's alone
    ("GET", f"{V1}/contract-templates/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/contract-templates/"): Expect(401, 201, 403, 403, body=_template_body),
    ("GET", f"{V1}/contract-templates/{{id}}/"): Expect(401, 200, 200, 200, obj="template"),
    ("PUT", f"{V1}/contract-templates/{{id}}/"): Expect(
        401, 200, 404, 404, obj="template_draft", body=PUT),
    ("PATCH", f"{V1}/contract-templates/{{id}}/"): Expect(
        401, 200, 404, 404, obj="template_draft", body=_fields(title_en="Renamed")),
    ("GET", f"{V1}/contract-templates/{{id}}/document/"): Expect(
        401, 200, 200, 200, obj="template"),
    ("POST", f"{V1}/contract-templates/{{id}}/new-version/"): Expect(
        401, 201, 403, 403, obj="template"),
    ("POST", f"{V1}/contract-templates/{{id}}/publish/"): Expect(
        401, 200, 404, 404, obj="template_draft"),
    # ---- contracts: a partner's own, drafted, uploaded and submitted by them; the PMO
    # decides
    ("GET", f"{V1}/contracts/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/contracts/"): Expect(401, 201, 403, 201, body=_contract_body),
    ("GET", f"{V1}/contracts/{{id}}/"): Expect(401, 200, 200, 200, 404, obj="contract"),
    ("PUT", f"{V1}/contracts/{{id}}/"): Expect(
        401, 200, 403, 200, 404, obj="contract", body=PUT),
    ("PATCH", f"{V1}/contracts/{{id}}/"): Expect(
        401, 200, 403, 200, 404, obj="contract", body=_fields(title="改題")),
    ("GET", f"{V1}/contracts/{{id}}/document/"): Expect(401, 200, 200, 200, 404, obj="contract"),
    ("POST", f"{V1}/contracts/{{id}}/document/"): Expect(
        401, 201, 403, 201, 404, obj="contract", body=_document_body),
    ("POST", f"{V1}/contracts/{{id}}/submit/"): Expect(401, 200, 403, 200, 404, obj="contract"),
    ("POST", f"{V1}/contracts/{{id}}/start-review/"): Expect(
        401, 200, 403, 403, 404, obj="contract_submitted"),
    ("POST", f"{V1}/contracts/{{id}}/reject/"): Expect(
        401, 200, 403, 403, 404, obj="contract_submitted", body=_fields(reason="印影が不鮮明")),
    ("POST", f"{V1}/contracts/{{id}}/approve-deviation/"): Expect(
        401, 200, 403, 403, 404, obj="contract_deviating"),
    ("POST", f"{V1}/contracts/{{id}}/approve/"): Expect(
        401, 200, 403, 403, 404, obj="contract_under_review", body=_fields(note="確認済み")),
    ("POST", f"{V1}/contracts/{{id}}/terminate/"): Expect(
        401, 200, 403, 403, 404, obj="contract_active", body=_fields(reason="提供者の撤退")),
    # ---- lineage: the PMO's and policy staff's; partners see none
    ("GET", f"{V1}/model-artifacts/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/model-artifacts/"): Expect(401, 201, 403, 403, body=_artifact_body),
    ("GET", f"{V1}/model-artifacts/{{id}}/"): Expect(401, 200, 200, 404, obj="artifact"),
    ("PUT", f"{V1}/model-artifacts/{{id}}/"): Expect(
        401, 200, 403, 404, obj="artifact", body=PUT),
    ("PATCH", f"{V1}/model-artifacts/{{id}}/"): Expect(
        401, 200, 403, 404, obj="artifact", body=_fields(name_en="Renamed")),
    ("GET", f"{V1}/model-artifacts/{{id}}/lineage/"): Expect(401, 200, 200, 404, obj="artifact"),
    ("GET", f"{V1}/training-runs/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/training-runs/"): Expect(401, 201, 403, 403, body=_run_body),
    ("GET", f"{V1}/training-runs/{{id}}/"): Expect(401, 200, 200, 404, obj="run"),
    ("PUT", f"{V1}/training-runs/{{id}}/"): Expect(401, 200, 403, 404, obj="run", body=PUT),
    ("PATCH", f"{V1}/training-runs/{{id}}/"): Expect(
        401, 200, 403, 404, obj="run", body=_fields(notes="Finished early.")),
    # ---- KPIs: the programme's, read by everyone, defined by the PMO
    ("GET", f"{V1}/kpis/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/kpis/"): Expect(401, 201, 403, 403, body=_kpi_body),
    ("GET", f"{V1}/kpis/{{code}}/"): Expect(401, 200, 200, 200, obj="kpi"),
    ("PUT", f"{V1}/kpis/{{code}}/"): Expect(401, 200, 403, 403, obj="kpi", body=PUT),
    ("PATCH", f"{V1}/kpis/{{code}}/"): Expect(
        401, 200, 403, 403, obj="kpi", body=_fields(name_en="Renamed")),
    ("GET", f"{V1}/kpis/status/"): Expect(401, 200, 200, 200),
    ("GET", f"{V1}/kpis/{{code}}/series/"): Expect(401, 200, 200, 200, obj="kpi"),
    # ---- measurements and their batches: a partner's own organization's, pushed by them
    ("GET", f"{V1}/measurements/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/measurements/"): Expect(401, 201, 403, 201, body=_measurements_body),
    ("GET", f"{V1}/ingest-batches/"): Expect(401, 200, 200, 200),
    ("GET", f"{V1}/ingest-batches/{{id}}/"): Expect(401, 200, 200, 200, 404, obj="batch"),
    # ---- incidents: a partner's own organization's, recorded and updated by them
    ("GET", f"{V1}/incidents/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/incidents/"): Expect(401, 201, 403, 201, body=_incident_body),
    ("GET", f"{V1}/incidents/{{id}}/"): Expect(401, 200, 200, 200, 404, obj="incident"),
    ("PUT", f"{V1}/incidents/{{id}}/"): Expect(
        401, 200, 403, 200, 404, obj="incident", body=PUT),
    ("PATCH", f"{V1}/incidents/{{id}}/"): Expect(
        401, 200, 403, 200, 404, obj="incident", body=_fields(corrective_action="冷却系統を更新")),
    # ---- reports: requested and downloaded by the PMO and policy staff; partners see none
    ("GET", f"{V1}/reports/"): Expect(401, 200, 200, 200),
    ("POST", f"{V1}/reports/"): Expect(401, 202, 202, 403, body=_report_body),
    ("GET", f"{V1}/reports/{{id}}/"): Expect(401, 200, 200, 404, obj="report"),
    ("GET", f"{V1}/reports/{{id}}/download/"): Expect(401, 200, 200, 404, obj="report"),
}
# fmt: on


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    role: str
    other: bool  # the partner on another organization's object
    status: int

    def __str__(self) -> str:
        return f"{self.role}{'-other' if self.other else ''}-{self.method} {self.path}"


def _cases() -> list[Case]:
    cases = []
    for (method, path), expect in TABLE.items():
        for role in ("anonymous", "pmo", "policy", "partner"):
            cases.append(Case(method, path, role, False, getattr(expect, role)))
        if expect.partner_other is not None:
            cases.append(Case(method, path, "partner", True, expect.partner_other))
    return cases


CASES = _cases()


def _url(path: str, obj: models.Model | None) -> str:
    url = path
    for name in path_parameters(path):
        assert obj is not None, f"{path} needs an object: give its row obj="
        value = obj.pk if name == "id" else getattr(obj, name)
        url = url.replace(f"{{{name}}}", str(value))
    return url


def _writable(schema: dict, method: str, path: str) -> set[str]:
    """The fields the operation's request body takes, from its request component."""
    operation = schema["paths"][path][method.lower()]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return {name for name, field in component["properties"].items() if not field.get("readOnly")}


def _send(world: World, schema: dict, case: Case):
    expect = TABLE[(case.method, case.path)]
    obj = None
    if expect.obj is not None:
        obj = world.other(expect.obj) if case.other else world.own(expect.obj)
    user = world.user(case.role)
    url = _url(case.path, obj)
    send = getattr(world.client(case.role), case.method.lower())
    if expect.body is None:
        return send(url)
    if expect.body is PUT:
        representation = world.client("pmo").get(url)
        assert representation.status_code == 200, representation.content[:2000]
        fields = _writable(schema, case.method, case.path)
        body = {k: v for k, v in representation.json().items() if k in fields}
    else:
        body = expect.body(world, user, obj)
    if isinstance(body, Multipart):
        return send(url, body.fields, format="multipart")
    return send(url, body, format="json")


def test_the_table_has_a_row_for_every_operation_of_the_schema(api_schema):
    in_schema = set(operations(api_schema))
    in_table = set(TABLE)
    assert not in_schema - in_table, (
        f"operations without a row in TABLE: {sorted(in_schema - in_table)}"
    )
    assert not in_table - in_schema, (
        f"rows of TABLE for no operation of the schema: {sorted(in_table - in_schema)}"
    )


def test_every_operation_taking_a_body_is_sent_one(api_schema):
    """A 2xx for a write sent without its body would prove nothing about the permission."""
    for key, operation in operations(api_schema).items():
        if operation.get("requestBody", {}).get("required"):
            assert TABLE[key].body is not None, f"{key} takes a body: give its row body="


@pytest.mark.parametrize("case", CASES, ids=str)
def test_role_gets_the_status_of_the_table(world, api_schema, case):
    response = _send(world, api_schema, case)
    if case.status >= 400:
        assert_error(response, case.status)
    else:
        assert response.status_code == case.status, (
            case.status,
            response.status_code,
            response.content[:2000],
        )
