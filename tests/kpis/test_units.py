"""Units are real: a value arrives in a unit, is converted exactly to the KPI's own unit,
or is refused with the field at fault named ("unit" or "value")."""

from __future__ import annotations

import pytest
from django.utils import translation

from kpis.choices import Unit
from kpis.units import UnitError, symbols_for, to_kpi_unit


def _refused(value: object, symbol: object, unit: str) -> UnitError:
    with pytest.raises(UnitError) as caught, translation.override("en"):
        to_kpi_unit(value, symbol, unit)
    return caught.value


# ------------------------------------------------------------------ exact conversions


@pytest.mark.parametrize(
    ("value", "symbol", "unit", "expected"),
    [
        # Energy per token: W per (token/s) is J per token; Wh = 3,600 J exactly.
        (0.5, "J/token", Unit.JOULE_PER_TOKEN, 0.5),
        (0.5, "W/(token/s)", Unit.JOULE_PER_TOKEN, 0.5),
        (250, "mJ/token", Unit.JOULE_PER_TOKEN, 0.25),
        (2, "Wh/token", Unit.JOULE_PER_TOKEN, 7200.0),
        (1, "Wh/1k tokens", Unit.JOULE_PER_TOKEN, 3.6),
        (1, "kWh/1M tokens", Unit.JOULE_PER_TOKEN, 3.6),
        # Data volume per month: decimal prefixes, 1 TB = 10³ GB = 10⁶ MB, 1 PB = 10³ TB.
        (3, "TB/month", Unit.TB_PER_MONTH, 3.0),
        (1.5, "PB/month", Unit.TB_PER_MONTH, 1500.0),
        (2500, "GB/month", Unit.TB_PER_MONTH, 2.5),
        (1_000_000, "MB/month", Unit.TB_PER_MONTH, 1.0),
        (1, "MB/month", Unit.TB_PER_MONTH, 0.000001),
        # Money: 千円, 百万円 and 億円 are exact multiples of the yen.
        (1234, "JPY", Unit.JPY, 1234.0),
        (1234, "円", Unit.JPY, 1234.0),
        (12, "千円", Unit.JPY, 12_000.0),
        (3.5, "百万円", Unit.JPY, 3_500_000.0),
        (2, "億円", Unit.JPY, 200_000_000.0),
        # Inference cost: per 1M tokens is a thousandth of per 1k tokens.
        (0.42, "JPY/1k tokens", Unit.JPY_PER_1K_TOKENS, 0.42),
        (420, "JPY/1M tokens", Unit.JPY_PER_1K_TOKENS, 0.42),
        (0.0005, "JPY/token", Unit.JPY_PER_1K_TOKENS, 0.5),
        (71.5, "%", Unit.PERCENT, 71.5),
        (3, "count", Unit.COUNT, 3.0),
        (3, "件", Unit.COUNT, 3.0),
    ],
)
def test_exact_conversions_to_the_kpi_unit(value, symbol, unit, expected):
    assert to_kpi_unit(value, symbol, unit) == expected


def test_conversions_are_done_in_decimal_so_they_stay_exact():
    # In binary floating point 1.1 × 3,600 is 3960.0000000000005 and 0.1 × 3.6 is
    # 0.36000000000000004; the sender meant 3,960 and 0.36.
    assert 1.1 * 3600 != 3960.0
    assert to_kpi_unit("1.1", "Wh/token", Unit.JOULE_PER_TOKEN) == 3960.0
    assert to_kpi_unit(1.1, "Wh/token", Unit.JOULE_PER_TOKEN) == 3960.0
    assert to_kpi_unit(0.1, "Wh/1k tokens", Unit.JOULE_PER_TOKEN) == 0.36
    assert to_kpi_unit("4.35", "億円", Unit.JPY) == 435_000_000.0


@pytest.mark.parametrize("unit", list(Unit))
def test_every_kpi_unit_is_accepted_under_its_own_code(unit):
    value = 1 if unit == Unit.YES_NO else 7
    assert to_kpi_unit(value, unit.value, unit) == value
    assert unit.value in symbols_for(unit)


def test_symbols_ignore_surrounding_and_repeated_spaces():
    assert to_kpi_unit(420, "  JPY/1M   tokens ", Unit.JPY_PER_1K_TOKENS) == 0.42


def test_the_case_of_words_does_not_matter():
    assert to_kpi_unit(1, "jpy/1k TOKENS", Unit.JPY_PER_1K_TOKENS) == 1.0
    assert to_kpi_unit(1, "TB/Month", Unit.TB_PER_MONTH) == 1.0
    assert to_kpi_unit(5, "COUNT", Unit.COUNT) == 5.0


@pytest.mark.parametrize(
    ("symbol", "unit"),
    [
        # MJ is a megajoule, not a millijoule: a factor of 10⁹.
        ("MJ/token", Unit.JOULE_PER_TOKEN),
        # Mb, Gb, Tb, Pb are bits, not bytes: a factor of 8.
        ("Mb/month", Unit.TB_PER_MONTH),
        ("Gb/month", Unit.TB_PER_MONTH),
        ("Tb/month", Unit.TB_PER_MONTH),
        ("pb/month", Unit.TB_PER_MONTH),
    ],
)
def test_where_case_changes_the_quantity_the_symbol_must_be_exact(symbol, unit):
    assert _refused(1, symbol, unit).field == "unit"


def test_symbols_for_lists_the_accepted_units_of_a_kpi():
    assert symbols_for(Unit.TB_PER_MONTH) == [
        "TB/month",
        "PB/month",
        "GB/month",
        "MB/month",
        "tb_per_month",
    ]


# ---------------------------------------------------------------------- wrong units


