"""The one way services save a model: validated, and attributed in history."""

from __future__ import annotations

from typing import TypeVar

from django.db import models

from jvtracker.models import User

M = TypeVar("M", bound=models.Model)


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
