"""The programme pages outside the admin: the drawn timeline (/programme/timeline/) and
each stage gate (/programme/gates/<code>/), for the PMO, policy staff and partners alike;
what each sees comes from the selectors, and a gate they may not see is a 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from jvtracker.choices import OrganizationKind
from kpis.selectors import gate_moment
from milestones.choices import (
    CriterionAssessment,
    DatePrecision,
    EvaluationAxis,
    GateDecision,
    GateKind,
    MilestoneStatus,
)
from milestones.models import StageGate
from milestones.selectors import gate_criteria_kpi_met, programme_timeline
from milestones.timeline import visible_part
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
    StageGateFactory,
    TrackFactory,
)
from tests.kpis.core_helpers import record

pytestmark = pytest.mark.django_db

TIMELINE = "/programme/timeline/"
EN = {"accept-language": "en"}
ROLES = {"pmo": PMOUserFactory, "policy": PolicyUserFactory, "partner": PartnerUserFactory}


def gate_url(code: str) -> str:
    return f"/programme/gates/{code}/"


@pytest.fixture
def programme():
    """The NEDO programme with two tracks, three milestones and all three gate kinds."""
    programme = ProgrammeFactory()
    corporate = TrackFactory(code="corporate", name_ja="企業", name_en="Corporate", order=1)
    nedo = TrackFactory(code="nedo", name_ja="NEDO政策", name_en="NEDO policy", order=2)
    MilestoneFactory(
        programme=programme,
        code="jv-founded",
        track=corporate,
        title_ja="新会社設立",
        title_en="Joint venture founded",
        due_date=dt.date(2026, 4, 12),
        status=MilestoneStatus.ACHIEVED,
    )
    MilestoneFactory(
        programme=programme,
        code="y1-alpha",
        track=corporate,
        title_ja="モデルα版提示",
        title_en="Model alpha shown",
        due_date=dt.date(2027, 11, 30),
        date_precision=DatePrecision.MONTH,
    )
    MilestoneFactory(
        programme=programme,
        code="award",
        track=nedo,
        title_ja="採択決定および契約締結",
        title_en="Award decision and contract",
        window_start=dt.date(2026, 6, 1),
        due_date=dt.date(2026, 8, 31),
        date_precision=DatePrecision.MONTH,
    )
    StageGateFactory(
        programme=programme,
        fiscal_year=2027,
        decision=GateDecision.CONTINUE_WITH_CONDITIONS,
        rationale="GPU稼働は順調、データ契約に遅れ",
        decision_date=dt.date(2027, 12, 20),
    )
    StageGateFactory(
        programme=programme,
        fiscal_year=2028,
        kind=GateKind.MID_TERM,
        title_ja="中間評価",
        title_en="Mid-term evaluation",
        review_date=dt.date(2029, 3, 31),
    )
    StageGateFactory(
        programme=programme,
        fiscal_year=2030,
        kind=GateKind.FINAL,
        title_ja="最終評価",
        title_en="Final evaluation",
        review_date=dt.date(2031, 3, 31),
    )
    return programme


@pytest.fixture
def gate(programme) -> StageGate:
    return programme.gates.get(fiscal_year=2027, kind=GateKind.ANNUAL)


@pytest.fixture
def kpis(gate):
    """GPU utilisation green at the FY2027 gate (95% against 80%), data contracts red
    (1 against 10), and a KPI with no target at this gate."""
    gpu = KPIDefinitionFactory(code="gpu_utilisation", name_en="GPU utilisation", order=1)
    contracts = KPIDefinitionFactory(
        code="data_contracts", name_en="Data contracts signed", unit="count", order=2
    )
    untargeted = KPIDefinitionFactory(code="arr", name_en="ARR", order=3)
    # Measurements sent by no one in particular are the joint venture's own.
    OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)
    KPITargetFactory(kpi=gpu, gate=gate, target_value=80, amber_value=70)
    KPITargetFactory(kpi=contracts, gate=gate, target_value=10, amber_value=5)
    # Measured shortly before the moment the gate is judged at, whenever the suite runs.
    moment = gate_moment(gate)
    record(gpu, [(moment - dt.timedelta(hours=2), 95)], now=moment)
    record(contracts, [(moment - dt.timedelta(hours=2), 1)], now=moment)
    record(untargeted, [(moment - dt.timedelta(hours=2), 50)], now=moment)
    return {"green": gpu, "red": contracts, "untargeted": untargeted}


@pytest.fixture
def criteria(gate, kpis):
    """One criterion per case: assessed met, not yet assessed, bound to a green KPI,
    bound to a red KPI, and bound to a green KPI but assessed as not met."""
    return {
        "met": GateCriterionFactory(
            gate=gate,
            axis=EvaluationAxis.POSITIONING,
            text_en="Aligned with NEDO's call",
            assessment=CriterionAssessment.MET,
            order=1,
        ),
        "open": GateCriterionFactory(
            gate=gate, axis=EvaluationAxis.MANAGEMENT, text_en="Decision lines clear", order=2
        ),
        "green": GateCriterionFactory(
            gate=gate, axis=EvaluationAxis.RESULTS, kpi=kpis["green"], text_en="GPUs run", order=3
        ),
        "red": GateCriterionFactory(
            gate=gate, axis=EvaluationAxis.RESULTS, kpi=kpis["red"], text_en="Contracts", order=4
        ),
        "overruled": GateCriterionFactory(
            gate=gate,
            axis=EvaluationAxis.OUTLOOK,
            kpi=kpis["green"],
            assessment=CriterionAssessment.NOT_MET,
            text_en="Adopters found",
            order=5,
        ),
    }


def signed_in(client, role: str):
    user = ROLES[role]()
    client.force_login(user)
    return client


def drawing(html: str) -> str:
    """The drawing alone: from its container to the legend below it."""
    return html.split('id="timeline-drawing"')[1].split('class="tl-legend"')[0]


def section(html: str, id_: str) -> str:
    start = html.index(f'id="{id_}"')
    return html[start : html.index("</section>", start)]


# ----------------------------------------------------------------------------- timeline


@pytest.mark.parametrize("role", ROLES)
def test_every_reading_role_sees_the_drawn_timeline(client, programme, role):
    response = signed_in(client, role).get(TIMELINE)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="timeline-drawing"' in html
    assert "<table" not in html.split('id="content-main"')[1]


@pytest.mark.parametrize("role", ROLES)
def test_the_drawing_holds_each_gate_and_milestone(client, programme, role):
    html = drawing(signed_in(client, role).get(TIMELINE).content.decode())

    for code in ("FY2027", "FY2028-MID", "FY2030-FINAL"):
        assert f'data-gate="{code}"' in html
    for code in ("jv-founded", "y1-alpha", "award"):
        assert f'data-milestone="{code}"' in html
    assert 'class="tl-bar"' in html  # the award window, as a bar


def test_each_gate_mark_links_to_its_gate_page_and_milestones_link_nowhere(client, programme):
    html = signed_in(client, "partner").get(TIMELINE).content.decode()

    marks = drawing(html)
    gate_mark = re.search(r'<a href="([^"]+)"[^>]*data-gate="FY2028-MID"', marks)
    assert gate_mark and gate_mark.group(1) == reverse("programme:gate", args=["FY2028-MID"])
    assert re.search(r'<span[^>]*data-milestone="jv-founded"', marks)
    # A partner is never sent into the admin.
    assert 'href="/admin/' not in html


def test_the_list_below_the_drawing_names_each_event_with_its_date_and_gate_link(client, programme):
    html = signed_in(client, "policy").get(TIMELINE).content.decode()

    listing = section(html, "timeline-list")
    assert 'id="tl-gate-FY2027"' in listing and 'id="tl-milestone-award"' in listing
    assert f'href="{gate_url("FY2030-FINAL")}"' in listing
    assert '<time datetime="2026-04-12">2026年4月12日</time>' in listing


def test_the_timeline_has_its_legend_and_today_line(client, programme):
    html = signed_in(client, "partner").get(TIMELINE).content.decode()

    assert 'class="tl-legend"' in html
    assert 'class="tl-today"' in html  # the programme window includes today's test date


def test_the_timeline_is_japanese_by_default_with_fiscal_years_and_dates(client, programme):
    html = signed_in(client, "partner").get(TIMELINE).content.decode()

    for year in range(2026, 2031):
        assert f"{year}年度" in html
    assert "2026年4月12日" in html and "2027年12月15日" in html
    assert "新会社設立" in html and "中間評価" in html


def test_the_timeline_follows_english_when_asked(client, programme):
    html = signed_in(client, "partner").get(TIMELINE, headers=EN).content.decode()

    assert "FY2027" in html and "年度" not in html
    assert "Joint venture founded" in html and "Final evaluation" in html


def test_without_a_programme_the_timeline_says_who_sets_it_up(client):
    response = signed_in(client, "pmo").get(TIMELINE, headers=EN)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="timeline-empty"' in html and 'id="timeline-drawing"' not in html
    assert "The PMO sets up the programme" in html
    assert reverse("admin:milestones_programme_add") in html


def test_a_partner_facing_an_empty_programme_gets_no_admin_link(client):
    html = signed_in(client, "partner").get(TIMELINE).content.decode()

    assert 'id="timeline-empty"' in html
    assert reverse("admin:milestones_programme_add") not in html


def test_the_drawing_keeps_only_what_the_selectors_give(programme):
    """Every reading role sees the whole programme; whoever has none (anonymous, inactive)
    would see no mark at all."""
    whole = programme_timeline(programme)
    partner = PartnerUserFactory()

    assert visible_part(whole, partner) == whole
    nothing = visible_part(whole, AnonymousUser())
    assert nothing.rows == [] and nothing.gates == []


def test_the_admin_timeline_draws_the_same_marks_but_links_into_the_admin(client, gate):
    client.force_login(PMOUserFactory())

    html = client.get(reverse("milestones:timeline")).content.decode()

    marks = drawing(html)
    assert 'data-gate="FY2027"' in marks and 'data-milestone="award"' in marks
    admin_link = reverse("admin:milestones_stagegate_change", args=[gate.pk])
    assert re.search(rf'<a href="{admin_link}"[^>]*data-gate="FY2027"', marks)
    assert gate_url("FY2027") not in html


# --------------------------------------------------------------------------------- gate


@pytest.mark.parametrize("role", ROLES)
def test_every_reading_role_sees_a_gate(client, criteria, role):
    response = signed_in(client, role).get(gate_url("FY2027"))

    assert response.status_code == 200
    assert response.context["gate"].code == "FY2027"


def test_the_gate_page_gives_title_kind_fiscal_year_review_date_and_decision(client, gate):
    GateConditionFactory(
        gate=gate,
        text_ja="データ契約を3件締結すること",
        owner=OrganizationFactory(name_ja="ソフトバンク"),
        due_date=dt.date(2028, 3, 31),
    )

    html = signed_in(client, "partner").get(gate_url("FY2027")).content.decode()

    assert "2027年度ステージゲート評価" in html
    assert "2027年度" in section(html, "gate-facts")
    assert "2027年12月15日" in html  # the review
    assert "2027年12月20日" in html  # the decision
    assert 'data-decision="continue_with_conditions"' in html
    assert "GPU稼働は順調、データ契約に遅れ" in html
    conditions = section(html, "gate-conditions")
    assert "データ契約を3件締結すること" in conditions and "ソフトバンク" in conditions
    assert "2028年3月31日" in conditions


def test_a_gate_reviewed_in_march_is_named_by_its_fiscal_year(client, programme):
    """The mid-term evaluation of FY2028 is reviewed on 31 March 2029: 2028年度."""
    html = signed_in(client, "policy").get(gate_url("FY2028-MID")).content.decode()

    facts = section(html, "gate-facts")
    assert '<td id="gate-fiscal-year">2028年度</td>' in facts
    assert "2029年3月31日" in facts


def test_the_gate_page_in_english(client, gate):
    html = signed_in(client, "policy").get(gate_url("FY2027"), headers=EN).content.decode()

    facts = section(html, "gate-facts")
    assert "FY2027" in facts and "Dec. 15, 2027" in facts
    assert "Continue with conditions" in facts


def test_criteria_are_grouped_by_evaluation_axis_in_nedo_order(client, criteria):
    html = signed_in(client, "partner").get(gate_url("FY2027")).content.decode()

    criteria_part = html.split('id="gate-criteria"')[1].split('id="gate-kpis"')[0]
    axes = re.findall(r'data-axis="(\w+)"', criteria_part)
    assert axes == [
        EvaluationAxis.POSITIONING,
        EvaluationAxis.MANAGEMENT,
        EvaluationAxis.RESULTS,
        EvaluationAxis.OUTLOOK,
    ]
    results = html.split('data-axis="results"')[1].split('data-axis="outlook"')[0]
    assert f'data-criterion="{criteria["green"].pk}"' in results
    assert f'data-criterion="{criteria["red"].pk}"' in results
    assert f'data-criterion="{criteria["met"].pk}"' not in results


def test_each_criterion_says_whether_it_holds(client, criteria):
    html = signed_in(client, "partner").get(gate_url("FY2027"), headers=EN).content.decode()

    holds = dict(re.findall(r'data-criterion="(\d+)" data-holds="(\w+)"', html))
    assert holds == {
        str(criteria["met"].pk): "holds",
        str(criteria["open"].pk): "open",
        str(criteria["green"].pk): "holds",
        str(criteria["red"].pk): "misses",
        str(criteria["overruled"].pk): "misses",
    }
    assert "Does not hold" in html and "Not yet assessed" in html


def test_a_kpi_bound_criterion_holds_exactly_when_the_selectors_say_its_kpi_is_met(
    client, criteria, gate
):
    html = signed_in(client, "pmo").get(gate_url("FY2027")).content.decode()

    met = gate_criteria_kpi_met(StageGate.objects.prefetch_related("criteria__kpi").get(pk=gate.pk))
    holds = dict(re.findall(r'data-criterion="(\d+)" data-holds="(\w+)"', html))
    assert met == {
        criteria["green"].pk: True,
        criteria["red"].pk: False,
        criteria["overruled"].pk: True,
    }
    for key in ("green", "red"):
        pk = criteria[key].pk
        assert (holds[str(pk)] == "holds") is met[pk]


def test_a_kpi_bound_criterion_shows_its_kpi_status_at_the_gate(client, criteria):
    html = signed_in(client, "partner").get(gate_url("FY2027"), headers=EN).content.decode()

    row = html.split(f'data-criterion="{criteria["red"].pk}"')[1].split("</tr>")[0]
    assert "Data contracts signed" in row
    assert 'data-kpi-status="red"' in row and "Red: misses the threshold" in row


def test_the_kpi_targets_at_the_gate_show_status_in_colour_and_words(client, criteria):
    html = signed_in(client, "policy").get(gate_url("FY2027"), headers=EN).content.decode()

    table = section(html, "gate-kpis")
    statuses = dict(re.findall(r'data-kpi="(\w+)" data-status="(\w+)"', table))
    assert statuses == {"gpu_utilisation": "green", "data_contracts": "red"}  # ARR: no target
    assert "gp-status-green" in table and "Green: meets the target" in table
    assert "gp-status-red" in table and "Red: misses the threshold" in table
    assert "95%" in table and "≥ 80%" in table


def test_a_gate_without_targets_or_criteria_says_who_records_them(client, programme):
    html = signed_in(client, "policy").get(gate_url("FY2030-FINAL"), headers=EN).content.decode()

    assert "No criteria are recorded for this gate yet." in section(html, "gate-criteria")
    assert "No KPI has a target at this gate yet." in section(html, "gate-kpis")


def test_the_gate_links_to_the_kpi_board_for_everyone(client, gate):
    html = signed_in(client, "partner").get(gate_url("FY2027")).content.decode()

    assert f'href="{reverse("kpis:board")}?gate={gate.pk}"' in html


@pytest.mark.parametrize("role", ["pmo", "policy"])
def test_staff_who_may_request_reports_get_the_reports_link(client, gate, role):
    html = signed_in(client, role).get(gate_url("FY2027")).content.decode()

    assert f'href="{reverse("reports:list")}?gate={gate.pk}"' in html


def test_partners_get_no_reports_link_nor_the_admin(client, gate):
    html = signed_in(client, "partner").get(gate_url("FY2027")).content.decode()

    assert reverse("reports:list") + "?gate=" not in html
    assert 'id="gate-admin"' not in html and 'href="/admin/' not in html


def test_only_the_pmo_gets_the_link_to_edit_the_gate(client, gate):
    pmo = signed_in(client, "pmo").get(gate_url("FY2027")).content.decode()
    client.logout()
    policy = signed_in(client, "policy").get(gate_url("FY2027")).content.decode()

    edit = reverse("admin:milestones_stagegate_change", args=[gate.pk])
    assert edit in pmo and edit not in policy


def test_the_gate_links_to_the_gates_before_and_after_it(client, programme):
    html = signed_in(client, "partner").get(gate_url("FY2028-MID")).content.decode()

    assert f'rel="prev" href="{gate_url("FY2027")}"' in html
    assert f'rel="next" href="{gate_url("FY2030-FINAL")}"' in html


def test_a_gate_code_is_read_in_any_letter_case(client, programme):
    response = signed_in(client, "partner").get(gate_url("fy2028-mid"))

    assert response.status_code == 200
    assert response.context["gate"].kind == GateKind.MID_TERM


@pytest.mark.parametrize("code", ["FY2099", "FY2027-LATE", "gate-one", "FY2029"])
def test_an_unknown_gate_code_is_a_404(client, programme, code):
    assert signed_in(client, "pmo").get(gate_url(code)).status_code == 404


@pytest.mark.parametrize("url", [TIMELINE, gate_url("FY2027")])
def test_a_deactivated_user_is_sent_to_the_login(client, gate, url):
    """Every signed-in user has a reading role (an organization and a role are required):
    the only users the selectors show nothing are those no longer active."""
    user = PartnerUserFactory()
    client.force_login(user)
    user.is_active = False
    user.save()

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [TIMELINE, gate_url("FY2027")])
def test_anonymous_visitors_are_sent_to_the_login(client, gate, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [TIMELINE, gate_url("FY2027")])
def test_the_pages_only_read(client, gate, url):
    assert signed_in(client, "pmo").post(url).status_code == 405


def test_the_page_urls_are_named():
    assert reverse("programme:timeline") == TIMELINE
    assert reverse("programme:gate", args=["FY2028-MID"]) == gate_url("FY2028-MID")


def test_moments_read_in_tokyo_time_the_japanese_way_and_the_english_way():
    import datetime as dt

    from django.utils import translation

    from milestones.templatetags.jpdates import jdatetime

    # 2027-03-31 15:30 UTC is already 1 April in Tokyo.
    moment = dt.datetime(2027, 3, 31, 15, 30, tzinfo=dt.UTC)

    with translation.override("ja"):
        assert jdatetime(moment) == "2027年4月1日 00:30"
    with translation.override("en"):
        assert jdatetime(moment) == "April 1, 2027 00:30"
    assert jdatetime(None) == ""
