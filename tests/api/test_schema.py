"""The OpenAPI document: committed as the code generates it, valid, generated without
warnings, complete about errors and authentication, and served to signed-in users."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from drf_spectacular.validation import validate_schema

from tests.api import assert_error, token_client
from tests.api.operations import operations
from tests.factories import PartnerUserFactory

COMMITTED = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"
ERROR_REF = "#/components/schemas/Error"
# Every operation documents these; writes also 409 (a conflict lost in the database).
ALWAYS_DOCUMENTED = {"400", "401", "403", "404", "429"}
# The one operation open to the anonymous: trading a password for a token.
UNAUTHENTICATED = {("POST", "/api/v1/auth/token/")}


@pytest.fixture(scope="module")
def make_schema(tmp_path_factory) -> tuple[subprocess.CompletedProcess, str]:
    """What ``make schema`` runs (same settings, English, validating, failing on any
    warning), written to a scratch file: (the process, the document it wrote)."""
    target = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    # As the Makefile: PostgreSQL's integer ranges (production's), whatever database the
    # suite runs on; generating the schema opens no connection.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jvtracker.settings.local",
        "DATABASE_URL": "postgres://localhost/jvtracker",
    }
    process = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--lang",
            "en",
            "--file",
            str(target),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return process, target.read_text(encoding="utf-8") if target.exists() else ""


def test_schema_generates_valid_and_without_a_warning(make_schema):
    process, _ = make_schema
    assert process.returncode == 0, (
        "manage.py spectacular --validate --fail-on-warn failed:\n"
        f"{process.stdout}\n{process.stderr}"
    )
    assert "Warning" not in process.stderr, process.stderr


def test_committed_schema_is_the_one_the_code_generates(make_schema):
    _, generated = make_schema
    assert generated, "the schema could not be generated (see the test above)"
    committed = COMMITTED.read_text(encoding="utf-8")
    assert generated == committed, (
        "docs/api/openapi.yaml differs from the schema the code generates: "
        "run `make schema` and commit docs/api/openapi.yaml"
    )


def test_generated_schema_is_valid_openapi(api_schema):
    validate_schema(api_schema)


def test_every_operation_documents_its_errors_with_the_error_shape(api_schema):
    for (method, path), operation in operations(api_schema).items():
        responses = operation["responses"]
        missing = ALWAYS_DOCUMENTED - set(responses)
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            missing |= {"409"} - set(responses)
        assert not missing, f"{method} {path} does not document {sorted(missing)}"
        for code, response in responses.items():
            if code.startswith("4"):
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                assert schema == {"$ref": ERROR_REF}, (
                    f"{method} {path} documents its {code} without the Error shape: {response}"
                )


def test_every_operation_but_obtaining_a_token_requires_authentication(api_schema):
    for key, operation in operations(api_schema).items():
        security = operation.get("security", [])
        open_to_anyone = not security or {} in security
        assert open_to_anyone == (key in UNAUTHENTICATED), (key, security)


@pytest.mark.django_db
def test_schema_and_docs_are_served_to_a_signed_in_user():
    client = token_client(PartnerUserFactory())
    response = client.get("/api/schema/")
    assert response.status_code == 200, response.content[:500]
    document = yaml.safe_load(response.content)
    assert "/api/v1/me/" in document["paths"]

    client.force_login(PartnerUserFactory())
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


@pytest.mark.django_db
def test_schema_and_docs_are_refused_to_the_anonymous():
    client = token_client()
    response = client.get("/api/schema/")
    # The error shape, in the document's own format (YAML unless ?format=json).
    assert response.status_code == 401
    body = yaml.safe_load(response.content)
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == "not_authenticated"
    assert_error(client.get("/api/schema/", {"format": "json"}), 401, code="not_authenticated")
    assert client.get("/api/docs/").status_code == 401
