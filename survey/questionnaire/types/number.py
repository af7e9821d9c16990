"""Numbers: ``money`` (whole pounds), ``number`` (whole numbers) and ``percentage``.

Their answer keys are the ones a page check (``sum_equals``, ``percent_of``) may add up. Bounds
(``min``, ``max``) are the definition's; a percentage is 0 to 100 unless it says otherwise.
``decimals`` declares how many decimal places a number or percentage may have (a number's
default is none, a percentage's two); money is whole pounds unless it declares ``pence: true``.
"""

from __future__ import annotations

import re
from typing import Any

from survey.questionnaire.engine_texts import word
from survey.questionnaire.money import (
    MoneyError,
    format_money,
    format_money_pence,
    parse_money,
    parse_money_pence,
)
from survey.questionnaire.types.base import Invalid, ScalarType, Spec

# Whole numbers and percentages are at most this long: Python refuses int() of 4,301+ digits
# (a 500), and a float of 400 digits is infinity, which no JSON column can store.
NUMBER_DIGITS = 15


MAX_DECIMALS = 6  # decimal places a definition may declare


def decimals_of(spec: Spec) -> int:
    """The decimal places a number may have: declared, or two for a percentage, none otherwise."""
    if spec.decimals is not None:
        return spec.decimals
    return 2 if spec.type == "percentage" else 0


def parse_number(text: str, spec: Spec) -> int | float:
    """Numbers and percentages with up to their declared decimal places (whole numbers when none).
    A value with no fractional part is stored as a whole number (12, not 12.0)."""
    cleaned = text.replace(",", "").replace(" ", "")
    if len(re.sub(r"\D", "", cleaned).lstrip("0")) > NUMBER_DIGITS:  # before int() or float()
        raise ValueError(word("error_number_digits", digits=NUMBER_DIGITS))
    percentage = spec.type == "percentage"
    places = decimals_of(spec)
    if percentage:
        cleaned = cleaned.removesuffix("%")
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", cleaned, re.ASCII):
        raise ValueError(_example(percentage, places))
    fraction = cleaned.partition(".")[2]
    if len(fraction) > places:
        if not places or (percentage and spec.decimals is None):
            raise ValueError(_example(percentage, places))  # (the message before decimals)
        what = word("a_percentage" if percentage else "a_number")
        raise ValueError(word("error_decimals", what=what, places=places))
    as_float = float(cleaned)
    value: int | float = int(as_float) if as_float.is_integer() else round(as_float, places)
    unit = "%" if percentage else ""
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(word("error_number_at_least", least=f"{spec.minimum:g}{unit}"))
    if spec.maximum is not None and value > spec.maximum:
        raise ValueError(word("error_number_at_most", most=f"{spec.maximum:g}{unit}"))
    return value


def _example(percentage: bool, places: int) -> str:
    """What to type, as an example of the number's precision."""
    if percentage:
        return word("error_percentage_two_places") if places == 2 else (
            word("error_percentage_places", sample=_sample(places)) if places else
            word("error_percentage_whole")
        )  # fmt: skip
    if not places:
        return word("error_whole_number")
    return word("error_number_places", sample=_sample(places))


def _sample(places: int) -> str:
    return "7." + "25"[:places] if places <= 2 else "7." + "2" * (places - 1) + "5"


