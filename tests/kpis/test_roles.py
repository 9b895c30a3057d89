"""What each role group may do with KPIs: measurements, batches and monthly values are
append-only for everyone; partners push measurements; policy staff read."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from jvtracker.choices import Role
from tests.factories import PartnerUserFactory, PMOUserFactory, PolicyUserFactory

pytestmark = pytest.mark.django_db

KPI_MODELS = (
    "kpidefinition",
    "kpitarget",
    "ingestbatch",
    "measurement",
    "monthlyvalue",
    "safetycheck",
    "incident",
)


def _kpi_permissions(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return set(
        group.permissions.filter(content_type__app_label="kpis").values_list("codename", flat=True)
    )


def test_nobody_changes_or_deletes_measurements_batches_or_monthly_values():
    for role in Role.values:
        perms = _kpi_permissions(role)
        for model in ("measurement", "ingestbatch", "monthlyvalue"):
            assert f"change_{model}" not in perms, role
            assert f"delete_{model}" not in perms, role


def test_the_pmo_maintains_definitions_targets_the_checklist_and_incidents():
    perms = _kpi_permissions(Role.PMO)
    for model in ("kpidefinition", "kpitarget", "safetycheck", "incident"):
        assert {f"view_{model}", f"add_{model}", f"change_{model}"} <= perms
    assert {"view_measurement", "add_measurement", "view_ingestbatch", "view_monthlyvalue"} <= perms
    # History is evidence: viewable, never edited.
    assert "view_historicalkpidefinition" in perms
    assert not {p for p in perms if p.startswith(("change_historical", "delete_historical"))}


def test_partners_push_measurements_and_read_the_definitions():
    perms = _kpi_permissions(Role.PARTNER)
    assert perms == {
        "view_kpidefinition",
        "view_kpitarget",
        "view_measurement",
        "add_measurement",
        "view_ingestbatch",
        "view_incident",
        "add_incident",
        "change_incident",
    }


def test_policy_staff_only_view():
    perms = _kpi_permissions(Role.POLICY)
    assert {f"view_{model}" for model in KPI_MODELS} <= perms
    assert all(p.startswith("view_") for p in perms)


@pytest.mark.parametrize(
    ("factory", "may_add_measurement", "may_change_kpi"),
    [
        (PMOUserFactory, True, True),
        (PartnerUserFactory, True, False),
        (PolicyUserFactory, False, False),
    ],
)
def test_users_get_their_roles_permissions(factory, may_add_measurement, may_change_kpi):
    user = factory()
    assert user.has_perm("kpis.view_kpidefinition")
    assert user.has_perm("kpis.add_measurement") is may_add_measurement
    assert user.has_perm("kpis.change_kpidefinition") is may_change_kpi
    assert not user.has_perm("kpis.change_measurement")
    assert not user.has_perm("kpis.delete_ingestbatch")
