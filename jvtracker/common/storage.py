"""Private file storage: outside any URL space, read only through permission-checked views."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils import timezone
from django.utils.functional import cached_property


class PrivateStorage(FileSystemStorage):
    """Files under settings.PRIVATE_MEDIA_ROOT, which has no URL at all."""

    @cached_property
    def base_location(self) -> str:
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL; serve them through a view.")

    def _clear_cached_properties(self, setting: str, **kwargs) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def private_storage() -> Storage:
    return storages["private"]


def generated_name(prefix: str, original_name: str) -> str:
    """A name that reveals nothing of the upload and cannot collide or traverse."""
    suffix = PurePosixPath(original_name).suffix.lower()[:10]
    if not suffix[1:].isalnum():
        suffix = ""
    return f"{prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def private_file_fields() -> list[tuple[type, str]]:
    """Every (model, field name) whose files live in private storage."""
    from django.apps import apps
    from django.db.models import FileField

    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField) and field.storage is private_storage():
                found.append((model, field.name))
    return found


def referenced_private_names() -> set[str]:
    """Names of private files that a row, or a history row, still points at.

    A file only history remembers is kept: it is what was uploaded at the time.
    """
    names: set[str] = set()
    for model, field in private_file_fields():
        names.update(model._default_manager.values_list(field, flat=True))
        history = getattr(model, "history", None)
        if history is not None:
            names.update(history.model._default_manager.values_list(field, flat=True))
    names.discard("")
    names.discard(None)
    return names


def orphaned_private_files(*, older_than: dt.timedelta) -> list[str]:
    """Private files no row refers to, last modified more than ``older_than`` ago.

    A service stores a file before committing its row and deletes it if its own save
    fails; a file is orphaned only if the process dies in between, or an enclosing
    transaction rolls back after the service returned. The age threshold keeps uploads
    that are still being committed out of the list.
    """
    root = Path(private_storage().path(""))
    if not root.exists():
        return []
    referenced = referenced_private_names()
    cutoff = time.time() - older_than.total_seconds()
    orphans = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if name not in referenced and path.stat().st_mtime < cutoff:
            orphans.append(name)
    return orphans
