"""The stage-gate report: what the tracker knew of a gate at the report's cut-off.

Criteria and whether they hold, the decision and its conditions, milestones by track,
every KPI against its target for the gate, the data-governance summary, the risk register,
and an appendix of every change since the previous gate.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from reports.choices import ReportKind
from reports.content import ReportDocument, builder
from reports.content import sections as s
from reports.models import Report
from reports.snapshot import snapshot_at


def section_titles() -> dict[str, str]:
    """Section headings, also the table of contents' entries (in the active language)."""
    return {
        "criteria": _("Gate criteria"),
        "decision": _("Decision and conditions"),
        "milestones": _("Milestones by track"),
        "kpis": _("KPIs against their targets"),
        "datagov": _("Data governance"),
        "register": _("Data-contract register"),
        "lineage": _("Lineage and contamination"),
        "risks": _("Risk register"),
        "changes": _("Appendix: changes since the previous gate"),
    }


def toc(titles: dict[str, str], *ids: str) -> list[tuple[str, str]]:
    return [(id_, titles[id_]) for id_ in ids]


@builder(ReportKind.STAGE_GATE)
def stage_gate_report(report: Report) -> ReportDocument:
    cutoff = report.knowledge_cutoff
    snapshot = snapshot_at(cutoff)
    facts = s.gate_facts(report, snapshot)
    gate = facts.gate
    day = s.day_of(report)
    titles = section_titles()
    kpis = s.kpi_rows(gate, snapshot, cutoff)
    criteria = s.criteria_by_axis(gate, snapshot, kpis)
    changes, previous = s.changes_since_previous_gate(gate, snapshot, cutoff)
    milestones = s.milestones_by_track(snapshot, day)
    risks = s.risk_register(snapshot)
    return ReportDocument(
        "reports/stage_gate.html",
        {
            "cover": s.cover(report, snapshot, facts),
            "titles": titles,
            "toc": toc(
                titles,
                "criteria",
                "decision",
                "milestones",
                "kpis",
                "datagov",
                "risks",
                "changes",
            ),
            "criteria": criteria,
            "tally": s.criteria_tally(criteria),
            "decision": s.decision(gate, snapshot, day),
            "milestones": milestones,
            "kpis": kpis,
            "kpi_summary": s.kpi_summary(kpis),
            "datagov": s.data_governance(snapshot, day),
            "risks": risks,
            "glance": {
                "milestones": sum(len(group.rows) for group in milestones),
                "overdue": sum(row.overdue for group in milestones for row in group.rows),
                "top_risks": risks[:3],
            },
            "changes": changes,
            "changes_start": s.long_moment(changes.start),
            "previous_gate": previous,
        },
    )
