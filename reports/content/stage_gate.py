"""The stage-gate report: filled in by this issue's content work."""

from __future__ import annotations

from reports.choices import ReportKind
from reports.content import ReportDocument, builder
from reports.models import Report


@builder(ReportKind.STAGE_GATE)
def stage_gate_report(report: Report) -> ReportDocument:
    return ReportDocument("reports/stage_gate.html", {})