@pytest.mark.parametrize(
    ("symbol", "unit"),
    [
        ("JPY", Unit.PERCENT),
        ("%", Unit.JPY),
        ("JPY/1k tokens", Unit.JPY),
        ("Wh/token", Unit.TB_PER_MONTH),
        ("count", Unit.YES_NO),
        ("TB/month", Unit.JOULE_PER_TOKEN),
    ],
)
def test_a_unit_of_another_kind_is_refused_naming_the_unit_field(symbol, unit):
    error = _refused(1, symbol, unit)
    assert error.field == "unit"
    # The message says what the KPI is kept in and what it accepts.
    assert symbols_for(unit)[0] in str(error)


def test_an_unknown_unit_is_refused_naming_it():
    error = _refused(1, "furlongs/fortnight", Unit.PERCENT)
    assert error.field == "unit"
    assert "furlongs/fortnight" in str(error)


@pytest.mark.parametrize("symbol", [None, "", "   ", 5])
def test_a_missing_unit_is_refused(symbol):
    error = _refused(50, symbol, Unit.PERCENT)
    assert error.field == "unit"
    assert str(error) == "A unit is required."


def test_the_unit_is_checked_before_the_value():
    assert _refused("abc", "JPY", Unit.PERCENT).field == "unit"


# ---------------------------------------------------------------------------- values


@pytest.mark.parametrize("value", ["abc", "", "12 %", "0x10", None, [1], {"v": 1}, "1,5", "1,2345"])
def test_a_value_that_is_not_a_number_is_refused(value):
    assert _refused(value, "%", Unit.PERCENT).field == "value"


@pytest.mark.parametrize(
    "value", ["NaN", "nan", "inf", "-Infinity", "sNaN", float("nan"), float("inf")]
)
def test_nan_and_infinite_values_are_refused(value):
    assert _refused(value, "%", Unit.PERCENT).field == "value"


@pytest.mark.parametrize(
    "value", ["1e400", "1e999999999", 1e308 * 10, pytest.param(10**5000, id="10**5000")]
)
def test_huge_numbers_are_refused_as_values_not_crashes(value):
    assert _refused(value, "JPY", Unit.JPY).field == "value"


def test_a_huge_value_that_overflows_only_through_conversion_is_refused():
    # 1e308 yen fits a float; in 億円 it is 1e316 yen, which does not.
    assert to_kpi_unit("1e308", "JPY", Unit.JPY) == 1e308
    assert _refused("1e308", "億円", Unit.JPY).field == "value"


def test_tiny_exponents_round_to_zero():
    assert to_kpi_unit("1e-400", "JPY", Unit.JPY) == 0.0


def test_numbers_may_arrive_as_text_with_thousands_separators():
    assert to_kpi_unit("1,234,567", "JPY", Unit.JPY) == 1_234_567.0
    assert to_kpi_unit(" 71.5 ", "%", Unit.PERCENT) == 71.5
    assert to_kpi_unit("2.5e3", "JPY", Unit.JPY) == 2500.0


def test_negative_zero_is_stored_as_zero():
    value = to_kpi_unit("-0", "%", Unit.PERCENT)
    assert value == 0.0
    assert str(value) == "0.0"


@pytest.mark.parametrize("unit", [Unit.PERCENT, Unit.COUNT, Unit.JPY, Unit.TB_PER_MONTH])
@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_numbers(unit, value):
    error = _refused(value, unit.value, unit)
    assert error.field == "value"
    assert "true/false" in str(error)


@pytest.mark.parametrize("unit", [Unit.PERCENT, Unit.COUNT, Unit.JPY, Unit.JPY_PER_1K_TOKENS])
def test_negative_values_are_refused(unit):
    error = _refused("-1", unit.value, unit)
    assert error.field == "value"
    assert "negative" in str(error)


@pytest.mark.parametrize("value", [0, "0", 100, "100", 100.0, "99.9999"])
def test_a_percentage_from_0_to_100_inclusive_is_accepted(value):
    assert to_kpi_unit(value, "%", Unit.PERCENT) == float(value)


@pytest.mark.parametrize("value", ["100.0001", 100.0001, "-0.1", 101, "1e3"])
def test_a_percentage_outside_0_to_100_is_refused(value):
    error = _refused(value, "%", Unit.PERCENT)
    assert error.field == "value"


def test_a_count_must_be_whole():
    assert to_kpi_unit("12", "count", Unit.COUNT) == 12.0
    assert to_kpi_unit(12.0, "count", Unit.COUNT) == 12.0
    assert to_kpi_unit("1.2e1", "count", Unit.COUNT) == 12.0
    error = _refused("2.5", "count", Unit.COUNT)
    assert error.field == "value"
    assert "whole" in str(error)


# ---------------------------------------------------------------------------- yes/no


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, 1.0),
        (False, 0.0),
        (1, 1.0),
        (0, 0.0),
        ("yes", 1.0),
        ("YES", 1.0),
        (" no ", 0.0),
        ("true", 1.0),
        ("false", 0.0),
        ("はい", 1.0),
        ("いいえ", 0.0),
        ("あり", 1.0),
        ("なし", 0.0),
        ("1", 1.0),
        ("0", 0.0),
    ],
)
def test_yes_no_takes_booleans_words_and_1_or_0(value, expected):
    assert to_kpi_unit(value, "yes/no", Unit.YES_NO) == expected


@pytest.mark.parametrize("value", ["maybe", 2, "0.5", -1, "y"])
def test_yes_no_refuses_anything_else(value):
    assert _refused(value, "yes/no", Unit.YES_NO).field == "value"


def test_yes_no_words_are_not_numbers_for_other_units():
    assert _refused("yes", "count", Unit.COUNT).field == "value"
