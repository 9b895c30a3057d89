"""Give the role groups their data-governance permissions."""

from django.db import migrations

from jvtracker.roles import noop, sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("datagov", "0001_initial"),
        ("jvtracker", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(sync_role_groups, noop)]
