"""The briefing's nine KPIs: their definitions, targets and gate criteria are part of the
real programme (``seed_programme``); the safety-evaluation checklist, the incidents and a
year of measurements are the demo's (``seed_demo``).

Targets: the briefing names the KPIs per horizon but gives no figures, so the targets are
plausible planning values for the PMO to replace; the seed never overwrites them. A KPI
has a target at the gate of its horizon (YEAR 1: FY2027, YEAR 3: the mid-term evaluation,
YEAR 5: the final one), at every gate whose criteria name it, and at a later gate of those
three where the briefing's failure mode still turns on it. Elsewhere it has none: the
board shows it without a status rather than judged against a made-up figure.

The demo's history is generated, deterministically, for the year before the day the seed
runs (like the contract dates in :mod:`jvtracker.demo.datagov`, it moves with the seed
date, so the demo looks the same whenever it is loaded). Every value depends only on that
date and the row's own time: the same seed date gives the same rows, to the bit.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from jvtracker.common.fiscal import FiscalYear
from jvtracker.demo import SeedResult, _add_missing, _without
from jvtracker.demo.data import Record
from jvtracker.models import Organization, User
from kpis.choices import (
    Aggregation,
    BatchSource,
    Combination,
    Direction,
    IncidentSeverity,
    KPISource,
    Unit,
)
from kpis.models import Incident, IngestBatch, KPIDefinition, KPITarget, Measurement, SafetyCheck
from kpis.periods import add_months, month_bounds, month_of
from kpis.services import (
    COMPUTED,
    CONTRACTS_BY_INDUSTRY,
    SAFETY_PIPELINE,
    SERIOUS_INCIDENTS,
    IngestResult,
    MeasurementRow,
    computed_kpis_refresh,
    incident_save,
    kpi_save,
    kpi_target_save,
    measurements_ingest,
    safety_check_save,
)
from milestones.choices import GateKind
from milestones.models import Programme, StageGate

GPU_UTILIZATION = "gpu_utilization"  # fixed by the issue: the DCGM scrape stores into it
SYNTHETIC_DATA_SUPPLY = "synthetic_data_supply"
INFERENCE_COST = "inference_cost"
ARR = "arr"
INFERENCE_POWER = "inference_power"
PRODUCTIVITY_GAIN = "productivity_gain"

# ---------------------------------------------------------------------------- definitions

KPIS: tuple[Record, ...] = (
    # ----- YEAR 1 (FY2027 gate)
    {
        "code": GPU_UTILIZATION,
        "name_ja": "GPU稼働率",
        "name_en": "GPU utilisation",
        "description_ja": (
            "学習・推論用GPUクラスターの稼働率。DCGMエクスポーターの DCGM_FI_DEV_GPU_UTIL を"
            "クラスター内の全GPUで平均して取得する。月の値は時間加重平均、指標値はクラスターの"
            "平均。YEAR 1の成功条件「GPU安定稼働」の証拠。"
        ),
        "description_en": (
            "Utilisation of the training and inference GPU clusters, scraped from the DCGM "
            "exporter (DCGM_FI_DEV_GPU_UTIL averaged over each cluster's GPUs). A month's "
            "value is the time-weighted mean; the KPI is the mean over the clusters. The "
            "evidence for YEAR 1's success condition: GPUs running stably."
        ),
        "unit": Unit.PERCENT,
        "direction": Direction.HIGHER_IS_BETTER,
        # Scrapes come at uneven intervals (a missed scrape, a manual one in between):
        # weighting each reading by how long it held keeps a burst from counting double.
        "aggregation": Aggregation.TIME_WEIGHTED_MEAN,
        # A sum of percentages means nothing. The clusters are of a similar size, so the
        # plain mean is close to the GPU-weighted one (combination has no weights).
        "combination": Combination.MEAN,
        "source": KPISource.SCRAPED,
        "owner": "softbank",  # its data centres run the clusters
        "order": 1,
    },
    {
        "code": CONTRACTS_BY_INDUSTRY,
        "name_ja": "産業別データ契約締結件数",
        "name_en": "Data contracts signed, by industry",
        "description_ja": (
            "発効中のデータ契約の件数を、対象データの産業別に数える（複数の産業にまたがる契約は"
            "「産業横断」で1件）。データガバナンスの契約台帳から自動計算する。"
        ),
        "description_en": (
            "Data contracts in force, counted by the industry of the data they cover (a "
            "contract spanning several industries counts once, as cross-industry). Computed "
            "from the data-governance contract register."
        ),
        "unit": Unit.COUNT,
        "direction": Direction.HIGHER_IS_BETTER,
        # A count of what is in force: the month's value is where the month ended.
        "aggregation": Aggregation.LATEST,
        "combination": Combination.SUM,  # the industries add up to all contracts in force
        "source": KPISource.COMPUTED,
        "owner": "jv",
        "order": 2,
    },
    {
        "code": SAFETY_PIPELINE,
        "name_ja": "安全評価パイプライン整備有無",
        "name_en": "Safety-evaluation pipeline in place",
        "description_ja": (
            "PMOが管理する安全評価チェックリストの必須項目がすべて整備済みなら「あり」。"
            "チェックリストから自動計算する。"
        ),
        "description_en": (
            "Yes when every required item of the safety-evaluation checklist the PMO keeps "
            "is in place. Computed from the checklist."
        ),
        "unit": Unit.YES_NO,
        "direction": Direction.HIGHER_IS_BETTER,
        "aggregation": Aggregation.LATEST,
        # One subject today; were it ever kept per model line, the pipeline would be in
        # place only where every line has it.
        "combination": Combination.MIN,
        "source": KPISource.COMPUTED,
        "owner": "jv",
        "order": 3,
    },
    # ----- YEAR 3 (mid-term evaluation, 2029-03)
    {
        "code": SYNTHETIC_DATA_SUPPLY,
        "name_ja": "合成データ供給能力",
        "name_en": "Synthetic-data supply capacity",
        "description_ja": (
            "承認済みの変換（差分プライバシー・シミュレーション）を経て学習層に供給した合成データ"
            "の量（TB/月）。生成器ごとに毎月報告し、合計する。中間目標「合成データ生成/供給の"
            "基盤確立」の指標。"
        ),
        "description_en": (
            "Synthetic data delivered to the training layer through an approved conversion "
            "(differential privacy, simulation), in TB per month. Each generator reports "
            "monthly; the KPI is their total. The measure of the mid-term target's "
            "synthetic-data generation and supply."
        ),
        "unit": Unit.TB_PER_MONTH,
        "direction": Direction.HIGHER_IS_BETTER,
        # Each report is a monthly rate; a month reported twice is their mean, not a sum.
        "aggregation": Aggregation.MEAN,
        "combination": Combination.SUM,  # the generators' capacities add up
        "source": KPISource.PUSHED,
        "owner": "softbank",  # it runs the differential-privacy generators
        "order": 4,
    },
    {
        "code": INFERENCE_COST,
        "name_ja": "推論コスト",
        "name_en": "Inference cost",
        "description_ja": (
            "クラウド推論（国内データセンター）の1,000トークンあたり原価。GPU・電力・運用の費用を"
            "処理したトークン数で割り、月ごとに経理が算出する。"
        ),
        "description_en": (
            "Cost of cloud inference in the domestic data centres per 1,000 tokens: GPU, "
            "power and operating costs divided by the tokens served, worked out monthly by "
            "finance."
        ),
        "unit": Unit.JPY_PER_1K_TOKENS,
        "direction": Direction.LOWER_IS_BETTER,
        "aggregation": Aggregation.MEAN,
        # Per-token costs of several serving tiers do not add; their mean is the summary.
        "combination": Combination.MEAN,
        "source": KPISource.MANUAL,
        "owner": "jv",  # the JV sets the offering's price and answers for its cost
        "order": 5,
    },
    {
        "code": SERIOUS_INCIDENTS,
        "name_ja": "重大インシデント件数",
        "name_en": "Serious incidents",
        "description_ja": (
            "当年度に発生した重大インシデント（重大度が設定値、既定では4以上）の件数。"
            "インシデント台帳から自動計算し、年度初めに0に戻る。"
        ),
        "description_en": (
            "Serious incidents (severity at or above the configured level, 4 by default) so "
            "far in the fiscal year. Computed from the incident register; back to 0 when a "
            "fiscal year starts."
        ),
        "unit": Unit.COUNT,
        "direction": Direction.LOWER_IS_BETTER,
        # A running count for the fiscal year: the month's value is where it ended.
        "aggregation": Aggregation.LATEST,
        "combination": Combination.SUM,
        "source": KPISource.COMPUTED,
        "owner": "jv",
        "order": 6,
    },
    # ----- YEAR 5 (final evaluation, 2031-03)
    {
        "code": ARR,
        "name_ja": "継続収益（ARR）",
        "name_en": "Annual recurring revenue (ARR)",
        "description_ja": (
            "モデル提供（API・派生モデルのライセンス・保守）の年間経常収益。月末時点の値を"
            "経理が報告する。"
        ),
        "description_en": (
            "Annual recurring revenue from the offering (API, licences of derived models, "
            "support), as finance reports it at each month end."
        ),
        "unit": Unit.JPY,
        "direction": Direction.HIGHER_IS_BETTER,
        # A run rate at a moment: the month's value is its last figure.
        "aggregation": Aggregation.LATEST,
        "combination": Combination.SUM,  # product lines, if reported apart, add up
        "source": KPISource.MANUAL,
        "owner": "jv",
        "order": 7,
    },
    {
        "code": INFERENCE_POWER,
        "name_ja": "省電力化指標（推論電力/性能）",
        "name_en": "Inference power per performance",
        "description_ja": (
            "推論1トークンあたりの消費電力量（J/token、すなわち W/(token/s)）。データセンターの"
            "電力計測値（冷却を含む）を処理したトークン数で割る。"
        ),
        "description_en": (
            "Energy per token of inference (J per token, the same as W per token/s): the "
            "data centres' metered power, cooling included, divided by the tokens served."
        ),
        "unit": Unit.JOULE_PER_TOKEN,
        "direction": Direction.LOWER_IS_BETTER,
        "aggregation": Aggregation.MEAN,
        "combination": Combination.MEAN,
        "source": KPISource.PUSHED,  # from SoftBank's facility metering
        "owner": "softbank",
        "order": 8,
    },
    {
        "code": PRODUCTIVITY_GAIN,
        "name_ja": "導入企業の生産性改善実測値",
        "name_en": "Measured productivity gain at adopters",
        "description_ja": (
            "導入企業が対象業務で実測した生産性の改善率（導入前比、%）。導入企業が四半期ごとに"
            "報告し、導入企業の平均をとる。"
        ),
        "description_en": (
            "Productivity gain each adopter measured in the work it applied the model to, "
            "against before (%). Adopters report quarterly; the KPI is the mean over them."
        ),
        "unit": Unit.PERCENT,
        "direction": Direction.HIGHER_IS_BETTER,
        "aggregation": Aggregation.MEAN,
        # Each adopter counts once, however large: a sum of percentages means nothing.
        "combination": Combination.MEAN,
        "source": KPISource.PUSHED,  # each adopter's partner account pushes its own
        "owner": "jv",
        "order": 9,
    },
)

# A gate criterion is bound to the KPI its Japanese text opens with (jvtracker.demo.data).
CRITERION_PREFIXES: tuple[tuple[str, str], ...] = (
    ("GPU稼働率", GPU_UTILIZATION),
    ("産業別データ契約締結件数", CONTRACTS_BY_INDUSTRY),
    ("安全評価パイプライン整備有無", SAFETY_PIPELINE),
    ("合成データ供給能力", SYNTHETIC_DATA_SUPPLY),
    ("推論コスト", INFERENCE_COST),
    ("重大インシデント件数", SERIOUS_INCIDENTS),
    ("継続収益", ARR),
    ("省電力化指標", INFERENCE_POWER),
    ("導入企業の生産性改善実測値", PRODUCTIVITY_GAIN),
)

# ------------------------------------------------------------------------------- targets

FY2027 = (2027, GateKind.ANNUAL)
FY2028 = (2028, GateKind.ANNUAL)
MID_TERM = (2028, GateKind.MID_TERM)
FY2029 = (2029, GateKind.ANNUAL)
FY2030 = (2030, GateKind.ANNUAL)
FINAL = (2030, GateKind.FINAL)

# (kpi, gate, target, amber bound, note ja, note en). The amber bound is the worst value
# still amber: below the target where higher is better, above it where lower is.
TARGETS: tuple[tuple[str, tuple[int, str], float, float, str, str], ...] = (
    (
        GPU_UTILIZATION,
        FY2027,
        70,
        60,
        "YEAR 1「GPU安定稼働」：保守と障害を除き7割。",
        "YEAR 1's GPUs running stably: 70 % after maintenance and failures.",
    ),
    (
        GPU_UTILIZATION,
        MID_TERM,
        75,
        65,
        "学習速度の低下は相対的陳腐化を招く（計算資源リスク）。",
        "Slower training leaves the model obsolete (the compute risk).",
    ),
    (
        GPU_UTILIZATION,
        FINAL,
        80,
        70,
        "遊休GPUは維持費の重荷（YEAR 5の失敗条件）。",
        "Idle GPUs are the running cost YEAR 5 fails on.",
    ),
    (
        CONTRACTS_BY_INDUSTRY,
        FY2027,
        12,
        8,
        "製造・モビリティ・センシングの各産業で契約を積み上げる。",
        "Contracts across steel, mobility and sensing.",
    ),
    (
        CONTRACTS_BY_INDUSTRY,
        FY2028,
        16,
        12,
        "前年度からの拡大（2028年度の評価項目）。",
        "Growth over the previous year (an FY2028 criterion).",
    ),
    (
        CONTRACTS_BY_INDUSTRY,
        MID_TERM,
        20,
        15,
        "派生モデルの国内循環を支えるデータ基盤。",
        "The data behind derived models circulating in Japan.",
    ),
    (
        SAFETY_PIPELINE,
        FY2027,
        1,
        1,
        "整備済みであること（中間帯なし）。",
        "In place; there is no amber band.",
    ),
    (
        SYNTHETIC_DATA_SUPPLY,
        FY2028,
        20,
        10,
        "中間目標に向けた立ち上がり。",
        "Ramping up towards the mid-term target.",
    ),
    (
        SYNTHETIC_DATA_SUPPLY,
        MID_TERM,
        50,
        35,
        "中間目標：合成データ供給の基盤確立。",
        "Mid-term target: synthetic-data supply established.",
    ),
    (
        INFERENCE_COST,
        FY2028,
        0.6,
        0.8,
        "MoE・蒸留による推論原価の低減。",
        "Cost brought down by MoE and distillation.",
    ),
    (
        INFERENCE_COST,
        MID_TERM,
        0.4,
        0.55,
        "提供形態を明確にできる原価水準。",
        "A cost that makes a clear offering possible.",
    ),
    (
        INFERENCE_COST,
        FINAL,
        0.2,
        0.3,
        "維持費が事業を圧迫しない水準（YEAR 5の失敗条件）。",
        "Low enough that running costs do not force the business to shrink (YEAR 5).",
    ),
    (
        SERIOUS_INCIDENTS,
        FY2028,
        0,
        1,
        "年度内0件。1件は要注意。",
        "None in the fiscal year; one is amber.",
    ),
    (
        SERIOUS_INCIDENTS,
        MID_TERM,
        0,
        1,
        "年度内0件。1件は要注意。",
        "None in the fiscal year; one is amber.",
    ),
    (
        SERIOUS_INCIDENTS,
        FINAL,
        0,
        1,
        "EU等への高信頼モデル輸出の前提。",
        "A clean record is what trusted-model exports to the EU rest on.",
    ),
    (
        ARR,
        FY2029,
        3_000_000_000,
        2_000_000_000,
        "継続収益の立ち上がり。",
        "Recurring revenue rising.",
    ),
    (
        ARR,
        FY2030,
        12_000_000_000,
        8_000_000_000,
        "複数産業での提供。",
        "The offering sold in several industries.",
    ),
    (
        ARR,
        FINAL,
        15_000_000_000,
        10_000_000_000,
        "GPU・電力の維持費を賄う規模。",
        "Enough to carry the GPU and power running costs.",
    ),
    (
        INFERENCE_POWER,
        FY2029,
        1.0,
        1.3,
        "エッジ向け派生モデルと省電力運用。",
        "Edge-derived models and energy-saving operation.",
    ),
    (
        INFERENCE_POWER,
        FY2030,
        0.6,
        0.8,
        "再エネ・冷却技術と連動した運用。",
        "Operation tied to renewables and cooling technology.",
    ),
    (
        INFERENCE_POWER,
        FINAL,
        0.5,
        0.7,
        "電力コストが事業を圧迫しない水準。",
        "Low enough that power costs do not force the business to shrink.",
    ),
    (
        PRODUCTIVITY_GAIN,
        FY2029,
        10,
        6,
        "PoCから本番導入への移行。",
        "From proofs of concept to production use.",
    ),
    (
        PRODUCTIVITY_GAIN,
        FY2030,
        15,
        10,
        "複数産業での自律制御の実証。",
        "Autonomous control shown in several industries.",
    ),
    (
        PRODUCTIVITY_GAIN,
        FINAL,
        20,
        12,
        "複数産業での自律制御の実現。",
        "Autonomous control in several industries.",
    ),
)


# ---------------------------------------------------------------------- safety checklist

# (code, item ja, item en, required, in place since (days before the seed) or None,
#  evidence). The external audit is outstanding, so the pipeline is not yet in place.
SAFETY_CHECKS: tuple[tuple[str, str, str, bool, int | None, str], ...] = (
    (
        "red-teaming",
        "レッドチーミング（日本語・マルチモーダルの攻撃シナリオ）",
        "Red-teaming with Japanese and multimodal attack scenarios",
        True,
        120,
        "報告書 RT-01：NECガードレールチームと外部レッドチーム12名、攻撃シナリオ640件。 / "
        "Report RT-01: NEC's guardrail team and 12 external red-teamers, 640 attack scenarios.",
    ),
    (
        "bias-toxicity-ja",
        "日本語のバイアス・有害性評価（JBBQ・日本語有害表現データセット）",
        "Bias and toxicity evaluation in Japanese (JBBQ, Japanese toxicity datasets)",
        True,
        95,
        "評価報告 EV-03：社会的バイアス9カテゴリ、有害出力率0.4%（基準1%以下）。 / "
        "Evaluation EV-03: nine social-bias categories; harmful-output rate 0.4 % (limit 1 %).",
    ),
    (
        "jailbreak-regression",
        "ジェイルブレイク耐性テスト（リリースごとの自動回帰）",
        "Jailbreak resistance tests, an automated regression on every release",
        True,
        60,
        "CIジョブ jailbreak-suite：既知手口2,300件、リリース判定に組込み済み。 / CI job "
        "jailbreak-suite: 2,300 known attacks, part of every release decision.",
    ),
    (
        "training-data-contamination",
        "学習データ混入検査（企業提供・秘匿データの基盤モデル重みへの混入）",
        "Contamination check: no enterprise-restricted or secret data in base-model weights",
        True,
        150,
        "学習実行ごとの混入ガードと混入レポート、重みへのメンバーシップ推論テスト。 / The "
        "contamination guard on every training run, the contamination report, and "
        "membership-inference tests on the weights.",
    ),
    (
        "incident-runbook",
        "インシデント対応手順書と24時間の連絡体制",
        "Incident response runbook and 24-hour escalation",
        True,
        140,
        "手順書 v1.1（テナント分離事案を受けて改訂）、連絡網は四半期ごとに訓練。 / Runbook "
        "v1.1 (revised after the tenant-isolation incident); escalation drilled quarterly.",
    ),
    (
        "external-audit",
        "第三者機関による外部監査（AISIの評価観点ガイドに準拠）",
        "External audit by a third party, following AISI's guide to evaluation perspectives",
        True,
        None,
        "監査機関と契約交渉中。 / Engagement with the auditor under negotiation.",
    ),
    (
        "physical-control-safety",
        "実機制御の安全評価（シミュレーションでの非常停止・フェイルセーフ試験）",
        "Safety of physical control: emergency-stop and fail-safe tests in simulation",
        # Not required yet: robot and vehicle control comes with YEAR 3.
        False,
        None,
        "",
    ),
)


# ------------------------------------------------------------------------------ incidents

# (organization, days before the seed, severity, title, description, corrective action,
#  days it took to resolve or None). An incident at or above the serious level is kept
#  within the current fiscal year, whatever day the seed runs, so (at the default level 4)
#  the serious-incident count the demo shows is 1.
SERIOUS_INCIDENT_DAYS_AGO = 45
GPU_OUTAGE_DAYS_AGO = 75
GPU_OUTAGE_CLUSTER = "osaka-1"
GPU_OUTAGE_HOURS = range(2, 11)  # 02:00–11:00 Tokyo time

INCIDENTS: tuple[tuple[str, int, int, str, str, str, int | None], ...] = (
    (
        "jv",
        SERIOUS_INCIDENT_DAYS_AGO,
        IncidentSeverity.SERIOUS,
        "PoC検索基盤のテナント分離不備 / Tenant isolation failure in the PoC retrieval service",
        "製鉄所操業ログ（企業提供データ）から作成したRAGインデックスが、設定誤りにより9日間、"
        "他社のPoCテナントからも検索可能だった。アクセスログ上、他テナントからの検索ヒットは"
        "3件で、データの持出しはない。企業提供データの分離設計に反する。 / A RAG index built "
        "from the steelworks operation logs (enterprise-restricted data) was searchable from "
        "another company's PoC tenant for nine days through a configuration error. The access "
        "log shows three hits from that tenant and no download. A breach of the separation "
        "design.",
        "テナント分離設定を修正し全インデックスを再点検。日本製鉄に報告し、アクセスログを共同"
        "で確認。テナント間アクセス試験をレッドチーミングとジェイルブレイク回帰に追加し、"
        "インシデント対応手順書を改訂。 / Isolation fixed and every index re-checked; "
        "reported to Nippon Steel and the access log reviewed together; a cross-tenant "
        "access test added to red-teaming and the jailbreak regression; runbook revised.",
        12,
    ),
    (
        "softbank",
        GPU_OUTAGE_DAYS_AGO,
        IncidentSeverity.SIGNIFICANT,
        "大阪GPUクラスターの冷却停止 / Cooling failure at the Osaka GPU cluster",
        "冷却水ポンプの故障で大阪クラスターが9時間停止し、事前学習ジョブが中断した。"
        "直前のチェックポイントから再開し、失われた計算は約40分。 / A failed coolant pump "
        "stopped the Osaka cluster for nine hours and interrupted pre-training; it resumed "
        "from the last checkpoint, losing about 40 minutes of compute.",
        "ポンプを二重化し、チェックポイント間隔を60分から30分に短縮。 / Pumps made "
        "redundant; checkpoints every 30 minutes instead of 60.",
        1,
    ),
    (
        "honda",
        80,
        IncidentSeverity.MODERATE,
        "エッジ蒸留モデルの夜間歩行者検出率低下 / Night-time pedestrian recall drop in the "
        "edge distillate",
        "シミュレーション評価で、車載エッジ蒸留モデルの夜間の歩行者検出率が基準を3ポイント"
        "下回った。公道には出ていない。 / In simulation, the on-vehicle distilled model's "
        "night-time pedestrian recall fell three points below the threshold. It never ran on "
        "public roads.",
        "夜間走行データで追加学習し、夜間シナリオを出荷判定に追加。 / Further trained on "
        "night driving data; night scenarios added to the release criteria.",
        14,
    ),
    (
        "nipponsteel",
        20,
        IncidentSeverity.MINOR,
        "合成データの再識別リスク超過サンプル / Synthetic samples over the re-identification limit",
        "作業者動作合成データのサンプル検査で、再識別リスク評価の閾値を超える系列が0.2%見つか"
        "った。学習層への投入前に検出。 / A sample check of the synthetic worker-motion data "
        "found 0.2 % of sequences over the re-identification threshold, before any reached "
        "the training layer.",
        "該当系列を除外し、生成器の出力フィルタを強化。 / Those sequences removed; the "
        "generator's output filter tightened.",
        6,
    ),
    (
        "nec",
        10,
        IncidentSeverity.MODERATE,
        "ガードレールの誤検知率上昇 / Guardrail false positives rising",
        "日本語の医療・安全用語を含む正当な質問を、ガードレールが有害と判定する率が4%に上昇"
        "した。 / The guardrail flagged 4 % of legitimate questions with Japanese medical and "
        "safety terms as harmful.",
        "",
        None,
    ),
)


# ------------------------------------------------------------------------------- history

SEED = "jvtracker-demo-kpis"  # fixes every random draw
HISTORY_DAYS = 365
HISTORY_MONTHS = 12

# (subject, utilisation % a year ago, % now): Tokyo ran Sarashina's training before the
# JV; Osaka takes the JV's pre-training; Hokkaido was commissioned a year ago.
GPU_CLUSTERS: tuple[tuple[str, float, float], ...] = (
    ("tokyo-1", 60.0, 77.0),
    ("osaka-1", 38.0, 70.0),
    ("hokkaido-1", 6.0, 58.0),
)

# (subject, month of the window it starts in, first TB/month, monthly growth).
SYNTHETIC_GENERATORS: tuple[tuple[str, int, float, float], ...] = (
    ("worker-motion", 6, 0.2, 0.32),  # Nippon Steel's workers, differential privacy
    ("driving-scenarios", 8, 1.5, 0.85),  # Honda's driving scenes, simulation
    ("sensing-scenes", 10, 0.6, 0.5),  # Sony's sensor scenes, simulation
)

# (adopter = subject and partner organization, first quarter of the window, first gain
#  %, gain per quarter).
ADOPTERS: tuple[tuple[str, int, float, float], ...] = (
    ("nipponsteel", 0, 2.4, 1.3),  # maintenance planning at the hot-strip mill
    ("honda", 1, 1.5, 1.4),  # driving-scene annotation
    ("sony", 2, 2.2, 1.5),  # sensor calibration
)

ARR_LAUNCH_MONTH = 7  # of the window: first paid PoC subscriptions
PMO = "pmo"


@dataclass(frozen=True)
class SeedBatch:
    """Measurements the seed sends in one ingest batch, and who sends them: ``actor`` a
    demo username (None for the tracker itself), ``organization`` whose they are."""

    kpi: str
    organization: str
    actor: str | None
    rows: tuple[MeasurementRow, ...]


def measurement_history(now: dt.datetime) -> list[SeedBatch]:
    """The demo's measurements for the year before ``now``, in ingest batches.

    A pure function of ``now``'s date (and, for where the hourly series ends, its hour).
    """
    return [
        *_gpu_utilization(now),
        *_synthetic_data_supply(now),
        *_inference_cost(now),
        *_arr(now),
        *_inference_power(now),
        *_productivity_gain(now),
    ]


def _zone() -> dt.tzinfo:
    return timezone.get_default_timezone()


def _rng(*parts: object) -> random.Random:
    # A string seed is hashed with SHA-512, not hash(): the same draws in every process.
    return random.Random("/".join(str(part) for part in (SEED, *parts)))


def _ease(progress: float) -> float:
    """0 → 1 along an S-curve: slow start, steady middle, levelling off."""
    progress = min(max(progress, 0.0), 1.0)
    return progress * progress * (3 - 2 * progress)


def _complete_months(now: dt.datetime) -> list[dt.date]:
    """The HISTORY_MONTHS whole months before ``now``'s month, oldest first."""
    this_month = month_of(now)
    return [add_months(this_month, -count) for count in range(HISTORY_MONTHS, 0, -1)]


