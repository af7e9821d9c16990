"""One cell of the table: what a variable's answer becomes, and whether a value fits its column.

Shared by every format: :func:`cell_value` turns an answer into a code, 0/1, a number or a text;
:func:`neutralise` (from :mod:`survey.spreadsheets`) keeps a CSV from running text as a formula;
:func:`timestamp` writes the database's naive UTC times as ISO 8601 with a ``Z``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from survey.disclosure import UNFIT, WITHHELD
from survey.disclosure.types import TYPE_WITHHELD
from survey.questionnaire.variables import FLAG_LABELS, Variable
from survey.spreadsheets import FORMULA_STARTS, neutralise

__all__ = ["FORMULA_STARTS", "cell_function", "cell_value", "fit_checks", "neutralise", "timestamp"]
_MARKERS = (WITHHELD, UNFIT, TYPE_WITHHELD)

Check = Callable[[Any], bool]
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])", re.ASCII)  # a month and year: 2013-03


def cell_value(
    v: Variable, answers: Mapping[str, Any], labels: bool = False, key: str | None = None
) -> Any:
    """The cell for a variable: an option id (or its label), 0/1, an int, a text, or None.
    ``key`` reads another answer key (the same variable in another repeat instance)."""
    value = answers.get(key or v.key)
    if v.kind == "flag":
        if value in (None, "", []):
            return None
        chosen = value if isinstance(value, list) else [value]
        flag = 1 if v.option in chosen else 0
        return FLAG_LABELS[flag] if labels else flag
    if value in (None, "", []):
        return None
    if v.kind == "code":
        value = str(value)
        return v.label_map.get(value, value) if labels else value
    if v.kind == "number":
        return value if isinstance(value, int | float) else str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def cell_function(v: Variable, labels: bool = False) -> Callable[[Any], Any]:
    """:func:`cell_value` of this variable as a function of the answer (``answers.get(key)``),
    with what depends on the variable alone worked out once: the same cell for every value,
    for writing many rows (a wide download calls it for every column of every response)."""
    empty = _empty
    if v.kind == "flag":
        option = v.option
        yes, no = (FLAG_LABELS[1], FLAG_LABELS[0]) if labels else (1, 0)

        def flag(value: Any) -> Any:
            if value is None or value in empty:
                return None
            chosen = value if isinstance(value, list) else [value]
            return yes if option in chosen else no

        return flag
    if v.kind == "code":
        label_map = v.label_map

        def code(value: Any) -> Any:
            if value is None or value in empty:
                return None
            value = str(value)
            return label_map.get(value, value) if labels else value

        return code
    if v.kind == "number":

        def number(value: Any) -> Any:
            if value is None or value in empty:
                return None
            return value if isinstance(value, int | float) else str(value)

        return number

    def text(value: Any) -> Any:
        if value is None or value in empty:
            return None
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    return text


_empty: tuple[Any, ...] = ("", [])  # an answer left blank, as cell_value sees it


def fit_checks(found: Iterable[Variable]) -> dict[str, Check]:
    """``{answer key: check}`` for every key the variables read: whether a value fits the
    column(s) it fills. A number column takes numbers, a coded column one of its codes, a
    multiple choice a list of its options, a date an ISO date (a month and year 2013-03); free text anything (it is
    withheld or reviewed on its own). Anonymised downloads withhold a value that does not fit
    (:data:`UNFIT`): an older version's answer typed into a textarea under a key the latest
    version asks as a number must not pass through as "a number"."""
    flags: dict[str, set[str]] = defaultdict(set)
    checks: dict[str, Check] = {}
    for v in found:
        if v.kind == "flag":
            flags[v.key].add(v.option or "")
        elif v.kind == "code":
            checks[v.key] = _one_of(frozenset(v.label_map))
        elif v.kind == "number":
            checks[v.key] = _is_number
        elif v.date:
            checks[v.key] = _is_date if v.date == "day" else _is_month
    for key, options in flags.items():
        checks[key] = _list_of(frozenset(options))
    return {key: _empty_or(check) for key, check in checks.items()}


def _one_of(codes: frozenset[str]) -> Check:
    return lambda value: isinstance(value, str) and value in codes


def _list_of(options: frozenset[str]) -> Check:
    return lambda value: (
        isinstance(value, list) and all(isinstance(x, str) and x in options for x in value)
    )


def _empty_or(check: Check) -> Check:
    """An empty answer, or a marker the sponsor's view put there already, always fits."""
    return lambda value: value in (None, "", []) or value in _MARKERS or check(value)


def _is_date(value: Any) -> bool:
    try:
        return isinstance(value, str) and dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def _is_month(value: Any) -> bool:
    return isinstance(value, str) and _MONTH.fullmatch(value) is not None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def timestamp(value: dt.datetime | None, timespec: str = "seconds") -> str | None:
    """ISO 8601 in UTC with a ``Z`` (the database keeps naive UTC): ``2013-06-01T10:30:15Z``."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec=timespec) + "Z"
