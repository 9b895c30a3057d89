"""The demo seed's data: the JV's real programme, taken from the two source documents
(the Japanese strategic briefing of 2026-04-13 and the English investor note).

Plain data only; :mod:`jvtracker.demo` applies it through the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

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


# -------------------------------------------------------------------------------- password
