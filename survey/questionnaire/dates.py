"""Dates in words ("1 April 2013", "Monday 1 April 2013", "April 2013"), in the language of the
page being written: Babel's month and day names for that language ("1 Ebrill 2013" in Welsh).

Nothing here knows about Flask: the web layer (survey.web.words) installs, with
:func:`set_language`, how the current language is found (the language of the engine's own words
on the page); without it, or for a language Babel does not know, dates are written in English.
English output is the same as Python's ``%A``/``%B`` formatting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

from survey.questionnaire.engine_texts import word

SOURCE = "en"
_language: list[Callable[[], str]] = []


def set_language(language: Callable[[], str] | None) -> None:
    """Install how the current language (a BCP 47 tag such as ``cy``) is found."""
    _language[:] = [language] if language else []


def locale() -> Locale:
    """The Babel locale dates are written in now."""
    return _locale(_language[0]() if _language else SOURCE)


@lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE)


def long_date(value: dt.date, weekday: bool = False) -> str:
    """ "1 April 2013"; with ``weekday``, "Monday 1 April 2013"."""
    return format_date(value, "EEEE d MMMM y" if weekday else "d MMMM y", locale=locale())


def month_year(value: dt.date) -> str:
    """ "April 2013"."""
    return format_date(value, "MMMM y", locale=locale())


def date_time(value: dt.datetime) -> str:
    """ "1 April 2013 at 14:05 UTC" (the time as stored, in UTC)."""
    return word(
        "date_at_time",
        date=long_date(value),
        time=format_time(value, "HH:mm", locale=locale()),
    )
