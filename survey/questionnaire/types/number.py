"""Numbers: ``money`` (whole pounds), ``number`` (whole numbers) and ``percentage``.

Their answer keys are the ones a page check (``sum_equals``, ``percent_of``) may add up. Bounds
(``min``, ``max``) are the definition's; a percentage is 0 to 100 unless it says otherwise.
"""

from __future__ import annotations

import re
from typing import Any

from survey.questionnaire.money import MoneyError, format_money, parse_money
from survey.questionnaire.types.base import Invalid, ScalarType, Spec

# Whole numbers and percentages are at most this long: Python refuses int() of 4,301+ digits
# (a 500), and a float of 400 digits is infinity, which no JSON column can store.
NUMBER_DIGITS = 15


def parse_number(text: str, spec: Spec) -> int | float:
    """Whole numbers (``number``) or percentages with up to two decimal places."""
    cleaned = text.replace(",", "").replace(" ", "")
    if len(re.sub(r"\D", "", cleaned).lstrip("0")) > NUMBER_DIGITS:  # before int() or float()
        raise ValueError(f"Enter a number with no more than {NUMBER_DIGITS} digits")
    percentage = spec.type == "percentage"
    if percentage:
        cleaned = cleaned.removesuffix("%")
        if not re.fullmatch(r"-?\d+(\.\d{1,2})?", cleaned, re.ASCII):
            raise ValueError("Enter a percentage as a number, like 5 or 7.25")
        as_float = float(cleaned)
        value: int | float = int(as_float) if as_float.is_integer() else as_float
    else:
        if not re.fullmatch(r"-?\d+", cleaned, re.ASCII):
            raise ValueError("Enter a whole number, like 12")
        value = int(cleaned)
    unit = "%" if percentage else ""
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"Enter a number of {spec.minimum:g}{unit} or more")
    if spec.maximum is not None and value > spec.maximum:
        raise ValueError(f"Enter a number of {spec.maximum:g}{unit} or less")
    return value


class NumberType(ScalarType):
    """A whole number, shown with its ``unit`` ("1,200 staff")."""

    template = "respondent/types/number.html"
    print_template = "print/types/number.html"
    yaml_keys = frozenset({"min", "max", "unit"})
    numeric = True
    stored = "number"
    figure_unit = "count"
    default_bounds: tuple[float | None, float | None] = (None, None)
    prefix = ""  # shown before the input
    inputmode = "numeric"
    demo_digits = 0  # demonstration answers are rounded to these digits unless told otherwise

    def suffix(self, spec: Spec) -> str | None:
        """Shown after the input."""
        return spec.unit

    def parse(self, v, raw, path, kw) -> None:
        kw["minimum"], kw["maximum"] = self.bounds(v, raw, path)
        kw["unit"] = v.text(raw, "unit", path)

    def parse_field(self, v, raw, path, kw) -> None:
        kw["minimum"], kw["maximum"] = self.bounds(v, raw, path)

    def bounds(self, v, raw, path: str) -> tuple[float | None, float | None]:
        values = []
        for key in ("min", "max"):
            value = raw.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                v.problem(raw, f"{path}.{key}", "must be a number", key)
                value = None
            values.append(value)
        low, high = values
        default_low, default_high = self.default_bounds
        low = default_low if low is None else low
        high = default_high if high is None else high
        if low is not None and high is not None and low > high:
            v.problem(raw, f"{path}.min", "min is larger than max", "min")
        return low, high

    def describe(self, q) -> dict[str, Any]:
        return {
            "numeric": {
                "min": q.minimum,
                "max": q.maximum,
                "unit": q.unit,
                "allow_negative": q.allow_negative,
            }
        }

    def numeric_keys(self, q) -> dict[str, str]:
        return {q.id: q.type}

    def read(self, posted, key, spec, what) -> Any:
        value = super().read(posted, key, spec, what)
        if value is None:
            return None
        try:
            return parse_number(value, spec)
        except ValueError as exc:
            raise Invalid(str(exc)) from None

    def format(self, value, spec) -> str:
        if isinstance(value, int):
            return f"{value:,}" + (f" {spec.unit}" if spec.unit else "")
        return str(value)

    def field_kind(self) -> str:
        return "number"

    def field_demo(self, generator, spec, declared_key, qi, answers) -> Any:
        return generator.number(spec, declared_key, qi, answers)

    def demo_default(self, rng: Any, spec: Spec) -> int:
        """A demonstration answer when the definition says nothing of what is plausible."""
        low = spec.minimum if spec.minimum is not None else 0
        high = spec.maximum if spec.maximum is not None else 100
        return int(round(rng.uniform(low, high)))

    def demo_round(self, value: float, digits: Any) -> int | float:
        """A drawn value rounded as ``settings.demo.amounts`` says (Python's round digits)."""
        places = int(self.demo_digits if digits is None else digits)
        rounded = round(value, places)
        return int(rounded) if places <= 0 else rounded


class PercentageType(NumberType):
    """Up to two decimal places, 0 to 100 unless the definition says otherwise."""

    stored = "percentage"
    figure_unit = "percent"
    default_bounds = (0, 100)
    inputmode = "decimal"

    def suffix(self, spec) -> str | None:
        return "%"

    def format(self, value, spec) -> str:
        return f"{value:g}%"


class MoneyType(NumberType):
    """Whole pounds, typed with or without £ and separators (survey.questionnaire.money)."""

    template = "respondent/types/money.html"
    print_template = "print/types/money.html"
    yaml_keys = frozenset({"min", "max", "unit", "allow_negative"})
    stored = "money"
    figure_unit = "money"
    pounds = True
    described = "money (£)"
    prefix = "£"
    demo_digits = -2

    def demo_default(self, rng, spec) -> int:
        return int(round(rng.uniform(1e4, 1e6), -2))

    def demo_round(self, value, digits) -> int:
        """Whole pounds, to the hundred unless told otherwise."""
        return int(round(value, int(self.demo_digits if digits is None else digits)))

    def parse(self, v, raw, path, kw) -> None:
        kw["allow_negative"] = v.flag(raw, "allow_negative", path)
        super().parse(v, raw, path, kw)

    def field_display(self, key, value) -> dict[str, Any]:
        if isinstance(value, int):
            value = format_money(value).replace("£", "")
        return {key: value}

    def read(self, posted, key, spec, what) -> Any:
        value = ScalarType.read(self, posted, key, spec, what)
        if value is None:
            return None
        try:
            return parse_money(value, getattr(spec, "allow_negative", True))
        except MoneyError as exc:
            raise Invalid(str(exc)) from None

    def format(self, value, spec) -> str:
        return format_money(value) if isinstance(value, int) else str(value)
