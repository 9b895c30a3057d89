"""Small trend charts drawn on the server as plain SVG 1.1: no script, no stylesheet, no
external resource, so the same markup shows in the admin and in WeasyPrint's PDFs.

Every coordinate is a number formatted here and every piece of text is escaped, so the
markup is safe to embed as it is; the output depends on the input alone, so a chart can
be compared, cached and tested byte for byte.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kpis.choices import Status

# Presentation attributes rather than CSS: WeasyPrint and every browser read them alike.
STATUS_COLOURS = {
    Status.GREEN: "#2e7d32",
    Status.AMBER: "#b26a00",
    Status.RED: "#b71c1c",
    Status.NO_DATA: "#757575",
}
NEUTRAL_COLOUR = "#757575"
LINE_COLOUR = "#417690"
TARGET_COLOUR = "#2e7d32"
GOOD_SIDE_FILL = "#2e7d32"
GOOD_SIDE_OPACITY = "0.08"
AMBER_COLOUR = "#b26a00"
PADDING = 4.0

Point = tuple[dt.date, float | None]


def value_label(value: float | None) -> str:
    """A value as people read it: thousands separated, about three significant digits
    below a hundred, whole numbers above ("71.5", "0.42", "1,250"). Empty for None."""
    if value is None:
        return ""
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    text = f"{value:.3g}"
    if "e" in text:
        # 0.0000123 reads better as a plain decimal than as 1.23e-05.
        text = f"{value:.8f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "0.0") else text


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _number(x: float) -> str:
    """A coordinate: one decimal, never "-0.0"."""
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def summary(points: Sequence[Point], name: str = "") -> str:
    """What the chart shows in words, for its ``<title>`` and screen readers; ``name``
    (the KPI's) first, so that charts side by side can be told apart by ear."""
    text = _summary(points)
    return _("%(name)s: %(summary)s") % {"name": name, "summary": text} if name else text


def _summary(points: Sequence[Point]) -> str:
    if not points:
        return _("Trend: no data")
    first, last = _month(points[0][0]), _month(points[-1][0])
    known = [(day, value) for day, value in points if _finite(value) is not None]
    if not known:
        return _("Trend %(first)s to %(last)s: no data") % {"first": first, "last": last}
    month, value = known[-1]
    return _("Trend %(first)s to %(last)s: latest %(value)s (%(month)s)") % {
        "first": first,
        "last": last,
        "value": value_label(value),
        "month": _month(month),
    }


def trend_svg(
    points: Sequence[Point],
    *,
    target: float | None = None,
    amber: float | None = None,
    higher_is_better: bool = True,
    width: int = 160,
    height: int = 40,
    status: Status | str | None = None,
    name: str = "",
) -> SafeString:
    """A sparkline of ``points`` (month, value or None), oldest first.

    A month without data is a gap in the line, and a month with data between two gaps a
    dot. The target is a dashed line over a faint band on its good side (above it when
    higher is better, below otherwise), the amber bound a dotted line (when it differs),
    and the last known value a dot in the colour of ``status``. The vertical range always
    includes the target and the amber bound, so the line's distance from them is true.
    """
    width, height = int(width), int(height)
    values = [_finite(value) for _, value in points]
    target, amber = _finite(target), _finite(amber)
    if amber is not None and amber == target:
        amber = None
    known = [v for v in values if v is not None]
    scale = [*known, *(v for v in (target, amber) if v is not None)]
    low, high = (min(scale), max(scale)) if scale else (0.0, 1.0)
    if high == low:
        # A flat line sits in the middle rather than on the edge.
        spread = abs(high) * 0.1 or 1.0
        low, high = low - spread, high + spread
    else:
        # Headroom, so a value or a target at the extreme is not drawn on the border.
        margin = (high - low) * 0.1
        low, high = low - margin, high + margin
    inner_w, inner_h = width - 2 * PADDING, height - 2 * PADDING

    def x(index: int) -> float:
        if len(points) <= 1:
            return width / 2
        return PADDING + inner_w * index / (len(points) - 1)

    def y(value: float) -> float:
        # Higher values are drawn higher whatever the direction; the target line says
        # which side is good.
        return PADDING + inner_h * (high - value) / (high - low)

    label = escape(summary(points, name))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">',
        f"<title>{label}</title>",
    ]
    if target is not None:
        level = y(target)
        top, bottom = (PADDING, level) if higher_is_better else (level, height - PADDING)
        parts.append(
            f'<rect x="{_number(PADDING)}" y="{_number(top)}" width="{_number(inner_w)}" '
            f'height="{_number(max(bottom - top, 0.0))}" fill="{GOOD_SIDE_FILL}" '
            f'fill-opacity="{GOOD_SIDE_OPACITY}"/>'
        )
    for bound, colour, dashes in ((target, TARGET_COLOUR, "4 2"), (amber, AMBER_COLOUR, "1 2")):
        if bound is not None:
            level = _number(y(bound))
            parts.append(
                f'<line x1="{_number(PADDING)}" y1="{level}" x2="{_number(width - PADDING)}" '
                f'y2="{level}" stroke="{colour}" stroke-width="1" stroke-dasharray="{dashes}"/>'
            )
    for run in _runs(values):
        if len(run) == 1:
            index = run[0]
            parts.append(
                f'<circle cx="{_number(x(index))}" cy="{_number(y(values[index]))}" r="1.5" '
                f'fill="{LINE_COLOUR}"/>'
            )
        else:
            coordinates = " ".join(f"{_number(x(i))},{_number(y(values[i]))}" for i in run)
            parts.append(
                f'<polyline points="{coordinates}" fill="none" stroke="{LINE_COLOUR}" '
                f'stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>'
            )
    if known:
        last = max(i for i, v in enumerate(values) if v is not None)
        colour = STATUS_COLOURS.get(status, NEUTRAL_COLOUR) if status else NEUTRAL_COLOUR
        parts.append(
            f'<circle cx="{_number(x(last))}" cy="{_number(y(values[last]))}" r="2.5" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="0.5"/>'
        )
    parts.append("</svg>")
    # Safe: every attribute value above is a number, a constant colour or escaped text.
    return mark_safe("".join(parts))


def _runs(values: Sequence[float | None]) -> list[list[int]]:
    """Indexes of the consecutive known values, run by run."""
    runs: list[list[int]] = []
    previous_known = False
    for index, value in enumerate(values):
        if value is None:
            previous_known = False
            continue
        if previous_known:
            runs[-1].append(index)
        else:
            runs.append([index])
        previous_known = True
    return runs
