"""API tokens in the admin: the PMO sees everyone's and revokes any; nobody mints one for
someone else; policy staff do not see them."""

import pytest
from django.urls import reverse
from knox.models import AuthToken

from tests.factories import PartnerUserFactory, PMOUserFactory, PolicyUserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:knox_authtoken_changelist")


def test_the_pmo_lists_every_users_tokens_by_their_key(client):
    partner = PartnerUserFactory()
    token, secret = AuthToken.objects.create(user=partner)
    client.force_login(PMOUserFactory())

    page = client.get(LIST)

    assert page.status_code == 200
    assert token.token_key in page.text
    assert partner.username in page.text
    assert secret not in page.text


def test_the_pmo_revokes_a_token_which_then_no_longer_authenticates(client):
    partner = PartnerUserFactory()
    token, key = AuthToken.objects.create(user=partner)
    client.force_login(PMOUserFactory())

    response = client.post(reverse("admin:knox_authtoken_delete", args=[token.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not AuthToken.objects.filter(pk=token.pk).exists()
    # The session would authenticate the PMO; a client with the token alone is refused.
    client.logout()
    refused = client.get("/api/v1/me/", headers={"authorization": f"Token {key}"})
    assert refused.status_code == 401


def test_nobody_mints_a_token_for_someone_else_in_the_admin(client):
    client.force_login(PMOUserFactory())

    assert client.get(reverse("admin:knox_authtoken_add")).status_code == 403


def test_policy_staff_do_not_see_tokens(client):
    client.force_login(PolicyUserFactory())

    assert client.get(LIST).status_code == 403
