"""The site's front door (each role lands where its work is) and the programme dashboard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Count as DbCount
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_safe

from datagov.choices import ContractStatus
from datagov.selectors import contracts_awaiting_decision, contracts_visible_to
from jvtracker.models import User
from jvtracker.roles import Role, reading_role
from kpis.selectors import next_gate
from milestones.choices import MilestoneStatus, RiskStatus
from milestones.selectors import milestones_visible_to, risks_visible_to, stage_gates_visible_to
from reports.content import sections
from reports.selectors import GateNow, reports_visible_to
from reports.services import may_request_reports
from reports.views import status_label as report_status_label


def home(request: HttpRequest) -> HttpResponseRedirect:
    """Partners to their organization's contracts, the PMO and policy staff to the
    programme dashboard; anyone not signed in to the login page that serves both."""
    if not request.user.is_authenticated:
        return redirect("login")
    if request.user.is_partner:
        return redirect("datagov:contracts")
    return redirect("dashboard")


# ------------------------------------------------------------------------- dashboard

DUE_SOON_DAYS = 90
PANEL_ROWS = 5
# Milestones still to be reached: past their due date, they are overdue.
OPEN_MILESTONE_STATUSES = (
    MilestoneStatus.PLANNED,
    MilestoneStatus.IN_PROGRESS,
    MilestoneStatus.AT_RISK,
)


@dataclass(frozen=True)
class Count:
    """One figure of a panel: its key (for tests and styling), words and number."""

    key: str
    label: str
    count: int


def _next_gate_panel(user: User, today: dt.date) -> dict | None:
    """The next gate to be reviewed, its criteria tally and its KPIs' statuses, worked out
    as its gate page works them out (reports.selectors.GateNow over the stage-gate report's
    own sections), so the two pages always give the same figures."""
    upcoming = next_gate(today)
    if upcoming is None:
        return None
    gate = stage_gates_visible_to(user).filter(pk=upcoming.pk).first()
    if gate is None:
        return None
    view = GateNow.of(gate, user)
    kpis = sections.kpi_rows(gate, view, timezone.now())
    tally = sections.criteria_tally(sections.criteria_by_axis(gate, view, kpis))
    targets = [row for row in kpis if row.status.target is not None]
    return {
        "gate": gate,
        "days_to_go": (gate.review_date - today).days,
        "days_since": (today - gate.review_date).days,
        "criteria_total": tally["total"],
        "criteria": [
            Count(key, str(label()), tally[key]) for key, label in sections.HOLDS_LABELS.items()
        ],
        "kpis": [Count(state, label, n) for state, label, n in sections.kpi_summary(targets)],
    }


def _contract_counts(contracts: QuerySet) -> list[Count]:
    counts = dict(contracts.order_by().values_list("status").annotate(n=DbCount("pk")))
    return [
        Count(value, str(label), counts.get(value, 0)) for value, label in ContractStatus.choices
    ]


@dataclass(frozen=True)
class AdminLink:
    key: str
    label: str
    url: str
    count: int | None = None


def _admin_links(awaiting: int) -> list[AdminLink]:
    """The PMO's ways into the admin, where the programme is run."""
    contracts = reverse("admin:datagov_datacontract_changelist")
    return [
        AdminLink(
            "contracts-awaiting",
            _("Contracts awaiting review"),
            f"{contracts}?status=awaiting",
            awaiting,
        ),
        AdminLink("contracts", _("Contract register"), contracts),
        AdminLink("kpis", _("KPI definitions"), reverse("admin:kpis_kpidefinition_changelist")),
        AdminLink("gates", _("Stage gates"), reverse("admin:milestones_stagegate_changelist")),
        AdminLink("risks", _("Risk register"), reverse("admin:milestones_risk_changelist")),
        AdminLink("reports", _("Report requests"), reverse("admin:reports_report_changelist")),
        AdminLink("users", _("Users"), reverse("admin:jvtracker_user_changelist")),
    ]


@require_safe
@login_required
def dashboard(request: HttpRequest) -> TemplateResponse:
    """Where the programme stands, for the PMO and policy staff: the next stage gate with
    its criteria and KPIs, milestones overdue and due soon, contracts (and those awaiting
    the PMO), the top risks and the latest reports; for the PMO, links into the admin.
    Partners have their own front door (their contracts): here they get a 404."""
    user = request.user
    role = reading_role(user)
    if role not in (Role.PMO, Role.POLICY):
        raise Http404
    today = timezone.localdate()
    open_milestones = milestones_visible_to(user).filter(status__in=OPEN_MILESTONE_STATUSES)
    overdue = open_milestones.filter(due_date__lt=today)
    due_soon = open_milestones.filter(
        due_date__gte=today, due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
    )
    contracts = contracts_visible_to(user)
    awaiting = contracts.filter(pk__in=contracts_awaiting_decision().values("pk")).order_by(
        "reference"
    )
    reports = list(reports_visible_to(user).order_by("-requested_at", "-pk")[:PANEL_ROWS])
    for report in reports:
        report.status_label = report_status_label(report)
    next_gate_panel = _next_gate_panel(user, today)
    context = {
        "title": _("Programme dashboard"),
        "today": today,
        "next": next_gate_panel,
        "overdue_count": overdue.count(),
        "overdue": list(overdue[:PANEL_ROWS]),
        "due_soon_count": due_soon.count(),
        "due_soon": list(due_soon[:PANEL_ROWS]),
        "due_soon_days": DUE_SOON_DAYS,
        "contract_counts": _contract_counts(contracts),
        "contracts_total": contracts.count(),
        "awaiting_count": awaiting.count(),
        "awaiting": list(awaiting[:PANEL_ROWS]),
        # Policy staff and the PMO both read the risk register (risks_visible_to).
        "risks": list(
            risks_visible_to(user)
            .exclude(status=RiskStatus.CLOSED)
            .order_by("-risk_score", "code")[:PANEL_ROWS]
        ),
        "reports": reports,
        "may_request_reports": may_request_reports(user),
        "is_pmo": role == Role.PMO,
    }
    if role == Role.PMO:
        context["admin_links"] = _admin_links(context["awaiting_count"])
    return TemplateResponse(request, "jvtracker/dashboard.html", context)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Under /api/ a path that matches no route answers the API's error shape, not HTML."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "message": _("No such API path."), "errors": []}, status=404
        )
    return defaults.page_not_found(request, exception)
