"""Helpers for API tests: a client carrying a real token, the error shape, history.

The package also holds the proof of the API as a whole: the permission matrix, the query
counts of every list, the schema's drift and completeness, and the fuzzing run
(``tests/api/test_*.py``), with the data they share in ``tests/api/world.py``."""

from __future__ import annotations

from django.db import models
from knox.models import AuthToken
from rest_framework.test import APIClient

from jvtracker.models import User


def token_client(user: User | None = None, *, language: str = "en") -> APIClient:
    """An API client sending ``Authorization: Token …`` for ``user`` (none: anonymous),
    asking for answers in ``language``."""
    client = APIClient(headers={"accept-language": language})
    if user is not None:
        _, token = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def assert_error(response, status: int, code: str | None = None, field: str | None = None) -> dict:
    """The response is a refusal with ``status`` in the API's one error shape; ``code`` and
    a ``field`` named among its errors, when given."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    body = response.json()
    assert set(body) == {"code", "message", "errors"}, body
    assert isinstance(body["message"], str) and body["message"], body
    for item in body["errors"]:
        assert set(item) == {"row", "field", "message"}, item
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert field in {item["field"] for item in body["errors"]}, body
    return body


def assert_history_user(instance: models.Model, user: User) -> None:
    """The newest history row of ``instance`` names ``user`` as the one who made it."""
    latest = instance.history.order_by("-history_date", "-history_id").first()
    assert latest is not None, f"{instance!r} has no history"
    assert latest.history_user_id == user.pk, (latest.history_user, user)