def _last_day(month: dt.date) -> dt.datetime:
    """00:00 Tokyo time on the month's last day: a month-end figure's moment."""
    return month_bounds(month)[1] - dt.timedelta(days=1)


def _batch(kpi: str, organization: str, actor: str | None, rows: list[tuple]) -> SeedBatch:
    """``rows`` as (subject, start, end, value, unit), numbered from 1."""
    return SeedBatch(
        kpi=kpi,
        organization=organization,
        actor=actor,
        rows=tuple(
            MeasurementRow(
                number=number,
                kpi=kpi,
                subject=subject,
                start=start,
                end=end,
                value=value,
                unit=unit,
            )
            for number, (subject, start, end, value, unit) in enumerate(rows, start=1)
        ),
    )


def _gpu_utilization(now: dt.datetime) -> list[SeedBatch]:
    """Hourly utilisation of each cluster for HISTORY_DAYS, ending at the last full hour:
    a ramp over the year, busier afternoons and quieter weekends, idle gaps between jobs,
    monthly maintenance and the cooling outage of the incident register. One batch per
    cluster and month, as a scraper delivering monthly would."""
    zone = _zone()
    today = timezone.localdate(now)
    last = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    hours = HISTORY_DAYS * 24
    first = last - dt.timedelta(hours=hours)
    outage_day = today - dt.timedelta(days=GPU_OUTAGE_DAYS_AGO)
    batches = []
    for subject, level_then, level_now in GPU_CLUSTERS:
        by_month: dict[dt.date, list[tuple]] = defaultdict(list)
        day: dt.date | None = None
        for index in range(hours):
            start = first + dt.timedelta(hours=index)
            local = start.astimezone(zone)
            if local.date() != day:
                # A day's draws depend only on the cluster and the date, so a given hour
                # has the same value whichever seed date's window includes it.
                day = local.date()
                draws = _rng(GPU_UTILIZATION, subject, day.isoformat())
                noise = [draws.gauss(0, 3) for _ in range(24)]
                gap = draws.random() < 0.12  # a job ended and the next was queued
                gap_start, gap_hours = draws.randrange(24), draws.randint(2, 6)
                gap_level = draws.uniform(8, 25)
                progress = 1 - (today - day).days / HISTORY_DAYS
                level = level_then + (level_now - level_then) * _ease(progress)
            hour = local.hour
            if subject == GPU_OUTAGE_CLUSTER and day == outage_day and hour in GPU_OUTAGE_HOURS:
                value = 1.5 + abs(noise[hour]) / 4
            elif local.weekday() == 6 and local.day <= 7 and 2 <= hour < 6:
                value = 4 + abs(noise[hour]) / 2  # first Sunday of the month: maintenance
            elif gap and gap_start <= hour < gap_start + gap_hours:
                value = gap_level + noise[hour]
            else:
                # Training runs round the clock; evaluation and inference add the
                # afternoon peak; fewer jobs are (re)started at weekends.
                daily = 5 * math.sin(2 * math.pi * (hour - 8) / 24)
                weekly = -6 if local.weekday() >= 5 else 0
                value = level + daily + weekly + noise[hour]
            value = round(min(max(value, 0.0), 100.0), 1)
            by_month[month_of(start)].append(
                (subject, start, start + dt.timedelta(hours=1), value, "%")
            )
        batches += [
            _batch(GPU_UTILIZATION, "softbank", None, rows) for _, rows in sorted(by_month.items())
        ]
    return batches


