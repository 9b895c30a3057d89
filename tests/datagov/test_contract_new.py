"""The new-contract page: a partner starts a draft for their own organization under a
published template version, the PMO for any provider, policy staff not at all; the
service judges the input, and a refusal is shown beside the field with nothing saved."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from datagov.choices import ContractStatus, DataPurpose, DataTier, TemplateStatus
from datagov.models import DataContract
from tests.factories import (
    ContractTemplateFactory,
    DataAssetFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
)

pytestmark = pytest.mark.django_db

NEW = reverse("datagov:contract-new")


@pytest.fixture
def provider():
    return OrganizationFactory(code="honda", name_en="Honda", name_ja="本田技研工業")


@pytest.fixture
def partner(provider):
    return PartnerUserFactory(username="honda-partner", organization=provider)


@pytest.fixture
def template():
    """A published template for restricted data: fine-tuning and RAG are its standard uses."""
    return ContractTemplateFactory(
        code="restricted-provision", tier=DataTier.RESTRICTED, title_en="Restricted provision"
    )


@pytest.fixture
def dataset(provider):
    return DataAssetFactory(
        provider=provider, code="honda-driving", name_en="Driving logs", tier=DataTier.RESTRICTED
    )


@pytest.fixture
def other_dataset():
    return DataAssetFactory(
        provider=OrganizationFactory(code="sony"), code="sony-sensing", tier=DataTier.RESTRICTED
    )


def _sign_in(client: Client, user) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)


def _data(template, datasets, **overrides) -> dict:
    data = {
        "template": template.pk,
        "title": "走行環境データ提供契約",
        "datasets": [d.pk for d in datasets],
        "permitted_uses": list(template.permitted_uses),
        "deviation_reason": "",
        "effective_date": "2027-04-01",
        "expiry_date": "2030-03-31",
        "notes": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _field_errors(html: str, field: str) -> str:
    """The error list Django renders beside ``field`` (and only there)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    assert match, f"no error list beside the {field} field"
    return match.group(1)


def _options(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert match, f"no {name} select"
    return match.group(0)


# ----------------------------------------------------------------------------- creating


def test_partner_sees_the_form_with_their_organization_as_the_provider(
    client, partner, template, dataset, other_dataset
):
    _sign_in(client, partner)

    response = client.get(NEW)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="contract-form"' in html and 'id="contract-create"' in html
    for name in ("template", "title", "datasets", "effective_date", "expiry_date"):
        assert f'name="{name}"' in html
    assert 'name="provider"' not in html
    assert re.search(r'id="contract-provider">\s*Honda\s*<', html)
    assert f'value="{template.pk}"' in _options(html, "template")
    assert f'value="{dataset.pk}"' in html
    assert f'value="{other_dataset.pk}"' not in html  # another organization's dataset


def test_partner_creates_a_draft_for_their_own_organization(
    client, partner, provider, template, dataset
):
    _sign_in(client, partner)

    response = client.post(NEW, _data(template, [dataset]))

    contract = DataContract.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("datagov:contract", args=[contract.pk])
    assert contract.provider == provider
    assert contract.template == template
    assert contract.status == ContractStatus.DRAFT
    assert contract.title == "走行環境データ提供契約"
    assert list(contract.datasets.all()) == [dataset]
    assert contract.permitted_uses == template.permitted_uses
    assert contract.deviation_uses == []
    assert (contract.effective_date.isoformat(), contract.expiry_date.isoformat()) == (
        "2027-04-01",
        "2030-03-31",
    )
    assert contract.created_by == partner
    assert contract.history.first().history_user == partner
    assert contract.reference.startswith("DC-2027-")
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert contract.reference in message


def test_a_partner_cannot_name_another_provider(client, partner, provider, template, dataset):
    other = OrganizationFactory(code="sony")
    _sign_in(client, partner)

    response = client.post(NEW, _data(template, [dataset], provider=other.pk))

    assert response.status_code == 303
    assert DataContract.objects.get().provider == provider


def test_pmo_creates_a_draft_for_any_provider(client, template, other_dataset):
    pmo = PMOUserFactory(username="pmo-sato")
    sony = other_dataset.provider
    _sign_in(client, pmo)

    page = client.get(NEW).content.decode()
    response = client.post(NEW, _data(template, [other_dataset], provider=sony.pk))

    assert f'value="{sony.pk}"' in _options(page, "provider")
    assert response.status_code == 303
    contract = DataContract.objects.get()
    assert contract.provider == sony
    assert list(contract.datasets.all()) == [other_dataset]
    assert contract.created_by == pmo


def test_the_pmo_must_choose_the_provider(client, template, other_dataset):
    _sign_in(client, PMOUserFactory())

    response = client.post(NEW, _data(template, [other_dataset]))

    assert response.status_code == 400
    assert "required" in _field_errors(response.content.decode(), "provider")
    assert not DataContract.objects.exists()


def test_the_pmo_cannot_cover_another_providers_dataset(client, provider, template, other_dataset):
    _sign_in(client, PMOUserFactory())

    response = client.post(NEW, _data(template, [other_dataset], provider=provider.pk))

    assert response.status_code == 400
    assert "sony-sensing belongs to another organization." in _field_errors(
        response.content.decode(), "datasets"
    )
    assert not DataContract.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_policy_staff_may_not_create_a_contract(client, template, dataset, method):
    client.force_login(PolicyUserFactory())

    response = getattr(client, method)(NEW, _data(template, [dataset]))

    assert response.status_code == 404
    assert not DataContract.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client, template, dataset):
    for response in (client.get(NEW), client.post(NEW, _data(template, [dataset]))):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={NEW}"
    assert not DataContract.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(partner, template, dataset):
    client = Client(enforce_csrf_checks=True)
    client.force_login(partner)

    response = client.post(NEW, _data(template, [dataset]))

    assert response.status_code == 403
    assert not DataContract.objects.exists()


