"""The authority's name: one home for what every page, PDF and download calls it.

A questionnaire may ask for it (Appendix A's Q1, "Name of authority"; the ASCE forms' "Name",
whose hint says "the name of your local authority"): a one-line text question whose text or hint
says "name of the/your (local) authority/organisation/council". The confirmation page and the
answers PDF name the authority as given there when it was given, else as invited; anonymised
downloads leave that question out (:func:`survey.exports.table.identifying_question_ids`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from survey.questionnaire.model import Question, QuestionInstance, Questionnaire, Repeat
from survey.questionnaire.types import question_type

AUTHORITY_NAME = re.compile(
    r"\bname of (the |your )?(local )?(authority|organi[sz]ation|council)\b", re.I
)


def names_the_authority(question: Question) -> bool:
    """A one-line text question asking for the authority's (or organisation's) name."""
    wording = f"{question.text} {question.hint or ''}"
    return question_type(question).holds_a_name and bool(AUTHORITY_NAME.search(wording))


def authority_question(questionnaire: Questionnaire) -> Question | None:
    """The question (asked once, outside any repeat) that names the authority, if there is one."""
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            continue
        for question in item.questions:
            if names_the_authority(question):
                return question
    return None


def authority_name(questionnaire: Questionnaire, answers: Mapping[str, Any], invited: str) -> str:
    """The authority's name as given in the questionnaire when it was given, else as invited."""
    question = authority_question(questionnaire)
    given = answers.get(QuestionInstance(question).key) if question is not None else None
    if isinstance(given, str) and given.strip() and given.strip().lower() not in ("n/a", "na"):
        return " ".join(given.split())
    return invited
