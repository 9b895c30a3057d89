"""The demo seed's data: the JV's real programme, taken from the two source documents
(the Japanese strategic briefing of 2026-04-13 and the English investor note).

Plain data only; :mod:`jvtracker.demo` applies it through the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from datagov.choices import (
    ArtifactKind,
    ContractStatus,
    ContractType,
    ConversionMethod,
    DataPurpose,
    DataTier,
    StorageLocation,
)
from datagov.policy import tier_rule
from jvtracker.choices import Industry, OrganizationKind, Role
from milestones.choices import (
    DatePrecision,
    EvaluationAxis,
    GateKind,
    MilestoneStatus,
    RiskCategory,
)

Record = dict[str, Any]

# --------------------------------------------------------------------------- organizations

CORE_EQUITY_NOTE = "十数%（各社） / low teens (each)"
MINORITY_EQUITY_NOTE = "少数株主（出資比率非公表） / minority (share not disclosed)"
BACKER_ROLE_JA = "少数株主。産業データの供給とユースケース拡張基盤。"

# equity_share stays NULL throughout: only "十数%" is public, and a guessed number would
# feed the 100 % check and every report with a figure nobody has published.
ORGANIZATIONS: tuple[Record, ...] = (
    {
        "code": "jv",
        "name_ja": "日本AI基盤モデル開発",
        "name_en": "Japan AI Foundation Model Development",
        "kind": OrganizationKind.JOINT_VENTURE,
        "industry": Industry.AI,
        "provides_data": False,
        "role_description_ja": (
            "2026年4月設立の新会社。AI開発技術者約100人を集約し、製造業・モビリティの"
            "現場データで1兆パラメータ級のマルチモーダル基盤モデル（フィジカルAI）を"
            "国内で構築・実装する。社長はソフトバンク幹部。"
        ),
        "role_description_en": (
            "The joint venture, founded April 2026: about 100 AI engineers building a "
            "1-trillion-parameter multimodal foundation model for physical AI in Japan, on "
            "Japanese industrial data. President: a SoftBank executive."
        ),
    },
    {
        "code": "softbank",
        "name_ja": "ソフトバンク",
        "name_en": "SoftBank",
        "kind": OrganizationKind.CORE_INVESTOR,
        "industry": Industry.TELECOM_COMPUTE,
        "equity_note": CORE_EQUITY_NOTE,
        "provides_data": True,
        "role_description_ja": (
            "基盤モデル構築の主導。国産生成AI「Sarashina」の運用ノウハウと国内データセンター網、"
            "差分プライバシー・合成データ活用の実装経験を提供する。社長を派遣。"
        ),
        "role_description_en": (
            "Leads model building; domestic data-centre network and the Sarashina LLM; "
            "differential privacy and synthetic data. Provides the JV's president."
        ),
    },
    {
        "code": "nec",
        "name_ja": "NEC",
        "name_en": "NEC",
        "kind": OrganizationKind.CORE_INVESTOR,
        "industry": Industry.ENTERPRISE_IT,
        "equity_note": CORE_EQUITY_NOTE,
        "provides_data": True,
        "role_description_ja": (
            "基盤モデル構築の主導。特化型LLM「cotomi」、エンタープライズAI運用知見、"
            "AIガードレール設計、学習データの法令順守・ガバナンス設計。"
        ),
        "role_description_en": (
            "Leads model building; the cotomi LLM and enterprise AI operations; AI guardrails; "
            "legal compliance and governance of training data."
        ),
    },
    {
        "code": "sony",
        "name_ja": "ソニーグループ",
        "name_en": "Sony Group",
        "kind": OrganizationKind.CORE_INVESTOR,
        "industry": Industry.ELECTRONICS_SENSING,
        "equity_note": CORE_EQUITY_NOTE,
        "provides_data": True,
        "role_description_ja": (
            "自動運転・ロボット等への実装（認識層）。「Sony AI」の研究基盤、"
            "イメージング&センシング技術、物理世界をデータ化するセンサー・映像系R&D。"
        ),
        "role_description_en": (
            "Deployment layer (perception): Sony AI research, imaging and sensing, sensor and "
            "video R&D that turns the physical world into data."
        ),
    },
    {
        "code": "honda",
        "name_ja": "ホンダ",
        "name_en": "Honda",
        "kind": OrganizationKind.CORE_INVESTOR,
        "industry": Industry.MOBILITY,
        "equity_note": CORE_EQUITY_NOTE,
        "provides_data": True,
        "role_description_ja": (
            "自動運転・ロボット等への実装（物理制御層）。レベル3自動運転技術、ロボティクスR&D、"
            "安全要件の極めて厳しい「実機×実環境データ」と制御経験。"
        ),
        "role_description_en": (
            "Deployment layer (physical control): Level-3 autonomous driving, robotics R&D, "
            "real-machine and real-environment data under strict safety requirements."
        ),
    },
    {
        "code": "pfn",
        "name_ja": "Preferred Networks",
        "name_en": "Preferred Networks (PFN)",
        "kind": OrganizationKind.TECHNICAL_PARTNER,
        "industry": Industry.AI,
        "provides_data": True,
        "role_description_ja": (
            "技術参画。GENIACでの1,000億/1兆パラメータ学習の知見・実装力を提供し、"
            "国内データセンターのGPUクラスターでの学習をソフトバンクと担う。"
        ),
        "role_description_en": (
            "Technical partner: experience from GENIAC training 100B and 1T-parameter models; "
            "trains on the domestic GPU clusters together with SoftBank."
        ),
    },
    {
        "code": "nipponsteel",
        "name_ja": "日本製鉄",
        "name_en": "Nippon Steel",
        "kind": OrganizationKind.MINORITY_BACKER,
        "industry": Industry.STEEL,
        "equity_note": MINORITY_EQUITY_NOTE,
        "provides_data": True,
        "role_description_ja": BACKER_ROLE_JA,
        "role_description_en": "Minority backer: industrial data and use cases.",
    },
    {
        "code": "kobesteel",
        "name_ja": "神戸製鋼所",
        "name_en": "Kobe Steel",
        "kind": OrganizationKind.MINORITY_BACKER,
        "industry": Industry.STEEL,
        "equity_note": MINORITY_EQUITY_NOTE,
        "provides_data": True,
        "role_description_ja": BACKER_ROLE_JA,
        "role_description_en": "Minority backer: industrial data and use cases.",
    },
    *(
        {
            "code": code,
            "name_ja": name_ja,
            "name_en": name_en,
            "kind": OrganizationKind.MINORITY_BACKER,
            "industry": Industry.FINANCE,
            "equity_note": MINORITY_EQUITY_NOTE,
            "provides_data": True,
            "role_description_ja": f"{BACKER_ROLE_JA}（3メガバンクの一角）",
            "role_description_en": (
                "Minority backer, one of the three megabanks: industrial data and use cases."
            ),
        }
        for code, name_ja, name_en in (
            ("mufg", "三菱UFJ銀行", "MUFG Bank"),
            ("smbc", "三井住友銀行", "Sumitomo Mitsui Banking Corporation (SMBC)"),
            ("mizuho", "みずほ銀行", "Mizuho Bank"),
        )
    ),
    {
        "code": "nedo",
        "name_ja": "国立研究開発法人新エネルギー・産業技術総合開発機構（NEDO）",
        "name_en": "New Energy and Industrial Technology Development Organization (NEDO)",
        "kind": OrganizationKind.FUNDER,
        "industry": Industry.GOVERNMENT,
        "provides_data": False,
        "role_description_ja": (
            "政策・資金（経済産業省とともに）。事業資金、GPU確保支援、国プロとしてのガバナンス要請。"
        ),
        "role_description_en": (
            "Funder and policy owner with METI: programme money, GPU procurement support, "
            "governance requirements of a national project."
        ),
    },
)

# ------------------------------------------------------------------- programme and tracks

PROGRAMME: Record = {
    "code": "nedo-multimodal",
    "name_ja": "マルチモーダル基盤モデル開発事業",
    "name_en": "Multimodal Foundation Model Development Programme",
    "funder": "nedo",
    "first_fiscal_year": 2026,
    "last_fiscal_year": 2030,
    # The window opens with the call for proposals (2026-03), before FY2026 starts.
    "opens_on": dt.date(2026, 3, 1),
    "budget_note": (
        "投資家ノートによるNEDOのAI向け資金：5年間で約63億米ドル（本事業の予算ではない） / "
        "Investor note: NEDO's AI money ≈ USD 6.3 bn over five years, not this programme's budget"
    ),
}

TRACKS: tuple[Record, ...] = (
    {"code": "corporate", "name_ja": "企業", "name_en": "Corporate", "order": 1},
    {"code": "nedo", "name_ja": "NEDO政策", "name_en": "NEDO policy", "order": 2},
)

# --------------------------------------------------------------------------- milestones

# Statuses are as of this day: what had happened by then is achieved, the rest planned.
# Later runs keep them (they never overwrite); the overdue sweep flags what falls behind.
STATUS_AS_OF = dt.date(2026, 11, 23)

# Owners: NEDO owns the events of its own calendar (nedo track); the JV is accountable for
# the corporate ones, including the YEAR 3 and YEAR 5 milestones that meet NEDO's targets.
# A month-precision date is stored as the month's last day: due by the end of that month.
MILESTONES: tuple[Record, ...] = (
    {
        "code": "nedo-call-opens",
        "track": "nedo",
        "owner": "nedo",
        "title_ja": "「マルチモーダル基盤モデル開発事業」公募開始",
        "title_en": "Call for proposals opens: multimodal foundation-model programme",
        "description_ja": "言語偏重から実空間・マルチモーダルへの政策シフト。",
        "description_en": "Policy shifts from language-only models to real-space multimodal ones.",
        "due_date": dt.date(2026, 3, 31),
        "date_precision": DatePrecision.MONTH,
        "status": MilestoneStatus.ACHIEVED,
    },
    {
        "code": "jv-founded",
        "track": "corporate",
        "owner": "jv",
        "title_ja": "新会社「日本AI基盤モデル開発」設立",
        "title_en": "Joint venture Japan AI Foundation Model Development founded",
        "description_ja": (
            "ソフトバンク・NEC・ソニーグループ・ホンダが設立（投資家ノートでは2026年4月12日）。"
            "公募要件への適合体制を構築。"
        ),
        "description_en": (
            "Formally established on 12 April 2026 by SoftBank, NEC, Sony Group and Honda "
            "(investor note); organised to meet the call's requirements."
        ),
        "due_date": dt.date(2026, 4, 12),
        "date_precision": DatePrecision.DAY,
        "status": MilestoneStatus.ACHIEVED,
    },
    {
        "code": "nedo-proposal-deadline",
        "track": "nedo",
        "owner": "nedo",
        "title_ja": "公募締切",
        "title_en": "Proposal deadline",
        "description_ja": "データ・計算資源の確保計画の提示が必須。",
        "description_en": "A plan securing data and compute must be presented.",
        "due_date": dt.date(2026, 4, 22),
        "date_precision": DatePrecision.DAY,
        "status": MilestoneStatus.ACHIEVED,
    },
    {
        "code": "nedo-award-contract",
        "track": "nedo",
        "owner": "nedo",
        "title_ja": "採択決定および契約締結",
        "title_en": "Award decision and contract",
        "description_ja": "2026年6月〜8月に採択決定および契約締結。",
        "description_en": "Award decision and contract between June and August 2026.",
        "window_start": dt.date(2026, 6, 1),
        "due_date": dt.date(2026, 8, 31),
        "date_precision": DatePrecision.MONTH,
        "status": MilestoneStatus.ACHIEVED,
    },
    {
        "code": "y1-award-model-alpha",
        "track": "corporate",
        "owner": "jv",
        "title_ja": "NEDO採択・モデルα版提示",
        "title_en": "NEDO award and model alpha shown",
        "description_ja": (
            "YEAR 1（短期）。成功：パートナー企業でのPoC開始、GPU安定稼働。"
            "失敗：資源確保遅れによる構想倒れ。"
            "期日は2027年度ステージゲート評価（2027年12月予定）の前、2027年11月末とした。"
        ),
        "description_en": (
            "YEAR 1 (short term). Success: PoCs started at partner companies, GPUs running "
            "stably. Failure: the idea collapses for lack of resources. Due end of November "
            "2027, before the FY2027 stage gate (planned December 2027)."
        ),
        # The briefing says only "2027". The FY2027 gate judges "モデルα版提示", so alpha
        # must be shown before that review (planned 2027-12-15): end of November 2027, in
        # both calendar 2027 and FY2027. Month is the coarsest precision the model has.
        "due_date": dt.date(2027, 11, 30),
        "date_precision": DatePrecision.MONTH,
        "status": MilestoneStatus.PLANNED,
    },
    {
        "code": "y3-multimodal-capability",
        "track": "corporate",
        "owner": "jv",
        "title_ja": "マルチモーダル能力実証（NEDO中間目標）",
        "title_en": "Multimodal capability demonstrated (NEDO mid-term target)",
        "description_ja": (
            "YEAR 3（中期）。成功：合成データの供給能力確立、派生モデルの国内エコシステム循環。"
            "失敗：ベンチマークで他社に埋没、提供形態が曖昧でエコシステム不成立。"
        ),
        "description_en": (
            "YEAR 3 (medium term). Success: synthetic-data supply established; derived models "
            "circulate in the domestic ecosystem. Failure: buried among competitors on "
            "benchmarks; an unclear offering and no ecosystem."
        ),
        "due_date": dt.date(2029, 3, 31),
        "date_precision": DatePrecision.MONTH,
        "status": MilestoneStatus.PLANNED,
    },
    {
        "code": "y5-real-space-reasoning",
        "track": "corporate",
        "owner": "jv",
        "title_ja": "実空間統合推論（NEDO最終目標）",
        "title_en": "Real-space integrated reasoning (NEDO final target)",
        "description_ja": (
            "YEAR 5（長期）。成功：複数産業での自律制御実現、海外（EU等）への高信頼モデル輸出。"
            "失敗：維持費（GPU/電力）が重荷となり事業縮小。"
        ),
        "description_en": (
            "YEAR 5 (long term). Success: autonomous control in several industries; trusted "
            "models exported (EU and elsewhere). Failure: GPU and power running costs force "
            "the business to shrink."
        ),
        "due_date": dt.date(2031, 3, 31),
        "date_precision": DatePrecision.MONTH,
        "status": MilestoneStatus.PLANNED,
    },
    {
        "code": "nedo-mid-term-target",
        "track": "nedo",
        "owner": "nedo",
        "title_ja": "中間目標：論理推論・合成データ生成/供給の基盤確立",
        "title_en": "Mid-term target: logical reasoning; synthetic-data generation and supply",
        "description_ja": "NEDO中間目標。論理推論・合成データ生成/供給の基盤確立。",
        "description_en": (
            "NEDO mid-term target: logical reasoning, and the basis for generating and "
            "supplying synthetic data, established."
        ),
        "due_date": dt.date(2029, 3, 31),
        "date_precision": DatePrecision.MONTH,
        "status": MilestoneStatus.PLANNED,
    },
    {
        "code": "nedo-final-target",
        "track": "nedo",
        "owner": "nedo",
        "title_ja": "最終目標：物理特性等の実空間情報を統合した論理推論の実現",
        "title_en": "Final target: reasoning that integrates real-space information",
        "description_ja": (
            "NEDO最終目標。物理特性等の実空間情報を統合した論理推論の実現（フィジカルAIの完成）。"
        ),
        "description_en": (
            "NEDO final target: logical reasoning integrating real-space information such as "
            "physical properties (physical AI complete)."
        ),
        "due_date": dt.date(2031, 3, 31),
        "date_precision": DatePrecision.MONTH,
        "status": MilestoneStatus.PLANNED,
    },
)

# -------------------------------------------------------------------------- stage gates

Criterion = tuple[str, str, str]  # (EvaluationAxis, text_ja, text_en)

ARR = ("継続収益（ARR）", "Recurring revenue (ARR)")
POWER = ("省電力化指標（推論電力/性能）", "Power-efficiency index (inference power / performance)")
PRODUCTIVITY = (
    "導入企業の生産性改善実測値",
    "Measured productivity gains at adopting companies",
)
INFERENCE_COST = ("推論コスト（円/1k tokens）", "Inference cost (JPY per 1k tokens)")
INCIDENTS = ("重大インシデント件数", "Number of serious incidents")
SYNTHETIC_SUPPLY = ("合成データ供給能力", "Synthetic-data supply capacity")


def _annual_gate(fiscal_year: int, criteria: tuple[Criterion, ...]) -> Record:
    return {
        "fiscal_year": fiscal_year,
        "kind": GateKind.ANNUAL,
        "title_ja": f"{fiscal_year}年度ステージゲート評価",
        "title_en": f"FY{fiscal_year} stage gate",
        # The briefing gives only "every fiscal year from 2027" (毎年度のステージゲート評価).
        # 15 December of the fiscal year is a planned date, to be replaced by NEDO's own.
        "review_date": dt.date(fiscal_year, 12, 15),
        "criteria": criteria,
    }


# Each annual gate is judged on the KPIs of the nearest horizon (YEAR 1, 3 or 5).
STAGE_GATES: tuple[Record, ...] = (
    _annual_gate(
        2027,
        (
            (
                EvaluationAxis.RESULTS,
                "GPU稼働率：学習用GPUが安定稼働していること",
                "GPU utilisation: the training GPUs run stably",
            ),
            (
                EvaluationAxis.RESULTS,
                "産業別データ契約締結件数",
                "Data contracts signed, by industry",
            ),
            (
                EvaluationAxis.MANAGEMENT,
                "安全評価パイプライン整備有無",
                "Safety-evaluation pipeline in place (yes/no)",
            ),
            (
                EvaluationAxis.OUTLOOK,
                "パートナー企業でのPoC開始",
                "PoCs started at partner companies",
            ),
            (EvaluationAxis.RESULTS, "モデルα版提示", "Model alpha shown"),
            (
                EvaluationAxis.MANAGEMENT,
                "データ契約の標準テンプレート化（再配布条件・知財帰属・合成データ変換プロセス）",
                "Standard data-contract templates in place: redistribution conditions, "
                "IP attribution, synthetic-data conversion process",
            ),
            (
                EvaluationAxis.MANAGEMENT,
                "知財侵害のクリア（NEDO審査の絶対条件）",
                "IP infringement cleared (an absolute condition of the NEDO review)",
            ),
        ),
    ),
    _annual_gate(
        2028,
        (
            (
                EvaluationAxis.RESULTS,
                "合成データ供給能力：中間目標に向けた合成データ生成/供給の立ち上がり",
                "Synthetic-data supply capacity ramping up towards the mid-term target",
            ),
            (
                EvaluationAxis.RESULTS,
                "論理推論能力の進捗（中間目標の達成見通し）",
                "Progress in logical reasoning (outlook for the mid-term target)",
            ),
            (EvaluationAxis.OUTLOOK, *INFERENCE_COST),
            (EvaluationAxis.MANAGEMENT, *INCIDENTS),
            (
                EvaluationAxis.MANAGEMENT,
                "産業別データ契約締結件数（前年度からの拡大）",
                "Data contracts signed by industry (growth over the previous year)",
            ),
        ),
    ),
    {
        "fiscal_year": 2028,
        "kind": GateKind.MID_TERM,
        "title_ja": "中間評価（中間目標）",
        "title_en": "Mid-term evaluation (mid-term target)",
        "review_date": dt.date(2029, 3, 31),
        "criteria": (
            (
                EvaluationAxis.RESULTS,
                "中間目標：論理推論・合成データ生成/供給の基盤確立",
                "Mid-term target: logical reasoning; synthetic-data generation and supply "
                "established",
            ),
            (EvaluationAxis.RESULTS, *SYNTHETIC_SUPPLY),
            (EvaluationAxis.OUTLOOK, *INFERENCE_COST),
            (EvaluationAxis.MANAGEMENT, *INCIDENTS),
            (
                EvaluationAxis.OUTLOOK,
                "派生モデルの国内エコシステム循環",
                "Derived models circulate in the domestic ecosystem",
            ),
            (
                EvaluationAxis.POSITIONING,
                "ベンチマークで他社に埋没せず、提供形態が明確であること",
                "Not buried among competitors on benchmarks; a clear offering",
            ),
        ),
    },
    _annual_gate(
        2029,
        (
            (
                EvaluationAxis.RESULTS,
                "実空間情報（物理特性等）を統合した論理推論の進捗",
                "Progress in reasoning that integrates real-space information such as "
                "physical properties",
            ),
            (
                EvaluationAxis.OUTLOOK,
                "継続収益（ARR）の立ち上がり",
                "Recurring revenue (ARR) rising",
            ),
            (EvaluationAxis.RESULTS, *POWER),
            (EvaluationAxis.OUTLOOK, *PRODUCTIVITY),
            (
                EvaluationAxis.MANAGEMENT,
                "中間評価での指摘事項への対応",
                "Findings of the mid-term evaluation addressed",
            ),
        ),
    ),
    _annual_gate(
        2030,
        (
            (
                EvaluationAxis.RESULTS,
                "最終目標（実空間統合推論）の達成見通し",
                "Outlook for the final target (real-space integrated reasoning)",
            ),
            (
                EvaluationAxis.OUTLOOK,
                "複数産業での自律制御の実証",
                "Autonomous control demonstrated in several industries",
            ),
            (EvaluationAxis.OUTLOOK, *ARR),
            (EvaluationAxis.RESULTS, *POWER),
            (EvaluationAxis.OUTLOOK, *PRODUCTIVITY),
        ),
    ),
    {
        "fiscal_year": 2030,
        "kind": GateKind.FINAL,
        "title_ja": "最終評価（最終目標）",
        "title_en": "Final evaluation (final target)",
        "review_date": dt.date(2031, 3, 31),
        "criteria": (
            (
                EvaluationAxis.RESULTS,
                "最終目標：物理特性等の実空間情報を統合した論理推論の実現",
                "Final target: logical reasoning integrating real-space information such as "
                "physical properties",
            ),
            (
                EvaluationAxis.RESULTS,
                "複数産業での自律制御",
                "Autonomous control in several industries",
            ),
            (EvaluationAxis.OUTLOOK, *ARR),
            (EvaluationAxis.RESULTS, *POWER),
            (EvaluationAxis.OUTLOOK, *PRODUCTIVITY),
            (
                EvaluationAxis.POSITIONING,
                "EU等への高信頼モデル輸出の準備（EU AI Act 高リスク用途の適合証明）",
                "Ready to export trusted models to the EU and elsewhere (EU AI Act conformity "
                "for high-risk uses)",
            ),
        ),
    },
)

# ------------------------------------------------------------------------ risk register

RISK_REVIEW_DATE = dt.date(2027, 3, 31)

# Descriptions are the briefing's 現状/リスク or 課題; mitigations its 対策, or for the
# first three risks (which have none beside them) its stakeholder recommendations.
RISKS: tuple[Record, ...] = (
    {
        "code": "compute-power",
        "category": RiskCategory.COMPUTE_POWER,
        "title_ja": "計算資源と電力",
        "title_en": "Compute and power",
        "description_ja": (
            "現状：1兆パラメータ級の学習には数万基の最新GPUと、それを支えるデータセンター・"
            "電力・冷却設備が必要。リスク：国内単独での調達難航。資金ショート、"
            "または学習速度の低下による相対的陳腐化。"
        ),
        "description_en": (
            "Now: training at 1-trillion-parameter scale needs tens of thousands of the latest "
            "GPUs and the data centres, power and cooling behind them. Risk: domestic "
            "procurement alone stalls; funding runs short, or slower training leaves the "
            "model obsolete."
        ),
        "mitigation_ja": (
            "推論製品の二層設計：最大モデル一本勝負を避け、体系を早期設計し、電力コストを抑制する"
            "（MoE・蒸留によるエッジ向け派生モデル）。政策側にはGPU調達を国家ボトルネックと"
            "位置づけ、再エネ・冷却技術と連動した省エネ運用の支援要件化を求める。"
        ),
        "mitigation_en": (
            "Two-tier inference products: no all-in bet on the largest model; design the model "
            "family early and hold down power costs (edge models by MoE and distillation). "
            "Ask NEDO/METI to treat GPU procurement as a national bottleneck and to support "
            "energy-saving operation tied to renewables and cooling technology."
        ),
        "likelihood": 4,
        "impact": 5,
        "owner": "softbank",
    },
    {
        "code": "data-rights",
        "category": RiskCategory.DATA_RIGHTS,
        "title_ja": "データガバナンスと権利",
        "title_en": "Data rights clearance",
        "description_ja": (
            "現状：産業データには営業秘密や個人情報が多岐に絡む。リスク：契約処理の遅れ。"
            "データ提供企業が「自社ノウハウの流出」を恐れて高品質な実データの提供を渋る"
            "「構想倒れ」化。"
        ),
        "description_en": (
            "Now: industrial data is entangled with trade secrets and personal data. Risk: "
            "contracts lag; providers, fearing their know-how leaks, hold back high-quality "
            "real data and the plan collapses."
        ),
        "mitigation_ja": (
            "データ契約の「仕組み化」（最初の90日）：個別案件ごとの権利交渉を廃し、"
            "「再配布条件・知財帰属・合成データ変換プロセス」を標準テンプレート化する。"
            "秘匿前提データは外部に持ち出さず、差分プライバシーで合成データへ変換してから学習層へ。"
        ),
        "mitigation_en": (
            "Systematise data contracts in the first 90 days: stop case-by-case rights "
            "negotiation and make redistribution conditions, IP attribution and the "
            "synthetic-data conversion process standard templates. Highly secret data never "
            "leaves the premises; it reaches training only as differentially private "
            "synthetic data."
        ),
        "likelihood": 4,
        "impact": 5,
        "owner": "nec",
    },
    {
        "code": "talent",
        "category": RiskCategory.TALENT,
        "title_ja": "組織アジリティと人材",
        "title_en": "Talent consolidation and agility",
        "description_ja": (
            "現状：各社から集められた約100人の高度技術者による混成組織。"
            "リスク：出身母体の異なる技術者の中で、意思決定ラインや評価制度が不明確になり、"
            "開発スピードが米中のスタートアップに劣後する。"
        ),
        "description_en": (
            "Now: a mixed organisation of about 100 senior engineers from the member companies. "
            "Risk: decision lines and evaluation systems blur among engineers from different "
            "parents, and development falls behind US and Chinese start-ups."
        ),
        # The briefing names no countermeasure for this risk; the text says so.
        "mitigation_ja": (
            "（ブリーフィングに対策の記載なし）意思決定ラインと評価制度をJVとして一本化し、明文化する。"
        ),
        "mitigation_en": (
            "(None in the briefing.) One decision line and one evaluation system for the JV, "
            "written down."
        ),
        "likelihood": 3,
        "impact": 4,
        "owner": "jv",
    },
    {
        "code": "ip-exclusivity",
        "category": RiskCategory.IP_EXCLUSIVITY,
        "title_ja": "知財と優先権のバランス",
        "title_en": "IP rights and exclusivity",
        "description_ja": (
            "学習データ由来の権利が重みに混入した場合の責任分界点。出資企業（自社実装）の"
            "「優先権」と、国プロ要件である「広い提供」の矛盾。"
        ),
        "description_en": (
            "Who is liable when rights from training data end up in the weights; the "
            "investors' priority rights (own deployment) against the national programme's "
            "requirement of broad provision."
        ),
        "mitigation_ja": (
            "追加出資や再委託が増えることを見据えた、初期段階での厳密なライセンス規定と"
            "クリーンルーム設計。"
        ),
        "mitigation_en": (
            "Strict licence terms and a clean-room design from the start, anticipating more "
            "investors and subcontracting."
        ),
        "likelihood": 3,
        "impact": 5,
        "owner": "jv",
    },
    {
        "code": "supply-chain",
        "category": RiskCategory.SUPPLY_CHAIN,
        "title_ja": "サプライチェーン統制",
        "title_en": "Supply chain and GPU limits",
        "description_ja": (
            "汎用基盤モデル市場は「海外の貿易管理規制の域外適用（米国の対中半導体規制など）」に"
            "直接左右される。"
        ),
        "description_en": (
            "The foundation-model market depends directly on the extraterritorial reach of "
            "foreign trade controls (e.g. US semiconductor rules aimed at China)."
        ),
        "mitigation_ja": (
            "クラウド・半導体のサプライヤー契約における越境リスクの排除。"
            "AI版SCM（調達・保守・更新の供給網設計）の確立。"
        ),
        "mitigation_en": (
            "Remove cross-border risk from cloud and semiconductor supplier contracts; "
            "establish an AI supply-chain design for procurement, maintenance and renewal."
        ),
        "likelihood": 3,
        "impact": 4,
        "owner": "softbank",
    },
    {
        "code": "regulation",
        "category": RiskCategory.REGULATION,
        "title_ja": "グローバル法規制対応",
        "title_en": "Global regulatory compliance",
        "description_ja": (
            "個人情報保護委員会（PPC）や経産省ガイドラインへの対応。さらに、欧州で発効した"
            "「EU AI Act」。"
        ),
        "description_en": (
            "Compliance with the Personal Information Protection Commission (PPC) and METI "
            "guidelines, and with the EU AI Act now in force."
        ),
        "mitigation_ja": (
            "日本企業がEU域内で「高リスク用途」（重要インフラ、安全関連、ロボット制御等）に"
            "AIを展開する場合、モデル提供者として適合証明が必須となるため、その体制を整える。"
        ),
        "mitigation_en": (
            "Deploying AI in the EU for high-risk uses (critical infrastructure, safety, robot "
            "control) requires conformity certification from the model provider: build the "
            "capability to provide it."
        ),
        "likelihood": 3,
        "impact": 4,
        "owner": "nec",
    },
)

# -------------------------------------------------------------------------------- users

JV_USERS: tuple[Record, ...] = (
    {"username": "pmo", "organization": "jv", "role": Role.PMO},
    {"username": "policy", "organization": "jv", "role": Role.POLICY},
)


def demo_users() -> list[Record]:
    """The PMO and policy accounts, then one partner account per data provider and NEDO."""
    partners = [org["code"] for org in ORGANIZATIONS if org["provides_data"]] + ["nedo"]
    return [
        *JV_USERS,
        *(
            {"username": f"partner-{code}", "organization": code, "role": Role.PARTNER}
            for code in partners
        ),
    ]


# ------------------------------------------------------------------------ data governance

# Datasets of the members, in the three tiers of the separation design. The licensed
# standards come through NEC, which leads the consortium's training-data compliance; the
# Japanese text corpus through SoftBank (the Sarashina corpus).
DATASETS: tuple[Record, ...] = (
    {
        "code": "nipponsteel-works-operation-logs",
        "provider": "nipponsteel",
        "name_ja": "製鉄所操業ログ（高炉・転炉・熱延ライン）",
        "name_en": "Steelworks operation logs (blast furnace, converter, hot-strip mill)",
        "tier": DataTier.RESTRICTED,
        "industry": Industry.STEEL,
        "description_ja": (
            "高炉・転炉・熱延ラインのプロセスセンサー時系列、操業条件、品質検査結果"
            "（2019〜2026年度）。操業ノウハウを含むため、特化モデルの微調整とRAGに限って用いる。"
        ),
        "description_en": (
            "Process-sensor time series, operating conditions and quality-inspection results "
            "of the blast furnace, converter and hot-strip mill (FY2019–FY2026). They carry "
            "operating know-how: used only to fine-tune specialised models and for RAG."
        ),
        "contains_personal_data": False,
        "storage_location": StorageLocation.DOMESTIC_CLOUD,
        "storage_detail": "国内クラウド 東京リージョン / Domestic cloud, Tokyo region",
        "volume_tb": Decimal("420"),
    },
    {
        "code": "nipponsteel-worker-video-audio",
        "provider": "nipponsteel",
        "name_ja": "製鉄所作業者の映像・音声",
        "name_en": "Steelworks workers' video and audio",
        "tier": DataTier.SECRET,
        "industry": Industry.STEEL,
        "description_ja": (
            "圧延・保全作業を撮影した作業者の映像と作業中の音声（安全行動・熟練動作の分析用）。"
            "個人データを含み、構内から持ち出さない。エッジ学習か、差分プライバシーによる"
            "合成データ化を経てのみ学習層に届く。"
        ),
        "description_en": (
            "Video of workers at rolling and maintenance tasks and the audio on site (for "
            "safety behaviour and skilled motion). Personal data: never leaves the works; it "
            "reaches the training layer only through edge learning or as differentially "
            "private synthetic data."
        ),
        "contains_personal_data": True,
        "storage_location": StorageLocation.ON_PREMISES,
        "storage_detail": "製鉄所構内サーバー室 / Server room inside the steelworks",
        "volume_tb": Decimal("85"),
    },
    {
        "code": "nipponsteel-worker-motion-synthetic",
        "provider": "nipponsteel",
        "name_ja": "作業者動作合成データ（差分プライバシー ε=1.0）",
        "name_en": "Synthetic worker-motion data (differential privacy, ε = 1.0)",
        "tier": DataTier.PUBLIC,
        "industry": Industry.STEEL,
        "description_ja": (
            "作業者の映像・音声から構内で生成した骨格姿勢・動作系列の合成データ。"
            "個人を識別できる情報を含まない。"
        ),
        "description_en": (
            "Synthetic skeletal-pose and motion sequences generated on site from the workers' "
            "video and audio. Holds nothing that identifies a person."
        ),
        "contains_personal_data": False,
        "storage_location": StorageLocation.DOMESTIC_CLOUD,
        "storage_detail": "国内クラウド 東京リージョン / Domestic cloud, Tokyo region",
        "volume_tb": Decimal("6.5"),
        "derived_from": "nipponsteel-worker-video-audio",
        "conversion_method": ConversionMethod.DIFFERENTIAL_PRIVACY,
        "dp_epsilon": Decimal("1.0"),
        "conversion_note": (
            "ソフトバンクの差分プライバシー生成器（ε=1.0, δ=1e-6）を製鉄所構内で実行。"
            "再識別リスク評価（メンバーシップ推論攻撃）で基準を満たすことを確認。 / "
            "SoftBank's differentially private generator (ε = 1.0, δ = 1e-6) run inside the "
            "works; a re-identification assessment (membership inference) met the threshold."
        ),
    },
    {
        "code": "kobesteel-maintenance-history",
        "provider": "kobesteel",
        "name_ja": "設備保全履歴（圧延・鍛造設備）",
        "name_en": "Equipment maintenance history (rolling and forging plant)",
        "tier": DataTier.RESTRICTED,
        "industry": Industry.STEEL,
        "description_ja": "点検記録、故障・修理報告、部品交換履歴（2015年度以降）。",
        "description_en": (
            "Inspection records, failure and repair reports, part replacements (FY2015 onwards)."
        ),
        "contains_personal_data": False,
        "storage_location": StorageLocation.DOMESTIC_CLOUD,
        "storage_detail": "国内クラウド 大阪リージョン / Domestic cloud, Osaka region",
        "volume_tb": Decimal("12"),
    },
    {
        "code": "kobesteel-welding-cad-cae",
        "provider": "kobesteel",
        "name_ja": "溶接ロボット設計CAD/CAEデータ",
        "name_en": "Welding-robot design CAD/CAE data",
        "tier": DataTier.RESTRICTED,
        "industry": Industry.STEEL,
        "description_ja": "溶接ロボットの3D CADモデルと構造・熱解析（CAE）結果。",
        "description_en": (
            "3D CAD models of welding robots with structural and thermal (CAE) analysis results."
        ),
        "contains_personal_data": False,
        "storage_location": StorageLocation.ON_PREMISES,
        "storage_detail": "神戸製鋼所 設計部門サーバー / Kobe Steel design department servers",
        "volume_tb": Decimal("3.2"),
    },
    {
        "code": "honda-driving-environment",
        "provider": "honda",
        "name_ja": "走行環境データ（車載カメラ・LiDAR・CAN）",
        "name_en": "Driving-environment data (on-board cameras, LiDAR, CAN)",
        "tier": DataTier.RESTRICTED,
        "industry": Industry.MOBILITY,
        "description_ja": (
            "レベル3自動運転車の公道走行で記録した車載カメラ映像、LiDAR点群、CAN信号。"
            "歩行者の顔とナンバープレートは提供前にぼかし処理済み。"
        ),
        "description_en": (
            "On-board camera video, LiDAR point clouds and CAN signals recorded by Level-3 "
            "vehicles on public roads. Faces and number plates are blurred before provision."
        ),
        "contains_personal_data": False,
        "storage_location": StorageLocation.DOMESTIC_CLOUD,
        "storage_detail": "国内クラウド 東京リージョン / Domestic cloud, Tokyo region",
        "volume_tb": Decimal("1850"),
    },
    {
        "code": "honda-robotics-operation-logs",
        "provider": "honda",
        "name_ja": "ロボット実機動作ログ",
        "name_en": "Robot operation logs (real machines)",
        "tier": DataTier.RESTRICTED,
        "industry": Industry.MOBILITY,
        "description_ja": "研究用ロボットの関節トルク・力覚センサー・制御指令の時系列。",
        "description_en": (
            "Joint-torque, force-sensor and control-command time series of research robots."
        ),
        "contains_personal_data": False,
        "storage_location": StorageLocation.DOMESTIC_CLOUD,
        "storage_detail": "国内クラウド 東京リージョン / Domestic cloud, Tokyo region",
        "volume_tb": Decimal("95"),
    },
    {
        "code": "sony-sensing-imaging",
        "provider": "sony",
        "name_ja": "イメージング・センシングデータ（イメージセンサー・ToF・イベントカメラ）",
        "name_en": "Imaging and sensing data (image sensors, ToF, event cameras)",
        "tier": DataTier.RESTRICTED,
        "industry": Industry.ELECTRONICS_SENSING,
        "description_ja": (
            "工場・屋外環境で取得したRAW画像、ToF深度、イベントカメラ信号とセンサー特性データ。"
        ),
        "description_en": (
            "RAW images, ToF depth and event-camera signals captured in factories and outdoors, "
            "with the sensors' characterisation data."
        ),
        "contains_personal_data": False,
        "storage_location": StorageLocation.DOMESTIC_CLOUD,
        "storage_detail": "国内クラウド 東京リージョン / Domestic cloud, Tokyo region",
        "volume_tb": Decimal("640"),
    },
    {
        "code": "nec-licensed-technical-standards",
        "provider": "nec",
        "name_ja": "許諾済み技術規格・安全手順書（JIS・業界団体規格）",
        "name_en": "Licensed technical standards and safety procedures (JIS, industry bodies)",
        "tier": DataTier.PUBLIC,
        "industry": Industry.CROSS_INDUSTRY,
        "description_ja": (
            "日本産業規格（JIS）と業界団体の技術規格・安全手順書。NECが権利処理し、"
            "事前学習を含む利用許諾を得たもの。"
        ),
        "description_en": (
            "Japanese Industrial Standards (JIS) and industry bodies' technical standards and "
            "safety procedures, cleared by NEC with a licence that covers pre-training."
        ),
        "contains_personal_data": False,
        "storage_location": StorageLocation.DOMESTIC_CLOUD,
        "storage_detail": "国内クラウド 東京リージョン / Domestic cloud, Tokyo region",
        "volume_tb": Decimal("0.8"),
    },
    {
        "code": "softbank-japanese-text-corpus",
        "provider": "softbank",
        "name_ja": "許諾済み日本語テキストコーパス",
        "name_en": "Licensed Japanese text corpus",
        "tier": DataTier.PUBLIC,
        "industry": Industry.CROSS_INDUSTRY,
        "description_ja": (
            "Sarashinaの事前学習で権利処理済みの日本語テキスト（書籍・報道・技術文書・"
            "公開ウェブ）。重複除去と個人情報フィルタ適用済み。"
        ),
        "description_en": (
            "Japanese text cleared for Sarashina's pre-training (books, news, technical "
            "documents, the public web), deduplicated and filtered for personal information."
        ),
        "contains_personal_data": False,
        "storage_location": StorageLocation.DOMESTIC_CLOUD,
        "storage_detail": "ソフトバンク国内データセンター / SoftBank domestic data centre",
        "volume_tb": Decimal("58"),
    },
)

# Standard contract templates: one per METI contract type and tier, their clauses put
# together from a part per type and a part per tier.
TEMPLATE_TYPE_TEXT: dict[str, Record] = {
    ContractType.DATA_PROVISION: {
        "title": ("データ提供契約", "Data provision contract"),
        "redistribution": (
            "本契約は提供者から当社（日本AI基盤モデル開発）への一方向のデータ提供である。"
            "当社による再配布は次の条件に従う。",
            "Data flows one way, from the provider to the JV (Japan AI Foundation Model "
            "Development). Any redistribution by the JV follows the condition below.",
        ),
        "ip_attribution": (
            "提供データの知的財産権その他の権利は提供者に留保される。提供データを用いて当社が"
            "作成した学習済みモデルその他の派生物の権利は当社に帰属し、提供者はこれを自社事業で"
            "無償で利用できる。",
            "Rights in the provided data stay with the provider. Rights in models and other "
            "derivatives the JV makes with it belong to the JV; the provider may use them in "
            "its own business free of charge.",
        ),
    },
    ContractType.DATA_CREATION: {
        "title": ("データ創出契約", "Data creation contract"),
        "redistribution": (
            "本契約に基づき当事者が共同で創出したデータ（創出データ）の第三者への提供には、"
            "次の条件に加えて両当事者の書面による合意を要する。",
            "Data the parties create together under this contract (created data) goes to a "
            "third party only with both parties' written agreement, on top of the condition "
            "below.",
        ),
        "ip_attribution": (
            "創出データの権利は、データ取得への寄与（現場・設備の提供と計測・加工作業）に応じて"
            "両当事者の共有とし、持分は別紙で定める。創出データから作成した学習済みモデルの権利は"
            "当社に帰属する。",
            "Created data is jointly owned in proportion to each party's contribution (site "
            "and equipment; measurement and processing), with the shares set in an annex. "
            "Models trained on it belong to the JV.",
        ),
    },
    ContractType.DATA_SHARING: {
        "title": ("データ共用（プラットフォーム）契約", "Data sharing (platform) contract"),
        "redistribution": (
            "提供データは当社が運営するデータ共用基盤に登録し、基盤規約に同意した参加者が本契約の"
            "定める用途に限って利用する。基盤の外への持出しと再配布は次の条件に従う。",
            "The data is registered on the JV's data-sharing platform and used only by "
            "participants who accept the platform terms, only for the uses this contract "
            "permits. Taking it off the platform and redistributing it follow the condition "
            "below.",
        ),
        "ip_attribution": (
            "各参加者が登録したデータの権利は当該参加者に留保される。基盤上で集計・加工した"
            "データと学習済みモデルの権利は当社に帰属し、参加者は基盤規約に従って利用できる。",
            "Rights in the data each participant registers stay with that participant. Rights "
            "in data aggregated or processed on the platform, and in trained models, belong to "
            "the JV; participants may use them under the platform terms.",
        ),
    },
}

TEMPLATE_TIER_TEXT: dict[str, Record] = {
    DataTier.PUBLIC: {
        "label": ("許諾済み公開データ", "public & licensed data"),
        "redistribution": (
            "出典とライセンスの表示を維持する限り、原ライセンスの範囲内で再配布できる。",
            "It may be redistributed within its original licence, keeping the source and "
            "licence notices.",
        ),
        "ip_attribution": (
            "原著作物の著作権は権利者に留保され、当社は許諾の範囲内で利用する。",
            "Copyright in the original works stays with their holders; the JV uses them within "
            "the licence.",
        ),
        "synthetic_conversion": (
            "合成データへの変換に制限はない。生成したデータにも原データの出典表示を引き継ぐ。",
            "Conversion to synthetic data is unrestricted; the generated data keeps the "
            "source's attribution.",
        ),
        "retention": (
            "許諾期間中は保持できる。許諾の終了後は新たな学習に用いず、90日以内に複製を削除する。"
            "学習済みの重みは削除の対象としない。",
            "It may be kept while the licence runs. After it ends the data is used for no new "
            "training and copies are deleted within 90 days; trained weights are not affected.",
        ),
        "storage": (
            "保存場所の制限はない（当社の国内データセンターでの保存を原則とする）。",
            "No restriction on where it is stored (the JV's domestic data centres by default).",
        ),
    },
    DataTier.RESTRICTED: {
        "label": ("企業提供データ", "enterprise-restricted data"),
        "redistribution": (
            "提供データとその複製の第三者への再配布を禁止する。提供データで微調整した特化モデルを"
            "第三者に提供するときは、提供者の事前の書面による同意を要する。提供データを基盤モデル"
            "の重みに混入させてはならない。",
            "The data and its copies may not be redistributed to any third party. A "
            "specialised model fine-tuned on it goes to a third party only with the provider's "
            "prior written consent. The data must never be mixed into base-model weights.",
        ),
        "ip_attribution": ("", ""),
        "synthetic_conversion": (
            "合成データの派生は標準条件に含まない。必要なときは逸脱として理由を記載し、差分"
            "プライバシー（ε≦2.0）等の変換方法と再識別リスク評価について提供者の確認と当社PMOの"
            "承認を得る。",
            "Deriving synthetic data is not a standard term. Where needed it is a deviation, "
            "with its reason: the provider confirms the conversion method (e.g. differential "
            "privacy, ε ≤ 2.0) and the re-identification assessment, and the JV's PMO "
            "approves.",
        ),
        "retention": (
            "契約の終了後90日以内に、提供データとその複製を削除し、削除証明書を提出する。",
            "Within 90 days of the contract's end the data and its copies are deleted and a "
            "certificate of deletion is delivered.",
        ),
        "storage": (
            "国内のクラウドリージョン（東京・大阪）又は提供者の構内に限る。国外への移転と国外"
            "からのアクセスを禁止する。",
            "Only in a domestic cloud region (Tokyo, Osaka) or on the provider's premises. No "
            "transfer abroad and no access from abroad.",
        ),
    },
    DataTier.SECRET: {
        "label": ("秘匿前提データ", "secret / regulated data"),
        "redistribution": (
            "提供者の構内から持ち出さず、いかなる第三者にも再配布しない。当社が受け取るのは、"
            "エッジ学習によるパラメータ更新と、承認された変換を経た合成データに限る。",
            "It never leaves the provider's premises and goes to no third party. The JV "
            "receives only parameter updates from edge learning and synthetic data from an "
            "approved conversion.",
        ),
        "ip_attribution": (
            "両当事者は営業秘密としての管理措置（アクセス権者の限定とアクセス記録）を講じる。",
            "Both parties keep it as a trade secret (access limited to named people, and logged).",
        ),
        "synthetic_conversion": (
            "合成データへの変換は提供者の構内で、差分プライバシー（ε≦1.0）又はシミュレーション"
            "により行う。個人情報保護委員会のガイドラインに沿って再識別リスクを評価し、当社PMOが"
            "承認するまで、合成データは原データと同じ秘匿前提データとして扱う。",
            "Conversion to synthetic data happens on the provider's premises, by differential "
            "privacy (ε ≤ 1.0) or simulation. The re-identification risk is assessed along the "
            "Personal Information Protection Commission's guidelines; until the JV's PMO "
            "approves, the synthetic data is handled as secret as its source.",
        ),
        "retention": (
            "原データは提供者の構内でのみ保持し、当社は複製を持たない。個人データは利用目的の"
            "達成後、提供者の規程に従い遅滞なく消去する。",
            "The source data stays only on the provider's premises; the JV holds no copy. "
            "Personal data is erased without delay once its purpose is met, under the "
            "provider's rules.",
        ),
        "storage": ("提供者の構内（オンプレミス）に限る。", "Only on the provider's premises."),
    },
}


def _template(contract_type: str, tier: str, version: int = 1, **overrides: str) -> Record:
    kind, level = TEMPLATE_TYPE_TEXT[contract_type], TEMPLATE_TIER_TEXT[tier]
    record: Record = {
        "code": f"{contract_type}-{tier}",
        "version": version,
        "contract_type": contract_type,
        "tier": tier,
        "title_ja": f"{kind['title'][0]}ひな形（{level['label'][0]}）",
        "title_en": f"{kind['title'][1]} template ({level['label'][1]})",
        "permitted_uses": tier_rule(tier).permitted_uses(),
    }
    for index, suffix in ((0, "ja"), (1, "en")):
        space = "" if suffix == "ja" else " "
        record[f"redistribution_{suffix}"] = (
            kind["redistribution"][index] + space + level["redistribution"][index]
        )
        record[f"ip_attribution_{suffix}"] = (
            kind["ip_attribution"][index] + space + level["ip_attribution"][index]
        ).strip()
        for clause in ("synthetic_conversion", "retention", "storage"):
            record[f"{clause}_{suffix}"] = level[clause][index]
    record.update(overrides)
    return record


# Version 2 of the restricted provision template shortens deletion to 60 days and covers
# RAG indexes and specialised weights: contracts signed under version 1 keep version 1.
TEMPLATES: tuple[Record, ...] = (
    *(_template(contract_type, tier) for contract_type in ContractType for tier in DataTier),
    _template(
        ContractType.DATA_PROVISION,
        DataTier.RESTRICTED,
        version=2,
        retention_ja=(
            "契約の終了後60日以内に、提供データとその複製、提供データから作成したRAGインデックス"
            "を削除し、削除証明書を提出する。特化モデルの重みは、提供者と協議のうえ廃棄するか"
            "継続して利用するかを決める。"
        ),
        retention_en=(
            "Within 60 days of the contract's end the data, its copies and any RAG index built "
            "from it are deleted and a certificate of deletion is delivered. Whether "
            "specialised-model weights are destroyed or kept in use is agreed with the "
            "provider."
        ),
    ),
)

# Contract dates the seed works out on the day it runs (jvtracker.demo.datagov), so that
# whenever the demo is loaded one contract expires within the PMO's 90-day warning, its
# renewal starts the day after, and a proof-of-concept contract ends that very day.
EXPIRES_SOON = "expires-soon"
RENEWAL_STARTS = "renewal-starts"
ENDS_TODAY = "ends-today"

# Driven through the workflow to ``status``; the provider's partner account uploads the
# signed PDF and submits, the PMO account reviews, approves deviations and approves.
CONTRACTS: tuple[Record, ...] = (
    {
        "title": "製鉄所操業ログ提供契約 / Steelworks operation logs provision",
        "provider": "nipponsteel",
        "template": ("provision-restricted", 1),
        "datasets": ("nipponsteel-works-operation-logs",),
        "effective_date": dt.date(2026, 9, 1),
        "expiry_date": dt.date(2029, 3, 31),
        "status": ContractStatus.ACTIVE,
    },
    {
        "title": "保全履歴PoC提供契約 / Maintenance history proof-of-concept provision",
        "provider": "kobesteel",
        "template": ("provision-restricted", 1),
        "datasets": ("kobesteel-maintenance-history",),
        "effective_date": dt.date(2026, 7, 1),
        "expiry_date": ENDS_TODAY,
        "status": ContractStatus.EXPIRED,
        "notes": "PoC期間限定の契約。更新契約を起案中。 / A PoC-only contract; renewal drafted.",
    },
    {
        "title": "作業者映像・音声データ創出契約 / Workers' video and audio data creation",
        "provider": "nipponsteel",
        "template": ("creation-secret", 1),
        "datasets": ("nipponsteel-worker-video-audio",),
        "effective_date": dt.date(2026, 10, 1),
        "expiry_date": dt.date(2031, 3, 31),
        "status": ContractStatus.ACTIVE,
        "notes": (
            "作業者本人の同意取得済み（同意書は日本製鉄が保管）。 / Workers' consent "
            "obtained; Nippon Steel keeps the consent forms."
        ),
    },
    {
        "title": "作業者動作合成データ創出契約 / Synthetic worker-motion data creation",
        "provider": "nipponsteel",
        "template": ("creation-public", 1),
        "datasets": ("nipponsteel-worker-motion-synthetic",),
        "effective_date": dt.date(2026, 11, 1),
        "expiry_date": dt.date(2031, 3, 31),
        "status": ContractStatus.ACTIVE,
    },
    {
        "title": "日本語テキストコーパス提供契約 / Japanese text corpus provision",
        "provider": "softbank",
        "template": ("provision-public", 1),
        "datasets": ("softbank-japanese-text-corpus",),
        "effective_date": dt.date(2026, 9, 1),
        "expiry_date": dt.date(2031, 3, 31),
        "status": ContractStatus.ACTIVE,
    },
    {
        "title": "技術規格・安全手順書共用契約 / Technical standards and safety procedures sharing",
        "provider": "nec",
        "template": ("sharing-public", 1),
        "datasets": ("nec-licensed-technical-standards",),
        "effective_date": dt.date(2026, 9, 1),
        "expiry_date": dt.date(2029, 3, 31),
        "status": ContractStatus.ACTIVE,
    },
    {
        "title": "センシングデータ共用契約（PoC） / Sensing data sharing (PoC)",
        "provider": "sony",
        "template": ("sharing-restricted", 1),
        "datasets": ("sony-sensing-imaging",),
        "effective_date": dt.date(2026, 8, 1),
        "expiry_date": EXPIRES_SOON,
        "status": ContractStatus.ACTIVE,
    },
    {
        "title": "溶接ロボットCAD/CAEデータ創出契約 / Welding-robot CAD/CAE data creation",
        "provider": "kobesteel",
        "template": ("creation-restricted", 1),
        "datasets": ("kobesteel-welding-cad-cae",),
        "effective_date": dt.date(2026, 9, 1),
        "expiry_date": dt.date(2029, 3, 31),
        "status": ContractStatus.TERMINATED,
        "termination_reason": (
            "神戸製鋼所の申し出により提供を中止（設計ノウハウ流出への懸念）。学習への使用実績なし。"
            " / Withdrawn at Kobe Steel's request over concern that design know-how could "
            "leak; never used for training."
        ),
    },
    {
        "title": "走行環境データ提供契約 / Driving-environment data provision",
        "provider": "honda",
        "template": ("provision-restricted", 2),
        "datasets": ("honda-driving-environment",),
        "effective_date": dt.date(2026, 9, 1),
        "expiry_date": dt.date(2029, 3, 31),
        "deviation_uses": (DataPurpose.EDGE_LEARNING,),
        "deviation_reason": (
            "車載ECU向け蒸留モデルを、車両側で走行環境データにより追加学習するため。データは"
            "車両と国内リージョンから出さない。 / To train the distilled model for on-board ECUs "
            "further on the vehicles with driving-environment data; the data stays on the "
            "vehicles and in the domestic region."
        ),
        "status": ContractStatus.ACTIVE,
    },
    {
        "title": "ロボット実機データ創出契約 / Robot operation data creation",
        "provider": "honda",
        "template": ("creation-restricted", 1),
        "datasets": ("honda-robotics-operation-logs",),
        "effective_date": dt.date(2027, 1, 1),
        "expiry_date": dt.date(2030, 3, 31),
        "status": ContractStatus.SUBMITTED,
    },
    {
        "title": "センシングデータ共用契約（2027年更新） / Sensing data sharing (2027 renewal)",
        "provider": "sony",
        "template": ("sharing-restricted", 1),
        "datasets": ("sony-sensing-imaging",),
        "effective_date": RENEWAL_STARTS,
        "expiry_date": dt.date(2030, 3, 31),
        "status": ContractStatus.UNDER_REVIEW,
    },
    {
        "title": "保全履歴提供契約（更新） / Maintenance history provision (renewal)",
        "provider": "kobesteel",
        "template": ("provision-restricted", 2),
        "datasets": ("kobesteel-maintenance-history",),
        "effective_date": dt.date(2027, 4, 1),
        "expiry_date": dt.date(2030, 3, 31),
        "status": ContractStatus.DRAFT,
    },
)

# What the programme trains, and the runs that trained it; every run passes the
# contamination guard (datagov.services.training_run_register).
MODEL_ARTIFACTS: tuple[Record, ...] = (
    {
        "code": "jv-base-alpha",
        "name_ja": "JV基盤モデル α",
        "name_en": "JV foundation model α",
        "kind": ArtifactKind.BASE_MODEL,
        "responsible": "softbank",
        "description": (
            "許諾済み公開データと承認済み合成データだけで事前学習する基盤モデルα版。 / The α "
            "foundation model, pre-trained only on public & licensed data and approved "
            "synthetic data."
        ),
    },
    {
        "code": "nipponsteel-operations-ft",
        "name_ja": "製鉄操業特化モデル",
        "name_en": "Steelworks operations specialised model",
        "kind": ArtifactKind.SPECIALISED,
        "responsible": "jv",
        "description": "α版を製鉄所操業ログで微調整。 / α fine-tuned on steelworks operation logs.",
    },
    {
        "code": "honda-driving-ft",
        "name_ja": "走行環境特化モデル",
        "name_en": "Driving-environment specialised model",
        "kind": ArtifactKind.SPECIALISED,
        "responsible": "honda",
        "description": "α版を走行環境データで微調整。 / α fine-tuned on driving-environment data.",
    },
    {
        "code": "honda-vehicle-edge",
        "name_ja": "車載エッジ蒸留モデル",
        "name_en": "On-vehicle edge distillate",
        "kind": ArtifactKind.EDGE_DISTILLATE,
        "responsible": "honda",
        "description": (
            "走行環境特化モデルから蒸留した車載ECU向けモデル。ネットワーク断でも停止しない。 / "
            "Distilled from the driving-environment model for on-board ECUs; keeps running "
            "when the network drops."
        ),
    },
    {
        "code": "sony-sensing-rag",
        "name_ja": "センシング知識RAGインデックス",
        "name_en": "Sensing knowledge RAG index",
        "kind": ArtifactKind.RAG_INDEX,
        "responsible": "sony",
        "description": (
            "センシングデータと技術規格の検索拡張生成用インデックス。 / A retrieval index over "
            "the sensing data and the technical standards."
        ),
    },
    {
        "code": "worker-motion-generator",
        "name_ja": "作業者動作合成データ生成器",
        "name_en": "Worker-motion synthetic-data generator",
        "kind": ArtifactKind.SYNTHETIC_GENERATOR,
        "responsible": "softbank",
        "description": (
            "製鉄所構内で作業者映像から学習した差分プライバシー生成器（ε=1.0）。 / A "
            "differentially private generator (ε = 1.0) trained inside the works on the "
            "workers' video."
        ),
    },
)

TRAINING_RUNS: tuple[Record, ...] = (
    {
        "code": "worker-motion-generator-2026-10",
        "purpose": DataPurpose.SYNTHETIC_DERIVATION,
        "target": "worker-motion-generator",
        "datasets": ("nipponsteel-worker-video-audio",),
        "input_artifacts": (),
        "started_on": dt.date(2026, 10, 5),
        "finished_on": dt.date(2026, 10, 30),
        "responsible": "softbank",
        "notes": "製鉄所構内のGPUサーバーで実行。 / Run on a GPU server inside the works.",
    },
    {
        "code": "base-alpha-pretrain-1",
        "purpose": DataPurpose.BASE_PRETRAINING,
        "target": "jv-base-alpha",
        "datasets": ("softbank-japanese-text-corpus", "nec-licensed-technical-standards"),
        "input_artifacts": (),
        "started_on": dt.date(2026, 9, 15),
        "finished_on": dt.date(2026, 11, 15),
        "responsible": "softbank",
        "notes": "国内GPUクラスターでPFNと共同実施。 / With PFN on the domestic GPU cluster.",
    },
    {
        "code": "base-alpha-pretrain-2",
        "purpose": DataPurpose.BASE_PRETRAINING,
        "target": "jv-base-alpha",
        "datasets": ("nipponsteel-worker-motion-synthetic",),
        "input_artifacts": (),
        "started_on": dt.date(2026, 12, 1),
        "finished_on": None,
        "responsible": "softbank",
        "notes": (
            "承認済み合成データによる継続事前学習。 / Continued pre-training on the approved "
            "synthetic data."
        ),
    },
    {
        "code": "sony-sensing-rag-2026-12",
        "purpose": DataPurpose.RAG_INDEX,
        "target": "sony-sensing-rag",
        "datasets": ("sony-sensing-imaging", "nec-licensed-technical-standards"),
        "input_artifacts": (),
        "started_on": dt.date(2026, 12, 7),
        "finished_on": None,
        "responsible": "sony",
        "notes": "",
    },
    {
        "code": "nipponsteel-operations-ft-2027-01",
        "purpose": DataPurpose.FINE_TUNING,
        "target": "nipponsteel-operations-ft",
        "datasets": ("nipponsteel-works-operation-logs",),
        "input_artifacts": ("jv-base-alpha",),
        "started_on": dt.date(2027, 1, 11),
        "finished_on": None,
        "responsible": "jv",
        "notes": "",
    },
    {
        "code": "honda-driving-ft-2027-02",
        "purpose": DataPurpose.FINE_TUNING,
        "target": "honda-driving-ft",
        "datasets": ("honda-driving-environment",),
        "input_artifacts": ("jv-base-alpha",),
        "started_on": dt.date(2027, 2, 1),
        "finished_on": None,
        "responsible": "honda",
        "notes": "",
    },
    {
        "code": "honda-vehicle-edge-2027-04",
        "purpose": DataPurpose.EDGE_LEARNING,
        "target": "honda-vehicle-edge",
        "datasets": ("honda-driving-environment",),
        "input_artifacts": ("honda-driving-ft",),
        "started_on": dt.date(2027, 4, 5),
        "finished_on": None,
        "responsible": "honda",
        "notes": (
            "車両側での追加学習は契約の承認済み逸脱による。 / Learning on the vehicles rests on "
            "the contract's approved deviation."
        ),
    },
)


# -------------------------------------------------------------------------------- password
