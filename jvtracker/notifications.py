"""Emails to people, each in the recipient's own language, sent by a worker after the
change that caused them has committed (a rolled-back change sends nothing)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from jvtracker.models import User


def notify(recipients: Iterable[User], template: str, context: dict) -> int:
    """Email ``recipients`` from ``templates/emails/<template>_subject.txt`` and
    ``<template>.txt``; how many emails were queued. Users without an address and
    deactivated users are skipped."""
    from jvtracker.tasks import email_send_task

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
