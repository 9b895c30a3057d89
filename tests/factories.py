"""factory_boy factories for every model; build data through these in tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from datagov.choices import (
    ArtifactKind,
    ContractStatus,
    ContractType,
    DataPurpose,
    DataTier,
    StorageLocation,
    TemplateStatus,
)
from datagov.models import ContractTemplate, DataAsset, DataContract, ModelArtifact, TrainingRun
from datagov.policy import tier_rule
from jvtracker.choices import Industry, OrganizationKind, Role
from jvtracker.models import Organization, User
from milestones.choices import EvaluationAxis, GateKind, RiskCategory
from milestones.models import (
    Deliverable,
    GateCondition,
    GateCriterion,
    Milestone,
    Programme,
    Risk,
    StageGate,
    Track,
)

TOKYO = ZoneInfo("Asia/Tokyo")


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"org{n}")
    name_ja = factory.Sequence(lambda n: f"組織{n}")
    name_en = factory.Sequence(lambda n: f"Organization {n}")
    kind = OrganizationKind.MINORITY_BACKER
    industry = Industry.STEEL
    provides_data = True


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.jp")
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.PARTNER
    is_staff = factory.LazyAttribute(lambda u: u.role in (Role.PMO, Role.POLICY))

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "correct-horse-battery")
        if create:
            obj.save()
            from jvtracker.services import user_sync_role_group

            user_sync_role_group(user=obj)


class PMOUserFactory(UserFactory):
    role = Role.PMO


class PolicyUserFactory(UserFactory):
    role = Role.POLICY


class FunderFactory(OrganizationFactory):
    code = "nedo"
    name_ja = "国立研究開発法人新エネルギー・産業技術総合開発機構"
    name_en = "NEDO"
    kind = OrganizationKind.FUNDER
    industry = Industry.GOVERNMENT


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("code",)

    code = "nedo-multimodal"
    name_ja = "マルチモーダル基盤モデル開発事業"
    name_en = "Multimodal foundation-model programme"
    funder = factory.SubFactory(FunderFactory)
    first_fiscal_year = 2026
    last_fiscal_year = 2030
    opens_on = dt.date(2026, 3, 1)


class TrackFactory(DjangoModelFactory):
    class Meta:
        model = Track
        django_get_or_create = ("code",)

    code = "nedo"
    name_ja = "NEDO政策"
    name_en = "NEDO policy"


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"milestone-{n}")
    track = factory.SubFactory(TrackFactory)
    title_ja = factory.Sequence(lambda n: f"マイルストーン{n}")
    title_en = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = dt.date(2027, 9, 30)
    owner = factory.SubFactory(OrganizationFactory)


class StageGateFactory(DjangoModelFactory):
    class Meta:
        model = StageGate

    programme = factory.SubFactory(ProgrammeFactory)
    fiscal_year = 2027
    kind = GateKind.ANNUAL
    title_ja = factory.LazyAttribute(lambda g: f"{g.fiscal_year}年度ステージゲート評価")
    title_en = factory.LazyAttribute(lambda g: f"FY{g.fiscal_year} stage gate")
    review_date = factory.LazyAttribute(lambda g: dt.date(g.fiscal_year, 12, 15))


class GateCriterionFactory(DjangoModelFactory):
    class Meta:
        model = GateCriterion

    gate = factory.SubFactory(StageGateFactory)
    axis = EvaluationAxis.RESULTS
    text_ja = "GPUが安定稼働していること"
    text_en = "GPUs run stably"


class GateConditionFactory(DjangoModelFactory):
    class Meta:
        model = GateCondition

    gate = factory.SubFactory(StageGateFactory)
    text_ja = "データ契約を締結すること"
    owner = factory.SubFactory(OrganizationFactory)
    due_date = dt.date(2028, 3, 31)


class DeliverableFactory(DjangoModelFactory):
    class Meta:
        model = Deliverable

    milestone = factory.SubFactory(MilestoneFactory)
    title_ja = "成果報告書"
    title_en = "Results report"


class RiskFactory(DjangoModelFactory):
    class Meta:
        model = Risk

    code = factory.Sequence(lambda n: f"risk-{n}")
    category = RiskCategory.COMPUTE_POWER
    title_ja = "計算資源と電力"
    title_en = "Compute and power"
    likelihood = 3
    impact = 4
    owner = factory.SubFactory(OrganizationFactory)
    review_date = dt.date(2027, 3, 31)


class PartnerUserFactory(UserFactory):
    role = Role.PARTNER


class DataAssetFactory(DjangoModelFactory):
    """A dataset, stored where its tier allows (on the premises for secret data)."""

    class Meta:
        model = DataAsset

    code = factory.Sequence(lambda n: f"dataset-{n}")
    name_ja = factory.Sequence(lambda n: f"データセット{n}")
    name_en = factory.Sequence(lambda n: f"Dataset {n}")
    provider = factory.SubFactory(OrganizationFactory)
    tier = DataTier.PUBLIC
    industry = Industry.STEEL
    description_ja = "工場の操業ログ"
    description_en = "Plant operation logs"
    storage_location = factory.LazyAttribute(
        lambda d: (
            StorageLocation.ON_PREMISES
            if d.tier == DataTier.SECRET
            else StorageLocation.DOMESTIC_CLOUD
        )
    )
    storage_detail = "東京リージョン"


class ContractTemplateFactory(DjangoModelFactory):
    """A published template version permitting every standard use of its tier."""

    class Meta:
        model = ContractTemplate

    code = factory.Sequence(lambda n: f"template-{n}")
    version = 1
    contract_type = ContractType.DATA_PROVISION
    tier = DataTier.PUBLIC
    title_ja = factory.Sequence(lambda n: f"データ提供契約ひな形{n}")
    title_en = factory.Sequence(lambda n: f"Data provision template {n}")
    redistribution_ja = "第三者への再配布を禁止する。"
    redistribution_en = "No redistribution to third parties."
    ip_attribution_ja = "提供データの知的財産権は提供者に帰属する。"
    ip_attribution_en = "IP in the provided data stays with the provider."
    synthetic_conversion_ja = "差分プライバシー（ε≦1）により合成データへ変換する。"
    synthetic_conversion_en = "Converted to synthetic data with differential privacy (ε ≤ 1)."
    permitted_uses = factory.LazyAttribute(lambda t: tier_rule(t.tier).permitted_uses())
    retention_ja = "契約終了後30日以内に削除する。"
    retention_en = "Deleted within 30 days of the contract's end."
    storage_ja = "国内リージョンに保管する。"
    storage_en = "Stored in a domestic region."
    status = TemplateStatus.PUBLISHED
    published_at = factory.LazyFunction(lambda: dt.datetime(2026, 5, 1, tzinfo=dt.UTC))


class DataContractFactory(DjangoModelFactory):
    """A contract, active by default, covering ``datasets`` for ``permitted_uses``.

    Built directly (not through the workflow) for tests that need a contract in a given
    state; the workflow itself is tested through the services.
    """

    class Meta:
        model = DataContract
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"DC-2026-{n + 1:04d}")
    title = factory.Sequence(lambda n: f"データ提供契約{n}")
    provider = factory.SubFactory(OrganizationFactory)
    template = factory.SubFactory(ContractTemplateFactory)
    permitted_uses = factory.LazyAttribute(lambda c: list(c.template.permitted_uses))
    status = ContractStatus.ACTIVE
    effective_date = dt.date(2026, 6, 1)
    expiry_date = dt.date(2029, 3, 31)

    @factory.post_generation
    def datasets(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.datasets.set(extracted)


class ModelArtifactFactory(DjangoModelFactory):
    class Meta:
        model = ModelArtifact

    code = factory.Sequence(lambda n: f"artifact-{n}")
    name_ja = factory.Sequence(lambda n: f"モデル{n}")
    name_en = factory.Sequence(lambda n: f"Model {n}")
    kind = ArtifactKind.BASE_MODEL
    responsible = factory.SubFactory(OrganizationFactory)


class TrainingRunFactory(DjangoModelFactory):
    """A recorded run, written directly, bypassing the guard: for tests of the report."""

    class Meta:
        model = TrainingRun
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"run-{n}")
    purpose = DataPurpose.BASE_PRETRAINING
    target = factory.SubFactory(ModelArtifactFactory)
    started_on = dt.date(2027, 1, 10)
    responsible = factory.SubFactory(OrganizationFactory)

    @factory.post_generation
    def datasets(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.datasets.set(extracted)

    @factory.post_generation
    def input_artifacts(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.input_artifacts.set(extracted)


# ------------------------------------------------------------------------------ KPIs


class KPIDefinitionFactory(DjangoModelFactory):
    class Meta:
        model = "kpis.KPIDefinition"

    code = factory.Sequence(lambda n: f"kpi_{n}")
    name_ja = factory.Sequence(lambda n: f"指標{n}")
    name_en = factory.Sequence(lambda n: f"Indicator {n}")
    unit = "percent"
    direction = "higher"
    aggregation = "mean"
    combination = "mean"
    source = "pushed"
    owner = factory.SubFactory(OrganizationFactory)


class KPITargetFactory(DjangoModelFactory):
    class Meta:
        model = "kpis.KPITarget"

    kpi = factory.SubFactory(KPIDefinitionFactory)
    gate = factory.SubFactory(StageGateFactory)
    target_value = 80.0
    amber_value = 70.0


class SafetyCheckFactory(DjangoModelFactory):
    class Meta:
        model = "kpis.SafetyCheck"

    code = factory.Sequence(lambda n: f"check_{n}")
    text_ja = factory.Sequence(lambda n: f"安全評価項目{n}")
    text_en = factory.Sequence(lambda n: f"Safety check {n}")
    required = True


class IncidentFactory(DjangoModelFactory):
    class Meta:
        model = "kpis.Incident"

    occurred_on = dt.date(2027, 6, 1)
    severity = 2
    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"インシデント{n}")
    description = "GPUクラスタの冷却系統の不具合"


class ReportFactory(DjangoModelFactory):
    """A queued stage-gate report, as report_request leaves it (without publishing it)."""

    class Meta:
        model = "reports.Report"

    kind = "stage_gate"
    gate = factory.SubFactory(StageGateFactory)
    as_of = dt.date(2027, 3, 31)
    knowledge_cutoff = factory.LazyAttribute(
        lambda o: dt.datetime.combine(o.as_of, dt.time(23, 59, 59, 999999), tzinfo=TOKYO)
    )
    language = "ja"
    status = "queued"
    requested_by = factory.SubFactory(PolicyUserFactory)
    requested_via = "admin"
    requested_at = factory.LazyFunction(lambda: dt.datetime.now(tz=dt.UTC))
