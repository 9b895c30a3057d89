"""Small pieces of prose that differ by language."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext


def listing(items: Iterable[object]) -> str:
    """Items joined as the active language lists them: "a, b" in English, "a、b" in Japanese."""
    return gettext(", ").join(str(item) for item in items)
