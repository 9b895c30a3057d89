"""Give the role groups their KPI permissions; measurements and batches are append-only."""

from django.db import migrations

from jvtracker.roles import noop, sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0001_initial"),
        ("datagov", "0002_role_groups"),
        ("milestones", "0003_gatecriterion_kpi"),
    ]

    operations = [migrations.RunPython(sync_role_groups, noop)]
