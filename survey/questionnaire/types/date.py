"""Dates: a ``date`` typed in three boxes (day, month, year), stored as ISO text (``2013-04-01``),
and a ``month_year`` in two (month, year), stored as ``2013-04``.

Either may declare bounds, ``min`` and ``max``: a date (``2013-04-01``; a month, ``2013-04``, for a
month-year) or ``today``. A date outside them is refused with a message naming the bound, as the
GOV.UK date pattern words it ("The date must be the same as or after 1 April 2013").
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from survey.questionnaire import dates, keys
from survey.questionnaire.engine_texts import word
from survey.questionnaire.types.base import FieldSpec, Invalid, Posted, ScalarType, Spec

TODAY = "today"
_MONTH = re.compile(r"\d{4}-\d{2}", re.ASCII)


def parse_date_fields(
    posted: Posted, key: str, parts_order: tuple[str, ...] = keys.DATE_PARTS
) -> tuple[str | None, str | None, str]:
    """(ISO date or None, error message or None, the raw parts as typed, year first)."""
    parts = {p: (posted[keys.date_part_key(key, p)].data or "").strip() for p in parts_order}
    raw = "-".join(parts[p] for p in ("year", "month", "day") if p in parts)
    if not any(parts.values()):
        return None, None, raw
    missing = [p for p in parts_order if not parts[p]]
    example = word("error_date_real" if "day" in parts else "error_month_real")
    if missing:
        named = f" {word('word_and')} ".join(word(f"date_part_{p}") for p in missing)
        return None, word("error_date_missing", parts=named), raw
    if not all(parts[p].isdigit() for p in parts_order) or len(parts["year"]) != 4:
        return None, example, raw
    try:
        value = dt.date(int(parts["year"]), int(parts["month"]), int(parts.get("day", "1")))
    except ValueError:
        return None, example, raw
    return (value.isoformat() if "day" in parts else value.isoformat()[:7]), None, raw


def long_date(value: dt.date) -> str:
    """ "1 April 2013", in the page's language ("1 Ebrill 2013")."""
    return dates.long_date(value)


