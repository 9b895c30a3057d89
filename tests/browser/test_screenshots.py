"""Every main page, in Japanese and in English, on the demo programme (``seed_demo``: the
real gates, milestones, KPIs with a year of measurements, contracts in every state), as
each role sees it; saved as screenshots/<page>-<lang>.png under the artifacts for people
to look at. Each page must answer 200 in the language asked for; the walk visits them all
before failing, naming every page that did not."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from datagov.choices import ContractStatus
from datagov.models import DataContract
from jvtracker import demo
from jvtracker.demo.data import STATUS_AS_OF
from jvtracker.models import User
from milestones.models import StageGate
from tests.browser.helpers import LOGIN_PATH, PASSWORD, login, screenshot
from tests.factories import ReportFactory

LANGUAGES = ("ja", "en")
# The partner with contracts in the most states (draft, expired, terminated): their draft
# shows the three steps a first-time partner follows.
PARTNER = "partner-kobesteel"
# A page every signed-in role has, with the language switch in its header.
DOCUMENTS_PATH = "/datagov/"


@pytest.fixture
def demo_programme() -> dict[str, str]:
    """The seeded demo, and the addresses of the pages that show one of its rows."""
    demo.seed_demo(password=PASSWORD)
    draft = DataContract.objects.get(
        provider__code=PARTNER.removeprefix("partner-"), status=ContractStatus.DRAFT
    )
    gate = StageGate.objects.order_by("review_date", "kind").first()
    # One report on the list, waiting for a worker.
    ReportFactory(gate=gate, as_of=STATUS_AS_OF, requested_by=User.objects.get(username="policy"))
    return {"contract": f"/datagov/contracts/{draft.pk}/", "gate": f"/programme/gates/{gate.code}/"}


def _switch_language(page: Page, path: str, language: str) -> None:
    """Choose ``language`` with the header's switch on the page at ``path``."""
    page.goto(path)
    choice = page.locator(f'#language-switch button[value="{language}"]')
    if choice.get_attribute("aria-pressed") != "true":
        choice.click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def _walk(page: Page, pages: list[tuple[str, str]], problems: list[str], *, switch_on: str) -> None:
    """Visit ``pages`` (name, path) in each language, chosen with the language switch on
    the page at ``switch_on``, saving a screenshot of each."""
    for language in LANGUAGES:
        _switch_language(page, switch_on, language)
        for name, path in pages:
            response = page.goto(path)
            status = response.status if response is not None else None
            lang = page.locator("html").get_attribute("lang")
            screenshot(page, f"{name}-{language}")
            if status != 200:
                problems.append(f"{name} ({path}): status {status}")
            elif lang != language:
                problems.append(f"{name} ({path}): <html lang={lang!r}>, not {language!r}")


def test_every_main_page_in_both_languages(new_page, demo_programme):
    problems: list[str] = []

    visitor = new_page()
    _walk(visitor, [("login", LOGIN_PATH)], problems, switch_on=LOGIN_PATH)

    partner = new_page()
    login(partner, PARTNER)
    _walk(
        partner,
        [
            ("contracts", "/datagov/contracts/"),
            ("contract-new", "/datagov/contracts/new/"),
            ("contract", demo_programme["contract"]),
            ("datasets", "/datagov/datasets/"),
            ("documents", DOCUMENTS_PATH),
            ("kpi-measurements", "/kpis/measurements/"),
        ],
        problems,
        switch_on=DOCUMENTS_PATH,
    )

    policy = new_page()
    login(policy, "policy")
    _walk(
        policy,
        [
            ("dashboard", "/dashboard/"),
            ("timeline", "/programme/timeline/"),
            ("gate", demo_programme["gate"]),
            ("kpi-board", "/kpis/"),
            ("reports", "/reports/"),
        ],
        problems,
        switch_on=DOCUMENTS_PATH,
    )

    pmo = new_page()
    login(pmo, "pmo")
    _walk(
        pmo,
        [("dashboard-pmo", "/dashboard/"), ("admin", "/admin/")],
        problems,
        switch_on=DOCUMENTS_PATH,
    )

    assert not problems, "pages that did not answer as expected:\n" + "\n".join(problems)
