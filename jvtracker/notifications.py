"""Emails to people, each in the recipient's own language, sent by a worker after the
change that caused them has committed (a rolled-back change sends nothing)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from jvtracker.models import User

# Set while the tracker writes history nobody is to be told about (the demo's seed).
_silenced: ContextVar[bool] = ContextVar("notifications_silenced", default=False)


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Send no email for what happens inside: seeding a programme's past steps is not news
    to anyone."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def notify(recipients: Iterable[User], template: str, context: dict) -> int:
    """Email ``recipients`` from ``templates/emails/<template>_subject.txt`` and
    ``<template>.txt``; how many emails were queued. Users without an address and
    deactivated users are skipped."""
    from jvtracker.tasks import email_send_task

    if _silenced.get():
        return 0
    messages = []
    seen = set()
    for user in recipients:
        if not user.is_active or not user.email or user.pk in seen:
            continue
        seen.add(user.pk)
        with translation.override(user.language):
            page = {**context, "user": user, "site_url": settings.SITE_URL}
            subject = " ".join(render_to_string(f"emails/{template}_subject.txt", page).split())
            body = render_to_string(f"emails/{template}.txt", page)
        messages.append(
            {"to": user.email, "subject": subject, "body": body, "language": user.language}
        )
    for message in messages:
        transaction.on_commit(lambda message=message: email_send_task.delay(**message))
    return len(messages)
