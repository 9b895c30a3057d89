"""Japanese first, English available, and every string of the UI translated."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import PartnerUserFactory, PMOUserFactory

JA_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def test_every_string_has_a_japanese_translation():
    for flag in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(
            ["msgattrib", flag, "--no-wrap", str(JA_CATALOGUE)],
            capture_output=True,
            text=True,
            check=True,
        )
        # msgattrib prints only the header when nothing matches.
        missing = [line for line in result.stdout.splitlines() if line.startswith("msgid ")]
        assert missing in ([], ['msgid ""']), f"{flag}: {missing}"


@pytest.mark.django_db
def test_the_admin_speaks_japanese_by_default(client):
    client.force_login(PMOUserFactory())

    page = client.get("/admin/").content.decode()

    assert "ステージゲート" in page
    assert "リスク登録簿" in page


@pytest.mark.django_db
def test_the_language_switch_turns_the_admin_to_english_and_persists(client):
    client.force_login(PMOUserFactory())

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    page = client.get("/admin/").content.decode()
    later = client.get("/admin/milestones/stagegate/").content.decode()

    assert switched.status_code == 302
    assert "Stage gates" in page and "ステージゲート" not in page
    assert "Stage gates" in later


@pytest.mark.django_db
def test_the_chosen_language_is_kept_for_a_year_not_only_for_the_browser_session(client):
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})

    cookie = switched.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert int(cookie["max-age"]) >= 365 * 24 * 60 * 60


@pytest.mark.django_db
def test_a_signed_in_users_choice_is_kept_on_their_account_in_history(client):
    user = PMOUserFactory(language="ja")
    client.force_login(user)

    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})

    user.refresh_from_db()
    assert user.language == "en"
    latest = user.history.latest()
    assert latest.language == "en" and latest.history_user == user


@pytest.mark.django_db
def test_signing_in_on_a_new_browser_brings_the_accounts_language(client):
    PartnerUserFactory(username="steel-partner", language="en")

    response = client.post(
        "/accounts/login/", {"username": "steel-partner", "password": "correct-horse-battery"}
    )

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Data contracts" in client.get("/datagov/contracts/").content.decode()


@pytest.mark.django_db
def test_a_language_chosen_on_the_login_page_becomes_the_accounts(client):
    user = PartnerUserFactory(username="steel-partner", language="ja")
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})

    client.post(
        "/accounts/login/", {"username": "steel-partner", "password": "correct-horse-battery"}
    )

    user.refresh_from_db()
    assert user.language == "en"
