"""Units a measurement may arrive in, and the exact conversions to a KPI's own unit.

Only conversions that are exact by definition are offered (Wh = 3,600 J, 1 TB = 10⁶ MB,
千円 = 1,000 JPY). A unit of another kind (JPY for a percentage) is refused, never guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from kpis.choices import Unit


@dataclass(frozen=True)
class InputUnit:
    symbol: str
    unit: str
    factor: Decimal
    # Whether the part before "/" must be written exactly: where case changes the
    # quantity (mJ and MJ differ by 10⁹, MB and Mb by 8) it is never guessed.
    case_sensitive: bool = False


_INPUT_UNITS = (
    InputUnit("%", Unit.PERCENT, Decimal(1)),
    InputUnit("count", Unit.COUNT, Decimal(1)),
    InputUnit("件", Unit.COUNT, Decimal(1)),
    InputUnit("JPY/1k tokens", Unit.JPY_PER_1K_TOKENS, Decimal(1)),
    InputUnit("JPY/1M tokens", Unit.JPY_PER_1K_TOKENS, Decimal("0.001")),
    InputUnit("JPY/token", Unit.JPY_PER_1K_TOKENS, Decimal(1000)),
    InputUnit("JPY", Unit.JPY, Decimal(1)),
    InputUnit("円", Unit.JPY, Decimal(1)),
    InputUnit("千円", Unit.JPY, Decimal(1000)),
    InputUnit("百万円", Unit.JPY, Decimal(1_000_000)),
    InputUnit("億円", Unit.JPY, Decimal(100_000_000)),
    InputUnit("J/token", Unit.JOULE_PER_TOKEN, Decimal(1)),
    InputUnit("W/(token/s)", Unit.JOULE_PER_TOKEN, Decimal(1)),
    InputUnit("mJ/token", Unit.JOULE_PER_TOKEN, Decimal("0.001"), case_sensitive=True),
    InputUnit("Wh/token", Unit.JOULE_PER_TOKEN, Decimal(3600)),
    InputUnit("Wh/1k tokens", Unit.JOULE_PER_TOKEN, Decimal("3.6")),
    InputUnit("kWh/1M tokens", Unit.JOULE_PER_TOKEN, Decimal("3.6")),
    InputUnit("TB/month", Unit.TB_PER_MONTH, Decimal(1), case_sensitive=True),
    InputUnit("PB/month", Unit.TB_PER_MONTH, Decimal(1000), case_sensitive=True),
    InputUnit("GB/month", Unit.TB_PER_MONTH, Decimal("0.001"), case_sensitive=True),
    InputUnit("MB/month", Unit.TB_PER_MONTH, Decimal("0.000001"), case_sensitive=True),
    InputUnit("yes/no", Unit.YES_NO, Decimal(1)),
)
# Each KPI unit is also accepted under its own code ("percent", "tb_per_month").
INPUT_UNITS: dict[str, InputUnit] = {
    **{unit.value: InputUnit(unit.value, unit.value, Decimal(1)) for unit in Unit},
    **{u.symbol.casefold(): u for u in _INPUT_UNITS},
}
_YES = {"yes", "true", "はい", "あり", "1"}
_NO = {"no", "false", "いいえ", "なし", "0"}
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?\Z")


class UnitError(ValueError):
    """A value or unit a KPI cannot take; the message is for the person who sent it."""

    def __init__(self, message: str, field: str = "value") -> None:
        super().__init__(message)
        self.field = field


def symbols_for(unit: str) -> list[str]:
    """The unit symbols accepted for a KPI kept in ``unit``, its own symbol first."""
    return [u.symbol for u in _INPUT_UNITS if u.unit == unit] + [unit]


def to_kpi_unit(value: object, symbol: object, unit: str) -> float:
    """``value`` given in ``symbol``, converted exactly to ``unit``, or :class:`UnitError`."""
    if not isinstance(symbol, str) or not symbol.strip():
        raise UnitError(_("A unit is required."), field="unit")
    written = " ".join(symbol.split())
    given = INPUT_UNITS.get(written.casefold())
    prefix = written.split("/")[0]
    if given is not None and given.case_sensitive and prefix != given.symbol.split("/")[0]:
        given = None
    if given is None:
        raise UnitError(_("Unknown unit “%(symbol)s”.") % {"symbol": symbol}, field="unit")
    if given.unit != unit:
        raise UnitError(
            _(
                "“%(symbol)s” is not a unit of this KPI, which is kept in %(unit)s; "
                "use one of %(accepted)s."
            )
            % {
                "symbol": symbol,
                "unit": Unit(unit).label,
                "accepted": ", ".join(symbols_for(unit)),
            },
            field="unit",
        )
    number = _number(value, yes_no=unit == Unit.YES_NO)
    try:
        # "+ 0.0" turns -0 into 0, so it neither shows as "-0" nor changes a checksum.
        converted = float(number * given.factor) + 0.0
    except ArithmeticError:  # decimal.Overflow: an exponent beyond what Decimal keeps
        raise UnitError(_("The value is too large.")) from None
    return checked_value(converted, unit)


def _number(value: object, *, yes_no: bool) -> Decimal:
    if isinstance(value, bool):
        if yes_no:
            return Decimal(int(value))
        raise UnitError(_("A number is required, not true/false."))
    if isinstance(value, str) and yes_no and value.strip().casefold() in _YES | _NO:
        return Decimal(1 if value.strip().casefold() in _YES else 0)
    if isinstance(value, int):
        # Decimal(int) directly: str() of a huge int raises ValueError.
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)
    if not isinstance(value, str):
        raise UnitError(_("A number is required."))
    text = value.strip()
    if "," in text:
        # Commas only as thousands separators: "1,5" is 1.5 in much of Europe, not 15.
        if not _THOUSANDS.match(text):
            raise UnitError(_("“%(value)s” is not a number.") % {"value": value})
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise UnitError(_("“%(value)s” is not a number.") % {"value": value}) from None
    if not number.is_finite():
        raise UnitError(_("The value must be a finite number, not %(value)s.") % {"value": value})
    return number


def checked_value(value: float, unit: str) -> float:
    if not math.isfinite(value):
        raise UnitError(_("The value is too large."))
    if value < 0:
        raise UnitError(_("The value may not be negative."))
    if unit == Unit.PERCENT and value > 100:
        raise UnitError(_("A percentage must be between 0 and 100."))
    if unit == Unit.COUNT and value != int(value):
        raise UnitError(_("A count must be a whole number."))
    if unit == Unit.YES_NO and value not in (0, 1):
        raise UnitError(_("A yes/no value must be 1 (yes) or 0 (no)."))
    return value
