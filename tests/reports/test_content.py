"""What each kind of report says (reports.content), read from its HTML: the cover, the
sections, the rules they state, and that they state what the tracker knew at the cut-off
however much changes afterwards."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import unescape

import pytest
from django.utils import timezone, translation

from datagov.choices import ArtifactKind, ContractStatus, DataPurpose, DataTier
from jvtracker.choices import Industry, OrganizationKind
from jvtracker.common.fiscal import FiscalYear
from kpis.choices import BatchSource
from kpis.services import MeasurementRow, measurements_ingest
from milestones.choices import CriterionAssessment, EvaluationAxis, MilestoneStatus
from milestones.models import GateCriterion, Milestone, Risk, StageGate
from milestones.services import milestone_save, risk_save
from reports.content import report_html
from reports.models import Report
from tests.factories import (
    ContractTemplateFactory,
    DataAssetFactory,
    DataContractFactory,
    GateConditionFactory,
    GateCriterionFactory,
    KPIDefinitionFactory,
    KPITargetFactory,
    MilestoneFactory,
    ModelArtifactFactory,
    OrganizationFactory,
    PMOUserFactory,
    ProgrammeFactory,
    ReportFactory,
    RiskFactory,
    StageGateFactory,
    TrainingRunFactory,
)

pytestmark = pytest.mark.django_db


def instant() -> dt.datetime:
    """A moment strictly after everything written so far and before anything written next."""
    moment = timezone.now()
    while timezone.now() <= moment:
        pass
    return moment


def text(html: str) -> str:
    """The report's words, tags dropped and spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@dataclass
class World:
    gate: StageGate
    kpi_criterion: GateCriterion
    met_criterion: GateCriterion
    milestone: Milestone
    overdue: Milestone
    risks: list[Risk]
    editor: object
    jv: object
    measured_at: dt.datetime
    cutoff: dt.datetime

    def report(self, kind: str = "stage_gate", language: str = "en", **kwargs) -> Report:
        return ReportFactory(
            kind=kind,
            gate=self.gate if kind in ("stage_gate", "kpi_board") else None,
            as_of=timezone.localtime(self.cutoff).date(),
            knowledge_cutoff=self.cutoff,
            language=language,
            requested_by=self.editor,
            requested_at=self.cutoff + dt.timedelta(seconds=1),
            **kwargs,
        )


def _ingest(jv, value: float, *, start: dt.datetime, received: dt.datetime) -> None:
    measurements_ingest(
        rows=[
            MeasurementRow(
                number=1, kpi="gpu_utilization", value=value, unit="percent", start=start
            )
        ],
        source=BatchSource.API,
        actor=None,
        organization=jv,
        now=received,
    )


@pytest.fixture
def world() -> World:
    now = timezone.now()
    today = timezone.localdate(now)
    # The gate is reviewed at the end of this fiscal year, so it is ahead of today
    # whenever the tests run and is judged at the cut-off.
    fiscal = FiscalYear.of(today)
    programme = ProgrammeFactory(
        first_fiscal_year=min(fiscal.year, 2026), last_fiscal_year=max(fiscal.year + 2, 2030)
    )
    jv = OrganizationFactory(
        code="jv",
        name_ja="日本AI基盤モデル開発",
        name_en="Japan AI Foundation Model Development",
        kind=OrganizationKind.JOINT_VENTURE,
        industry=Industry.AI,
    )
    gate = StageGateFactory(
        programme=programme,
        fiscal_year=fiscal.year,
        title_ja="年度ステージゲート評価",
        title_en="Annual stage gate",
        review_date=fiscal.end,
    )
    kpi = KPIDefinitionFactory(
        code="gpu_utilization", name_en="GPU utilisation", name_ja="GPU稼働率", owner=jv
    )
    KPITargetFactory(kpi=kpi, gate=gate, target_value=80.0, amber_value=70.0)
    kpi_criterion = GateCriterionFactory(
        gate=gate, kpi=kpi, axis=EvaluationAxis.RESULTS, text_en="GPUs run stably", order=1
    )
    met_criterion = GateCriterionFactory(
        gate=gate,
        axis=EvaluationAxis.MANAGEMENT,
        text_en="Standard contract templates in place",
        assessment=CriterionAssessment.MET,
        order=2,
    )
    GateConditionFactory(gate=gate, text_en="Sign the steel data contract", owner=jv)
    editor = PMOUserFactory(username="sato", first_name="Hanako", last_name="Sato")
    milestone = MilestoneFactory(
        programme=programme,
        title_en="Model alpha shown",
        status=MilestoneStatus.PLANNED,
        due_date=fiscal.end,
        owner=jv,
    )
    overdue = MilestoneFactory(
        programme=programme,
        title_en="Data platform live",
        status=MilestoneStatus.IN_PROGRESS,
        due_date=max(today - dt.timedelta(days=10), programme.window_start),
        owner=jv,
    )
    risks = [
        RiskFactory(code="low", title_en="Low risk", likelihood=1, impact=2, owner=jv),
        RiskFactory(code="high", title_en="High risk", likelihood=5, impact=4, owner=jv),
        RiskFactory(code="mid", title_en="Middle risk", likelihood=3, impact=3, owner=jv),
    ]
    # A change by a named person, for the appendix.
    milestone.status = MilestoneStatus.IN_PROGRESS
    milestone_save(milestone=milestone, actor=editor)
    # 75 % is amber against 80 % (amber from 70 %).
    measured_at = now - dt.timedelta(hours=2)
    _ingest(jv, 75.0, start=measured_at, received=now - dt.timedelta(hours=1))
    return World(
        gate=gate,
        kpi_criterion=kpi_criterion,
        met_criterion=met_criterion,
        milestone=milestone,
        overdue=overdue,
        risks=risks,
        editor=editor,
        jv=jv,
        measured_at=measured_at,
        cutoff=instant(),
    )


