"""Japanese fiscal years (年度): FY2027 runs from 2027-04-01 to 2028-03-31.

Every fiscal year shown or computed anywhere in jvtracker comes from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

FIRST_MONTH = 4


@dataclass(frozen=True, order=True)
class FiscalYear:
    """A Japanese fiscal year, named by the calendar year in which it starts."""

    year: int

    @classmethod
    def of(cls, day: dt.date) -> FiscalYear:
        if isinstance(day, dt.datetime):
            day = day.date()
        return cls(day.year if day.month >= FIRST_MONTH else day.year - 1)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, FIRST_MONTH, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year + 1, FIRST_MONTH, 1) - dt.timedelta(days=1)

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __add__(self, years: int) -> FiscalYear:
        return FiscalYear(self.year + years)

    def label(self, language: str | None = None) -> str:
        """「2027年度」 in Japanese, "FY2027" otherwise."""
        language = language or get_language() or "ja"
        return f"{self.year}年度" if language.startswith("ja") else f"FY{self.year}"

    def __str__(self) -> str:
        return self.label()


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year (as its starting calendar year) that contains ``day``."""
    return FiscalYear.of(day).year


def fiscal_years_between(first: dt.date, last: dt.date) -> list[FiscalYear]:
    """Every fiscal year that overlaps ``first`` … ``last``, in order."""
    start, end = FiscalYear.of(first), FiscalYear.of(last)
    return [FiscalYear(year) for year in range(start.year, end.year + 1)]


FISCAL_YEAR_HELP = _(
    "Japanese fiscal year, named by the year it starts: 2027 = 2027-04-01 … 2028-03-31."
)
