"""``manage.py seed_programme``: load the JV's real programme, without any users."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jvtracker import demo
from jvtracker.choices import OrganizationKind
from jvtracker.models import Organization


class Command(BaseCommand):
    help = (
        "Add whatever is missing of the JV's organizations, programme, milestones, stage "
        "gates, risk register, and the briefing's nine KPIs with their targets at the gates. "
        "Idempotent: existing rows are never changed."
    )

    def handle(self, *args, **options) -> None:
        try:
            result = demo.seed_programme()
        except ValidationError as error:
            raise CommandError(f"seed_programme wrote nothing: {error}") from error
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Created {result.created_summary()}."))
        else:
            self.stdout.write("Nothing to do: the programme is already in place.")
        jv = Organization.objects.filter(kind=OrganizationKind.JOINT_VENTURE).first()
        if jv is not None:
            # createsuperuser asks for the organization by id.
            self.stdout.write(f"The joint venture's organization id: {jv.pk} ({jv.code}).")
