"""What the PMO maintains: KPI definitions, targets per gate and the safety checklist;
and incidents, which partners may also record for their own organization."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from jvtracker.choices import OrganizationKind
from kpis.choices import Aggregation, Direction, KPISource, Unit
from kpis.models import Incident, KPIDefinition, KPITarget, SafetyCheck
from kpis.services import incident_save, kpi_save, kpi_target_save, safety_check_save
from milestones.models import StageGate
from tests.factories import (
    IncidentFactory,
    KPIDefinitionFactory,
    KPITargetFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    StageGateFactory,
)
from tests.kpis.core_helpers import monthly, record, tokyo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def joint_venture(db):
    return OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)


@pytest.fixture
def pmo(joint_venture):
    return PMOUserFactory(organization=joint_venture)


def _new_kpi(owner, **fields) -> KPIDefinition:
    values = {
        "code": "inference_cost",
        "name_ja": "推論コスト",
        "name_en": "Inference cost",
        "unit": Unit.JPY_PER_1K_TOKENS,
        "direction": Direction.LOWER_IS_BETTER,
        "aggregation": Aggregation.LATEST,
        "source": KPISource.PUSHED,
        "owner": owner,
        **fields,
    }
    return KPIDefinition(**values)


def _errors(call) -> dict:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        call()
    return caught.value.message_dict


# ---------------------------------------------------------------------- who may


def test_the_pmo_defines_kpis_and_history_names_them(pmo, joint_venture):
    kpi = kpi_save(kpi=_new_kpi(joint_venture), actor=pmo)

    kpi.name_en = "Inference cost per 1k tokens"
    kpi_save(kpi=kpi, actor=pmo)

    assert [(h.history_type, h.history_user) for h in kpi.history.order_by("history_id")] == [
        ("+", pmo),
        ("~", pmo),
    ]


@pytest.mark.parametrize("factory", [PartnerUserFactory, PolicyUserFactory])
def test_only_the_pmo_changes_definitions_targets_and_the_checklist(factory, joint_venture):
    actor = factory()
    kpi = KPIDefinitionFactory()
    with pytest.raises(PermissionDenied):
        kpi_save(kpi=_new_kpi(joint_venture), actor=actor)
    with pytest.raises(PermissionDenied):
        kpi_target_save(
            target=KPITarget(kpi=kpi, gate=StageGateFactory(), target_value=80, amber_value=70),
            actor=actor,
        )
    with pytest.raises(PermissionDenied):
        safety_check_save(check=SafetyCheck(code="x", text_ja="項目"), actor=actor)
    assert KPITarget.objects.count() == 0
    assert SafetyCheck.objects.count() == 0
    assert not KPIDefinition.objects.filter(code="inference_cost").exists()


def test_the_tracker_itself_may_save_definitions(joint_venture):
    """Seeds and commands act without a user."""
    assert kpi_save(kpi=_new_kpi(joint_venture), actor=None).pk is not None


def test_targets_and_checks_record_the_acting_user(pmo):
    target = kpi_target_save(
        target=KPITarget(
            kpi=KPIDefinitionFactory(), gate=StageGateFactory(), target_value=80, amber_value=70
        ),
        actor=pmo,
    )
    check = safety_check_save(check=SafetyCheck(code="red_team", text_ja="レッドチーム"), actor=pmo)

    assert target.history.get().history_user == pmo
    assert check.history.get().history_user == pmo


# ---------------------------------------------------------- fixed once measured


def test_unit_and_code_are_fixed_once_a_kpi_has_measurements(pmo):
    kpi = KPIDefinitionFactory(unit=Unit.PERCENT)
    kpi.unit = Unit.COUNT
    kpi.code = "renamed"
    kpi_save(kpi=kpi, actor=pmo)  # no measurements yet: allowed

    record(kpi, [(tokyo(2027, 4, 1), 3)])
    kpi.unit = Unit.PERCENT
    kpi.code = "renamed_again"
    errors = _errors(lambda: kpi_save(kpi=kpi, actor=pmo))

    assert set(errors) == {"unit", "code"}
    kpi.refresh_from_db()
    assert (kpi.unit, kpi.code) == (Unit.COUNT, "renamed")


def test_names_direction_and_owner_may_change_after_measurements(pmo):
    kpi = KPIDefinitionFactory()
    record(kpi, [(tokyo(2027, 4, 1), 3)])
    kpi.name_ja = "新しい名前"
    kpi.owner = OrganizationFactory()
    kpi.direction = Direction.LOWER_IS_BETTER
    kpi_save(kpi=kpi, actor=pmo)
    kpi.refresh_from_db()
    assert (kpi.name_ja, kpi.direction) == ("新しい名前", Direction.LOWER_IS_BETTER)


def test_changing_the_aggregation_rebuilds_the_monthly_values(pmo):
    kpi = KPIDefinitionFactory(aggregation=Aggregation.MEAN)
    record(kpi, [(tokyo(2027, 4, 1), 10), (tokyo(2027, 4, 2), 30), (tokyo(2027, 5, 1), 50)])
    assert monthly(kpi) == {("", dt.date(2027, 4, 1)): 20.0, ("", dt.date(2027, 5, 1)): 50.0}

    kpi.aggregation = Aggregation.MAX
    kpi_save(kpi=kpi, actor=pmo)

    assert monthly(kpi) == {("", dt.date(2027, 4, 1)): 30.0, ("", dt.date(2027, 5, 1)): 50.0}


# ------------------------------------------------------------------------ targets


def _target(kpi, target_value, amber_value, fiscal_year: int = 2027) -> KPITarget:
    gate = StageGate.objects.filter(fiscal_year=fiscal_year).first() or StageGateFactory(
        fiscal_year=fiscal_year
    )
    return KPITarget(kpi=kpi, gate=gate, target_value=target_value, amber_value=amber_value)


def test_amber_below_the_target_for_higher_is_better(pmo):
    kpi = KPIDefinitionFactory(direction=Direction.HIGHER_IS_BETTER)
    assert kpi_target_save(target=_target(kpi, 80, 70, 2027), actor=pmo).pk
    assert kpi_target_save(target=_target(kpi, 80, 80, 2028), actor=pmo).pk  # no amber band

    errors = _errors(lambda: kpi_target_save(target=_target(kpi, 80, 85, 2029), actor=pmo))
    assert list(errors) == ["amber_value"]


def test_amber_above_the_target_for_lower_is_better(pmo):
    kpi = KPIDefinitionFactory(unit=Unit.JPY_PER_1K_TOKENS, direction=Direction.LOWER_IS_BETTER)
    assert kpi_target_save(target=_target(kpi, 0.5, 0.8, 2027), actor=pmo).pk
    assert kpi_target_save(target=_target(kpi, 0.5, 0.5, 2028), actor=pmo).pk

    errors = _errors(lambda: kpi_target_save(target=_target(kpi, 0.5, 0.4, 2029), actor=pmo))
    assert list(errors) == ["amber_value"]


def test_target_values_must_fit_the_kpi_unit(pmo):
    percent = KPIDefinitionFactory(unit=Unit.PERCENT)
    above_100 = _target(percent, 100.5, 90)
    assert list(_errors(lambda: kpi_target_save(target=above_100, actor=pmo))) == ["target_value"]
    negative = _target(percent, 90, -1)
    assert list(_errors(lambda: kpi_target_save(target=negative, actor=pmo))) == ["amber_value"]
    fraction = _target(KPIDefinitionFactory(unit=Unit.COUNT), 2.5, 1)
    assert "target_value" in _errors(lambda: kpi_target_save(target=fraction, actor=pmo))
    assert kpi_target_save(target=_target(percent, 100, 90), actor=pmo).pk


def test_one_target_per_kpi_and_gate(pmo):
    existing = KPITargetFactory(gate=StageGateFactory(fiscal_year=2027))
    duplicate = _target(existing.kpi, 90, 80, 2027)
    _errors(lambda: kpi_target_save(target=duplicate, actor=pmo))
    assert KPITarget.objects.count() == 1


def test_a_kpi_direction_or_unit_change_that_would_invert_its_targets_is_refused(pmo):
    kpi = KPIDefinitionFactory(direction=Direction.HIGHER_IS_BETTER, unit=Unit.COUNT)
    KPITargetFactory(kpi=kpi, target_value=80, amber_value=70)

    kpi.direction = Direction.LOWER_IS_BETTER
    assert "direction" in _errors(lambda: kpi_save(kpi=kpi, actor=pmo))

    kpi.direction = Direction.HIGHER_IS_BETTER
    kpi.unit = Unit.YES_NO  # 80 is no yes/no value
    assert "unit" in _errors(lambda: kpi_save(kpi=kpi, actor=pmo))

    kpi.refresh_from_db()
    assert (kpi.direction, kpi.unit) == (Direction.HIGHER_IS_BETTER, Unit.COUNT)


# ---------------------------------------------------------------------- incidents


def _incident(organization, **fields) -> Incident:
    return IncidentFactory.build(organization=organization, **fields)


def test_a_partner_records_incidents_of_their_own_organization(joint_venture):
    org = OrganizationFactory()
    partner = PartnerUserFactory(organization=org)
    incident = incident_save(incident=_incident(org), actor=partner)
    assert incident.history.get().history_user == partner


def test_a_partner_may_not_record_an_incident_for_another_organization():
    partner = PartnerUserFactory()
    errors = _errors(
        lambda: incident_save(incident=_incident(OrganizationFactory()), actor=partner)
    )
    assert "organization" in errors
    assert Incident.objects.count() == 0


def test_a_partner_may_not_move_another_organizations_incident_to_their_own():
    partner = PartnerUserFactory()
    incident = IncidentFactory(organization=OrganizationFactory())
    incident.organization = partner.organization
    incident.title = "書き換え"
    assert "organization" in _errors(lambda: incident_save(incident=incident, actor=partner))
    incident.refresh_from_db()
    assert incident.title != "書き換え"


def test_the_pmo_records_incidents_for_any_organization(pmo):
    assert incident_save(incident=_incident(OrganizationFactory()), actor=pmo).pk


def test_policy_staff_may_not_record_incidents():
    with pytest.raises(PermissionDenied):
        incident_save(incident=_incident(OrganizationFactory()), actor=PolicyUserFactory())


def test_an_incident_resolved_before_it_occurred_is_refused(pmo):
    incident = _incident(
        OrganizationFactory(), occurred_on=dt.date(2027, 6, 1), resolved_on=dt.date(2027, 5, 1)
    )
    _errors(lambda: incident_save(incident=incident, actor=pmo))
    assert Incident.objects.count() == 0
