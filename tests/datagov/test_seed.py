"""seed_demo's data governance: datasets, templates, contracts in every state, and a training
lineage whose contamination report is checked here by hand."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from datagov.choices import (
    ArtifactKind,
    ContractStatus,
    ContractType,
    ConversionMethod,
    DataPurpose,
    DataTier,
    StorageLocation,
    TemplateStatus,
)
from datagov.models import (
    ContractTemplate,
    DataAsset,
    DataContract,
    ModelArtifact,
    SignedDocument,
    TrainingRun,
)
from datagov.policy import tier_rule
from datagov.selectors import contamination_report, contracts_awaiting_decision, contracts_expiring
from datagov.services import (
    contract_reject,
    dataset_save,
    template_save,
    training_run_check,
)
from jvtracker.demo import CHANGE_REASON
from jvtracker.models import Organization, User
from tests.factories import ModelArtifactFactory, TrainingRunFactory

pytestmark = pytest.mark.django_db

PUBLIC, RESTRICTED, SECRET = DataTier.PUBLIC, DataTier.RESTRICTED, DataTier.SECRET
DATAGOV_MODELS = (DataAsset, ContractTemplate, DataContract, SignedDocument, ModelArtifact)

# The steel operation logs, by the codes a reader of the demo sees.
STEEL_LOGS = "nipponsteel-works-operation-logs"
WORKER_VIDEO = "nipponsteel-worker-video-audio"
WORKER_SYNTHETIC = "nipponsteel-worker-motion-synthetic"
KOBE_MAINTENANCE = "kobesteel-maintenance-history"
KOBE_CAD = "kobesteel-welding-cad-cae"
HONDA_DRIVING = "honda-driving-environment"
HONDA_ROBOTS = "honda-robotics-operation-logs"
SONY_SENSING = "sony-sensing-imaging"
STANDARDS = "nec-licensed-technical-standards"
TEXT_CORPUS = "softbank-japanese-text-corpus"

# dataset: (provider, tier, storage, contains personal data)
EXPECTED_DATASETS = {
    STEEL_LOGS: ("nipponsteel", RESTRICTED, StorageLocation.DOMESTIC_CLOUD, False),
    WORKER_VIDEO: ("nipponsteel", SECRET, StorageLocation.ON_PREMISES, True),
    WORKER_SYNTHETIC: ("nipponsteel", PUBLIC, StorageLocation.DOMESTIC_CLOUD, False),
    KOBE_MAINTENANCE: ("kobesteel", RESTRICTED, StorageLocation.DOMESTIC_CLOUD, False),
    KOBE_CAD: ("kobesteel", RESTRICTED, StorageLocation.ON_PREMISES, False),
    HONDA_DRIVING: ("honda", RESTRICTED, StorageLocation.DOMESTIC_CLOUD, False),
    HONDA_ROBOTS: ("honda", RESTRICTED, StorageLocation.DOMESTIC_CLOUD, False),
    SONY_SENSING: ("sony", RESTRICTED, StorageLocation.DOMESTIC_CLOUD, False),
    STANDARDS: ("nec", PUBLIC, StorageLocation.DOMESTIC_CLOUD, False),
    TEXT_CORPUS: ("softbank", PUBLIC, StorageLocation.DOMESTIC_CLOUD, False),
}

# contract title prefix (Japanese part): (provider, template code, version, status)
EXPECTED_CONTRACTS = {
    "製鉄所操業ログ提供契約": ("nipponsteel", "provision-restricted", 1, ContractStatus.ACTIVE),
    "保全履歴PoC提供契約": ("kobesteel", "provision-restricted", 1, ContractStatus.EXPIRED),
    "作業者映像・音声データ創出契約": ("nipponsteel", "creation-secret", 1, ContractStatus.ACTIVE),
    "作業者動作合成データ創出契約": ("nipponsteel", "creation-public", 1, ContractStatus.ACTIVE),
    "日本語テキストコーパス提供契約": ("softbank", "provision-public", 1, ContractStatus.ACTIVE),
    "技術規格・安全手順書共用契約": ("nec", "sharing-public", 1, ContractStatus.ACTIVE),
    "センシングデータ共用契約（PoC）": ("sony", "sharing-restricted", 1, ContractStatus.ACTIVE),
    "溶接ロボットCAD/CAEデータ創出契約": (
        "kobesteel",
        "creation-restricted",
        1,
        ContractStatus.TERMINATED,
    ),
    "走行環境データ提供契約": ("honda", "provision-restricted", 2, ContractStatus.ACTIVE),
    "ロボット実機データ創出契約": ("honda", "creation-restricted", 1, ContractStatus.SUBMITTED),
    "センシングデータ共用契約（2027年更新）": (
        "sony",
        "sharing-restricted",
        1,
        ContractStatus.UNDER_REVIEW,
    ),
    "保全履歴提供契約（更新）": ("kobesteel", "provision-restricted", 2, ContractStatus.DRAFT),
}

# artifact: (kind, the runs that trained it)
EXPECTED_ARTIFACTS = {
    "jv-base-alpha": (
        ArtifactKind.BASE_MODEL,
        {"base-alpha-pretrain-1", "base-alpha-pretrain-2"},
    ),
    "nipponsteel-operations-ft": (
        ArtifactKind.SPECIALISED,
        {"nipponsteel-operations-ft-2027-01"},
    ),
    "honda-driving-ft": (ArtifactKind.SPECIALISED, {"honda-driving-ft-2027-02"}),
    "honda-vehicle-edge": (ArtifactKind.EDGE_DISTILLATE, {"honda-vehicle-edge-2027-04"}),
    "sony-sensing-rag": (ArtifactKind.RAG_INDEX, {"sony-sensing-rag-2026-12"}),
    "worker-motion-generator": (
        ArtifactKind.SYNTHETIC_GENERATOR,
        {"worker-motion-generator-2026-10"},
    ),
}

# The contamination report, worked out by hand from the runs:
#   base-alpha-pretrain-1:  text corpus + standards                       -> jv-base-alpha
#   base-alpha-pretrain-2:  DP-synthetic worker motion (approved, public) -> jv-base-alpha
#   generator run:          workers' video (secret)                  -> worker-motion-generator
#   steel fine-tune:        jv-base-alpha + steel logs         -> nipponsteel-operations-ft
#   Honda fine-tune:        jv-base-alpha + driving data                -> honda-driving-ft
#   edge distillation:      honda-driving-ft + driving data (deviation) -> honda-vehicle-edge
#   RAG index:              Sony sensing + standards                    -> sony-sensing-rag
# artifact: (tiers, {dataset: the artifacts it passes through on its shortest way in})
ALPHA_DATA = {TEXT_CORPUS: (), STANDARDS: (), WORKER_SYNTHETIC: ()}


def _through(*via: str) -> dict[str, tuple[str, ...]]:
    return {dataset: via for dataset in ALPHA_DATA}


EXPECTED_LINEAGE = {
    "jv-base-alpha": ({PUBLIC}, ALPHA_DATA),
    "nipponsteel-operations-ft": (
        {PUBLIC, RESTRICTED},
        {STEEL_LOGS: (), **_through("jv-base-alpha")},
    ),
    "honda-driving-ft": (
        {PUBLIC, RESTRICTED},
        {HONDA_DRIVING: (), **_through("jv-base-alpha")},
    ),
    "honda-vehicle-edge": (
        {PUBLIC, RESTRICTED},
        # The driving data also reaches it through the fine-tune; directly is shorter.
        {HONDA_DRIVING: (), **_through("honda-driving-ft", "jv-base-alpha")},
    ),
    "sony-sensing-rag": ({PUBLIC, RESTRICTED}, {SONY_SENSING: (), STANDARDS: ()}),
    "worker-motion-generator": ({SECRET}, {WORKER_VIDEO: ()}),
}


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setenv("DEMO_PASSWORD", "env-demo-password-for-tests")
    return settings.VAR_DIR


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def contract(title_ja: str) -> DataContract:
    return DataContract.objects.select_related("provider", "template").get(
        title__startswith=f"{title_ja} / "
    )


def lineage_by_artifact() -> dict[str, tuple[set[str], dict[str, tuple[str, ...]]]]:
    return {
        item.artifact.code: (
            set(item.tiers),
            {reach.dataset.code: tuple(a.code for a in reach.via) for reach in item.datasets},
        )
        for item in contamination_report()
    }


# ------------------------------------------------------------------------------ datasets


def test_seed_adds_the_members_datasets_with_their_provider_tier_and_storage():
    seed()

    datasets = {d.code: d for d in DataAsset.objects.select_related("provider")}
    assert set(datasets) == set(EXPECTED_DATASETS)
    for code, (provider, tier, storage, personal) in EXPECTED_DATASETS.items():
        dataset = datasets[code]
        assert (dataset.provider.code, dataset.tier, dataset.storage_location) == (
            provider,
            tier,
            storage,
        ), code
        assert dataset.contains_personal_data is personal, code
        assert dataset.name_ja and dataset.name_en and dataset.description_ja, code
        assert dataset.storage_location in tier_rule(tier).storage_locations, code
    assert datasets[STANDARDS].industry == "cross_industry"


def test_the_dp_synthetic_derivative_is_approved_by_the_pmo_and_travels_as_public_data():
    seed()

    synthetic = DataAsset.objects.get(code=WORKER_SYNTHETIC)
    assert synthetic.derived_from.code == WORKER_VIDEO
    assert synthetic.conversion_method == ConversionMethod.DIFFERENTIAL_PRIVACY
    assert synthetic.dp_epsilon == Decimal("1.0")
    assert synthetic.conversion_approved_by == User.objects.get(username="pmo")
    assert synthetic.conversion_approved_at is not None
    assert synthetic.effective_tier == PUBLIC


# ------------------------------------------------------------------------------ templates


def test_seed_publishes_one_template_per_contract_type_and_tier_with_the_tier_standard_uses():
    seed()

    current = list(ContractTemplate.objects.filter(status=TemplateStatus.PUBLISHED))
    assert sorted((t.contract_type, t.tier) for t in current) == sorted(
        (contract_type, tier) for contract_type in ContractType for tier in DataTier
    )
    for template in current:
        assert template.permitted_uses == tier_rule(template.tier).permitted_uses()
        assert template.published_by == User.objects.get(username="pmo")
        for clause in ("redistribution", "ip_attribution", "synthetic_conversion"):
            assert getattr(template, f"{clause}_ja") and getattr(template, f"{clause}_en")
        assert template.retention_ja and template.storage_ja


def test_the_restricted_provision_template_has_a_withdrawn_v1_and_a_published_v2():
    seed()

    versions = dict(
        ContractTemplate.objects.filter(code="provision-restricted").values_list(
            "version", "status"
        )
    )
    assert versions == {1: TemplateStatus.WITHDRAWN, 2: TemplateStatus.PUBLISHED}
    v1, v2 = (ContractTemplate.objects.get(code="provision-restricted", version=v) for v in (1, 2))
    assert "90日以内" in v1.retention_ja and "60日以内" in v2.retention_ja
    # Contracts signed under version 1 keep it.
    assert contract("製鉄所操業ログ提供契約").template == v1
    assert contract("走行環境データ提供契約").template == v2


def test_every_seeded_template_version_is_immutable():
    seed()

    for template in ContractTemplate.objects.all():
        assert template.is_published, template
        stored_text = template.redistribution_ja
        template.redistribution_ja = "再配布を自由とする。"
        with pytest.raises(ValidationError) as refusal:
            template_save(template=template, actor=None)
        assert list(refusal.value.message_dict) == ["redistribution_ja"]
        template.refresh_from_db()
        assert template.redistribution_ja == stored_text


# ------------------------------------------------------------------------------ contracts


def test_seed_drives_contracts_through_the_workflow_to_every_status():
    seed()

    assert set(DataContract.objects.values_list("status", flat=True)) == set(ContractStatus.values)
    assert DataContract.objects.count() == len(EXPECTED_CONTRACTS)
    for title, (provider, code, version, status) in EXPECTED_CONTRACTS.items():
        seeded = contract(title)
        assert (
            seeded.provider.code,
            seeded.template.code,
            seeded.template.version,
            seeded.status,
        ) == (provider, code, version, status), title


def test_each_workflow_step_is_taken_by_the_partner_or_the_pmo_and_logged():
    seed()
    pmo = User.objects.get(username="pmo")

    for seeded in DataContract.objects.select_related("provider"):
        steps = [(t.from_status, t.to_status, t.actor) for t in seeded.transitions.all()]
        if seeded.status == ContractStatus.DRAFT:
            assert steps == []
            continue
        partner = User.objects.get(username=f"partner-{seeded.provider.code}")
        assert steps[0] == (ContractStatus.DRAFT, ContractStatus.SUBMITTED, partner)
        assert all(actor == pmo for _, to, actor in steps[1:] if to != ContractStatus.EXPIRED)
    expired = contract("保全履歴PoC提供契約")
    assert list(expired.transitions.values_list("to_status", "actor")) == [
        (ContractStatus.SUBMITTED, User.objects.get(username="partner-kobesteel").pk),
        (ContractStatus.UNDER_REVIEW, pmo.pk),
        (ContractStatus.ACTIVE, pmo.pk),
        (ContractStatus.EXPIRED, None),
    ]
    assert expired.expiry_date < expired.transitions.last().effective_on


def test_every_submitted_contract_carries_a_real_signed_pdf_from_its_partner():
    seed()

    for seeded in DataContract.objects.select_related("provider"):
        documents = list(seeded.documents.all())
        if seeded.status == ContractStatus.DRAFT:
            assert documents == []
            continue
        [document] = documents
        assert document.uploaded_by.organization == seeded.provider
        assert document.original_name == f"{seeded.reference}-signed.pdf"
        with document.file.open("rb") as file:
            content = file.read()
        assert content.startswith(b"%PDF-")
        assert len(content) == document.size
        assert len(PdfReader(io.BytesIO(content)).pages) == document.page_count == 1
        assert seeded.reference in PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_the_pmo_sees_an_expiring_contract_and_two_awaiting_a_decision():
    seed()

    assert list(contracts_expiring()) == [contract("センシングデータ共用契約（PoC）")]
    assert set(contracts_awaiting_decision()) == {
        contract("ロボット実機データ創出契約"),
        contract("センシングデータ共用契約（2027年更新）"),
    }
    renewal = contract("センシングデータ共用契約（2027年更新）")
    assert renewal.effective_date == contracts_expiring().get().expiry_date + dt.timedelta(1)


def test_the_honda_edge_learning_deviation_is_approved_by_the_pmo():
    seed()

    honda = contract("走行環境データ提供契約")
    assert honda.deviation_uses == [DataPurpose.EDGE_LEARNING]
    assert honda.deviation_reason
    assert honda.deviation_approved_by == User.objects.get(username="pmo")
    assert not honda.deviation_pending


def test_every_contract_covers_only_its_providers_datasets_of_its_tier():
    seed()

    for seeded in DataContract.objects.select_related("provider", "template"):
        datasets = list(seeded.datasets.all())
        assert datasets, seeded
        for dataset in datasets:
            assert dataset.provider_id == seeded.provider_id, (seeded, dataset)
            assert dataset.tier == seeded.template.tier, (seeded, dataset)


def test_every_dataset_is_covered_by_a_contract_of_its_provider_and_tier():
    seed()

    for dataset in DataAsset.objects.all():
        assert dataset.contracts.filter(
            provider_id=dataset.provider_id, template__tier=dataset.tier
        ).exists(), dataset.code


# ------------------------------------------------------------------------------ lineage


def test_seed_registers_the_artifacts_and_runs_and_each_run_still_passes_the_guard():
    seed()

    artifacts = {a.code: a for a in ModelArtifact.objects.all()}
    assert {code: a.kind for code, a in artifacts.items()} == {
        code: kind for code, (kind, _) in EXPECTED_ARTIFACTS.items()
    }
    for code, (_, runs) in EXPECTED_ARTIFACTS.items():
        assert set(artifacts[code].runs.values_list("code", flat=True)) == runs, code
    for run in TrainingRun.objects.all():
        decisions = training_run_check(
            run=run, datasets=run.datasets.all(), input_artifacts=run.input_artifacts.all()
        )
        assert all(d.allowed for d in decisions), run.code


def test_the_contamination_report_on_the_demo_matches_the_hand_check():
    seed()

    assert lineage_by_artifact() == EXPECTED_LINEAGE
    report = contamination_report()
    assert not any(item.contaminated for item in report)
    bases = [item for item in report if item.artifact.kind == ArtifactKind.BASE_MODEL]
    assert [item.artifact.code for item in bases] == ["jv-base-alpha"]


def test_the_pmo_reads_the_hand_checked_report_in_the_admin(client):
    seed()
    client.force_login(User.objects.get(username="pmo"))

    response = client.get(reverse("admin:datagov_contamination"))

    assert response.status_code == 200
    rows = {
        row.split('"', 1)[0]: row for row in response.content.decode().split('data-artifact="')[1:]
    }
    assert set(rows) == set(EXPECTED_LINEAGE)
    for code, (_, datasets) in EXPECTED_LINEAGE.items():
        assert all(dataset in rows[code] for dataset in datasets), code
        assert 'class="cr-flag"' not in rows[code], code


def test_a_base_model_fed_the_steel_fine_tune_is_flagged_naming_the_steel_logs():
    seed()
    steel_ft = ModelArtifact.objects.get(code="nipponsteel-operations-ft")
    jv = Organization.objects.get(code="jv")
    beta = ModelArtifactFactory(code="jv-base-beta", kind=ArtifactKind.BASE_MODEL, responsible=jv)
    run = TrainingRunFactory.build(
        code="base-beta-from-steel",
        purpose=DataPurpose.BASE_PRETRAINING,
        target=beta,
        started_on=dt.date(2027, 6, 1),
        responsible=jv,
    )
    # The guard refuses it, naming the steel logs ...
    with pytest.raises(ValidationError, match=STEEL_LOGS):
        training_run_check(run=run, datasets=[], input_artifacts=[steel_ft])
    # ... so it is recorded past the guard, as a run registered before a reclassification
    # would be.
    TrainingRunFactory(
        code="base-beta-from-steel",
        purpose=DataPurpose.BASE_PRETRAINING,
        target=beta,
        input_artifacts=[steel_ft],
        started_on=dt.date(2027, 6, 1),
        responsible=jv,
    )

    report = contamination_report()
    flagged = report[0]
    assert flagged.artifact == beta and flagged.contaminated
    assert [
        (reach.dataset.code, reach.tier, [a.code for a in reach.via])
        for reach in flagged.contaminating
    ] == [(STEEL_LOGS, RESTRICTED, ["nipponsteel-operations-ft"])]
    assert lineage_by_artifact()["jv-base-beta"] == (
        {PUBLIC, RESTRICTED},
        {STEEL_LOGS: ("nipponsteel-operations-ft",), **_through(steel_ft.code, "jv-base-alpha")},
    )
    assert [item.artifact.code for item in report if item.contaminated] == ["jv-base-beta"]


# ------------------------------------------------------------------------------ re-runs


def test_seeded_rows_are_created_without_a_user_and_with_the_seed_change_reason():
    seed()

    for model in (DataAsset, ContractTemplate, DataContract, ModelArtifact, TrainingRun):
        created = model.history.filter(history_type="+")
        assert created.count() == model.objects.count() > 0, model
        assert set(created.values_list("history_change_reason", "history_user")) == {
            (CHANGE_REASON, None)
        }, model


def test_a_second_seed_writes_nothing_not_even_history_or_files(_private_media):
    seed()
    counts = row_counts()
    files = sorted(p for p in _private_media.rglob("*") if p.is_file())

    output = seed()

    assert "Nothing to do" in output
    assert row_counts() == counts
    assert sorted(p for p in _private_media.rglob("*") if p.is_file()) == files
    assert len(files) == SignedDocument.objects.count() == 11


def test_the_pmos_edits_and_decisions_survive_a_rerun():
    seed()
    pmo = User.objects.get(username="pmo")
    submitted = contract("ロボット実機データ創出契約")
    contract_reject(contract=submitted, actor=pmo, reason="別紙の持分比率が未記入。")
    standards = DataAsset.objects.get(code=STANDARDS)
    standards.description_ja = "PMOが更新した説明。"
    dataset_save(dataset=standards, actor=pmo)

    output = seed()

    assert "Nothing to do" in output
    assert contract("ロボット実機データ創出契約").status == ContractStatus.DRAFT
    assert DataAsset.objects.get(code=STANDARDS).description_ja == "PMOが更新した説明。"


def test_seed_programme_adds_no_data_governance():
    call_command("seed_programme", stdout=io.StringIO())

    for model in (*DATAGOV_MODELS, TrainingRun):
        assert not model.objects.exists(), model
