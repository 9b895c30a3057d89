"""Emails people receive: each in the recipient's own language, sent only once the change
that caused it has committed, never to a deactivated user or one without an address."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from datagov.choices import DataPurpose, DataTier
from datagov.models import DataContract
from datagov.services import (
    contract_approve,
    contract_document_upload,
    contract_reject,
    contract_review_start,
    contract_save,
    contract_submit,
)
from reports.services import report_fail
from tests.factories import (
    ContractTemplateFactory,
    DataAssetFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    ReportFactory,
)
from tests.pdfs import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    return OrganizationFactory(code="nipponsteel")


@pytest.fixture
def partner(provider):
    return PartnerUserFactory(username="steel-partner", organization=provider, language="en")


@pytest.fixture
def pmo():
    return PMOUserFactory(username="pmo-sato", language="ja")


def _submitted(partner) -> DataContract:
    template = ContractTemplateFactory(code="provision-restricted", tier=DataTier.RESTRICTED)
    dataset = DataAssetFactory(provider=partner.organization, tier=DataTier.RESTRICTED)
    today = timezone.localdate()
    contract = contract_save(
        contract=DataContract(
            title="君津製鉄所 操業ログ提供契約",
            provider=partner.organization,
            template=template,
            permitted_uses=[DataPurpose.FINE_TUNING],
            effective_date=today,
            expiry_date=today + dt.timedelta(days=730),
        ),
        actor=partner,
        datasets=[dataset],
    )
    contract_document_upload(contract=contract, upload=pdf_upload(), actor=partner)
    return contract_submit(contract=contract, actor=partner)


def test_a_submission_tells_the_pmo_in_japanese_and_a_decision_tells_the_provider_in_english(
    partner, pmo, django_capture_on_commit_callbacks
):
    bystander = PartnerUserFactory(organization=OrganizationFactory(code="other"))
    with django_capture_on_commit_callbacks(execute=True):
        contract = _submitted(partner)

    [to_pmo] = mail.outbox
    assert to_pmo.to == [pmo.email]
    assert contract.reference in to_pmo.subject
    assert "提出" in to_pmo.subject  # the status in Japanese
    assert f"/datagov/contracts/{contract.pk}/" in to_pmo.body
    assert to_pmo.extra_headers["Content-Language"] == "ja"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contract_review_start(contract=contract, actor=pmo)
    assert mail.outbox == []  # starting a review tells nobody anything new

    with django_capture_on_commit_callbacks(execute=True):
        contract_approve(contract=contract, actor=pmo)

    [to_partner] = mail.outbox
    assert to_partner.to == [partner.email]
    assert bystander.email not in to_partner.to
    assert "approved" in to_partner.body and "Active" in to_partner.subject
    assert to_partner.extra_headers["Content-Language"] == "en"


def test_a_returned_contract_says_why(partner, pmo, django_capture_on_commit_callbacks):
    contract = _submitted(partner)

    with django_capture_on_commit_callbacks(execute=True):
        contract_reject(contract=contract, actor=pmo, reason="The seal on page 3 is missing.")

    [to_partner] = mail.outbox
    assert "The seal on page 3 is missing." in to_partner.body
    assert "returned" in to_partner.body


def test_a_change_rolled_back_sends_nothing(partner, pmo, django_capture_on_commit_callbacks):
    contract = _submitted(partner)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        contract_approve(contract=contract, actor=pmo)
        raise RuntimeError("the request failed after the service")

    assert mail.outbox == []


def test_no_email_to_a_deactivated_user_or_one_without_an_address(
    partner, pmo, django_capture_on_commit_callbacks
):
    PMOUserFactory(email="")
    PMOUserFactory(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        _submitted(partner)

    assert [message.to for message in mail.outbox] == [[pmo.email]]


def test_the_requester_hears_why_a_report_could_not_be_produced(
    django_capture_on_commit_callbacks,
):
    report = ReportFactory(requested_by__language="en")

    with django_capture_on_commit_callbacks(execute=True):
        report_fail(report_id=report.pk, reason="The worker ran out of time.")

    [message] = mail.outbox
    assert message.to == [report.requested_by.email]
    assert report.reference in message.subject and "could not be produced" in message.subject
    assert "The worker ran out of time." in message.body