def _later_changes(world: World) -> None:
    """Everything that happens after the cut-off: none of it may reach the report."""
    world.milestone.status = MilestoneStatus.ACHIEVED
    milestone_save(milestone=world.milestone, actor=world.editor)
    added = RiskFactory.build(code="added-later", title_en="Added later", owner=world.jv)
    risk_save(risk=added, actor=world.editor)
    world.met_criterion.assessment = CriterionAssessment.NOT_MET
    world.met_criterion.save()
    world.gate.title_en = "Renamed gate"
    world.gate.save()
    # A correction to 95 % (green) of the measurement taken before the cut-off, received
    # after it.
    _ingest(world.jv, 95.0, start=world.measured_at, received=timezone.now())


# ------------------------------------------------------------------------- stage-gate report


def test_the_cover_names_the_programme_the_jv_the_gate_and_how_to_verify_the_file(world):
    report = world.report()
    with translation.override("en"):
        words = text(report_html(report))
    cover = words.split("Contents")[0]
    for expected in (
        "Multimodal foundation-model programme",
        "Japan AI Foundation Model Development",
        "Stage-gate report",
        "Annual stage gate",
        world.gate.code,
        report.reference,
        "Hanako Sato",
        "SHA-256",
        f"look it up in the tracker by its reference {report.reference}",
    ):
        assert expected in cover, expected


def test_the_japanese_report_uses_japanese_names_and_dates(world):
    report = world.report(language="ja")
    words = text(report_html(report))
    assert "マルチモーダル基盤モデル開発事業" in words
    assert "年度ステージゲート評価" in words
    assert "GPU稼働率" in words
    review = world.gate.review_date
    assert f"{review.year}年{review.month}月{review.day}日" in words
    assert FiscalYear(world.gate.fiscal_year).label("ja") in words


def test_every_section_has_its_heading_and_an_entry_in_the_contents(world):
    with translation.override("en"):
        html = report_html(world.report())
    sections = {
        "criteria": "Gate criteria",
        "decision": "Decision and conditions",
        "milestones": "Milestones by track",
        "kpis": "KPIs against their targets",
        "datagov": "Data governance",
        "risks": "Risk register",
        "changes": "Appendix: changes since the previous gate",
    }
    for anchor, heading in sections.items():
        assert f'<a href="#{anchor}">{heading}</a>' in html
        assert re.search(rf'<section id="{anchor}"[^>]*>\s*<h2>{re.escape(heading)}</h2>', html)


def test_a_criterion_bound_to_a_kpi_holds_only_when_the_kpi_is_green(world):
    with translation.override("en"):
        html = report_html(world.report())
    rows = re.findall(r'<tr class="criterion criterion-(\w+)">\s*<td>([^<]+)</td>', html)
    assert ("misses", "GPUs run stably") in rows  # amber, whatever was assessed
    assert ("holds", "Standard contract templates in place") in rows
    words = text(html)
    assert "Of 2 criteria: 1 hold, 1 do not hold, 0 not yet assessed." in words
    assert "GPU utilisation ● Amber: within the threshold 75%" in words


def test_the_kpi_row_gives_target_amber_bound_latest_value_and_status_in_words(world):
    with translation.override("en"):
        html = report_html(world.report())
    [row] = re.findall(r'<tr class="kpi kpi-(\w+)">(.*?)</tr>', html, flags=re.S)
    state, cells = row
    assert state == "amber"
    words = text(cells)
    assert "GPU utilisation" in words
    assert "≥ 80% ≥ 70% 75%" in words
    assert "Amber: within the threshold" in words
    assert "<svg" in cells and "</svg>" in cells


