"""The KPI seed: the briefing's nine KPIs with targets at the gates that judge them (part of
the real programme), and for the demo the safety checklist, incidents and a year of
measurements, generated deterministically and added only once."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from jvtracker.common.fiscal import FiscalYear
from jvtracker.demo import SeedResult, seed_demo, seed_programme
from jvtracker.demo.kpis import (
    GPU_CLUSTERS,
    GPU_UTILIZATION,
    HISTORY_DAYS,
    measurement_history,
    seed_kpis,
)
from jvtracker.models import Organization, User
from kpis.choices import (
    Aggregation,
    BatchSource,
    Combination,
    Direction,
    KPISource,
    Status,
    Unit,
)
from kpis.models import (
    Incident,
    IngestBatch,
    KPIDefinition,
    KPITarget,
    Measurement,
    MonthlyValue,
    SafetyCheck,
)
from kpis.periods import add_months, month_bounds, month_of
from kpis.selectors import kpi_monthly_series, kpi_statuses
from kpis.services import (
    COMPUTED,
    MeasurementRow,
    contracts_in_force_by_industry,
    measurements_ingest,
)
from milestones.choices import GateKind
from milestones.models import GateCriterion, StageGate

TOKYO = ZoneInfo("Asia/Tokyo")
PASSWORD = "kpi-seed-password-for-tests"
HOURS = HISTORY_DAYS * 24
CLUSTERS = {subject for subject, _, _ in GPU_CLUSTERS}

# code: (name_ja, unit, direction, monthly value, subjects combined by, source, owner)
EXPECTED_KPIS = {
    "gpu_utilization": (
        "GPU稼働率",
        Unit.PERCENT,
        Direction.HIGHER_IS_BETTER,
        Aggregation.TIME_WEIGHTED_MEAN,
        Combination.MEAN,
        KPISource.SCRAPED,
        "softbank",
    ),
    "data_contracts_by_industry": (
        "産業別データ契約締結件数",
        Unit.COUNT,
        Direction.HIGHER_IS_BETTER,
        Aggregation.LATEST,
        Combination.SUM,
        KPISource.COMPUTED,
        "jv",
    ),
    "safety_pipeline": (
        "安全評価パイプライン整備有無",
        Unit.YES_NO,
        Direction.HIGHER_IS_BETTER,
        Aggregation.LATEST,
        Combination.MIN,
        KPISource.COMPUTED,
        "jv",
    ),
    "synthetic_data_supply": (
        "合成データ供給能力",
        Unit.TB_PER_MONTH,
        Direction.HIGHER_IS_BETTER,
        Aggregation.MEAN,
        Combination.SUM,
        KPISource.PUSHED,
        "softbank",
    ),
    "inference_cost": (
        "推論コスト",
        Unit.JPY_PER_1K_TOKENS,
        Direction.LOWER_IS_BETTER,
        Aggregation.MEAN,
        Combination.MEAN,
        KPISource.MANUAL,
        "jv",
    ),
    "serious_incidents": (
        "重大インシデント件数",
        Unit.COUNT,
        Direction.LOWER_IS_BETTER,
        Aggregation.LATEST,
        Combination.SUM,
        KPISource.COMPUTED,
        "jv",
    ),
    "arr": (
        "継続収益（ARR）",
        Unit.JPY,
        Direction.HIGHER_IS_BETTER,
        Aggregation.LATEST,
        Combination.SUM,
        KPISource.MANUAL,
        "jv",
    ),
    "inference_power": (
        "省電力化指標（推論電力/性能）",
        Unit.JOULE_PER_TOKEN,
        Direction.LOWER_IS_BETTER,
        Aggregation.MEAN,
        Combination.MEAN,
        KPISource.PUSHED,
        "softbank",
    ),
    "productivity_gain": (
        "導入企業の生産性改善実測値",
        Unit.PERCENT,
        Direction.HIGHER_IS_BETTER,
        Aggregation.MEAN,
        Combination.MEAN,
        KPISource.PUSHED,
        "jv",
    ),
}

FY2027 = (2027, GateKind.ANNUAL)
MID_TERM = (2028, GateKind.MID_TERM)
FINAL = (2030, GateKind.FINAL)
# Which KPIs each of the three named gates judges: its horizon's, plus those whose
# failure mode still turns on them.
JUDGED_AT = {
    FY2027: {"gpu_utilization", "data_contracts_by_industry", "safety_pipeline"},
    MID_TERM: {
        "gpu_utilization",
        "data_contracts_by_industry",
        "synthetic_data_supply",
        "inference_cost",
        "serious_incidents",
    },
    FINAL: {
        "gpu_utilization",
        "inference_cost",
        "serious_incidents",
        "arr",
        "inference_power",
        "productivity_gain",
    },
}

# A fixed moment for the pure generator tests (not the wall clock).
NOW = dt.datetime(2027, 6, 15, 10, 40, tzinfo=TOKYO)


def gate(key: tuple[int, str]) -> StageGate:
    fiscal_year, kind = key
    return StageGate.objects.get(fiscal_year=fiscal_year, kind=kind)


def seed_hour() -> dt.datetime:
    """The last full hour before the seed ran: where its GPU history ends. The seed's own
    month and day, read from the data rather than from a clock that has moved on since."""
    return Measurement.objects.filter(kpi__code=GPU_UTILIZATION).latest("end").end


def gpu_rows(batches) -> list[MeasurementRow]:
    return [row for batch in batches if batch.kpi == GPU_UTILIZATION for row in batch.rows]


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """seed_demo once for the whole class (it takes seconds), rolled back afterwards; each
    test runs in its own savepoint inside it."""
    private = tmp_path_factory.mktemp("private")
    with (
        django_db_blocker.unblock(),
        override_settings(PRIVATE_MEDIA_ROOT=private, MEDIA_ROOT=private),
        transaction.atomic(),
    ):
        result = seed_demo(password=PASSWORD)
        yield result
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded")
class TestSeedDemo:
    # ------------------------------------------------------------------------ definitions

    def test_it_defines_the_nine_kpis_of_the_briefing(self):
        kpis = {k.code: k for k in KPIDefinition.objects.select_related("owner")}

        assert set(kpis) == set(EXPECTED_KPIS)
        for code, expected in EXPECTED_KPIS.items():
            kpi = kpis[code]
            assert (
                kpi.name_ja,
                kpi.unit,
                kpi.direction,
                kpi.aggregation,
                kpi.combination,
                kpi.source,
                kpi.owner.code,
            ) == expected, code
            assert kpi.name_en and kpi.description_ja and kpi.description_en, code
        assert sorted(k.order for k in kpis.values()) == list(range(1, 10))

    def test_the_computed_kpis_are_exactly_those_the_tracker_computes(self):
        computed = KPIDefinition.objects.filter(source=KPISource.COMPUTED)

        assert set(computed.values_list("code", flat=True)) == set(COMPUTED)

    # ---------------------------------------------------------------------------- targets

    def test_the_fy2027_mid_term_and_final_gates_judge_their_horizons_kpis(self):
        for key, codes in JUDGED_AT.items():
            targets = KPITarget.objects.filter(gate=gate(key))
            assert set(targets.values_list("kpi__code", flat=True)) == codes, key
        assert set().union(*JUDGED_AT.values()) == set(EXPECTED_KPIS)

    def test_the_year_one_targets_are_those_planned(self):
        fy2027 = {
            t.kpi.code: (t.target_value, t.amber_value)
            for t in KPITarget.objects.filter(gate=gate(FY2027)).select_related("kpi")
        }

        assert fy2027["gpu_utilization"] == (70, 60)
        assert fy2027["safety_pipeline"] == (1, 1)
        for target in KPITarget.objects.filter(kpi__code="serious_incidents"):
            assert (target.target_value, target.amber_value) == (0, 1)

    def test_targets_never_ease_from_one_gate_to_the_next(self):
        by_kpi = defaultdict(list)
        for target in KPITarget.objects.select_related("kpi", "gate").order_by("gate__review_date"):
            by_kpi[target.kpi].append(target)

        for kpi, targets in by_kpi.items():
            values = [t.target_value for t in targets]
            ambers = [t.amber_value for t in targets]
            if kpi.higher_is_better:
                assert values == sorted(values) and ambers == sorted(ambers), kpi.code
            else:
                assert values == sorted(values, reverse=True), kpi.code
                assert ambers == sorted(ambers, reverse=True), kpi.code
        costs = [t.target_value for t in by_kpi[KPIDefinition.objects.get(code="inference_cost")]]
        assert costs[0] > costs[-1]

    def test_criteria_naming_a_kpi_are_bound_to_it_and_it_has_a_target_at_their_gate(self):
        fy2027 = {c.order: c for c in gate(FY2027).criteria.select_related("kpi")}

        assert [fy2027[order].kpi.code for order in (1, 2, 3)] == [
            "gpu_utilization",
            "data_contracts_by_industry",
            "safety_pipeline",
        ]
        assert all(fy2027[order].kpi is None for order in (4, 5, 6, 7))
        linked = GateCriterion.objects.filter(kpi__isnull=False)
        assert linked.count() == 19
        for criterion in linked:
            assert criterion.text_ja.startswith(criterion.kpi.name_ja[:4]), criterion
            assert KPITarget.objects.filter(kpi=criterion.kpi, gate=criterion.gate).exists(), (
                criterion
            )

    # ---------------------------------------------------------------------------- history

    def test_gpu_utilisation_is_hourly_for_a_year_from_three_clusters(self):
        rows = Measurement.objects.filter(kpi__code=GPU_UTILIZATION)
        per_cluster = Counter(rows.values_list("subject", flat=True))
        starts = sorted(rows.filter(subject="tokyo-1").values_list("start", flat=True))
        last_end = max(rows.values_list("end", flat=True))

        assert rows.count() == 3 * 365 * 24
        assert per_cluster == dict.fromkeys(CLUSTERS, 365 * 24)
        assert all(b - a == dt.timedelta(hours=1) for a, b in itertools.pairwise(starts))
        assert all(
            end - start == dt.timedelta(hours=1) for start, end in rows.values_list("start", "end")
        )
        assert last_end <= timezone.now()
        assert (last_end.minute, last_end.second) == (0, 0)
        assert timezone.now() - last_end < dt.timedelta(hours=2)
        values = list(rows.values_list("value", flat=True))
        assert min(values) >= 0 and max(values) <= 100
        assert len(set(values)) > 500  # not a constant

    def test_gpu_utilisation_ramps_up_over_the_year(self):
        series = [
            value
            for _, value in kpi_monthly_series(kpi=KPIDefinition.objects.get(code=GPU_UTILIZATION))
        ]

        assert len(series) in (12, 13)  # 365 days touch 12 or 13 calendar months
        assert series[-1] > series[0] + 20
        assert series[-2] > series[1]

    def test_the_stored_history_is_exactly_what_the_generator_gives_for_that_hour(self):
        stored = list(
            Measurement.objects.filter(kpi__code=GPU_UTILIZATION)
            .order_by("subject", "start")
            .values_list("subject", "start", "end", "value")
        )
        last_hour = max(end for _, _, end, _ in stored)

        generated = sorted(
            (r.subject, r.start, r.end, r.value) for r in gpu_rows(measurement_history(last_hour))
        )

        assert stored == generated

    def test_gpu_batches_are_one_per_cluster_and_month_scraped_by_nobody(self):
        batches = IngestBatch.objects.filter(measurements__kpi__code=GPU_UTILIZATION).distinct()

        for batch in batches:
            subjects = set(batch.measurements.values_list("subject", flat=True))
            months = {month_of(s) for s in batch.measurements.values_list("start", flat=True)}
            assert len(subjects) == 1 and len(months) == 1, batch
            assert (batch.source, batch.submitted_by, batch.organization.code) == (
                BatchSource.SEED,
                None,
                "softbank",
            )
        months = {
            month_of(s)
            for s in Measurement.objects.filter(kpi__code=GPU_UTILIZATION).values_list(
                "start", flat=True
            )
        }
        assert batches.count() == 3 * len(months)

    def test_pushed_and_entered_figures_come_from_the_accounts_that_would_send_them(self):
        def senders(code: str) -> set[tuple[str, str]]:
            return set(
                IngestBatch.objects.filter(measurements__kpi__code=code).values_list(
                    "submitted_by__username", "organization__code"
                )
            )

        assert senders("productivity_gain") == {
            (f"partner-{org}", org) for org in ("nipponsteel", "honda", "sony")
        }
        for batch in IngestBatch.objects.filter(measurements__kpi__code="productivity_gain"):
            assert set(batch.measurements.values_list("subject", flat=True)) == {
                batch.organization.code
            }
        assert senders("synthetic_data_supply") == {("partner-softbank", "softbank")}
        assert senders("inference_power") == {("partner-softbank", "softbank")}
        assert senders("inference_cost") == {("pmo", "jv")}
        assert senders("arr") == {("pmo", "jv")}
        assert set(
            IngestBatch.objects.exclude(source=BatchSource.COMPUTED).values_list(
                "source", flat=True
            )
        ) == {BatchSource.SEED}

    def test_monthly_figures_cover_whole_months_only_and_the_last_twelve(self):
        this_month = month_of(seed_hour())
        expected = [add_months(this_month, -n) for n in range(12, 0, -1)]

        for code in ("inference_cost", "inference_power"):
            rows = Measurement.objects.filter(kpi__code=code).order_by("start")
            assert [month_of(r.start) for r in rows] == expected, code
            for row in rows:
                assert (row.start, row.end) == month_bounds(month_of(row.start)), code
        costs = list(
            Measurement.objects.filter(kpi__code="inference_cost")
            .order_by("start")
            .values_list("value", flat=True)
        )
        assert costs[-1] < costs[0]

    def test_arr_is_zero_until_the_launch_then_grows(self):
        values = list(
            Measurement.objects.filter(kpi__code="arr")
            .order_by("start")
            .values_list("value", flat=True)
        )
        launch = next(i for i, value in enumerate(values) if value > 0)

        assert len(values) == 12
        assert 0 < launch < 12
        assert values[launch:] == sorted(values[launch:])
        assert all(value % 1_000_000 == 0 for value in values)  # entered in 百万円

    def test_productivity_gains_are_reported_quarterly_by_each_adopter(self):
        rows = Measurement.objects.filter(kpi__code="productivity_gain")

        assert set(rows.values_list("subject", flat=True)) == {"nipponsteel", "honda", "sony"}
        assert {timezone.localtime(r.start).month % 3 for r in rows} == {0}

    # ---------------------------------------------------------------------- computed KPIs

    def test_the_computed_kpis_have_values_and_a_monthly_history(self):
        today = timezone.localdate(seed_hour())
        contracts = KPIDefinition.objects.get(code="data_contracts_by_industry")
        series = kpi_monthly_series(kpi=contracts)

        assert series[-1] == (
            month_of(seed_hour()),
            sum(contracts_in_force_by_industry(today).values()),
        )
        # A history, not one value repeated: contracts started and ended over the year.
        assert len({value for _, value in series}) > 1
        assert kpi_monthly_series(kpi=KPIDefinition.objects.get(code="safety_pipeline"))[-1][1] == 0
        assert (
            kpi_monthly_series(kpi=KPIDefinition.objects.get(code="serious_incidents"))[-1][1] == 1
        )
        for code in COMPUTED:
            months = MonthlyValue.objects.filter(kpi__code=code).values("month").distinct()
            assert months.count() > 1, code

    # ------------------------------------------------------------ checklist and incidents

    def test_the_safety_checklist_is_in_place_except_the_external_audit(self):
        checks = {c.code: c for c in SafetyCheck.objects.all()}
        done = [c for c in checks.values() if c.done_on is not None]

        assert len(checks) >= 6
        assert {"red-teaming", "bias-toxicity-ja", "jailbreak-regression"} <= set(checks)
        assert len(done) >= 4
        assert all(c.evidence and c.done_on <= timezone.localdate(seed_hour()) for c in done)
        outstanding = [c.code for c in checks.values() if c.required and c.done_on is None]
        assert outstanding == ["external-audit"]

    def test_incidents_across_organizations_one_serious_this_fiscal_year(self):
        today = timezone.localdate(seed_hour())
        incidents = list(Incident.objects.select_related("organization"))
        serious = [i for i in incidents if i.severity >= 4]

        assert len({i.organization.code for i in incidents}) >= 3
        assert len({i.severity for i in incidents}) >= 3
        [incident] = serious
        assert incident.occurred_on in FiscalYear.of(today)
        assert incident.corrective_action
        for item in incidents:
            assert item.occurred_on <= today
            assert item.resolved_on is None or item.occurred_on <= item.resolved_on <= today

    # ------------------------------------------------------------------------------ board

    def test_the_next_main_gates_board_shows_a_status_for_each_kpi_it_judges(self):
        # The history is the year before the seed; the gates' dates are fixed. So the board
        # worth checking is that of the next main gate, which is judged on today's figures
        # (the last one once all are past).
        today = timezone.localdate()
        key = next((k for k in JUDGED_AT if gate(k).review_date >= today), FINAL)
        statuses = [s for s in kpi_statuses(gate=gate(key)) if s.target is not None]

        assert {s.kpi.code for s in statuses} == JUDGED_AT[key]
        assert Status.NO_DATA not in {s.status for s in statuses}
        for status in statuses:
            assert sum(value is not None for _, value in status.trend) >= 2, status.kpi.code

    # ---------------------------------------------------------------------------- re-runs

    def test_the_summary_counts_what_was_created(self, seeded: SeedResult):
        summary = seeded.created_summary()

        assert "9 KPIs" in summary
        assert f"{KPITarget.objects.count()} KPI targets" in summary
        assert f"{IngestBatch.objects.count()} measurement batches" in summary
        assert f"{Measurement.objects.count()} measurements" in summary

    def test_a_second_seed_adds_nothing(self, monkeypatch, settings, tmp_path):
        settings.VAR_DIR = tmp_path / "var"
        monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
        models = (KPIDefinition, KPITarget, SafetyCheck, Incident, IngestBatch, Measurement)
        counts = {model: model.objects.count() for model in models}
        history = {model: model.history.count() for model in models[:4]}

        out = io.StringIO()
        call_command("seed_demo", stdout=out)

        assert "Nothing to do" in out.getvalue()
        assert {model: model.objects.count() for model in models} == counts
        assert {model: model.history.count() for model in models[:4]} == history


# ------------------------------------------------------------------- the generator alone


def test_the_generator_gives_the_same_rows_for_the_same_moment():
    assert measurement_history(NOW) == measurement_history(NOW)


def test_the_generator_depends_on_the_date_not_the_time_of_day():
    morning = measurement_history(NOW)
    evening = measurement_history(NOW.replace(hour=21))

    def by_hour(batches):
        return {(r.subject, r.start): r.value for r in gpu_rows(batches)}

    earlier, later = by_hour(morning), by_hour(evening)
    shared = earlier.keys() & later.keys()
    assert len(shared) == 3 * (HOURS - 11)
    assert all(earlier[key] == later[key] for key in shared)
    others = [b for b in morning if b.kpi != GPU_UTILIZATION]
    assert others == [b for b in evening if b.kpi != GPU_UTILIZATION]


def test_the_generated_gpu_year_ends_at_the_last_full_hour():
    rows = gpu_rows(measurement_history(NOW))
    ends = sorted({r.end for r in rows})

    assert len(rows) == 3 * HOURS
    assert ends[-1] == NOW.replace(minute=0)
    assert ends[0] == NOW.replace(minute=0) - dt.timedelta(hours=HOURS - 1)
    assert all(0 <= r.value <= 100 and r.unit == "%" for r in rows)


# ------------------------------------------------------------------------ programme only


@pytest.mark.django_db
def test_seed_programme_defines_kpis_targets_and_criteria_but_no_measurements():
    result = seed_programme()

    assert result.created[KPIDefinition] == 9
    assert KPITarget.objects.filter(gate=gate(FY2027)).count() == 3
    assert GateCriterion.objects.filter(kpi__isnull=False).count() == 19
    for model in (IngestBatch, Measurement, MonthlyValue, SafetyCheck, Incident):
        assert not model.objects.exists(), model


@pytest.mark.django_db
def test_a_kpi_that_already_has_measurements_gets_no_generated_history():
    seed_programme()
    organizations = {org.code: org for org in Organization.objects.all()}
    now = timezone.now()
    measurements_ingest(
        rows=[
            MeasurementRow(
                number=1, kpi=GPU_UTILIZATION, subject="real-cluster", start=now, value=55, unit="%"
            )
        ],
        source=BatchSource.SCRAPE,
        actor=None,
        organization=organizations["softbank"],
        now=now,
    )
    result = SeedResult()

    seed_kpis(result, organizations, {}, now=now)

    assert list(
        Measurement.objects.filter(kpi__code=GPU_UTILIZATION).values_list("subject", "value")
    ) == [("real-cluster", 55)]
    assert Measurement.objects.filter(kpi__code="inference_cost").count() == 12
    assert not User.objects.exists()
    # Without the partner accounts the figures are still the partner's organization's.
    assert set(
        IngestBatch.objects.filter(measurements__kpi__code="productivity_gain").values_list(
            "submitted_by", "organization__code"
        )
    ) == {(None, "nipponsteel"), (None, "honda"), (None, "sony")}
