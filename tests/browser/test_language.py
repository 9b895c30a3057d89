"""The language switch in the header turns the pages from Japanese (the default, and what
a Japanese browser asks for) to English, and the choice holds on the next page and after
signing out and in again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import LOGIN_PATH, PASSWORD, login
from tests.factories import DataContractFactory, OrganizationFactory, PartnerUserFactory


@pytest.fixture
def partner():
    honda = OrganizationFactory(code="honda", name_ja="本田技研工業", name_en="Honda Motor")
    DataContractFactory(provider=honda)
    return PartnerUserFactory(username="partner-honda", organization=honda)


def test_the_language_switch_turns_the_pages_to_english_and_the_choice_persists(page, partner):
    login(page, partner.username)
    html = page.locator("html")
    nav = page.locator("#site-nav")
    logout = page.locator("#logout-form [type=submit]")
    expect(page).to_have_url("/datagov/contracts/")
    expect(html).to_have_attribute("lang", "ja")
    expect(nav).to_contain_text("データ契約")
    expect(logout).to_have_text("ログアウト")

    page.locator('#language-switch button[value="en"]').click()

    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url("/datagov/contracts/")
    expect(nav).to_contain_text("Data contracts")
    expect(nav).not_to_contain_text("データ契約")
    expect(logout).to_have_text("Log out")
    expect(page.locator('#language-switch button[value="en"]')).to_have_attribute(
        "aria-pressed", "true"
    )

    # The next page is in English too.
    nav.get_by_role("link", name="Contract documents").click()
    expect(page).to_have_url("/datagov/")
    expect(html).to_have_attribute("lang", "en")
    expect(nav.locator('[aria-current="page"]')).to_have_text("Contract documents")

    # Signed out, the login page stays English; signed in again, so do the pages.
    logout.click()
    expect(page).to_have_url(LOGIN_PATH)
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("#login-form [type=submit]")).to_have_value("Log in")
    page.locator("#id_username").fill(partner.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(nav).to_contain_text("Data contracts")
    expect(html).to_have_attribute("lang", "en")

    # And back to Japanese.
    # From the keyboard: the switch is reachable and pressed with Enter.
    page.locator('#language-switch button[value="ja"]').focus()
    page.keyboard.press("Enter")
    expect(html).to_have_attribute("lang", "ja")
    expect(nav).to_contain_text("データ契約")