def _synthetic_data_supply(now: dt.datetime) -> list[SeedBatch]:
    """Each generator's monthly output from the month it came on line, pushed monthly by
    SoftBank, which runs the generators."""
    draws = _rng(SYNTHETIC_DATA_SUPPLY)
    batches = []
    for index, month in enumerate(_complete_months(now)):
        start, end = month_bounds(month)
        rows = []
        for subject, first, amount, growth in SYNTHETIC_GENERATORS:
            jitter = draws.uniform(0.9, 1.1)  # drawn every month: later months stay put
            if index >= first:
                value = round((amount + growth * (index - first)) * jitter, 2)
                rows.append((subject, start, end, value, "TB/month"))
        if rows:
            batches.append(_batch(SYNTHETIC_DATA_SUPPLY, "softbank", "partner-softbank", rows))
    return batches


def _declining(kpi: str, now: dt.datetime, then: float, last: float, spread: float) -> list:
    """Monthly values falling geometrically from ``then`` to ``last``, ± ``spread``."""
    draws = _rng(kpi)
    months = _complete_months(now)
    values = []
    for index, month in enumerate(months):
        trend = then * (last / then) ** (index / (len(months) - 1))
        values.append((month, trend * draws.uniform(1 - spread, 1 + spread)))
    return values


