"""The KPI board's rows: every KPI a user may read against one gate's target, with its
status, latest value and trend chart. The admin's board and the board page both build
their rows here, so the two cannot drift apart.

The values are formatted by the admin's helpers (``kpis.admin.base``), which load the
admin package; the admin imports this module as ``from kpis import board`` so that
either may be imported first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from jvtracker.models import User
from kpis import selectors
from kpis.admin.base import kpi_value, month_label
from kpis.charts import trend_svg
from kpis.choices import Status, Unit
from kpis.models import KPIDefinition
from milestones.models import StageGate

# A row's status when the KPI has no target at the gate (its badge's colour class too).
NO_TARGET = "no_target"


@dataclass(frozen=True)
class BoardRow:
    """One KPI on the board, ready to show: every value already formatted."""

    kpi: KPIDefinition
    unit: str
    direction: str
    target: str
    amber: str
    value: str
    month: str
    status: str
    status_label: str
    chart: SafeString
    # Links the page showing the row adds (the admin's to its own pages).
    change_url: str = ""
    history_url: str = ""


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def board_rows(user: User, gate: StageGate | None) -> list[BoardRow]:
    """Each KPI ``user`` may read, against ``gate`` (none without a gate)."""
    if gate is None:
        return []
    kpis = list(selectors.kpis_visible_to(user))
    return [_row(status) for status in selectors.kpi_statuses(gate=gate, kpis=kpis)]


def admin_history_url(kpi: KPIDefinition) -> str:
    """The admin's measurement history, filtered to one KPI."""
    return f"{reverse('admin:kpis_measurement_changelist')}?{urlencode({'kpi': kpi.pk})}"


def with_admin_links(rows: list[BoardRow]) -> list[BoardRow]:
    """The rows with links to each KPI's admin page and measurement history (for the
    PMO, who works there)."""
    return [
        replace(
            row,
            change_url=reverse("admin:kpis_kpidefinition_change", args=[row.kpi.pk]),
            history_url=admin_history_url(row.kpi),
        )
        for row in rows
    ]


def board_summary(rows: list[BoardRow]) -> list[StatusCount]:
    """How many KPIs are in each status, every status named even at zero; "no target"
    only when some KPI has none at the gate."""
    counts = Counter(row.status for row in rows)
    summary = [StatusCount(status.value, status.label, counts[status.value]) for status in Status]
    if counts[NO_TARGET]:
        summary.append(StatusCount(NO_TARGET, gettext("No target at this gate"), counts[NO_TARGET]))
    return summary


def _row(status: selectors.KPIStatus) -> BoardRow:
    kpi, target = status.kpi, status.target
    return BoardRow(
        kpi=kpi,
        unit=Unit(kpi.unit).label,
        direction=kpi.get_direction_display(),
        target=kpi_value(target.target_value, kpi.unit) if target else "",
        amber=kpi_value(target.amber_value, kpi.unit) if target else "",
        value=kpi_value(status.value, kpi.unit),
        month=month_label(status.month) if status.month else "",
        status=status.status or NO_TARGET,
        status_label=(
            Status(status.status).label if status.status else gettext("No target at this gate")
        ),
        chart=trend_svg(
            status.trend,
            target=target.target_value if target else None,
            amber=target.amber_value if target else None,
            higher_is_better=kpi.higher_is_better,
            status=status.status,
            name=kpi.name,
        ),
    )
