"""Celery entry points of the consortium app."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.core.mail import EmailMessage


# One email a task, so a retry never sends the others twice.
@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=True, max_retries=5)
def email_send_task(*, to: str, subject: str, body: str, language: str) -> None:
    EmailMessage(subject, body, to=[to], headers={"Content-Language": language}).send()