def _inference_cost(now: dt.datetime) -> list[SeedBatch]:
    """The month's cost per 1k tokens, entered by the PMO from finance's figures."""
    return [
        _batch(
            INFERENCE_COST,
            "jv",
            PMO,
            [("", *month_bounds(month), round(value, 3), "JPY/1k tokens")],
        )
        for month, value in _declining(INFERENCE_COST, now, 1.45, 0.78, 0.03)
    ]


def _inference_power(now: dt.datetime) -> list[SeedBatch]:
    """The month's energy per token, pushed by SoftBank's facility metering."""
    return [
        _batch(
            INFERENCE_POWER,
            "softbank",
            "partner-softbank",
            [("", *month_bounds(month), round(value, 3), "J/token")],
        )
        for month, value in _declining(INFERENCE_POWER, now, 2.6, 1.75, 0.04)
    ]


def _arr(now: dt.datetime) -> list[SeedBatch]:
    """ARR at each month end, in 百万円 as finance reports it: zero until the first paid
    subscriptions, then growing fast from a small base."""
    draws = _rng(ARR)
    batches = []
    millions = 0.0
    for index, month in enumerate(_complete_months(now)):
        growth = draws.uniform(1.45, 1.75)
        if index == ARR_LAUNCH_MONTH:
            millions = 38.0
        elif index > ARR_LAUNCH_MONTH:
            millions *= growth
        row = ("", _last_day(month), None, round(millions), "百万円")
        batches.append(_batch(ARR, "jv", PMO, [row]))
    return batches


