"""Numbers for display: rounded half away from zero, as the source report rounds.

Figures keep full precision in their data; only what is shown is rounded. Ratios of whole pounds
are computed as exact fractions, so a value that is exactly half way (12.5%) always rounds away
from zero, whatever binary floating point would have made of it.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

NA = "N/A"


def round_half_away(value: float | int | Fraction, places: int = 0) -> Decimal:
    """``value`` rounded to ``places`` decimals, halves away from zero (2.5 -> 3, -2.5 -> -3)."""
    exact = value if isinstance(value, Fraction) else Fraction(Decimal(repr(float(value))))
    scaled = exact * 10**places
    whole, remainder = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    return Decimal(-whole if scaled < 0 else whole).scaleb(-places)


def ratio(numerator: int | float, denominator: int | float) -> Fraction | float:
    """numerator / denominator, exactly when both are whole numbers."""
    if isinstance(numerator, int) and isinstance(denominator, int):
        return Fraction(numerator, denominator)
    return numerator / denominator


def percent(numerator: int | float, denominator: int | float) -> Fraction | float:
    """100 x numerator / denominator (exact for whole numbers)."""
    return ratio(numerator * 100, denominator)


def format_value(value: Any, unit: str, places: int = 0) -> str:
    """How a cell reads: 28%, 1,234, £12,345; N/A for missing values."""
    if value is None:
        return NA
    if unit == "percent":
        return f"{round_half_away(value, places):f}%"
    if unit == "money":
        rounded = round_half_away(value, 0)
        sign = "-" if rounded < 0 else ""
        return f"{sign}£{abs(int(rounded)):,}"
    if unit == "count":
        return f"{int(value):,}" if float(value).is_integer() else str(round_half_away(value, 1))
    return str(value)


def plain(value: Any) -> Any:
    """A JSON-friendly number: fractions become floats, whole numbers stay whole."""
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    return value
