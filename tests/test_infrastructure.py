"""The deployment files agree with the settings: docker-compose.yml, the Dockerfile and
``manage.py check --deploy`` under the production settings.

Docker is not needed: the compose file is parsed, and its ``${VAR…}`` references are
resolved here the way docker compose resolves them.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
PRODUCTION = "jvtracker.settings.production"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, environ: dict[str, str]) -> str:
    """Resolve compose variable references against ``environ``; a missing required
    variable raises, as ``docker compose up`` would refuse to start."""

    def resolve(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"] or "", match["arg"] or ""
        current = environ.get(name)
        unset = current is None or (op.startswith(":") and current == "")
        if op.endswith("?") and unset:
            raise LookupError(f"{name}: {arg}")
        if op.endswith("-") and unset:
            return arg
        return current or ""

    return INTERPOLATION.sub(resolve, value)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else " ".join(command.split())


def environment_of(service: dict, environ: dict[str, str]) -> dict[str, str]:
    raw = service.get("environment", {})
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(str(value), environ) for key, value in raw.items()}


def depends_on(service: dict) -> set[str]:
    return set(service.get("depends_on", []))


HOST_ENV = {
    "SECRET_KEY": "x" * 60,
    "POSTGRES_PASSWORD": "pw",
    "ALLOWED_HOSTS": "jvtracker.example.jp",
}


def test_compose_defines_the_five_services(compose):
    assert {"db", "redis", "web", "worker", "beat"} <= set(compose["services"])
    assert compose["services"]["db"]["image"].startswith("postgres:15")
    assert compose["services"]["redis"]["image"].startswith("redis:7")
    assert "pg_isready" in str(compose["services"]["db"]["healthcheck"]["test"])


def test_compose_web_runs_migrate_then_gunicorn(compose):
    web = compose["services"]["web"]
    command = command_of(web)
    assert "manage.py migrate" in command
    assert "gunicorn jvtracker.wsgi:application" in command
    assert command.index("migrate") < command.index("gunicorn")
    assert any(str(port).endswith("8000") for port in web["ports"])


def test_compose_worker_and_beat_run_celery(compose):
    assert "celery -A jvtracker worker" in command_of(compose["services"]["worker"])
    assert "celery -A jvtracker beat" in command_of(compose["services"]["beat"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service_uses_production_settings_db_and_redis(compose, name):
    service = compose["services"][name]
    env = environment_of(service, HOST_ENV)
    assert env["DJANGO_SETTINGS_MODULE"] == PRODUCTION
    database = urlsplit(env["DATABASE_URL"])
    assert database.scheme in {"postgres", "postgresql"}
    assert database.hostname == "db"
    assert urlsplit(env["CELERY_BROKER_URL"]).hostname == "redis"
    assert env["SECRET_KEY"] == HOST_ENV["SECRET_KEY"]
    assert env["ALLOWED_HOSTS"] == HOST_ENV["ALLOWED_HOSTS"]
    assert env["PRIVATE_MEDIA_ROOT"]
    assert any(
        str(volume).endswith(f":{env['PRIVATE_MEDIA_ROOT']}") for volume in service["volumes"]
    ), "private files must live on a volume shared by web and worker"
    assert {"db", "redis"} <= depends_on(service)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"])
def test_compose_refuses_to_start_without_a_secret(compose, missing):
    host_env = {**HOST_ENV, missing: ""}
    with pytest.raises(LookupError, match=missing):
        environment_of(compose["services"]["web"], host_env)


def test_dockerfile_installs_pango_japanese_fonts_and_runs_gunicorn_as_non_root():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim-bookworm", dockerfile, re.M)
    for package in ("fonts-ipaexfont-gothic", "fonts-ipaexfont-mincho", "libpango-1.0-0"):
        assert package in dockerfile
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert f"DJANGO_SETTINGS_MODULE={PRODUCTION}" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert re.search(r'^CMD \["gunicorn", "jvtracker\.wsgi:application"', dockerfile, re.M)


# Variables the production settings read; cleared so the developer's or CI's own
# environment cannot change the outcome.
SETTINGS_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "STATIC_ROOT",
    "PRIVATE_MEDIA_ROOT",
)


def manage(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    clean.update(
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        **env,
    )
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="jvtracker.example.jp",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_reports_a_disabled_ssl_redirect(tmp_path):
    """The check above is not vacuous: switching a protection off is reported."""
    result = manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="jvtracker.example.jp",
        SECURE_SSL_REDIRECT="false",
    )
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param(None, id="unset"),
        pytest.param("", id="empty"),
        pytest.param("too-short", id="short"),
    ],
)
def test_production_settings_refuse_to_start_without_secret_key(tmp_path, secret_key):
    env = {"ALLOWED_HOSTS": "jvtracker.example.jp"}
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    result = manage(["check"], tmp_path, **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_image_build_settings_satisfy_the_production_settings(tmp_path):
    """The Dockerfile's build-time placeholders must get collectstatic through the
    production settings, or the image never builds."""
    build = re.search(
        r"RUN SECRET_KEY=(\S+) \\\s+ALLOWED_HOSTS=(\S+) \\", (ROOT / "Dockerfile").read_text()
    )
    assert build, "the Dockerfile's collectstatic step sets SECRET_KEY and ALLOWED_HOSTS"
    secret_key, allowed_hosts = build.groups()

    result = manage(
        ["collectstatic", "--noinput", "--dry-run"],
        tmp_path,
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS=allowed_hosts,
    )

    assert result.returncode == 0, result.stderr
