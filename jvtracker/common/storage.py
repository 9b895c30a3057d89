"""Private file storage: outside any URL space, read only through permission-checked views."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.core.files.storage import Storage, storages
from django.utils import timezone


def private_storage() -> Storage:
    return storages["private"]


def generated_name(prefix: str, original_name: str) -> str:
    """A name that reveals nothing of the upload and cannot collide or traverse."""
    suffix = PurePosixPath(original_name).suffix.lower()[:10]
    if not suffix[1:].isalnum():
        suffix = ""
    return f"{prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"
