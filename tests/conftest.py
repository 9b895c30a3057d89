"""Shared fixtures. With REQUIRE_SERVICES=1 (as .ci/run sets) a test that needs
PostgreSQL or Redis fails when the service is missing instead of skipping."""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """Japanese is the default language: compile any .po newer than its .mo, so running
    pytest directly tests the same translations as make test does."""
    import shutil
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command

    stale = [
        po
        for root in settings.LOCALE_PATHS
        for po in Path(root).rglob("*.po")
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if not stale:
        return
    if shutil.which("msgfmt") is None:
        pytest.exit("Translations are not compiled and msgfmt is missing: install gettext.")
    call_command("compilemessages", locale=[], verbosity=0, ignore_patterns=[".venv"])


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Login throttles count in the cache: each test starts with none spent."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def postgres(db) -> None:
    """The test runs against a real PostgreSQL server."""
    from django.db import connection

    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def redis_url() -> str:
    """The URL of a reachable Redis server, for tests that use a real broker."""
    import redis

    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        _missing("needs Redis: set CELERY_BROKER_URL=redis://…")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _missing(f"Redis at {url} is unreachable: {exc}")
    return url


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test stores private files in its own directory, so leftovers are visible."""
    root = tmp_path / "private"
    root.mkdir()
    settings.PRIVATE_MEDIA_ROOT = root
    return root


@pytest.fixture
def admin_user(db):
    """pytest-django's admin_user, with the organization and role every user needs."""
    from tests.factories import PMOUserFactory

    return PMOUserFactory(username="admin", is_superuser=True, is_staff=True)
