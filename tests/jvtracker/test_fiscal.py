import datetime as dt

import pytest
from django.utils import translation

from jvtracker.common.fiscal import FiscalYear, fiscal_year_of, fiscal_years_between


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2027, 4, 1), 2027),
        (dt.date(2028, 3, 31), 2027),
        (dt.date(2027, 3, 31), 2026),
        (dt.date(2026, 12, 31), 2026),
    ],
)
def test_fiscal_year_runs_april_to_march(day, year):
    assert fiscal_year_of(day) == year


def test_fiscal_year_bounds():
    fy = FiscalYear(2027)
    assert (fy.start, fy.end) == (dt.date(2027, 4, 1), dt.date(2028, 3, 31))
    assert dt.date(2028, 3, 31) in fy
    assert dt.date(2028, 4, 1) not in fy


def test_fiscal_year_label_follows_language():
    with translation.override("ja"):
        assert str(FiscalYear(2027)) == "2027年度"
    with translation.override("en"):
        assert str(FiscalYear(2027)) == "FY2027"


def test_fiscal_years_between_spans_partial_years():
    years = fiscal_years_between(dt.date(2026, 3, 1), dt.date(2031, 3, 31))
    assert [fy.year for fy in years] == [2025, 2026, 2027, 2028, 2029, 2030]