def test_the_decision_and_its_conditions_are_stated(world):
    with translation.override("en"):
        words = text(report_html(world.report()))
    assert "Decision Pending" in words
    assert "Sign the steel data contract" in words


def test_milestones_are_listed_by_track_with_the_overdue_ones_flagged(world):
    with translation.override("en"):
        html = report_html(world.report())
    [overdue] = re.findall(r'<tr class="milestone-in_progress overdue">(.*?)</tr>', html, re.S)
    assert "Data platform live" in overdue and "Overdue" in overdue
    assert "NEDO policy" in text(html)  # the track's heading


def test_the_risk_register_is_sorted_by_score(world):
    with translation.override("en"):
        html = report_html(world.report())
    assert re.findall(r'<tr class="risk" data-code="([\w-]+)">', html) == ["high", "mid", "low"]
    assert re.search(r'<td class="number score">20</td>\s*<td><strong>High risk', html)


def test_the_appendix_lists_who_changed_which_field_from_what_to_what(world):
    with translation.override("en"):
        html = report_html(world.report())
    appendix = text(html.split('id="changes"')[1])
    assert "This is the first gate" in appendix
    assert "Hanako Sato milestone Model alpha shown status : Planned → In progress" in appendix
    assert "Created" in appendix
    assert "omitted" not in appendix


def test_the_appendix_says_how_many_earlier_changes_it_left_out(world, monkeypatch):
    monkeypatch.setattr("reports.snapshot.CHANGES_SHOWN", 3)
    with translation.override("en"):
        html = report_html(world.report())
    appendix = html.split('id="changes"')[1]
    assert len(re.findall(r'<tr class="change ', appendix)) == 3
    [line] = re.findall(r'<p class="omitted">([^<]+)</p>', appendix)
    assert re.fullmatch(r"\d+ earlier changes are omitted; the latest 3 are listed\.", line.strip())


def test_the_report_states_what_was_known_at_the_cut_off_not_what_changed_after(world):
    report = world.report()
    with translation.override("en"):
        before = report_html(report)
    _later_changes(world)
    with translation.override("en"):
        after = report_html(report)
        fresh = report_html(world.report())

    assert after == before
    words = text(after)
    assert "Added later" not in words
    assert "Renamed gate" not in words
    assert "75%" in words and "95%" not in words
    assert re.search(r'<tr class="milestone-in_progress">\s*<td>Model alpha shown', after)
    # A report requested now, with the same cut-off, says the same as the first.
    assert text(fresh).replace(fresh_reference(fresh), "") == text(after).replace(
        fresh_reference(after), ""
    )
    # While a report as of now sees the later state.
    now_report = ReportFactory(
        gate=world.gate,
        as_of=timezone.localdate(),
        knowledge_cutoff=timezone.now(),
        language="en",
        requested_by=world.editor,
    )
    with translation.override("en"):
        current = text(report_html(now_report))
    assert "Added later" in current and "Renamed gate" in current and "95%" in current


def fresh_reference(html: str) -> str:
    return re.search(r"RPT-\d{6}", html).group(0)


def test_a_report_of_a_gate_entered_after_the_cut_off_says_so(world):
    early = instant()
    gate = StageGateFactory(
        programme=world.gate.programme,
        fiscal_year=world.gate.fiscal_year + 1,
        title_en="Next year's gate",
        review_date=FiscalYear(world.gate.fiscal_year + 1).end,
    )
    report = ReportFactory(
        gate=gate,
        as_of=timezone.localtime(early).date(),
        knowledge_cutoff=early,
        language="en",
        requested_by=world.editor,
    )
    with translation.override("en"):
        words = text(report_html(report))
    assert "Next year's gate" in words
    assert "had not yet been entered in the tracker at the cut-off" in words


# ------------------------------------------------------------------------- data governance


@pytest.fixture
def lineage(world):
    provider = OrganizationFactory(code="honda", industry=Industry.MOBILITY)
    public = DataAssetFactory(code="jis", provider=provider, industry=Industry.MOBILITY)
    restricted = DataAssetFactory(
        code="drive", provider=provider, tier=DataTier.RESTRICTED, industry=Industry.MOBILITY
    )
    public_contract = DataContractFactory(
        reference="DC-2026-0001",
        title="JIS corpus",
        provider=provider,
        template=ContractTemplateFactory(tier=DataTier.PUBLIC),
        datasets=[public],
    )
    restricted_template = ContractTemplateFactory(tier=DataTier.RESTRICTED)
    restricted_contract = DataContractFactory(
        reference="DC-2026-0002",
        title="Driving logs",
        provider=provider,
        template=restricted_template,
        datasets=[restricted],
    )
    DataContractFactory(
        reference="DC-2026-0003",
        title="Edge learning on driving logs",
        provider=provider,
        template=restricted_template,
        status=ContractStatus.SUBMITTED,
        permitted_uses=[*restricted_template.permitted_uses, DataPurpose.EDGE_LEARNING],
        deviation_reason="Learning on the vehicle only",
        datasets=[restricted],
    )
    base = ModelArtifactFactory(code="base", name_en="Base model", kind=ArtifactKind.BASE_MODEL)
    tuned = ModelArtifactFactory(code="tuned", kind=ArtifactKind.SPECIALISED)
    TrainingRunFactory(target=base, datasets=[public])
    TrainingRunFactory(
        purpose=DataPurpose.FINE_TUNING, target=tuned, datasets=[restricted], input_artifacts=[base]
    )
    world.cutoff = instant()
    return public_contract, restricted_contract, base, restricted


