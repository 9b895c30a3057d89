"""Create the PMO, policy-staff and partner groups with their permissions."""

from django.db import migrations

from jvtracker.roles import noop, sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("jvtracker", "0001_initial"),
        ("milestones", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_role_groups, noop)]
