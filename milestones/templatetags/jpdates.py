"""Dates the Japanese way: 2027年3月31日, or 2027年3月 when the source gives only a month.

Every date a programme page shows goes through :func:`date_label`, so the timeline, its
tooltips, the list below it and the admin's columns always agree. The formats are Django's
own for the active language (ja: DATE_FORMAT "Y年n月j日", YEAR_MONTH_FORMAT "Y年n月"), the
same the admin uses for read-only dates.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jvtracker.common.fiscal import FiscalYear
from milestones.choices import DatePrecision

register = template.Library()

PRECISION_FORMATS = {
    DatePrecision.DAY: "DATE_FORMAT",
    DatePrecision.MONTH: "YEAR_MONTH_FORMAT",
}


def date_label(day: dt.date | None, precision: str = DatePrecision.DAY) -> str:
    """``day`` as a reader of the active language expects it, to ``precision``."""
    if day is None:
        return ""
    return date_format(day, PRECISION_FORMATS.get(precision, "DATE_FORMAT"))


def span_label(
    start: dt.date | None, end: dt.date | None, precision: str = DatePrecision.DAY
) -> str:
    """A window such as 2026年6月 – 2026年8月; a single date when it has no start."""
    if start is None or start == end:
        return date_label(end, precision)
    # Translators: a date range; Japanese usually writes it as %(start)s〜%(end)s.
    return _("%(start)s – %(end)s") % {
        "start": date_label(start, precision),
        "end": date_label(end, precision),
    }


@register.filter
def jdate(day: dt.date | None, precision: str = DatePrecision.DAY) -> str:
    """``{{ milestone.due_date|jdate:milestone.date_precision }}``."""
    return date_label(day, precision)


@register.filter
def fiscal_year(day: dt.date | None) -> str:
    """``{{ gate.review_date|fiscal_year }}``: 2027年度 in Japanese, FY2027 in English."""
    return FiscalYear.of(day).label() if day else ""


@register.filter
def yen(amount: int | float | Decimal | None) -> str:
    """An amount in yen with thousands separators: 1,200,000円 in Japanese, ¥1,200,000 in
    English."""
    if amount is None or amount == "":
        return ""
    grouped = f"{round(Decimal(amount)):,}"
    language = get_language() or "ja"
    return f"{grouped}円" if language.startswith("ja") else f"¥{grouped}"


@register.filter
def jdatetime(moment: dt.datetime | None) -> str:
    """A moment in Tokyo time as its date the same way as :func:`date_label`, then the
    24-hour time: 2027年3月31日 14:05, or Mar. 31, 2027 14:05."""
    if moment is None:
        return ""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{date_label(local.date())} {local:%H:%M}"
