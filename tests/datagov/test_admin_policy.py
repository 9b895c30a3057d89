"""The tier policy page shows the PMO and policy staff the table the services enforce."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import PartnerUserFactory, PMOUserFactory, PolicyUserFactory

pytestmark = pytest.mark.django_db

# Written out by hand from the separation design, not read from the policy module.
EXPECTED = {
    "public": ["permitted"] * 5,
    "restricted": ["forbidden", "permitted", "permitted", "by_deviation", "by_deviation"],
    "secret": ["forbidden", "forbidden", "forbidden", "permitted", "permitted"],
}
PURPOSES = ["base_pretraining", "fine_tuning", "rag_index", "synthetic_derivation", "edge_learning"]


def _cells(html: str, tier: str) -> list[tuple[str, str]]:
    row = re.search(rf'<tr id="tier-{tier}">(.*?)</tr>', html, re.S).group(1)
    return re.findall(r'class="tp-cell tp-(\w+)" data-purpose="(\w+)"', row)


@pytest.mark.parametrize("make_user", [PMOUserFactory, PolicyUserFactory])
def test_the_tier_policy_page_shows_every_cell(client, make_user):
    client.force_login(make_user())

    response = client.get(reverse("admin:datagov_tier_policy"))

    assert response.status_code == 200
    html = response.content.decode()
    for tier, cells in EXPECTED.items():
        assert _cells(html, tier) == list(zip(cells, PURPOSES, strict=True))


def test_the_admin_index_links_to_the_tier_policy(client):
    client.force_login(PMOUserFactory())

    assert (
        reverse("admin:datagov_tier_policy") in client.get(reverse("admin:index")).content.decode()
    )


def test_partners_do_not_reach_the_admin_policy_page(client):
    client.force_login(PartnerUserFactory())

    response = client.get(reverse("admin:datagov_tier_policy"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
