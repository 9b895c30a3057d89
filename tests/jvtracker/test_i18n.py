"""Japanese first, English available, and every string of the UI translated."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import PMOUserFactory

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