class NumberType(ScalarType):
    """A whole number, shown with its ``unit`` ("1,200 staff")."""

    template = "respondent/types/number.html"
    print_template = "print/types/number.html"
    yaml_keys = frozenset({"min", "max", "unit", "decimals"})
    numeric = True
    stored = "number"
    figure_unit = "count"
    default_bounds: tuple[float | None, float | None] = (None, None)
    prefix = ""  # shown before the input
    demo_digits = 0  # demonstration answers are rounded to these digits unless told otherwise

    def suffix(self, spec: Spec) -> str | None:
        """Shown after the input."""
        return spec.unit

    def input_mode(self, spec: Spec) -> str:
        """The phone keyboard: with a decimal point when the number may have decimals."""
        return "decimal" if decimals_of(spec) else "numeric"

    def parse(self, v, raw, path, kw) -> None:
        kw["minimum"], kw["maximum"] = self.bounds(v, raw, path)
        kw["unit"] = v.text(raw, "unit", path)
        self.parse_decimals(v, raw, path, kw)

    def parse_field(self, v, raw, path, kw) -> None:
        kw["minimum"], kw["maximum"] = self.bounds(v, raw, path)
        self.parse_decimals(v, raw, path, kw)

    def parse_decimals(self, v, raw, path: str, kw: dict[str, Any]) -> None:
        """``decimals``: how many decimal places the number may have (0 to MAX_DECIMALS)."""
        kw["decimals"] = v.integer(raw, "decimals", path, 0, MAX_DECIMALS)

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
                "decimals": decimals_of(q),
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
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return str(value)
        shown = f"{value:,}" if isinstance(value, int) else f"{value:,.{decimals_of(spec)}f}"
        return shown + (f" {spec.unit}" if spec.unit else "")

    def field_kind(self) -> str:
        return "number"

    def field_demo(self, generator, spec, declared_key, qi, answers) -> Any:
        return generator.number(spec, declared_key, qi, answers)

    def demo_default(self, rng: Any, spec: Spec) -> int | float:
        """A demonstration answer when the definition says nothing of what is plausible."""
        low = spec.minimum if spec.minimum is not None else 0
        high = spec.maximum if spec.maximum is not None else 100
        places = decimals_of(spec) if spec.type == "number" else 0
        value = round(rng.uniform(low, high), places)
        return value if places and not float(value).is_integer() else int(round(value))

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

    def suffix(self, spec) -> str | None:
        return "%"

    def format(self, value, spec) -> str:
        return f"{value:g}%"


class MoneyType(NumberType):
    """Whole pounds, typed with or without £ and separators (survey.questionnaire.money)."""

    template = "respondent/types/money.html"
    print_template = "print/types/money.html"
    yaml_keys = frozenset({"min", "max", "unit", "allow_negative", "pence"})
    stored = "money"
    figure_unit = "money"
    pounds = True
    described = "money (£)"
    prefix = "£"
    demo_digits = -2

    def demo_default(self, rng, spec) -> int | float:
        pounds = int(round(rng.uniform(1e4, 1e6), -2))
        return pounds + rng.randint(1, 99) / 100 if spec.pence else pounds

    def demo_round(self, value, digits) -> int:
        """Whole pounds, to the hundred unless told otherwise."""
        return int(round(value, int(self.demo_digits if digits is None else digits)))

    def parse(self, v, raw, path, kw) -> None:
        kw["allow_negative"] = v.flag(raw, "allow_negative", path)
        super().parse(v, raw, path, kw)

    def parse_decimals(self, v, raw, path, kw) -> None:
        """Money's precision is ``pence: true`` (pounds and pence) or whole pounds."""
        if "decimals" in raw:
            v.problem(raw, f"{path}.decimals", "money has no 'decimals': declare 'pence: true' "
                      "for pounds and pence", "decimals")  # fmt: skip
        kw["pence"] = v.flag(raw, "pence", path)

    def describe(self, q) -> dict[str, Any]:
        out = super().describe(q)
        out["numeric"]["decimals"] = 2 if q.pence else 0
        out["numeric"]["pence"] = q.pence
        return out

    def input_mode(self, spec) -> str:
        return "decimal" if spec.pence else "numeric"

    def pounds_of(self, spec) -> bool:
        return not spec.pence

    def field_display(self, key, value) -> dict[str, Any]:
        if isinstance(value, float):
            value = format_money_pence(value).replace("£", "")
        elif isinstance(value, int) and not isinstance(value, bool):
            value = format_money(value).replace("£", "")
        return {key: value}

    def read(self, posted, key, spec, what) -> Any:
        value = ScalarType.read(self, posted, key, spec, what)
        if value is None:
            return None
        negative = getattr(spec, "allow_negative", True)
        try:
            if spec.pence:
                return parse_money_pence(value, negative)
            return parse_money(value, negative)
        except MoneyError as exc:
            raise Invalid(str(exc)) from None

    def format(self, value, spec) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return str(value)
        if spec.pence:
            return format_money_pence(value)
        return format_money(value) if isinstance(value, int) else str(value)