# ----------------------------------------------------------------------------- bad input


def test_a_withdrawn_template_is_not_offered_and_is_refused_beside_the_field(
    client, partner, template, dataset
):
    withdrawn = ContractTemplateFactory(
        code=template.code, version=2, tier=DataTier.RESTRICTED, status=TemplateStatus.WITHDRAWN
    )
    _sign_in(client, partner)

    page = client.get(NEW).content.decode()
    response = client.post(NEW, _data(withdrawn, [dataset]))

    assert f'value="{withdrawn.pk}"' not in _options(page, "template")
    assert response.status_code == 400
    assert "has been replaced" in _field_errors(response.content.decode(), "template")
    assert not DataContract.objects.exists()


def test_a_draft_template_is_not_a_choice_for_a_partner(client, partner, dataset):
    draft = ContractTemplateFactory(
        tier=DataTier.RESTRICTED, status=TemplateStatus.DRAFT, published_at=None
    )
    _sign_in(client, partner)

    response = client.post(NEW, _data(draft, [dataset]))

    assert response.status_code == 400
    assert "valid choice" in _field_errors(response.content.decode(), "template")
    assert draft.title_en not in response.content.decode()
    assert not DataContract.objects.exists()


def test_another_organizations_dataset_is_refused_beside_the_field(
    client, partner, template, dataset, other_dataset
):
    _sign_in(client, partner)

    response = client.post(NEW, _data(template, [dataset, other_dataset]))

    html = response.content.decode()
    assert response.status_code == 400
    assert "valid choice" in _field_errors(html, "datasets")
    assert "sony-sensing" not in html
    assert not DataContract.objects.exists()


def test_a_dataset_of_another_tier_is_refused_beside_the_field(client, partner, provider, template):
    public = DataAssetFactory(provider=provider, code="honda-manuals", tier=DataTier.PUBLIC)
    _sign_in(client, partner)

    response = client.post(NEW, _data(template, [public]))

    assert response.status_code == 400
    assert "honda-manuals is Public &amp; licensed data" in _field_errors(
        response.content.decode(), "datasets"
    )
    assert not DataContract.objects.exists()


def test_a_missing_title_is_shown_beside_the_field_and_the_input_is_kept(
    client, partner, template, dataset
):
    _sign_in(client, partner)

    response = client.post(NEW, _data(template, [dataset], title="", notes="Tochigi plant"))

    html = response.content.decode()
    assert response.status_code == 400
    assert "required" in _field_errors(html, "title")
    assert re.search(rf'<option value="{template.pk}"[^>]* selected', html)
    assert re.search(rf'name="datasets" value="{dataset.pk}"[^>]* checked', html)
    assert 'value="2027-04-01"' in html and 'value="2030-03-31"' in html
    assert "Tochigi plant" in html
    assert not DataContract.objects.exists()


