"""Let the PMO see and revoke API tokens."""

from django.db import migrations

from jvtracker.roles import noop, sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("jvtracker", "0003_industry_cross_industry"),
        ("knox", "0009_extend_authtoken_field"),
        ("reports", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(sync_role_groups, noop)]
