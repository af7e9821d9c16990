"""A questionnaire's fieldwork dates: the definition's, unless configuration overrides them
(``SURVEY_SCHEDULE``). One home for the respondent's pages (open or closed) and the emails
(the closing date they give)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from survey.questionnaire.model import Questionnaire


def window(
    questionnaire: Questionnaire, schedule: Mapping[str, Any]
) -> tuple[dt.date | None, dt.date | None]:
    """Opening and closing dates; ``schedule`` is the SURVEY_SCHEDULE setting, where a key set
    to null means no limit and ``"*"`` applies to every questionnaire."""
    override = schedule.get(questionnaire.id, schedule.get("*", {}))
    opens, closes = questionnaire.opens, questionnaire.closes
    if "opens" in override:
        opens = dt.date.fromisoformat(override["opens"]) if override["opens"] else None
    if "closes" in override:
        closes = dt.date.fromisoformat(override["closes"]) if override["closes"] else None
    return opens, closes
