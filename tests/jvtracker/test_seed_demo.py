"""manage.py seed_demo: the JV's real programme and demo users, added once and never overwritten."""

from __future__ import annotations

import datetime as dt
import io
import stat

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from jvtracker.choices import OrganizationKind, Role
from jvtracker.common.fiscal import FiscalYear
from jvtracker.demo import CHANGE_REASON
from jvtracker.demo.data import STATUS_AS_OF
from jvtracker.models import Organization, User
from milestones.choices import (
    DatePrecision,
    EvaluationAxis,
    GateDecision,
    GateKind,
    MilestoneStatus,
    RiskCategory,
    RiskStatus,
)
from milestones.models import GateCriterion, Milestone, Programme, Risk, StageGate, Track
from milestones.services import milestone_save
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

ENV_PASSWORD = "env-demo-password-for-tests"
DATA_PROVIDERS = {
    "softbank",
    "nec",
    "sony",
    "honda",
    "pfn",
    "nipponsteel",
    "kobesteel",
    "mufg",
    "smbc",
    "mizuho",
}
SEEDED_MODELS = (Organization, Programme, Track, Milestone, StageGate, GateCriterion, Risk, User)


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path, monkeypatch):
    """Each test has its own var/ and, unless it removes it, a DEMO_PASSWORD."""
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setenv("DEMO_PASSWORD", ENV_PASSWORD)
    return settings.VAR_DIR


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows of every table Django knows, historical and many-to-many ones included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


# ------------------------------------------------------------------------------ what it seeds


def test_seed_creates_the_twelve_organizations_and_flags_the_ten_data_providers():
    seed()

    codes = set(Organization.objects.values_list("code", flat=True))
    assert codes == DATA_PROVIDERS | {"jv", "nedo"}
    providers = set(Organization.objects.filter(provides_data=True).values_list("code", flat=True))
    assert providers == DATA_PROVIDERS
    assert Organization.objects.get(code="jv").kind == OrganizationKind.JOINT_VENTURE
    assert Organization.objects.get(code="nedo").kind == OrganizationKind.FUNDER


def test_undisclosed_equity_shares_stay_blank_and_the_note_says_low_teens():
    seed()

    core = Organization.objects.filter(kind=OrganizationKind.CORE_INVESTOR)
    assert set(core.values_list("code", flat=True)) == {"softbank", "nec", "sony", "honda"}
    assert not Organization.objects.filter(equity_share__isnull=False).exists()
    assert all("十数%" in org.equity_note for org in core)


def test_seed_creates_the_nedo_programme_for_fy2026_to_fy2030_opening_with_the_call():
    seed()

    programme = Programme.objects.get(code="nedo-multimodal")
    assert programme.name_ja == "マルチモーダル基盤モデル開発事業"
    assert programme.funder.code == "nedo"
    assert (programme.first_fiscal_year, programme.last_fiscal_year) == (2026, 2030)
    assert programme.window_start == dt.date(2026, 3, 1)
    assert programme.window_end == dt.date(2031, 3, 31)


def test_seed_creates_the_corporate_track_before_the_nedo_track():
    seed()

    assert list(Track.objects.values_list("code", "name_ja")) == [
        ("corporate", "企業"),
        ("nedo", "NEDO政策"),
    ]


def test_seed_creates_annual_gates_fy2027_to_fy2030_a_mid_term_and_a_final_all_pending():
    seed()

    gates = {(g.kind, g.fiscal_year): g for g in StageGate.objects.all()}
    assert set(gates) == {
        (GateKind.ANNUAL, 2027),
        (GateKind.ANNUAL, 2028),
        (GateKind.ANNUAL, 2029),
        (GateKind.ANNUAL, 2030),
        (GateKind.MID_TERM, 2028),
        (GateKind.FINAL, 2030),
    }
    assert gates[GateKind.MID_TERM, 2028].review_date == dt.date(2029, 3, 31)
    assert gates[GateKind.FINAL, 2030].review_date == dt.date(2031, 3, 31)
    for year in (2027, 2028, 2029, 2030):
        assert gates[GateKind.ANNUAL, year].review_date == dt.date(year, 12, 15)
        assert gates[GateKind.ANNUAL, year].title_ja == f"{year}年度ステージゲート評価"
    assert {g.decision for g in gates.values()} == {GateDecision.PENDING}


