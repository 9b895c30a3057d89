"""Uploads as a person sees them: a progress bar while the file travels, and a refused
file answered beside its field in plain words, with nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, Route, expect

from datagov.choices import DataPurpose, DataTier
from datagov.models import DataContract, SignedDocument
from datagov.services import contract_save
from kpis.choices import KPISource
from kpis.models import IngestBatch, Measurement
from tests.browser.helpers import login, screenshot
from tests.factories import (
    ContractTemplateFactory,
    DataAssetFactory,
    KPIDefinitionFactory,
    OrganizationFactory,
    PartnerUserFactory,
)
from tests.pdfs import pdf_bytes


@pytest.fixture
def sony():
    return OrganizationFactory(code="sony", name_ja="ソニーグループ", name_en="Sony Group")


@pytest.fixture
def partner(sony):
    return PartnerUserFactory(username="partner-sony", organization=sony)


@pytest.fixture
def draft(partner):
    template = ContractTemplateFactory(tier=DataTier.RESTRICTED)
    today = timezone.localdate()
    return contract_save(
        contract=DataContract(
            title="センシングデータ共用契約",
            provider=partner.organization,
            template=template,
            permitted_uses=[DataPurpose.FINE_TUNING],
            effective_date=today,
            expiry_date=today + dt.timedelta(days=365),
        ),
        actor=partner,
        datasets=[DataAssetFactory(provider=partner.organization, tier=DataTier.RESTRICTED)],
    )


def _hold(page: Page, pattern: str) -> list[Route]:
    """Hold the requests to ``pattern`` until the test lets them go, so what the page
    shows while a file is on its way can be seen."""
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(pattern, hold)
    return held


def test_a_file_that_is_not_a_pdf_is_refused_beside_the_field_with_progress_shown(
    page, partner, draft
):
    login(page, partner.username)
    page.goto(f"/datagov/contracts/{draft.pk}/")
    held = _hold(page, "**/documents/")
    form = page.locator("#upload-form")
    form.locator("input[type=file]").set_input_files(
        {"name": "署名済み.pdf", "mimeType": "application/pdf", "buffer": b"scanned image"}
    )

    form.locator("[type=submit]").click()

    expect(page.locator("#upload-progress-row")).to_be_visible()
    expect(page.locator("#upload-form [type=submit]")).to_be_disabled()
    assert len(held) == 1
    held[0].continue_()
    errors = page.locator("#upload-form .errorlist")
    with translation.override("ja"):
        reason = translation.gettext(
            "The file is not a PDF (whatever its name says). Upload the signed PDF."
        )
    expect(errors).to_contain_text(reason)
    expect(page).to_have_url(f"/datagov/contracts/{draft.pk}/")  # reloading posts nothing
    expect(page.locator("#upload-form [type=submit]")).to_be_enabled()
    screenshot(page, "story-upload-refused-ja")
    assert not SignedDocument.objects.exists()

    # The same form, with the signed PDF, is accepted and the page says so.
    page.unroute("**/documents/")
    form = page.locator("#upload-form")
    form.locator("input[type=file]").set_input_files(
        {"name": "署名済み.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(2)}
    )
    form.locator("[type=submit]").click()

    expect(page.locator("ul.messagelist")).to_contain_text("署名済み.pdf")
    expect(page.locator("#step-upload")).to_have_attribute("data-done", "true")
    assert SignedDocument.objects.get().original_name == "署名済み.pdf"


def test_a_measurement_file_with_a_bad_line_names_the_line_and_stores_nothing(page, partner):
    KPIDefinitionFactory(
        code="productivity_gain",
        unit="percent",
        source=KPISource.MANUAL,
        owner=partner.organization,
    )
    csv = (
        "kpi,subject,at,value,unit\n"
        "productivity_gain,adopter-a,2026-05-01T09:00:00+09:00,12.5,%\n"
        "productivity_gain,adopter-b,2026-05-01T09:00:00+09:00,140,%\n"
    )
    login(page, partner.username)
    page.goto("/kpis/measurements/")
    form = page.locator("#measurement-upload")
    form.locator("input[type=file]").set_input_files(
        {"name": "measurements.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )

    form.locator("[type=submit]").click()

    errors = page.locator("#id_upload-file_error")
    expect(errors).to_contain_text("3行目")
    expect(errors).to_contain_text("value")
    screenshot(page, "story-measurements-refused-ja")
    assert (IngestBatch.objects.count(), Measurement.objects.count()) == (0, 0)

    fixed = csv.replace(",140,", ",14,")
    page.locator("#measurement-upload input[type=file]").set_input_files(
        {"name": "measurements.csv", "mimeType": "text/csv", "buffer": fixed.encode()}
    )
    page.locator("#measurement-upload [type=submit]").click()

    batch = page.locator("#measurement-batches tr[data-batch]")
    expect(batch).to_have_count(1)
    assert Measurement.objects.count() == 2


def test_a_form_sent_twice_before_the_page_changes_is_sent_once(page, partner, draft):
    """A second click while the first request is on its way would make a second draft or
    a second report: the page's guard cancels the second submission."""
    login(page, partner.username)
    page.goto("/datagov/contracts/new/")
    form = page.locator("#contract-form")

    # Record whether each submission was cancelled before it left, then keep the page.
    cancelled = form.evaluate(
        """form => {
            const seen = [];
            document.addEventListener("submit", event => {
                seen.push(event.defaultPrevented);
                event.preventDefault();
            });
            form.requestSubmit();
            form.requestSubmit();
            return seen;
        }"""
    )

    assert cancelled == [False, True]
    expect(form).to_have_attribute("aria-busy", "true")