def test_an_expiry_before_the_effective_date_is_refused_beside_the_field(
    client, partner, template, dataset
):
    _sign_in(client, partner)

    response = client.post(NEW, _data(template, [dataset], expiry_date="2027-03-31"))

    assert response.status_code == 400
    assert "before the effective date" in _field_errors(response.content.decode(), "expiry_date")
    assert not DataContract.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("effective_date", "0001-01-01", "2000 or later"),
        ("expiry_date", "9999-12-31", "2100 or earlier"),
    ],
)
def test_a_date_out_of_any_contracts_range_is_refused_beside_the_field(
    client, partner, template, dataset, field, value, words
):
    _sign_in(client, partner)

    response = client.post(NEW, _data(template, [dataset], **{field: value}))

    assert response.status_code == 400
    assert words in _field_errors(response.content.decode(), field)
    assert not DataContract.objects.exists()


def test_uses_beyond_the_template_need_a_reason(client, partner, template, dataset):
    uses = [*template.permitted_uses, DataPurpose.SYNTHETIC_DERIVATION]
    _sign_in(client, partner)

    refused = client.post(NEW, _data(template, [dataset], permitted_uses=uses))
    assert refused.status_code == 400
    assert "give the reason" in _field_errors(refused.content.decode(), "deviation_reason")
    assert not DataContract.objects.exists()

    reason = "Synthetic driving scenes for the edge models."
    accepted = client.post(
        NEW, _data(template, [dataset], permitted_uses=uses, deviation_reason=reason)
    )
    assert accepted.status_code == 303
    contract = DataContract.objects.get()
    assert contract.deviation_uses == [DataPurpose.SYNTHETIC_DERIVATION]
    assert contract.deviation_reason == reason
    assert contract.deviation_pending


def test_a_use_the_tier_forbids_is_refused_beside_the_field(client, partner, template, dataset):
    _sign_in(client, partner)

    response = client.post(
        NEW, _data(template, [dataset], permitted_uses=[DataPurpose.BASE_PRETRAINING])
    )

    assert response.status_code == 400
    assert "may never be used for" in _field_errors(response.content.decode(), "permitted_uses")
    assert not DataContract.objects.exists()


# ----------------------------------------------------------------------------- preselection


def test_the_template_in_the_query_is_preselected_with_its_standard_uses(
    client, partner, template, dataset
):
    other = ContractTemplateFactory(tier=DataTier.PUBLIC)
    _sign_in(client, partner)

    html = client.get(NEW, {"template": template.pk}).content.decode()

    options = _options(html, "template")
    assert re.search(rf'<option value="{template.pk}"[^>]* selected', options)
    assert not re.search(rf'<option value="{other.pk}"[^>]* selected', options)
    checked = set(re.findall(r'name="permitted_uses" value="(\w+)"[^>]* checked', html))
    assert checked == set(template.permitted_uses) == {"fine_tuning", "rag_index"}


@pytest.mark.parametrize("value", ["999999", "not-a-number", ""])
def test_an_unknown_template_in_the_query_preselects_nothing(client, partner, template, value):
    _sign_in(client, partner)

    response = client.get(NEW, {"template": value})

    assert response.status_code == 200
    assert "selected" not in _options(response.content.decode(), "template").replace(
        '<option value="" selected>', ""
    )


def test_each_template_option_carries_its_standard_uses_for_the_script(client, partner, template):
    _sign_in(client, partner)

    html = client.get(NEW).content.decode()

    assert re.search(
        rf'<option value="{template.pk}" data-uses="fine_tuning rag_index" data-tier="restricted"',
        html,
    )
    assert "datagov/contract_form.js" in html


def test_a_partner_without_datasets_is_told_how_they_are_registered(client, partner, template):
    _sign_in(client, partner)

    html = client.get(NEW).content.decode()

    assert 'id="no-datasets"' in html
    assert reverse("datagov:datasets") in html
