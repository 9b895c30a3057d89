"""The one way services save a model: validated, and attributed in history."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from jvtracker.common.models import PrivateFile
from jvtracker.common.uploads import UploadFacts
from jvtracker.models import User

M = TypeVar("M", bound=models.Model)
F = TypeVar("F", bound=PrivateFile)


def require_pmo(actor: User | None, message: str) -> None:
    """Refuse anyone but the PMO; ``actor`` None is the system (seed, commands, tasks)."""
    if actor is not None and not actor.is_pmo:
        raise PermissionDenied(message)


def validated_save(instance: M, *, actor: User | None) -> M:
    """``full_clean()`` then ``save()``, recording ``actor`` as the history user.

    Inside a request HistoryRequestMiddleware already knows the user; commands and tasks
    have no request, so the actor is set on the instance explicitly.
    """
    instance.full_clean()
    if actor is not None:
        instance._history_user = actor
    instance.save()
    return instance


def private_file_save(
    instance: F,
    *,
    upload: UploadedFile,
    facts: UploadFacts,
    actor: User,
    before_save: Callable[[], None] | None = None,
) -> F:
    """Store ``upload`` under a generated name and save its row, or leave nothing behind.

    The file is written first (a row must never point at a missing file); if anything
    fails before the row is committed here, including ``before_save``'s checks run under
    the same transaction, the file is deleted again.
    """
    instance.original_name = facts.original_name
    instance.sha256 = facts.sha256
    instance.size = facts.size
    instance.uploaded_by = actor
    instance.file.save(facts.original_name, upload, save=False)
    try:
        with transaction.atomic():
            if before_save is not None:
                before_save()
            validated_save(instance, actor=actor)
    except BaseException:
        instance.file.delete(save=False)
        raise
    return instance