def test_every_gate_has_three_to_seven_criteria_numbered_from_one_on_nedo_axes():
    seed()

    for gate in StageGate.objects.all():
        criteria = list(gate.criteria.order_by("order"))
        assert 3 <= len(criteria) <= 7, gate
        assert [c.order for c in criteria] == list(range(1, len(criteria) + 1))
        assert {c.axis for c in criteria} <= set(EvaluationAxis.values)
        assert all(c.text_ja and c.text_en for c in criteria)


def test_the_fy2027_gate_judges_the_year_one_kpis_and_the_ip_clearance():
    seed()

    texts = " ".join(
        StageGate.objects.get(fiscal_year=2027, kind=GateKind.ANNUAL).criteria.values_list(
            "text_ja", flat=True
        )
    )
    for kpi in (
        "GPU稼働率",
        "産業別データ契約締結件数",
        "安全評価パイプライン",
        "モデルα版",
        "知財侵害",
    ):
        assert kpi in texts


def test_seed_creates_one_open_risk_per_category_reviewed_2027_03_31():
    seed()

    risks = list(Risk.objects.all())
    assert sorted(r.category for r in risks) == sorted(RiskCategory.values)
    assert {r.status for r in risks} == {RiskStatus.OPEN}
    assert {r.review_date for r in risks} == {dt.date(2027, 3, 31)}
    assert all(r.title_ja and r.title_en and r.mitigation_ja for r in risks)


def test_every_milestone_falls_within_the_programme_window():
    seed()

    programme = Programme.objects.get(code="nedo-multimodal")
    milestones = list(programme.milestones.all())
    assert len(milestones) == 9
    for milestone in milestones:
        milestone.full_clean()
        assert programme.window_start <= milestone.due_date <= programme.window_end


def test_month_precision_dates_are_stored_as_the_last_day_of_the_month():
    seed()

    for milestone in Milestone.objects.filter(date_precision=DatePrecision.MONTH):
        assert (milestone.due_date + dt.timedelta(days=1)).day == 1, milestone.code


def test_the_jv_was_founded_on_12_april_2026_to_the_day():
    seed()

    founded = Milestone.objects.get(code="jv-founded")
    assert founded.due_date == dt.date(2026, 4, 12)
    assert founded.date_precision == DatePrecision.DAY
    assert founded.track.code == "corporate"


def test_the_award_window_runs_from_june_to_august_2026():
    seed()

    award = Milestone.objects.get(code="nedo-award-contract")
    assert (award.window_start, award.due_date) == (dt.date(2026, 6, 1), dt.date(2026, 8, 31))


def test_the_model_alpha_is_due_in_fy2027_before_the_fy2027_gate():
    seed()

    alpha = Milestone.objects.get(code="y1-award-model-alpha")
    gate = StageGate.objects.get(fiscal_year=2027, kind=GateKind.ANNUAL)
    assert alpha.due_date in FiscalYear(2027)
    assert alpha.due_date < gate.review_date


def test_milestones_due_before_the_status_date_are_achieved_and_later_ones_planned():
    seed()

    for milestone in Milestone.objects.all():
        expected = (
            MilestoneStatus.ACHIEVED
            if milestone.due_date < STATUS_AS_OF
            else MilestoneStatus.PLANNED
        )
        assert milestone.status == expected, milestone.code


def test_demo_users_have_their_role_organization_group_and_the_demo_password():
    seed()

    expected = {
        "pmo": ("jv", Role.PMO),
        "policy": ("jv", Role.POLICY),
        "partner-nedo": ("nedo", Role.PARTNER),
        **{f"partner-{code}": (code, Role.PARTNER) for code in DATA_PROVIDERS},
    }
    users = {u.username: u for u in User.objects.select_related("organization")}
    assert set(users) == set(expected)
    for username, (org_code, role) in expected.items():
        user = users[username]
        assert (user.organization.code, user.role) == (org_code, role)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password(ENV_PASSWORD)


def test_every_seeded_row_has_one_history_row_naming_seed_demo():
    seed()

    for model in SEEDED_MODELS:
        assert model.history.count() == model.objects.count() > 0, model
        reasons = set(model.history.values_list("history_change_reason", flat=True))
        assert reasons == {CHANGE_REASON}, model


# ------------------------------------------------------------------------------ idempotence


