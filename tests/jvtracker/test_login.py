"""Signing in on the pages and in the admin: the same guessing limits as the API's token
login, counted per username from anywhere and per client address."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PartnerUserFactory, PMOUserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _rate(scope: str) -> int:
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


def _sign_in(client, url: str, username: str, password: str, address: str = "192.0.2.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_the_right_password_signs_in(client, url_name):
    user = PMOUserFactory(username="pmo-one")

    response = _sign_in(client, reverse(url_name), "pmo-one", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_guessing_one_username_from_many_addresses_is_refused_even_the_right_password(
    client, url_name
):
    PMOUserFactory(username="pmo-one")
    url = reverse(url_name)
    for attempt in range(_rate("login_username")):
        response = _sign_in(client, url, "pmo-one", "guess", address=f"198.51.100.{attempt + 1}")
        assert response.status_code == 200, attempt

    response = _sign_in(client, url, "PMO-One", PASSWORD, address="203.0.113.9")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert 'value="PMO-One"' in page  # what the user typed is kept
    assert 'class="errornote"' in page or "errorlist nonfield" in page


def test_many_usernames_from_one_address_are_refused_and_another_address_is_not(client):
    partner = PartnerUserFactory(username="sakura-web")
    url = reverse("login")
    for attempt in range(_rate("login_address")):
        assert _sign_in(client, url, f"user-{attempt}", "guess", "198.51.100.7").status_code == 200

    assert _sign_in(client, url, "sakura-web", PASSWORD, "198.51.100.7").status_code == 429

    response = _sign_in(client, url, "sakura-web", PASSWORD, "198.51.100.8")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(partner.pk)


def test_the_page_and_the_api_count_attempts_together(client):
    PMOUserFactory(username="pmo-one")
    for attempt in range(_rate("login_username")):
        _sign_in(client, reverse("login"), "pmo-one", "guess", address=f"198.51.100.{attempt + 1}")

    response = client.post(
        "/api/v1/auth/token/",
        {"username": "pmo-one", "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 429


def test_a_signed_in_user_sent_back_to_the_login_page_goes_to_their_front_door(client):
    client.force_login(PartnerUserFactory())

    response = client.get(reverse("login"), {"next": reverse("login")})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
