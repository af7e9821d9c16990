"""Date arithmetic in conditions: a date side shifted by an offset, calendar-correct.

An author writes the offset beside the other side of a comparison, ``{question: q6, plus:
{days: 23}}`` or ``{date: 2013-04-01, minus: {months: 1, days: 20}}``, with the units
``years``, ``months``, ``weeks`` and ``days`` as whole numbers (0 or more; ``minus`` goes back).
Years and months move the calendar first, keeping the day of the month where it exists and
otherwise taking the month's last day (31 January plus 1 month is 28 or 29 February); weeks
and days are added after. Reading refuses anything else (:func:`read_offset`), so the
evaluator (:mod:`survey.questionnaire.conditions`) only ever shifts a date by plain integers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
from collections.abc import Callable
from typing import Any

from survey.questionnaire.model import DateOffset

DIRECTIONS = ("plus", "minus")
UNITS = ("years", "months", "weeks", "days")

Problem = Callable[[Any, str, str], None]  # (node, path, message), as Reader.problem


def read_offset(raw: Any, path: str, node: Any, problem: Problem) -> DateOffset | None:
    """The offset of one side from its ``plus``/``minus`` mapping; problems are said at ``path``."""
    direction = next(d for d in DIRECTIONS if d in raw)
    if all(d in raw for d in DIRECTIONS):
        problem(node, path, "give plus or minus, not both")
        return None
    value = raw[direction]
    where = f"{path}.{direction}"
    if not isinstance(value, dict) or not value:
        problem(node, where, f"{direction} is a mapping of {', '.join(UNITS)} to whole numbers")
        return None
    parts: list[tuple[str, int]] = []
    ok = True
    for unit, amount in value.items():
        if unit == "__duplicate_keys__":
            continue
        if unit not in UNITS:
            close = difflib.get_close_matches(str(unit), UNITS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problem(value, where, f"unknown unit '{unit}'{hint}; the units are {', '.join(UNITS)}")
            ok = False
        elif isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            problem(value, f"{where}.{unit}", f"{unit} must be a whole number, 0 or more "
                    f"(write minus for an earlier date), not {amount!r}")  # fmt: skip
            ok = False
        else:
            parts.append((str(unit), amount))
    if not ok:
        return None
    ordered = tuple(sorted(parts, key=lambda p: UNITS.index(p[0])))
    return DateOffset(direction, ordered)


def shift(date: dt.date, offset: DateOffset) -> dt.date | None:
    """The date moved by the offset (None when it leaves the calendar, before year 1 or after 9999)."""
    amounts = dict(offset.parts)
    sign = 1 if offset.direction == "plus" else -1
    months = sign * (12 * amounts.get("years", 0) + amounts.get("months", 0))
    days = sign * (7 * amounts.get("weeks", 0) + amounts.get("days", 0))
    year, month0 = divmod(date.year * 12 + date.month - 1 + months, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return None
    day = min(date.day, calendar.monthrange(year, month0 + 1)[1])
    try:
        return dt.date(year, month0 + 1, day) + dt.timedelta(days=days)
    except OverflowError:
        return None


def offset_data(offset: DateOffset) -> dict[str, dict[str, int]]:
    """The offset as the YAML that means it: ``{"plus": {"days": 23}}``."""
    return {offset.direction: dict(offset.parts)}


def offset_words(offset: DateOffset) -> str:
    """``1 month and 20 days``; a zero offset reads ``0 days``."""
    terms = [f"{n} {unit if n != 1 else unit[:-1]}" for unit, n in offset.parts if n]
    if not terms:
        return "0 days"
    return terms[0] if len(terms) == 1 else ", ".join(terms[:-1]) + " and " + terms[-1]


# how "left <op> base ± offset" reads: "is at least 23 days after" the base
_AFTER = {
    "at_least": "is at least {} after",
    "at_most": "is at most {} after",
    "greater_than": "is more than {} after",
    "less_than": "is less than {} after",
    "equals": "is exactly {} after",
    "not_equals": "is not exactly {} after",
}
# left >= base - 23 days: left is no more than 23 days before the base (or after it)
_BEFORE = {
    "at_least": "is at most {} before",
    "at_most": "is at least {} before",
    "greater_than": "is less than {} before",
    "less_than": "is more than {} before",
    "equals": "is exactly {} before",
    "not_equals": "is not exactly {} before",
}


def comparison_words(op: str, offset: DateOffset) -> str:
    """The verb of a comparison with a shifted side: ``is at least 23 days after``."""
    table = _AFTER if offset.direction == "plus" else _BEFORE
    return table[op].format(offset_words(offset))