def test_a_second_run_writes_nothing_not_even_history():
    first_output = seed()
    counts = row_counts()
    history_counts = {model: model.history.count() for model in SEEDED_MODELS}
    passwords = dict(User.objects.values_list("username", "password"))

    second_output = seed()

    assert "Created 12 organizations" in first_output
    assert "Nothing to do" in second_output
    assert row_counts() == counts
    assert {model: model.history.count() for model in SEEDED_MODELS} == history_counts
    assert dict(User.objects.values_list("username", "password")) == passwords


def test_a_pmo_edit_to_a_seeded_milestone_survives_a_rerun():
    seed()
    alpha = Milestone.objects.get(code="y1-award-model-alpha")
    alpha.title_ja = "モデルα版提示（PMO修正）"
    alpha.due_date = dt.date(2027, 10, 31)
    alpha.status = MilestoneStatus.IN_PROGRESS
    milestone_save(milestone=alpha, actor=None)

    seed()

    alpha.refresh_from_db()
    assert alpha.title_ja == "モデルα版提示（PMO修正）"
    assert alpha.due_date == dt.date(2027, 10, 31)
    assert alpha.status == MilestoneStatus.IN_PROGRESS


def test_a_deleted_criterion_is_added_back_and_nothing_else():
    seed()
    GateCriterion.objects.filter(gate__fiscal_year=2027, order=7).delete()
    counts = row_counts()

    output = seed()

    assert "Created 1 gate criterion." in output
    assert GateCriterion.objects.filter(gate__fiscal_year=2027, order=7).exists()
    assert row_counts()["milestones.Milestone"] == counts["milestones.Milestone"]


def test_a_seed_that_fails_validation_writes_nothing():
    # A programme shortened by hand leaves the later seeded milestones outside its window.
    ProgrammeFactory(last_fiscal_year=2028)
    counts = row_counts()

    with pytest.raises(CommandError, match="wrote nothing"):
        seed()

    assert row_counts() == counts


# ------------------------------------------------------------------------------ the password


def test_a_generated_password_is_saved_with_mode_0600_and_reused(monkeypatch, var_dir):
    monkeypatch.delenv("DEMO_PASSWORD")

    first_output = seed()
    password_file = var_dir / "demo-password"
    password = password_file.read_text().strip()
    second_output = seed()

    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert password in first_output
    assert password in second_output
    assert password_file.read_text().strip() == password
    assert User.objects.get(username="pmo").check_password(password)


def test_a_password_from_demo_password_is_neither_printed_nor_saved(var_dir):
    output = seed()

    assert "password from DEMO_PASSWORD" in output
    assert ENV_PASSWORD not in output
    assert not (var_dir / "demo-password").exists()


def test_a_changed_demo_password_is_set_on_existing_users_once(monkeypatch):
    seed()
    monkeypatch.setenv("DEMO_PASSWORD", "a-new-demo-password")

    output = seed()
    counts = row_counts()
    third_output = seed()

    assert "Password set for: pmo, policy" in output
    assert all(u.check_password("a-new-demo-password") for u in User.objects.all())
    assert "Nothing to do" in third_output
    assert row_counts() == counts


def test_seed_programme_loads_the_programme_without_any_user():
    call_command("seed_programme", stdout=io.StringIO())

    assert Programme.objects.get().code == "nedo-multimodal"
    assert StageGate.objects.count() == 6
    assert not User.objects.exists()


def test_a_production_superuser_can_be_created_for_a_seeded_organization(monkeypatch):
    call_command("seed_programme", stdout=io.StringIO())
    jv = Organization.objects.get(code="jv")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password")
    monkeypatch.setenv("DJANGO_SUPERUSER_ORGANIZATION", str(jv.pk))

    call_command(
        "createsuperuser",
        interactive=False,
        username="root",
        email="root@example.jp",
        stdout=io.StringIO(),
    )

    root = User.objects.get(username="root")
    assert (root.organization, root.role, root.is_superuser) == (jv, Role.PMO, True)


def test_seeding_the_demo_tells_nobody_by_email(django_capture_on_commit_callbacks):
    from django.core import mail

    from datagov.models import ContractTransition

    with django_capture_on_commit_callbacks(execute=True):
        seed()

    # The demo's contracts went through their workflow (submitted, approved, ...) ...
    assert ContractTransition.objects.exists()
    # ... and its users have addresses, yet no email was sent.
    assert User.objects.exclude(email="").exists()
    assert mail.outbox == []
