"""The contamination report: the whole lineage of the models as it stood at the cut-off,
contaminated base models first."""

from __future__ import annotations

from reports.choices import ReportKind
from reports.content import ReportDocument, builder
from reports.content import sections as s
from reports.content.stage_gate import section_titles
from reports.models import Report
from reports.snapshot import snapshot_at


@builder(ReportKind.CONTAMINATION)
def contamination_report(report: Report) -> ReportDocument:
    snapshot = snapshot_at(report.knowledge_cutoff)
    lineage = s.contamination(snapshot)
    return ReportDocument(
        "reports/contamination.html",
        {
            "cover": s.cover(report, snapshot, None),
            "titles": section_titles(),
            "toc": [],
            "datagov": {
                "lineage": lineage,
                "contaminated": [item for item in lineage if item.contaminated],
                "base_models": [item for item in lineage if item.artifact.kind == "base_model"],
            },
        },
    )