def _productivity_gain(now: dt.datetime) -> list[SeedBatch]:
    """Each adopter's measured gain at the end of each fiscal quarter since its PoC
    started, pushed by its own partner account."""
    draws = _rng(PRODUCTIVITY_GAIN)
    quarter_ends = [m for m in _complete_months(now) if m.month % 3 == 0]
    batches = []
    for quarter, month in enumerate(quarter_ends):
        for adopter, first, gain, step in ADOPTERS:
            jitter = draws.uniform(-0.6, 0.6)
            if quarter >= first:
                value = round(gain + step * (quarter - first) + jitter, 1)
                rows = [(adopter, _last_day(month), None, value, "%")]
                batches.append(_batch(PRODUCTIVITY_GAIN, adopter, f"partner-{adopter}", rows))
    return batches


# ------------------------------------------------------------------------------- seeding


def seed_kpi_definitions(
    result: SeedResult, organizations: dict[str, Organization]
) -> dict[str, KPIDefinition]:
    """The nine KPIs, by code; part of the real programme. Existing ones are untouched."""
    return {
        record["code"]: _add_missing(
            KPIDefinition,
            {"code": record["code"]},
            {**_without(record, "code", "owner"), "owner": organizations[record["owner"]]},
            lambda obj: kpi_save(kpi=obj, actor=None),
            result,
        )
        for record in KPIS
    }


