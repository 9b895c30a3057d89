"""Who reads what of KPIs: the programme's definitions and targets for every role; of
measurements, batches and incidents a partner sees only their own organization's."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kpis.selectors import (
    batches_visible_to,
    incidents_visible_to,
    kpi_targets_visible_to,
    kpis_visible_to,
    measurements_visible_to,
)
from kpis.services import measurements_ingest
from tests.factories import (
    IncidentFactory,
    KPIDefinitionFactory,
    KPITargetFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
)
from tests.kpis.core_helpers import NOW, row, tokyo

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two partner organizations, each with a batch of measurements and an incident."""
    kpi = KPIDefinitionFactory(source="pushed")
    KPITargetFactory(kpi=kpi)
    rows = {}
    for code in ("honda", "sony"):
        org = OrganizationFactory(code=code)
        result = measurements_ingest(
            rows=[
                row(1, kpi=kpi, value=50, start=tokyo(2027, 4, 1), subject=code),
                row(2, kpi=kpi, value=60, start=tokyo(2027, 4, 2), subject=code),
            ],
            source="api",
            actor=PartnerUserFactory(organization=org),
            now=NOW,
        )
        rows[code] = (org, result.batch, IncidentFactory(organization=org))
    return kpi, rows


def _visible(user) -> dict:
    return {
        "kpis": kpis_visible_to(user).count(),
        "targets": kpi_targets_visible_to(user).count(),
        "measurements": set(measurements_visible_to(user).values_list("subject", flat=True)),
        "batches": set(batches_visible_to(user).values_list("organization__code", flat=True)),
        "incidents": set(incidents_visible_to(user).values_list("organization__code", flat=True)),
    }


def test_a_partner_sees_only_their_organizations_measurements_batches_and_incidents(world):
    _, rows = world
    honda, _, _ = rows["honda"]

    assert _visible(PartnerUserFactory(organization=honda)) == {
        "kpis": 1,
        "targets": 1,
        "measurements": {"honda"},
        "batches": {"honda"},
        "incidents": {"honda"},
    }


def test_a_partner_sees_measurements_the_pmo_recorded_for_their_organization(world):
    kpi, rows = world
    honda, _, _ = rows["honda"]
    measurements_ingest(
        rows=[row(kpi=kpi, value=70, start=tokyo(2027, 4, 3), subject="by-pmo")],
        source="file",
        actor=PMOUserFactory(),
        organization=honda,
        now=NOW,
    )
    assert _visible(PartnerUserFactory(organization=honda))["measurements"] == {"honda", "by-pmo"}


@pytest.mark.parametrize("factory", [PMOUserFactory, PolicyUserFactory])
def test_pmo_and_policy_staff_see_everything(world, factory):
    assert _visible(factory()) == {
        "kpis": 1,
        "targets": 1,
        "measurements": {"honda", "sony"},
        "batches": {"honda", "sony"},
        "incidents": {"honda", "sony"},
    }


NOTHING = {"kpis": 0, "targets": 0, "measurements": set(), "batches": set(), "incidents": set()}


def test_anonymous_users_see_nothing(world):
    assert _visible(AnonymousUser()) == NOTHING


@pytest.mark.parametrize("factory", [PMOUserFactory, PolicyUserFactory, PartnerUserFactory])
def test_inactive_users_see_nothing(world, factory):
    _, rows = world
    honda, _, _ = rows["honda"]
    assert _visible(factory(organization=honda, is_active=False)) == NOTHING


def test_measurements_come_with_their_kpi_and_batch_in_one_query(world, django_assert_num_queries):
    pmo = PMOUserFactory()
    with django_assert_num_queries(1):
        pairs = [(m.kpi.code, m.batch.pk) for m in measurements_visible_to(pmo)]
    assert len(pairs) == 4
