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
from reports.choices import ReportStatus
from reports.models import Report, ReportDownload


def reports_visible_to(user: User) -> QuerySet[Report]:
    reports = Report.objects.select_related("gate", "requested_by")
    if reading_role(user) in (Role.PMO, Role.POLICY):
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
