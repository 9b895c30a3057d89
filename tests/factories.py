"""factory_boy factories for every model; build data through these in tests."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

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
