"""Give the role groups their report permissions: policy staff may request reports."""

from django.db import migrations

from jvtracker.roles import noop, sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("kpis", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(sync_role_groups, noop)]
