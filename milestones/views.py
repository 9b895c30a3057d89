"""Pages of the programme, served inside the admin: the timeline and evidence downloads.

Both are wrapped in ``admin.site.admin_view`` (milestones.urls), so an anonymous or
non-staff visitor is sent to the admin login before any of this runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from dataclasses import dataclass, field

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from milestones.choices import GateDecision, GateKind, MilestoneStatus
from milestones.models import EvidenceFile, Milestone, StageGate
from milestones.selectors import Timeline, programme_current, programme_timeline
from milestones.templatetags.jpdates import date_label, span_label

logger = logging.getLogger(__name__)

TIMELINE_PERMISSIONS = ("milestones.view_milestone", "milestones.view_stagegate")

# Lane geometry, shared with the template's CSS through the context.
ROW_PX = 40
LANE_PADDING_PX = 10
# The drawing scrolls rather than getting narrower than this, so a label width measured
# against it is an upper bound of its width in percent at any screen size.
DRAWING_MIN_PX = 960
MARKER_PX = 22
FULL_WIDTH_PX = 12.5
HALF_WIDTH_PX = 7.0


@dataclass
class Mark:
    """A milestone or gate placed on a lane: where it starts and ends, in percent."""

    obj: Milestone | StageGate
    day: dt.date
    start: float
    end: float
    title: str
    when: str
    detail: str
    note: str
    css: str
    url: str
    label_left: bool = False
    row: int = 0
    # What the mark and its label take up on its row, in percent: set by _pack.
    extent: tuple[float, float] = (0.0, 0.0)

    @property
    def width(self) -> float:
        return round(self.end - self.start, 3)

    @property
    def is_span(self) -> bool:
        return self.end > self.start

    @property
    def right(self) -> float:
        """Distance of the mark's start from the right edge, for labels drawn leftwards."""
        return round(100 - self.start, 3)

    @property
    def top(self) -> int:
        return LANE_PADDING_PX + self.row * ROW_PX

    @property
    def tooltip(self) -> str:
        return "\n".join(part for part in (self.title, self.when, self.detail, self.note) if part)


@dataclass
class Lane:
    label: str
    css: str
    marks: list[Mark] = field(default_factory=list)

    @property
    def height(self) -> int:
        rows = max((mark.row for mark in self.marks), default=0) + 1
        return rows * ROW_PX + 2 * LANE_PADDING_PX


@dataclass(frozen=True)
class Column:
    """A fiscal year on the drawing, with its quarter boundaries as faint ticks."""

    label: str
    left: float
    width: float
    ticks: tuple[float, ...] = ()


def _text_percent(text: str) -> float:
    """Roughly how much of the narrowest drawing ``text`` takes as a 12px label."""
    pixels = sum(
        FULL_WIDTH_PX if unicodedata.east_asian_width(ch) in "WF" else HALF_WIDTH_PX for ch in text
    )
    return 100 * pixels / DRAWING_MIN_PX


def _pack(marks: list[Mark]) -> None:
    """Give each mark a row so that no two labels on a lane overlap.

    Greedy interval partitioning: sorted by where they start, each mark takes the first
    row that is free by then, which uses the fewest rows possible.
    """
    placed: list[tuple[float, float, Mark]] = []
    for mark in marks:
        label = max(_text_percent(mark.title), _text_percent(mark.when + mark.detail) + 1)
        marker = 100 * MARKER_PX / DRAWING_MIN_PX
        if mark.end + marker + label > 100 and mark.start - label - marker >= 0:
            mark.label_left = True
            placed.append((mark.start - label - marker, mark.end + marker / 2, mark))
        else:
            placed.append((mark.start - marker / 2, mark.end + marker + label, mark))
    row_ends: list[float] = []
    for begin, end, mark in sorted(placed, key=lambda item: (item[0], item[1])):
        mark.extent = (begin, end)
        for row, row_end in enumerate(row_ends):
            if row_end <= begin:
                mark.row, row_ends[row] = row, end
                break
        else:
            mark.row = len(row_ends)
            row_ends.append(end)


def _clamp(value: float) -> float:
    return min(100.0, max(0.0, value))


def _milestone_mark(timeline: Timeline, milestone: Milestone) -> Mark:
    start = timeline.position(milestone.window_start or milestone.due_date)
    return Mark(
        obj=milestone,
        day=milestone.due_date,
        start=_clamp(start),
        end=_clamp(timeline.position(milestone.due_date)),
        title=milestone.title,
        when=span_label(milestone.window_start, milestone.due_date, milestone.date_precision),
        detail=milestone.get_status_display(),
        note=_("Owner: %(owner)s") % {"owner": milestone.owner},
        css=f"status-{milestone.status}",
        url=reverse("admin:milestones_milestone_change", args=[milestone.pk]),
    )


def _gate_mark(timeline: Timeline, gate: StageGate) -> Mark:
    position = _clamp(timeline.position(gate.review_date))
    decision = gate.get_decision_display()
    if gate.decision_date:
        decision = _("%(decision)s (%(date)s)") % {
            "decision": decision,
            "date": date_label(gate.decision_date),
        }
    return Mark(
        obj=gate,
        day=gate.review_date,
        start=position,
        end=position,
        title=gate.title,
        when=date_label(gate.review_date),
        detail=decision,
        note=gate.get_kind_display(),
        css=f"gate-{gate.kind} decision-{gate.decision}",
        url=reverse("admin:milestones_stagegate_change", args=[gate.pk]),
    )


def timeline_lanes(timeline: Timeline) -> list[Lane]:
    """One lane per track, then one for the stage gates, each packed into rows."""
    lanes = [
        Lane(
            label=str(row.track) if row.track else _("No track"),
            css="lane-track",
            marks=[_milestone_mark(timeline, milestone) for milestone in row.milestones],
        )
        for row in timeline.rows
    ]
    lanes.append(
        Lane(
            label=_("Stage gates"),
            css="lane-gates",
            marks=[_gate_mark(timeline, gate) for gate in timeline.gates],
        )
    )
    for lane in lanes:
        _pack(lane.marks)
    return lanes


def timeline_columns(timeline: Timeline) -> list[Column]:
    """The fiscal-year columns, clipped to the drawing."""
    columns = []
    for year in timeline.fiscal_years:
        left = _clamp(timeline.position(year.start))
        right = _clamp(timeline.position(year.end + dt.timedelta(days=1)))
        quarters = (
            dt.date(year.year, 7, 1),
            dt.date(year.year, 10, 1),
            dt.date(year.year + 1, 1, 1),
        )
        ticks = tuple(
            timeline.position(day) for day in quarters if timeline.start < day < timeline.end
        )
        if right > left:
            columns.append(
                Column(label=year.label(), left=left, width=round(right - left, 3), ticks=ticks)
            )
    return columns


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
    # Checked before the lookup, so an outsider cannot probe which ids exist.
    if not request.user.has_perm("milestones.view_evidencefile"):
        raise PermissionDenied
    evidence = get_object_or_404(EvidenceFile, pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        logger.error("Evidence file %s is missing from storage (%s).", pk, evidence.file.name)
        raise Http404(_("The file is missing from storage.")) from None
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name)
