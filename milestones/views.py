"""Pages of the programme.

Inside the admin (wrapped in ``admin.site.admin_view`` by milestones.urls, so an anonymous
or non-staff visitor is sent to the admin login first): the timeline and evidence
downloads. Outside it (milestones.page_urls, for every signed-in user with a reading role,
partners included): the programme timeline and each stage gate. Both timelines draw the
same picture (milestones.timeline.timeline_context); what a user may see comes from the
selectors, and a gate they may not see is a 404.
"""

from __future__ import annotations

import logging

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from jvtracker.models import User
from milestones.models import Milestone, StageGate
from milestones.selectors import evidence_visible_to, stage_gate_by_code, stage_gates_visible_to
from milestones.timeline import ROW_PX, timeline_context
from reports.content import sections
from reports.selectors import GateNow
from reports.services import may_request_reports

logger = logging.getLogger(__name__)

TIMELINE_PERMISSIONS = ("milestones.view_milestone", "milestones.view_stagegate")


def timeline(request: HttpRequest) -> TemplateResponse:
    """The programme's milestones by track and its stage gates, over its fiscal years."""
    if not all(request.user.has_perm(perm) for perm in TIMELINE_PERMISSIONS):
        raise PermissionDenied
    request.current_app = admin.site.name
    context = {
        **admin.site.each_context(request),
        "title": _("Timeline of milestones and gates"),
        # Marks link to their change pages; the permissions above decide who gets here.
        **timeline_context(user=None),
    }
    return TemplateResponse(request, "milestones/timeline.html", context)


def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve an evidence file under its original name, to those who may view evidence."""
    # Whoever may not see a file cannot tell it from one that does not exist.
    evidence = get_object_or_404(evidence_visible_to(request.user), pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        logger.error("Evidence file %s is missing from storage (%s).", pk, evidence.file.name)
        raise Http404(_("The file is missing from storage.")) from None
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name)


# ------------------------------------------------------------------ outside the admin


def _gate_page_url(gate: StageGate) -> str:
    return reverse("programme:gate", args=[gate.code])


def _no_link(milestone: Milestone) -> str:
    return ""  # milestones have no page outside the admin


@require_safe
@login_required
def timeline_page(request: HttpRequest) -> TemplateResponse:
    """The programme timeline, drawn as the admin draws it, of what the user may see; each
    gate links to its page here, milestones to nothing."""
    context = {
        "title": _("Programme timeline"),
        **timeline_context(user=request.user, milestone_url=_no_link, gate_url=_gate_page_url),
    }
    return TemplateResponse(request, "milestones/timeline_page.html", context)


def _neighbours(gate: StageGate, user: User) -> tuple[StageGate | None, StageGate | None]:
    """The gates reviewed just before and just after ``gate`` that ``user`` may see."""
    gates = list(
        stage_gates_visible_to(user).prefetch_related(None).filter(programme_id=gate.programme_id)
    )
    index = next(i for i, g in enumerate(gates) if g.pk == gate.pk)
    previous = gates[index - 1] if index > 0 else None
    following = gates[index + 1] if index + 1 < len(gates) else None
    return previous, following


@require_safe
@login_required
def gate_page(request: HttpRequest, code: str) -> TemplateResponse:
    """A stage gate: its decision and conditions, its criteria by evaluation axis and
    whether each holds, and every KPI with a target at the gate and where it stands."""
    user = request.user
    gate = stage_gate_by_code(code, stage_gates_visible_to(user))
    if gate is None:
        raise Http404(_("No such stage gate."))
    now = timezone.now()
    today = timezone.localdate(now)
    view = GateNow.of(gate, user)
    kpis = sections.kpi_rows(gate, view, now)
    criteria = sections.criteria_by_axis(gate, view, kpis)
    targets = [row for row in kpis if row.status.target is not None]
    previous, following = _neighbours(gate, user)
    context = {
        "title": gate.title,
        "gate": gate,
        "today": today,
        "criteria": criteria,
        "tally": sections.criteria_tally(criteria),
        "decision": sections.decision(gate, view, today),
        "targets": targets,
        "target_summary": sections.kpi_summary(targets),
        # The day the gate is judged at (kpis.selectors.gate_moment): its review day, or
        # today while the review is still ahead.
        "judged_on": timezone.localtime(targets[0].status.at).date() if targets else None,
        "previous_gate": previous,
        "next_gate": following,
        "may_request_reports": may_request_reports(user),
        "may_change_gate": user.has_perm("milestones.change_stagegate"),
        # The decision's mark, drawn as on the timeline (partials/timeline_style.html).
        "row_px": ROW_PX,
    }
    return TemplateResponse(request, "milestones/gate_page.html", context)
