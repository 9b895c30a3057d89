"""Small shared model pieces."""

from django.db import models
from django.utils.translation import get_language


def localized(obj: models.Model, field: str) -> str:
    """The Japanese or English variant of ``field`` for the active language.

    Falls back to the other language when the preferred one is blank, so a record with
    only a Japanese title still shows something in English pages.
    """
    ja, en = getattr(obj, f"{field}_ja", ""), getattr(obj, f"{field}_en", "")
    if (get_language() or "ja").startswith("en"):
        return en or ja
    return ja or en
