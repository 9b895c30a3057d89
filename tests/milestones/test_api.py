"""/api/v1/milestones/, /api/v1/stage-gates/ and /api/v1/risks/: every role reads the
programme (partners included), only the PMO records it, partners see no risks, and every
write goes through the services and names its user in history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jvtracker.choices import OrganizationKind
from kpis.selectors import criterion_kpi_met
from milestones.choices import (
    CriterionAssessment,
    EvaluationAxis,
    GateDecision,
    GateKind,
    MilestoneStatus,
    RiskCategory,
    RiskStatus,
)
from milestones.models import Milestone, Risk, StageGate
from milestones.selectors import milestones_visible_to, risks_visible_to, stage_gates_visible_to
from tests.api import assert_error, assert_history_user, token_client
from tests.factories import (
    GateConditionFactory,
    GateCriterionFactory,
    KPIDefinitionFactory,
    KPITargetFactory,
    MilestoneFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    ProgrammeFactory,
    RiskFactory,
    StageGateFactory,
    TrackFactory,
)
from tests.kpis.core_helpers import record

pytestmark = pytest.mark.django_db

MILESTONES = "/api/v1/milestones/"
GATES = "/api/v1/stage-gates/"
RISKS = "/api/v1/risks/"


@pytest.fixture
def programme():
    return ProgrammeFactory()


@pytest.fixture
def jv():
    return OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)


@pytest.fixture
def sakura():
    return OrganizationFactory(code="sakura")


@pytest.fixture
def pmo(jv):
    return PMOUserFactory(organization=jv)


@pytest.fixture
def policy():
    return PolicyUserFactory()


@pytest.fixture
def partner(sakura):
    return PartnerUserFactory(organization=sakura)


@pytest.fixture
def corporate():
    return TrackFactory(code="corporate", name_ja="事業", name_en="Corporate", order=0)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:2000]
    return [row["id"] for row in response.json()["results"]]


def _list_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 500})
    assert response.status_code == 200, response.content[:2000]
    return len(queries)


def _milestone_body(**fields) -> dict:
    return {
        "code": "model-alpha",
        "track": "corporate",
        "title_ja": "モデルα公開",
        "title_en": "Model alpha released",
        "due_date": "2027-03-31",
        "owner": "jv",
        **fields,
    }


# ---------------------------------------------------------------------------- milestones


class TestMilestoneReads:
    @pytest.mark.parametrize("role", ["pmo", "policy", "partner"])
    def test_every_role_reads_every_milestone_of_the_programme(self, role, request, jv, sakura):
        ours = MilestoneFactory(owner=jv)
        theirs = MilestoneFactory(owner=OrganizationFactory(code="other-partner"))
        user = request.getfixturevalue(role)

        response = token_client(user).get(MILESTONES)

        assert sorted(_ids(response)) == sorted([ours.pk, theirs.pk])
        row = next(r for r in response.json()["results"] if r["id"] == ours.pk)
        assert row["owner"] == "jv"
        assert row["track"] == ours.track.code
        assert row["programme"] == ours.programme.code

    def test_a_partner_reads_one_milestone_of_another_organization(self, partner):
        milestone = MilestoneFactory(owner=OrganizationFactory(code="other-partner"))

        response = token_client(partner).get(f"{MILESTONES}{milestone.pk}/")

        assert response.status_code == 200
        assert response.json()["code"] == milestone.code

    def test_a_user_without_a_reading_role_sees_no_programme(self, pmo):
        MilestoneFactory()
        StageGateFactory()
        RiskFactory()
        pmo.is_active = False

        for user in (AnonymousUser(), pmo):
            assert not milestones_visible_to(user).exists()
            assert not stage_gates_visible_to(user).exists()
            assert not risks_visible_to(user).exists()

    def test_anonymous_requests_are_refused_with_401(self):
        MilestoneFactory()
        assert_error(token_client().get(MILESTONES), 401, "not_authenticated")

    def test_milestones_filter_by_track_status_owner_and_due_dates(
        self, pmo, jv, sakura, corporate
    ):
        early = MilestoneFactory(track=corporate, owner=jv, due_date=dt.date(2026, 9, 30))
        late = MilestoneFactory(
            owner=sakura, due_date=dt.date(2028, 3, 31), status=MilestoneStatus.AT_RISK
        )
        middle = MilestoneFactory(owner=jv, due_date=dt.date(2027, 6, 30))
        client = token_client(pmo)

        assert _ids(client.get(MILESTONES, {"track": "corporate"})) == [early.pk]
        assert _ids(client.get(MILESTONES, {"status": "at_risk"})) == [late.pk]
        assert _ids(client.get(MILESTONES, {"owner": "jv"})) == [early.pk, middle.pk]
        assert _ids(client.get(MILESTONES, {"owner": "nobody"})) == []
        dates = {"due_date_after": "2027-01-01", "due_date_before": "2027-12-31"}
        assert _ids(client.get(MILESTONES, dates)) == [middle.pk]

    def test_an_unknown_status_filter_is_a_400_naming_the_filter(self, pmo):
        response = token_client(pmo).get(MILESTONES, {"status": "done"})
        assert_error(response, 400, "invalid", field="status")

    @pytest.mark.parametrize("name", ["track", "owner"])
    def test_a_nul_in_a_code_filter_is_a_400_not_a_database_error(self, pmo, name):
        response = token_client(pmo).get(MILESTONES, {name: "a\x00b"})
        assert_error(response, 400, "invalid", field=name)

    def test_a_malformed_date_filter_is_a_400(self, pmo):
        response = token_client(pmo).get(MILESTONES, {"due_date_after": "next week"})
        assert_error(response, 400, "invalid", field="due_date_after")

    def test_milestones_come_by_due_date_and_order_by_code_on_request(self, pmo):
        b = MilestoneFactory(code="b", due_date=dt.date(2026, 9, 30))
        a = MilestoneFactory(code="a", due_date=dt.date(2027, 9, 30))
        c = MilestoneFactory(code="c", due_date=dt.date(2026, 6, 30))
        client = token_client(pmo)

        assert _ids(client.get(MILESTONES)) == [c.pk, b.pk, a.pk]
        assert _ids(client.get(MILESTONES, {"ordering": "code"})) == [a.pk, b.pk, c.pk]
        assert _ids(client.get(MILESTONES, {"ordering": "-due_date"})) == [a.pk, b.pk, c.pk]

    def test_the_list_costs_the_same_queries_for_10_and_100_milestones(self, pmo, jv):
        client = token_client(pmo)
        MilestoneFactory.create_batch(10, owner=jv)
        ten = _list_queries(client, MILESTONES)
        MilestoneFactory.create_batch(90, owner=OrganizationFactory())
        assert _list_queries(client, MILESTONES) == ten


class TestMilestoneWrites:
    def test_the_pmo_creates_a_milestone_in_the_current_programme(self, pmo, programme, corporate):
        response = token_client(pmo).post(MILESTONES, _milestone_body(), format="json")

        assert response.status_code == 201, response.content
        milestone = Milestone.objects.get(pk=response.json()["id"])
        assert milestone.programme == programme
        assert milestone.track == corporate
        assert milestone.owner.code == "jv"
        assert response.json()["programme"] == programme.code
        assert_history_user(milestone, pmo)

    def test_the_pmo_updates_a_milestone_and_history_names_them(self, pmo):
        milestone = MilestoneFactory()

        response = token_client(pmo).patch(
            f"{MILESTONES}{milestone.pk}/",
            {"status": "achieved", "evidence": "公開済み"},
            format="json",
        )

        assert response.status_code == 200, response.content
        milestone.refresh_from_db()
        assert milestone.status == MilestoneStatus.ACHIEVED
        assert_history_user(milestone, pmo)

    def test_a_due_date_outside_the_programme_window_is_a_400_on_due_date(
        self, pmo, programme, corporate
    ):
        response = token_client(pmo).post(
            MILESTONES, _milestone_body(due_date="2035-03-31"), format="json"
        )

        assert_error(response, 400, "invalid", field="due_date")
        assert not Milestone.objects.exists()

    def test_a_track_or_owner_that_does_not_exist_is_a_400_on_that_field(
        self, pmo, programme, corporate
    ):
        client = token_client(pmo)
        assert_error(
            client.post(MILESTONES, _milestone_body(track="nope"), format="json"),
            400,
            field="track",
        )
        assert_error(
            client.post(MILESTONES, _milestone_body(owner="nope"), format="json"),
            400,
            field="owner",
        )
        assert not Milestone.objects.exists()

    def test_a_second_milestone_with_the_same_code_is_refused(self, pmo, programme, corporate):
        MilestoneFactory(programme=programme, code="model-alpha")

        response = token_client(pmo).post(MILESTONES, _milestone_body(), format="json")

        assert_error(response, 400, "invalid")
        assert Milestone.objects.count() == 1

    def test_the_programme_cannot_be_set_through_the_api(self, pmo, programme, corporate):
        response = token_client(pmo).post(
            MILESTONES, _milestone_body(programme="other"), format="json"
        )
        assert_error(response, 400, "invalid", field="programme")

    def test_policy_staff_may_not_create_a_milestone(self, policy, programme, corporate):
        response = token_client(policy).post(MILESTONES, _milestone_body(), format="json")

        assert_error(response, 403, "permission_denied")
        assert not Milestone.objects.exists()

    @pytest.mark.parametrize("role", ["policy", "partner"])
    def test_policy_staff_and_partners_may_not_change_a_milestone_they_see(self, role, request):
        milestone = MilestoneFactory(status=MilestoneStatus.PLANNED)
        user = request.getfixturevalue(role)

        response = token_client(user).patch(
            f"{MILESTONES}{milestone.pk}/", {"status": "achieved"}, format="json"
        )

        assert_error(response, 403, "permission_denied")
        milestone.refresh_from_db()
        assert milestone.status == MilestoneStatus.PLANNED

    def test_milestones_are_not_deleted_through_the_api(self, pmo):
        milestone = MilestoneFactory()

        response = token_client(pmo).delete(f"{MILESTONES}{milestone.pk}/")

        assert_error(response, 405, "method_not_allowed")
        assert Milestone.objects.filter(pk=milestone.pk).exists()


# --------------------------------------------------------------------------- stage gates


@pytest.fixture
def gate(programme):
    return StageGateFactory(programme=programme, fiscal_year=2027)


class TestStageGateReads:
    @pytest.mark.parametrize("role", ["pmo", "policy", "partner"])
    def test_every_role_reads_the_gates_with_codes_criteria_and_conditions(
        self, role, request, gate, sakura
    ):
        kpi = KPIDefinitionFactory(code="gpu_utilization")
        GateCriterionFactory(gate=gate, order=2, axis=EvaluationAxis.MANAGEMENT)
        GateCriterionFactory(gate=gate, order=1, kpi=kpi, assessment=CriterionAssessment.MET)
        GateConditionFactory(gate=gate, owner=sakura, text_en="Sign the data contract")
        StageGateFactory(programme=gate.programme, fiscal_year=2028, kind=GateKind.MID_TERM)
        user = request.getfixturevalue(role)

        response = token_client(user).get(GATES)

        assert response.status_code == 200
        rows = response.json()["results"]
        assert [row["code"] for row in rows] == ["FY2027", "FY2028-MID"]
        criteria = rows[0]["criteria"]
        assert [c["order"] for c in criteria] == [1, 2]
        assert criteria[0]["kpi"] == "gpu_utilization"
        assert criteria[0]["assessment"] == "met"
        assert criteria[1]["kpi"] is None
        assert set(criteria[0]) == {
            "id",
            "axis",
            "text_ja",
            "text_en",
            "assessment",
            "order",
            "kpi",
        }
        assert rows[0]["conditions"][0]["owner"] == "sakura"
        assert rows[0]["conditions"][0]["text_en"] == "Sign the data contract"

    def test_a_gate_is_read_by_its_code_in_any_letter_case(self, partner, gate):
        mid = StageGateFactory(programme=gate.programme, fiscal_year=2028, kind=GateKind.MID_TERM)
        client = token_client(partner)

        assert client.get(f"{GATES}FY2027/").json()["id"] == gate.pk
        assert client.get(f"{GATES}fy2028-mid/").json()["id"] == mid.pk
        assert client.get(f"{GATES}{gate.pk}/").json()["code"] == "FY2027"

    def test_an_unknown_gate_code_is_a_404(self, pmo, gate):
        client = token_client(pmo)
        assert_error(client.get(f"{GATES}FY2099/"), 404, "not_found")
        assert_error(client.get(f"{GATES}FY2027-LATE/"), 404, "not_found")
        assert_error(client.get(f"{GATES}gate-one/"), 404, "not_found")

    def test_the_detail_says_whether_each_kpi_bound_criterion_holds(self, partner, jv):
        # A gate still ahead is judged on what is known now.
        today = timezone.localdate()
        programme = ProgrammeFactory(
            code="now", first_fiscal_year=today.year - 1, last_fiscal_year=today.year + 1
        )
        gate = StageGateFactory(
            programme=programme, fiscal_year=today.year, review_date=today + dt.timedelta(days=60)
        )
        green = KPIDefinitionFactory(code="green_kpi")
        red = KPIDefinitionFactory(code="red_kpi")
        for kpi in (green, red):
            KPITargetFactory(kpi=kpi, gate=gate, target_value=80, amber_value=70)
        now = timezone.now()
        record(green, [(now - dt.timedelta(hours=2), 95)], now=now)
        record(red, [(now - dt.timedelta(hours=2), 10)], now=now)
        met = GateCriterionFactory(gate=gate, kpi=green, order=1)
        not_met = GateCriterionFactory(gate=gate, kpi=red, order=2)
        unbound = GateCriterionFactory(gate=gate, order=3)

        response = token_client(partner).get(f"{GATES}{gate.pk}/")

        assert response.status_code == 200
        by_id = {c["id"]: c["kpi_met"] for c in response.json()["criteria"]}
        assert by_id == {met.pk: True, not_met.pk: False, unbound.pk: None}
        for criterion in (met, not_met, unbound):
            assert by_id[criterion.pk] == criterion_kpi_met(criterion)

    def test_gates_filter_by_kind_and_decision(self, pmo, gate):
        final = StageGateFactory(
            programme=gate.programme,
            fiscal_year=2030,
            kind=GateKind.FINAL,
            decision=GateDecision.CONTINUE,
            rationale="良好",
            decision_date=dt.date(2030, 12, 20),
        )
        client = token_client(pmo)

        assert _ids(client.get(GATES, {"kind": "final"})) == [final.pk]
        assert _ids(client.get(GATES, {"decision": "pending"})) == [gate.pk]

    def test_the_list_costs_the_same_queries_for_10_and_100_gates(self, pmo, sakura):
        programme = ProgrammeFactory(
            code="long", first_fiscal_year=2000, last_fiscal_year=2100, opens_on=None
        )
        kpi = KPIDefinitionFactory()

        def gates(years: range) -> None:
            for year in years:
                gate = StageGateFactory(programme=programme, fiscal_year=year)
                GateCriterionFactory(gate=gate, kpi=kpi)
                GateCriterionFactory(gate=gate)
                GateConditionFactory(gate=gate, owner=sakura)

        client = token_client(pmo)
        gates(range(2000, 2010))
        ten = _list_queries(client, GATES)
        gates(range(2010, 2100))
        assert _list_queries(client, GATES) == ten


class TestStageGateWrites:
    def test_the_pmo_updates_a_gate_by_code_and_history_names_them(self, pmo, gate):
        response = token_client(pmo).patch(
            f"{GATES}FY2027/",
            {"title_en": "FY2027 annual review", "score_results": 2},
            format="json",
        )

        assert response.status_code == 200, response.content
        gate.refresh_from_db()
        assert gate.title_en == "FY2027 annual review"
        assert gate.score_results == 2
        assert_history_user(gate, pmo)

    def test_the_pmo_creates_a_gate_in_the_current_programme(self, pmo, programme):
        body = {
            "fiscal_year": 2029,
            "kind": "annual",
            "title_ja": "2029年度ステージゲート評価",
            "title_en": "FY2029 stage gate",
            "review_date": "2029-12-15",
        }

        response = token_client(pmo).post(GATES, body, format="json")

        assert response.status_code == 201, response.content
        assert response.json()["code"] == "FY2029"
        gate = StageGate.objects.get(pk=response.json()["id"])
        assert gate.programme == programme
        assert_history_user(gate, pmo)

    def test_a_second_gate_of_the_same_year_and_kind_is_refused(self, pmo, gate):
        body = {
            "fiscal_year": 2027,
            "kind": "annual",
            "title_ja": "重複",
            "title_en": "Duplicate",
            "review_date": "2027-12-16",
        }
        assert_error(token_client(pmo).post(GATES, body, format="json"), 400, "invalid")
        assert StageGate.objects.count() == 1

    def test_a_decision_is_not_set_by_editing_the_gate(self, pmo, gate):
        response = token_client(pmo).patch(
            f"{GATES}{gate.pk}/", {"decision": "terminate"}, format="json"
        )

        assert_error(response, 400, "invalid", field="decision")
        gate.refresh_from_db()
        assert gate.decision == GateDecision.PENDING

    def test_the_pmo_records_the_committees_decision(self, pmo, gate):
        response = token_client(pmo).post(
            f"{GATES}FY2027/decide/",
            {
                "decision": "continue_with_conditions",
                "rationale": "GPU稼働率は改善傾向にある。",
                "decision_date": "2027-12-20",
            },
            format="json",
        )

        assert response.status_code == 200, response.content
        assert response.json()["decision"] == "continue_with_conditions"
        gate.refresh_from_db()
        assert gate.decision == GateDecision.CONTINUE_WITH_CONDITIONS
        assert gate.decision_date == dt.date(2027, 12, 20)
        assert_history_user(gate, pmo)

    def test_a_decision_without_a_rationale_is_a_400_on_rationale(self, pmo, gate):
        response = token_client(pmo).post(
            f"{GATES}{gate.pk}/decide/",
            {"decision": "terminate", "rationale": "", "decision_date": "2027-12-20"},
            format="json",
        )

        assert_error(response, 400, "invalid", field="rationale")
        gate.refresh_from_db()
        assert gate.decision == GateDecision.PENDING

    def test_a_decision_before_the_review_is_a_400_on_decision_date(self, pmo, gate):
        response = token_client(pmo).post(
            f"{GATES}{gate.pk}/decide/",
            {"decision": "continue", "rationale": "良好", "decision_date": "2027-01-01"},
            format="json",
        )
        assert_error(response, 400, "invalid", field="decision_date")

    def test_an_unknown_decision_or_field_is_a_400(self, pmo, gate):
        client = token_client(pmo)
        assert_error(
            client.post(
                f"{GATES}{gate.pk}/decide/",
                {"decision": "approve", "rationale": "x"},
                format="json",
            ),
            400,
            field="decision",
        )
        assert_error(
            client.post(
                f"{GATES}{gate.pk}/decide/",
                {"decision": "continue", "rationale": "x", "score": 3},
                format="json",
            ),
            400,
            field="score",
        )

    @pytest.mark.parametrize("role", ["policy", "partner"])
    def test_only_the_pmo_decides_or_edits_a_gate(self, role, request, gate):
        client = token_client(request.getfixturevalue(role))
        body = {"decision": "terminate", "rationale": "x", "decision_date": "2027-12-20"}

        assert_error(client.post(f"{GATES}FY2027/decide/", body, format="json"), 403)
        assert_error(client.patch(f"{GATES}FY2027/", {"title_en": "x"}, format="json"), 403)
        assert_error(client.post(f"{GATES}{gate.pk}/decide/", body, format="json"), 403)
        gate.refresh_from_db()
        assert gate.decision == GateDecision.PENDING
        assert gate.title_en == "FY2027 stage gate"

    def test_deciding_on_a_gate_that_does_not_exist_is_a_404(self, pmo, policy, gate):
        body = {"decision": "continue", "rationale": "x"}
        for user in (pmo, policy):
            client = token_client(user)
            assert_error(client.post(f"{GATES}FY2099/decide/", body, format="json"), 404)
            assert_error(client.post(f"{GATES}99999/decide/", body, format="json"), 404)


# --------------------------------------------------------------------------------- risks


def _risk_body(**fields) -> dict:
    return {
        "code": "gpu-supply",
        "category": "supply_chain",
        "title_ja": "GPU供給",
        "title_en": "GPU supply",
        "likelihood": 4,
        "impact": 5,
        "owner": "jv",
        "review_date": "2027-03-31",
        **fields,
    }


class TestRisks:
    @pytest.mark.parametrize("role", ["pmo", "policy"])
    def test_the_pmo_and_policy_staff_read_the_register_with_scores(self, role, request):
        risk = RiskFactory(likelihood=3, impact=4)

        response = token_client(request.getfixturevalue(role)).get(RISKS)

        assert _ids(response) == [risk.pk]
        assert response.json()["results"][0]["score"] == 12

    def test_partners_see_an_empty_register_and_404_for_any_risk(self, partner, sakura):
        risk = RiskFactory(owner=sakura)
        client = token_client(partner)

        assert _ids(client.get(RISKS)) == []
        assert_error(client.get(f"{RISKS}{risk.pk}/"), 404, "not_found")
        assert_error(
            client.patch(f"{RISKS}{risk.pk}/", {"status": "closed"}, format="json"),
            404,
            "not_found",
        )
        assert_error(client.post(RISKS, _risk_body(), format="json"), 403)
        risk.refresh_from_db()
        assert risk.status == RiskStatus.OPEN

    def test_risks_order_by_score_highest_first_then_by_review_date_or_code(self, pmo):
        low = RiskFactory(code="c", likelihood=1, impact=2, review_date=dt.date(2027, 1, 31))
        high = RiskFactory(code="a", likelihood=5, impact=4, review_date=dt.date(2027, 3, 31))
        mid = RiskFactory(code="b", likelihood=3, impact=3, review_date=dt.date(2026, 12, 31))
        client = token_client(pmo)

        assert _ids(client.get(RISKS)) == [high.pk, mid.pk, low.pk]
        assert _ids(client.get(RISKS, {"ordering": "score"})) == [low.pk, mid.pk, high.pk]
        assert _ids(client.get(RISKS, {"ordering": "review_date"})) == [mid.pk, low.pk, high.pk]
        assert _ids(client.get(RISKS, {"ordering": "-code"})) == [low.pk, mid.pk, high.pk]

    def test_risks_filter_by_category_status_and_owner(self, pmo, jv, sakura):
        power = RiskFactory(category=RiskCategory.COMPUTE_POWER, owner=jv)
        rights = RiskFactory(
            category=RiskCategory.DATA_RIGHTS, owner=sakura, status=RiskStatus.MITIGATING
        )
        client = token_client(pmo)

        assert _ids(client.get(RISKS, {"category": "data_rights"})) == [rights.pk]
        assert _ids(client.get(RISKS, {"status": "open"})) == [power.pk]
        assert _ids(client.get(RISKS, {"owner": "jv"})) == [power.pk]
        assert_error(client.get(RISKS, {"category": "weather"}), 400, field="category")

    def test_the_pmo_records_a_risk_and_history_names_them(self, pmo, jv):
        client = token_client(pmo)

        created = client.post(RISKS, _risk_body(), format="json")
        assert created.status_code == 201, created.content
        assert created.json()["score"] == 20
        risk = Risk.objects.get(code="gpu-supply")
        assert_history_user(risk, pmo)

        updated = client.patch(f"{RISKS}{risk.pk}/", {"likelihood": 2}, format="json")
        assert updated.status_code == 200, updated.content
        assert updated.json()["score"] == 10
        risk.refresh_from_db()
        assert risk.likelihood == 2
        assert_history_user(risk, pmo)

    def test_a_likelihood_outside_the_scale_or_a_duplicate_code_is_a_400(self, pmo, jv):
        RiskFactory(code="gpu-supply")
        client = token_client(pmo)

        assert_error(
            client.post(RISKS, _risk_body(code="new", likelihood=6), format="json"),
            400,
            field="likelihood",
        )
        assert_error(client.post(RISKS, _risk_body(), format="json"), 400, field="code")
        assert Risk.objects.count() == 1

    def test_policy_staff_may_not_record_or_change_a_risk(self, policy, jv):
        risk = RiskFactory()
        client = token_client(policy)

        assert_error(client.post(RISKS, _risk_body(), format="json"), 403)
        assert_error(client.patch(f"{RISKS}{risk.pk}/", {"impact": 1}, format="json"), 403)
        risk.refresh_from_db()
        assert risk.impact == 4

    def test_the_list_costs_the_same_queries_for_10_and_100_risks(self, pmo):
        client = token_client(pmo)
        RiskFactory.create_batch(10)
        ten = _list_queries(client, RISKS)
        RiskFactory.create_batch(90)
        assert _list_queries(client, RISKS) == ten
