"""The KPI board: every KPI against its target for the report's gate, as of the cut-off."""

from __future__ import annotations

from reports.choices import ReportKind
from reports.content import ReportDocument, builder
from reports.content import sections as s
from reports.content.stage_gate import section_titles
from reports.models import Report
from reports.snapshot import snapshot_at


@builder(ReportKind.KPI_BOARD)
def kpi_board_report(report: Report) -> ReportDocument:
    snapshot = snapshot_at(report.knowledge_cutoff)
    facts = s.gate_facts(report, snapshot)
    kpis = s.kpi_rows(facts.gate, snapshot, report.knowledge_cutoff)
    return ReportDocument(
        "reports/kpi_board.html",
        {
            "cover": s.cover(report, snapshot, facts),
            "titles": section_titles(),
            "toc": [],
            "kpis": kpis,
            "kpi_summary": s.kpi_summary(kpis),
        },
    )
