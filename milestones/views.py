"""Pages of the programme, served inside the admin: the timeline and evidence downloads.

Both are wrapped in ``admin.site.admin_view`` (milestones.urls), so an anonymous or
non-staff visitor is sent to the admin login before any of this runs.
"""

from __future__ import annotations

import logging

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from milestones.choices import GateDecision, GateKind, MilestoneStatus
from milestones.selectors import evidence_visible_to, programme_current, programme_timeline
from milestones.timeline import DRAWING_MIN_PX, ROW_PX, timeline_columns, timeline_lanes

logger = logging.getLogger(__name__)

TIMELINE_PERMISSIONS = ("milestones.view_milestone", "milestones.view_stagegate")


def timeline(request: HttpRequest) -> TemplateResponse:
    """The programme's milestones by track and its stage gates, over its fiscal years."""
    if not all(request.user.has_perm(perm) for perm in TIMELINE_PERMISSIONS):
        raise PermissionDenied
    request.current_app = admin.site.name
    today = timezone.localdate()
    context = {
        **admin.site.each_context(request),
        "title": _("Timeline of milestones and gates"),
        "today": today,
        "row_px": ROW_PX,
        "drawing_min_px": DRAWING_MIN_PX,
        "milestone_statuses": MilestoneStatus.choices,
        "gate_kinds": GateKind.choices,
        "gate_decisions": GateDecision.choices,
    }
    programme = programme_current()
    if programme is not None:
        data = programme_timeline(programme)
        context.update(
            programme=programme,
            timeline=data,
            lanes=timeline_lanes(data),
            columns=timeline_columns(data),
            today_position=(data.position(today) if data.start <= today <= data.end else None),
            # The drawing starts with the fiscal year in which the window opens; the part
            # of it before the window is shaded so an empty stretch does not look like a gap.
            window_start_position=data.position(programme.window_start),
        )
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


def timeline_page(request: HttpRequest, **kwargs) -> TemplateResponse:
    raise Http404


def gate_page(request: HttpRequest, code: str) -> TemplateResponse:
    raise Http404
