"""Rules of the programme, as the services enforce them for every entry point."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from milestones.choices import DatePrecision, GateDecision, GateKind, MilestoneStatus
from milestones.models import (
    Deliverable,
    EvidenceFile,
    GateCondition,
    GateCriterion,
    Milestone,
    Programme,
    Risk,
    StageGate,
    Track,
)
from milestones.services import (
    deliverable_save,
    evidence_attach,
    gate_condition_save,
    gate_criterion_save,
    milestone_save,
    milestones_flag_overdue,
    programme_save,
    risk_save,
    stage_gate_decide,
    stage_gate_save,
    track_save,
)
from tests.factories import (
    DeliverableFactory,
    GateConditionFactory,
    GateCriterionFactory,
    MilestoneFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    ProgrammeFactory,
    RiskFactory,
    StageGateFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


def _milestone(**fields) -> Milestone:
    return Milestone(
        programme=ProgrammeFactory(),
        code="m",
        track=TrackFactory(),
        title_ja="テスト",
        title_en="Test",
        owner=OrganizationFactory(),
        **fields,
    )


class TestStageGateDecision:
    def test_decision_by_a_named_user_is_in_history_with_who_when_and_old_value(self):
        gate = StageGateFactory()
        chair = PMOUserFactory(username="sato")

        stage_gate_decide(
            gate=gate,
            decision=GateDecision.CONTINUE_WITH_CONDITIONS,
            rationale="GPU稼働率は目標未達だが改善傾向にある。",
            decision_date=dt.date(2027, 12, 20),
            actor=chair,
        )

        latest = gate.history.first()
        assert latest.history_user == chair
        assert latest.history_date is not None
        assert latest.decision == GateDecision.CONTINUE_WITH_CONDITIONS
        delta = latest.diff_against(latest.prev_record)
        changed = {change.field: change for change in delta.changes}
        assert changed["decision"].old == GateDecision.PENDING
        assert changed["decision"].new == GateDecision.CONTINUE_WITH_CONDITIONS

    def test_decision_other_than_pending_needs_a_rationale_and_nothing_is_saved(self):
        gate = StageGateFactory()
        history_before = gate.history.count()

        with pytest.raises(ValidationError) as error:
            stage_gate_decide(
                gate=gate, decision=GateDecision.TERMINATE, rationale="  ", actor=None
            )

        assert "rationale" in error.value.message_dict
        gate.refresh_from_db()
        assert gate.decision == GateDecision.PENDING
        assert gate.history.count() == history_before

    def test_unknown_decision_is_rejected_on_the_decision_field(self):
        gate = StageGateFactory()
        with pytest.raises(ValidationError) as error:
            stage_gate_decide(gate=gate, decision="approve", rationale="x", actor=None)
        assert "decision" in error.value.message_dict

    def test_review_date_before_the_fiscal_year_it_judges_is_rejected(self):
        gate = StageGate(
            programme=ProgrammeFactory(),
            fiscal_year=2027,
            kind=GateKind.ANNUAL,
            title_ja="2027年度ステージゲート評価",
            title_en="FY2027 stage gate",
            review_date=dt.date(2027, 3, 31),  # the last day of FY2026
        )
        with pytest.raises(ValidationError) as error:
            stage_gate_save(gate=gate, actor=None)
        assert "review_date" in error.value.message_dict
        assert not StageGate.objects.exists()

    def test_gate_outside_the_programme_fiscal_years_is_rejected(self):
        gate = StageGateFactory.build(programme=ProgrammeFactory(), fiscal_year=2031)
        with pytest.raises(ValidationError) as error:
            stage_gate_save(gate=gate, actor=None)
        assert "fiscal_year" in error.value.message_dict

    def test_one_gate_per_fiscal_year_and_kind(self):
        existing = StageGateFactory(fiscal_year=2028, kind=GateKind.ANNUAL)
        duplicate = StageGateFactory.build(
            programme=existing.programme, fiscal_year=2028, kind=GateKind.ANNUAL
        )
        with pytest.raises(ValidationError):
            stage_gate_save(gate=duplicate, actor=None)
        # The mid-term evaluation in the same fiscal year is a different gate.
        mid_term = StageGateFactory.build(
            programme=existing.programme,
            fiscal_year=2028,
            kind=GateKind.MID_TERM,
            review_date=dt.date(2029, 3, 31),
        )
        stage_gate_save(gate=mid_term, actor=None)
        assert StageGate.objects.count() == 2


class TestMilestoneWindow:
    @pytest.mark.parametrize(
        "due_date",
        [dt.date(2026, 2, 28), dt.date(2031, 4, 1)],
        ids=["before the call opens", "after FY2030 ends"],
    )
    def test_milestone_due_outside_the_programme_window_is_rejected(self, due_date):
        with pytest.raises(ValidationError) as error:
            milestone_save(milestone=_milestone(due_date=due_date), actor=None)
        assert "due_date" in error.value.message_dict
        assert not Milestone.objects.exists()

    def test_window_edges_are_inside(self):
        milestone_save(
            milestone=_milestone(
                window_start=dt.date(2026, 3, 1),
                due_date=dt.date(2031, 3, 31),
                date_precision=DatePrecision.MONTH,
            ),
            actor=None,
        )
        assert Milestone.objects.count() == 1

    def test_window_must_start_before_it_ends(self):
        milestone = _milestone(window_start=dt.date(2026, 9, 1), due_date=dt.date(2026, 8, 31))
        with pytest.raises(ValidationError) as error:
            milestone_save(milestone=milestone, actor=None)
        assert "window_start" in error.value.message_dict


class TestOverdueSweep:
    def test_open_milestones_past_due_are_flagged_at_risk_with_a_reason(self):
        overdue = MilestoneFactory(due_date=dt.date(2027, 3, 31), status=MilestoneStatus.PLANNED)
        achieved = MilestoneFactory(due_date=dt.date(2027, 3, 31), status=MilestoneStatus.ACHIEVED)
        future = MilestoneFactory(due_date=dt.date(2027, 4, 30), status=MilestoneStatus.IN_PROGRESS)

        flagged = milestones_flag_overdue(today=dt.date(2027, 4, 1))

        assert [m.pk for m in flagged] == [overdue.pk]
        overdue.refresh_from_db()
        assert overdue.status == MilestoneStatus.AT_RISK
        assert overdue.history.first().history_change_reason == "overdue sweep"
        achieved.refresh_from_db()
        future.refresh_from_db()
        assert achieved.status == MilestoneStatus.ACHIEVED
        assert future.status == MilestoneStatus.IN_PROGRESS


class TestEvidence:
    def test_evidence_is_stored_privately_with_its_digest(self, _private_media):
        deliverable = DeliverableFactory()
        user = PMOUserFactory()
        content = "成果報告書".encode()

        evidence = evidence_attach(
            deliverable=deliverable,
            upload=SimpleUploadedFile("../../報告書.pdf", content),
            actor=user,
        )

        import hashlib

        assert evidence.sha256 == hashlib.sha256(content).hexdigest()
        assert evidence.size == len(content)
        stored = list(_private_media.rglob("*.pdf"))
        assert len(stored) == 1
        assert stored[0].read_bytes() == content
        # The stored name is generated: nothing of the upload's name, no traversal.
        assert ".." not in evidence.file.name and "報告書" not in evidence.file.name
        assert evidence.history.first().history_user == user

    @pytest.mark.parametrize("name", ["report\n.pdf", ".htaccess", "x" * 201 + ".pdf"])
    def test_evidence_with_a_hostile_name_is_refused_and_leaves_nothing(self, name, _private_media):
        with pytest.raises(ValidationError) as error:
            evidence_attach(
                deliverable=DeliverableFactory(),
                upload=SimpleUploadedFile(name, b"evidence"),
                actor=PMOUserFactory(),
            )
        assert "file" in error.value.message_dict
        assert not EvidenceFile.objects.exists()
        assert not [p for p in _private_media.rglob("*") if p.is_file()]

    def test_oversized_evidence_leaves_no_file_and_no_row(self, settings, _private_media):
        settings.UPLOAD_MAX_BYTES = 10
        with pytest.raises(ValidationError) as error:
            evidence_attach(
                deliverable=DeliverableFactory(),
                upload=SimpleUploadedFile("big.pdf", b"x" * 11),
                actor=PMOUserFactory(),
            )
        assert "file" in error.value.message_dict
        assert not EvidenceFile.objects.exists()
        assert not [p for p in _private_media.rglob("*") if p.is_file()]


class TestOnlyThePMORecordsTheProgramme:
    """Every programme save refuses policy staff and partners, whatever calls it; the
    system (actor None: seed, commands, tasks) and the PMO may write."""

    @staticmethod
    def _saves() -> dict:
        """Each save, with a fresh valid row to save, keyed by service name."""
        programme = ProgrammeFactory()
        gate = StageGateFactory(programme=programme)
        milestone = MilestoneFactory(programme=programme)
        deliverable = DeliverableFactory(milestone=milestone)
        return {
            "programme_save": lambda actor: programme_save(
                programme=Programme.objects.get(pk=programme.pk), actor=actor
            ),
            "track_save": lambda actor: track_save(
                track=TrackFactory.build(code="corporate"), actor=actor
            ),
            "milestone_save": lambda actor: milestone_save(
                milestone=Milestone.objects.get(pk=milestone.pk), actor=actor
            ),
            "stage_gate_save": lambda actor: stage_gate_save(
                gate=StageGate.objects.get(pk=gate.pk), actor=actor
            ),
            "stage_gate_decide": lambda actor: stage_gate_decide(
                gate=StageGate.objects.get(pk=gate.pk),
                decision=GateDecision.CONTINUE,
                rationale="良好",
                decision_date=dt.date(2027, 12, 20),
                actor=actor,
            ),
            "gate_criterion_save": lambda actor: gate_criterion_save(
                criterion=GateCriterionFactory.build(gate=gate), actor=actor
            ),
            "gate_condition_save": lambda actor: gate_condition_save(
                condition=GateConditionFactory.build(gate=gate, owner=OrganizationFactory()),
                actor=actor,
            ),
            "deliverable_save": lambda actor: deliverable_save(
                deliverable=DeliverableFactory.build(milestone=milestone), actor=actor
            ),
            "risk_save": lambda actor: risk_save(
                risk=RiskFactory.build(owner=OrganizationFactory()), actor=actor
            ),
            "evidence_attach": lambda actor: evidence_attach(
                deliverable=deliverable,
                upload=SimpleUploadedFile("report.pdf", b"evidence"),
                actor=actor,
            ),
        }

    SAVES = [
        "programme_save",
        "track_save",
        "milestone_save",
        "stage_gate_save",
        "stage_gate_decide",
        "gate_criterion_save",
        "gate_condition_save",
        "deliverable_save",
        "risk_save",
        "evidence_attach",
    ]

    @pytest.mark.parametrize("save", SAVES)
    @pytest.mark.parametrize("factory", [PolicyUserFactory, PartnerUserFactory])
    def test_policy_staff_and_partners_are_refused_and_nothing_is_written(
        self, save, factory, _private_media
    ):
        saves = self._saves()
        actor = factory()
        counts = _row_counts()

        with pytest.raises(PermissionDenied):
            saves[save](actor)

        assert _row_counts() == counts
        assert not [p for p in _private_media.rglob("*") if p.is_file()]

    @pytest.mark.parametrize("save", SAVES)
    def test_the_pmo_may_save(self, save):
        self._saves()[save](PMOUserFactory())

    # Evidence is always someone's upload: it has no system actor.
    @pytest.mark.parametrize("save", [s for s in SAVES if s != "evidence_attach"])
    def test_the_system_may_save(self, save):
        self._saves()[save](None)

    def test_a_superuser_of_any_role_counts_as_the_pmo(self):
        admin = PolicyUserFactory(is_superuser=True)
        risk = risk_save(risk=RiskFactory.build(owner=OrganizationFactory()), actor=admin)
        assert risk.history.first().history_user == admin


class TestNewRowsJoinTheCurrentProgramme:
    def test_a_milestone_without_a_programme_joins_the_current_one(self):
        programme = ProgrammeFactory()
        milestone = MilestoneFactory.build(
            programme=None, track=TrackFactory(), owner=OrganizationFactory()
        )

        milestone_save(milestone=milestone, actor=None)

        assert milestone.programme == programme

    def test_without_any_programme_a_new_milestone_is_refused_on_programme(self):
        milestone = MilestoneFactory.build(
            programme=None, track=TrackFactory(), owner=OrganizationFactory()
        )

        with pytest.raises(ValidationError) as error:
            milestone_save(milestone=milestone, actor=None)

        assert "programme" in error.value.message_dict
        assert not Milestone.objects.exists()


def _row_counts() -> dict[str, int]:
    models = (Programme, Track, Milestone, StageGate, GateCriterion, GateCondition)
    counts = {model.__name__: model.objects.count() for model in models}
    counts.update(
        deliverables=Deliverable.objects.count(),
        risks=Risk.objects.count(),
        evidence=EvidenceFile.objects.count(),
        decided=StageGate.objects.exclude(decision=GateDecision.PENDING).count(),
    )
    return counts
