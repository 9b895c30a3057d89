"""``manage.py verify_reports``: recompute the SHA-256 of every stored report PDF and list
each one missing from storage or no longer matching the SHA-256 recorded when it was made.

Exits non-zero when any is found, so a scheduled run (cron, CI) alerts someone.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.selectors import StoredReportProblem, reports_stored, stored_report_problems


class Command(BaseCommand):
    help = (
        "Recompute the SHA-256 of every succeeded report's stored PDF and list each one "
        "that is missing or altered. Exits with status 1 if any is."
    )

    def handle(self, *args, **options) -> None:
        succeeded = reports_stored()
        checked = succeeded.count()
        problems = stored_report_problems(succeeded)
        for problem in problems:
            self.stdout.write(self.style.ERROR(_describe(problem)))
        summary = _("%(checked)s, %(problems)s") % {
            "checked": ngettext("%(count)s report checked", "%(count)s reports checked", checked)
            % {"count": checked},
            "problems": ngettext("%(count)s problem", "%(count)s problems", len(problems))
            % {"count": len(problems)},
        }
        if problems:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))


def _describe(problem: StoredReportProblem) -> str:
    report = problem.report
    if problem.problem == "missing":
        return _(
            "%(reference)s missing: no file %(name)s in storage (recorded SHA-256 %(recorded)s)"
        ) % {
            "reference": report.reference,
            "name": report.file.name or "-",
            "recorded": report.sha256,
        }
    return _("%(reference)s altered: recorded SHA-256 %(recorded)s, found %(found)s") % {
        "reference": report.reference,
        "recorded": report.sha256,
        "found": problem.found_sha256,
    }
