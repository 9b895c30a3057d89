"""What each kind of report says: a builder per kind turns a Report into HTML.

A builder reads only through :mod:`reports.snapshot` (the tracker as of the report's
knowledge cut-off) and the other apps' selectors, and renders one template. Builders run
with the report's language active, so labels, dates and numbers come out in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation

from reports.choices import ReportKind
from reports.models import Report


@dataclass
class ReportDocument:
    template: str
    context: dict


Builder = Callable[[Report], ReportDocument]
BUILDERS: dict[str, Builder] = {}


def builder(kind: ReportKind) -> Callable[[Builder], Builder]:
    def register(function: Builder) -> Builder:
        BUILDERS[kind] = function
        return function

    return register


def report_html(report: Report) -> str:
    """The report's HTML, in its language."""
    # Importing the modules registers their builders.
    from reports.content import contamination, contracts, kpi_board, stage_gate  # noqa: F401

    build = BUILDERS[report.kind]
    # Dates read in Tokyo time whatever zone the caller activated: the same report must
    # read the same wherever it is rendered.
    with translation.override(report.language), timezone.override(timezone.get_default_timezone()):
        document = build(report)
        return render_to_string(document.template, {"report": report, **document.context})