class DateType(ScalarType):
    template = "respondent/types/date.html"
    print_template = "print/types/date.html"
    yaml_keys = frozenset({"min", "max"})
    stored = "date"
    date_precision = "day"  # its text column holds an ISO date, not words that may name anyone
    # the boxes, in the order they are shown: (part, label, width in characters)
    boxes: tuple[tuple[str, str, int], ...] = (("day", "Day", 2), ("month", "Month", 2),
                                               ("year", "Year", 4))  # fmt: skip
    example = "For example, 27 3 2012"

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(part for part, _label, _width in self.boxes)

    # -- definition ---------------------------------------------------------------------------------
    def parse(self, v, raw, path, kw) -> None:
        kw["earliest"], kw["latest"] = self.bounds(v, raw, path)

    def parse_field(self, v, raw, path, kw) -> None:
        kw["earliest"], kw["latest"] = self.bounds(v, raw, path)

    def bounds(self, v, raw, path: str) -> tuple[str | None, str | None]:
        out: list[str | None] = []
        for key in ("min", "max"):
            value = raw.get(key)
            bound = None if value is None else self.bound_text(value)
            if value is not None and bound is None:
                v.problem(raw, f"{path}.{key}", f"must be {self.bound_example} or 'today'", key)
            out.append(bound)
        low, high = out
        if low and high and TODAY not in (low, high) and low > high:
            v.problem(raw, f"{path}.min", "min is later than max", "min")
        return low, high

    bound_example = "a date such as 2013-04-01"

    def bound_text(self, value: Any) -> str | None:
        """A bound as stored (ISO text or ``today``), or None when it is not one."""
        if isinstance(value, dt.date):
            return value.isoformat()
        text = str(value).strip()
        if text == TODAY:
            return TODAY
        try:
            return dt.date.fromisoformat(text).isoformat() if len(text) == 10 else None
        except ValueError:
            return None

    def describe(self, q) -> dict[str, Any]:
        return {"date": {"min": q.earliest, "max": q.latest, "parts": list(self.parts)}}

    # -- the form -----------------------------------------------------------------------------------
    def field_specs(self, key, spec) -> list[FieldSpec]:
        return [(keys.date_part_key(key, part), "text", ()) for part in self.parts]

    def field_display(self, key, value) -> dict[str, Any]:
        stored = str(value).split("-") if value else []
        year, month, day = (stored + ["", "", ""])[:3]
        shown = {"day": day, "month": month, "year": year}
        return {keys.date_part_key(key, part): shown[part] for part in self.parts}

    def read(self, posted, key, spec, what) -> Any:
        value, message, _ = parse_date_fields(posted, key, self.parts)
        if message:
            raise Invalid(message)
        if value is not None:
            self.check_bounds(value, spec)
        return value

    def check_bounds(self, value: str, spec: Spec) -> None:
        """Refuse a date before ``min`` or after ``max`` (ISO text compares as dates do)."""
        today = self.today()
        low = today if spec.earliest == TODAY else spec.earliest
        high = today if spec.latest == TODAY else spec.latest
        if low and value < low:
            if spec.earliest == TODAY:
                raise Invalid(word("error_date_not_past"))
            raise Invalid(word("error_date_after", date=self.format(low, spec)))
        if high and value > high:
            if spec.latest == TODAY:
                raise Invalid(word("error_date_not_future"))
            raise Invalid(word("error_date_before", date=self.format(high, spec)))

    def today(self) -> str:
        return dt.date.today().isoformat()

    def draft(self, posted, key) -> str:
        """A refused date is kept as its parts as typed (year-month-day)."""
        return parse_date_fields(posted, key, self.parts)[2]

    def bounds_hint(self, spec: Spec) -> str | None:
        """The bounds as the page and paper say them ("Between 1 April 2013 and today")."""
        low, high = (
            None if b is None else (word("date_today") if b == TODAY else self.format(b, spec))
            for b in (spec.earliest, spec.latest)
        )
        if low and high:
            return word("date_between", low=low, high=high)
        if low:
            return (
                word("date_on_or_after", date=low)
                if spec.earliest != TODAY
                else word("date_today_or_later")
            )
        if high:
            return (
                word("date_on_or_before", date=high)
                if spec.latest != TODAY
                else word("date_today_or_earlier")
            )
        return None

    # -- the response -------------------------------------------------------------------------------
    def format(self, value, spec) -> str:
        try:
            return long_date(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)

    def field_demo(self, generator, spec, declared_key, qi, answers) -> Any:
        """A date within the declared bounds; none when there are none (nothing says what is
        plausible, and the demonstration answers of definitions without bounds stay as they were)."""
        if spec.earliest is None and spec.latest is None:
            return None
        low = dt.date.fromisoformat(self.resolve(spec.earliest, "2013-04-01"))
        high = dt.date.fromisoformat(self.resolve(spec.latest, low.isoformat(), end=True))
        if high < low:
            high = low
        day = low + dt.timedelta(days=generator.rng.randint(0, (high - low).days or 0))
        return day.isoformat()[: len(self.today())]

    def resolve(self, bound: str | None, default: str, end: bool = False) -> str:
        """A bound as a full ISO date, for drawing demonstration answers."""
        if bound is None:
            return (dt.date.fromisoformat(default) + dt.timedelta(365 if end else 0)).isoformat()
        return dt.date.today().isoformat() if bound == TODAY else bound


class MonthYearType(DateType):
    """A month and year ("March 2013"), stored as ``2013-03``; bounds are months too."""

    boxes = (("month", "Month", 2), ("year", "Year", 4))
    date_precision = "month"
    example = "For example, 3 2012"
    bound_example = "a month such as 2013-04"

    def bound_text(self, value: Any) -> str | None:
        if isinstance(value, dt.date):
            return value.isoformat()[:7]
        text = str(value).strip()
        if text == TODAY:
            return TODAY
        if not _MONTH.fullmatch(text) or not 1 <= int(text[5:]) <= 12:
            return None
        return text

    def today(self) -> str:
        return dt.date.today().isoformat()[:7]

    def format(self, value, spec) -> str:
        text = str(value)
        if not _MONTH.fullmatch(text) or not 1 <= int(text[5:]) <= 12:
            return text
        return dates.month_year(dt.date(int(text[:4]), int(text[5:]), 1))

    def resolve(self, bound, default, end=False) -> str:
        if bound is not None and bound != TODAY:
            return f"{bound}-01"
        return super().resolve(bound, default, end)
