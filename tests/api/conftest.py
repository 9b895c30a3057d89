"""Fixtures of the API proofs: the generated schema, and one world per test module."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from tests.api.operations import generated_schema
from tests.api.world import World, build_world


@pytest.fixture(scope="session")
def api_schema() -> dict:
    """The OpenAPI schema the code generates now (English)."""
    return generated_schema()


@pytest.fixture(scope="session")
def private_root(tmp_path_factory):
    return tmp_path_factory.mktemp("private")


@pytest.fixture(autouse=True)
def _private_media(settings, private_root):
    """Overrides tests/conftest.py's: a module's world stores its files (signed documents,
    report PDFs) once, so every test of the module reads them from the same directory."""
    settings.PRIVATE_MEDIA_ROOT = private_root
    return private_root


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, private_root) -> World:
    """One world for the whole module, built once in a transaction rolled back at its end;
    each test's own changes are rolled back after it (``db`` nests a savepoint)."""
    with django_db_blocker.unblock(), override_settings(PRIVATE_MEDIA_ROOT=private_root):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
