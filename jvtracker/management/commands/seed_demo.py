"""``manage.py seed_demo``: load the JV's programme and the demo users (jvtracker.demo)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jvtracker import demo


class Command(BaseCommand):
    help = (
        "Add whatever is missing of the JV's programme, gates, risks, demo users and "
        "the data-governance demo (datasets, templates, contracts, models and runs) and "
        "the KPI demo (a year of measurements, the safety checklist, incidents). "
        "Idempotent: existing rows are never changed. Password: $DEMO_PASSWORD, else "
        "var/demo-password (generated on the first run)."
    )

    def handle(self, *args, **options) -> None:
        try:
            password = demo.demo_password()
        except ValueError as error:
            raise CommandError(str(error)) from error
        try:
            result = demo.seed_demo(password=password.value)
        except ValidationError as error:
            raise CommandError(f"seed_demo wrote nothing: {error}") from error

        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Created {result.created_summary()}."))
        if result.passwords_set:
            self.stdout.write(f"Password set for: {', '.join(result.passwords_set)}.")
        if not result.changed_anything:
            self.stdout.write("Nothing to do: every demo record is already in place.")

        self.stdout.write("Demo users:")
        for user in result.users:
            self.stdout.write(f"  {user.username:<20} {user.role:<8} {user.organization.code}")
        if password.source == demo.PasswordSource.ENVIRONMENT:
            self.stdout.write(f"Password: password from {demo.PASSWORD_ENV}")
        elif password.source == demo.PasswordSource.GENERATED:
            self.stdout.write(f"Password (generated, saved to {password.path}): {password.value}")
        else:
            self.stdout.write(f"Password (from {password.path}): {password.value}")
