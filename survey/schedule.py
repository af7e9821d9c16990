"""When a questionnaire is open: its definition's dates, unless the configuration overrides them.

``SURVEY_SCHEDULE`` (docs: README, Configuration) maps a questionnaire id (or ``"*"``) to
``{"opens": ..., "closes": ...}``; ``null`` means no limit. The link enforces :func:`window`;
the texts that name the dates (``{closes}`` in the welcome page and the printed guidance) use
:func:`printed_dates`, so paper and screen say the date the survey really closes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from survey.questionnaire.model import Questionnaire

Dates = tuple[dt.date | None, dt.date | None]


def window(questionnaire: Questionnaire, schedule: Mapping[str, Any]) -> Dates:
    """Opening and closing dates as enforced: the schedule's where it names them."""
    override = schedule.get(questionnaire.id, schedule.get("*", {})) or {}
    opens, closes = questionnaire.opens, questionnaire.closes
    if "opens" in override:
        opens = dt.date.fromisoformat(override["opens"]) if override["opens"] else None
    if "closes" in override:
        closes = dt.date.fromisoformat(override["closes"]) if override["closes"] else None
    return opens, closes


def printed_dates(questionnaire: Questionnaire, schedule: Mapping[str, Any]) -> Dates:
    """The dates a text names: the schedule's, or the definition's where the schedule lifts the
    limit (a try-out server kept open still prints the survey's own closing date)."""
    opens, closes = window(questionnaire, schedule)
    return opens or questionnaire.opens, closes or questionnaire.closes
