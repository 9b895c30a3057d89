"""Every read of reports, with the role rules in one place.

Reports cover every organization, so they are the PMO's and policy staff's: both see every
report (a report is shared evidence, and a colleague must be able to fetch the one a
decision was taken on). Partners and everyone else see none, and get a 404 for any.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import QuerySet

from jvtracker.common.storage import private_storage
from jvtracker.models import User
from jvtracker.roles import Role, reading_role
from kpis.models import KPIDefinition, KPITarget
from kpis.selectors import kpi_targets_visible_to, kpis_visible_to
from milestones.models import GateCondition, GateCriterion, StageGate
from reports.choices import ReportStatus
from reports.models import Report, ReportDownload


@dataclass(frozen=True)
class GateNow:
    """The parts of a :class:`reports.snapshot.Snapshot` that the stage-gate report's
    sections read of one gate, taken from today's rows as a user may see them.

    The gate page and the dashboard work out criteria, KPI statuses and conditions with
    the report's own functions (reports.content.sections) over this, so they say what a
    stage-gate report as of now would say, and no rule is written twice.
    """

    kpis: list[KPIDefinition]
    targets: dict[int, KPITarget]
    criteria: list[GateCriterion]
    conditions: list[GateCondition]

    @classmethod
    def of(cls, gate: StageGate, user: User) -> GateNow:
        """``gate`` from :func:`~milestones.selectors.stage_gates_visible_to`, whose
        prefetched criteria and conditions it reads."""
        return cls(
            kpis=list(kpis_visible_to(user)),
            targets={t.kpi_id: t for t in kpi_targets_visible_to(user).filter(gate=gate)},
            criteria=list(gate.criteria.all()),
            conditions=list(gate.conditions.all()),
        )

    def criteria_of(self, gate: StageGate) -> list[GateCriterion]:
        return self.criteria

    def conditions_of(self, gate: StageGate) -> list[GateCondition]:
        return self.conditions

    def targets_for(self, gate: StageGate) -> dict[int, KPITarget]:
        return self.targets


def may_see_reports(user: User) -> bool:
    """Reports are the PMO's and policy staff's (see the module's docstring)."""
    return reading_role(user) in (Role.PMO, Role.POLICY)


def reports_visible_to(user: User) -> QuerySet[Report]:
    reports = Report.objects.select_related("gate", "requested_by")
    if may_see_reports(user):
        return reports
    return reports.none()


def report_downloads(report: Report) -> QuerySet[ReportDownload]:
    return report.downloads.select_related("user").order_by("-at", "-pk")


def reports_stored() -> QuerySet[Report]:
    """Every report with a stored PDF: the succeeded ones."""
    return Report.objects.filter(status=ReportStatus.SUCCEEDED)


@dataclass(frozen=True)
class StoredReportProblem:
    report: Report
    problem: str  # "missing" or "altered"
    found_sha256: str = ""


def stored_report_problems(reports: QuerySet[Report] | None = None) -> list[StoredReportProblem]:
    """Succeeded reports whose stored PDF is missing or no longer has its recorded SHA-256."""
    reports = reports if reports is not None else reports_stored()
    storage = private_storage()
    problems = []
    for report in reports.filter(status=ReportStatus.SUCCEEDED).order_by("pk").iterator():
        if not report.file.name or not storage.exists(report.file.name):
            problems.append(StoredReportProblem(report, "missing"))
            continue
        digest = hashlib.sha256()
        with storage.open(report.file.name, "rb") as stored:
            for chunk in iter(lambda: stored.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != report.sha256:
            problems.append(StoredReportProblem(report, "altered", digest.hexdigest()))
    return problems