def criterion_kpi(text_ja: str, kpis: dict[str, KPIDefinition]) -> KPIDefinition | None:
    """The KPI a gate criterion requires to meet its target, if its text names one."""
    for prefix, code in CRITERION_PREFIXES:
        if text_ja.startswith(prefix):
            return kpis.get(code)
    return None


def seed_kpi_targets(
    result: SeedResult, programme: Programme, kpis: dict[str, KPIDefinition]
) -> None:
    """Each KPI's target at the gates that judge it; existing targets are untouched."""
    gates = {(g.fiscal_year, g.kind): g for g in StageGate.objects.filter(programme=programme)}
    for code, gate_key, target, amber, note_ja, note_en in TARGETS:
        gate, kpi = gates.get(gate_key), kpis.get(code)
        if gate is None or kpi is None:
            continue
        _add_missing(
            KPITarget,
            {"kpi": kpi, "gate": gate},
            {
                "target_value": target,
                "amber_value": amber,
                "note_ja": note_ja,
                "note_en": note_en,
            },
            lambda obj: kpi_target_save(target=obj, actor=None),
            result,
        )


def seed_kpis(
    result: SeedResult,
    organizations: dict[str, Organization],
    users: dict[str, User],
    *,
    now: dt.datetime | None = None,
) -> None:
    """The demo's safety checklist, incidents and measurements; the KPIs themselves and
    their targets come with the programme.

    A KPI's history is generated only while it has no measurements at all, so a re-run
    (or a KPI that has real data) gets none. The computed KPIs are then brought up to
    date, which stores only what changed.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    _seed_safety_checks(result, today)
    _seed_incidents(result, organizations, today)
    kpis = {kpi.code: kpi for kpi in KPIDefinition.objects.all()}
    empty = {code for code, kpi in kpis.items() if not kpi.measurements.exists()}
    for batch in measurement_history(now):
        if batch.kpi not in empty:
            continue
        actor = users.get(batch.actor) if batch.actor else None
        _count(
            result,
            measurements_ingest(
                rows=batch.rows,
                source=BatchSource.SEED,
                actor=actor,
                organization=organizations[batch.organization],
                now=now,
            ),
        )
    computed = sorted(empty & set(COMPUTED))
    if computed:
        # Their past, month end by month end, as the daily refresh would have stored it.
        for month in _complete_months(now):
            moment = month_bounds(month)[1] - dt.timedelta(seconds=1)
            for outcome in computed_kpis_refresh(codes=computed, now=moment):
                _count(result, outcome)
    for outcome in computed_kpis_refresh(now=now):
        _count(result, outcome)


def _count(result: SeedResult, outcome: IngestResult) -> None:
    if outcome.created:
        result.created[IngestBatch] += 1
        result.created[Measurement] += outcome.stored


def _seed_safety_checks(result: SeedResult, today: dt.date) -> None:
    for order, (code, text_ja, text_en, required, days_ago, evidence) in enumerate(
        SAFETY_CHECKS, start=1
    ):
        _add_missing(
            SafetyCheck,
            {"code": code},
            {
                "text_ja": text_ja,
                "text_en": text_en,
                "required": required,
                "done_on": today - dt.timedelta(days=days_ago) if days_ago is not None else None,
                "evidence": evidence,
                "order": order,
            },
            lambda obj: safety_check_save(check=obj, actor=None),
            result,
        )


def _seed_incidents(
    result: SeedResult, organizations: dict[str, Organization], today: dt.date
) -> None:
    fiscal_year_start = FiscalYear.of(today).start
    for org, days_ago, severity, title, description, action, days_open in INCIDENTS:
        occurred = today - dt.timedelta(days=days_ago)
        if severity >= settings.KPI_SERIOUS_INCIDENT_SEVERITY:
            occurred = max(occurred, fiscal_year_start)
        resolved = occurred + dt.timedelta(days=days_open) if days_open is not None else None
        _add_missing(
            Incident,
            # Keyed without the date, which moves with the seed date.
            {"organization": organizations[org], "title": title},
            {
                "occurred_on": occurred,
                "severity": severity,
                "description": description,
                "corrective_action": action,
                "resolved_on": resolved if resolved is not None and resolved <= today else None,
            },
            lambda obj: incident_save(incident=obj, actor=None),
            result,
        )
