"""The role groups created by the data migration, and what each may do."""

import pytest
from django.contrib.auth.models import Group

from jvtracker.choices import Role
from jvtracker.roles import sync_role_groups

pytestmark = pytest.mark.django_db


def _codenames(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return set(
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    )


def test_migrations_create_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_pmo_runs_the_programme_but_cannot_alter_history():
    perms = _codenames(Role.PMO)
    assert {"milestones.change_stagegate", "milestones.add_risk", "jvtracker.add_user"} <= perms
    assert "milestones.view_historicalstagegate" in perms
    assert not any(
        p.split(".")[1].startswith(("change_historical", "delete_historical")) for p in perms
    )


def test_policy_staff_read_everything_and_change_nothing_but_may_request_reports():
    perms = _codenames(Role.POLICY)
    assert "milestones.view_risk" in perms and "milestones.view_stagegate" in perms
    writes = {p for p in perms if not p.split(".")[1].startswith("view_")}
    assert writes == {"reports.add_report"}


def test_nobody_changes_or_deletes_a_report_or_its_download_log():
    for role in Role:
        perms = _codenames(role)
        for model in ("report", "reportdownload"):
            assert f"reports.change_{model}" not in perms
            assert f"reports.delete_{model}" not in perms


def test_partners_see_the_programme_read_only_and_not_the_risk_register():
    perms = _codenames(Role.PARTNER)
    assert {"milestones.view_milestone", "milestones.view_stagegate"} <= perms
    assert "milestones.view_risk" not in perms
    assert "jvtracker.view_user" not in perms
    assert all(p.split(".")[1].startswith("view_") for p in perms if p.startswith("milestones."))


def test_partners_record_their_own_data_governance_and_measurements_and_nothing_else():
    perms = _codenames(Role.PARTNER)
    writes = {p for p in perms if not p.split(".")[1].startswith("view_")}
    assert writes == {
        "datagov.add_dataasset",
        "datagov.change_dataasset",
        "datagov.add_datacontract",
        "datagov.change_datacontract",
        "datagov.add_signeddocument",
        "kpis.add_measurement",
        "kpis.add_incident",
        "kpis.change_incident",
    }
    assert "datagov.view_contracttemplate" in perms
    assert "datagov.view_modelartifact" not in perms
    assert "datagov.view_trainingrun" not in perms


def test_syncing_the_groups_again_changes_nothing():
    before = {role: _codenames(role) for role in Role.values}
    sync_role_groups()
    assert {role: _codenames(role) for role in Role.values} == before


def test_nobody_deletes_users_whose_names_stand_in_history():
    assert "jvtracker.delete_user" not in _codenames(Role.PMO)
    assert "jvtracker.change_user" in _codenames(Role.PMO)
