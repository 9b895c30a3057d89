"""The programme dashboard: for the PMO and policy staff, the next stage gate with its
criteria and KPIs, milestones overdue and due soon, contracts and those awaiting the PMO,
the top risks and the latest reports; for the PMO alone, links into the admin. Partners
have their own front door and get a 404 here."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from datagov.choices import ContractStatus
from jvtracker.common.fiscal import fiscal_year_of
from milestones.choices import CriterionAssessment, GateKind, MilestoneStatus, RiskStatus
from milestones.models import StageGate
from tests.factories import (
    DataContractFactory,
    GateCriterionFactory,
    KPIDefinitionFactory,
    KPITargetFactory,
    MilestoneFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    ReportFactory,
    RiskFactory,
    StageGateFactory,
)
from tests.kpis.core_helpers import ingest, row

pytestmark = pytest.mark.django_db

URL = reverse("dashboard")
PANELS = (
    "dashboard-next-gate",
    "dashboard-milestones",
    "dashboard-contracts",
    "dashboard-risks",
    "dashboard-reports",
)


class _Page(HTMLParser):
    """Each element's attributes and the text directly inside it, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[dict] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1]["text"] += data


def _page(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def counts(response) -> dict[str, str]:
    """Every figure on the page by its data-count key (the first, for repeated keys)."""
    found: dict[str, str] = {}
    for element in _page(response).elements:
        key = element["attrs"].get("data-count")
        if key is not None and key not in found:
            found[key] = element["attrs"].get("data-value") or element["text"].strip()
    return found


def attribute_values(response, name: str) -> list[str]:
    return [e["attrs"][name] for e in _page(response).elements if name in e["attrs"]]


def ids(response) -> set[str]:
    return set(attribute_values(response, "id"))


def _login(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def _gate(review_date: dt.date, kind: str = GateKind.ANNUAL) -> StageGate:
    return StageGateFactory(
        fiscal_year=fiscal_year_of(review_date), review_date=review_date, kind=kind
    )


# ------------------------------------------------------------------------- who sees it


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"


@pytest.mark.parametrize(
    "user_factory",
    [PartnerUserFactory, lambda: PartnerUserFactory(is_staff=True)],
    ids=["partner", "partner-with-staff-flag"],
)
def test_partners_get_404(client, user_factory):
    client.force_login(user_factory())

    assert client.get(URL).status_code == 404


def test_the_pmo_gets_links_into_the_admin(client):
    _login(client, PMOUserFactory())
    DataContractFactory(status=ContractStatus.SUBMITTED)

    response = client.get(URL)

    assert response.status_code == 200
    links = {
        e["attrs"]["data-admin-link"]: e["attrs"]["href"]
        for e in _page(response).elements
        if "data-admin-link" in e["attrs"]
    }
    contracts = reverse("admin:datagov_datacontract_changelist")
    assert links == {
        "contracts-awaiting": f"{contracts}?status=awaiting",
        "contracts": contracts,
        "kpis": reverse("admin:kpis_kpidefinition_changelist"),
        "gates": reverse("admin:milestones_stagegate_changelist"),
        "risks": reverse("admin:milestones_risk_changelist"),
        "reports": reverse("admin:reports_report_changelist"),
        "users": reverse("admin:jvtracker_user_changelist"),
    }
    assert counts(response)["admin-contracts-awaiting"] == "1"
    # Each link leads to a page the PMO may open.
    for href in links.values():
        assert client.get(href).status_code == 200, href


def test_policy_staff_get_the_dashboard_without_admin_links(client):
    _login(client, PolicyUserFactory())
    contract = DataContractFactory(status=ContractStatus.SUBMITTED)

    response = client.get(URL)

    assert response.status_code == 200
    assert set(PANELS) <= ids(response)
    assert "dashboard-admin" not in ids(response)
    assert not attribute_values(response, "data-admin-link")
    assert not [href for href in attribute_values(response, "href") if href.startswith("/admin/")]
    # They still see what awaits the PMO, linked to the contract's page.
    assert reverse("datagov:contract", kwargs={"pk": contract.pk}) in attribute_values(
        response, "href"
    )


# ----------------------------------------------------------------------------- figures


def test_the_next_gate_with_its_criteria_and_kpis_as_they_stand(client):
    today = timezone.localdate()
    # Reviewed already (the mid-term evaluation, as it may share the next gate's year).
    _gate(today - dt.timedelta(days=100), GateKind.MID_TERM)
    gate = _gate(today + dt.timedelta(days=30))
    _gate(today + dt.timedelta(days=400))
    now = timezone.now()
    kpis = {}
    for name, value in (("green", 90.0), ("amber", 75.0), ("red", 50.0), ("no_data", None)):
        kpis[name] = KPITargetFactory(gate=gate, target_value=80.0, amber_value=70.0).kpi
        if value is not None:
            reading = row(kpi=kpis[name], value=value, start=now - dt.timedelta(hours=1))
            ingest([reading], organization=kpis[name].owner, now=now)
    KPIDefinitionFactory()  # no target at the gate: not counted
    GateCriterionFactory(gate=gate, kpi=kpis["green"])  # holds: its KPI is green
    GateCriterionFactory(gate=gate, kpi=kpis["red"])  # misses: its KPI is red
    GateCriterionFactory(gate=gate, assessment=CriterionAssessment.MET)
    GateCriterionFactory(gate=gate, assessment=CriterionAssessment.NOT_MET)
    GateCriterionFactory(gate=gate, assessment=CriterionAssessment.NOT_ASSESSED)
    _login(client, PolicyUserFactory())

    response = client.get(URL)

    figures = counts(response)
    assert figures["days-to-go"] == "30"
    criteria = {key: figures[f"criteria-{key}"] for key in ("holds", "misses", "open")}
    assert criteria == {"holds": "2", "misses": "2", "open": "1"}
    kpi_figures = {key: value for key, value in figures.items() if key.startswith("kpi-")}
    assert kpi_figures == {"kpi-green": "1", "kpi-amber": "1", "kpi-red": "1", "kpi-no_data": "1"}
    # The gate's own page works the figures out the same way.
    gate_page = client.get(reverse("programme:gate", kwargs={"code": gate.code}))
    assert gate_page.context["tally"] == {"total": 5, "holds": 2, "misses": 2, "open": 1}
    hrefs = attribute_values(response, "href")
    assert reverse("programme:gate", kwargs={"code": gate.code}) in hrefs
    assert reverse("kpis:board") in hrefs
    assert f"{reverse('reports:list')}?gate={gate.pk}" in hrefs
    assert attribute_values(response, "data-gate") == [gate.code]


def test_milestones_overdue_and_due_in_the_next_90_days(client):
    today = timezone.localdate()

    def milestone(days: int, status: str = MilestoneStatus.PLANNED):
        return MilestoneFactory(due_date=today + dt.timedelta(days=days), status=status)

    overdue = [milestone(-5), milestone(-40, MilestoneStatus.AT_RISK)]
    due_soon = [milestone(0, MilestoneStatus.IN_PROGRESS), milestone(90)]
    milestone(-5, MilestoneStatus.ACHIEVED)  # reached: not overdue
    milestone(-5, MilestoneStatus.MISSED)  # decided: not overdue any more
    milestone(91)  # beyond the 90 days
    _login(client, PMOUserFactory())

    response = client.get(URL)

    figures = counts(response)
    assert (figures["milestones-overdue"], figures["milestones-due-soon"]) == ("2", "2")
    listed = attribute_values(response, "data-milestone")
    assert sorted(listed) == sorted(m.code for m in overdue + due_soon)
    assert reverse("programme:timeline") in attribute_values(response, "href")


def test_contracts_by_status_and_those_awaiting_a_decision(client):
    for status, number in (
        (ContractStatus.ACTIVE, 2),
        (ContractStatus.SUBMITTED, 1),
        (ContractStatus.UNDER_REVIEW, 1),
        (ContractStatus.DRAFT, 1),
    ):
        for _ in range(number):
            DataContractFactory(status=status)
    _login(client, PolicyUserFactory())

    response = client.get(URL)

    figures = counts(response)
    assert {status: figures[f"contracts-{status}"] for status in ContractStatus.values} == {
        "draft": "1",
        "submitted": "1",
        "under_review": "1",
        "active": "2",
        "expired": "0",
        "terminated": "0",
    }
    assert figures["contracts-awaiting"] == "2"
    awaiting = attribute_values(response, "data-contract")
    expected = DataContractFactory._meta.model.objects.filter(
        status__in=(ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW)
    ).values_list("reference", flat=True)
    assert sorted(awaiting) == sorted(expected)


def test_the_top_risks_by_score_leave_out_closed_ones(client):
    low = RiskFactory(likelihood=1, impact=1)
    high = RiskFactory(likelihood=5, impact=5)
    middle = RiskFactory(likelihood=3, impact=4)
    RiskFactory(likelihood=5, impact=4, status=RiskStatus.CLOSED)
    _login(client, PolicyUserFactory())

    response = client.get(URL)

    assert attribute_values(response, "data-risk") == [high.code, middle.code, low.code]
    scores = [
        e["text"] for e in _page(response).elements if e["attrs"].get("data-count") == "risk-score"
    ]
    assert scores == ["25", "12", "1"]


def test_the_five_latest_reports_with_their_status(client):
    gate = StageGateFactory()
    now = timezone.now()
    reports = [
        ReportFactory(gate=gate, requested_at=now - dt.timedelta(minutes=minutes))
        for minutes in range(6)
    ]
    _login(client, PolicyUserFactory())

    response = client.get(URL)

    shown = [
        e["attrs"]["data-report"] for e in _page(response).elements if "data-report" in e["attrs"]
    ]
    assert shown == [str(report.pk) for report in reports[:5]]
    assert reverse("reports:list") in attribute_values(response, "href")


def test_with_nothing_recorded_every_panel_says_what_to_do(client):
    _login(client, PMOUserFactory())

    response = client.get(URL)

    assert response.status_code == 200
    page = _page(response)
    for panel in PANELS:
        # Each panel holds an empty-state box.
        start = next(i for i, e in enumerate(page.elements) if e["attrs"].get("id") == panel)
        following = page.elements[start + 1 :]
        end = next((i for i, e in enumerate(following) if e["tag"] == "section"), len(following))
        classes = [e["attrs"].get("class") or "" for e in following[:end]]
        assert any("site-empty" in c.split() for c in classes), panel
