"""The project-level API: tokens and login throttling, the one error shape for whatever a
client can send, the schema and docs, and organizations under the role model."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest
from django.conf import settings
from django.core.cache.backends.base import CacheKeyWarning
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from jvtracker.choices import Industry, OrganizationKind
from jvtracker.models import Organization
from jvtracker.services import organization_save
from tests.api import assert_error, assert_history_user, token_client
from tests.factories import (
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
)

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"
ME = "/api/v1/me/"
ORGANIZATIONS = "/api/v1/organizations/"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def jv():
    return OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)


@pytest.fixture
def sakura():
    return OrganizationFactory(code="sakura")


@pytest.fixture
def pmo(jv):
    return PMOUserFactory(username="pmo", organization=jv)


@pytest.fixture
def policy():
    return PolicyUserFactory(username="policy")


@pytest.fixture
def partner(sakura):
    return PartnerUserFactory(username="sakura-bot", organization=sakura)


def anonymous(address: str = "192.0.2.1") -> APIClient:
    """An English client without credentials, from ``address``."""
    return APIClient(headers={"accept-language": "en"}, REMOTE_ADDR=address)


def with_token(token: str) -> APIClient:
    client = anonymous()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def obtain(username: str, password: str = PASSWORD, *, address: str = "192.0.2.1"):
    return anonymous(address).post(
        TOKEN, {"username": username, "password": password}, format="json"
    )


def _rate(scope: str) -> int:
    """How many attempts a login throttle allows (``10/min`` → 10), from the settings."""
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


# -------------------------------------------------------------------------------- tokens


class TestTokens:
    def test_a_username_and_password_obtain_a_prefixed_token_that_authenticates(self, partner):
        response = obtain("sakura-bot")

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["token"].startswith("jvt_")
        assert body["token_key"] == body["token"][: len(body["token_key"])]
        assert body["expiry"]
        me = with_token(body["token"]).get(ME)
        assert me.status_code == 200
        assert me.json()["username"] == "sakura-bot"

    def test_only_a_digest_of_the_token_is_stored(self, partner):
        token = obtain("sakura-bot").json()["token"]

        stored = AuthToken.objects.get(user=partner)
        assert token not in stored.digest
        assert token not in {stored.token_key}

    def test_a_wrong_password_and_an_unknown_user_get_the_same_401(self, partner):
        wrong = obtain("sakura-bot", "wrong-password")
        unknown = obtain("nobody")

        body = assert_error(wrong, 401, "authentication_failed")
        assert assert_error(unknown, 401, "authentication_failed") == body
        assert not AuthToken.objects.exists()

    def test_an_inactive_user_obtains_no_token(self, partner):
        partner.is_active = False
        partner.save()

        assert_error(obtain("sakura-bot"), 401, "authentication_failed")
        assert not AuthToken.objects.exists()

    def test_a_token_of_a_user_made_inactive_stops_working(self, partner):
        token = obtain("sakura-bot").json()["token"]
        partner.is_active = False
        partner.save()

        assert_error(with_token(token).get(ME), 401, "authentication_failed")

    def test_a_token_request_is_strict_about_its_fields(self, partner):
        client = anonymous()
        assert_error(client.post(TOKEN, {"username": "sakura-bot"}, format="json"), 400)
        response = client.post(
            TOKEN,
            {"username": "sakura-bot", "password": PASSWORD, "scope": "all"},
            format="json",
        )
        assert_error(response, 400, "invalid", field="scope")
        assert not AuthToken.objects.exists()

    def test_delete_revokes_the_token_the_request_is_made_with(self, partner):
        token = obtain("sakura-bot").json()["token"]
        other = obtain("sakura-bot").json()["token"]

        assert with_token(token).delete(TOKEN).status_code == 204

        assert_error(with_token(token).get(ME), 401, "authentication_failed")
        assert with_token(other).get(ME).status_code == 200

    def test_delete_without_a_token_is_a_400_on_authorization(self, partner):
        client = APIClient(headers={"accept-language": "en"})
        client.force_login(partner)

        assert_error(client.delete(TOKEN), 400, "invalid", field="Authorization")

    def test_delete_without_credentials_is_a_401(self):
        assert_error(anonymous().delete(TOKEN), 401, "not_authenticated")

    def test_my_tokens_are_listed_with_the_current_one_marked(self, partner, pmo):
        first = obtain("sakura-bot").json()
        second = obtain("sakura-bot").json()
        obtain("pmo")

        response = with_token(second["token"]).get(TOKENS)

        assert response.status_code == 200
        rows = response.json()
        assert {row["token_key"] for row in rows} == {first["token_key"], second["token_key"]}
        assert {row["token_key"]: row["current"] for row in rows} == {
            first["token_key"]: False,
            second["token_key"]: True,
        }

    def test_i_revoke_one_of_my_tokens_by_its_key(self, partner):
        first = obtain("sakura-bot").json()
        second = obtain("sakura-bot").json()

        response = with_token(second["token"]).delete(f"{TOKENS}{first['token_key']}/")

        assert response.status_code == 204
        assert_error(with_token(first["token"]).get(ME), 401)
        assert with_token(second["token"]).get(ME).status_code == 200

    def test_i_cannot_revoke_another_users_token(self, partner, pmo):
        mine = obtain("sakura-bot").json()
        theirs = obtain("pmo").json()

        response = with_token(mine["token"]).delete(f"{TOKENS}{theirs['token_key']}/")

        assert_error(response, 404, "not_found")
        assert with_token(theirs["token"]).get(ME).status_code == 200

    def test_revoking_by_a_key_two_of_my_tokens_share_revokes_both(self, partner):
        first = obtain("sakura-bot").json()
        second = obtain("sakura-bot").json()
        AuthToken.objects.filter(token_key=second["token_key"]).update(token_key=first["token_key"])
        client = token_client(partner)

        assert client.delete(f"{TOKENS}{first['token_key']}/").status_code == 204

        assert_error(with_token(first["token"]).get(ME), 401)
        assert_error(with_token(second["token"]).get(ME), 401)

    @pytest.mark.parametrize("key", ["%00", "jvt_%C3%A9", "x" * 200, "a.b"])
    def test_a_token_key_that_cannot_be_one_is_a_json_404(self, partner, key):
        response = token_client(partner).delete(f"{TOKENS}{key}/")

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_a_user_holds_at_most_the_token_limit(self, partner):
        with override_settings(REST_KNOX={**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}):
            first = obtain("sakura-bot").json()
            obtain("sakura-bot")

            assert_error(obtain("sakura-bot"), 403, "permission_denied")
            assert AuthToken.objects.filter(user=partner).count() == 2

            with_token(first["token"]).delete(TOKEN)
            assert obtain("sakura-bot").status_code == 201

    def test_expired_tokens_do_not_count_against_the_limit(self, partner):
        for _ in range(2):
            AuthToken.objects.create(user=partner, expiry=dt.timedelta(seconds=-1))
        with override_settings(REST_KNOX={**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}):
            assert obtain("sakura-bot").status_code == 201

    def test_an_expired_token_is_refused(self, partner):
        _, token = AuthToken.objects.create(user=partner, expiry=dt.timedelta(seconds=-1))

        assert_error(with_token(token).get(ME), 401, "authentication_failed")
        assert not AuthToken.objects.filter(user=partner).exists()

    @pytest.mark.parametrize(
        "header",
        [
            # A WSGI server hands header bytes on as Latin-1: UTF-8 "日本" arrives like this.
            "Token jvt_日本".encode().decode("latin-1"),
            "Token jvt_\xe9\xe9\xe9",
            "Token \xff",
            "Token",
            "Token a b",
            "Token not-a-token",
        ],
        ids=["utf-8", "latin-1", "byte", "empty", "spaces", "unknown"],
    )
    def test_a_malformed_or_non_ascii_token_header_is_a_401(self, partner, header):
        obtain("sakura-bot")
        client = anonymous()
        client.credentials(HTTP_AUTHORIZATION=header)

        response = client.get(ME)

        assert_error(response, 401, "authentication_failed")
        assert response["WWW-Authenticate"] == "Token"

    def test_a_request_without_credentials_is_told_how_to_authenticate(self):
        response = anonymous().get(ME)

        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"


# ------------------------------------------------------------------------ login throttle


class TestLoginThrottle:
    def test_guessing_one_username_from_many_addresses_is_throttled(self, partner):
        limit = _rate("login_username")
        for attempt in range(limit):
            response = obtain("sakura-bot", "guess", address=f"198.51.100.{attempt + 1}")
            assert response.status_code == 401, (attempt, response.content)

        # Even the right password, from yet another address.
        response = obtain("sakura-bot", address="203.0.113.9")

        body = assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
        assert body["errors"] == []
        assert not AuthToken.objects.exists()

    def test_the_username_throttle_ignores_letter_case_and_spaces(self, partner):
        limit = _rate("login_username")
        for attempt in range(limit):
            name = "SAKURA-BOT " if attempt % 2 else "sakura-bot"
            obtain(name, "guess", address=f"198.51.100.{attempt + 1}")

        assert_error(obtain("Sakura-Bot", address="203.0.113.9"), 429, "throttled")

    def test_a_very_long_username_is_counted_under_a_short_cache_key(self, partner):
        with warnings.catch_warnings():
            warnings.simplefilter("error", CacheKeyWarning)
            response = obtain("名" * 5000, "guess")
        assert_error(response, 400, "invalid", field="username")

    def test_another_username_is_not_held_up_by_guesses_at_one(self, partner, pmo):
        for attempt in range(_rate("login_username")):
            obtain("sakura-bot", "guess", address=f"198.51.100.{attempt + 1}")

        assert obtain("pmo", address="203.0.113.9").status_code == 201

    def test_many_usernames_from_one_address_are_throttled(self, partner):
        limit = _rate("login_address")
        for attempt in range(limit):
            response = obtain(f"user-{attempt}", "guess", address="198.51.100.7")
            assert response.status_code == 401, (attempt, response.content)

        response = obtain("sakura-bot", address="198.51.100.7")

        assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
        assert obtain("sakura-bot", address="198.51.100.8").status_code == 201

    def test_requests_made_with_a_token_are_not_login_attempts(self, partner):
        token = obtain("sakura-bot").json()["token"]
        for _ in range(_rate("login_address") + 1):
            assert with_token(token).get(TOKENS).status_code == 200


# ------------------------------------------------------------------ bad input, one shape


def _organization_body(**fields) -> dict:
    return {
        "code": "hikari",
        "name_ja": "光製鉄",
        "name_en": "Hikari Steel",
        "kind": "minority_backer",
        "industry": "steel",
        **fields,
    }


def _snapshot() -> list[tuple]:
    return list(Organization.objects.order_by("pk").values_list())


class TestBadInput:
    """Whatever a client sends, the answer is a 4xx in the one error shape and nothing
    changes."""

    def _post_raw(self, user, body: bytes, content_type: str = "application/json"):
        return token_client(user).generic("POST", ORGANIZATIONS, body, content_type=content_type)

    def test_malformed_json_is_a_parse_error(self, pmo):
        before = _snapshot()
        assert_error(self._post_raw(pmo, b'{"code": "x",'), 400, "parse_error")
        assert_error(self._post_raw(pmo, b"NaN"), 400, "parse_error")
        assert _snapshot() == before

    def test_a_json_array_instead_of_an_object_is_refused(self, pmo):
        before = _snapshot()
        response = token_client(pmo).post(ORGANIZATIONS, [_organization_body()], format="json")
        assert_error(response, 400, "invalid", field="__all__")
        assert _snapshot() == before

    def test_a_body_that_is_not_json_is_a_400(self, pmo):
        response = self._post_raw(pmo, b"code=x", content_type="application/x-www-form-urlencoded")
        assert_error(response, 400, "unsupported_media_type")

    def test_unknown_fields_are_named(self, pmo):
        before = _snapshot()
        response = token_client(pmo).post(
            ORGANIZATIONS, _organization_body(nmae_en="typo", extra=1), format="json"
        )
        body = assert_error(response, 400, "invalid", field="nmae_en")
        assert {e["field"] for e in body["errors"]} == {"extra", "nmae_en"}
        assert _snapshot() == before

    def test_a_read_only_field_sent_is_refused(self, pmo, sakura):
        response = token_client(pmo).patch(
            f"{ORGANIZATIONS}{sakura.pk}/", {"id": 999, "name_en": "Renamed"}, format="json"
        )
        assert_error(response, 400, "invalid", field="id")
        sakura.refresh_from_db()
        assert sakura.name_en != "Renamed"

    def test_wrong_types_are_named(self, pmo):
        before = _snapshot()
        response = token_client(pmo).post(
            ORGANIZATIONS,
            _organization_body(provides_data="maybe", equity_share="a lot", kind=3),
            format="json",
        )
        body = assert_error(response, 400, "invalid")
        assert {e["field"] for e in body["errors"]} == {"provides_data", "equity_share", "kind"}
        assert _snapshot() == before

    def test_an_overlong_name_is_refused(self, pmo):
        before = _snapshot()
        response = token_client(pmo).post(
            ORGANIZATIONS, _organization_body(name_en="x" * 201), format="json"
        )
        assert_error(response, 400, "invalid", field="name_en")
        assert _snapshot() == before

    def test_a_body_over_the_size_limit_is_refused(self, pmo):
        before = _snapshot()
        with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
            response = token_client(pmo).post(
                ORGANIZATIONS, _organization_body(role_description_en="x" * 2000), format="json"
            )
        assert_error(response, 400, "too_large")
        assert _snapshot() == before

    def test_invalid_utf8_is_a_parse_error(self, pmo):
        before = _snapshot()
        body = b'{"code": "hikari", "name_en": "\xff\xfe"}'
        assert_error(self._post_raw(pmo, body), 400, "parse_error")
        assert _snapshot() == before

    def test_a_lone_surrogate_escape_is_a_parse_error(self, pmo):
        before = _snapshot()
        body = b'{"code": "hikari", "name_ja": "\\ud800", "name_en": "x"}'
        assert_error(self._post_raw(pmo, body), 400, "parse_error")
        assert _snapshot() == before

    def test_nul_characters_are_refused_on_their_field(self, pmo):
        before = _snapshot()
        body = b'{"code": "hikari", "name_ja": "a\\u0000b", "name_en": "x", '
        body += b'"kind": "minority_backer", "industry": "steel"}'
        assert_error(self._post_raw(pmo, body), 400, "invalid", field="name_ja")
        assert _snapshot() == before

    def test_sql_and_html_are_stored_as_text_and_nothing_else_changes(self, pmo, sakura):
        before = _snapshot()
        sql = "'); DROP TABLE jvtracker_organization; --"
        html = '<script>alert("x")</script>'
        client = token_client(pmo)

        response = client.post(
            ORGANIZATIONS,
            _organization_body(name_en=sql, name_ja=html, role_description_en=sql + html),
            format="json",
        )

        assert response.status_code == 201, response.content
        created = Organization.objects.get(code="hikari")
        assert (created.name_en, created.name_ja) == (sql, html)
        assert created.role_description_en == sql + html
        read = client.get(f"{ORGANIZATIONS}{created.pk}/").json()
        assert (read["name_en"], read["name_ja"]) == (sql, html)
        assert _snapshot()[: len(before)] == before
        assert Organization.objects.count() == len(before) + 1

    def test_an_unknown_api_path_is_a_json_404(self, pmo):
        response = token_client(pmo).get("/api/v1/no-such-things/")

        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["code"] == "not_found"

    def test_an_id_that_is_not_a_number_is_a_404_for_every_method(self, pmo, partner):
        for user in (pmo, partner):
            client = token_client(user)
            assert_error(client.get(f"{ORGANIZATIONS}abc/"), 404, "not_found")
            assert_error(client.patch(f"{ORGANIZATIONS}abc/", {}, format="json"), 404)
            assert_error(client.put(f"{ORGANIZATIONS}abc/", {}, format="json"), 404)


# ------------------------------------------------------------------------ schema and docs


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_docs_need_a_signed_in_user(path, partner):
    assert anonymous().get(path).status_code == 401

    response = token_client(partner).get(path)

    assert response.status_code == 200
    client = APIClient()
    client.force_login(partner)
    assert client.get(path).status_code == 200


# -------------------------------------------------------------------------- organizations


class TestOrganizations:
    def test_the_pmo_creates_and_updates_an_organization_and_history_names_them(self, pmo):
        client = token_client(pmo)

        created = client.post(
            ORGANIZATIONS, _organization_body(equity_share="12.50"), format="json"
        )

        assert created.status_code == 201, created.content
        organization = Organization.objects.get(code="hikari")
        assert organization.equity_share == pytest.approx(12.5)
        assert_history_user(organization, pmo)

        updated = client.patch(
            f"{ORGANIZATIONS}{organization.pk}/", {"provides_data": False}, format="json"
        )

        assert updated.status_code == 200, updated.content
        organization.refresh_from_db()
        assert organization.provides_data is False
        assert_history_user(organization, pmo)

    def test_equity_shares_over_100_percent_in_total_are_refused(self, pmo, sakura):
        sakura.equity_share = 60
        sakura.save()

        response = token_client(pmo).post(
            ORGANIZATIONS, _organization_body(equity_share="50"), format="json"
        )

        assert_error(response, 400, "invalid", field="equity_share")
        assert not Organization.objects.filter(code="hikari").exists()

    def test_a_duplicate_code_is_refused_on_code(self, pmo, sakura):
        response = token_client(pmo).post(
            ORGANIZATIONS, _organization_body(code="sakura"), format="json"
        )
        assert_error(response, 400, "invalid", field="code")

    def test_policy_staff_read_every_organization_and_change_none(self, policy, sakura, jv):
        client = token_client(policy)

        listed = client.get(ORGANIZATIONS)

        assert listed.status_code == 200
        codes = {row["code"] for row in listed.json()["results"]}
        assert {"jv", "sakura", policy.organization.code} <= codes
        assert client.get(f"{ORGANIZATIONS}{sakura.pk}/").status_code == 200
        assert_error(client.post(ORGANIZATIONS, _organization_body(), format="json"), 403)
        assert_error(
            client.patch(f"{ORGANIZATIONS}{sakura.pk}/", {"name_en": "x"}, format="json"),
            403,
            "permission_denied",
        )
        sakura.refresh_from_db()
        assert sakura.name_en != "x"
        assert not Organization.objects.filter(code="hikari").exists()

    def test_a_partner_sees_only_their_own_organization(self, partner, sakura, jv):
        client = token_client(partner)

        listed = client.get(ORGANIZATIONS)

        assert [row["code"] for row in listed.json()["results"]] == ["sakura"]
        assert listed.json()["count"] == 1
        assert client.get(f"{ORGANIZATIONS}{sakura.pk}/").status_code == 200
        assert_error(client.get(f"{ORGANIZATIONS}{jv.pk}/"), 404, "not_found")
        assert client.get(ORGANIZATIONS, {"kind": "joint_venture"}).json()["results"] == []

    def test_a_partner_is_told_404_about_another_organization_and_403_about_their_own(
        self, partner, sakura, jv
    ):
        client = token_client(partner)

        other = client.patch(f"{ORGANIZATIONS}{jv.pk}/", {"name_en": "Taken"}, format="json")
        own = client.patch(f"{ORGANIZATIONS}{sakura.pk}/", {"name_en": "Mine"}, format="json")
        created = client.post(ORGANIZATIONS, _organization_body(), format="json")

        assert_error(other, 404, "not_found")
        assert_error(own, 403, "permission_denied")
        assert_error(created, 403, "permission_denied")
        jv.refresh_from_db()
        sakura.refresh_from_db()
        assert (jv.name_en, sakura.name_en) != ("Taken", "Mine")

    def test_organizations_are_not_deleted_through_the_api(self, pmo, sakura):
        response = token_client(pmo).delete(f"{ORGANIZATIONS}{sakura.pk}/")

        assert_error(response, 405, "method_not_allowed")
        assert Organization.objects.filter(pk=sakura.pk).exists()

    def test_organizations_filter_and_order(self, pmo, sakura, jv):
        OrganizationFactory(code="aoi", industry=Industry.FINANCE, provides_data=False)
        client = token_client(pmo)

        rows = client.get(ORGANIZATIONS, {"industry": "finance"}).json()["results"]
        assert [row["code"] for row in rows] == ["aoi"]
        rows = client.get(ORGANIZATIONS, {"ordering": "-code"}).json()["results"]
        assert [row["code"] for row in rows] == sorted((r["code"] for r in rows), reverse=True)

    def test_the_list_costs_the_same_queries_for_10_and_100_organizations(self, pmo):
        client = token_client(pmo)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(ORGANIZATIONS, {"page_size": 500}).status_code == 200
            return len(captured)

        OrganizationFactory.create_batch(10)
        ten = queries()
        OrganizationFactory.create_batch(90)
        assert queries() == ten

    def test_me_describes_the_signed_in_user(self, partner):
        response = token_client(partner).get(ME)

        assert response.status_code == 200
        body = response.json()
        assert body["username"] == "sakura-bot"
        assert body["organization"] == "sakura"
        assert body["role"] == "partner"
        assert body["reading_role"] == "partner"
        assert "password" not in body


class TestOrganizationService:
    @pytest.mark.parametrize("factory", [PolicyUserFactory, PartnerUserFactory])
    def test_only_the_pmo_records_organizations(self, factory, sakura):
        actor = factory(organization=sakura)
        sakura.name_en = "Changed"

        with pytest.raises(PermissionDenied):
            organization_save(organization=sakura, actor=actor)

        sakura.refresh_from_db()
        assert sakura.name_en != "Changed"

    def test_the_pmo_and_the_system_record_organizations(self, pmo):
        for actor in (pmo, None):
            organization = Organization(
                code=f"new{actor.pk if actor else 0}",
                name_ja="新規",
                name_en="New",
                kind=OrganizationKind.MINORITY_BACKER,
                industry=Industry.STEEL,
            )
            organization_save(organization=organization, actor=actor)
            assert organization.pk is not None
