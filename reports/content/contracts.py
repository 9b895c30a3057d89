"""The data-contract register: every contract as it stood at the cut-off."""

from __future__ import annotations

from reports.choices import ReportKind
from reports.content import ReportDocument, builder
from reports.content import sections as s
from reports.content.stage_gate import section_titles
from reports.models import Report
from reports.snapshot import snapshot_at


@builder(ReportKind.CONTRACT_REGISTER)
def contract_register_report(report: Report) -> ReportDocument:
    snapshot = snapshot_at(report.knowledge_cutoff)
    return ReportDocument(
        "reports/contract_register.html",
        {
            "cover": s.cover(report, snapshot, None),
            "titles": section_titles(),
            "toc": [],
            "contracts": s.contract_register(snapshot, s.day_of(report)),
        },
    )