def test_the_data_governance_summary_counts_contracts_and_lists_pending_deviations(world, lineage):
    with translation.override("en"):
        html = report_html(world.report())
    section = html.split('id="datagov"')[1].split("</section>")[0]
    words = text(section)
    assert "Draft Submitted Under review Active Expired Terminated Total 0 1 0 2 0 0 3" in words
    assert re.search(r"Mobility</td><td class=\"number\">2<", section)
    assert "Public &amp; licensed" in section and "Enterprise-restricted" in section
    assert "DC-2026-0003" in words and "Edge-only private learning" in words
    assert "No base model has been touched" in words


def test_a_base_model_trained_on_restricted_data_is_named_as_contaminated(world, lineage):
    _, _, base, restricted = lineage
    TrainingRunFactory(target=base, datasets=[restricted])
    world.cutoff = instant()
    with translation.override("en"):
        words = text(report_html(world.report()))
    assert "1 base model has been touched by enterprise-restricted or secret data" in words
    assert "base Base model: drive ( Enterprise-restricted )" in words


def test_a_base_model_contaminated_after_the_cut_off_is_still_clear_in_the_report(world, lineage):
    _, _, base, restricted = lineage
    report = world.report()
    TrainingRunFactory(target=base, datasets=[restricted])
    with translation.override("en"):
        words = text(report_html(report))
    assert "No base model has been touched" in words


# ---------------------------------------------------------------------------- other kinds


def test_the_kpi_board_shows_the_kpi_section_for_its_gate(world):
    with translation.override("en"):
        html = report_html(world.report("kpi_board"))
    words = text(html)
    assert "KPI board" in words and "Annual stage gate" in words
    assert '<section id="kpis"' in html
    assert "Amber: within the threshold" in words
    assert '<section id="criteria"' not in html


def test_the_contract_register_lists_every_contract_as_it_stood(world, lineage):
    report = world.report("contract_register")
    public_contract, *_ = lineage
    public_contract.title = "Renamed after the cut-off"
    public_contract.save()
    with translation.override("en"):
        html = report_html(report)
    words = text(html)
    assert "Data-contract register" in words
    assert re.findall(r'<span class="reference">(DC-[\d-]+)</span>', html) == [
        "DC-2026-0001",
        "DC-2026-0002",
        "DC-2026-0003",
    ]
    assert "JIS corpus" in words and "Renamed after the cut-off" not in words
    assert "Uses beyond the template: Edge-only private learning." in words
    assert "Awaiting the PMO's approval" in words
    assert "jis" in words and "drive" in words


def test_the_contamination_report_gives_the_whole_lineage(world, lineage):
    with translation.override("en"):
        html = report_html(world.report("contamination"))
    words = text(html)
    assert "Contamination report" in words
    assert re.search(
        r"tuned .*? base Enterprise-restricted drive Public & licensed jis via base",
        words,
    )
    assert "DC-2026-0002" in words
    assert "No base model has been touched" in words


def test_the_appendix_redacts_a_secret_datasets_description_and_storage(world):
    """Policy staff read every report and see a secret dataset's description and storage
    redacted (datagov.selectors): the history of its changes must not show them either."""
    secret = DataAssetFactory(
        code="plant-logs",
        tier=DataTier.SECRET,
        description_en="Furnace 3 recipes",
        storage_detail="Vault room 7",
    )
    secret.description_en = "Furnace 4 recipes"
    secret.storage_detail = "Vault room 9"
    secret.save()
    public = DataAssetFactory(code="open-corpus", tier=DataTier.PUBLIC, storage_detail="Rack A")
    public.storage_detail = "Rack B"
    public.save()
    world.cutoff = instant()

    with translation.override("en"):
        words = text(report_html(world.report()))

    assert "plant-logs" in words  # the change itself is listed …
    assert "Furnace" not in words and "Vault room" not in words  # … not what it held
    assert "Rack A → Rack B" in words  # a public dataset's change reads in full
