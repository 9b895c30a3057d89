"""Orphaned private files are found and, on request, removed; referenced ones never are."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from datagov.choices import ContractStatus
from datagov.services import contract_document_upload
from jvtracker.common.storage import private_storage
from tests.factories import DataContractFactory, PartnerUserFactory
from tests.pdfs import pdf_upload

pytestmark = pytest.mark.django_db

DAY = 24 * 3600


def _stray(name: str, *, age_seconds: float) -> Path:
    path = Path(private_storage().path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 stray")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def _sweep(*args: str) -> str:
    out = io.StringIO()
    call_command("sweep_private_files", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def stored_document():
    partner = PartnerUserFactory()
    contract = DataContractFactory(provider=partner.organization, status=ContractStatus.DRAFT)
    document = contract_document_upload(contract=contract, upload=pdf_upload(), actor=partner)
    path = Path(document.file.path)
    then = time.time() - 3 * DAY
    os.utime(path, (then, then))
    return document


def test_a_dry_run_lists_only_old_files_no_row_refers_to(stored_document):
    old = _stray("contracts/2026/01/orphan.pdf", age_seconds=2 * DAY)
    young = _stray("contracts/2026/11/in-flight.pdf", age_seconds=60)

    output = _sweep()

    assert "orphan\tcontracts/2026/01/orphan.pdf" in output
    assert "in-flight" not in output
    assert stored_document.file.name not in output
    assert "Found 1 orphaned" in output
    assert old.exists() and young.exists()


def test_delete_removes_the_orphans_and_keeps_every_referenced_file(stored_document):
    old = _stray("contracts/2026/01/orphan.pdf", age_seconds=2 * DAY)

    _sweep("--delete")

    assert not old.exists()
    assert Path(stored_document.file.path).exists()


def test_a_file_only_history_remembers_is_kept(stored_document):
    # The row is gone (e.g. removed from a shell) but its history still names the file.
    name = stored_document.file.name
    type(stored_document).objects.filter(pk=stored_document.pk).delete()

    output = _sweep("--delete", "--min-age-hours", "0")

    assert name not in output
    assert Path(private_storage().path(name)).exists()
