"""A ``date``: typed in three boxes (day, month, year), stored as ISO text (``2013-04-01``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from survey.questionnaire import keys
from survey.questionnaire.types.base import FieldSpec, Invalid, Posted, ScalarType

REAL_DATE = "The date must be a real date, like 27 3 2012"


def parse_date_fields(posted: Posted, key: str) -> tuple[str | None, str | None, str]:
    """(ISO date or None, error message or None, the raw parts as typed)."""
    parts = {p: (posted[keys.date_part_key(key, p)].data or "").strip() for p in keys.DATE_PARTS}
    raw = "-".join(parts[p] for p in ("year", "month", "day"))
    if not any(parts.values()):
        return None, None, raw
    missing = [p for p in keys.DATE_PARTS if not parts[p]]
    if missing:
        return None, f"The date must include a {' and '.join(missing)}", raw
    if not all(parts[p].isdigit() for p in keys.DATE_PARTS) or len(parts["year"]) != 4:
        return None, REAL_DATE, raw
    try:
        value = dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return None, REAL_DATE, raw
    return value.isoformat(), None, raw


class DateType(ScalarType):
    template = "respondent/types/date.html"
    print_template = "print/types/number.html"  # a plain line on paper, as a number has
    stored = "date"

    def field_specs(self, key, spec) -> list[FieldSpec]:
        return [(keys.date_part_key(key, part), "text", ()) for part in keys.DATE_PARTS]

    def field_display(self, key, value) -> dict[str, Any]:
        parts = str(value).split("-") if value else ["", "", ""]
        year, month, day = (parts + ["", "", ""])[:3]
        return {
            keys.date_part_key(key, "day"): day,
            keys.date_part_key(key, "month"): month,
            keys.date_part_key(key, "year"): year,
        }

    def read(self, posted, key, spec, what) -> Any:
        value, message, _ = parse_date_fields(posted, key)
        if message:
            raise Invalid(message)
        return value

    def draft(self, posted, key) -> str:
        """A refused date is kept as its three parts as typed (year-month-day)."""
        return parse_date_fields(posted, key)[2]

    def format(self, value, spec) -> str:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return f"{day.day} {day:%B %Y}"
