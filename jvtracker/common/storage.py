"""Private file storage: outside any URL space, read only through permission-checked views."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

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
