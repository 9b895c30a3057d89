"""Where the timeline draws each milestone and gate: lanes, rows and fiscal-year columns.

Presentation only: the data comes from milestones.selectors.programme_timeline. The admin's
timeline and the site's programme timeline draw the same picture from
:func:`timeline_context` (templates/milestones/partials/timeline_*.html); only where a
mark links to differs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jvtracker.models import User
from milestones.choices import GateDecision, GateKind, MilestoneStatus
from milestones.models import Milestone, StageGate
from milestones.selectors import (
    Timeline,
    TimelineRow,
    milestones_visible_to,
    programme_current,
    programme_timeline,
    stage_gates_visible_to,
    tracks_visible_to,
)
from milestones.templatetags.jpdates import date_label, span_label

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
    def kind(self) -> str:
        """``gate`` or ``milestone``: the drawing names each mark ``data-<kind>="<code>"``."""
        return "gate" if isinstance(self.obj, StageGate) else "milestone"

    @property
    def code(self) -> str:
        """The milestone's code, or the gate's (FY2027, FY2028-MID, FY2030-FINAL)."""
        return self.obj.code

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


# Where a mark links to: a URL, or "" for a mark that links nowhere.
MilestoneURL = Callable[[Milestone], str]
GateURL = Callable[[StageGate], str]


def admin_milestone_url(milestone: Milestone) -> str:
    return reverse("admin:milestones_milestone_change", args=[milestone.pk])


def admin_gate_url(gate: StageGate) -> str:
    return reverse("admin:milestones_stagegate_change", args=[gate.pk])


def _milestone_mark(
    timeline: Timeline, milestone: Milestone, url: MilestoneURL = admin_milestone_url
) -> Mark:
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
        url=url(milestone),
    )


def _gate_mark(timeline: Timeline, gate: StageGate, url: GateURL = admin_gate_url) -> Mark:
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
        url=url(gate),
    )


def timeline_lanes(
    timeline: Timeline,
    *,
    milestone_url: MilestoneURL = admin_milestone_url,
    gate_url: GateURL = admin_gate_url,
) -> list[Lane]:
    """One lane per track, then one for the stage gates, each packed into rows. Marks
    link into the admin unless other ``milestone_url`` / ``gate_url`` are given."""
    lanes = [
        Lane(
            label=str(row.track) if row.track else _("No track"),
            css="lane-track",
            marks=[
                _milestone_mark(timeline, milestone, milestone_url) for milestone in row.milestones
            ],
        )
        for row in timeline.rows
    ]
    lanes.append(
        Lane(
            label=_("Stage gates"),
            css="lane-gates",
            marks=[_gate_mark(timeline, gate, gate_url) for gate in timeline.gates],
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


def visible_part(timeline: Timeline, user: User) -> Timeline:
    """``timeline`` narrowed to the tracks, milestones and gates the selectors let ``user``
    see (every reading role sees the whole programme; a user without one sees nothing)."""
    programme = timeline.programme
    milestones = set(
        milestones_visible_to(user).filter(programme=programme).values_list("pk", flat=True)
    )
    gates = set(
        stage_gates_visible_to(user)
        .prefetch_related(None)
        .filter(programme=programme)
        .values_list("pk", flat=True)
    )
    tracks = set(tracks_visible_to(user).values_list("pk", flat=True))
    rows = [
        TimelineRow(track=row.track, milestones=[m for m in row.milestones if m.pk in milestones])
        for row in timeline.rows
        if row.track is None or row.track.pk in tracks
    ]
    return dataclasses.replace(
        timeline,
        rows=[row for row in rows if row.milestones],
        gates=[gate for gate in timeline.gates if gate.pk in gates],
    )


def timeline_context(
    *,
    user: User | None,
    milestone_url: MilestoneURL = admin_milestone_url,
    gate_url: GateURL = admin_gate_url,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """What templates/milestones/partials/timeline_style.html and timeline_drawing.html
    need: the current programme's lanes, columns and today's line, and the legend's keys.

    ``user`` narrows the drawing to what the selectors let them see; None draws everything
    (the admin, which checks its own permissions first). Without a programme, the context
    has no ``programme`` (nor ``lanes``), and the page says what to do instead.
    """
    today = today or timezone.localdate()
    context: dict[str, Any] = {
        "today": today,
        "row_px": ROW_PX,
        "drawing_min_px": DRAWING_MIN_PX,
        "milestone_statuses": MilestoneStatus.choices,
        "gate_kinds": GateKind.choices,
        "gate_decisions": GateDecision.choices,
    }
    programme = programme_current()
    if programme is None:
        return context
    data = programme_timeline(programme)
    if user is not None:
        data = visible_part(data, user)
    context.update(
        programme=programme,
        timeline=data,
        lanes=timeline_lanes(data, milestone_url=milestone_url, gate_url=gate_url),
        columns=timeline_columns(data),
        today_position=(data.position(today) if data.start <= today <= data.end else None),
        # The drawing starts with the fiscal year in which the window opens; the part
        # of it before the window is shaded so an empty stretch does not look like a gap.
        window_start_position=data.position(programme.window_start),
    )
    return context
